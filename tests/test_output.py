"""The default build, read back with poppler, PDFium and zxing-cpp."""

from __future__ import annotations

import hashlib
import re
import subprocess

import pytest

from conftest import (decode_qr_codes, pdf_boxes, pdf_fonts, pdf_text,
                      seed_sentences)

SIZES = {'leaflet-a5': (148, 210, 2), 'poster-a3': (297, 420, 1)}


def test_manifest_lists_both_layouts_in_both_editions(built):
    outputs = built.manifest['outputs']
    assert sorted((o['layout'], o['edition']) for o in outputs) == [
        ('leaflet-a5', 'print'), ('leaflet-a5', 'screen'),
        ('poster-a3', 'print'), ('poster-a3', 'screen')]
    for entry in outputs:
        assert set(entry) >= {'path', 'content', 'layout', 'edition', 'pages',
                              'trim_mm', 'qr_urls', 'sha256'}
        assert entry['content'] == 'content/trygghet-vasteras.yaml'
        suffix = '' if entry['edition'] == 'print' else '-screen'
        assert entry['path'] == (f'output/trygghet-vasteras-'
                                 f'{entry["layout"]}{suffix}.pdf')
        data = (built.project / entry['path']).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry['sha256']
        width, height, pages = SIZES[entry['layout']]
        assert entry['trim_mm'] == [width, height]
        assert entry['pages'] == pages


def test_one_progress_line_per_output_with_its_time(built):
    lines = [line for line in built.stdout.splitlines()
             if line.startswith('built')]
    assert len(lines) == 4
    for line in lines:
        assert line.split()[1].startswith('output/')
        assert re.search(r'\(\d+ pages?, \d+\.\d\d s\)', line), line


@pytest.mark.parametrize('layout', SIZES)
def test_screen_edition_is_trim_size_without_marks(built, layout):
    width, height, count = SIZES[layout]
    boxes = pdf_boxes(built.pdf(layout, edition='screen'))
    assert len(boxes) == count
    for page in boxes:
        for box in ('MediaBox', 'TrimBox', 'BleedBox'):
            x0, y0, x1, y1 = page[box]
            assert (x0, y0, x1 - x0, y1 - y0) == pytest.approx(
                (0, 0, width, height), abs=0.05)


@pytest.mark.parametrize('layout', SIZES)
def test_page_count_trim_and_bleed_boxes(built, layout):
    width, height, count = SIZES[layout]
    boxes = pdf_boxes(built.pdf(layout))
    assert len(boxes) == count
    for page in boxes:
        x0, y0, x1, y1 = page['TrimBox']
        assert x1 - x0 == pytest.approx(width, abs=0.05)
        assert y1 - y0 == pytest.approx(height, abs=0.05)
        bx0, by0, bx1, by1 = page['BleedBox']
        assert (x0 - bx0, y0 - by0, bx1 - x1, by1 - y1) == pytest.approx(
            (3, 3, 3, 3), abs=0.05)
        # Crop marks sit in a 10 mm slug outside the bleed.
        mx0, my0, mx1, my1 = page['MediaBox']
        assert (x0 - mx0, y0 - my0, mx1 - x1, my1 - y1) == pytest.approx(
            (10, 10, 10, 10), abs=0.05)


@pytest.mark.parametrize('layout', SIZES)
def test_every_font_is_embedded_and_ours(built, layout):
    fonts = pdf_fonts(built.pdf(layout))
    assert fonts
    for font in fonts:
        assert font['emb'] == 'yes', font
        assert font['sub'] == 'yes', font
        # Subset prefix + one of the brand families (brands/NAME/brand.yaml).
        assert font['name'].split('+')[1].startswith('Brand-'), font


def test_every_sentence_of_the_seed_is_in_the_leaflet(built):
    text = pdf_text(built.pdf('leaflet-a5'))
    missing = [s for s in seed_sentences() if s not in text]
    assert missing == []


def test_leaflet_front_and_back_hold_what_the_issue_says(built):
    front = pdf_text(built.pdf('leaflet-a5'), page=1)
    back = pdf_text(built.pdf('leaflet-a5'), page=2)
    assert 'Trygghet i Västerås' in front
    assert 'förebyggande arbete för en säkrare stad' in front
    assert 'Fler skolsociala team' in front
    assert 'Vanliga frågor om trygghet i Västerås' in back
    assert 'Upptäck hur du kan bidra till förändring' in back
    assert 'example.org/trygghet-vasteras' in back
    assert 'Ansvarig utgivare' in back
    assert 'Vanliga frågor' not in front


def test_poster_holds_titles_qr_address_and_imprint(built):
    text = pdf_text(built.pdf('poster-a3'))
    for title in ('Fler skolsociala team', 'Tryggare miljöer i Bäckby',
                  'Avveckla utsatthetsstämpeln',
                  'Stöd till unga som vill lämna kriminaliteten'):
        assert title in text
    assert 'example.org/trygghet-vasteras' in text
    assert 'Ansvarig utgivare' in text
    # The proposals' explanations are for the leaflet only.
    assert 'rekrytera unga' not in text


def test_drafts_are_visibly_marked(built):
    import pikepdf

    for layout in SIZES:
        with pikepdf.open(built.pdf(layout)) as document:
            for page in document.pages:
                # Outlines, not text (tests/test_draftmark.py): a watermark.
                marks = [operands for operands, operator
                         in pikepdf.parse_content_stream(page)
                         if str(operator) == 'BDC'
                         and operands[0] == '/Artifact'
                         and operands[1].get('/Subtype') == '/Watermark']
                assert len(marks) == 1
        assert built.output(layout)['draft'] is True
    assert 'is a draft' in built.stderr


@pytest.mark.parametrize('edition, medium', [('print', 'print'),
                                             ('screen', 'pdf')])
@pytest.mark.parametrize('layout, page', [('leaflet-a5', 1),
                                          ('poster-a3', 0)])
def test_qr_code_decodes_to_the_manifest_url(built, layout, page, edition,
                                             medium):
    entry = built.output(layout, edition=edition)
    codes = decode_qr_codes(built.pdf(layout, edition=edition), page)
    assert [code.text for code in codes] == entry['qr_urls']
    source = 'leaflet' if layout == 'leaflet-a5' else 'poster'
    assert entry['qr_urls'] == [
        f'https://example.org/trygghet-vasteras?utm_medium={medium}'
        f'&utm_source={source}']


def test_qr_code_is_vector_not_an_image(built):
    listing = subprocess.run(['pdfimages', '-list',
                              str(built.pdf('leaflet-a5'))],
                             capture_output=True, text=True, check=True).stdout
    # Header lines and the seed's three pictures (its hero photo and two
    # portraits, issue 11): the QR code is not among them.
    lines = listing.strip().splitlines()
    assert len(lines) == 2 + 3
    assert all(line.split()[3] != line.split()[4] or int(line.split()[3])
               > 200 for line in lines[2:])  # no small square: no QR image


def test_pdf_structure_is_clean(built):
    for layout in SIZES:
        result = subprocess.run(['qpdf', '--check', str(built.pdf(layout))],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_document_language_and_title(built):
    info = subprocess.run(['pdfinfo', str(built.pdf('leaflet-a5'))],
                          capture_output=True, text=True, check=True).stdout
    assert 'Title:           Trygghet i Västerås' in info
    assert 'Author:          Liberalerna Västerås' in info


def _dark_pixels(image, box) -> int:
    return sum(image.crop(box).convert('L').histogram()[:128])


def test_crop_marks_are_drawn_outside_the_bleed(built):
    """Rasterise the whole MediaBox: each corner of the slug has marks, and
    the band between bleed edge and trim + 3 mm carries only artwork."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(built.pdf('leaflet-a5')))
    scale = 300 / 72
    image = document[0].render(scale=scale, may_draw_forms=True).to_pil()
    document.close()
    px = 300 / 25.4  # pixels per mm
    width, height = image.size
    for cx, cy in ((0, 0), (width, 0), (0, height), (width, height)):
        # The 5 mm x 5 mm square diagonal to the corner of the slug is empty;
        # the marks run along the trim lines, 3–8 mm outside the trim.
        sx = 1 if cx == 0 else -1
        sy = 1 if cy == 0 else -1
        def box(x0, y0, x1, y1):
            xs = sorted((cx + sx * x0 * px, cx + sx * x1 * px))
            ys = sorted((cy + sy * y0 * px, cy + sy * y1 * px))
            return (int(xs[0]), int(ys[0]), int(xs[1]), int(ys[1]))
        # Horizontal mark: on the trim line (10 mm in), 2–7 mm from the edge.
        assert _dark_pixels(image, box(2.5, 9.7, 6.5, 10.3)) > 0
        # Vertical mark likewise.
        assert _dark_pixels(image, box(9.7, 2.5, 10.3, 6.5)) > 0
        # Nothing in the slug corner itself.
        assert _dark_pixels(image, box(0.5, 0.5, 6, 6)) == 0


@pytest.mark.parametrize('layout', SIZES)
def test_no_word_within_5_mm_of_the_trim(built, layout):
    """Every word's box, as poppler reads it, lies 5 mm inside the trim."""
    import html as html_module

    width, height, _ = SIZES[layout]
    out = subprocess.run(['pdftotext', '-bbox', '-nodiag',
                          str(built.pdf(layout)), '-'],
                         capture_output=True, text=True, check=True).stdout
    mm_per_pt = 25.4 / 72
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" '
                       r'xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)
    assert len(words) > 20
    # pdftotext measures from the MediaBox corner: trim starts 10 mm in.
    for x0, y0, x1, y1, word in words:
        left = float(x0) * mm_per_pt - 10
        top = float(y0) * mm_per_pt - 10
        right = width - (float(x1) * mm_per_pt - 10)
        bottom = height - (float(y1) * mm_per_pt - 10)
        assert min(left, top, right, bottom) >= 5 - 0.05, (
            html_module.unescape(word), left, top, right, bottom)


def test_backgrounds_run_into_the_bleed(built):
    """Sample the 3 mm bleed band: the front's top band and the back's
    bottom band are coloured right up to the bleed edge."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(built.pdf('leaflet-a5')))
    px = 150 / 25.4
    images = [page.render(scale=150 / 72).to_pil().convert('RGB')
              for page in document]
    document.close()
    width, height = images[0].size

    def colour(image, x_mm, y_mm):
        return image.getpixel((int(x_mm * px), int(y_mm * px)))

    # The front's top is the seed's hero photo (issue 11): printed right up
    # to the bleed edge, never bare paper there.
    for x_mm in (7.5, 10 + 74, 10 + 148 + 2.5):  # left bleed, middle, right
        assert colour(images[0], x_mm, 7.5) != (255, 255, 255)  # top bleed
    deep = colour(images[1], 10 + 74, 10 + 205)
    assert deep != (255, 255, 255)
    assert colour(images[1], 10 + 74, 10 + 210 + 2.5) == deep  # bottom bleed
    # Beyond the bleed, in the slug, the paper is white.
    assert colour(images[0], 10 + 74, 5) == (255, 255, 255)
