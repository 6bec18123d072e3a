"""Preflight: every check passes a good PDF and fails a deliberately bad one.

The PDFs are made here: small pages laid out by WeasyPrint (CMYK colours
with ``device-cmyk()``, an output intent from a tiny hand-made CMYK ICC
profile, the project's Inter font, real QR codes from ``flyers.qr``), given
a slug with crop marks like the builder's, and then damaged with pikepdf
where WeasyPrint cannot make the defect.  Each bad input must make exactly
its own check fail.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import struct
import time
from pathlib import Path

import pikepdf
import pytest

from flyers.preflight import CHECKS, Expectations, Finding, Report, preflight
from flyers.qr import make_qr

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / 'brands' / 'default' / 'fonts' / 'Inter-Regular.otf'
URL = 'https://www.liberalerna.se/vasteras/trygghet?utm_medium=print'
K = 'device-cmyk(0 0 0 1)'  # black ink only
PAPER = 'device-cmyk(0 0 0 0)'
PT_PER_MM = 72 / 25.4
SLUG_MM, BLEED_MM = 10, 3
MARK_WIDTH_PT = 0.1  # thinner than allowed: marks in the slug are exempt

EXPECT = Expectations(
    edition='print', pages=1, trim_mm=(100, 140), bleed_mm=BLEED_MM,
    safe_mm=5, qr_urls=(URL,), qr_min_mm=20,
    font_names=frozenset({'Inter-Regular', 'Inter-Bold'}))


# --- making inputs ----------------------------------------------------------

def cmyk_profile() -> bytes:
    """The smallest ICC profile LittleCMS (and so WeasyPrint) accepts as
    CMYK: a header saying 'prtr' and 'CMYK', a description and a white
    point.  It converts nothing; it only makes the output intent /N 4."""
    def tag(signature, body):
        return signature, body + b'\0' * (-len(body) % 4)

    text = b'Preflight test CMYK (converts nothing)\0'
    d50 = struct.pack('>iii', 63190, 65536, 54061)
    tags = [tag(b'desc', b'desc\0\0\0\0' + struct.pack('>I', len(text))
                + text + b'\0' * 79),
            tag(b'wtpt', b'XYZ \0\0\0\0' + d50)]
    offset = 128 + 4 + 12 * len(tags)
    table, data = struct.pack('>I', len(tags)), b''
    for signature, body in tags:
        table += signature + struct.pack('>II', offset + len(data), len(body))
        data += body
    header = (struct.pack('>I', offset + len(data)) + b'none'
              + bytes([2, 0x10, 0, 0]) + b'prtr' + b'CMYK' + b'Lab '
              + b'\0' * 12 + b'acsp' + b'\0' * 28 + d50 + b'\0' * 48)
    assert len(header) == 128
    return header + table + data


def foreign_font(target: Path) -> None:
    """Inter under another name: a font that is not one of the project's."""
    from fontTools.ttLib import TTFont

    with TTFont(FONT) as font:
        for record in font['name'].names:
            if record.nameID in (1, 4, 6, 16):
                record.string = {6: 'Stranger-Regular'}.get(
                    record.nameID, 'Stranger')
        font['CFF '].cff.fontNames = ['Stranger-Regular']
        font.save(target)


def qr_svg(url: str = URL, size_mm: float = 30, dark: str = K,
           light: str = PAPER) -> str:
    """The builder's QR code, its modules (the path) and ground (the rect)
    painted in the given colours."""
    svg = str(make_qr(url, size_mm).svg)
    svg = re.sub(r'(<rect[^>]*fill=")[^"]*"', rf'\g<1>{light}"', svg)
    return re.sub(r'(<path[^>]*fill=")[^"]*"', rf'\g<1>{dark}"', svg)


GOOD_BODY = f'''
<div class="band">Trygghet i Västerås</div>
<p>Body text long enough to wrap across a line or two on this small page,
with <a href="https://www.liberalerna.se/vasteras">a link</a>.</p>
<hr>
<div class="qr">{qr_svg()}</div>
'''


def page_html(body: str = GOOD_BODY, css: str = '', cmyk: bool = True,
              font: str = 'Inter-Regular.otf') -> str:
    ink, paper, brand, accent = ((K, PAPER, 'device-cmyk(1 0.6 0 0.1)',
                                  'device-cmyk(0 0.3 1 0)') if cmyk else
                                 ('#000', '#fff', '#0b3b73', '#ffc629'))
    profile = ('@color-profile --press { src: url(cmyk.icc); '
               'components: cyan, magenta, yellow, black }' if cmyk else '')
    bleed = f'bleed: {BLEED_MM}mm;' if cmyk else ''
    return f'''<html lang="sv"><head><style>
{profile}
@font-face {{ font-family: Text; src: url({font}) }}
@page {{ size: 100mm 140mm; {bleed} margin: 0 }}
html {{ font-family: Text; font-size: 9pt; color: {ink} }}
body {{ margin: 0 }}
.band {{ background: {brand}; color: {paper}; font-size: 14pt;
  margin: {'-3mm -3mm 0' if cmyk else '0'}; padding: 10mm 13mm 5mm;
  border-bottom: 1mm solid {accent} }}
p {{ margin: 3mm 10mm }}
a {{ color: inherit }}  /* WeasyPrint's own link colour is RGB */
hr {{ border: 0; border-top: 0.5pt solid {ink}; margin: 2mm 10mm }}
.qr {{ position: absolute; left: 10mm; top: 85mm; width: 30mm }}
.qr svg {{ display: block }}
{css}
</style></head><body>{body}</body></html>'''


def add_slug(pdf: pikepdf.Pdf) -> None:
    """What the builder's finisher does: MediaBox = trim + slug, BleedBox =
    trim + bleed, crop marks in registration colour outside the bleed."""
    slug, bleed, mark = (SLUG_MM * PT_PER_MM, BLEED_MM * PT_PER_MM,
                         5 * PT_PER_MM)
    for page in pdf.pages:
        x0, y0, x1, y1 = (float(v) for v in page.obj.TrimBox)
        page.obj.MediaBox = [x0 - slug, y0 - slug, x1 + slug, y1 + slug]
        page.obj.BleedBox = [x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed]
        lines = []
        for x, dx in ((x0, -1), (x1, 1)):
            for y, dy in ((y0, -1), (y1, 1)):
                lines.append(f'{x + dx * bleed:.3f} {y:.3f} m '
                             f'{x + dx * (bleed + mark):.3f} {y:.3f} l S')
                lines.append(f'{x:.3f} {y + dy * bleed:.3f} m '
                             f'{x:.3f} {y + dy * (bleed + mark):.3f} l S')
        page.contents_add(pdf.make_stream(b'q'), prepend=True)
        add_registration(pdf, page)
        page.contents_add(pdf.make_stream(
            f'Q q {MARK_WIDTH_PT} w /registration CS 1 SCN '
            f'{" ".join(lines)} Q'.encode()))


def add_registration(pdf: pikepdf.Pdf, page) -> None:
    """The registration colour among the page's colour spaces, as the
    builder draws its crop marks: Separation /All, tint 1 = 100 % of every
    ink."""
    resources = page.obj.Resources
    if '/ColorSpace' not in resources:
        resources.ColorSpace = pikepdf.Dictionary()
    resources.ColorSpace.registration = pikepdf.Array([
        pikepdf.Name.Separation, pikepdf.Name.All, pikepdf.Name.DeviceCMYK,
        pdf.make_indirect(pikepdf.Dictionary(
            FunctionType=2, Domain=[0, 1], N=1, C0=[0, 0, 0, 0],
            C1=[1, 1, 1, 1]))])


class Inputs:
    """Makes test PDFs, each once per test module."""

    def __init__(self, folder: Path):
        self.folder = folder
        (folder / 'cmyk.icc').write_bytes(cmyk_profile())
        (folder / FONT.name).write_bytes(FONT.read_bytes())
        foreign_font(folder / 'Stranger-Regular.otf')
        self._made: dict[str, Path] = {}

    def pdf(self, name: str, body: str = GOOD_BODY, css: str = '',
            cmyk: bool = True, font: str = FONT.name, edit=None) -> Path:
        if name in self._made:
            return self._made[name]
        import weasyprint

        # The screen edition is tagged (PDF/UA), as the builder writes it.
        options = ({'output_intent': '--press', 'pdf_variant': 'pdf/x-4'}
                   if cmyk else {'pdf_variant': 'pdf/ua-1'})
        data = weasyprint.HTML(
            string=page_html(body, css, cmyk, font),
            base_url=self.folder.as_uri() + '/').write_pdf(**options)
        path = self.folder / f'{name}.pdf'
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if cmyk:
                add_slug(pdf)
                # As the builder's print finisher does: no annotations.
                for page in pdf.pages:
                    if '/Annots' in page.obj:
                        page.obj.Annots = pdf.make_indirect(pikepdf.Array())
            if edit is not None:
                edit(pdf)
            pdf.save(path)
        self._made[name] = path
        return path

    def edited(self, name: str, edit, base: str = 'good') -> Path:
        """A copy of an input changed with pikepdf."""
        if name in self._made:
            return self._made[name]
        path = self.folder / f'{name}.pdf'
        with pikepdf.open(self.pdf(base)) as pdf:
            edit(pdf)
            pdf.save(path)
        self._made[name] = path
        return path


@pytest.fixture(scope='module')
def inputs(tmp_path_factory) -> Inputs:
    return Inputs(tmp_path_factory.mktemp('preflight'))


def check(path: Path, **changes) -> Report:
    return preflight(path, dataclasses.replace(EXPECT, **changes),
                     shown_as=path.name)


def failing(report: Report) -> set[str]:
    return {name for name, status in report.checks if status == 'fail'}


def messages(report: Report, check_id: str) -> list[str]:
    return [str(f) for f in report.findings if f.check == check_id]


def only_failure(report: Report, check_id: str) -> list[Finding]:
    """Assert that ``check_id`` is the one check that failed."""
    assert failing(report) == {check_id}, [str(f) for f in report.findings]
    assert not report.ok
    return [f for f in report.findings if f.check == check_id]


def page_form(pdf: pikepdf.Pdf, content: bytes, resources=None):
    """Draw a new form XObject on the first page, at 40 mm, 60 mm."""
    page = pdf.pages[0]
    form = pdf.make_stream(content, Type=pikepdf.Name.XObject,
                           Subtype=pikepdf.Name.Form,
                           BBox=[0, 0, 20, 20],
                           Resources=resources or pikepdf.Dictionary())
    resources = page.obj.Resources
    if '/XObject' not in resources:
        resources.XObject = pikepdf.Dictionary()
    resources.XObject.Added = form
    x, y = 40 * PT_PER_MM, (140 - 60) * PT_PER_MM
    page.contents_add(pdf.make_stream(
        f'q 1 0 0 1 {x:.2f} {y:.2f} cm /Added Do Q'.encode()))
    return form


# --- the good inputs --------------------------------------------------------

def test_a_good_print_pdf_passes_every_check(inputs):
    report = check(inputs.pdf('good'))
    assert report.findings == ()
    assert report.ok
    # Every check but the folds one, which runs for folded layouts only,
    # the empty-band one, which runs with a layout's limit only, and the
    # tags one, for the screen edition only.
    assert [name for name, _ in report.checks] == [
        name for name in CHECKS if name not in ('folds', 'layout', 'tags')]
    assert {status for _, status in report.checks} == {'pass'}
    assert report.pdf == 'good.pdf'


def test_a_good_screen_pdf_passes_without_colour_and_ink(inputs):
    """RGB, no bleed, no output intent: right for the screen edition."""
    path = inputs.pdf('screen', body=GOOD_BODY.replace(
        qr_svg(), qr_svg(dark='#000', light='#fff')), cmyk=False)
    report = check(path, edition='screen', bleed_mm=0)
    assert report.findings == ()
    ran = [name for name, _ in report.checks]
    assert 'ink' not in ran
    assert dict(report.checks)['colour'] == 'pass'  # RGB, as it should be
    assert dict(report.checks)['tags'] == 'pass'  # tagged, one link
    assert 'bleed-reach' not in ran  # nothing to reach without a bleed
    # The same file is no print edition.
    assert {'colour'} <= failing(check(path, bleed_mm=0))


def test_fonts_are_known_by_the_name_inside_the_embedded_program(inputs):
    """WeasyPrint names a font after its CSS family ("XXXXXX+Text"): the
    check reads the PostScript name from the embedded program instead."""
    with pikepdf.open(inputs.pdf('good')) as pdf:
        fonts = pdf.pages[0].Resources.Font
        names = {str(font.BaseFont) for font in fonts.values()}
    assert all(name.endswith('+Text') for name in names), names
    assert check(inputs.pdf('good')).ok


# --- structure and boxes ----------------------------------------------------

def test_structure_fails_a_damaged_file(inputs, tmp_path):
    data = inputs.pdf('good').read_bytes()
    # A stream says it is 3 bytes longer than it is: readers must guess
    # where it ends, and the file only works by luck.
    length = re.search(rb'/Length (\d+)', data)
    damaged = tmp_path / 'damaged.pdf'
    damaged.write_bytes(data[:length.start(1)]
                        + str(int(length[1]) + 3).encode()
                        + data[length.end(1):])
    found = only_failure(check(damaged), 'structure')
    assert found[0].message.startswith('the file is damaged (qpdf: (object ')
    assert 'expected endstream' in found[0].message
    assert any('recovered stream length' in f.message for f in found)


def test_structure_fails_a_file_that_is_no_pdf(tmp_path):
    path = tmp_path / 'not.pdf'
    path.write_text('<html>not a PDF</html>')
    report = check(path)
    assert report.checks == (('structure', 'fail'),)
    assert 'cannot be read as a PDF' in report.findings[0].message


def test_pages_fails_the_wrong_page_count(inputs):
    path = inputs.edited('two-pages',
                         lambda pdf: pdf.pages.append(pdf.pages[0]))
    found = only_failure(check(path), 'pages')
    assert found[0].message.startswith('the PDF has 2 page(s) but the '
                                       'layout has 1')


def _narrower_trim(pdf):
    # Cut 2 mm off the right: trim and bleed alike, so only the size is off.
    for page in pdf.pages:
        for box in ('/TrimBox', '/BleedBox'):
            values = [float(v) for v in page.obj[box]]
            values[2] -= 2 * PT_PER_MM
            page.obj[box] = values


def test_trim_box_fails_a_wrong_page_size(inputs):
    found = only_failure(check(inputs.edited('narrow', _narrower_trim)),
                         'trim-box')
    assert str(found[0]) == (
        'page 1: the trimmed page (TrimBox) is 98.0 × 140.0 mm but the '
        'layout is 100 × 140 mm; build it again from the layout')


def test_trim_box_fails_a_page_without_one(inputs):
    def remove(pdf):
        del pdf.pages[0].obj['/TrimBox']
    report = check(inputs.edited('no-trim', remove))
    assert 'trim-box' in failing(report)
    assert any('has no TrimBox' in m for m in messages(report, 'trim-box'))


def test_bleed_box_fails_a_bleed_of_1_mm(inputs):
    def thin_bleed(pdf):
        page = pdf.pages[0].obj
        values = [float(v) for v in page.BleedBox]
        values[0] = float(page.TrimBox[0]) - 1 * PT_PER_MM
        page.BleedBox = values
    found = only_failure(check(inputs.edited('thin-bleed', thin_bleed)),
                         'bleed-box')
    assert 'is left 1.0 mm but must be 3 mm on every side' in str(found[0])


def test_bleed_reach_fails_a_background_that_stops_at_the_trim(inputs):
    path = inputs.pdf('stops-at-trim', css='.band { margin: 0 }')
    found = only_failure(check(path), 'bleed-reach')
    edges = {f.message.split(' edge')[0].split()[-1]: f for f in found}
    # The band touches the top, left and right trim edges, not the bottom.
    assert set(edges) == {'top', 'left', 'right'}
    top = edges['top']
    assert 'a white sliver shows' in top.message
    assert top.position_mm[1] == 0.0 and top.position_mm[0] < 1


# --- fonts ------------------------------------------------------------------

def test_fonts_fails_a_font_that_is_not_embedded(inputs):
    def unembed(pdf):
        for font in pdf.pages[0].Resources.Font.values():
            del font.DescendantFonts[0].FontDescriptor['/FontFile3']
    found = only_failure(check(inputs.edited('unembedded', unembed)),
                         'fonts')
    assert found[0].message.startswith('the font "Text" is not embedded')
    assert found[0].page == 1


def test_fonts_fails_a_font_that_is_not_ours(inputs):
    path = inputs.pdf('foreign-font', font='Stranger-Regular.otf')
    found = only_failure(check(path), 'fonts')
    assert found[0].message.startswith(
        'the font "Text" (Stranger-Regular) is not one of the project\'s '
        'fonts (Inter-Bold, Inter-Regular)')


# --- text, rules, images ----------------------------------------------------

def test_safe_zone_fails_text_near_the_trim_and_names_the_field(inputs):
    body = GOOD_BODY + ('<p style="position: absolute; left: 2mm; '
                        'top: 60mm; margin: 0">Too close</p>')
    path = inputs.pdf('unsafe', body=body)
    fields = (((0, 0, 55, 50, 70), 'intro[0]'),
              ((0, 0, 0, 100, 140), 'page'))
    found = only_failure(check(path, fields=fields), 'safe-zone')
    assert len(found) == 1
    finding = found[0]
    assert finding.field == 'intro[0]'
    assert finding.position_mm[0] == pytest.approx(2.0, abs=0.1)
    assert str(finding).startswith('page 1 at 2.0 mm, ')
    assert ' (intro[0]): text "Too close" is 2.0 mm from the left trim ' \
           'edge; keep text at least 5 mm inside the trim' in str(finding)


def test_folds_fails_text_across_or_near_a_fold(inputs):
    report = check(inputs.pdf('good'), folds_mm=(40,))
    found = only_failure(report, 'folds')
    assert re.search(r'text "[^"]+" (crosses|comes within 5 mm of) the fold '
                     r'at 40 mm; keep every panel\'s text clear of its folds',
                     found[0].message), found[0].message


def test_text_size_fails_text_under_6_pt(inputs):
    body = GOOD_BODY + '<p style="font-size: 5pt">Small print</p>'
    found = only_failure(check(inputs.pdf('small-text', body=body)),
                         'text-size')
    assert len(found) == 1
    assert found[0].message.startswith(
        'text of 5.0 pt ("Small print"); text must be at least 6 pt')


def test_rule_width_fails_hairline_borders_and_strokes(inputs):
    # A CSS border (WeasyPrint fills it) and an SVG line (stroked).
    body = GOOD_BODY + f'''
    <p style="border-top: 0.1pt solid {K}">Under a hairline</p>
    <svg width="40mm" height="2mm" style="margin-left: 10mm">
      <line x1="0" y1="1" x2="100" y2="1" stroke="{K}" fill="none"
            stroke-width="0.13"/></svg>'''
    found = only_failure(check(inputs.pdf('hairlines', body=body)),
                         'rule-width')
    kinds = sorted(f.message.split(' of ')[0] for f in found)
    assert kinds == ['a filled rule (a border or bar)', 'a line']
    assert any('of 0.10 pt' in f.message for f in found)
    # The crop marks in the slug are thinner still, and exempt.
    assert all(0 <= f.position_mm[0] <= 100 for f in found)


def _grey_png(folder: Path, name: str, pixels: int) -> str:
    from PIL import Image

    image = Image.linear_gradient('L').resize((pixels, pixels))
    image.save(folder / name)
    return name


def test_image_ppi_fails_under_200_and_warns_under_300(inputs):
    low = _grey_png(inputs.folder, 'low.png', 60)  # 10 mm: 152 ppi
    fair = _grey_png(inputs.folder, 'fair.png', 100)  # 10 mm: 254 ppi
    good = _grey_png(inputs.folder, 'sharp.png', 130)  # 10 mm: 330 ppi
    body = GOOD_BODY + ''.join(
        f'<img src="{name}" style="width: 10mm; margin-left: 12mm">'
        for name in (low, fair, good))
    found = only_failure(check(inputs.pdf('images', body=body)), 'image-ppi')
    assert [(f.severity, f.message.split(';')[0]) for f in found] == [
        ('error',
         'an image (60 × 60 pixels, placed 10 × 10 mm) has 152 ppi'),
        ('warning', 'an image (100 × 100 pixels, placed 10 × 10 mm) has 254 '
                    'ppi')]
    assert 'use a larger image (at least 119 pixels wide' in found[0].message


# --- colour and ink ---------------------------------------------------------

def test_colour_fails_rgb_inside_a_form_xobject(inputs):
    def rgb_form(pdf):
        page_form(pdf, b'0.9 0.1 0.1 rg 0 0 20 20 re f')
    found = only_failure(check(inputs.edited('rgb-form', rgb_form)),
                         'colour')
    assert len(found) == 1
    assert found[0].message.startswith('RGB colour (rg) in form /Added')
    # The form's top-left corner: 60 mm down minus its 20 pt.
    assert found[0].position_mm == pytest.approx((40.0, 52.9), abs=0.1)


def test_colour_fails_rgb_in_images_groups_and_appearances(inputs):
    from PIL import Image

    Image.new('RGB', (200, 200), (200, 30, 30)).save(inputs.folder / 'red.png')
    body = GOOD_BODY + ('<img src="red.png" style="width: 15mm; '
                        'margin-left: 12mm">'
                        '<p style="opacity: 0.5">See-through</p>')

    def rgb_group_and_annotation(pdf):
        # WeasyPrint blends a see-through part in the output intent's
        # profile; a group in RGB is what a file without one would have.
        for xobject in pdf.pages[0].Resources.XObject.values():
            if '/Group' in xobject:
                xobject.Group.CS = pikepdf.Name.DeviceRGB
        look = pdf.make_stream(b'0 0 1 RG 2 w 0 0 m 20 20 l S',
                               Type=pikepdf.Name.XObject,
                               Subtype=pikepdf.Name.Form, BBox=[0, 0, 20, 20])
        note = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Square,
            Rect=[200, 200, 220, 220], F=4, AP=pikepdf.Dictionary(N=look)))
        pdf.pages[0].obj.Annots.append(note)
    path = inputs.pdf('rgb-things', body=body,
                      edit=rgb_group_and_annotation)
    report = check(path)
    assert 'colour' in failing(report)
    text = '\n'.join(messages(report, 'colour'))
    assert 'an image (200 × 200 pixels) in DeviceRGB in the page' in text
    assert 'transparency group in DeviceRGB (/Group /CS)' in text
    assert "RGB colour (RG) in the Square annotation's appearance" in text


def test_colour_fails_rgb_in_patterns_gradients_and_soft_masks(inputs):
    def rgb_paint(pdf):
        Name = pikepdf.Name
        gradient = pdf.make_indirect(pikepdf.Dictionary(
            ShadingType=2, ColorSpace=Name.DeviceRGB, Coords=[0, 0, 20, 0],
            Function=pikepdf.Dictionary(FunctionType=2, Domain=[0, 1],
                                        C0=[1, 0, 0], C1=[0, 0, 1], N=1)))
        tile = pdf.make_stream(
            b'0 0.5 0 rg 0 0 5 5 re f', Type=Name.Pattern, PatternType=1,
            PaintType=1, TilingType=1, BBox=[0, 0, 10, 10], XStep=10,
            YStep=10, Resources=pikepdf.Dictionary())
        mask = pdf.make_stream(
            b'0.5 g 0 0 20 20 re f', Type=Name.XObject, Subtype=Name.Form,
            BBox=[0, 0, 20, 20], Group=pikepdf.Dictionary(
                S=Name.Transparency, CS=Name.DeviceRGB))
        soft = pikepdf.Dictionary(SMask=pikepdf.Dictionary(
            S=Name.Luminosity, G=mask))
        page_form(pdf, b'q /Soft gs /Sh0 sh Q /Pattern cs /Tile scn '
                       b'0 0 20 20 re f', pikepdf.Dictionary(
                           Shading=pikepdf.Dictionary(Sh0=gradient),
                           Pattern=pikepdf.Dictionary(Tile=tile),
                           ExtGState=pikepdf.Dictionary(Soft=soft)))
    found = only_failure(check(inputs.edited('rgb-paint', rgb_paint)),
                         'colour')
    assert sorted(f.message.split(' in form /Added')[0] for f in found) == [
        'RGB colour (rg) in pattern /Tile',
        'a colour gradient (shading) in DeviceRGB',
        'transparency group in DeviceRGB (/Group /CS) in a soft mask']


def test_colour_fails_a_print_pdf_without_a_cmyk_output_intent(inputs):
    def no_intent(pdf):
        del pdf.Root['/OutputIntents']
    found = only_failure(check(inputs.edited('no-intent', no_intent)),
                         'colour')
    assert found[0].message.startswith('the PDF names no printing condition '
                                       '(no PDF/X output intent)')

    def rgb_intent(pdf):
        pdf.Root.OutputIntents[0].DestOutputProfile.N = 3
    found = only_failure(check(inputs.edited('rgb-intent', rgb_intent)),
                         'colour')
    assert 'embeds a profile with 3 channels' in found[0].message


RICH_BLACK_BODY = GOOD_BODY + (
    '<div style="position: absolute; left: 60mm; top: 90mm; width: 20mm; '
    'height: 20mm; background: device-cmyk(1 1 1 1)"></div>')


def test_ink_fails_four_colour_black(inputs):
    found = only_failure(
        check(inputs.pdf('rich-black', body=RICH_BLACK_BODY)), 'ink')
    assert found[0].message.startswith(
        'total ink reaches 400 % (C 100 M 100 Y 100 K 100); the print '
        'shop\'s limit is 300 %')
    x, y = found[0].position_mm
    assert 59 <= x <= 81 and 89 <= y <= 111
    # The same file passes a press that allows 400 %.
    assert 'ink' not in failing(check(inputs.pdf('rich-black'),
                                      ink_limit=400))


def _drawn(content: bytes):
    """An edit that draws ``content`` on the first page, in page space."""
    def edit(pdf):
        add_registration(pdf, pdf.pages[0])
        pdf.pages[0].contents_add(pdf.make_stream(b'q ' + content + b' Q'))
    return edit


def _bleed_edge(width_mm: float) -> bytes:
    """A rectangle ``width_mm`` wide along the page's left bleed edge."""
    left = -BLEED_MM * PT_PER_MM  # the TrimBox starts at 0 0
    return (f'{left:.3f} {40 * PT_PER_MM:.3f} {width_mm * PT_PER_MM:.3f} '
            f'{20 * PT_PER_MM:.3f} re f').encode()


def test_ink_does_not_count_registration_colour(inputs):
    """Registration colour (Separation /All) prints on every plate but is
    no ink of the design: a shop's marks that reach into the bleed do not
    fail the ink check, while the same stroke in four-colour black does."""
    x = -BLEED_MM / 2 * PT_PER_MM  # a vertical stroke in the left bleed
    marks = (b'2 w /registration CS 1 SCN '
             + f'{x:.3f} 100 m {x:.3f} 200 l S'.encode())
    assert check(inputs.edited('registration-in-bleed', _drawn(marks))).ok
    rich = marks.replace(b'/registration CS 1 SCN', b'1 1 1 1 K')
    found = only_failure(check(inputs.edited('rich-in-bleed', _drawn(rich))),
                         'ink')
    assert found[0].message.startswith('total ink reaches 400 %')


def test_ink_is_measured_to_the_bleed_edge(inputs):
    """The design's ink is measured across the whole bleed, its outermost
    pixel too (a 0.4 mm strip of 400 % along the bleed edge)."""
    strip = b'1 1 1 1 k ' + _bleed_edge(0.4)
    found = only_failure(check(inputs.edited('rich-bleed-edge',
                                             _drawn(strip))), 'ink')
    assert found[0].message.startswith('total ink reaches 400 %')
    x, y = found[0].position_mm
    assert -BLEED_MM <= x <= -BLEED_MM + 1 and 40 <= y <= 120


@pytest.fixture
def alone():
    """No Ghostscript left running by other tests in this process."""
    from flyers.preflight import ghostscript

    ghostscript.close_all()


def one_ghostscript():
    """The Ghostscript processes this process keeps (there is one)."""
    from flyers.preflight import ghostscript

    assert len(ghostscript._ALL) == 1
    return ghostscript._ALL[0]


def test_one_ghostscript_checks_file_after_file(inputs, alone):
    """Ghostscript is started once per process, not once per file, and
    one file's result does not leak into the next one's."""
    assert check(inputs.pdf('good')).ok
    process = one_ghostscript().process
    assert failing(check(inputs.pdf('rich-black', body=RICH_BLACK_BODY))) == {
        'ink'}
    assert check(inputs.pdf('good')).ok
    assert one_ghostscript().process is process
    assert process.poll() is None
    assert list(one_ghostscript().folder.iterdir()) == []  # nothing left


def test_a_file_ghostscript_cannot_read_fails_the_ink_check_only(inputs, alone):
    from flyers.preflight import Collector
    from flyers.preflight.raster import finish_ink, start_ink

    check(inputs.pdf('good'))
    process = one_ghostscript().process
    out = Collector(EXPECT)
    finish_ink(start_ink(b'%PDF-1.7\nnot a PDF at all\n'), [], EXPECT, out)
    found = out.report('x.pdf').findings
    assert [(f.check, f.severity) for f in found] == [('ink', 'error')]
    assert found[0].message.startswith(
        'Ghostscript could not render the file for the ink check (')
    assert found[0].message.endswith('); build it again')
    # The same Ghostscript goes on with the next file.
    assert failing(check(inputs.pdf('rich-black', body=RICH_BLACK_BODY))) == {
        'ink'}
    assert one_ghostscript().process is process


def test_a_file_cannot_change_what_the_next_files_give(inputs, alone):
    """PostScript before the PDF (pikepdf still opens such a file) would run
    in a kept Ghostscript if it ran the file as a program: here it would
    turn every later page blank and fake the ends of the next jobs."""
    rich = inputs.pdf('rich-black', body=RICH_BLACK_BODY)
    trap = inputs.folder / 'postscript-first.pdf'
    trap.write_bytes(
        b'%!PS\n/run { pop } bind def /runpdf { pop } bind def\n'
        b'/showpage { } bind def (flyers-done 2) = (flyers-done 3) = flush\n'
        b'currentfile flushfile\n' + rich.read_bytes())
    assert failing(check(trap)) == {'ink'}  # read as the PDF it holds
    assert failing(check(rich)) == {'ink'}
    assert check(inputs.pdf('good')).ok
    assert failing(check(rich)) == {'ink'}


def test_ghostscript_works_only_in_its_own_folder(inputs, alone, tmp_path):
    from flyers.preflight import ghostscript

    check(inputs.pdf('good'))
    server = one_ghostscript()
    outside = tmp_path / 'written.txt'
    server.process.stdin.write(
        f'{{ ({outside}) (w) file (x) writestring }} stopped '
        f'{{ (refused) = }} {{ (written) = }} ifelse flush\n'.encode())
    server.process.stdin.flush()
    assert server._line(time.monotonic() + 10) == 'refused'
    assert not outside.exists()
    ghostscript.close_all()


def test_folders_of_killed_ghostscripts_are_removed(inputs, alone):
    import subprocess
    import tempfile

    from flyers.preflight import ghostscript

    gone = subprocess.Popen(['true'])
    gone.wait()
    left = Path(tempfile.mkdtemp(prefix=f'flyers-gs-{gone.pid}-'))
    (left / '1.pdf').write_bytes(b'%PDF-')
    mine = Path(tempfile.mkdtemp(prefix=f'flyers-gs-{os.getpid()}-'))
    ghostscript._OWNER = 0  # as in a new process
    check(inputs.pdf('good'))
    assert not left.exists()
    assert mine.exists()  # this process is alive
    mine.rmdir()


def test_a_ghostscript_that_stops_is_replaced(inputs, alone):
    from flyers.preflight import Collector
    from flyers.preflight.raster import finish_ink, start_ink

    check(inputs.pdf('good'))
    first = one_ghostscript()
    job = start_ink(inputs.pdf('good').read_bytes())
    first.process.kill()
    out = Collector(EXPECT)
    finish_ink(job, [], EXPECT, out)
    [found] = out.report('x.pdf').findings
    assert found.check == 'ink'
    assert re.fullmatch(r'Ghostscript stopped \(.*\) while rendering the '
                        r'file for the ink check; build it again',
                        found.message), found.message
    assert not first.folder.exists()  # ended and tidied
    assert check(inputs.pdf('good')).ok
    assert one_ghostscript() is not first


def test_a_ghostscript_that_hangs_is_stopped(inputs, alone):
    from flyers.preflight import ghostscript
    from flyers.preflight.raster import INK_OPTIONS

    check(inputs.pdf('good'))
    server = ghostscript.acquire(INK_OPTIONS)
    # Ghostscript reads its input as a terminal: it waits here for more.
    server.process.stdin.write(b'{ \n')
    server.process.stdin.flush()
    number = server.submit(inputs.pdf('good').read_bytes())
    with pytest.raises(ghostscript.GhostscriptError,
                       match='took too long'):
        server.collect(number, timeout=0.5)
    ghostscript.release(server, healthy=False)
    assert server.process.poll() is not None
    assert check(inputs.pdf('good')).ok


def test_ghostscript_ends_with_its_process(inputs, alone):
    from flyers.preflight import ghostscript

    check(inputs.pdf('good'))
    server = one_ghostscript()
    ghostscript.close_all()
    assert server.process.poll() is not None
    assert not server.folder.exists()
    assert check(inputs.pdf('good')).ok  # a new one when needed


# --- QR codes ---------------------------------------------------------------

def qr_body(svg: str, extra: str = '') -> str:
    return GOOD_BODY.replace(qr_svg(), svg) + extra


def test_qr_fails_a_code_to_the_wrong_address(inputs):
    other = 'https://www.liberalerna.se/other?utm_medium=print'
    found = only_failure(check(inputs.pdf('wrong-qr', body=qr_body(
        qr_svg(other)))), 'qr')
    text = sorted(str(f) for f in found)
    assert text[0] == f'no QR code leading to "{URL}" could be read on any ' \
                      'page; check that the code is there, large and dark ' \
                      'on light'
    # The symbol's corner: the code's own quiet zone is 4 of 41 modules.
    assert text[1].startswith('page 1 at 12.9 mm, 87.9 mm: a QR code leads '
                              f'to "{other}" but the intended address is')


def test_qr_fails_a_code_that_is_too_small(inputs):
    small = qr_svg(size_mm=30).replace('"30mm"', '"12mm"')
    found = only_failure(check(inputs.pdf('small-qr', body=qr_body(small))),
                         'qr')
    text = ' '.join(f.message for f in found)
    # 33 modules and 4 + 4 of quiet zone in 12 mm: a symbol of 9.7 mm.
    assert 'the QR code is 9.7 mm wide; it must be at least 20 mm' in text
    assert "the QR code's modules are 0.29 mm (33 across)" in text


def test_qr_fails_a_code_whose_quiet_zone_is_not_clear(inputs):
    box = ('<div style="position: absolute; left: 38mm; top: 90mm; '
           f'width: 6mm; height: 10mm; background: {K}"></div>')
    found = only_failure(check(inputs.pdf('crowded-qr', body=qr_body(
        qr_svg(), box))), 'qr')
    assert len(found) == 1
    assert found[0].message.startswith(
        "something dark is 0.9 mm from the QR code's right edge; keep 4 "
        'modules (2.9 mm) around the code light and empty')


def test_qr_fails_a_light_code_on_a_dark_ground(inputs):
    found = only_failure(check(inputs.pdf('inverted-qr', body=qr_body(
        qr_svg(dark=PAPER, light=K)))), 'qr')
    assert [f.message.split(';')[0] for f in found] == [
        'the QR code is light on a dark ground']


def test_qr_fails_when_there_is_no_code(inputs):
    found = only_failure(check(inputs.pdf('no-qr', body=qr_body(''))), 'qr')
    assert [f.message for f in found] == [
        f'no QR code leading to "{URL}" could be read on any page; check '
        'that the code is there, large and dark on light']


# --- links ------------------------------------------------------------------

def _link(pdf: pikepdf.Pdf, uri: str) -> None:
    link = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
        Rect=[40, 150, 120, 160], BS=pikepdf.Dictionary(W=0),
        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=uri)))
    pdf.pages[0].obj.Annots.append(link)


def test_colour_fails_cmyk_in_a_screen_pdf(inputs):
    path = inputs.pdf('screen-with-cmyk', cmyk=False, body=GOOD_BODY.replace(
        qr_svg(), qr_svg(dark='#000', light='#fff')),
        css='p { color: device-cmyk(0 1 1 0); }')
    found = only_failure(check(path, edition='screen', bleed_mm=0), 'colour')
    assert found[0].message.startswith('CMYK colour in page 1, ')
    assert found[0].message.endswith('the screen edition must be RGB: '
                                     'declare print colours for '
                                     '.edition-print only')


def test_links_fails_a_javascript_link(inputs):
    path = inputs.edited('js-link', lambda pdf: _link(pdf, 'javascript:x()'))
    found = only_failure(check(path), 'links')
    assert str(found[0]).startswith(
        'page 1 at 14.1 mm, 83.6 mm: a link runs a script (javascript:x()); '
        'these PDFs may only link to web addresses')


def test_links_fails_embedded_files(inputs):
    def attach(pdf):
        pdf.attachments['notes.txt'] = b'secret'
    found = only_failure(check(inputs.edited('attached', attach)), 'links')
    assert found[0].message.startswith('the PDF carries embedded files')

    def file_annotation(pdf):
        note = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FileAttachment,
            Rect=[40, 150, 50, 160]))
        pdf.pages[0].obj.Annots.append(note)
    found = only_failure(check(inputs.edited('file-note', file_annotation)),
                         'links')
    assert 'attached file or media (FileAttachment)' in found[0].message


def test_links_fails_any_annotation_on_a_print_page(inputs):
    path = inputs.edited('plain-link',
                         lambda pdf: _link(pdf, 'https://www.liberalerna.se'))
    found = only_failure(check(path), 'links')
    assert [f.message for f in found] == [
        'the page has a Link annotation; PDF/X allows none on the printed '
        'area: take it out of the print edition']
    # The screen edition may link.
    screen = inputs.pdf('screen-link', cmyk=False, body=GOOD_BODY.replace(
        qr_svg(), qr_svg(dark='#000', light='#fff')))
    assert check(screen, edition='screen', bleed_mm=0).ok


def test_links_allows_placeholders_only_in_a_draft(inputs):
    path = inputs.pdf('placeholder-link', cmyk=False, body=GOOD_BODY.replace(
        qr_svg(), qr_svg(dark='#000', light='#fff')).replace(
        'https://www.liberalerna.se/vasteras', 'https://example.org/x'))
    found = only_failure(check(path, edition='screen', bleed_mm=0), 'links')
    assert found[0].message == ('a link goes to a placeholder address '
                                '"https://example.org/x"; put the real '
                                'address in the content file')
    draft = check(path, edition='screen', bleed_mm=0, draft=True)
    assert draft.ok
    assert dict(draft.checks)['links'] == 'warn'
    assert [f.severity for f in draft.findings] == ['warning']


def test_links_allows_a_qr_code_to_a_placeholder_only_in_a_draft(inputs):
    example = 'https://example.org/trygghet?utm_medium=print'
    path = inputs.pdf('placeholder-qr', body=qr_body(qr_svg(example)))
    found = only_failure(check(path, qr_urls=(example,)), 'links')
    assert found[0].message.startswith(
        f'the QR code leads to a placeholder address "{example}"')
    assert check(path, qr_urls=(example,), draft=True).ok


# --- the report -------------------------------------------------------------

def test_a_finding_reads_as_page_position_field_and_message():
    finding = Finding('text-size', 'error', 'text of 5.2 pt; text must be at '
                      'least 6 pt', 2, (12.0, 198.4), 'faq.items[1].answer')
    assert str(finding) == ('page 2 at 12.0 mm, 198.4 mm '
                            '(faq.items[1].answer): text of 5.2 pt; text '
                            'must be at least 6 pt')
    assert str(Finding('colour', 'error', 'no output intent')) == \
        'no output intent'
    assert Report('x.pdf', (dataclasses.replace(finding, severity='warning'),),
                  (('text-size', 'warn'),)).ok
