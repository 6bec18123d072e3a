"""Languages other than Swedish: Arabic set right to left in every layout
(print and screen), English and Finnish typography and hyphenation, fonts
and labels per language.

The fixtures (tests/fixtures/lang/) are built once for the module.  The
PDFs are read with poppler (pdftotext, its -bbox word boxes), PDFium (the
boxes of single characters), pikepdf and fontTools (the glyphs embedded),
zxing-cpp (the QR code): never with the builder's own code.

Note on the readers: poppler's -bbox mode gives an Arabic word's letters
in visual order (right to left reversed), so the tests reverse them;
PDFium's and poppler's plain text put some neutral characters of mixed
lines (brackets, a full stop) elsewhere than the page shows, so order is
asserted on glyph positions, and plain text only for whole phrases.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import unicodedata
from html import unescape
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, copy_project, decode_qr_codes, pdf_fonts, run

from flyers.hyphenation import hyphenate
from flyers.render import LABELS, label
from flyers.typography import direction, inline, isolate_ltr, typeset

LANG = FIXTURES / 'lang'
LAYOUTS = ('leaflet-a5', 'poster-a3', 'trifold-dl')
EDITIONS = ('print', 'screen')
BIDI_MARKS = re.compile('[\u200e\u200f\u202a-\u202e\u2066-\u2069]')


@pytest.fixture(scope='module')
def lang(tmp_path_factory) -> Path:
    """The Arabic fixture in every layout and edition, the English and
    Finnish ones as leaflets: one build."""
    project = copy_project(tmp_path_factory.mktemp('lang') / 'project',
                           content=False)
    shutil.copytree(ROOT / 'content' / 'images', project / 'content' / 'images')
    for name in ('ar', 'en', 'fi'):
        shutil.copy(LANG / f'{name}.yaml', project / 'content')
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build'], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return project


def output(project: Path, content: str, layout: str, edition: str) -> Path:
    suffix = '-screen' if edition == 'screen' else ''
    return project / 'output' / f'{content}-{layout}{suffix}.pdf'


# --- readers -------------------------------------------------------------

def words(pdf: Path) -> list[dict]:
    """poppler's words with their boxes (points, from the top left), page
    by page; an Arabic word's letters put back in logical order."""
    html = subprocess.run(['pdftotext', '-bbox', str(pdf), '-'],
                          capture_output=True, text=True, check=True).stdout
    found = []
    for number, page in enumerate(html.split('<page ')[1:], 1):
        for match in re.finditer(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                r'yMax="([\d.]+)">([^<]*)</word>', page):
            text = BIDI_MARKS.sub('', unescape(match[5]))
            if any(_arabic(ch) for ch in text):
                text = text[::-1]
            found.append({'text': text, 'page': number,
                          'x0': float(match[1]), 'y0': float(match[2]),
                          'x1': float(match[3]), 'y1': float(match[4])})
    return found


def word(pdf_words: list[dict], text: str, nth: int = 0) -> dict:
    hits = [w for w in pdf_words if w['text'] == text]
    assert len(hits) > nth, (text, [w['text'] for w in pdf_words])
    return hits[nth]


def plain_text(pdf: Path) -> str:
    text = subprocess.run(['pdftotext', str(pdf), '-'], capture_output=True,
                          text=True, check=True).stdout
    return re.sub(r'\s+', ' ', BIDI_MARKS.sub('', text))


def char_boxes(pdf: Path) -> list[tuple[str, float, float, int]]:
    """Every character PDFium finds: (character, centre x, centre y, page)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    chars = []
    try:
        for index in range(len(document)):
            textpage = document[index].get_textpage()
            for i in range(textpage.count_chars()):
                left, bottom, right, top = textpage.get_charbox(i)
                chars.append((textpage.get_text_range(i, 1),
                              (left + right) / 2, (bottom + top) / 2, index))
    finally:
        document.close()
    return chars


def _arabic(ch: str) -> bool:
    return '\u0600' <= ch <= '\u06ff'


# --- right to left: the layouts -------------------------------------------

@pytest.mark.parametrize('edition', EDITIONS)
@pytest.mark.parametrize('layout', LAYOUTS)
def test_latin_words_numbers_and_addresses_keep_their_order(
        lang, layout, edition):
    """Inside Arabic lines, each Latin word, number, time and address is
    set left to right: its characters' x grows along it."""
    chars = char_boxes(output(lang, 'ar', layout, edition))
    stream = ''.join(c[0] for c in chars)
    tokens = ['Västerås', 'example.org/amn'] + (
        ['Bäckby', '2027', '18:30'] if layout != 'poster-a3' else ['Bäckby'])
    for token in tokens:
        starts = [m.start() for m in re.finditer(re.escape(token), stream)]
        assert starts, (token, stream[:300])
        for start in starts:
            xs = [chars[i][1] for i in range(start, start + len(token))]
            assert xs == sorted(xs) and len(set(xs)) == len(xs), (token, xs)


@pytest.mark.parametrize('edition', EDITIONS)
@pytest.mark.parametrize('layout', LAYOUTS)
def test_the_title_reads_right_to_left(lang, layout, edition):
    """"الأمان في Västerås": the first word at the right, the Latin name
    (last in the sentence) at the left, all on one line."""
    found = words(output(lang, 'ar', layout, edition))
    first = title_word(found)
    second = min((w for w in found if w['text'] == 'في'
                  and same_line(w, first)),
                 key=lambda w: abs(w['x1'] - first['x0']))
    name = next(w for w in found if w['text'] == 'Västerås'
                and w['page'] == first['page'] and (
                    same_line(w, second) or 0 < w['y0'] - second['y0'] < 60))
    assert first['x0'] > second['x1']
    if same_line(second, name):
        assert second['x0'] > name['x1']
    else:  # the narrow tri-fold cover: the name on the next line
        assert layout == 'trifold-dl' and name['y0'] > second['y0']


def title_word(found: list[dict]) -> dict:
    """The title's first word, "الأمان": the largest of its kind."""
    return max((w for w in found if w['text'] == 'الأمان'),
               key=lambda w: w['y1'] - w['y0'])


def same_line(a: dict, b: dict) -> bool:
    """Whether two word boxes share a line: their vertical extents overlap
    by more than half the smaller (Arabic letters stand taller than Latin
    ones of the same size)."""
    overlap = min(a['y1'], b['y1']) - max(a['y0'], b['y0'])
    return a['page'] == b['page'] and overlap > 0.5 * min(
        a['y1'] - a['y0'], b['y1'] - b['y0'])


def badge(found: list[dict], number: str) -> dict:
    """A proposal's number: the word after the proposals' heading."""
    heading = word(found, 'مقترحاتنا')
    return next(w for w in found if w['text'] == number
                and w['page'] == heading['page'] and w['y0'] > heading['y1'])


@pytest.mark.parametrize('edition', EDITIONS)
@pytest.mark.parametrize('layout', LAYOUTS)
def test_a_proposal_number_stands_at_the_right_of_its_title(
        lang, layout, edition):
    found = words(output(lang, 'ar', layout, edition))
    number, title = badge(found, '1'), word(found, 'المزيد')
    assert number['x0'] > title['x1']
    assert number['x1'] - title['x1'] < 60  # beside it, not across the page


@pytest.mark.parametrize('edition', EDITIONS)
def test_the_leaflet_mirrors_its_columns(lang, edition):
    """WeasyPrint 70 does not mirror grids: the [dir=rtl] rules do.  The
    first proposal stands in the right column, the third under it; on the
    back the first column (the sections) is the right one."""
    found = words(output(lang, 'ar', 'leaflet-a5', edition))
    one, two, three = (badge(found, n) for n in '123')
    assert one['x0'] > two['x1'] + 50
    assert abs(one['x0'] + one['x1'] - three['x0'] - three['x1']) < 1
    assert three['y0'] > one['y0']
    sections = next(w for w in found if w['text'] == 'الجريمة'
                    and w['page'] == 2)
    faq = word(found, 'أسئلة')
    assert faq['page'] == 2 and abs(sections['y0'] - faq['y0']) < 30
    assert sections['x0'] > faq['x1']


@pytest.mark.parametrize('edition', EDITIONS)
def test_the_trifold_is_the_mirror_of_the_left_to_right_sheet(lang, edition):
    """A right-to-left reader opens the tri-fold from the other side: the
    outside reads, left to right, cover, back, flap (the proposals), and
    the inside starts with its right panel; the folds are mirrored with it
    (outside at 100 and 200 mm, inside at 97 and 197 mm: the manifest),
    and no text crosses them (the preflight, which checks the mirrored
    folds, passed: the build did)."""
    import json

    found = words(output(lang, 'ar', 'trifold-dl', edition))
    mm = 72 / 25.4
    bleed = 3 if edition == 'print' else 0
    def panel(w: dict) -> int:  # 0, 1, 2 from the left, between the folds
        x = (w['x0'] + w['x1']) / 2 / mm - bleed
        folds = (100, 200) if w['page'] == 1 else (97, 197)
        return sum(x > fold for fold in folds)
    title = title_word(found)              # the cover's title
    proposals = word(found, 'مقترحاتنا')   # the flap's heading
    scan = word(found, 'امسح')             # the back: the QR code's line
    assert (title['page'], panel(title)) == (1, 0)
    assert (scan['page'], panel(scan)) == (1, 1)
    assert (proposals['page'], panel(proposals)) == (1, 2)
    # The intro's first words open the inside, on its right panel.
    opening = next(w for w in found if w['text'] == 'شرط' and w['page'] == 2)
    assert panel(opening) == 2
    manifest = json.loads((lang / 'output' / 'manifest.json').read_text())
    entry = next(e for e in manifest['outputs'] if e['path'].endswith(
        output(lang, 'ar', 'trifold-dl', edition).name))
    assert entry['folds_mm'] == [[100, 200], [97, 197]]


def test_folds_are_mirrored_right_to_left_only():
    from flyers.layouts import Page

    page = Page(297, 210, 2, folds_mm=((97, 197), (100, 200)))
    assert page.folds_for('ltr') == ((97, 197), (100, 200))
    assert page.folds_for('rtl') == ((100, 200), (97, 197))
    assert Page(420, 297, 1, folds_mm=(140.5,)).folds_for('rtl') == (
        (279.5,),)
    assert Page(148, 210, 2).folds_for('rtl') == ()


@pytest.mark.parametrize('edition', EDITIONS)
@pytest.mark.parametrize('layout', ['leaflet-a5', 'poster-a3'])
def test_the_qr_code_stands_at_the_right_and_its_address_reads_left_to_right(
        lang, layout, edition):
    pdf = output(lang, 'ar', layout, edition)
    found = words(pdf)
    address, scan = word(found, 'example.org/amn'), word(found, 'امسح')
    page = address['page']
    codes = decode_qr_codes(pdf, page - 1, dpi=150)
    assert len(codes) == 1
    assert codes[0].text == 'https://example.org/amn'  # no tracking set
    # zxing's corners are pixels at 150 dpi; the words are points.
    qr_left = min(p.x for p in (codes[0].position.top_left,
                                codes[0].position.bottom_left)) * 72 / 150
    assert qr_left > address['x1'] and qr_left > scan['x1']
    # The address (set left to right) and the scan line end at the same
    # right edge: the start of the text column beside the code.
    assert abs(address['x1'] - scan['x1']) < 1


@pytest.mark.parametrize('layout', LAYOUTS)
def test_the_screen_editions_link_covers_the_printed_address(lang, layout):
    """WeasyPrint places the link of a right-to-left line's box where the
    address is printed (poppler's word box, within a point)."""
    import pikepdf

    pdf = output(lang, 'ar', layout, 'screen')
    address = word(words(pdf), 'example.org/amn')
    with pikepdf.open(pdf) as document:
        page = document.pages[address['page'] - 1]
        height = float(page.MediaBox[3])
        rects = [[float(v) for v in a.Rect] for a in page.Annots
                 if str(a.A.URI) == 'https://example.org/amn']
    assert any(abs(r[0] - address['x0']) < 1 and abs(r[2] - address['x1']) < 1
               and abs(height - r[3] - address['y0']) < 3
               for r in rects), (rects, address)


@pytest.mark.parametrize('layout', LAYOUTS)
def test_paragraphs_are_set_from_the_right(lang, layout):
    """Right-to-left paragraphs start at the right: the lines of the call
    to action end on one right edge and start on ragged left ones (the
    tri-fold's feature panel; its back panel centres it)."""
    found = words(output(lang, 'ar', layout, 'print'))
    cta = [w for w in found if w['text'] == 'شارك'][-1]
    cta_words = {'شارك', 'الصفحة', 'إذا', 'كنت', 'تعتقد', 'أن', 'Västerås',
                 'يجب', 'تكون', 'آمنة', 'للجميع.'}
    lines: list[list[dict]] = []
    for w in found:
        if w['text'] in cta_words and w['page'] == cta['page'] \
                and 0 <= w['y0'] - cta['y0'] < 80 \
                and cta['x1'] - 260 < w['x0'] < cta['x1'] + 1:
            line = next((l for l in lines if same_line(l[0], w)), None)
            if line is None:
                lines.append([w])
            else:
                line.append(w)
    rights = [max(w['x1'] for w in line) for line in lines]
    lefts = [min(w['x0'] for w in line) for line in lines]
    assert len(lines) >= 2
    assert max(rights) - min(rights) < 1
    assert max(lefts) - min(lefts) > 5


def test_names_inside_arabic_text_keep_their_order(lang):
    """WeasyPrint 70 lays the inline boxes of a right-to-left line out in
    reverse, whatever their own direction: "Liberalerna Västerås" as two
    boxes would read "Västerås Liberalerna".  The | inline filter makes no
    box per name in a right-to-left language
    (test_names_get_no_box_of_their_own_right_to_left), and puts a
    left-to-right run that crosses an element ("**Liberalerna** Västerås",
    the intro's second paragraph) into one box of its own."""
    checked = 0
    for layout in LAYOUTS:
        found = words(output(lang, 'ar', layout, 'print'))
        for w in found:
            if w['text'] != 'Liberalerna':
                continue
            after = [v for v in found if v['text'] == 'Västerås'
                     and same_line(v, w)]
            if after:
                assert after[0]['x0'] > w['x1'], layout
                checked += 1
    # The three imprints (typeset as one box), and the second paragraph of
    # the intro (with names) on the leaflet and the tri-fold.
    assert checked == 5


@pytest.mark.parametrize('layout', ['leaflet-a5', 'trifold-dl'])
def test_a_phone_number_reads_left_to_right(lang, layout):
    """"021-123 45 67" inside Arabic: the bidi algorithm alone would print
    "67 45 123-021"; the builder isolates it (LRI … PDI)."""
    # poppler joins the sentence's full stop, at the left, to the number.
    found = [dict(w, text=w['text'].strip('.'))
             for w in words(output(lang, 'ar', layout, 'print'))]
    parts = [word(found, '021-123'), word(found, '45'), word(found, '67')]
    assert all(same_line(parts[0], p) for p in parts)
    assert parts[0]['x1'] < parts[1]['x0'] < parts[1]['x1'] < parts[2]['x0']


@pytest.mark.parametrize('text, expected', [
    ('على 021-123 45 67.', 'على \u2066021-123 45 67\u2069.'),
    ('على example.org/amn/ أو', 'على \u2066example.org/amn/\u2069 أو'),
    ('الساعة 18:30، في', 'الساعة \u206618:30\u2069، في'),
    ('info@example.se؟', '\u2066info@example.se\u2069؟'),
    ('نريد 3 فرق قبل عام 2027.', 'نريد 3 فرق قبل عام 2027.'),
    ('في Bäckby.', 'في Bäckby.'),
])
def test_addresses_and_grouped_numbers_are_isolated(text, expected):
    assert isolate_ltr(text) == expected
    assert typeset(text, 'ar') == expected
    assert '\u2066' not in typeset(text.replace('على', 'på'), 'sv')


@pytest.mark.parametrize('text, expected', [
    # Bold and plain Latin side by side: one left-to-right box for both.
    ('في **Liberalerna** Västerås نؤمن',
     'في <span dir="ltr"><strong>Liberalerna</strong> Västerås</span> نؤمن'),
    # A run that starts inside a bold Arabic phrase: the bold is closed
    # before the box and reopened inside it.
    ('**نحن في Liberalerna** Västerås',
     '<strong>نحن في </strong><span dir="ltr"><strong>Liberalerna</strong>'
     ' Västerås</span>'),
    # ... and one that ends inside a bold Arabic phrase.
    ('Anna **Svensson مرشحة**',
     '<span dir="ltr">Anna<strong> Svensson</strong></span><strong> مرشحة'
     '</strong>'),
    # A run inside one element, or with no element at all: left alone.
    ('نحن **Liberalerna Västerås** نعمل',
     'نحن<strong> Liberalerna Västerås</strong> نعمل'),
    ('في Liberalerna Västerås نؤمن', 'في Liberalerna Västerås نؤمن'),
    # Escaped characters and numbers belong to the run.
    ('**A & B** 2026 ج', '<span dir="ltr"><strong>A &amp; B</strong> 2026'
     '</span> ج'),
])
def test_a_left_to_right_run_across_elements_is_one_box(text, expected):
    assert str(inline(text, 'ar')) == expected


def test_left_to_right_text_gets_no_direction_boxes():
    assert 'dir=' not in str(inline('Vi i **Liberalerna** Västerås', 'sv'))


def test_names_get_no_box_of_their_own_right_to_left():
    assert 'class="name"' not in inline(
        'مع Liberalerna Västerås اليوم', 'ar')
    assert 'class="name"' in inline('med Liberalerna Västerås i dag', 'sv')


@pytest.mark.parametrize('layout', LAYOUTS)
def test_arabic_is_shaped_and_set_in_the_brand_arabic_font(lang, layout):
    """Joined letters: most Arabic letters are set with a glyph other than
    their isolated form (the font's cmap), read from the embedded font's
    ToUnicode map; and every font is one of the brand's."""
    import pikepdf
    from fontTools.ttLib import TTFont

    pdf = output(lang, 'ar', layout, 'print')
    names = [f['name'] for f in pdf_fonts(pdf)]
    assert all(n.split('+', 1)[1].startswith('Brand-') for n in names), names
    assert any('Brand-Fallback1-default' in n for n in names), names
    original = TTFont(ROOT / 'brands' / 'default' / 'fonts'
                      / 'NotoNaskhArabic-Regular.ttf')
    order, cmap = original.getGlyphOrder(), original.getBestCmap()
    joined = isolated = 0
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            for font in page.Resources.Font.values():
                if not str(font.BaseFont).endswith('Brand-Fallback1-default'):
                    continue
                # Glyph ids are the original font's (CIDToGIDMap
                # /Identity, the subset keeps every glyph's place).
                assert font.DescendantFonts[0].CIDToGIDMap == pikepdf.Name(
                    '/Identity')
                cmap_text = font.ToUnicode.read_bytes().decode('latin-1')
                for cid, uni in re.findall(
                        r'<([0-9a-fA-F]{4})> <([0-9a-fA-F]{4})>', cmap_text):
                    char = chr(int(uni, 16))
                    if unicodedata.category(char) != 'Lo' or not _arabic(char):
                        continue
                    if order[int(cid, 16)] == cmap[ord(char)]:
                        isolated += 1
                    else:
                        joined += 1
    assert joined > isolated > 0, (joined, isolated)


@pytest.mark.parametrize('layout', LAYOUTS)
def test_the_text_reads_in_logical_order(lang, layout):
    text = plain_text(output(lang, 'ar', layout, 'print'))
    for phrase in ('الأمان في Västerås', 'example.org/amn',
                   'امسح الرمز واقرأ المزيد على',
                   'المزيد من الفرق الاجتماعية'):
        assert phrase in text, (phrase, text[:400])
    assert 'Scan the code' not in text


def test_arabic_typography_in_the_pdf(lang):
    """Guillemets for quotation marks, the reading list's arrows point to
    the left (the way a right-to-left reader goes on)."""
    leaflet = plain_text(output(lang, 'ar', 'leaflet-a5', 'print'))
    assert '«المدرسة»' in leaflet
    assert '←' in leaflet and '→' not in leaflet
    trifold = plain_text(output(lang, 'ar', 'trifold-dl', 'print'))
    assert '«' in trifold and '”' not in trifold  # the person's quote


def test_the_screen_edition_says_its_language(lang):
    import pikepdf

    with pikepdf.open(output(lang, 'ar', 'leaflet-a5', 'screen')) as pdf:
        assert str(pdf.Root.Lang) == 'ar'


@pytest.mark.parametrize('content, phrases', [
    ('en', ['“neighbourhood prevention”', 'Bäckby – before 2027',
            'Scan the code and read more at']),
    ('fi', ['”enemmän aikuisia”', 'lähiympäristöön – jo vuonna 2027',
            'Skannaa koodi ja lue lisää osoitteessa']),
])
def test_english_and_finnish_leaflets(lang, content, phrases):
    pdf = output(lang, content, 'leaflet-a5', 'print')
    text = re.sub('\u2010 ', '', plain_text(pdf)).replace('\u00a0', ' ')
    for phrase in phrases:
        assert phrase in text, (phrase, text)
    # Left to right: the title's first word at the left.
    found = words(pdf)
    first = found[[w['text'] for w in found].index(
        {'en': 'Safety', 'fi': 'Turvallisuus'}[content])]
    assert first['x0'] < 60


# --- the parts, one by one -------------------------------------------------

@pytest.mark.parametrize('language, expected', [
    ('ar', 'rtl'), ('fa', 'rtl'), ('ckb', 'rtl'), ('he', 'rtl'),
    ('ur', 'rtl'), ('ps', 'rtl'), ('ar-SE', 'rtl'), ('ku-Arab', 'rtl'),
    ('ku-Latn', 'ltr'), ('az-Arab', 'rtl'), ('sv', 'ltr'), ('en', 'ltr'),
    ('fi', 'ltr'), ('so', 'ltr'), ('en-GB', 'ltr'), ('sr-Cyrl', 'ltr'),
])
def test_direction_of_a_language(language, expected):
    assert direction(language) == expected


@pytest.mark.parametrize('language', ['en', 'fi', 'ar'])
def test_every_label_in_every_language(language):
    assert LABELS[language].keys() == LABELS['sv'].keys()
    assert all(label(language, key).strip() for key in LABELS['sv'])
    assert '{url}' in label(language, 'qr_alt')
    if language != 'en':
        assert label(language, 'scan') != label('en', 'scan')


@pytest.mark.parametrize('language, expected', [
    ('sv', '”tryggt” – nu'), ('fi', '”tryggt” – nu'),
    ('en', '“tryggt” – nu'), ('ar', '«tryggt» – nu'),
    ('fa', '«tryggt» – nu'),
])
def test_quotation_marks_and_dash_per_language(language, expected):
    assert typeset('"tryggt" - nu', language) == expected.replace(
        ' –', '\u00a0–')


@pytest.mark.parametrize('language, text, expected', [
    ('fi', 'kaupunginvaltuusto', 'kau-pun-gin-val-tuusto'),
    ('fi', 'nuorisotyöntekijä', 'nuo-riso-työn-tekijä'),
    ('fi', 'turvallisuus', 'tur-val-lisuus'),
    ('en', 'prevention', 'pre-ven-tion'),
    ('en', 'neighbourhood', 'neigh-bour-hood'),
    ('en-GB', 'information', 'inform-ation'),
    ('en-US', 'information', 'infor-mation'),
    ('fi-FI', 'turvallisuus', 'tur-val-lisuus'),
    ('ar', 'الاجتماعية', 'الاجتماعية'),
    ('sv', 'vuxennärvaro', 'vuxen-närvaro'),
])
def test_hyphenation_per_language(language, text, expected):
    assert hyphenate(text, language).replace('\u00ad', '-') == expected


# --- fonts ---------------------------------------------------------------

HEBREW = 'שלום'


def _with_title(project: Path, title: str) -> None:
    source = (LANG / 'ar.yaml').read_text('utf-8')
    (project / 'content' / 'x.yaml').write_text(
        source.replace('title: الأمان في Västerås', f'title: {title}')
        .replace('layouts: [leaflet-a5, poster-a3, trifold-dl]',
                 'layouts: [poster-a3]'), 'utf-8')
    shutil.copytree(ROOT / 'content' / 'images', project / 'content' / 'images')


def test_a_script_no_brand_font_has_is_named(empty_project, capsys):
    _with_title(empty_project, f'الأمان {HEBREW}')
    code, _, err = run(empty_project, 'check', capsys=capsys)
    assert code == 1
    errors = [l for l in err.splitlines() if l.startswith('error:')]
    assert errors == [
        'error: content/x.yaml:9:8: title: the fonts of the brand "default" '
        'have no "ו" (U+05D5), "ל" (U+05DC), "ם" (U+05DD), "ש" (U+05E9) of '
        'the Hebrew script (Hebrew, Yiddish); the PDF would fall back to a '
        'font of this machine. Replace or remove them; or add a font for '
        'Hebrew script (Hebrew, Yiddish) to brands/default/brand.yaml '
        '(fonts.fallback)'], errors


def test_arabic_needs_the_brands_arabic_font(empty_project, capsys):
    brand = empty_project / 'brands' / 'default' / 'brand.yaml'
    text = brand.read_text('utf-8')
    brand.write_text(text[:text.index('  # Arabic script')]
                     + text[text.index('logos:'):], 'utf-8')
    _with_title(empty_project, 'الأمان')
    code, _, err = run(empty_project, 'check', capsys=capsys)
    assert code == 1
    title = [l for l in err.splitlines() if ': title: ' in l]
    assert title == [
        'error: content/x.yaml:9:8: title: the fonts of the brand "default" '
        'have no "أ" (U+0623), "ا" (U+0627), "ل" (U+0644), "م" (U+0645), '
        '"ن" (U+0646) '
        'of the Arabic script (Arabic, Persian, Sorani, Urdu); the PDF '
        'would fall back to a font of this machine. Replace or remove them; '
        'or add a font for Arabic script (Arabic, Persian, Sorani, Urdu) to '
        'brands/default/brand.yaml (fonts.fallback)'], title


def test_a_missing_fallback_font_file_is_named(project, capsys):
    brand = project / 'brands' / 'solrosen' / 'brand.yaml'
    brand.write_text(brand.read_text('utf-8').replace(
        'fonts/NotoNaskhArabic-Bold.ttf', 'fonts/Missing.ttf'), 'utf-8')
    shutil.copy(ROOT / 'content' / 'solrosen-varstamma.yaml',
                project / 'content')
    code, _, err = run(project, 'check', 'content/solrosen-varstamma.yaml',
                       capsys=capsys)
    assert code == 1
    assert re.search(
        r'error: brands/solrosen/brand\.yaml:\d+:\d+: '
        r'fonts\.fallback\[0\]\.faces\[1\]\.file: "fonts/Missing\.ttf" is not '
        r'a file in brands/solrosen/; put it there or correct the name', err), err


@pytest.mark.parametrize('brand', ['default', 'solrosen'])
def test_brand_fonts_cover_finnish_somali_and_arabic(brand):
    """Finnish (å ä ö š ž) and Somali (Latin, with ' and the letters c x q)
    in every text and display face; the Arabic letters, Arabic comma,
    question mark and digits in the Arabic faces; each face's licence
    file is there."""
    import yaml
    from fontTools.ttLib import TTFont

    folder = ROOT / 'brands' / brand
    fonts = yaml.safe_load((folder / 'brand.yaml').read_text('utf-8'))['fonts']
    latin = set('abcdefghijklmnopqrstuvwxyzåäöšžABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖŠŽ'
                "'’”“«»–")
    arabic = {chr(c) for c in range(0x0621, 0x064b)} | set('،؛؟٠١٢٣٤٥٦٧٨٩')
    for face in fonts['text'] + fonts['display']:
        cmap = TTFont(folder / face['file']).getBestCmap()
        assert not {c for c in latin if ord(c) not in cmap}, face
    (family,) = fonts['fallback']
    assert (folder / family['licence']).read_text('utf-8').count(
        'SIL OPEN FONT LICENSE Version 1.1') == 1
    for face in family['faces']:
        cmap = TTFont(folder / face['file']).getBestCmap()
        missing = {c for c in arabic if ord(c) not in cmap
                   and unicodedata.category(c) != 'Cn'}
        assert not missing, (face, missing)


@pytest.mark.parametrize('edition', EDITIONS)
def test_arabic_with_vowel_marks_keeps_every_letter_in_the_text(
        lang, edition):
    """The person's quote "الأمان يُبنى في الحياة اليومية" has a damma:
    the PDF's text holds every letter and the mark (poppler splits the
    word at the mark, which WeasyPrint 70 sets with a text rise)."""
    text = re.sub(r'\s', '', plain_text(output(lang, 'ar', 'trifold-dl',
                                                edition)))
    assert '\u064f' in text
    assert 'الأمانيبنىفيالحياةاليومية' in text.replace('\u064f', '')


def test_arabic_vowel_marks_are_named_in_a_warning(tmp_path, capsys):
    """Harakat print right but WeasyPrint 70 gives their cluster's glyphs
    the wrong text: the build says which fields have them."""
    project = copy_project(tmp_path / 'project')
    shutil.copy(FIXTURES / 'lang' / 'ar.yaml', project / 'content' / 'ar.yaml')
    code, _, err = run(project, 'build', str(project / 'content/ar.yaml'),
                       '--layout', 'poster-a3', '--edition', 'screen',
                       capsys=capsys)
    assert code == 0, err
    warned = [line for line in err.splitlines() if 'harakat' in line]
    expected = [path for path, value in _texts(project / 'content/ar.yaml')
                if re.search('[\u064b-\u0652]', value)]
    assert expected and [re.search(r': ([^:]+): has Arabic vowel marks',
                                   line)[1] for line in warned] == expected
    assert all(line.startswith('warning: content/ar.yaml:') and line.endswith(
        'write the text without them, as most print does') for line in warned)


def _texts(path):
    from flyers.content import load_campaign, texts

    return list(texts(load_campaign(path)))
