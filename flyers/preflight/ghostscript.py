"""A Ghostscript that stays: one process renders PDF after PDF.

In: the bytes of a PDF and Ghostscript's device options.  Out: the page
pictures Ghostscript made of it (one TIFF file per page) and what it said.

Starting Ghostscript costs about as much CPU as rendering a leaflet at the
ink check's resolution, so each build process keeps one (one per thread that
needs one at the same moment) and feeds it one PDF after another through its
standard input, as PostScript::

    save << /OutputFile (DIR/7-%d.tif) >> setpagedevice
    { (DIR/7.pdf) (r) file runpdf } stopped { (TOKEN failed) = } if
    restore (TOKEN done) = flush

Each file is read by the PDF interpreter whatever it starts with (``run``
would run a file that is not a PDF as a PostScript program, one that could
change what the next files give), inside save … restore, so nothing one
file does outlasts it; the end of each file is told by a random token that
no file can know.  Ghostscript runs with -dSAFER and may read and write only
its own temporary folder (--permit-file-all, and TMPDIR pointed there: it
would otherwise allow the whole system temporary folder).  A file it cannot
read is reported and the process goes on with the next; one that stops or
hangs is killed and a new one started for the next file.  The processes end
with the process that started them (the end of their standard input stops
them in any case); the folders of processes killed before they could tidy
up are removed by the next one that starts.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import secrets
import select
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..lifeline import die_with_parent

_PREFIX = 'flyers-gs-'


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
            raise GhostscriptError('Ghostscript (gs) is not installed; the '
                                   'ink check needs it: install the package '
                                   '"ghostscript"')
        self.options = options
        self.count = 0
        self.buffer = b''
        self.token = secrets.token_hex(16)
        self.folder = None
        try:
            self.folder = Path(tempfile.mkdtemp(
                prefix=f'{_PREFIX}{os.getpid()}-'))
            self.process = self._start(program)
        except OSError as exc:
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)
            raise GhostscriptError(f'Ghostscript could not be started '
                                   f'({exc})') from None

    def _start(self, program: str) -> subprocess.Popen:
        return subprocess.Popen(
            # No file named: Ghostscript reads its standard input as a
            # terminal, statement by statement (with "-" it would wait for
            # the end of it).
            [program, '-q', '-dNOPAUSE', '-dNOPROMPT', '-dSAFER',
             f'--permit-file-all={self.folder}{os.sep}', *self.options,
             f'-sOutputFile={_percent(self.folder)}/idle-%d.tif'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, 'TMPDIR': str(self.folder)},
            # It dies with the process that started it (a killed build).
            preexec_fn=die_with_parent)

    def submit(self, data: bytes) -> int:
        """Hand over one PDF; it is rendered while the caller goes on."""
        self.count += 1
        number = self.count
        pdf = self.folder / f'{number}.pdf'
        pdf.write_bytes(data)
        pages = _ps_string(f'{_percent(self.folder)}/{number}-%d.tif')
        self.process.stdin.write(
            f'save << /OutputFile {pages} >> setpagedevice\n'
            f'{{ {_ps_string(str(pdf))} (r) file runpdf }} stopped '
            f'{{ ({self.token} failed {number}) = }} if\n'
            f'restore ({self.token} done {number}) = flush\n'.encode())
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
            if line == f'{self.token} done {number}':
                break
            if line == f'{self.token} failed {number}':
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
            remove_abandoned()
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


def remove_abandoned() -> None:
    """Remove the folders of Ghostscripts whose process was killed (a
    worker stopped by the pool, say) and so could not tidy up."""
    for folder in Path(tempfile.gettempdir()).glob(f'{_PREFIX}*-*'):
        owner = folder.name[len(_PREFIX):].split('-', 1)[0]
        if not owner.isdigit() or int(owner) == os.getpid():
            continue
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass  # alive, or another user's


def _percent(folder: Path) -> str:
    """A folder in an OutputFile name, where % starts a page number."""
    return str(folder).replace('%', '%%')


def _ps_string(text: str) -> str:
    """A PostScript string literal."""
    escaped = (text.replace('\\', '\\\\').replace('(', '\\(')
               .replace(')', '\\)'))
    return f'({escaped})'
