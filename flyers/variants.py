"""Stage 1c: variants — one campaign in a version per district, candidate …

In: a content file and its variants table: ``content/NAME.variants.csv``
(what a spreadsheet saves: UTF-8, a header row, ``,`` ``;`` or tab between
cells) or a ``variants:`` list in the file itself.  Out: one
:class:`~flyers.content.Campaign` per row (its ``variant`` is the row's
id), or — without a table — the campaign itself; or a
:class:`~flyers.errors.ContentError` with every problem of the file and
the table at once, each at ``FILE.csv:ROW:COLUMN`` with the column's name.

A table (read by :mod:`flyers.varianttable`) has an ``id`` column, and
columns for ``qr_tracking``, content fields by path (``people[0].name``:
the row's value replaces the file's, or adds it) and values text refers
to as ``{district}``.

The file may declare the values its text refers to, with the value to use
where no table gives one (``variant_values: {district: Västerås}``): the
campaign then builds without a table too.

Each variant is converted by the same schema as the file (its cells are
put into the file's node tree, marked with their place in the table), so
every check of a content file holds for each variant, and a problem in a
cell names the cell.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import os
import re
from pathlib import Path

import yaml

from .content import (SCHEMA, Campaign, finished, load_campaign,
                      placeholder_problems)
from .errors import ContentError, Problem
from .inputs import read_input
from .schema import REFERENCE_RE, Context, MapOf, Pattern, Text
from .varianttable import (KEY, MAX_TABLE_BYTES, VARIABLE, Row, Table,
                           column_problems, csv_table, listed_table,
                           table_path, unused_columns)
from .yamlstrict import read_yaml

DEFAULTS = 'variant_values'
_STR = 'tag:yaml.org,2002:str'
_MAP = 'tag:yaml.org,2002:map'
_SEQ = 'tag:yaml.org,2002:seq'


# --- loading -----------------------------------------------------------------

_MEMO: dict[tuple, list] = {}


def load_campaigns(path: Path, shown_as: str) -> list[Campaign]:
    """The campaign of a content file, or one per row of its variants
    table; ContentError with every problem of both files at once."""
    csv_path = table_path(Path(path))
    has_csv = os.path.lexists(csv_path)  # a pipe or folder too: refused
    raw = _bytes(path)
    if not has_csv and (raw is None or not (
            re.search(rb'(?m)^variant(s|_values)[ \t]*:', raw)
            or REFERENCE_RE.search(raw.decode('utf-8', 'replace')))):
        return [load_campaign(path, shown_as)]
    memo = (str(Path(path).resolve()), shown_as, _digest(raw),
            _digest(_bytes(csv_path)) if has_csv else None)
    if memo in _MEMO:
        return _MEMO[memo]
    campaigns = _load(Path(path), shown_as, csv_path if has_csv else None)
    if len(_MEMO) > 64:
        _MEMO.clear()
    _MEMO[memo] = campaigns
    return campaigns


def load_written(path: Path, shown_as: str) -> Campaign:
    """The campaign as its file writes it — its ``{name}`` references kept,
    no variants table read — for what compares files with each other
    (translations with their source)."""
    raw = _bytes(path)
    if raw is None or not re.search(rb'(?m)^variant(s|_values)[ \t]*:', raw):
        return load_campaign(path, shown_as)
    parsed = read_yaml(path, shown_as, trailing_comments=False)
    if parsed.node is None:
        raise ContentError(parsed.problems)
    node, _ = _taken(parsed.node, (KEY, DEFAULTS))
    campaign, problems, _ = _convert(node, path, shown_as, parsed.skipped,
                                     None)
    if parsed.problems or problems or campaign is None:
        raise ContentError(_sorted(parsed.problems + problems))
    return campaign


def _bytes(path: Path) -> bytes | None:
    try:
        return read_input(path, MAX_TABLE_BYTES)
    except OSError:
        return None


def _digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _load(path: Path, shown_as: str, csv_path: Path | None) -> list[Campaign]:
    parsed = read_yaml(path, shown_as, trailing_comments=False)
    if parsed.node is None:
        raise ContentError(parsed.problems)
    node, taken = _taken(parsed.node, (KEY, DEFAULTS))
    listed = taken.get(KEY)
    problems = list(parsed.problems)
    defaults = _defaults(taken.get(DEFAULTS), shown_as, problems)
    table = None
    csv_shown = str(Path(shown_as).with_name(table_path(path).name))
    if listed is not None and csv_path is not None:
        problems.append(Problem(shown_as, (
            f'the variants are given twice: here and in {csv_shown}; keep '
            'one of them'), listed.start_mark.line + 1,
            listed.start_mark.column + 1, KEY))
    elif listed is not None:
        table = listed_table(listed, shown_as, problems)
    elif csv_path is not None:
        table = csv_table(csv_path, csv_shown, problems)
    if parsed.broken or table is None:
        # No table (or a broken one): the file is converted all the same,
        # for its own problems, with its declared values.
        checked = (None if problems or parsed.broken or defaults is None else
                   Variables(defaults, list(defaults), csv_shown,
                             has_table=False))
        base, found, _ = _convert(node, path, shown_as, parsed.skipped,
                                  checked)
        problems += found
        if checked is not None:
            problems += _unused_defaults(taken[DEFAULTS], defaults,
                                         checked.used, shown_as) if \
                DEFAULTS in taken else []
        if problems or base is None:
            raise ContentError(_sorted(problems))
        return [base]
    problems += column_problems(table, node, shown_as)
    names = list(dict.fromkeys(list(defaults or {}) + table.variables))
    variables = Variables(None, names, table.shown_as, inline=table.inline)
    base, found, _ = _convert(node, path, shown_as, parsed.skipped, variables)
    problems += found + unused_columns(table, variables.used, shown_as)
    if DEFAULTS in taken and defaults is not None:
        problems += _unused_defaults(taken[DEFAULTS], defaults,
                                     variables.used, shown_as)
    if problems or defaults is None:
        raise ContentError(_sorted(problems))
    campaigns = []
    for row in table.rows:
        campaign, found = _variant(table, row, node, path, shown_as,
                                   parsed.skipped, defaults, names)
        problems += [p for p in found if p not in problems]
        if campaign is not None:
            campaigns.append(campaign)
    if problems:
        raise ContentError(_sorted(problems))
    return campaigns


_DEFAULTS_KIND = MapOf(
    key=Pattern(regex=VARIABLE.pattern,
                description='a name of letters, digits and _ (district)'),
    value=Text(inline=False, max_length=200))


def _defaults(node, shown_as: str, problems: list) -> dict | None:
    """The file's declared values (``variant_values:``); None when they
    are wrong (and the problems)."""
    if node is None:
        return {}
    ctx = Context(shown_as)
    values = _DEFAULTS_KIND.convert(node, DEFAULTS, ctx)
    problems += ctx.problems
    return values


def _unused_defaults(node, defaults: dict, used: set[str], shown_as: str
                     ) -> list[Problem]:
    marks = {k.value: k.start_mark for k, _ in node.value
             if isinstance(k, yaml.ScalarNode)}
    return [Problem(shown_as, (
        f'no text of the file refers to {{{name}}}; write {{{name}}} where '
        'the value belongs, or remove it'), marks[name].line + 1,
        marks[name].column + 1, f'{DEFAULTS}.{name}')
        for name in defaults if name not in used and name in marks]


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file, p.line or 0, p.column or 0))


def _taken(node: yaml.Node, names: tuple[str, ...]):
    """The file's node tree without the fields ``names`` (read here, not
    by the content schema), and those fields' values by name."""
    if not isinstance(node, yaml.MappingNode):
        return node, {}
    kept, taken = [], {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value in names \
                and key.value not in taken:
            taken[key.value] = value
        else:
            kept.append((key, value))
    if not taken:
        return node, {}
    return yaml.MappingNode(node.tag, kept, node.start_mark, node.end_mark,
                            node.flow_style), taken


def _convert(node, path: Path, shown_as: str, skipped, variables,
             variant: dict | None = None):
    ctx = Context(shown_as, skipped, variables)
    campaign = SCHEMA.convert(node, '', ctx)
    problems = list(ctx.problems)
    if campaign is not None:
        campaign = finished(campaign, path, shown_as, ctx.positions,
                            **(variant or {}))
        problems += placeholder_problems(campaign)
    return campaign, problems, ctx.positions


def _variant(table: Table, row: Row, node, path: Path, shown_as: str,
             skipped, defaults: dict, names: list[str]):
    """One row's campaign, and the problems of its cells."""
    values = dict(defaults)
    tracking = None
    for column in table.columns:
        cell = row.cells[column.name]
        if column.kind == 'variable':
            values[column.name] = cell.value
        elif column.kind == 'tracking':
            tracking = cell.value
        elif column.kind == 'field':
            leaf = yaml.ScalarNode(_STR, cell.value, cell.mark, cell.mark,
                                   style='"')
            node = _with_value(node, column.segments, leaf, cell.mark)
    variables = Variables(values, names, table.shown_as, inline=table.inline)
    where = table.where(row)
    campaign, problems, _ = _convert(node, path, shown_as, skipped, variables,
                                     variant={
                                         'variant': row.id,
                                         'variant_values': tuple(
                                             (column.name, row.cells[
                                                 column.name].value)
                                             for column in table.columns
                                             if column.kind != 'note'),
                                         'variant_tracking': tracking,
                                         'variant_row': where})
    # What the file itself says is reported with the variant it shows in.
    problems = [dataclasses.replace(
        p, message=f'{p.message} (variant "{row.id}", {where})')
        if p.file == shown_as and not table.inline else p
        for p in problems]
    return campaign, problems


def _with_value(node, segments: tuple, leaf, mark):
    """A copy of ``node`` with ``leaf`` at ``segments`` (shared parts are
    not copied); missing mappings and a next list item are made."""
    if not segments:
        return leaf
    (kind, key), rest = segments[0], segments[1:]
    if kind == 'key':
        if not isinstance(node, yaml.MappingNode):
            node = yaml.MappingNode(_MAP, [], mark, mark)
        pairs = list(node.value)
        for index, (name, value) in enumerate(pairs):
            if isinstance(name, yaml.ScalarNode) and name.value == key:
                pairs[index] = (name, _with_value(value, rest, leaf, mark))
                break
        else:
            pairs.append((yaml.ScalarNode(_STR, key, mark, mark),
                          _with_value(None, rest, leaf, mark)))
        return yaml.MappingNode(node.tag, pairs, node.start_mark,
                                node.end_mark, node.flow_style)
    if not isinstance(node, yaml.SequenceNode):
        node = yaml.SequenceNode(_SEQ, [], mark, mark)
    items = list(node.value)
    if key < len(items):
        items[key] = _with_value(items[key], rest, leaf, mark)
    else:
        items.append(_with_value(None, rest, leaf, mark))
    return yaml.SequenceNode(node.tag, items, node.start_mark, node.end_mark,
                             node.flow_style)


# --- references in text -------------------------------------------------------

class Variables:
    """The ``{name}`` references of content text: checked against the
    table's columns (``values`` None: the file itself, whose references are
    only collected) or replaced by a row's values."""

    def __init__(self, values: dict | None, names: list[str], table: str,
                 inline: bool = False, has_table: bool = True):
        self.values = values
        self.has_table = has_table
        self.names = names
        self.table = table
        self.inline = inline
        self.used: set[str] = set()

    def substitute(self, text: str, report) -> str | None:
        unknown = []

        def replace(match):
            name = match[1]
            if name not in self.names:
                unknown.append(name)
                return match[0]
            self.used.add(name)
            return match[0] if self.values is None else self.values[name]

        result = REFERENCE_RE.sub(replace, text)
        for name in dict.fromkeys(unknown):
            report(self._unknown(name))
        return None if unknown else result

    def misplaced(self, text: str) -> str | None:
        found = [m[1] for m in REFERENCE_RE.finditer(text)
                 if m[1] in self.names]
        if not found:
            return None
        return (f'{{{found[0]}}} cannot be used in this field (only text '
                'fields take a variant\'s values); give the field a column '
                'of its own in the variants table')

    def _unknown(self, name: str) -> str:
        if not self.has_table:
            return (f'{{{name}}} refers to a variant\'s value that is not '
                    f'declared; add "{name}: VALUE" under {DEFAULTS}: (the '
                    'value when there is no variants table) or a column '
                    f'"{name}" to {self.table}, or write the text without '
                    'braces')
        close = difflib.get_close_matches(name, self.names, n=1)
        hint = f'did you mean {{{close[0]}}}? ' if close else ''
        columns = ', '.join(self.names) or 'none'
        where = 'the variants list' if self.inline else self.table
        return (f'{{{name}}} is neither a column of {where} nor declared in '
                f'{DEFAULTS}; {hint}the values text can refer to: {columns}')


_SUFFIX_RE = re.compile(r' \(variant "([a-z0-9-]+)", [^()]*\)$')


def merged(problems: list[Problem]) -> list[Problem]:
    """Problems that differ only in the variant they were found in, as one
    (a picture the file names is missing in every variant: one line)."""
    groups: dict[tuple, list] = {}
    for problem in problems:
        match = _SUFFIX_RE.search(problem.message)
        bare = problem.message[:match.start()] if match else problem.message
        key = (problem.file, problem.line, problem.column, problem.field,
               bare)
        groups.setdefault(key, []).append((problem, match))
    result = []
    for (file, line, column, path, bare), found in groups.items():
        ids = [m[1] for _, m in found if m]
        if len(ids) < 2:
            result += [p for p, _ in found]
            continue
        shown_ids = ', '.join(f'"{i}"' for i in ids[:3])
        more = f' and {len(ids) - 3} more' if len(ids) > 3 else ''
        result.append(Problem(file, f'{bare} (variants {shown_ids}{more})',
                              line, column, path))
    return result
