"""Preflight, print edition: small text a press can hold in register.

In: what :mod:`.content` measured on each page (every glyph run with its
fill colour, and the filled shapes and images painted before it), the
expectations.  Out: findings for two checks a print shop runs:

- ``reversed-text``: light text on a darker background (knocked out of
  the ink around it) under ``min_reversed_text_pt`` (the print shop's
  ``min_reversed_text_pt``, 7 pt unless it says otherwise): the plates'
  misregistration fills in its thin strokes;
- ``text-inks``: text under 12 pt set in more than one ink (C, M, Y, K or a
  spot colour): the plates never land exactly on each other, so it prints
  with coloured fringes.  There is no exception to declare: set it in one
  ink or larger.

The background of a glyph run is the last filled shape painted before it
whose box holds the run's centre (bare paper when there is none); under a
picture it is unknown and the run is not judged reversed.  Colours are read
as written: DeviceCMYK, DeviceGray (K), ICC-based CMYK or grey, and
Separation / DeviceN spot inks (the registration colour /All is every ink).
"""

from __future__ import annotations

from .findings import Collector, Expectations
from .geometry import SIZE_TOLERANCE_PT

SINGLE_INK_UNDER_PT = 12.0
PROCESS = ('C', 'M', 'Y', 'K')
# A text is "lighter" than its background when it reflects this much more
# light (0 = black, 1 = paper): a margin for near-equal tints.
LIGHTER_BY = 0.05
PAPER = ({}, 1.0)


def check_text_inks(pages: list, expect: Expectations,
                    out: Collector) -> None:
    """Both checks on every page of a print edition."""
    out.ran('reversed-text')
    out.ran('text-inks')
    least = expect.min_reversed_text_pt
    for drawn in pages:
        areas = drawn.areas
        for number, glyphs in enumerate(drawn.glyphs):
            text = _quoted(glyphs.text)
            colour = paint(glyphs.fill)
            if colour is None:
                continue
            inks, lightness = colour
            size = glyphs.size
            if (size < SINGLE_INK_UNDER_PT - SIZE_TOLERANCE_PT
                    and len(inks) > 1):
                out.error('text-inks', (
                    f'{text}: {size:.2f} pt text printed in {len(inks)} inks '
                    f'({"+".join(inks)}) goes blurred with coloured fringes '
                    'when the plates are out of register; set it in one '
                    f'ink, e.g. K only, or at least {SINGLE_INK_UNDER_PT:g} '
                    'pt'), frame=drawn.frame, box=glyphs.box)
            if size >= least - SIZE_TOLERANCE_PT:
                continue
            ground = _background(glyphs.box, areas, number)
            if ground is None or lightness < ground[1] + LIGHTER_BY:
                continue
            out.error('reversed-text', (
                f'{text}: {size:.2f} pt light text on a dark background '
                f'is under {least:g} pt, and the ink around it fills in '
                f'its strokes when the plates are out of register; set it '
                f'at least {least:g} pt, or dark on light'),
                frame=drawn.frame, box=glyphs.box)


def _quoted(text: str, most: int = 40) -> str:
    text = ' '.join(text.split())
    return f'"{text if len(text) <= most else text[:most - 1] + "…"}"'


def _background(box, areas, number: int):
    """The colour under a glyph run: the last shape painted before the
    run's ``number`` whose box holds its centre; None under a picture or
    a colour that cannot be read."""
    x = (box[0] + box[2]) / 2
    y = (box[1] + box[3]) / 2
    for before, (x0, y0, x1, y1), fill in reversed(areas):
        if before > number or not (x0 <= x <= x1 and y0 <= y <= y1):
            continue
        return None if fill is None else paint(fill)
    return PAPER


def paint(fill) -> tuple[dict, float] | None:
    """(inks, lightness) of a fill colour: ``{'C': 0.3, …}`` with the inks
    that print (tint above 0), lightness from 0 (black) to 1 (paper).  None
    for a pattern, RGB or anything else that is not ink as written, and for
    a colour space that makes no sense."""
    try:
        return _paint(fill)
    except (TypeError, ValueError, AttributeError, IndexError, KeyError,
            ArithmeticError, RecursionError):
        return None


def _paint(fill):
    if fill is None:
        return None
    space, values = fill
    family, spot = _family(space)
    if family == 'cmyk':
        values = values if len(values) == 4 else (0.0, 0.0, 0.0, 1.0)
        return _process(values)
    if family == 'gray':
        grey = values[0] if len(values) == 1 else 0.0
        return _process((0.0, 0.0, 0.0, 1.0 - grey))
    if family == 'separation':
        names, alternate = spot
        values = values if len(values) == len(names) else (1.0,) * len(names)
        inks = {}
        for name, tint in zip(names, values):
            if tint <= 0 or name == 'None':
                continue
            if name == 'All':
                inks.update({ink: tint for ink in PROCESS})
            elif name in PROCESS or name in ('Cyan', 'Magenta', 'Yellow',
                                             'Black'):
                inks[name[0]] = tint
            else:
                inks[name] = tint
        darkest = max(values, default=0.0)
        if alternate is not None and len(values) == 1:
            _, lightness = _process(alternate(values[0]))
        else:
            lightness = 1.0 - min(1.0, darkest)
        return inks, lightness
    return None


def _process(values) -> tuple[dict, float]:
    c, m, y, k = (min(1.0, max(0.0, float(v))) for v in values)
    inks = {ink: v for ink, v in zip(PROCESS, (c, m, y, k)) if v > 0}
    # A plain device conversion is enough to tell light from dark.
    red, green, blue = ((1 - c) * (1 - k), (1 - m) * (1 - k),
                        (1 - y) * (1 - k))
    return inks, 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _family(space):
    """('cmyk' | 'gray' | 'separation' | None, detail) of a colour space."""
    import pikepdf

    if isinstance(space, pikepdf.Array):
        try:
            kind = str(space[0])
        except (TypeError, IndexError, KeyError):
            return None, None
        if kind == '/ICCBased' and len(space) >= 2:
            channels = int(space[1].get('/N', 0))
            return {4: 'cmyk', 1: 'gray'}.get(channels), None
        if kind in ('/Separation', '/DeviceN') and len(space) >= 3:
            names = ([str(space[1])] if kind == '/Separation'
                     else [str(n) for n in space[1]])
            names = [n.lstrip('/') for n in names]
            alternate = (_tint(space[3]) if kind == '/Separation'
                         and len(space) >= 4
                         and str(space[2]) in ('/DeviceCMYK', '/CMYK')
                         else None)
            return 'separation', (names, alternate)
        return None, None
    name = str(space)
    if name in ('/DeviceCMYK', '/CMYK'):
        return 'cmyk', None
    if name in ('/DeviceGray', '/G'):
        return 'gray', None
    return None, None


def _tint(function):
    """The CMYK of a spot tint by an exponential function (type 2), the
    kind a PDF writer uses for a spot colour; None for any other kind."""
    try:
        if int(function.get('/FunctionType', 0)) != 2:
            return None
        zero = [float(v) for v in function.get('/C0', [0, 0, 0, 0])]
        one = [float(v) for v in function.get('/C1', [1, 1, 1, 1])]
        exponent = float(function.get('/N', 1))
    except (AttributeError, TypeError, ValueError):
        return None
    if len(zero) != 4 or len(one) != 4:
        return None
    return lambda t: tuple(a + max(0.0, t) ** exponent * (b - a)
                           for a, b in zip(zero, one))
