"""The DRAFT mark, read back with poppler, PDFium and pikepdf: above every
box, in every panel of every page, inside the safe zone, never text, and an
Artifact (not in the structure tree) in the screen edition.

One build holds the cases: the seed with its placeholders filled in, once
as a final and once, unchanged but for ``status: draft``, as a draft; every
layout in both editions.  The two differ only by the mark, so what differs
between their pages is the mark."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, decode_qr_codes, run

LAYOUTS = ('leaflet-a5', 'poster-a3', 'trifold-dl')
EDITIONS = ('print', 'screen')
MM_PER_PT = 25.4 / 72
SAFE_MM = 5  # the default print shop's safe zone
DPI = 50
MARK_WORDS = ('UTKAST', 'DRAFT', 'tryck')


@pytest.fixture(scope='module')
def pair(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp('draftmark') / 'project')
    seed = project / 'content' / 'trygghet-vasteras.yaml'
    text = seed.read_text('utf-8')
    seed.unlink()
    # Placeholders filled in with text of the same length; the links that
    # had no address yet ("#") are plain items.
    final = (text.replace('status: draft', 'status: final')
             .replace('example.org', 'exampel.org')
             .replace('[namn saknas]', '(namn saknas)'))
    final = re.sub(r'\n *url: "#"', '', final)
    (project / 'content' / 'final.yaml').write_text(final, 'utf-8')
    (project / 'content' / 'draft.yaml').write_text(
        final.replace('status: final', 'status: draft'), 'utf-8')
    args = [a for layout in LAYOUTS for a in ('--layout', layout)]
    code, _, _ = run(project, 'build', *args)
    assert code == 0
    return project


def _pdf(project: Path, name: str, layout: str, edition: str) -> Path:
    suffix = '' if edition == 'print' else '-screen'
    return project / 'output' / f'{name}-{layout}{suffix}.pdf'


def _pages(pdf: Path):
    """Each page rendered by PDFium at DPI, with its trim box in pt."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return [(page.render(scale=DPI / 72).to_pil().convert('RGB'),
                 page.get_mediabox(), page.get_trimbox())
                for page in document]
    finally:
        document.close()


def _mark_pixels(project, layout, edition):
    """Per page: the pixels where the draft differs from the final, as
    (x, y) in mm from the trim's top-left, and the final page's colour
    there; the page image of the final; the trim size in mm."""
    from PIL import ImageChops

    found = []
    drafts = _pages(_pdf(project, 'draft', layout, edition))
    finals = _pages(_pdf(project, 'final', layout, edition))
    assert len(drafts) == len(finals)
    for (draft, media, trim), (final, _, _) in zip(drafts, finals):
        width, height = draft.size
        difference = ImageChops.difference(draft, final).convert('L')
        colours = final.load()
        px_mm = 25.4 / DPI
        left = (trim[0] - media[0]) * MM_PER_PT
        top = (media[3] - trim[3]) * MM_PER_PT
        differing = [
            ((x + .5) * px_mm - left, (y + .5) * px_mm - top, colours[x, y])
            for y, x in _where(difference, width, height)]
        found.append((differing, final, (
            (trim[2] - trim[0]) * MM_PER_PT, (trim[3] - trim[1]) * MM_PER_PT),
            left, top))
    return found


def _where(difference, width, height):
    data = difference.point(lambda v: 255 if v > 24 else 0).tobytes()
    return [(i // width, i % width) for i, v in enumerate(data) if v]


def _folds(layout: str, page: int = 1) -> list[float]:
    """The folds of page ``page`` (1-based): layout.yaml gives one list
    for every page or one list per page."""
    import yaml

    manifest = yaml.safe_load((ROOT / 'layouts' / layout / 'layout.yaml')
                              .read_text('utf-8'))
    folds = list(manifest['page'].get('folds_mm') or [])
    if folds and isinstance(folds[0], list):
        return folds[page - 1]
    return folds


def _panels(width: float, layout: str, page: int) -> list[tuple[float, float]]:
    edges = [0.0, *_folds(layout, page), width]
    return list(zip(edges, edges[1:]))


# --- above everything, in every panel, inside the safe zone ----------------

@pytest.mark.parametrize('edition', EDITIONS)
@pytest.mark.parametrize('layout', LAYOUTS)
def test_the_mark_is_in_every_panel_inside_the_safe_zone(pair, layout,
                                                         edition):
    tolerance = 25.4 / DPI  # a pixel: the outline's antialiased edge
    for page, (differing, _, (width, height), _, _) in enumerate(
            _mark_pixels(pair, layout, edition), 1):
        for left, right in _panels(width, layout, page):
            inside = [(x, y) for x, y, _ in differing if left <= x < right]
            # A mark, not a stray pixel: a long line of letters.
            assert len(inside) > 150, (layout, edition, page, left)
            xs = [x for x, _ in inside]
            ys = [y for _, y in inside]
            assert left + SAFE_MM - tolerance <= min(xs), (page, left)
            assert max(xs) <= right - SAFE_MM + tolerance, (page, right)
            assert SAFE_MM - tolerance <= min(ys), page
            assert max(ys) <= height - SAFE_MM + tolerance, page
            # Large: at least half the panel's width inside the zone.
            assert max(xs) - min(xs) >= 0.5 * (right - left - 2 * SAFE_MM)


def _box_colours(final) -> set:
    """The colours of the page's boxes: any colour (but the paper's white)
    that covers at least 3 % of the final page."""
    total = final.size[0] * final.size[1]
    return {colour for n, colour in final.getcolors(maxcolors=total)
            if n >= 0.03 * total and min(colour) < 250}


@pytest.mark.parametrize('edition', EDITIONS)
@pytest.mark.parametrize('layout,page', [('leaflet-a5', 2),
                                         ('poster-a3', 1),
                                         ('trifold-dl', 1)])
def test_the_mark_shows_over_opaque_boxes(pair, layout, page, edition):
    """The leaflet's FAQ box, the poster's navy header, the tri-fold's
    cover: the mark is drawn on them, not hidden under them."""
    differing, final, _, _, _ = _mark_pixels(pair, layout, edition)[page - 1]
    boxes = _box_colours(final)
    assert boxes
    over = [colour for _, _, colour in differing if colour in boxes]
    assert len(over) > 100, (layout, edition, page, len(over))


# --- never text ---------------------------------------------------------------

def _pdftotext(pdf: Path, *options: str) -> str:
    return subprocess.run(['pdftotext', *options, str(pdf), '-'],
                          capture_output=True, text=True, check=True).stdout


def _pdfium_text(pdf: Path) -> list[str]:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return [page.get_textpage().get_text_bounded() for page in document]
    finally:
        document.close()


@pytest.mark.parametrize('edition', EDITIONS)
@pytest.mark.parametrize('layout', LAYOUTS)
def test_the_mark_adds_nothing_to_extracted_text(pair, layout, edition):
    draft = _pdf(pair, 'draft', layout, edition)
    final = _pdf(pair, 'final', layout, edition)
    for options in ((), ('-raw',), ('-layout',)):
        text = _pdftotext(draft, *options)
        assert text == _pdftotext(final, *options), options
        assert 'Trygghet i Västerås' in text
    draft_pages, final_pages = _pdfium_text(draft), _pdfium_text(final)
    assert draft_pages == final_pages
    for text in draft_pages + [_pdftotext(draft)]:
        assert not [w for w in MARK_WORDS if w in text]


# --- what the file says the mark is ------------------------------------------

def _artifacts(pdf: Path):
    """Per page: the marked-content sequences tagged /Artifact with the
    subtype /Watermark, as lists of (operator, operands), read by pikepdf
    (the page's content streams as one), with the transformation in force
    at the start of each."""
    import pikepdf

    found = []
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            marks, current, depth = [], None, 0
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ('BDC', 'BMC'):
                    depth += 1
                    properties = operands[1] if op == 'BDC' else None
                    if (current is None and operands[0] == '/Artifact'
                            and properties is not None
                            and properties.get('/Subtype') == '/Watermark'):
                        current, start = [], depth
                        continue
                elif op == 'EMC':
                    if current is not None and depth == start:
                        marks.append(current)
                        current = None
                    depth -= 1
                    continue
                if current is not None:
                    current.append((op, [
                        float(v) if isinstance(v, (int, Decimal)) else v
                        for v in operands]))
            found.append(marks)
    return found


# (re, W*, n: the clip that keeps the mark off the QR codes.)
PATHS_ONLY = {'q', 'Q', 'w', 'j', 'J', 'd', 'K', 'RG', 'G', 'm', 'l', 'c',
              'h', 'S', 're', 'W*', 'n'}


@pytest.mark.parametrize('edition', EDITIONS)
@pytest.mark.parametrize('layout', LAYOUTS)
def test_the_mark_is_a_watermark_artifact_of_outlines(pair, layout,
                                                      edition):
    draft = _pdf(pair, 'draft', layout, edition)
    pages = _artifacts(draft)
    for page, marks in enumerate(pages, 1):
        panels = len(_folds(layout, page)) + 1
        assert len(marks) == 1
        operators = [op for op, _ in marks[0]]
        # Paths only: no text, no image, no graphics state that could make
        # it transparent (PDF/X-1a allows no transparency).
        assert set(operators) <= PATHS_ONLY, set(operators) - PATHS_ONLY
        assert operators.count('S') == panels
        colours = [values for op, values in marks[0] if op in ('K', 'RG')]
        if edition == 'print':  # the brand's draft colour, C0 M35 Y30 K0
            assert colours == [[0, .35, .3, 0]] * panels
    assert [_artifacts(_pdf(pair, 'final', layout, edition))] == [
        [[]] * len(pages)]


def _structure(pdf: Path):
    """The structure elements in tree order: (type, texts of the element's
    /Alt, /ActualText, /T, /E), read by pikepdf."""
    import pikepdf

    found = []
    with pikepdf.open(pdf) as document:
        def visit(node):
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    visit(kid)
                return
            if not isinstance(node, pikepdf.Dictionary) or '/S' not in node:
                return
            found.append((str(node.S), tuple(
                str(node[key]) for key in ('/Alt', '/ActualText', '/T', '/E')
                if key in node)))
            if '/K' in node:
                visit(node.K)

        visit(document.Root.StructTreeRoot.K)
    return found


@pytest.mark.parametrize('layout', LAYOUTS)
def test_the_screen_mark_is_not_in_the_structure_tree(pair, layout):
    draft = _structure(_pdf(pair, 'draft', layout, 'screen'))
    assert draft  # tagged
    assert draft == _structure(_pdf(pair, 'final', layout, 'screen'))
    for _, texts in draft:
        assert not [w for t in texts for w in MARK_WORDS if w in t]


def test_the_print_shops_x1a_edition_takes_the_mark(pair, tmp_path):
    """PDF/X-1a forbids transparency: the mark is built without."""
    project = copy_project(tmp_path / 'project')
    (project / 'content' / 'trygghet-vasteras.yaml').unlink()
    (project / 'content' / 'draft.yaml').write_bytes(
        (pair / 'content' / 'draft.yaml').read_bytes())
    code, _, _ = run(project, 'build', '--layout', 'leaflet-a5',
                     '--edition', 'print', '--printshop', 'coated-x1a')
    assert code == 0
    built = sorted((project / 'output').glob('draft-leaflet-a5*.pdf'))
    marks = [_artifacts(path) for path in built]
    assert marks and all(len(page) == 1 for pages in marks for page in pages)


def _clip_holes(pdf: Path) -> list[list[tuple[float, ...]]]:
    """Per page: the rectangles (x0, y0, x1, y1 in pt) cut out of the
    mark's even-odd clip, read with pikepdf."""
    import pikepdf

    found = []
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            rectangles, inside = [], False
            for operands, operator in pikepdf.parse_content_stream(page):
                name = str(operator)
                if name == 'BDC' and operands and str(operands[0]) == (
                        '/Artifact'):
                    inside = True
                elif inside and name == 're':
                    x, y, w, h = (float(v) for v in operands)
                    if w < 10000:  # not the page-sized square
                        rectangles.append((x, y, x + w, y + h))
            found.append(rectangles)
    return found


@pytest.mark.parametrize('edition', EDITIONS)
@pytest.mark.parametrize('layout', LAYOUTS)
def test_the_mark_leaves_the_qr_codes_readable(pair, layout, edition):
    """Above everything but the QR codes: the mark's clip cuts out every
    QR code (where zxing-cpp finds it on the final page, with its quiet
    zone), and the draft's codes decode as the final's do."""
    draft = _pdf(pair, 'draft', layout, edition)
    final = _pdf(pair, 'final', layout, edition)
    holes = _clip_holes(draft)
    import pypdfium2

    document = pypdfium2.PdfDocument(str(final))
    try:
        # WeasyPrint's page is the bleed box; the print edition's slug
        # moves it inside a larger media box.
        boxes = [(page.get_mediabox(), page.get_bleedbox())
                 for page in document]
    finally:
        document.close()
    found_any = False
    for index, (media, bleed) in enumerate(boxes):
        height = media[3] - media[1]
        dx, dy = bleed[0] - media[0], bleed[1] - media[1]
        holes[index] = [(x0 + dx, y0 + dy, x1 + dx, y1 + dy)
                        for x0, y0, x1, y1 in holes[index]]
        codes = decode_qr_codes(final, index, dpi=150)
        assert sorted(c.text for c in decode_qr_codes(draft, index, 150)) \
            == sorted(c.text for c in codes)
        for code in codes:
            found_any = True
            corners = [code.position.top_left, code.position.top_right,
                       code.position.bottom_left, code.position.bottom_right]
            xs = [p.x * 72 / 150 for p in corners]
            ys = [height - p.y * 72 / 150 for p in corners]
            assert any(x0 <= min(xs) and max(xs) <= x1 and y0 <= min(ys)
                       and max(ys) <= y1 for x0, y0, x1, y1 in holes[index]
                       ), (index, holes[index], xs, ys)
    assert found_any
