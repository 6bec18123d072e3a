"""Reader for plain text: a page copied from a browser, or written by hand.

In: the page's text.  Out: the page as :class:`~.common.Element` s.  Plain
text has no markup, but pasted pages carry some by habit, and this reader
knows it: ``#`` headings and underlined ones, lines of "-", "•", "–" or
numbers as list items, ``**bold**`` and ``[words](address)`` (left in the
text for :mod:`.inline`), a short paragraph of one line per browser block
(long lines without blank lines between them are paragraphs of their own).
"""

from __future__ import annotations

import re

from .common import Context, Element, Page, clean_lines

_ATX_RE = re.compile(r' {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*')
_SETEXT_RE = re.compile(r' {0,3}(={2,}|-{2,})[ \t]*')
_ITEM_RE = re.compile(r'([ \t]*)([-*+•]|\d{1,3}[.)])[ \t]+(\S.*)')
# An en or em dash starts a list item only where a list could start: inside
# running text it is punctuation that happens to begin a wrapped line.
_DASH_ITEM_RE = re.compile(r'([ \t]*)([–—])[ \t]+(\S.*)')
_FENCE_RE = re.compile(r' {0,3}(```|~~~)')
_QUOTE_RE = re.compile(r' {0,3}>[ \t]?')
_MARKUP_ONLY_RE = re.compile(r'[\s\-*_=|:#`~+>]*')


def read_text(text: str, ctx: Context) -> Page:
    return Page(_parse(clean_lines(text, ctx), ctx), kind='text')


def _parse(lines: list[str], ctx: Context) -> list[Element]:
    elements: list[Element] = []
    para: list[tuple[int, str]] = []
    item: Element | None = None
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
                elements.append(Element('para', text, number,
                                        parts=[(number, text)]))
        else:
            elements.append(Element('para', ' '.join(t for _, t in para),
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
                ctx.note(number, 'a code block, kept as ordinary text')
            continue
        if fence_line:
            if line.strip():
                para.append((number, line.strip()))
            continue
        if _QUOTE_RE.match(line):
            while _QUOTE_RE.match(line):
                line = _QUOTE_RE.sub('', line, count=1)
            ctx.note(number, 'a quotation (">"), kept as ordinary text')
        stripped = line.strip()
        if not stripped:
            flush()
            item = None
            continue
        m = _ATX_RE.fullmatch(line)
        if m and m[2].strip():
            flush()
            item = None
            elements.append(Element('heading', m[2].strip(), number,
                                    level=len(m[1]),
                                    how=f"a '{m[1]}' heading"))
            continue
        m = _SETEXT_RE.fullmatch(line)
        if m and len(para) == 1:
            heading_line, heading = para.pop()
            level = 1 if m[1][0] == '=' else 2
            elements.append(Element('heading', heading, heading_line,
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
            item = Element('item', m[3].strip(), number, indent=len(m[1]),
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
