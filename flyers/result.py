"""The value types passed between the build's stages: one output's result
and a build's report.

In: what :mod:`flyers.produce` made of a :class:`~flyers.job.Job` (or what
:mod:`flyers.cache` kept of it).  Out: the same, read by the workers, the
publisher and the preview server, plus the one line each output prints.
Nothing here opens a file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .errors import Problem
from .job import Job
from .render import draft_reasons


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
    # The legal marks its pages must carry (render.legal_marks).
    marks: tuple = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


@dataclass
class Report:
    """What a build did, for the summary line and the exit code."""

    results: list[Result] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def number(value: float) -> int | float:
    """148.0 → 148 in the manifest; 148.5 stays."""
    return int(value) if float(value).is_integer() else value


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
