"""How a long build reports itself: a bar on a terminal, lines elsewhere.

On a terminal, one line redraws itself — a bar, how many outputs are done,
the time so far and the output just finished — and only lines worth reading
(failures, copyfit, preflight warnings) are printed above it.  Anywhere else
(CI logs, pipes, tests) every line is printed as it comes, and nothing is
redrawn: a log must read top to bottom.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

BAR_WIDTH = 24


class Progress:
    def __init__(self, total: int, stream=None, bar: bool | None = None,
                 label: str = 'building'):
        self.stream = stream or sys.stdout
        if bar is None:
            isatty = getattr(self.stream, 'isatty', None)
            bar = bool(isatty and isatty())
        self.bar = bar and total > 0
        self.total = total
        self.done = 0
        self.label = label
        self.started = time.perf_counter()
        self.last = ''
        self._drawn = False

    def __call__(self, line: str, notable: bool = False,
                 done: bool = False) -> None:
        """One report line; ``done`` when it finishes an output (the
        preflight's line after it does not)."""
        if done:
            self.done += 1
            self.last = line.split()[1] if len(line.split()) > 1 else ''
        if not self.bar:
            print(line, file=self.stream, flush=True)
            return
        if notable:
            self._clear()
            print(line, file=self.stream, flush=True)
        self._draw()

    def _draw(self) -> None:
        width = shutil.get_terminal_size((80, 20)).columns
        filled = round(BAR_WIDTH * self.done / self.total)
        seconds = time.perf_counter() - self.started
        text = (f'{self.label} [{"#" * filled}{"-" * (BAR_WIDTH - filled)}] '
                f'{self.done}/{self.total}  {seconds:.1f} s  '
                f'{Path(self.last).name}')
        self.stream.write('\r\x1b[2K' + text[:max(10, width - 1)])
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write('\r\x1b[2K')
            self.stream.flush()
            self._drawn = False

    def close(self) -> None:
        """Take the bar away before the summary line."""
        if self.bar:
            self._clear()
