"""Stage 1b: a declarative schema that turns YAML nodes into typed values.

In: a node tree from :mod:`flyers.yamlstrict`.  Out: plain Python values
(``str``, tuples, dicts, frozen dataclasses) plus every problem found, each
with its line, column and field path.  The schema is declared once (see
:mod:`flyers.content` and :mod:`flyers.layouts`) and drives validation, the
"did you mean" hints and the generated documentation.

Scalars are text: the kinds here read ``node.value`` as written and never
let YAML guess a type.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable

import yaml

from .errors import Problem
from .urls import problem as url_problem
from .yamlstrict import ALIAS_TAG, read_yaml

_MAP = 'tag:yaml.org,2002:map'
# Line breaks and runs of ordinary spaces become one space; no-break and
# thin spaces (40\u00a0000 kr) are kept as written.
_WS_RE = re.compile(r'[ \t\r\n]+')
_SEQ = 'tag:yaml.org,2002:seq'


# A reference to a variant's value in content text: ``{district}``.
# Doubled braces (``{{x}}``) are not one.
REFERENCE_RE = re.compile(r'(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})')


class CellMark(yaml.Mark):
    """The place of a value that comes from another file than the one
    converted (a cell of a variants table): its problems name that file."""

    def __init__(self, file: str, line: int, column: int):
        super().__init__(file, 0, line - 1, column - 1, None, None)
        self.file = file


class Context:
    """Collects problems and positions while one file is converted.

    ``variables`` (content files only) resolves ``{name}`` references in
    text: an object with ``substitute(text, report) -> text or None`` and
    ``misplaced(text) -> message or None`` (see :mod:`flyers.variants`).
    Without it text is taken as written."""

    def __init__(self, shown_as: str, skipped: frozenset = frozenset(),
                 variables=None):
        self.file = shown_as
        self.problems: list[Problem] = []
        # Path -> (line, column), or (line, column, file) for a value from
        # another file (a variants table's cell).
        self.positions: dict[str, tuple] = {}
        # Top-level fields the reader left out after a syntax error in them:
        # not "missing".
        self.skipped = skipped
        self.variables = variables

    def problem(self, node: yaml.Node | None, path: str, message: str):
        if node is not None and node.tag == ALIAS_TAG:
            return  # the alias itself was reported by the reader
        if node is None:
            self.problems.append(Problem(self.file, message, field=path or None))
        else:
            mark = node.start_mark
            self.problems.append(Problem(getattr(mark, 'file', self.file),
                                         message, mark.line + 1,
                                         mark.column + 1, path or None))

    def remember(self, node: yaml.Node, path: str):
        mark = node.start_mark
        place = (mark.line + 1, mark.column + 1)
        if isinstance(mark, CellMark):
            place += (mark.file,)
        self.positions[path] = place

    def substitute(self, node: yaml.Node, path: str, value: str):
        """``value`` with its ``{name}`` references replaced by the
        variant's values; None (and a problem) when one cannot be."""
        if self.variables is None or '{' not in value:
            return value
        return self.variables.substitute(
            value, lambda message: self.problem(node, path, message))

    def misplaced(self, node: yaml.Node, path: str, value: str) -> bool:
        """Whether ``value`` of a field that is not text refers to a
        variant's value (a problem said so)."""
        if self.variables is None or '{' not in value:
            return False
        message = self.variables.misplaced(value)
        if message:
            self.problem(node, path, message)
        return bool(message)


def found(node: yaml.Node) -> str:
    """Describe what a node holds, in the words of the error messages."""
    if isinstance(node, yaml.MappingNode):
        return 'a group of fields'
    if isinstance(node, yaml.SequenceNode):
        return 'a list'
    if node.value == '' and node.style is None:
        return 'nothing'
    return f'"{shown(node.value)}"'


def shown(value: str, limit: int = 40) -> str:
    """``value`` fit for a one-line message: white space runs as one space,
    other invisible characters as ``\\uXXXX``, at most ``limit``
    characters."""
    value = _WS_RE.sub(' ', value)
    value = value if len(value) <= limit else value[:limit - 3] + '…'
    return ''.join(c if c.isprintable() or c == ' ' else f'\\u{ord(c):04X}'
                   for c in value)


class Kind:
    """What a field may hold.  Subclasses convert one node."""

    description = 'a value'

    def convert(self, node: yaml.Node, path: str, ctx: Context) -> Any:
        raise NotImplementedError

    def expect(self, node, path, ctx, what=None):
        ctx.problem(node, path, f'expected {what or self.description}, '
                                f'found {found(node)}')


_BOLD_RE = re.compile(r'\*\*')
# Written as escapes in double quotes ("\x1b", "\u2028"): never text.
_CONTROL_RE = re.compile('[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]')


@dataclass(frozen=True)
class Text(Kind):
    """A piece of text on one line or folded over several (``>-``).

    White space runs (including the line breaks of folded text) become one
    space.  ``inline`` allows ``**bold**``; markers must come in pairs.
    """

    inline: bool = True
    max_length: int = 2000
    description: str = 'text'

    def convert(self, node, path, ctx):
        if not isinstance(node, yaml.ScalarNode):
            return self.expect(node, path, ctx)
        value = _WS_RE.sub(' ', node.value).strip()
        if not value:
            return self.expect(node, path, ctx)
        value = ctx.substitute(node, path, value)
        if value is None:
            return None
        value = _WS_RE.sub(' ', value).strip()
        control = _CONTROL_RE.search(value)
        if control:
            ctx.problem(node, path, f'the text holds an invisible character '
                        f'(U+{ord(control.group()):04X}) written as an escape '
                        'starting with "\\"; remove the escape')
            return None
        if len(value) > self.max_length:
            ctx.problem(node, path, f'expected at most {self.max_length} '
                        f'characters, found {len(value)}; shorten the text')
            return None
        if self.inline and len(_BOLD_RE.findall(value)) % 2:
            ctx.problem(node, path, 'found an unpaired ** (bold marker); '
                        'write **bold words** with two stars on both sides')
            return None
        if not self.inline and '**' in value:
            ctx.problem(node, path, 'bold (**) is not allowed in this field')
            return None
        return value


@dataclass(frozen=True)
class Url(Kind):
    """An https address as browsers read it (:mod:`flyers.urls`), or ``#``
    to mark a link that is not known yet.  The value is kept as written;
    the QR code and the printed form are made from its parse."""

    description: str = 'a web address starting with https://'

    def convert(self, node, path, ctx):
        if not isinstance(node, yaml.ScalarNode) or (
                node.value == '' and node.style is None):
            return self.expect(node, path, ctx)
        if node.value.strip() == '#':
            return node.value.strip()
        if ctx.misplaced(node, path, node.value):
            return None
        refused = url_problem(node.value)
        if refused:
            ctx.problem(node, path, refused)
            return None
        return node.value


@dataclass(frozen=True)
class Choice(Kind):
    values: tuple[str, ...] = ()

    @property
    def description(self):
        return 'one of ' + ', '.join(self.values)

    def convert(self, node, path, ctx):
        if isinstance(node, yaml.ScalarNode) and node.value in self.values:
            return node.value
        return self.expect(node, path, ctx)


@dataclass(frozen=True)
class Pattern(Kind):
    """Text matching a regular expression (names, codes, query strings)."""

    regex: str = r'.+'
    description: str = 'text'

    def convert(self, node, path, ctx):
        if isinstance(node, yaml.ScalarNode) and re.fullmatch(self.regex,
                                                              node.value):
            return node.value
        return self.expect(node, path, ctx)


@dataclass(frozen=True)
class RelativePath(Kind):
    """A file or folder name relative to a folder of the project, written
    with "/": no absolute path, no "..", no backslash, nothing invisible.
    (Whether it exists, and where links lead, is checked by the stage that
    knows the folder.)"""

    what: str = 'file'

    @property
    def description(self):
        return f'a {self.what} name such as ' + (
            '"hero.jpg"' if self.what == 'file' else '"images"')

    def convert(self, node, path, ctx):
        if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
            return self.expect(node, path, ctx)
        value = node.value.strip()
        if ctx.misplaced(node, path, value):
            return None
        parts = value.split('/')
        if value.startswith(('/', '~')) or re.match(r'[A-Za-z]:', value):
            why = 'it is an absolute path'
        elif '..' in parts:
            why = 'it contains ".." (a way out of the folder)'
        elif '\\' in value:
            why = 'it contains a backslash'
        elif any(not c.isprintable() for c in value):
            why = 'it contains an invisible character'
        else:
            cleaned = '/'.join(p for p in parts if p not in ('', '.'))
            return cleaned or self.expect(node, path, ctx)
        where = ('relative to the pictures folder (content/images/ unless '
                 'pictures_folder says otherwise)' if self.what == 'file'
                 else 'inside content/')
        ctx.problem(node, path, f'"{shown(value)}" cannot be used: {why}; '
                    f'name a {self.what} {where}, with "/" between folders')
        return None


_MAX_DIGITS = 15


@dataclass(frozen=True)
class Number(Kind):
    """A decimal number (written as text in YAML; read here, not by YAML)."""

    minimum: float = 0
    maximum: float = 10_000
    integer: bool = False

    @property
    def description(self):
        kind = 'a whole number' if self.integer else 'a number'
        return f'{kind} from {self.minimum:g} to {self.maximum:g}'

    def convert(self, node, path, ctx):
        if isinstance(node, yaml.ScalarNode):
            text = node.value.strip()
            pattern = r'[0-9]+' if self.integer else r'[0-9]+(\.[0-9]+)?'
            if re.fullmatch(pattern, text):
                digits = len(text.partition('.')[0].lstrip('0'))
                if digits > _MAX_DIGITS:
                    # int() refuses over 4 300 digits; no limit here needs 16.
                    ctx.problem(node, path, f'the number is too long '
                                f'({digits:,} digits); expected '
                                f'{self.description}')
                    return None
                value = (int if self.integer else float)(text)
                if self.minimum <= value <= self.maximum:
                    return value
        return self.expect(node, path, ctx)


@dataclass(frozen=True)
class ListOf(Kind):
    item: Kind = Text()
    min_items: int = 1
    max_items: int = 50

    @property
    def description(self):
        if isinstance(self.item, Struct) and self.item.name:
            what = f'{self.item.name}s'
        elif isinstance(self.item, Text):
            what = 'texts'
        else:
            what = f'items, each {self.item.description}'
        return f'a list of {what} (each line starting with "- ")'

    def convert(self, node, path, ctx):
        if not isinstance(node, yaml.SequenceNode):
            return self.expect(node, path, ctx)
        count = len(node.value)
        if count < self.min_items:
            ctx.problem(node, path, f'expected at least {self.min_items} '
                        f'item{"s" if self.min_items > 1 else ""}, found '
                        f'{count}')
        elif count > self.max_items:
            ctx.problem(node, path, f'expected at most {self.max_items} '
                        f'items, found {count}')
        values = []
        for index, child in enumerate(node.value):
            child_path = f'{path}[{index}]'
            ctx.remember(child, child_path)
            values.append(self.item.convert(child, child_path, ctx))
        if None in values or not self.min_items <= count <= self.max_items:
            return None
        return tuple(values)


def _mapping_pairs(node, path, ctx):
    """Yield (key, key_node, value_node), refusing duplicate keys."""
    seen: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            ctx.problem(key_node, path, 'expected a field name before ":", '
                        f'found {found(key_node)}')
            continue
        key = key_node.value
        if key in seen:
            first = seen[key].start_mark.line + 1
            ctx.problem(key_node, _join(path, key),
                        f'this field is given twice (first on line {first}); '
                        'keep one')
            continue
        seen[key] = key_node
        yield key, key_node, value_node


def _join(path: str, key: str) -> str:
    return f'{path}.{key}' if path else key


@dataclass(frozen=True)
class MapOf(Kind):
    """A group of fields whose names are free (e.g. one per layout)."""

    key: Kind = Pattern()
    value: Kind = Text()
    description: str = 'a group of "name: value" lines'

    def convert(self, node, path, ctx):
        if not isinstance(node, yaml.MappingNode):
            return self.expect(node, path, ctx)
        result = {}
        for key, key_node, value_node in _mapping_pairs(node, path, ctx):
            key_path = _join(path, key)
            ctx.remember(key_node, key_path)
            if self.key.convert(key_node, key_path, ctx) is not None:
                result[key] = self.value.convert(value_node, key_path, ctx)
            else:
                result[key] = None
        return None if None in result.values() else result


@dataclass(frozen=True)
class Field:
    """One named field of a :class:`Struct`, with its documentation."""

    name: str
    kind: Kind
    doc: str
    required: bool = False


@dataclass(frozen=True)
class Struct(Kind):
    """A group of named fields, converted into ``build(**values)``."""

    fields: tuple[Field, ...] = ()
    build: Callable[..., Any] = dict
    description: str = 'a group of fields (indented "name: value" lines)'
    name: str = ''

    def convert(self, node, path, ctx):
        if not isinstance(node, yaml.MappingNode):
            return self.expect(node, path, ctx)
        known = {f.name: f for f in self.fields}
        values: dict[str, Any] = {}
        failed = False
        for key, key_node, value_node in _mapping_pairs(node, path, ctx):
            key_path = _join(path, key)
            spec = known.get(key)
            if spec is None:
                ctx.problem(key_node, key_path, _unknown(key, known))
                failed = True
                continue
            ctx.remember(value_node, key_path)
            value = spec.kind.convert(value_node, key_path, ctx)
            if value is None:
                failed = True
            values[key] = value
        for spec in self.fields:
            if spec.name not in values:
                if spec.required:
                    if _join(path, spec.name) not in ctx.skipped:
                        ctx.problem(node, _join(path, spec.name),
                                    f'this required field is missing; add '
                                    f'"{spec.name}:" '
                                    f'({spec.kind.description})')
                    failed = True
                # An optional field left out takes the dataclass's default.
        if failed:
            return None
        return self.build(**values)


def _unknown(key: str, known: dict[str, Field]) -> str:
    message = 'unknown field'
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    if close:
        message += f'; did you mean "{close[0]}"?'
    else:
        message += '; the fields allowed here are ' + ', '.join(known)
    return message


def describe(struct: Struct, indent: str = '') -> list[str]:
    """The Markdown documentation of a struct, one line per field."""
    lines = []
    for spec in struct.fields:
        flag = 'required' if spec.required else 'optional'
        lines.append(f'{indent}- `{spec.name}` ({flag}; '
                     f'{spec.kind.description}): {spec.doc}')
        inner = spec.kind
        if isinstance(inner, ListOf):
            inner = inner.item
        if isinstance(inner, Struct):
            lines.extend(describe(inner, indent + '  '))
    return lines


def convert_file(path, shown_as: str, struct: Struct, error,
                 trailing_comments: bool = True):
    """Read ``path`` strictly and convert it with ``struct``.

    Returns (value or None, problems, positions); raises ``error`` at once
    when the file cannot even be read as YAML.
    """
    parsed = read_yaml(path, shown_as, trailing_comments)
    if parsed.node is None:
        raise error(parsed.problems)
    ctx = Context(shown_as, parsed.skipped)
    value = struct.convert(parsed.node, '', ctx)
    if parsed.broken:
        value = None  # parts were left out: report, never build
    return value, parsed.problems + ctx.problems, ctx.positions
