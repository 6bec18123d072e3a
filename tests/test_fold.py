"""The tri-fold folds as a roll fold does (issue 12, section 4): the flap
(the panel that folds in) is 2-3 mm narrower than the other two; each side
of the sheet has its own folds (the outside is the mirror of the inside),
in layout.yaml, the manifest, the proofs and the preflight; backgrounds
that change at a fold run the bleed past it.

One build of the tri-fold (both example campaigns, both editions) is
shared by the module; PDFs are read with pikepdf and PDFium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, copy_project, run

MM = 72 / 25.4  # points per mm
SAFE_MM = 5  # printshops/default.yaml
WIDTH_MM = 297
LAYOUT = ROOT / 'layouts' / 'trifold-dl' / 'layout.yaml'
# The folds of a roll-folded A4 (outside, inside): panels of 97 (the flap),
# 100 and 100 mm outside, the mirror inside.
ROLL_FOLD = [[97, 197], [100, 200]]


def layout_folds() -> list[list[float]]:
    """The folds of each page as layout.yaml writes them (PyYAML)."""
    folds = yaml.safe_load(LAYOUT.read_text('utf-8'))['page']['folds_mm']
    return folds if isinstance(folds[0], list) else [folds, folds]


@pytest.fixture(scope='module')
def trifold(tmp_path_factory):
    import subprocess
    import sys

    project = copy_project(tmp_path_factory.mktemp('fold') / 'project',
                           every_campaign=True)
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build', '--layout', 'trifold-dl'],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((project / 'output' / 'manifest.json').read_text())
    assert len(manifest['outputs']) == 4
    return project, manifest


def _boxes(pdf: Path, index: int):
    """The page's TrimBox and MediaBox (pikepdf), in pt."""
    import pikepdf

    with pikepdf.open(pdf) as document:
        page = document.pages[index]
        media = [float(v) for v in page.MediaBox]
        trim = [float(v) for v in page.obj.get('/TrimBox', page.MediaBox)]
    return trim, media


def _characters(pdf: Path, index: int):
    """(left, right, character) of every visible character of a page, in
    mm from the trim's left edge (PDFium)."""
    import pypdfium2

    trim, _ = _boxes(pdf, index)
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        text = document[index].get_textpage()
        found = []
        for i in range(text.count_chars()):
            character = text.get_text_range(i, 1)
            if character.strip():
                left, _, right, _ = text.get_charbox(i)
                found.append(((left - trim[0]) / MM, (right - trim[0]) / MM,
                              character))
        return found
    finally:
        document.close()


# --- (1) the panels: text between its page's folds, the flap narrower ------

def test_the_flap_is_2_to_3_mm_narrower_on_both_sides():
    outside, inside = layout_folds()
    # Outside, left to right: flap | back | cover; inside the mirror:
    # inside-1 | inside-2 | inside-3 (the back of the flap).
    assert [WIDTH_MM - f for f in reversed(outside)] == inside
    for folds, flap in ((outside, 0), (inside, 2)):
        edges = [0, *folds, WIDTH_MM]
        widths = [b - a for a, b in zip(edges, edges[1:])]
        others = [w for i, w in enumerate(widths) if i != flap]
        assert others[0] == others[1]
        assert 2 <= others[0] - widths[flap] <= 3, widths


@pytest.mark.parametrize('content', ['trygghet-vasteras', 'solrosen-varstamma'])
@pytest.mark.parametrize('edition', ['print', 'screen'])
def test_each_pages_text_lies_between_its_folds(trifold, content, edition):
    project, _ = trifold
    suffix = '' if edition == 'print' else '-screen'
    pdf = project / 'output' / f'{content}-trifold-dl{suffix}.pdf'
    for index, folds in enumerate(ROLL_FOLD):
        edges = [0, *folds, WIDTH_MM]
        panels = list(zip(edges, edges[1:]))
        starts = {}
        for left, right, character in _characters(pdf, index):
            inside = [i for i, (a, b) in enumerate(panels)
                      if a + SAFE_MM <= left and right <= b - SAFE_MM]
            assert inside, (index + 1, character, round(left, 1),
                            round(right, 1), folds)
            starts[inside[0]] = min(left, starts.get(inside[0], WIDTH_MM))
        assert set(starts) == {0, 1, 2}, (index + 1, starts)
        # Each gutter centred on its fold: the text right of a fold starts
        # half the 20 mm gutter after it (the feature panel's 1.2 mm more,
        # for its accent rule).
        for panel, fold in ((1, folds[0]), (2, folds[1])):
            assert 9.5 <= starts[panel] - fold <= 11.5, (index + 1, panel,
                                                         starts[panel])


# --- (2) the manifest ----------------------------------------------------

def test_the_manifest_gives_each_pages_folds(trifold):
    _, manifest = trifold
    for entry in manifest['outputs']:
        assert entry['folds_mm'] == ROLL_FOLD
        assert entry['folds_mm'] == layout_folds()


# --- (3) the proofs ------------------------------------------------------

def test_the_proofs_draw_each_pages_folds_where_they_are(trifold):
    from PIL import Image

    from flyers.proofs import FOLD_COLOUR

    project, _ = trifold
    pdf = project / 'output' / 'trygghet-vasteras-trifold-dl.pdf'
    folds = layout_folds()
    for index in range(2):
        proof = Image.open(project / 'output' / 'proofs' /
                           f'trygghet-vasteras-trifold-dl-p{index + 1}.png'
                           ).convert('RGB')
        trim, media = _boxes(pdf, index)
        dpi = proof.width / ((media[2] - media[0]) / 72)

        def green_at(mm):
            x = round(((trim[0] - media[0]) + mm * MM) / 72 * dpi)
            return FOLD_COLOUR in {
                proof.getpixel((dx, y)) for dx in range(x - 1, x + 2)
                for y in range(proof.height // 4, proof.height * 3 // 4)}

        assert [green_at(f) for f in folds[index]] == [True, True], index
        # Not at the other side's folds (3 mm away).
        assert [green_at(f) for f in folds[1 - index]] == [False, False], \
            index


# --- (4) backgrounds run the bleed past their fold -------------------------

# (content, page index, the fold, the side the background is on)
FIELDS = [('trygghet-vasteras', 0, 197, 'right'),  # the navy cover
          ('solrosen-varstamma', 0, 197, 'right'),  # the green cover
          ('solrosen-varstamma', 1, 200, 'right')]  # the feature's tint


@pytest.mark.parametrize('content,index,fold,side', FIELDS,
                         ids=[f'{c}-p{i + 1}' for c, i, _, _ in FIELDS])
def test_a_background_runs_the_bleed_past_its_fold(trifold, content, index,
                                                   fold, side):
    import pypdfium2

    project, manifest = trifold
    entry = next(e for e in manifest['outputs']
                 if e['path'] == f'output/{content}-trifold-dl.pdf')
    bleed = entry['bleed_mm']
    assert bleed >= 3
    assert fold in entry['folds_mm'][index]
    pdf = project / entry['path']
    trim, media = _boxes(pdf, index)
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[index].render(scale=100 / 72).to_pil().convert('RGB')
    finally:
        document.close()

    def colour(x_mm, y_mm):
        x = ((trim[0] - media[0]) + x_mm * MM) / 72 * 100
        y = ((media[3] - trim[3]) + y_mm * MM) / 72 * 100
        return image.getpixel((round(x), round(y)))

    for y in (40, 105, 150, 195):
        # Just inside the bleed past the fold: the background, not white
        # (at 40 mm the seed's cover photo, below it the navy field).
        past = colour(fold - bleed + 0.5, y)
        assert min(past) < 235, (y, past)
        if y > 100:
            assert colour(fold + 0.5, y) == past, y
        # And no further: the neighbour's gutter stays white up to its
        # text's safe zone.
        assert colour(fold - bleed - 0.7, y) == (255, 255, 255), y
        assert colour(fold - SAFE_MM, y) == (255, 255, 255), y


# --- (5) the preflight uses each page's folds ------------------------------

def test_the_preflight_checks_each_page_against_its_own_folds(tmp_path):
    import weasyprint

    from flyers.preflight import Expectations, preflight

    # Page 1 (outside, folds 97 and 197): text from 203 mm, 6 mm from its
    # fold (but 3 mm from the inside's 200).  Page 2 (inside, folds 100 and
    # 200): text from 98 mm, across its fold (1 mm from the outside's 97).
    html = '''<style>
      @page { size: 297mm 210mm; margin: 0 }
      body { margin: 0 }
      p { position: absolute; top: 100mm; margin: 0; font: 10pt sans-serif;
          white-space: nowrap }
      section { position: relative; height: 210mm }
      section + section { break-before: page }
    </style>
    <section><p style="left: 203mm">Outside panel</p></section>
    <section><p style="left: 98mm">Across the fold</p></section>'''
    pdf = tmp_path / 'hand-made.pdf'
    pdf.write_bytes(weasyprint.HTML(string=html).write_pdf())
    expect = Expectations(edition='screen', pages=2, trim_mm=(297, 210),
                          bleed_mm=0, safe_mm=SAFE_MM, qr_urls=(),
                          qr_min_mm=20, folds_mm=((97, 197), (100, 200)))
    report = preflight(pdf, expect, shown_as=pdf.name)
    found = [str(f) for f in report.findings if f.check == 'folds']
    assert len(found) == 1, found
    assert found[0].startswith('page 2 at 98.'), found
    assert found[0].endswith(
        ': text "Across the fold" crosses the fold at 100 mm; keep every '
        'panel\'s text clear of its folds (narrow the text or widen the '
        'panel padding in the layout\'s CSS)')
    # One list for every page (a layout that writes one): the inside's
    # folds on both pages find both texts.
    report = preflight(pdf, Expectations(**{
        **expect.__dict__, 'folds_mm': (100, 200)}), shown_as=pdf.name)
    assert [f.page for f in report.findings if f.check == 'folds'] == [1, 2]


# --- layout.yaml: folds per page, and clear errors ---------------------------

FOLD_ERRORS = [
    ('[[97, 197], [100, 200], [50]]', 'page.folds_mm', 13,
     'expected 2 lists of folds (one per page, in the order of the pages), '
     'found 3; or write one list, e.g. [99, 198], for every page'),
    ('[97, [100, 200]]', 'page.folds_mm', 13,
     'found numbers and lists mixed; write one list of folds in mm for every '
     'page, e.g. [99, 198], or one list per page, e.g. [[97, 197], '
     '[100, 200]]'),
    ('[[97, 197], [100, 300]]', 'page.folds_mm[1]', 25,
     'a fold at 300 mm lies outside the page (297 mm wide); give folds in mm '
     'from the left trim edge'),
    ('[[197, 97], [100, 200]]', 'page.folds_mm[0]', 14,
     'expected the folds from left to right, each once, e.g. [99, 198]'),
    ('99', 'page.folds_mm', 13,
     'expected a list of folds in mm for every page, e.g. [99, 198], or one '
     'such list per page, e.g. [[97, 197], [100, 200]], found "99"'),
]


@pytest.mark.parametrize('value,field,column,message', FOLD_ERRORS,
                         ids=[e[0] for e in FOLD_ERRORS])
def test_wrong_folds_are_one_clear_error(project, capsys, value, field,
                                         column, message):
    manifest = project / 'layouts' / 'trifold-dl' / 'layout.yaml'
    lines = manifest.read_text('utf-8').split('\n')
    line = next(i for i, text in enumerate(lines)
                if text.startswith('  folds_mm:'))
    lines[line] = f'  folds_mm: {value}'
    manifest.write_text('\n'.join(lines), 'utf-8')
    code, _, err = run(project, 'check', '--layout', 'trifold-dl',
                       capsys=capsys)
    assert code == 1
    assert 'Traceback' not in err
    assert (f'error: layouts/trifold-dl/layout.yaml:{line + 1}:{column}: '
            f'{field}: {message}') in err.splitlines(), err
    assert not (project / 'output').exists()


def test_one_list_of_folds_still_means_every_page(tmp_path):
    from flyers.layouts import load_layout

    project = copy_project(tmp_path / 'project', content=False)
    manifest = project / 'layouts' / 'trifold-dl' / 'layout.yaml'
    text = manifest.read_text('utf-8')
    old = '  folds_mm: [[97, 197], [100, 200]]'
    assert old in text
    manifest.write_text(text.replace(old, '  folds_mm: [99, 198]'), 'utf-8')
    page = load_layout(project, 'trifold-dl').page
    assert page.folds_per_page == ((99, 198), (99, 198))
    assert load_layout(ROOT, 'leaflet-a5').page.folds_per_page == ()
