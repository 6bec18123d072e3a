"""Stage 1d: the spell check of every text a campaign prints.

In: the campaigns of a build (a content file's variants, its translations:
each in its own language) and the project root.  Out: a list of
:class:`Finding` — one per unknown word where it stands in its file
(``content/x.yaml:24:39: intro[0]: unknown word "otrugga" — did you mean
"otrygga", …?``), which ``build`` and ``check`` print as warnings and
``release`` refuses.

What is read: every text field of the content file as written
(:func:`flyers.content.texts`; ``{district}`` references left out), its
``variant_values`` and each text cell of its variants table.  Known are
the words of the language's Hunspell dictionary (:mod:`flyers.spelldict`,
compounds by its rules), of the word lists (:mod:`flyers.wordlists`), the
names the content declares (the organisation, people's names, the
capitalised words of variant values: districts, places) and their Swedish
genitive (``Bäckbys``).  Never words: addresses, e-mail addresses, numbers
and words joined to digits, abbreviations in capitals, one letter, a part
of a hyphenated word the rest of which is known.

An unknown word spelt another way elsewhere in the same campaign (two
words of six letters or more, one or two letters apart) names that other
spelling and where it stands first among the suggestions, whether or not
a dictionary knows it: ``avhopperverksamhet`` beside ``avhopparverksamhet``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .content import texts
from .errors import ContentError, Problem
from .inputs import read_input
from .spelldict import dictionary_name, save_all, speller
from .varianttable import ID, TRACKING, csv_table, table_path
from .wordlists import PROJECT_LIST, listed_words
from .yamlstrict import MAX_BYTES

MIN_VARIANT = 6       # letters of a word compared with its neighbours
# Unknown words compared with the others, per file, and pairs compared:
# bounds for content that is hostile or in another language than it says.
MAX_COMPARED = 200
MAX_PAIRS = 200_000
# Hunspell takes 0.1-0.5 s to suggest for one word: content in another
# language than it says gets suggestions for its first words only.
MAX_SUGGESTED = 40
# Letters, the marks that belong to them (combining accents, Arabic
# vowel marks and tatweel, a soft hyphen, joiners) and, inside a word, a
# hyphen or an apostrophe.
_LETTER = r'[^\W\d_]'
_MARK = '[\u00ad\u0300-\u036f\u0610-\u061a\u0640\u064b-\u065f\u0670' \
        '\u06d6-\u06ed\u200c\u200d]'
_PART = f'{_LETTER}(?:{_LETTER}|{_MARK})*'
WORD_RE = re.compile(rf"(?<![\w\u00ad-]){_PART}(?:[-'’]{_PART})*"
                     rf"(?![\w\u00ad-])")
# Addresses (a slash, an @, "://" or a dot between letters: x.se, t.ex.)
# and {references} are blanked out before words are looked for.
_NOT_WORDS_RE = re.compile(r'\S*(?:[@/]|\w\.\w)\S*'
                           r'|(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*\}(?!\})')
_INVISIBLE = str.maketrans('', '', '\u00ad\u200c\u200d')
_NOT_TEXT_COLUMNS = ('url', 'file', 'focus', 'layouts', 'brand', 'status',
                     'language', 'pictures_folder')


@dataclass(frozen=True)
class Finding:
    """One unknown word at one place of one file."""

    file: str
    line: int | None
    column: int | None
    field: str
    word: str
    suggestions: tuple[str, ...] = ()   # quoted, as printed
    more: bool = False                  # the engine had more to suggest
    text: str = field(default='', compare=False, repr=False)
    offset: int = field(default=0, compare=False, repr=False)

    @property
    def message(self) -> str:
        hint = ''
        if self.suggestions:
            hint = (' — did you mean ' + ', '.join(self.suggestions)
                    + (', …' if self.more else '') + '?')
        return (f'unknown word "{self.word}"{hint} (add it to '
                f'{PROJECT_LIST} if it is right)')

    @property
    def where(self) -> str:
        """``file:line:column``."""
        return ':'.join(str(part) for part in (self.file, self.line,
                                                self.column) if part)

    @property
    def problem(self) -> Problem:
        return Problem(self.file, self.message, self.line, self.column,
                       self.field)

    def __str__(self) -> str:
        return str(self.problem)


def check(root: Path, campaigns, cache: bool = True) -> list[Finding]:
    """The findings of every content file the campaigns come from."""
    from .cache import cache_folder

    groups: dict[str, list] = {}
    for campaign in campaigns:
        groups.setdefault(campaign.file or campaign.source, []).append(
            campaign)
    folder = cache_folder(root) if cache else None
    findings: list[Finding] = []
    budget = {'suggested': 0}
    try:
        for group in groups.values():
            findings += _check_file(root, group[0], folder, budget)
    finally:
        save_all()
    unique = {(f.file, f.line, f.column, f.word): f for f in findings}
    return sorted(unique.values(),
                  key=lambda f: (f.file, f.line or 0, f.column or 0))


def refuse_unknown(root: Path, campaigns) -> None:
    """For ``release``: every unknown word is an error."""
    findings = check(root, campaigns)
    if findings:
        raise ContentError([f.problem for f in findings])


def unchecked(campaigns) -> list[str]:
    """The content files in a language with no dictionary here (German,
    for one), as notes."""
    return [f'{source}: no spelling dictionary for its language '
            f'({language}); not spell-checked'
            for source, language in dict.fromkeys(
                (c.source, c.language) for c in campaigns)
            if dictionary_name(language) is None]


# --- one content file --------------------------------------------------------

@dataclass
class _Unit:
    """One text as written, and where it stands."""

    file: str
    field: str
    text: str
    line: int | None
    column: int | None
    source: str | None = None   # the file's text, to find words in
    start: int = 0              # the value's place in it (characters)
    end: int = 0


def _check_file(root: Path, campaign, folder, budget) -> list[Finding]:
    spell = speller(campaign.language, folder)
    if spell is None:
        return []
    units, declared = _units(campaign)
    known_words = listed_words(root, campaign.brand) | declared
    tokens = [(unit, match.start(), match[0])
              for unit in units for match in _words(unit.text)]

    memo: dict[str, bool] = {}

    def known(word: str) -> bool:
        if word not in memo:
            memo[word] = _known(word, spell, known_words)
        return memo[word]

    unknown = [token for token in tokens if not known(token[2])]
    if not unknown:
        return []
    first: dict[str, tuple] = {}
    for token in tokens:
        if len(token[2]) >= MIN_VARIANT:
            first.setdefault(token[2].lower(), token)
    neighbours = _neighbours({t[2] for t in unknown}, first)
    findings = []
    for unit, offset, word in unknown:
        line, column = _locate(unit, offset, word)
        close = neighbours.get(word, [])
        spelt = {other[2].lower() for other in close}
        suggested = [_spelt_elsewhere(other, unit) for other in close] + [
            f'"{s}"' for s in _suggestions(spell, _clean(word), budget)
            if s.lower() not in spelt]
        findings.append(Finding(unit.file, line, column, unit.field, word,
                                tuple(suggested[:3]), len(suggested) > 3,
                                unit.text, offset))
    return findings


def _suggestions(spell, word: str, budget: dict) -> tuple[str, ...]:
    if not spell.has_suggestions(word):
        if budget['suggested'] >= MAX_SUGGESTED:
            return ()
        budget['suggested'] += 1
    return spell.suggestions(word)


def _spelt_elsewhere(token, here: _Unit) -> str:
    unit, offset, word = token
    line, column = _locate(unit, offset, word)
    if unit.file == here.file:
        return f'"{word}" (as in {unit.field}, line {line})'
    return f'"{word}" (as in {unit.file}:{line}:{column}, {unit.field})'


def _words(text: str):
    """The words of ``text`` (matches: offsets are the text's own)."""
    blanked = _NOT_WORDS_RE.sub(lambda m: ' ' * len(m[0]), text)
    for match in WORD_RE.finditer(blanked):
        start = match.start()
        # "SMS:et", "EU:s": an ending after a colon, not a word.
        if start >= 2 and blanked[start - 1] == ':' and \
                blanked[start - 2].isalnum():
            continue
        yield match


def _clean(word: str) -> str:
    return word.translate(_INVISIBLE).replace('’', "'")


def _known(word: str, spell, listed: frozenset) -> bool:
    word = _clean(word)
    if len(word) < 2 or _listed(word, listed) or word.isupper():
        return True
    if spell.known(word):
        return True
    if '-' in word:
        parts = [p for p in word.split('-') if p]
        return (all(len(p) < 2 or p.isupper() or _listed(p, listed)
                    or spell.known(p) for p in parts)
                or spell.known(''.join(parts)))
    return False


def _listed(word: str, listed: frozenset) -> bool:
    lower = word.lower()
    return (lower in listed
            or (lower.endswith("'s") and lower[:-2] in listed)
            or (lower.endswith('s') and lower[:-1] in listed))


# --- variant spellings -------------------------------------------------------

def _neighbours(unknown: set[str], first: dict) -> dict[str, list]:
    """For each unknown word of MIN_VARIANT letters or more, the other
    words of the file one or two edits away (their first occurrence)."""
    found: dict[str, list] = {}
    letters = {other: frozenset(other) for other in first}
    compared = max(1, min(MAX_COMPARED, MAX_PAIRS // max(1, len(first))))
    for word in sorted(w for w in unknown if len(w) >= MIN_VARIANT
                       )[:compared]:
        lower = word.lower()
        own = frozenset(lower)
        close = []
        for other, token in first.items():
            # Two edits change at most four letters of the word's set.
            if other != lower and abs(len(other) - len(lower)) <= 2 \
                    and len(own ^ letters[other]) <= 4:
                distance = _distance(lower, other)
                if distance <= 2:
                    close.append((distance, other, token))
        if close:
            found[word] = [token for _, _, token in sorted(
                close, key=lambda c: c[:2])][:3]
    return found


def _distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` when it
    is larger (a band of ``limit`` on each side of the diagonal)."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i] + [limit + 1] * len(b)
        low, high = max(1, i - limit), min(len(b), i + limit)
        for j in range(low, high + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (char != b[j - 1]))
        if min(current[max(0, low - 1):high + 1]) > limit:
            return limit + 1
        previous = current
    return min(previous[len(b)], limit + 1)


# --- where the texts are -----------------------------------------------------

def _units(campaign) -> tuple[list[_Unit], frozenset]:
    """The file's texts as written, its variant values and its table's
    text cells; and the names it declares (lower-cased words)."""
    source, tree = _source(campaign)
    units, declared = [], set()
    for path, value in texts(campaign):
        if path == 'url' or path.endswith('.url'):
            continue
        node = _node(tree, path)
        if isinstance(node, yaml.ScalarNode):
            value = node.value
        elif tree is not None:
            continue  # a value from a table's cell: read from the table
        unit = _unit(campaign, path, value, node, source)
        units.append(unit)
        if path == 'organisation' or re.fullmatch(
                r'people\[\d+\]\.name', path):
            declared |= _names(value, capitalised=False)
    if tree is not None:
        for path, node in _variant_nodes(tree):
            units.append(_unit(campaign, path, node.value, node, source))
            declared |= _names(node.value)
    for unit in _table_units(campaign):
        units.append(unit)
        declared |= _names(unit.text)
    return units, frozenset(declared)


def _names(text: str, capitalised: bool = True) -> set[str]:
    """The words of ``text`` (capitalised ones only, by default), and the
    parts of hyphenated ones, lower-cased."""
    words = set()
    for match in _words(text):
        word = _clean(match[0])
        if capitalised and not word[0].isupper():
            continue
        words.add(word.lower())
        words.update(part.lower() for part in word.split('-') if part)
    return words


def _unit(campaign, path: str, value: str, node, source) -> _Unit:
    if isinstance(node, yaml.ScalarNode) and source is not None:
        start = _index(source, node.start_mark)
        end = _index(source, node.end_mark)
        return _Unit(campaign.source, path, value,
                     node.start_mark.line + 1, node.start_mark.column + 1,
                     source, start, end)
    line, column, *cell = campaign.positions.get(path, (None, None))
    return _Unit(cell[0] if cell else campaign.source, path, value, line,
                 column)


def _source(campaign) -> tuple[str | None, object]:
    """The content file's text and node tree (None, None when it cannot
    be read again: positions are then the fields')."""
    try:
        text = read_input(Path(campaign.file), MAX_BYTES).decode('utf-8')
        loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
        return text, yaml.compose(text, Loader=loader)
    except (OSError, ValueError, yaml.YAMLError, RecursionError):
        return None, None


def _index(text: str, mark) -> int:
    """The character offset of a mark's line and column (libyaml counts
    its own index in bytes)."""
    offset = 0
    for _ in range(mark.line):
        offset = text.index('\n', offset) + 1
    return offset + mark.column


def _node(tree, path: str):
    """The node at a field path (``proposals.items[3].text``), or None."""
    node = tree
    for name, index in re.findall(r'([a-z_]+)|\[(\d+)\]', path):
        if name and isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value
                         if isinstance(k, yaml.ScalarNode)
                         and k.value == name), None)
        elif index and isinstance(node, yaml.SequenceNode) and \
                int(index) < len(node.value):
            node = node.value[int(index)]
        else:
            return None
    return node


def _variant_nodes(tree):
    """``variant_values`` and an inline ``variants:`` list's text values."""
    values = _node(tree, 'variant_values')
    if isinstance(values, yaml.MappingNode):
        for key, value in values.value:
            if isinstance(key, yaml.ScalarNode) and \
                    isinstance(value, yaml.ScalarNode):
                yield f'variant_values.{key.value}', value
    rows = _node(tree, 'variants')
    if isinstance(rows, yaml.SequenceNode):
        for number, row in enumerate(rows.value):
            if not isinstance(row, yaml.MappingNode):
                continue
            for key, value in row.value:
                if isinstance(key, yaml.ScalarNode) and \
                        isinstance(value, yaml.ScalarNode) and \
                        _text_column(key.value):
                    yield f'variants[{number}].{key.value}', value


def _text_column(name: str) -> bool:
    last = re.split(r'[.\[]', name)[-1] if name else ''
    return (name not in (ID, TRACKING) and not name.startswith('#')
            and last not in _NOT_TEXT_COLUMNS)


def _table_units(campaign) -> list[_Unit]:
    """The text cells of the file's variants table (CSV)."""
    path = table_path(Path(campaign.file))
    if not path.is_file():
        return []
    shown = str(Path(campaign.source).with_name(path.name))
    table = csv_table(path, shown, [])
    if table is None:
        return []
    units = []
    for index, column in enumerate(table.columns):
        if not _text_column(column.name):
            continue
        for row in table.rows:
            cell = row.cells[column.name]
            units.append(_Unit(shown, column.name, cell.value,
                               cell.mark.line + 1, cell.mark.column + 1))
    return units


def _locate(unit: _Unit, offset: int, word: str) -> tuple:
    """The line and column of the word at ``offset`` of the unit's text:
    the same occurrence in the file's text of the value (folded lines and
    all), or the value's own place."""
    if unit.source is None:
        return unit.line, unit.column
    nth = sum(1 for m in _words(unit.text[:offset]) if m[0] == word)
    pattern = re.compile(rf"(?<![\w\u00ad-]){re.escape(word)}"
                         rf"(?![\w\u00ad-])")
    found = list(pattern.finditer(unit.source, unit.start, unit.end))
    if nth >= len(found):
        return unit.line, unit.column
    index = found[nth].start()
    line = unit.source.count('\n', 0, index) + 1
    return line, index - (unit.source.rfind('\n', 0, index) + 1) + 1
