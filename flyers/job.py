"""What one output is: a campaign, in one layout, in one edition.

Shared by the stages after loading (render, pdf, preflight, build).  The
print edition is CMYK PDF/X with bleed and crop marks for the print shop;
the screen edition is an RGB, tagged PDF/UA file at trim size for the web
page's download link.
"""

from __future__ import annotations

from dataclasses import dataclass

from .brands import Brand
from .content import Campaign
from .layouts import Layout
from .printshop import PrintShop
from .qr import QrCode
from .typography import direction

PRINT = 'print'
SCREEN = 'screen'
EDITIONS = (PRINT, SCREEN)
OUTPUT = 'output'


@dataclass(frozen=True)
class Job:
    campaign: Campaign
    layout: Layout
    edition: str
    printshop: PrintShop
    qr: QrCode
    brand: Brand

    @property
    def is_print(self) -> bool:
        return self.edition == PRINT

    @property
    def bleed_mm(self) -> float:
        return self.printshop.bleed_mm if self.is_print else 0.0

    @property
    def safe_mm(self) -> float:
        return self.printshop.safe_mm

    @property
    def folds_mm(self) -> tuple[tuple[float, ...], ...]:
        """The folds of every page, mirrored for a right-to-left
        language (:meth:`flyers.layouts.Page.folds_for`)."""
        return self.layout.page.folds_for(direction(self.campaign.language))

    @property
    def path(self) -> str:
        suffix = '' if self.is_print else '-screen'
        return (f'{OUTPUT}/{self.campaign.name}-{self.layout.name}'
                f'{suffix}.pdf')
