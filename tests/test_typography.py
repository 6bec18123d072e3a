"""Swedish (and English) typography and inline markup."""

import pytest

from flyers.typography import display_url, inline, typeset


@pytest.mark.parametrize('language, text, expected', [
    ('sv', 'Han sa "trygghet" igen', 'Han sa \u201dtrygghet\u201d igen'),
    ('sv', 'staden - och särskilt', 'staden\u00a0\u2013 och särskilt'),
    ('sv', 'staden – och särskilt', 'staden\u00a0\u2013 och särskilt'),
    ('sv', "det är 'bra'", 'det är \u2019bra\u2019'),
    ('en', 'She said "safety"', 'She said \u201csafety\u201d'),
    ('en', "it's 'ours'", 'it\u2019s \u2018ours\u2019'),
    ('sv', 'Och sen...', 'Och sen\u2026'),
    ('sv', 'skol-sociala team', 'skol-sociala team'),
    ('sv', 'Trygghet i Västerås', 'Trygghet i\u00a0Västerås'),
    ('en', 'a plan for a safer town', 'a\u00a0plan for a\u00a0safer town'),
    ('sv', 'kostar 40\u00a0000 kr', 'kostar 40\u00a0000 kr'),
])
def test_typeset(language, text, expected):
    assert typeset(text, language) == expected


def test_names_are_kept_from_hyphenation():
    html = str(inline('i Västerås och Bäckby, nära skolan', 'sv'))
    assert html == ('<span class="name">i\u00a0Västerås</span> och'
                    '<span class="name"> Bäckby</span>, nära skolan')


def _lines(html: str, width_mm: float) -> list[str]:
    """The lines WeasyPrint breaks ``html`` into, in a column of
    ``width_mm`` (Swedish, not hyphenated: names never are)."""
    from weasyprint import HTML

    document = HTML(string=(
        '<style>p { font: 8.5pt sans-serif; hyphens: manual }</style>'
        f'<p lang="sv" style="width: {width_mm}mm">{html}</p>')).render()
    boxes = [document.pages[0]._page_box]
    while getattr(boxes[0], 'element_tag', None) != 'p':
        boxes[:1] = boxes[0].children
    lines = []
    for line in boxes[0].children:
        stack, text = [line], ''
        while stack:
            box = stack.pop(0)
            text += getattr(box, 'text', '')
            stack[:0] = getattr(box, 'children', [])
        lines.append(text.strip())
    return lines


def test_names_break_lines_as_plain_text_does():
    """A name's span (which keeps it from hyphenation) changes no other
    line break: WeasyPrint 70 broke "Vi / vill se en tydlig plan för att
    ta bort Bäckby" after its first word when the line was full just
    before the span.  Compared without hyphenation, at every width from
    24 to 89 mm."""
    text = ('Vi vill se en tydlig plan för att ta bort Bäckby från listan '
            'över utsatta områden i Västerås och Skultuna (Barkarö, '
            '"Hammarby") - och **i Östermalm** också.')
    html = str(inline(text, 'sv'))
    assert '<span class="name">' in html
    plain = html.replace('<span class="name">', '').replace('</span>', '')
    for width in range(24, 90):
        assert _lines(html, width) == _lines(plain, width), width


def test_inline_escapes_then_bolds():
    html = str(inline('<b>x</b> & **fet text** och **mer**', 'sv'))
    assert html == ('&lt;b&gt;x&lt;/b&gt; &amp;<strong> fet text</strong> '
                    'och<strong> mer</strong>')


@pytest.mark.parametrize('url, shown', [
    ('https://www.liberalerna.se/vasteras/', 'liberalerna.se/vasteras'),
    ('https://example.org', 'example.org'),
    ('https://x.se/a?b=1', 'x.se/a?b=1'),
])
def test_display_url(url, shown):
    assert display_url(url) == shown
