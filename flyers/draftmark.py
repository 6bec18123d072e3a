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
    safe = safe_mm * PX_PER_MM
    done = set()  # the mark's boxes: a block, its lines and texts
    for page in document.pages:
        fitted = set()  # the mark's element, once per page: its outer box
        for item in walk(page._page_box):
            box = item.box
            element = getattr(box, 'element', None)
            if (element is None or element.get('data-mark') is None
                    or id(element) in fitted or id(box) in done):
                continue
            fitted.add(id(element))
            done.update(id(b.box) for b in walk(box))
            _fit(box, page.width, page.height, safe)


def _fit(box, width: float, height: float, safe: float) -> None:
    from weasyprint.matrix import Matrix

    texts = [t.box for t in walk(box) if is_text(t.box)]
    if not texts:
        return
    x0 = min(t.position_x for t in texts)
    y0 = min(t.position_y for t in texts)
    x1 = max(t.position_x + t.width for t in texts)
    y1 = max(t.position_y + t.height for t in texts)
    # Not turned (a layout set "transform: none"): drawn as laid out; the
    # mark is a stacking context (z-index), so a matrix still applies.
    turned = box.transformation_matrix or Matrix()
    ox, oy = _turning_point(box)
    # The text's centre moved onto the turning point, then turned there.
    centre = Matrix(e=ox - (x0 + x1) / 2, f=oy - (y0 + y1) / 2)
    corners = [(centre @ turned).transform_point(x, y)
               for x in (x0, x1) for y in (y0, y1)]
    reach = [ox - min(x for x, _ in corners), max(x for x, _ in corners) - ox,
             oy - min(y for _, y in corners), max(y for _, y in corners) - oy]

    def scale_at(tx, ty):
        room = [tx - safe, width - safe - tx, ty - safe, height - safe - ty]
        return min([1.0] + [max(0.0, r) / e * 0.98
                             for r, e in zip(room, reach) if e > 0])

    # Where it goes: where the layout put it if it fits there at full size,
    # else wherever it can be largest: there or the page's centre.
    tx, ty = ox, oy
    scale = scale_at(tx, ty)
    if scale < 1 and scale_at(width / 2, height / 2) > scale:
        tx, ty = width / 2, height / 2
        scale = scale_at(tx, ty)
    scale = max(scale, 0.05)  # a page smaller than its safe zone: still seen
    box.transformation_matrix = (
        centre @ Matrix(e=-ox, f=-oy) @ Matrix(a=scale, d=scale)
        @ Matrix(e=ox, f=oy) @ turned @ Matrix(e=tx - ox, f=ty - oy))


def _turning_point(box) -> tuple[float, float]:
    """Where ``transform-origin`` puts the centre of a box's transform."""
    from weasyprint.layout.percent import percentage

    origin_x, origin_y = box.style['transform_origin']
    return (box.border_box_x() + percentage(origin_x, box.style,
                                            box.border_width()),
            box.border_box_y() + percentage(origin_y, box.style,
                                            box.border_height()))
