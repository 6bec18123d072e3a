"""One output, start to finish: HTML → PDF → preflight → proof pictures.

In: a :class:`~flyers.job.Job`, its date, and a staging folder.  Out: a
:class:`~flyers.result.Result` (the PDF written into the staging folder too,
where the preflight read it), or a :class:`~flyers.errors.FlyerError`.

A :class:`Producer` holds what is expensive to make and the same for every
output: the Jinja environment and WeasyPrint's font configuration (the brand
fonts are loaded once).  The build keeps one per worker process
(:mod:`flyers.workers`) for the whole build.  Importing this module imports
WeasyPrint, so worker processes pay for that once, before their first job.
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import weasyprint  # noqa: F401 - loaded once per worker, before any job
from weasyprint.text.fonts import FontConfiguration

from .errors import FlyerError, Problem
from .fetch import ProjectFetcher
from .fonts import font_face_files
from .journal import write_problem
from .limits import DEFAULT_SECONDS, TimeLimitExceeded
from .limits import time_limit as limited
from .pdf import render_pdf
from .picturefiles import picture_path, pictures_folder
from .pictures import with_picture_warnings
from .render import Renderer, legal_marks
from .result import Result


class Producer:
    """Builds outputs of one project, one after another."""

    def __init__(self, root: Path, font_config=None):
        self.root = root
        self.renderer = Renderer(root)
        self.font_config = font_config or FontConfiguration()

    def produce(self, job, date: str, staging: Path | None,
                proofs: bool = True, time_limit: float | None = None,
                keep: dict | None = None) -> Result:
        """Build one output.  With ``staging`` the PDF is written there and
        preflighted (and, with ``proofs``, pictured); without, only built.
        Raises FlyerError when it cannot be built, or when it takes longer
        than ``time_limit`` seconds.  ``keep`` (a dict) is given what a
        variant of the output may reuse (:func:`flyers.pdf.render_pdf`)."""
        try:
            with limited(time_limit):
                return self._produce(job, date, staging, proofs,
                                     time_limit or DEFAULT_SECONDS, keep)
        except TimeLimitExceeded as exc:
            raise FlyerError(Problem(job.path, (
                f'took longer than {exc.seconds:g} s to build and was '
                'stopped: a loop in a template of '
                f'layouts/{job.layout.name}/ (or a stylesheet) may never '
                'end. Undo the last change to the layout, or give more time '
                'with --time-limit SECONDS'))) from None
        except MemoryError:
            raise FlyerError(Problem(job.path, (
                'needed more memory than a build process may have and was '
                f'stopped: the layout layouts/{job.layout.name}/ (or an '
                'image it uses) makes far too much; undo the last change to '
                'it'))) from None
        except RecursionError:
            raise FlyerError(Problem(job.path, (
                'a template of layouts/' + job.layout.name + '/ calls itself '
                'without end (a recursive macro or include) or nests '
                'elements thousands deep; make the recursion stop'))) \
                from None

    def _produce(self, job, date: str, staging: Path | None,
                 proofs: bool, time_limit: float, keep=None) -> Result:
        from .expectations import job_expectations
        from .preflight import preflight
        from .proofs import page_previews

        started = time.perf_counter()
        html = self.renderer.render(job, build_date=date,
                                    time_limit=time_limit)
        profile = (self.root / job.printshop.icc_profile if job.is_print
                   else None)
        fetcher = ProjectFetcher(
            self.root, profile, pictures_folder(self.root, job.campaign),
            [picture_path(self.root, job.campaign, picture).resolve()
             for picture in job.campaign.pictures])
        rendered = render_pdf(html, job, fetcher, self.font_config,
                              job.campaign.problem,
                              metadata_id=f'{job.path}\n{html}', keep=keep)
        seconds = time.perf_counter() - started
        result = Result(job, rendered.pdf, rendered.pages, seconds, html,
                        rendered.copyfit, rendered.fields,
                        marks=legal_marks(job, date),
                        deps=sorted(str(p) for p in fetcher.fetched
                                    | font_face_files(fetcher.fetched)
                                    | _brand_files(self.root, job.brand)),
                        pid=os.getpid())
        if staging is None:
            return result
        staged = staging / Path(job.path).name
        try:
            staged.write_bytes(rendered.pdf)
        except OSError as exc:
            raise FlyerError(write_problem(job.path, exc)) from None
        started = time.perf_counter()
        result.preflight = with_picture_warnings(
            preflight(staged, job_expectations(self.root, result),
                      shown_as=job.path), rendered.picture_warnings)
        result.preflight_seconds = time.perf_counter() - started
        if proofs and result.preflight.ok:
            result.previews = page_previews(
                staged, job.path, job.safe_mm,
                folds_mm=job.folds_mm)
        result.peak_rss = peak_rss()
        return result


def _brand_files(root: Path, brand) -> set[Path]:
    """The brand's fonts: WeasyPrint fetches a font once per process, so
    the later outputs of a worker would not list them."""
    return {path.resolve() for path in brand.font_files(root)}


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


__all__ = ['FlyerError', 'Producer', 'peak_rss']
