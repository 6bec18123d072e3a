"""Hunspell dictionaries for the spell check (:mod:`flyers.spelling`).

In: a language code (``sv``, ``en-GB``, ``ar``) and the project's cache
folder.  Out: a :class:`Speller` that says whether a word is in the
language's dictionary and suggests others, or None for a language with no
dictionary here.  A missing or damaged dictionary, or a missing engine, is
a :class:`~flyers.errors.ContentError` naming what to restore.

The dictionaries ship with the builder in ``flyers/data/hunspell/``
(Debian's ``hunspell-sv``, ``hunspell-en-gb``, ``hunspell-en-us`` and
``hunspell-ar``, each with its README and licence), so every machine
checks alike and nothing is fetched.  Finnish has no Hunspell dictionary
in Debian: it is checked with Voikko (Debian's ``voikko-fi`` dictionary,
shipped in ``flyers/data/voikko/``, read by libvoikko through its Python
binding), which answers the same two questions.

The engine is chunspell (Hunspell 1.7 in a wheel: ``pip`` installs it
whole); compound words are Hunspell's own rules (``trygghetskamera``).
Loading a dictionary takes about 0.4 s and a suggestion 0.1–0.5 s, so
both happen at most once per process, and every answer is kept on disk
(``<cache>/spelling/<dictionary>-<fingerprint>.json``, the fingerprint
being the SHA-256 of the dictionary's files): a build whose words were all
seen before loads no dictionary at all.
"""

from __future__ import annotations

import contextlib
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
DICTIONARIES = {'sv': 'sv_SE', 'en': 'en_GB', 'en-us': 'en_US', 'ar': 'ar',
                'fi': 'fi'}
# Dictionaries read by Voikko rather than Hunspell: name → its files.
VOIKKO_DIR = Path(__file__).resolve().parent / 'data' / 'voikko'
VOIKKO_SHOWN = 'flyers/data/voikko'
VOIKKO = {'fi': ('5/mor-standard/index.txt', '5/mor-standard/mor.vfst',
                 '5/mor-standard/autocorr.vfst')}
MAX_SUGGESTIONS = 4  # three shown, and whether there are more
# The answers kept on disk: more words than any project has; a larger file
# is ignored (and rewritten), never trusted.
MAX_CACHED_WORDS = 200_000
MAX_CACHE_BYTES = 16 * 1024 ** 2


def dictionary_name(language: str) -> str | None:
    """The dictionary for ``language`` (its tag, else its base code), or
    None."""
    tag = language.lower()
    return DICTIONARIES.get(tag) or DICTIONARIES.get(tag.split('-')[0])


class Speller:
    """One dictionary: answers from memory, from the disk caches, or from
    Hunspell (loaded on the first word neither knows).  The answers depend
    on the dictionary alone, so one speller serves every project of a
    process; each project's cache folder gets them all."""

    def __init__(self, name: str):
        self.name = name
        self._engine = None
        self._lock = threading.RLock()
        # word → True (known), False (unknown, no suggestions asked yet)
        # or a list of suggestions (unknown).
        self._answers: dict[str, bool | list[str]] = {}
        self._version = 0
        self._files: dict[Path, int] = {}  # cache file → version it holds

    def attach(self, cache_file: Path) -> None:
        """Take the answers kept in ``cache_file``, and keep ours there."""
        with self._lock:
            if cache_file in self._files:
                return
            stored = _read_cache(cache_file)
            added = {w: a for w, a in stored.items()
                     if not isinstance(self._answers.get(w), list)}
            self._answers.update(added)
            if added:
                self._version += 1
            self._files[cache_file] = (self._version
                                       if len(stored) == len(self._answers)
                                       else -1)

    def known(self, word: str) -> bool:
        answer = self._answers.get(word)
        if answer is None:
            with self._lock:
                answer = bool(self._hunspell().spell(word))
                self._answers[word] = answer
                self._version += 1
        return answer is True

    def has_suggestions(self, word: str) -> bool:
        """Whether the suggestions for ``word`` are known already."""
        return isinstance(self._answers.get(word), list)

    def suggestions(self, word: str) -> tuple[str, ...]:
        answer = self._answers.get(word)
        if not isinstance(answer, list):
            if self.known(word):
                return ()
            with self._lock:
                found = self._hunspell().suggest(word)
                answer = [s for s in found if s != word][:MAX_SUGGESTIONS]
                self._answers[word] = answer
                self._version += 1
        return tuple(answer)

    def save(self) -> None:
        """Keep the answers for the next process in every cache folder
        that does not hold them yet (written whole, then renamed into
        place; a cache that cannot be written is skipped)."""
        with self._lock:
            if len(self._answers) > MAX_CACHED_WORDS:
                return
            for cache_file, version in list(self._files.items()):
                if version != self._version and _write_cache(
                        cache_file, self._answers):
                    self._files[cache_file] = self._version

    def _hunspell(self):
        if self._engine is None:
            self._engine = _load(self.name)
        return self._engine


def _load(name: str):
    if name in VOIKKO:
        return _load_voikko(name)
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


def _load_voikko(name: str):
    shown = f'{VOIKKO_SHOWN}/5/mor-standard/'
    if not all((VOIKKO_DIR / part).is_file() for part in VOIKKO[name]):
        raise ContentError(Problem(shown, (
            'the Finnish dictionary for the spell check is missing; restore '
            f'it (git checkout {VOIKKO_SHOWN})')))
    try:
        import libvoikko
    except ImportError:
        raise ContentError(Problem('(spell check)', (
            'the Finnish spell checker\'s engine is not installed; run "pip '
            'install libvoikko" (it is in pyproject.toml\'s dependencies)'))
        ) from None
    try:
        return libvoikko.Voikko(name, path=str(VOIKKO_DIR))
    except OSError:  # the C library: ctypes could not load it
        raise ContentError(Problem('(spell check)', (
            'the Finnish spell checker needs the library libvoikko, which '
            'is not installed; run "make build" once (scripts/setup.sh '
            'installs Debian\'s libvoikko1) or "apt-get install '
            'libvoikko1"'))) from None
    except Exception as exc:  # noqa: BLE001 - the engine's own errors
        raise ContentError(Problem(shown, (
            f'the Finnish dictionary for the spell check cannot be read '
            f'({type(exc).__name__}: {exc}); restore it (git checkout '
            f'{VOIKKO_SHOWN})'))) from None


def _dictionary_files(name: str) -> list[Path]:
    if name in VOIKKO:
        return [VOIKKO_DIR / part for part in VOIKKO[name]]
    return [DICTIONARY_DIR / f'{name}.{ext}' for ext in ('aff', 'dic')]


@functools.lru_cache(maxsize=None)
def fingerprint(name: str) -> str:
    """SHA-256 of the dictionary's files (changes with any edit)."""
    digest = hashlib.sha256(name.encode())
    for path in _dictionary_files(name):
        try:
            digest.update(read_input(path, 64 * 1024 ** 2))
        except OSError:
            digest.update(b'missing')
    return digest.hexdigest()


def _write_cache(path: Path, answers: dict) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix='.spelling-')
    except OSError:
        return False
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as file:
            json.dump(answers, file, ensure_ascii=False)
        os.replace(temporary, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False


def _read_cache(path: Path) -> dict:
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


_SPELLERS: dict[str, Speller] = {}
_SPELLERS_LOCK = threading.Lock()


def speller(language: str, cache_folder: Path | None) -> Speller | None:
    """The speller of ``language`` (one per dictionary in a process),
    keeping its answers in ``cache_folder`` too; None when no dictionary
    covers the language."""
    name = dictionary_name(language)
    if name is None:
        return None
    with _SPELLERS_LOCK:
        one = _SPELLERS.setdefault(name, Speller(name))
    if cache_folder is not None:
        one.attach(cache_folder / 'spelling'
                   / f'{name}-{fingerprint(name)[:16]}.json')
    return one


def save_all() -> None:
    """Write every speller's new answers to its cache."""
    with _SPELLERS_LOCK:
        spellers = list(_SPELLERS.values())
    for one in spellers:
        one.save()
