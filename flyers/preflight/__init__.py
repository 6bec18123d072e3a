"""Stage 5: preflight — is a written PDF what the print shop (or the web
page) needs?

In: the path of one PDF and its :class:`Expectations` (from the layout and
the print-shop profile).  Out: a :class:`Report` — every check that ran with
its result, and :class:`Finding` s that say where (page, position in mm from
the trim's top-left corner, content field) and what to do.  Nothing is
raised for a bad PDF: the caller decides, and ``Report.ok`` is False when
any finding is an error.

The checks, in order (the ids are ``Finding.check``):

- ``structure``: qpdf's syntax check is clean (and the file opens);
- ``pages``, ``trim-box``, ``bleed-box``: page count, TrimBox = the trim
  size, BleedBox = trim + bleed on every side;
- ``bleed-reach``: artwork that touches the trim runs on to the bleed edge;
- ``fonts``: every font embedded and one of the project's own;
- ``safe-zone``, ``text-size``, ``rule-width``, ``image-ppi``: measured on
  the content streams themselves (:mod:`.content`);
- ``legal-marks``: the imprint, the tryckort and the label of political
  advertising are drawn, inside the safe zone (:mod:`.legalmarks`);
- ``colour``: for print, no RGB anywhere and a CMYK PDF/X output intent;
  for the screen, no CMYK (it is meant to be RGB throughout);
- ``ink`` (print edition only): total ink within the limit (Ghostscript);
- ``reversed-text``, ``text-inks`` (print edition only): no light text on
  a dark background under the print shop's minimum, no text under 12 pt
  in more than one ink (:mod:`.inks`);
- ``qr``: the codes decode to the intended addresses at 300 dpi, with
  modules, quiet zone, contrast and size fit for print;
- ``links``: no scripts, files or data in links, no embedded files, and no
  placeholder addresses outside a draft;
- ``tags`` (screen edition only): tagged, the title the first heading read,
  no heading level skipped, every link a tagged Link (:mod:`.tags`);
- ``layout`` (a warning): no empty horizontal band taller than 12 % of the
  page height, outside the bands the layout declares (:mod:`.bands`).

The file is read once: pikepdf and PDFium share its bytes, and Ghostscript
(the slowest part) renders it in the background meanwhile.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from ..inputs import read_input
from .findings import CHECKS, Expectations, Finding, Report
from .findings import Collector

__all__ = ['CHECKS', 'Expectations', 'Finding', 'Report', 'preflight']


def preflight(pdf: Path, expect: Expectations,
              shown_as: str | None = None) -> Report:
    """Check one PDF against what it must be."""
    import pikepdf

    from . import document, raster

    shown = shown_as or str(pdf)
    out = Collector(expect)
    try:
        data = read_input(Path(pdf))
        opened = pikepdf.open(io.BytesIO(data))
    except (OSError, pikepdf.PdfError, ValueError) as exc:
        out.ran('structure')
        reason = (getattr(exc, 'strerror', None) or str(exc)
                  or type(exc).__name__)
        # qpdf names the in-memory copy it read: not the user's business.
        reason = re.sub(r'^[^:]*<[^>]*>:\s*', '', reason)
        out.error('structure', f'cannot be read as a PDF ({reason}); build '
                  'it again')
        return out.report(shown)
    ink = raster.start_ink(data) if expect.is_print else None
    try:
        with opened:
            document.check_structure(opened, out)
            frames = document.page_frames(opened, expect, out)
            check_pages(opened, frames, expect, out)
        raster.check_rendered(data, frames, expect, out)
        if ink is not None:
            raster.finish_ink(ink, frames, expect, out)
            ink = None
    finally:
        if ink is not None:
            raster.cancel_ink(ink)
    return out.report(shown)


def check_pages(opened, frames, expect: Expectations, out: Collector,
                drawing: bool = True) -> None:
    """The checks of what the pages draw (content streams, fonts, colours,
    inks; with ``drawing``) and of their links and tags, on an open PDF
    whose page frames are known: the preflight's, and the variants' check
    of what changed (:mod:`flyers.variantcheck`)."""
    from . import content, document, drawchecks, inks, legalmarks, tags

    if drawing:
        reader = content.Reader(expect)
        drawn = [reader.read_page(page, frame, out)
                 for page, frame in zip(opened.pages, frames)]
        document.check_fonts(reader.fonts, frames, expect, out)
        drawchecks.check_drawn(drawn, expect, out)
        legalmarks.check_marks(drawn, expect, out)
        if expect.is_print:
            drawchecks.check_colours(drawn, out)
            inks.check_text_inks(drawn, expect, out)
            document.check_output_intent(opened, out)
        else:
            document.check_screen_colours(opened, frames, out)
    document.check_links(opened, frames, expect, out)
    if not expect.is_print:
        tags.check_tags(opened, frames, out)
