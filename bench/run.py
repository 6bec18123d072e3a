#!/usr/bin/env python3
"""Benchmark: a catalogue of 40 print PDFs, our build against the alternatives.

Not part of the test suite.  Writes 20 variants of the seed campaign
(content/v01.yaml … v20.yaml: other titles, fewer proposals, sections,
questions and links) into a throw-away copy of the project and makes the
print edition of each in the two default layouts, leaflet-a5 and poster-a3:
40 PDFs.  Measures once each, as whole commands from a cold start
(interpreter start-up and imports included, as a user or CI sees them):

  ours, default jobs  make_flyers.py build --edition print --no-cache
                      (one long-lived worker process per CPU)
  ours, --jobs 1      the same, everything in one process
  naive loop          weasyprint A.html A.pdf; weasyprint B.html B.pdf; …
                      (the very HTML our build hands WeasyPrint, got with
                      --html, one command after the other)
  no-op rebuild       build --edition print a second time, nothing changed
                      (every output from the cache)
  layout touched      the same after a CSS comment is appended to
                      poster-a3/style.css (only the 20 posters rebuilt)

and, in one warm process, WeasyPrint's own in-process render of the 40 HTML
files (HTML(...).write_pdf, after one warm-up render).  The --jobs 1 build's
progress lines give its render and preflight seconds per output.

Peak memory: of each command's process (os.wait4) and, for the default-jobs
build, of each worker: they are forked from a forkserver, out of wait4's
sight, so /proc is sampled every 50 ms for the build's descendants (VmHWM).

SOURCE_DATE_EPOCH is set for every run, so dates are fixed and the no-op
rebuild is a true no-op; the cache lives in the throw-away folder.

Targets: the no-op rebuild takes < 1/10 of the full build; ours (--jobs 1)
costs <= 1.2 x WeasyPrint in-process per output; <= 300 MB per worker.
Prints a Markdown table, the figures against the targets and, last, the
speed-up of ours (default jobs) over the naive loop.
Usage: python bench/run.py [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / 'content' / 'trygghet-vasteras.yaml'
LAYOUTS = ('leaflet-a5', 'poster-a3')
TOUCHED = 'poster-a3'  # the layout whose style.css the rebuild touches
SOURCE_DATE_EPOCH = '1767225600'  # 2026-01-01 00:00 UTC
SAMPLE_SECONDS = 0.05
MIB = 1024 * 1024

# Realistic headlines, about as long as the seed's (its pages are near full).
TITLES = (
    'Trygghet i Västerås', 'Ett tryggare Västerås', 'Trygga skolor',
    'Tryggt i Bäckby', 'Trygghet för alla', 'Västerås ska vara tryggt',
    'Trygga stadsdelar', 'Förebygg brotten', 'Tryggare kvällar',
    'Trygghet börjar tidigt', 'Unga ska vara trygga', 'En trygg stad',
    'Trygghet i Skultuna', 'Närvaro skapar trygghet', 'Bryt nyrekryteringen',
    'Tryggt hela vägen hem', 'Trygghet i Hallstahammar', 'Trygghet i Köping',
    'Lokalt trygghetsarbete', 'Trygghet på riktigt',
)


class Failed(Exception):
    """A command of the benchmark failed: its command line and stderr."""


# --- the catalogue -----------------------------------------------------------

def variants(count: int) -> dict[str, dict]:
    """``count`` different campaigns cut down from the seed: each keeps a
    different set of proposals, sections, questions, links and intro
    paragraphs under its own headline.  Only ever removes text: the seed
    nearly fills its pages, and the build refuses what overflows."""
    seed = yaml.safe_load(SEED.read_text('utf-8'))
    proposal_masks = (15, 7, 11, 13, 14, 3, 5, 9, 6, 10,
                      12, 1, 2, 4, 8, 15, 7, 14, 11, 13)
    campaigns = {}
    for i in range(count):
        name = f'v{i + 1:02d}'
        data = json.loads(json.dumps(seed))  # a deep copy
        data['title'] = TITLES[i % len(TITLES)]
        data['url'] = f'{seed["url"]}/{name}'
        if i % 5 == 4:
            del data['subtitle']
        if i % 3 == 2:
            data['intro'] = data['intro'][:1]
        items = data['proposals']['items']
        items[:] = [item for bit, item in enumerate(items)
                    if proposal_masks[i % 20] >> bit & 1]
        if i % 7 == 3:
            for item in items:
                item.pop('text', None)
        data['sections'] = [data['sections'], data['sections'][:1],
                            data['sections'][1:], []][i % 4]
        if not data['sections']:
            del data['sections']
        faq = data['faq']['items']
        faq[:] = faq[:3 - (i // 2) % 4]
        if not faq:
            del data['faq']
        links = data['further_reading']['links']
        links[:] = [link for k, link in enumerate(links) if (i + k) % 4]
        if i % 6 == 5:
            del data['call_to_action']
        campaigns[name] = data
    return campaigns


def make_project(work: Path, count: int) -> None:
    """A throw-away copy of the project with ``count`` content variants."""
    for name in ('layouts', 'brands', 'assets', 'printshops'):
        shutil.copytree(ROOT / name, work / name)
    (work / 'content').mkdir()
    for name, data in variants(count).items():
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False,
                              width=10_000)
        (work / 'content' / f'{name}.yaml').write_text(
            f'# Benchmark variant {name} of {SEED.name}\n{text}', 'utf-8')


# --- running and measuring commands ------------------------------------------

@dataclass
class Run:
    seconds: float
    peak_mib: float  # os.wait4: the process (and descendants it reaped)
    output: str = ''  # stdout then stderr
    workers: dict[int, float] = field(default_factory=dict)  # pid → MiB
    tools: dict[int, float] = field(default_factory=dict)  # pid → MiB
    main_sampled_mib: float = 0.0


class TreeSampler(threading.Thread):
    """Samples /proc every ``SAMPLE_SECONDS`` for the descendants of one
    process and keeps each one's peak (VmHWM; a new one when a process
    execs another program).  Workers are the Python processes started by
    the process itself or by multiprocessing's helpers (forkserver,
    resource tracker) and seen in two samples at least (not a fork on its
    way to exec a tool); the other non-Python descendants are the tools
    the workers run (Ghostscript, …)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.done = threading.Event()
        self.tracked: dict[int, int] = {}  # live descendant → its parent
        self.parents: dict[int, int] = {}  # every descendant → its parent
        self.helpers: set[int] = set()
        self.names: dict[int, str] = {}  # pid → program name, last seen
        self.samples: dict[int, int] = {}  # pid → samples under that name
        self.peaks: dict[int, float] = {}  # pid → MiB, under that name

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            self.done.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self.done.set()
        self.join()

    def sample(self) -> None:
        parents, names = _processes()
        # Forget what has ended (its pid may be reused); keep the rest even
        # when orphaned and adopted by init.
        self.tracked = {pid: parent for pid, parent in self.tracked.items()
                        if pid in parents}
        grown = True
        while grown:
            grown = False
            for pid, parent in parents.items():
                if pid not in self.tracked and (
                        parent == self.pid or parent in self.tracked):
                    self.tracked[pid] = self.parents[pid] = parent
                    grown = True
        # A helper is known by its command line, which it has only once it
        # has exec'd: a fork seen before that is looked at again.
        for pid, parent in self.tracked.items():
            if (parent == self.pid and pid not in self.helpers
                    and _is_helper(pid)):
                self.helpers.add(pid)
        for pid in [self.pid, *self.tracked]:
            peak = _peak_mib(pid)
            if not peak:
                continue
            if self.names.get(pid) != names[pid]:  # new, or exec'd
                self.names[pid] = names[pid]
                self.samples[pid] = 0
                self.peaks[pid] = 0.0
            self.samples[pid] += 1
            self.peaks[pid] = max(peak, self.peaks[pid])

    def workers(self) -> dict[int, float]:
        starters = {self.pid, *self.helpers}
        return {pid: mib for pid, mib in self.peaks.items()
                if self.names[pid].startswith('python')
                and pid not in starters and self.samples[pid] >= 2
                and self.parents.get(pid) in starters}

    def tools(self) -> dict[int, float]:
        return {pid: mib for pid, mib in self.peaks.items()
                if not self.names[pid].startswith('python')}


def _processes() -> tuple[dict[int, int], dict[int, str]]:
    """Every process's parent and program name, from /proc/PID/stat."""
    parents, names = {}, {}
    for entry in os.scandir('/proc'):
        if entry.name.isdigit():
            try:
                with open(f'/proc/{entry.name}/stat', 'rb') as file:
                    stat = file.read()
            except OSError:
                continue
            # "pid (comm) state ppid …": comm may hold spaces and brackets.
            pid = int(entry.name)
            head, _, tail = stat.rpartition(b')')
            names[pid] = head.partition(b'(')[2].decode('utf-8', 'replace')
            parents[pid] = int(tail.split()[1])
    return parents, names


def _is_helper(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as file:
            command = file.read()
    except OSError:
        return False
    return b'forkserver import main' in command or b'resource_tracker' in command


def _peak_mib(pid: int) -> float:
    """VmHWM (peak resident set) of a live process, 0 if gone."""
    try:
        with open(f'/proc/{pid}/status') as file:
            for line in file:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(command: list[str], cwd: Path, sample: bool = False) -> Run:
    """Run one command to its end: wall seconds, peak RSS from os.wait4,
    its output and, with ``sample``, the peaks of its descendants."""
    environment = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH,
                       FLYERS_CACHE_DIR=str(cwd / '.cache'))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=environment,
                                   stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=err)
        sampler = TreeSampler(process.pid) if sample else None
        if sampler:
            sampler.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            if sampler:
                sampler.stop()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode('utf-8', 'replace')
        stderr = err.read().decode('utf-8', 'replace')
    if process.returncode:
        raise Failed(f'failed ({process.returncode}): {" ".join(command)}\n'
                     f'{stderr or stdout}')
    result = Run(seconds, usage.ru_maxrss / 1024, stdout + stderr)
    if sampler:
        result.workers = sampler.workers()
        result.tools = sampler.tools()
        result.main_sampled_mib = sampler.peaks.get(process.pid, 0.0)
    return result


# --- what the build prints ---------------------------------------------------

BUILT = re.compile(r'^built\s+(\S+)\s+\(\d+ pages?, ([\d.]+) s\)', re.M)
PREFLIGHT = re.compile(r'^preflight\s+(\S+): .*\(([\d.]+) s\)\s*$', re.M)
SUMMARY = re.compile(r'(\d+) built (?:on \d+ process(?:es)?|in one process)'
                     r', (\d+) from the cache')


def summary_line(output: str) -> str:
    """The build's last line, the part in brackets: how it was built."""
    lines = [line for line in output.splitlines()
             if 'built and preflighted' in line]
    if not lines:
        return '(no summary line)'
    match = re.search(r'\((.*?)\);', lines[-1])
    return match.group(1) if match else lines[-1]


def built_and_cached(output: str) -> tuple[int, int | None] | None:
    """How many outputs the build made and took from the cache (None: all
    of them), from its last line; None if not recognised."""
    line = summary_line(output)
    if line.startswith('all from the cache'):
        return 0, None
    match = SUMMARY.search(line)
    return (int(match.group(1)), int(match.group(2))) if match else None


def stage_means(output: str, count: int) -> tuple[float, float] | None:
    """Mean render and preflight seconds per output, from the progress
    lines; None unless there is one of each per output."""
    render = [float(s) for _, s in BUILT.findall(output)]
    preflight = [float(s) for _, s in PREFLIGHT.findall(output)]
    if len(render) != count or len(preflight) != count:
        return None
    return statistics.fmean(render), statistics.fmean(preflight)


# --- WeasyPrint in one warm process ------------------------------------------

IN_PROCESS = '''
import json, sys, time
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

jobs = json.load(open(sys.argv[1]))
fc = FontConfiguration()

def render(html, base, target):
    HTML(filename=html, base_url=base).write_pdf(target, font_config=fc)

render(*jobs[0])  # warm-up, not counted
times = []
for job in jobs:
    started = time.perf_counter()
    render(*job)
    times.append(time.perf_counter() - started)
with open(sys.argv[2], 'w') as file:
    json.dump(times, file)
'''


# --- the benchmark -----------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='4 variants (8 outputs) instead of 20 (40)')
    parser.add_argument('--keep', action='store_true',
                        help='keep the throw-away project and print its path')
    args = parser.parse_args()

    weasyprint = shutil.which('weasyprint', path=str(Path(sys.executable).parent)) \
        or shutil.which('weasyprint')
    if not weasyprint:
        print('the weasyprint command is not installed', file=sys.stderr)
        return 1

    work = Path(tempfile.mkdtemp(prefix='flyers-bench-run-'))
    try:
        figures = measure(work, 4 if args.quick else 20, weasyprint)
    except Failed as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f'kept: {work}', file=sys.stderr, flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    report(figures)
    return 0


def step(text: str) -> None:
    """Say what is being measured (on stderr: stdout is the report)."""
    print(f'… {text}', file=sys.stderr, flush=True)


def measure(work: Path, variant_count: int, weasyprint: str) -> dict:
    make_project(work, variant_count)
    count = variant_count * len(LAYOUTS)
    ours = [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
            str(work), 'build', '--edition', 'print']

    # One build with --html gives the exact HTML WeasyPrint receives; keep
    # it aside (later builds rewrite output/).
    step(f'building {count} outputs once with --html')
    run(ours + ['--no-cache', '--html'], work)
    manifest = json.loads((work / 'output' / 'manifest.json').read_text())
    outputs = manifest['outputs']
    if len(outputs) != count or {o['layout'] for o in outputs} != set(LAYOUTS):
        raise Failed(f'expected {count} outputs in {", ".join(LAYOUTS)}, '
                     f'the build made {len(outputs)}')
    (work / 'html').mkdir()
    (work / 'naive').mkdir()
    (work / 'in-process').mkdir()
    pages = []  # (html, base URL, name)
    for entry in outputs:
        source = work / entry['path'].replace('.pdf', '.html')
        html = work / 'html' / source.name
        shutil.copyfile(source, html)
        base = (work / 'layouts' / entry['layout']).as_uri() + '/'
        pages.append((html, base, source.stem))

    figures = {'count': count, 'load_before': os.getloadavg()[0]}
    step('ours, default jobs')
    figures['default'] = run(ours + ['--no-cache'], work, sample=True)
    step('ours, --jobs 1')
    figures['one'] = run(ours + ['--no-cache', '--jobs', '1'], work)

    step(f'naive loop: weasyprint × {count}')
    started = time.perf_counter()
    peaks = [run([weasyprint, '-u', base, str(html),
                  str(work / 'naive' / f'{name}.pdf')], work).peak_mib
             for html, base, name in pages]
    figures['naive'] = Run(time.perf_counter() - started, max(peaks))

    step('no-op rebuild')
    run(ours, work)  # fills the cache (it may be full already)
    figures['noop'] = run(ours, work)

    step(f'rebuild after touching {TOUCHED}/style.css')
    css = work / 'layouts' / TOUCHED / 'style.css'
    css.write_text(css.read_text('utf-8') + '\n/* bench: touched */\n',
                   'utf-8')
    figures['touched'] = run(ours, work)

    step('WeasyPrint in-process')
    jobs = work / 'in-process.json'
    jobs.write_text(json.dumps([
        [str(html), base, str(work / 'in-process' / f'{name}.pdf')]
        for html, base, name in pages]))
    times_file = work / 'in-process-times.json'
    warm = run([sys.executable, '-c', IN_PROCESS, str(jobs), str(times_file)],
               work)
    times = json.loads(times_file.read_text())
    figures['in_process'] = Run(sum(times), warm.peak_mib)
    figures['load_after'] = os.getloadavg()[0]
    return figures


def report(figures: dict) -> None:
    count = figures['count']
    default, one, naive = figures['default'], figures['one'], figures['naive']
    noop, touched, warm = figures['noop'], figures['touched'], figures['in_process']
    workers = default.workers
    worker_peak = max(workers.values(), default=0.0)
    # The main process's own peak (sampled) beside wait4's figure, which
    # also covers any descendant it reaped.
    main_peak = default.main_sampled_mib or default.peak_mib

    touched_counts = built_and_cached(touched.output)
    rebuilt = (f'{touched_counts[0]} rebuilt' if touched_counts
               else 'see below')

    def row(name, outputs, result, main=None, worker=None):
        peak = result.peak_mib if main is None else main
        print(f'| {name} | {outputs} | {result.seconds:.2f} | '
              f'{result.seconds / count:.3f} | {peak:.0f} | {worker or "–"} |')

    print()
    print('| measurement | outputs | wall s | s per output | peak MiB, main '
          '| peak MiB, per worker |')
    print('|---|---:|---:|---:|---:|---:|')
    row(f'ours, default jobs ({len(workers)} workers)', count, default,
        main=main_peak, worker=f'{worker_peak:.0f}' if workers else None)
    row('ours, --jobs 1', count, one)
    row(f'naive loop: weasyprint command × {count}', count, naive)
    row('no-op rebuild (all from the cache)', count, noop)
    row(f'rebuild, {TOUCHED}/style.css touched', f'{count} ({rebuilt})',
        touched)
    row('WeasyPrint in-process, warm (render only)', count, warm)
    print()

    stages = stage_means(one.output, count)
    if stages:
        print(f'ours --jobs 1, render stage per output (progress lines): '
              f'{stages[0]:.3f} s render + {stages[1]:.3f} s preflight')
    else:
        print('ours --jobs 1, render stage per output: n/a (progress lines '
              'not recognised)')

    noop_line = summary_line(noop.output)
    fraction = noop.seconds / default.seconds
    print(f'no-op rebuild: {noop.seconds:.2f} s = {fraction:.3f} of the full '
          f'build (1/{1 / fraction:.0f}; target < 1/10: '
          f'{verdict(fraction < 0.1)})'
          + ('' if noop_line.startswith('all from the cache')
             else f' — NOT a no-op: "{noop_line}"'))
    expected = f'{count // 2} built, {count // 2} from the cache'
    print(f'{TOUCHED}/style.css touched: "{summary_line(touched.output)}" '
          f'(expected {expected}: '
          f'{verdict(touched_counts == (count // 2, count // 2))})')

    ours_per = one.seconds / count
    warm_per = warm.seconds / count
    ratio = ours_per / warm_per
    print(f'per output: ours --jobs 1 {ours_per:.3f} s vs WeasyPrint '
          f'in-process {warm_per:.3f} s: {ratio:.2f}x (target <= 1.20x: '
          f'{verdict(ratio <= 1.2)})'
          + (f'; render stage alone {stages[0] / warm_per:.2f}x'
             if stages else ''))
    tools = (f'; tools they run (e.g. Ghostscript) up to '
             f'{max(default.tools.values()):.0f} MiB' if default.tools else '')
    if workers:
        print(f'peak memory per worker: {worker_peak:.0f} MiB '
              f'({worker_peak * MIB / 1e6:.0f} MB; {len(workers)} workers; '
              f'target <= 300 MB: {verdict(worker_peak * MIB <= 300e6)}); '
              f'main process {main_peak:.0f} MiB (wait4: '
              f'{default.peak_mib:.0f} MiB){tools}')
    else:
        print(f'peak memory per worker: n/a (no worker process seen); '
              f'main process {main_peak:.0f} MiB')
    print(f'machine: {os.cpu_count()} CPUs, load average '
          f'{figures["load_before"]:.1f} before, {figures["load_after"]:.1f} '
          f'after; one run of each; '
          f'SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH}')
    print(f'speed-up vs naive loop: {naive.seconds / default.seconds:.1f}x')


def verdict(met: bool) -> str:
    return 'met' if met else 'NOT met'


if __name__ == '__main__':
    sys.exit(main())
