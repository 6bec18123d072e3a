"""Which files of the project an output may be made from, and their names.

In: the project folder and a file or folder name.  Out: the name relative
to the project (as git, the cache and messages name it), or a
:class:`~flyers.errors.FlyerError` when the file's real path — symbolic
links followed — lies outside the folders the builder reads:
``content/``, ``layouts/``, ``brands/``, ``assets/`` and ``printshops/``.

Every stage that opens or hashes a project file asks here first, so a
symbolic link (``layouts/_x → /etc``) cannot make a template include, the
cache hash, or a date read anything of the machine.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

from .errors import LayoutError, Problem

INPUT_FOLDERS = ('content', 'layouts', 'brands', 'assets', 'printshops')


def real_inside(root: Path, path: Path, folders=INPUT_FOLDERS) -> bool:
    """Whether ``path``'s real location is inside one of ``folders`` of
    the project (each folder's own real location: the folder itself may
    be a link to elsewhere only if the project was laid out that way)."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return False
    for name in folders:
        try:
            base = (root / name).resolve()
        except (OSError, RuntimeError):
            continue
        if real == base or real.is_relative_to(base):
            return True
    return False


def outside_problem(root: Path, path: Path, what: str = '') -> Problem:
    """The link's own name (not where it leads) and what to do."""
    try:
        shown = path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        shown = str(path)
    what = what or ('folder' if path.is_dir() else 'file')
    return Problem(shown, (
        f'this {what} is a symbolic link (or lies in one) that leads outside '
        'the project\'s ' + ', '.join(f'{f}/' for f in INPUT_FOLDERS)
        + '; the builder reads nothing else. Replace the link by a copy of '
          'the file'))


def check_inside(root: Path, path: Path, what: str = '') -> Path:
    """``path`` if it really lies inside the input folders, else a
    LayoutError naming it."""
    if not real_inside(root, path):
        raise LayoutError([outside_problem(root, path, what)])
    return path


def project_files(root: Path, folder: str) -> list[Path]:
    """Every regular file under ``folder`` (relative to the project),
    sorted; a link leading outside the input folders is an error, and
    nothing is opened before that check."""
    base = root / folder
    if not base.exists():
        return []
    check_inside(root, base)
    found, problems = [], []
    for path in sorted(base.rglob('*')):
        if not real_inside(root, path):
            problems.append(outside_problem(root, path))
        elif path.is_file():
            found.append(path)
    if problems:
        raise LayoutError(problems)
    return found


class NotRegularFile(OSError):
    """A pipe, socket or device where a file should be: reading it could
    wait for ever or never end."""

    def __init__(self, path):
        super().__init__(None, 'not a regular file (a pipe, socket or '
                               'device?); replace it with a file', str(path))


# No input of a flyer is this large: a stylesheet, a font, an image, a PDF
# of ours.  A larger file is a mistake (or an attack), refused unread.
MAX_INPUT = 256 * 1024 ** 2


class InputTooLarge(OSError):
    def __init__(self, path, size: int):
        super().__init__(None, f'the file is {size:,} bytes, more than any '
                               f'input may be ({MAX_INPUT:,}); is it the '
                               'right file?', str(path))


def read_input(path: Path, limit: int | None = None,
               follow: bool = True) -> bytes:
    """The bytes of a regular file — never waiting on a pipe nor reading a
    device without end (opened without blocking, checked with fstat) — at
    most ``limit`` + 1 of them; without ``limit``, a file larger than
    :data:`MAX_INPUT` is refused unread.  ``follow=False`` refuses a
    symbolic link (for the builder's own files: the cache)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    if not follow:
        flags |= os.O_NOFOLLOW
    fd = os.open(path, flags)
    with os.fdopen(fd, 'rb') as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path)
        if limit is not None:
            return file.read(limit + 1)
        if info.st_size > MAX_INPUT:
            raise InputTooLarge(path, info.st_size)
        return file.read(MAX_INPUT + 1)


def shared_layout_folders(root: Path) -> list[str]:
    """``layouts/_base`` and any other shared folder (name starting with
    ``_``): every layout's templates may use them."""
    folder = root / 'layouts'
    if not folder.is_dir():
        return []
    return sorted(f'layouts/{path.name}' for path in folder.iterdir()
                  if path.is_dir() and path.name.startswith('_'))


def project_relative(root: Path, name: str) -> str:
    """A file's name relative to the project (as git and the cache name
    it), or its absolute path when it lies outside."""
    path = Path(name)
    if not path.is_absolute():
        path = root / path
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def unsafe_names(root: Path) -> list[Problem]:
    """Content files, layout and brand folders whose names hold a control
    character, a line or paragraph separator, a bidirectional control or
    bytes that are not UTF-8: such a name would end up in output names,
    links and download headers, so it is refused with the name shown
    escaped."""
    named = []
    for pattern in ('content/*.yaml', 'content/*.yml', 'layouts/*/',
                    'brands/*/'):
        named += sorted(root.glob(pattern))
    return [problem for path in named
            if (problem := unsafe_name(path)) is not None]


def unsafe_name(path: Path) -> Problem | None:
    """A problem when ``path``'s own name is unsafe (see above)."""
    bad = [c for c in path.name if _unsafe(c)]
    if not bad:
        return None
    shown = f'{path.parent.name}/{_escaped(path.name)}'
    return Problem(shown, (
        f'the file name contains {_escaped(bad[0])} (a control '
        'character or bytes that are not UTF-8), which a file name '
        'here must not; rename it with letters, digits and "-"'))


def _unsafe(char: str) -> bool:
    return (unicodedata.category(char) in ('Cc', 'Cs', 'Zl', 'Zp')
            or '\u202a' <= char <= '\u202e' or '\u2066' <= char <= '\u2069')


def _escaped(text: str) -> str:
    return ''.join(c.encode('unicode_escape', 'backslashreplace').decode()
                   if _unsafe(c) else c for c in text)
