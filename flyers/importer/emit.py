"""Stage 4 of import: the campaign's fields → the text of a content file.

In: the campaign as a plain dict (from :mod:`.fields`) and the notes.  Out:
YAML text laid out as a person writes it (the header comment lists what was
guessed), read back with the content loader and compared with the dict it
came from (:func:`validate`), so that the file always loads as written.
"""

from __future__ import annotations

import yaml

from ..content import (SCHEMA, Campaign, Faq, FurtherReading, Link, Proposal,
                       Proposals, Question, Section)
from ..errors import PageImportError, Problem
from ..schema import Context
from .common import NON_PRINTABLE_RE, WIDTH, WS_RE, collapse

_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = 'tag:yaml.org,2002:str'


def header(source: str, notes: tuple[str, ...]) -> list[str]:
    """The comment at the top of the file: where it came from, what to
    check, and every note."""
    name = collapse(source) or 'the page'
    lines = wrap(f'Campaign content imported from "{name}" by the page '
                 'importer. Read it through before you use it: the '
                 'importer guessed what each part of the page is.',
                 WIDTH - 2)
    lines += [''] + wrap(
        'Every value is text. Inline **bold** is allowed in running '
        'text. Fill in every placeholder (text in [square brackets], '
        'example.org addresses, links pointing to "#") before you set '
        '`status: final`. Check this file with', WIDTH - 2)
    lines += ['    python make_flyers.py check content/NAME.yaml', '',
              'What the importer guessed:']
    for note in notes:
        wrapped = wrap(note, WIDTH - 6)
        lines.append('  - ' + wrapped[0])
        lines += ['    ' + rest for rest in wrapped[1:]]
    return [('# ' + line).rstrip() for line in lines]

def validate(yaml_text: str, data: dict, source: str) -> Campaign:
    """Read the file back as the loader will; it must give ``data``."""
    node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    ctx = Context(source)
    campaign = SCHEMA.convert(node, '', ctx)
    if ctx.problems or campaign is None:
        raise PageImportError([Problem(
            source, 'the page does not fit in one content file: '
            f'{p.field + ": " if p.field else ""}{p.message} (shorten '
            'the page, or split it, before importing it)')
            for p in ctx.problems])
    if campaign != campaign_of(data):
        raise AssertionError('the content file does not read back as '
                             'written; this is a bug in the importer')
    return campaign


def campaign_of(data: dict) -> Campaign:
    """The campaign ``data`` should load as (for the read-back check)."""
    proposals = faq = reading = None
    if 'proposals' in data:
        p = data['proposals']
        proposals = Proposals(items=tuple(Proposal(**i) for i in p['items']),
                              heading=p.get('heading'))
    if 'faq' in data:
        f = data['faq']
        faq = Faq(items=tuple(Question(**i) for i in f['items']),
                  heading=f.get('heading'))
    if 'further_reading' in data:
        r = data['further_reading']
        reading = FurtherReading(links=tuple(Link(**i) for i in r['links']),
                                 heading=r.get('heading'),
                                 intro=r.get('intro'))
    return Campaign(
        title=data['title'], language=data['language'], url=data['url'],
        imprint=data['imprint'], status=data['status'],
        subtitle=data.get('subtitle'), intro=tuple(data.get('intro', ())),
        sections=tuple(Section(s['heading'], tuple(s['paragraphs']))
                       for s in data.get('sections', ())),
        proposals=proposals, faq=faq, further_reading=reading,
        call_to_action=data.get('call_to_action'),
        qr_tracking=dict(data['qr_tracking']))


# --- a small YAML writer ---------------------------------------------------
#
# PyYAML's dumper cannot be told to fold long text the way a person would
# write it, and it picks quoting by its own rules; this writer produces the
# layout of content/trygghet-vasteras.yaml and quotes whatever a YAML reader
# could take for something other than text.

_PLAIN_BAD_START = set('-?:,[]{}#&*!|>\'"%@`')
_GROUPS = (('status', 'language', 'url'), ('organisation',),
           ('title', 'subtitle'), ('intro',), ('sections',), ('proposals',),
           ('faq',), ('further_reading',), ('call_to_action',), ('imprint',))


def emit(data: dict, comment) -> str:
    """The content file: ``comment`` lines, then the fields."""
    out = list(comment)
    for group in _GROUPS:
        keys = [k for k in group if k in data]
        if not keys:
            continue
        if out:
            out.append('')
        _emit_map({k: data[k] for k in keys}, 0, out)
    out += ['', '# Tracking parameters added to the QR code\'s address, per '
            'layout.']
    _emit_map({'qr_tracking': data['qr_tracking']}, 0, out)
    return '\n'.join(out) + '\n'


def _emit_map(mapping: dict, indent: int, out: list[str],
              first_prefix: str | None = None):
    for index, (key, value) in enumerate(mapping.items()):
        lead = first_prefix if index == 0 and first_prefix else ' ' * indent
        if isinstance(value, str):
            out += scalar(f'{lead}{key}: ', value, indent + 2)
        elif isinstance(value, dict):
            out.append(f'{lead}{key}:')
            _emit_map(value, indent + 2, out)
        else:
            out.append(f'{lead}{key}:')
            _emit_list(value, indent + 2, out)


def _emit_list(items: list, indent: int, out: list[str]):
    for item in items:
        if isinstance(item, str):
            out += scalar(' ' * indent + '- ', item, indent + 2)
        else:
            _emit_map(item, indent + 2, out, first_prefix=' ' * indent + '- ')


def scalar(prefix: str, value: str, body_indent: int) -> list[str]:
    if _plain_ok(value) and len(prefix) + len(value) <= WIDTH:
        return [prefix + value]
    quoted = _dquote(value)
    if len(prefix) + len(quoted) <= WIDTH or not _foldable(value):
        return [prefix + quoted]
    return [prefix + '>-'] + [' ' * body_indent + line
                              for line in wrap(value, WIDTH - body_indent)]


def _plain_ok(value: str) -> bool:
    if (not value or value != value.strip() or value[0] in _PLAIN_BAD_START
            or ': ' in value or ' #' in value or value.endswith(':')
            or NON_PRINTABLE_RE.search(value) or '\t' in value
            or '\n' in value or '\r' in value):
        return False
    return _RESOLVER.resolve(yaml.ScalarNode, value,
                             (True, False)) == _STR_TAG


def _foldable(value: str) -> bool:
    """Folded text (``>-``) holds any single-spaced printable line."""
    return (value == value.strip() and '  ' not in value
            and not WS_RE.search(value.replace(' ', ''))
            and not NON_PRINTABLE_RE.search(value))


def _dquote(value: str) -> str:
    out = []
    for char in value:
        if char in '\\"':
            out.append('\\' + char)
        elif NON_PRINTABLE_RE.match(char) or char in '\t\n\r\x85':
            code = ord(char)
            out.append(f'\\x{code:02x}' if code < 0x100 else
                       f'\\u{code:04x}' if code < 0x10000 else
                       f'\\U{code:08x}')
        else:
            out.append(char)
    return '"' + ''.join(out) + '"'


def wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ''
    for word in text.split(' '):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f'{current} {word}' if current else word
    lines.append(current)
    return lines
