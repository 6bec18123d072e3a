"""The printed text of each content field, read from the rendered HTML.

In: the HTML a layout's template made for one output (the same HTML
WeasyPrint turned into the PDF).  Out: ``{field path: text}`` in the order
the fields first appear — every element carrying ``data-field`` gives its
own text (not that of nested elements with their own ``data-field``), and
text outside any field (labels such as "Scan the code", the DRAFT mark, the
legal marks) is gathered under :data:`OTHER`.  The manifest records it
(``texts``), so ``diff`` can say which field's words changed between two
builds without the content files they were made from.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

OTHER = '(text outside the content fields)'

# Elements whose text is not printed, and elements that have no end tag.
_HIDDEN = frozenset({'head', 'style', 'script', 'title', 'svg', 'template'})
_VOID = frozenset({'area', 'base', 'br', 'col', 'embed', 'hr', 'img',
                   'input', 'link', 'meta', 'source', 'track', 'wbr'})
# Elements inside a line: their edges are not word boundaries.
_INLINE = frozenset({'a', 'abbr', 'b', 'bdi', 'bdo', 'cite', 'code', 'em',
                     'i', 'kbd', 'mark', 'nobr', 'q', 's', 'small', 'span',
                     'strong', 'sub', 'sup', 'time', 'u', 'var'})
# Characters that change how a word breaks, not which word it is.
_INVISIBLE = re.compile('[\u00ad\u200b\u2060\ufeff]')


class _Fields(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []  # (tag, field)
        self.hidden = 0
        self.chunks: dict[str, list[str]] = {}

    def _field(self) -> str:
        for _, field in reversed(self.stack):
            if field:
                return field
        return OTHER

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            if tag == 'br':
                self.handle_data(' ')
            return
        field = dict(attrs).get('data-field')
        self.stack.append((tag, field or None))
        if tag in _HIDDEN:
            self.hidden += 1
        # A new block (or a second piece of a field) is a word boundary.
        if tag not in _INLINE:
            self.chunks.setdefault(self._field(), []).append(' ')

    def handle_startendtag(self, tag, attrs):
        if tag == 'br':
            self.handle_data(' ')

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                for closed, _ in self.stack[index:]:
                    if closed in _HIDDEN:
                        self.hidden -= 1
                del self.stack[index:]
                break
        if tag not in _INLINE:
            self.chunks.setdefault(self._field(), []).append(' ')

    def handle_data(self, data):
        if not self.hidden:
            self.chunks.setdefault(self._field(), []).append(data)


def clean(text: str) -> str:
    """One space between words, no soft hyphens or other invisible
    break hints."""
    return ' '.join(_INVISIBLE.sub('', text).split())


def field_texts(html: str) -> dict[str, str]:
    """``{field: printed text}`` of one output's HTML (fields with no text
    left out)."""
    parser = _Fields()
    parser.feed(html or '')
    parser.close()
    texts = {field: clean(''.join(chunks))
             for field, chunks in parser.chunks.items()}
    return {field: text for field, text in texts.items() if text}
