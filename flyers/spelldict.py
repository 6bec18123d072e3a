"""Hunspell dictionaries for the spell check (:mod:`flyers.spelling`).

In: a language code (``sv``, ``en-GB``, ``ar``) and the project root.
Out: a :class:`Speller` that says whether a word is in the language's
dictionary and suggests others, or None for a language with no
dictionary here.  A missing or damaged dictionary, or a missing engine, is a
:class:`~flyers.errors.ContentError` naming what to restore.

The dictionaries ship with the builder in ``flyers/data/hunspell/``
(Debian's ``hunspell-sv``, ``hunspell-en-gb``, ``hunspell-en-us`` and
``hunspell-ar``, each
with its README and licence), so every machine checks alike and nothing is
fetched.  Finnish is not checked: Debian has no Hunspell dictionary for it
(its Finnish speller is Voikko, another engine).

The engine is chunspell (Hunspell 1.7 in a wheel: ``pip`` installs it
whole); compound words are Hunspell's own rules (``trygghetskamera``).
Loading a dictionary takes about 0.45 s and a suggestion 0.1–0.5 s, so
both happen at most once per process, and every answer is kept on disk
(``<cache>/spelling/<dictionary>-<fingerprint>.json``, the fingerprint
being the SHA-256 of the dictionary's files): a build whose words were all
seen before loads no dictionary at all.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path

from .errors import ContentError, Problem
from .inputs import read_input

DICTIONARY_DIR = Path(__file__).resolve().parent / 'data' / 'hunspell'
SHOWN_DIR = 'flyers/data/hunspell'
# Language (its tag, or its ISO 639 base code) → the dictionary's file
# name, without .aff/.dic.  English is British unless the tag says en-US
# (as for hyphenation, flyers/hyphenation.py).
DICTIONARIES = {'sv': 'sv_SE', 'en': 'en_GB', 'en-us': 'en_US', 'ar': 'ar'}
MAX_SUGGESTIONS = 4  # three shown, and whether there are more
# The answers kept on disk: more words than any project has; a larger file
# is ignored (and rewritten), never trusted.
MAX_CACHED_WORDS = 200_000
MAX_CACHE_BYTES = 16 * 1024 ** 2
KNOWN, UNKNOWN = True, False


def dictionary_name(language: str) -> str | None:
    """The dictionary for ``language`` (its tag, else its base code), or
    None."""
    tag = language.lower()
    return DICTIONARIES.get(tag) or DICTIONARIES.get(tag.split('-')[0])


class Speller:
    """One dictionary: answers from memory, from the disk cache, or from
    Hunspell (loaded on the first word neither knows)."""

    def __init__(self, name: str, cache_file: Path | None):
        self.name = name
        self.cache_file = cache_file
        self._engine = None
        self._lock = threading.Lock()
        # word → KNOWN, UNKNOWN (no suggestions asked yet) or a list of
        # suggestions (unknown).
        self._answers: dict[str, bool | list[str]] = _read_cache(cache_file)
        self._changed = False

    def known(self, word: str) -> bool:
        answer = self._answers.get(word)
        if answer is None:
            with self._lock:
                answer = bool(self._hunspell().spell(word))
            self._answers[word] = answer
            self._changed = True
        return answer is True

    def suggestions(self, word: str) -> tuple[str, ...]:
        answer = self._answers.get(word)
        if not isinstance(answer, list):
            if self.known(word):
                return ()
            with self._lock:
                found = self._hunspell().suggest(word)
            answer = [s for s in found if s != word][:MAX_SUGGESTIONS]
            self._answers[word] = answer
            self._changed = True
        return tuple(answer)

    def save(self) -> None:
        """Keep the answers for the next process (written whole, then
        renamed into place; a cache that cannot be written is skipped)."""
        if not self._changed or self.cache_file is None \
                or len(self._answers) > MAX_CACHED_WORDS:
            return
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.cache_file.parent,
                                             prefix='.spelling-')
            with os.fdopen(fd, 'w', encoding='utf-8') as file:
                json.dump(self._answers, file, ensure_ascii=False)
            os.replace(temporary, self.cache_file)
            self._changed = False
        except OSError:
            return

    def _hunspell(self):
        if self._engine is None:
            self._engine = _load(self.name)
        return self._engine


def _load(name: str):
    try:
        import hunspell  # chunspell's module
    except ImportError:
        raise ContentError(Problem('(spell check)', (
            'the spell checker\'s engine is not installed; run "pip install '
            'chunspell" (it is in pyproject.toml\'s dependencies)'))) from None
    shown = f'{SHOWN_DIR}/{name}.aff, .dic'
    if not all((DICTIONARY_DIR / f'{name}.{ext}').is_file()
               for ext in ('aff', 'dic')):
        raise ContentError(Problem(shown, (
            'the dictionary for the spell check is missing; restore it '
            f'(git checkout {SHOWN_DIR})')))
    try:
        return hunspell.Hunspell(name, hunspell_data_dir=str(DICTIONARY_DIR))
    except Exception as exc:  # noqa: BLE001 - the engine's own errors
        raise ContentError(Problem(shown, (
            f'the dictionary for the spell check cannot be read '
            f'({type(exc).__name__}: {exc}); restore it (git checkout '
            f'{SHOWN_DIR})'))) from None


@functools.lru_cache(maxsize=None)
def fingerprint(name: str) -> str:
    """SHA-256 of the dictionary's files (changes with any edit)."""
    digest = hashlib.sha256(name.encode())
    for ext in ('aff', 'dic'):
        try:
            digest.update(read_input(DICTIONARY_DIR / f'{name}.{ext}'))
        except OSError:
            digest.update(b'missing')
    return digest.hexdigest()


def _read_cache(path: Path | None) -> dict:
    if path is None:
        return {}
    try:
        raw = read_input(path, MAX_CACHE_BYTES, follow=False)
        answers = json.loads(raw) if len(raw) <= MAX_CACHE_BYTES else {}
    except (OSError, ValueError):
        return {}
    if not isinstance(answers, dict):
        return {}
    return {word: answer for word, answer in answers.items()
            if isinstance(answer, bool) or (
                isinstance(answer, list)
                and all(isinstance(s, str) for s in answer))}


_SPELLERS: dict[tuple, Speller] = {}
_SPELLERS_LOCK = threading.Lock()


def speller(language: str, cache_folder: Path | None) -> Speller | None:
    """The speller of ``language`` (one per dictionary and cache folder
    in a process), or None when no dictionary covers it."""
    name = dictionary_name(language)
    if name is None:
        return None
    key = (name, str(cache_folder))
    with _SPELLERS_LOCK:
        if key not in _SPELLERS:
            cache_file = None if cache_folder is None else (
                cache_folder / 'spelling'
                / f'{name}-{fingerprint(name)[:16]}.json')
            _SPELLERS[key] = Speller(name, cache_file)
        return _SPELLERS[key]


def save_all() -> None:
    """Write every speller's new answers to its cache."""
    with _SPELLERS_LOCK:
        spellers = list(_SPELLERS.values())
    for one in spellers:
        one.save()
