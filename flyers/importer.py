"""Stage 0: import — turn a campaign web page's text into a content file.

In: the text of one campaign page, copied from a browser (plain text) or
saved as Markdown, the name it came from, and optionally the page's address
and language.  Out: an :class:`ImportResult` — the text of a content file
(``content/NAME.yaml``) that :func:`flyers.content.load_campaign` accepts,
plus one plain-language note per guess — or a
:class:`~flyers.errors.PageImportError` when the text cannot be used at all
(empty, binary, larger than 1 MB, no title line).

The importer never drops text: what it cannot place is kept as a paragraph
and named in the notes, so a campaign worker only moves and trims, never
retypes.  What the page does not say (its address, the responsible
publisher, where a link points) becomes a placeholder that keeps the file a
draft until someone fills it in.  The same input always gives the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

import yaml

from .content import (SCHEMA, Campaign, Faq, FurtherReading, Link, Proposal,
                      Proposals, Question, Section, placeholders)
from .errors import PageImportError, Problem
from .schema import Context, ListOf
from .urls import problem as url_problem
from .yamlstrict import MAX_BYTES


@dataclass(frozen=True)
class ImportResult:
    """The content file to write and what the importer guessed."""

    yaml_text: str              # the content file to write (UTF-8 text)
    notes: tuple[str, ...]      # one plain-language line per guess


def import_page(text: str, *, source: str, url: str | None = None,
                language: str | None = None) -> ImportResult:
    """Turn a page's text into a content file; ``source`` names the page in
    messages, ``url`` is the page's own address (the QR target) and
    ``language`` a language code; both are guessed or left as placeholders
    when not given."""
    return _Importer(source, url).run(text, language)


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
                       'en': 'Published by: [name missing]'}

# --- patterns -------------------------------------------------------------

_ATX_RE = re.compile(r' {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*')
_SETEXT_RE = re.compile(r' {0,3}(={2,}|-{2,})[ \t]*')
_ITEM_RE = re.compile(r'([ \t]*)([-*+•]|\d{1,3}[.)])[ \t]+(\S.*)')
# An en or em dash starts a list item only where a list could start: inside
# running text it is punctuation that happens to begin a wrapped line.
_DASH_ITEM_RE = re.compile(r'([ \t]*)([–—])[ \t]+(\S.*)')
_FENCE_RE = re.compile(r' {0,3}(```|~~~)')
_QUOTE_RE = re.compile(r' {0,3}>[ \t]?')
_MARKUP_ONLY_RE = re.compile(r'[\s\-*_=|:#`~+>]*')

# Addresses may hold one level of parentheses (Wikipedia, javascript:f(0)).
_HREF = r'\(\s*<?((?:[^()\s<>]|\([^()\s<>]*\))*)>?(?:\s+"[^"]*")?\s*\)'
_IMAGE_RE = re.compile(r'!\[([^\[\]]*)\]' + _HREF)
_LINK_RE = re.compile(r'\[([^\[\]]*)\]' + _HREF)
_CODE_RE = re.compile(r'`+([^`]+?)`+')
_ESCAPE_RE = re.compile(r'\\([\\`*_{}\[\]()#+\-.!|>~])')
_STRONG_EM_RE = re.compile(r'\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*')
_UNDER_STRONG_RE = re.compile(r'(?<![\w_])__(?=\S)(.+?)(?<=\S)__(?![\w_])')
_STAR_EM_RE = re.compile(r'(?<![\w*])\*([^\s*](?:[^*]*[^\s*])?)\*(?![\w*])')
_UNDER_EM_RE = re.compile(r'(?<![\w_])_([^\s_](?:[^_]*[^\s_])?)_(?![\w_])')
_BOLD_LINE_RE = re.compile(r'(\*\*|__)([^*_](?:(?!\1).)*?)\1')
_ITALIC_LINE_RE = re.compile(r'\*([^*\s](?:[^*]*[^*\s])?)\*|'
                             r'_([^_\s](?:[^_]*[^_\s])?)_')
_PROPOSAL_RE = re.compile(r'(\*\*|__)(.+?)\1(.*)')
_WS_RE = re.compile(r'\s+')
_SENTENCE_END_RE = re.compile(r'(?<=[.!?…])\s+')

_IMPRINT_RE = re.compile(
    r'(ansvarig utgivare|utgivare|published by|promoted by|'
    r'printed and published by|responsible publisher|imprint)\b', re.I)
_PROPOSALS_WORDS = re.compile(
    r'\b(förslag\w*|vi vill|vill vi|vi lovar|löften|vallöften|'
    r'vårt program|våra krav|proposals?|pledges?|promises?|we will|'
    r'we want|our plan|'
    r'our policies|what we want)\b', re.I)
_FAQ_WORDS = re.compile(
    r'\b(frågor|frågor och svar|faq|questions|q ?& ?a)\b', re.I)
_READING_WORDS = re.compile(
    r'\b(läs mer|läs vidare|länkar|mer information|fördjupning|'
    r'further reading|read more|links|resources|learn more|find out more)\b',
    re.I)
_CTA_WORDS = re.compile(
    r'\b(dela|gå med|bli medlem|kontakta|rösta|skriv under|anmäl|stöd oss|'
    r'följ oss|swisha|share|join|contact us|vote|sign up|sign the|donate|'
    r'volunteer|get involved|follow us)\b', re.I)

_SV_WORDS = frozenset(
    'och att för det som är på med inte till av om har vi ska den ett kan '
    'vill eller jag du ni oss vår våra vårt mer också när så sig alla '
    'där ska blir mot under efter hur'.split())
_EN_WORDS = frozenset(
    'the and to of is in for that we with on are it this be our will you '
    'as by at or not can have more from all where when how which'.split())

# YAML can print these only as escapes; pages copied from a browser or a
# word processor sometimes carry a few, binary files carry many.
_NON_PRINTABLE_RE = re.compile(
    '[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD'
    '\U00010000-\U0010FFFF]')
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = 'tag:yaml.org,2002:str'


def _q(text: str, limit: int = 48) -> str:
    """Quote a piece of the page in a note, shortened."""
    text = _WS_RE.sub(' ', text).strip()
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + '…'
    return f'"{text}"'


def _collapse(text: str) -> str:
    return _WS_RE.sub(' ', text).strip()


def _starts_upper(text: str) -> bool:
    first = next((c for c in text if c.isalnum()), '')
    return bool(first) and (first.isupper() or first.isdigit())


def _slug(title: str) -> str:
    plain = unicodedata.normalize('NFKD', title)
    plain = ''.join(c for c in plain if not unicodedata.combining(c))
    slug = re.sub(r'[^a-z0-9]+', '-', plain.lower()).strip('-')
    if len(slug) > 60:
        slug = slug[:60].rsplit('-', 1)[0]
    return slug or 'campaign'


# --- the page as elements -------------------------------------------------

@dataclass
class _El:
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
class _Block:
    """A heading and what follows it up to the next heading."""

    heading: _El | None
    content: list[_El]
    group_note: str = ''


def _proposal_parts(text: str) -> tuple[str, str] | None:
    """``**Title** text`` / ``**Title:** text`` → (title, text)."""
    m = _PROPOSAL_RE.fullmatch(text.strip())
    if not m:
        return None
    title = m[2].strip().rstrip(':').strip()
    rest = m[3].strip()
    if not title or '**' in title:
        return None
    rest = re.sub(r'^(?:[:–—-]\s+|:\s*|\.\s+)', '', rest)
    if len(_collapse(title)) > PROPOSAL_TITLE_MAX:
        return None
    return title, rest


def _bare_proposal(el: _El) -> bool:
    """A ``- **Title**`` item whose text is the next paragraph."""
    parts = _proposal_parts(el.text) if el.kind == 'item' else None
    return parts is not None and not parts[1]


class _Importer:
    def __init__(self, source: str, url: str | None):
        self.source = source
        self.base = url
        self._line_notes: list[tuple[int, str]] = []
        self._seen: set[str] = set()
        self.intro: list[tuple[int, str]] = []
        self.sections: list[dict] = []
        self.props: list[dict] = []
        self.faqs: list[dict] = []
        self.reads: list[dict] = []
        self.cta: list[tuple[int, str]] = []
        self.orphans: list[tuple[int, str, str]] = []

    # --- notes and errors ---

    def note(self, line: int, message: str):
        text = _collapse(f'line {line}: {message}')
        if text not in self._seen:
            self._seen.add(text)
            self._line_notes.append((line, text))

    def fail(self, message: str, line: int | None = None,
             column: int | None = None):
        raise PageImportError([Problem(self.source, message, line, column)])

    # --- the whole run ---

    def run(self, text: str, language: str | None) -> ImportResult:
        self._check_usable(text)
        if self.base is not None:
            self._check_url_argument()
        if language is not None and not re.fullmatch(
                r'[a-z]{2,3}(-[A-Za-z0-9]{2,8})*', language):
            self.fail(f'"{language}" is not a language code; give one such '
                      'as sv or en')
        lines = self._clean(text)
        elements = self._parse(lines)
        elements = self._drop_empty(elements)
        if not elements:
            self.fail('the page is empty: there is no text to import')
        title, body, before = self._take_title(elements)
        subtitle = self._take_subtitle(body)
        imprint = self._take_imprint(body)
        self._classify(body)
        blocks = self._blocks(body)
        for el in before:
            self.intro.append((el.line, self._inline(el.text, el.line)))
            self.note(el.line, 'text before the title, kept in the intro')
        self._build(blocks)
        self._place_orphans()

        global_notes = []
        if language is None:
            language, why = _guess_language(text)
            global_notes.append(f'language: {language} ({why}); change '
                                '`language` if that is wrong')
        if self.base is None:
            url = f'https://example.org/{_slug(title)}'
            global_notes.append(
                f'url: the page\'s address was not given; wrote the '
                f'placeholder {url} (give the real address with --url)')
        else:
            url = self.base
        if imprint is None:
            imprint = IMPRINT_PLACEHOLDER.get(language.split('-')[0],
                                              IMPRINT_PLACEHOLDER['en'])
            global_notes.append(
                'imprint: the page names no responsible publisher; wrote '
                f'the placeholder "{imprint}"')
        data = self._assemble(language, url, title, subtitle, imprint)

        campaign = self._validate(_emit(data, ()), data)
        left = placeholders(campaign)
        if left:
            data['status'] = 'draft'
            names = [path for path, _ in left]
            shown = ', '.join(names[:6])
            if len(names) > 6:
                shown += f' and {len(names) - 6} more'
            global_notes.append(
                f'status: draft, because placeholders are left in {shown}; '
                'fill them in, then set `status: final`')
        else:
            data['status'] = 'final'
            global_notes.append('status: final (no placeholders left); '
                                'check the file before you print')
        notes = tuple(text for _, text in sorted(
            self._line_notes, key=lambda n: n[0])) + tuple(global_notes)
        yaml_text = _emit(data, self._header(notes))
        self._validate(yaml_text, data)
        if len(yaml_text.encode('utf-8')) > MAX_BYTES:
            self.fail('the page is too long for one content file (more than '
                      f'{MAX_BYTES:,} bytes once imported); import a shorter '
                      'page')
        return ImportResult(yaml_text, notes)

    # --- refusing what cannot be used ---

    def _check_usable(self, text: str):
        size = len(text.encode('utf-8', 'surrogatepass'))
        if size > MAX_BYTES:
            self.fail(f'the page is {size:,} bytes; a page to import may be '
                      f'at most {MAX_BYTES:,} bytes (is this the right file?)')
        if '\x00' in text:
            self.fail('this does not look like text: it contains NUL '
                      'characters (is it a PDF, an image or a Word file?); '
                      'save the page as plain text or Markdown and import '
                      'that')
        bad = len(_NON_PRINTABLE_RE.findall(text)) + text.count('\ufffd')
        if bad > 2 and bad * 50 > len(text):
            self.fail(f'this does not look like text: {bad:,} of its '
                      f'{len(text):,} characters are control characters or '
                      'unreadable; save the page as plain text or Markdown '
                      'and import that')
        if not text.strip():
            self.fail('the page is empty: there is no text to import')

    def _check_url_argument(self):
        parts = urlsplit(self.base)
        if (parts.scheme.lower() not in ('http', 'https') or not parts.hostname
                or any(c.isspace() for c in self.base)):
            self.fail(f'"{self.base}" is not a web address; give the page\'s '
                      'address starting with https://')

    def _clean(self, text: str) -> list[str]:
        text = text.removeprefix('\ufeff')
        text = re.sub(r'\r\n?|[\x85\u2028\u2029\x0c]', '\n', text)
        text = text.replace('\x0b', ' ').replace('\ufeff', '')
        lines = []
        for number, line in enumerate(text.split('\n'), 1):
            found = _NON_PRINTABLE_RE.findall(line.replace('\t', ' '))
            if found:
                line = _NON_PRINTABLE_RE.sub('', line.replace('\t', '    '))
                self.note(number, f'{len(found)} control character'
                          f'{"s" if len(found) > 1 else ""} removed (they '
                          'cannot be printed)')
            lines.append(line.expandtabs(4).rstrip())
        return lines

    # --- lines → elements ---

    def _parse(self, lines: list[str]) -> list[_El]:
        elements: list[_El] = []
        para: list[tuple[int, str]] = []
        item: _El | None = None
        fence_line = 0
        # A fence that is never closed is a stray line of backticks, not
        # the start of a code block that swallows the rest of the page.
        fences = [n for n, line in enumerate(lines, 1)
                  if _FENCE_RE.match(line)]
        fences = set(fences[:len(fences) // 2 * 2])

        def flush():
            if not para:
                return
            # One long line per paragraph (text copied from a browser) is
            # told apart from hard-wrapped text by the length of its lines.
            if len(para) > 1 and max(len(t) for _, t in para) > 100:
                for number, text in para:
                    elements.append(_El('para', text, number,
                                        parts=[(number, text)]))
            else:
                elements.append(_El('para', ' '.join(t for _, t in para),
                                    para[0][0], parts=list(para)))
            para.clear()

        for number, line in enumerate(lines, 1):
            if number in fences:
                flush()
                item = None
                if fence_line:
                    fence_line = 0
                else:
                    fence_line = number
                    self.note(number, 'a code block, kept as ordinary text')
                continue
            if fence_line:
                if line.strip():
                    para.append((number, line.strip()))
                continue
            if _QUOTE_RE.match(line):
                while _QUOTE_RE.match(line):
                    line = _QUOTE_RE.sub('', line, count=1)
                self.note(number, 'a quotation (">"), kept as ordinary text')
            stripped = line.strip()
            if not stripped:
                flush()
                item = None
                continue
            m = _ATX_RE.fullmatch(line)
            if m and m[2].strip():
                flush()
                item = None
                elements.append(_El('heading', m[2].strip(), number,
                                    level=len(m[1]),
                                    how=f"a '{m[1]}' heading"))
                continue
            m = _SETEXT_RE.fullmatch(line)
            if m and len(para) == 1:
                heading_line, heading = para.pop()
                level = 1 if m[1][0] == '=' else 2
                elements.append(_El('heading', heading, heading_line,
                                    level=level, how='an underlined heading'))
                continue
            if _MARKUP_ONLY_RE.fullmatch(stripped):
                flush()
                item = None
                continue
            m = _ITEM_RE.fullmatch(line)
            if not m and not para:
                m = _DASH_ITEM_RE.fullmatch(line)
            if m:
                flush()
                item = _El('item', m[3].strip(), number, indent=len(m[1]),
                           marker=m[2], parts=[(number, m[3].strip())])
                elements.append(item)
                continue
            if item is not None and line[:1] == ' ' and not para:
                item.text += ' ' + stripped
                item.parts.append((number, stripped))
                continue
            item = None
            para.append((number, stripped))
        flush()
        return elements

    # --- title, subtitle, imprint ---

    def _take_title(self, els: list[_El]):
        before: list[_El] = []
        h1 = next((i for i, e in enumerate(els)
                   if e.kind == 'heading' and e.level == 1), None)
        # A few lines above the '#' title are page furniture (breadcrumbs,
        # a date); a '#' line deep in the page is not its title.
        if h1 is not None and h1 <= 3:
            before, title_el, body = els[:h1], els[h1], els[h1 + 1:]
            why = "the first '#' heading"
        else:
            first, body = els[0], els[1:]
            if first.kind == 'item':
                self.fail('found no title: the page starts with a list item, '
                          'not a title; put the page\'s title on a line of '
                          'its own at the top', first.line, 1)
            if first.kind == 'para' and len(first.parts) > 1:
                (number, text), rest = first.parts[0], first.parts[1:]
                body = [_El('para', ' '.join(t for _, t in rest), rest[0][0],
                            parts=rest)] + body
                first = _El('para', text, number, parts=[(number, text)])
            title_el = first
            why = ('the first heading' if first.kind == 'heading'
                   else 'the first line')
        title = self._inline(title_el.text, title_el.line, bold=False)
        if not title:
            self.fail('found no title: the first line holds no words',
                      title_el.line, 1)
        if len(title) > TITLE_MAX:
            self.fail(f'found no title: line {title_el.line} is '
                      f'{len(title)} characters long, and a title may be at '
                      f'most {TITLE_MAX}; put the page\'s title on a line of '
                      'its own at the top', title_el.line, 1)
        self.note(title_el.line, f'title ({why})')
        for el in before:
            el.kind = 'para'
        return title, body, before

    def _take_subtitle(self, body: list[_El]) -> str | None:
        if not body:
            return None
        first = body[0]
        text = why = None
        alone = len(body) == 1 or body[1].kind != 'item'
        if (first.kind == 'item' and alone and first.indent == 0
                and not _proposal_parts(first.text)
                and not _LINK_RE.search(first.text)):
            marker = first.marker
            if marker in ('-', '–', '—'):
                text, why = first.text, f"a line starting with '{marker} '"
        elif first.kind == 'para' and first.nlines == 1:
            m = _ITALIC_LINE_RE.fullmatch(first.text)
            plain = self._inline(first.text, first.line, bold=False,
                                 quiet=True)
            if m:
                text, why = m[1] or m[2], 'a line in italics'
            elif (len(body) > 1 and _heading_like(plain)
                  and body[1].kind == 'para'
                  and not body[1].text.rstrip('*_ ').endswith('?')
                  and not any(e.kind == 'heading' for e in body)):
                # In plain text a short line under the title is a tagline
                # far more often than a section with no intro above it.
                text, why = first.text, 'a short line'
        if text is None:
            return None
        subtitle = self._inline(text, first.line, bold=False)
        if not subtitle or len(subtitle) > SUBTITLE_MAX:
            return None
        body.pop(0)
        self.note(first.line, f'subtitle ({why} right after the title)')
        return subtitle

    def _take_imprint(self, body: list[_El]) -> str | None:
        for index, el in enumerate(body):
            if el.kind != 'para':
                continue
            plain = self._inline(el.text, el.line, bold=False, quiet=True)
            m = _IMPRINT_RE.match(plain)
            # "Published by the council in 2023, the report …" in running
            # text is no imprint: an imprint is labelled or ends the page.
            if (m and len(plain) <= IMPRINT_MAX
                    and (plain[m.end():].lstrip()[:1] == ':'
                         or index >= len(body) - 2)):
                del body[index]
                self.note(el.line, f'imprint {_q(plain)} (a line naming who '
                          'publishes the page; taken out of the text)')
                return self._inline(el.text, el.line, bold=False)
        return None

    def _drop_empty(self, body: list[_El]) -> list[_El]:
        kept = []
        for el in body:
            if self._inline(el.text, el.line, bold=False, quiet=True):
                kept.append(el)
            else:
                self._inline(el.text, el.line, bold=False)
                self.note(el.line, 'nothing left to print after removing the '
                          'markup; left out')
        return kept

    # --- which paragraphs are headings or questions ---

    def _classify(self, body: list[_El]):
        plain_headings = not any(e.kind == 'heading' for e in body)
        for index, el in enumerate(body):
            if el.kind == 'heading':
                plain = self._inline(el.text, el.line, bold=False, quiet=True)
                if len(plain) > HEADING_MAX:
                    el.kind = 'para'
                    self.note(el.line, f'heading {_q(plain)} is longer than '
                              f'{HEADING_MAX} characters; kept as a paragraph')
                continue
            if el.kind != 'para' or el.nlines > 1:
                continue
            prev = body[index - 1] if index else None
            nxt = body[index + 1] if index + 1 < len(body) else None
            # What follows a question or a bare proposal title is its
            # answer or text, however short.
            if prev is not None and (prev.kind == 'question'
                                     or _bare_proposal(prev)):
                continue
            if nxt is None or nxt.kind == 'heading':
                continue
            bold = _BOLD_LINE_RE.fullmatch(el.text)
            inner = bold[2] if bold else el.text
            plain = self._inline(inner, el.line, bold=False, quiet=True)
            if plain.endswith('?') and len(plain) <= QUESTION_MAX:
                el.kind = 'question'
                el.how = 'a line in bold ending in ?' if bold else \
                    'a line ending in ?'
            elif (bold or plain_headings) and _heading_like(plain):
                el.kind, el.text = 'heading', inner
                el.level = 7 if bold else 2
                el.how = ('a line in bold' if bold else
                          'a short line without final punctuation')

    # --- elements → blocks ---

    def _blocks(self, body: list[_El]) -> list[_Block]:
        blocks = [_Block(None, [])]
        for el in body:
            current = blocks[-1]
            if el.kind == 'heading':
                plain = self._inline(el.text, el.line, bold=False, quiet=True)
                head = current.heading
                if (plain.endswith('?') and len(plain) <= QUESTION_MAX
                        and head is not None
                        and (el.level > head.level or (
                            el.level == head.level and (
                                _FAQ_WORDS.search(head.text) or any(
                                    e.kind == 'question'
                                    for e in current.content))))):
                    el.kind, el.how = 'question', f'{el.how} ending in ?'
                    current.content.append(el)
                else:
                    blocks.append(_Block(el, []))
            elif (el.kind == 'question'
                  and any(e.kind == 'item' for e in current.content)):
                # A question after a list of proposals or links ends that
                # list: it heads what follows.
                el.kind = 'heading'
                el.level = current.heading.level if current.heading else 2
                blocks.append(_Block(el, []))
            else:
                current.content.append(el)
        blocks = self._group_proposals(blocks)
        return self._fix_empty_headings(blocks)

    def _group_proposals(self, blocks: list[_Block]) -> list[_Block]:
        """A proposals heading whose sub-headings are the proposals."""
        out: list[_Block] = []
        index = 0
        while index < len(blocks):
            block = blocks[index]
            index += 1
            out.append(block)
            head = block.heading
            if (head is None or not _PROPOSALS_WORDS.search(head.text)
                    or any(e.kind != 'para' for e in block.content)):
                continue
            children = []
            while index < len(blocks):
                child = blocks[index]
                title = self._inline(child.heading.text, child.heading.line,
                                     bold=False, quiet=True)
                if (child.heading.level <= head.level
                        or len(title) > PROPOSAL_TITLE_MAX
                        or any(e.kind != 'para' for e in child.content)):
                    break
                children.append(child)
                index += 1
            for child in children:
                block.content.append(_El('ptitle', child.heading.text,
                                         child.heading.line))
                block.content.extend(child.content)
            if children:
                how = children[0].heading.how.removeprefix('a ')
                block.group_note = f'each {how} below it is a proposal'
        return out

    def _fix_empty_headings(self, blocks: list[_Block]) -> list[_Block]:
        out: list[_Block] = []
        index = 0
        while index < len(blocks):
            block = blocks[index]
            index += 1
            if block.heading is None or block.content:
                out.append(block)
                continue
            head = block.heading
            plain = self._inline(head.text, head.line, bold=False, quiet=True)
            nxt = blocks[index] if index < len(blocks) else None
            if nxt is not None and self._kind(nxt) == 'section':
                # "A heading with no paragraphs of its own takes what
                # follows": the next heading becomes its first paragraph.
                sub = nxt.heading
                sub_plain = self._inline(sub.text, sub.line, bold=False,
                                         quiet=True)
                block.content = [_El('para', sub.text, sub.line,
                                     parts=[(sub.line, sub.text)])]
                block.content += nxt.content
                index += 1
                blocks.insert(index, block)
                self.note(sub.line, f'heading {_q(sub_plain)} follows the '
                          f'heading {_q(plain)} directly; kept as the first '
                          'paragraph of that section')
                continue
            self.orphans.append((head.line, plain, 'a heading with no text '
                                 'after it'))
        return out

    # --- blocks → content ---

    def _kind(self, block: _Block) -> str:
        content = block.content
        if any(e.kind == 'ptitle' or (e.kind == 'item'
                                      and _proposal_parts(e.text))
               for e in content):
            return 'proposals'
        if block.heading is None:
            return 'intro'
        head = block.heading.text
        items = [i for i, e in enumerate(content) if e.kind == 'item']
        questions = [i for i, e in enumerate(content) if e.kind == 'question']
        one_list = bool(items) and items == list(range(items[0],
                                                       items[-1] + 1))
        linked = any(_LINK_RE.search(content[i].text) for i in items)
        if one_list and linked and len(questions) <= 1:
            return 'reading'
        if questions and not (questions[0] > 0 and len(questions) == 1):
            return 'faq'
        if one_list and _READING_WORDS.search(head):
            return 'reading'
        if _PROPOSALS_WORDS.search(head) and any(
                e.kind == 'item' and e.indent == 0
                and not _LINK_RE.search(e.text)
                and len(self._inline(e.text, e.line, bold=False, quiet=True))
                <= PROPOSAL_TITLE_MAX for e in content):
            return 'proposals'
        return 'section'

    def _build(self, blocks: list[_Block]):
        last = len(blocks) - 1
        for index, block in enumerate(blocks):
            kind = self._kind(block)
            is_last = index == last
            if kind == 'proposals':
                self._build_proposals(block, is_last)
            elif kind == 'faq':
                self._build_faq(block, is_last)
            elif kind == 'reading':
                self._build_reading(block, is_last)
            else:
                self._build_section(block, is_last)
        self._merge()

    def _heading(self, block: _Block) -> str:
        return self._inline(block.heading.text, block.heading.line,
                            bold=False)

    def _para(self, el: _El, where: str) -> tuple[int, str]:
        """A paragraph from any element, noting what was not one."""
        text = self._inline(el.text, el.line)
        if el.kind == 'item':
            self.note(el.line, f'list item {_q(text)} kept as a paragraph '
                      f'{where}')
        elif el.kind == 'question':
            self.note(el.line, f'question {_q(text)} kept as a paragraph '
                      f'{where}')
        elif el.kind == 'ptitle':
            self.note(el.line, f'heading {_q(text)} kept as a paragraph '
                      f'{where}')
        elif text.startswith('|') or text.startswith('<'):
            self.note(el.line, f'{_q(text)} (a table or markup?) kept as a '
                      f'paragraph {where}')
        return el.line, text

    def _lead_section(self, block: _Block, lead: list[tuple[int, str]],
                      what: str) -> bool:
        """Text between a heading and its proposals or questions."""
        if not lead:
            return False
        if block.heading is None:
            self.intro.extend(lead)
            return False
        heading = self._heading(block)
        self.sections.append({'line': block.heading.line, 'heading': heading,
                              'paragraphs': lead})
        self.note(block.heading.line, f'section {_q(heading)} holds the text '
                  f'before the {what}; the {what} below it have no heading '
                  'of their own')
        return True

    def _build_proposals(self, block: _Block, is_last: bool):
        lead: list[tuple[int, str]] = []
        items: list[dict] = []
        for el in block.content:
            parts = _proposal_parts(el.text) if el.kind == 'item' else None
            if parts and not self._inline(parts[0], el.line, quiet=True):
                parts = None
            plain = self._inline(el.text, el.line, bold=False, quiet=True)
            if el.kind == 'ptitle':
                items.append({'line': el.line, 'paras': [], 'title':
                              self._inline(el.text, el.line, bold=False)})
            elif parts:
                title, rest = parts
                item = {'line': el.line, 'paras': [],
                        'title': self._inline(title, el.line, bold=False)}
                if rest:
                    item['paras'].append((el.line, self._inline(rest,
                                                                el.line)))
                items.append(item)
            elif (el.kind == 'item' and el.indent == 0
                  and not _LINK_RE.search(el.text)
                  and len(plain) <= PROPOSAL_TITLE_MAX):
                items.append({'line': el.line, 'paras': [], 'title': plain,
                              'plain': True})
                self.note(el.line, f'proposal {_q(plain)} (a list item in '
                          'the list of proposals)')
            elif items:
                items[-1]['paras'].append(self._para(
                    el, f'in the text of proposal {_q(items[-1]["title"])}'))
            else:
                lead.append(self._para(el, 'before the proposals'))
        heading = None if block.heading is None else self._heading(block)
        if self._lead_section(block, lead, 'proposals'):
            heading = None
        if not items:
            return
        # After a tight list of plain items ("- Fler poliser" lines one
        # under the other) a paragraph is no proposal's text; otherwise
        # the first paragraph after a proposal is its text.
        last, others = items[-1], items[:-1]
        own = 0 if (last.get('plain') and others and all(
            o.get('plain') and not o['paras'] for o in others)) else 1
        extra = last['paras'][own:]
        if extra and is_last:
            del last['paras'][own:]
            self.cta.extend(extra)
            self.note(extra[0][0], 'call to action (the last paragraph, '
                      'after the proposals)')
        elif extra and not own:
            del last['paras'][own:]
            self.orphans.extend((line, text, 'a paragraph after the list '
                                 'of proposals') for line, text in extra)
        for item in items:
            if len(item['paras']) > 1:
                self.note(item['paras'][1][0], f'{len(item["paras"])} '
                          'paragraphs joined into the text of proposal '
                          f'{_q(item["title"])}')
        where = block.heading.line if block.heading else items[0]['line']
        how = block.group_note or (
            'a list under a heading about proposals'
            if all(i.get('plain') for i in items)
            else 'a list with a title in bold')
        self.note(where, f'proposals {_q(heading or "(no heading)")}: '
                  f'{len(items)} proposal{"s" if len(items) != 1 else ""} '
                  f'({how})')
        self.props.append({'line': where, 'heading': heading, 'items': items})

    def _build_faq(self, block: _Block, is_last: bool):
        lead: list[tuple[int, str]] = []
        items: list[dict] = []
        for el in block.content:
            if el.kind == 'question':
                items.append({'line': el.line, 'paras': [], 'how': el.how,
                              'question': self._inline(el.text, el.line,
                                                       bold=False)})
            elif items:
                items[-1]['paras'].append(self._para(
                    el, f'in the answer to {_q(items[-1]["question"])}'))
            else:
                lead.append(self._para(el, 'before the questions'))
        answered = []
        for item in items:
            if item['paras']:
                answered.append(item)
                continue
            # A question without an answer stays text, next to its
            # neighbours.
            pair = (item['line'], item['question'])
            if answered:
                answered[-1]['paras'].append(pair)
            else:
                lead.append(pair)
            self.note(item['line'], f'question {_q(item["question"])} has '
                      'no answer; kept as a paragraph')
        items = answered
        heading = self._heading(block)
        if self._lead_section(block, lead, 'questions'):
            heading = None
        if not items:
            return
        tail = items[-1]['paras']
        if (is_last and len(tail) > 1 and len(tail[-1][1]) <= CTA_MAX
                and _CTA_WORDS.search(tail[-1][1])):
            self.cta.append(tail.pop())
            self.note(self.cta[-1][0], 'call to action (the last paragraph, '
                      'after the last answer, asks the reader to act)')
        for item in items:
            if len(item['paras']) > 1:
                self.note(item['paras'][1][0], f'{len(item["paras"])} '
                          'paragraphs joined into the answer to '
                          f'{_q(item["question"])}')
        self.note(block.heading.line, f'questions {_q(heading or "")}: '
                  f'{len(items)} question{"s" if len(items) != 1 else ""} '
                  f'({items[0]["how"]}, each followed by its answer)')
        self.faqs.append({'line': block.heading.line, 'heading': heading,
                          'items': items})

    def _build_reading(self, block: _Block, is_last: bool):
        before: list[tuple[int, str]] = []
        links: list[tuple[int, str, str | None]] = []
        after: list[tuple[int, str]] = []
        heading = self._heading(block)
        for el in block.content:
            if el.kind == 'item':
                link = self._link(el)
                if link is not None:
                    links.append(link)
            elif links:
                after.append(self._para(el, 'after the links'))
            else:
                before.append(self._para(el, 'before the links'))
        if len(before) > 1:
            self.note(before[1][0], f'{len(before)} paragraphs joined into '
                      'the introduction of the links')
        if after and is_last:
            self.cta.extend(after)
            self.note(after[0][0], 'call to action (the last paragraph, '
                      'after the links)')
        else:
            for line, text in after:
                self.orphans.append((line, text, 'a paragraph after the '
                                     'links'))
        if not links:
            if before:
                self.sections.append({'line': block.heading.line,
                                      'heading': heading,
                                      'paragraphs': before})
            else:
                self.orphans.append((block.heading.line, heading,
                                     'a heading with no text after it'))
            return
        self.note(block.heading.line, f'further reading {_q(heading)}: '
                  f'{"an introduction and " if before else ""}{len(links)} '
                  f'link{"s" if len(links) != 1 else ""} (a list with links)')
        self.reads.append({'line': block.heading.line, 'heading': heading,
                           'intro': before, 'links': links})

    def _link(self, el: _El) -> tuple[int, str, str | None] | None:
        found = _LINK_RE.findall(el.text)
        words = _LINK_RE.sub(lambda m: m[1] or m[2], el.text)
        text = self._inline(words, el.line, bold=False)
        if not found:
            self.note(el.line, f'link {_q(text)} has no address; kept as a '
                      'plain item')
            return el.line, text, None
        if len(found) > 1:
            self.note(el.line, f'link {_q(text)} has {len(found)} addresses; '
                      'only the first is kept')
        url = self._resolve(found[0][1], el.line, text)
        if len(text) > LINK_TEXT_MAX:
            self.orphans.append((el.line, text, 'a link whose text is too '
                                 f'long for a link ({url or "no address"})'))
            return None
        return el.line, text, url

    def _resolve(self, href: str, line: int, text: str) -> str | None:
        """A link's address as the schema accepts it, or None."""
        href = href.strip()
        if href in ('', '#') or (href.startswith('#') and not self.base):
            self.note(line, f'link {_q(text)} points to "#", a placeholder')
            return '#'
        if href.startswith('//'):
            href = 'https:' + href
        elif href.lower().startswith('www.'):
            href = 'https://' + href
        scheme = urlsplit(href).scheme.lower()
        if scheme and scheme not in ('http', 'https'):
            self.note(line, f'link {_q(text)} points to "{href}", which is '
                      'not a web address; kept the text without it')
            return None
        if not scheme:
            if not self.base:
                self.note(line, f'link {_q(text)} points to "{href}" on the '
                          'page\'s own site, whose address is not known; '
                          'wrote "#" (give the page\'s address with --url)')
                return '#'
            resolved = urljoin(self.base, href)
            self.note(line, f'link {_q(text)}: "{href}" resolved to '
                      f'{resolved}')
            href = resolved
        # Percent-encode the path on, not the host (räddabarnen.se).
        after_host = re.compile(r'[/?#]').search(href, href.find('//') + 2)
        cut = after_host.start() if after_host else len(href)
        href = href[:cut] + quote(href[cut:], safe=':/?#[]@!$&\'()*+,;=%~')
        refused = url_problem(href)  # the content schema's own check
        if refused:
            self.note(line, f'link {_q(text)}: {refused}; wrote "#"')
            return '#'
        return href

    def _build_section(self, block: _Block, is_last: bool):
        if block.heading is None:
            where = 'in the intro'
            paras = [self._para(el, where) for el in block.content]
        else:
            heading = self._heading(block)
            paras = [self._para(el, f'in section {_q(heading)}')
                     for el in block.content]
        if (is_last and len(paras) > 1 and len(paras[-1][1]) <= CTA_MAX
                and _CTA_WORDS.search(paras[-1][1])):
            self.cta.append(paras.pop())
            self.note(self.cta[-1][0], 'call to action (the last paragraph '
                      'of the page asks the reader to act)')
        if block.heading is None:
            if paras:
                self.intro.extend(paras)
                self.note(paras[0][0], f'intro: {len(paras)} paragraph'
                          f'{"s" if len(paras) != 1 else ""} before the '
                          'first heading')
            return
        self.sections.append({'line': block.heading.line, 'heading': heading,
                              'paragraphs': paras})
        self.note(block.heading.line, f'section {_q(heading)} '
                  f'({block.heading.how}, followed by {len(paras)} '
                  f'paragraph{"s" if len(paras) != 1 else ""})')

    # --- several lists of one kind, text that found no place ---

    def _merge(self):
        for name, what in (('props', 'proposals'), ('faqs', 'questions'),
                           ('reads', 'links')):
            groups = getattr(self, name)
            if len(groups) < 2:
                continue
            first = groups[0]
            headings = [g['heading'] for g in groups if g['heading']]
            joined = ' / '.join(headings)
            if headings and len(joined) > HEADING_MAX:
                joined = headings[0]
                for group in groups:
                    if group['heading'] and group['heading'] != joined:
                        self.orphans.append((group['line'], group['heading'],
                                             f'the heading of more {what}'))
            first['heading'] = joined or None
            for group in groups[1:]:
                self.note(group['line'], f'more {what} '
                          f'{_q(group["heading"] or "(no heading)")}: merged '
                          f'with the {what} on line {first["line"]}'
                          + (f' under the heading {_q(joined)}'
                             if joined else ''))
                first['items' if name != 'reads' else 'links'] += group[
                    'items' if name != 'reads' else 'links']
                if name == 'reads':
                    first['intro'] += group['intro']
            del groups[1:]

    def _place_orphans(self):
        for line, text, why in sorted(self.orphans, key=lambda o: o[0]):
            home = None
            for section in self.sections:
                if section['line'] < line and (home is None or
                                               section['line'] > home['line']):
                    home = section
            if home is not None:
                home['paragraphs'].append((line, text))
                place = f'section {_q(home["heading"])}'
            else:
                self.intro.append((line, text))
                place = 'the intro'
            self.note(line, f'{_q(text)} ({why}) kept as a paragraph of '
                      f'{place}')
        self.orphans.clear()

    # --- the content file ---

    def _assemble(self, language, url, title, subtitle, imprint) -> dict:
        data: dict = {'status': 'draft', 'language': language, 'url': url,
                      'title': title}
        if subtitle:
            data['subtitle'] = subtitle
        overflow: list[tuple[int, str]] = []

        def single(parts: list[tuple[int, str]], what: str) -> str | None:
            text = ' '.join(t for _, t in parts if t)
            if not text:
                return None
            chunks = _split_long(text)
            for chunk in chunks[1:]:
                overflow.append((parts[0][0], chunk))
            if len(chunks) > 1:
                self.note(parts[0][0], f'{what} is longer than {TEXT_MAX} '
                          'characters; the rest is kept as paragraphs')
            return chunks[0]

        def paragraphs(parts):
            return [c for _, t in parts if t for c in _split_long(t)]

        proposals = faq = reading = None
        if self.props and self.props[0]['items']:
            group = self.props[0]
            proposals = {}
            if group['heading']:
                proposals['heading'] = group['heading']
            proposals['items'] = []
            for item in group['items']:
                entry = {'title': item['title']}
                text = single(item['paras'], f'proposal {_q(item["title"])}')
                if text:
                    entry['text'] = text
                proposals['items'].append(entry)
        if self.faqs and self.faqs[0]['items']:
            group = self.faqs[0]
            faq = {}
            if group['heading']:
                faq['heading'] = group['heading']
            faq['items'] = [{'question': item['question'],
                             'answer': single(item['paras'], 'the answer to '
                                              + _q(item['question']))}
                            for item in group['items']]
        if self.reads:
            group = self.reads[0]
            reading = {}
            if group['heading']:
                reading['heading'] = group['heading']
            intro = single(group['intro'], 'the introduction of the links')
            if intro:
                reading['intro'] = intro
            reading['links'] = []
            for _, text, link_url in group['links']:
                link = {'text': text}
                if link_url is not None:
                    link['url'] = link_url
                reading['links'].append(link)
        cta = single(self.cta, 'the call to action') if self.cta else None
        if overflow:
            self.orphans.extend((line, text, 'the rest of a long text')
                                for line, text in overflow)
            self._place_orphans()
        intro = paragraphs(self.intro)
        if intro:
            data['intro'] = intro
        sections = [{'heading': s['heading'],
                     'paragraphs': paragraphs(s['paragraphs'])}
                    for s in self.sections]
        if sections:
            data['sections'] = sections
        if proposals:
            data['proposals'] = proposals
        if faq:
            data['faq'] = faq
        if reading:
            data['further_reading'] = reading
        if cta:
            data['call_to_action'] = cta
        data['imprint'] = imprint
        data['qr_tracking'] = dict(QR_TRACKING)
        return data

    def _header(self, notes: tuple[str, ...]) -> list[str]:
        name = _collapse(self.source) or 'the page'
        lines = _wrap(f'Campaign content imported from "{name}" by the page '
                      'importer. Read it through before you use it: the '
                      'importer guessed what each part of the page is.',
                      WIDTH - 2)
        lines += [''] + _wrap(
            'Every value is text. Inline **bold** is allowed in running '
            'text. Fill in every placeholder (text in [square brackets], '
            'example.org addresses, links pointing to "#") before you set '
            '`status: final`. Check this file with', WIDTH - 2)
        lines += ['    python make_flyers.py check content/NAME.yaml', '',
                  'What the importer guessed:']
        for note in notes:
            wrapped = _wrap(note, WIDTH - 6)
            lines.append('  - ' + wrapped[0])
            lines += ['    ' + rest for rest in wrapped[1:]]
        return [('# ' + line).rstrip() for line in lines]

    def _validate(self, yaml_text: str, data: dict) -> Campaign:
        """Read the file back as the loader will; it must give ``data``."""
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
        ctx = Context(self.source)
        campaign = SCHEMA.convert(node, '', ctx)
        if ctx.problems or campaign is None:
            raise PageImportError([Problem(
                self.source, 'the page does not fit in one content file: '
                f'{p.field + ": " if p.field else ""}{p.message} (shorten '
                'the page, or split it, before importing it)')
                for p in ctx.problems])
        if campaign != _campaign(data):
            raise AssertionError('the content file does not read back as '
                                 'written; this is a bug in the importer')
        return campaign

    # --- inline Markdown ---

    def _inline(self, raw: str, line: int, *, bold: bool = True,
                quiet: bool = False) -> str:
        """Running text without Markdown markup, except **bold** when
        ``bold`` (the schema allows it only in running text)."""
        protect = not re.search('[\ue000-\ue07f]', raw)
        text = raw
        if protect:
            text = _ESCAPE_RE.sub(lambda m: chr(0xE000 + ord(m[1])), text)

        def image(m):
            alt = _collapse(m[1])
            if not quiet:
                self.note(line, f'image {_q(alt)} kept as its description'
                          if alt else 'an image without a description left '
                          'out')
            return alt

        def link(m):
            words = _collapse(m[1]) or m[2]
            if not quiet:
                self.note(line, f'link {_q(words)} inside the text: kept '
                          f'the words, not the address ({m[2] or "none"})')
            return words

        text = _IMAGE_RE.sub(image, text)
        text = _LINK_RE.sub(link, text)
        text = _CODE_RE.sub(r'\1', text)
        text = _STRONG_EM_RE.sub(r'**\1**', text)
        text = _UNDER_STRONG_RE.sub(r'**\1**', text)
        text = _STAR_EM_RE.sub(r'\1', text)
        text = _UNDER_EM_RE.sub(r'\1', text)
        if protect:
            text = re.sub('[\ue000-\ue07f]',
                          lambda m: chr(ord(m[0]) - 0xE000), text)
        text = _collapse(text)
        if '**' in text and (not bold or text.count('**') % 2):
            if bold and not quiet:
                self.note(line, 'a ** without its partner; bold removed')
            text = _collapse(text.replace('**', ''))
        return text


def _heading_like(plain: str) -> bool:
    return (0 < len(plain) <= HEADING_MAX
            and len(plain.split()) <= HEADING_MAX_WORDS
            and plain[-1] not in '.!:;,?…'
            and _starts_upper(plain))


def _split_long(text: str) -> list[str]:
    """Split text longer than the schema allows at sentence ends."""
    if len(text) <= TEXT_MAX:
        return [text]
    chunks, current = [], ''
    for sentence in _SENTENCE_END_RE.split(text):
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


def _guess_language(text: str) -> tuple[str, str]:
    words = re.findall(r'[^\W\d_]+', text.lower())
    sv = sum(w in _SV_WORDS for w in words)
    en = sum(w in _EN_WORDS for w in words)
    has_marks = bool(re.search('[åäöÅÄÖ]', text))
    if has_marks and sv > en:
        return 'sv', (f'the text has å, ä, ö and more Swedish words than '
                      f'English ones, {sv} to {en}')
    if en > sv:
        return 'en', f'more English words than Swedish ones, {en} to {sv}'
    return 'en', 'could not tell; assumed English'


def _campaign(data: dict) -> Campaign:
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


def _emit(data: dict, header) -> str:
    out = list(header)
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
            out += _scalar(f'{lead}{key}: ', value, indent + 2)
        elif isinstance(value, dict):
            out.append(f'{lead}{key}:')
            _emit_map(value, indent + 2, out)
        else:
            out.append(f'{lead}{key}:')
            _emit_list(value, indent + 2, out)


def _emit_list(items: list, indent: int, out: list[str]):
    for item in items:
        if isinstance(item, str):
            out += _scalar(' ' * indent + '- ', item, indent + 2)
        else:
            _emit_map(item, indent + 2, out, first_prefix=' ' * indent + '- ')


def _scalar(prefix: str, value: str, body_indent: int) -> list[str]:
    if _plain_ok(value) and len(prefix) + len(value) <= WIDTH:
        return [prefix + value]
    quoted = _dquote(value)
    if len(prefix) + len(quoted) <= WIDTH or not _foldable(value):
        return [prefix + quoted]
    return [prefix + '>-'] + [' ' * body_indent + line
                              for line in _wrap(value, WIDTH - body_indent)]


def _plain_ok(value: str) -> bool:
    if (not value or value != value.strip() or value[0] in _PLAIN_BAD_START
            or ': ' in value or ' #' in value or value.endswith(':')
            or _NON_PRINTABLE_RE.search(value) or '\t' in value
            or '\n' in value or '\r' in value):
        return False
    return _RESOLVER.resolve(yaml.ScalarNode, value,
                             (True, False)) == _STR_TAG


def _foldable(value: str) -> bool:
    """Folded text (``>-``) holds any single-spaced printable line."""
    return (value == value.strip() and '  ' not in value
            and not _WS_RE.search(value.replace(' ', ''))
            and not _NON_PRINTABLE_RE.search(value))


def _dquote(value: str) -> str:
    out = []
    for char in value:
        if char in '\\"':
            out.append('\\' + char)
        elif _NON_PRINTABLE_RE.match(char) or char in '\t\n\r\x85':
            code = ord(char)
            out.append(f'\\x{code:02x}' if code < 0x100 else
                       f'\\u{code:04x}' if code < 0x10000 else
                       f'\\U{code:08x}')
        else:
            out.append(char)
    return '"' + ''.join(out) + '"'


def _wrap(text: str, width: int) -> list[str]:
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
