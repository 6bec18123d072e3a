"""Reader for Markdown, by markdown-it-py (CommonMark).

In: the text of a Markdown file.  Out: the page as elements
(:class:`~.common.Element`): headings with their level, paragraphs with
their source lines, list items with their nesting and marker, and, kept as
ordinary paragraphs and noted, quotations, code, table rows and HTML.
Inline content is written in the importer's inline markup (``**bold**``,
``*italics*``, links, images); the page's own characters are protected.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .common import (Context, Element, Page, clean_lines, link_address,
                     protect, without_stand_ins)
from .html_parse import html_fragment_text

_PARSER = MarkdownIt('commonmark').enable('table').enable('strikethrough')
# Addresses as written (räddabarnen.se, not its punycode): the importer
# checks and encodes them itself, as for every other kind of page.
_PARSER.normalizeLink = lambda url: url
# markdown-it leaves javascript: and data: links as text (it renders HTML
# for browsers); here every link is a link, and inline.py judges its address.
_PARSER.validateLink = lambda url: True


def read_markdown(text: str, ctx: Context) -> Page:
    lines = without_stand_ins(clean_lines(text, ctx), ctx)
    tokens = _PARSER.parse('\n'.join(lines))
    return Page(_Reader(ctx).read(tokens), kind='markdown')


class _Reader:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.out: list[Element] = []
        self.lists: list[str] = []     # markers of the open lists
        self.item: Element | None = None   # a list item without text yet
        self.row: list[str] = []
        self.row_line = 0

    def read(self, tokens: list[Token]) -> list[Element]:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            line = token.map[0] + 1 if token.map else 0
            kind = token.type
            if kind == 'heading_open':
                parts = self.inline(tokens[index + 1])
                how = (f"a '{token.markup}' heading"
                       if token.markup.startswith('#')
                       else 'an underlined heading')
                text = ' '.join(t for _, t in parts)
                if text.strip():
                    self.out.append(Element('heading', text, line,
                                            level=int(token.tag[1]),
                                            how=how))
                index += 3
                continue
            if kind == 'paragraph_open':
                parts = self.inline(tokens[index + 1])
                self.paragraph(parts, line)
                index += 3
                continue
            if kind in ('bullet_list_open', 'ordered_list_open'):
                self.lists.append(token.markup)
            elif kind in ('bullet_list_close', 'ordered_list_close'):
                self.lists.pop()
            elif kind == 'list_item_open':
                marker = (f'{token.info}{token.markup}' if token.info
                          else token.markup)
                self.item = Element('item', '', line, marker=marker,
                                    indent=2 * (len(self.lists) - 1))
            elif kind == 'list_item_close':
                self.item = None
            elif kind == 'blockquote_open':
                self.ctx.note(line, 'a quotation (">"), kept as ordinary '
                              'text')
            elif kind in ('fence', 'code_block'):
                self.ctx.note(line, 'a code block, kept as ordinary text')
                start = line + (1 if kind == 'fence' else 0)
                parts = [(start + n, protect(t.strip()))
                         for n, t in enumerate(token.content.split('\n'))
                         if t.strip()]
                self.paragraph(parts, line)
            elif kind == 'html_block':
                self.html(token.content, line)
            elif kind == 'table_open':
                self.row_line = line
            elif kind == 'tr_open':
                self.row = []
                self.row_line = line or self.row_line + 1
            elif kind == 'inline':      # a table cell
                text = ' '.join(t for _, t in self.inline(token))
                if text.strip():
                    self.row.append(text)
            elif kind == 'tr_close' and self.row:
                line = self.row_line
                self.ctx.note(line, 'a table row, kept as a paragraph')
                text = ' – '.join(self.row)
                self.out.append(Element('para', text, line,
                                        parts=[(line, text)]))
            index += 1
        return self.out

    def paragraph(self, parts: list[tuple[int, str]], line: int):
        parts = [(n, t) for n, t in parts if t.strip()]
        if not parts:
            return
        text = ' '.join(t for _, t in parts)
        if self.item is not None:
            # The first paragraph of a list item is the item's text.
            self.item.text, self.item.parts = text, parts
            self.item.line = parts[0][0]
            self.out.append(self.item)
            self.item = None
            return
        self.out.append(Element('para', text, parts[0][0], parts=parts))

    def html(self, source: str, line: int):
        text = html_fragment_text(source)
        if text:
            self.ctx.note(line, 'HTML in the Markdown: kept its text')
            self.paragraph([(line, protect(text))], line)
        else:
            self.ctx.note(line, 'HTML without text (a comment or a tag) '
                          'left out')

    def inline(self, token: Token) -> list[tuple[int, str]]:
        """The inline content as (line, text) parts, one per source line."""
        line = token.map[0] + 1 if token.map else 0
        parts: list[tuple[int, str]] = []
        out: list[str] = []
        href: list[str] = []
        strong = 0

        def end_line():
            parts.append((line, ''.join(out).strip()))
            out.clear()

        for child in token.children or ():
            kind = child.type
            if kind == 'text':
                out.append(protect(child.content))
            elif kind == 'code_inline':
                out.append(protect(child.content))
            elif kind in ('softbreak', 'hardbreak'):
                end_line()
                line += 1
            elif kind == 'strong_open':
                strong += 1
                if strong == 1:         # bold inside bold is just bold
                    out.append('**')
            elif kind == 'strong_close':
                strong -= 1
                if strong == 0:
                    _close(out, '**')
            elif kind == 'em_open':
                out.append('*')
            elif kind == 'em_close':
                _close(out, '*')
            elif kind == 'link_open':
                href.append(child.attrGet('href') or '')
                out.append('[')
            elif kind == 'link_close':
                out.append(f']({link_address(href.pop())})')
            elif kind == 'image':
                alt = ''.join(protect(c.content) for c in child.children
                              or () if c.type in ('text', 'code_inline'))
                if href:    # an icon in a link: its address is the link's
                    out.append(alt)
                else:
                    out.append(f'![{alt}]'
                               f'({link_address(child.attrGet("src"))})')
            elif kind == 'html_inline':
                pass        # a tag between words: the words are kept
        end_line()
        return parts


def _close(out: list[str], mark: str):
    """Close bold or italics; an empty pair is no markup at all."""
    if out and out[-1] == mark:
        out.pop()
    else:
        out.append(mark)
