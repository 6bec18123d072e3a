"""Reader for HTML: a campaign page saved from a browser, by tinyhtml5.

In: the text of an HTML document.  Out: a :class:`~.common.Page`: the
elements of the page's main content (``<main>``, else its one
``<article>``, else ``<body>``) without what is not content — navigation,
page header and footer, asides, scripts, styles, forms, hidden elements,
cookie banners — and what the page says about itself: its ``<title>``
without the site's name, ``<html lang>``, ``<link rel=canonical>`` and
``<base href>``.  Headings keep their level, list items their nesting,
``<dt>`` and ``<summary>`` questions become questions, links keep their
addresses; table rows, quotations and code are kept as paragraphs.  The
tree comes from :mod:`.html_parse`, the blocks from :mod:`.html_blocks`;
this module chooses the content and reads the page's head.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from ..urls import problem as url_problem
from .common import (IMPRINT_MAX, IMPRINT_RE, Context, Element, Page,
                     clean_lines, collapse, protect, unprotect,
                     without_stand_ins)
from .html_blocks import HtmlBlocks, hidden, tree_facts
from .html_parse import TooHard, parse

# "Page title | Site", "Page title – Site": the site's name comes last.
TITLE_SEPARATORS = (' | ', ' – ', ' — ', ' - ', ' · ', ' • ', ' :: ',
                    ' » ')
LANGUAGE_RE = re.compile(r'[a-z]{2,3}(-[A-Za-z0-9]{2,8})*')


def read_html(text: str, ctx: Context) -> Page:
    source = '\n'.join(without_stand_ins(clean_lines(text, ctx), ctx))
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
    facts = tree_facts(root)
    reader = HtmlBlocks(ctx, lines, facts)
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
        _imprint_from_footer(body, content, lines, facts, page, ctx)
    return page


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
    _read_language(root, head, page)
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


def _read_language(root, head, page: Page) -> None:
    """The language the page declares: ``<html lang>`` (or ``<body
    lang>``), else ``<meta http-equiv="Content-Language">`` (what a saved
    page keeps of the HTTP header); and a note when it is set right to
    left (its text stays in reading order: the layouts set the
    direction)."""
    body = _first(root, 'body')
    declared = [(el.get(name) or '').strip() for el in (root, body)
                if el is not None for name in ('lang', 'xml:lang')]
    language = next((d for d in declared if d), '')
    how = 'lang attribute'
    if not language:
        for el in (head.iter() if head is not None else ()):
            if (el.tag == 'meta' and (el.get('http-equiv') or '').lower()
                    == 'content-language'):
                # "sv, en" lists the languages of the audience: the first.
                language = (el.get('content') or '').split(',')[0].strip()
                how = 'Content-Language'
                break
    if language:
        code = language.replace('_', '-')
        code = code.split('-')[0].lower() + code[len(code.split('-')[0]):]
        if LANGUAGE_RE.fullmatch(code):
            page.language, page.language_from = code, how
        else:
            shown = ('lang' if how == 'lang attribute' else
                     'Content-Language')
            page.notes.append(f'language: the page\'s {shown}="{language}" '
                              'is not a language code; guessed instead')
    direction = next(((el.get('dir') or '').strip().lower()
                      for el in (root, body) if el is not None
                      and el.get('dir')), '')
    if direction == 'rtl':
        page.notes.append('read: the page is set right to left (dir="rtl");'
                          ' its text is kept in reading order, and the '
                          'layouts set the direction from `language`')


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
    # The content schema's own rules (WHATWG parsing, https only, no user
    # name, port, IP address or lookalike host).
    problem = url_problem(href)
    if problem:
        page.notes.append(f'url: the page\'s {what} "{href}": {problem}; '
                          'not used (give the address with --url)')
        return None
    return href


def _h1_before_content(body, content, reader, site_names: set[str]):
    """A page's h1 often stands in a banner above its <main>/<article>."""
    inside = {id(el) for el in content.iter()}
    for h1 in body.iter('h1'):
        if id(h1) in inside or hidden(h1):
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


def _imprint_from_footer(body, content, lines, facts, page: Page,
                         ctx: Context):
    """The site's footer often names who publishes the page."""
    for footer in body.iter():
        if footer is content or not (
                footer.tag == 'footer' or footer.get('role') == 'contentinfo'):
            continue
        reader = HtmlBlocks(ctx, lines, facts, quiet=True)
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
        el.tag == 'main' or el.get('role') == 'main') and not hidden(el)]
    if mains:
        return mains[0], f'the text of the page\'s <{mains[0].tag}>'
    articles = [el for el in body.iter('article') if not hidden(el)]
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


def _first(root, tag):
    return next(root.iter(tag), None)
