"""Stage 3: HTML → laid-out pages → checks → PDF bytes (nothing on disk).

In: the HTML of one output and its layout.  Out: :class:`Rendered` (PDF
bytes, page count), or a :class:`~flyers.errors.BuildError` that says what
went wrong in the user's terms:

- any WeasyPrint warning or error (a missing image, ignored CSS) fails;
- a page count other than the layout's: the content block that did not fit
  on its page is named with roughly how much was too much;
- content spilling out of a fixed frame (a page-margin box, an element
  with ``overflow: hidden`` or one marked ``data-frame``) fails the same way,
  so nothing is clipped silently;
- text closer to the trim than the layout's safe zone fails;
- a page size other than the manifest's fails.

Templates mark their blocks: ``data-page="front"`` on the element that holds
one page, ``data-field="proposals.items[2]"`` on elements that show one
content field.  That is how a finding is traced back to the content file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError, LayoutError, Problem
from .layouts import Layout, start_size
from .fonts import declared_families
from .job import Job
from .marks import TransparencyInX1a, print_finisher
from .printcolours import print_colour_problems
from .render import PRINT_PROFILE

PX_PER_MM = 96 / 25.4
TOLERANCE_MM = 0.05


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    copyfit: tuple[str, float, float] | None = None  # property, from, to pt
    # ((page index, x0, y0, x1, y1 in mm from the trim's top-left), field):
    # where each content field's text lies, for the preflight's messages.
    fields: tuple = ()


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[tuple[str, str | None]] = []

    def emit(self, record):
        self.messages.append((record.getMessage(), _stylesheet_url()))


def _stylesheet_url() -> str | None:
    """The address of the stylesheet WeasyPrint is reading while it logs,
    if it is reading one: its messages about CSS give a line and column but
    not the file.  (An @import'ed sheet is read inside the importing one:
    the innermost reading is the one meant.)"""
    frame = sys._getframe(2)
    while frame is not None:
        if (frame.f_code.co_name == 'preprocess_stylesheet'
                and frame.f_globals.get('__name__', '').startswith(
                    'weasyprint.css')):
            url = frame.f_locals.get('base_url')
            return url if isinstance(url, str) else None
        frame = frame.f_back
    return None


@contextlib.contextmanager
def weasyprint_messages():
    """Collect WeasyPrint's warnings and errors instead of printing them."""
    logger = logging.getLogger('weasyprint')
    handler = _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def mm(px: float) -> float:
    return px / PX_PER_MM


# --- walking the laid-out boxes --------------------------------------------

@dataclass
class _Placed:
    """A box with the content field and page block it belongs to."""

    box: object
    field: str | None
    page_block: str | None
    frame: object | None
    fixed: bool = False
    mark: bool = False  # part of the builder's own DRAFT mark


def _walk(box, field=None, page_block=None, frame=None, fixed=False,
          mark=False):
    element = getattr(box, 'element', None)
    if element is not None and getattr(box, 'element_tag', None):
        field = element.get('data-field') or field
        page_block = element.get('data-page') or page_block
        fixed = fixed or element.get('data-fixed') is not None
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
    yield _Placed(box, field, page_block, frame, fixed, mark)
    for child in getattr(box, 'children', ()) or ():
        yield from _walk(child, field, page_block, frame, fixed, mark)


def _is_text(box) -> bool:
    return type(box).__name__ == 'TextBox' and box.text.strip() != ''


def _bottom(box) -> float:
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
        self.pages = [list(_walk(page._page_box)) for page in document.pages]

    def field_boxes(self) -> tuple:
        """The area each content field's text covers, per page, in mm."""
        boxes: dict[tuple[int, str], list[float]] = {}
        for index, placed in enumerate(self.pages):
            for item in placed:
                if not item.field or not _is_text(item.box):
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
                over = _bottom(item.box) - limit
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
                if not _is_text(box) or item.mark:
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


def fit_marks(document, safe_mm: float) -> None:
    """Make the builder's own DRAFT mark fit its page, whatever the font,
    the layout's page size or its margins: centre its text on the point it
    turns around and shrink it until, turned, it lies inside the safe zone.

    The mark is ``position: fixed`` and turned with a CSS transform, so it
    takes no room from the text: changing its drawing matrix after layout
    moves nothing else.  (Its laid-out line can be wider than the page; a
    line that overflows is not centred, hence the move.)"""
    from weasyprint.matrix import Matrix

    safe = safe_mm * PX_PER_MM
    done = set()
    for page in document.pages:
        width, height = page.width, page.height
        for item in _walk(page._page_box):
            box = item.box
            matrix = getattr(box, 'transformation_matrix', None)
            element = getattr(box, 'element', None)
            if (matrix is None or id(box) in done or element is None
                    or element.get('data-mark') is None):
                continue
            done.add(id(box))
            texts = [t.box for t in _walk(box) if _is_text(t.box)]
            if not texts:
                continue
            x0 = min(t.position_x for t in texts)
            y0 = min(t.position_y for t in texts)
            x1 = max(t.position_x + t.width for t in texts)
            y1 = max(t.position_y + t.height for t in texts)
            # The point the transform turns around, where it is drawn.
            ox, oy = _turning_point(box)
            centred = Matrix(e=ox - (x0 + x1) / 2,
                             f=oy - (y0 + y1) / 2) @ matrix
            corners = [centred.transform_point(x, y)
                       for x in (x0, x1) for y in (y0, y1)]
            reach = [ox - min(x for x, _ in corners),
                     max(x for x, _ in corners) - ox,
                     oy - min(y for _, y in corners),
                     max(y for _, y in corners) - oy]
            room = [ox - safe, width - safe - ox, oy - safe,
                    height - safe - oy]
            scale = min([1.0] + [max(0.0, r) / e * 0.98
                                 for r, e in zip(room, reach) if e > 0])
            box.transformation_matrix = (
                Matrix(e=ox - (x0 + x1) / 2, f=oy - (y0 + y1) / 2)
                @ Matrix(e=-ox, f=-oy) @ Matrix(a=scale, d=scale)
                @ Matrix(e=ox, f=oy) @ matrix)


def _turning_point(box) -> tuple[float, float]:
    """Where ``transform-origin`` puts the centre of a box's transform."""
    from weasyprint.layout.percent import percentage

    origin_x, origin_y = box.style['transform_origin']
    return (box.border_box_x() + percentage(origin_x, box.style,
                                            box.border_width()),
            box.border_box_y() + percentage(origin_y, box.style,
                                            box.border_height()))


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
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher
                    ).render(stylesheets=sheets, font_config=font_config)
    page = document.pages[0]._page_box
    # What a page block can hold: its height, and never more than the
    # trimmed page inside its margins.
    page_room = (layout.page.height_mm * PX_PER_MM - page.margin_top
                 - page.margin_bottom)
    blocks = [(item.box.element.get('data-page'), item.box)
              for page in document.pages for item in _walk(page._page_box)
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
        for item in _walk(box):
            if not _is_text(item.box):
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


def render_pdf(html: str, job: Job, fetcher, font_config, owner,
               metadata_id: str) -> Rendered:
    """Lay out ``html``, check it, and return the PDF bytes."""
    from .fetch import FetchRefused

    try:
        return _render_pdf(html, job, fetcher, font_config, owner,
                           metadata_id)
    except FetchRefused as exc:  # while laying out or while writing
        raise LayoutError(Problem(f'layouts/{job.layout.name}',
                                  str(exc))) from None


def _write_options(job: Job, metadata_id: str) -> dict:
    """WeasyPrint's PDF options for the job's edition."""
    identifier = hashlib.sha256(metadata_id.encode()).hexdigest()[:32]
    options = {'pdf_identifier': identifier.encode()}
    if job.is_print:
        options.update(pdf_variant=job.printshop.pdfx,
                       output_intent=PRINT_PROFILE,
                       finisher=print_finisher(
                           job.printshop,
                           job.layout.folder.parent.parent
                           / job.printshop.icc_profile, identifier))
    else:
        options.update(pdf_variant='pdf/ua-1')
    return options


def _copyfit_sizes(layout: Layout):
    """The smaller sizes to try, largest first, down to the floor."""
    start = start_size(layout)
    fit = layout.copyfit
    steps = int(round((start - fit.floor_pt) / fit.step_pt + 1e-9))
    return start, [round(start - fit.step_pt * n, 3)
                   for n in range(1, steps + 1)]


def _render_pdf(html, job, fetcher, font_config, owner, metadata_id):
    from weasyprint import CSS, HTML

    layout, output = job.layout, job.path
    base_url = layout.folder.resolve().as_uri() + '/'

    def lay_out(size=None):
        sheets = []
        if size is not None:
            sheets.append(CSS(string=f':root {{ {layout.copyfit.property}: '
                                     f'{size}pt !important; }}',
                              font_config=font_config))
        try:
            document = HTML(string=html, base_url=base_url,
                            url_fetcher=fetcher
                            ).render(stylesheets=sheets,
                                     font_config=font_config)
        except AssertionError:
            # WeasyPrint 70 gives up on a block that may not break across
            # pages (a proposal, break-inside: avoid) and is taller than a
            # page: that content does not fit.
            document = None
        if messages:
            raise LayoutError(_weasyprint_problems(messages, layout))
        if document is None:
            return None, None
        fit_marks(document, job.safe_mm)
        return document, Analysis(document, layout, output, owner,
                                  job.safe_mm)

    if job.is_print:
        # Before layout: the preflight would find an RGB colour once per
        # field it paints, and blame the fields.
        wrong = print_colour_problems(html, base_url, layout.folder.parent
                                      .parent)
        if wrong:
            raise LayoutError(wrong)
    with weasyprint_messages() as messages:
        document, analysis = lay_out()
        copyfit = None
        too_long = document is None or len(document.pages) > layout.page.count
        if too_long and layout.copyfit and (
                analysis is None or not analysis.count_problems()):
            # Copyfit: shrink the body type step by step; the first size at
            # which everything fits wins, and the build says so.
            # Fitting is monotonic in the size, so search: the first step
            # (the usual small overflow), then the floor (give up at once if
            # even that fails), then halve the range in between.
            start, sizes = _copyfit_sizes(layout)
            tried = {}

            def fits(index):
                if index not in tried:
                    tried[index] = lay_out(sizes[index])
                document, _ = tried[index]
                return (document is not None
                        and len(document.pages) <= layout.page.count)

            best = None
            if fits(0):
                best = 0
            elif fits(len(sizes) - 1):
                low, best = 0, len(sizes) - 1  # low fails, best fits
                while best - low > 1:
                    middle = (low + best) // 2
                    if fits(middle):
                        best = middle
                    else:
                        low = middle
            if best is not None:
                document, analysis = tried[best]
                copyfit = (layout.copyfit.property, start, sizes[best])
            else:
                document, analysis = tried[len(sizes) - 1]
        problems = analysis.problems() if analysis else []
        if not problems and (document is None
                             or len(document.pages) > layout.page.count):
            problem = measure_overflow(
                html, base_url, analysis, (layout, output, owner), fetcher,
                font_config, _copyfit_sheet(layout, font_config))
            if layout.copyfit:
                start, sizes = _copyfit_sizes(layout)
                problem = dataclasses.replace(problem, message=(
                    problem.message + f' (even with the type shrunk from '
                    f'{start:g} to {layout.copyfit.floor_pt:g} pt, the '
                    'smallest the layout allows)'))
            problems = [problem]
        if problems:
            raise BuildError(problems)
        try:
            pdf = document.write_pdf(**_write_options(job, metadata_id))
        except TransparencyInX1a as exc:
            raise LayoutError(job.printshop.problem('pdfx', str(exc))) from None
        foreign = sorted({font.family for font in document.fonts.values()}
                         - declared_families(fetcher.fetched))
        if foreign:
            raise BuildError(owner('', (
                f'part of {output} would be set in {", ".join(foreign)}, a '
                'font of this machine, because the brand fonts lack a '
                'character of the text; replace unusual characters (symbols, '
                'emoji) with ordinary ones')))
        if messages:
            raise LayoutError(_weasyprint_problems(messages, layout))
    return Rendered(pdf, len(document.pages), copyfit,
                    analysis.field_boxes())


def _copyfit_sheet(layout: Layout, font_config):
    """The stylesheet that sets the copyfit property to its floor, so an
    overflow is measured at the smallest size tried."""
    from weasyprint import CSS

    if not layout.copyfit:
        return None
    return CSS(string=f':root {{ {layout.copyfit.property}: '
                      f'{layout.copyfit.floor_pt}pt !important; }}',
               font_config=font_config)


_AT = re.compile(r',? at (\d+):(\d+)([.,:]?)')


def _weasyprint_problems(messages, layout: Layout) -> list[Problem]:
    """WeasyPrint's messages as problems: one about CSS names the
    stylesheet, line and column it is about, the rest the layout folder."""
    from urllib.parse import unquote, urlsplit

    root = layout.folder.parent.parent.resolve()
    found = []
    for message, url in messages:
        place = _AT.search(message)
        path = None
        if url and place and urlsplit(url).scheme == 'file':
            path = Path(unquote(urlsplit(url).path))
            path = path.relative_to(root) if path.is_relative_to(root) \
                else None
        if path is None or path.suffix != '.css':
            found.append(Problem(f'layouts/{layout.name}',
                                 f'WeasyPrint: {message}'))
            continue
        # "Ignored `colr: red` at 25:3, unknown property." -> "ignored
        # `colr: red`: unknown property"
        before = message[:place.start()].strip().rstrip(':')
        after = message[place.end():].strip().rstrip('.')
        text = before + (f': {after}' if after else '')
        text = re.sub(r'^(Error|Parse error): ', 'CSS syntax error: ', text)
        if text[1:2].islower():
            text = text[:1].lower() + text[1:]
        text = text.replace('.:', ':').rstrip('.')
        found.append(Problem(path.as_posix(), f'{text}; correct or remove '
                             'it (WeasyPrint)', int(place[1]),
                             int(place[2])))
    return found
