"""The build command: gather and check everything, render, then write.

In: the project folder, optional content files and layout names.  Out: PDFs
in ``output/`` and ``output/manifest.json``.

Order matters: every content file and every layout is loaded and
cross-checked first (all problems at once); then every output is rendered in
memory; only when all of them succeeded is anything written.  A failed build
leaves ``output/`` as it was.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .content import Campaign, load_campaign, texts
from .errors import ContentError, FlyerError, LayoutError, Problem, UsageError
from .layouts import CONTENT_FIELDS, Layout, layout_names, load_layout
from .job import EDITIONS, OUTPUT, Job
from .printshop import load_printshop
from .qr import QrCode, QrTooDense, make_qr, with_tracking
from .render import Renderer, draft_reasons, label
from .typography import display_url

MANIFEST = 'manifest.json'


@dataclass
class Result:
    job: Job
    pdf: bytes
    pages: int
    seconds: float
    html: str
    copyfit: tuple[str, float, float] | None = None
    fields: tuple = ()
    preflight: object = None  # flyers.preflight.Report, once checked

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    def manifest_entry(self, root: Path) -> dict:
        page = self.job.layout.page
        return {
            'path': self.job.path,
            'content': self.job.campaign.source,
            'layout': self.job.layout.name,
            'pages': self.pages,
            'edition': self.job.edition,
            'trim_mm': [_number(page.width_mm), _number(page.height_mm)],
            'bleed_mm': _number(self.job.bleed_mm),
            'qr_urls': [self.job.qr.url],
            'draft': bool(draft_reasons(self.job.campaign)),
            'copyfit': ({'property': self.copyfit[0], 'from_pt': self.copyfit[1],
                         'to_pt': self.copyfit[2]} if self.copyfit else None),
            'printshop': self.job.printshop.name if self.job.is_print else None,
            'preflight': _preflight_summary(self.preflight),
            'sha256': self.sha256,
            'inputs_sha256': inputs_digest(
                root, self.job.campaign.source, self.job.layout.name,
                self.job.printshop.name if self.job.is_print else None),
        }


def _number(value: float) -> int | float:
    """148.0 → 148 in the manifest; 148.5 stays."""
    return int(value) if float(value).is_integer() else value


@dataclass
class Report:
    """What a build did, for the summary line and the exit code."""

    results: list[Result] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --- gathering -------------------------------------------------------------

def shown_path(root: Path, path: Path) -> str:
    """How a file is named in messages: relative to the project if inside."""
    absolute = path.absolute()
    try:
        return absolute.relative_to(root.absolute()).as_posix()
    except ValueError:
        return str(path)


def content_files(root: Path, given: list[str]) -> list[Path]:
    """The files named on the command line (which must exist: a wrong name
    there is a usage error), or every content/*.yaml."""
    if given:
        paths = [Path(name) for name in given]
        missing = [Problem(name, 'no such file' if not path.exists() else
                           'this is not a regular file')
                   for name, path in zip(given, paths) if not path.is_file()]
        if missing:
            raise UsageError(missing)
        return paths
    folder = root / 'content'
    files = sorted(list(folder.glob('*.yaml')) + list(folder.glob('*.yml')))
    if not files:
        raise UsageError(Problem('content/', 'no content files (*.yaml) '
                                 'found; write one or import a page with '
                                 '"python make_flyers.py import"'))
    return files


def load_everything(root: Path, contents: list[str], only_layouts: list[str],
                    printshop: str = 'default',
                    editions: tuple[str, ...] = EDITIONS) -> list[Job]:
    """Load and cross-check all inputs; raise FlyerError with every problem.
    Each campaign × layout gives one job per edition."""
    available = layout_names(root)
    for name in only_layouts:
        if name not in available:
            close = difflib.get_close_matches(name, available, n=1)
            hint = f'did you mean "{close[0]}"? ' if close else ''
            raise UsageError(Problem('--layout', f'no layout called "{name}"; '
                                     f'{hint}layouts: {", ".join(available)}'))
    problems: list[Problem] = []
    shop = None
    try:
        shop = load_printshop(root, printshop)
    except LayoutError as exc:
        problems += exc.problems
    campaigns = []
    for path in content_files(root, contents):
        try:
            campaigns.append(load_campaign(path, shown_path(root, path)))
        except ContentError as exc:
            problems += exc.problems
    layouts: dict[str, Layout] = {}
    # A narrowed build loads only the layouts it names, so an unfinished
    # layout folder does not stop work on the others.
    for name in only_layouts or available:
        try:
            layouts[name] = load_layout(root, name)
        except LayoutError as exc:
            problems += exc.problems
    stems: dict[str, str] = {}
    for campaign in campaigns:
        if campaign.name in stems:
            problems.append(Problem(campaign.source, (
                f'has the same name as {stems[campaign.name]}; their PDFs '
                'would overwrite each other, so rename one')))
        stems[campaign.name] = campaign.source
    jobs = []
    coverage = None
    for campaign in campaigns:
        if coverage is None:
            from .fonts import font_coverage
            coverage = font_coverage(root)
        problems += _character_problems(campaign, coverage)
        problems += _name_problems(campaign, available)
        chosen = only_layouts or list(dict.fromkeys(campaign.layouts)) or [
            name for name, layout in layouts.items() if layout.is_default]
        for name in chosen:
            layout = layouts.get(name)
            if layout is None:
                continue  # reported above (unknown or broken layout)
            job_problems = _requirement_problems(campaign, layout)
            for edition in editions:
                qr = _make_qr(campaign, layout, edition, job_problems)
                if qr is not None and not job_problems and shop is not None:
                    jobs.append(Job(campaign, layout, edition, shop, qr))
            problems += job_problems
    if problems:
        raise FlyerError(_unique(problems))
    return jobs


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _name_problems(campaign: Campaign, available: list[str]) -> list[Problem]:
    found = []
    named = [(f'layouts[{i}]', n) for i, n in enumerate(campaign.layouts)]
    for index, name in enumerate(campaign.layouts):
        if name in campaign.layouts[:index]:
            found.append(campaign.problem(f'layouts[{index}]', (
                f'"{name}" is listed twice; list each layout once')))
    named += [(f'qr_tracking.{n}', n.removesuffix('-screen'))
              for n in campaign.qr_tracking]
    for path, name in named:
        if name not in available:
            close = difflib.get_close_matches(name, available, n=1)
            hint = (f'did you mean "{close[0]}"?' if close else
                    'layouts: ' + ', '.join(available))
            found.append(campaign.problem(path, f'there is no layout called '
                                                f'"{name}"; {hint}'))
    return found


def _requirement_problems(campaign: Campaign, layout: Layout):
    return [campaign.problem(name, (
        f'the layout {layout.name} needs this field, and the file has none; '
        'add it, or choose other layouts with "layouts:"'))
        for name in layout.requires
        if name in CONTENT_FIELDS and not getattr(campaign, name)]


def _make_qr(campaign: Campaign, layout: Layout, edition: str,
             problems: list) -> QrCode | None:
    # The screen edition has its own tracking (LAYOUT-screen), or none:
    # a download must not count as print.
    key = layout.name if edition == 'print' else f'{layout.name}-screen'
    tracking = campaign.qr_tracking.get(key)
    url = with_tracking(campaign.url, tracking)
    try:
        title = label(campaign.language, 'qr_alt').format(
            url=display_url(campaign.url))
        return make_qr(url, layout.qr.size_mm, edition, title,
                       min_symbol_mm=layout.qr.min_mm)
    except QrTooDense as exc:
        advice = ('use a shorter address (a short redirect works well)'
                  + (' or fewer tracking parameters in qr_tracking.'
                     f'{key}' if tracking else ''))
        problem = campaign.problem('url', (
            f'too long for the {layout.qr.size_mm:g} mm QR code of '
            f'{layout.name}: {exc}; {advice}'))
        if problem not in problems:
            problems.append(problem)
        return None


def _character_problems(campaign: Campaign, coverage: set[int]):
    found = []
    for path, value in texts(campaign):
        missing = sorted({ch for ch in value if ord(ch) not in coverage
                          and not ch.isspace()})
        if missing:
            shown = ', '.join(f'"{ch}" (U+{ord(ch):04X})' for ch in missing)
            found.append(campaign.problem(path, (
                f'the brand fonts have no {shown}; the PDF would fall back to '
                'a font of this machine. Replace or remove '
                f'{"it" if len(missing) == 1 else "them"}')))
    return found


# --- rendering -------------------------------------------------------------

def build_date() -> str:
    """The documents' creation date: SOURCE_DATE_EPOCH if set, else now."""
    epoch = os.environ.get('SOURCE_DATE_EPOCH')
    moment = (datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
              if epoch and epoch.isdigit() else
              datetime.datetime.now(datetime.UTC).replace(microsecond=0))
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def render_all(root: Path, jobs: list[Job], progress: Callable[[str], None],
               verb: str = 'built') -> Report:
    """Render every job in memory; problems are collected, not raised."""
    from weasyprint.text.fonts import FontConfiguration

    from .fetch import ProjectFetcher
    from .pdf import render_pdf

    report = Report()
    renderer = Renderer(root)
    fetchers: dict[str, ProjectFetcher] = {}
    font_config = FontConfiguration()
    date = build_date()
    for job in jobs:
        started = time.perf_counter()
        try:
            html = renderer.render(job, build_date=date)
            fetcher = fetchers.setdefault(job.edition, ProjectFetcher(
                root, root / job.printshop.icc_profile if job.is_print
                else None))
            rendered = render_pdf(html, job, fetcher, font_config,
                                  job.campaign.problem,
                                  metadata_id=f'{job.path}\n{html}')
        except FlyerError as exc:
            report.problems += [p for p in exc.problems
                                if p not in report.problems]
            progress(f'failed  {job.path}')
            continue
        seconds = time.perf_counter() - started
        result = Result(job, rendered.pdf, rendered.pages, seconds, html,
                        rendered.copyfit, rendered.fields)
        report.results.append(result)
        draft = '  DRAFT' if draft_reasons(job.campaign) else ''
        if rendered.copyfit:
            prop, start, size = rendered.copyfit
            draft += f'  copyfit: {prop} {start:g} → {size:g} pt'
        progress(f'{verb:7} {job.path}  ({rendered.pages} '
                 f'page{"s" if rendered.pages != 1 else ""}, '
                 f'{seconds:.2f} s){draft}')
    return report


# --- writing ---------------------------------------------------------------

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
        draft=draft, font_names=postscript_names(root), fields=fields)


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
                                 result.job.safe_mm)
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
