"""What the preflight must find in one output, from what it was built as.

In: a layout, a print shop, an edition, the QR addresses and whether the
campaign is a draft (from a :class:`~flyers.result.Result` while building,
or from a manifest entry when checking built files again).  Out: the
preflight's :class:`~flyers.preflight.Expectations`.
"""

from __future__ import annotations

from pathlib import Path

from .layouts import Layout
from .preflight.bands import LIMIT as BAND_LIMIT
from .render import draft_reasons
from .typography import direction as text_direction


def expectations(root: Path, layout: Layout, printshop, edition: str,
                 qr_urls, draft: bool, fields=(), marks=(),
                 direction: str = 'ltr'):
    """What the preflight must find in one output: from its layout, its
    print shop, its edition, its campaign (and the direction of its
    language, which mirrors the folds) and the QR codes it was given."""
    from .fonts import postscript_names
    from .preflight import Expectations

    page, is_print = layout.page, edition == 'print'
    return Expectations(
        edition=edition, pages=page.count,
        trim_mm=(page.width_mm, page.height_mm),
        bleed_mm=printshop.bleed_mm if is_print else 0.0,
        safe_mm=printshop.safe_mm, qr_urls=tuple(qr_urls),
        qr_min_mm=layout.qr.min_mm, warn_under_ppi=printshop.warn_under_ppi,
        fail_under_ppi=printshop.fail_under_ppi,
        ink_limit=printshop.ink_limit,
        min_reversed_text_pt=printshop.min_reversed_text_pt,
        draft=draft, font_names=postscript_names(root), fields=fields,
        folds_mm=page.folds_for(direction),
        empty_band_limit=BAND_LIMIT,
        empty_bands_allowed_mm=layout.empty_bands_allowed_mm,
        marks=tuple(marks))


def job_expectations(root: Path, result):
    """The expectations of a freshly built :class:`~flyers.result.Result`."""
    job = result.job
    return expectations(root, job.layout, job.printshop, job.edition,
                        (job.qr.url,), bool(draft_reasons(job.campaign)),
                        result.fields, result.marks,
                        text_direction(job.campaign.language))
