"""Stage 1a, helper: YAML syntax errors in words a campaign worker can act on.

In: a PyYAML ``MarkedYAMLError`` and the text it came from (lines split on
``\\n`` only).  Out: :class:`Explained` — the 0-based line and column of the
cause (the opening quote of a value that is never closed, not the end of the
file; the line whose indentation differs from its siblings'), one message
saying what to do, and the line the reader recovers from
(:mod:`flyers.yamlstrict` blanks the top-level block around it and parses
again, so several syntax errors are reported in one run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

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

# "field:" (or "- field:") at the start of a line, value or not.
_KEY_RE = re.compile(r'[^\s#\'"\-?:,\[\]{}][^#]*?:(?:[ \t]|$)')
_DASHES_RE = re.compile(r'(?:-(?: +|$))+')
# "title:Trygghet": a field name glued to its value (not "https://").
_NO_SPACE_RE = re.compile(r' *(?:- +)?([A-Za-z_][\w-]*):([^\s/:].*)')
_BLOCK_SCALAR_RE = re.compile(r'[|>][0-9+-]*[ \t]*(?:#.*)?$')


@dataclass(frozen=True)
class Explained:
    line: int  # 0-based, like PyYAML's marks
    column: int
    message: str
    cause_line: int  # the reader recovers at the top-level block of this


def explain(exc: yaml.MarkedYAMLError, text: str,
            lines: list[str]) -> Explained:
    """Where the syntax error ``exc`` comes from and what to do about it."""
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or 'not valid YAML'
    line = min(mark.line, len(lines) - 1) if lines else 0
    line_text = lines[line] if lines else ''

    def at(where, message):
        return Explained(where.line, where.column, message, where.line)

    if exc.context and 'quoted scalar' in exc.context and exc.context_mark:
        if 'escape' in problem:
            back = line_text.rfind('\\', 0, mark.column + 1)
            where = yaml.Mark('', 0, line, max(back, 0), None, None)
            return at(where, 'a backslash in double quotes starts an escape '
                             '(\\n, \\", \\u00e9), and this one is none; '
                             'write a backslash as \\\\, or put the value in '
                             'single quotes')
        return at(exc.context_mark, _unclosed(lines, exc.context_mark))
    last = _last_quoted(text, mark)
    opened = _swallowing_quote(last, lines, mark)
    if opened is not None:
        return at(opened, _unclosed(lines, opened))
    if (last is not None and last.start_mark.line == mark.line
            and last.end_mark.line == mark.line
            and last.end_mark.column < len(line_text.rstrip())
            and line_text.rstrip().endswith(last.style)):
        # "Hon sa "hej" till": the quote before hej ends the value.
        quote = last.style
        where = yaml.Mark('', 0, mark.line, last.end_mark.column - 1, None,
                          None)
        if quote == '"':
            return at(where, 'this quote ends the quoted value before the '
                             'line does; write a quote inside the value as '
                             '\\" (or use typographic quotes ”…”)')
        return at(where, 'this apostrophe ends the value in single quotes '
                         'before the line does; write it as \'\' (two '
                         'apostrophes), or put the whole value in double '
                         'quotes ("…")')
    start = None
    if '<stream end>' in problem or 'end of stream' in problem:
        start = _unclosed_bracket(text, mark)
    elif (exc.context and exc.context.startswith('while parsing a flow')
          and exc.context_mark and exc.context_mark.line < mark.line):
        start = exc.context_mark  # "[" ran on over the lines below
    if start is not None:
        opener = lines[start.line][start.column:start.column + 1]
        closer = {'[': ']', '{': '}'}.get(opener, ']')
        return at(start, f'a value that starts with "{opener}" here is never '
                         f'closed with "{closer}"; close it, or put the whole '
                         'value in double quotes ("…")')
    if 'but found another document' in problem:
        return at(mark, 'the file holds more than one document (a second '
                        '"---"); keep one campaign per file')
    if problem.startswith("found character '\\t'"):
        if line_text[:mark.column].strip():
            return at(mark, 'a tab character inside a value; use spaces, or '
                            'put the whole value in double quotes ("…")')
        return at(mark, 'a tab character; indent with spaces, not tabs')
    if problem.startswith("expected '<document start>'"):
        first = _first_content_line(lines)
        if first is not None and first < line:
            return _bad_start(lines, first)
    simple_key = exc.context == 'while scanning a simple key'
    if simple_key and exc.context_mark:
        mark = exc.context_mark  # where the line YAML could not place starts
        line = min(mark.line, len(lines) - 1)
        line_text = lines[line]
    if simple_key or problem.startswith('mapping values are not allowed'):
        for number in (line, _previous_content_line(lines, line)):
            glued = _NO_SPACE_RE.match(lines[number]) if number is not None \
                else None
            if glued:
                return Explained(number, glued.end(1), (
                    f'"{glued[1]}:" needs a space after the colon; write '
                    f'"{glued[1]}: {_cut(glued[2].rstrip())}"'), number)
    misaligned = _misaligned(lines, line) or _text_misaligned(lines, line)
    if misaligned is not None:
        column, message = misaligned
        return Explained(line, column, message, line)
    stray = (problem.endswith("but found '<scalar>'")
             and mark.column == len(line_text) - len(line_text.lstrip(' '))
             and _parse(line_text, line) is None)
    if simple_key or stray:
        return at(mark, 'YAML cannot place this line: it is neither "field: '
                        'value" nor "- item", nor part of a text above it; '
                        'is the ":" after a field name missing?')
    value = line_text.partition(': ')[2].lstrip() if ': ' in line_text else ''
    if value[:1] in ('%', '@', '`'):
        return at(mark, f'a value may not start with "{value[0]}"; put the '
                        'whole value in double quotes ("…")')
    if value[:1] in ('"', "'") and not value.rstrip().endswith(value[0]):
        return at(mark, 'a value that starts with a quote must end with it; '
                        'put the whole value in double quotes ("…"), and '
                        'write a quote inside it as \\"')
    hint = next((h for key, h in _HINTS.items() if problem.startswith(key)),
                None)
    message = f'this is not valid YAML: {problem}'
    return at(mark, message + (f' ({hint})' if hint else ''))


def _cut(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit - 1] + '…'


def _previous_content_line(lines: list[str], number: int) -> int | None:
    return next((i for i in range(number - 1, -1, -1) if lines[i].strip()
                 and not lines[i].lstrip().startswith('#')), None)


def _first_content_line(lines: list[str]) -> int | None:
    return next((i for i, raw in enumerate(lines)
                 if raw.strip() and not raw.lstrip().startswith('#')
                 and raw.strip() != '---'), None)


def _bad_start(lines: list[str], first: int) -> Explained:
    """The file's first line with something on it ended the document:
    indented, or text that is not a field."""
    parsed = _parse(lines[first], first)
    indent = len(lines[first]) - len(lines[first].lstrip(' '))
    if parsed is not None and parsed.dash is None and indent:
        message = (f'this line is indented {indent} spaces and the top-level '
                   'fields 0; line it up with them')
    else:
        message = ('the file must start with "field: value" lines, and this '
                   'line is none (a comment line starts with "#")')
    return Explained(first, indent, message, first)


def _unclosed(lines: list[str], start) -> str:
    quote = lines[start.line][start.column:start.column + 1] or '"'
    inside = '\\"' if quote == '"' else "''"
    return (f'this value opens a quote ({quote}) that is never closed; add '
            f'the closing {quote} at the end of the value (a {quote} inside '
            f'the value is written {inside})')


def _last_quoted(text: str, mark):
    """The last quoted value (a scalar token) before ``mark``, or None."""
    last = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= mark.index:
                break
            if (isinstance(token, yaml.ScalarToken)
                    and token.style in ('"', "'")):
                last = token
    except yaml.YAMLError:
        pass
    return last


def _swallowing_quote(last, lines: list[str], mark):
    """The start of a quoted value that ran on over lines holding fields or
    list items until a quote of a later line closed it, just before the
    error: the real cause is its missing closing quote."""
    if last is None:
        return None
    start, end = last.start_mark, last.end_mark
    if end.line == start.line or mark.line - end.line > 1:
        return None
    for index in range(start.line + 1, end.line + 1):
        row = lines[index] if index < len(lines) else ''
        if index == end.line:
            row = row[:max(end.column - 1, 0)]
        body = row.lstrip(' ')
        if _DASHES_RE.match(body) or _KEY_RE.match(body):
            return start
    return None


def _unclosed_bracket(text: str, mark):
    """The outermost "[" or "{" still open when the file ends."""
    opened = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= mark.index:
                break
            if isinstance(token, (yaml.FlowSequenceStartToken,
                                  yaml.FlowMappingStartToken)):
                opened.append(token.start_mark)
            elif isinstance(token, (yaml.FlowSequenceEndToken,
                                    yaml.FlowMappingEndToken)) and opened:
                opened.pop()
    except yaml.YAMLError:
        pass
    return opened[0] if opened else None


# --- indentation ------------------------------------------------------------

@dataclass(frozen=True)
class _Line:
    number: int  # 0-based
    indent: int
    dash: int | None  # column of "- ", if the line is a list item
    key: int | None  # column of "field:", if the line names a field
    name: str  # the field's name, or ''
    value: str  # what follows the colon or the dash, comment removed
    opens: bool  # nothing after the colon/dash: children follow


def _structure(lines: list[str], upto: int) -> list[_Line]:
    """The lines before ``upto`` that name a field or start a list item,
    skipping comments, blank lines, continuation lines and the contents of
    ``|``/``>`` block texts."""
    found: list[_Line] = []
    block_above = None  # indentation a block text's lines must exceed
    for number in range(min(upto + 1, len(lines))):
        raw = lines[number]
        body = raw.lstrip(' ')
        indent = len(raw) - len(body)
        if not body.strip() or body.startswith('#'):
            continue
        if block_above is not None and indent > block_above:
            continue
        block_above = None
        parsed = _parse(raw, number)
        if parsed is None:
            continue
        found.append(parsed)
        if _BLOCK_SCALAR_RE.match(parsed.value):
            block_above = (parsed.key if parsed.key is not None
                           else parsed.indent)
    return found


def _parse(raw: str, number: int) -> _Line | None:
    body = raw.lstrip(' ')
    indent = len(raw) - len(body)
    dashes = _DASHES_RE.match(body)
    dash = indent if dashes else None
    rest = body[dashes.end():] if dashes else body
    key, name, value = None, '', rest
    if _KEY_RE.match(rest):
        key = indent + (dashes.end() if dashes else 0)
        name, _, value = rest.partition(':')
    elif not dashes:
        return None
    value = value.strip()
    if value.startswith('#'):
        value = ''
    return _Line(number, indent, dash, key, name.strip(), value, value == '')


def _misaligned(lines: list[str], number: int) -> tuple[int, str] | None:
    """(column, message) when line ``number`` (a field or a list item) is
    indented differently from the siblings it can belong to."""
    if number >= len(lines):
        return None
    target = _parse(lines[number], number)
    structure = _structure(lines, number - 1) if number else []
    if target is None or not structure:
        return None
    item = target.dash is not None
    column = target.indent
    above = structure[-1]
    if above.opens:
        parent = above.key if above.key is not None else above.indent
        if column > parent or (item and above.key is not None
                               and column == above.key):
            return None
    # The blocks still open at ``above``: it, and each earlier line that is
    # indented less than everything after it (a "- " under "field:" in the
    # same column belongs to that field).
    chain = [above]
    level = above.indent - (0.5 if above.dash is not None else 0)
    for line in reversed(structure[:-1]):
        own = line.indent - (0.5 if line.dash is not None else 0)
        if own < level:
            chain.append(line)
            level = own
    siblings = [(line.dash if item else line.key, line) for line in chain]
    siblings = [(col, line) for col, line in siblings if col is not None]
    if not item:
        siblings.append((0, None))  # the top-level fields
    if item and not siblings and above.key is not None and not above.opens:
        return column, (
            f'this list item follows "{above.name}:" on line '
            f'{above.number + 1}, which has a value already; a list goes '
            'under a field with nothing after its ":"')
    if not siblings or any(col == column for col, _ in siblings):
        return None
    # Between two open blocks a line belongs to the inner one (it is
    # indented more than the outer one's fields).
    deeper = [pair for pair in siblings if pair[0] > column]
    col, sibling = (min(deeper, key=lambda pair: pair[0]) if deeper
                    else max(siblings, key=lambda pair: pair[0]))
    if item:
        where = f'on line {sibling.number + 1} is indented'
        return column, (
            f'this list item is indented {column} spaces and the item {where} '
            f'{col}; line up the "- " of all the items of one list')
    if sibling is None:
        return column, (f'this line is indented {column} spaces and the '
                        'top-level fields 0; line it up with them')
    return column, (
        f'this line is indented {column} spaces and its sibling '
        f'"{sibling.name}:" on line {sibling.number + 1} is indented {col}; '
        f'line it up with line {sibling.number + 1} (the fields of one group '
        'start in the same column)')


def _text_misaligned(lines: list[str], number: int
                     ) -> tuple[int, str] | None:
    """(column, message) when line ``number`` is a line of a ``>-`` or ``|``
    text indented less than the text's first line (which ends the text)."""
    if number >= len(lines) or _parse(lines[number], number) is not None:
        return None
    column = len(lines[number]) - len(lines[number].lstrip(' '))
    first = None
    for index in range(number - 1, -1, -1):
        raw = lines[index]
        if not raw.strip():
            continue
        parsed = _parse(raw, index)
        if parsed is not None and _BLOCK_SCALAR_RE.match(parsed.value):
            parent = parsed.key if parsed.key is not None else parsed.indent
            if first is None and column <= parent and index == number - 1:
                return column, (
                    f'the lines of a text that starts with "{parsed.value}" '
                    f'(line {index + 1}) must be indented more than that '
                    f'line\'s "{parsed.name + ":" if parsed.key is not None else "-"}"'
                    f'; indent this line by {parent + 2 - column} more spaces')
            if first is None or not parent < column:
                return None
            deep = len(lines[first]) - len(lines[first].lstrip(' '))
            return column, (
                f'this line is indented {column} spaces and the first line of '
                f'the text it continues (line {first + 1}) {deep}; indent '
                'all the lines of one text alike')
        if len(raw) - len(raw.lstrip(' ')) <= column:
            return None
        first = index
    return None
