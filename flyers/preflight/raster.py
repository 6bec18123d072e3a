"""Preflight, what the pages look like: backgrounds to the bleed edge and QR
codes on pages rendered by PDFium, total ink on Ghostscript's CMYK raster.

In: the PDF (its bytes for PDFium, its path for Ghostscript), the page
frames and the expectations.  Out: findings for bleed-reach, qr and ink.

Each page is rendered once, at a low resolution that still shows the
smallest allowed QR code (72–150 dpi); that one picture serves the bleed
samples and finds the QR codes, and only the region around each code is
rendered again at 300 dpi to decode and measure it.  Ghostscript runs in
the background while everything else is checked.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

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
    document = pypdfium2.PdfDocument(data)
    try:
        codes = []
        for frame in frames:
            page = document[frame.index]
            image, view = _render(page, dpi / 72)
            if check_bleed:
                _bleed_reach(image, view, frame, expect.bleed_mm, out)
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
    bitmap = page.render(scale=scale, crop=crop, grayscale=grey,
                         rev_byteorder=not grey)
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
    # (edge, inner line, outer line, vertical?, start, end) in points
    edges = (('top', ty1 - inner, by1 - margin, False, tx0, tx1),
             ('bottom', ty0 + inner, by0 + margin, False, tx0, tx1),
             ('left', tx0 + inner, bx0 + margin, True, ty0, ty1),
             ('right', tx1 - inner, bx1 - margin, True, ty0, ty1))
    width, height = image.size
    per_mm = view.scale * PT_PER_MM
    for edge, at_trim, at_bleed, vertical, start, end in edges:
        if (at_bleed - at_trim) * (1 if edge in ('top', 'right') else -1) \
                <= inner:
            continue  # no bleed on this side: the bleed-box check says so
        if vertical:
            a, _ = view.px(at_trim, 0)
            b, _ = view.px(at_bleed, 0)
            _, p0 = view.px(0, end)
            _, p1 = view.px(0, start)
            column = lambda x: image.crop((x, int(p0), x + 1, int(p1)))  # noqa
            trim_line, bleed_line = column(int(a)), column(int(b))
        else:
            _, a = view.px(0, at_trim)
            _, b = view.px(0, at_bleed)
            p0, _ = view.px(start, 0)
            p1, _ = view.px(end, 0)
            row = lambda y: image.crop((int(p0), y, int(p1), y + 1))  # noqa
            trim_line, bleed_line = row(int(a)), row(int(b))
        if not (0 <= int(a) < (width if vertical else height)
                and 0 <= int(b) < (width if vertical else height)):
            continue
        inside = list(trim_line.getdata())
        beyond = list(bleed_line.getdata())
        runs = []
        run_start = None
        white_run = True
        for i, (c, d) in enumerate(zip(inside, beyond)):
            paper = min(c) >= 245
            differs = not paper and max(abs(c[0] - d[0]), abs(c[1] - d[1]),
                                        abs(c[2] - d[2])) > SAME_COLOUR
            if differs and run_start is None:
                run_start, white_run = i, True
            if differs:
                white_run = white_run and min(d) >= 245
            if not differs and run_start is not None:
                runs.append((run_start, i, white_run))
                run_start = None
        if run_start is not None:
            runs.append((run_start, len(inside), white_run))
        runs = [r for r in runs if (r[1] - r[0]) / per_mm >= MIN_GAP_MM]
        if not runs:
            continue
        total = sum(r[1] - r[0] for r in runs) / per_mm
        first, last, white = max(runs, key=lambda r: r[1] - r[0])
        offset = (first + 0.5) / view.scale
        if vertical:
            point = (tx0 if edge == 'left' else tx1, (end - offset))
        else:
            point = (start + offset, ty1 if edge == 'top' else ty0)
        gap = 'a white sliver shows' if white else 'the colour changes'
        out.error('bleed-reach', f'the artwork at the {edge} edge stops at '
                  f'the trim ({total:.0f} mm of the edge): {gap} between '
                  'the trim and the bleed edge; run the background '
                  f'{bleed_mm:g} mm into the bleed (classes .bleed-x, '
                  '.bleed-top, .bleed-bottom in the layout)', frame=frame,
                  point=point)


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
    try:
        return 17 + 4 * int(result.extra.get('Version'))
    except (AttributeError, TypeError, ValueError):
        return None


def _measure(result, grey, view: _View, frame: Frame) -> _Code:
    corners = _corners(result)
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    sides = [math.dist(corners[i], corners[(i + 1) % 4]) for i in range(4)]
    side_px = sum(sides) / 4
    modules = _modules(result)
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
    wanted = set(expect.qr_urls)
    for code in codes:
        where = {'frame': code.frame, 'box': code.box}
        if code.text not in wanted:
            intended = (' or '.join(f'"{u}"' for u in sorted(wanted))
                        if wanted else 'nothing: this file should have none')
            out.error('qr', f'a QR code leads to "{code.text}" but the '
                      f'intended address is {intended}; build it again from '
                      'the content file', **where)
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
    process: subprocess.Popen | None
    raster: str | None
    problem: str | None = None


def start_ink(pdf) -> InkJob:
    """Start Ghostscript on a CMYK raster of each page's BleedBox (the slug
    with its registration-colour crop marks is not printed).  Colour
    management is off (-dUseFastColor) so the numbers are the file's own."""
    gs = shutil.which('gs')
    if gs is None:
        return InkJob(None, None, 'Ghostscript (gs) is not installed; the ink '
                      'check needs it: install the package "ghostscript"')
    handle, raster = tempfile.mkstemp(suffix='.tif', prefix='preflight-')
    os.close(handle)
    process = subprocess.Popen(
        [gs, '-q', '-dNOPAUSE', '-dBATCH', '-dSAFER', '-dUseBleedBox',
         '-dUseFastColor', '-sDEVICE=tiff32nc', f'-r{INK_DPI}',
         f'-sOutputFile={raster}', os.fspath(pdf)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    return InkJob(process, raster)


def cancel_ink(job: InkJob) -> None:
    if job.process is not None and job.process.poll() is None:
        job.process.kill()
        job.process.wait()
    if job.raster:
        with contextlib.suppress(OSError):
            os.unlink(job.raster)


def finish_ink(job: InkJob, frames: list[Frame], expect: Expectations,
               out: Collector) -> None:
    out.ran('ink')
    try:
        if job.problem:
            out.error('ink', job.problem)
            return
        output, _ = job.process.communicate(timeout=120)
        if job.process.returncode != 0:
            said = output.decode('utf-8', 'replace').strip().splitlines()
            out.error('ink', 'Ghostscript could not render the file for the '
                      f'ink check ({said[-1] if said else "no message"}); '
                      'build it again')
            return
        _max_ink(job.raster, frames, expect, out)
    except subprocess.TimeoutExpired:
        out.error('ink', 'Ghostscript took more than two minutes to render '
                  'the file for the ink check')
    finally:
        cancel_ink(job)


def _max_ink(raster: str, frames, expect: Expectations, out) -> None:
    from PIL import Image, ImageMath

    with Image.open(raster) as image:
        for index in range(getattr(image, 'n_frames', 1)):
            if index >= len(frames):
                break
            image.seek(index)
            cmyk = image.convert('CMYK') if image.mode != 'CMYK' else image
            # Leave out the outermost pixel: the crop marks start right at
            # the bleed edge, and Ghostscript gives them that pixel.
            width, height = cmyk.size
            if width > 2 and height > 2:
                cmyk = cmyk.crop((1, 1, width - 1, height - 1))
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
            frame = frames[index]
            scale = INK_DPI / 72
            point = (frame.bleed[0] + (px + 1.5) / scale,
                     frame.bleed[3] - (top + 1.5) / scale)
            out.error('ink', f'total ink reaches {percent:.0f} % (C {inks[0]} '
                      f'M {inks[1]} Y {inks[2]} K {inks[3]}); the print '
                      f'shop\'s limit is {expect.ink_limit:g} %: use a '
                      'colour whose four inks add up to less', frame=frame,
                      point=point)
