"""The screen edition: RGB, tagged, accessible (PDF/UA-1), trim size."""

from __future__ import annotations

import pikepdf
import pytest

from conftest import pdf_text, seed_sentences


def _structure(pdf: pikepdf.Pdf):
    """(role, /Alt) of every structure element, in reading order."""
    found = []

    def walk(element):
        if isinstance(element, pikepdf.Dictionary) and '/S' in element:
            found.append((str(element.S), element.get('/Alt')))
        kids = element.get('/K') if isinstance(element, pikepdf.Dictionary) \
            else None
        if isinstance(kids, pikepdf.Array):
            for kid in kids:
                walk(kid)
        elif isinstance(kids, pikepdf.Dictionary):
            walk(kids)

    walk(pdf.Root.StructTreeRoot)
    return found


@pytest.mark.parametrize('layout', ['leaflet-a5', 'poster-a3'])
def test_tagged_with_language_title_and_alt_texts(built, layout):
    with pikepdf.open(built.pdf(layout, edition='screen')) as pdf:
        assert str(pdf.Root.Lang) == 'sv'
        assert pdf.Root.MarkInfo.Marked is True
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.open_metadata().get('dc:title')) == 'Trygghet i Västerås'
        assert 'pdfuaid' in str(pdf.open_metadata())
        structure = _structure(pdf)
    roles = [role for role, _ in structure]
    assert roles[0] == '/Document'
    assert '/H1' in roles
    figures = {str(alt) for role, alt in structure if role == '/Figure'}
    # The seed's pictures: the hero photo on both, the people's portraits
    # on the leaflet's back (issue 11).
    import yaml

    seed = yaml.safe_load((built.project / 'content' /
                           'trygghet-vasteras.yaml').read_text('utf-8'))
    pictures = {' '.join(seed['hero']['alt'].split())}
    if layout == 'leaflet-a5':
        pictures |= {' '.join(person['photo']['alt'].split())
                     for person in seed['people']}
    assert figures == {'Logotyp för Liberalerna Västerås',
                       'QR-kod som leder till example.org/trygghet-vasteras'
                       } | pictures


def test_reading_order_follows_the_content(built):
    with pikepdf.open(built.pdf('leaflet-a5', edition='screen')) as pdf:
        roles = [role for role, _ in _structure(pdf)
                 if role in ('/H1', '/H2', '/H3')]
    # Title, the proposals' heading and four proposals, then the back.
    assert roles[:6] == ['/H1', '/H2', '/H3', '/H3', '/H3', '/H3']


def test_screen_edition_is_rgb_without_output_intent(built):
    with pikepdf.open(built.pdf('leaflet-a5', edition='screen')) as pdf:
        assert '/OutputIntents' not in pdf.Root
        spaces = set()
        for page in pdf.pages:
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) in ('cs', 'CS'):
                    spaces.add(str(operands[0]))
    assert '/DeviceCMYK' not in spaces


def test_every_sentence_of_the_seed_is_in_the_screen_leaflet(built):
    text = pdf_text(built.pdf('leaflet-a5', edition='screen'))
    assert [s for s in seed_sentences() if s not in text] == []
