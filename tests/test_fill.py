"""Layouts that fill the page (issue 11 §3): copyfit grows type for short
content, no empty band taller than 12 % of the page on any page of a
default layout (seed, short and long fixtures), the preflight's band
warning, and the poster's imprint and rule."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, copy_project

sys.path.insert(0, str(ROOT))

from flyers.preflight import Expectations, preflight  # noqa: E402
from flyers.preflight.bands import LIMIT, measure_pdf  # noqa: E402

LAYOUTS = ('leaflet-a5', 'poster-a3', 'trifold-dl')
# The seed has a hero photo and two people, kort-cykel-foto the same
# pictures on the short campaign; the others have no pictures.
CAMPAIGNS = ('trygghet-vasteras', 'kort-cykel', 'kort-cykel-foto',
             'kort-skola', 'lang-trygghet')


def _final_seed(text: str) -> str:
    """The seed as a final campaign: a DRAFT mark runs diagonally across
    every page and would hide an empty band."""
    text = text.replace('status: draft', 'status: final')
    text = text.replace('https://example.org/trygghet-vasteras',
                        'https://liberalerna.se/vasteras/trygghet')
    text = text.replace('https://example.org/politisk-annons',
                        'https://liberalerna.se/vasteras/annons')
    text = text.replace('[namn saknas]', 'Anna Lind')
    text = re.sub(r'\n *url: "#"', '', text)
    return text


@pytest.fixture(scope='module')
def filled(tmp_path_factory):
    """The seed and the fixtures, every default layout, print edition:
    one build."""
    project = copy_project(tmp_path_factory.mktemp('fill') / 'project',
                           content=False)
    seed = (ROOT / 'content' / 'trygghet-vasteras.yaml').read_text('utf-8')
    (project / 'content' / 'trygghet-vasteras.yaml').write_text(
        _final_seed(seed), 'utf-8')
    for path in (FIXTURES / 'fill').glob('*.yaml'):
        shutil.copy(path, project / 'content' / path.name)
    shutil.copytree(ROOT / 'content' / 'images',
                    project / 'content' / 'images')
    args = [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
            str(project), 'build', '--edition', 'print']
    for layout in LAYOUTS:
        args += ['--layout', layout]
    result = subprocess.run(args, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((project / 'output' / 'manifest.json').read_text())
    return project, manifest, result.stdout


def _band_warnings(manifest: dict, pdf: str) -> list[str]:
    """The preflight's empty-band warnings for one PDF, as the manifest
    lists them."""
    entry, = [e for e in manifest['outputs'] if e['path'] == f'output/{pdf}']
    return [w for w in entry['preflight']['warnings']
            if re.match(r'page \d+ has an? \d+ mm empty band at', w)]


@pytest.mark.parametrize('campaign', CAMPAIGNS)
@pytest.mark.parametrize('layout', LAYOUTS)
def test_no_page_has_an_empty_band(filled, campaign, layout):
    project, manifest, _ = filled
    pdf = project / 'output' / f'{campaign}-{layout}.pdf'
    height = 420 if layout == 'poster-a3' else 210
    bands = measure_pdf(pdf.read_bytes())
    tall = [(page, round(top), round(bottom))
            for page, (top, bottom) in enumerate(bands, 1)
            if bottom - top > LIMIT * height]
    warnings = _band_warnings(manifest, pdf.name)
    # The tri-fold too: short content takes two inside panels and the
    # third becomes the feature panel (call to action, people).
    assert tall == []
    assert warnings == []


def test_short_content_is_set_larger_and_the_manifest_says_so(filled):
    _, manifest, out = filled
    entries = {(Path(e['content']).stem, e['layout']): e
               for e in manifest['outputs']}
    short = entries[('kort-cykel', 'leaflet-a5')]['copyfit']
    assert short['property'] == '--type-body'
    assert short["from_pt"] == 9 and 9 < short["to_pt"] <= 12
    assert re.search(r'built\s+output/kort-cykel-leaflet-a5\.pdf .* '
                     r'copyfit: --type-body 9 → \d+(\.\d+)? pt', out), out
    # The long campaign is set smaller than the short one.
    long = entries[('lang-trygghet', 'leaflet-a5')]['copyfit'] or {
        'to_pt': 9}
    assert long['to_pt'] < short['to_pt']


def _sizes_and_boxes(pdf: Path, page: int = 0):
    """(text, size pt, (x0, top, x1, bottom) mm from the trim's top-left)
    of every character of one page, read by PDFium."""
    import pypdfium2
    import pypdfium2.raw as raw

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        pdfpage = document[page]
        textpage = pdfpage.get_textpage()
        trim = pdfpage.get_trimbox()
        chars = []
        for i in range(textpage.count_chars()):
            text = textpage.get_text_range(i, 1)
            x0, y0, x1, y1 = textpage.get_charbox(i)
            size = raw.FPDFText_GetFontSize(textpage, i) * 0.75
            mm = 25.4 / 72
            chars.append((text, size, ((x0 - trim[0]) * mm,
                                       (trim[3] - y1) * mm,
                                       (x1 - trim[0]) * mm,
                                       (trim[3] - y0) * mm)))
        return chars
    finally:
        document.close()


def _filled_boxes(pdf: Path, page: int):
    """(x0, top, x1, bottom) mm from the trim's top-left of the path
    objects of one page that are filled (tints, bands), read by PDFium."""
    import ctypes

    import pypdfium2
    import pypdfium2.raw as raw

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        pdfpage = document[page]
        trim = pdfpage.get_trimbox()
        mm = 25.4 / 72
        boxes = []
        for obj in pdfpage.get_objects():
            if obj.type != raw.FPDF_PAGEOBJ_PATH:
                continue
            fill, stroke = ctypes.c_int(), ctypes.c_int()
            raw.FPDFPath_GetDrawMode(obj.raw, fill, stroke)
            if not fill.value:
                continue
            left, bottom, right, top = obj.get_bounds()
            boxes.append(((left - trim[0]) * mm, (trim[3] - top) * mm,
                          (right - trim[0]) * mm, (trim[3] - bottom) * mm))
        return boxes
    finally:
        document.close()


@pytest.mark.parametrize('campaign', CAMPAIGNS)
def test_poster_imprint_is_readable(filled, campaign):
    project, _, _ = filled
    chars = _sizes_and_boxes(project / 'output' /
                             f'{campaign}-poster-a3.pdf')
    text = ''.join(c[0] for c in chars)
    start = text.index('Ansvarig utgivare')
    sizes = {round(c[1], 1) for c in chars[start:start + 17]}
    assert min(sizes) >= 8


def test_poster_list_and_its_rule_fill_the_width(filled):
    """The rule above the list is drawn across the text width (PDFium's
    paths: the rule is the one drawing that spans the page between the
    margins and does not run into the bleed), and so is the list: its
    longest title reaches past the middle of the page."""
    import pypdfium2
    import pypdfium2.raw as raw

    project, _, _ = filled
    mm = 25.4 / 72
    text_width = 297 - 2 * 18
    for campaign in CAMPAIGNS:
        pdf = project / 'output' / f'{campaign}-poster-a3.pdf'
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            widths = []
            for obj in document[0].get_objects():
                if obj.type == raw.FPDF_PAGEOBJ_PATH:
                    left, bottom, right, top = obj.get_bounds()
                    if left * mm > 1 and right * mm < 296:  # not a bleed
                        widths.append((right - left) * mm)
        finally:
            document.close()
        assert max(widths) == pytest.approx(text_width, abs=0.5), campaign
    chars = _sizes_and_boxes(project / 'output' / 'kort-cykel-poster-a3.pdf')
    text = ''.join(c[0] for c in chars)
    start = text.index('Laga luckorna')
    line = chars[start:start + len('Laga luckorna i cykel')]
    assert line[-1][2][2] > 297 / 2 + 20  # the line ends past the middle
    assert min(c[1] for c in line if c[0].strip()) >= 40  # grown from 30


def _synthetic_pdf(tmp_path: Path, body_height_mm: float) -> bytes:
    """An A5 page with text blocks down to ``body_height_mm``."""
    from weasyprint import HTML

    line = '<p style="margin:0;font-size:10pt">Rad med text på sidan.</p>'
    lines = int(body_height_mm / 4.5)
    html = ('<style>@page { size: A5; margin: 10mm } '
            'p { line-height: 4.5mm }</style>' + line * lines)
    return HTML(string=html).write_pdf()


@pytest.mark.parametrize('filled_mm, empty', [(180, False), (95, True)])
def test_the_band_measure_on_a_synthetic_page(tmp_path, filled_mm, empty):
    data = _synthetic_pdf(tmp_path, filled_mm)
    (top, bottom), = measure_pdf(data)
    if empty:
        # Text to about 105 mm (10 mm margin + 95 mm), paper below.
        assert top == pytest.approx(105, abs=3)
        assert bottom == pytest.approx(210, abs=2.5)
    else:
        assert bottom - top < LIMIT * 210
    path = tmp_path / 'page.pdf'
    path.write_bytes(data)
    expect = Expectations(edition='screen', pages=1, trim_mm=(148, 210),
                          bleed_mm=0, safe_mm=5, qr_urls=(), qr_min_mm=20,
                          empty_band_limit=LIMIT)
    report = preflight(path, expect)
    warnings = [str(f) for f in report.findings if f.check == 'layout']
    assert ('layout', 'warn' if empty else 'pass') in report.checks
    if empty:
        assert len(warnings) == 1
        assert re.fullmatch(
            r'page 1 has a (\d+) mm empty band at (\d+)–210 mm; fill it '
            r'\(copyfit ceiling_pt, the layout\'s flexible spaces\) or '
            r'declare it in layout\.yaml \(empty_bands_allowed_mm\)',
            warnings[0]), warnings
        # A band the design declares is not counted.
        allowed = Expectations(**{**expect.__dict__,
                                  'empty_bands_allowed_mm': ((100, 210),)})
        report = preflight(path, allowed)
        assert [f for f in report.findings if f.check == 'layout'] == []
    else:
        assert warnings == []


def test_a_bad_declared_band_is_refused(tmp_path, capsys):
    from conftest import run

    project = copy_project(tmp_path / 'project')
    manifest = project / 'layouts' / 'poster-a3' / 'layout.yaml'
    manifest.write_text(manifest.read_text('utf-8')
                        + 'empty_bands_allowed_mm: [[80, 20]]\n', 'utf-8')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert re.search(r'layouts/poster-a3/layout\.yaml:\d+:\d+: '
                     r'empty_bands_allowed_mm\[0\]: expected \[from, to\] '
                     r'in mm from the top of the page, from smaller than to',
                     err), err


# --- boxes, columns, headings (issue 11 §3) ---------------------------------

MM = 25.4 / 72
COLUMNS = {'leaflet-a5': (1, (74,)), 'trifold-dl': (1, (100, 200))}


def _columns(pdf: Path, page: int, splits) -> dict[int, list]:
    """The text lines of one page, per column: [(top, bottom, text)] in mm
    from the trim's top, read by PDFium (its text rectangles, joined into
    lines)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        pdfpage = document[page]
        trim = pdfpage.get_trimbox()
        textpage = pdfpage.get_textpage()
        rects = []
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top)
            x = (left - trim[0]) * MM
            rects.append((sum(x > s for s in splits), (trim[3] - top) * MM,
                          (trim[3] - bottom) * MM, text))
    finally:
        document.close()
    columns: dict[int, list] = {}
    for column, top, bottom, text in sorted(rects):
        lines = columns.setdefault(column, [])
        if lines and abs((lines[-1][0] + lines[-1][1]) / 2
                         - (top + bottom) / 2) < 1.2:
            last = lines[-1]
            lines[-1] = (min(last[0], top), max(last[1], bottom),
                         last[2] + ' ' + text)
        else:
            lines.append((top, bottom, text))
    return columns


def _squash(text: str) -> str:
    return re.sub(r'[\W_]+', '', text.replace('\u2010', '')
                  .replace('\x02', '')).lower()


def _content(project: Path, campaign: str) -> dict:
    import yaml

    return yaml.safe_load((project / 'content' / f'{campaign}.yaml')
                          .read_text('utf-8'))


@pytest.mark.parametrize('campaign', CAMPAIGNS)
@pytest.mark.parametrize('layout', sorted(COLUMNS))
def test_a_heading_never_ends_a_column(filled, layout, campaign):
    """Every line of a heading is followed, in its column, by the next line
    of text at most a blank line below: never by the column's end."""
    project, _, _ = filled
    content = _content(project, campaign)
    headings = [s['heading'] for s in content.get('sections', [])]
    headings += [content[k]['heading'] for k in ('faq', 'further_reading')
                 if k in content and content[k].get('heading')]
    page, splits = COLUMNS[layout]
    columns = _columns(project / 'output' / f'{campaign}-{layout}.pdf',
                       page, splits)
    seen = 0
    for lines in columns.values():
        for index, (top, bottom, text) in enumerate(lines):
            if len(_squash(text)) < 6 or not any(
                    _squash(text) in _squash(h) for h in headings):
                continue
            seen += 1
            assert index + 1 < len(lines), f'{text!r} ends its column'
            gap = lines[index + 1][0] - bottom
            assert gap < 2 * (bottom - top), (
                f'{text!r} is {gap:.1f} mm above the next line')
    assert seen  # the test looked at headings


@pytest.mark.parametrize('campaign', [c for c in CAMPAIGNS if c not in (
    'kort-cykel', 'kort-cykel-foto')])
@pytest.mark.parametrize('layout', sorted(COLUMNS))
def test_the_faq_panel_holds_all_its_questions(filled, layout, campaign):
    """One tinted rectangle (PDFium's path objects) lies behind the FAQ's
    heading and every one of its questions: the box is never split."""
    import pypdfium2
    import pypdfium2.raw as raw

    project, _, _ = filled
    content = _content(project, campaign)
    page, splits = COLUMNS[layout]
    pdf = project / 'output' / f'{campaign}-{layout}.pdf'
    lines = [line for column in _columns(pdf, page, splits).values()
             for line in column]
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        pdfpage = document[page]
        trim = pdfpage.get_trimbox()
        boxes = []
        for obj in pdfpage.get_objects():
            if obj.type == raw.FPDF_PAGEOBJ_PATH:
                left, bottom, right, top = obj.get_bounds()
                boxes.append(((left - trim[0]) * MM, (trim[3] - top) * MM,
                              (right - trim[0]) * MM,
                              (trim[3] - bottom) * MM))
    finally:
        document.close()

    def line_of(text):
        """The first line of ``text`` on the page."""
        return next(line for line in lines if len(_squash(line[2])) >= 6
                    and _squash(text).startswith(_squash(line[2])[:12]))

    heading = line_of(content['faq']['heading'])
    panels = [b for b in boxes if b[1] <= heading[0] <= b[3]
              and b[3] - b[1] < 150 and b[2] - b[0] < 100]
    assert panels, 'no panel behind the FAQ heading'
    x0, y0, x1, y1 = min(panels, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    for item in content['faq']['items']:
        top, bottom, _ = line_of(item['question'])
        assert y0 <= top and bottom <= y1, item['question']


# (layout, page index, column edges in mm from the trim's left, leading)
EVEN_COLUMNS = {'leaflet-a5': (1, (0, 74, 148), 1.38),
           'trifold-dl': (1, (0, 100, 200, 297), 1.4)}


@pytest.mark.parametrize('campaign', CAMPAIGNS)
@pytest.mark.parametrize('layout', sorted(EVEN_COLUMNS))
def test_columns_end_within_two_lines(filled, campaign, layout):
    """The leaflet's back and the tri-fold's inside: the last line of body
    text in each column (characters at the body size, read by PDFium)
    ends within two lines of the other columns' last lines.  Where that
    line lies in a tinted box (the FAQ alone in its column), the column
    ends where the box does."""
    project, manifest, _ = filled
    pdf = project / 'output' / f'{campaign}-{layout}.pdf'
    entry, = [e for e in manifest['outputs']
              if e['path'] == f'output/{pdf.name}']
    page, edges, leading = EVEN_COLUMNS[layout]
    body = (entry['copyfit'] or {}).get('to_pt') or (
        9 if layout == 'leaflet-a5' else 8.8)
    bottoms = {}
    for text, size, (x0, _, x1, bottom) in _sizes_and_boxes(pdf, page):
        if text.strip() and abs(size - body) < 0.05:
            column = sum(1 for edge in edges[1:-1] if (x0 + x1) / 2 > edge)
            bottoms[column] = max(bottoms.get(column, 0), bottom)
    assert len(bottoms) >= 2, bottoms  # two columns of text at least
    for left, top, right, box_bottom in _filled_boxes(pdf, page):
        for column, bottom in bottoms.items():
            if (edges[column] <= left and right <= edges[column + 1]
                    and top < bottom <= box_bottom):
                bottoms[column] = box_bottom
    two_lines = 2 * body * leading * 25.4 / 72
    assert max(bottoms.values()) - min(bottoms.values()) <= two_lines, (
        bottoms, two_lines)
