"""Stage 5b: preflight PDFs outside a build.

In: the project folder and PDFs of ``output/manifest.json`` (the
``preflight`` command), or the rendered results of the preview server.
Out: one preflight :class:`~flyers.preflight.Report` per PDF, each checked
against what its manifest entry says it was built to be — and, for built
files, that the file still holds the bytes the manifest promises.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from .catalogue import shown_path
from .errors import Problem, UsageError
from .expectations import expectations, job_expectations
from .layouts import load_layout
from .manifest import read_entries, sha256_mismatch
from .printshop import load_printshop
from .result import Report, preflight_line, preflight_problems


def preflight_files(root: Path, pdfs: list[str]):
    """Preflight PDFs listed in output/manifest.json (all of them when
    ``pdfs`` is empty) against what their manifest entries say they are.
    Returns (reports, problems): problems for files that are missing or not
    the bytes the manifest lists (those that exist are preflighted too)."""
    from .preflight import preflight

    entries = read_entries(root)
    wanted = [shown_path(root, Path(pdf)) for pdf in pdfs] or list(entries)
    unknown = [Problem(path, 'is not in output/manifest.json; build it '
                             'first') for path in wanted if path not in entries]
    if unknown:
        raise UsageError(unknown)
    layouts, shops, reports, problems = {}, {}, [], []
    for path in wanted:
        entry = entries[path]
        mismatch = sha256_mismatch(root, entry)
        if mismatch is not None:
            problems.append(mismatch)
            if not (root / path).is_file():
                continue
        if entry['layout'] not in layouts:
            layouts[entry['layout']] = load_layout(root, entry['layout'])
        shop_name = entry.get('printshop') or 'default'
        if shop_name not in shops:
            try:
                shops[shop_name] = load_printshop(root, shop_name)
            except UsageError:
                raise UsageError(Problem(path, (
                    f'was built for the print shop "{shop_name}", which is '
                    'not in printshops/ now; build it again'))) from None
        layout = layouts[entry['layout']]
        # A right-to-left output's folds are the mirror (the manifest
        # records them); anything else is checked against the layout's.
        mirrored = [list(folds) for folds in layout.page.folds_for('rtl')]
        expect = expectations(root, layout, shops[shop_name],
                              entry['edition'], entry['qr_urls'],
                              bool(entry.get('draft')),
                              marks=manifest_marks(entry),
                              direction='rtl' if mirrored and entry.get(
                                  'folds_mm') == mirrored else 'ltr')
        reports.append(preflight(root / path, expect, shown_as=path))
    return reports, problems


def manifest_marks(entry: dict) -> tuple[tuple[str, str], ...]:
    """The legal marks a manifest entry lists (pairs of text; anything
    else in a hand-edited manifest is left out)."""
    marks = entry.get('marks')
    return tuple((mark[0], mark[1]) for mark in marks
                 if isinstance(mark, list) and len(mark) == 2
                 and all(isinstance(part, str) for part in mark)
                 ) if isinstance(marks, list) else ()


def preflight_all(root: Path, report: Report, folder: Path,
                  progress: Callable[[str], None]) -> list[Problem]:
    """Write each PDF into ``folder`` and preflight it there; attach the
    preflight report to each result and return its errors as problems.
    (The preview server's second step; builds preflight on their workers.)"""
    from .preflight import preflight

    problems = []
    for result in report.results:
        staged = folder / Path(result.job.path).name
        staged.write_bytes(result.pdf)
        started = time.perf_counter()
        result.preflight = preflight(staged, job_expectations(root, result),
                                     shown_as=result.job.path)
        result.preflight_seconds = time.perf_counter() - started
        progress(preflight_line(result))
        problems += preflight_problems(result)
    return problems
