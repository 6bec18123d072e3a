"""Stage 1a: read a YAML file into a tree of positioned nodes, strictly.

In: a path.  Out: the root :class:`yaml.Node` (never Python values: the
schema decides what each scalar means, so ``no`` stays the text "no" and
``01234`` stays "01234") plus a list of :class:`~flyers.errors.Problem`.

Refused here, each with the line and column where it happens (and the
field, where there is one): files over :data:`MAX_BYTES`, bytes that are
not UTF-8, control characters and the invisible line breaks U+0085, U+2028
and U+2029 (each replaced by a space before parsing, so every later line
number stays right), YAML syntax errors (explained by
:mod:`flyers.yamlsyntax`), anchors and aliases (``&x`` / ``*x``), explicit
tags (``!!int``), nesting deeper than :data:`MAX_DEPTH`, more than one
document.  After a syntax error the top-level field holding its cause is
blanked out (line numbers kept) and the file parsed again, up to
:data:`MAX_SYNTAX_ERRORS` times, so one run reports them all.  Duplicate
keys are found by the schema walk (:mod:`flyers.schema`), which sees every
mapping anyway.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

from .errors import Problem
from .inputs import read_input
from .yamlsyntax import explain

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 24
MAX_SYNTAX_ERRORS = 20  # reported in one run before the reader gives up
ALIAS_TAG = 'tag:flyers,2026:refused-alias'  # already reported; stay quiet

class _TooDeep(Exception):
    def __init__(self, mark):
        self.mark = mark


class _StrictLoader(yaml.SafeLoader):
    """A composer that records anchors, aliases and tags as problems."""

    def __init__(self, stream, report):
        super().__init__(stream)
        self._report = report
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            self._report(event.start_mark,
                         f'aliases (*{event.anchor}) are not allowed; write '
                         'the value out in full')
            return yaml.ScalarNode(ALIAS_TAG, '', event.start_mark,
                                   event.end_mark)
        event = self.peek_event()
        if event.anchor is not None:
            self._report(event.start_mark,
                         f'anchors (&{event.anchor}) are not allowed; write '
                         'each value out in full')
            event.anchor = None
        tag = getattr(event, 'tag', None)
        if tag not in (None, '!'):
            shown = tag.replace('tag:yaml.org,2002:', '!!')
            self._report(event.start_mark,
                         f'a value starting with "!" ({shown}) is read as a '
                         'YAML tag, and tags are not allowed; put the whole '
                         'value in double quotes ("…")')
            event.tag = None
            if isinstance(event, yaml.ScalarEvent):
                event.implicit = (True, True)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _TooDeep(event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character ``index`` in ``text``."""
    line = text.count('\n', 0, index) + 1
    column = index - (text.rfind('\n', 0, index) + 1) + 1
    return line, column


def _read_bytes(path: Path, shown_as: str) -> tuple[bytes | None, list]:
    """The file's bytes, refusing folders, devices, pipes and big files
    (reading at most one byte past the cap, whatever stat() says)."""
    try:
        if path.is_dir():
            return None, [Problem(shown_as, 'this is a folder, not a file')]
        if not path.exists():
            return None, [Problem(shown_as, 'no such file')]
        if not path.is_file():
            return None, [Problem(shown_as, 'this is not a regular file')]
        raw = read_input(path, MAX_BYTES)
    except OSError as exc:
        return None, [Problem(shown_as, f'cannot read the file: '
                                        f'{exc.strerror}')]
    if len(raw) > MAX_BYTES:
        size = max(path.stat().st_size, len(raw))
        return None, [Problem(
            shown_as, f'the file is {size:,} bytes; content files may be '
            f'at most {MAX_BYTES:,} bytes (is this the right file?)')]
    return raw, []


def _trailing_comments(node, lines: list[str], report) -> None:
    """YAML drops " #…" after a plain value as a comment; in campaign text
    that is a hashtag or a link target lost without a word."""
    for path, node in _paths(node):
        if (isinstance(node, yaml.ScalarNode) and node.style is None
                and node.tag != ALIAS_TAG):
            end = node.end_mark
            rest = lines[end.line][end.column:] if end.line < len(lines) else ''
            if re.match(r'\s*#', rest) and (node.value or ': #' in
                                             lines[end.line]):
                column = end.column + rest.index('#')
                report(yaml.Mark('', 0, end.line, column, None, None),
                       'the text from this "#" on is read as a comment and '
                       'would be left out; put the whole value in double '
                       'quotes ("…")', path)




def _paths(node, path: str = '') -> Iterator[tuple[str, yaml.Node]]:
    """Every node with its field path as the schema names it
    (``proposals.items[0].title``); a key has its value's path."""
    yield path, node
    if isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            yield from _paths(child, f'{path}[{index}]')
    elif isinstance(node, yaml.MappingNode):
        for key, child in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else '?'
            sub = f'{path}.{name}' if path else name
            yield sub, key
            yield from _paths(child, sub)


def _name_fields(problems: list[Problem], root, blanked: set[int]
                 ) -> list[Problem]:
    """Give each problem without a field the path of the node it points at:
    the node starting there, else the text (scalar) it lies in.  Lines left
    out after a syntax error (``blanked``, 1-based) have no field."""
    if root is None:
        return problems
    starts: dict[tuple[int, int], str] = {}
    by_line: dict[int, list] = {}  # line -> the scalars on it
    for path, node in _paths(root):
        where = (node.start_mark.line + 1, node.start_mark.column + 1)
        starts.setdefault(where, path)
        if isinstance(node, yaml.ScalarNode):
            end = (node.end_mark.line + 1, node.end_mark.column + 1)
            for line in range(where[0], end[0] + 1):
                by_line.setdefault(line, []).append((where, end, path))
    named = []
    for problem in problems:
        if (problem.field is None and problem.line is not None
                and problem.line not in blanked):
            where = (problem.line, problem.column or 1)
            path = starts.get(where) or next(
                (p for start, end, p in by_line.get(problem.line, ())
                 if start <= where < end), '')
            if path:
                problem = dataclasses.replace(problem, field=path)
        named.append(problem)
    return named


# --- characters YAML would misread ----------------------------------------

# What PyYAML's reader refuses (yaml/reader.py NON_PRINTABLE), plus the three
# characters it takes for line breaks although editors show none there, and
# a byte order mark after the start (YAML takes it for text, even in the
# indentation).
_REFUSED_RE = re.compile('[^\x09\x0A\x20-\x7E\xA0-\uD7FF\uE000-\uFFFD'
                         '\U00010000-\U0010FFFF]|[\u2028\u2029\uFEFF]')
_INVISIBLE = {'\x85': 'next line', '\u2028': 'line separator',
              '\u2029': 'paragraph separator', '\uFEFF': 'byte order mark'}


def _refuse_characters(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """``text`` with every refused character replaced by a space (a byte
    order mark deleted), so the lines and columns of everything after it
    stay right, and (line, column, message) for the first such character of
    each line."""
    found: list[tuple[int, int, str]] = []
    line, line_start, counted = 1, 0, 0  # counted: text[:counted] seen
    last_line = 0
    for match in _REFUSED_RE.finditer(text):
        char = match.group()
        breaks = text.count('\n', counted, match.start())
        if breaks:
            line += breaks
            line_start = text.rfind('\n', counted, match.start()) + 1
        counted = match.start()
        if line == last_line:
            continue
        last_line = line
        column = match.start() - line_start + 1
        if char == '\uFEFF':
            message = ('an invisible byte order mark (U+FEFF) inside the '
                       'file, where YAML reads it as text; delete it')
        elif char in _INVISIBLE:
            message = (f'an invisible {_INVISIBLE[char]} character '
                       f'(U+{ord(char):04X}) that YAML would read as a line '
                       'break; replace it with a normal line break or a '
                       'space')
        else:
            message = (f'the file contains an invisible control character '
                       f'(U+{ord(char):04X}) that is not allowed; delete it '
                       'and retype the text around it')
        found.append((line, column, message))
    # A byte order mark is as wide as nothing: columns stay as editors show.
    return _REFUSED_RE.sub(lambda m: '' if m.group() == '\uFEFF' else ' ',
                           text), found


# --- parsing, with recovery after syntax errors ---------------------------

def _top_level_block(lines: list[str], index: int) -> tuple[int, int]:
    """The lines [start, end) of the top-level field holding line ``index``:
    from the nearest line at or above it that starts in column 0 to the next
    such line below it."""
    def top(i):
        return lines[i][:1] not in ('', ' ', '#', '\t')

    start = next((i for i in range(min(index, len(lines) - 1), -1, -1)
                  if top(i)), index)
    end = next((i for i in range(index + 1, len(lines)) if top(i)),
               len(lines))
    return start, max(end, start + 1)


@dataclass
class Parsed:
    """What :func:`read_yaml` found.  ``node`` is None when nothing could be
    read.  ``skipped`` names the top-level fields left out after syntax
    errors (the schema must not call them missing); ``broken`` says the tree
    is incomplete and must not be turned into a value."""

    node: yaml.Node | None
    problems: list[Problem]
    skipped: frozenset = frozenset()
    broken: bool = False


def read_yaml(path: Path, shown_as: str, trailing_comments: bool = True
              ) -> Parsed:
    """Compose ``path`` into nodes; problems name the file ``shown_as``.
    With ``trailing_comments=False`` a " # comment" after a value is an
    error (content files: a hashtag must not vanish)."""
    raw, problems = _read_bytes(path, shown_as)
    if raw is None:
        return Parsed(None, problems)
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as exc:
        good = raw[:exc.start].decode('utf-8')
        line, column = _position(good, len(good))
        return Parsed(None, [Problem(
            shown_as, f'the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}'
            '); save it with the UTF-8 encoding', line, column)])
    # YAML reads CR LF and a lone CR as one line break, as editors do.
    text = text.removeprefix('\ufeff').replace('\r\n', '\n').replace('\r', '\n')
    text, refused = _refuse_characters(text)
    found = [Problem(shown_as, message, line, column)
             for line, column, message in refused]
    seen = {(p.line, p.column, p.message) for p in found}

    def report(mark, message, field=None):
        problem = Problem(shown_as, message, mark.line + 1, mark.column + 1,
                          field or None)
        if (problem.line, problem.column, message) not in seen:
            seen.add((problem.line, problem.column, message))
            found.append(problem)

    lines = text.split('\n')
    syntax: list[Problem] = []
    skipped: set[str] = set()
    blanked: set[int] = set()
    broken = False
    # Each pass parses the whole file: at most a few megabytes in all.
    passes = max(2, min(MAX_SYNTAX_ERRORS, 3 * MAX_BYTES // max(len(text), 1)))
    node = None
    for _ in range(passes):
        try:
            node = _compose(text, report)
            break
        except _TooDeep as exc:
            cause = exc.mark.line
            syntax.append(Problem(shown_as, f'nested more than {MAX_DEPTH} '
                                  'levels deep', exc.mark.line + 1,
                                  exc.mark.column + 1))
        except yaml.MarkedYAMLError as exc:
            why = explain(exc, text, lines)
            cause = why.cause_line
            syntax.append(Problem(shown_as, why.message, why.line + 1,
                                  why.column + 1))
        broken = True
        start, end = _top_level_block(lines, cause)
        if not any(line.strip() for line in lines[start:end]):
            break  # nothing left to leave out: stop here
        name = lines[start].partition(':')[0].strip()
        if name:
            skipped.add(name)
        lines[start:end] = [''] * (end - start)
        blanked.update(range(start + 1, end + 1))
        text = '\n'.join(lines)
    else:
        node = None
        syntax.append(Problem(shown_as, f'stopped after {len(syntax)} YAML '
                              'syntax errors; fix these and check again for '
                              'more'))
    if node is not None and not trailing_comments:
        _trailing_comments(node, lines, report)
    found = _name_fields(found, node, blanked)
    # A character replaced by a space may make its line a syntax error: the
    # character's own message says what to do.
    refused_lines = {line for line, _, _ in refused}
    problems = found + [p for p in syntax if p.line not in refused_lines]
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    if node is None and not broken and not problems:
        problems.append(Problem(shown_as, 'the file is empty'))
    return Parsed(node, problems, frozenset(skipped), broken)


def _compose(text: str, report) -> yaml.Node | None:
    loader = None
    try:
        loader = _StrictLoader(text, report)
        return loader.get_single_node()
    except yaml.reader.ReaderError as exc:  # _refuse_characters missed one
        line, column = _position(text, exc.position)
        raise yaml.MarkedYAMLError(
            problem=f'a character that is not allowed (U+{exc.character:04X})',
            problem_mark=yaml.Mark('', exc.position, line - 1, column - 1,
                                   None, None)) from None
    finally:
        if loader is not None:
            loader.dispose()
