"""diff: what changed between two builds, with deliberate changes.

One project is built once, then changed one thing at a time (a word, a
brand colour, a block moved by the layout's CSS, one more edition) and
built again; a copy of output/ is kept after every step, and each test
compares two of them.  The report is read with an HTML parser, its
pictures with Pillow, the PDFs with PDFium.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from conftest import copy_project, run
from flyers.cli import main

LAYOUT = ('--layout', 'leaflet-a5')
PDF = 'output/trygghet-vasteras-leaflet-a5.pdf'
SCREEN = 'output/trygghet-vasteras-leaflet-a5-screen.pdf'
BOX = (230, 0, 30)  # flyers.diff.BOX_COLOUR, spelled out
DPI = 72  # the proofs' resolution


@pytest.fixture(scope='module')
def steps(tmp_path_factory):
    """{step: output folder copy} and the project they were built in."""
    base = tmp_path_factory.mktemp('diff')
    project = copy_project(base / 'project')
    content = project / 'content' / 'trygghet-vasteras.yaml'
    brand = project / 'brands' / 'default' / 'brand.yaml'
    css = project / 'layouts' / 'leaflet-a5' / 'style.css'
    snaps = {}

    def build(name, *editions):
        editions = editions or ('print',)
        args = ['--project', str(project), 'build', *LAYOUT]
        for edition in editions:
            args += ['--edition', edition]
        assert main(args) == 0
        snaps[name] = base / name
        shutil.copytree(project / 'output', snaps[name],
                        ignore=shutil.ignore_patterns('diff', 'approved'))

    def edit(path, old, new):
        text = path.read_text('utf-8')
        assert text.count(old) == 1, old
        path.write_text(text.replace(old, new), 'utf-8')

    build('base')
    edit(content, 'Kriminalitet, otrugga', 'Kriminalitet, otrygga')  # the typo
    build('word')
    edit(brand, 'tint: C8 M3 Y0 K0', 'tint: C0 M12 Y30 K0')
    build('colour')
    css.write_text(css.read_text('utf-8') + '\n.front .masthead '
                   '{ margin-left: 12mm; }\n', 'utf-8')
    build('moved')
    build('added', 'print', 'screen')
    return project, snaps


class Report(HTMLParser):
    """What a test needs of output/diff/index.html."""

    def __init__(self, path: Path):
        super().__init__()
        self.summary: dict[str, str] = {}  # output → status
        self.summary_text: dict[str, str] = {}
        self.rows: list[dict] = []  # text table rows
        self.pages: list[dict] = []  # data-page blocks
        self.images: list[str] = []
        self.text = ''
        self._li = self._row = None
        self._cell: list[str] | None = None
        self.feed(path.read_text('utf-8'))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'li' and 'data-status' in attrs:
            self._li = attrs['data-output']
            self.summary[self._li] = attrs['data-status']
            self.summary_text[self._li] = ''
        elif tag == 'tr' and 'data-field' in attrs:
            self._row = {'field': attrs['data-field'], 'cells': []}
            self.rows.append(self._row)
        elif tag == 'td' and self._row is not None:
            self._cell = []
            self._row['cells'].append(self._cell)
        elif tag == 'div' and 'data-boxes' in attrs:
            boxes = [tuple(int(n) for n in box.split(','))
                     for box in attrs['data-boxes'].split(';') if box]
            self.pages.append({'page': int(attrs['data-page']),
                               'boxes': boxes, 'images': {}})
        elif tag == 'img':
            self.images.append(attrs['src'])
            kind = attrs['alt'].rsplit(', ', 1)[1]
            self.pages[-1]['images'][kind] = attrs['src']

    def handle_endtag(self, tag):
        if tag == 'li':
            self._li = None
        elif tag == 'tr':
            self._row = None
        elif tag == 'td':
            self._cell = None

    def handle_data(self, data):
        self.text += data
        if self._li:
            self.summary_text[self._li] += data
        if self._cell is not None:
            self._cell.append(data)


def diff(project, old, new, capsys):
    code, out, err = run(project, 'diff', str(old), str(new), capsys=capsys)
    return code, out, err, Report(project / 'output' / 'diff' / 'index.html')


def picture(project, name) -> Image.Image:
    with Image.open(project / 'output' / 'diff' / name) as image:
        return image.convert('RGB')


def word_box(pdf: Path, word: str, first: int = 0
             ) -> tuple[float, float, float, float]:
    """Where PDFium finds ``word`` (from its letter ``first`` on) on page
    1, in pixels at the proofs' resolution (top-down)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        page = document[0]
        text = page.get_textpage()
        searcher = text.search(word)
        index, count = searcher.get_next()
        boxes = [text.get_charbox(i)
                 for i in range(index + first, index + count)]
        top_of_media = page.get_mediabox()[3]
        left_of_media = page.get_mediabox()[0]
    finally:
        document.close()
    scale = DPI / 72
    return (min(b[0] for b in boxes) * scale - left_of_media * scale,
            (top_of_media - max(b[3] for b in boxes)) * scale,
            max(b[2] for b in boxes) * scale - left_of_media * scale,
            (top_of_media - min(b[1] for b in boxes)) * scale)


def inside(small, big, slack=1) -> bool:
    return (big[0] - slack <= small[0] and big[1] - slack <= small[1]
            and small[2] <= big[2] + slack and small[3] <= big[3] + slack)


def box_drawn(image: Image.Image, box) -> bool:
    """The box's outline is drawn in the box colour (a few pixels out)."""
    x0, y0, x1, y1 = box
    pixels = image.load()
    mid_x, mid_y = (x0 + x1) // 2, (y0 + y1) // 2
    found = 0
    for x, y in ((x0 - 3, mid_y), (x1 + 2, mid_y), (mid_x, y0 - 3),
                 (mid_x, y1 + 2)):
        near = [pixels[min(max(x + d, 0), image.width - 1),
                       min(max(y + e, 0), image.height - 1)]
                for d in (-1, 0, 1) for e in (-1, 0, 1)]
        found += BOX in near
    return found == 4


def test_one_word_is_named_in_its_field_and_boxed_on_the_page(steps, capsys):
    project, snaps = steps
    code, out, err, report = diff(project, snaps['base'], snaps['word'],
                                  capsys)
    assert code == 1, err
    assert out.splitlines()[0] == (
        f'changed    {PDF}: text intro[0]: -otrugga +otrygga, page 1: 1 '
        'region changed')
    assert report.summary == {PDF: 'changed'}
    assert [(row['field'], [''.join(c) for c in row['cells'][:3]])
            for row in report.rows] == [('intro[0]',
                                         ['intro[0]', 'otrugga', 'otrygga'])]
    (page,) = [p for p in report.pages if p['page'] == 1]
    # "otr" stayed; the box covers the word from its changed letter on.
    word = word_box(snaps['word'] / Path(PDF).name, 'otrygga', first=3)
    assert any(inside(word, box) for box in page['boxes']), (word, page)
    marked = picture(project, page['images']['changes boxed'])
    old = picture(project, page['images']['before'])
    new = picture(project, page['images']['after'])
    assert old.size == new.size == marked.size
    for box in page['boxes']:
        assert box_drawn(marked, box)
        # The old and new pages really differ inside each box.
        assert old.crop(box).tobytes() != new.crop(box).tobytes()
    # Above the changed line nothing moved (a difference of a few levels
    # in an anti-aliased edge is what the diff itself counts as none).
    from PIL import ImageChops

    from flyers.diff import THRESHOLD

    top = min(box[1] for box in page['boxes'])
    above = ImageChops.difference(old.crop((0, 0, old.width, top)).convert(
        'RGB'), new.crop((0, 0, new.width, top)).convert('RGB'))
    assert max(high for _, high in above.getextrema()) <= THRESHOLD


def test_a_brand_colour_changes_pixels_not_text(steps, capsys):
    project, snaps = steps
    code, out, _, report = diff(project, snaps['word'], snaps['colour'],
                                capsys)
    assert code == 1
    assert out.startswith(f'changed    {PDF}: no text change, page 1: ')
    assert report.rows == []
    assert 'No text changed (per content field)' in report.text
    boxes = [box for page in report.pages for box in page['boxes']]
    assert boxes
    biggest = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    (page,) = [p for p in report.pages if biggest in p['boxes']]
    old = picture(project, page['images']['before'])
    new = picture(project, page['images']['after'])
    # The tint panel: the old light blue (blue above red) became a warm
    # tint (red above blue) in the middle of the biggest changed region.
    centre = ((biggest[0] + biggest[2]) // 2, biggest[1] + 4)
    r0, _, b0 = old.getpixel(centre)
    r1, _, b1 = new.getpixel(centre)
    assert b0 > r0 and r1 > b1, (old.getpixel(centre), new.getpixel(centre))
    assert box_drawn(picture(project, page['images']['changes boxed']),
                     biggest)


def test_a_moved_block_is_boxed_where_it_was_and_where_it_is(steps, capsys):
    project, snaps = steps
    code, out, _, report = diff(project, snaps['colour'], snaps['moved'],
                                capsys)
    assert code == 1
    assert 'no text change' in out
    assert report.rows == []
    (page,) = [p for p in report.pages if p['page'] == 1]
    assert page['boxes']
    # The organisation's name moved 12 mm right: its old place and its
    # new one are both inside a changed region.
    pdf_old = snaps['colour'] / Path(PDF).name
    pdf_new = snaps['moved'] / Path(PDF).name
    was, now = word_box(pdf_old, 'VÄSTERÅS'), word_box(pdf_new, 'VÄSTERÅS')
    assert now[0] - was[0] == pytest.approx(12 / 25.4 * DPI, abs=1.5)
    assert any(inside(was, box) for box in page['boxes'])
    assert any(inside(now, box) for box in page['boxes'])
    # Nothing below the hero changed.
    lowest = max(box[3] for box in page['boxes'])
    assert lowest < picture(project, page['images']['after']).height / 2


def test_nothing_changed_exits_0_without_rendering(steps, capsys,
                                                   monkeypatch):
    project, snaps = steps

    def no_render(pdf):
        raise AssertionError('rendered a PDF whose bytes did not change')

    monkeypatch.setattr('flyers.diff.render_pages', no_render)
    code, out, err, report = diff(project, snaps['added'],
                                  project / 'output', capsys)
    assert code == 0, err
    assert out.splitlines() == [
        f'unchanged  {SCREEN}', f'unchanged  {PDF}',
        f'2 outputs compared ({snaps["added"]} → {project / "output"}): '
        '0 changed, 0 added, 0 removed, 2 unchanged; report: '
        'output/diff/index.html']
    assert report.summary == {PDF: 'unchanged', SCREEN: 'unchanged'}
    assert report.images == []
    assert not list((project / 'output' / 'diff').glob('*.png'))


@pytest.mark.parametrize('old, new, status', [
    ('moved', 'added', 'added'), ('added', 'moved', 'removed')])
def test_an_output_added_or_removed(steps, capsys, monkeypatch, old, new,
                                    status):
    project, snaps = steps
    monkeypatch.setattr('flyers.diff.render_pages', None)  # never called
    code, out, _, report = diff(project, snaps[old], snaps[new], capsys)
    assert code == 1
    assert report.summary == {PDF: 'unchanged', SCREEN: status}
    assert f'{status:9}  {SCREEN} (2 pages)' in out.splitlines()
    assert f'1 {status}' in out


def test_the_default_compares_the_last_release_bundle_with_output(
        steps, capsys):
    project, snaps = steps
    from flyers.release import write_bundle

    bundle = project / 'output' / 'release.zip'
    bundle.unlink(missing_ok=True)
    code, _, err = run(project, 'diff', capsys=capsys)
    assert code == 2
    assert err.splitlines()[0] == (
        'error: output/release.zip: no release bundle to compare with; run '
        '"python make_flyers.py release" first, or name the build to '
        'compare: diff OLD [NEW] (a release bundle .zip or an output folder '
        'with its manifest.json)')
    write_bundle(project, project / 'output' / 'manifest.json',
                 '2026-01-01T00:00:00Z')
    code, out, err = run(project, 'diff', capsys=capsys)
    assert code == 0, err
    assert 'compared (output/release.zip → output/)' in out
    # The bundle against the first build: every change since, by field.
    code, out, _, report = diff(project, snaps['base'], bundle, capsys)
    assert code == 1
    assert report.summary == {PDF: 'changed', SCREEN: 'added'}
    assert [row['field'] for row in report.rows] == ['intro[0]']
    bundle.unlink()


def _tampered_bundle(folder: Path, snaps) -> Path:
    source = snaps['word']
    target = folder / 'tampered.zip'
    listing = {'outputs': json.loads((source / 'manifest.json').read_text())[
        'outputs'], 'files': []}
    pdf = (source / Path(PDF).name).read_bytes()
    listing['files'].append({'path': PDF, 'sha256':
                             hashlib.sha256(pdf).hexdigest()})
    with zipfile.ZipFile(target, 'w') as archive:
        archive.writestr('release-manifest.json', json.dumps(listing))
        archive.writestr(Path(PDF).name, pdf[:-10] + b'%%EOF tamp')
    return target


def _manifest(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / 'manifest.json').write_text(text)
    return folder


BROKEN = [
    ('missing', lambda f, s: f / 'nowhere', 2,
     'error: {given}: OLD: no such file or folder; name a release bundle '
     '(.zip) or an output folder with its manifest.json'),
    ('folder without a build', lambda f, s: f, 2,
     'error: {given}/manifest.json: missing: this folder holds no build'),
    ('manifest not JSON', lambda f, s: _manifest(f / 'x', '{"outputs": ['), 1,
     'error: {given}/manifest.json: cannot be read ('),
    ('manifest naming a file outside', lambda f, s: _manifest(
        f / 'x', json.dumps({'outputs': [{'path': 'output/../../etc/passwd'
                                          '.pdf', 'sha256': '0' * 64}]})), 1,
     "error: {given}/manifest.json: lists 'output/../../etc/passwd.pdf', "
     'which is not a PDF inside output/; it cannot be compared'),
    ('manifest naming a missing PDF', lambda f, s: _manifest(
        f / 'x', json.dumps({'outputs': [{'path': PDF, 'sha256': '0' * 64}]})),
     1, 'error: {given}/trygghet-vasteras-leaflet-a5.pdf: is listed in '
        '{given}/manifest.json but cannot be read'),
    ('not a zip', lambda f, s: (f / 'x.zip').write_bytes(b'PK\x03\x04junk')
     and f / 'x.zip', 1,
     'error: {given}: is not a release bundle (not a readable zip file'),
    ('a zip without a release manifest', lambda f, s: (
        zipfile.ZipFile(f / 'y.zip', 'w').close() or f / 'y.zip'), 1,
     'error: {given}: holds no release-manifest.json: it is not a release '
     'bundle'),
    ('a PDF changed inside the bundle', _tampered_bundle, 1,
     'error: {given}: holds a trygghet-vasteras-leaflet-a5.pdf whose sha256 '
     'is not the one it lists (damaged or changed)'),
]


@pytest.mark.parametrize('name, make, code, message', BROKEN,
                         ids=[b[0] for b in BROKEN])
def test_a_missing_or_broken_build_is_one_clear_line(
        steps, tmp_path, capsys, name, make, code, message):
    project, snaps = steps
    given = make(tmp_path, snaps)
    index = project / 'output' / 'diff' / 'index.html'
    before = index.read_bytes() if index.exists() else None
    got, out, err = run(project, 'diff', str(given), str(snaps['word']),
                        capsys=capsys)
    assert got == code
    lines = err.splitlines()
    assert len(lines) == 2 and 'Traceback' not in err, err
    assert lines[0].startswith(message.format(given=given)), lines[0]
    assert (index.read_bytes() if index.exists() else None) == before


def test_a_killed_diff_leaves_the_last_whole_report(steps, capsys,
                                                    monkeypatch):
    project, snaps = steps
    code, _, _, first = diff(project, snaps['base'], snaps['word'], capsys)
    assert code == 1 and first.images
    folder = project / 'output' / 'diff'
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    import flyers.writer

    real = flyers.writer.write_atomic

    def killed(target, data, inside):
        if target.name == 'index.html':
            raise KeyboardInterrupt
        real(target, data, inside)

    monkeypatch.setattr(flyers.writer, 'write_atomic', killed)
    code, _, err = run(project, 'diff', str(snaps['word']),
                       str(snaps['colour']), capsys=capsys)
    assert code == 130
    monkeypatch.undo()
    after = Report(folder / 'index.html')
    assert (folder / 'index.html').read_bytes() == before['index.html']
    for name in after.images:  # every picture the report shows is there
        assert (folder / name).read_bytes() == before[name]


def test_the_report_escapes_the_text_it_shows(tmp_path):
    from flyers.diff import FieldChange, OutputChange
    from flyers.diffreport import report

    hostile = '<script>alert(1)</script>'
    change = OutputChange('output/a"<b>.pdf', 'changed', fields=[
        FieldChange('intro[0]<i>', [hostile], ['&amp;'],
                    [('removed', hostile), ('added', '&amp;')])])
    text, pictures = report([change], '<old>', 'new & "quoted"')
    assert '<script>' not in text and '<b>' not in text
    assert '&lt;script&gt;alert(1)&lt;/script&gt;' in text
    assert '&amp;amp;' in text and 'intro[0]&lt;i&gt;' in text
    assert '&lt;old&gt;' in text and 'new &amp; &quot;quoted&quot;' in text
    assert pictures == {}


def test_a_build_without_recorded_texts_is_compared_page_by_page(
        steps, tmp_path, capsys):
    """A manifest written before it recorded each field's text (an old
    release): the words are compared on each page, as PDFium reads it."""
    project, snaps = steps
    old = tmp_path / 'old'
    shutil.copytree(snaps['base'], old)
    manifest = json.loads((old / 'manifest.json').read_text())
    for entry in manifest['outputs']:
        del entry['texts']
    (old / 'manifest.json').write_text(json.dumps(manifest))
    code, out, _, report = diff(project, old, snaps['word'], capsys)
    assert code == 1
    assert out.splitlines()[0] == (
        f'changed    {PDF}: text page 1: -otrugga +otrygga, page 1: 1 '
        'region changed')
    assert [(row['field'], [''.join(c) for c in row['cells'][1:3]])
            for row in report.rows] == [('page 1', ['otrugga', 'otrygga'])]
    assert 'the text PDFium reads from each page is compared' in report.text
