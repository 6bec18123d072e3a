"""A Ghostscript that stays: one process renders PDF after PDF.

In: the bytes of a PDF and Ghostscript's device options.  Out: the page
pictures Ghostscript made of it (one TIFF file per page) and what it said.

Starting Ghostscript costs about as much CPU as rendering a leaflet at the
ink check's resolution, so each build process keeps one (one per thread that
needs one at the same moment) and feeds it one PDF after another through its
standard input, as PostScript::

    << /OutputFile (DIR/7-%d.tif) >> setpagedevice
    { (DIR/7.pdf) run } stopped { (flyers-failed 7) = } if
    (flyers-done 7) = flush

Ghostscript runs with -dSAFER and may read and write only its own temporary
folder (--permit-file-all).  A file it cannot read is reported and the
process goes on with the next; one that stops or hangs is killed and a new
one started for the next file.  The processes end with the process that
started them (the end of their standard input stops them in any case).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_DONE = 'flyers-done'
_FAILED = 'flyers-failed'


class GhostscriptError(Exception):
    """Ghostscript stopped, hung or is not installed: the words say which."""


@dataclass
class Pictures:
    """What one PDF gave: its page pictures in page order, Ghostscript's
    messages, and whether the PDF interpreter gave up on the file."""

    pages: list[Path]
    said: list[str] = field(default_factory=list)
    failed: bool = False


class Ghostscript:
    """One Ghostscript process with a device set up once."""

    def __init__(self, options: tuple[str, ...]):
        program = shutil.which('gs')
        if program is None:
            raise GhostscriptError('Ghostscript (gs) is not installed')
        self.options = options
        self.folder = Path(tempfile.mkdtemp(prefix='flyers-gs-'))
        self.count = 0
        self.buffer = b''
        self.process = subprocess.Popen(
            # No file named: Ghostscript reads its standard input as a
            # terminal, statement by statement (with "-" it would wait for
            # the end of it).
            [program, '-q', '-dNOPAUSE', '-dNOPROMPT', '-dSAFER',
             f'--permit-file-all={self.folder}{os.sep}', *options,
             f'-sOutputFile={self.folder / "idle-%d.tif"}'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)

    def submit(self, data: bytes) -> int:
        """Hand over one PDF; it is rendered while the caller goes on."""
        self.count += 1
        number = self.count
        pdf = self.folder / f'{number}.pdf'
        pdf.write_bytes(data)
        pages = _ps_string(str(self.folder / f'{number}-%d.tif'))
        self.process.stdin.write(
            f'<< /OutputFile {pages} >> setpagedevice\n'
            f'{{ {_ps_string(str(pdf))} run }} stopped '
            f'{{ ({_FAILED} {number}) = }} if\n'
            f'({_DONE} {number}) = flush\n'.encode())
        self.process.stdin.flush()
        return number

    def collect(self, number: int, timeout: float) -> Pictures:
        """Wait for the pictures of PDF ``number``.  Raises
        GhostscriptError if Ghostscript stops or takes longer than
        ``timeout`` seconds (it is then no good for another file)."""
        said, failed = [], False
        deadline = time.monotonic() + timeout
        while True:
            line = self._line(deadline)
            if line == f'{_DONE} {number}':
                break
            if line == f'{_FAILED} {number}':
                failed = True
            elif line.strip():
                said.append(line.strip())
        (self.folder / f'{number}.pdf').unlink(missing_ok=True)
        found = []
        for path in self.folder.glob(f'{number}-*.tif'):
            match = re.fullmatch(rf'{number}-(\d+)\.tif', path.name)
            if match:
                found.append((int(match.group(1)), path))
        return Pictures([path for _, path in sorted(found)], said, failed)

    def discard(self, pictures: Pictures) -> None:
        for path in pictures.pages:
            with contextlib.suppress(OSError):
                path.unlink()

    def _line(self, deadline: float) -> str:
        stdout = self.process.stdout.fileno()
        while b'\n' not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise GhostscriptError('took too long (it was stopped)')
            ready, _, _ = select.select([stdout], [], [], left)
            if ready:
                chunk = os.read(stdout, 65536)
                if not chunk:
                    last = self.buffer.decode('utf-8', 'replace').strip()
                    raise GhostscriptError(
                        f'stopped ({last or "no message"})')
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b'\n')
        return line.decode('utf-8', 'replace')

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError, ValueError):
            self.process.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- one pool per process ----------------------------------------------------

_LOCK = threading.Lock()
_IDLE: dict[tuple[str, ...], list[Ghostscript]] = {}
_ALL: list[Ghostscript] = []
_OWNER = 0  # the process the pool belongs to (a forked child starts anew)


def acquire(options: tuple[str, ...]) -> Ghostscript:
    """An idle Ghostscript with these options, or a new one."""
    global _OWNER
    with _LOCK:
        if _OWNER != os.getpid():
            # Forked: the parent's processes are the parent's to use.
            _IDLE.clear()
            _ALL.clear()
            _OWNER = os.getpid()
            atexit.register(close_all)
            with contextlib.suppress(ImportError):
                from multiprocessing import util
                # Worker processes leave through os._exit: no atexit.
                util.Finalize(None, close_all, exitpriority=0)
        idle = _IDLE.get(options)
        if idle:
            return idle.pop()
    ghostscript = Ghostscript(options)
    with _LOCK:
        _ALL.append(ghostscript)
    return ghostscript


def release(ghostscript: Ghostscript, healthy: bool = True) -> None:
    """Give it back for the next file, or end it if it went wrong."""
    if healthy and ghostscript.process.poll() is None:
        with _LOCK:
            _IDLE.setdefault(ghostscript.options, []).append(ghostscript)
        return
    with _LOCK:
        if ghostscript in _ALL:
            _ALL.remove(ghostscript)
    with contextlib.suppress(OSError):
        ghostscript.process.kill()
    ghostscript.close()


def close_all() -> None:
    with _LOCK:
        if _OWNER != os.getpid():
            return
        running = list(_ALL)
        _ALL.clear()
        _IDLE.clear()
    for ghostscript in running:
        ghostscript.close()


def _ps_string(text: str) -> str:
    """A PostScript string literal."""
    escaped = (text.replace('\\', '\\\\').replace('(', '\\(')
               .replace(')', '\\)'))
    return f'({escaped})'
