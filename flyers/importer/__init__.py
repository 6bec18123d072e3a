"""Stage 0: import — turn a campaign web page into a content file.

In: one campaign page — saved from a browser as HTML, written in Markdown,
or copied as plain text — the name it came from, and optionally the page's
address and language.  Out: an :class:`ImportResult` — the text of a
content file (``content/NAME.yaml``) that :func:`flyers.content.load_campaign`
accepts, plus one plain-language note per guess — or a
:class:`~flyers.errors.PageImportError` when the page cannot be used at all
(empty, binary, larger than 1 MB, no title).

The stages, one module each: a reader turns the page into elements
(:mod:`.read_html` with the HTML5 parser tinyhtml5 — :mod:`.html_parse`
and :mod:`.html_blocks` —, :mod:`.read_markdown` with the CommonMark parser
markdown-it-py, :mod:`.read_text` for plain text; :mod:`.detect` picks
one), :mod:`.classify` finds the title and what each block is,
:mod:`.fields` fills the campaign's fields and :mod:`.emit` writes and
re-reads the YAML.  :mod:`.inline` turns inline markup into words and link
addresses into URLs for all of them; :mod:`.common` holds what they share.

The importer never drops text: what it cannot place is kept as a paragraph
and named in the notes, so a campaign worker only moves and trims, never
retypes.  What the page does not say (its address, the responsible
publisher, where a link points) becomes a placeholder that keeps the file a
draft until someone fills it in.  The same input always gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..content import placeholders
from ..yamlstrict import MAX_BYTES
from .classify import Structure
from .common import (IMPRINT_PLACEHOLDER, NON_PRINTABLE_RE, Context, slug,
                     unprotect)
from .detect import read_page
from .emit import emit, header, validate
from .fields import Fields
from .inline import Inline
from .language import guess_language, is_confident

__all__ = ['ImportResult', 'import_page']

LANGUAGE_RE = re.compile(r'[a-z]{2,3}(-[A-Za-z0-9]{2,8})*')


@dataclass(frozen=True)
class ImportResult:
    """The content file to write and what the importer guessed."""

    yaml_text: str              # the content file to write (UTF-8 text)
    notes: tuple[str, ...]      # one plain-language line per guess


def import_page(text: str, *, source: str, url: str | None = None,
                language: str | None = None) -> ImportResult:
    """Turn a page into a content file; ``source`` names the page in
    messages (its file name also tells HTML and Markdown from text),
    ``url`` is the page's own address (the QR target) and ``language`` a
    language code; both are taken from an HTML page, guessed or left as
    placeholders when not given."""
    ctx = Context(source)
    _check_usable(text, ctx)
    if url is not None:
        _check_url_argument(url, ctx)
    if language is not None and not LANGUAGE_RE.fullmatch(language):
        ctx.fail(f'"{language}" is not a language code; give one such as sv '
                 'or en')
    page = read_page(text, ctx)
    # Relative links are relative to the page's own address: an HTML
    # page's <base> or canonical link say it better than --url.
    inline = Inline(ctx, page.base or url or page.url)
    structure = Structure(ctx, inline)
    elements = structure.drop_empty(page.elements)
    if not elements and not page.title:
        ctx.fail('the page is empty: there is no text to import')
    title, body, before = structure.take_title(elements, page)
    subtitle = structure.take_subtitle(body)
    imprint = structure.take_imprint(body)
    structure.classify(body)
    blocks = structure.blocks(body)
    fields = Fields(ctx, inline, structure)
    for el in before:
        fields.intro.append((el.line, inline(el.text, el.line)))
        ctx.note(el.line, 'text before the title, kept in the intro')
    fields.build(blocks)
    fields.place_orphans()

    global_notes = list(page.notes)
    sample = text if page.kind != 'html' else '\n'.join(
        [page.title or ''] + [unprotect(e.text) for e in page.elements])
    if language is None and page.language:
        language = page.language
        global_notes.append(f'language: {language} (the page\'s '
                            f'{page.language_from})')
        guess, why = guess_language(sample)
        if (guess != language.split('-')[0].lower()
                and is_confident(sample, guess)):
            global_notes.append(
                f'language: the page says {language}, but its text looks '
                f'like {guess} ({why}); change `language` to {guess} if '
                'the page is wrong')
    elif language is None:
        language, why = guess_language(sample)
        global_notes.append(f'language: {language} ({why}); change '
                            '`language` if that is wrong')
    if url is None and page.url:
        url = page.url
        global_notes.append(f'url: {url}, the page\'s canonical address '
                            '(give another with --url)')
    elif url is None:
        url = f'https://example.org/{slug(title)}'
        global_notes.append(
            f'url: the page\'s address was not given; wrote the '
            f'placeholder {url} (give the real address with --url)')
    if imprint is None:
        imprint = IMPRINT_PLACEHOLDER.get(language.split('-')[0],
                                          IMPRINT_PLACEHOLDER['en'])
        global_notes.append(
            'imprint: the page names no responsible publisher; wrote '
            f'the placeholder "{imprint}"')
    data = fields.assemble(language, url, title, subtitle, imprint)

    campaign = validate(emit(data, ()), data, source)
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
    notes = ctx.sorted_notes() + tuple(global_notes)
    yaml_text = emit(data, header(source, notes))
    validate(yaml_text, data, source)
    if len(yaml_text.encode('utf-8')) > MAX_BYTES:
        ctx.fail('the page is too long for one content file (more than '
                 f'{MAX_BYTES:,} bytes once imported); import a shorter page')
    return ImportResult(yaml_text, notes)


def _check_usable(text: str, ctx: Context):
    """Refuse what cannot be a page: too big, binary, empty."""
    size = len(text.encode('utf-8', 'surrogatepass'))
    if size > MAX_BYTES:
        ctx.fail(f'the page is {size:,} bytes; a page to import may be at '
                 f'most {MAX_BYTES:,} bytes (is this the right file?)')
    if '\x00' in text:
        ctx.fail('this does not look like text: it contains NUL characters '
                 '(is it a PDF, an image or a Word file?); save the page as '
                 'HTML, plain text or Markdown and import that')
    bad = len(NON_PRINTABLE_RE.findall(text)) + text.count('\ufffd')
    if bad > 2 and bad * 50 > len(text):
        ctx.fail(f'this does not look like text: {bad:,} of its '
                 f'{len(text):,} characters are control characters or '
                 'unreadable; save the page as HTML, plain text or Markdown '
                 'and import that')
    if not text.strip():
        ctx.fail('the page is empty: there is no text to import')


def _check_url_argument(url: str, ctx: Context):
    parts = urlsplit(url)
    if (parts.scheme.lower() not in ('http', 'https') or not parts.hostname
            or any(c.isspace() for c in url)):
        ctx.fail(f'"{url}" is not a web address; give the page\'s address '
                 'starting with https://')
