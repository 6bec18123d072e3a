"""Shared by the importer's stages: the schema's limits, the words and
patterns that recognise parts of a campaign page, and the page as elements.

Every reader (:mod:`.read_text`, :mod:`.read_markdown`, :mod:`.read_html`)
turns its input into a list of :class:`Element` (headings, paragraphs, list
items, questions) whose text is in one small inline markup: ``**bold**``,
``*italics*``, ``[words](address)`` and ``![description](address)``; a
character of the page that would read as markup is kept as a private-use
stand-in (:func:`protect`) until :mod:`.inline` turns the text back into
plain words.  :class:`Context` collects the notes and raises the errors.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..content import SCHEMA
from ..errors import PageImportError, Problem
from ..schema import ListOf

# --- limits, taken from the schema so the two cannot drift apart ----------

def _limit(*path: str) -> int:
    kind = SCHEMA
    for name in path:
        kind = next(f.kind for f in kind.fields if f.name == name)
        if isinstance(kind, ListOf):
            kind = kind.item
    return kind.max_length


TITLE_MAX = _limit('title')
SUBTITLE_MAX = _limit('subtitle')
HEADING_MAX = _limit('sections', 'heading')
QUESTION_MAX = _limit('faq', 'items', 'question')
PROPOSAL_TITLE_MAX = _limit('proposals', 'items', 'title')
LINK_TEXT_MAX = _limit('further_reading', 'links', 'text')
IMPRINT_MAX = _limit('imprint')
TEXT_MAX = _limit('intro')

# A heading is "a short line"; longer lines without a full stop are far more
# often sentences whose full stop was lost than headings.
HEADING_MAX_WORDS = 16
# A call to action is a sentence or two, never a long paragraph.
CTA_MAX = 400
WIDTH = 78

QR_TRACKING = {'leaflet-a5': 'utm_medium=print&utm_source=leaflet',
               'poster-a3': 'utm_medium=print&utm_source=poster'}
IMPRINT_PLACEHOLDER = {'sv': 'Ansvarig utgivare: [namn saknas]',
                       'en': 'Published by: [name missing]',
                       'fi': 'Julkaisija: [nimi puuttuu]',
                       'ar': 'الناشر المسؤول: [الاسم مفقود]'}

# --- patterns -------------------------------------------------------------

# Addresses may hold one level of parentheses (Wikipedia, javascript:f(0)).
_HREF = r'\(\s*<?((?:[^()\s<>]|\([^()\s<>]*\))*)>?(?:\s+"[^"]*")?\s*\)'
IMAGE_RE = re.compile(r'!\[([^\[\]]*)\]' + _HREF)
LINK_RE = re.compile(r'\[([^\[\]]*)\]' + _HREF)


BOLD_LINE_RE = re.compile(r'(\*\*|__)([^*_](?:(?!\1).)*?)\1')
ITALIC_LINE_RE = re.compile(r'\*([^*\s](?:[^*]*[^*\s])?)\*|'
                            r'_([^_\s](?:[^_]*[^_\s])?)_')
PROPOSAL_RE = re.compile(r'(\*\*|__)(.+?)\1(.*)')
WS_RE = re.compile(r'\s+')
SENTENCE_END_RE = re.compile(r'(?<=[.!?…؟۔])\s+')
# A question ends in "?", or in Arabic's "؟" (U+061F).
QUESTION_MARKS = ('?', '؟')
# Marks that set the direction of the text around them (LRM, RLM, ALM,
# embeddings, overrides, isolates): a page saved from a right-to-left site
# carries them, no font prints them, and the layouts set the direction
# from the content's language instead.  Joiners (ZWJ, ZWNJ) are kept: they
# change how Arabic and Persian letters join.
DIRECTION_MARKS_RE = re.compile('[\u200e\u200f\u061c\u202a-\u202e'
                                '\u2066-\u2069]')

IMPRINT_RE = re.compile(
    r'(ansvarig utgivare|utgivare|published by|promoted by|'
    r'printed and published by|responsible publisher|imprint|'
    r'vastaava julkaisija|julkaisija|الناشر المسؤول|الناشر)\b', re.I)
PROPOSALS_WORDS = re.compile(
    r'\b(förslag\w*|vi vill|vill vi|vi lovar|löften|vallöften|'
    r'vårt program|våra krav|proposals?|pledges?|promises?|we will|'
    r'we want|our plan|'
    r'our policies|what we want|'
    r'ehdotu\w*|tavoitteemme|lupaamme|مقترحات\w*|اقتراحات\w*|'
    r'وعود\w*|برنامجنا)\b', re.I)
FAQ_WORDS = re.compile(
    r'\b(frågor|frågor och svar|faq|questions|q ?& ?a|kysymyksiä|'
    r'kysymykset|usein kysyttyä|أسئلة|الأسئلة|الأسئلة الشائعة)\b', re.I)
READING_WORDS = re.compile(
    r'\b(läs mer|läs vidare|länkar|mer information|fördjupning|'
    r'further reading|read more|links|resources|learn more|find out more|'
    r'lue lisää|linkit|اقرأ المزيد|اقرأ أيضا|اقرأ أيضًا|روابط)\b',
    re.I)
CTA_WORDS = re.compile(
    r'\b(dela|gå med|bli medlem|kontakta|rösta|skriv under|anmäl|stöd oss|'
    r'följ oss|swisha|share|join|contact us|vote|sign up|sign the|donate|'
    r'volunteer|get involved|follow us)\b', re.I)

# YAML can print these only as escapes; pages copied from a browser or a
# word processor sometimes carry a few, binary files carry many.
NON_PRINTABLE_RE = re.compile(
    '[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD'
    '\U00010000-\U0010FFFF]')


def quoted(text: str, limit: int = 48) -> str:
    """Quote a piece of the page in a note, shortened."""
    text = WS_RE.sub(' ', unprotect(text)).strip()
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + '…'
    return f'"{text}"'


def collapse(text: str) -> str:
    return WS_RE.sub(' ', text).strip()


def ends_question(text: str) -> bool:
    return text.rstrip().endswith(QUESTION_MARKS)


def starts_upper(text: str) -> bool:
    first = next((c for c in text if c.isalnum()), '')
    # A script without capitals (Arabic) starts every sentence "upper".
    return bool(first) and (first.isupper() or first.isdigit()
                            or first.lower() == first.upper())


def slug(title: str) -> str:
    plain = unicodedata.normalize('NFKD', title)
    plain = ''.join(c for c in plain if not unicodedata.combining(c))
    slug = re.sub(r'[^a-z0-9]+', '-', plain.lower()).strip('-')
    if len(slug) > 60:
        slug = slug[:60].rsplit('-', 1)[0]
    return slug or 'campaign'


class Context:
    """One import run: the page's name, its notes so far, its errors."""

    def __init__(self, source: str, stand_ins: bool = False):
        self.source = source
        # True when the reader kept markup characters as stand-ins.
        self.stand_ins = stand_ins
        self.line_notes: list[tuple[int, str]] = []
        self._seen: set[str] = set()

    def note(self, line: int, message: str):
        text = collapse(f'line {line}: {message}')
        if text not in self._seen:
            self._seen.add(text)
            self.line_notes.append((line, text))

    def fail(self, message: str, line: int | None = None,
             column: int | None = None):
        raise PageImportError([Problem(self.source, message, line, column)])

    def sorted_notes(self) -> tuple[str, ...]:
        return tuple(text for _, text in sorted(self.line_notes,
                                                key=lambda n: n[0]))


# Markup characters of the page's own text stand in the elements as
# private-use characters, so that no pattern reads them as markup.
PROTECTED = '\\`*_[]'
_STAND_IN_RE = re.compile('[\ue000-\ue07f]')


def protect(text: str) -> str:
    """The page's own words, safe to put into the inline markup."""
    return ''.join(chr(0xE000 + ord(c)) if c in PROTECTED else c
                   for c in text)


_HREF_INSIDE_RE = re.compile(r'(?:[^()\s<>]|\([^()\s<>]*\))*')


def link_address(href: str | None) -> str:
    """An address as the inline markup holds it (inside ``](…)``): white
    space and what would end it early are %-escaped, balanced parentheses
    (Wikipedia, javascript:f(0)) are left alone."""
    href = re.sub(r'\s+', '%20', (href or '').strip())
    href = href.replace('<', '%3C').replace('>', '%3E').replace('"', '%22')
    href = href.replace('[', '%5B').replace(']', '%5D')
    if not _HREF_INSIDE_RE.fullmatch(href):
        href = href.replace('(', '%28').replace(')', '%29')
    return href


def without_stand_ins(lines: list[str], ctx: Context) -> list[str]:
    """The page's own private-use characters in the stand-ins' range would
    come out as other characters: they are not text any font prints."""
    out = []
    for number, line in enumerate(lines, 1):
        found = _STAND_IN_RE.findall(line)
        if found:
            line = _STAND_IN_RE.sub('', line)
            ctx.note(number, f'{len(found)} private-use character'
                     f'{"s" if len(found) > 1 else ""} removed (they '
                     'cannot be printed)')
        out.append(line)
    return out


def unprotect(text: str) -> str:
    return _STAND_IN_RE.sub(lambda m: chr(ord(m[0]) - 0xE000), text)


# --- the page as elements -------------------------------------------------

@dataclass
class Element:
    """One element of the page: a heading, a paragraph or a list item.

    ``kind`` is 'heading', 'para', 'item', 'question' or 'ptitle' (a heading
    taken as a proposal's title).  ``parts`` keeps a paragraph's lines."""

    kind: str
    text: str
    line: int
    level: int = 0
    indent: int = 0
    marker: str = ''        # a list item's bullet or number
    parts: list[tuple[int, str]] = field(default_factory=list)
    how: str = ''           # why it is a heading, for the notes

    @property
    def nlines(self) -> int:
        return max(1, len(self.parts))


@dataclass
class Block:
    """A heading and what follows it up to the next heading."""

    heading: Element | None
    content: list[Element]
    group_note: str = ''


@dataclass
class Page:
    """What a reader found: the elements, and what the page says about
    itself (an HTML page's <title>, lang, canonical address, base)."""

    elements: list[Element]
    kind: str                       # 'text', 'markdown' or 'html'
    title: str | None = None        # the page's <title>, its site removed
    title_line: int = 1
    language: str | None = None
    language_from: str = 'lang attribute'  # where the page says it
    url: str | None = None          # the page's own address (canonical)
    base: str | None = None         # what relative links are relative to
    notes: list[str] = field(default_factory=list)  # about the page


def proposal_parts(text: str) -> tuple[str, str] | None:
    """``**Title** text`` / ``**Title:** text`` → (title, text)."""
    m = PROPOSAL_RE.fullmatch(text.strip())
    if not m:
        return None
    title = m[2].strip().rstrip(':').strip()
    rest = m[3].strip()
    if not title or '**' in title:
        return None
    rest = re.sub(r'^(?:[:–—-]\s+|:\s*|\.\s+)', '', rest)
    if len(collapse(title)) > PROPOSAL_TITLE_MAX:
        return None
    return title, rest


def bare_proposal(el: Element) -> bool:
    """A ``- **Title**`` item whose text is the next paragraph."""
    parts = proposal_parts(el.text) if el.kind == 'item' else None
    return parts is not None and not parts[1]


def heading_like(plain: str) -> bool:
    return (0 < len(plain) <= HEADING_MAX
            and len(plain.split()) <= HEADING_MAX_WORDS
            and plain[-1] not in '.!:;,?…؟،؛۔'
            and starts_upper(plain))


def split_long(text: str) -> list[str]:
    """Split text longer than the schema allows at sentence ends."""
    if len(text) <= TEXT_MAX:
        return [text]
    chunks, current = [], ''
    for sentence in SENTENCE_END_RE.split(text):
        while len(sentence) > TEXT_MAX:
            cut = sentence.rfind(' ', 0, TEXT_MAX) if ' ' in sentence[
                :TEXT_MAX] else TEXT_MAX
            head, sentence = sentence[:cut].strip(), sentence[cut:].strip()
            if current:
                chunks.append(current)
                current = ''
            chunks.append(head)
        if current and len(current) + 1 + len(sentence) > TEXT_MAX:
            chunks.append(current)
            current = sentence
        else:
            current = f'{current} {sentence}' if current else sentence
    if current:
        chunks.append(current)
    return chunks


def clean_lines(text: str, ctx: Context) -> list[str]:
    """The page's lines, with one kind of line end and no characters that
    cannot be printed (each removal noted with its line)."""
    text = text.removeprefix('\ufeff')
    text = re.sub(r'\r\n?|[\x85\u2028\u2029\x0c]', '\n', text)
    text = text.replace('\x0b', ' ').replace('\ufeff', '')
    lines = []
    for number, line in enumerate(text.split('\n'), 1):
        marks = DIRECTION_MARKS_RE.findall(line)
        if marks:
            line = DIRECTION_MARKS_RE.sub('', line)
            codes = ', '.join(sorted({f'U+{ord(m):04X}' for m in marks}))
            ctx.note(number, f'{len(marks)} direction mark'
                     f'{"s" if len(marks) > 1 else ""} ({codes}) removed; '
                     'the text is kept in reading order and the layouts '
                     'set its direction from `language`')
        found = NON_PRINTABLE_RE.findall(line.replace('\t', ' '))
        if found:
            line = NON_PRINTABLE_RE.sub('', line.replace('\t', '    '))
            ctx.note(number, f'{len(found)} control character'
                     f'{"s" if len(found) > 1 else ""} removed (they '
                     'cannot be printed)')
        lines.append(line.expandtabs(4).rstrip())
    return lines
