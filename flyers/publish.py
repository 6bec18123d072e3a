"""The build command, second half: write what was built, and proofs.

In: the finished outputs of :func:`flyers.workers.run` (built, preflighted
and pictured, or taken from the cache).  Out, only if every output passed
the preflight: the PDFs in ``output/``, their proofs in ``output/proofs/``
and ``output/manifest.json``.  A file whose bytes are already there is not
written again, so a build that changed nothing changes nothing.  Also the
``preflight`` command, which checks built PDFs again against their manifest
entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from .build import MANIFEST, Report, Result, _number, shown_path
from .errors import FlyerError, Problem, UsageError
from .job import OUTPUT
from .layouts import Layout, load_layout
from .printshop import load_printshop
from .proofs import preview_name
from .render import draft_reasons

PROOFS = 'proofs'


def manifest_entry(root: Path, result: Result) -> dict:
    job = result.job
    page = job.layout.page
    return {
        'path': job.path,
        'content': job.campaign.source,
        'layout': job.layout.name,
        'pages': result.pages,
        'edition': job.edition,
        'trim_mm': [_number(page.width_mm), _number(page.height_mm)],
        'bleed_mm': _number(job.bleed_mm),
        'qr_urls': [job.qr.url],
        'draft': bool(draft_reasons(job.campaign)),
        'copyfit': ({'property': result.copyfit[0],
                     'from_pt': result.copyfit[1],
                     'to_pt': result.copyfit[2]} if result.copyfit else None),
        'printshop': job.printshop.name if job.is_print else None,
        'preflight': _preflight_summary(result.preflight),
        'sha256': result.sha256,
        'inputs_sha256': result.inputs_sha256 or None,
        'proofs': [f'{OUTPUT}/{PROOFS}/{preview_name(p)}'
                   for p in result.previews],
    }


def _preflight_summary(report) -> dict | None:
    if report is None:
        return None
    warnings = [f for f in report.findings if f.severity == 'warning']
    return {'result': 'pass' if not warnings else 'pass with warnings',
            'warnings': [str(f) for f in warnings]}


def expectations(root: Path, layout: Layout, printshop, edition: str,
                 qr_urls, draft: bool, fields=()):
    """What the preflight must find in one output: from its layout, its
    print shop, its edition, its campaign and the QR codes it was given."""
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
        draft=draft, font_names=postscript_names(root), fields=fields,
        folds_mm=page.folds_mm)


def job_expectations(root: Path, result: Result):
    job = result.job
    return expectations(root, job.layout, job.printshop, job.edition,
                        (job.qr.url,), bool(draft_reasons(job.campaign)),
                        result.fields)


def preflight_files(root: Path, pdfs: list[str]):
    """Preflight PDFs listed in output/manifest.json (all of them when
    ``pdfs`` is empty) against what their manifest entries say they are."""
    from .preflight import preflight

    try:
        manifest = json.loads((root / OUTPUT / MANIFEST).read_text('utf-8'))
        entries = {entry['path']: entry for entry in manifest['outputs']}
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(Problem(f'{OUTPUT}/{MANIFEST}', (
            'missing or unreadable; the preflight checks each PDF against '
            'what it was built to be, so run "python make_flyers.py build" '
            'first'))) from None
    wanted = [shown_path(root, Path(pdf)) for pdf in pdfs] or list(entries)
    unknown = [Problem(path, 'is not in output/manifest.json; build it '
                             'first') for path in wanted if path not in entries]
    if unknown:
        raise UsageError(unknown)
    layouts, shops, reports = {}, {}, []
    for path in wanted:
        entry = entries[path]
        if entry['layout'] not in layouts:
            layouts[entry['layout']] = load_layout(root, entry['layout'])
        shop_name = entry.get('printshop') or 'default'
        if shop_name not in shops:
            shops[shop_name] = load_printshop(root, shop_name)
        expect = expectations(root, layouts[entry['layout']], shops[shop_name],
                              entry['edition'], entry['qr_urls'],
                              bool(entry.get('draft')))
        reports.append(preflight(root / path, expect, shown_as=path))
    return reports


def preflight_all(root: Path, report: Report, folder: Path,
                  progress: Callable[[str], None]) -> list[Problem]:
    """Write each PDF into ``folder`` and preflight it there; attach the
    preflight report to each result and return its errors as problems.
    (The preview server's second step; builds preflight on their workers.)"""
    import time

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


def preflight_problems(result: Result) -> list[Problem]:
    # Findings are about the PDF: they name the output, page and position,
    # and the content field whose text is there — as a place to look, not a
    # verdict that the content is at fault (most come from a layout or an
    # asset).
    return [Problem(result.job.path, f'preflight {finding.check}: {finding}')
            for finding in result.preflight.findings
            if finding.severity == 'error']


def preflight_line(result: Result) -> str:
    findings = result.preflight.findings
    errors = sum(f.severity == 'error' for f in findings)
    warnings = len(findings) - errors
    verdict = ('FAILED' if errors else 'passed' + (
        f' ({warnings} warning{"s" if warnings != 1 else ""})'
        if warnings else ''))
    return (f'preflight {result.job.path}: {verdict}  '
            f'({result.preflight_seconds:.2f} s)')


@contextlib.contextmanager
def staging(root: Path, write: bool = True):
    """A folder for PDFs while they are built and preflighted: inside
    output/ for a build (the same file system, so moving one into place is
    atomic), a temporary one for a check.  If the build fails, output/ is
    left as it was — absent, if the build created it."""
    if not write:
        with tempfile.TemporaryDirectory(prefix='flyers-check-') as folder:
            yield Path(folder)
        return
    output = root / OUTPUT
    created = not output.exists()
    output.mkdir(parents=True, exist_ok=True)
    _remove_old_staging(output)
    try:
        with tempfile.TemporaryDirectory(prefix='.staging-',
                                         dir=output) as folder:
            yield Path(folder)
    except BaseException:
        if created:
            shutil.rmtree(output, ignore_errors=True)
        raise


def _remove_old_staging(output: Path) -> None:
    """Staging folders of builds that were killed (not just interrupted:
    those clean up) an hour or more ago."""
    import time

    for folder in output.glob('.staging-*'):
        try:
            if time.time() - folder.stat().st_mtime > 3600:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def write_outputs(root: Path, results: list[Result], staged: Path,
                  html: bool = False, shard: dict | None = None) -> Path:
    """Write a build into output/: its PDFs (moved from the staging folder,
    or from the cache), their proofs, the contact sheet, the proof report
    and, last, the manifest.  Everything is made before anything is
    written, and files already holding the same bytes are left alone."""
    output = root / OUTPUT
    ordered = sorted(results, key=lambda r: r.job.path)
    manifest = {'outputs': [manifest_entry(root, r) for r in ordered]}
    if shard:
        manifest['shard'] = shard
    files: list[tuple[Path, bytes]] = []
    for result in ordered:
        target = root / result.job.path
        files.append((target, result.pdf))
        if html:
            files.append((target.with_suffix('.html'),
                          result.html.encode('utf-8')))
        files += [(output / PROOFS / preview_name(preview), preview.png)
                  for preview in result.previews]
    return write_manifest(root, manifest,
                          [p for r in ordered for p in r.previews],
                          {r.job.path: r.preflight for r in ordered},
                          files, staged)


def write_manifest(root: Path, manifest: dict, previews: list,
                   reports: dict, files: list[tuple[Path, bytes]],
                   staged: Path | None = None) -> Path:
    """Write ``files`` (path, bytes) that differ from what is there, then
    the contact sheet and proof report — made first, and remade only if a
    file or the manifest changed — and last the manifest."""
    from .proofs import contact_sheet, report_html
    from .writer import write_atomic

    output = root / OUTPUT
    path = output / MANIFEST
    text = (json.dumps(manifest, indent=2, ensure_ascii=False) + '\n'
            ).encode('utf-8')
    sheet = output / PROOFS / 'contact-sheet.png'
    report = output / PROOFS / 'report.html'
    changed = [(target, data) for target, data in files
               if _read(target) != data]
    extra = []
    if (changed or _read(path) != text or not report.is_file()
            or (previews and not sheet.is_file())):
        if previews:
            extra.append((sheet, contact_sheet(previews)))
        extra.append((report, report_html(manifest['outputs'], reports,
                                          previews).encode('utf-8')))
    for target, data in changed:
        candidate = staged / target.name if staged is not None else None
        if (candidate is not None and target.suffix == '.pdf'
                and _read(candidate) == data):
            os.replace(candidate, target)  # the preflighted file itself
        else:
            write_atomic(target, data, output)
    for target, data in extra:
        write_atomic(target, data, output)
    if _read(path) != text:
        write_atomic(path, text, output)
    return path


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _sha256(path: Path) -> str | None:
    data = _read(path)
    return hashlib.sha256(data).hexdigest() if data is not None else None


def kept_results(root: Path, built: list[Result], cache, printshop: str
                 ) -> list[Result]:
    """For a build narrowed to some content, layouts or editions: the other
    outputs of the catalogue that are in output/ exactly as the cache says
    they would be built now.  Outputs whose inputs changed since are left
    out of the manifest: they are stale."""
    from .build import job_date, load_everything
    from .dates import Dates

    try:
        everything = load_everything(root, [], [], printshop)
    except FlyerError:
        return []  # something else is broken: keep nothing we cannot vouch for
    done = {result.job.path for result in built}
    dates = Dates(root)
    kept = []
    for job in everything:
        if job.path in done or not (root / job.path).is_file():
            continue
        result = cache.load(job, cache.key(job, job_date(dates, job)),
                            always=True)
        if result is not None and _sha256(root / job.path) == result.sha256:
            kept.append(result)
    return kept

