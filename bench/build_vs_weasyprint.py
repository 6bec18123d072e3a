#!/usr/bin/env python3
"""Benchmark: our build of the default content vs the bare weasyprint command.

Not part of the test suite.  Measures, as whole commands from a cold start
(interpreter start-up and imports included, as a user or CI sees them):

  ours   python make_flyers.py build            (both default PDFs)
  bare   weasyprint A.html A.pdf; weasyprint B.html B.pdf
         (the very HTML our build hands WeasyPrint, one file after the other)

Target (issue 2): ours <= 1.2 x bare.  Prints a table and, last, the ratio.
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
        for name in ('layouts', 'assets', 'printshops', 'content'):
            shutil.copytree(ROOT / name, work / name)
        ours = [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
                str(work), 'build']
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
    print(f'{"command":<44} {"median s":>9} {"min s":>7} {"peak MiB":>9}')
    print(f'{"make_flyers.py build (2 PDFs)":<44} {ours_median:>9.2f} '
          f'{min(ours_times):>7.2f} {max(ours_peaks):>9.0f}')
    print(f'{"weasyprint x 2 (same HTML, one after other)":<44} '
          f'{bare_median:>9.2f} {min(bare_times):>7.2f} '
          f'{max(bare_peaks):>9.0f}')
    print(f'runs: {args.runs}; machine: {os.cpu_count()} CPUs')
    print(f'build / bare weasyprint: {ours_median / bare_median:.2f}x '
          '(target <= 1.20x)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
