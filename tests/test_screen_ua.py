"""Screen editions that pass PDF/UA and can be clicked (issue 12, 5): the
structure tree reads the title first and skips no heading level, whatever
the panels' order on the sheet; the QR code, the printed address and the
further-reading links are Link annotations tagged as ``Link`` elements
(object reference, /StructParent, /Contents); print editions have none.
Read with pikepdf, PDFium and zxing-cpp."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pikepdf
import pytest

from conftest import ROOT, copy_project, decode_qr_codes

MM_PER_PT = 25.4 / 72

# A campaign whose further-reading links go somewhere (the seed's point
# nowhere, "#"): one plain, one with a Swedish host (the link must hold
# its punycode form, as the QR code would), one still "#" (no link).
READING = {
    'Vår politik för skolan och tidiga insatser':
        ('https://www.bra.se/forebygga-brott', 'https://www.bra.se/forebygga-brott'),
    'Så vill vi stärka det civila samhället i Västerås':
        ('https://västerås.se/trygghet', 'https://xn--vsters-buam.se/trygghet'),
}


@pytest.fixture(scope='module')
def screen_build(tmp_path_factory):
    """The tri-fold of both example campaigns, their leaflet and poster
    for the second (the session's ``built`` has the seed's), and a copy of
    the seed with real further-reading addresses in the two layouts that
    print them: one build."""
    project = copy_project(tmp_path_factory.mktemp('screen') / 'project',
                           every_campaign=True)
    content = project / 'content'
    seed = (content / 'trygghet-vasteras.yaml').read_text('utf-8')
    (content / 'trygghet-vasteras.yaml').write_text(
        seed.replace('language: sv\n', 'language: sv\nlayouts: [trifold-dl]\n'),
        'utf-8')
    second = (content / 'solrosen-varstamma.yaml').read_text('utf-8')
    assert 'layouts: [leaflet-a5, poster-a3]\n' in second
    (content / 'solrosen-varstamma.yaml').write_text(second.replace(
        'layouts: [leaflet-a5, poster-a3]\n',
        'layouts: [leaflet-a5, poster-a3, trifold-dl]\n'), 'utf-8')
    links = seed.replace('language: sv\n',
                         'language: sv\nlayouts: [leaflet-a5, trifold-dl]\n')
    for text, (url, _) in READING.items():
        links, count = re.subn(
            rf'(- text: {text}\n\s+url: )"#"', rf'\g<1>"{url}"', links)
        assert count == 1, text
    links = links.replace('    - text: Unga kriminella behöver tidiga och '
                          'tydliga insatser\n',
                          '    - text: Unga kriminella behöver tidiga och '
                          'tydliga insatser\n      url: "#"\n')
    (content / 'links.yaml').write_text(links, 'utf-8')
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build'], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((project / 'output' / 'manifest.json').read_text())
    entries = {(Path(entry['content']).stem, entry['layout'],
                entry['edition']): entry for entry in manifest['outputs']}
    return SimpleNamespace(project=project, entries=entries, paths={
        key: project / entry['path'] for key, entry in entries.items()})


# Every layout of both example campaigns, and the copy with links.
EDITIONS = [('trygghet-vasteras', 'leaflet-a5'),
            ('trygghet-vasteras', 'poster-a3'),
            ('trygghet-vasteras', 'trifold-dl'),
            ('solrosen-varstamma', 'leaflet-a5'),
            ('solrosen-varstamma', 'poster-a3'),
            ('solrosen-varstamma', 'trifold-dl'),
            ('links', 'leaflet-a5'),
            ('links', 'trifold-dl')]


def _pdf(request, content, layout, edition) -> Path:
    if (content, layout) in (('trygghet-vasteras', 'leaflet-a5'),
                             ('trygghet-vasteras', 'poster-a3')):
        return request.getfixturevalue('built').pdf(layout, content, edition)
    return request.getfixturevalue('screen_build').paths[
        content, layout, edition]


def _elements(pdf: pikepdf.Pdf) -> list:
    """Every structure element, in the tree's (reading) order."""
    found = []

    def walk(node):
        if isinstance(node, pikepdf.Dictionary) and '/S' in node:
            found.append(node)
        kids = node.get('/K') if isinstance(node, pikepdf.Dictionary) \
            else None
        for kid in (kids if isinstance(kids, pikepdf.Array)
                    else [kids] if kids is not None else []):
            if isinstance(kid, pikepdf.Dictionary) \
                    and kid.get('/Type') != '/OBJR':
                walk(kid)

    walk(pdf.Root.StructTreeRoot)
    return found


@pytest.mark.parametrize('content,layout', EDITIONS)
def test_the_title_is_read_first_and_no_heading_level_is_skipped(
        request, content, layout):
    with pikepdf.open(_pdf(request, content, layout, 'screen')) as pdf:
        headings = [int(str(element.S)[2:]) for element in _elements(pdf)
                    if re.fullmatch(r'/H[1-6]', str(element.S))]
    assert headings[0] == 1, headings
    assert headings.count(1) == 1, headings
    skipped = [(before, after) for before, after
               in zip(headings, headings[1:]) if after > before + 1]
    assert skipped == []


@pytest.mark.parametrize('edition', ['print', 'screen'])
def test_the_trifold_outside_keeps_its_panels_on_the_sheet(
        screen_build, edition):
    """Written cover first, the outside still prints flap | back | cover:
    each panel's first words lie in its third of the sheet."""
    import pypdfium2

    document = pypdfium2.PdfDocument(
        str(screen_build.paths['trygghet-vasteras', 'trifold-dl', edition]))
    try:
        page = document[0]
        trim = page.get_trimbox()
        text = page.get_textpage()
        thirds = {}
        for words, panel in (('Trygghet i Västerås', 'cover'),
                             ('Skanna koden', 'back'),
                             ('Våra förslag', 'flap')):
            searcher = text.search(words, match_case=True)
            found = searcher.get_next()
            assert found, words
            left = text.get_charbox(found[0])[0]
            thirds[panel] = int((left - trim[0]) / ((trim[2] - trim[0]) / 3))
    finally:
        document.close()
    assert thirds == {'flap': 0, 'back': 1, 'cover': 2}


def _links(pdf: pikepdf.Pdf) -> list[tuple[int, pikepdf.Dictionary]]:
    return [(number, annotation) for number, page in enumerate(pdf.pages)
            for annotation in page.obj.get('/Annots', [])]


def _covers(rect, box, slack=0.5) -> bool:
    x0, y0, x1, y1 = (float(v) for v in rect)
    bx0, by0, bx1, by1 = box
    return (min(x0, x1) - slack <= bx0 and bx1 <= max(x0, x1) + slack
            and min(y0, y1) - slack <= by0 and by1 <= max(y0, y1) + slack)


def _text_box(pdf_path: Path, page_index: int, words: str):
    """The area (points) of the first place ``words`` are printed."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        text = document[page_index].get_textpage()
        found = text.search(words, match_case=True).get_next()
        if not found:
            return None
        boxes = [text.get_charbox(i) for i in range(found[0],
                                                     found[0] + found[1])]
    finally:
        document.close()
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


@pytest.mark.parametrize('content,layout', EDITIONS)
def test_links_are_tagged_as_pdf_ua_asks(request, content, layout):
    """Every annotation is a Link with a URI and /Contents, referenced by
    exactly one Link element through an object reference, and its
    /StructParent leads back to that element."""
    with pikepdf.open(_pdf(request, content, layout, 'screen')) as pdf:
        annotations = _links(pdf)
        assert annotations
        referenced = {}
        for element in _elements(pdf):
            kids = element.get('/K')
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
                if isinstance(kid, pikepdf.Dictionary) \
                        and kid.get('/Type') == '/OBJR':
                    assert element.S == '/Link', element.S
                    assert kid.Obj.objgen not in referenced
                    referenced[kid.Obj.objgen] = element
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for page, annotation in annotations:
            assert annotation.Subtype == '/Link'
            assert str(annotation.A.S) == '/URI'
            assert str(annotation.Contents).strip()
            assert annotation.objgen in referenced
            element = referenced[annotation.objgen]
            assert parents[int(annotation.StructParent)].objgen \
                == element.objgen
            assert element.Pg.objgen == pdf.pages[page].obj.objgen
        assert len(referenced) == len(annotations)


@pytest.mark.parametrize('content,layout', EDITIONS)
def test_the_qr_code_and_the_printed_address_link_where_the_code_leads(
        request, content, layout):
    path = _pdf(request, content, layout, 'screen')
    with pikepdf.open(path) as pdf:
        annotations = _links(pdf)
        page_index = next(i for i, page in enumerate(pdf.pages)
                          if decode_qr_codes(path, i, dpi=150))
        height = float(pdf.pages[page_index].MediaBox[3])
    codes = decode_qr_codes(path, page_index, dpi=150)
    assert len(codes) == 1
    code = codes[0]
    scale = 72 / 150
    corners = [(p.x * scale, height - p.y * scale) for p in
               (code.position.top_left, code.position.top_right,
                code.position.bottom_left, code.position.bottom_right)]
    symbol = (min(x for x, _ in corners), min(y for _, y in corners),
              max(x for x, _ in corners), max(y for _, y in corners))
    to_code = [annotation for page, annotation in annotations
               if page == page_index and str(annotation.A.URI) == code.text]
    assert any(_covers(annotation.Rect, symbol) for annotation in to_code)
    # The address printed beside it: the campaign's, without https://.
    printed = re.sub(r'^https://', '', code.text.split('?')[0])
    box = _text_box(path, page_index, printed)
    assert box is not None, printed
    assert any(_covers(annotation.Rect, box) for annotation in to_code)


@pytest.mark.parametrize('layout', ['leaflet-a5', 'trifold-dl'])
def test_further_reading_links_have_their_own_address(screen_build, layout):
    path = screen_build.paths['links', layout, 'screen']
    with pikepdf.open(path) as pdf:
        annotations = _links(pdf)
        campaign = {str(a.A.URI) for _, a in annotations
                    if 'example.org' in str(a.A.URI)}
        others = {}
        for page, annotation in annotations:
            uri = str(annotation.A.URI)
            if uri not in campaign:
                others.setdefault(uri, []).append((page, annotation.Rect))
    # "#" makes no link; each address as the QR code would hold it.
    assert set(others) == {href for _, href in READING.values()}
    for text, (_, href) in READING.items():
        words = text.split()[0] + ' ' + text.split()[1]
        for page, rect in others[href]:
            box = _text_box(path, page, words)
            if box is not None and _covers(rect, box):
                break
        else:
            pytest.fail(f'no link to {href} over "{words}"')


@pytest.mark.parametrize('content,layout', EDITIONS)
def test_print_editions_have_no_annotations(request, content, layout):
    with pikepdf.open(_pdf(request, content, layout, 'print')) as pdf:
        assert [page.obj.get('/Annots') for page in pdf.pages
                if '/Annots' in page.obj] == []


# --- the preflight's tags check ----------------------------------------------

def _rename_first(role, new_role):
    def edit(pdf):
        element = next(e for e in _elements(pdf) if e.S == role)
        element.S = pikepdf.Name(new_role)
    return edit


def _set_struct_parent(pdf):
    annotation = _links(pdf)[0][1]
    annotation.StructParent = 0


def _untag(pdf):
    del pdf.Root.StructTreeRoot


@pytest.mark.parametrize('edit,message', [
    (None, None),
    (_untag, 'the screen edition is not tagged (no structure tree), so '
             'screen readers cannot follow it; build it again as PDF/UA'),
    (_rename_first('/H1', '/P'),
     'page 1: the first heading read is H2, not the title (H1): write the '
     "layout's template in reading order, title first, and place its parts "
     'on the page with CSS (grid-column)'),
    (_rename_first('/H2', '/H3'),
     'page 1: H3 follows H1: a heading level is skipped (screen readers '
     'list headings by level); use h2 there, or put the part it belongs to '
     'after its heading in the template'),
    (_rename_first('/Link', '/Span'),
     'a link is not tagged as a Link element (PDF/UA): make it an <a href> '
     'in the template, with nothing inside but text or one picture'),
    (_set_struct_parent,
     "a link's /StructParent does not lead to its Link element; build it "
     'again'),
], ids=['as-built', 'untagged', 'title-late', 'level-skipped',
        'link-untagged', 'struct-parent'])
def test_the_preflight_checks_the_tags(screen_build, tmp_path, edit, message):
    from flyers.expectations import expectations
    from flyers.layouts import load_layout
    from flyers.preflight import preflight
    from flyers.printshop import load_printshop

    key = ('solrosen-varstamma', 'trifold-dl', 'screen')
    entry, path = screen_build.entries[key], screen_build.paths[key]
    root = screen_build.project
    expect = expectations(root, load_layout(root, 'trifold-dl'),
                          load_printshop(root, 'default'), 'screen',
                          entry['qr_urls'], True)
    edited = tmp_path / path.name
    with pikepdf.open(path) as pdf:
        if edit is not None:
            edit(pdf)
        pdf.save(edited)
    report = preflight(edited, expect)
    found = [str(f) for f in report.findings if f.check == 'tags']
    if message is None:
        assert dict(report.checks)['tags'] == 'pass'
        assert report.ok, [str(f) for f in report.findings]
        return
    assert {name for name, status in report.checks
            if status == 'fail'} == {'tags'}
    assert any(line.endswith(message) for line in found), found


# --- flyers.links on its own -------------------------------------------------

def _weasyprint_pdf(body: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=(
        '<html lang="sv"><head><title>t</title></head><body>'
        f'{body}</body></html>')).write_pdf(pdf_variant='pdf/ua-1')


def test_a_link_around_boxes_gets_one_annotation_in_its_link_element():
    """WeasyPrint gives every box inside an <a> (a span, bold, a picture)
    an annotation of its own, tagged under that box; one is kept."""
    import io

    from flyers.links import tidy_links

    data = _weasyprint_pdf(
        '<p><a href="https://example.com/x">Läs <span>mer</span> hos '
        '<b>oss</b> <svg width="10" height="10"><title>ikon</title>'
        '<rect width="10" height="10"/></svg></a></p>')
    with pikepdf.open(io.BytesIO(data)) as before:
        assert len(_links(before)) > 1  # what WeasyPrint 70 writes
    with pikepdf.open(io.BytesIO(tidy_links(data))) as pdf:
        annotations = _links(pdf)
        assert [str(a.A.URI) for _, a in annotations] == [
            'https://example.com/x']
        annotation = annotations[0][1]
        links = [e for e in _elements(pdf) if e.S == '/Link']
        assert len(links) == 1
        assert [kid.Obj.objgen for kid in links[0].K
                if isinstance(kid, pikepdf.Dictionary)
                and kid.get('/Type') == '/OBJR'] == [annotation.objgen]
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        assert parents[int(annotation.StructParent)].objgen \
            == links[0].objgen
        # No object reference is left to an annotation that is gone.
        for element in _elements(pdf):
            for kid in _kids_of(element):
                if kid.get('/Type') == '/OBJR':
                    assert kid.Obj.objgen == annotation.objgen
        x0, y0, x1, y1 = (float(v) for v in annotation.Rect)
        assert x0 < x1 and y0 < y1


def _kids_of(element):
    kids = element.get('/K')
    return [kid for kid in (kids if isinstance(kids, pikepdf.Array)
                            else [kids])
            if isinstance(kid, pikepdf.Dictionary)]


def test_a_pdf_without_links_is_left_as_it_is():
    from flyers.links import tidy_links

    data = _weasyprint_pdf('<h1>Rubrik</h1><p>Text utan länkar.</p>')
    assert tidy_links(data) is data
