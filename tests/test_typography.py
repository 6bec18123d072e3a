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
    assert html == ('i\u00a0<span class="name">Västerås</span> och '
                    '<span class="name">Bäckby</span>, nära skolan')


def test_inline_escapes_then_bolds():
    html = str(inline('<b>x</b> & **fet text** och **mer**', 'sv'))
    assert html == ('&lt;b&gt;x&lt;/b&gt; &amp; <strong>fet text</strong> '
                    'och <strong>mer</strong>')


@pytest.mark.parametrize('url, shown', [
    ('https://www.liberalerna.se/vasteras/', 'liberalerna.se/vasteras'),
    ('https://example.org', 'example.org'),
    ('https://x.se/a?b=1', 'x.se/a?b=1'),
])
def test_display_url(url, shown):
    assert display_url(url) == shown
