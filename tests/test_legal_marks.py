"""The legal marks of campaign print (issue 14, section 2): the tryckort
("Tryck: Printfabriken, Västerås 2031") beside the imprint of every print
edition, the label of political advertising (Regulation (EU) 2024/900,
Article 11) on every output of a campaign that declares ``political_ad:``,
and the preflight that refuses a mark hidden or in the safe-zone margin.

The PDFs are read with poppler's pdftotext and pikepdf, not with the
builder's code.  One build serves most tests: the seed in all three
layouts (both editions), its English and Arabic translations, a Finnish
copy of the second campaign declared political, and that campaign as it
is (no political advertising)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, copy_project, run

# 2031-02-27: the year printed comes from SOURCE_DATE_EPOCH, not "now".
EPOCH = '1930000000'
YEAR = '2031'
LAYOUTS = ('leaflet-a5', 'poster-a3', 'trifold-dl')
SV_LABEL = ('Politisk annons · Sponsor: Liberalerna Västerås · '
            'Transparensmeddelande: example.org/politisk-annons')
SV_TRYCK = f'Tryck: Printfabriken, Västerås {YEAR}'
# With the election it is linked to (Article 11(1)(c)), named in the label.
FI_POLITICAL = ('political_ad:\n  sponsor: Koloniföreningen Solrosen\n'
                '  transparency_notice: https://example.org/mainos\n'
                '  election: kuntavaalit 2029\n')


def _add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text('utf-8') + line, 'utf-8')


@pytest.fixture(scope='module')
def legal(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp('legal') / 'project',
                           every_campaign=True, translations=True)
    content = project / 'content'
    _add_line(content / 'trygghet-vasteras.yaml', f'layouts: [{", ".join(LAYOUTS)}]\n')
    _add_line(content / 'trygghet-vasteras-en.yaml', 'layouts: [poster-a3]\n')
    _add_line(content / 'trygghet-vasteras-ar.yaml', 'layouts: [trifold-dl]\n')
    solrosen = (content / 'solrosen-varstamma.yaml').read_text('utf-8')
    (content / 'solrosen-varstamma.yaml').write_text(solrosen.replace(
        'layouts: [leaflet-a5, poster-a3]', 'layouts: [poster-a3]'), 'utf-8')
    (content / 'solrosen-fi.yaml').write_text(
        solrosen.replace('language: sv', 'language: fi').replace(
            'layouts: [leaflet-a5, poster-a3]', 'layouts: [poster-a3]')
        + FI_POLITICAL, 'utf-8')
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build'], capture_output=True, text=True,
        timeout=600, env={**os.environ, 'SOURCE_DATE_EPOCH': EPOCH})
    assert result.returncode == 0, result.stderr
    return project


def _pdf(project: Path, name: str, layout: str, edition: str) -> Path:
    suffix = '-screen' if edition == 'screen' else ''
    return project / 'output' / f'{name}-{layout}{suffix}.pdf'


def _text(pdf: Path) -> str:
    """poppler's text, bidi marks and white space runs as one space."""
    text = subprocess.run(['pdftotext', str(pdf), '-'], capture_output=True,
                          text=True, check=True).stdout
    text = re.sub('[\u202a-\u202e\u200e\u200f]', '', text)
    return re.sub(r'\s+', ' ', text).strip()


def _uris(pdf: Path) -> list[str]:
    with pikepdf.open(pdf) as document:
        return [str(annotation.A.URI) for page in document.pages
                for annotation in page.obj.get('/Annots', [])
                if annotation.get('/A') is not None
                and annotation.A.get('/URI') is not None]


# --- what every output carries ----------------------------------------------

@pytest.mark.parametrize('layout', LAYOUTS)
def test_every_print_edition_carries_tryckort_label_and_imprint(legal,
                                                                layout):
    text = _text(_pdf(legal, 'trygghet-vasteras', layout, 'print'))
    assert SV_TRYCK in text
    assert SV_LABEL in text
    assert 'Ansvarig utgivare: [namn saknas], Liberalerna Västerås' in text


@pytest.mark.parametrize('layout', LAYOUTS)
def test_the_screen_edition_has_the_label_and_its_link_but_no_tryckort(
        legal, layout):
    pdf = _pdf(legal, 'trygghet-vasteras', layout, 'screen')
    text = _text(pdf)
    assert SV_LABEL in text
    assert 'Tryck:' not in text and 'Printfabriken' not in text
    assert 'https://example.org/politisk-annons' in _uris(pdf)


def test_the_year_is_the_builds_not_this_years(legal):
    text = _text(_pdf(legal, 'trygghet-vasteras', 'poster-a3', 'print'))
    assert re.findall(r'Printfabriken, Västerås (\d{4})', text) == [YEAR]


@pytest.mark.parametrize('name,layout,tryckort,label', [
    ('trygghet-vasteras-en', 'poster-a3',
     f'Printed by Printfabriken, Västerås {YEAR}',
     'Political advertisement · Sponsor: Liberalerna Västerås · '
     'Transparency notice: example.org/political-ad'),
    ('solrosen-fi', 'poster-a3', f'Paino: Printfabriken, Västerås {YEAR}',
     'Poliittinen mainos · Sponsori: Koloniföreningen Solrosen · '
     'Liittyy: kuntavaalit 2029 · Avoimuusilmoitus: example.org/mainos'),
], ids=['en', 'fi'])
def test_the_marks_are_in_the_campaigns_language(legal, name, layout,
                                                  tryckort, label):
    text = _text(_pdf(legal, name, layout, 'print'))
    assert tryckort in text
    assert label in text
    assert label in _text(_pdf(legal, name, layout, 'screen'))


def test_the_arabic_marks_are_in_arabic(legal):
    """Right to left: poppler reorders the mixed lines, so the words are
    looked for one by one (each exactly as the label has it)."""
    text = _text(_pdf(legal, 'trygghet-vasteras-ar', 'trifold-dl', 'print'))
    for word in ('إعلان', 'سياسي', 'الجهة', 'الراعية', 'إشعار', 'الشفافية',
                 'example.org/political-ad-ar', 'طباعة', 'Printfabriken،',
                 f'Västerås {YEAR}'):
        assert word in text, word
    assert 'Politisk annons' not in text and 'Tryck:' not in text
    assert 'https://example.org/political-ad-ar' in _uris(
        _pdf(legal, 'trygghet-vasteras-ar', 'trifold-dl', 'screen'))


def test_a_campaign_that_is_no_political_ad_has_no_label(legal):
    pdf = _pdf(legal, 'solrosen-varstamma', 'poster-a3', 'print')
    text = _text(pdf)
    assert f'Tryck: Printfabriken, Västerås {YEAR}' in text
    assert 'Politisk annons' not in text
    screen = _text(_pdf(legal, 'solrosen-varstamma', 'poster-a3', 'screen'))
    assert 'Politisk annons' not in screen and 'Tryck:' not in screen


def test_the_manifest_lists_the_marks_and_the_preflight_command_checks_them(
        legal, capsys):
    manifest = json.loads((legal / 'output' / 'manifest.json').read_text())
    marks = {entry['path']: entry['marks'] for entry in manifest['outputs']}
    assert marks['output/trygghet-vasteras-poster-a3.pdf'] == [
        ['imprint', 'Ansvarig utgivare: [namn saknas], Liberalerna Västerås'],
        ['tryckort', SV_TRYCK], ['political-ad label', SV_LABEL]]
    assert marks['output/trygghet-vasteras-poster-a3-screen.pdf'] == [
        ['imprint', 'Ansvarig utgivare: [namn saknas], Liberalerna Västerås'],
        ['political-ad label', SV_LABEL]]
    # A manifest that promises a mark the PDF does not carry: the
    # preflight command (which reads the marks from the manifest) says so.
    path = legal / 'output' / 'manifest.json'
    original = path.read_text('utf-8')
    try:
        for entry in manifest['outputs']:
            if entry['path'] == 'output/trygghet-vasteras-poster-a3.pdf':
                entry['marks'][1][1] = 'Tryck: Annat tryckeri, Eskilstuna 2031'
        path.write_text(json.dumps(manifest), 'utf-8')
        code, _, err = run(legal, 'preflight',
                           'output/trygghet-vasteras-poster-a3.pdf',
                           capsys=capsys)
    finally:
        path.write_text(original, 'utf-8')
    assert code == 1
    assert ('legal-marks: the tryckort "Tryck: Annat tryckeri, Eskilstuna '
            '2031" is not on any page') in err


# --- the content file ---------------------------------------------------------

BASE = ('language: sv\nurl: https://www.liberalerna.se/vasteras/trygghet\n'
        'title: Trygghet i Västerås\n'
        'imprint: "Ansvarig utgivare: Anna Andersson"\n')
FIELD = 'content/x.yaml:{}: political_ad'
SCHEMA_CASES = {
    'no notice': ('political_ad:\n  sponsor: Liberalerna Västerås\n', [
        '6:3: political_ad.transparency_notice: this required field is '
        'missing; add "transparency_notice:" (a web address starting with '
        'https://)']),
    'no sponsor': ('political_ad:\n  transparency_notice: '
                   'https://www.liberalerna.se/annons\n', [
        '6:3: political_ad.sponsor: this required field is missing; add '
        '"sponsor:" (text)']),
    'empty': ('political_ad:\n', [
        '5:14: political_ad: expected a group of fields (indented "name: '
        'value" lines), found nothing']),
    'not a group': ('political_ad: yes\n', [
        '5:15: political_ad: expected a group of fields (indented "name: '
        'value" lines), found "yes"']),
    'empty sponsor': ('political_ad:\n  sponsor: ""\n  transparency_notice: '
                      'https://www.liberalerna.se/a\n', [
        '6:12: political_ad.sponsor: expected text, found ""']),
    'http': ('political_ad:\n  sponsor: X\n  transparency_notice: '
             'http://www.liberalerna.se/a\n', [
        '7:24: political_ad.transparency_notice: "http://www.liberalerna.se/a"'
        ' starts with http://; printed addresses must be secure: write '
        'https:// (and check that the site answers on it)']),
    'no scheme': ('political_ad:\n  sponsor: X\n  transparency_notice: '
                  'liberalerna.se/a\n', [
        '7:24: political_ad.transparency_notice: expected a web address '
        'starting with https://, found "liberalerna.se/a"']),
    'hash': ('political_ad:\n  sponsor: X\n  transparency_notice: "#"\n', [
        '7:24: political_ad.transparency_notice: "#" is no address: the '
        'label must say where the transparency notice is; give its https:// '
        'address (a placeholder such as https://example.org/… makes a '
        'draft)']),
    'misspelt': ('political_ad:\n  sponser: X\n  transparency_notice: '
                 'https://www.liberalerna.se/a\n', [
        '6:3: political_ad.sponser: unknown field; did you mean "sponsor"?',
        '6:3: political_ad.sponsor: this required field is missing; add '
        '"sponsor:" (text)']),
    'placeholder in a final file': (
        'political_ad:\n  sponsor: X\n  transparency_notice: '
        'https://example.org/a\n', [
            '7:24: political_ad.transparency_notice: "https://example.org/a" '
            'is a placeholder address, but the file says "status: final"; '
            'fill it in, or set "status: draft" to build a proof marked '
            'DRAFT']),
}


@pytest.mark.parametrize('case', list(SCHEMA_CASES))
def test_political_ad_in_the_content_file(tmp_path, case):
    from flyers.content import load_campaign
    from flyers.errors import ContentError

    text, expected = SCHEMA_CASES[case]
    path = tmp_path / 'x.yaml'
    path.write_text(BASE + text, 'utf-8')
    with pytest.raises(ContentError) as caught:
        load_campaign(path, 'content/x.yaml')
    assert [str(p) for p in caught.value.problems] == [
        f'content/x.yaml:{line}' for line in expected]


def test_a_political_ad_is_read(tmp_path):
    from flyers.content import PoliticalAd, load_campaign

    path = tmp_path / 'x.yaml'
    path.write_text(BASE + 'political_ad:\n  sponsor: Liberalerna  Västerås\n'
                    '  transparency_notice: https://www.liberalerna.se/a\n',
                    'utf-8')
    assert load_campaign(path, 'content/x.yaml').political_ad == PoliticalAd(
        'Liberalerna Västerås', 'https://www.liberalerna.se/a')


def test_a_translation_must_be_political_advertising_as_its_source(tmp_path):
    """The translation keeps the parts of its source: without political_ad
    it is an error naming the field; with one, its notice may differ."""
    from flyers import translations
    from flyers.content import load_campaign

    project = copy_project(tmp_path / 'project', translations=True)
    path = project / 'content' / 'trygghet-vasteras-en.yaml'
    text = path.read_text('utf-8')
    block = ('political_ad:\n  sponsor: Liberalerna Västerås\n'
             '  transparency_notice: https://example.org/political-ad\n')
    assert block in text
    path.write_text(text.replace(block, ''), 'utf-8')
    campaign = load_campaign(path, 'content/trygghet-vasteras-en.yaml')
    # Where its source's political_ad begins: the line after its name.
    source_line = (project / 'content' / 'trygghet-vasteras.yaml').read_text(
        'utf-8').splitlines().index('political_ad:') + 2
    assert [str(p) for p in translations.problems(project, campaign)] == [
        'content/trygghet-vasteras-en.yaml:1:1: political_ad: missing; its '
        f'source content/trygghet-vasteras.yaml:{source_line} has one: '
        'translate it']


# --- the print shop's printer --------------------------------------------------

def _without_printer(project: Path) -> None:
    shop = project / 'printshops' / 'default.yaml'
    lines = shop.read_text('utf-8').splitlines(keepends=True)
    shop.write_text(''.join(l for l in lines if not l.startswith('printer:')),
                    'utf-8')


def test_a_print_build_refuses_a_print_shop_without_printer(tmp_path, capsys):
    project = copy_project(tmp_path / 'project')
    _without_printer(project)
    code, _, err = run(project, 'build', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        'error: printshops/default.yaml:1:1: printer: names no printer, and '
        'every print edition must say who printed it, where and in which '
        'year (tryckfrihetsförordningen 4 kap. 3 §); add "printer: {name: '
        'NAME, town: TOWN}" with the print shop\'s name and town (the year '
        'comes from the build\'s date)')
    assert not (project / 'output').exists()
    # The screen edition prints no tryckort: it builds.
    code, _, err = run(project, 'build', '--layout', 'poster-a3',
                       '--edition', 'screen', capsys=capsys)
    assert code == 0, err


@pytest.mark.parametrize('printer,expected', [
    ('printer: {name: Printfabriken}\n',
     '14:10: printer.town: this required field is missing; add "town:" '
     '(text)'),
    ('printer: Printfabriken\n',
     '14:10: printer: expected the printer\'s name and town, e.g. {name: '
     'Printfabriken, town: Västerås}, found "Printfabriken"'),
])
def test_a_printer_needs_its_name_and_town(tmp_path, printer, expected):
    from flyers.errors import LayoutError
    from flyers.printshop import load_printshop

    project = copy_project(tmp_path / 'project', content=False)
    _without_printer(project)
    shop = project / 'printshops' / 'default.yaml'
    _add_line(shop, printer)
    with pytest.raises(LayoutError) as caught:
        load_printshop(project, 'default')
    assert [str(p) for p in caught.value.problems] == [
        f'printshops/default.yaml:{expected}']


# --- the preflight ------------------------------------------------------------

# A layout's stylesheet that hides a mark or moves it into the margin (5
# mm, printshops/default.yaml): the build fails and says which mark.
OVERRIDES = {
    'imprint hidden': (
        '.poster .small-print .imprint { display: none; }',
        'preflight legal-marks: the imprint "Ansvarig utgivare: [namn '
        'saknas], Liberalerna Västerås" is not on any page'),
    'tryckort hidden': (
        '.poster .small-print .printed-by { display: none; }',
        f'preflight legal-marks: the tryckort "{SV_TRYCK}" is not on any '
        'page; every output must carry it'),
    'label invisible': (
        '.political-ad { visibility: hidden; }',
        f'preflight legal-marks: the political-ad label "{SV_LABEL[:59]}…" '
        'is not on any page'),
    'label too small': (
        '.political-ad { --political-ad-size: 6.5pt; }',
        f'(political_ad): the political-ad label "{SV_LABEL[:59]}…" is set '
        'in 6.5 pt; it must be clear and salient: at least 7 pt'),
    # Moved as it is drawn (the layout's boxes stay where they were): the
    # preflight finds it on the page.
    'tryckort in the margin': (
        '.poster .small-print { transform: translateY(15mm); }',
        f'the tryckort "{SV_TRYCK}" is 3.'),
}


@pytest.mark.parametrize('case', list(OVERRIDES))
def test_the_preflight_refuses_a_mark_hidden_or_in_the_margin(
        tmp_path, capsys, monkeypatch, case):
    monkeypatch.setenv('SOURCE_DATE_EPOCH', EPOCH)
    css, expected = OVERRIDES[case]
    project = copy_project(tmp_path / 'project')
    _add_line(project / 'layouts' / 'poster-a3' / 'style.css', css + '\n')
    code, _, err = run(project, 'build', '--layout', 'poster-a3',
                       '--edition', 'print', capsys=capsys)
    assert code == 1
    assert expected in err, err
    assert not (project / 'output' / 'trygghet-vasteras-poster-a3.pdf'
                ).exists()


def test_the_preflight_command_finds_the_marks_in_a_wider_safe_zone(
        legal, capsys):
    """A print shop that asks for a 20 mm safe zone: the poster's small
    print, about 18 mm from the trim, lies in it; the preflight names
    each mark there (and the safe-zone check, all text there)."""
    shop = legal / 'printshops' / 'default.yaml'
    original = shop.read_text('utf-8')
    try:
        shop.write_text(original.replace('safe_mm: 5', 'safe_mm: 20'),
                        'utf-8')
        code, _, err = run(legal, 'preflight',
                           'output/trygghet-vasteras-poster-a3.pdf',
                           capsys=capsys)
    finally:
        shop.write_text(original, 'utf-8')
    assert code == 1
    found = re.findall(r'error: legal-marks: page 1 at [0-9.]+ mm, '
                       r'[0-9.]+ mm: the (.+?) "', err)
    assert found == ['imprint', 'tryckort', 'political-ad label'], err
    assert re.search(f'the tryckort "{SV_TRYCK}" is 1[0-9].[0-9] mm from the '
                     '(left|bottom) trim edge, inside the 20 mm safe zone, '
                     'where trimming may cut it; move it inward in the '
                     'layout\'s CSS', err), err
    assert 'error: safe-zone:' in err
