"""Preflight helpers: the geometry of what a page draws.

In: PDF matrices (``a b c d e f``) and path operators with their operands.
Out: matrices multiplied, bounding boxes in page points, the axis-aligned
rectangles of a path and the filled bars in it thinner than a minimum (how
WeasyPrint draws CSS borders).
"""

from __future__ import annotations

from .findings import PT_PER_MM

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
RULE_MIN_LENGTH_PT = PT_PER_MM  # a filled bar shorter than 1 mm is a speck
SIZE_TOLERANCE_PT = 0.01


def mul(m, n):
    """m then n (PDF's row-vector convention: a point is p × m × n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def transformed_box(m, x0, y0, x1, y1):
    """The bounding box of the rectangle (x0, y0, x1, y1) under m."""
    a, b, c, d, e, f = m
    xs = (a * x0 + c * y0 + e, a * x1 + c * y0 + e,
          a * x0 + c * y1 + e, a * x1 + c * y1 + e)
    ys = (b * x0 + d * y0 + f, b * x1 + d * y0 + f,
          b * x0 + d * y1 + f, b * x1 + d * y1 + f)
    return min(xs), min(ys), max(xs), max(ys)


def as_matrix(value) -> tuple:
    try:
        numbers = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return IDENTITY
    return numbers if len(numbers) == 6 else IDENTITY


def path_box(path, ctm):
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


def rectangles(path, ctm):
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
                rects.append(transformed_box(ctm, xs[0], ys[0], xs[1], ys[1]))

    for op, operands in path:
        if op == 're' and len(operands) == 4:
            close()
            points = []
            x, y, w, h = (float(v) for v in operands)
            rects.append(transformed_box(ctm, min(x, x + w), min(y, y + h),
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


def inside(inner, outer, slack=1e-3) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack
            and inner != outer)


def thin_bars(path, ctm, even_odd: bool, min_rule: float):
    """Filled bars thinner than ``min_rule``: a lone thin rectangle, or,
    filled even-odd, the ring between two nested rectangles (how
    WeasyPrint draws a CSS border) with one side thinner."""
    if not (abs(ctm[1]) < 1e-9 and abs(ctm[2]) < 1e-9
            or abs(ctm[0]) < 1e-9 and abs(ctm[3]) < 1e-9):
        return []
    if not any(op == 're' or op == 'm' for op, _ in path):
        return []
    rects = rectangles(path, ctm)
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
                       if j != i and inside(r, outer)]
        if (lone_candidate and not inner_rects
                and not any(inside(outer, r) for r in rects)):
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
