"""Variants made fast: an output that differs from one built just before
(its base: the same campaign, layout and edition) only in its QR code's
address, or also in one short line of text.

In: the :class:`Base` kept from a full build (:mod:`flyers.produce` with
``keep``), and another job of the same layout, edition, print shop, brand
and pictures folder, with its HTML.  Out: a
:class:`~flyers.result.Result` (PDF written into staging, preflighted) made
by a shortcut — or None when no shortcut can prove that its PDF is the one
a full build would make; :class:`Variants` then builds it in full (and
keeps that as the base).

What differs is found in the HTML: after the QR symbol and the link
targets are put back to the base's (:func:`qr_normalised`; same QR
version, size, colours and title only), it must be equal, or differ in the
text of one element marked ``data-field`` (:func:`changed_text`).  The
shortcuts, tried in this order, each refusing what it cannot prove:

- QR only: **patch** (:mod:`flyers.variantpatch`), the base's serialised
  PDF objects with the symbol's content stream, the links and the ID made
  again, written by pydyf; else **swap** (:func:`~flyers.variantboxes.
  swap_qr`), the base's laid-out document written again with the symbol
  and the link targets swapped.  Neither lays anything out.
- One line: **line** (:func:`~flyers.variantboxes.swapped_line`), the
  new text set in the base's line box and written again; else **layout**
  (:func:`~flyers.variantboxes.one_layout`), one layout at the base's
  copyfit size, ``--fill`` and ``--even``.  Both only for a field that was
  one line in every layout of the base's copyfit search and a new text no
  wider (:func:`~flyers.variantboxes.one_line_everywhere`).

Each gives a full build's bytes (tests/test_variantfast.py compares them).
The preflight (:mod:`flyers.variantcheck`) checks again what can have
changed and takes the rest from the base's verdict.  Proofs are drawn for
every output unless ``FLYERS_VARIANT_PROOFS=first``;
``FLYERS_VARIANTS=full`` turns the shortcuts off.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from markupsafe import escape

from .errors import FlyerError
from .result import Result
from .render import legal_marks
from .variantboxes import one_layout, one_line_everywhere, swap_qr
from .variantboxes import swapped_line
from .variantcheck import QR_CHECKS, TEXT_CHECKS, delta_preflight, qr_region
from .variantpatch import patch_qr

MAX_BASES = 8
# A new text line this much narrower than the base's at least (in CSS px):
# the sizes the search tried round differently.
@dataclass
class Base:
    """What a full build of one output keeps for its variants."""

    job: object
    html: str
    document: object  # WeasyPrint Document, as written
    copyfit: tuple | None
    size: float | None
    fills: dict | None
    evens: dict | None
    result: Result
    written: dict | None = None  # the writer's objects (flyers.pdf)
    # Each layout the search made: {(tag, field): lines} (flyers.pdf).
    trace: tuple = ()
    patch: object = None  # _Patchable, made for the first variant

    @property
    def fixed(self):
        return (self.copyfit, self.size, self.fills, self.evens)


def group_key(job) -> tuple:
    """Outputs that may share a base: same campaign file, layout and
    edition (:func:`same_setting` checks the rest)."""
    return (job.campaign.source, job.layout.name, job.edition)


def same_setting(base: Base, job) -> bool:
    """Whether what is not in the HTML is the base's: layout, print shop,
    brand, edition, the folder the pictures are read from."""
    old = base.job
    return (old.edition == job.edition and old.layout == job.layout
            and old.printshop == job.printshop and old.brand == job.brand
            and old.campaign.pictures_folder == job.campaign.pictures_folder)


def base_of(result: Result, keep: dict) -> Base | None:
    """The base a full build left, if it passed its preflight."""
    if not keep.get('document') or result.preflight is None \
            or not result.preflight.ok:
        return None
    return Base(result.job, result.html, keep['document'], keep['copyfit'],
                keep['size'], keep['fills'], keep['evens'], result,
                keep.get('written'), tuple(keep.get('trace', ())))


# --- what differs ------------------------------------------------------------

def qr_normalised(base: Base, job, html: str) -> str | None:
    """The variant's HTML with its QR symbol and link targets put back to
    the base's, or None when the symbols cannot be swapped (another
    version, size, colour or title: the path is all that may differ)."""
    old, new = base.job.qr, job.qr
    if (old.version, old.modules, old.size_mm, old.edition, old.title) != (
            new.version, new.modules, new.size_mm, new.edition, new.title):
        return None
    if old.url == new.url:
        return html
    old_svg, new_svg = str(old.svg), str(new.svg)
    if html.count(new_svg) != 1 or base.html.count(old_svg) != 1:
        return None
    html = html.replace(new_svg, old_svg)
    return html.replace(f'href="{escape(new.url)}"',
                        f'href="{escape(old.url)}"')


_TAG = re.compile(r'<([a-zA-Z][a-zA-Z0-9]*)\b([^<>]*)>$')
_FIELD = re.compile(r'\bdata-field="([^"<>]*)"')


def changed_text(before: str, after: str):
    """Where two HTML documents differ, when that is the text of one
    element marked ``data-field`` (no markup): (its tag, its field, the
    old text, the new text); None when they differ otherwise; () when they
    are equal."""
    if before == after:
        return ()
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end = 0
    while (end < limit - start
           and before[-1 - end] == after[-1 - end]):
        end += 1
    old, new = before[start:len(before) - end], after[start:len(after) - end]
    if any(c in part for part in (old, new) for c in '<>'):
        return None
    opening = before.rfind('<', 0, start)
    closing = before.find('<', start)
    if opening < 0 or closing < 0 or before[closing + 1:closing + 2] != '/':
        return None
    match = _TAG.match(before[opening:before.find('>', opening) + 1])
    if match is None or before.find('>', opening) > start:
        return None
    field = _FIELD.search(match[2])
    if field is None or match[1].lower() in ('title', 'style', 'script'):
        return None
    whole_old = before[before.find('>', opening) + 1:closing]
    whole_new = after[before.find('>', opening) + 1:
                      closing + len(after) - len(before)]
    if not whole_new.strip():
        return None  # an empty line is no line: it would move things
    return match[1].lower(), field[1], whole_old, whole_new


# --- the builder ------------------------------------------------------------

# Set to "full" in the environment, every output is built in full (to
# compare, and to rule the shortcuts out when looking for a fault); set
# FLYERS_VARIANT_PROOFS to "first", only a group's first output is pictured.
FAST_ENV = 'FLYERS_VARIANTS'
PROOFS_ENV = 'FLYERS_VARIANT_PROOFS'


def proofs_from_environment() -> bool:
    return os.environ.get(PROOFS_ENV, '').strip().lower() != 'first'


def order(jobs: list) -> list[int]:
    """The indexes of ``jobs`` in the order to build them: the outputs of
    a group (:func:`group_key`) together, in the order of the groups' first
    outputs, the variant with the longest values first (the base: a
    shorter line is proven to fit where a longer one did)."""
    first: dict[tuple, int] = {}
    for index, job in enumerate(jobs):
        first.setdefault(group_key(job), index)

    def length(job) -> int:
        values = getattr(job.campaign, 'variant_values', ()) or ()
        return sum(len(str(value)) for _, value in values)
    return sorted(range(len(jobs)), key=lambda i: (
        first[group_key(jobs[i])], -length(jobs[i]), i))


class Variants:
    """Per process: the base of each group of outputs (:func:`group_key`),
    and the fast path for the outputs that follow it."""

    def __init__(self, producer, proofs_of_variants: bool | None = None):
        self.producer = producer
        self.bases: dict[tuple, Base] = {}
        self.enabled = os.environ.get(FAST_ENV, '').strip().lower() != 'full'
        # Which outputs get proofs is the build's choice (flyers.workers:
        # --variant-proofs); bench/stages.py turns them off here.
        self.proofs_of_variants = (True if proofs_of_variants is None
                                   else proofs_of_variants)
        self.fast = 0  # outputs made by a shortcut
        # How many outputs each shortcut made ('patch', 'swap', 'line',
        # 'layout'), and how many were built in full ('full').
        self.made: dict[str, int] = {}

    def produce(self, job, date: str, staging: Path | None,
                proofs: bool = True, time_limit: float | None = None
                ) -> Result:
        """As :meth:`flyers.produce.Producer.produce`, by a shortcut when
        one proves itself, else in full (which then becomes the base)."""
        key = group_key(job)
        base = self.bases.get(key) if self.enabled else None
        if (base is not None and staging is not None
                and same_setting(base, job)):
            try:
                result = self.shortcut(base, job, date, staging, proofs)
            except Exception:  # noqa: BLE001 - in doubt, the full build
                result = None
            if result is not None:
                self.fast += 1
                how = result.made_by
                self.made[how] = self.made.get(how, 0) + 1
                return result
        keep = {}
        result = self.producer.produce(job, date, staging, proofs,
                                       time_limit=time_limit, keep=keep)
        self.made['full'] = self.made.get('full', 0) + 1
        kept = base_of(result, keep) if staging is not None else None
        if kept is not None:
            self.bases.pop(key, None)
            self.bases[key] = kept
            while len(self.bases) > MAX_BASES:  # the oldest goes
                del self.bases[next(iter(self.bases))]
        return result

    def shortcut(self, base: Base, job, date: str, staging: Path,
                 proofs: bool) -> Result | None:
        from .expectations import job_expectations
        from .proofs import page_previews

        started = time.perf_counter()
        html = self.producer.renderer.render(job, build_date=date)
        normal = qr_normalised(base, job, html)
        if normal is None:
            return None
        change = changed_text(base.html, normal)
        if change is None:
            return None
        try:
            if change == ():
                pdf, how = patch_qr(base, job, html), 'patch'
                if pdf is None:
                    pdf, how = swap_qr(base, job, html), 'swap'
                if pdf is None:
                    return None
                rendered_fields, copyfit = base.result.fields, base.copyfit
                deps, pages = base.result.deps, base.result.pages
                rechecked = QR_CHECKS
            else:
                line = (swapped_line(base, change)
                        if one_line_everywhere(base, *change[:2]) else None)
                swapped = swap_qr(base, job, html, line) if line else None
                if swapped is not None:
                    (pdf, rendered_fields), how = swapped, 'line'
                    pages = base.result.pages
                else:
                    rendered, _ = one_layout(base, job, html, change,
                                             self.producer)
                    if rendered is None:
                        return None
                    pdf, pages, how = rendered.pdf, rendered.pages, 'layout'
                    rendered_fields = rendered.fields
                copyfit, deps = base.copyfit, base.result.deps
                rechecked = TEXT_CHECKS
        except FlyerError:
            return None  # the full build says what is wrong
        result = Result(job, pdf, pages, time.perf_counter() - started, html,
                        copyfit, rendered_fields, deps=deps, pid=os.getpid(),
                        marks=legal_marks(job, date))
        result.made_by = how
        staged = staging / Path(job.path).name
        staged.write_bytes(pdf)
        started = time.perf_counter()
        try:
            region = qr_region(base)
        except ValueError:
            return None
        result.preflight = delta_preflight(
            base, staged, job_expectations(self.producer.root, result),
            job.path, region, rechecked)
        result.preflight_seconds = time.perf_counter() - started
        if not result.preflight.ok:
            return None  # the full build and preflight say what is wrong
        if proofs and self.proofs_of_variants:
            result.previews = page_previews(
                staged, job.path, job.safe_mm,
                folds_mm=job.folds_mm)
        from .produce import peak_rss
        result.peak_rss = peak_rss()
        return result


__all__ = ['Base', 'Variants', 'changed_text']
