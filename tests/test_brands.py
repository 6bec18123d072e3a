"""Brands: one per organisation (brands/NAME/brand.yaml), chosen by the
content's ``brand:``; colours given once in CMYK, screen colours derived
or checked (ΔE2000), WCAG contrast, K-only text, fonts per brand, and the
new-brand scaffold.  Two campaigns of two brands are built once, side by
side, and read back from their PDFs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, pdf_fonts, run
from flyers.colourmath import contrast_ratio, delta_e_2000, from_hex, lab

SEED = 'trygghet-vasteras'
SECOND = 'solrosen-varstamma'
# The brands' primary colours: declared CMYK (percent), and on screen the
# pinned sRGB of the default brand and the one derived for solrosen
# through assets/color/FOGRA39-flyers.icc.
PRIMARY = {SEED: ((100, 70, 0, 40), '#0b3b73'),
           SECOND: ((85, 20, 90, 45), '#20653a')}


# --- CIEDE2000 against Sharma, Wu and Dalal (2005), table 1 -----------------

SHARMA = [  # L1 a1 b1, L2 a2 b2, ΔE00
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    ((50.0000, -1.3802, -84.2814), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -1.1848, -84.8006), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -0.9009, -85.5211), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, -1.0000, 2.0000), (50.0000, 0.0000, 0.0000), 2.3669),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0010), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0012), 7.2195),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0009, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0010, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0011, -2.4900), 4.7461),
    ((50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    ((50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    ((50.0000, 2.5000, 0.0000), (58.0000, 24.0000, 15.0000), 19.4535),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.1736, 0.5854), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2972, 0.0000), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 1.8634, 0.5757), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2592, 0.3350), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((61.2901, 3.7196, -5.3901), (61.4292, 2.2480, -4.9620), 1.8731),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((36.4612, 47.8580, 18.3852), (36.2715, 50.5065, 21.2231), 1.4146),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize('first, second, expected', SHARMA)
def test_ciede2000_matches_the_published_reference_pairs(first, second,
                                                         expected):
    assert delta_e_2000(first, second) == pytest.approx(expected, abs=5e-5)
    assert delta_e_2000(second, first) == pytest.approx(expected, abs=5e-5)


def test_wcag_contrast_and_lab_of_known_colours():
    assert contrast_ratio(from_hex('#000000'), from_hex('#ffffff')) == \
        pytest.approx(21)
    assert contrast_ratio(from_hex('#777777'), from_hex('#ffffff')) == \
        pytest.approx(4.48, abs=0.01)  # the classic just-failing grey
    assert lab(from_hex('#ffffff')) == pytest.approx((100, 0, 0), abs=0.01)


# --- two brands side by side -----------------------------------------------

@pytest.fixture(scope='module')
def two_brands(tmp_path_factory):
    """The seed (default brand) and the second campaign (solrosen), as
    leaflets, both editions, in one project and one build."""
    project = copy_project(tmp_path_factory.mktemp('brands') / 'project',
                           every_campaign=True)
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build', '--layout', 'leaflet-a5'],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return project


def _print_colours(pdf: Path) -> Counter:
    """CMYK fill and stroke colours (percent) set on page 1, by pikepdf."""
    import pikepdf

    found: Counter = Counter()
    with pikepdf.open(pdf) as document:
        for operands, operator in pikepdf.parse_content_stream(
                document.pages[0]):
            if str(operator) in ('k', 'K', 'sc', 'scn', 'SC', 'SCN') \
                    and len(operands) == 4:
                found[tuple(round(float(v) * 100) for v in operands)] += 1
    return found


def _top_band_colour(pdf: Path) -> str:
    """The commonest colour of the top fifth of page 1, rendered by PDFium
    (the hero band)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[0].render(scale=50 / 72).to_pil().convert('RGB')
    finally:
        document.close()
    band = image.crop((0, 0, image.width, image.height // 5))
    _, colour = max(band.getcolors(band.width * band.height))
    return '#' + ''.join(f'{v:02x}' for v in colour)


@pytest.mark.parametrize('campaign', [SEED, SECOND])
def test_each_campaign_prints_in_its_own_brands_cmyk(two_brands, campaign):
    colours = _print_colours(two_brands / 'output' / f'{campaign}-leaflet-a5.pdf')
    own, = [cmyk for name, (cmyk, _) in PRIMARY.items() if name == campaign]
    other, = [cmyk for name, (cmyk, _) in PRIMARY.items() if name != campaign]
    assert colours[own] >= 2  # the hero band, the QR band's neighbours …
    assert colours[other] == 0


@pytest.mark.parametrize('campaign', [SEED, SECOND])
def test_each_screen_edition_shows_its_brands_screen_colour(two_brands,
                                                            campaign):
    pdf = two_brands / 'output' / f'{campaign}-leaflet-a5-screen.pdf'
    shown = _top_band_colour(pdf)
    expected = PRIMARY[campaign][1]
    assert max(abs(a - b) for a, b in zip(from_hex(shown),
                                          from_hex(expected))) <= 1, shown


@pytest.mark.parametrize('campaign, family', [(SEED, 'default'),
                                              (SECOND, 'solrosen')])
def test_each_campaign_is_set_in_its_brands_fonts(two_brands, campaign,
                                                  family):
    names = {font['name'].split('+')[1] for font in pdf_fonts(
        two_brands / 'output' / f'{campaign}-leaflet-a5.pdf')}
    assert names and all(re.fullmatch(rf'Brand-(Text|Display)-{family}'
                                      r'(-[A-Za-z-]+)?', n) for n in names), \
        names


def test_a_brand_change_rebuilds_only_that_brands_outputs(project, capsys):
    shutil.copy(ROOT / 'content' / f'{SECOND}.yaml', project / 'content')
    args = ('build', '--layout', 'poster-a3', '--edition', 'screen')
    assert run(project, *args, capsys=capsys)[0] == 0
    brand = project / 'brands' / 'solrosen' / 'brand.yaml'
    brand.write_text(brand.read_text('utf-8').replace(
        'accent: C0 M15 Y95 K0', 'accent: C0 M10 Y95 K0'), 'utf-8')
    code, out, err = run(project, *args, capsys=capsys)
    assert code == 0, err
    assert re.search(rf'^built\s+output/{SECOND}-poster-a3-screen\.pdf', out,
                     re.M), out
    assert re.search(rf'^cached\s+output/{SEED}-poster-a3-screen\.pdf', out,
                     re.M), out


# --- refusals: colours -------------------------------------------------------

def _check(project: Path, capsys) -> tuple[int, list[str]]:
    """``check`` of the seed's poster (screen): brands are checked before
    anything is laid out."""
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       '--edition', 'screen', capsys=capsys)
    assert 'Traceback' not in err
    assert not (project / 'output').exists()
    return code, [line for line in err.splitlines()
                  if line.startswith('error:')]


def _edit_brand(project: Path, old: str, new: str, name='default') -> Path:
    path = project / 'brands' / name / 'brand.yaml'
    text = path.read_text('utf-8')
    assert old in text
    path.write_text(text.replace(old, new), 'utf-8')
    return path


def _line_of(path: Path, text: str) -> int:
    return path.read_text('utf-8').splitlines().index(text) + 1


def test_a_screen_colour_that_drifts_from_print_is_refused(project, capsys):
    path = _edit_brand(project, 'screen: "#0b3b73"', 'screen: "#0b3b93"')
    code, errors = _check(project, capsys)
    assert code == 1
    line = _line_of(path, '    print: C100 M70 Y0 K40')
    assert len(errors) == 1
    assert re.fullmatch(
        rf'error: brands/default/brand\.yaml:{line}:5: colours\.primary: the '
        r'screen colour #0b3b93 is ΔE (\d+\.\d) from the print colour C100 '
        r'M70 Y0 K40 \(at most 3\); through assets/color/FOGRA39-flyers\.icc '
        r'the print colour looks like #133f74: use that, or leave "screen:" '
        r'out to have it derived', errors[0]), errors
    shown = float(re.search(r'ΔE (\d+\.\d)', errors[0])[1])
    assert shown == pytest.approx(delta_e_2000(lab(from_hex('#0b3b93')),
                                               lab(from_hex('#133f74'))),
                                  abs=0.05)
    assert shown > 3


def test_a_screen_colour_within_three_is_kept(project, capsys):
    _edit_brand(project, 'screen: "#0b3b73"', 'screen: "#0d3c75"')
    assert _check(project, capsys) == (0, [])


@pytest.mark.parametrize('old, new, pair', [
    ('muted: C0 M0 Y0 K70 ', 'muted: C0 M0 Y0 K45 ',
     r'muted \(#[0-9a-f]{6}\) on paper \(#ffffff\), used for secondary text'),
    ('on-primary-muted: C20 M8 Y0 K0 ', 'on-primary-muted: C90 M60 Y0 K30 ',
     r'on-primary-muted \(#[0-9a-f]{6}\) on primary \(#0b3b73\), used for '
     r'small print on the bands'),
    ('tint: C8 M3 Y0 K0 ', 'tint: C60 M30 Y0 K10 ',
     r'primary \(#0b3b73\) on tint \(#[0-9a-f]{6}\), used for proposal '
     r'titles and FAQ questions'),
])
def test_a_pair_below_wcag_aa_is_refused_by_name(project, capsys, old, new,
                                                 pair):
    _edit_brand(project, old, new)
    code, errors = _check(project, capsys)
    assert code == 1
    assert any(re.search(
        pair + r', has a contrast of (\d\.\d\d):1 on screen, below the '
        r'4\.5:1 WCAG 2\.1 AA asks for; make one of them darker or lighter',
        line) for line in errors), errors
    assert all(re.match(r'error: brands/default/brand\.yaml:\d+:\d+: '
                        r'colours\.', line) for line in errors), errors


@pytest.mark.parametrize('token', ['ink', 'muted'])
def test_body_text_must_print_in_black_ink_only(project, capsys, token):
    old = {'ink': 'ink: C0 M0 Y0 K100 ', 'muted': 'muted: C0 M0 Y0 K70 '}
    _edit_brand(project, old[token], old[token].replace('C0 M0', 'C30 M20'))
    code, errors = _check(project, capsys)
    assert code == 1
    assert any(f'colours.{token}: C30 M20 Y0 K' in line and 'text colours '
               'print in black ink only (C0 M0 Y0)' in line
               for line in errors), errors


@pytest.mark.parametrize('old, new, message', [
    ('  paper: C0 M0 Y0 K0\n', '', r'colours\.paper: this required field is '
     r'missing; add "paper:"'),
    ('primary-deep: C100 M70 Y0 K60', 'primary-deep: C100 M70 Y0 K160',
     r'colours\.primary-deep: "C100 M70 Y0 K160": each ink is 0 to 100 %'),
    ('draft: C0 M35 Y30 K0', 'draft: "#ff0000"',
     r'colours\.draft: expected a CMYK colour in percent such as "C100 M70 '
     r'Y0 K40", or "print:" and "screen:" lines, found "#ff0000"'),
    ('  rule: C20', '  rules: C20', r'colours\.rules: unknown field; did '
     r'you mean "rule"\?'),
])
def test_a_malformed_colour_is_named(project, capsys, old, new, message):
    _edit_brand(project, old, new)
    code, errors = _check(project, capsys)
    assert code == 1
    assert any(re.match(r'error: brands/default/brand\.yaml:\d+:\d+: '
                        + message, line) for line in errors), errors


# --- refusals: files ---------------------------------------------------------

@pytest.mark.parametrize('remove, field', [
    ('fonts/OFL.txt', 'fonts.licence'),
    ('fonts/Inter-Bold.otf', 'fonts.text[3].file'),
    ('fonts/InterDisplay-ExtraBold.otf', 'fonts.display[1].file'),
    ('logo-cmyk.svg', 'logos.print'),
    ('logo.svg', 'logos.screen'),
])
def test_a_missing_font_licence_or_logo_is_named(project, capsys, remove,
                                                 field):
    (project / 'brands' / 'default' / remove).unlink()
    code, errors = _check(project, capsys)
    assert code == 1
    assert len(errors) == 1
    assert re.fullmatch(
        rf'error: brands/default/brand\.yaml:\d+:\d+: {re.escape(field)}: '
        rf'"{re.escape(remove)}" is not a file in brands/default/; put it '
        r'there or correct the name', errors[0]), errors


def test_a_font_entry_that_is_not_a_font_is_refused(project, capsys):
    _edit_brand(project, 'fonts/InterDisplay-Bold.otf', 'fonts/OFL.txt')
    code, errors = _check(project, capsys)
    assert code == 1
    assert any('fonts.display[0].file: "fonts/OFL.txt" is not a .otf or .ttf '
               'file' in line for line in errors), errors


@pytest.mark.parametrize('link', ['fonts/Inter-Regular.otf', 'logo.svg',
                                  'brand.yaml'])
def test_a_link_leading_out_of_the_project_is_refused(project, tmp_path,
                                                      capsys, link):
    outside = tmp_path / 'outside'
    outside.mkdir()
    target = project / 'brands' / 'default' / link
    shutil.copy(target, outside / target.name)
    target.unlink()
    target.symlink_to(outside / target.name)
    code, errors = _check(project, capsys)
    assert code == 1
    assert errors == [
        f'error: brands/default/{link}: this file is a symbolic link (or '
        'lies in one) that leads outside the project\'s content/, layouts/, '
        'brands/, assets/, printshops/; the builder reads nothing else. '
        'Replace the link by a copy of the file']


def test_a_brand_folder_that_is_a_link_out_is_refused(project, tmp_path,
                                                      capsys):
    shutil.move(project / 'brands' / 'default', tmp_path / 'default')
    (project / 'brands' / 'default').symlink_to(tmp_path / 'default')
    code, errors = _check(project, capsys)
    assert code == 1
    assert errors[0].startswith('error: brands/default: this folder is a '
                                'symbolic link')


def test_a_brand_name_with_a_control_character_is_refused(project, capsys):
    shutil.copytree(project / 'brands' / 'default',
                    project / 'brands' / 'evil\x1b[31m')
    code, errors = _check(project, capsys)
    assert code == 1
    assert errors == [
        'error: brands/evil\\x1b[31m: the file name contains \\x1b (a '
        'control character or bytes that are not UTF-8), which a file name '
        'here must not; rename it with letters, digits and "-"']


# --- the content names its brand ----------------------------------------------

def _campaign(project: Path, name: str, brand: str | None,
              extra: str = '') -> Path:
    text = (ROOT / 'content' / f'{SEED}.yaml').read_text('utf-8')
    text = text.replace('language: sv\n', 'language: sv\n'
                        + (f'brand: {brand}\n' if brand else ''))
    text = text.replace('title: Trygghet i Västerås',
                        f'title: Trygghet i Västerås{extra}')
    path = project / 'content' / f'{name}.yaml'
    path.write_text(text, 'utf-8')
    return path


def test_an_unknown_brand_is_named_with_the_brands_there_are(project,
                                                             capsys):
    path = _campaign(project, SEED, 'solrosn')
    code, errors = _check(project, capsys)
    assert code == 1
    line = _line_of(path, 'brand: solrosn')
    assert errors == [
        f'error: content/{SEED}.yaml:{line}:8: brand: there is no brand '
        'called "solrosn" (no brands/solrosn/brand.yaml); did you mean '
        '"solrosen"? brands: default, solrosen']


def test_a_character_only_one_brands_fonts_lack_is_refused_only_there(
        project, capsys):
    # ✓ (U+2713) is in Inter (default) but not in Lato (solrosen); ⅔
    # (U+2154) the other way round.
    _campaign(project, 'with-default', None, ' ✓ ⅔')
    _campaign(project, 'with-inter', 'default', ' ✓')
    _campaign(project, 'with-lato', 'solrosen', ' ✓ ⅔')
    (project / 'content' / f'{SEED}.yaml').unlink()
    code, errors = _check(project, capsys)
    assert code == 1
    assert errors == [
        'error: content/with-default.yaml:19:8: title: the fonts of the brand '
        '"default" have no "⅔" (U+2154); the PDF would fall back to a font of '
        'this machine. Replace or remove it',
        'error: content/with-lato.yaml:20:8: title: the fonts of the brand '
        '"solrosen" have no "✓" (U+2713); the PDF would fall back to a font '
        'of this machine. Replace or remove it']


def test_a_campaign_without_brand_uses_the_default_brand(project):
    from flyers.catalogue import load_everything

    _campaign(project, 'second', 'solrosen')
    jobs = load_everything(project, [], ['poster-a3'], 'default', ('screen',))
    brands = {job.campaign.name: job.brand.folder_name for job in jobs}
    assert brands == {SEED: 'default', 'second': 'solrosen'}
    css = {job.campaign.name: job.brand.css() for job in jobs}
    assert '--brand-primary: device-cmyk(1 0.7 0 0.4);' in css[SEED]
    assert '--brand-primary: device-cmyk(0.85 0.2 0.9 0.45);' in css['second']
    assert '--brand-primary: #20653a;' in css['second']
    assert 'url(../../brands/solrosen/fonts/Lato-Regular.ttf)' in css['second']


# --- new-brand ----------------------------------------------------------------

def test_new_brand_copies_a_brand_that_builds(project, capsys):
    code, out, err = run(project, 'new-brand', 'gron-vag', capsys=capsys)
    assert code == 0, err
    assert out == ('made brands/gron-vag/ from brands/default/; change its '
                   'brand.yaml, then name it in a content file with "brand: '
                   'gron-vag"\n')
    made = project / 'brands' / 'gron-vag'
    assert sorted(p.relative_to(made).as_posix() for p in made.rglob('*')) \
        == sorted(p.relative_to(ROOT / 'brands' / 'default').as_posix()
                  for p in (ROOT / 'brands' / 'default').rglob('*'))
    assert (made / 'brand.yaml').read_text('utf-8').startswith(
        '# Made from brands/default with "make_flyers.py new-brand '
        'gron-vag".\n')
    _campaign(project, SEED, 'gron-vag')
    assert _check(project, capsys) == (0, [])


def test_new_brand_copies_links_as_links(project, capsys):
    fonts = project / 'brands' / 'solrosen' / 'fonts'
    shutil.rmtree(fonts)
    fonts.symlink_to('../default/fonts')
    _edit_brand(project, 'fonts/Lato-', 'fonts/Inter-', 'solrosen')
    brand = project / 'brands' / 'solrosen' / 'brand.yaml'
    text = brand.read_text('utf-8')
    for old, new in (('Inter-Black.ttf', 'InterDisplay-ExtraBold.otf'),
                     ('Inter-Regular.ttf', 'Inter-Regular.otf'),
                     ('Inter-Italic.ttf', 'Inter-Italic.otf'),
                     ('Inter-Bold.ttf', 'Inter-Bold.otf'),
                     ('Inter-BoldItalic.ttf', 'Inter-BoldItalic.otf')):
        text = text.replace(old, new)
    brand.write_text(text, 'utf-8')
    code, _, err = run(project, 'new-brand', 'copy', '--from', 'solrosen',
                       capsys=capsys)
    assert code == 0, err
    copied = project / 'brands' / 'copy' / 'fonts'
    assert copied.is_symlink() and str(copied.readlink()) == '../default/fonts'


@pytest.mark.parametrize('args, code, message', [
    (('new-brand', 'Bad_Name'), 2, 'error: NAME: "Bad_Name" is not a brand '
     'name; use lower-case letters, digits and "-"'),
    (('new-brand', '../x'), 2, 'error: NAME: "../x" is not a brand name'),
    (('new-brand', 'solrosen'), 2, 'error: brands/solrosen: exists already; '
     'choose another name'),
    (('new-brand', 'x', '--from', 'defualt'), 2, 'error: --from: there is no '
     'brand called "defualt" (no brands/defualt/brand.yaml); did you mean '
     '"default"? brands: default, solrosen'),
])
def test_new_brand_refusals(project, capsys, args, code, message):
    before = sorted(p.name for p in (project / 'brands').iterdir())
    got, _, err = run(project, *args, capsys=capsys)
    assert got == code
    assert message in err
    assert sorted(p.name for p in (project / 'brands').iterdir()) == before


def test_new_brand_refuses_a_source_with_a_link_out(project, tmp_path,
                                                    capsys):
    logo = project / 'brands' / 'default' / 'logo.svg'
    shutil.copy(logo, tmp_path / 'logo.svg')
    logo.unlink()
    logo.symlink_to(tmp_path / 'logo.svg')
    code, _, err = run(project, 'new-brand', 'x', capsys=capsys)
    assert code == 1
    assert ('error: brands/default/logo.svg: this file is a symbolic link (or '
            'lies in one) that leads outside the project') in err
    assert not (project / 'brands' / 'x').exists()


# --- the shipped brands ---------------------------------------------------------

def test_the_shipped_brands_load_and_declare_their_fonts_licence():
    from flyers.brands import brand_names, load_brand

    assert brand_names(ROOT) == ['default', 'solrosen']
    for name in brand_names(ROOT):
        brand = load_brand(ROOT, name)
        licence = ROOT / brand.path / brand.fonts.licence
        assert 'SIL Open Font License' in licence.read_text('utf-8') or \
            'OFL' in licence.read_text('utf-8')
        assert all(path.is_file() for path in brand.font_files(ROOT))
