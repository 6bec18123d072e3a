"""Stage 3: HTML → laid-out pages → checks → PDF bytes (nothing on disk).

In: the HTML of one output and its layout.  Out: :class:`Rendered` (PDF
bytes, page count), or a :class:`~flyers.errors.BuildError` that says what
went wrong in the user's terms:

- an RGB colour in the print edition fails before layout, named by its
  declaration (:mod:`flyers.printcolours`);
- any WeasyPrint warning or error (a missing image, ignored CSS) fails; one
  about a stylesheet names its file, line and column;
- a page count other than the layout's: the content field that most likely
  grew is named, with roughly how much was too much
  (:mod:`flyers.overflow`), after copyfit if the layout has it;
- a wrong page size or count, content spilling out of a frame, text in the
  safe zone (:mod:`flyers.pagecheck`) fail; the builder's own DRAFT mark is
  fitted to each panel instead and painted last, as outlines
  (:mod:`flyers.draftmark`);
- the free space left after copyfit is shared out (``--fill``), and
  columns side by side are lined up at the bottom (``--even``);
- the content's pictures are swapped for pixels prepared for their placed
  size and edition, and fail when too small (:mod:`flyers.pictures`);
- the screen edition's links are tidied for PDF/UA (:mod:`flyers.links`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .draftmark import draft_finisher, fit_marks
from .errors import BuildError, LayoutError, Problem
from .layouts import Layout, start_size
from .links import tidy_links
from .fonts import declared_families
from .job import Job
from .marks import TransparencyInX1a, print_finisher
from .pdffonts import FontProgramError, fonts_finisher, variant_version
from .overflow import measure_overflow
from .pagecheck import Analysis
from .pictures import prepare_pictures
from .printcolours import print_colour_problems
from .render import PRINT_PROFILE


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    copyfit: tuple[str, float, float] | None = None  # property, from, to pt
    # ((page index, x0, y0, x1, y1 in mm from the trim's top-left), field):
    # where each content field's text lies, for the preflight's messages.
    fields: tuple = ()
    # (placement, Problem): content pictures with fewer pixels than print
    # asks for (flyers.pictures), for the preflight report.
    picture_warnings: tuple = ()


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


def render_pdf(html: str, job: Job, fetcher, font_config, owner,
               metadata_id: str, keep: dict | None = None,
               fixed: tuple | None = None) -> Rendered:
    """Lay out ``html``, check it, and return the PDF bytes.

    ``keep``, a dict, is given the laid-out document and what the search
    chose: ``copyfit`` (as reported), ``size``, ``fills`` (``--fill``) and
    ``evens`` (``--even``).  ``fixed``, such values ``(copyfit, size,
    fills, evens)``, lays the document out once with them instead of
    searching (a variant of an output built before, whose text is proven
    to take the same room: :mod:`flyers.variantfast`)."""
    from .fetch import FetchRefused

    try:
        return _render_pdf(html, job, fetcher, font_config, owner,
                           metadata_id, keep, fixed)
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
        options.update(pdf_variant='pdf/ua-1', finisher=fonts_finisher(
            variant_version('pdf/ua-1')))
    return options


def write_document(document, job: Job, metadata_id: str,
                   capture: dict | None = None) -> bytes:
    """A laid-out (and checked) document's PDF bytes, as the job's edition
    wants them: WeasyPrint's writer with the finishers, then the screen
    edition's links tidied.  ``capture`` (a dict) is given the writer's
    objects as the finishers left them (``pdf``, ``count``) and how they
    were written (``write``: version, identifier, compress)."""
    try:
        options = _write_options(job, metadata_id)
        # The DRAFT mark, painted last on each page, before the marks.
        options['finisher'] = draft_finisher(document,
                                             options.get('finisher'))
        if capture is not None:
            options['finisher'] = _capturing(options['finisher'], capture)
        pdf = document.write_pdf(**options)
    except (TransparencyInX1a, FontProgramError) as exc:
        raise LayoutError(job.printshop.problem('pdfx', str(exc))) from None
    if not job.is_print:
        pdf = tidy_links(pdf)
    return pdf


def field_lines(document) -> dict[tuple[str, str], int]:
    """{(tag, field): lines} of every element marked ``data-field`` that
    holds lines of text itself, in one laid-out document."""
    from weasyprint.formatting_structure import boxes

    found: dict[tuple[str, str], int] = {}

    def visit(box):
        element = getattr(box, 'element', None)
        if (isinstance(box, boxes.LineBox) and element is not None
                and element.get('data-field') is not None):
            key = (element.tag, element.get('data-field'))
            found[key] = found.get(key, 0) + 1
        for child in getattr(box, 'children', ()) or ():
            visit(child)

    for page in document.pages:
        visit(page._page_box)
    return found


def _capturing(finisher, capture: dict):
    """``finisher``, then keep the objects and the arguments they are
    written with (for :mod:`flyers.variantfast`)."""
    def finish(document, pdf):
        if finisher is not None:
            finisher(document, pdf)
        capture.update(pdf=pdf, count=len(pdf.objects))

        def write(output, version, identifier, compress):
            capture['write'] = (version, identifier, compress)
            return type(pdf).write(pdf, output, version, identifier,
                                   compress)
        pdf.write = write

    return finish


def _copyfit_sizes(layout: Layout):
    """Every size copyfit may choose, largest first: from the ceiling (the
    stylesheet's size when the manifest declares none) down to the floor;
    and the index of the stylesheet's size among them."""
    start = start_size(layout)
    fit = layout.copyfit
    up = max(0, int((max(fit.ceiling_pt or start, start) - start)
                    / fit.step_pt + 1e-9))
    down = int(round((start - fit.floor_pt) / fit.step_pt + 1e-9))
    return [round(start + fit.step_pt * n, 3)
            for n in range(up, -down - 1, -1)], up


def _render_pdf(html, job, fetcher, font_config, owner, metadata_id,
                keep=None, fixed=None):
    from weasyprint import CSS, HTML

    layout, output = job.layout, job.path
    base_url = layout.folder.resolve().as_uri() + '/'

    def lay_out(size=None, fills=None, evens=None):
        spread = _fill_sheet(fills or {}) + _even_sheet(evens or {})
        sheets = []
        if size is not None:
            sheets.append(CSS(string=f':root {{ {layout.copyfit.property}: '
                                     f'{size}pt !important; }}',
                              font_config=font_config))
        if spread:
            sheets.append(CSS(string=spread, font_config=font_config))
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
        fit_marks(document, job.safe_mm, job.folds_mm)
        if keep is not None:  # every layout's lines, for a variant's proof
            keep.setdefault('trace', []).append(field_lines(document))
        # What _evened adds to.
        document._flyers_fills, document._flyers_evens = fills, evens
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
        if fixed is not None:
            copyfit, size, fills, evens = fixed
            document, analysis = lay_out(size, fills, evens)
        else:
            document, analysis, copyfit = _copyfit(layout, lay_out)
            size = copyfit[2] if copyfit else None
            # The columns are lined up in the same layout that shares out
            # the free space; only when that changed them is one more
            # needed.
            document, analysis = _spread(
                layout, lay_out, document, analysis, size,
                _uneven_columns(document, filled=False)
                if _all_right(layout, document, analysis) else {})
            document, analysis = _evened(layout, lay_out, document,
                                         analysis, size)
        problems = analysis.problems() if analysis else []
        if not problems and (document is None
                             or len(document.pages) > layout.page.count):
            problem = measure_overflow(
                html, base_url, analysis, (layout, output, owner), fetcher,
                font_config, _copyfit_sheet(layout, font_config))
            if layout.copyfit:
                start = start_size(layout)
                problem = dataclasses.replace(problem, message=(
                    problem.message + f' (even with the type shrunk from '
                    f'{start:g} to {layout.copyfit.floor_pt:g} pt, the '
                    'smallest the layout allows)'))
            problems = [problem]
        if problems:
            raise BuildError(problems)
        # The content's pictures, prepared for the size they are placed at.
        too_small, picture_warnings = prepare_pictures(
            document, job, fetcher, layout.folder.parent.parent)
        if too_small:
            raise BuildError(too_small)
        capture = {} if keep is not None else None
        pdf = write_document(document, job, metadata_id, capture)
        if keep is not None:
            # What a variant of this output may reuse (flyers.variantfast).
            keep.update(document=document, copyfit=copyfit, size=size,
                        written=capture,
                        fills=getattr(document, '_flyers_fills', None),
                        evens=getattr(document, '_flyers_evens', None))
        foreign = sorted({font.family for font in document.fonts.values()}
                         - declared_families(fetcher.fetched)
                         - job.brand.families)
        if foreign:
            raise BuildError(owner('', (
                f'part of {output} would be set in {", ".join(foreign)}, a '
                'font of this machine, because the brand fonts lack a '
                'character of the text; replace unusual characters (symbols, '
                'emoji) with ordinary ones')))
        if messages:
            raise LayoutError(_weasyprint_problems(messages, layout))
    return Rendered(pdf, len(document.pages), copyfit,
                    analysis.field_boxes(), tuple(picture_warnings))


def _copyfit(layout: Layout, lay_out):
    """Lay the document out at the stylesheet's sizes, or at the copyfit
    size that fills the pages best: the largest size between the floor and
    the ceiling at which everything fits.  Returns (document, analysis,
    (property, from pt, to pt) or None when the stylesheet's size is used).

    Fitting is monotonic in the size, so the sizes are searched, not all
    tried, and the likely cases cost least.  The stylesheet's size first
    (content written for the layout: one layout, no more).  When that fits,
    the free space it leaves (:func:`_free_share`) predicts how far the
    type can grow: that size is tried, then one step larger (see
    :func:`_grown`).  When it is too long: the first step down (the usual
    small overflow), then the floor (give up at once if even that fails),
    then halve the range in between.
    """
    if not layout.copyfit:
        document, analysis = lay_out()
        return document, analysis, None
    sizes, at_start = _copyfit_sizes(layout)
    count = layout.page.count
    tried = {}

    def attempt(index):
        if index not in tried:
            tried[index] = lay_out(None if index == at_start
                                   else sizes[index])
        return tried[index]

    def fits(index):
        document, analysis = attempt(index)
        if document is None:
            return False
        if index < at_start:  # grown: every page right, nothing clipped
            return len(document.pages) == count and not analysis.problems()
        return len(document.pages) <= count


    best = None
    if fits(at_start):
        best = at_start
        if at_start:
            best = _grown(sizes, at_start, fits, tried)
    else:
        document, analysis = tried[at_start]
        last = len(sizes) - 1
        if last > at_start and (analysis is None
                                or not analysis.count_problems()):
            if fits(at_start + 1):
                best = at_start + 1
            elif fits(last):
                best = largest_fitting(fits, at_start + 1, last)
            else:
                document, analysis = tried[last]
    if best is None:
        return document, analysis, None
    document, analysis = tried[best]
    copyfit = (None if best == at_start else
               (layout.copyfit.property, sizes[at_start], sizes[best]))
    return document, analysis, copyfit


def largest_fitting(fits, low: int, high: int) -> int:
    """``fits(low)`` is false, ``fits(high)`` true (sizes largest first):
    the smallest index, so the largest size, that fits."""
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle
    return high


# Less free space than this share of a page's frame: the type stays as
# the stylesheet sets it (growing by one step would not fit anyway).
FULL = 0.02
# How the height text takes grows with its size, until two layouts that
# fitted have shown it for this content: as the square (lines get longer
# and taller), which undershoots rather than overshoots, since not every
# block grows with the type.
GROWTH = 2.0


def _grown(sizes, at_start: int, fits, tried) -> int:
    """The index of the largest size that fits, given that the one at
    ``at_start`` does.  A frame with free share f of its height is full at
    about size s / (1 - f)^(1/k), where the height used grows as s^k:
    k = :data:`GROWTH` at first, then as measured between the last two
    layouts that fitted (a secant, so a poster whose list is a small part
    of the page jumps further than a leaflet of text).  The largest size
    not above that is tried, until a guess fails (then the range in
    between is halved) or the frames are full."""
    best, low = at_start, -1  # best fits; low, when >= 0, does not
    stride = 1  # steps taken by the last guess that fitted
    measured = []  # (size, used share) of the layouts that fitted
    for _ in range(5):
        share = _free_share(tried[best][0])
        if share is not None and share < FULL:
            break
        candidates = range(low + 1, best)
        if not candidates:
            break
        if share is None:  # no frame marked: one step, then more
            guess = best - stride
        else:
            measured.append((sizes[best], 1 - share))
            growth, timid = GROWTH, False
            if len(measured) > 1:
                (s0, u0), (s1, u1) = measured[-2:]
                if u1 > u0 * 1.01 and s1 > s0:
                    growth = max(0.1, math.log(u1 / u0) / math.log(s1 / s0))
                else:
                    # The frames hardly noticed the last step (the type
                    # is a small part of them): go twice as far.
                    timid = True
            target = sizes[best] * (1 / max(1 - share, 0.05)) ** (1 / growth)
            below = [i for i in candidates if sizes[i] <= target + 1e-9]
            guess = min(below) if below else best - 1
            if timid:
                guess = min(guess, best - 2 * stride)
            elif len(measured) > 1:
                # A secant through two close points is steep: never more
                # than twice as far as the last step.
                guess = max(guess, best - 2 * stride)
        guess = max(guess, low + 1)
        if fits(guess):
            best, stride = guess, max(1, best - guess)
        else:
            low = guess
            break
    if low >= 0 and best - low > 1:
        return largest_fitting(fits, low, best)
    return best


def _free_share(document) -> float | None:
    """The smallest share of free height in the frames the templates mark
    ``data-fill``; None when no frame is marked."""
    frames = _free_space(document)
    return min(free / height for free, height, _ in frames.values()) \
        if frames else None


def _free_space(document) -> dict[str, tuple[float, float, int]]:
    """{name: (free, height, page index)} in CSS px of the frames the
    templates mark
    ``data-fill="NAME"`` (a page, a panel): the frame's height less the
    blocks stacked in it.  Blocks side by side (a grid's columns) are
    stacks of their own (the tallest counts), and an empty block (a
    spacer) is free space."""
    frames = {}

    def visit(box, page):
        element = getattr(box, 'element', None)
        if (element is not None and getattr(box, 'element_tag', None)
                and element.get('data-fill') is not None and box.height):
            stacks: dict[int, float] = {}
            for child in getattr(box, 'children', ()) or ():
                node = getattr(child, 'element', None)
                if node is None or (len(node) == 0
                                    and not (node.text or '').strip()):
                    continue
                column = round(child.position_x)
                stacks[column] = (stacks.get(column, 0) + child.margin_height()
                                  + _collapsed_below(child))
            if stacks:
                name = element.get('data-fill') or str(len(frames))
                frames.setdefault(name, (
                    max(0.0, box.height - max(stacks.values())), box.height,
                    page))
            return
        for child in getattr(box, 'children', ()) or ():
            visit(child, page)

    for index, page in enumerate(document.pages):
        visit(page._page_box, index)
    return frames


def _collapsed_below(box) -> float:
    """How far the bottom margin of a block's last descendant reaches
    below the block's own margin box: a margin that collapsed through the
    block's end (a list's last item), which WeasyPrint places but counts
    in no box's height."""
    below = 0.0
    while True:
        children = [child for child in getattr(box, 'children', ()) or ()
                    if getattr(child, 'element', None) is not None
                    and hasattr(child, 'margin_height')]
        if not children:
            return below
        last = children[-1]
        reach = (last.position_y + last.margin_height()
                 - box.position_y - box.margin_height())
        below = max(below, reach)
        box = last


# Free space below this share of a frame's height is left where the
# layout's flexible rows put it.
SPREAD_FROM = 0.05
PX_PER_MM = 96 / 25.4


def _all_right(layout: Layout, document, analysis) -> bool:
    """Whether a layout has the layout's page count and nothing wrong."""
    return (document is not None and len(document.pages) == layout.page.count
            and not (analysis is not None and analysis.problems()))


def _spread(layout: Layout, lay_out, document, analysis, size, evens):
    """Share out the free space the type could not fill: every frame
    marked ``data-fill="NAME"`` with free space left gets it as the CSS
    custom property ``--fill`` (a length), which the layout's stylesheet
    divides between the gaps it chooses (``calc(var(--fill) * .2)``); the
    frame's flexible rows take what is left.  One more layout, only when
    there is space to share, with the columns' ``evens`` (see
    :func:`_evened`) set in the same layout; kept only when everything
    still fits."""
    if not _all_right(layout, document, analysis):
        return document, analysis
    frames = {name: (free, page) for name, (free, height, page)
              in _free_space(document).items()
              if free > SPREAD_FROM * height
              and re.fullmatch(r'[a-z0-9-]+', name)}
    # A layout may let type grow with --fill too (a title): its lines are
    # not known in advance, so the frames of a page that then overflows
    # get half the space on the next try, and none on the one after.
    shares = dict.fromkeys(frames, 1.0)
    for _ in range(3):
        fills = {name: shares[name] * free
                 for name, (free, _) in frames.items() if shares[name]}
        if not fills:
            break
        spread = lay_out(size, fills, evens)
        if _all_right(layout, *spread):
            return _topped_up(layout, lay_out, size, spread, fills, evens)
        over = spread[1].overflowing_block() if spread[1] else None
        page = over[1] if over and over[0] else None
        for name, (_, at) in frames.items():
            if page is None or at == page:
                shares[name] = 0.5 if shares[name] == 1.0 else 0.0
    return document, analysis


# Columns whose bottoms differ by less than this (about a line of the
# smallest body type, half of the two lines allowed) are left as they are:
# no layout is spent on them.
EVEN_FROM = 4 * PX_PER_MM


def _uneven_columns(document, evens=None, filled=True
                    ) -> dict[str, float]:
    """{column name: mm} the vertical space each column marked
    ``data-column="NAME"`` needs for its last block to end level with the
    lowest of its row: what
    it was given before (``evens``) and what it still lacks, where that is
    more than :data:`EVEN_FROM`; empty when every row is level.  The
    layout's stylesheet shares it out between the column's blocks
    (``var(--even)``): vertical justification, so the column bottoms line
    up though the split was decided before layout
    (:mod:`flyers.columns`).  Without ``filled``, the columns that are
    frames of free space themselves (``data-fill``) are left out: the
    space shared out to them changes their height."""
    evens = evens or {}
    rows: dict[tuple, dict[str, float]] = {}

    def visit(box, page):
        element = getattr(box, 'element', None)
        name = element.get('data-column') if element is not None and \
            getattr(box, 'element_tag', None) else None
        if name and not filled and element.get('data-fill') is not None:
            return
        if name:
            # Where its last block ends: columns may start lower than
            # their neighbours (a padding that takes a share of --fill).
            bottom = max((child.position_y + child.margin_height()
                          for child in getattr(box, 'children', ()) or ()
                          if getattr(child, 'element', None) is not None),
                         default=box.content_box_y())
            rows.setdefault((page, round(box.position_y)), {})[name] = bottom
            return
        for child in getattr(box, 'children', ()) or ():
            visit(child, page)

    for index, page in enumerate(document.pages):
        visit(page._page_box, index)
    uneven, level = {}, True
    for columns in rows.values():
        lowest = max(columns.values())
        for name, bottom in columns.items():
            if not re.fullmatch(r'[a-z0-9-]+', name):
                continue
            lacking = lowest - bottom
            level &= lacking <= EVEN_FROM
            given = evens.get(name, 0.0) * PX_PER_MM
            if given or lacking > EVEN_FROM:
                uneven[name] = (given + lacking) / PX_PER_MM
    return {} if level else uneven


def _even_sheet(evens: dict[str, float]) -> str:
    return ''.join(f'[data-column="{name}"] {{ --even: {even:.2f}mm; }}'
                   for name, even in sorted(evens.items()))


def _evened(layout: Layout, lay_out, document, analysis, size):
    """The columns of a row lined up at the bottom (:func:`_uneven_columns`):
    one more layout, with the free space shared as in the layout kept so
    far, only when they are still uneven (the shared space went to them
    unequally, or a page's text moved); kept only when everything still
    fits."""
    if not _all_right(layout, document, analysis):
        return document, analysis
    evens = _uneven_columns(document, getattr(document, '_flyers_evens',
                                              None))
    if not evens:
        return document, analysis
    evened = lay_out(size, getattr(document, '_flyers_fills', None), evens)
    if _all_right(layout, *evened):
        return evened
    return document, analysis


def _fill_sheet(fills: dict[str, float]) -> str:
    return ''.join(f'[data-fill="{name}"] {{ --fill: '
                   f'{fill / PX_PER_MM:.2f}mm; }}'
                   for name, fill in sorted(fills.items()))


def _topped_up(layout: Layout, lay_out, size, spread, fills, evens):
    """The layout's shares of --fill may add up to less than the space
    (type that grew with it took less than allowed): what is still free
    in a frame is added to its --fill once more, if that fits."""
    left = {name: free
            for name, (free, height, _) in _free_space(spread[0]).items()
            if name in fills and free > SPREAD_FROM * height}
    if not left:
        return spread
    topped = lay_out(size, {**fills, **{name: fills[name] + free
                                        for name, free in left.items()}},
                     evens)
    return topped if _all_right(layout, *topped) else spread


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
