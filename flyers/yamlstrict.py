"""Stage 1a: read a YAML file into a tree of positioned nodes, strictly.

In: a path.  Out: the root :class:`yaml.Node` (never Python values: the
schema decides what each scalar means, so ``no`` stays the text "no" and
``01234`` stays "01234") plus a list of :class:`~flyers.errors.Problem`.

Refused here, each with the line and column where it happens: files over
:data:`MAX_BYTES`, bytes that are not UTF-8, YAML syntax errors, anchors and
aliases (``&x`` / ``*x``), explicit tags (``!!int``), nesting deeper than
:data:`MAX_DEPTH`, more than one document.  Duplicate keys are found by the
schema walk (:mod:`flyers.schema`), which sees every mapping anyway.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .errors import Problem

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 24
ALIAS_TAG = 'tag:flyers,2026:refused-alias'  # already reported; stay quiet

_HINTS = {
    'mapping values are not allowed here':
        'a colon followed by a space inside a value; put the whole value '
        'in double quotes ("…")',
    'found undefined alias': 'aliases (*name) are not allowed',
    'expected <block end>, but found':
        'the indentation does not line up with the lines above, or a quote '
        'on an earlier line is not closed',
    'could not find expected \':\'':
        'a line that is neither "field: value" nor "- item"; check the '
        'indentation and quotes',
}


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
        with path.open('rb') as file:
            raw = file.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, [Problem(shown_as, f'cannot read the file: '
                                        f'{exc.strerror}')]
    if len(raw) > MAX_BYTES:
        size = max(path.stat().st_size, len(raw))
        return None, [Problem(
            shown_as, f'the file is {size:,} bytes; content files may be '
            f'at most {MAX_BYTES:,} bytes (is this the right file?)')]
    return raw, []


def _syntax_message(exc: yaml.MarkedYAMLError, text: str):
    """A YAML syntax error in words a campaign worker can act on."""
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or 'not valid YAML'
    line_text = text.splitlines()[mark.line] if text.splitlines() else ''
    value = line_text.partition(': ')[2].lstrip() if ': ' in line_text else ''
    if exc.context and 'quoted scalar' in exc.context and exc.context_mark:
        return exc.context_mark, ('a quoted value starts here but its closing '
                                  'quote is missing; add it')
    if 'but found another document' in problem:
        return mark, ('the file holds more than one document (a second "---");'
                      ' keep one campaign per file')
    if problem.startswith("found character '\\t'"):
        if line_text[:mark.column].strip():
            return mark, ('a tab character inside a value; use spaces, or put '
                          'the whole value in double quotes ("…")')
        return mark, 'a tab character; indent with spaces, not tabs'
    if value[:1] in ('%', '@', '`'):
        return mark, (f'a value may not start with "{value[0]}"; put the whole '
                      'value in double quotes ("…")')
    if value[:1] in ('"', "'") and not value.rstrip().endswith(value[0]):
        return mark, ('a value that starts with a quote must end with it; put '
                      'the whole value in double quotes ("…"), and write a '
                      'quote inside it as \\"')
    hint = next((h for key, h in _HINTS.items() if problem.startswith(key)),
                None)
    message = f'this is not valid YAML: {problem}'
    return mark, message + (f' ({hint})' if hint else '')


def _trailing_comments(node, lines: list[str], report) -> None:
    """YAML drops " #…" after a plain value as a comment; in campaign text
    that is a hashtag or a link target lost without a word."""
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.tag != ALIAS_TAG:
            end = node.end_mark
            rest = lines[end.line][end.column:] if end.line < len(lines) else ''
            if re.match(r'\s*#', rest) and (node.value or ': #' in
                                             lines[end.line]):
                column = end.column + rest.index('#')
                report(yaml.Mark('', 0, end.line, column, None, None),
                       'the text from this "#" on is read as a comment and '
                       'would be left out; put the whole value in double '
                       'quotes ("…")')
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            _trailing_comments(child, lines, report)
    elif isinstance(node, yaml.MappingNode):
        for _, child in node.value:
            _trailing_comments(child, lines, report)


def read_yaml(path: Path, shown_as: str, trailing_comments: bool = True
              ) -> tuple[yaml.Node | None, list[Problem]]:
    """Compose ``path`` into nodes; problems name the file ``shown_as``.
    With ``trailing_comments=False`` a " # comment" after a value is an
    error (content files: a hashtag must not vanish)."""
    problems: list[Problem] = []

    def report(mark, message):
        problems.append(Problem(shown_as, message, mark.line + 1,
                                mark.column + 1))

    raw, problems = _read_bytes(path, shown_as)
    if raw is None:
        return None, problems
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as exc:
        good = raw[:exc.start].decode('utf-8')
        line, column = _position(good, len(good))
        return None, [Problem(
            shown_as, f'the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}'
            '); save it with the UTF-8 encoding', line, column)]
    text = text.removeprefix('\ufeff')

    loader = None
    try:
        loader = _StrictLoader(text, report)
        node = loader.get_single_node()
    except _TooDeep as exc:
        report(exc.mark, f'nested more than {MAX_DEPTH} levels deep')
        return None, problems
    except yaml.reader.ReaderError as exc:
        line, column = _position(text, exc.position)
        return None, problems + [Problem(
            shown_as, f'the file contains an invisible control character '
            f'(U+{exc.character:04X}) that is not allowed; delete it and '
            'retype the text around it', line, column)]
    except yaml.MarkedYAMLError as exc:
        mark, message = _syntax_message(exc, text)
        problems.append(Problem(shown_as, message, mark.line + 1,
                                mark.column + 1))
        return None, problems
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        problems.append(Problem(shown_as, 'the file is empty'))
    elif not trailing_comments:
        _trailing_comments(node, text.splitlines(), report)
    return node, problems
