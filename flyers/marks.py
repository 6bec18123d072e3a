"""Stage 3b: printer's marks, added while WeasyPrint writes the PDF.

WeasyPrint draws ``marks: crop`` inside the bleed, under the page's
artwork, so backgrounds that run into the bleed hide them.  Print shops want
them in a slug outside the bleed instead.  :func:`crop_marks` returns a
``write_pdf`` finisher that, on every page:

- grows the MediaBox to trim + :data:`SLUG_MM` on every side,
- sets the BleedBox to exactly trim + bleed (WeasyPrint rounds it to at most
  10 pt) and keeps the TrimBox,
- draws eight crop marks from ``bleed`` to ``bleed + MARK_MM`` outside each
  corner, 0.25 pt, in registration colour (100 % of all four inks), on top of
  everything and outside the bleed, so no artwork can cover them.
"""

from __future__ import annotations

PT_PER_MM = 72 / 25.4
SLUG_MM = 10.0
MARK_MM = 5.0
MARK_WIDTH_PT = 0.25


def _marks_operators(trim: list[float], bleed: float) -> str:
    left, bottom, right, top = trim
    start, end = bleed, bleed + MARK_MM * PT_PER_MM
    lines = []
    for x, dx in ((left, -1), (right, 1)):
        for y, dy in ((bottom, -1), (top, 1)):
            # Horizontal mark on the line y, vertical mark on the line x.
            lines.append(f'{x + dx * start:.3f} {y:.3f} m '
                         f'{x + dx * end:.3f} {y:.3f} l S')
            lines.append(f'{x:.3f} {y + dy * start:.3f} m '
                         f'{x:.3f} {y + dy * end:.3f} l S')
    return (f'Q q {MARK_WIDTH_PT} w 0 J 1 1 1 1 K '
            + ' '.join(lines) + ' Q')


def crop_marks(bleed_mm: float):
    """A ``write_pdf`` finisher that moves crop marks into a slug."""
    import pydyf

    bleed = bleed_mm * PT_PER_MM
    slug = SLUG_MM * PT_PER_MM

    def finish(document, pdf):
        pages = [obj for obj in pdf.objects
                 if isinstance(obj, pydyf.Dictionary)
                 and obj.get('Type') == '/Page']
        for page in pages:
            left, bottom, right, top = (float(v) for v in page['TrimBox'])
            page['MediaBox'] = pydyf.Array(
                [left - slug, bottom - slug, right + slug, top + slug])
            page['BleedBox'] = pydyf.Array(
                [left - bleed, bottom - bleed, right + bleed, top + bleed])
            opening = pydyf.Stream([b'q'])
            closing = pydyf.Stream([_marks_operators(
                [left, bottom, right, top], bleed).encode()])
            pdf.add_object(opening)
            pdf.add_object(closing)
            page['Contents'] = pydyf.Array(
                [opening.reference, page['Contents'], closing.reference])

    return finish
