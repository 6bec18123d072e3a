"""The build command, second half: preflight, write, proof.

In: the rendered PDFs of :func:`flyers.build.render_all`.  Out, only if
every PDF passes the preflight: the PDFs in ``output/``, their proofs in
``output/proofs/`` and ``output/manifest.json``.  Also the ``preflight``
command, which checks built PDFs again against their manifest entries.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable

from .build import MANIFEST, Report, Result, _number, shown_path
from .errors import FlyerError, Problem, UsageError
from .job import OUTPUT
from .layouts import Layout, load_layout
from .printshop import load_printshop
from .render import draft_reasons


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
        'inputs_sha256': inputs_digest(
            root, job.campaign.source, job.layout.name,
            job.printshop.name if job.is_print else None),
    }


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob('*') if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b'\0')
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def inputs_digest(root: Path, content: str, layout: str,
                  printshop: str | None) -> str:
    """A hash of everything an output was made from: its content file, the
    layouts and assets folders, its print-shop file, this tool's version.
    A kept manifest entry whose inputs changed is stale."""
    from . import __version__

    digest = hashlib.sha256(__version__.encode())
    for part in (root / content, root / 'printshops' / f'{printshop}.yaml'):
        digest.update(hashlib.sha256(part.read_bytes()).digest()
                      if part.is_file() else b'-')
    for folder in ('layouts', 'assets'):
        digest.update(_cached_tree_digest(root / folder).encode())
    digest.update(layout.encode())
    return digest.hexdigest()


_TREE_DIGESTS: dict[Path, str] = {}


def _cached_tree_digest(folder: Path) -> str:
    if folder not in _TREE_DIGESTS:
        _TREE_DIGESTS[folder] = _tree_digest(folder)
    return _TREE_DIGESTS[folder]


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


def _job_expectations(root: Path, result: Result):
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
    preflight report to each result and return its errors as problems."""
    from .preflight import preflight

    problems = []
    for result in report.results:
        staged = folder / Path(result.job.path).name
        staged.write_bytes(result.pdf)
        started = time.perf_counter()
        result.preflight = preflight(staged, _job_expectations(root, result),
                                     shown_as=result.job.path)
        seconds = time.perf_counter() - started
        errors = [f for f in result.preflight.findings
                  if f.severity == 'error']
        warnings = len(result.preflight.findings) - len(errors)
        verdict = ('FAILED' if errors else 'passed' + (
            f' ({warnings} warning{"s" if warnings != 1 else ""})'
            if warnings else ''))
        progress(f'preflight {result.job.path}: {verdict}  ({seconds:.2f} s)')
        # Findings are about the PDF: they name the output, page and
        # position, and the content field whose text is there — as a place
        # to look, not a verdict that the content is at fault (most come
        # from a layout or an asset).
        problems += [Problem(result.job.path,
                             f'preflight {finding.check}: {finding}')
                     for finding in errors]
    return problems


def check_outputs(root: Path, report: Report,
                  progress: Callable[[str], None]) -> None:
    """Preflight without writing anything to output/."""
    with tempfile.TemporaryDirectory(prefix='flyers-check-') as folder:
        problems = preflight_all(root, report, Path(folder), progress)
    if problems:
        raise FlyerError(problems)


def write_outputs(root: Path, report: Report, progress: Callable[[str], None],
                  html: bool = False, narrowed: bool = False) -> Path:
    """Preflight every PDF in a staging folder inside output/; if all pass,
    move them into place, write the proofs and then the manifest: the
    outputs of this build, plus — for a build narrowed to some content,
    layouts or editions — the earlier entries it did not rebuild.  If any
    fails, nothing in output/ changes."""
    from .writer import write_atomic, write_json

    _TREE_DIGESTS.clear()  # the inputs may have changed since the last build
    output = root / OUTPUT
    created = not output.exists()
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='.staging-', dir=output) as folder:
        problems = preflight_all(root, report, Path(folder), progress)
        for result in report.results if not problems else ():
            target = root / result.job.path
            os.replace(Path(folder) / target.name, target)
            if html:
                write_atomic(target.with_suffix('.html'),
                             result.html.encode('utf-8'), output)
    if problems:
        if created:
            shutil.rmtree(output, ignore_errors=True)  # as it was: absent
        raise FlyerError(problems)
    manifest_path = output / MANIFEST
    entries = ({entry['path']: entry for entry in _kept_entries(root)}
               if narrowed else {})
    for result in report.results:
        entries[result.job.path] = result.manifest_entry(root)
    outputs = [entries[k] for k in sorted(entries)]
    write_proofs(root, outputs, {r.job.path: r for r in report.results})
    write_json(manifest_path, {'outputs': outputs}, output)
    return manifest_path


PROOFS = 'proofs'


def write_proofs(root: Path, outputs: list[dict], results: dict) -> None:
    """PNG previews of every page just built, one contact sheet of the
    whole manifest, and the proof report (output/proofs/)."""
    from .proofs import (contact_sheet, page_previews, preview_name,
                         report_html)
    from .writer import write_atomic

    folder = root / OUTPUT / PROOFS
    previews = []
    for entry in outputs:
        result = results.get(entry['path'])
        names = entry.get('proofs') or []
        if result is not None:
            made = page_previews(root / entry['path'], entry['path'],
                                 result.job.safe_mm,
                                 folds_mm=result.job.layout.page.folds_mm)
            for preview in made:
                write_atomic(folder / preview_name(preview), preview.png,
                             root / OUTPUT)
            names = [f'{OUTPUT}/{PROOFS}/{preview_name(p)}' for p in made]
            previews += made
        else:  # kept from an earlier build: reuse its pictures
            from .proofs import Preview
            for number, name in enumerate(names, 1):
                try:
                    png = (root / name).read_bytes()
                except OSError:
                    continue
                previews.append(Preview(entry['path'], number, png, (0, 0)))
        entry['proofs'] = names
    if previews:
        write_atomic(folder / 'contact-sheet.png', contact_sheet(previews),
                     root / OUTPUT)
    reports = {path: result.preflight for path, result in results.items()}
    write_atomic(folder / 'report.html',
                 report_html(outputs, reports, previews).encode('utf-8'),
                 root / OUTPUT)


def _kept_entries(root: Path) -> list[dict]:
    """Entries of the previous manifest whose PDF is still there unchanged
    and was made from the inputs as they are now."""
    try:
        previous = json.loads((root / OUTPUT / MANIFEST).read_text('utf-8'))
        entries = previous['outputs']
    except (OSError, ValueError, KeyError, TypeError):
        return []
    kept = []
    for entry in entries:
        try:
            data = (root / entry['path']).read_bytes()
            if not (root / entry['content']).is_file():
                continue
        except (OSError, KeyError, TypeError):
            continue
        if hashlib.sha256(data).hexdigest() != entry.get('sha256'):
            continue
        try:
            current = inputs_digest(root, entry['content'], entry['layout'],
                                    entry.get('printshop'))
        except (OSError, KeyError, TypeError):
            continue
        if current == entry.get('inputs_sha256'):
            kept.append(entry)
    return kept
