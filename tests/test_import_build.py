"""import → build: imported pages give content that builds, with all text.

The importer's own tests (test_importer.py) check what it reads; these run
the command line end to end and read the text back out of the leaflet."""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, SEED, run
from flyers.content import load_campaign, texts
from flyers.typography import typeset

PAGES = [SEED] + sorted(p for p in (FIXTURES / 'pages').iterdir()
                        if p.stem != 'sv-udda-bitar')


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
