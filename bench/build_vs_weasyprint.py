#!/usr/bin/env python3
"""Benchmark: our build of the default content vs the bare weasyprint command.

Not part of the test suite.  Measures, as whole commands from a cold start
(interpreter start-up and imports included, as a user or CI sees them):

  ours   python make_flyers.py build --no-cache  (every default output:
         leaflet and poster, print and screen editions, preflighted, with
         proofs, on the default worker processes)
  bare   weasyprint A.html A.pdf; weasyprint B.html B.pdf; ...
         (the very HTML our build hands WeasyPrint, one file after the other)

and, in one warm process, the phases of building the two default print
PDFs: rendering them, preflighting them, drawing their proofs.

Targets: ours <= 1.2 x bare (issue 2); the preflight adds at most 50 % to
the build (issue 3).  Prints tables and, last, the ratio.
Usage: python bench/build_vs_weasyprint.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one command (os.wait4 gives the
    resource usage of that one child)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f'failed ({process.returncode}): {" ".join(command)}')
    return seconds, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=5)
    args = parser.parse_args()

    weasyprint = shutil.which('weasyprint', path=str(Path(sys.executable).parent)) \
        or shutil.which('weasyprint')
    if not weasyprint:
        print('the weasyprint command is not installed', file=sys.stderr)
        return 1

    work = Path(tempfile.mkdtemp(prefix='flyers-bench-'))
    try:
        for name in ('layouts', 'brands', 'assets', 'printshops', 'content'):
            shutil.copytree(ROOT / name, work / name)
        # --no-cache: every run builds everything (the cache would make
        # every run after the first a no-op; bench/run.py measures that).
        ours = [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
                str(work), 'build', '--no-cache']
        # One build with --html gives the exact HTML WeasyPrint receives.
        subprocess.run(ours + ['--html'], check=True, capture_output=True)
        manifest = json.loads((work / 'output' / 'manifest.json').read_text())
        bare = []
        for entry in manifest['outputs']:
            html = work / entry['path'].replace('.pdf', '.html')
            base = (work / 'layouts' / entry['layout']).as_uri() + '/'
            bare.append([weasyprint, '-u', base, str(html),
                         str(work / 'bare.pdf')])

        ours_times, bare_times, ours_peaks, bare_peaks = [], [], [], []
        for _ in range(args.runs):
            seconds, peak = timed(ours, work)
            ours_times.append(seconds)
            ours_peaks.append(peak)
            total = 0.0
            for command in bare:
                seconds, peak = timed(command, work)
                total += seconds
                bare_peaks.append(peak)
            bare_times.append(total)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ours_median = statistics.median(ours_times)
    bare_median = statistics.median(bare_times)
    count = len(bare)
    print(f'{"command":<48} {"median s":>9} {"min s":>7} {"peak MiB":>9}')
    print(f'{f"make_flyers.py build ({count} PDFs, preflight, proofs)":<48} '
          f'{ours_median:>9.2f} {min(ours_times):>7.2f} '
          f'{max(ours_peaks):>9.0f}')
    print(f'{f"weasyprint x {count} (same HTML, one after other)":<48} '
          f'{bare_median:>9.2f} {min(bare_times):>7.2f} '
          f'{max(bare_peaks):>9.0f}')
    print(f'runs: {args.runs}; machine: {os.cpu_count()} CPUs')
    print()
    phases = phase_times(args.runs)
    render = phases['render']
    print(f'{"phase (2 default print PDFs, warm process)":<48} '
          f'{"median s":>9} {"of render":>10}')
    for name, seconds in phases.items():
        print(f'{name:<48} {seconds:>9.3f} {seconds / render:>9.0%}')
    print(f'preflight adds {phases["preflight"] / render:.0%} to the build '
          '(target <= 50%)')
    print(f'build / bare weasyprint: {ours_median / bare_median:.2f}x '
          '(target <= 1.20x)')
    return 0


def phase_times(runs: int) -> dict[str, float]:
    """Render, preflight and proofs of the two print PDFs, in-process and
    warm (the first, cold round is not counted)."""
    sys.path.insert(0, str(ROOT))
    from flyers import build, verify
    from flyers.proofs import contact_sheet, page_previews

    times: dict[str, list[float]] = {'render': [], 'preflight': [],
                                     'proofs': []}
    jobs = build.load_everything(ROOT, [], [], 'default', ('print',))
    for round_ in range(runs + 1):
        started = time.perf_counter()
        report = build.render_all(ROOT, jobs, lambda message: None)
        rendered = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            verify.preflight_all(ROOT, report, Path(folder),
                                lambda message: None)
            checked = time.perf_counter()
            previews = []
            for result in report.results:
                previews += page_previews(Path(folder) /
                                          Path(result.job.path).name,
                                          result.job.path, result.job.safe_mm)
            contact_sheet(previews)
        proofed = time.perf_counter()
        if round_:
            times['render'].append(rendered - started)
            times['preflight'].append(checked - rendered)
            times['proofs'].append(proofed - checked)
    return {name: statistics.median(values) for name, values in times.items()}


if __name__ == '__main__':
    sys.exit(main())
