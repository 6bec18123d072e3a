"""import → build: imported pages give content that builds, with all text.

The importer's own tests (test_importer.py) check what it reads; these run
the command line end to end and read the text back out of the leaflet."""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, ROOT, SEED, decode_qr_codes, run
from flyers.content import load_campaign, texts
from flyers.typography import typeset



def _brand_fonts_cover(character: str) -> bool:
    """Whether a font of the default brand has ``character`` (read by
    fontTools, not by flyers)."""
    from fontTools.ttLib import TTFont

    return any(ord(character) in TTFont(font).getBestCmap()
               for font in (ROOT / 'brands' / 'default' / 'fonts').iterdir()
               if font.suffix.lower() in ('.otf', '.ttf'))


# The Arabic pages (ar-*) build once the brand has an Arabic font: until
# then the build refuses their letters, as it must (test_translations.py
# and test_import_language.py check their import without a build).
PAGES = [SEED] + sorted(p for p in (FIXTURES / 'pages').iterdir()
                        if p.stem != 'sv-udda-bitar' and (
                            not p.stem.startswith('ar-')
                            or _brand_fonts_cover('\u0627')))


def _squeezed(text: str) -> str:
    """Text without white space or hyphens: a line broken after a hyphen
    ("dial-a-" / "ride") comes out of PDFium as "dial-a\x02ride", and
    WeasyPrint's own hyphenation adds hyphens the content does not have."""
    return re.sub(r'[\s\x02\u2010\u00ad-]+', '', text)


def _page_text(pdf) -> str:
    """All text of a PDF in content order, read by PDFium (columns are not
    interleaved as a reading-order extractor may do)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return ''.join(page.get_textpage().get_text_bounded()
                       for page in document)
    finally:
        document.close()


@pytest.mark.parametrize('page', PAGES, ids=lambda p: p.stem)
def test_imported_page_builds_with_all_its_text(page, empty_project, capsys):
    out = empty_project / 'content' / f'{page.stem}.yaml'
    code, stdout, err = run(empty_project, 'import', str(page), '--out',
                            str(out), capsys=capsys)
    assert code == 0, err
    assert 'guessed: ' in stdout
    code, stdout, err = run(empty_project, 'build', capsys=capsys)
    assert code == 0, err
    campaign = load_campaign(out)
    leaflet = _squeezed(_page_text(empty_project / 'output' /
                                   f'{page.stem}-leaflet-a5.pdf'))
    missing = [path for path, value in texts(campaign)
               if not (path == 'url' or path.endswith('.url'))
               and _squeezed(typeset(value.replace('**', ''),
                                     campaign.language)) not in leaflet]
    assert missing == []


def test_importing_the_seed_gives_a_draft_with_placeholders(empty_project,
                                                            capsys):
    out = empty_project / 'content' / 'trygghet.yaml'
    code, stdout, _ = run(empty_project, 'import', str(SEED), '--out',
                          str(out), capsys=capsys)
    assert code == 0
    campaign = load_campaign(out)
    assert campaign.status == 'draft'
    assert campaign.url.startswith('https://example.org/')
    assert [p.title for p in campaign.proposals.items] == [
        'Fler skolsociala team', 'Tryggare miljöer i Bäckby',
        'Avveckla utsatthetsstämpeln',
        'Stöd till unga som vill lämna kriminaliteten']
    assert f'wrote {out}' in stdout


def test_url_makes_the_qr_target(empty_project, capsys):
    out = empty_project / 'content' / 'trygghet.yaml'
    assert run(empty_project, 'import', str(SEED), '--out', str(out),
               '--url', 'https://www.liberalerna.se/vasteras/trygghet')[0] == 0
    campaign = load_campaign(out)
    assert campaign.url == 'https://www.liberalerna.se/vasteras/trygghet'


def test_a_saved_html_page_builds_with_its_canonical_address_as_qr(
        empty_project, capsys):
    page = FIXTURES / 'pages' / 'sv-trygghet-sparad.html'
    out = empty_project / 'content' / 'sparad.yaml'
    code, stdout, err = run(empty_project, 'import', str(page), '--out',
                            str(out), capsys=capsys)
    assert code == 0, err
    assert ("guessed: url: https://www.liberalerna.se/vasteras/"
            "trygghet-i-vasteras, the page's canonical address") in stdout
    campaign = load_campaign(out)
    assert campaign.status == 'final'
    assert campaign.further_reading.links[0].url == (
        'https://www.liberalerna.se/politik/trygghet')
    code, _, err = run(empty_project, 'build', '--layout', 'leaflet-a5',
                       capsys=capsys)
    assert code == 0, err
    codes = decode_qr_codes(empty_project / 'output' /
                            'sparad-leaflet-a5.pdf', 1)
    assert [c.text for c in codes] == [
        'https://www.liberalerna.se/vasteras/trygghet-i-vasteras'
        '?utm_medium=print&utm_source=leaflet']


def test_an_odd_page_builds_or_says_what_does_not_fit(empty_project, capsys):
    page = FIXTURES / 'pages' / 'sv-udda-bitar.md'
    out = empty_project / 'content' / 'udda.yaml'
    assert run(empty_project, 'import', str(page), '--out', str(out))[0] == 0
    code, _, err = run(empty_project, 'build', capsys=capsys)
    assert code in (0, 1)
    if code == 1:
        assert re.search(r'udda\.yaml:\d+:\d+: \S+: does not fit on', err), err
    assert 'Traceback' not in err


def test_import_refuses_to_overwrite(empty_project, capsys):
    out = empty_project / 'content' / 'x.yaml'
    out.write_text('keep me')
    code, _, err = run(empty_project, 'import', str(SEED), '--out', str(out),
                       capsys=capsys)
    assert code == 2
    assert 'exists already; choose another --out or add --force' in err
    assert out.read_text() == 'keep me'


def test_import_of_an_empty_page_is_a_clear_error(empty_project, tmp_path,
                                                  capsys):
    page = tmp_path / 'empty.txt'
    page.write_text('\n\n')
    code, _, err = run(empty_project, 'import', str(page), '--out',
                       str(empty_project / 'content' / 'e.yaml'),
                       capsys=capsys)
    assert code == 1
    assert f'error: {page}' in err and 'the page is empty' in err


# --- --out never leads outside the project ------------------------------------

def _link_cases(project, outside):
    """(name, --out path, extra arguments) after setting the links up."""
    content = project / 'content'
    (outside / 'victim.yaml').write_text('keep me')
    (content / 'to-victim.yaml').symlink_to(outside / 'victim.yaml')
    (content / 'dangling.yaml').symlink_to(outside / 'new.yaml')
    (content / 'real.yaml').write_text('mine')
    (content / 'to-real.yaml').symlink_to(content / 'real.yaml')
    (content / 'shared').symlink_to(outside, target_is_directory=True)
    return {
        'link to a file outside': (content / 'to-victim.yaml', 'link'),
        'dangling link to outside': (content / 'dangling.yaml', 'link'),
        'link to a file inside': (content / 'to-real.yaml', 'link'),
        'through a linked folder': (content / 'shared' / 'x.yaml',
                                    'outside'),
        'a path outside': (outside / 'y.yaml', 'outside'),
    }


@pytest.mark.parametrize('case', [
    'link to a file outside', 'dangling link to outside',
    'link to a file inside', 'through a linked folder', 'a path outside'])
def test_import_out_never_leads_outside_the_project(case, empty_project,
                                                    tmp_path, capsys):
    outside = tmp_path / 'outside'
    outside.mkdir()
    out, kind = _link_cases(empty_project, outside)[case]
    before = {p: p.read_bytes() for p in outside.iterdir()}
    before_content = sorted(p.name for p in (empty_project /
                                             'content').iterdir())
    code, stdout, err = run(empty_project, 'import', str(SEED), '--out',
                            str(out), '--force', capsys=capsys)
    assert code == 2
    assert 'Traceback' not in err
    first = err.splitlines()[0]
    if kind == 'link':
        assert first == (f'error: --out: "{out}" is a symbolic link; the '
                         'import writes only real files: give the path of '
                         'a file in content/')
    else:
        assert first.startswith(f'error: --out: "{out}" is outside the '
                                f'project folder {empty_project} (it leads '
                                f'to {outside.resolve()}')
        assert first.endswith('); write the content file into content/')
    assert {p: p.read_bytes() for p in outside.iterdir()} == before
    assert sorted(p.name for p in (empty_project / 'content').iterdir()) \
        == before_content
    assert (empty_project / 'content' / 'real.yaml').read_text() == 'mine'
    assert stdout == ''


def test_a_link_made_after_the_check_is_still_refused(empty_project,
                                                      tmp_path, capsys,
                                                      monkeypatch):
    from flyers import pageimport
    outside = tmp_path / 'outside'
    outside.mkdir()
    out = empty_project / 'content' / 'late.yaml'
    out.symlink_to(outside / 'late.yaml')
    monkeypatch.setattr(pageimport, 'check_arguments', lambda *a: None)
    code, _, err = run(empty_project, 'import', str(SEED), '--out', str(out),
                       capsys=capsys)
    assert code == 2
    assert err.splitlines()[0] == (
        f'error: --out: "{out}" now leads outside the project folder '
        f'{empty_project}; nothing was written')
    assert list(outside.iterdir()) == []


def test_a_project_reached_through_a_link_imports(empty_project, tmp_path,
                                                  capsys):
    linked = tmp_path / 'linked-project'
    linked.symlink_to(empty_project, target_is_directory=True)
    out = linked / 'content' / 'x.yaml'
    code, _, err = run(linked, 'import', str(SEED), '--out', str(out),
                       capsys=capsys)
    assert code == 0, err
    assert (empty_project / 'content' / 'x.yaml').is_file()
    assert not (empty_project / 'content' / 'x.yaml').is_symlink()
