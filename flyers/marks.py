"""Stage 3b: printer's marks and the PDF/X output intent, added while
WeasyPrint writes the print edition.

WeasyPrint draws ``marks: crop`` inside the bleed, under the page's
artwork, so backgrounds that run into the bleed hide them.  Print shops want
them in a slug outside the bleed instead.  :func:`crop_marks` returns a
``write_pdf`` finisher that, on every page:

- grows the MediaBox to trim + :data:`SLUG_MM` on every side,
- sets the BleedBox to exactly trim + bleed (WeasyPrint rounds it to at most
  10 pt) and keeps the TrimBox,
- draws eight crop marks from ``bleed`` to ``bleed + MARK_MM`` outside each
  corner, 0.25 pt, in registration colour (``/Separation /All``, tint 1:
  it prints on every plate and is not ink of the design), on top of
  everything and outside the bleed, so no artwork can cover them;

and names the output intent by its registered printing condition (WeasyPrint
uses the profile's description): ``/OutputConditionIdentifier FOGRA39``,
``/RegistryName http://www.color.org``.
"""

from __future__ import annotations

import functools
import zlib
from pathlib import Path

PT_PER_MM = 72 / 25.4
SLUG_MM = 10.0
MARK_MM = 5.0
MARK_WIDTH_PT = 0.25
# The name of the registration colour among a page's colour spaces.
REGISTRATION = 'registration'


def _marks_operators(trim: list[float], bleed: float) -> str:
    left, bottom, right, top = trim
    start, end = bleed, bleed + MARK_MM * PT_PER_MM
    lines = []
    for x, dx in ((left, -1), (right, 1)):
        for y, dy in ((bottom, -1), (top, 1)):
            # Horizontal mark on the line y, vertical mark on the line x.
            lines.append(f'{x + dx * start:.3f} {y:.3f} m '
                         f'{x + dx * end:.3f} {y:.3f} l S')
            lines.append(f'{x:.3f} {y + dy * start:.3f} m '
                         f'{x:.3f} {y + dy * end:.3f} l S')
    return (f'Q q {MARK_WIDTH_PT} w 0 J /{REGISTRATION} CS 1 SCN '
            + ' '.join(lines) + ' Q')


def _registration_space(pdf):
    """``[/Separation /All /DeviceCMYK f]`` with f(t) = t t t t (PDF 1.2
    colour space, PDF 1.3 function: legal in PDF/X-1a)."""
    import pydyf

    tint = pydyf.Dictionary({
        'FunctionType': 2, 'Domain': pydyf.Array([0, 1]),
        'C0': pydyf.Array([0, 0, 0, 0]), 'C1': pydyf.Array([1, 1, 1, 1]),
        'N': 1})
    pdf.add_object(tint)
    return pydyf.Array(['/Separation', '/All', '/DeviceCMYK',
                        tint.reference])


def crop_marks(bleed_mm: float):
    """A ``write_pdf`` finisher that moves crop marks into a slug."""
    import pydyf

    bleed = bleed_mm * PT_PER_MM
    # The marks run from the bleed edge outwards; the slug holds them all.
    slug = max(SLUG_MM, bleed_mm + MARK_MM + 2) * PT_PER_MM

    def finish(document, pdf):
        pages = [obj for obj in pdf.objects
                 if isinstance(obj, pydyf.Dictionary)
                 and obj.get('Type') == '/Page']
        space = _registration_space(pdf) if pages else None
        for page in pages:
            resources = page['Resources']
            if isinstance(resources, bytes):  # b'5 0 R', shared by pages
                resources = pdf.objects[int(resources.split()[0])]
            spaces = resources.setdefault('ColorSpace', pydyf.Dictionary())
            if isinstance(spaces, bytes):
                spaces = pdf.objects[int(spaces.split()[0])]
            spaces[REGISTRATION] = space
            left, bottom, right, top = (float(v) for v in page['TrimBox'])
            page['MediaBox'] = pydyf.Array(
                [left - slug, bottom - slug, right + slug, top + slug])
            page['BleedBox'] = pydyf.Array(
                [left - bleed, bottom - bleed, right + bleed, top + bleed])
            opening = pydyf.Stream([b'q'])
            closing = pydyf.Stream([_marks_operators(
                [left, bottom, right, top], bleed).encode()])
            pdf.add_object(opening)
            pdf.add_object(closing)
            page['Contents'] = pydyf.Array(
                [opening.reference, page['Contents'], closing.reference])

    return finish


def output_intent(printshop):
    """A finisher part that names the printing condition of the intent."""
    import pydyf

    def finish(document, pdf):
        intents = pdf.catalog.get('OutputIntents')
        for intent in intents or ():
            intent['OutputConditionIdentifier'] = pydyf.String(
                printshop.output_condition)
            intent['RegistryName'] = pydyf.String('http://www.color.org')
            if printshop.output_condition_description:
                intent['OutputCondition'] = pydyf.String(
                    printshop.output_condition_description)
                intent['Info'] = pydyf.String(
                    printshop.output_condition_description)

    return finish


@functools.lru_cache(maxsize=8)
def _deflated_file(path: Path, mtime: float) -> bytes:
    return zlib.compress(path.read_bytes(), 6)


def embed_profile_as_is(icc_path: Path):
    """A finisher part that embeds the output profile byte for byte.

    WeasyPrint re-serialises ICC profiles through LittleCMS, which writes
    shared tables out once per tag (500 KB instead of the file's 250 KB),
    and pydyf deflates the result at level 9 for every PDF (a third of a
    second each).  The print shop's file, deflated once per process, is
    smaller, faster and exactly the profile whose provenance we record.
    """
    import pydyf

    def finish(document, pdf):
        for intent in pdf.catalog.get('OutputIntents') or ():
            reference = intent['DestOutputProfile']  # b'12 0 R'
            stream = pdf.objects[int(reference.split()[0])]
            if isinstance(stream, pydyf.Stream):
                stream.stream = [_deflated_file(icc_path,
                                                icc_path.stat().st_mtime)]
                stream.extra['Filter'] = '/FlateDecode'
                stream.compress = False

    return finish


class TransparencyInX1a(ValueError):
    """PDF/X-1a allows no transparency, and the document has some."""


def without_groups(document, pdf):
    """PDF/X-1a allows no transparency groups.  WeasyPrint wraps every SVG
    image in one; where nothing in the document is transparent (no
    constant alpha below 1, no soft mask, no blend mode), such a group
    changes nothing and is removed."""
    import pydyf

    def states(value):
        if isinstance(value, pydyf.Stream):
            value = value.extra
        if isinstance(value, dict):
            if any(key in value for key in ('ca', 'CA', 'SMask', 'BM')):
                yield value
            for item in value.values():
                yield from states(item)
        elif isinstance(value, list):
            for item in value:
                yield from states(item)

    for state in (s for obj in pdf.objects for s in states(obj)):
        alpha = [state.get(key, 1) for key in ('ca', 'CA')]
        if (any(float(a) < 1 for a in alpha)
                or str(state.get('SMask', '/None')) != '/None'
                or str(state.get('BM', '/Normal')) not in ('/Normal',
                                                           '/Compatible')):
            raise TransparencyInX1a(
                'the design uses transparency (opacity, a soft mask or a '
                'blend mode), which PDF/X-1a does not allow; remove it from '
                'the CSS or print as PDF/X-4')
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and 'Group' in obj.extra:
            del obj.extra['Group']


def pdfx1a_identification(document, pdf):
    """PDF/X-1a:2003 says so as version "PDF/X-1:2003" with conformance
    "PDF/X-1a:2003" (WeasyPrint writes the conformance twice, and the
    PDF/X-4 identification schema besides), and allows no ICC-based or Lab
    colour spaces on pages: WeasyPrint lists its unused ones anyway."""
    import re

    import pydyf

    pdf.info['GTS_PDFXVersion'] = pydyf.String('PDF/X-1:2003')
    stream, xmp = _xmp(pdf)
    if stream is not None:
        xmp = xmp.replace(b' pdfxid:part="1"', b'')
        xmp = re.sub(rb'<pdfxid:GTS_PDFXVersion>[^<]*</pdfxid:GTS_PDFXVersion>',
                     b'', xmp)
        xmp = xmp.replace(
            b'<pdfx:GTS_PDFXVersion>PDF/X-1a:2003</pdfx:GTS_PDFXVersion>',
            b'<pdfx:GTS_PDFXVersion>PDF/X-1:2003</pdfx:GTS_PDFXVersion>')
        stream.stream = [xmp]
    for obj in pdf.objects:
        spaces = obj.get('ColorSpace') if isinstance(obj, dict) else None
        if isinstance(spaces, bytes):  # a reference: b'12 0 R'
            spaces = pdf.objects[int(spaces.split()[0])]
        if isinstance(spaces, dict):
            for name in [name for name, value in spaces.items()
                         if isinstance(value, list) and value
                         and str(value[0]) in ('/ICCBased', '/Lab')]:
                del spaces[name]


def without_annotations(document, pdf):
    """Links mean nothing on paper, and PDF/X allows no annotations on the
    printed area: the print edition drops them."""
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get('Type') == '/Page':
            obj.pop('Annots', None)


def _xmp(pdf):
    """The metadata stream and its bytes, or (None, b'')."""
    metadata = pdf.catalog.get('Metadata')
    if metadata is None:
        return None, b''
    stream = pdf.objects[int(metadata.split()[0])]
    return stream, b''.join(item if isinstance(item, bytes)
                            else str(item).encode() for item in stream.stream)


def stable_document_id(identifier: str):
    """WeasyPrint gives PDF/X-4 files a random XMP DocumentID (uuid4), so
    two builds of the same input differ; derive it from the input instead."""
    import re
    import uuid

    document_id = f'xmp.did:{uuid.UUID(hex=identifier[:32])}'.encode()

    def finish(document, pdf):
        stream, xmp = _xmp(pdf)
        if stream is not None:
            stream.stream = [re.sub(rb'xmp\.did:[0-9a-fA-F-]{36}', document_id,
                                    xmp)]

    return finish


def print_finisher(printshop, icc_path: Path, identifier: str):
    """Everything the print edition adds while WeasyPrint writes it."""
    from .pdfcolours import used_colour_spaces_only
    from .pdffonts import fonts_finisher, variant_version

    parts = (crop_marks(printshop.bleed_mm), output_intent(printshop),
             embed_profile_as_is(icc_path), without_annotations,
             stable_document_id(identifier))
    if printshop.pdfx == 'pdf/x-1a':
        parts += (without_groups, pdfx1a_identification)
    parts += (used_colour_spaces_only,
              fonts_finisher(variant_version(printshop.pdfx)))

    def finish(document, pdf):
        for part in parts:
            part(document, pdf)

    return finish
