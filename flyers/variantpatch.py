"""Variants made fast, among the PDF's objects: a variant whose QR code
alone differs, patched into the base's serialised objects.

In: the :class:`~flyers.variantfast.Base` of an output (the objects
WeasyPrint's writer made, as the finishers left them, kept by
:func:`flyers.pdf.write_document`) and a variant's job and HTML.  Out: the
variant's PDF bytes — the content stream holding the QR symbol's path, the
links to its address and the document ID made again, every other object
as the base's bytes, all written by pydyf's own writer, so a full build's
bytes — or None when it cannot be proven (:func:`patchable`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .variantboxes import qr_boxes, swapped_image

if TYPE_CHECKING:
    from .variantfast import Base

class _Frozen:
    """One of the base's PDF objects, serialised once: what pydyf's writer
    asks of an object, from the bytes it gave the first time."""

    __slots__ = ('number', 'generation', 'free', 'offset', 'compressible',
                 'data', 'indirect')

    def __init__(self, obj):
        self.number, self.generation = obj.number, obj.generation
        self.free, self.offset = obj.free, 0
        self.compressible = obj.compressible if obj.free != 'f' else False
        if obj.free == 'f':
            self.data = self.indirect = b''
        else:
            self.data = obj.data
            self.indirect = (f'{self.number} {self.generation} obj\n'.encode()
                             + self.data + b'\nendobj')

    @property
    def reference(self):
        return f'{self.number} {self.generation} R'.encode()


@dataclass
class _Patchable:
    """The base's objects, serialised, and where its QR symbol's path
    lies among them."""

    frozen: list
    write: tuple  # (version, identifier, compress) as WeasyPrint wrote
    info: object
    catalog: object
    stream: int  # the object number of the content stream with the path
    content: bytes  # that stream's operators, uncompressed
    drawn: list  # the base symbol's operators, as a fresh stream draws
    annotations: tuple  # object numbers of the links to the QR's address
    metadata: int | None  # the XMP stream (the print edition's DocumentID)


def _draw(base: Base, box, image) -> list:
    """The operators WeasyPrint draws ``image`` in ``box`` with, in a
    fresh stream (the state the page was in before comes in the same)."""
    import pydyf
    from weasyprint.layout import replaced
    from weasyprint.pdf.stream import Stream

    document = base.document
    width, height, _, _ = replaced.replacedbox_layout(box)
    resources = {'ExtGState': {}, 'XObject': {}, 'Pattern': {},
                 'Shading': {}, 'ColorSpace': {}}
    stream = Stream(document.fonts, (0, 0, width, height), resources, {},
                    None, document.color_profiles, document.output_intent)
    image.draw(stream, width, height, box.style)
    return [pydyf._to_bytes(item) for item in stream.stream]


def _joined(items) -> bytes:
    import pydyf

    return b'\n'.join(pydyf._to_bytes(item) for item in items)


def patchable(base: Base) -> _Patchable | None:
    """Where a QR-only variant differs from the base among the PDF's
    objects, found and checked once per base; None when the symbol's
    operators cannot be found exactly once, or the address or document
    ID lies in an object not known to hold it."""
    import pydyf
    import uuid

    written = base.written or {}
    pdf, count = written.get('pdf'), written.get('count')
    if pdf is None or 'write' not in written:
        return None
    boxes = list(qr_boxes(base.document))
    if len(boxes) != 1:
        return None
    _, box = boxes[0]
    items = _draw(base, box, box.replacement)
    drawn = _joined(items)
    found = []
    for obj in pdf.objects[:count]:
        if isinstance(obj, pydyf.Stream) and not isinstance(
                obj.stream, bytes):
            content = _joined(obj.stream)
            at = content.find(b'\n' + drawn + b'\n')
            if at >= 0:
                found.append((obj.number, content,
                              content.count(b'\n' + drawn + b'\n')))
    if len(found) != 1 or found[0][2] != 1:
        return None
    frozen = [_Frozen(obj) for obj in pdf.objects[:count]]
    url = base.job.qr.url.encode()
    identifier = written['write'][1]
    identifier = identifier.decode() if isinstance(identifier, bytes) \
        else str(identifier)
    ids = (identifier.encode(), str(uuid.UUID(hex=identifier[:32])).encode())
    annotations, metadata = [], None
    reference = pdf.catalog.get('Metadata')
    xmp = int(reference.split()[0]) if isinstance(reference, bytes) else None
    for obj, kept in zip(pdf.objects[:count], frozen):
        if kept.number == found[0][0]:
            continue
        if url in kept.data:
            if not (isinstance(obj, pydyf.Dictionary)
                    and obj.get('Type') == '/Annot'
                    and isinstance(obj.get('A'), dict)
                    and getattr(obj['A'].get('URI'), 'string',
                                None) == base.job.qr.url):
                return None
            annotations.append(kept.number)
        if any(part in kept.data for part in ids):
            if kept.number != xmp or not isinstance(obj, pydyf.Stream):
                return None
            metadata = kept.number
    return _Patchable(frozen, written['write'], pdf.info, pdf.catalog,
                      found[0][0], found[0][1], items, tuple(annotations),
                      metadata)


_PATH = re.compile(rb'(?:-?[0-9.]+ )*(?:m|l|c|v|y|h|re)')


def patch_qr(base: Base, job, html: str) -> bytes | None:
    """The variant's PDF from the base's serialised objects, only the
    content stream with the QR symbol's path, the links to its address and
    the document ID made again, then written by pydyf's own writer (and,
    for the screen edition, tidied as a full build does): the bytes of a
    full build.  None when it cannot be proven (see :func:`patchable`)."""
    import io
    import re
    import uuid

    import pydyf

    from .links import tidy_links
    from .pdf import _write_options

    if base.patch is None:
        base.patch = patchable(base) or False
    patch = base.patch
    if not patch:
        return None
    (_, box), = list(qr_boxes(base.document))
    image = swapped_image(box, str(job.qr.svg))
    if image is None:
        return None
    old, new = patch.drawn, _draw(base, box, image)
    # Only path construction may differ: the colours, the state and the
    # rectangle under the symbol are the base's.
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while (end < min(len(old), len(new)) - start
           and old[-1 - end] == new[-1 - end]):
        end += 1
    if not all(_PATH.fullmatch(item) for item in
               old[start:len(old) - end] + new[start:len(new) - end]):
        return None
    content = patch.content.replace(b'\n' + _joined(old) + b'\n',
                                    b'\n' + _joined(new) + b'\n')
    objects = list(patch.frozen)
    pdf = base.written['pdf']
    original = pdf.objects[patch.stream]
    stream = pydyf.Stream([content], dict(original.extra),
                          original.compress)
    objects[patch.stream] = _Frozen(_numbered(stream, original))
    url = pydyf.String(job.qr.url)
    for number in patch.annotations:
        annotation = pdf.objects[number]
        copy_ = pydyf.Dictionary(dict(annotation))
        copy_['A'] = pydyf.Dictionary({**annotation['A'], 'URI': url})
        if 'Contents' in annotation:
            copy_['Contents'] = url
        objects[number] = _Frozen(_numbered(copy_, annotation))
    version, _, compress = patch.write
    identifier = _write_options(job, f'{job.path}\n{html}')['pdf_identifier']
    if patch.metadata is not None:
        xmp = pdf.objects[patch.metadata]
        did = f'xmp.did:{uuid.UUID(hex=identifier.decode()[:32])}'.encode()
        data = re.sub(rb'xmp\.did:[0-9a-fA-F-]{36}', did, _joined(xmp.stream))
        objects[patch.metadata] = _Frozen(_numbered(
            pydyf.Stream([data], dict(xmp.extra), xmp.compress), xmp))
    shell = pydyf.PDF.__new__(pydyf.PDF)
    shell.objects, shell.info, shell.catalog = objects, patch.info, \
        patch.catalog
    shell.current_position = 0
    out = io.BytesIO()
    info_number = patch.info.number
    try:
        shell.write(out, version, identifier, compress)
    finally:
        patch.info.number = info_number
    data = out.getvalue()
    return data if job.is_print else tidy_links(data)


def _numbered(new, old):
    new.number, new.generation, new.free = old.number, old.generation, \
        old.free
    return new
