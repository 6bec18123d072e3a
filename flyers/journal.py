"""Stage 4a: all-or-nothing changes to ``output/``, even when killed.

In: the files one publish writes (target path under ``output/``, bytes).
Out: all of them in place, or none — whatever instant the process dies at.

How: every new file is first written (and flushed to disk) into a staging
folder inside ``output/`` (the same file system).  Then a journal,
``output/.publish-journal.json``, listing every move from the staging
folder to its target, is written atomically.  Then the moves are made
(``os.replace``: each is atomic) and the journal is removed.  A process
killed before the journal exists leaves the old state whole (its staging
folder is litter); one killed after it leaves a journal that the next
command to touch ``output/`` completes first (:func:`recover`), so the new
state is whole before anything reads it.

One process at a time: commands that write ``output/`` hold an exclusive
lock on the folder (``flock``, released by the kernel when a process dies), so
whatever staging folder or journal a command finds while holding the lock
belongs to a run that is over, and is finished or removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path

from .errors import FlyerError, Problem
from .inputs import read_input

JOURNAL = '.publish-journal.json'
LOCK = '.lock'
STAGING_PREFIX = '.staging-'
CHECK_PREFIX = 'flyers-check-'
# A test hook: the process kills itself (SIGKILL) at the N-th step of a
# publish, to prove that any instant leaves a whole state.
KILL_AT = 'FLYERS_TEST_KILL_AT'
JOURNAL_LIMIT = 16 * 1024 ** 2

_steps = 0


def _step() -> None:
    """One write or rename of a publish; the kill hook counts these."""
    global _steps
    _steps += 1
    wanted = os.environ.get(KILL_AT, '')
    if wanted.isdigit() and int(wanted) == _steps:
        os.kill(os.getpid(), signal.SIGKILL)


def steps_taken() -> int:
    return _steps


class Locked(FlyerError):
    pass


@contextlib.contextmanager
def locked(output: Path, shown: str = 'output/'):
    """Hold a lock on the ``output/`` folder itself (exclusively) for the
    body, so no lock file is left; a clear error if another build holds
    it."""
    try:
        fd = os.open(output, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
                     | os.O_CLOEXEC)
    except OSError as exc:
        raise FlyerError(write_problem(shown, exc)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Locked(Problem(shown, (
                'another build is writing this folder right now; wait for '
                'it to end and run this again'))) from None
        yield
    finally:
        os.close(fd)


def recover(output: Path) -> bool:
    """Finish a publish that was killed after its journal was written, and
    remove what killed runs left (staging folders, temporary files).  Call
    with the lock held.  True when a journal was completed."""
    completed = False
    journal = output / JOURNAL
    if journal.exists() or journal.is_symlink():
        try:
            moves, removes = _read_journal(output, journal)
        except Exception:  # noqa: BLE001 - damaged or not ours: not complete
            moves, removes = [], []
        for staged, target in moves:
            try:
                _move(output, staged, target)
            except (OSError, ValueError):
                pass  # something else is in the way: the build says so
        for name in removes:
            _remove(output, name)
        _fsync_dir(output)
        if journal.is_dir() and not journal.is_symlink():
            shutil.rmtree(journal, ignore_errors=True)
        else:
            journal.unlink()
        completed = bool(moves)
    for leftover in output.glob(f'{STAGING_PREFIX}*'):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
    for temp in list(output.glob('.*.tmp')) + list(
            output.glob('*/.*.tmp')):
        with contextlib.suppress(OSError):
            temp.unlink()
    return completed


def _checked_name(name) -> str:
    if (not isinstance(name, str) or not name or '\0' in name
            or Path(name).is_absolute() or '..' in Path(name).parts
            or '\\' in name or not Path(name).parts
            or Path(name).parts[0] in ('.', '')):
        raise ValueError(name)
    top = Path(name).parts[0]
    if top.startswith(JOURNAL) or top == LOCK:
        raise ValueError(name)
    return name


def _read_journal(output: Path, journal: Path):
    """The moves of a journal — each from a file directly in a staging
    folder to a path inside output/ that is not the builder's own — and
    the files it removes (outputs no longer current); anything else means
    the journal is not ours, and none of it is done."""
    # A regular file of reasonable size, never through a link (a larger
    # one is cut short and so is not JSON: not ours).
    data = json.loads(read_input(journal, JOURNAL_LIMIT, follow=False))
    removes = [_checked_name(name) for name in data.get('removes', [])]
    if any(Path(name).parts[0].startswith(STAGING_PREFIX)
           for name in removes):
        raise ValueError('removes a staging folder')
    moves = []
    for staged, target in data['moves']:
        for name in (staged, target):
            _checked_name(name)
        parts = Path(staged).parts
        top = Path(target).parts[0]
        # From a file directly in a staging folder; never onto the
        # builder's own files (staging folders, the journal).
        if (len(parts) != 2 or not parts[0].startswith(STAGING_PREFIX)
                or top.startswith(STAGING_PREFIX)
                or top.startswith(JOURNAL) or top == LOCK):
            raise ValueError(staged)
        moves.append((staged, target))
    return moves, removes


def _remove(output: Path, name: str) -> None:
    """Remove a file of an output that is no longer current — a regular
    file in real folders of output/, nothing else."""
    path = output / name
    if (_real_folders(output, name) and path.is_file()
            and not path.is_symlink()):
        with contextlib.suppress(OSError):
            path.unlink()


def _real_folders(output: Path, relative: str) -> bool:
    """Whether every folder on the way to ``relative`` is a real folder
    of output/ (or missing): never a link to elsewhere."""
    folder = output
    for part in Path(relative).parts[:-1]:
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return False
    return True


def _move(output: Path, staged: str, target: str) -> None:
    source = output / staged
    if not source.is_file() or source.is_symlink():
        return  # moved before the process died (or not ours to move)
    if not (_real_folders(output, staged) and _real_folders(output, target)):
        return
    destination = output / target
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, destination)


def check_targets(output: Path, targets: list[Path], shown) -> None:
    """Before anything is written: every target is a file (or absent) in
    real folders of ``output/``: no symbolic link, no folder in the way."""
    problems = []
    for target in targets:
        relative = target.relative_to(output)
        folder = output
        for part in relative.parts[:-1]:
            folder = folder / part
            if folder.is_symlink() or (folder.exists()
                                       and not folder.is_dir()):
                kind = 'a symbolic link' if folder.is_symlink() else \
                    'not a folder'
                problems.append(Problem(shown(folder), (
                    f'is {kind}; the builder writes only into real folders '
                    'inside output/. Remove it and build again')))
                break
        else:
            if target.is_symlink() or (target.exists()
                                       and not target.is_file()):
                kind = 'a symbolic link' if target.is_symlink() else \
                    'a folder' if target.is_dir() else 'not a regular file'
                problems.append(Problem(shown(target), (
                    f'is {kind}, where the build must write a file; remove '
                    'it and build again')))
    if problems:
        raise FlyerError(list(dict.fromkeys(problems)))


def commit(output: Path, staging: Path, files: list[tuple[Path, bytes]],
           ready: dict[Path, Path], shown, removes: list[Path] = ()) -> None:
    """Write ``files`` (target under output/, bytes) and remove
    ``removes`` all at once.  A file in ``ready`` (target → a file in
    ``staging`` holding those bytes already) is moved, not written
    again."""
    moves = []
    for number, (target, data) in enumerate(files):
        source = ready.get(target)
        if source is None:
            source = staging / f'{number:05d}{target.suffix}'
            try:
                _write_synced(source, data)
            except OSError as exc:
                raise FlyerError(write_problem(shown(target), exc)) from None
        moves.append((source.relative_to(output).as_posix(),
                      target.relative_to(output).as_posix()))
    removed = [path.relative_to(output).as_posix() for path in removes]
    if not moves and not removed:
        return
    _fsync_dir(staging)
    journal = output / JOURNAL
    try:
        _write_synced(output / (JOURNAL + '.tmp'), json.dumps(
            {'moves': moves, 'removes': removed}).encode('utf-8'))
        _step()
        os.replace(output / (JOURNAL + '.tmp'), journal)
        _fsync_dir(output)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(output / (JOURNAL + '.tmp'))
        raise FlyerError(write_problem(f'output/{JOURNAL}', exc)) from None
    # From here on the new state is decided: the moves are finished now,
    # or by the next command if this process dies.
    for staged, target in moves:
        _step()
        _move(output, staged, target)
    for name in removed:
        _step()
        _remove(output, name)
    for folder in {(output / target).parent for _, target in moves}:
        _fsync_dir(folder)
    _step()
    journal.unlink()
    _fsync_dir(output)


def _write_synced(path: Path, data: bytes) -> None:
    _step()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                 | os.O_CLOEXEC, 0o644)
    try:
        with os.fdopen(fd, 'wb') as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def writing_into(shown: str, again: str):
    """Writes (:func:`flyers.writer.write_atomic`) into a folder of
    output/ shown as ``shown``: a folder that leads outside output/ (a
    symbolic link) or a disk that refuses is one problem, with what to do
    (``again``: "approve again", "compare again")."""
    from .writer import OutsideFolder

    try:
        yield
    except OutsideFolder:
        raise FlyerError(Problem(shown, (
            'leads outside output/ (a symbolic link); move it away and '
            f'{again}'))) from None
    except OSError as exc:
        raise FlyerError(write_problem(shown, exc)) from None


def write_problem(shown: str, exc: OSError) -> Problem:
    """What to say when the disk refuses a write."""
    advice = {
        errno.ENOSPC: 'the disk is full; free some space and build again',
        errno.EDQUOT: 'the disk quota is used up; free some space and build '
                      'again',
        errno.EROFS: 'the file system is read-only; build into a writable '
                     'copy of the project',
        errno.EACCES: 'no permission to write here; fix the folder\'s '
                      'permissions or build as its owner',
        errno.EPERM: 'no permission to write here; fix the folder\'s '
                     'permissions or build as its owner',
        errno.EISDIR: 'a folder is in the way; remove it and build again',
        errno.ENOTDIR: 'a file is where a folder must be; remove it and '
                       'build again',
        errno.ELOOP: 'a symbolic link is in the way; remove it and build '
                     'again',
        errno.EEXIST: 'something is in the way; remove it and build again',
        errno.ENAMETOOLONG: 'the name is too long for this file system; '
                            'give the content file a shorter name',
    }.get(exc.errno, 'build again once that is mended')
    reason = exc.strerror or str(exc)
    return Problem(shown, f'could not be written ({reason}): {advice}')


# --- check folders (a build that writes nothing) -----------------------------

@contextlib.contextmanager
def check_folder():
    """A temporary folder for ``check`` to preflight PDFs in, locked while
    in use; folders of killed checks are removed first."""
    temp = Path(tempfile.gettempdir())
    for folder in temp.glob(f'{CHECK_PREFIX}*'):
        _remove_if_abandoned(folder)
    folder = Path(tempfile.mkdtemp(prefix=CHECK_PREFIX))
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def _remove_if_abandoned(folder: Path) -> None:
    if folder.is_symlink() or not folder.is_dir():
        return
    try:
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return  # no lock file: not (or not yet) a folder of ours
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        shutil.rmtree(folder, ignore_errors=True)
    except BlockingIOError:
        pass  # in use
    finally:
        os.close(fd)
