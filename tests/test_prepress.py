"""Prepress (issue 12, sections 1-3): what a print shop's checks read in
every PDF of a build, read with pikepdf, fontTools and poppler.

- The PDF/X-1a edition is legal PDF 1.4 in every object: no key or subtype
  newer than the header's version (a table from the PDF spec), fonts as
  bare CFF, not OpenType.
- A subset tag (``ABCDEF+Name``) names one font program in every file of a
  build; CFF-based CIDFonts carry no ``/CIDToGIDMap``.
- Crop marks are drawn in registration colour (``/Separation /All``); print
  pages list only the colour spaces their content selects.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, copy_project
from flyers.pdffonts import subset_tag

# Keys and name values newer than PDF 1.3 / 1.4, from ISO 32000-1 (and
# 32000-2 for 2.0), with the version that introduced them.  A key counts
# wherever it appears; a value counts under the key named.
NEWER_KEYS = {
    # font descriptors (ISO 32000-1 table 122)
    '/FontFamily': '1.5', '/FontStretch': '1.5', '/FontWeight': '1.5',
    # document catalog (table 28)
    '/OCProperties': '1.5', '/Perms': '1.5', '/Legal': '1.5',
    '/NeedsRendering': '1.5', '/Requirements': '1.7', '/Collection': '1.7',
    '/Extensions': '1.7', '/DSS': '2.0', '/AF': '2.0', '/DPartRoot': '2.0',
    # pages (table 30)
    '/Tabs': '1.5', '/TemplateInstantiated': '1.5', '/PresSteps': '1.5',
    '/UserUnit': '1.6', '/VP': '1.6', '/DPart': '2.0',
    # optional content, images, graphics state
    '/OC': '1.5', '/SMaskInData': '1.5', '/HTP': '1.6',
    '/UseBlackPtComp': '2.0',
    # viewer preferences (table 150)
    '/PrintScaling': '1.6', '/Duplex': '1.7', '/PickTrayByPDFSize': '1.7',
    '/PrintPageRange': '1.7', '/NumCopies': '1.7',
    # file structure: cross-reference streams (7.5.8)
    '/XRefStm': '1.5',
}
NEWER_VALUES = {
    ('/Subtype', '/OpenType'): '1.6',  # FontFile3 (table 126)
    ('/Type', '/ObjStm'): '1.5', ('/Type', '/XRef'): '1.5',
    ('/Filter', '/JPXDecode'): '1.5', ('/Filter', '/Crypt'): '1.5',
    ('/Filter', '/JBIG2Decode'): '1.4',
    ('/Subtype', '/NChannel'): '1.6',
    ('/Subtype', '/CIDFontType0C'): '1.3', ('/Subtype', '/Type1C'): '1.2',
    ('/S', '/GTS_PDFX'): '1.4',
}


def newer_than(pdf: pikepdf.Pdf, version: str) -> list[str]:
    """Every key or value in any object of ``pdf`` that is newer than
    ``version``, as 'obj N: /Key (1.5)'."""
    found = []

    def walk(value, where, seen):
        if isinstance(value, pikepdf.Stream):
            value = value.stream_dict
        if isinstance(value, pikepdf.Dictionary):
            if value.is_indirect:
                if value.objgen in seen:
                    return
                seen.add(value.objgen)
            for key in value.keys():
                if NEWER_KEYS.get(key, '0') > version:
                    found.append(f'{where}: {key} ({NEWER_KEYS[key]})')
                item = value.get(key)
                for filt in (item if isinstance(item, pikepdf.Array)
                             else [item]):
                    since = NEWER_VALUES.get((key, str(filt)), '0')
                    if since > version:
                        found.append(f'{where}: {key} {filt} ({since})')
                if not (isinstance(item, pikepdf.Object) and item.is_indirect):
                    walk(item, where, seen)
        elif isinstance(value, pikepdf.Array):
            for item in value:
                if not (isinstance(item, pikepdf.Object) and item.is_indirect):
                    walk(item, where, seen)

    for obj in pdf.objects:
        walk(obj, f'obj {obj.objgen[0]}', set())
    walk(pdf.trailer, 'trailer', set())
    return found


def _build(project: Path, *args: str) -> list[Path]:
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build', *args], capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 0, result.stderr
    return sorted((project / 'output').glob('*.pdf'))


@pytest.fixture(scope='module')
def x1a(tmp_path_factory) -> list[Path]:
    """The seed's X-1a edition, every default layout."""
    project = copy_project(tmp_path_factory.mktemp('x1a') / 'project')
    return _build(project, '--printshop', 'coated-x1a', '--edition', 'print')


@pytest.fixture(scope='module')
def every_output(built, x1a) -> list[Path]:
    """Every PDF of the default build and of the X-1a build."""
    return sorted((built.project / 'output').glob('*.pdf')) + x1a


def _fonts(pdf: pikepdf.Pdf):
    """(Type0 font, descendant, descriptor, font file) of every font."""
    for obj in pdf.objects:
        if (isinstance(obj, pikepdf.Dictionary) and obj.get('/Type') == '/Font'
                and obj.get('/Subtype') == '/Type0'):
            descendant = obj.DescendantFonts[0]
            descriptor = descendant.FontDescriptor
            file = next(descriptor[key] for key in
                        ('/FontFile', '/FontFile2', '/FontFile3')
                        if key in descriptor)
            yield obj, descendant, descriptor, file


# --- 1. PDF/X-1a is PDF 1.4 throughout ---------------------------------------

def test_the_version_table_catches_what_weasyprint_writes():
    """The checker itself: a font descriptor as WeasyPrint 70 writes it
    (OpenType CFF, /FontFamily) is refused in a 1.4 file."""
    pdf = pikepdf.new()
    font_file = pdf.make_stream(b'OTTO', Subtype=pikepdf.Name.OpenType)
    pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name('/A+B'),
        FontFamily=pikepdf.String('B'), FontFile3=font_file))
    assert sorted(f.split(': ', 1)[1] for f in newer_than(pdf, '1.4')) == [
        '/FontFamily (1.5)', '/Subtype /OpenType (1.6)']
    assert newer_than(pdf, '1.7') == []


def test_x1a_edition_has_nothing_newer_than_its_header(x1a):
    assert len(x1a) == 2  # the seed's leaflet and poster
    for path in x1a:
        with pikepdf.open(path) as pdf:
            assert pdf.pdf_version == '1.4'
            assert newer_than(pdf, pdf.pdf_version) == [], path.name
        # A classic cross-reference table, no object streams (PDF 1.5).
        data = path.read_bytes()
        assert b'\nxref\n' in data and b'/ObjStm' not in data


def test_x1a_fonts_are_bare_cid_keyed_cff(x1a):
    from fontTools.cffLib import CFFFontSet

    out = subprocess.run(['pdffonts', str(x1a[0])], capture_output=True,
                         text=True, check=True).stdout.splitlines()[2:]
    assert out and all(' CID Type 0C ' in line and '(OT)' not in line
                       for line in out), out
    with pikepdf.open(x1a[0]) as pdf:
        for _, descendant, _, file in _fonts(pdf):
            assert descendant.Subtype == '/CIDFontType0'
            assert file.Subtype == '/CIDFontType0C'
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(file.read_bytes()), None)
            top = cff.topDictIndex[0]
            assert top.ROS == ('Adobe', 'Identity', 0)


def test_x1a_text_reads_as_the_x4_edition(built, x1a):
    """The glyphs still stand for the same text (poppler's reading)."""
    def text(path):
        return subprocess.run(['pdftotext', '-layout', str(path), '-'],
                              capture_output=True, text=True,
                              check=True).stdout
    leaflet = next(p for p in x1a if p.name.endswith('leaflet-a5.pdf'))
    assert text(leaflet) == text(built.pdf('leaflet-a5'))
    assert 'Trygghet i Västerås' in text(leaflet)


def test_x1a_prints_as_the_x4_edition(built, x1a, tmp_path):
    """Ghostscript's CMYK separations of the X-1a leaflet (bare CFF fonts)
    and of the X-4 leaflet (OpenType fonts) are the same, pixel for pixel
    at 150 dpi: every glyph kept its outline, width and place."""
    from PIL import Image, ImageChops

    def separations(path, name):
        subprocess.run(['gs', '-q', '-dSAFER', '-dUseBleedBox',
                        '-sDEVICE=tiff32nc', '-r150', '-o',
                        str(tmp_path / f'{name}-%d.tif'), str(path)],
                       check=True)
        return sorted(tmp_path.glob(f'{name}-*.tif'))

    leaflet = next(p for p in x1a if p.name.endswith('leaflet-a5.pdf'))
    pages = list(zip(separations(built.pdf('leaflet-a5'), 'x4'),
                     separations(leaflet, 'x1a')))
    assert len(pages) == 2
    for x4, x1 in pages:
        with Image.open(x4) as a, Image.open(x1) as b:
            assert a.mode == b.mode == 'CMYK' and a.size == b.size
            assert ImageChops.difference(a, b).getbbox() is None, x1.name


def test_bare_cff_keeps_every_glyph_program():
    """The OpenType-to-bare-CFF step alone, on the brand's own font: every
    glyph's charstring is the same at the same glyph index (CID), as the
    CIDFont's Identity mapping reads it."""
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont

    from flyers.pdffonts import bare_cid_cff

    path = ROOT / 'brands' / 'default' / 'fonts' / 'Inter-Bold.otf'
    original = TTFont(path)
    before = original['CFF '].cff.topDictIndex[0]
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(bare_cid_cff(path.read_bytes())), None)
    after = cff.topDictIndex[0]
    assert after.ROS == ('Adobe', 'Identity', 0)
    assert after.FontMatrix == before.FontMatrix
    glyphs = original.getGlyphOrder()
    assert after.CIDCount == len(glyphs) == len(after.CharStrings)
    for gid in range(0, len(glyphs), 97):
        old = before.CharStrings[glyphs[gid]]
        new = after.CharStrings[after.charset[gid]]
        old.decompile()
        new.decompile()
        assert after.charset[gid] == (f'cid{gid:05d}' if gid else '.notdef')
        assert new.program == old.program, glyphs[gid]


# --- 2. Fonts a shop can gang on one sheet -----------------------------------

def test_one_subset_name_one_font_program(every_output):
    programs: dict[str, set[str]] = {}
    for path in every_output:
        with pikepdf.open(path) as pdf:
            for font, descendant, descriptor, file in _fonts(pdf):
                name = str(descriptor.FontName)
                assert re.fullmatch(r'/[A-Z]{6}\+\S+', name), name
                assert str(font.BaseFont) == str(descendant.BaseFont) == name
                programs.setdefault(name, set()).add(
                    hashlib.sha256(file.read_bytes()).hexdigest())
    assert {name: len(hashes) for name, hashes in programs.items()
            if len(hashes) > 1} == {}
    # The seed's five fonts, OpenType and bare CFF, in two layouts.
    assert len(programs) >= 10


def test_cidtogidmap_only_on_truetype_cidfonts(every_output):
    subtypes = set()
    for path in every_output:
        with pikepdf.open(path) as pdf:
            for _, descendant, _, _ in _fonts(pdf):
                subtypes.add(str(descendant.Subtype))
                if descendant.Subtype == '/CIDFontType0':
                    assert '/CIDToGIDMap' not in descendant, path.name
    assert '/CIDFontType0' in subtypes  # the seed's brand font is CFF


# --- 3. Colour as prepress expects -------------------------------------------

def _selected_spaces(pdf: pikepdf.Pdf, page) -> set[str]:
    """The colour-space resources the page's content selects (cs / CS),
    not the families named directly (/DeviceCMYK, /Pattern)."""
    names = set()
    for operands, op in pikepdf.parse_content_stream(page):
        if str(op) in ('cs', 'CS') and str(operands[0]) not in (
                '/DeviceCMYK', '/DeviceRGB', '/DeviceGray', '/Pattern'):
            names.add(str(operands[0]))
    return names


def test_crop_marks_in_registration_colour(built, x1a):
    for path in (built.pdf('leaflet-a5'), built.pdf('poster-a3'), x1a[0]):
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                spaces = page.obj.Resources.ColorSpace
                stroked, current = [], None
                for operands, op in pikepdf.parse_content_stream(page):
                    op = str(op)
                    if op == 'CS':
                        current = spaces.get(str(operands[0]))
                    elif op in ('SCN', 'SC') and current is not None:
                        stroked.append((current, [float(v) for v in operands]))
                    # No four-colour black anywhere (400 % ink).
                    assert not (op in ('K', 'k') and [float(v) for v in
                                                      operands] == [1] * 4)
                space, tint = stroked[-1]  # the marks, drawn last
                assert [str(v) for v in space[:3]] == [
                    '/Separation', '/All', '/DeviceCMYK']
                assert tint == [1.0]
                assert list(space[3].C1) == [1, 1, 1, 1]
                assert list(space[3].C0) == [0, 0, 0, 0]


def test_print_pages_list_only_the_colour_spaces_they_use(built, x1a):
    for path in (built.pdf('leaflet-a5'), built.pdf('poster-a3'), *x1a):
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                listed = set(page.obj.Resources.get('/ColorSpace', {}).keys())
                assert listed == _selected_spaces(pdf, page), path.name
                for name in listed:
                    assert str(page.obj.Resources.ColorSpace[name][0]) not in (
                        '/Lab', '/ICCBased'), path.name


@pytest.mark.parametrize('content, form, kept', [
    (b'/A cs 0.5 scn 0 0 10 10 re f', b'', {'A'}),
    (b'/A CS 1 SCN 0 0 m 5 5 l S', b'/B cs 1 sc', {'A', 'B'}),  # a form's
    (b'BI /W 1 /H 1 /CS /C /BPC 8 ID \x00 EI', b'', {'C'}),  # inline image
    (b'/DeviceCMYK cs 0 0 0 1 sc (/B cs) Tj', b'', {'B'}),  # text: kept
    (b'/DeviceCMYK cs 0 0 0 1 sc', b'', set()),
])
def test_only_selected_colour_spaces_stay(content, form, kept):
    """The finisher part on WeasyPrint's own object model (pydyf): a space
    that a page or a form sharing its resources selects stays; the others
    go (erring on the side of keeping: a name inside a string stays)."""
    import pydyf

    from flyers.pdfcolours import used_colour_spaces_only

    pdf = pydyf.PDF()
    spaces = pydyf.Dictionary({name: pydyf.Array(['/Lab']) for name in 'ABCD'})
    resources = pydyf.Dictionary({'ColorSpace': spaces})
    pdf.add_object(resources)
    stream = pydyf.Stream([content])
    pdf.add_object(stream)
    pdf.add_page(pydyf.Dictionary({
        'Type': '/Page', 'Parent': pdf.pages.reference,
        'MediaBox': pydyf.Array([0, 0, 10, 10]),
        'Resources': resources.reference, 'Contents': stream.reference}))
    pdf.add_object(pydyf.Stream([form], {
        'Type': '/XObject', 'Subtype': '/Form',
        'Resources': resources.reference}))
    used_colour_spaces_only(None, pdf)
    assert set(spaces) == kept


@pytest.mark.parametrize('program', [b'OTTO' + b'\0' * 40, b'', b'\xff' * 300])
def test_a_font_that_cannot_be_bare_cff_is_one_clear_error(program):
    import pydyf

    from flyers.pdffonts import FontProgramError, fonts_finisher

    pdf = pydyf.PDF()
    file = pydyf.Stream([program], {'Subtype': '/OpenType'})
    pdf.add_object(file)
    descriptor = pydyf.Dictionary({'Type': '/FontDescriptor',
                                   'FontName': '/ABCDEF+Brand-Text',
                                   'FontFile3': file.reference})
    pdf.add_object(descriptor)
    cid = pydyf.Dictionary({'Type': '/Font', 'Subtype': '/CIDFontType0',
                            'BaseFont': '/ABCDEF+Brand-Text',
                            'FontDescriptor': descriptor.reference})
    pdf.add_object(cid)
    pdf.add_object(pydyf.Dictionary({
        'Type': '/Font', 'Subtype': '/Type0', 'BaseFont': '/ABCDEF+Brand-Text',
        'DescendantFonts': pydyf.Array([cid.reference])}))
    with pytest.raises(FontProgramError) as error:
        fonts_finisher('1.4')(None, pdf)
    assert str(error.value).startswith(
        'the font "Brand-Text" cannot be embedded as bare CFF, as PDF 1.4 '
        'needs (')
    assert str(error.value).endswith('); use another font, or print as '
                                     'PDF/X-4')
    # A PDF 1.7 file keeps the OpenType program as it is, renamed.
    fonts_finisher('1.7')(None, pdf)
    assert file.stream == [program]
    assert descriptor['FontName'] == f'/{subset_tag(program)}+Brand-Text'
