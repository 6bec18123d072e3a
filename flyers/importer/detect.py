"""Stage 1 of import: which kind of page this is, and its reader.

In: the page's text and its file name (``ctx.source``).  Out: the
:class:`~.common.Page` its reader made.  A name ending in .html/.htm (or
text that starts like an HTML document) is HTML; .md/.markdown is Markdown;
anything else is plain text, whose reader also knows the bits of Markdown
that pasted pages carry.  A page that is HTML whatever its name says is
read as HTML, and the notes say so.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from .common import Context, Page
from .read_html import read_html
from .read_markdown import read_markdown
from .read_text import read_text

HTML_NAMES = ('.html', '.htm', '.xhtml', '.shtml')
MARKDOWN_NAMES = ('.md', '.markdown', '.mdown', '.mkd')
# What a saved page starts with: a doctype, <html>, or a comment such as
# "<!-- saved from url=… -->" before them.
_HTML_START_RE = re.compile(
    r'\ufeff?\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>])',
    re.I | re.S)


def kind_of(text: str, source: str) -> str:
    """'html', 'markdown' or 'text'."""
    suffix = PurePath(source).suffix.lower()
    if suffix in HTML_NAMES or _HTML_START_RE.match(text[:10_000]):
        return 'html'
    if suffix in MARKDOWN_NAMES:
        return 'markdown'
    return 'text'


def read_page(text: str, ctx: Context) -> Page:
    kind = kind_of(text, ctx.source)
    if kind == 'html':
        ctx.stand_ins = True
        page = read_html(text, ctx)
        suffix = PurePath(ctx.source).suffix.lower()
        if suffix not in HTML_NAMES:
            page.notes.insert(0, 'read: the page is HTML (it starts with '
                              f'an HTML document), although its name ends '
                              f'in "{suffix or "nothing"}"')
        return page
    if kind == 'markdown':
        ctx.stand_ins = True
        return read_markdown(text, ctx)
    return read_text(text, ctx)
