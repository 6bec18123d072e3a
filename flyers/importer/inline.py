"""Inline markup → the words to print, and link addresses → URLs.

In: an element's text in the readers' inline markup (see :mod:`.common`)
and, for links, the address the page gave.  Out: plain running text (with
``**bold**`` where the schema allows it), and an absolute http(s) address,
``#`` (a placeholder) or None (not a web address); each change is noted.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

from ..urls import problem as url_problem
from .common import IMAGE_RE, LINK_RE, Context, collapse, quoted, unprotect

_CODE_RE = re.compile(r'`+([^`]+?)`+')
_ESCAPE_RE = re.compile(r'\\([\\`*_{}\[\]()#+\-.!|>~])')
_STRONG_EM_RE = re.compile(r'\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*')
_UNDER_STRONG_RE = re.compile(r'(?<![\w_])__(?=\S)(.+?)(?<=\S)__(?![\w_])')
_STAR_EM_RE = re.compile(r'(?<![\w*])\*([^\s*](?:[^*]*[^\s*])?)\*(?![\w*])')
_UNDER_EM_RE = re.compile(r'(?<![\w_])_([^\s_](?:[^_]*[^\s_])?)_(?![\w_])')


class Inline:
    """Reads inline markup for one run; ``base`` resolves relative links."""

    def __init__(self, ctx: Context, base: str | None):
        self.ctx = ctx
        self.base = base

    def __call__(self, raw: str, line: int, *, bold: bool = True,
                 quiet: bool = False) -> str:
        return self.text(raw, line, bold=bold, quiet=quiet)


    def text(self, raw: str, line: int, *, bold: bool = True,
                quiet: bool = False) -> str:
        """Running text without Markdown markup, except **bold** when
        ``bold`` (the schema allows it only in running text)."""
        protect = (not self.ctx.stand_ins
                   and not re.search('[\ue000-\ue07f]', raw))
        text = raw
        if protect:
            text = _ESCAPE_RE.sub(lambda m: chr(0xE000 + ord(m[1])), text)

        def image(m):
            alt = collapse(m[1])
            if not quiet:
                self.ctx.note(line, f'image {quoted(alt)} kept as its '
                              'description'
                              if alt else 'an image without a description '
                                          'left '
                              'out')
            return alt

        def link(m):
            words = collapse(m[1]) or m[2]
            if not quiet:
                self.ctx.note(line, f'link {quoted(words)} inside the text: '
                              'kept the words, not the address '
                              f'({m[2] or "none"})')
            return words

        text = IMAGE_RE.sub(image, text)
        text = LINK_RE.sub(link, text)
        text = _CODE_RE.sub(r'\1', text)
        text = _STRONG_EM_RE.sub(r'**\1**', text)
        text = _UNDER_STRONG_RE.sub(r'**\1**', text)
        text = _STAR_EM_RE.sub(r'\1', text)
        text = _UNDER_EM_RE.sub(r'\1', text)
        if protect or self.ctx.stand_ins:
            text = unprotect(text)
        text = collapse(text)
        if '**' in text and (not bold or text.count('**') % 2):
            if bold and not quiet:
                self.ctx.note(line, 'a ** without its partner; bold removed')
            text = collapse(text.replace('**', ''))
        return text

    def address(self, href: str, line: int, text: str) -> str | None:
        """A link's address as the schema accepts it, or None."""
        href = href.strip()
        if href in ('', '#') or (href.startswith('#') and not self.base):
            self.ctx.note(line, f'link {quoted(text)} points to "#", a '
                          'placeholder')
            return '#'
        if href.startswith('//'):
            href = 'https:' + href
        elif href.lower().startswith('www.'):
            href = 'https://' + href
        scheme = urlsplit(href).scheme.lower()
        if scheme and scheme not in ('http', 'https'):
            self.ctx.note(line, f'link {quoted(text)} points to "{href}", '
                          'which is not a web address; kept the text without '
                          'it')
            return None
        if not scheme:
            if not self.base:
                self.ctx.note(line, f'link {quoted(text)} points to "{href}" '
                              'on the page\'s own site, whose address is not '
                              'known; wrote "#" (give the page\'s address '
                              'with --url)')
                return '#'
            resolved = urljoin(self.base, href)
            self.ctx.note(line, f'link {quoted(text)}: "{href}" resolved to '
                          f'{resolved}')
            href = resolved
        # Percent-encode the path on, not the host (räddabarnen.se).
        after_host = re.compile(r'[/?#]').search(href, href.find('//') + 2)
        cut = after_host.start() if after_host else len(href)
        href = href[:cut] + quote(href[cut:], safe=':/?#[]@!$&\'()*+,;=%~')
        refused = url_problem(href)  # the content schema's own check
        if refused:
            self.ctx.note(line, f'link {quoted(text)}: {refused}; wrote "#"')
            return '#'
        return href
