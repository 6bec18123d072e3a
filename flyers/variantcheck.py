"""Variants made fast, checked: the preflight of what a shortcut can have
changed, the rest taken from the base's verdict.

In: the :class:`~flyers.variantfast.Base` (its preflight report and the
place of its QR code), the variant's PDF in staging and its expectations.
Out: a :class:`~flyers.preflight.Report` as a full preflight makes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .variantboxes import qr_boxes

if TYPE_CHECKING:
    from .variantfast import Base

PX_TO_PT = 0.75
# Bases kept per process: a laid-out document and its PDF objects each
# (a few MB); a campaign with two layouts has four.
# What a QR swap can change, and what a text change can change besides.
QR_CHECKS = ('pages', 'trim-box', 'bleed-box', 'qr', 'links', 'tags')
TEXT_CHECKS = QR_CHECKS + ('structure', 'fonts', 'safe-zone', 'folds',
                           'legal-marks',
                           'text-size', 'rule-width', 'image-ppi', 'colour',
                           'reversed-text', 'text-inks')


def delta_preflight(base: Base, staged: Path, expect, shown_as: str,
                    qr_box, rechecked: tuple[str, ...]):
    """The preflight of a variant: the checks in ``rechecked`` run again on
    the file, the others' findings are the base's."""
    import io

    import pikepdf
    import pypdfium2

    from .inputs import read_input
    from .preflight import check_pages, document, raster
    from .preflight.findings import CHECKS, Collector, Report

    out = Collector(expect)
    data = read_input(staged)
    with pikepdf.open(io.BytesIO(data)) as opened:
        if 'structure' in rechecked:
            document.check_structure(opened, out)
        frames = document.page_frames(opened, expect, out)
        check_pages(opened, frames, expect, out,
                    drawing='fonts' in rechecked)
    out.ran('qr')
    index, box = qr_box
    pdf = pypdfium2.PdfDocument(data)
    try:
        page, frame = pdf[index], frames[index]
        region, view = raster._render(page, raster.QR_DPI / 72, box,
                                      grey=True)
        codes = raster._decode(region, view, frame)
    finally:
        pdf.close()
    raster._check_codes(codes, expect, out)
    fresh = out.report(shown_as)
    old = base.result.preflight
    status = dict(old.checks)
    status.update({check: state for check, state in fresh.checks
                   if check in rechecked})
    findings = [f for f in old.findings if f.check not in rechecked] + [
        f for f in fresh.findings if f.check in rechecked]
    order = {check: n for n, check in enumerate(CHECKS)}
    findings.sort(key=lambda f: (order.get(f.check, len(order)),
                                 f.page or 0))
    checks = tuple(sorted(status.items(),
                          key=lambda item: order.get(item[0], len(order))))
    return Report(shown_as, tuple(findings), checks)


def qr_region(base: Base):
    """(page index, (x0, y0, x1, y1) in PDF points) around the QR symbol,
    with room for its quiet zone and more, as the preflight reads it."""
    (index, box), = list(qr_boxes(base.document))
    height = base.document.pages[index].height * PX_TO_PT
    x0 = box.content_box_x() * PX_TO_PT
    top = box.content_box_y() * PX_TO_PT
    x1, y1 = x0 + box.width * PX_TO_PT, top + box.height * PX_TO_PT
    margin = 3 * 72 / 25.4
    # WeasyPrint's page is the trim and bleed, from (0, 0); the print
    # finisher grows the MediaBox around it without moving it.
    return index, (x0 - margin, height - y1 - margin, x1 + margin,
                   height - top + margin)
