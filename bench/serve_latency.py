#!/usr/bin/env python3
"""Benchmark: from saving a stylesheet to the updated picture in the preview.

Not part of the test suite.  Starts the preview server in-process on a copy
of the project, saves the A5 leaflet's style.css N times, and measures each
time until the server publishes the rebuilt print-edition pages (what the
open browser page then fetches).  Target (issue 4): at most 1 s.
Usage: python bench/serve_latency.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from flyers.serve import start

    work = Path(tempfile.mkdtemp(prefix='flyers-serve-bench-'))
    try:
        for name in ('layouts', 'brands', 'assets', 'printshops', 'content'):
            shutil.copytree(ROOT / name, work / name)
        preview = start(work, 0)
        previewer, stop = preview.previewer, threading.Event()
        preview.serve_in_background()
        # The command rebuilds on its main thread; here the main thread
        # measures, so rebuilds run on a helper thread.
        threading.Thread(target=preview.rebuild_until, args=(stop,),
                         daemon=True).start()
        css = work / 'layouts' / 'leaflet-a5' / 'style.css'
        original = css.read_text('utf-8')
        times = []
        for run in range(args.runs):
            state = previewer.state
            with state.changed:
                version = state.version
            started = time.perf_counter()
            css.write_text(original + f'\n/* save {run} */\n', 'utf-8')
            with state.changed:
                state.changed.wait_for(lambda: state.version != version,
                                       timeout=30)
            times.append(time.perf_counter() - started)
            print(f'  save {run + 1}: {times[-1]:.2f} s', flush=True)
            time.sleep(1.5)  # let the screen edition finish too
        stop.set()
        preview.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f'save → updated A5 leaflet picture, {args.runs} saves: '
          f'median {statistics.median(times):.2f} s, min {min(times):.2f} s, '
          f'max {max(times):.2f} s (target <= 1.00 s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
