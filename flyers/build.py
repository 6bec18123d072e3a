"""The build, start to end: the orchestrator of the stages.

In: the project folder and what to build (content files, layouts,
editions, print shop, worker count, cache on or off).  Out: every output
built (or taken from the cache), preflighted and — only when all of them
passed — written into ``output/`` with proofs and manifest; or every
problem found, and ``output/`` as it was.

Order matters: :mod:`flyers.catalogue` loads and cross-checks every input
first (all problems at once); :mod:`flyers.workers` then builds each output
in memory and preflights it; :mod:`flyers.publish` writes them all at once
(recoverably).  This module imports the stages; no stage imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .catalogue import load_everything, shown_path  # noqa: F401 - re-exported
from .errors import FlyerError
from .job import EDITIONS  # noqa: F401 - re-exported
from .result import Report, progress_line


@dataclass
class Options:
    """What to build and how (from the command line)."""

    contents: list[str]
    layouts: list[str]
    editions: tuple[str, ...]
    printshop: str = 'default'
    jobs: int | None = None
    cache: bool = True
    html: bool = False
    time_limit: float | None = None
    variants: list[str] = field(default_factory=list)
    combined: bool = False
    variant_proofs: bool = True  # False: proofs of each first variant only


def make(root: Path, jobs: list, options: Options, write: bool = True,
         narrowed: bool = False, shard=None, before_writing=None):
    """Build (or take from the cache) and preflight every job; if all pass
    (and ``before_writing(results)`` raises nothing) and ``write``, write
    them with their proofs and manifest.  Returns the workers' outcome and
    the manifest written (None when nothing is written)."""
    from . import publish, workers
    from .cache import Cache
    from .progress import Progress

    cache = Cache(root, enabled=options.cache)
    progress = Progress(len(jobs), label='building' if write else 'checking')
    manifest = None
    with publish.staging(root, write) as staged:
        try:
            outcome = workers.run(root, jobs, staged, progress, cache,
                                  options.jobs, proofs=write,
                                  verb='built' if write else 'checked',
                                  time_limit=options.time_limit,
                                  variant_proofs=options.variant_proofs)
        finally:
            progress.close()
        if outcome.problems:
            raise FlyerError(outcome.problems)
        if before_writing is not None:
            before_writing(outcome.results)
        if write:
            results = list(outcome.results)
            if narrowed:
                results += publish.kept_results(root, results, cache,
                                                options.printshop)
            combined = None
            if options.combined:
                from .combined import combine

                order = {job.path: index for index, job in enumerate(jobs)}
                combined = combine(results, order)
            manifest = publish.write_outputs(root, results, staged,
                                             html=options.html, shard=shard,
                                             removed=outcome.removed,
                                             combined=combined)
    cache.prune()
    return outcome, manifest


def start_early(options: Options) -> None:
    """A build without the cache builds everything: start the worker
    processes' server while the content loads."""
    from .environment import default_jobs

    if not options.cache and (options.jobs or default_jobs()) > 1:
        from . import workers

        workers.start_early()


def how(outcome, count: int) -> str:
    """How the outputs were made, for the summary line."""
    cached = count - outcome.built
    if not count:
        return 'this shard has none of them'
    if not outcome.built:
        return 'all from the cache: their inputs have not changed'
    where = (f'on {outcome.workers} processes' if outcome.workers
             else 'in one process')
    return f'{outcome.built} built {where}, {cached} from the cache'


def render_all(root: Path, jobs: list, progress: Callable[[str], None],
               verb: str = 'built', font_config=None,
               time_limit: float | None = None) -> Report:
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
            result = producer.produce(job, dates.job(job), None,
                                      time_limit=time_limit)
        except FlyerError as exc:
            report.problems += [p for p in exc.problems
                                if p not in report.problems]
            progress(f'failed  {job.path}')
            continue
        report.results.append(result)
        progress(progress_line(verb, result))
    return report
