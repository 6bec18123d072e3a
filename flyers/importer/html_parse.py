"""The HTML5 parser for the importer: tinyhtml5, with limits and lines.

In: the text of an HTML document.  Out: its tree (``xml.etree`` elements,
as a browser builds it whatever the markup's mistakes: tinyhtml5 is the
WHATWG parser WeasyPrint uses) and a map from each element to the line it
starts on, for the notes.  A page that would take the parser too long
(nesting hundreds deep, or over :data:`MAX_SECONDS`) raises
:class:`TooHard`.  The page is handed to tinyhtml5 as a stream: given a
short string, tinyhtml5 would open the file of that name.
"""

from __future__ import annotations

import io
import time
from xml.etree import ElementTree

from tinyhtml5.parser import HTMLParser

from ..limits import TimeLimitExceeded, time_limit
from .common import collapse

NEVER = frozenset(
    'script style noscript template iframe object embed canvas form button '
    'select input textarea option datalist dialog nav aside head link meta '
    'title base video audio source track map area svg math'.split())


class TooHard(Exception):
    """The page's HTML would take the parser too long to read."""


# Browsers stop nesting elements at a depth of a few hundred; tinyhtml5
# does not, and a page of 100 000 unclosed <b> takes it minutes (it scans
# the open elements for each new one).  Other shapes are slow too (a tag
# with 200 000 attributes: six minutes), so a timer stops any parse that
# takes longer than a real page ever does (a 1 MB page takes a few s).
MAX_DEPTH = 256
MAX_SECONDS = 20


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
    try:
        with time_limit(MAX_SECONDS):
            root = parser.parse(io.StringIO(source))
    except TimeLimitExceeded:
        raise TooHard(f'reading it took more than {MAX_SECONDS} s') from None
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
