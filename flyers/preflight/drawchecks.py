"""Preflight checks on what the pages draw: safe zone, folds, text size,
rule width, image resolution and (print) colour.

In: the :class:`~flyers.preflight.content.Drawn` pages the content reader
measured and the expectations.  Out: findings in the collector.
"""

from __future__ import annotations

import math

from .content import Drawn, Placed
from .findings import PT_PER_MM, Collector, Expectations
from .geometry import SIZE_TOLERANCE_PT


def snippet(text: str, length: int = 30) -> str:
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
                    out.error('safe-zone', f'text "{snippet(glyphs.text)}" '
                              f'{where}; keep text at least '
                              f'{expect.safe_mm:g} mm inside the trim '
                              '(shorten it, or widen the page margins in the '
                              'layout\'s CSS)', frame=frame, box=glyphs.box)
            for fold in expect.folds_on(frame.index):
                # The fold's x in points; text must keep the safe zone
                # away from it on both sides.
                fx = tx0 + fold * PT_PER_MM
                if x0 < fx + safe - tolerance and x1 > fx - safe + tolerance:
                    centre = frame.mm((x0 + x1) / 2, (y0 + y1) / 2)
                    key = ('fold', fold, out.field_at(frame.index, centre))
                    if key not in said or key[2] is None:
                        said.add(key)
                        crosses = x0 < fx < x1
                        out.error('folds', f'text "{snippet(glyphs.text)}" '
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
                              f'("{snippet(glyphs.text)}"); text must be at '
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
        # The screen edition's images are scaled to 150 ppi on purpose
        # (flyers.pictures): resolution is a print matter.
        for image in drawn.images if expect.is_print else ():
            check_ppi(image, frame, expect, out)


def check_ppi(image: Placed, frame, expect: Expectations, out) -> None:
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
