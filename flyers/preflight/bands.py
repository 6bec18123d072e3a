"""Preflight, how full the pages look: the tallest empty horizontal band.

In: a page rendered by PDFium (any resolution; the preflight reuses the
picture :mod:`.raster` makes for its other checks) or a PDF's bytes, the
page's frame, and the bands the layout declares may stay empty.  Out: the
tallest band of the trimmed page in which every row of pixels is one and
the same uniform colour (bare paper, or a flat background: where paper
meets a coloured panel, one band ends and the next starts), as (top,
bottom) in mm from the trim's top edge; and the ``layout`` warning when
it is taller than the expected share (:data:`LIMIT`, 12 %) of the page
height:

    layout: page 2 has a 38 mm empty band at 95–133 mm; fill it …

A leaflet that leaves such a band looks unfinished: copyfit and the spread
of free space (:mod:`flyers.pdf`) are meant to fill it.  A design that
wants white space declares it (layout.yaml ``empty_bands_allowed_mm``:
[[from, to], …] in mm from the top of the trim, on every page); rows in a
declared band are never counted.  A DRAFT mark crosses the page and hides
bands: the measure is meant for final outputs.
"""

from __future__ import annotations

from .findings import MM_PER_PT, Collector, Frame

LIMIT = 0.12  # of the page height
DPI = 36  # enough to see a 2 mm line of text; bands are tens of mm
UNIFORM = 10  # largest channel difference in a row still "one colour"


def empty_band(image, view, frame: Frame, allowed=()) -> tuple[float, float]:
    """The tallest run of uniform rows inside the trim, (top, bottom) in mm
    from the trim's top edge ((0, 0) when there is none).  ``image`` and
    ``view`` come from :func:`.raster._render`; ``allowed`` lists
    (from, to) mm bands that do not count."""
    tx0, ty0, tx1, ty1 = frame.trim
    left, top = view.px(tx0, ty1)
    right, bottom = view.px(tx1, ty0)
    left, right = int(round(left)) + 1, int(round(right)) - 1
    top, bottom = int(round(top)) + 1, int(round(bottom)) - 1
    height_mm = (ty1 - ty0) * MM_PER_PT
    rgb = image.convert('RGB')

    def at(y):  # mm from the trim's top; the edge rows reach the edges
        if y <= top:
            return 0.0
        if y > bottom:
            return height_mm
        return (ty1 - view.pt(0, y)[1]) * MM_PER_PT

    best = (0.0, 0.0)
    start = colour = None
    for y in range(top, bottom + 2):
        row = None
        if y <= bottom:
            extrema = rgb.crop((left, y, right, y + 1)).getextrema()
            if any(a <= at(y) <= b for a, b in allowed):
                row = colour or extrema
            elif _uniform(extrema):
                row = extrema
        # A band is one colour: where paper meets a coloured panel, the
        # edge is part of the design and the band ends.
        if start is not None and (row is None or not _same(row, colour)):
            band = _without((at(start), at(y)), allowed)
            if band[1] - band[0] > best[1] - best[0]:
                best = band
            start = None
        if row is not None and start is None:
            start, colour = y, row
    return best


def _uniform(extrema) -> bool:
    return all(high - low <= UNIFORM for low, high in extrema)


def _same(one, other) -> bool:
    return all(abs(a[0] - b[0]) <= UNIFORM for a, b in zip(one, other))


def _without(band, allowed):
    """The band less the declared margins at its ends."""
    top, bottom = band
    for a, b in allowed:
        if a <= top <= b:
            top = min(b, bottom)
        if a <= bottom <= b:
            bottom = max(a, top)
    return top, bottom


def check_bands(image, view, frame: Frame, expect, out: Collector) -> None:
    """The ``layout`` warning for one rendered page."""
    out.ran('layout')
    top, bottom = empty_band(image, view, frame,
                             expect.empty_bands_allowed_mm)
    height_mm = (frame.trim[3] - frame.trim[1]) * MM_PER_PT
    if bottom - top > expect.empty_band_limit * height_mm:
        out.warning('layout', band_message(frame.index + 1, top, bottom),
                    limit=False)


def band_message(page: int, top: float, bottom: float) -> str:
    return (f'page {page} has a {bottom - top:.0f} mm empty band at '
            f'{top:.0f}–{bottom:.0f} mm; fill it (copyfit ceiling_pt, '
            'the layout\'s flexible spaces) or declare it in layout.yaml '
            '(empty_bands_allowed_mm)')


def measure_pdf(data: bytes, dpi: float = DPI) -> list[tuple[float, float]]:
    """The tallest empty band of every page of a PDF (for tests and
    designers): [(top, bottom) mm from the trim's top, ...]."""
    import io

    import pikepdf
    import pypdfium2

    from .raster import _render

    with pikepdf.open(io.BytesIO(data)) as opened:
        frames = _frames(opened)
    document = pypdfium2.PdfDocument(data)
    try:
        found = []
        for frame in frames:
            image, view = _render(document[frame.index], dpi / 72)
            found.append(empty_band(image, view, frame))
        return found
    finally:
        document.close()


def _frames(opened) -> list[Frame]:
    from .findings import normalised

    frames = []
    for index, page in enumerate(opened.pages):
        media = normalised(page.mediabox)
        trim = normalised(page.get('/TrimBox', page.mediabox))
        bleed = normalised(page.get('/BleedBox', page.mediabox))
        frames.append(Frame(index, media, trim, bleed))
    return frames
