"""Text helpers for stage 2 (render): typography and inline markup.

In: a content string (already validated), its language and the project
root.  Out: safe HTML (:class:`markupsafe.Markup`) with ``**bold**`` as
``<strong>``, the typography of the language applied and soft hyphens where
a long word may break (:mod:`flyers.hyphenation`).  Everything else is
escaped: content is never rendered as a template or as raw HTML.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from markupsafe import Markup, escape

from .hyphenation import hyphenate
from .urls import parse as parse_url

NBSP = '\u00a0'

# Quotation marks per language: (open, close, single open, single close).
# Swedish uses the same right-pointing mark on both sides: ”så här”.
_QUOTES = {
    'sv': ('\u201d', '\u201d', '\u2019', '\u2019'),
    'fi': ('\u201d', '\u201d', '\u2019', '\u2019'),
    'en': ('\u201c', '\u201d', '\u2018', '\u2019'),
    'de': ('\u201e', '\u201c', '\u201a', '\u2018'),
    'da': ('\u00bb', '\u00ab', '\u203a', '\u2039'),
    'nb': ('\u00ab', '\u00bb', '\u2039', '\u203a'),
    # Arabic, Persian: guillemets, which a right-to-left line mirrors, so
    # «» opens and closes on the right side of the words it quotes.
    'ar': ('\u00ab', '\u00bb', '\u2039', '\u203a'),
    'fa': ('\u00ab', '\u00bb', '\u2039', '\u203a'),
}

# Languages written right to left (by ISO 639 code), and the scripts
# (ISO 15924 subtag) that make any language right to left (ku-Arab) or
# left to right (ku-Latn, az-Latn) whatever its base code says.
RTL_LANGUAGES = frozenset({'ar', 'arc', 'ckb', 'dv', 'fa', 'he', 'iw', 'ks',
                           'ku', 'ps', 'sd', 'syr', 'ug', 'ur', 'yi'})
RTL_SCRIPTS = frozenset({'arab', 'hebr', 'syrc', 'thaa', 'nkoo', 'adlm',
                         'rohg'})

_DOUBLE_RE = re.compile(r'"([^"]*)"')
_SINGLE_OPEN_RE = re.compile(r"(^|[\s(\[])'")
_DASH_RE = re.compile(r' +(?:-|--|\u2013) +')
# Bold, with the space before it inside (see _name).
_BOLD_RE = re.compile(r'( ?)\*\*(.+?)\*\*')
_SINGLE_LETTER_RE = re.compile(r'(?<!\S)([^\W\d_])[ ]+(?=\S)')
# A name, and what cannot break from it before it: the ordinary space,
# words bound to it by no-break spaces, an opening bracket or quotation
# mark (see _name).
_NAME_RE = re.compile(r'( ?(?:[^\s<>*]+\u00a0)*[^\s\w<>*&;#]*)'
                      r'(?<![\w&#])([^\W\d_a-z][^\W\d_]{5,})')


# Left-to-right isolates for right-to-left text: LRI … PDI (Unicode's
# bidi controls, which Pango honours; WeasyPrint 70 has no unicode-bidi).
LRI, PDI = '\u2066', '\u2069'
# An address (a run with a dot, slash, @ or colon inside, of no Arabic or
# Hebrew letter) or a number in groups (021-123 45 67, 2026-05-01, 18:30),
# less the punctuation that ends the sentence around it.
_LTR_RUN_RE = re.compile(
    r'(?<![\w\u0590-\u08ff])('
    r'\+?\d+(?:[-\u2013:./ ]\d+)+'
    r'|[^\s\u0590-\u08ff]*[A-Za-z0-9][^\s\u0590-\u08ff]*?[./@:]'
    r'[^\s\u0590-\u08ff]*[A-Za-z0-9/]'
    r')(?=[.,;:!?)\]»\u060c\u061b\u061f]*(?:\s|$))')


def isolate_ltr(text: str) -> str:
    """Addresses and numbers in groups inside right-to-left text wrapped
    in a left-to-right isolate, so the bidi algorithm keeps them whole:
    without it "021-123 45 67" prints as "67 45 123-021" and a slash at
    the end of an address moves to its other side."""
    return _LTR_RUN_RE.sub(f'{LRI}\\1{PDI}', text)


def quotation_marks(language: str) -> tuple[str, str]:
    """The language's opening and closing quotation marks (English's for a
    language without its own entry)."""
    marks = _QUOTES.get(language.split('-')[0].lower(), _QUOTES['en'])
    return marks[0], marks[1]


def direction(language: str) -> str:
    """``rtl`` or ``ltr``: the direction the language is written in (its
    script subtag first: ``ku-Latn`` is ``ltr``, ``ku-Arab`` ``rtl``)."""
    parts = language.lower().split('-')
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            return 'rtl' if part in RTL_SCRIPTS else 'ltr'
    return 'rtl' if parts[0] in RTL_LANGUAGES else 'ltr'


def typeset(text: str, language: str) -> str:
    """Apply the language's typography to plain text.

    Straight quotes become the language's quotation marks, a spaced hyphen
    becomes a spaced en dash (as in the Swedish source pages), ``...`` an
    ellipsis; the space before a dash is made non-breaking so no line
    starts with a dash.
    """
    base = language.split('-')[0].lower()
    double_open, double_close, single_open, single_close = _QUOTES.get(
        base, _QUOTES['en'])
    text = _DOUBLE_RE.sub(f'{double_open}\\1{double_close}', text)
    text = _SINGLE_OPEN_RE.sub(f'\\1{single_open}', text)
    text = text.replace("'", single_close)
    text = _DASH_RE.sub(f'{NBSP}\u2013 ', text)
    text = text.replace('...', '\u2026')
    # A one-letter word ("i", "å", "a") never ends a line: bind it to the
    # word after it.
    text = _SINGLE_LETTER_RE.sub(f'\\1{NBSP}', text)
    if direction(language) == 'rtl':
        text = isolate_ltr(text)
    return text


def inline(text: str | None, language: str,
           root: Path | None = None) -> Markup:
    """Escape ``text``, typeset it, mark where its long words may break
    (soft hyphens, with the word list of the project at ``root``), and turn
    ``**x**`` into ``<strong>``."""
    if not text:
        return Markup('')
    escaped = str(escape(hyphenate(typeset(text, language), language, root)))
    # Names (capitalised words) are not hyphenated: "Väs-terås" reads badly.
    # Not in a right-to-left language: nothing there is hyphenated, and
    # WeasyPrint 70 sets the inline boxes of a right-to-left line in
    # reverse order whatever their own direction, so "Liberalerna
    # Västerås" as two spans would print as "Västerås Liberalerna".
    if direction(language) == 'ltr':
        escaped = _NAME_RE.sub(_name, escaped)
        return Markup(_BOLD_RE.sub(r'<strong>\1\2</strong>', escaped))
    return Markup(keep_ltr_runs(_BOLD_RE.sub(r'<strong>\1\2</strong>',
                                             escaped)))


_TAG_OR_ENTITY_RE = re.compile(r'<[^>]*>|&[#\w]+;')


def keep_ltr_runs(html: str) -> str:
    """Right-to-left HTML with every left-to-right run that crosses an
    element boundary ("**Liberalerna** Västerås") wrapped in one
    ``<span dir="ltr">``.

    WeasyPrint 70 lays the inline boxes of a right-to-left line out in
    reverse order whatever their own direction, so the bold word and the
    plain one after it would print as "Västerås **Liberalerna**"; as one
    left-to-right box they keep their order, and the box takes its place
    among the Arabic words.  A run goes from a left-to-right letter to the
    last such letter or digit before the next right-to-left letter
    (spaces and punctuation between belong to it; a number after Latin
    text is left to right, rule W7 of the bidi algorithm); only ``<strong>`` is produced by
    :func:`inline`, so a run starting or ending inside one closes and
    reopens it."""
    units = []     # (text, strong class or 'tag'), one per character/tag
    for piece in re.split(r'(<[^>]*>|&[#\w]+;)', html):
        if not piece:
            continue
        if _TAG_OR_ENTITY_RE.fullmatch(piece):
            units.append((piece, 'tag' if piece[0] == '<' else 'ON'))
        else:
            units.extend((ch, unicodedata.bidirectional(ch)) for ch in piece)
    runs, start, last = [], None, None
    for index, (_, kind) in enumerate(units + [('', 'R')]):
        if kind == 'L' or (kind == 'EN' and start is not None):
            start = index if start is None else start
            last = index
        elif kind in ('R', 'AL') and start is not None:
            if any(k == 'tag' for _, k in units[start:last + 1]):
                runs.append((start, last))
            start = None
    out, bold = [], False
    begins = {s for s, _ in runs}
    ends = {e for _, e in runs}
    for index, (text, kind) in enumerate(units):
        if index in begins:
            out.append('</strong><span dir="ltr"><strong>' if bold
                       else '<span dir="ltr">')
        out.append(text)
        if kind == 'tag':
            bold = text == '<strong>'
        if index in ends:
            out.append('</strong></span><strong>' if bold else '</span>')
    return ''.join(out).replace('<strong></strong>', '').replace(
        '<strong> </strong>', ' ')


def _name(match: re.Match) -> str:
    """A capitalised word in a span that keeps it whole; the space before
    it, and what is bound to it, go inside the span: WeasyPrint 70, when
    a line is full just before a span, can break the line at its first
    space instead of its last ("Vi / vill se … ta bort Bäckby")."""
    space, word = match[1], match[2]
    if not word[0].isupper():
        return match[0]
    return f'<span class="name">{space}{word}</span>'


def display_url(url: str) -> str:
    """The short human-readable form printed beside a QR code:
    ``https://www.example.se/a/b/`` → ``example.se/a/b``.

    Made from the same WHATWG parse as the QR code's address
    (:mod:`flyers.urls`), so it names the host a phone opens; ``#`` (a link
    not known yet) prints nothing.  A refused address raises
    :class:`flyers.urls.AddressError` (content is checked when loaded)."""
    if url.strip() == '#':
        return ''
    return parse_url(url).shown


# Arabic vowel marks (harakat, U+064B–U+0652): WeasyPrint 70 shows each
# raised mark as text of its own (a text rise, its own Tj), so PDF readers
# (poppler, PDFium) split the word at its marks: the text keeps every
# letter, but copied or read aloud it is in pieces.
_HARAKAT = re.compile('[\u064b-\u0652]')


def vowel_mark_warnings(campaign) -> list:
    """One problem per field with Arabic vowel marks (printed right, read
    back wrong: copying the PDF's text, a screen reader)."""
    from .content import texts

    return [campaign.problem(path, (
        'has Arabic vowel marks (harakat); they print correctly, but the '
        'PDF\'s text then falls apart at each mark when copied or read '
        'aloud (a limit of WeasyPrint 70); write the text without them, as '
        'most print does')) for path, value in texts(campaign)
        if _HARAKAT.search(value)]
