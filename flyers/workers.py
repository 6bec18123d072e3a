"""Run the outputs of a build: from the cache, or on worker processes.

In: the jobs of a build (loaded and cross-checked), a staging folder and a
number of worker processes.  Out: one :class:`~flyers.result.Result` per job,
in the jobs' order — taken from the cache when its inputs are unchanged,
else built and preflighted by :class:`~flyers.produce.Producer` — and every
problem found, all at once.

Workers are long-lived: ``--jobs N`` starts N processes once per build; each
loads WeasyPrint and the brand fonts once and then builds output after
output.  They are forked from a small server process started before any
thread (multiprocessing's "forkserver"), which has WeasyPrint and the
preflight's libraries loaded already (:data:`PRELOAD`), so a worker is ready
at once and a build that finds everything in the cache never loads
WeasyPrint at all; a build that will build everything starts it early
(:func:`start_early`).  With one job (or one output to build) the
work runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .cache import CACHE_ENV
from .environment import default_jobs
from .errors import FlyerError, Problem
from .limits import DEFAULT_SECONDS
from .result import Result, preflight_line, preflight_problems, progress_line

# A worker that does not answer this long after its own time limit is
# stuck where Python's signal cannot reach (native code): it is killed.
GRACE_SECONDS = 30.0
# The address space one worker may use: ten times what a leaflet needs.
MEMORY_LIMIT = 4 * 1024 ** 3


@dataclass
class Outcome:
    results: list[Result] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    built: int = 0  # rendered now (the rest came from the cache)
    workers: int = 0  # processes used (0: this one)
    peak_rss: int = 0  # bytes: the largest of any process that built
    # Files of outputs no longer current, removed from output/.
    removed: list[str] = field(default_factory=list)


def run(root: Path, jobs: list, staging: Path, progress: Callable,
        cache, workers: int | None = None, proofs: bool = True,
        verb: str = 'built', time_limit: float | None = DEFAULT_SECONDS,
        variant_proofs: bool = True) -> Outcome:
    """Build (or fetch from ``cache``) every job; preflight what is built.
    ``progress(line, notable, done)`` hears of each output as it is done
    (``done``: the line finishes an output).  The variants of an output
    built before on the same process take a shortcut when it proves itself
    (:mod:`flyers.variantfast`); without ``variant_proofs`` only the first
    of them gets proofs."""
    from .dates import Dates

    dates = Dates(root)
    outcome = Outcome()
    done: dict[int, Result] = {}
    todo = []
    for index, job in enumerate(jobs):
        date = dates.job(job)
        key = cache.key(job, date)
        cached = cache.load(job, key)
        if cached is not None:
            done[index] = cached
            progress(progress_line('cached', cached), False, True)
        else:
            todo.append((index, job, date, key))

    def finished(index, key, result, problems):
        if problems:
            outcome.problems += [p for p in problems
                                 if p not in outcome.problems]
            progress(f'failed  {jobs[index].path}', True, True)
            return
        outcome.built += 1
        outcome.peak_rss = max(outcome.peak_rss, result.peak_rss)
        result.deps = cache.deps(result.deps)
        result.inputs_sha256 = cache.inputs_sha256(key, result.deps)
        errors = preflight_problems(result)
        outcome.problems += errors
        done[index] = result
        progress(progress_line(verb, result), bool(result.copyfit), True)
        progress(preflight_line(result), bool(result.preflight.findings))
        if proofs and index in pictured and not errors:
            cache.store(key, result)  # never an output without its proofs

    # The variants of one output one after the other, the longest first
    # (flyers.variantfast: each worker builds the first in full).
    from .variantfast import order

    pictured = _pictured(jobs, variant_proofs)
    todo = [todo[i] for i in order([job for _, job, _, _ in todo])]
    count = min(workers or default_jobs(), len(todo))
    if count <= 1:
        _run_here(root, todo, staging, proofs, finished, time_limit,
                  pictured)
    else:
        outcome.workers = count
        _run_on_workers(root, todo, staging, proofs, finished, count,
                        time_limit, pictured)
    outcome.results = [done[i] for i in sorted(done)]
    return outcome


# --- in this process ---------------------------------------------------------

_PRODUCERS: dict = {}


def _producer(root: Path):
    """One Producer per project in this process (and in each worker)."""
    from .produce import Producer

    if root not in _PRODUCERS:
        _PRODUCERS.clear()
        _PRODUCERS[root] = Producer(root)
    return _PRODUCERS[root]


def _variants(root: Path):
    """The fast path for variants, around this process's Producer."""
    from .variantfast import Variants

    producer = _producer(root)
    if _VARIANTS.get('producer') is not producer:
        _VARIANTS.update(producer=producer, variants=Variants(producer))
    return _VARIANTS['variants']


_VARIANTS: dict = {}


def _pictured(jobs: list, variant_proofs: bool) -> set[int]:
    """The indexes of the jobs that get proof pictures: all, or — without
    ``variant_proofs`` (``--variant-proofs first``) — of the variants only
    the first of each campaign, layout and edition in the table's order,
    whichever process builds it."""
    from .variantfast import group_key, proofs_from_environment

    if variant_proofs and proofs_from_environment():
        return set(range(len(jobs)))
    first: dict[tuple, int] = {}
    for index, job in enumerate(jobs):
        first.setdefault(group_key(job), index)
    return {index for index, job in enumerate(jobs)
            if not job.campaign.variant or first[group_key(job)] == index}


def _run_here(root, todo, staging, proofs, finished, time_limit,
              pictured) -> None:
    for index, job, date, key in todo:
        result, problems = _work(root, job, date, staging,
                                 proofs and index in pictured, time_limit)
        finished(index, key, result, problems)


def _work(root, job, date, staging, proofs, time_limit=None):
    try:
        variants = _variants(root)
        return variants.produce(job, date, staging, proofs,
                                time_limit=time_limit), None
    except FlyerError as exc:
        return None, exc.problems


# --- on worker processes -----------------------------------------------------

def _start_worker(root: Path, package: str, build_pid: int,
                  cache_env: str | None = None) -> None:
    # Ctrl-C is the main process's to handle: it stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The forkserver keeps the environment it started with: the cache
    # folder is the build's (workers keep prepared pictures there).
    if cache_env is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = cache_env
    # A killed build leaves no worker behind, and no worker takes the
    # machine's memory (a MemoryError instead, reported as an error).
    from .lifeline import limit_memory, watch

    watch(build_pid)
    limit_memory(MEMORY_LIMIT)
    import flyers

    if str(Path(flyers.__file__).resolve().parent) != package:
        raise RuntimeError(f'worker runs flyers from {flyers.__file__}, the '
                           f'build from {package}')
    _producer(root)


_CONTEXT = None


def _context():
    """The forkserver, with WeasyPrint preloaded, set up once."""
    global _CONTEXT
    if _CONTEXT is None:
        # The forkserver imports this package by name: from the same folder
        # as this process, not whichever copy its own sys.path finds first.
        package = str(Path(__file__).resolve().parent.parent)
        paths = os.environ.get('PYTHONPATH', '').split(os.pathsep)
        if paths[:1] != [package]:
            os.environ['PYTHONPATH'] = os.pathsep.join(
                [package] + [p for p in paths if p])
        methods = multiprocessing.get_all_start_methods()
        _CONTEXT = multiprocessing.get_context(
            'forkserver' if 'forkserver' in methods else 'spawn')
        if 'forkserver' in methods:
            _CONTEXT.set_forkserver_preload(list(PRELOAD))
    return _CONTEXT


# Imported once by the forkserver, so that no worker pays for them: the
# builder and WeasyPrint, and what the preflight and the proofs use.
PRELOAD = ('flyers.produce', 'flyers.preflight.content',
           'flyers.preflight.drawchecks',
           'flyers.preflight.document', 'flyers.preflight.raster',
           'flyers.proofs', 'pikepdf', 'pypdfium2', 'zxingcpp',
           'PIL.ImageDraw', 'PIL.ImageMath', 'PIL.PngImagePlugin',
           'PIL.TiffImagePlugin')


def start_early() -> None:
    """Start the forkserver now, while this process loads the content: for
    builds that know they will build (--no-cache)."""
    context = _context()
    if context.get_start_method() == 'forkserver':
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _run_on_workers(root, todo, staging, proofs, finished, count,
                    time_limit, pictured) -> None:
    package = str(Path(__file__).resolve().parent)
    pool = ProcessPoolExecutor(max_workers=count, mp_context=_context(),
                               initializer=_start_worker,
                               initargs=(root, package, os.getpid(),
                                         os.environ.get(CACHE_ENV)))
    # Between two outputs finishing, no more than one output's time limit
    # (and the grace) can pass: each busy worker started its output no
    # earlier than the last one finished.  Past it a worker is stuck.
    patience = time_limit + GRACE_SECONDS if time_limit else None
    try:
        futures = {pool.submit(_work, root, job, date, staging,
                               proofs and index in pictured, time_limit):
                   (index, key, job) for index, job, date, key in todo}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=patience,
                                 return_when=FIRST_COMPLETED)
            if not done:
                _kill_workers(pool)
                names = ', '.join(sorted(futures[f][2].path for f in pending))
                index, key, _ = futures[next(iter(pending))]
                finished(index, key, None, [Problem('(build)', (
                    'a build process stopped answering and was ended '
                    f'while building one of: {names}; a layout may make '
                    'WeasyPrint work for ever: build again with --jobs 1 '
                    'to find which'))])
                pool.shutdown(wait=False, cancel_futures=True)
                return
            if _finish(futures, done, pending, finished):
                break
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(cancel_futures=True)


def _finish(futures, done, pending, finished) -> bool:
    """Report the futures in ``done``; True when the pool broke."""
    for future in done:
        index, key, job = futures[future]
        try:
            result, problems = future.result()
        except BrokenProcessPool:
            # Every pending job fails with the pool: which one killed
            # it is not known, so name them all.
            names = ', '.join(sorted(futures[f][2].path
                                     for f in done | pending))
            finished(index, key, None, [Problem('(build)', (
                'a build process stopped unexpectedly (out of memory?) '
                f'while building one of: {names}; build again with '
                '--jobs 1 to find which'))])
            return True
        finished(index, key, result, problems)
    return False


def _kill_workers(pool) -> None:
    for process in list((pool._processes or {}).values()):
        try:
            process.kill()
        except (OSError, AttributeError):
            pass
