"""The build command, first half: gather and check everything, render.

In: the project folder, optional content files, layout names, editions and
a print shop.  Out: a :class:`Report` of rendered PDFs (bytes, in memory)
or every problem found.  :mod:`flyers.publish` preflights, writes and
proofs them.

Order matters: every content file and every layout is loaded and
cross-checked first (all problems at once); then every output is rendered in
memory; only when all of them succeeded (and passed the preflight) is
anything written.  A failed build leaves ``output/`` as it was.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .content import Campaign, load_campaign, texts
from .errors import ContentError, FlyerError, LayoutError, Problem, UsageError
from .layouts import CONTENT_FIELDS, Layout, layout_names, load_layout
from .job import EDITIONS, Job
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
    previews: list = field(default_factory=list)  # flyers.proofs.Preview
    # Files fetched while rendering: paths from the worker, then
    # {project-relative path: sha256} (what the cache checks).
    deps: object = ()
    cached: bool = False  # taken from the build cache, not rendered now
    inputs_sha256: str = ''
    preflight_seconds: float = 0.0
    peak_rss: int = 0  # bytes, of the process that built it
    pid: int = 0  # of the process that built it

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    def manifest_entry(self, root: Path) -> dict:
        from .publish import manifest_entry

        return manifest_entry(root, self)


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
            coverage = font_coverage(root, layouts.values())
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

def render_all(root: Path, jobs: list[Job], progress: Callable[[str], None],
               verb: str = 'built', font_config=None) -> Report:
    """Render every job in memory, in this process, without preflight or
    proofs (the preview server's first step); problems are collected, not
    raised.  A long-lived caller passes its ``font_config`` so the brand
    fonts are loaded once, not per build."""
    from .dates import Dates
    from .produce import Producer

    report = Report()
    producer = Producer(root, font_config)
    dates = Dates(root)
    for job in jobs:
        try:
            result = producer.produce(job, job_date(dates, job), None)
        except FlyerError as exc:
            report.problems += [p for p in exc.problems
                                if p not in report.problems]
            progress(f'failed  {job.path}')
            continue
        report.results.append(result)
        progress(progress_line(verb, result))
    return report


def job_date(dates, job: Job) -> str:
    return dates.output(job.campaign.file or job.campaign.source,
                        job.layout.name, job.printshop.name)


def progress_line(verb: str, result: Result) -> str:
    """One line per output: what, how many pages, how long, and notes."""
    notes = '  DRAFT' if draft_reasons(result.job.campaign) else ''
    if result.copyfit:
        prop, start, size = result.copyfit
        notes += f'  copyfit: {prop} {start:g} → {size:g} pt'
    pages = f'{result.pages} page{"s" if result.pages != 1 else ""}'
    timing = ('from the cache' if result.cached
              else f'{result.seconds:.2f} s')
    return f'{verb:7} {result.job.path}  ({pages}, {timing}){notes}'


# --- writing ---------------------------------------------------------------
