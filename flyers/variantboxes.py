"""Variants made fast, in the laid-out document: the shortcuts that write
the base's pages again (:mod:`flyers.variantfast` decides when).

In: the :class:`~flyers.variantfast.Base` of an output (its laid-out
WeasyPrint document) and a variant's job and HTML.  Out: the variant's PDF
bytes, or None when the shortcut cannot prove they are a full build's.

- :func:`swap_qr`: the QR symbol's path and the link targets swapped in
  the base's document, which is written again (no layout); with
  :func:`swapped_line`, one plain line's text too, set as WeasyPrint sets
  a line that fits.
- :func:`one_layout`: the variant laid out once at the base's copyfit
  size, ``--fill`` and ``--even``.

Both texts' claims rest on :func:`one_line_everywhere`: a field that was
one line in every layout the base's copyfit search made, with a new text
no wider, moves no box in any of them, so the search decides as it did.
"""

from __future__ import annotations

import contextlib
import copy
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .variantfast import Base

WIDTH_SLACK_PX = 0.01



def walk(box):
    yield box
    for child in getattr(box, 'children', ()) or ():
        yield from walk(child)


def qr_boxes(document):
    """(page index, box) of each QR symbol: an inline <svg class=qr-code>."""
    for index, page in enumerate(document.pages):
        for box in walk(page._page_box):
            element = getattr(box, 'element', None)
            if (getattr(box, 'replacement', None) is not None
                    and element is not None
                    and element.get('class') == 'qr-code'):
                yield index, box


def swapped_image(box, svg: str):
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
    targets (and, with ``line`` from :func:`swapped_line`, one line's
    text) in place, put back as it was afterwards; None when the symbol
    cannot be swapped."""
    document = base.document
    boxes = list(qr_boxes(document))
    image = (swapped_image(boxes[0][1], str(job.qr.svg))
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
    when they cannot be.  With ``line`` (from :func:`swapped_line`) one
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


def swapped_line(base: Base, change):
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
             for box in walk(page._page_box)
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
                   for box in walk(page._page_box)
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
        for box in walk(page._page_box):
            element = getattr(box, 'element', None)
            if (isinstance(box, boxes.LineBox) and element is not None
                    and element.tag == tag
                    and element.get('data-field') == field):
                texts = [b for b in walk(box) if isinstance(b, boxes.TextBox)]
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
