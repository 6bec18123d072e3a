"""Preflight, what is drawn: text, rules, images and colours, read from the
pages' drawing instructions (content streams) themselves.

In: the PDF opened with pikepdf, the page frames and the expectations.
Out: findings for safe-zone, text-size, rule-width, image-ppi and, for the
print edition, colour; and the fonts that text is set in, for the fonts
check.

The content streams are interpreted here rather than by a renderer so that
every glyph, line and image comes with its exact size and place: the
graphics state (q/Q, cm, w, colour spaces), the text state (Tf, Tm, Td, TD,
T*, TL, Tc, Tw, Tz, Ts, Tr) and form XObjects, tiling patterns and printable
annotations (each with its own matrix) are followed.  Anything entirely
outside the BleedBox is a printer's mark in the slug and exempt.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .findings import PT_PER_MM, Collector, Expectations, Frame

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
RULE_MIN_LENGTH_PT = PT_PER_MM  # a filled bar shorter than 1 mm is a speck
SIZE_TOLERANCE_PT = 0.01
MAX_DEPTH = 24  # forms inside forms; deeper is a loop or an attack

_PATH_OPS = frozenset(('m', 'l', 'c', 'v', 'y', 're', 'h'))
_STROKE_OPS = frozenset(('S', 's', 'B', 'B*', 'b', 'b*'))
_FILL_OPS = frozenset(('f', 'F', 'f*', 'B', 'B*', 'b', 'b*'))
_EVEN_ODD_OPS = frozenset(('f*', 'B*', 'b*'))
_END_PATH_OPS = _STROKE_OPS | _FILL_OPS | {'n'}
_NOT_RGB = frozenset(('/DeviceCMYK', '/CMYK', '/DeviceGray', '/G', '/Pattern',
                      '/Lab', '/CalGray'))
_RGB_NAMES = frozenset(('/DeviceRGB', '/RGB'))


def _mul(m, n):
    """m then n (PDF's row-vector convention: a point is p × m × n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def _box(m, x0, y0, x1, y1):
    """The bounding box of the rectangle (x0, y0, x1, y1) under m."""
    a, b, c, d, e, f = m
    xs = (a * x0 + c * y0 + e, a * x1 + c * y0 + e,
          a * x0 + c * y1 + e, a * x1 + c * y1 + e)
    ys = (b * x0 + d * y0 + f, b * x1 + d * y0 + f,
          b * x0 + d * y1 + f, b * x1 + d * y1 + f)
    return min(xs), min(ys), max(xs), max(ys)


def _matrix(value) -> tuple:
    try:
        numbers = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return IDENTITY
    return numbers if len(numbers) == 6 else IDENTITY


def _key(obj):
    """A stable identity for an indirect object, None for a direct one."""
    try:
        if obj.is_indirect:
            return obj.objgen
    except AttributeError:
        pass
    return None


# --- what the pages draw ----------------------------------------------------

@dataclass(frozen=True)
class Glyphs:
    """The visible glyphs of one text-showing operator."""

    box: tuple  # page points
    size: float  # effective size in pt
    text: str


@dataclass(frozen=True)
class Rule:
    """A stroked line, or a filled bar (a CSS border), thinner than allowed."""

    width: float  # effective, pt
    box: tuple
    filled: bool


@dataclass(frozen=True)
class Placed:
    """One raster image where it is placed."""

    name: str
    pixels: tuple[int, int]
    placed_pt: tuple[float, float]
    box: tuple


@dataclass
class Drawn:
    """Everything measured on one page."""

    frame: Frame
    glyphs: list = field(default_factory=list)
    rules: list = field(default_factory=list)
    images: list = field(default_factory=list)
    # (where, what) -> [count, box of the first thing drawn after it]
    rgb: dict = field(default_factory=dict)


@dataclass
class _Font:
    two_byte: bool
    widths: dict
    default_width: float
    scale: float  # glyph units -> text space
    ascent: float  # text space units, for a size of 1
    descent: float
    unicode: dict


@dataclass
class _Context:
    drawn: Drawn
    where: str  # for messages: "the page", "form /x0 (…)"
    base: tuple  # the default space of this stream, for patterns
    geometry: bool  # False: colours only (masks, hidden annotations)
    stack: tuple = ()


class Reader:
    """Interprets the content streams of one PDF."""

    def __init__(self, expect: Expectations):
        self.expect = expect
        self.min_rule = expect.min_rule_pt
        self.colour = expect.is_print
        self.fonts: dict = {}  # key -> (font dictionary, first page index)
        self._font_info: dict = {}
        self._spaces: dict = {}
        self._parsed: dict = {}
        # Indirect objects whose colour has been looked at (direct ones are
        # looked at every time: they cannot be told apart).
        self.seen: set = set()

    # -- entry points ------------------------------------------------------

    def read_page(self, page, frame: Frame, out: Collector) -> Drawn:
        drawn = Drawn(frame)
        try:
            resources = page.obj.get('/Resources')
            context = _Context(drawn, 'the page', IDENTITY, True)
            group = page.obj.get('/Group')
            if group is not None:
                self._check_group(group, resources, context, frame.media,
                                  'the page')
            self._run(page, resources, IDENTITY, context)
            for annotation in page.obj.get('/Annots', ()) or ():
                self._annotation(annotation, drawn)
            if self.colour and resources is not None:
                self._unused(resources, context)
        except (TypeError, ValueError, KeyError, IndexError,
                AttributeError, RecursionError) as exc:
            # Nonsense where numbers or names belong: what was measured so
            # far stands, the rest cannot be trusted.
            out.error('structure', 'the page\'s drawing instructions do not '
                      f'make sense ({type(exc).__name__}: {exc}); build it '
                      'again', frame=frame)
        return drawn

    def _annotation(self, annotation, drawn: Drawn) -> None:
        if not hasattr(annotation, 'get'):
            return
        appearance = annotation.get('/AP')
        if appearance is None:
            return
        flags = int(annotation.get('/F', 0))
        printed = bool(flags & 4) and not flags & 2
        subtype = str(annotation.get('/Subtype', '')).lstrip('/')
        where = f'the {subtype or "annotation"} annotation\'s appearance'
        states = []
        for key in ('/N', '/R', '/D'):
            entry = appearance.get(key)
            if entry is None:
                continue
            if isinstance(entry, _stream_type()):
                states.append((key, entry))
            elif hasattr(entry, 'values'):
                current = annotation.get('/AS')
                for name, stream in entry.items():
                    states.append((key if name == str(current) else '',
                                   stream))
        for key, stream in states:
            if not isinstance(stream, _stream_type()):
                continue
            geometry = printed and key == '/N'
            matrix = self._annotation_matrix(annotation, stream)
            context = _Context(drawn, 'the page', IDENTITY, geometry)
            self._form(stream, None, matrix, context, where)

    @staticmethod
    def _annotation_matrix(annotation, stream):
        """PDF 32000 12.5.5: the appearance's BBox, transformed by its
        Matrix, is fitted onto the annotation's Rect."""
        rect = [float(v) for v in annotation.get('/Rect', (0, 0, 0, 0))]
        x0, y0, x1, y1 = (min(rect[0], rect[2]), min(rect[1], rect[3]),
                          max(rect[0], rect[2]), max(rect[1], rect[3]))
        matrix = _matrix(stream.get('/Matrix', IDENTITY))
        bx0, by0, bx1, by1 = _box(matrix, *(float(v) for v in stream.get(
            '/BBox', (0, 0, 1, 1))))
        sx = (x1 - x0) / (bx1 - bx0) if bx1 > bx0 else 1.0
        sy = (y1 - y0) / (by1 - by0) if by1 > by0 else 1.0
        fit = (sx, 0.0, 0.0, sy, x0 - bx0 * sx, y0 - by0 * sy)
        # The form's own Matrix is applied by _form; only the fit is left.
        return fit

    # -- the interpreter ---------------------------------------------------

    def _instructions(self, obj):
        key = _key(obj)
        if key is not None and key in self._parsed:
            return self._parsed[key]
        import pikepdf

        try:
            instructions = pikepdf.parse_content_stream(obj)
        except pikepdf.PdfError:
            instructions = []  # the structure check reports the damage
        if key is not None:
            self._parsed[key] = instructions
        return instructions

    def _run(self, obj, resources, ctm, context: _Context,
             state: tuple | None = None) -> None:
        """Interpret one content stream.  ``state``: the graphics state a
        form XObject inherits from the stream that paints it."""
        drawn = context.drawn
        geometry = context.geometry
        min_rule = self.min_rule
        if state is None:
            state = (ctm, 1.0, None, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0, False,
                     False)
        (_, lw, font, size, tc, tw, th, tl, rise, render, fill_pattern,
         stroke_pattern) = state
        stack = []
        tm = tlm = IDENTITY
        path = []
        pending = []  # RGB colour findings waiting for a position

        def painted(box):
            for record in pending:
                if record[1] is None:
                    record[1] = box
            pending.clear()

        def rgb(what):
            if not self.colour:
                return
            record = drawn.rgb.setdefault((context.where, what), [0, None])
            record[0] += 1
            pending.append(record)

        for operands, operator in self._instructions(obj):
            op = str(operator)
            if op in _PATH_OPS:
                path.append((op, operands))
                continue
            if op in _END_PATH_OPS:
                if path and (geometry or pending):
                    box = None
                    if geometry and op in _STROKE_OPS:
                        scale = math.sqrt(abs(ctm[0] * ctm[3]
                                              - ctm[1] * ctm[2]))
                        width = lw * scale
                        if width < min_rule - SIZE_TOLERANCE_PT:
                            box = _path_box(path, ctm)
                            if not drawn.frame.outside_bleed(box):
                                drawn.rules.append(Rule(width, box, False))
                    if geometry and op in _FILL_OPS:
                        for width, bar in _thin_bars(
                                path, ctm, op in _EVEN_ODD_OPS, min_rule):
                            if not drawn.frame.outside_bleed(bar):
                                drawn.rules.append(Rule(width, bar, True))
                    if pending and op != 'n':
                        painted(box or _path_box(path, ctm))
                path = []
                continue
            if op in ('W', 'W*'):
                continue
            if op == 'q':
                stack.append((ctm, lw, font, size, tc, tw, th, tl, rise,
                              render, fill_pattern, stroke_pattern))
            elif op == 'Q':
                if stack:
                    (ctm, lw, font, size, tc, tw, th, tl, rise, render,
                     fill_pattern, stroke_pattern) = stack.pop()
            elif op == 'cm':
                if len(operands) == 6:
                    ctm = _mul(_matrix(operands), ctm)
            elif op == 'w':
                if operands:
                    lw = float(operands[0])
            elif op == 'BT':
                tm = tlm = IDENTITY
            elif op == 'Tf':
                if len(operands) == 2:
                    font = self._font(resources, operands[0], drawn)
                    size = float(operands[1])
            elif op == 'Tm':
                if len(operands) == 6:
                    tm = tlm = _matrix(operands)
            elif op in ('Td', 'TD'):
                if len(operands) == 2:
                    tx, ty = float(operands[0]), float(operands[1])
                    if op == 'TD':
                        tl = -ty
                    tm = tlm = _mul((1.0, 0.0, 0.0, 1.0, tx, ty), tlm)
            elif op == 'T*':
                tm = tlm = _mul((1.0, 0.0, 0.0, 1.0, 0.0, -tl), tlm)
            elif op in ('Tj', 'TJ', "'", '"'):
                if op == '"' and len(operands) == 3:
                    tw, tc = float(operands[0]), float(operands[1])
                    operands = operands[2:]
                if op in ("'", '"'):
                    tm = tlm = _mul((1.0, 0.0, 0.0, 1.0, 0.0, -tl), tlm)
                if not operands or font is None:
                    continue
                items = operands[0] if op == 'TJ' else [operands[0]]
                advance, shown = self._show(items, font, size, tc, tw, th,
                                            rise, render, tm, ctm)
                if shown is not None:
                    if geometry and not drawn.frame.outside_bleed(shown.box):
                        drawn.glyphs.append(shown)
                    if pending:
                        painted(shown.box)
                tm = _mul((1.0, 0.0, 0.0, 1.0, advance, 0.0), tm)
            elif op == 'Tc':
                tc = float(operands[0]) if operands else tc
            elif op == 'Tw':
                tw = float(operands[0]) if operands else tw
            elif op == 'Tz':
                th = float(operands[0]) / 100 if operands else th
            elif op == 'TL':
                tl = float(operands[0]) if operands else tl
            elif op == 'Ts':
                rise = float(operands[0]) if operands else rise
            elif op == 'Tr':
                render = int(operands[0]) if operands else render
            elif op in ('rg', 'RG'):
                rgb(f'RGB colour ({op})')
            elif op in ('cs', 'CS'):
                if operands:
                    space = operands[0]
                    pattern = self._is_pattern(space, resources)
                    if op == 'cs':
                        fill_pattern = pattern
                    else:
                        stroke_pattern = pattern
                    why = self._rgb_space(space, resources)
                    if why:
                        rgb(f'colour space {why} ({op})')
            elif op in ('scn', 'SCN'):
                if (operands and (fill_pattern if op == 'scn'
                                  else stroke_pattern)
                        and str(operands[-1]).startswith('/')):
                    self._pattern(resources, operands[-1], ctm, context)
            elif op == 'sh':
                if operands:
                    shading = _lookup(resources, '/Shading', operands[0])
                    # Where the gradient's own space starts: the best
                    # place to point at without knowing the clip.
                    self._shading(shading, resources, context, ctm,
                                  box=_box(ctm, 0.0, 0.0, 0.0, 0.0))
            elif op == 'gs':
                if operands:
                    state = _lookup(resources, '/ExtGState', operands[0])
                    if state is not None:
                        self._soft_mask(state, resources, context, ctm)
            elif op == 'Do':
                if operands:
                    self._do(resources, operands[0], ctm, context, pending,
                             (ctm, lw, font, size, tc, tw, th, tl, rise,
                              render, fill_pattern, stroke_pattern))
            elif op == 'INLINE IMAGE':
                self._inline_image(operands[0], resources, ctm, context,
                                   pending)

    def _show(self, items, font: _Font, size, tc, tw, th, rise, render, tm,
              ctm):
        """Advance (text space) of a text-showing operator, and its visible
        glyphs as one box."""
        pen = 0.0
        low = high = None
        chars = []
        invisible = render in (3, 7)
        widths, default, scale = font.widths, font.default_width, font.scale
        unicode = font.unicode
        for item in items:
            if not hasattr(item, '__bytes__') and not isinstance(item, bytes):
                try:
                    pen -= float(item) * 0.001 * size * th
                except (TypeError, ValueError):
                    pass
                continue
            data = bytes(item)
            if font.two_byte:
                codes = [(data[i] << 8) | data[i + 1]
                         for i in range(0, len(data) - 1, 2)]
            else:
                codes = data
            for code in codes:
                width = widths.get(code, default) * scale * size
                char = unicode.get(code, '\ufffd')
                if not invisible and not char.isspace():
                    if low is None:
                        low = pen
                    high = pen + width * th
                chars.append(char)
                spacing = tc + (tw if code == 32 and not font.two_byte else 0)
                pen += (width + spacing) * th
        if low is None:
            return pen, None
        matrix = _mul(tm, ctm)
        box = _box(matrix, low, rise + font.descent * size,
                   max(high, low), rise + font.ascent * size)
        effective = size * math.hypot(matrix[2], matrix[3])
        return pen, Glyphs(box, effective, ''.join(chars).strip())

    def _font(self, resources, name, drawn: Drawn):
        font = _lookup(resources, '/Font', name)
        if font is None or not hasattr(font, 'get'):
            return None
        key = _key(font) or ('direct', str(name), drawn.frame.index)
        if key not in self.fonts:
            self.fonts[key] = (font, drawn.frame.index)
        if key not in self._font_info:
            self._font_info[key] = _font_info(font)
        return self._font_info[key]

    # -- things a content stream refers to ---------------------------------

    def _do(self, resources, name, ctm, context: _Context, pending,
            state) -> None:
        xobject = _lookup(resources, '/XObject', name)
        if xobject is None:
            return
        subtype = str(xobject.get('/Subtype', ''))
        label = str(name)
        if subtype == '/Image':
            box = _box(ctm, 0.0, 0.0, 1.0, 1.0)
            drawn = context.drawn
            if pending:
                for record in pending:
                    record[1] = record[1] or box
                pending.clear()
            if context.geometry and not drawn.frame.outside_bleed(box):
                drawn.images.append(Placed(
                    'an image', (int(xobject.get('/Width', 0)),
                                       int(xobject.get('/Height', 0))),
                    (math.hypot(ctm[0], ctm[1]), math.hypot(ctm[2], ctm[3])),
                    box))
            self._image_colour(xobject, resources, context, box, 'an image')
        elif subtype == '/Form':
            self._form(xobject, resources, ctm, context, f'form {label}',
                       state)

    def _form(self, form, parent_resources, ctm, context: _Context,
              label: str, state: tuple | None = None) -> None:
        key = _key(form)
        if (key is not None and key in context.stack
                or len(context.stack) > MAX_DEPTH):
            return
        matrix = _mul(_matrix(form.get('/Matrix', IDENTITY)), ctm)
        resources = form.get('/Resources', parent_resources)
        bbox = form.get('/BBox')
        box = (_box(matrix, *(float(v) for v in bbox))
               if bbox is not None and len(bbox) == 4 else None)
        where = (label if context.where == 'the page'
                 else f'{label} in {context.where}')
        group = form.get('/Group')
        if group is not None:
            self._check_group(group, resources, context, box, where)
        inner = _Context(context.drawn, where, matrix, context.geometry,
                         context.stack + (key,))
        self._seen(form, mark=True)
        self._run(form, resources, matrix, inner, state)

    def _pattern(self, resources, name, ctm, context: _Context) -> None:
        pattern = _lookup(resources, '/Pattern', name)
        if pattern is None:
            return
        key = _key(pattern)
        kind = int(pattern.get('/PatternType', 1))
        matrix = _mul(_matrix(pattern.get('/Matrix', IDENTITY)),
                      context.base)
        label = f'pattern {name}'
        if kind == 2:
            self._shading(pattern.get('/Shading'), resources, context, ctm,
                          label)
            return
        if (key is not None and key in context.stack
                or len(context.stack) > MAX_DEPTH):
            return
        where = (label if context.where == 'the page'
                 else f'{label} in {context.where}')
        inner = _Context(context.drawn, where, matrix, context.geometry,
                         context.stack + (key,))
        self._seen(pattern, mark=True)
        self._run(pattern, pattern.get('/Resources', resources), matrix,
                  inner)

    def _shading(self, shading, resources, context, ctm,
                 label='a colour gradient', box=None) -> None:
        if shading is None or not self.colour:
            return
        if self._seen(shading, mark=True):
            return
        why = self._rgb_space(shading.get('/ColorSpace'), resources)
        if why:
            record = context.drawn.rgb.setdefault(
                (context.where, f'{label} (shading) in {why}'), [0, box])
            record[0] += 1

    def _soft_mask(self, state, resources, context: _Context, ctm) -> None:
        mask = state.get('/SMask')
        if mask is None or not hasattr(mask, 'get'):
            return
        group = mask.get('/G')
        if group is None or self._seen(group):
            return
        # A mask shapes what is drawn; it is never printed itself, so only
        # its colours matter.
        colours = _Context(context.drawn, context.where, IDENTITY, False,
                           context.stack)
        self._form(group, resources, ctm, colours, 'a soft mask')

    def _inline_image(self, image, resources, ctm, context, pending) -> None:
        box = _box(ctm, 0.0, 0.0, 1.0, 1.0)
        if pending:
            for record in pending:
                record[1] = record[1] or box
            pending.clear()
        drawn = context.drawn
        if context.geometry and not drawn.frame.outside_bleed(box):
            drawn.images.append(Placed(
                'an inline image', (int(image.width), int(image.height)),
                (math.hypot(ctm[0], ctm[1]), math.hypot(ctm[2], ctm[3])),
                box))
        if self.colour:
            try:
                info = image.obj
            except Exception:
                return
            if info.get('/ImageMask', False):
                return
            why = self._rgb_space(info.get('/ColorSpace'), resources)
            if why:
                record = drawn.rgb.setdefault(
                    (context.where, f'an inline image in {why}'), [0, box])
                record[0] += 1

    # -- colour ------------------------------------------------------------

    def _image_colour(self, image, resources, context, box, label) -> None:
        if not self.colour:
            return
        if self._seen(image, mark=True):
            return
        if image.get('/ImageMask', False):
            return
        space = image.get('/ColorSpace')
        if space is None:
            if str(image.get('/Filter', '')) == '/JPXDecode':
                why = 'the colours inside a JPEG 2000 file (maybe RGB)'
            else:
                return
        else:
            why = self._rgb_space(space, resources)
        if why:
            record = context.drawn.rgb.setdefault(
                (context.where, f'{label} ({image.get("/Width")} × '
                 f'{image.get("/Height")} pixels) in {why}'), [0, box])
            record[0] += 1

    def _seen(self, obj, mark: bool = False) -> bool:
        """Whether ``obj`` was looked at before; ``mark``: it is now."""
        key = _key(obj)
        if key is None:
            return False
        if key in self.seen:
            return True
        if mark:
            self.seen.add(key)
        return False

    def _check_group(self, group, resources, context, box, where) -> None:
        if not self.colour or not hasattr(group, 'get'):
            return
        if str(group.get('/S', '')) != '/Transparency':
            return
        why = self._rgb_space(group.get('/CS'), resources)
        if why:
            record = context.drawn.rgb.setdefault(
                (where, f'transparency group in {why} (/Group /CS)'),
                [0, box])
            record[0] += 1

    def _is_pattern(self, space, resources) -> bool:
        name = str(space)
        if name == '/Pattern':
            return True
        resolved = _lookup(resources, '/ColorSpace', space) \
            if name.startswith('/') else space
        try:
            return (resolved is not None and not isinstance(resolved, str)
                    and len(resolved) >= 1 and str(resolved[0]) == '/Pattern')
        except TypeError:
            return str(resolved) == '/Pattern'

    def _rgb_space(self, space, resources, depth: int = 0) -> str | None:
        """Why ``space`` is RGB ("DeviceRGB", "an RGB ICC profile", …), or
        None when it is not."""
        if space is None or depth > 8:
            return None
        import pikepdf

        if isinstance(space, pikepdf.Name) or isinstance(space, str):
            name = str(space)
            if name in _RGB_NAMES:
                return 'DeviceRGB'
            if name in _NOT_RGB or name.startswith('/Device'):
                return None
            resolved = _lookup(resources, '/ColorSpace', space)
            return self._rgb_space(resolved, None, depth + 1) \
                if resolved is not None else None
        key = _key(space)
        if key is not None and key in self._spaces:
            return self._spaces[key]
        why = None
        if isinstance(space, pikepdf.Array) and len(space) >= 1:
            family = str(space[0])
            if family == '/ICCBased' and len(space) >= 2:
                if int(space[1].get('/N', 0)) == 3:
                    why = 'an RGB ICC profile (ICCBased, 3 channels)'
            elif family == '/CalRGB':
                why = 'CalRGB'
            elif family in ('/Indexed', '/I') and len(space) >= 2:
                base = self._rgb_space(space[1], resources, depth + 1)
                why = f'an indexed palette of {base}' if base else None
            elif family in ('/Separation', '/DeviceN') and len(space) >= 3:
                base = self._rgb_space(space[2], resources, depth + 1)
                why = f'a spot colour whose fallback is {base}' \
                    if base else None
            elif family == '/Pattern' and len(space) >= 2:
                why = self._rgb_space(space[1], resources, depth + 1)
        if key is not None:
            self._spaces[key] = why
        return why

    def _unused(self, resources, context: _Context, depth: int = 0,
                walked=None) -> None:
        """Colours of resources no drawing instruction used: they are in the
        file, so a print shop's preflight sees them too."""
        walked = set() if walked is None else walked
        key = _key(resources)
        if (depth > MAX_DEPTH or not hasattr(resources, 'get')
                or (key is not None and key in walked)):
            return
        walked.add(key)
        quiet = _Context(context.drawn, context.where, IDENTITY, False)
        xobjects = resources.get('/XObject')
        for name, xobject in (xobjects.items() if xobjects is not None
                              else ()):
            subtype = str(xobject.get('/Subtype', ''))
            if not self._seen(xobject):
                if subtype == '/Image':
                    self._image_colour(xobject, resources, context, None,
                                       'an unused image')
                elif subtype == '/Form':
                    self._form(xobject, resources, IDENTITY, quiet,
                               f'unused form {name}')
            if subtype == '/Form':
                self._unused(xobject.get('/Resources'), context, depth + 1,
                             walked)
        patterns = resources.get('/Pattern')
        for name, pattern in (patterns.items() if patterns is not None
                              else ()):
            if not self._seen(pattern):
                self._pattern(resources, name, IDENTITY, quiet)
            self._unused(pattern.get('/Resources'), context, depth + 1,
                         walked)
        shadings = resources.get('/Shading')
        for name, shading in (shadings.items() if shadings is not None
                              else ()):
            self._shading(shading, resources, context, IDENTITY,
                          f'unused gradient {name}')


def _stream_type():
    import pikepdf

    return pikepdf.Stream


def _lookup(resources, category: str, name):
    if resources is None or not hasattr(resources, 'get'):
        return None
    table = resources.get(category)
    if table is None or not hasattr(table, 'get'):
        return None
    return table.get(str(name))


def _path_box(path, ctm):
    xs, ys = [], []
    a, b, c, d, e, f = ctm
    for op, operands in path:
        numbers = [float(v) for v in operands]
        if op == 're' and len(numbers) == 4:
            x, y, w, h = numbers
            points = ((x, y), (x + w, y), (x, y + h), (x + w, y + h))
        else:
            points = zip(numbers[0::2], numbers[1::2])
        for x, y in points:
            xs.append(a * x + c * y + e)
            ys.append(b * x + d * y + f)
    if not xs:
        return (e, f, e, f)
    return min(xs), min(ys), max(xs), max(ys)


def _rectangles(path, ctm):
    """The path's subpaths that are axis-aligned rectangles, in page
    points (the CTM must not rotate)."""
    rects = []
    points = []

    def close():
        if len(points) in (4, 5):
            corners = points[:4]
            xs = sorted({round(x, 4) for x, _ in corners})
            ys = sorted({round(y, 4) for _, y in corners})
            if len(xs) == 2 and len(ys) == 2:
                rects.append(_box(ctm, xs[0], ys[0], xs[1], ys[1]))

    for op, operands in path:
        if op == 're' and len(operands) == 4:
            close()
            points = []
            x, y, w, h = (float(v) for v in operands)
            rects.append(_box(ctm, min(x, x + w), min(y, y + h),
                              max(x, x + w), max(y, y + h)))
        elif op == 'm' and len(operands) == 2:
            close()
            points = [(float(operands[0]), float(operands[1]))]
        elif op == 'l' and len(operands) == 2:
            points.append((float(operands[0]), float(operands[1])))
        elif op == 'h':
            close()
            points = []
        else:  # a curve: not a rectangle
            points = [(0.0, 0.0)] * 9
    close()
    return rects


def _inside(inner, outer, slack=1e-3) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack
            and inner != outer)


def _thin_bars(path, ctm, even_odd: bool, min_rule: float):
    """Filled bars thinner than ``min_rule``: a lone thin rectangle, or,
    filled even-odd, the ring between two nested rectangles (how
    WeasyPrint draws a CSS border) with one side thinner."""
    if not (abs(ctm[1]) < 1e-9 and abs(ctm[2]) < 1e-9
            or abs(ctm[0]) < 1e-9 and abs(ctm[3]) < 1e-9):
        return []
    if not any(op == 're' or op == 'm' for op, _ in path):
        return []
    rects = _rectangles(path, ctm)
    found = []
    limit = min_rule - SIZE_TOLERANCE_PT
    for i, outer in enumerate(rects):
        width, height = outer[2] - outer[0], outer[3] - outer[1]
        thin = min(width, height)
        lone_candidate = (0 < thin < limit
                          and max(width, height) >= RULE_MIN_LENGTH_PT)
        # Neither a thin bar itself nor long enough to hold one: skip the
        # search for nested rectangles (a QR code is hundreds of these).
        if not lone_candidate and not (
                even_odd and max(width, height) >= RULE_MIN_LENGTH_PT):
            continue
        inner_rects = [r for j, r in enumerate(rects)
                       if j != i and _inside(r, outer)]
        if (lone_candidate and not inner_rects
                and not any(_inside(outer, r) for r in rects)):
            found.append((thin, outer))
        if even_odd:
            for inner in inner_rects:
                x0, y0, x1, y1 = outer
                sides = (
                    (inner[0] - x0, (x0, y0, inner[0], y1), height),
                    (x1 - inner[2], (inner[2], y0, x1, y1), height),
                    (inner[1] - y0, (x0, y0, x1, inner[1]), width),
                    (y1 - inner[3], (x0, inner[3], x1, y1), width))
                for gap, bar, length in sides:
                    if 0.001 < gap < limit and length >= RULE_MIN_LENGTH_PT:
                        found.append((gap, bar))
    return found


# --- fonts ------------------------------------------------------------------

def _font_info(font) -> _Font:
    subtype = str(font.get('/Subtype', ''))
    described = font
    if subtype == '/Type0':
        descendants = font.get('/DescendantFonts')
        described = descendants[0] if descendants else font
    descriptor = described.get('/FontDescriptor') or {}
    scale = 0.001
    if subtype == '/Type3':
        scale = float(_matrix(font.get('/FontMatrix', (0.001, 0, 0, 0.001,
                                                       0, 0)))[0])
    widths: dict = {}
    if subtype == '/Type0':
        default = float(described.get('/DW', 1000))
        _cid_widths(described.get('/W'), widths)
    else:
        default = float(descriptor.get('/MissingWidth', 0)) \
            if hasattr(descriptor, 'get') else 0.0
        first = int(font.get('/FirstChar', 0))
        for offset, width in enumerate(font.get('/Widths', ()) or ()):
            widths[first + offset] = float(width)
        if not widths and not default:
            default = 600.0  # a standard font without widths: roughly
    ascent = descent = 0.0
    if hasattr(descriptor, 'get'):
        ascent = float(descriptor.get('/Ascent', 0))
        descent = float(descriptor.get('/Descent', 0))
    bbox = (descriptor.get('/FontBBox') if hasattr(descriptor, 'get')
            else None) or font.get('/FontBBox')
    if bbox is not None and len(bbox) == 4 and not (ascent or descent):
        ascent, descent = float(bbox[3]), float(bbox[1])
    if not (ascent or descent):
        ascent, descent = 800.0, -200.0
    return _Font(subtype == '/Type0', widths, default, scale,
                 ascent * abs(scale), descent * abs(scale),
                 _to_unicode(font.get('/ToUnicode')))


def _cid_widths(array, widths: dict) -> None:
    if array is None:
        return
    items = list(array)
    i = 0
    while i + 1 < len(items):
        first = int(items[i])
        following = items[i + 1]
        if hasattr(following, '__len__') and not isinstance(following, str):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            i += 2
        elif i + 2 < len(items):
            last, width = int(following), float(items[i + 2])
            if last - first <= 65535:
                for cid in range(first, last + 1):
                    widths[cid] = width
            i += 3
        else:
            break


_HEX = rb'<([0-9A-Fa-f\s]*)>'
_BFCHAR_RE = re.compile(rb'beginbfchar(.*?)endbfchar', re.S)
_BFRANGE_RE = re.compile(rb'beginbfrange(.*?)endbfrange', re.S)
_PAIR_RE = re.compile(_HEX + rb'\s*' + _HEX)
_RANGE_RE = re.compile(_HEX + rb'\s*' + _HEX + rb'\s*(<[0-9A-Fa-f\s]*>|'
                       rb'\[[^\]]*\])')


def _hex(data: bytes) -> bytes:
    return bytes.fromhex(re.sub(rb'\s', b'', data).decode('ascii'))


def _utf16(data: bytes) -> str:
    return data.decode('utf-16-be', errors='replace')


def _to_unicode(stream) -> dict:
    """Code -> text from a ToUnicode CMap: tells spaces (which print no
    ink) from glyphs, and quotes the text in messages."""
    mapping: dict = {}
    if stream is None:
        return mapping
    try:
        data = stream.read_bytes()
    except Exception:
        return mapping
    for block in _BFCHAR_RE.findall(data):
        for source, target in _PAIR_RE.findall(block):
            mapping[int.from_bytes(_hex(source), 'big')] = _utf16(_hex(target))
    for block in _BFRANGE_RE.findall(data):
        for low, high, target in _RANGE_RE.findall(block):
            low, high = (int.from_bytes(_hex(low), 'big'),
                         int.from_bytes(_hex(high), 'big'))
            if high - low > 65535:
                continue
            if target.startswith(b'['):
                for offset, item in enumerate(re.findall(_HEX, target)):
                    mapping[low + offset] = _utf16(_hex(item))
            else:
                start = _hex(target[1:-1])
                if not start:
                    continue
                prefix, last = start[:-2], int.from_bytes(start[-2:], 'big')
                for offset in range(high - low + 1):
                    mapping[low + offset] = _utf16(
                        prefix + ((last + offset) & 0xFFFF).to_bytes(2, 'big'))
    return mapping


# --- the checks -------------------------------------------------------------

def _snippet(text: str, length: int = 30) -> str:
    text = ' '.join(text.split())
    return text if len(text) <= length else text[:length - 1] + '…'


def check_drawn(pages: list[Drawn], expect: Expectations,
                out: Collector) -> None:
    """safe-zone, text-size, rule-width and image-ppi on what was drawn."""
    for check in ('safe-zone', 'text-size', 'rule-width', 'image-ppi'):
        out.ran(check)
    if expect.folds_mm:
        out.ran('folds')
    safe = expect.safe_mm * PT_PER_MM
    tolerance = 0.05 * PT_PER_MM
    for drawn in pages:
        frame = drawn.frame
        tx0, ty0, tx1, ty1 = frame.trim
        # Lines of one paragraph share a field and a problem: say it once.
        said: set = set()
        for glyphs in drawn.glyphs:
            x0, y0, x1, y1 = glyphs.box
            gaps = {'left': x0 - tx0, 'right': tx1 - x1,
                    'bottom': y0 - ty0, 'top': ty1 - y1}
            side, gap = min(gaps.items(), key=lambda kv: kv[1])
            if gap < safe - tolerance:
                centre = frame.mm((x0 + x1) / 2, (y0 + y1) / 2)
                key = ('safe', side, out.field_at(frame.index, centre))
                if key not in said or key[2] is None:
                    said.add(key)
                    where = (f'runs over the {side} trim edge' if gap < 0
                             else f'is {gap / PT_PER_MM:.1f} mm from the '
                             f'{side} trim edge')
                    out.error('safe-zone', f'text "{_snippet(glyphs.text)}" '
                              f'{where}; keep text at least '
                              f'{expect.safe_mm:g} mm inside the trim '
                              '(shorten it, or widen the page margins in the '
                              'layout\'s CSS)', frame=frame, box=glyphs.box)
            for fold in expect.folds_mm:
                # The fold's x in points; text must keep the safe zone
                # away from it on both sides.
                fx = tx0 + fold * PT_PER_MM
                if x0 < fx + safe - tolerance and x1 > fx - safe + tolerance:
                    centre = frame.mm((x0 + x1) / 2, (y0 + y1) / 2)
                    key = ('fold', fold, out.field_at(frame.index, centre))
                    if key not in said or key[2] is None:
                        said.add(key)
                        crosses = x0 < fx < x1
                        out.error('folds', f'text "{_snippet(glyphs.text)}" '
                                  + ('crosses' if crosses else 'comes within '
                                     f'{expect.safe_mm:g} mm of')
                                  + f' the fold at {fold:g} mm; keep every '
                                  'panel\'s text clear of its folds (narrow '
                                  'the text or widen the panel padding in the '
                                  'layout\'s CSS)', frame=frame,
                                  box=glyphs.box)
            if glyphs.size < expect.min_text_pt - SIZE_TOLERANCE_PT:
                centre = frame.mm((x0 + x1) / 2, (y0 + y1) / 2)
                key = ('size', round(glyphs.size, 1),
                       out.field_at(frame.index, centre))
                if key not in said or key[2] is None:
                    said.add(key)
                    out.error('text-size', f'text of {glyphs.size:.1f} pt '
                              f'("{_snippet(glyphs.text)}"); text must be at '
                              f'least {expect.min_text_pt:g} pt: make it '
                              'larger in the layout\'s CSS', frame=frame,
                              box=glyphs.box)
        for rule in drawn.rules:
            what = ('a filled rule (a border or bar)' if rule.filled
                    else 'a line')
            thickness = ('of width 0 (the thinnest the press can make)'
                         if rule.width <= 0 else f'of {rule.width:.2f} pt')
            out.error('rule-width', f'{what} {thickness}; rules must be at '
                      f'least {expect.min_rule_pt:g} pt thick or they may '
                      'not print: make it thicker in the CSS or the SVG',
                      frame=frame, box=rule.box)
        for image in drawn.images:
            _check_ppi(image, frame, expect, out)


def _check_ppi(image: Placed, frame, expect: Expectations, out) -> None:
    (width, height), (placed_w, placed_h) = image.pixels, image.placed_pt
    if placed_w <= 0 or placed_h <= 0 or not width or not height:
        return
    ppi = min(width / (placed_w / 72), height / (placed_h / 72))
    if ppi >= expect.warn_under_ppi - 0.5:
        return
    size = (f'{width} × {height} pixels, placed '
            f'{placed_w / PT_PER_MM:.0f} × {placed_h / PT_PER_MM:.0f} mm')
    needed = math.ceil(placed_w / 72 * expect.warn_under_ppi)
    advice = (f'print needs {expect.warn_under_ppi:g} ppi: use a larger image (at '
              f'least {needed} pixels wide at this size) or place it smaller')
    message = f'{image.name} ({size}) has {ppi:.0f} ppi; {advice}'
    if ppi < expect.fail_under_ppi:
        out.error('image-ppi', message, frame=frame, box=image.box)
    else:
        out.warning('image-ppi', message, frame=frame, box=image.box)


def check_colours(pages: list[Drawn], out: Collector) -> None:
    """RGB found while drawing, one finding per kind and place."""
    out.ran('colour')
    for drawn in pages:
        for (where, what), (count, box) in drawn.rgb.items():
            times = f', {count} times' if count > 1 else ''
            if 'form /' in where:
                where += (' (a form is a group of drawings: an SVG, the '
                          'logo or a see-through part)')
            out.error('colour', f'{what} in {where}{times}; the print '
                      'edition must be CMYK only: give colours as '
                      'device-cmyk() in the stylesheets and SVGs, and '
                      'convert images to CMYK with the print profile',
                      frame=drawn.frame, box=box)
