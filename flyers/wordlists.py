"""The project's word lists for the spell check (:mod:`flyers.spelling`).

In: the project root and a brand name.  Out: the words of
``content/words.txt`` and ``brands/NAME/words.txt`` (lower-cased: names
and places the dictionaries do not know, never flagged), or a
:class:`~flyers.errors.ContentError` naming the file, the line and what to
do when a list is not a short UTF-8 text file inside the project.

A list holds one word per line (several words on a line are each taken);
``#`` starts a comment, to the end of the line.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from .errors import ContentError, Problem
from .inputs import read_input, real_inside

PROJECT_LIST = 'content/words.txt'
BRAND_LIST = 'brands/{}/words.txt'
# A word list holds names and places: thousands of lines at most.
MAX_BYTES = 1024 ** 2


def word_lists(brand: str) -> tuple[str, ...]:
    """The lists a campaign of ``brand`` uses, as named in messages."""
    return (PROJECT_LIST, BRAND_LIST.format(brand))


def listed_words(root: Path, brand: str) -> frozenset[str]:
    """Every word of the project's list and the brand's, lower-cased."""
    words: set[str] = set()
    for name in word_lists(brand):
        path = root / name
        if not os.path.lexists(path):
            continue
        try:
            stat = path.stat()
            key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        except OSError:
            key = None
        words |= _read(root, name, key)
    return frozenset(words)


@functools.lru_cache(maxsize=64)
def _read(root: Path, name: str, key) -> frozenset[str]:
    path = root / name
    if not real_inside(root, path):
        raise ContentError(Problem(name, (
            'this word list is a symbolic link that leads outside the '
            'project; the builder reads nothing else. Replace the link by a '
            'copy of the file')))
    try:
        raw = read_input(path, MAX_BYTES)
    except OSError as exc:
        raise ContentError(Problem(name, (
            f'the word list cannot be read: {exc.strerror or exc}'))) from None
    if len(raw) > MAX_BYTES:
        raise ContentError(Problem(name, (
            f'the word list is larger than {MAX_BYTES // 1024 ** 2} MB; it '
            'holds one word per line (names and places): is it the right '
            'file?')))
    if b'\0' in raw:
        line = raw[:raw.index(b'\0')].count(b'\n') + 1
        raise ContentError(Problem(name, (
            'the word list is not text (it holds a NUL byte); write one '
            'word per line in a text editor'), line))
    try:
        text = raw.decode('utf-8').removeprefix('\ufeff')
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b'\n') + 1
        raise ContentError(Problem(name, (
            f'the word list is not UTF-8 text (byte 0x{raw[exc.start]:02x}); '
            'save it as UTF-8'), line)) from None
    words = set()
    for line in text.splitlines():
        words.update(word.lower() for word in line.split('#', 1)[0].split())
    return frozenset(words)
