"""Reader for HTML: a campaign page saved from a browser, by tinyhtml5.

In: the text of an HTML document.  Out: a :class:`~.common.Page`: the
elements of the page's main content (``<main>``, else its one
``<article>``, else ``<body>``) without what is not content — navigation,
page header and footer, asides, scripts, styles, forms, hidden elements,
cookie banners — and what the page says about itself: its ``<title>``
without the site's name, ``<html lang>``, ``<link rel=canonical>`` and
``<base href>``.  Headings keep their level, list items their nesting,
``<dt>`` and ``<summary>`` questions become questions, links keep their
addresses; table rows, quotations and code are kept as paragraphs.

tinyhtml5 is the HTML5 parser WeasyPrint uses (the WHATWG algorithm, the
same tree a browser builds, whatever the markup's mistakes).  The page is
handed to it as a stream: given a short string, tinyhtml5 would open the
file of that name.
"""

from __future__ import annotations

import io
import re
import signal
import threading
import time
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

from tinyhtml5.parser import HTMLParser

from .common import (IMPRINT_MAX, IMPRINT_RE, QUESTION_MAX, Context, Element,
                     Page, clean_lines, collapse, link_address, protect,
                     unprotect)

HEADINGS = {f'h{n}': n for n in range(1, 7)}
# Never content: what a browser does not show as text, and what a page has
# around its content on every page of the site.
NEVER = frozenset(
    'script style noscript template iframe object embed canvas form button '
    'select input textarea option datalist dialog nav aside head link meta '
    'title base video audio source track map area svg math'.split())
FURNITURE = frozenset(('header', 'footer'))
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
# "Page title | Site", "Page title – Site": the site's name comes last.
TITLE_SEPARATORS = (' | ', ' – ', ' — ', ' - ', ' · ', ' • ', ' :: ', ' » ')
LANGUAGE_RE = re.compile(r'[a-z]{2,3}(-[A-Za-z0-9]{2,8})*')


def read_html(text: str, ctx: Context) -> Page:
    source = '\n'.join(clean_lines(text, ctx))
    try:
        root, lines = parse(source)
        return _read(root, lines, ctx)
    except (TooHard, RecursionError) as exc:
        why = (str(exc) if isinstance(exc, TooHard) else
               'its elements are nested too deeply')
        ctx.fail(f'cannot read this HTML page: {why}; save the page again '
                 'from the browser, or copy its text and import that')


def _read(root, lines, ctx: Context) -> Page:
    page = Page([], kind='html')
    head = _first(root, 'head')
    site_names = _read_head(root, head, lines, page)
    body = _first(root, 'body')
    if body is None:
        return page
    content, where = _main_content(body)
    holding = _holding_blocks(root)
    reader = _Reader(ctx, lines, holding,
                     inside_article=content.tag != 'body')
    if content is not body and not any(
            el.tag == 'h1' for el in content.iter()):
        _h1_before_content(body, content, reader, site_names)
    reader.walk(content, 0)
    page.elements = reader.out
    left_out = reader.left_out_summary()
    page.notes.append(f'read: {where}' + (f'; left out {left_out}'
                                          if left_out else ''))
    if not any(IMPRINT_RE.match(unprotect(e.text).lstrip('*'))
               for e in reader.out):
        _imprint_from_footer(body, content, lines, holding, page, ctx)
    return page


# --- parsing, with the line each element starts on ----------------------

class TooHard(Exception):
    """The page's HTML would take the parser too long to read."""


# Browsers stop nesting elements at a depth of a few hundred; tinyhtml5
# does not, and a page of 100 000 unclosed <b> takes it minutes (it scans
# the open elements for each new one).  Other shapes are slow too (a tag
# with 200 000 attributes: six minutes), so a timer stops any parse that
# takes longer than a real page ever does (a 1 MB page takes a few s).
MAX_DEPTH = 256
MAX_SECONDS = 20


@contextmanager
def _time_limit(seconds: float):
    """Raise TooHard in this (main) thread after ``seconds``; elsewhere, or
    when the process's timer is in use, only the checks in parse() hold."""
    if (threading.current_thread() is not threading.main_thread()
            or not hasattr(signal, 'setitimer')
            or signal.getitimer(signal.ITIMER_REAL)[0]):
        yield
        return

    def expired(signum, frame):
        raise TooHard(f'reading it took more than {seconds} s')

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def parse(source: str) -> tuple[ElementTree.Element, dict]:
    """The document's tree and a map from element to its line."""
    parser = HTMLParser(namespace_html_elements=False)
    lines: dict[int, tuple[ElementTree.Element, int]] = {}
    tree = parser.tree
    deadline = time.monotonic() + MAX_SECONDS

    def mark(node):
        if len(tree.open_elements) > MAX_DEPTH:
            raise TooHard(f'its elements are nested more than {MAX_DEPTH} '
                          'deep')
        if time.monotonic() > deadline:
            raise TooHard(f'reading it took more than {MAX_SECONDS} s')
        try:
            line = parser.tokenizer.stream.position()[0]
        except AttributeError:      # another tinyhtml5: lines unknown
            line = 0
        lines[id(node._element)] = (node._element, line)
        return node

    create, insert = tree.create_element, tree.insert_element_normal
    tree.create_element = lambda token: mark(create(token))
    tree.insert_element_normal = lambda token: mark(insert(token))
    with _time_limit(MAX_SECONDS):
        root = parser.parse(io.StringIO(source))
    return root, lines


def html_fragment_text(source: str) -> str:
    """The words of a piece of HTML (a comment has none)."""
    try:
        root, _ = parse(source)
    except TooHard:
        return collapse(source)
    body = _first(root, 'body')
    if body is None:
        return ''
    return collapse(' '.join(t for t in _texts(body)))


def _texts(el):
    if isinstance(el.tag, str) and el.tag not in NEVER:
        yield el.text or ''
        for child in el:
            yield from _texts(child)
    yield el.tail or ''


def _first(root, tag):
    return next(root.iter(tag), None)


# --- what the page says about itself --------------------------------------

def _read_head(root, head, lines, page: Page) -> set[str]:
    """Fill in what the page says about itself; return the site's names."""
    site = None
    canonical = og_url = base = None
    for el in (head.iter() if head is not None else ()):
        rel = (el.get('rel') or '').lower().split()
        if el.tag == 'link' and 'canonical' in rel and canonical is None:
            canonical = el.get('href')
        elif el.tag == 'meta' and el.get('property') == 'og:site_name':
            site = collapse(el.get('content') or '')
        elif el.tag == 'meta' and el.get('property') == 'og:url':
            og_url = el.get('href') or el.get('content')
        elif el.tag == 'base' and base is None:
            base = el.get('href')
    title = _first(root, 'title')
    if title is not None and collapse(title.text or ''):
        page.title = _site_removed(collapse(title.text), site, page)
        page.title_line = lines.get(id(title), (None, 1))[1] or 1
    language = (root.get('lang') or root.get('xml:lang') or '').strip()
    if language:
        code = language.replace('_', '-')
        code = code.split('-')[0].lower() + code[len(code.split('-')[0]):]
        if LANGUAGE_RE.fullmatch(code):
            page.language = code
        else:
            page.notes.append(f'language: the page\'s lang="{language}" is '
                              'not a language code; guessed instead')
    address = canonical if canonical is not None else og_url
    what = 'canonical link' if canonical is not None else 'og:url'
    if address is not None:
        page.url = _page_address(address, what, page)
    if base is not None:
        resolved = urljoin(page.url or '', base.strip())
        if urlsplit(resolved).scheme in ('http', 'https'):
            page.base = resolved
    if page.base is None:
        page.base = page.url
    names = {site.casefold()} if site else set()
    if title is not None and page.title:
        whole = collapse(title.text).casefold()
        names |= {p.strip() for sep in TITLE_SEPARATORS
                  for p in whole.split(sep)[1:]}
    return names


def _site_removed(title: str, site: str | None, page: Page) -> str:
    """"Trygghet i Västerås | Liberalerna" → "Trygghet i Västerås"."""
    for separator in TITLE_SEPARATORS:
        parts = title.split(separator)
        if len(parts) < 2:
            continue
        if site and site.casefold() in (p.casefold() for p in parts):
            kept = [p for p in parts if p.casefold() != site.casefold()]
        else:
            kept = parts[:-1]
        short = separator.join(kept).strip()
        if short:
            page.notes.append(f'read: the page\'s <title> is "{title}"; '
                              f'"{short}" without the site\'s name')
            return protect(short)
        break
    return protect(title)


def _page_address(href: str, what: str, page: Page) -> str | None:
    """The page's own address from its head, if a QR code may point there."""
    href = href.strip()
    parts = urlsplit(href)
    problem = None
    if parts.scheme.lower() == 'http':
        problem = 'starts with http://, not https://'
    elif parts.scheme.lower() != 'https' or not parts.hostname:
        problem = 'is not a full https:// address'
    elif (parts.username is not None or '\\' in href
          or parts.port not in (None, 443)
          or any(c.isspace() or ord(c) < 32 for c in href)):
        problem = 'is not a plain web address'
    if problem:
        page.notes.append(f'url: the page\'s {what} "{href}" {problem}; not '
                          'used (give the address with --url)')
        return None
    return href


def _h1_before_content(body, content, reader, site_names: set[str]):
    """A page's h1 often stands in a banner above its <main>/<article>."""
    inside = {id(el) for el in content.iter()}
    for h1 in body.iter('h1'):
        if id(h1) in inside or _hidden(h1):
            continue
        reader.block(h1, 0)
        heading = reader.out[-1] if reader.out else None
        if heading is None or collapse(unprotect(heading.text)).casefold(
                ) in site_names:
            reader.out.clear()
            continue
        reader.note(heading.line, 'the h1 stands outside the page\'s '
                    'main content; taken as its title')
        return


def _imprint_from_footer(body, content, lines, holding, page: Page,
                         ctx: Context):
    """The site's footer often names who publishes the page."""
    for footer in body.iter():
        if footer is content or not (
                footer.tag == 'footer' or footer.get('role') == 'contentinfo'):
            continue
        reader = _Reader(ctx, lines, holding, inside_article=False,
                         quiet=True)
        reader.walk(footer, 0)
        for el in reader.out:
            plain = collapse(unprotect(el.text).replace('**', ''))
            m = IMPRINT_RE.match(plain)
            if m and len(plain) <= IMPRINT_MAX and plain[m.end():].lstrip(
                    )[:1] == ':':
                page.elements.append(Element('para', el.text, el.line,
                                             parts=[(el.line, el.text)]))
                page.notes.append(f'imprint: "{plain}" is from the page\'s '
                                  'footer (the rest of the footer is left '
                                  'out)')
                return


# --- the main content ------------------------------------------------------

def _main_content(body):
    mains = [el for el in body.iter() if isinstance(el.tag, str) and (
        el.tag == 'main' or el.get('role') == 'main') and not _hidden(el)]
    if mains:
        return mains[0], f'the text of the page\'s <{mains[0].tag}>'
    articles = [el for el in body.iter('article') if not _hidden(el)]
    if len(articles) == 1:
        return articles[0], 'the text of the page\'s one <article>'
    # One long article among teasers is the page's content; a list of
    # articles of a size (a news page) is not one campaign: take it all.
    sizes = [len(collapse(''.join(a.itertext()))) for a in articles]
    if articles and max(sizes) * 2 > sum(sizes):
        return (articles[sizes.index(max(sizes))], 'the text of the '
                f'page\'s longest <article> (of {len(articles)})')
    return body, ('the text of the page\'s <body> (it has no <main> and '
                  f'{"several <article>s" if articles else "no <article>"})')


def _hidden(el) -> bool:
    return (el.get('hidden') is not None
            or (el.get('aria-hidden') or '').lower() == 'true'
            or bool(HIDDEN_STYLE_RE.search(el.get('style') or '')))


class _Reader:
    """Walks the content, writing elements; counts what it leaves out."""

    def __init__(self, ctx: Context, lines: dict, holding: set[int],
                 inside_article: bool, quiet: bool = False):
        self.ctx = ctx
        self.holding = holding
        self.lines = lines
        self.inside_article = inside_article
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
        elif name in FURNITURE and not self.inside_article:
            why = f'<{name}>'
        elif (el.get('role') or '').lower() in NOT_CONTENT_ROLES:
            why = f'role={el.get("role").lower()}'
        elif _hidden(el):
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
        kind = ('question' if plain.endswith('?') and len(plain) <=
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

    def inline(self, el, strong: bool = False) -> str:
        """``el`` and what it holds, in the importer's inline markup
        (without ``el``'s tail)."""
        tag = el.tag
        if tag == 'br':
            return '\n'
        if tag == 'img':
            alt = protect(collapse(el.get('alt') or ''))
            return f'![{alt}]({link_address(el.get("src"))})'
        bold = tag in ('strong', 'b') and not strong
        inner = [_words(el.text)]
        for child in el:
            if not self.skip(child):
                inner.append(self.inline(child, strong or bold))
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


def _words(text: str | None) -> str:
    """Text as HTML shows it: white space is one space; markup characters
    of the page protected."""
    if not text:
        return ''
    return protect(re.sub(r'[ \t\n\r\f]+', ' ', text))


def _holding_blocks(root) -> set[int]:
    """The elements that hold a block somewhere inside (a link around a
    card is read as blocks, not as one line), found in one pass."""
    parent = {id(child): el for el in root.iter() for child in el}
    found: set[int] = set()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in BLOCKS:
            up = parent.get(id(el))
            while up is not None and id(up) not in found:
                found.add(id(up))
                up = parent.get(id(up))
    return found


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
