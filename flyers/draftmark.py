"""Stage 3, after layout and while writing: the builder's own DRAFT mark.

In: a laid-out WeasyPrint document, the safe zone in mm and the layout's
folds.  Out: nothing from :func:`fit_marks`, which takes the mark out of the
laid-out pages (so WeasyPrint neither paints nor tags it) and keeps, per
page, its letters as outlines, turned as the layout's CSS turns it and
fitted into every panel of the page inside the safe zone; and a
``write_pdf`` finisher (:func:`draft_finisher`) that paints them last on
each page, above every box, as a watermark artifact.

Why outlines: text drawn above the design would be read by every text
extractor and screen reader (``pdftotext`` interleaves diagonal letters with
the body's lines); paths are not text.  They are stroked, not filled, in the
brand's draft colour, so a word under them stays legible, without
transparency (PDF/X-1a allows none), and wrapped in
``/Artifact <</Type /Pagination /Subtype /Watermark>> BDC … EMC`` so a
tagged (PDF/UA) edition declares them as what they are.  The user is never
asked to make room for the mark.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass

from .pagecheck import PX_PER_MM, is_text, walk

PT_PER_PX = 0.75  # WeasyPrint writes CSS px as 3/4 pt (zoom 1)
# The letters' outline, as a share of the font size.
STROKE_EM = 0.035
ARTIFACT = b'/Artifact <</Type /Pagination /Subtype /Watermark>> BDC'


@dataclass(frozen=True)
class _Outline:
    """The mark of one page as laid out (not yet turned): path commands in
    page px, its extent and how the layout turns it."""

    commands: tuple  # (operator, ((x, y), ...)) in page px
    extent: tuple[float, float, float, float]  # x0, y0, x1, y1 in px
    font_size: float  # px
    colour: bytes  # PDF stroke colour operator


def fit_marks(document, safe_mm: float, folds_mm=()) -> None:
    """Take the builder's DRAFT mark out of every laid-out page and keep it
    as outlines fitted into each panel (the page when it has no folds),
    whatever the font, page size or margins (``folds_mm``: one tuple for
    every page, or one per page): centred on the point the
    layout turns it around (a panel's middle across the page) and shrunk
    until, turned, it lies inside the safe zone and off the folds.

    The result is ``document._flyers_draft``: per page, the placed marks
    to paint last (none for a page without a mark); they are turned into
    PDF operators only for the layout that is written."""
    from .layouts import folds_on

    safe = safe_mm * PX_PER_MM
    painted, holes = [], []
    for page in document.pages:
        holes.append(_qr_codes(page))
        # The mark's outer box comes first (its lines and texts follow).
        box = next((item.box for item in walk(page._page_box)
                    if _is_mark(item.box)), None)
        placed = []
        if box is not None:
            outline = _outline(box)
            regions = (_regions(page.width, page.height, safe,
                                folds_on(folds_mm, len(painted)))
                       if outline else [])
            for region in regions:
                matrix, scale = _placement(box, outline, region,
                                           keep=len(regions) == 1)
                placed.append((outline, matrix, scale, page.height))
        _detach(page._page_box)
        painted.append(placed)
    document._flyers_draft = painted
    document._flyers_draft_holes = holes


# Around a QR code the mark leaves this much free (CSS px), so the code
# stays readable on a proof (and for the preflight's QR check).
QR_MARGIN = 1 * PX_PER_MM


def _qr_codes(page) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) in CSS px of the QR codes on a laid-out page:
    the mark is painted above everything but these."""
    found = []
    for item in walk(page._page_box):
        element = getattr(item.box, 'element', None)
        if (element is not None and getattr(item.box, 'element_tag', None)
                and 'qr-code' in (element.get('class') or '').split()):
            box = item.box
            found.append((box.border_box_x() - QR_MARGIN,
                          box.border_box_y() - QR_MARGIN,
                          box.border_width() + 2 * QR_MARGIN,
                          box.border_height() + 2 * QR_MARGIN))
    return found


def _clip_out(holes, height: float) -> bytes:
    """PDF operators that clip the rest of the page's painting to all but
    ``holes`` (an even-odd clip: a large square with the holes cut out)."""
    if not holes:
        return b''
    parts = ['-10000 -10000 20000 20000 re']
    for x, y, width, h in holes:
        parts.append(f'{x * PT_PER_PX:.2f} {(height - y - h) * PT_PER_PX:.2f} '
                     f'{width * PT_PER_PX:.2f} {h * PT_PER_PX:.2f} re')
    return ('\n'.join(parts) + ' W* n\n').encode()


def draft_finisher(document, then=None):
    """A ``write_pdf`` finisher that paints the fitted marks last on their
    pages, then calls the finisher ``then``; just ``then`` when the
    document has no mark.  It changes only the page's own content stream
    (``q`` before it, ``Q`` and the mark after it), so it works before or
    after a finisher that wraps the page's contents."""
    painted = getattr(document, '_flyers_draft', None)
    if not painted or not any(painted):
        return then
    holes = getattr(document, '_flyers_draft_holes', [[]] * len(painted))

    def finish(document, pdf):
        import pydyf

        pages = [obj for obj in pdf.objects
                 if isinstance(obj, pydyf.Dictionary)
                 and obj.get('Type') == '/Page']
        for page, placed, cut in zip(pages, painted, holes):
            if not placed:
                continue
            # Above everything but the QR codes, which stay readable.
            operators = (b'q\n' + _clip_out(cut, placed[0][3])
                         + b'\n'.join(_paint(*mark) for mark in placed)
                         + b'\nQ')
            contents = page['Contents']
            if isinstance(contents, pydyf.Array):
                # Wrapped by another finisher: WeasyPrint's is the longest.
                contents = max(contents,
                               key=lambda r: len(_stream(pdf, r).stream))
            stream = _stream(pdf, contents)
            stream.stream.insert(0, b'q')
            stream.stream.append(b'Q\n' + ARTIFACT + b'\n' + operators
                                 + b'\nEMC')
        if then is not None:
            then(document, pdf)

    return finish


def _stream(pdf, reference: bytes):
    """The object that ``b'N 0 R'`` refers to (pydyf numbers its objects
    by their place in ``pdf.objects``)."""
    return pdf.objects[int(reference.split()[0])]


def _detach(box) -> None:
    """Remove the mark's boxes from the laid-out tree: nothing of it is
    painted or tagged by WeasyPrint."""
    children = getattr(box, 'children', None)
    if not children:
        return
    kept = [child for child in children if not _is_mark(child)]
    if len(kept) != len(children):
        box.children = type(children)(kept) if isinstance(
            children, (list, tuple)) else kept
    for child in kept:
        _detach(getattr(child, '_box', child))


def _is_mark(box) -> bool:
    box = getattr(box, '_box', box)  # an absolute box's placeholder
    element = getattr(box, 'element', None)
    return (element is not None and getattr(box, 'element_tag', None)
            is not None and element.get('data-mark') is not None)


# --- the letters' outlines ---------------------------------------------------

def _outline(box) -> _Outline | None:
    """The mark's letters as outlines where the layout set them, glyph by
    glyph as Pango shaped them (kerning, letter spacing), from the font
    file WeasyPrint chose."""
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    commands = []
    size = None
    texts = [t.box for t in walk(box) if is_text(t.box)]
    for text in texts:
        style = text.style
        if style['visibility'] != 'visible':  # as WeasyPrint would
            continue
        size = size or style['font_size']
        layout = text.pango_layout
        layout.reactivate(style)
        try:
            line, _ = layout.get_first_line()
            x = text.position_x
            baseline = text.position_y + text.baseline
            run = line.runs[0]
            while run != ffi.NULL:
                item = run.data
                run = run.next
                glyphs = item.glyphs
                font = _font(item.item.analysis.font, style['font_weight'])
                scale = style['font_size'] / font.upem
                for info in glyphs.glyphs[0:glyphs.num_glyphs]:
                    gid = info.glyph
                    if not (gid == pango.PANGO_GLYPH_EMPTY
                            or gid & pango.PANGO_GLYPH_UNKNOWN_FLAG):
                        gx = x + info.geometry.x_offset * FROM_UNITS
                        gy = baseline - info.geometry.y_offset * FROM_UNITS
                        commands += font.commands(gid, gx, gy, scale)
                    x += info.geometry.width * FROM_UNITS
        finally:
            layout.deactivate()
    points = [p for _, ps in commands for p in ps]
    if not points:
        return None
    extent = (min(x for x, _ in points), min(y for _, y in points),
              max(x for x, _ in points), max(y for _, y in points))
    return _Outline(tuple(commands), extent, size,
                    _stroke_colour(box.style['color']))


class _Font:
    """One font file read by fontTools, its glyphs' outlines by glyph id."""

    def __init__(self, data: bytes, index: int, weight: int):
        from fontTools.ttLib import TTFont

        self.ttfont = TTFont(io.BytesIO(data), fontNumber=index, lazy=True)
        self.upem = self.ttfont['head'].unitsPerEm
        location = None
        if 'fvar' in self.ttfont and any(
                axis.axisTag == 'wght' for axis in self.ttfont['fvar'].axes):
            location = {'wght': weight}
        self.glyphs = self.ttfont.getGlyphSet(location=location)
        self.order = self.ttfont.getGlyphOrder()
        self.cache: dict[int, tuple] = {}

    def commands(self, gid: int, x: float, y: float, scale: float):
        if gid not in self.cache:
            pen = _pen_class()(self.glyphs)
            if gid < len(self.order):
                self.glyphs[self.order[gid]].draw(pen)
            self.cache[gid] = tuple(pen.commands)
        return [(op, tuple((x + px * scale, y - py * scale)
                           for px, py in points))
                for op, points in self.cache[gid]]


_FONTS: dict[tuple, _Font] = {}  # read once per process (a few fonts)


def _font(pango_font, weight) -> _Font:
    from weasyprint.text.ffi import harfbuzz
    from weasyprint.text.fonts import (get_hb_object_data,
                                       get_pango_font_hb_face)

    face = get_pango_font_hb_face(pango_font)
    data = get_hb_object_data(face)
    key = (hashlib.sha256(data).digest(), harfbuzz.hb_face_get_index(face),
           int(weight))
    if key not in _FONTS:
        if len(_FONTS) >= 16:
            _FONTS.clear()
        _FONTS[key] = _Font(data, key[1], key[2])
    return _FONTS[key]


@functools.cache
def _pen_class():
    from fontTools.pens.basePen import BasePen

    class Pen(BasePen):
        """Records an outline as PDF path operators (quadratic curves
        become cubic ones, as PDF has only those)."""

        def __init__(self, glyphs):
            super().__init__(glyphs)
            self.commands = []

        def _moveTo(self, point):
            self.commands.append(('m', (point,)))

        def _lineTo(self, point):
            self.commands.append(('l', (point,)))

        def _curveToOne(self, p1, p2, p3):
            self.commands.append(('c', (p1, p2, p3)))

        def _closePath(self):
            self.commands.append(('h', ()))

        _endPath = _closePath

    return Pen


def _stroke_colour(colour) -> bytes:
    """The mark's CSS colour as a PDF stroke colour (no transparency)."""
    space = getattr(colour, 'space', 'srgb')
    if space == 'device-cmyk' or (space.startswith('--')
                                  and len(colour.coordinates) == 4):
        values = [min(1.0, max(0.0, float(v))) for v in colour.coordinates]
        return (' '.join(f'{v:.4g}' for v in values) + ' K').encode()
    if space.startswith('--') and len(colour.coordinates) == 1:
        return f'{float(colour.coordinates[0]):.4g} G'.encode()
    red, green, blue = colour.to('srgb').coordinates
    return ' '.join(f'{min(1.0, max(0.0, v)):.4g}'
                    for v in (red, green, blue)).encode() + b' RG'


# --- where it goes -------------------------------------------------------------

def _regions(width: float, height: float, safe: float, folds_mm):
    """The rectangles (px) a mark must stay inside: the page, or each panel
    between folds, less the safe zone from the trim and from each fold."""
    edges = [0.0] + sorted(f * PX_PER_MM for f in folds_mm
                           if 0 < f * PX_PER_MM < width) + [width]
    return [(left + safe, safe, right - safe, height - safe)
            for left, right in zip(edges, edges[1:])]


def _placement(box, outline: _Outline, region, keep: bool):
    """The matrix (laid-out px → page px) that centres the mark's letters
    on its turning point, turns them as the layout does, shrinks them to fit
    the region and moves them: where the layout put it if it fits there at
    full size (``keep``), else wherever in the region it can be largest:
    there or the region's centre; and the scale used."""
    from weasyprint.matrix import Matrix

    x0, y0, x1, y1 = outline.extent
    # Not turned (a layout set "transform: none"): drawn as laid out.
    turned = box.transformation_matrix or Matrix()
    ox, oy = _turning_point(box)
    # The letters' centre moved onto the turning point, then turned there.
    centre = Matrix(e=ox - (x0 + x1) / 2, f=oy - (y0 + y1) / 2)
    corners = [(centre @ turned).transform_point(x, y)
               for x in (x0, x1) for y in (y0, y1)]
    reach = [ox - min(x for x, _ in corners), max(x for x, _ in corners) - ox,
             oy - min(y for _, y in corners), max(y for _, y in corners) - oy]
    left, top, right, bottom = region

    def scale_at(tx, ty):
        room = [tx - left, right - tx, ty - top, bottom - ty]
        return min([1.0] + [max(0.0, r) / e * 0.98
                             for r, e in zip(room, reach) if e > 0])

    middle = ((left + right) / 2, (top + bottom) / 2)
    tx, ty = (ox, oy) if keep else (middle[0], min(max(oy, top), bottom))
    scale = scale_at(tx, ty)
    if scale < 1 and scale_at(*middle) > scale:
        tx, ty = middle
        scale = scale_at(tx, ty)
    scale = max(scale, 0.05)  # a page smaller than its safe zone: still seen
    return (centre @ Matrix(e=-ox, f=-oy) @ Matrix(a=scale, d=scale)
            @ Matrix(e=ox, f=oy) @ turned @ Matrix(e=tx - ox, f=ty - oy),
            scale)


def _paint(outline: _Outline, matrix, scale: float, height: float) -> bytes:
    """PDF operators (default user space: pt, y up) that stroke the
    outline through ``matrix``."""
    def point(x, y):
        px, py = matrix.transform_point(x, y)
        return f'{px * PT_PER_PX:.2f} {(height - py) * PT_PER_PX:.2f}'

    width = outline.font_size * STROKE_EM * scale * PT_PER_PX
    parts = [f'q {width:.3f} w 1 j 1 J [] 0 d'.encode(), outline.colour]
    for op, points in outline.commands:
        parts.append(' '.join([*(point(x, y) for x, y in points), op])
                     .encode())
    parts.append(b'S Q')
    return b'\n'.join(parts)


def _turning_point(box) -> tuple[float, float]:
    """Where ``transform-origin`` puts the centre of a box's transform."""
    from weasyprint.layout.percent import percentage

    origin_x, origin_y = box.style['transform_origin']
    return (box.border_box_x() + percentage(origin_x, box.style,
                                            box.border_width()),
            box.border_box_y() + percentage(origin_y, box.style,
                                            box.border_height()))
