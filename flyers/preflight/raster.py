"""Preflight, what the pages look like: backgrounds to the bleed edge and QR
codes on pages rendered by PDFium, total ink on Ghostscript's CMYK raster.

In: the PDF's bytes, its page frames and the expectations.  Out: findings for bleed-reach, qr, ink
and layout (empty bands, :mod:`.bands`, on the same pictures).

Each page is rendered once, at a low resolution that still shows the
smallest allowed QR code (72–150 dpi); that one picture serves the bleed
samples and finds the QR codes, and only the region around each code is
rendered again at 300 dpi to decode and measure it.  Ghostscript (one
that stays, :mod:`.ghostscript`) renders in the background while
everything else is checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .bands import check_bands
from .findings import MM_PER_PT, PT_PER_MM, Collector, Expectations, Frame

QR_DPI = 300
INK_DPI = 50
QUIET_MODULES = 4
MIN_MODULE_MM = 0.4
DARK = 128  # luminance below this is dark, as a phone's camera sees it
# Bleed samples: just inside the trim, and just inside the bleed edge.
INNER_MM = 1.0
OUTER_MARGIN_MM = 0.5
SAME_COLOUR = 48  # largest channel difference still "the same colour"
PAPER = 245  # at least this light in every channel: bare paper
MIN_GAP_MM = 1.0  # shorter differences are anti-aliasing at a corner


@dataclass(frozen=True)
class _View:
    """Maps PDF points onto the pixels of one rendered picture."""

    left: float
    top: float
    scale: float  # pixels per point

    def px(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.left) * self.scale, (self.top - y) * self.scale

    def pt(self, px: float, py: float) -> tuple[float, float]:
        return self.left + px / self.scale, self.top - py / self.scale


def render_dpi(expect: Expectations) -> float:
    """Enough for about 2.5 pixels per module of the smallest allowed QR
    code (up to 41 modules), and at least 72 dpi for the bleed samples."""
    if not expect.qr_urls:
        return 72.0
    module_mm = max(expect.qr_min_mm, 1.0) / 41
    return min(150.0, max(72.0, 2.5 * 25.4 / module_mm))


def check_rendered(data: bytes, frames: list[Frame], expect: Expectations,
                   out: Collector) -> None:
    import pypdfium2

    check_bleed = expect.bleed_mm > 0
    if check_bleed:
        out.ran('bleed-reach')
    out.ran('qr')
    dpi = render_dpi(expect)
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        out.error('structure', f'PDFium cannot open the file ({exc}), so '
                  'neither can many viewers; build it again')
        return
    try:
        codes = []
        for frame in frames:
            page = document[frame.index]
            image, view = _render(page, dpi / 72)
            if check_bleed:
                _bleed_reach(image, view, frame, expect.bleed_mm, out)
            if expect.empty_band_limit is not None:
                check_bands(image, view, frame, expect, out)
            codes += _codes_on(page, frame, image, view)
        wanted = set(expect.qr_urls)
        if len({code.text for code in codes} & wanted) < len(wanted):
            # A code too small for the quick look: read every page at
            # 300 dpi.  Slow, but only when something is already wrong.
            for frame in frames:
                page = document[frame.index]
                image, view = _render(page, QR_DPI / 72, grey=True)
                for code in _decode(image, view, frame):
                    if not any(_same(code, known) for known in codes):
                        codes.append(code)
    finally:
        document.close()
    _check_codes(codes, expect, out)


def _render(page, scale: float, box=None, grey: bool = False):
    left, bottom, right, top = page.get_bbox()
    crop = (0, 0, 0, 0)
    if box is not None:
        x0, y0, x1, y1 = (max(box[0], left), max(box[1], bottom),
                          min(box[2], right), min(box[3], top))
        crop = (x0 - left, y0 - bottom, right - x1, top - y1)
        left, top = x0, y1
    # Undo the page's /Rotate: every check measures in unrotated points.
    bitmap = page.render(scale=scale, crop=crop, grayscale=grey,
                         rev_byteorder=not grey,
                         rotation=(360 - page.get_rotation()) % 360)
    return bitmap.to_pil(), _View(left, top, scale)


# --- bleed ------------------------------------------------------------------

def _bleed_reach(image, view: _View, frame: Frame, bleed_mm: float,
                 out: Collector) -> None:
    """Where the artwork touches the trim edge, its colour must go on to
    the bleed edge: a white sliver shows when the cut is a little off."""
    tx0, ty0, tx1, ty1 = frame.trim
    bx0, by0, bx1, by1 = frame.bleed
    inner = INNER_MM * PT_PER_MM
    margin = OUTER_MARGIN_MM * PT_PER_MM
    # (edge, line inside the trim, line inside the bleed edge, vertical?)
    edges = (('top', ty1 - inner, by1 - margin, False),
             ('bottom', ty0 + inner, by0 + margin, False),
             ('left', tx0 + inner, bx0 + margin, True),
             ('right', tx1 - inner, bx1 - margin, True))
    per_mm = view.scale * PT_PER_MM
    for edge, at_trim, at_bleed, vertical in edges:
        if abs(at_bleed - at_trim) <= inner:
            continue  # no bleed on this side: the bleed-box check says so
        inside = _samples(image, view, frame, at_trim, vertical)
        beyond = _samples(image, view, frame, at_bleed, vertical)
        if inside is None or beyond is None:
            continue
        # Only bare paper at the bleed edge is a fault: a picture run into
        # the bleed changes colour between any two lines, as it should.
        runs = [run for run in _differences(inside, beyond)
                if (run[1] - run[0]) / per_mm >= MIN_GAP_MM and run[2]]
        if not runs:
            continue
        total = sum(last - first for first, last, _ in runs) / per_mm
        first, _, white = max(runs, key=lambda run: run[1] - run[0])
        offset = (first + 0.5) / view.scale
        point = ((tx0 if edge == 'left' else tx1, ty1 - offset) if vertical
                 else (tx0 + offset, ty1 if edge == 'top' else ty0))
        gap = 'a white sliver shows' if white else 'the colour changes'
        out.error('bleed-reach', f'the artwork at the {edge} edge stops at '
                  f'the trim ({total:.0f} mm of the edge): {gap} between '
                  'the trim and the bleed edge; run the background '
                  f'{bleed_mm:g} mm into the bleed (classes .bleed-x, '
                  '.bleed-top, .bleed-bottom in the layout)', frame=frame,
                  point=point)


def _samples(image, view: _View, frame: Frame, at: float, vertical: bool):
    """The pixels along the line x = ``at`` (or y = ``at``) across the
    trimmed page, from its top (or left) end; None off the picture."""
    tx0, ty0, tx1, ty1 = frame.trim
    width, height = image.size
    if vertical:
        x = int(view.px(at, 0)[0])
        top, bottom = int(view.px(0, ty1)[1]), int(view.px(0, ty0)[1])
        if not 0 <= x < width:
            return None
        strip = image.crop((x, max(0, top), x + 1, min(height, bottom)))
    else:
        y = int(view.px(0, at)[1])
        left, right = int(view.px(tx0, 0)[0]), int(view.px(tx1, 0)[0])
        if not 0 <= y < height:
            return None
        strip = image.crop((max(0, left), y, min(width, right), y + 1))
    data = strip.convert('RGB').tobytes()
    return list(zip(data[0::3], data[1::3], data[2::3]))


def _differences(inside, beyond):
    """Runs (first, end, white?) of samples where coloured artwork inside
    the trim has another colour at the bleed edge; white? when the bleed
    edge is bare paper all along the run."""
    runs = []
    start, white = None, True
    for index, (c, d) in enumerate(zip(inside, beyond)):
        differs = min(c) < PAPER and max(abs(c[0] - d[0]), abs(c[1] - d[1]),
                                       abs(c[2] - d[2])) > SAME_COLOUR
        if differs:
            if start is None:
                start, white = index, True
            white = white and min(d) >= PAPER
        elif start is not None:
            runs.append((start, index, white))
            start = None
    if start is not None:
        runs.append((start, len(inside), white))
    return runs


# --- QR codes ---------------------------------------------------------------

@dataclass
class _Code:
    text: str
    frame: Frame
    box: tuple  # points, symbol without quiet zone
    modules: int | None
    problems: list  # (severity, message)
    measured: bool = False


def _same(a: _Code, b: _Code) -> bool:
    return (a.text == b.text and a.frame.index == b.frame.index
            and abs(a.box[0] - b.box[0]) < 5 and abs(a.box[3] - b.box[3]) < 5)


def _decode(image, view: _View, frame: Frame) -> list[_Code]:
    """Decode and measure every QR code in a picture."""
    import zxingcpp

    codes = []
    grey = image if image.mode == 'L' else image.convert('L')
    for result in zxingcpp.read_barcodes(
            grey, formats=zxingcpp.BarcodeFormat.QRCode):
        code = _measure(result, grey, view, frame)
        if not any(_same(code, known) for known in codes):
            codes.append(code)
    return codes


def _corners(result):
    position = result.position
    return [(p.x, p.y) for p in (position.top_left, position.top_right,
                                 position.bottom_right, position.bottom_left)]


def _codes_on(page, frame: Frame, image, view: _View) -> list[_Code]:
    """Find codes on the quick render, then read each at 300 dpi."""
    import zxingcpp

    found = []
    for result in zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormat.QRCode):
        corners = [view.pt(*p) for p in _corners(result)]
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        side = max(max(xs) - min(xs), max(ys) - min(ys))
        modules = _modules(result) or 41
        margin = max((QUIET_MODULES + 3) * side / modules, 3 * PT_PER_MM)
        box = (min(xs) - margin, min(ys) - margin, max(xs) + margin,
               max(ys) + margin)
        region, region_view = _render(page, QR_DPI / 72, box, grey=True)
        codes = [c for c in _decode(region, region_view, frame)
                 if c.text == result.text]
        if codes:
            found.append(codes[0])
        else:
            found.append(_Code(result.text, frame, (min(xs), min(ys), max(xs),
                                                    max(ys)), modules, [(
                'error', 'the QR code reads at low resolution but not at '
                f'{QR_DPI} dpi; make it larger and check it is sharp')]))
    return found


def _modules(result) -> int | None:
    """Modules across, from the QR version zxing-cpp read (``extra`` since
    zxing-cpp 2.3, ``version`` before)."""
    extra = getattr(result, 'extra', None) or {}
    version = extra.get('Version') or getattr(result, 'version', None)
    try:
        return 17 + 4 * int(version)
    except (TypeError, ValueError):
        return None


def _measure(result, grey, view: _View, frame: Frame) -> _Code:
    corners = _corners(result)
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    sides = [math.dist(corners[i], corners[(i + 1) % 4]) for i in range(4)]
    side_px = sum(sides) / 4
    modules = _modules(result)
    upright = (abs(corners[0][1] - corners[1][1]) < 2
               and abs(corners[0][0] - corners[3][0]) < 2)
    if modules and upright:
        x0, y0, x1, y1 = _finder_edges(grey, (x0, y0, x1, y1),
                                       side_px / modules)
        side_px = ((x1 - x0) + (y1 - y0)) / 2
    left, top = view.pt(x0, y0)
    right, bottom = view.pt(x1, y1)
    code = _Code(result.text, frame, (left, bottom, right, top), modules, [],
                 True)
    if not modules or side_px <= 0:
        return code
    module_px = side_px / modules
    # The centre of the top-left finder pattern is a dark module.
    cx = corners[0][0] + (corners[1][0] - corners[0][0]) * 3.5 / modules \
        + (corners[3][0] - corners[0][0]) * 3.5 / modules
    cy = corners[0][1] + (corners[1][1] - corners[0][1]) * 3.5 / modules \
        + (corners[3][1] - corners[0][1]) * 3.5 / modules
    try:
        centre = grey.getpixel((int(cx), int(cy)))
    except IndexError:
        centre = 0
    if centre >= DARK:
        code.problems.append(('error', 'the QR code is light on a dark '
                              'ground; many phones only read dark modules '
                              'on a light ground: print it dark on light'))
    else:
        _quiet_zone(code, grey, (x0, y0, x1, y1), module_px)
    return code


def _finder_edges(grey, box, module_px: float):
    """The symbol's edges to a fraction of a pixel: zxing's corners may be
    a pixel off, which matters for a module of 0.4 mm.  Each edge is
    crossed where a finder pattern's outer ring lies (dark for a whole
    module inside the edge, quiet zone outside), and the edge is where the
    ink of that stretch would end if it were solid."""
    x0, y0, x1, y1 = box
    reach = 0.8 * module_px
    ring = 3.5 * module_px  # the centre line of the finder patterns
    width, height = grey.size

    def scan(a: int, b: int, line: int, vertical: bool, inward: int):
        if a < 0 or line < 0 or b > (height if vertical else width) \
                or line >= (width if vertical else height):
            return None
        strip = grey.crop((line, a, line + 1, b) if vertical
                          else (a, line, b, line + 1)).tobytes()
        light, dark = max(strip), min(strip)
        if light - dark < 96:
            return None
        covered = sum(light - v for v in strip) / (light - dark)
        return b - covered if inward > 0 else a + covered

    found = (
        scan(int(x0 - reach), math.ceil(x0 + reach), int(y0 + ring), False,
             1),
        scan(int(y0 - reach), math.ceil(y0 + reach), int(x0 + ring), True,
             1),
        scan(int(x1 - reach), math.ceil(x1 + reach), int(y0 + ring), False,
             -1),
        scan(int(y1 - reach), math.ceil(y1 + reach), int(x0 + ring), True,
             -1))
    return tuple(old if new is None else new
                 for old, new in zip(box, found))


def _quiet_zone(code: _Code, grey, box, module_px: float) -> None:
    x0, y0, x1, y1 = box
    # Anti-aliasing blurs the symbol's own edge by a pixel or two.
    slack = max(2.0, 0.15 * module_px)
    zone = QUIET_MODULES * module_px
    width, height = grey.size
    ix0, iy0, ix1, iy1 = x0 - slack, y0 - slack, x1 + slack, y1 + slack
    ox0, oy0, ox1, oy1 = x0 - zone, y0 - zone, x1 + zone, y1 + zone
    strips = {'left': (ox0, oy0, ix0, oy1), 'right': (ix1, oy0, ox1, oy1),
              'top': (ix0, oy0, ix1, iy0), 'bottom': (ix0, iy1, ix1, oy1)}
    worst = None
    for side, (a, b, c, d) in strips.items():
        a, b = max(0, int(round(a))), max(0, int(round(b)))
        c, d = min(width, int(round(c))), min(height, int(round(d)))
        if c <= a or d <= b:
            continue
        strip = grey.crop((a, b, c, d))
        if strip.getextrema()[0] >= DARK:
            continue
        dark = strip.point(lambda v: 255 if v < DARK else 0).getbbox()
        if dark is None:
            continue
        dx0, dy0, dx1, dy1 = dark[0] + a, dark[1] + b, dark[2] + a, dark[3] + b
        distance = {'left': x0 - dx1, 'right': dx0 - x1, 'top': y0 - dy1,
                    'bottom': dy0 - y1}[side]
        if worst is None or distance < worst[1]:
            worst = (side, distance)
    if worst is not None:
        side, distance = worst
        per_mm = QR_DPI / 25.4
        code.problems.append((
            'error', f'something dark is {max(0.0, distance) / per_mm:.1f} mm '
            f'from the QR code\'s {side} edge; keep {QUIET_MODULES} modules '
            f'({zone / per_mm:.1f} mm) around the code light and empty '
            '(its quiet zone), or phones may not read it'))


def _check_codes(codes: list[_Code], expect: Expectations,
                 out: Collector) -> None:
    from ..content import is_placeholder_url

    wanted = set(expect.qr_urls)
    for code in codes:
        where = {'frame': code.frame, 'box': code.box}
        if code.text not in wanted:
            intended = (' or '.join(f'"{u}"' for u in sorted(wanted))
                        if wanted else 'nothing: this file should have none')
            out.error('qr', f'a QR code leads to "{code.text}" but the '
                      f'intended address is {intended}; build it again from '
                      'the content file', **where)
        if is_placeholder_url(code.text):
            # The content check stops a final build first; a file built
            # elsewhere is caught here.
            message = (f'the QR code leads to a placeholder address '
                       f'"{code.text}"; put the real address in the content '
                       'file')
            if expect.draft:
                out.warning('links', message + ' before the final build',
                            **where)
            else:
                out.error('links', message, **where)
        for severity, message in code.problems:
            out.add('qr', severity, message, **where)
        if not code.measured or not code.modules:
            continue
        side_mm = (code.box[2] - code.box[0]) * MM_PER_PT
        module_mm = side_mm / code.modules
        if side_mm < expect.qr_min_mm - 0.05:
            out.error('qr', f'the QR code is {side_mm:.1f} mm wide; it must '
                      f'be at least {expect.qr_min_mm:g} mm (quiet zone not '
                      'counted): make it larger in the layout', **where)
        if module_mm < MIN_MODULE_MM - 0.005:
            out.error('qr', f'the QR code\'s modules are {module_mm:.2f} mm '
                      f'({code.modules} across); phones need at least '
                      f'{MIN_MODULE_MM} mm: make the code larger or the '
                      'address shorter', **where)
    found = {code.text for code in codes}
    for url in sorted(wanted - found):
        out.error('qr', f'no QR code leading to "{url}" could be read on any '
                  'page; check that the code is there, large and dark on '
                  'light')


# --- ink --------------------------------------------------------------------

@dataclass
class InkJob:
    ghostscript: object | None  # ghostscript.Ghostscript
    number: int = 0
    problem: str | None = None


# A CMYK raster of each page's BleedBox (the slug with its crop marks is
# not printed).  Colour management is off (-dUseFastColor) so the numbers
# are the file's own.
INK_OPTIONS = ('-dUseBleedBox', '-dUseFastColor', '-sDEVICE=tiff32nc',
               f'-r{INK_DPI}')


def without_registration(data: bytes) -> bytes:
    """The file as the ink check measures it: registration colour
    (``/Separation /All``, the crop marks) prints on every plate but is no
    ink of the design, so it is made a colorant that Ghostscript's CMYK
    raster leaves blank (it paints /All on every plate whatever its tint
    transform says).  Design in process colours is measured as it is."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        changed = False
        for obj in pdf.objects:  # pages, forms, patterns: their resources
            if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                continue
            resources = obj.get('/Resources')
            spaces = (resources.get('/ColorSpace') if isinstance(
                resources, pikepdf.Dictionary) else None)
            if not isinstance(spaces, pikepdf.Dictionary):
                continue
            for name in list(spaces.keys()):
                space = spaces[name]
                if (isinstance(space, pikepdf.Array) and len(space) == 4
                        and space[0] == pikepdf.Name.Separation
                        and space[1] == pikepdf.Name.All):
                    spaces[name] = pikepdf.Array([
                        pikepdf.Name.Separation,
                        pikepdf.Name('/Registration-not-ink'),
                        pikepdf.Name.DeviceCMYK, pdf.make_indirect(
                            pikepdf.Dictionary(
                                FunctionType=2, Domain=[0, 1], N=1,
                                C0=[0, 0, 0, 0], C1=[0, 0, 0, 0]))])
                    changed = True
        if not changed:
            return data
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def start_ink(data: bytes) -> InkJob:
    """Hand the PDF (its registration colour as no ink) to this process's
    Ghostscript; it renders while the other checks run."""
    from . import ghostscript

    import pikepdf

    try:
        data = without_registration(data)
    except pikepdf.PdfError:  # Ghostscript is given it as it is, and says
        pass  # what it cannot render
    problem = None
    for _ in range(2):  # a kept one may have stopped: then a new one
        try:
            server = ghostscript.acquire(INK_OPTIONS)
        except ghostscript.GhostscriptError as exc:
            return InkJob(None, problem=str(exc))
        try:
            return InkJob(server, server.submit(data))
        except OSError as exc:
            ghostscript.release(server, healthy=False)
            problem = ('Ghostscript stopped before it could render the file '
                       f'for the ink check ({exc})')
    return InkJob(None, problem=problem)


def cancel_ink(job: InkJob) -> None:
    """Give up on a job: its Ghostscript is ended (it may be mid-file)."""
    from . import ghostscript

    if job.ghostscript is not None:
        ghostscript.release(job.ghostscript, healthy=False)
        job.ghostscript = None


def finish_ink(job: InkJob, frames: list[Frame], expect: Expectations,
               out: Collector) -> None:
    from . import ghostscript

    out.ran('ink')
    if job.problem:
        out.error('ink', job.problem)
        return
    server, job.ghostscript = job.ghostscript, None
    try:
        pictures = server.collect(job.number, timeout=120)
    except ghostscript.GhostscriptError as exc:
        ghostscript.release(server, healthy=False)
        out.error('ink', f'Ghostscript {exc} while rendering the file for '
                  'the ink check; build it again')
        return
    try:
        if pictures.failed or not pictures.pages:
            said = pictures.said
            out.error('ink', 'Ghostscript could not render the file for the '
                      f'ink check ({said[-1] if said else "no picture"}); '
                      'build it again')
            return
        try:
            _max_ink(pictures.pages, frames, expect, out)
        except (OSError, ValueError, SyntaxError):  # a broken picture
            said = pictures.said
            out.error('ink', 'Ghostscript could not render the file for the '
                      f'ink check ({said[0] if said else "no picture"}); '
                      'build it again')
    finally:
        server.discard(pictures)
        ghostscript.release(server)


def _max_ink(pages: list, frames, expect: Expectations, out) -> None:
    from PIL import Image, ImageMath

    for path, frame in zip(pages, frames):
        with Image.open(path) as image:
            cmyk = image.convert('CMYK') if image.mode != 'CMYK' else image
            c, m, y, k = cmyk.split()
            total = ImageMath.lambda_eval(
                lambda a: a['c'] + a['m'] + a['y'] + a['k'],
                c=c, m=m, y=y, k=k)
            highest = total.getextrema()[1]
            percent = highest * 100 / 255
            if percent <= expect.ink_limit + 0.5:
                continue
            mask = ImageMath.lambda_eval(lambda a: a['t'] == highest,
                                         t=total)
            left, top, right, _ = mask.getbbox()
            row = mask.crop((left, top, right, top + 1)).getbbox()
            px = left + (row[0] if row else 0)
            inks = [round(v * 100 / 255) for v in cmyk.getpixel((px, top))]
            scale = INK_DPI / 72
            point = (frame.bleed[0] + (px + 0.5) / scale,
                     frame.bleed[3] - (top + 0.5) / scale)
            out.error('ink', f'total ink reaches {percent:.0f} % (C {inks[0]} '
                      f'M {inks[1]} Y {inks[2]} K {inks[3]}); the print '
                      f'shop\'s limit is {expect.ink_limit:g} %: use a '
                      'colour whose four inks add up to less', frame=frame,
                      point=point)
