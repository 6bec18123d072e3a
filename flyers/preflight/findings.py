"""What a preflight expects, what it finds, and where on the page.

In: the expectations of one PDF (from the layout and the print shop).  Out:
findings collected check by check into a :class:`Report`.  This module also
holds :class:`Frame`, the geometry of one page, so every check turns PDF
points into the millimetres a designer measures: from the top-left corner
of the trimmed page, x to the right, y downwards.
"""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_PT = 25.4 / 72
PT_PER_MM = 72 / 25.4
BOX_TOLERANCE_MM = 0.05
# More findings than this for one check on one page are counted, not
# listed: a hundred lines of "text too small" help nobody.
MAX_PER_PAGE = 5

CHECKS = ('structure', 'pages', 'trim-box', 'bleed-box', 'bleed-reach',
          'fonts', 'safe-zone', 'folds', 'legal-marks', 'text-size', 'rule-width',
          'image-ppi', 'colour', 'ink', 'reversed-text', 'text-inks', 'qr',
          'links', 'tags', 'layout')


@dataclass(frozen=True)
class Expectations:
    """What one PDF must be. Units: mm, pt, ppi, percent."""

    edition: str  # 'print' or 'screen'
    pages: int
    trim_mm: tuple[float, float]  # width, height
    bleed_mm: float
    safe_mm: float  # no text closer than this to the trim
    qr_urls: tuple[str, ...]  # what the QR codes must decode to, any order
    qr_min_mm: float  # smallest allowed QR symbol side, quiet zone excluded
    min_text_pt: float = 6.0
    min_rule_pt: float = 0.25
    warn_under_ppi: float = 300.0  # a warning under this...
    fail_under_ppi: float = 200.0  # ...and an error under this
    ink_limit: float = 300.0  # percent, print only
    # Light text on a darker background smaller than this fails (print).
    min_reversed_text_pt: float = 7.0
    draft: bool = False  # a draft may hold placeholder links
    # PostScript names (name table, nameID 6) of the project's fonts, e.g.
    # 'Inter-Regular'; empty: only check that fonts are embedded.
    font_names: frozenset[str] = frozenset()
    # ((page_index, x0, y0, x1, y1), 'field.path'): boxes in mm from the
    # trim's top-left corner that say which content field a finding is in.
    fields: tuple = ()
    # Vertical folds, in mm from the trim's left edge (a folded leaflet):
    # no text may come closer to one than the safe zone.  One tuple for
    # every page, or one tuple per page (folds_on).
    folds_mm: tuple = ()
    # The empty-band check (a warning): no horizontal band of one colour
    # taller than this share of the page height; None: not checked.  The
    # (from, to) bands, mm from the trim's top edge, are white space the
    # design wants (layout.yaml) and do not count.
    empty_band_limit: float | None = None
    empty_bands_allowed_mm: tuple[tuple[float, float], ...] = ()
    # The legal marks the output must carry, as (name, text): the
    # imprint, the tryckort (print), the label of political advertising
    # (:mod:`.legalmarks`); each must be drawn, inside the safe zone.
    marks: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        if self.edition not in ('print', 'screen'):
            raise ValueError(f'edition must be "print" or "screen", not '
                             f'{self.edition!r}')

    @property
    def is_print(self) -> bool:
        return self.edition == 'print'

    def folds_on(self, index: int) -> tuple[float, ...]:
        """The folds of page ``index`` (0-based)."""
        folds = self.folds_mm
        if folds and isinstance(folds[0], (tuple, list)):
            return tuple(folds[index]) if index < len(folds) else ()
        return tuple(folds)


@dataclass(frozen=True)
class Finding:
    check: str  # one of CHECKS
    severity: str  # 'error' or 'warning'
    message: str  # plain words, says what to do
    page: int | None = None  # 1-based
    position_mm: tuple[float, float] | None = None  # from the trim's top-left
    field: str | None = None  # content field, when `fields` locates it

    def __str__(self) -> str:
        where = f'page {self.page}' if self.page is not None else ''
        if self.position_mm is not None:
            x, y = self.position_mm
            where += f'{" " if where else ""}at {x:.1f} mm, {y:.1f} mm'
        if self.field:
            where += f' ({self.field})' if where else self.field
        return f'{where}: {self.message}' if where else self.message


@dataclass(frozen=True)
class Report:
    pdf: str  # path as shown to the user
    findings: tuple[Finding, ...]
    # (check id, 'pass' | 'warn' | 'fail') for every check that ran.
    checks: tuple[tuple[str, str], ...]

    @property
    def ok(self) -> bool:
        return not any(f.severity == 'error' for f in self.findings)


@dataclass(frozen=True)
class Frame:
    """One page's boxes in PDF points (x0, y0, x1, y1, y upwards)."""

    index: int  # 0-based
    media: tuple[float, float, float, float]
    trim: tuple[float, float, float, float]
    bleed: tuple[float, float, float, float]

    def mm(self, x: float, y: float) -> tuple[float, float]:
        """A point of the page in mm from the trim's top-left corner."""
        return ((x - self.trim[0]) * MM_PER_PT, (self.trim[3] - y) * MM_PER_PT)

    def outside_bleed(self, box) -> bool:
        """True for things entirely outside the BleedBox: printer's marks
        in the slug, which are never printed on the trimmed page."""
        x0, y0, x1, y1 = box
        bx0, by0, bx1, by1 = self.bleed
        slack = BOX_TOLERANCE_MM * PT_PER_MM
        return (x1 <= bx0 + slack or x0 >= bx1 - slack
                or y1 <= by0 + slack or y0 >= by1 - slack)


def normalised(box) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


class Collector:
    """Findings of one PDF, in check order, with the status of each check."""

    def __init__(self, expect: Expectations):
        self.expect = expect
        self.findings: list[Finding] = []
        self.status: dict[str, str] = {}
        self._listed: dict[tuple, int] = {}
        self._unlisted: dict[tuple, int] = {}

    def ran(self, check: str) -> None:
        self.status.setdefault(check, 'pass')

    def add(self, check: str, severity: str, message: str,
            frame: Frame | None = None, box=None, point=None,
            limit: bool = True) -> None:
        """Record one finding.  ``box`` (x0, y0, x1, y1 in PDF points) or
        ``point`` (x, y) say where: the position shown is the box's top-left
        corner, the content field is the one holding its centre."""
        self.ran(check)
        if severity == 'error':
            self.status[check] = 'fail'
        elif self.status[check] == 'pass':
            self.status[check] = 'warn'
        page = frame.index + 1 if frame is not None else None
        key = (check, page, severity)
        if limit and page is not None:
            if self._listed.get(key, 0) >= MAX_PER_PAGE:
                self._unlisted[key] = self._unlisted.get(key, 0) + 1
                return
            self._listed[key] = self._listed.get(key, 0) + 1
        position = field = None
        if frame is not None and (box is not None or point is not None):
            if box is not None:
                x0, y0, x1, y1 = box
                position = frame.mm(x0, y1)
                centre = frame.mm((x0 + x1) / 2, (y0 + y1) / 2)
            else:
                position = centre = frame.mm(*point)
            position = (round(position[0], 1), round(position[1], 1))
            field = self.field_at(frame.index, centre)
        self.findings.append(Finding(check, severity, message, page,
                                     position, field))

    def error(self, check: str, message: str, **where) -> None:
        self.add(check, 'error', message, **where)

    def warning(self, check: str, message: str, **where) -> None:
        self.add(check, 'warning', message, **where)

    def field_at(self, page_index: int, point) -> str | None:
        """The innermost content field whose box holds ``point`` (mm)."""
        x, y = point
        best = None
        for (index, x0, y0, x1, y1), path in self.expect.fields:
            if index == page_index and x0 <= x <= x1 and y0 <= y <= y1:
                area = (x1 - x0) * (y1 - y0)
                if best is None or area < best[0]:
                    best = (area, path)
        return best[1] if best else None

    def report(self, shown: str) -> Report:
        for (check, page, severity), count in self._unlisted.items():
            self.findings.append(Finding(
                check, severity, f'{count} more like the {check} findings '
                f'above on this page; fix those and run again', page))
        order = {check: n for n, check in enumerate(CHECKS)}
        findings = sorted(self.findings, key=lambda f: (
            order.get(f.check, len(order)), f.page or 0))
        checks = tuple(sorted(self.status.items(),
                              key=lambda kv: order.get(kv[0], len(order))))
        return Report(shown, tuple(findings), checks)
