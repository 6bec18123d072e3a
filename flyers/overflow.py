"""Stage 3, when a page overflows: which field grew, and by how much.

In: the HTML of the output, its layout and (when WeasyPrint could lay it
out at all) the analysis of its pages.  Out: one
:class:`~flyers.errors.Problem`, pointing at the content field that most
likely grew — the largest on the page, then the part of it that stands out
from its siblings — with roughly how much is too much and the page's
largest blocks with their heights.
"""

from __future__ import annotations

import re
import statistics

from .errors import Problem
from .pagecheck import PX_PER_MM, Analysis, is_text, mm, walk


def measure_overflow(html: str, base_url: str, analysis: Analysis | None,
                     context: tuple, fetcher, font_config,
                     extra=None) -> Problem:
    """Say which field of an overflowing page block does not fit, and by
    how much: lay the document out again on very tall pages, where nothing
    breaks, and compare the block's natural height with the height it has.
    Runs only when a build has already failed, so it costs nothing else.

    ``analysis`` is None when WeasyPrint could not lay the pages out at all
    (it gives up on a block that may not break and is taller than a page);
    the tall layout then shows which block overflows."""
    from weasyprint import CSS, HTML

    layout, output, owner = context
    tall = CSS(string=f'@page {{ size: {layout.page.width_mm:g}mm 5000mm '
                      '!important; }', font_config=font_config)
    sheets = [tall] + ([extra] if extra is not None else [])
    try:
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher
                        ).render(stylesheets=sheets, font_config=font_config)
    except AssertionError:
        document = None
    if document is None or not document.pages:
        return layout.problem('page.count', (
            f'{output}: WeasyPrint could not lay out its pages; a block that '
            'must not break across pages is probably taller than a page'))
    page = document.pages[0]._page_box
    # What a page block can hold: its height, and never more than the
    # trimmed page inside its margins.
    page_room = (layout.page.height_mm * PX_PER_MM - page.margin_top
                 - page.margin_bottom)
    blocks = [(item.box.element.get('data-page'), item.box)
              for page in document.pages for item in walk(page._page_box)
              if getattr(item.box, 'element', None) is not None
              and item.box.element_tag
              and item.box.element.get('data-page')]
    overflowing = analysis.overflowing_block() if analysis else None
    measured = []
    for position, (block, box) in enumerate(blocks):
        top = box.content_box_y()
        if overflowing is not None:
            if block != overflowing[0]:
                continue
            available = analysis.block_height(*overflowing)
        else:
            available = min(box.height, page_room)
        extents, line_heights, bottom = {}, [], 0.0
        for item in walk(box):
            if not is_text(item.box):
                continue
            box_top = item.box.position_y - top
            box_bottom = box_top + item.box.height
            bottom = max(bottom, box_bottom)
            line_heights.append(item.box.height)
            if item.field:
                known = extents.get(item.field)
                extents[item.field] = (box_top, box_bottom) if known is None \
                    else (min(known[0], box_top), max(known[1], box_bottom))
        measured.append((bottom - available, position, block, extents,
                         line_heights))
        if overflowing is not None:
            break
    if not measured:
        return layout.problem('page.count', (
            f'{output}: WeasyPrint could not lay out its pages; a block that '
            'must not break across pages is probably taller than a page'))
    too_much, position, block, extents, line_heights = max(measured)
    too_much = max(0.0, too_much)
    line = statistics.median(line_heights) if line_heights else 12.0
    name = f'the {block} page'
    count = max(1, round(too_much / line))
    amount = (f'about {mm(too_much):.0f} mm' if mm(too_much) >= 1 else
              'less than 1 mm')
    message = (f'does not fit on {name} of {layout.name}: {amount} too much '
               f'(≈ {count} line{"s" if count > 1 else ""} of text)')
    heights = _group_heights(extents)
    if heights:
        message += '; the largest blocks on this page: ' + ', '.join(
            f'{group} {mm(height):.0f} mm' for group, height in heights[:3])
    culprit = _grown_field(extents)
    if culprit and any(f.startswith(culprit + '[') for f in extents):
        # A list whose items are all about as long: there are too many.
        message += f'; remove some of {culprit} or shorten them'
        return owner(culprit, message)
    if culprit:
        message += f'; shorten {culprit} or move some of it to another field'
        return owner(culprit, message)
    message += '; shorten the text'
    return layout.problem('page.count', f'{output}: {message}')


_STEP = re.compile(r'\.[^.\[]+|\[\d+\]')


def _extent(extents: dict, prefix: str) -> float:
    """Height of the text of field ``prefix`` and everything inside it."""
    spans = [span for field, span in extents.items()
             if field == prefix or field.startswith((prefix + '.',
                                                     prefix + '['))]
    return max(s[1] for s in spans) - min(s[0] for s in spans) if spans else 0


def _group_heights(extents: dict) -> list[tuple[str, float]]:
    """The page's top-level content fields with their heights, largest
    first."""
    groups = {re.split(r'[.\[]', field)[0] for field in extents}
    return sorted(((group, _extent(extents, group)) for group in groups),
                  key=lambda item: (-item[1], item[0]))


def _grown_field(extents: dict) -> str | None:
    """The field that most likely grew: the largest top-level field, then,
    step by step, the part of it that stands out from the others (a
    proposal three times as tall as its siblings, the text rather than the
    title of that proposal).  Where no part stands out (many proposals of
    about equal length), the whole is named."""
    heights = _group_heights(extents)
    if not heights:
        return None
    path = heights[0][0]
    while True:
        children = {path + _STEP.match(field, len(path))[0]
                    for field in extents
                    if len(field) > len(path) and field.startswith(path)
                    and _STEP.match(field, len(path))}
        if not children:
            return path
        ranked = sorted(((_extent(extents, c), c) for c in children),
                        reverse=True)
        largest, child = ranked[0]
        rest = [height for height, _ in ranked[1:]]
        if rest and largest < 1.5 * statistics.median(rest):
            return path
        path = child
