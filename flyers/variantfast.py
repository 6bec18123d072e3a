"""Variants made fast: an output that differs from one built just before
only in its QR code's address, or also in one short line of text.

In: the :class:`Base` kept from a full build (:mod:`flyers.produce`, with
``keep``) of one campaign's layout and edition, and another job of the same
layout, edition, print shop and brand, with its HTML.  Out: a
:class:`~flyers.result.Result` (PDF written into staging, preflighted) made
by a shortcut — or None, when a shortcut cannot prove that its PDF is the
one a full build would make; the caller then builds it in full.

The shortcuts, each refusing whatever it cannot prove:

- **QR only** (:func:`swap_qr`): the HTML is the base's but for the QR
  symbol's path (same version, so the same modules across and the same
  size) and the link targets.  Neither moves a box, so the base's laid-out
  document is written again with the symbol's path and the link targets
  swapped: no layout.  WeasyPrint's writer and the same finishers make the
  bytes, so they are those of a full build (tests/test_variantfast.py).
- **One short text** (:func:`one_layout`): the HTML differs (after the QR
  swap) in the text of one element marked ``data-field``.  The copyfit
  search's every decision depends only on the boxes' geometry.  When the
  base's text was one line in every layout the search made (its trace),
  and the new text is one line, no wider than the base's and as tall, at
  the size the search chose, it is one line no wider than the base's at
  every size tried (the widths of two texts in one style grow alike with
  the size), so no box moves in any of those layouts and every decision
  is the same: the document is laid out once with the base's size,
  ``--fill`` and ``--even``, and refused unless every box but that line's
  text stands where the base's did.

The preflight of a fast output (:func:`delta_preflight`) checks again what
can have changed — the QR code decodes to the new address, at 300 dpi, with
its size and quiet zone; links, tags, page boxes; for a text change also
every text, font and colour on the pages and the file's structure — and
takes the rest (backgrounds to the bleed, total ink, empty bands) from the
base's verdict, since nothing there moved.  Proofs are drawn when asked.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from markupsafe import escape

from .errors import FlyerError
from .result import Result

PX_TO_PT = 0.75
# Bases kept per process: a laid-out document and its PDF objects each
# (a few MB); a campaign with two layouts has four.
MAX_BASES = 8
# A new text line this much narrower than the base's at least (in CSS px):
# the sizes the search tried round differently.
WIDTH_SLACK_PX = 0.01


@dataclass
class Base:
    """What a full build of one output keeps for its variants."""

    job: object
    html: str
    document: object  # WeasyPrint Document, as written
    copyfit: tuple | None
    size: float | None
    fills: dict | None
    evens: dict | None
    result: Result
    written: dict | None = None  # the writer's objects (flyers.pdf)
    # Each layout the search made: {(tag, field): lines} (flyers.pdf).
    trace: tuple = ()
    patch: object = None  # _Patchable, made for the first variant

    @property
    def fixed(self):
        return (self.copyfit, self.size, self.fills, self.evens)


def group_key(job) -> tuple:
    """Outputs that may share a base: same campaign file, layout and
    edition (:func:`same_setting` checks the rest)."""
    return (job.campaign.source, job.layout.name, job.edition)


def same_setting(base: Base, job) -> bool:
    """Whether what is not in the HTML is the base's: layout, print shop,
    brand, edition, the folder the pictures are read from."""
    old = base.job
    return (old.edition == job.edition and old.layout == job.layout
            and old.printshop == job.printshop and old.brand == job.brand
            and old.campaign.pictures_folder == job.campaign.pictures_folder)


def base_of(result: Result, keep: dict) -> Base | None:
    """The base a full build left, if it passed its preflight."""
    if not keep.get('document') or result.preflight is None \
            or not result.preflight.ok:
        return None
    return Base(result.job, result.html, keep['document'], keep['copyfit'],
                keep['size'], keep['fills'], keep['evens'], result,
                keep.get('written'), tuple(keep.get('trace', ())))


# --- what differs -------------------------------------------------------------

def _qr_normalised(base: Base, job, html: str) -> str | None:
    """The variant's HTML with its QR symbol and link targets put back to
    the base's, or None when the symbols cannot be swapped (another
    version, size, colour or title: the path is all that may differ)."""
    old, new = base.job.qr, job.qr
    if (old.version, old.modules, old.size_mm, old.edition, old.title) != (
            new.version, new.modules, new.size_mm, new.edition, new.title):
        return None
    if old.url == new.url:
        return html
    old_svg, new_svg = str(old.svg), str(new.svg)
    if html.count(new_svg) != 1 or base.html.count(old_svg) != 1:
        return None
    html = html.replace(new_svg, old_svg)
    return html.replace(f'href="{escape(new.url)}"',
                        f'href="{escape(old.url)}"')


_TAG = re.compile(r'<([a-zA-Z][a-zA-Z0-9]*)\b([^<>]*)>$')
_FIELD = re.compile(r'\bdata-field="([^"<>]*)"')


def changed_text(before: str, after: str):
    """Where two HTML documents differ, when that is the text of one
    element marked ``data-field`` (no markup): (its tag, its field, the
    old text, the new text); None when they differ otherwise; () when they
    are equal."""
    if before == after:
        return ()
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end = 0
    while (end < limit - start
           and before[-1 - end] == after[-1 - end]):
        end += 1
    old, new = before[start:len(before) - end], after[start:len(after) - end]
    if any(c in part for part in (old, new) for c in '<>'):
        return None
    opening = before.rfind('<', 0, start)
    closing = before.find('<', start)
    if opening < 0 or closing < 0 or before[closing + 1:closing + 2] != '/':
        return None
    match = _TAG.match(before[opening:before.find('>', opening) + 1])
    if match is None or before.find('>', opening) > start:
        return None
    field = _FIELD.search(match[2])
    if field is None or match[1].lower() in ('title', 'style', 'script'):
        return None
    whole_old = before[before.find('>', opening) + 1:closing]
    whole_new = after[before.find('>', opening) + 1:
                      closing + len(after) - len(before)]
    if not whole_new.strip():
        return None  # an empty line is no line: it would move things
    return match[1].lower(), field[1], whole_old, whole_new


# --- the document -------------------------------------------------------------

def _walk(box):
    yield box
    for child in getattr(box, 'children', ()) or ():
        yield from _walk(child)


def _qr_boxes(document):
    """(page index, box) of each QR symbol: an inline <svg class=qr-code>."""
    for index, page in enumerate(document.pages):
        for box in _walk(page._page_box):
            element = getattr(box, 'element', None)
            if (getattr(box, 'replacement', None) is not None
                    and element is not None
                    and element.get('class') == 'qr-code'):
                yield index, box


def _swapped_image(box, svg: str):
    """A new SVG image for ``box``: its element with the path's ``d`` of
    ``svg``, made as WeasyPrint makes an inline <svg>."""
    from weasyprint.images import SVGImage

    paths = re.findall(r'<path [^>]*\bd="([^"]*)"', svg)
    element = copy.deepcopy(box.element)
    found = [child for child in element if child.tag.endswith('}path')]
    if len(paths) != 1 or len(found) != 1:
        return None
    found[0].set('d', paths[0])
    old = box.replacement
    return SVGImage(element, old._base_url, old._url_fetcher, old._context)


@contextlib.contextmanager
def _swapped(base: Base, job, line=None):
    """The base's laid-out document with the variant's QR symbol and link
    targets (and, with ``line`` from :func:`_swapped_line`, one line's
    text) in place, put back as it was afterwards; None when the symbol
    cannot be swapped."""
    document = base.document
    boxes = list(_qr_boxes(document))
    image = (_swapped_image(boxes[0][1], str(job.qr.svg))
             if len(boxes) == 1 else None)
    if image is None:
        yield None
        return
    box = boxes[0][1]
    old_url, new_url = base.job.qr.url, job.qr.url
    saved_image, saved_links = box.replacement, [
        list(page.links) for page in document.pages]
    saved_fonts = document.fonts
    box.replacement = image
    for page in document.pages:
        page.links[:] = [tuple(new_url if part == old_url else part
                               for part in link) for link in page.links]
    if line is not None:
        holder, _, _, new_children, new_width = line
        holder.children, holder.width = new_children, new_width
    # WeasyPrint keeps the glyphs it drew in the document's fonts: a fresh
    # set, as a full build's, holds only those of this text.
    document.fonts = {}
    try:
        yield document
    finally:
        box.replacement = saved_image
        for page, links in zip(document.pages, saved_links):
            page.links[:] = links
        document.fonts = saved_fonts
        if line is not None:
            holder, old_children, old_width, _, _ = line
            holder.children, holder.width = old_children, old_width


def swap_qr(base: Base, job, html: str, line=None):
    """The variant's PDF written from the base's laid-out document, its QR
    symbol and link targets swapped (see the module's docstring); None
    when they cannot be.  With ``line`` (from :func:`_swapped_line`) one
    line's text too, and then (pdf, the fields' boxes), after the same
    checks of the pages a full build makes."""
    from .pagecheck import Analysis
    from .pdf import weasyprint_messages, write_document

    with _swapped(base, job, line) as document:
        if document is None:
            return None
        with weasyprint_messages() as messages:
            pdf = write_document(document, job, f'{job.path}\n{html}')
        if messages:
            return None
        if line is None:
            return pdf
        analysis = Analysis(document, job.layout, job.path,
                            job.campaign.problem, job.safe_mm)
        used = {font.family for font in document.fonts.values()}
        if (analysis.problems() or used - {
                font.family for font in base.document.fonts.values()}):
            return None  # the full build says what is wrong
        return pdf, analysis.field_boxes()


_COLLAPSIBLE = re.compile(r'[ \t\n\r\f]+')


def _swapped_line(base: Base, change):
    """The base's one line of the changed field with the new text set as
    WeasyPrint sets a line that fits — (line box, its children, its
    width, the new children, the new width) — or None unless that is
    certain: a plain line (one text box, left to right, aligned at the
    start, no spacing, transform or soft hyphen) whose new text fits, no
    wider than the old, in the same fonts' height and baseline."""
    import html as markup
    import types

    from weasyprint.formatting_structure import boxes
    from weasyprint.text.line_break import split_first_line, strut

    tag, field, old_raw, new_raw = change
    lines = [box for page in base.document.pages
             for box in _walk(page._page_box)
             if isinstance(box, boxes.LineBox)
             and getattr(box, 'element', None) is not None
             and box.element.tag == tag
             and box.element.get('data-field') == field]
    if len(lines) != 1 or len(lines[0].children) != 1:
        return None
    line, old = lines[0], lines[0].children[0]
    if type(old) is not boxes.TextBox:
        return None
    style = old.style
    if (style['direction'] != 'ltr' or style['text_transform'] != 'none'
            or style['letter_spacing'] != 'normal'
            or style['word_spacing'] != 0
            or style['white_space'] != 'normal'
            or style['text_align_all'] not in ('start', 'left')
            or style['text_align_last'] not in ('auto', 'start', 'left')
            or style['text_indent'].value != 0
            or old.justification_spacing):
        return None

    def collapsed(raw: str) -> str:
        return _COLLAPSIBLE.sub(' ', markup.unescape(raw)).strip(' ')
    new_text = collapsed(new_raw)
    if (collapsed(old_raw) != old.text or not new_text
            or any(c in new_text for c in '\u00ad\u200b\u2028\u2029')):
        return None
    parent = next((box for page in base.document.pages
                   for box in _walk(page._page_box)
                   if line in (getattr(box, 'children', None) or ())), None)
    if parent is None or abs(line.position_x - parent.content_box_x()) > 1e-6 \
            or abs(old.position_x - line.position_x) > 1e-6:
        return None
    available = parent.content_box_x() + parent.width - line.position_x
    layout, length, resume, width, height, baseline = split_first_line(
        new_text, style, types.SimpleNamespace(dictionaries={}), available,
        0, is_line_start=True)
    if (resume is not None or layout.text != new_text
            or width > old.width - WIDTH_SLACK_PX
            or abs(height - old.height) > 1e-9):
        return None
    new = old.copy_with_text(layout.text)
    new.width, new.pango_layout, new.height = width, layout, height
    line_height, _ = strut(style)
    new.margin_top = new.margin_bottom = (line_height - height) / 2
    new.baseline = baseline + new.margin_top
    if abs(new.baseline - old.baseline) > 1e-9:
        return None
    children = (type(line.children)([new]) if not isinstance(
        line.children, tuple) else (new,))
    return (line, line.children, line.width, children,
            line.width - old.width + width)


# --- QR only, at the level of the PDF's objects -------------------------------

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


def _patchable(base: Base) -> _Patchable | None:
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
    boxes = list(_qr_boxes(base.document))
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
    full build.  None when it cannot be proven (see :func:`_patchable`)."""
    import io
    import re
    import uuid

    import pydyf

    from .links import tidy_links
    from .pdf import _write_options

    if base.patch is None:
        base.patch = _patchable(base) or False
    patch = base.patch
    if not patch:
        return None
    (_, box), = list(_qr_boxes(base.document))
    image = _swapped_image(box, str(job.qr.svg))
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


def _geometry(document, skip_inside: set):
    """Every box's place and size, rounded to 1/1000 px; of the elements in
    ``skip_inside`` (ids) only their own boxes and line boxes count (a
    line's place and height, not its width), not their text."""
    from weasyprint.formatting_structure import boxes

    found = []

    def visit(box, page, inside):
        element = getattr(box, 'element', None)
        here = inside or (element is not None and id(element) in skip_inside
                          and not isinstance(box, boxes.TextBox))
        if not (inside and isinstance(box, (boxes.TextBox, boxes.InlineBox))):
            # A line's width is its text's: the text's own test is
            # one_layout's.
            width = (None if here and isinstance(box, boxes.LineBox)
                     else round(box.width or 0, 3))
            found.append((page, type(box).__name__,
                          round(box.position_x, 3), round(box.position_y, 3),
                          width, round(box.height or 0, 3)))
        for child in getattr(box, 'children', ()) or ():
            visit(child, page, here)

    for index, page in enumerate(document.pages):
        visit(page._page_box, index, False)
    return found


def _field_lines(document, tag: str, field: str):
    """The line boxes of the one element <tag data-field=field>: [(element,
    [(width of its text, height)])], or None when not exactly one."""
    from weasyprint.formatting_structure import boxes

    found = {}
    for page in document.pages:
        for box in _walk(page._page_box):
            element = getattr(box, 'element', None)
            if (isinstance(box, boxes.LineBox) and element is not None
                    and element.tag == tag
                    and element.get('data-field') == field):
                texts = [b for b in _walk(box) if isinstance(b, boxes.TextBox)]
                width = (max(b.position_x + b.width for b in texts)
                         - min(b.position_x for b in texts)) if texts else 0
                found.setdefault(id(element), (element, []))[1].append(
                    (width, box.height))
    if len(found) != 1:
        return None
    return next(iter(found.values()))


def one_line_everywhere(base: Base, tag: str, field: str) -> bool:
    """Whether the field's text was one line in every layout the base's
    copyfit search made: a narrower text is one line there too, so no box
    moves in any of them, and the search decides as it did."""
    return bool(base.trace) and all(lines.get((tag, field)) == 1
                                    for lines in base.trace)


def one_layout(base: Base, job, html: str, change, producer):
    """The variant laid out once at the base's sizes, when its changed text
    is proven to take no more room (see the module's docstring): its
    Rendered, or None."""
    from .fetch import ProjectFetcher
    from .pdf import render_pdf
    from .picturefiles import picture_path, pictures_folder

    tag, field = change[0], change[1]
    before = _field_lines(base.document, tag, field)
    if before is None or len(before[1]) != 1:
        return None, None
    if not one_line_everywhere(base, tag, field):
        return None, None
    root = producer.root
    profile = (root / job.printshop.icc_profile if job.is_print else None)
    fetcher = ProjectFetcher(
        root, profile, pictures_folder(root, job.campaign),
        [picture_path(root, job.campaign, picture).resolve()
         for picture in job.campaign.pictures])
    keep = {}
    rendered = render_pdf(html, job, fetcher, producer.font_config,
                          job.campaign.problem,
                          metadata_id=f'{job.path}\n{html}', keep=keep,
                          fixed=base.fixed)
    after = _field_lines(keep['document'], tag, field)
    if after is None or len(after[1]) != 1:
        return None, None
    (old_width, old_height), = before[1]
    (new_width, new_height), = after[1]
    if new_height != old_height or new_width > old_width - WIDTH_SLACK_PX:
        return None, None
    if _geometry(base.document, {id(before[0])}) != _geometry(
            keep['document'], {id(after[0])}):
        return None, None
    return rendered, fetcher


# --- the preflight of what changed ----------------------------------------------

# What a QR swap can change, and what a text change can change besides.
QR_CHECKS = ('pages', 'trim-box', 'bleed-box', 'qr', 'links', 'tags')
TEXT_CHECKS = QR_CHECKS + ('structure', 'fonts', 'safe-zone', 'folds',
                           'text-size', 'rule-width', 'image-ppi', 'colour',
                           'reversed-text', 'text-inks')


def delta_preflight(base: Base, staged: Path, expect, shown_as: str,
                    qr_box, rechecked: tuple[str, ...]):
    """The preflight of a variant: the checks in ``rechecked`` run again on
    the file, the others' findings are the base's."""
    import io

    import pikepdf
    import pypdfium2

    from .inputs import read_input
    from .preflight import content, document, drawchecks, inks, raster, tags
    from .preflight.findings import CHECKS, Collector, Report

    out = Collector(expect)
    data = read_input(staged)
    with pikepdf.open(io.BytesIO(data)) as opened:
        if 'structure' in rechecked:
            document.check_structure(opened, out)
        frames = document.page_frames(opened, expect, out)
        if 'fonts' in rechecked:
            reader = content.Reader(expect)
            drawn = [reader.read_page(page, frame, out)
                     for page, frame in zip(opened.pages, frames)]
            document.check_fonts(reader.fonts, frames, expect, out)
            drawchecks.check_drawn(drawn, expect, out)
            if expect.is_print:
                drawchecks.check_colours(drawn, out)
                inks.check_text_inks(drawn, expect, out)
                document.check_output_intent(opened, out)
            else:
                document.check_screen_colours(opened, frames, out)
        document.check_links(opened, frames, expect, out)
        if not expect.is_print:
            tags.check_tags(opened, frames, out)
    out.ran('qr')
    index, box = qr_box
    pdf = pypdfium2.PdfDocument(data)
    try:
        page, frame = pdf[index], frames[index]
        region, view = raster._render(page, raster.QR_DPI / 72, box,
                                      grey=True)
        codes = raster._decode(region, view, frame)
    finally:
        pdf.close()
    raster._check_codes(codes, expect, out)
    fresh = out.report(shown_as)
    old = base.result.preflight
    status = dict(old.checks)
    status.update({check: state for check, state in fresh.checks
                   if check in rechecked})
    findings = [f for f in old.findings if f.check not in rechecked] + [
        f for f in fresh.findings if f.check in rechecked]
    order = {check: n for n, check in enumerate(CHECKS)}
    findings.sort(key=lambda f: (order.get(f.check, len(order)),
                                 f.page or 0))
    checks = tuple(sorted(status.items(),
                          key=lambda item: order.get(item[0], len(order))))
    return Report(shown_as, tuple(findings), checks)


def _qr_region(base: Base):
    """(page index, (x0, y0, x1, y1) in PDF points) around the QR symbol,
    with room for its quiet zone and more, as the preflight reads it."""
    (index, box), = list(_qr_boxes(base.document))
    height = base.document.pages[index].height * PX_TO_PT
    x0 = box.content_box_x() * PX_TO_PT
    top = box.content_box_y() * PX_TO_PT
    x1, y1 = x0 + box.width * PX_TO_PT, top + box.height * PX_TO_PT
    margin = 3 * 72 / 25.4
    # WeasyPrint's page is the trim and bleed, from (0, 0); the print
    # finisher grows the MediaBox around it without moving it.
    return index, (x0 - margin, height - y1 - margin, x1 + margin,
                   height - top + margin)


# --- the builder ------------------------------------------------------------

# Set to "full" in the environment, every output is built in full (to
# compare, and to rule the shortcuts out when looking for a fault); set
# FLYERS_VARIANT_PROOFS to "first", only a group's first output is pictured.
FAST_ENV = 'FLYERS_VARIANTS'
PROOFS_ENV = 'FLYERS_VARIANT_PROOFS'


def proofs_from_environment() -> bool:
    return os.environ.get(PROOFS_ENV, '').strip().lower() != 'first'


def order(jobs: list) -> list[int]:
    """The indexes of ``jobs`` in the order to build them: the outputs of
    a group (:func:`group_key`) together, in the order of the groups' first
    outputs, the variant with the longest values first (the base: a
    shorter line is proven to fit where a longer one did)."""
    first: dict[tuple, int] = {}
    for index, job in enumerate(jobs):
        first.setdefault(group_key(job), index)

    def length(job) -> int:
        values = getattr(job.campaign, 'variant_values', ()) or ()
        return sum(len(str(value)) for _, value in values)
    return sorted(range(len(jobs)), key=lambda i: (
        first[group_key(jobs[i])], -length(jobs[i]), i))


class Variants:
    """Per process: the base of each group of outputs (:func:`group_key`),
    and the fast path for the outputs that follow it."""

    def __init__(self, producer, proofs_of_variants: bool | None = None):
        self.producer = producer
        self.bases: dict[tuple, Base] = {}
        self.enabled = os.environ.get(FAST_ENV, '').strip().lower() != 'full'
        self.proofs_of_variants = (proofs_from_environment()
                                   if proofs_of_variants is None
                                   else proofs_of_variants)
        self.fast = 0  # outputs made by a shortcut
        # How many outputs each shortcut made ('patch', 'swap', 'layout'),
        # and how many were built in full ('full').
        self.made: dict[str, int] = {}

    def produce(self, job, date: str, staging: Path | None,
                proofs: bool = True, time_limit: float | None = None
                ) -> Result:
        """As :meth:`flyers.produce.Producer.produce`, by a shortcut when
        one proves itself, else in full (which then becomes the base)."""
        key = group_key(job)
        base = self.bases.get(key) if self.enabled else None
        if (base is not None and staging is not None
                and same_setting(base, job)):
            try:
                result = self.shortcut(base, job, date, staging, proofs)
            except Exception:  # noqa: BLE001 - in doubt, the full build
                result = None
            if result is not None:
                self.fast += 1
                self.made[result.made_by] = self.made.get(result.made_by, 0) + 1
                return result
        keep = {}
        result = self.producer.produce(job, date, staging, proofs,
                                       time_limit=time_limit, keep=keep)
        self.made['full'] = self.made.get('full', 0) + 1
        kept = base_of(result, keep) if staging is not None else None
        if kept is not None:
            self.bases.pop(key, None)
            self.bases[key] = kept
            while len(self.bases) > MAX_BASES:  # the oldest goes
                del self.bases[next(iter(self.bases))]
        return result

    def shortcut(self, base: Base, job, date: str, staging: Path,
                 proofs: bool) -> Result | None:
        from .expectations import job_expectations
        from .proofs import page_previews

        started = time.perf_counter()
        html = self.producer.renderer.render(job, build_date=date)
        normal = _qr_normalised(base, job, html)
        if normal is None:
            return None
        change = changed_text(base.html, normal)
        if change is None:
            return None
        try:
            if change == ():
                pdf, how = patch_qr(base, job, html), 'patch'
                if pdf is None:
                    pdf, how = swap_qr(base, job, html), 'swap'
                if pdf is None:
                    return None
                rendered_fields, copyfit = base.result.fields, base.copyfit
                deps, pages = base.result.deps, base.result.pages
                rechecked = QR_CHECKS
            else:
                line = (_swapped_line(base, change)
                        if one_line_everywhere(base, *change[:2]) else None)
                swapped = swap_qr(base, job, html, line) if line else None
                if swapped is not None:
                    (pdf, rendered_fields), how = swapped, 'line'
                    pages = base.result.pages
                else:
                    rendered, _ = one_layout(base, job, html, change,
                                             self.producer)
                    if rendered is None:
                        return None
                    pdf, pages, how = rendered.pdf, rendered.pages, 'layout'
                    rendered_fields = rendered.fields
                copyfit, deps = base.copyfit, base.result.deps
                rechecked = TEXT_CHECKS
        except FlyerError:
            return None  # the full build says what is wrong
        result = Result(job, pdf, pages, time.perf_counter() - started, html,
                        copyfit, rendered_fields, deps=deps, pid=os.getpid())
        result.made_by = how
        staged = staging / Path(job.path).name
        staged.write_bytes(pdf)
        started = time.perf_counter()
        try:
            region = _qr_region(base)
        except ValueError:
            return None
        result.preflight = delta_preflight(
            base, staged, job_expectations(self.producer.root, result),
            job.path, region, rechecked)
        result.preflight_seconds = time.perf_counter() - started
        if proofs and self.proofs_of_variants and result.preflight.ok:
            result.previews = page_previews(
                staged, job.path, job.safe_mm,
                folds_mm=job.layout.page.folds_per_page)
        from .produce import peak_rss
        result.peak_rss = peak_rss()
        return result


__all__ = ['Base', 'Variants', 'changed_text']
