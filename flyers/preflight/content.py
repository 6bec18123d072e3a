"""Preflight, what is drawn: text, rules, images and colours, read from the
pages' drawing instructions (content streams) themselves.

In: the PDF opened with pikepdf, the page frames and the expectations.
Out: every glyph, thin rule, placed image and RGB colour of each page
(:class:`Drawn`), and the fonts that text is set in, for the fonts check;
with each glyph run its fill colour, and the filled shapes and images in
painting order, for what lies under text (:mod:`.inks`).

The content streams are interpreted here rather than by a renderer so that
every glyph, line and image comes with its exact size and place: the
graphics state (q/Q, cm, w, colour spaces), the text state (Tf, Tm, Td, TD,
T*, TL, Tc, Tw, Tz, Ts, Tr) and form XObjects, tiling patterns and printable
annotations (each with its own matrix) are followed.  Anything entirely
outside the BleedBox is a printer's mark in the slug and exempt.
The geometry lives in :mod:`.geometry`, what fonts say about their glyphs
in :mod:`.fontdata`, and the checks on what was measured in
:mod:`.drawchecks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .findings import Collector, Expectations, Frame
from .fontdata import Font, font_info
from .geometry import (IDENTITY, SIZE_TOLERANCE_PT, as_matrix, mul,
                       path_box, thin_bars, transformed_box)

MAX_DEPTH = 24  # forms inside forms; deeper is a loop or an attack

_PATH_OPS = frozenset(('m', 'l', 'c', 'v', 'y', 're', 'h'))
_STROKE_OPS = frozenset(('S', 's', 'B', 'B*', 'b', 'b*'))
_FILL_OPS = frozenset(('f', 'F', 'f*', 'B', 'B*', 'b', 'b*'))
_EVEN_ODD_OPS = frozenset(('f*', 'B*', 'b*'))
_END_PATH_OPS = _STROKE_OPS | _FILL_OPS | {'n'}
_NOT_RGB = frozenset(('/DeviceCMYK', '/CMYK', '/DeviceGray', '/G', '/Pattern',
                      '/Lab', '/CalGray'))
_RGB_NAMES = frozenset(('/DeviceRGB', '/RGB'))


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
    # The fill colour: (colour space as written or resolved, components),
    # None when unknown; what it means is :mod:`.inks`' business.
    fill: tuple | None = None


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
    # Filled shapes and images in painting order, for what lies under text:
    # (number of glyph runs painted before it, box, fill or None: an image).
    areas: list = field(default_factory=list)


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
        matrix = as_matrix(stream.get('/Matrix', IDENTITY))
        bx0, by0, bx1, by1 = transformed_box(matrix, *(float(v) for v in stream.get(
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
                     False, (_GRAY, (0.0,)))
        (_, lw, font, size, tc, tw, th, tl, rise, render, fill_pattern,
         stroke_pattern, fill) = state
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
                            box = path_box(path, ctm)
                            if not drawn.frame.outside_bleed(box):
                                drawn.rules.append(Rule(width, box, False))
                    if geometry and op in _FILL_OPS:
                        drawn.areas.append((len(drawn.glyphs),
                                            path_box(path, ctm), fill))
                        for width, bar in thin_bars(
                                path, ctm, op in _EVEN_ODD_OPS, min_rule):
                            if not drawn.frame.outside_bleed(bar):
                                drawn.rules.append(Rule(width, bar, True))
                    if pending and op != 'n':
                        painted(box or path_box(path, ctm))
                path = []
                continue
            if op in ('W', 'W*'):
                continue
            if op == 'q':
                stack.append((ctm, lw, font, size, tc, tw, th, tl, rise,
                              render, fill_pattern, stroke_pattern, fill))
            elif op == 'Q':
                if stack:
                    (ctm, lw, font, size, tc, tw, th, tl, rise, render,
                     fill_pattern, stroke_pattern, fill) = stack.pop()
            elif op == 'cm':
                if len(operands) == 6:
                    ctm = mul(as_matrix(operands), ctm)
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
                    tm = tlm = as_matrix(operands)
            elif op in ('Td', 'TD'):
                if len(operands) == 2:
                    tx, ty = float(operands[0]), float(operands[1])
                    if op == 'TD':
                        tl = -ty
                    tm = tlm = mul((1.0, 0.0, 0.0, 1.0, tx, ty), tlm)
            elif op == 'T*':
                tm = tlm = mul((1.0, 0.0, 0.0, 1.0, 0.0, -tl), tlm)
            elif op in ('Tj', 'TJ', "'", '"'):
                if op == '"' and len(operands) == 3:
                    tw, tc = float(operands[0]), float(operands[1])
                    operands = operands[2:]
                if op in ("'", '"'):
                    tm = tlm = mul((1.0, 0.0, 0.0, 1.0, 0.0, -tl), tlm)
                if not operands or font is None:
                    continue
                items = operands[0] if op == 'TJ' else [operands[0]]
                advance, shown = self._show(items, font, size, tc, tw, th,
                                            rise, render, tm, ctm)
                if shown is not None:
                    shown = Glyphs(shown.box, shown.size, shown.text, fill)
                    if geometry and not drawn.frame.outside_bleed(shown.box):
                        drawn.glyphs.append(shown)
                    if pending:
                        painted(shown.box)
                tm = mul((1.0, 0.0, 0.0, 1.0, advance, 0.0), tm)
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
                if op == 'rg':
                    fill = ('/DeviceRGB', _numbers(operands))
                rgb(f'RGB colour ({op})')
            elif op == 'k':
                fill = ('/DeviceCMYK', _numbers(operands))
            elif op == 'g':
                fill = (_GRAY, _numbers(operands))
            elif op in ('cs', 'CS'):
                if operands:
                    space = operands[0]
                    pattern = self._is_pattern(space, resources)
                    if op == 'cs':
                        fill_pattern = pattern
                        named = _lookup(resources, '/ColorSpace', space)
                        fill = (space if named is None else named, ())
                    else:
                        stroke_pattern = pattern
                    why = self._rgb_space(space, resources)
                    if why:
                        rgb(f'colour space {why} ({op})')
            elif op in ('sc', 'scn', 'SCN'):
                if op != 'SCN':
                    fill = (fill[0], _numbers(operands))
                if (op != 'sc' and operands and (fill_pattern if op == 'scn'
                                  else stroke_pattern)
                        and str(operands[-1]).startswith('/')):
                    self._pattern(resources, operands[-1], ctm, context)
            elif op == 'sh':
                if operands:
                    shading = _lookup(resources, '/Shading', operands[0])
                    # Where the gradient's own space starts: the best
                    # place to point at without knowing the clip.
                    self._shading(shading, resources, context, ctm,
                                  box=transformed_box(ctm, 0.0, 0.0, 0.0, 0.0))
            elif op == 'gs':
                if operands:
                    state = _lookup(resources, '/ExtGState', operands[0])
                    if state is not None:
                        self._soft_mask(state, resources, context, ctm)
            elif op == 'Do':
                if operands:
                    self._do(resources, operands[0], ctm, context, pending,
                             (ctm, lw, font, size, tc, tw, th, tl, rise,
                              render, fill_pattern, stroke_pattern, fill))
            elif op == 'INLINE IMAGE':
                self._inline_image(operands[0], resources, ctm, context,
                                   pending)

    def _show(self, items, font: Font, size, tc, tw, th, rise, render, tm,
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
        matrix = mul(tm, ctm)
        box = transformed_box(matrix, low, rise + font.descent * size,
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
            self._font_info[key] = font_info(font)
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
            box = transformed_box(ctm, 0.0, 0.0, 1.0, 1.0)
            drawn = context.drawn
            if pending:
                for record in pending:
                    record[1] = record[1] or box
                pending.clear()
            if context.geometry and not drawn.frame.outside_bleed(box):
                drawn.areas.append((len(drawn.glyphs), box, None))
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
        matrix = mul(as_matrix(form.get('/Matrix', IDENTITY)), ctm)
        resources = form.get('/Resources', parent_resources)
        bbox = form.get('/BBox')
        box = (transformed_box(matrix, *(float(v) for v in bbox))
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
        matrix = mul(as_matrix(pattern.get('/Matrix', IDENTITY)),
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
        box = transformed_box(ctm, 0.0, 0.0, 1.0, 1.0)
        if pending:
            for record in pending:
                record[1] = record[1] or box
            pending.clear()
        drawn = context.drawn
        if context.geometry and not drawn.frame.outside_bleed(box):
            drawn.areas.append((len(drawn.glyphs), box, None))
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


_GRAY = '/DeviceGray'


def _numbers(operands) -> tuple:
    """The numeric operands of a colour operator (a pattern's name is
    dropped: its colour is not one)."""
    numbers = []
    for value in operands:
        try:
            numbers.append(float(value))
        except (TypeError, ValueError):
            return ()
    return tuple(numbers)


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
