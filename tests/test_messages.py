"""Messages that point at the cause (issue 10 §6): an overflow names the
field that grew, a CSS mistake its stylesheet line, an RGB colour in print
its declaration (once), the DRAFT mark fits itself, and only the fonts the
layouts use limit the characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run

SEED = (ROOT / 'content' / 'trygghet-vasteras.yaml').read_text('utf-8')
SENTENCE = 'Fler vuxna i rörelse gör stadsdelen tryggare för alla.'
POSTER_HEAD = ('language: sv\nurl: https://www.liberalerna.se/v\n'
               'title: Trygghet\nimprint: "Ansvarig utgivare: A B"\n')


def _seed_with(old: str, new: str) -> str:
    assert old in SEED
    return SEED.replace(old, new, 1)


def _sentences(count: int) -> str:
    return ' '.join([SENTENCE] * count)


# --- overflow: the field that grew ------------------------------------------

OVERFLOWS = {
    # The intro's second paragraph grew: it used to be blamed on
    # proposals.heading, where the page ran out.
    'long-intro': ('leaflet-a5', lambda: _seed_with(
        'och civilsamhälle.', 'och civilsamhälle. ' + _sentences(33))),
    # The first proposal grew a little: it used to be blamed on the third.
    'longer-proposal': ('leaflet-a5', lambda: _seed_with(
        'nätverk att rekrytera unga.',
        'nätverk att rekrytera unga. ' + _sentences(10))),
    # It grew taller than a page: WeasyPrint gave up with a traceback.
    'huge-proposal': ('leaflet-a5', lambda: _seed_with(
        'nätverk att rekrytera unga.',
        'nätverk att rekrytera unga. ' + _sentences(20))),
    # The poster shows the intro when there are no proposals or sections.
    'poster-intro': ('poster-a3', lambda: POSTER_HEAD + 'intro:\n  - '
                     + _sentences(36) + '\n'),
    # Titles are at most 120 characters: on the poster, a list of
    # proposals overflows by its length; none stands out.
    'poster-many': ('poster-a3', lambda: POSTER_HEAD + 'proposals:\n  items:\n'
                    + ''.join(f'    - title: Förslag nummer {n} om trygghet '
                              'i hela Västerås\n' for n in range(1, 15))),
}

LEAFLET_FLOOR = (' (even with the type shrunk from 9 to 8 pt, the smallest the '
                 'layout allows)')
POSTER_FLOOR = (' (even with the type shrunk from 30 to 20 pt, the smallest '
                'the layout allows)')
EXPECTED_OVERFLOW = {
    'long-intro': (
        'PATH:28:5: intro[1]: does not fit on the front page of leaflet-a5: '
        'about 61 mm too much (≈ 16 lines of text); the largest blocks on '
        'this page: intro 124 mm, proposals 57 mm, title 15 mm; shorten '
        'intro[1] or move some of it to another field' + LEAFLET_FLOOR),
    'longer-proposal': (
        'PATH:61:13: proposals.items[0].text: does not fit on the front page '
        'of leaflet-a5: about 24 mm too much (≈ 7 lines of text); the '
        'largest blocks on this page: proposals 116 mm, intro 29 mm, title '
        '15 mm; shorten proposals.items[0].text or move some of it to '
        'another field' + LEAFLET_FLOOR),
    'huge-proposal': (
        'PATH:61:13: proposals.items[0].text: does not fit on the front page '
        'of leaflet-a5: about 83 mm too much (≈ 24 lines of text); the '
        'largest blocks on this page: proposals 174 mm, intro 29 mm, title '
        '15 mm; shorten proposals.items[0].text or move some of it to '
        'another field' + LEAFLET_FLOOR),
    'poster-intro': (
        'PATH:6:5: intro[0]: does not fit on the poster page of poster-a3: '
        'about 143 mm too much (≈ 15 lines of text); the largest blocks on '
        'this page: intro 324 mm, title 44 mm, url 9 mm; shorten intro[0] or '
        'move some of it to another field' + POSTER_FLOOR),
    'poster-many': (
        'PATH:7:5: proposals.items: does not fit on the poster page of '
        'poster-a3: about 66 mm too much (≈ 8 lines of text); the largest '
        'blocks on this page: proposals 238 mm, title 44 mm, url 9 mm; '
        'remove some of proposals.items or shorten them' + POSTER_FLOOR),
}


@pytest.mark.parametrize('name', sorted(OVERFLOWS))
def test_overflow_names_the_field_that_grew(project, tmp_path, capsys, name):
    layout, text = OVERFLOWS[name]
    path = tmp_path / f'{name}.yaml'
    path.write_text(text(), 'utf-8')
    code, _, err = run(project, 'check', str(path), '--layout', layout,
                       '--edition', 'print', capsys=capsys)
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith('error:')]
    assert errors == ['error: ' + EXPECTED_OVERFLOW[name].replace(
        'PATH', str(path), 1)]
    assert not (project / 'output').exists()
