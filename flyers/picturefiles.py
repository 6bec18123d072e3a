"""Stage 1c: the content's pictures on disk — found, inside their folder,
and decodable (with ``check`` as with ``build``).

In: the project folder and a loaded :class:`~flyers.content.Campaign`.
Out: every problem with its pictures at once, each naming the content
field and the file (``content/x.yaml:12:9: hero.file: images/hero.jpg
…``); nothing when all are fine.

A picture's file lies in the campaign's pictures folder inside
``content/`` (``images`` unless ``pictures_folder`` says otherwise), which
must be a folder.  Links are followed and refused when they lead out of
that folder.  The file must be a JPEG, PNG or WebP that decodes whole
(:mod:`flyers.images`: not damaged or cut short, no decompression bomb, a
usable colour profile; a JPEG also holds enough data for the size its
header declares, since libjpeg fills an early end with grey), has one
frame (no animation) and no transparent pixels.  A name that is missing
but present in another Unicode form (NFD) is pointed out.

Decoding a photo takes time, so the verdict is kept on disk
(``.cache/pictures/``) under the file's SHA-256: a rebuild after a text
change reads each picture's bytes to hash them, and decodes none.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

from .errors import Problem
from .images import PICTURE_EXPORT_AGAIN, ImageRefused, decode
from .inputs import read_input

FORMATS = {'JPEG': 'JPEG', 'PNG': 'PNG', 'WEBP': 'WebP'}
# Bumped when the checks below change: old verdicts no longer count.
CHECK_VERSION = '5'
# Counts decodes, for the tests that a rebuild decodes nothing.
DECODES = {'count': 0}


def content_folder(root: Path) -> Path:
    return root / 'content'


def pictures_folder(root: Path, campaign) -> Path:
    return content_folder(root) / campaign.pictures_folder


def picture_path(root: Path, campaign, picture) -> Path:
    return pictures_folder(root, campaign) / picture.file


def shown_name(campaign, picture) -> str:
    """The picture's name as messages give it: relative to content/."""
    return f'{campaign.pictures_folder}/{picture.file}'


def picture_problems(root: Path, campaign) -> list[Problem]:
    """Every problem with the campaign's pictures (see the module's
    docstring), each pointing at the picture's ``file`` field."""
    if not campaign.pictures:
        return []
    folder = pictures_folder(root, campaign)
    content = content_folder(root).resolve()
    try:
        real_folder = folder.resolve()
    except (OSError, RuntimeError):
        real_folder = None
    if real_folder is None or not real_folder.is_relative_to(content):
        return [campaign.problem('pictures_folder', (
            f'content/{campaign.pictures_folder} is a symbolic link (or lies '
            'in one) that leads outside content/; the builder reads pictures '
            'only from there. Replace the link by a copy of the folder'))]
    if not real_folder.is_dir():
        field = ('pictures_folder' if 'pictures_folder' in campaign.positions
                 else f'{campaign.pictures[0].field}.file')
        return [campaign.problem(field, (
            f'content/{campaign.pictures_folder} is not a folder; put the '
            f'pictures into a folder inside content/ and name it in '
            'pictures_folder' if real_folder.exists() else
            f'the folder content/{campaign.pictures_folder}/ does not exist; '
            'create it and put the pictures into it, or correct '
            'pictures_folder'))]
    problems = []
    for picture in campaign.pictures:
        reason = file_problem(root, campaign, picture, real_folder)
        if reason:
            problems.append(campaign.problem(f'{picture.field}.file', reason))
    return problems


def file_problem(root: Path, campaign, picture, real_folder: Path
                 ) -> str | None:
    """What is wrong with one picture's file, or None."""
    shown = shown_name(campaign, picture)
    path = picture_path(root, campaign, picture)
    folder = f'content/{campaign.pictures_folder}/'
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        real = None
    if real is None or (path.is_symlink() or real.exists()) and \
            not real.is_relative_to(real_folder):
        return (f'{shown} is a symbolic link (or lies in one) that leads '
                f'outside {folder}; replace the link by a copy of the '
                'picture')
    if not real.exists():
        return (f'{shown} does not exist; put the picture into {folder} or '
                'correct the name' + _other_form(path))
    if not real.is_file():
        return (f'{shown} is not a regular file (a folder, pipe or device?); '
                'name a picture file')
    try:
        verdict = checked(root, real)
    except OSError as exc:
        return f'{shown} cannot be read: {exc.strerror or exc}'
    if 'refused' in verdict:
        return f'{shown}: {verdict["refused"]}'
    return None


def _other_form(path: Path) -> str:
    """A hint when the folder holds the name in another Unicode form (å as
    one character or as a + ring: macOS and some archives write the
    latter), which looks the same but is another name."""
    import unicodedata

    wanted = unicodedata.normalize('NFC', path.name)
    try:
        for other in path.parent.iterdir():
            if other.name != path.name and \
                    unicodedata.normalize('NFC', other.name) == wanted:
                return (' (the folder has a file whose name looks the same '
                        'but is written with other Unicode characters, '
                        'e.g. "å" as "a" and a ring: rename the file, typing '
                        'its name anew)')
    except OSError:
        pass
    return ''


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, computed once per version of the file."""
    stat = path.stat()
    return _sha256(path, stat.st_mtime_ns, stat.st_size, stat.st_ino)


@functools.lru_cache(maxsize=256)
def _sha256(path: Path, mtime_ns: int, size: int, inode: int) -> str:
    return hashlib.sha256(read_input(path)).hexdigest()


def cache_dir(root: Path) -> Path:
    """Where verdicts and prepared pictures are kept: ``pictures/`` in the
    build cache's folder."""
    from .cache import cache_folder

    return cache_folder(root) / 'pictures'


def checked(root: Path, path: Path) -> dict:
    """The verdict on the picture at ``path`` (real, inside its folder):
    ``{'size': [w, h], 'format': …}`` or ``{'refused': reason}``, from the
    disk cache when this exact file was checked before."""
    from PIL import __version__ as pillow

    digest = file_sha256(path)
    store = cache_dir(root) / f'check-{CHECK_VERSION}-{pillow}-{digest}.json'
    try:
        return json.loads(read_cached(store))
    except (OSError, ValueError):
        pass
    verdict = _check(read_input(path))
    write_atomically(store, json.dumps(verdict).encode())
    return verdict


def read_cached(path: Path) -> bytes:
    """A file of the picture cache, marked as just used (pruning removes
    the least recently used first).  OSError when there is none."""
    data = read_input(path, follow=False)
    try:
        os.utime(path)
    except OSError:
        pass
    return data


# The prepared pictures of many campaigns and sizes fit in this.
KEEP_BYTES = 1024 ** 3


def prune(root: Path, keep_bytes: int = KEEP_BYTES) -> None:
    """Remove the least recently used files of the picture cache beyond
    ``keep_bytes``, and leftovers of interrupted writes.  Never fails."""
    import time

    folder = cache_dir(root)
    try:
        files = [(path.stat(), path) for path in folder.iterdir()
                 if path.is_file() and not path.is_symlink()]
        total = sum(stat.st_size for stat, _ in files)
        for stat, path in sorted(files, key=lambda f: f[0].st_mtime):
            if path.name.startswith('.tmp-'):
                if time.time() - stat.st_mtime > 3600:
                    path.unlink(missing_ok=True)
                    total -= stat.st_size
                continue
            if total <= keep_bytes:
                continue
            path.unlink(missing_ok=True)
            total -= stat.st_size
    except OSError:
        pass


def write_atomically(path: Path, data: bytes) -> None:
    """Write a cache file complete or not at all; a cache that cannot be
    written is no error (the next build works it out again)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix='.tmp-')
        with os.fdopen(fd, 'wb') as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError:
        pass


def _check(body: bytes) -> dict:
    from PIL import ImageOps

    DECODES['count'] += 1
    try:
        image = decode(body, True, PICTURE_EXPORT_AGAIN)
        frames = getattr(image, 'n_frames', 1)
        if frames > 1:
            raise ImageRefused(
                f'the image is animated ({frames} frames); a page shows one: '
                'save the frame you want as a JPEG or PNG')
        width, height = image.size
        if image.format == 'JPEG' and width * height > 1024 * len(body):
            # libjpeg fills what an early end-of-image marker leaves out
            # with grey, without an error; a JPEG with Huffman coding needs
            # at least one bit per 8 × 8 block (1 byte per 512 pixels).
            raise ImageRefused(
                f'the file says the image is {width} × {height} pixels but '
                f'holds only {len(body):,} bytes, too few for that: it is '
                f'cut short or damaged; {PICTURE_EXPORT_AGAIN}')
        if image.format not in FORMATS:
            raise ImageRefused(
                f'the file is a {image.format} image; use JPEG, PNG or WebP '
                '(export it again as one of these)')
        if image.mode in ('RGBA', 'LA', 'PA', 'La', 'RGBa') or \
                'transparency' in image.info:
            alpha = image.convert('RGBA').getchannel('A')
            if alpha.getextrema()[0] < 255:
                raise ImageRefused(
                    'the picture has transparent areas, which neither print '
                    'nor the screen edition shows as intended; flatten it '
                    'onto a background and export it again')
        try:
            shown = ImageOps.exif_transpose(image).size
        except Exception as exc:  # a damaged EXIF block
            raise ImageRefused(f'its EXIF data cannot be read ({exc}); '
                               f'{PICTURE_EXPORT_AGAIN}') from None
    except ImageRefused as exc:
        return {'refused': str(exc)}
    return {'size': list(image.size), 'shown_size': list(shown),
            'format': image.format, 'mode': image.mode,
            'orientation': image.getexif().get(0x0112, 1)}
