"""The blocks of an HTML page's content → the importer's elements.

In: an element of a parsed page (its main content, or a footer) and the
map of lines.  Out: :class:`~.common.Element` s — headings with their
level, paragraphs, list items with their nesting, ``<dt>`` and
``<summary>`` questions, table rows and quotations as paragraphs — in the
inline markup of :mod:`.common` (bold, links with their addresses,
images).  What is no content (:data:`NEVER`, page furniture, hidden
elements, cookie banners, text for screen readers) is left out and
counted for the notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .common import (QUESTION_MAX, Context, Element, collapse, ends_question,
                     link_address, protect, unprotect)
from .html_parse import NEVER

HEADINGS = {f'h{n}': n for n in range(1, 7)}
# What a page has around its content on every page of the site.
FURNITURE = frozenset(('header', 'footer'))
SECTIONS = frozenset(('article', 'section', 'main', 'aside', 'nav'))
NOT_CONTENT_ROLES = frozenset(
    'navigation banner contentinfo complementary search dialog alertdialog '
    'alert menubar toolbar'.split())
# Cookie and consent banners, breadcrumbs, skip links and text only for
# screen readers, by the class and id names sites give them.
NOISE_RE = re.compile(
    r'cookie|consent|gdpr|onetrust|cookiebot|\bcmp\b|breadcrumb|skip-?link|'
    r'sr-only|visually-hidden|screen-reader|share-?buttons|social-?share',
    re.I)
HIDDEN_STYLE_RE = re.compile(r'display\s*:\s*none|visibility\s*:\s*hidden',
                             re.I)
BLOCKS = frozenset(
    'address article aside blockquote body center dd details dialog dir div '
    'dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header '
    'hgroup hr li main menu nav ol p pre section summary table tbody thead '
    'tfoot tr td th ul caption html search'.split())
LISTS = frozenset(('ul', 'ol', 'menu', 'dir'))
PLAIN_BLOCKS = frozenset(('p', 'address', 'figcaption', 'caption'))


class HtmlBlocks:
    """Walks the content, writing elements; counts what it leaves out."""

    def __init__(self, ctx: Context, lines: dict, facts: TreeFacts,
                 quiet: bool = False):
        self.ctx = ctx
        self.holding = facts.holding
        self.furniture = facts.furniture
        self.lines = lines
        self.quiet = quiet
        self.out: list[Element] = []
        self.left_out: dict[str, int] = {}

    def is_block(self, el) -> bool:
        return el.tag in BLOCKS or id(el) in self.holding

    def line(self, el) -> int:
        return self.lines.get(id(el), (None, 0))[1]

    def note(self, line: int, message: str):
        if not self.quiet:
            self.ctx.note(line, message)

    def skip(self, el) -> bool:
        """Whether ``el`` is no content, counting what is left out."""
        tag = el.tag
        if not isinstance(tag, str):        # a comment
            return True
        name = tag if '}' not in tag else tag.split('}')[1]
        why = None
        if name in NEVER:
            why = f'<{name}>'
        elif id(el) in self.furniture:
            why = f'<{name}>'
        elif (el.get('role') or '').lower() in NOT_CONTENT_ROLES:
            why = f'role={el.get("role").lower()}'
        elif hidden(el):
            why = 'hidden'
        else:
            m = NOISE_RE.search(f'{el.get("class") or ""} '
                                f'{el.get("id") or ""}')
            if m:
                word = m[0].lower()
                why = ('breadcrumbs' if 'crumb' in word else
                       'text for screen readers' if re.search(
                           'sr-|hidden|screen|skip', word) else
                       'share buttons' if 'share' in word else
                       'a cookie banner')
        if why is None:
            return False
        if collapse(''.join(el.itertext())):
            self.left_out[why] = self.left_out.get(why, 0) + 1
        return True

    def left_out_summary(self) -> str:
        return ', '.join(f'{count} × {what}' if count > 1 else what
                         for what, count in sorted(self.left_out.items()))

    # --- blocks ---

    def walk(self, el, depth: int):
        """The blocks inside ``el``; loose text between them is a paragraph."""
        runs: list[str] = []
        start = self.line(el)

        def flush():
            self.paragraph(''.join(runs), start)
            runs.clear()

        runs.append(_words(el.text))
        for child in el:
            if not self.skip(child):
                tag = child.tag
                if self.is_block(child):
                    flush()
                    self.block(child, depth)
                    start = self.line(child)
                elif tag == 'br':
                    runs.append('\n')
                else:
                    runs.append(self.inline(child))
            runs.append(_words(child.tail))
        flush()

    def block(self, el, depth: int):
        tag, line = el.tag, self.line(el)
        if tag in HEADINGS:
            text = self.inline(el).replace('\n', ' ')
            if collapse(text):
                self.out.append(Element('heading', text.strip(), line,
                                        level=HEADINGS[tag],
                                        how=f'an <{tag}> heading'))
        elif tag in PLAIN_BLOCKS:
            text = self.inline(el)
            if _italic_only(el):
                text = f'*{text.strip()}*'
            self.paragraph(text, line)
        elif tag in LISTS:
            self.list(el, depth)
        elif tag == 'dl':
            self.terms(el, depth)
        elif tag == 'details':
            self.details(el, depth)
        elif tag == 'table':
            self.table(el)
        elif tag == 'pre':
            self.note(line, 'preformatted text (<pre>), kept as ordinary '
                      'text')
            parts = [(line + n, protect(t.strip())) for n, t in enumerate(
                ''.join(el.itertext()).split('\n')) if t.strip()]
            if parts:
                self.out.append(Element('para', ' '.join(t for _, t in parts),
                                        parts[0][0], parts=parts))
        elif tag == 'blockquote':
            self.note(line, 'a quotation (<blockquote>), kept as ordinary '
                      'text')
            self.walk(el, depth)
        elif tag == 'hr':
            pass
        else:
            self.walk(el, depth)

    def paragraph(self, text: str, line: int, kind: str = 'para',
                  how: str = '') -> Element | None:
        parts = [(line, t.strip()) for t in text.split('\n') if collapse(t)]
        if not parts:
            return None
        element = Element(kind, ' '.join(t for _, t in parts), line,
                          parts=parts, how=how)
        self.out.append(element)
        return element

    def list(self, el, depth: int):
        ordered = el.tag == 'ol'
        number = _int(el.get('start'), 1)
        self.paragraph(_words(el.text), self.line(el))
        for li in el:
            if self.skip(li):
                pass
            elif li.tag == 'li':
                self.item(li, depth, f'{number}.' if ordered else '-')
                number += 1
            elif self.is_block(li):
                self.block(li, depth)
            else:
                self.paragraph(self.inline(li), self.line(li))
            self.paragraph(_words(li.tail), self.line(li))

    def item(self, li, depth: int, marker: str):
        """A list item: its leading words are the item, its blocks follow
        (a first paragraph is the item's text)."""
        runs, rest = [_words(li.text)], []
        for child in li:
            if rest:
                rest.append(child)
            elif self.skip(child):
                runs.append(_words(child.tail))
            elif self.is_block(child):
                if (child.tag in PLAIN_BLOCKS
                        and not collapse(unprotect(''.join(runs)))):
                    runs += [self.inline(child), _words(child.tail)]
                else:
                    rest.append(child)
            else:
                runs += [self.inline(child), _words(child.tail)]
        text = ' '.join(t.strip() for t in ''.join(runs).split('\n')
                        if collapse(t))
        line = self.line(li)
        if collapse(text):
            self.out.append(Element('item', text, line, indent=2 * depth,
                                    marker=marker, parts=[(line, text)]))
        for index, child in enumerate(rest):
            if index and self.skip(child):
                pass
            elif child.tag in LISTS:
                self.list(child, depth + 1)
            elif self.is_block(child):
                self.block(child, depth + 1)
            else:
                self.paragraph(self.inline(child), self.line(child))
            self.paragraph(_words(child.tail), self.line(child))

    def terms(self, el, depth: int):
        """<dl>: a term that asks something is a question, its <dd> the
        answer."""
        self.paragraph(_words(el.text), self.line(el))
        for child in el:
            if self.skip(child):
                pass
            elif child.tag == 'dt':
                self.question(child, 'a <dt> term in a list of terms')
            elif child.tag == 'div':
                self.terms(child, depth)
            elif self.is_block(child):
                self.block(child, depth)
            else:
                self.paragraph(self.inline(child), self.line(child))
            self.paragraph(_words(child.tail), self.line(child))

    def details(self, el, depth: int):
        summary = next((c for c in el if c.tag == 'summary'), None)
        if summary is not None:
            self.question(summary, 'the <summary> of a <details> box')
        runs = [_words(el.text)]
        for child in el:
            if child is summary or self.skip(child):
                runs.append(_words(child.tail))
                continue
            if self.is_block(child):
                self.paragraph(''.join(runs), self.line(el))
                runs = []
                self.block(child, depth)
            else:
                runs.append(self.inline(child))
            runs.append(_words(child.tail))
        self.paragraph(''.join(runs), self.line(el))

    def question(self, el, how: str):
        text = self.inline(el).replace('\n', ' ').strip()
        plain = collapse(unprotect(text).replace('**', ''))
        kind = ('question' if ends_question(plain) and len(plain) <=
                QUESTION_MAX else 'para')
        self.paragraph(text, self.line(el), kind=kind, how=how)

    def table(self, el):
        caption = next((c for c in el if c.tag == 'caption'), None)
        if caption is not None and not self.skip(caption):
            self.paragraph(self.inline(caption), self.line(caption))
        for row in el.iter('tr'):
            cells = [collapse(self.inline(c).replace('\n', ' '))
                     for c in row if c.tag in ('td', 'th')
                     and not self.skip(c)]
            cells = [c for c in cells if c]
            if cells:
                self.note(self.line(row), 'a table row, kept as a paragraph')
                self.paragraph(' – '.join(cells), self.line(row))

    # --- inline content ---

    def inline(self, el, strong: bool = False, link: bool = False) -> str:
        """``el`` and what it holds, in the importer's inline markup
        (without ``el``'s tail)."""
        tag = el.tag
        if tag == 'br':
            return '\n'
        if tag == 'img':
            alt = protect(collapse(el.get('alt') or ''))
            if link:        # an icon in a link: its address is the link's
                return alt
            return f'![{alt}]({link_address(el.get("src"))})'
        bold = tag in ('strong', 'b') and not strong
        inner = [_words(el.text)]
        for child in el:
            if not self.skip(child):
                inner.append(self.inline(child, strong or bold,
                                         link or tag == 'a'))
            inner.append(_words(child.tail))
        text = ''.join(inner)
        if bold and collapse(text.replace('\n', ' ')):
            lead = text[:len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()):]
            return f'{lead}**{text.strip()}**{trail}'
        if tag == 'a' and el.get('href') is not None and collapse(text):
            words = text.replace('\n', ' ')
            return f'[{words.strip()}]({link_address(el.get("href"))})'
        return text


def hidden(el) -> bool:
    return (el.get('hidden') is not None
            or (el.get('aria-hidden') or '').lower() == 'true'
            or bool(HIDDEN_STYLE_RE.search(el.get('style') or '')))


def _words(text: str | None) -> str:
    """Text as HTML shows it: white space is one space; markup characters
    of the page protected."""
    if not text:
        return ''
    return protect(re.sub(r'[ \t\n\r\f]+', ' ', text))


@dataclass(frozen=True)
class TreeFacts:
    """What the walk needs to know of the whole tree, found in one pass."""

    holding: set[int]       # elements with a block inside (a link around a
                            # card is read as blocks, not as one line)
    furniture: set[int]     # the page's own <header>s and <footer>s


def tree_facts(root) -> TreeFacts:
    parent = {id(child): el for el in root.iter() for child in el}
    holding: set[int] = set()
    furniture: set[int] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in BLOCKS:
            up = parent.get(id(el))
            while up is not None and id(up) not in holding:
                holding.add(id(up))
                up = parent.get(id(up))
        if el.tag in FURNITURE:
            # A header or footer is the page's unless it is an article's,
            # a section's or the main content's own.
            up = parent.get(id(el))
            while up is not None and up.tag not in SECTIONS:
                up = parent.get(id(up))
            if up is None:
                furniture.add(id(el))
    return TreeFacts(holding, furniture)


def _italic_only(el) -> bool:
    children = [c for c in el if isinstance(c.tag, str)]
    return (len(children) == 1 and children[0].tag in ('em', 'i')
            and not collapse(el.text or '') and not collapse(
                children[0].tail or '') and len(children[0]) == 0
            and '*' not in (children[0].text or ''))


def _int(value: str | None, default: int) -> int:
    try:
        number = int((value or '').strip())
    except ValueError:
        return default
    return number if 0 <= number < 10**6 else default
