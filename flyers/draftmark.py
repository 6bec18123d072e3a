"""Stage 3, after layout: the builder's own DRAFT mark fits its page.

In: a laid-out WeasyPrint document and the safe zone in mm.  Out: nothing;
the mark's drawing matrix is changed in place so that, whatever the font,
page size or margins of the layout, the turned mark lies inside the safe
zone.  The user is never asked to make room for it.
"""

from __future__ import annotations

from .pagecheck import PX_PER_MM, is_text, walk


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
        for item in walk(page._page_box):
            box = item.box
            element = getattr(box, 'element', None)
            if (id(box) in done or element is None or not item.box.element_tag
                    or element.get('data-mark') is None):
                continue
            done.add(id(box))
            # Not turned (a layout set "transform: none"): drawn as laid out;
            # the mark is a stacking context (z-index), so a matrix applies.
            matrix = box.transformation_matrix or Matrix()
            texts = [t.box for t in walk(box) if is_text(t.box)]
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
