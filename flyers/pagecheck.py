"""Stage 3, on laid-out pages: what is wrong with them, in the user's terms.

In: a WeasyPrint document (laid out, not written) and its layout.  Out:
:class:`~flyers.errors.Problem` objects for a wrong page size or count,
content spilling out of a frame and text in the safe zone, and where each
content field's text lies (for the preflight's messages).

Templates mark their blocks: ``data-page="front"`` on the element that holds
one page, ``data-field="proposals.items[2]"`` on elements that show one
content field, ``data-mark`` on the builder's own DRAFT mark.  Walking the
boxes with those marks is how a finding is traced back to the content file.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Problem
from .layouts import Layout

PX_PER_MM = 96 / 25.4
TOLERANCE_MM = 0.05


def mm(px: float) -> float:
    return px / PX_PER_MM


# --- walking the laid-out boxes --------------------------------------------

@dataclass
class Placed:
    """A box with the content field and page block it belongs to."""

    box: object
    field: str | None
    page_block: str | None
    frame: object | None
    mark: bool = False  # part of the builder's own DRAFT mark


def walk(box, field=None, page_block=None, frame=None, mark=False):
    element = getattr(box, 'element', None)
    if element is not None and getattr(box, 'element_tag', None):
        field = element.get('data-field') or field
        page_block = element.get('data-page') or page_block
        mark = mark or element.get('data-mark') is not None
        if element.get('data-frame') is not None:
            frame = box
    style = getattr(box, 'style', None)
    if type(box).__name__ == 'MarginBox' or (
            style is not None and style['overflow'] != 'visible'
            and getattr(box, 'children', None)):
        # Content outside a margin box or a clipping box would be lost
        # without a word: both are frames whose content must fit.
        frame = box
    yield Placed(box, field, page_block, frame, mark)
    for child in getattr(box, 'children', ()) or ():
        yield from walk(child, field, page_block, frame, mark)


def is_text(box) -> bool:
    return type(box).__name__ == 'TextBox' and box.text.strip() != ''


def bottom(box) -> float:
    return box.position_y + box.margin_height()


class Analysis:
    """Findings on the laid-out pages of one output."""

    def __init__(self, document, layout: Layout, output: str, owner,
                 safe_mm: float):
        self.document = document
        self.layout = layout
        self.output = output
        self.safe_mm = safe_mm
        self.owner = owner  # maps a field path to a Problem in its file
        self.pages = [list(walk(page._page_box)) for page in document.pages]

    def field_boxes(self) -> tuple:
        """The area each content field's text covers, per page, in mm."""
        boxes: dict[tuple[int, str], list[float]] = {}
        for index, placed in enumerate(self.pages):
            for item in placed:
                if not item.field or not is_text(item.box):
                    continue
                box = item.box
                rect = [mm(box.position_x), mm(box.position_y),
                        mm(box.position_x + box.width),
                        mm(box.position_y + box.height)]
                known = boxes.get((index, item.field))
                boxes[(index, item.field)] = rect if known is None else [
                    min(known[0], rect[0]), min(known[1], rect[1]),
                    max(known[2], rect[2]), max(known[3], rect[3])]
        return tuple(((index, *(round(v, 2) for v in rect)), field)
                     for (index, field), rect in boxes.items())

    def page_name(self, index: int) -> str:
        names = self.layout.page.names
        if index < len(names):
            return f'page {index + 1} ({names[index]})'
        return f'page {index + 1}'

    def problems(self) -> list[Problem]:
        found = self.size_problems()
        found += self.count_problems()
        if not found and len(self.pages) == self.layout.page.count:
            found += self.frame_problems()
            found += self.safe_zone_problems()
        return found

    def size_problems(self) -> list[Problem]:
        page = self.layout.page
        found = []
        for index, rendered in enumerate(self.document.pages):
            width, height = mm(rendered.width), mm(rendered.height)
            if (abs(width - page.width_mm) > TOLERANCE_MM
                    or abs(height - page.height_mm) > TOLERANCE_MM):
                found.append(self.layout.problem('page', (
                    f'{self.output} {self.page_name(index)} is {width:.1f} × '
                    f'{height:.1f} mm but the manifest says '
                    f'{page.width_mm:g} × {page.height_mm:g} mm; remove '
                    '"size" from the layout\'s stylesheets')))
                break
        return found

    def overflowing_block(self) -> tuple[str | None, int] | None:
        """The page block that spilled onto more than one page, if any, as
        (data-page name, index of its first page)."""
        if len(self.pages) <= self.layout.page.count:
            return None
        starts: dict[str, int] = {}
        for index, placed in enumerate(self.pages):
            for item in placed:
                if item.page_block and item.page_block not in starts:
                    starts[item.page_block] = index
        order = sorted(starts, key=starts.get)
        for position, block in enumerate(order):
            end = (starts[order[position + 1]] if position + 1 < len(order)
                   else len(self.pages))
            if end - starts[block] > 1:
                return block, starts[block]
        return None, 0

    def count_problems(self) -> list[Problem]:
        """Too few pages is the template's fault; too many is handled by
        :func:`measure_overflow`, which needs another render."""
        expected, actual = self.layout.page.count, len(self.pages)
        if actual < expected:
            return [self.layout.problem('page.count', (
                f'the template made {actual} page(s) but the layout declares '
                f'{expected}; give each page its own element with '
                'data-page and "break-before: page"'))]
        if actual > expected and self.overflowing_block()[0] is None:
            return [self.layout.problem('page.count', (
                f'{self.output} came out with {actual} pages instead of '
                f'{expected}, and no block marked data-page overflowed; check '
                'the template\'s page breaks'))]
        return []

    def block_height(self, block: str, index: int) -> float:
        """Height available to a page block: its box on its first page."""
        for item in self.pages[index]:
            element = getattr(item.box, 'element', None)
            if element is not None and element.get('data-page') == block:
                return item.box.margin_height()
        return 0.0

    def frame_problems(self) -> list[Problem]:
        found, seen = [], set()
        for index, placed in enumerate(self.pages):
            for item in placed:
                frame = item.frame
                if frame is None or item.box is frame or id(frame) in seen:
                    continue
                if not hasattr(item.box, 'margin_height'):
                    continue
                limit = frame.content_box_y() + frame.height
                over = bottom(item.box) - limit
                if over > TOLERANCE_MM * PX_PER_MM:
                    seen.add(id(frame))
                    message = (f'does not fit in its frame on '
                               f'{self.page_name(index)} of {self.layout.name}'
                               f': about {mm(over):.0f} mm too much; shorten '
                               'it')
                    found.append(self.owner(item.field, message)
                                 if item.field else self.layout.problem(
                                     'page', f'{self.output}: {message}'))
        return found

    def safe_zone_problems(self) -> list[Problem]:
        safe = self.safe_mm * PX_PER_MM
        tolerance = TOLERANCE_MM * PX_PER_MM
        found = []
        for index, (placed, rendered) in enumerate(zip(self.pages,
                                                       self.document.pages)):
            for item in placed:
                box = item.box
                if not is_text(box) or item.mark:
                    continue  # the DRAFT mark fits itself (fit_marks)
                gaps = {
                    'left': box.position_x,
                    'top': box.position_y,
                    'right': rendered.width - (box.position_x + box.width),
                    'bottom': rendered.height - (box.position_y + box.height),
                }
                side, gap = min(gaps.items(), key=lambda kv: kv[1])
                if gap < safe - tolerance:
                    text = box.text.strip()
                    text = text if len(text) <= 30 else text[:29] + '…'
                    message = (f'text "{text}" on {self.page_name(index)} of '
                               f'{self.output} is {mm(gap):.1f} mm from the '
                               f'{side} trim edge; keep text at least '
                               f'{self.safe_mm:g} mm inside')
                    found.append(self.owner(item.field, message + ' (shorten '
                                            'it)') if item.field and side ==
                                 'right' else self.layout.problem(
                                     'page', message + ' (widen the '
                                     'page margins in the layout\'s CSS)'))
                    if len(found) >= 5:
                        return found
        return found
