"""Stage 1c: a variants table, read and checked.

In: ``content/NAME.variants.csv`` (what a spreadsheet saves: UTF-8 with or
without a byte-order mark, a header row, ``,`` ``;`` or tab between cells,
quoted cells with separators, quotes or line breaks, CR LF) or the
``variants:`` list of a content file.  Out: a :class:`Table` whose columns
are classified (``id``, ``qr_tracking``, a content field's path, or a value
text refers to as ``{name}``; a column whose name starts with ``#`` holds
notes and is ignored) against the content schema — and every
problem, each at its cell: file, row as the spreadsheet numbers it (the
header is row 1), column number and column name.  Used by
:mod:`flyers.variants`, which turns each row into a campaign.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .content import SCHEMA
from .errors import Problem
from .inputs import NotRegularFile, read_input
from .schema import CellMark, ListOf, MapOf, Struct, shown

SUFFIX = '.variants.csv'
KEY = 'variants'
DEFAULTS = 'variant_values'
ID = 'id'
TRACKING = 'qr_tracking'
VARIANT_ID = re.compile(r'[a-z0-9][a-z0-9-]{0,40}')
VARIABLE = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')
# A column naming a content field: name, name[0], name.sub, name[0].sub …
FIELD_PATH = re.compile(r'[a-z_]+(\[[0-9]{1,3}\])*(\.[A-Za-z0-9_-]+'
                        r'(\[[0-9]{1,3}\])*)*')
MAX_TABLE_BYTES = 8 * 1024 * 1024
MAX_VARIANTS = 5000
MAX_VALUE = 2000
# Fields a variant cannot change: a translation is a file of its own, and
# the layouts are the campaign's.
FIXED = ('language', 'layouts', 'status', 'translation_of')
_INVISIBLE = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]')


@dataclass
class Cell:
    value: str
    mark: yaml.Mark


@dataclass
class Column:
    name: str
    mark: yaml.Mark
    # id, tracking, field or variable; a field's path as segments.
    kind: str = 'variable'
    segments: tuple = ()


@dataclass
class Row:
    id: str
    mark: yaml.Mark
    number: int  # the row in the spreadsheet (the header is row 1)
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class Table:
    shown_as: str  # the file named in messages
    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    inline: bool = False  # a variants: list in the content file

    def where(self, row: Row) -> str:
        return (f'item {row.number} of variants' if self.inline
                else f'row {row.number} of {self.shown_as}')

    @property
    def variables(self) -> list[str]:
        return [c.name for c in self.columns if c.kind == 'variable']


def table_path(content: Path) -> Path:
    """Where a content file's variants table would be."""
    return content.with_name(content.stem + SUFFIX)


def csv_table(path: Path, shown_as: str, problems: list) -> Table | None:
    """The table of a CSV file as a spreadsheet saves it, or None (and the
    problems) when it cannot be read as one."""
    try:
        raw = read_input(path, MAX_TABLE_BYTES)
    except OSError as exc:
        problems.append(Problem(shown_as, _unreadable(exc)))
        return None
    if len(raw) > MAX_TABLE_BYTES:
        problems.append(Problem(shown_as, (
            f'is larger than {MAX_TABLE_BYTES // 2**20} MB; a variants table '
            'holds short values: split the campaign into several content '
            'files')))
        return None
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b'\n') + 1
        problems.append(Problem(shown_as, (
            f'the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); '
            'in the spreadsheet, save it as "CSV UTF-8"'), line))
        return None
    text = text.removeprefix('\ufeff')
    reader = csv.reader(io.StringIO(text, newline=''),
                        delimiter=_delimiter(text), strict=True)
    records = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > MAX_VARIANTS + 1:
                problems.append(Problem(shown_as, (
                    f'has more than {MAX_VARIANTS:,} rows; split the '
                    'campaign into several content files'),
                    len(records)))
                return None
    except csv.Error as exc:
        problems.append(Problem(shown_as, _csv_error(exc), len(records) + 1))
        return None
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()  # trailing empty rows
    if not records:
        problems.append(Problem(shown_as, (
            'the table is empty; give a header row (id, then one column per '
            'value) and a row per variant')))
        return None
    table = Table(shown_as)
    header = records[0]
    used = [index for index in range(len(header)) if header[index].strip()
            or any(len(r) > index and r[index].strip() for r in records[1:])]
    for index in used:
        name = header[index].strip()
        mark = CellMark(shown_as, 1, index + 1)
        if not name:
            problems.append(Problem(shown_as, (
                'this column has values but no name in the header row; name '
                'it'), 1, index + 1))
        table.columns.append(Column(name, mark))
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # an empty row between variants
        extra = [index for index in range(len(record))
                 if index not in used and record[index].strip()]
        for index in extra:
            problems.append(Problem(shown_as, (
                'this cell lies outside the table (its column has no name '
                'in the header row); move it or name the column'),
                number, index + 1))
        cells = {}
        for index in used:
            value = record[index] if index < len(record) else ''
            cells[header[index].strip()] = Cell(
                value.strip(), CellMark(shown_as, number, index + 1))
        table.rows.append(Row('', CellMark(shown_as, number, 1), number,
                              cells))
    return table


def _delimiter(text: str) -> str:
    """The separator a spreadsheet chose: the commonest of , ; and tab in
    the header row."""
    first = text.split('\n', 1)[0]
    counts = {sep: first.count(sep) for sep in (',', ';', '\t')}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ','


def _csv_error(exc: csv.Error) -> str:
    text = str(exc)
    if 'unexpected end of data' in text or 'EOF' in text:
        return ('a quoted cell ("…) is never closed; add the closing " (a '
                'quote inside a cell is written "")')
    if 'field limit' in text:
        return (f'a cell holds more than {csv.field_size_limit():,} '
                'characters: a quoted cell whose closing " is missing takes '
                'in the rest of the file; close it (a quote inside a cell is '
                'written "")')
    if 'expected after' in text:
        return ('text follows the closing " of a quoted cell; write a quote '
                'inside a cell as "" and put the separator after the '
                'closing "')
    return f'cannot be read as a table ({text}); save it again as CSV'


def _unreadable(exc: OSError) -> str:
    if isinstance(exc, NotRegularFile) or isinstance(exc, IsADirectoryError):
        return ('is not a regular file (a folder, pipe or device); the '
                'variants table must be a CSV file, or remove it')
    return (f'cannot be read ({exc.strerror or exc}); check that it is a '
            'file you may read')


def listed_table(node, shown_as: str, problems: list) -> Table | None:
    """The table of a ``variants:`` list (one group of "column: value"
    lines per variant)."""
    def problem(at, message, path=KEY):
        mark = at.start_mark
        problems.append(Problem(shown_as, message, mark.line + 1,
                                mark.column + 1, path))

    if not isinstance(node, yaml.SequenceNode) or not node.value:
        problem(node, 'expected a list of variants, each an "- id: …" line '
                'followed by its values (or a table in '
                f'{Path(shown_as).stem}{SUFFIX})')
        return None
    table = Table(shown_as, inline=True)
    names: dict[str, Column] = {}
    for number, item in enumerate(node.value, start=1):
        path = f'{KEY}[{number - 1}]'
        if not isinstance(item, yaml.MappingNode):
            problem(item, 'expected a group of "column: value" lines', path)
            continue
        cells = {}
        for key, value in item.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else ''
            if not name:
                problem(key, 'expected a column name before ":"', path)
                continue
            if name in cells:
                problem(key, 'this column is given twice; keep one',
                        f'{path}.{name}')
                continue
            if not isinstance(value, yaml.ScalarNode):
                problem(value, 'expected one value (text), found a list or '
                        'group', f'{path}.{name}')
                continue
            cells[name] = Cell(value.value.strip(), value.start_mark)
            if name not in names:
                names[name] = Column(name, key.start_mark)
                table.columns.append(names[name])
        table.rows.append(Row('', item.start_mark, number, cells))
    for row in table.rows:
        missing = [name for name in names if name not in row.cells]
        for name in missing:
            problems.append(Problem(shown_as, (
                f'this variant has no "{name}" (others have); give every '
                'variant a value for it'), row.mark.line + 1,
                row.mark.column + 1, f'{KEY}[{row.number - 1}]'))
    return table


def _problem(table: Table, mark, message: str, name: str | None,
             shown_as: str) -> Problem:
    return Problem(getattr(mark, 'file', shown_as), message, mark.line + 1,
                   mark.column + 1, _field(table, name))


def unused_columns(table: Table, used: set[str], shown_as: str) -> list[Problem]:
    """Columns of values no text refers to: a misspelt field, most
    likely."""
    fields = [f.name for f in SCHEMA.fields]
    found = []
    for column in table.columns:
        if column.kind != 'variable' or column.name in used:
            continue
        close = difflib.get_close_matches(column.name, fields, n=1)
        hint = f'; did you mean the field "{close[0]}"?' if close else '.'
        found.append(_problem(table, column.mark, (
            f'no text of the content file refers to {{{column.name}}}, so '
            f'the column would change nothing{hint} Write {{{column.name}}} '
            'where the value belongs, or remove the column'), column.name,
            shown_as))
    return found


def column_problems(table: Table, node, shown_as: str) -> list[Problem]:
    """What is wrong with the table's columns and cells, each at its cell;
    classifies the columns and gives each row its id on the way."""
    problems = []

    def at(mark, message, name):
        problems.append(_problem(table, mark, message, name, shown_as))

    names = [c.name for c in table.columns]
    ids = [c for c in table.columns if c.name.lower() == ID]
    if not ids:
        first = table.columns[0].mark if table.columns else CellMark(
            shown_as, 1, 1)
        at(first, 'the table has no "id" column; add one (the variant\'s '
           'name in file names, such as "backby")', None)
    for column in table.columns:
        if not column.name:
            continue  # reported when read
        if names.count(column.name) > 1:
            at(column.mark, f'the column "{column.name}" is there twice; '
               'keep one', column.name)
        reason = _classify(column, node)
        if reason:
            at(column.mark, reason, column.name)
    seen: dict[str, int] = {}
    id_name = ids[0].name if ids else None
    for row in table.rows:
        for column in table.columns:
            cell = row.cells.get(column.name)
            if cell is None or not column.name or column.kind == 'note':
                continue
            if not cell.value:
                at(cell.mark, _empty(column), column.name)
            elif (bad := _INVISIBLE.search(cell.value)):
                at(cell.mark, f'the cell holds an invisible character '
                   f'(U+{ord(bad[0]):04X}); retype it', column.name)
            elif len(cell.value) > MAX_VALUE:
                at(cell.mark, f'expected at most {MAX_VALUE} characters, '
                   f'found {len(cell.value)}; shorten it', column.name)
            elif column.kind == 'tracking' and not re.fullmatch(
                    _QUERY, cell.value):
                at(cell.mark, f'expected tracking parameters such as '
                   f'utm_content=backby, found "{shown(cell.value)}"',
                   column.name)
        cell = row.cells.get(id_name) if id_name else None
        if cell is None or not cell.value:
            continue
        row.id = cell.value
        if not VARIANT_ID.fullmatch(cell.value):
            at(cell.mark, f'"{shown(cell.value)}" cannot be a variant id: '
               'use lower-case letters a-z, digits and "-" (it becomes part '
               f'of file names), such as "{_suggested_id(cell.value)}"',
               id_name)
        elif cell.value in seen:
            at(cell.mark, f'the id "{cell.value}" is also on '
               f'{_row_word(table)} {seen[cell.value]}; give each variant '
               'its own id', id_name)
        else:
            seen[cell.value] = row.number
    return problems


_QUERY = SCHEMA.fields[[f.name for f in SCHEMA.fields].index(
    'qr_tracking')].kind.value.regex


def _field(table: Table, name: str | None) -> str | None:
    return None if name is None else (
        f'{KEY}.{name}' if table.inline else name)


def _row_word(table: Table) -> str:
    return 'variant' if table.inline else 'row'


def _empty(column: Column) -> str:
    if column.name.lower() == ID:
        return ('this cell is empty; every variant needs an id (its name in '
                'file names)')
    return ('this cell is empty; fill it in (every variant needs a value '
            f'for "{column.name}")')


def _suggested_id(value: str) -> str:
    import unicodedata

    plain = unicodedata.normalize('NFKD', value.lower())
    plain = ''.join(c for c in plain if not unicodedata.combining(c))
    plain = re.sub(r'[^a-z0-9]+', '-', plain).strip('-')[:40]
    return plain or 'district-1'


def _classify(column: Column, node) -> str | None:
    """Set the column's kind; a message when it can be none of them."""
    name = column.name
    if name.startswith('#'):
        column.kind = 'note'  # the office's own notes: never printed
        return None
    if name.lower() == ID:
        column.kind = 'id'
        return None
    if name == TRACKING:
        column.kind = 'tracking'
        return None
    top = name.split('.')[0].split('[')[0]
    fields = {f.name: f for f in SCHEMA.fields}
    if '.' in name or '[' in name or top in fields:
        column.kind = 'field'
        if top in FIXED:
            return (f'a variant cannot change "{top}"' + (
                '; a translation is a content file of its own'
                if top == 'language' else ''))
        if not FIELD_PATH.fullmatch(name):
            return (f'"{shown(name)}" is not a field path; write it as in '
                    'the content file, such as people[0].name')
        segments, reason = _resolve(name, node)
        column.segments = segments
        return reason
    if not VARIABLE.fullmatch(name):
        column.kind = 'unknown'
        return (f'"{shown(name)}" is neither a content field nor a name text '
                'can refer to; use letters, digits and _ (such as district)')
    return None


_SEGMENT = re.compile(r'([A-Za-z0-9_-]+)|\[([0-9]+)\]')


def _resolve(path: str, node) -> tuple[tuple, str | None]:
    """The path's segments, and a message when the schema has no such
    text field or the file no such list item."""
    segments = tuple(('index', int(m[2])) if m[2] is not None
                     else ('key', m[1]) for m in _SEGMENT.finditer(path))
    kind = SCHEMA
    walked = ''
    for step, (what, key) in enumerate(segments):
        if what == 'key':
            if isinstance(kind, Struct):
                fields = {f.name: f for f in kind.fields}
                if key not in fields:
                    close = difflib.get_close_matches(key, list(fields), n=1)
                    hint = (f'did you mean "{close[0]}"?' if close else
                            'fields here: ' + ', '.join(fields))
                    return segments, (f'{walked or "the content"} has no '
                                      f'field "{key}"; {hint}')
                kind = fields[key].kind
            elif isinstance(kind, MapOf):
                if not re.fullmatch(kind.key.regex, key):
                    return segments, (f'"{key}" is not {kind.key.description}')
                kind = kind.value
            else:
                return segments, f'{walked} is not a group of fields'
            walked = f'{walked}.{key}' if walked else key
        else:
            if not isinstance(kind, ListOf):
                return segments, f'{walked} is not a list'
            have = _count(node, segments[:step])
            if key > have:
                return segments, (
                    f'{walked} has {have} item{"s" if have != 1 else ""}: '
                    f'a variant can change {walked}[0] to {walked}[{have - 1}]'
                    f' or add {walked}[{have}]' if have else
                    f'{walked} has no items: a variant can add {walked}[0]')
            if key == have and key + 1 > kind.max_items:
                return segments, f'{walked} can have at most ' \
                    f'{kind.max_items} items'
            kind = kind.item
            walked = f'{walked}[{key}]'
    if isinstance(kind, (Struct, ListOf, MapOf)):
        return segments, (f'{walked} is a group or a list, not one value; '
                          'name one of its fields, such as '
                          f'{walked}{_example(kind)}')
    return segments, None


def _example(kind) -> str:
    if isinstance(kind, ListOf):
        return '[0]' + _example(kind.item)
    if isinstance(kind, Struct):
        return '.' + kind.fields[0].name
    return '.NAME'


def _count(node, segments: tuple) -> int:
    """How many items the list at ``segments`` of the file has."""
    for what, key in segments:
        if what == 'key' and isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value
                         if isinstance(k, yaml.ScalarNode)
                         and k.value == key), None)
        elif what == 'index' and isinstance(node, yaml.SequenceNode) \
                and key < len(node.value):
            node = node.value[key]
        else:
            return 0
    return len(node.value) if isinstance(node, yaml.SequenceNode) else 0
