"""Hyphenation for stage 2 (render): where a long word may break a line.

In: text (already typeset, not yet escaped), its language and the project
root.  Out: the same text with soft hyphens (U+00AD) at the points where a
line may break.  The stylesheet sets ``hyphens: manual``, so WeasyPrint 70
breaks words only at these points, adds the visible hyphen only where a line
really breaks, and keeps the invisible ones out of the PDF's text (an
element with ``hyphens: none`` drops them).

Where a word may break, in order of precedence:

1. the project's word list ``assets/hyphenation/<language>.txt``: a word
   written there with hyphens breaks only at them (``vuxen-närvaro``), one
   written without any never breaks;
2. for Swedish, the joints of a compound found with the Hunspell Swedish
   dictionary (``flyers/data/hunspell/``, Debian's ``hunspell-sv`` shipped
   with the builder: its compound flags say which words
   may begin, continue and end a compound) where the patterns also allow a
   break, plus the pattern breaks inside a part of more than MIN_WORD
   letters: ``social-tjänst``, not ``soci-altjänst``;
3. pyphen's patterns for the language (``en`` is pyphen's en_GB, as
   before; ``en-US`` picks en_US); for Finnish, which pyphen lacks, the
   hyph-utf8 patterns shipped in ``flyers/data/hyphenation/`` (Kauko
   Saarinen's).
   Arabic and the other languages without patterns are not hyphenated.

Breaks from 2 and 3 obey the fragment rules: only words of
:data:`MIN_WORD` letters or more, at least :data:`MIN_FRAGMENT` letters on
each side of a break and between two breaks, and (Swedish) no pattern
break that leaves only three letters ending in a two-letter ending
(``insat-ser``, ``kväl-lar``, ``nyck-eln``).  Capitalised words (names)
unless listed, words with digits and anything in an address (``x.se/a``,
``a@b.se``) are never broken.  Without Hunspell's files step 2 is skipped
(``compound_joints`` finds none).

Two faults of WeasyPrint 70 with soft hyphens, which the layouts avoid:
with ``overflow-wrap: break-word`` a break whose hyphen just overfills the
line loses its hyphen (so paragraphs, which have soft hyphens, are set
without it), and the min-content width of such text runs to its first
soft hyphen (so no ``auto`` grid track or shrink-to-fit box is sized by
hyphenated text: use ``minmax(0, 1fr)``).

Everything is cached per process: the dictionary is read once (about 0.2 s)
and each word is looked up once.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pyphen

from .errors import ContentError, Problem
from .inputs import check_inside, read_input

SOFT_HYPHEN = '\u00ad'
MIN_WORD = 7       # as hyphenate-limit-chars in layouts/_base/common.css
MIN_FRAGMENT = 3
MAX_COMPOUND = 60  # longer "words" are not looked for compound joints
WORD_LISTS = 'assets/hyphenation'
# The Swedish dictionary ships with the builder (Debian's hunspell-sv,
# unchanged, LGPL-3), so every machine hyphenates alike;
# FLYERS_HUNSPELL_DIR points at another copy.
HUNSPELL_DIRS = (str(Path(__file__).resolve().parent / 'data' / 'hunspell'),)

# Swedish inflection endings of two letters: a pattern break that leaves
# only three letters ending in one of these is refused ("insat-ser",
# "nyck-eln").
_SV_ENDINGS = ('ar', 'er', 'or', 'en', 'et', 'na', 'ne', 'as', 'es', 'os',
               'ad', 'at', 'de', 'te', 'da', 'ta', 'ra', 're', 'rn', 'ln')

_TOKEN_RE = re.compile(r'\S+')
# A word of MIN_WORD letters or more (not one after a hyphen: "skol-sociala"
# already breaks at its hyphen).
_WORD_RE = re.compile(
    r'(?<![\w\u00ad-])[^\W\d_]{%d,}(?![\w\u00ad])' % MIN_WORD)
_ADDRESS_RE = re.compile(r'[/@:]|\.\w')
_ENTRY_RE = re.compile(r'[^\W\d_]+(?:-[^\W\d_]+)*')


def hyphenate(text: str, language: str, root: Path | None = None) -> str:
    """``text`` with a soft hyphen at every allowed break of its words."""
    if not text or not _pyphen_language(language):
        return text
    base = language.split('-')[0].lower()
    listed = word_list(root, base)

    def token(match: re.Match) -> str:
        part = match[0]
        if _ADDRESS_RE.search(part):
            return part
        return _WORD_RE.sub(lambda m: _with_hyphens(m[0], language, listed),
                            part)

    return _TOKEN_RE.sub(token, text)


def _with_hyphens(word: str, language: str, listed) -> str:
    cuts = points(word, language, listed)
    if not cuts:
        return word
    pieces, last = [], 0
    for cut in cuts:
        pieces.append(word[last:cut])
        last = cut
    pieces.append(word[last:])
    return SOFT_HYPHEN.join(pieces)


def points(word: str, language: str, listed=None) -> tuple[int, ...]:
    """The offsets in ``word`` after which a line may break (a word list
    from :func:`word_list`; none: the built-in rules only)."""
    return _points(word, language, listed or _NO_WORDS)


class _Words(dict):
    """A word list: lower-case word → its break offsets.  Hashable by
    identity, so per-word results can be cached per list."""

    __hash__ = object.__hash__


_NO_WORDS = _Words()


@functools.lru_cache(maxsize=100_000)
def _points(word: str, language: str, listed: _Words) -> tuple[int, ...]:
    lower = word.lower()
    if lower in listed:
        return listed[lower]
    if len(word) < MIN_WORD or not word[0].islower() or not word.isalpha():
        return ()
    base = language.split('-')[0].lower()
    joints = compound_joints(lower) if base == 'sv' else ()
    if joints:
        # A joint the patterns do not know is taken for a false split
        # ("port-rätt" in "porträtt"): the patterns then decide alone.
        dictionary = _pyphen(language)
        known = set(dictionary.positions(lower)) if dictionary else set()
        joints = tuple(j for j in joints if j in known)
    if joints:
        cuts, start = set(joints), 0
        for end in (*joints, len(word)):
            part = lower[start:end]
            if len(part) > MIN_WORD:
                cuts.update(start + p for p in _pattern_points(part, language))
            start = end
    else:
        cuts = set(_pattern_points(lower, language))
    return _spaced(sorted(cuts), set(joints), len(word))


def _pattern_points(word: str, language: str) -> list[int]:
    """pyphen's breaks with the fragment rules applied."""
    dictionary = _pyphen(language)
    cuts = dictionary.positions(word) if dictionary else []
    base = language.split('-')[0].lower()
    result = []
    for cut in cuts:
        if cut < MIN_FRAGMENT or len(word) - cut < MIN_FRAGMENT:
            continue
        tail = word[cut:]
        if base == 'sv' and len(tail) == 3 and tail.endswith(_SV_ENDINGS):
            continue
        result.append(cut)
    return result


def _spaced(cuts: list[int], joints: set[int], length: int) -> tuple[int, ...]:
    """Keep every joint, and the other breaks that leave at least
    MIN_FRAGMENT letters to the next kept break and the word's ends."""
    kept = sorted(j for j in joints
                  if MIN_FRAGMENT <= j <= length - MIN_FRAGMENT)
    for cut in cuts:
        if cut in joints:
            continue
        if (cut >= MIN_FRAGMENT and length - cut >= MIN_FRAGMENT
                and all(abs(cut - k) >= MIN_FRAGMENT for k in kept)):
            kept.append(cut)
            kept.sort()
    return tuple(kept)


# Pattern files shipped with the builder for languages pyphen lacks
# (flyers/data/hyphenation/README.md says where they come from).
PATTERN_FILES = {
    'fi': Path(__file__).resolve().parent / 'data' / 'hyphenation'
    / 'hyph_fi_FI.dic',
}


@functools.lru_cache(maxsize=None)
def _pyphen_language(language: str) -> str | None:
    """The pyphen dictionary (a name, or a shipped file's path) for the
    language; None: the language is not hyphenated (Arabic, Hebrew …:
    neither has patterns, and neither script hyphenates)."""
    base = language.split('-')[0].lower()
    if base in PATTERN_FILES:
        return str(PATTERN_FILES[base])
    return pyphen.language_fallback(language.replace('-', '_'))


@functools.lru_cache(maxsize=None)
def _pyphen(language: str):
    name = _pyphen_language(language)
    if not name:
        return None
    if name.endswith('.dic'):
        return pyphen.Pyphen(filename=name, left=1, right=1)
    return pyphen.Pyphen(lang=name, left=1, right=1)


# The project's word list ------------------------------------------------

def word_list(root: Path | None, language: str) -> _Words:
    """The preferred breaks of ``assets/hyphenation/<language>.txt`` in the
    project at ``root`` (none there: an empty list).  One word a line, a
    hyphen where it may break; ``#`` starts a comment.  Re-read when the
    file changes."""
    if root is None:
        return _NO_WORDS
    path = Path(root) / WORD_LISTS / f'{language}.txt'
    try:
        stat = path.stat()
    except OSError:
        return _NO_WORDS
    check_inside(Path(root), path)
    return _read_word_list(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _read_word_list(path: Path, _mtime: int, _size: int) -> _Words:
    shown = f'{WORD_LISTS}/{path.name}'
    try:
        lines = read_input(path).decode('utf-8').splitlines()
    except OSError as exc:
        raise ContentError(Problem(
            shown, f'cannot be read ({exc.strerror or exc})')) from None
    except UnicodeDecodeError as exc:
        raise ContentError(Problem(
            shown, f'is not UTF-8 text (byte {exc.start + 1}): save it as '
            'UTF-8')) from None
    words, problems = _Words(), []
    for number, line in enumerate(lines, 1):
        entry = line.split('#', 1)[0].strip()
        if not entry:
            continue
        if not _ENTRY_RE.fullmatch(entry):
            problems.append(Problem(
                shown, f'{entry!r} is not a word with hyphens where it may '
                'break (letters and single hyphens only, e.g. vuxen-närvaro)',
                number, 1))
            continue
        parts = entry.lower().split('-')
        if len(parts) > 1 and min(map(len, parts)) < MIN_FRAGMENT:
            problems.append(Problem(
                shown, f'{entry!r} leaves fewer than {MIN_FRAGMENT} letters '
                'between two breaks or at an end of the word',
                number, 1))
            continue
        cuts, offset = [], 0
        for part in parts[:-1]:
            offset += len(part)
            cuts.append(offset)
        words[''.join(parts)] = tuple(cuts)
    if problems:
        raise ContentError(problems)
    return words


# Swedish compounds from the Hunspell dictionary ------------------------------

def compound_joints(word: str) -> tuple[int, ...]:
    """Offsets of the joints of a Swedish compound (``vuxennärvaro`` →
    ``(5,)``), by the compound flags of Hunspell's Swedish dictionary; ``()``
    for a word that is no compound."""
    return _hunspell().joints(word.lower())


@functools.lru_cache(maxsize=None)
def dictionary_fingerprint() -> str:
    """What hyphenation depends on outside the project (the Hunspell
    files, the shipped pattern files), for the build cache's key."""
    import hashlib

    files = _dictionary_files()
    digest = hashlib.sha256()
    # The shipped pattern files (Finnish) as well.
    for path in sorted(PATTERN_FILES.values()):
        if path.is_file():
            digest.update(path.read_bytes())
    if files is None:
        return '-' + digest.hexdigest()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _dictionary_files() -> tuple[Path, Path] | None:
    dirs = [os.environ['FLYERS_HUNSPELL_DIR']] if os.environ.get(
        'FLYERS_HUNSPELL_DIR') else HUNSPELL_DIRS
    for folder in dirs:
        aff, dic = Path(folder, 'sv_SE.aff'), Path(folder, 'sv_SE.dic')
        if aff.is_file() and dic.is_file():
            return aff, dic
    return None


@functools.lru_cache(maxsize=None)
def _hunspell():
    """The Swedish compound data, read once per process.  The dictionary
    ships with the builder: missing or damaged, it is an error (not
    hyphenation that silently differs from machine to machine)."""
    files = _dictionary_files()
    shown = 'flyers/data/hunspell/sv_SE.dic'
    if files is None:
        raise ContentError(Problem(shown, (
            'the Swedish dictionary for hyphenation is missing; restore it '
            '(git checkout flyers/data/hunspell) or point FLYERS_HUNSPELL_DIR '
            'at a folder holding sv_SE.aff and sv_SE.dic')))
    try:
        return _Compounds(*files)
    except (OSError, UnicodeDecodeError, ValueError, IndexError,
            re.error) as exc:
        raise ContentError(Problem(f'{files[0].parent}/sv_SE.aff, .dic', (
            f'the Swedish dictionary for hyphenation cannot be read '
            f'({type(exc).__name__}: {exc}); restore it (git checkout '
            'flyers/data/hunspell) or point FLYERS_HUNSPELL_DIR at a good '
            'copy'))) from None


def check_dictionary(language: str) -> None:
    """Read the language's compound data now (Swedish), so a damaged
    dictionary is told as such before a template runs, not as the
    template's error."""
    if language == 'sv':
        _hunspell()


class _Compounds:
    """The part of Hunspell's compounding the joints need: which forms may
    begin (COMPOUNDBEGIN), continue (COMPOUNDMIDDLE) and end (COMPOUNDEND) a
    compound, with suffixes stripped by the dictionary's SFX rules; a suffix
    inside a compound needs COMPOUNDPERMITFLAG, as in Hunspell.  Each part
    has at least MIN_FRAGMENT letters; the split with the fewest parts wins
    (then the longest first part)."""

    def __init__(self, aff: Path, dic: Path):
        flags = {'COMPOUNDBEGIN': 'X', 'COMPOUNDMIDDLE': 'U',
                 'COMPOUNDEND': 'Y', 'COMPOUNDPERMITFLAG': 'W',
                 'NEEDAFFIX': '', 'FORBIDDENWORD': ''}
        self.suffixes: dict[str, list] = {}
        for line in aff.read_text(encoding='utf-8').splitlines():
            fields = line.split()
            if len(fields) == 2 and fields[0] in flags:
                flags[fields[0]] = fields[1]
            elif len(fields) >= 5 and fields[0] == 'SFX':
                _, flag, strip, add, condition = fields[:5]
                add, _, continuation = add.partition('/')
                add = '' if add == '0' else add
                strip = '' if strip == '0' else strip
                self.suffixes.setdefault(add, []).append((
                    flag, strip, re.compile(f'(?:{condition})$'),
                    frozenset(continuation)))
        self.begin = flags['COMPOUNDBEGIN']
        self.middle = flags['COMPOUNDMIDDLE']
        self.end = flags['COMPOUNDEND']
        self.permit = flags['COMPOUNDPERMITFLAG']
        self.needaffix = flags['NEEDAFFIX'] or '\0'
        self.forbidden = flags['FORBIDDENWORD'] or '\0'
        self.words: dict[str, str] = {}
        lines = dic.read_text(encoding='utf-8').splitlines()[1:]
        for line in lines:
            word, _, flag_text = line.partition('/')
            flag_text = flag_text.split()[0] if flag_text.strip() else ''
            word = word.split()[0] if word.strip() else ''
            if word:
                self.words[word] = self.words.get(word, '') + flag_text
        self.max_add = max(map(len, self.suffixes))

    @functools.lru_cache(maxsize=200_000)
    def _can(self, form: str, role: str) -> bool:
        """Whether ``form`` may stand in a compound in ``role`` (the flag
        of COMPOUNDBEGIN, COMPOUNDMIDDLE or COMPOUNDEND)."""
        flags = self.words.get(form)
        if (flags is not None and role in flags and self.needaffix not in flags
                and self.forbidden not in flags):
            return True
        last = role == self.end
        for size in range(min(self.max_add, len(form)) + 1):
            add = form[len(form) - size:] if size else ''
            for flag, strip, condition, more in self.suffixes.get(add, ()):
                stem = form[:len(form) - size] + strip
                stem_flags = self.words.get(stem)
                if (stem_flags is None or flag not in stem_flags
                        or self.forbidden in stem_flags
                        or not condition.search(stem)):
                    continue
                if not last and self.permit not in more:
                    continue
                if role in stem_flags or role in more:
                    return True
        return False

    @functools.lru_cache(maxsize=20_000)
    def joints(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_COMPOUND:
            return ()
        best = self._split(word, 0, True, {})
        return tuple(best[:-1]) if best and len(best) > 1 else ()

    def _split(self, word: str, start: int, first: bool, known: dict):
        """The fewest-parts split of word[start:] (a list of part ends),
        or None; ``known``: the splits of the rest found so far."""
        if not first and start in known:
            return known[start]
        known[start] = best = self._split_from(word, start, first, known)
        return best

    def _split_from(self, word: str, start: int, first: bool, known: dict):
        rest = len(word) - start
        if not first and self._can(word[start:], self.end):
            return [len(word)]
        best = None
        if rest < 2 * MIN_FRAGMENT:
            return best
        role = self.begin if first else self.middle
        for cut in range(len(word) - MIN_FRAGMENT, start + MIN_FRAGMENT - 1,
                         -1):
            if not self._can(word[start:cut], role):
                continue
            tail = self._split(word, cut, False, known)
            if tail is not None and (best is None
                                     or len(tail) + 1 < len(best)):
                best = [cut, *tail]
        return best
