"""Photos in the content: the fields, the checks of the files, the pixels
placed in the PDF (down-sampled to the placed size, CMYK for print, sRGB
for screen), the resolution messages and the cache.

A small layout written here (``photo-test``: the hero, the people with
their portraits, the credits line) shows the pictures, so these tests do
not depend on how the default layouts place them.
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, run
from test_hostile_assets import (DAMAGED, TOO_LARGE, claiming_size,
                                 cut_short, photo)

LAYOUT_YAML = '''description: Test layout showing the campaign's pictures
page:
  width_mm: 148
  height_mm: 210
  count: 1
  names: [page]
qr:
  size_mm: 25
  min_mm: 20
default: no
empty_bands_allowed_mm: [[0, 210]]  # a bare test page: white space is fine
'''
TEMPLATE = '''{% extends "_base/base.html.j2" %}
{% import "_base/parts.html.j2" as parts with context %}
{% block pages %}
<section class="page" data-page="page">
  <div>
  {% if campaign.hero %}{{ parts.picture(campaign.hero, 'hero-img') }}{% endif %}
  <h1 data-field="title">{{ campaign.title }}</h1>
  {% for person in campaign.people %}
  <div class="person">
    {% if person.photo %}{{ parts.picture(person.photo, 'portrait') }}{% endif %}
    <p data-field="people[{{ loop.index0 }}].name">{{ person.name }}</p>
  </div>
  {% endfor %}
  </div>
  <div></div>
  <div>{{ parts.credits() }}<p data-field="imprint">{{ campaign.imprint }}</p>
  {% if printed_by %}<p>{{ printed_by }}</p>{% endif %}
  {{ parts.political_ad() }}
  <div class="qr">{{ qr.svg }}</div></div>
</section>
{% endblock %}
'''
CSS = '''@page { margin: 10mm; }
.hero-img { display: block; width: 128mm; height: 60mm; object-fit: cover; }
.portrait { display: block; width: 32mm; height: 40mm; object-fit: cover; }
.person { display: inline-block; margin-right: 5mm; }
.qr { width: 25mm; height: 25mm; }
'''
HERO_MM = (128, 128 * 2600 / 4000)  # the whole picture, drawn to cover
PORTRAIT_MM = (32, 40)

CONTENT = '''language: sv
url: https://www.liberalerna.se/vasteras/trygghet
title: Bilder
imprint: "Ansvarig utgivare: Anna Andersson"
layouts: [photo-test]
{extra}'''


def picture_project(target: Path) -> Path:
    """A copy of the project with the photo-test layout."""
    copy_project(target)
    folder = target / 'layouts' / 'photo-test'
    folder.mkdir()
    (folder / 'layout.yaml').write_text(LAYOUT_YAML)
    (folder / 'template.html.j2').write_text(TEMPLATE)
    (folder / 'style.css').write_text(CSS)
    return target


def write_content(project: Path, extra: str, name: str = 'p') -> Path:
    path = project / 'content' / f'{name}.yaml'
    path.write_text(CONTENT.format(extra=extra), 'utf-8')
    return path


def hero(file: str, more: str = '') -> str:
    return f'hero:\n  file: {file}\n  alt: En bild\n{more}'


def person(file: str) -> str:
    return (f'people:\n  - name: Anna Andersson\n    photo:\n'
            f'      file: {file}\n      alt: Porträtt\n')


def snapshot(folder: Path) -> dict:
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob('*')) if p.is_file()}


# --- built once: the seed's pictures in the test layout ----------------------

@pytest.fixture(scope='module')
def photo_build(tmp_path_factory):
    project = picture_project(tmp_path_factory.mktemp('pictures') / 'p')
    code, out, err = _run(project, 'build', '--layout', 'photo-test')
    assert code == 0, err
    return project


def _run(project: Path, *args: str):
    import contextlib

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(project, *args)[0]
    return code, out.getvalue(), err.getvalue()


def placed_images(pdf: Path) -> list[dict]:
    """Every image XObject drawn on the first page: its pixels, colour
    space and placed size in mm, from the content streams (pikepdf; the
    current transformation matrix followed through q/Q/cm and forms)."""
    import pikepdf

    found = []

    def walk(stream_owner, resources, ctm):
        stack = []
        for operands, operator in pikepdf.parse_content_stream(stream_owner):
            op = str(operator)
            if op == 'q':
                stack.append(ctm)
            elif op == 'Q':
                ctm = stack.pop()
            elif op == 'cm':
                ctm = multiply([float(v) for v in operands], ctm)
            elif op == 'Do':
                xobject = resources.XObject[operands[0]]
                if xobject.Subtype == '/Image':
                    a, b, c, d = ctm[:4]
                    found.append({
                        'pixels': (int(xobject.Width), int(xobject.Height)),
                        'space': str(xobject.ColorSpace),
                        'mm': (math.hypot(a, b) * 25.4 / 72,
                               math.hypot(c, d) * 25.4 / 72)})
                elif xobject.Subtype == '/Form':
                    matrix = [float(v) for v in xobject.get(
                        '/Matrix', [1, 0, 0, 1, 0, 0])]
                    walk(xobject, xobject.get('/Resources', resources),
                         multiply(matrix, ctm))
    with pikepdf.open(pdf) as document:
        page = document.pages[0]
        walk(page, page.Resources, [1, 0, 0, 1, 0, 0])
    return found


def multiply(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F]


def ppi(image: dict) -> float:
    return image['pixels'][0] / (image['mm'][0] / 25.4)


@pytest.mark.parametrize('edition, target, space', [
    ('print', 450, '/DeviceCMYK'),
    ('screen', 150, '/DeviceRGB'),
])
def test_pictures_are_down_sampled_to_their_placed_size(photo_build, edition,
                                                        target, space):
    name = 'trygghet-vasteras-photo-test' + (
        '-screen' if edition == 'screen' else '')
    images = [image for image in placed_images(
        photo_build / 'output' / f'{name}.pdf') if image['pixels'][0] > 100]
    sizes = sorted((round(i['mm'][0]), round(i['mm'][1])) for i in images)
    # The hero is cropped to the part its 128 × 60 mm box shows (and a few
    # pixels around it).
    assert sizes in ([(32, 40), (32, 40), (128, 60)],
                     [(32, 40), (32, 40), (128, 61)])
    for image in images:
        assert image['space'] == space
        assert abs(ppi(image) - target) < target * 0.01, image
        height_ppi = image['pixels'][1] / (image['mm'][1] / 25.4)
        assert abs(height_ppi - target) < target * 0.01, image


def test_the_screen_pdf_with_a_hero_and_two_portraits_is_small(photo_build):
    pdf = photo_build / 'output' / 'trygghet-vasteras-photo-test-screen.pdf'
    assert pdf.stat().st_size < 1.5e6
    # The hero alone is 2.6 MB as a file.
    assert (ROOT / 'content' / 'images' / 'kvallsgata.jpg').stat().st_size \
        > 2e6


def test_the_credits_line_and_alt_texts_reach_the_pdf(photo_build):
    from conftest import pdf_text

    pdf = photo_build / 'output' / 'trygghet-vasteras-photo-test-screen.pdf'
    assert 'Foto: Flyers-projektet (illustration)' in pdf_text(pdf)
    import pikepdf
    with pikepdf.open(pdf) as document:
        alts = {str(o.get('/Alt')) for o in document.objects
                if isinstance(o, pikepdf.Dictionary) and '/Alt' in o}
    assert any(alt.startswith('Tecknad bild av en gata i Västerås')
               for alt in alts), alts


# --- content errors: one line each, at check time, nothing written --------

SCHEMA_CASES = {
    'missing alt': (
        'hero:\n  file: kvallsgata.jpg\n',
        'content/p.yaml:7:3: hero.alt: this required field is missing; add '
        '"alt:" (text)'),
    'focus with one value': (
        hero('kvallsgata.jpg', '  focus: 30%\n'),
        'content/p.yaml:9:10: hero.focus: expected two percentages such as '
        '"30% 40%" (across, then down; 0% to 100%), found "30%"'),
    'focus over 100%': (
        hero('kvallsgata.jpg', '  focus: 120% 40%\n'),
        'content/p.yaml:9:10: hero.focus: expected two percentages such as '
        '"30% 40%" (across, then down; 0% to 100%), found "120% 40%"'),
    'missing file': (
        hero('nope.jpg'),
        'content/p.yaml:7:9: hero.file: images/nope.jpg does not exist; put '
        'the picture into content/images/ or correct the name'),
    'dot dot': (
        hero('../trygghet-vasteras.yaml'),
        'content/p.yaml:7:9: hero.file: "../trygghet-vasteras.yaml" cannot '
        'be used: it contains ".." (a way out of the folder); name a file '
        'relative to the pictures folder (content/images/ unless '
        'pictures_folder says otherwise), with "/" between folders'),
    'absolute path': (
        hero('/etc/passwd'),
        'content/p.yaml:7:9: hero.file: "/etc/passwd" cannot be used: it is '
        'an absolute path; name a file relative to the pictures folder '
        '(content/images/ unless pictures_folder says otherwise), with "/" '
        'between folders'),
    'pictures folder out of content': (
        'pictures_folder: ../assets\n' + hero('x.jpg'),
        'content/p.yaml:6:18: pictures_folder: "../assets" cannot be used: '
        'it contains ".." (a way out of the folder); name a folder inside '
        'content/, with "/" between folders'),
    'person without a name': (
        'people:\n  - role: kontaktperson\n',
        'content/p.yaml:7:5: people[0].name: this required field is '
        'missing; add "name:" (text)'),
    'a GIF': (
        hero('still.gif'),
        'content/p.yaml:7:9: hero.file: images/still.gif: the file is a GIF '
        'image; use JPEG, PNG or WebP (export it again as one of these)'),
}


def _gif(frames: int) -> bytes:
    from PIL import Image

    images = [Image.new('RGB', (64, 64), (40 * i, 80, 120))
              for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, 'GIF', save_all=frames > 1,
                   append_images=images[1:])
    return buffer.getvalue()


@pytest.fixture
def picture_copy(tmp_path) -> Path:
    project = picture_project(tmp_path / 'p')
    (project / 'content' / 'trygghet-vasteras.yaml').unlink()  # only p.yaml
    (project / 'content' / 'images' / 'still.gif').write_bytes(_gif(1))
    return project


def _fails(project: Path, command: str = 'build', *options: str) -> str:
    before = snapshot(project / 'output')
    code, _, err = _run(project, command, *options,
                        str(project / 'content' / 'p.yaml'))
    assert code == 1, err
    assert 'Traceback' not in err
    assert snapshot(project / 'output') == before
    return err


@pytest.mark.parametrize('case', SCHEMA_CASES)
def test_a_wrong_picture_field_is_one_clear_line(picture_copy, case):
    extra, message = SCHEMA_CASES[case]
    write_content(picture_copy, extra)
    assert f'error: {message}\n' in _fails(picture_copy, 'check')
    assert f'error: {message}\n' in _fails(picture_copy, 'build')


def test_a_link_out_of_the_pictures_folder_is_refused(picture_copy,
                                                      tmp_path):
    outside = tmp_path / 'elsewhere.jpg'
    outside.write_bytes(photo('JPEG'))
    os.symlink(outside, picture_copy / 'content' / 'images' / 'link.jpg')
    write_content(picture_copy, hero('link.jpg'))
    assert ('error: content/p.yaml:7:9: hero.file: images/link.jpg is a '
            'symbolic link (or lies in one) that leads outside '
            'content/images/; replace the link by a copy of the picture\n'
            ) in _fails(picture_copy)


def test_a_pictures_folder_linked_out_of_content_is_refused(picture_copy,
                                                            tmp_path):
    outside = tmp_path / 'photos'
    outside.mkdir()
    (outside / 'x.jpg').write_bytes(photo('JPEG'))
    os.symlink(outside, picture_copy / 'content' / 'linked')
    write_content(picture_copy, 'pictures_folder: linked\n' + hero('x.jpg'))
    assert ('error: content/p.yaml:6:18: pictures_folder: content/linked is '
            'a symbolic link (or lies in one) that leads outside content/; '
            'the builder reads pictures only from there. Replace the link by '
            'a copy of the folder\n') in _fails(picture_copy)


def test_all_problems_are_reported_at_once(picture_copy):
    write_content(picture_copy, hero('nope.jpg') + person('still.gif'))
    err = _fails(picture_copy)
    assert 'hero.file: images/nope.jpg does not exist' in err
    assert 'people[0].photo.file: images/still.gif: the file is a GIF' in err


# --- bad picture files: named by field and file, nothing written ------------

def _rgba(opaque: bool, side: int = 200) -> bytes:
    from PIL import Image

    image = Image.new('RGBA', (side, side), (200, 40, 40, 255))
    if not opaque:
        image.paste((0, 0, 0, 0), (0, 0, 50, 50))
    buffer = io.BytesIO()
    image.save(buffer, 'PNG')
    return buffer.getvalue()


def _animated(fmt: str) -> bytes:
    from PIL import Image

    images = [Image.new('RGB', (64, 64), (40 * i, 80, 120))
              for i in range(3)]
    buffer = io.BytesIO()
    images[0].save(buffer, fmt, save_all=True, append_images=images[1:],
                   duration=100)
    return buffer.getvalue()


# A content picture may be JPEG, PNG or WebP: the advice says so.
PICTURE_DAMAGED = DAMAGED.replace('(as PNG, JPEG or TIFF)',
                                  '(as JPEG, PNG or WebP)')
TRANSPARENT = ('the picture has transparent areas, which neither print nor '
               'the screen edition shows as intended; flatten it onto a '
               'background and export it again')
ANIMATED = ('the image is animated (3 frames); a page shows one: save the '
            'frame you want as a JPEG or PNG')

BAD_FILES = {
    'cut-short JPEG': ('bad.jpg', lambda: cut_short(photo('JPEG')),
                       PICTURE_DAMAGED.format('image file is truncated')),
    'not an image': ('bad.jpg', lambda: b'<html>Not found</html>',
                     'the file is not an image in any format Pillow reads; '
                     'export it again from the original (as JPEG, PNG or '
                     'WebP) and replace the file'),
    'decompression bomb': ('bad.png',
                           lambda: claiming_size(photo(), 40000, 40000),
                           TOO_LARGE.format('40000 × 40000', '1,600.0')),
    'animated GIF': ('bad.gif', lambda: _animated('GIF'), ANIMATED),
    'animated WebP': ('bad.webp', lambda: _animated('WEBP'), ANIMATED),
    'animated PNG': ('bad.png', lambda: _animated('PNG'), ANIMATED),
    'transparent PNG': ('bad.png', lambda: _rgba(False), TRANSPARENT),
}


@pytest.mark.parametrize('case', BAD_FILES)
def test_a_bad_picture_fails_naming_field_and_file(picture_copy, case):
    name, make, reason = BAD_FILES[case]
    (picture_copy / 'content' / 'images' / name).write_bytes(make())
    write_content(picture_copy, person(name))
    assert (f'error: content/p.yaml:9:13: people[0].photo.file: '
            f'images/{name}: {reason}\n') in _fails(picture_copy)


def test_an_opaque_png_with_alpha_and_a_webp_build(picture_copy):
    from PIL import Image

    folder = picture_copy / 'content' / 'images'
    (folder / 'opaque.png').write_bytes(_rgba(True, 600))
    buffer = io.BytesIO()
    Image.open(folder / 'kontakt-1.jpg').save(buffer, 'WEBP')
    (folder / 'k.webp').write_bytes(buffer.getvalue())
    write_content(picture_copy, hero('k.webp') + person('opaque.png'))
    code, _, err = _run(picture_copy, 'build', '--layout', 'photo-test',
                        str(picture_copy / 'content' / 'p.yaml'))
    assert code == 0, err


def test_a_failed_rebuild_leaves_the_output_as_it_was(picture_copy):
    content = write_content(picture_copy, person('kontakt-1.jpg'))
    code, _, err = _run(picture_copy, 'build', str(content))
    assert code == 0, err
    before = snapshot(picture_copy / 'output')
    assert any(name.endswith('.pdf') for name in before)
    (picture_copy / 'content' / 'images' / 'kontakt-1.jpg').write_bytes(
        cut_short(photo('JPEG')))
    assert 'people[0].photo.file: images/kontakt-1.jpg: the image is ' \
        'damaged' in _fails(picture_copy)
    assert snapshot(picture_copy / 'output') == before


# --- resolution: an error under fail_under_ppi, a warning under warn -------

def _sized_jpeg(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.open(ROOT / 'content' / 'images' / 'kontakt-1.jpg').resize(
        (width, height)).save(buffer, 'JPEG', quality=90)
    return buffer.getvalue()


def test_a_picture_too_small_for_its_place_fails(picture_copy):
    folder = picture_copy / 'content' / 'images'
    (folder / 'small.jpg').write_bytes(_sized_jpeg(200, 250))
    write_content(picture_copy, person('small.jpg'))
    err = _fails(picture_copy)
    assert ('error: content/p.yaml:9:13: people[0].photo.file: '
            'images/small.jpg is 200 × 250 pixels, too few for print: placed '
            'at 32 × 40 mm it prints at 159 ppi, and the print shop needs '
            '300 ppi (it refuses under 200); use a picture of at least 378 × '
            '473 pixels, or a layout that places it smaller\n') in err


def test_a_picture_a_little_small_warns_in_the_preflight_report(
        picture_copy):
    folder = picture_copy / 'content' / 'images'
    (folder / 'fair.jpg').write_bytes(_sized_jpeg(300, 375))
    content = write_content(picture_copy, person('fair.jpg'))
    code, out, err = _run(picture_copy, 'build', str(content), '--edition',
                          'print')
    assert code == 0, err
    assert 'preflight output/p-photo-test.pdf: passed (' in out
    manifest = json.loads((picture_copy / 'output' / 'manifest.json')
                          .read_text())
    entry, = [e for e in manifest['outputs'] if e['content'] == 'content/p.yaml']
    # (The test layout may get other warnings, such as an empty band.)
    warnings = [w for w in entry['preflight']['warnings'] if 'ppi' in w]
    assert warnings == [
        'page 1 at 10.0 mm, 17.3 mm: content/p.yaml:9:13: '
        'people[0].photo.file: images/fair.jpg is 300 × 375 pixels, fewer '
        'than print asks for: placed at 32 × 40 mm it prints at 238 ppi, '
        'and the print shop needs 300 ppi (it refuses under 200); use a '
        'picture of at least 378 × 473 pixels, or a layout that places it '
        'smaller']


# --- the cache: a text change decodes and converts no picture again --------

def test_a_text_change_decodes_and_converts_nothing_again(picture_copy):
    from flyers import pictures, picturefiles

    content = write_content(picture_copy, hero('kvallsgata.jpg')
                            + person('kontakt-2.jpg'))
    picturefiles.DECODES['count'] = pictures.CONVERSIONS['count'] = 0
    code, _, err = _run(picture_copy, 'build', '--jobs', '1', str(content))
    assert code == 0, err
    assert picturefiles.DECODES['count'] == 2
    assert pictures.CONVERSIONS['count'] == 4  # 2 pictures × 2 editions
    content.write_text(content.read_text('utf-8').replace(
        'title: Bilder', 'title: Bilder och text'), 'utf-8')
    picturefiles.DECODES['count'] = pictures.CONVERSIONS['count'] = 0
    picturefiles._sha256.cache_clear()  # as in a new process
    code, out, err = _run(picture_copy, 'build', '--jobs', '1', str(content))
    assert code == 0, err
    assert '2 built in one process, 0 from the cache' in out
    assert picturefiles.DECODES['count'] == 0
    assert pictures.CONVERSIONS['count'] == 0


def test_a_cmyk_jpeg_stays_as_it_is_in_print_and_is_rgb_on_screen(
        picture_copy):
    from PIL import Image

    folder = picture_copy / 'content' / 'images'
    cmyk = Image.open(folder / 'kontakt-1.jpg').resize((600, 750)) \
        .convert('CMYK')
    cmyk.save(folder / 'cmyk.jpg', quality=92)
    content = write_content(picture_copy, person('cmyk.jpg'))
    code, _, err = _run(picture_copy, 'build', str(content))
    assert code == 0, err
    output = picture_copy / 'output'
    printed, = [i for i in placed_images(output / 'p-photo-test.pdf')
                if i['pixels'][0] > 100]
    assert (printed['pixels'], printed['space']) == ((600, 750),
                                                     '/DeviceCMYK')
    assert (output / 'p-photo-test.pdf').read_bytes().count(
        (folder / 'cmyk.jpg').read_bytes()[2000:2400]) == 1  # as it is
    screen, = [i for i in placed_images(output / 'p-photo-test-screen.pdf')
               if i['pixels'][0] > 100]
    assert screen['space'] == '/DeviceRGB'
    assert abs(ppi(screen) - 150) < 1.5


def test_a_picture_as_a_background_image_is_prepared_too(picture_copy):
    import pikepdf

    template = picture_copy / 'layouts' / 'photo-test' / 'template.html.j2'
    template.write_text(template.read_text().replace(
        "{{ parts.picture(campaign.hero, 'hero-img') }}",
        '<div style="background-image: url({{ campaign.hero.src }}); '
        'background-size: cover; width: 128mm; height: 60mm"></div>'))
    content = write_content(picture_copy, hero('kvallsgata.jpg'))
    code, _, err = _run(picture_copy, 'build', str(content))
    assert code == 0, err
    # A background is drawn through a pattern: its placed size is the
    # cover size of the box, HERO_MM.
    for name, target, space in (('p-photo-test', 450, '/DeviceCMYK'),
                                ('p-photo-test-screen', 150, '/DeviceRGB')):
        with pikepdf.open(picture_copy / 'output' / f'{name}.pdf') as pdf:
            image, = [o for o in pdf.objects
                      if isinstance(o, pikepdf.Stream)
                      and o.get('/Subtype') == '/Image' and o.Width > 100]
            assert str(image.ColorSpace) == space
            assert abs(int(image.Width) / (HERO_MM[0] / 25.4) - target) \
                < target * 0.01


def test_a_picture_the_builder_cannot_reach_fails_the_build(picture_copy):
    template = picture_copy / 'layouts' / 'photo-test' / 'template.html.j2'
    template.write_text(template.read_text().replace(
        "{{ parts.picture(campaign.hero, 'hero-img') }}",
        '<div style="border: 5mm solid; border-image: url('
        '{{ campaign.hero.src }}) 30 round">x</div>'))
    write_content(picture_copy, hero('kvallsgata.jpg'))
    assert ('error: layouts/photo-test: shows the picture '
            'content/images/kvallsgata.jpg in a way the builder cannot '
            'prepare for print and screen (only <img> and background-image '
            'are); show it with parts.picture()\n') in _fails(picture_copy)


def test_a_pipe_in_place_of_a_picture_is_refused_unread(picture_copy):
    os.mkfifo(picture_copy / 'content' / 'images' / 'pipe.jpg')
    write_content(picture_copy, hero('pipe.jpg'))
    assert ('error: content/p.yaml:7:9: hero.file: images/pipe.jpg is not a '
            'regular file (a folder, pipe or device?); name a picture '
            'file\n') in _fails(picture_copy)


def test_a_pictures_folder_of_its_own_is_used(picture_copy):
    folder = picture_copy / 'content' / 'foton' / '2026'
    folder.mkdir(parents=True)
    shutil.copy(picture_copy / 'content' / 'images' / 'kontakt-2.jpg',
                folder / 'anna.jpg')
    content = write_content(picture_copy, 'pictures_folder: foton/2026\n'
                            + person('anna.jpg'))
    code, _, err = _run(picture_copy, 'build', '--edition', 'screen',
                        str(content))
    assert code == 0, err
    image, = [i for i in placed_images(picture_copy / 'output'
                                       / 'p-photo-test-screen.pdf')
              if i['pixels'][0] > 100]
    assert abs(ppi(image) - 150) < 1.5
    # The default folder is not read for it.
    write_content(picture_copy, 'pictures_folder: foton/2026\n'
                  + person('kontakt-1.jpg'))
    assert ('people[0].photo.file: foton/2026/kontakt-1.jpg does not exist; '
            'put the picture into content/foton/2026/ or correct the name'
            ) in _fails(picture_copy)


def test_the_picture_cache_keeps_the_most_recently_used(tmp_path,
                                                        monkeypatch):
    from flyers import picturefiles

    monkeypatch.setenv('FLYERS_CACHE_DIR', str(tmp_path / 'cache'))
    folder = picturefiles.cache_dir(tmp_path)
    folder.mkdir(parents=True)
    for age, name in enumerate(['new', 'middle', 'old']):
        path = folder / f'prepared-{name}.jpg'
        path.write_bytes(bytes(1000))
        os.utime(path, (1e9 - age * 100, 1e9 - age * 100))
    picturefiles.read_cached(folder / 'prepared-old.jpg')  # used just now
    picturefiles.prune(tmp_path, keep_bytes=2000)
    assert sorted(p.name for p in folder.iterdir()) == [
        'prepared-new.jpg', 'prepared-old.jpg']


# --- red team: odd but usable files come out right, in colour and the right
# way up (one build of many campaigns, pages rendered by PDFium) -----------

RED, BLUE, GREEN = (200, 40, 40), (40, 60, 200), (40, 170, 60)


def _pattern(size=(2000, 1300)):
    """Left half red, right half blue, a green patch at the top left: the
    hero box (128 × 60 mm, cover) shows all three where they belong."""
    from PIL import Image

    image = Image.new('RGB', size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    image.paste(GREEN, (0, 0, size[0] // 4, size[1] // 2))
    return image


def _encoded(image, fmt='JPEG', **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _without_app14(data: bytes) -> bytes:
    at = data.find(b'\xff\xee')
    length = int.from_bytes(data[at + 2:at + 4], 'big')
    return data[:at] + data[at + 2 + length:]


def _plain_cmyk(image) -> bytes:
    """A CMYK JPEG without Adobe's APP14 marker, holding plain ink values
    (Pillow writes inverted values with the marker: the values are
    inverted first, so the file holds the plain ones)."""
    from PIL import ImageChops

    return _without_app14(_encoded(ImageChops.invert(image.convert('CMYK'))))


def _oriented(orientation: int) -> bytes:
    from PIL import Image

    turn = {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
    exif = Image.Exif()
    exif[0x0112] = orientation
    return _encoded(_pattern().transpose(turn[orientation]), exif=exif)


def _sixteen_bit_grey() -> bytes:
    from PIL import Image

    image = Image.new('I', (2000, 1300), 12000)
    image.paste(52000, (1000, 0, 2000, 1300))
    return _encoded(image.convert('I;16'), 'PNG')


def _sixteen_bit_rgb() -> bytes:
    """The pattern as a PNG of 16 bits per channel (Pillow writes none)."""
    import struct
    import zlib

    image = _pattern()
    eight = image.tobytes()
    sixteen = bytearray(len(eight) * 2)
    sixteen[0::2] = eight
    sixteen[1::2] = eight
    row = image.width * 6
    raw = b''.join(b'\x00' + sixteen[y * row:(y + 1) * row]
                   for y in range(image.height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack('>I', len(body)) + kind + body
                + struct.pack('>I', zlib.crc32(kind + body)))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack(
        '>IIBBBBB', image.width, image.height, 16, 2, 0, 0, 0))
        + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def _palette() -> bytes:
    """A palette PNG whose tRNS marks an index no pixel uses."""
    image = _pattern().quantize(8)
    return _encoded(image, 'PNG', transparency=7)


ADOBE_RGB = Path('/usr/share/color/icc/ghostscript/a98.icc')

# name → (file name, bytes, expected colours at the red, blue and green
# spots: 'pattern' or 'grey')
USABLE = {
    'CMYK JPEG (Adobe APP14, inverted)': (
        'cmyk-adobe.jpg', lambda: _encoded(_pattern().convert('CMYK')),
        'pattern'),
    'CMYK JPEG without APP14 (plain ink values)': (
        'cmyk-plain.jpg', lambda: _plain_cmyk(_pattern()), 'pattern'),
    # The shape of the hero's box: not cropped, kept as it is in print.
    'CMYK JPEG kept as it is (APP14)': (
        'cmyk-kept.jpg', lambda: _encoded(
            _pattern((2000, 938)).convert('CMYK')), 'pattern'),
    'CMYK JPEG kept as it is (no APP14)': (
        'cmyk-kept-plain.jpg', lambda: _plain_cmyk(_pattern((2000, 938))),
        'pattern'),
    'greyscale JPEG': ('grey.jpg', lambda: _encoded(_pattern().convert('L')),
                       'grey'),
    'JPEG with an Adobe RGB profile': (
        'adobergb.jpg', lambda: _encoded(
            _pattern(), icc_profile=ADOBE_RGB.read_bytes()), 'pattern'),
    'EXIF orientation 6': ('turned6.jpg', lambda: _oriented(6), 'pattern'),
    'EXIF orientation 8': ('turned8.jpg', lambda: _oriented(8), 'pattern'),
    '16-bit grey PNG': ('grey16.png', _sixteen_bit_grey, 'grey16'),
    '16-bit RGB PNG': ('rgb16.png', _sixteen_bit_rgb, 'pattern'),
    'palette PNG, tRNS on an unused index': ('palette.png', _palette,
                                             'pattern'),
    'PNG named .jpg': ('png.jpg', lambda: _encoded(_pattern(), 'PNG'),
                       'pattern'),
    'JPEG named .webp': ('jpeg.webp', lambda: _encoded(_pattern()),
                         'pattern'),
    'a name with % # ? \' and a space': (
        "a%20b #1?'x y.jpg", lambda: _encoded(_pattern()), 'pattern'),
    'a name with å ä ö': ('åäö.jpg', lambda: _encoded(_pattern()),
                          'pattern'),
}


def _spots(pdf: Path) -> dict[str, tuple[int, ...]]:
    """The colour at three spots of the hero box, rendered by PDFium."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        page = document[0].render(scale=50 / 72).to_pil().convert('RGB')
    finally:
        document.close()
    # The hero: 128 × 60 mm at 10 mm, 10 mm of the trim (plus bleed).
    left, top = (page.width - 148 * 50 / 25.4) / 2, \
        (page.height - 210 * 50 / 25.4) / 2
    at = {'green': (20, 15), 'red': (45, 55), 'blue': (120, 40)}
    return {name: page.getpixel((round(left + x * 50 / 25.4),
                                 round(top + y * 50 / 25.4)))
            for name, (x, y) in at.items()}


@pytest.fixture(scope='module')
def usable_build(tmp_path_factory):
    project = picture_project(tmp_path_factory.mktemp('usable') / 'p')
    (project / 'content' / 'trygghet-vasteras.yaml').unlink()
    files = []
    for number, (name, make, _) in enumerate(USABLE.values()):
        (project / 'content' / 'images' / name).write_bytes(make())
        quoted = name.replace("'", "''")
        files.append(str(write_content(
            project, f"hero:\n  file: '{quoted}'\n  alt: Mönster\n",
            f'u{number}')))
    code, out, err = _run(project, 'build', *files)
    assert code == 0, err
    return project


@pytest.mark.parametrize('case', USABLE)
@pytest.mark.parametrize('edition', ['print', 'screen'])
def test_an_odd_but_usable_picture_prints_right(usable_build, case, edition):
    number = list(USABLE).index(case)
    kind = USABLE[case][2]
    name = f'u{number}-photo-test' + ('-screen' if edition == 'screen'
                                      else '')
    spots = _spots(usable_build / 'output' / f'{name}.pdf')
    red, blue, green = spots['red'], spots['blue'], spots['green']
    if kind == 'pattern':
        # PDFium draws CMYK with a plain formula: dull, but the hue holds
        # (an inverted CMYK picture would show cyan, yellow and magenta).
        for colour, channel in ((red, 0), (green, 1), (blue, 2)):
            others = [c for i, c in enumerate(colour) if i != channel]
            assert colour[channel] > max(others) + 25, spots
    else:
        assert all(max(c) - min(c) < 25 for c in spots.values()), spots
        if kind == 'grey16':  # 12000/65535 dark left, 52000/65535 light
            assert red[0] < 90 and blue[0] > 170, spots
        else:  # red and blue have different greys; green is no hole
            assert abs(red[0] - blue[0]) > 15, spots


# --- red team: refused files and folders, many at once in one build ------

def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose header claims another size; its data ends early
    (with an end-of-image marker, which libjpeg fills up with grey)."""
    data = bytearray(_encoded(_pattern((64, 48))))
    at = data.find(b'\xff\xc0')
    data[at + 5:at + 9] = height.to_bytes(2, 'big') + width.to_bytes(2, 'big')
    return bytes(data)


NOT_AN_IMAGE = ('the file is not an image in any format Pillow reads; '
                'export it again from the original (as JPEG, PNG or WebP) '
                'and replace the file')
# file → (bytes, the reason after "images/FILE: ")
REFUSED = {
    'zero.jpg': (lambda: b'', NOT_AN_IMAGE),
    'drawing.svg': (lambda: b'<svg xmlns="http://www.w3.org/2000/svg" '
                    b'width="2000" height="1300"/>', NOT_AN_IMAGE),
    'leaflet.pdf': (lambda: b'%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n',
                    NOT_AN_IMAGE),
    'phone.heic': (lambda: b'\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1'
                   b'heic' + bytes(100), NOT_AN_IMAGE),
    'short.jpg': (lambda: _jpeg_claiming(9000, 9000), (
        'the file says the image is 9000 × 9000 pixels but holds only {} '
        'bytes, too few for that: it is cut short or damaged; export it '
        'again from the original (as JPEG, PNG or WebP) and replace the '
        'file')),
    'giant.jpg': (lambda: _jpeg_claiming(65000, 65000),
                  TOO_LARGE.format('65000 × 65000', '4,225.0')),
    'giant.png': (lambda: claiming_size(photo(), 30000, 30000),
                  TOO_LARGE.format('30000 × 30000', '900.0')),
    'palette.png': (lambda: _encoded(_pattern().quantize(8), 'PNG',
                                     transparency=0), TRANSPARENT),
    'broken-profile.jpg': (
        lambda: _encoded(_pattern(), icc_profile=b'garbage' * 30),
        'its embedded colour profile is damaged (LittleCMS: cannot open '
        'profile from string); export the image again with an sRGB profile '
        '(or, for CMYK, the print shop\'s)'),
}


def test_many_bad_pictures_are_named_at_once(picture_copy, tmp_path):
    """One campaign, a person per bad file: every one named by field and
    file, in one run of check and of build; nothing written."""
    folder = picture_copy / 'content' / 'images'
    people = []
    for name, (make, _) in REFUSED.items():
        (folder / name).write_bytes(make())
        people.append(f'  - name: N\n    photo:\n      file: {name}\n'
                      f'      alt: P\n')
    # A sparse file of 300 MB is refused unread.
    with open(folder / 'huge.jpg', 'wb') as file:
        file.truncate(300 * 1024 ** 2)
    people.append('  - name: N\n    photo:\n      file: huge.jpg\n'
                  '      alt: P\n')
    write_content(picture_copy, 'people:\n' + ''.join(people))
    for command in ('check', 'build'):
        err = _fails(picture_copy, command)
        for index, (name, (make, reason)) in enumerate(REFUSED.items()):
            if '{}' in reason:
                reason = reason.format(f'{len(make()):,}')
            line = 9 + 4 * index
            assert (f'error: content/p.yaml:{line}:13: people[{index}].photo'
                    f'.file: images/{name}: {reason}\n') in err
        assert (f'people[{len(REFUSED)}].photo.file: images/huge.jpg cannot '
                'be read: the file is 314,572,800 bytes, more than any input '
                'may be (268,435,456)') in err


FOLDER_CASES = {
    'pictures folder is a file': (
        'pictures_folder: images/kvallsgata.jpg\n' + hero('x.jpg'),
        'content/p.yaml:6:18: pictures_folder: content/images/kvallsgata.jpg'
        ' is not a folder; put the pictures into a folder inside content/ '
        'and name it in pictures_folder'),
    'pictures folder missing': (
        'pictures_folder: nope\n' + hero('x.jpg'),
        'content/p.yaml:6:18: pictures_folder: the folder content/nope/ does '
        'not exist; create it and put the pictures into it, or correct '
        'pictures_folder'),
    'pictures folder content/ itself': (
        'pictures_folder: .\n' + hero('x.jpg'),
        'content/p.yaml:6:18: pictures_folder: expected a folder name such '
        'as "images", found "."'),
    'pictures folder images/../..': (
        'pictures_folder: images/../..\n' + hero('x.jpg'),
        'content/p.yaml:6:18: pictures_folder: "images/../.." cannot be '
        'used: it contains ".." (a way out of the folder); name a folder '
        'inside content/, with "/" between folders'),
    'name in another Unicode form': (
        hero('nfd-\u00e5.jpg'),
        'content/p.yaml:7:9: hero.file: images/nfd-\u00e5.jpg does not exist;'
        ' put the picture into content/images/ or correct the name (the '
        'folder has a file whose name looks the same but is written with '
        'other Unicode characters, e.g. "å" as "a" and a ring: rename the '
        'file, typing its name anew)'),
    'a link to the content file': (
        hero('to-content.jpg'),
        'content/p.yaml:7:9: hero.file: images/to-content.jpg is a symbolic '
        'link (or lies in one) that leads outside content/images/; replace '
        'the link by a copy of the picture'),
    'a loop of links': (
        hero('loop1.jpg'),
        'content/p.yaml:7:9: hero.file: images/loop1.jpg is a symbolic link '
        '(or lies in one) that leads outside content/images/; replace the '
        'link by a copy of the picture'),
    'alt and credit too long': (
        'hero:\n  file: kvallsgata.jpg\n  alt: ' + 'a' * 5000
        + '\n  credit: ' + 'b' * 2000 + '\n',
        'content/p.yaml:8:8: hero.alt: expected at most 300 characters, '
        'found 5000; shorten the text\nerror: content/p.yaml:9:11: '
        'hero.credit: expected at most 80 characters, found 2000; shorten '
        'the text'),
    'a folder as the file': (
        hero('sub'),
        'content/p.yaml:7:9: hero.file: images/sub is not a regular file (a '
        'folder, pipe or device?); name a picture file'),
}

FOCUS_CASES = ['-5% 50%', '50%', 'left top', 'calc(10% + 5px) 50%',
               '50% 50%; background:url(x)', '50% 50%"><script>']


@pytest.mark.parametrize('case', list(FOLDER_CASES) + FOCUS_CASES)
def test_odd_folders_names_and_focus_values_are_one_clear_line(picture_copy,
                                                               case):
    import unicodedata

    folder = picture_copy / 'content' / 'images'
    shutil.copy(folder / 'kontakt-1.jpg',
                folder / unicodedata.normalize('NFD', 'nfd-\u00e5.jpg'))
    os.symlink('../p.yaml', folder / 'to-content.jpg')
    os.symlink('loop2.jpg', folder / 'loop1.jpg')
    os.symlink('loop1.jpg', folder / 'loop2.jpg')
    (folder / 'sub').mkdir()
    if case in FOLDER_CASES:
        extra, message = FOLDER_CASES[case]
    else:
        quoted = case.replace("'", "''")
        extra = hero('kvallsgata.jpg', f"  focus: '{quoted}'\n")
        message = ('content/p.yaml:9:10: hero.focus: expected two percentages'
                   ' such as "30% 40%" (across, then down; 0% to 100%), '
                   f'found "{case}"')
    write_content(picture_copy, extra)
    assert f'error: {message}\n' in _fails(picture_copy, 'check')


def test_links_inside_the_folder_shared_files_and_odd_text_build(
        picture_copy):
    """A chain of links and a linked folder inside the pictures folder, a
    pictures folder that is a link inside content/, one file for the hero
    and two people, focus at the corners, and markup in alt and credit:
    all build, the markup as plain text."""
    from conftest import pdf_text

    folder = picture_copy / 'content' / 'images'
    os.symlink('kontakt-1.jpg', folder / 'l1.jpg')
    os.symlink('l1.jpg', folder / 'l2.jpg')
    (folder / 'sub').mkdir()
    shutil.copy(folder / 'kvallsgata.jpg', folder / 'sub' / 'k.jpg')
    os.symlink('sub', folder / 'linked')
    os.symlink('images', picture_copy / 'content' / 'bilder')
    people = ''.join(
        f'  - name: {name}\n    photo:\n      file: {file}\n      alt: P\n'
        f"      focus: '{focus}'\n"
        for name, file, focus in (('A', 'l2.jpg', '0% 0%'),
                                  ('B', 'kontakt-1.jpg', '100% 100%'),
                                  ('C', 'linked/k.jpg', '50% 50%')))
    content = write_content(picture_copy, (
        'pictures_folder: bilder\n'
        'hero:\n  file: kontakt-1.jpg\n'
        '  alt: \'<script>alert(1)</script> {{ 7*7 }} "q"\'\n'
        '  credit: \'<b>Ö</b> {{ x }} "q"\'\n'
        'people:\n' + people))
    code, _, err = _run(picture_copy, 'build', '--edition', 'screen',
                        str(content))
    assert code == 0, err
    pdf = picture_copy / 'output' / 'p-photo-test-screen.pdf'
    assert 'Foto: <b>Ö</b> {{ x }} "q"' in pdf_text(pdf)
    import pikepdf
    with pikepdf.open(pdf) as document:
        alts = {str(o.get('/Alt')) for o in document.objects
                if isinstance(o, pikepdf.Dictionary) and '/Alt' in o}
    assert '<script>alert(1)</script> {{ 7*7 }} "q"' in alts
    assert len([i for i in placed_images(pdf) if i['pixels'][0] > 100]) == 4


def test_a_picture_too_small_fails_a_screen_only_build_too(picture_copy):
    folder = picture_copy / 'content' / 'images'
    (folder / 'small.jpg').write_bytes(_sized_jpeg(200, 250))
    (folder / 'tall.png').write_bytes(_encoded(
        __import__('PIL.Image').Image.new('RGB', (1, 5000)), 'PNG'))
    write_content(picture_copy, hero('tall.png') + person('small.jpg'))
    before = snapshot(picture_copy / 'output')
    code, _, err = _run(picture_copy, 'build', '--edition', 'screen',
                        str(picture_copy / 'content' / 'p.yaml'))
    assert code == 1 and snapshot(picture_copy / 'output') == before
    assert ('error: content/p.yaml:12:13: people[0].photo.file: '
            'images/small.jpg is 200 × 250 pixels, too few for print: placed '
            'at 32 × 40 mm it prints at 159 ppi, and the print shop needs '
            '300 ppi (it refuses under 200); use a picture of at least 378 × '
            '473 pixels, or a layout that places it smaller\n') in err
    # Cropped to its box: the part shown and the pixels it needs.
    assert ('error: content/p.yaml:7:9: hero.file: images/tall.png is 1 × '
            '5000 pixels, too few for print: placed at 128 × 60 mm it prints '
            'at 0 ppi, and the print shop needs 300 ppi (it refuses under '
            '200); use a picture of at least 1512 × 709 pixels, or a layout '
            'that places it smaller\n') in err


def test_a_re_preflight_names_a_low_ppi_images_size_and_ppi(picture_copy):
    folder = picture_copy / 'content' / 'images'
    (folder / 'fair.jpg').write_bytes(_sized_jpeg(300, 375))
    content = write_content(picture_copy, person('fair.jpg'))
    code, _, err = _run(picture_copy, 'build', '--edition', 'print',
                        str(content))
    assert code == 0, err
    code, out, err = _run(picture_copy, 'preflight', str(
        picture_copy / 'output' / 'p-photo-test.pdf'))
    assert code == 0, err
    assert ('warning: image-ppi: page 1 at 10.0 mm, 17.3 mm: an image (300 '
            '× 375 pixels, placed 32 × 40 mm) has 238 ppi; print needs 300 '
            'ppi: use a larger image (at least 378 pixels wide at this size) '
            'or place it smaller\n') in out


# --- crop to what is shown: the page is the same, the print PDF smaller ---

def _render(pdf: Path, dpi: int = 150):
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return document[0].render(scale=dpi / 72).to_pil().convert('RGB')
    finally:
        document.close()


@pytest.fixture(scope='module')
def cropped_and_whole(tmp_path_factory):
    """The seed's pictures in the test layout (the hero's focus low in the
    picture), built with cropping to the part shown and without it."""
    from flyers import pictures

    projects = {}
    for crop in (True, False):
        project = picture_project(tmp_path_factory.mktemp('crop') / 'p')
        content = project / 'content' / 'trygghet-vasteras.yaml'
        # A focus point low in the picture: the part shown is its bottom.
        content.write_text(content.read_text('utf-8').replace(
            '  focus: 50% 60%\n', '  focus: 20% 90%\n'), 'utf-8')
        saved, pictures.CROP = pictures.CROP, crop
        try:
            code, _, err = _run(project, 'build', '--jobs', '1', '--layout',
                                'photo-test')
        finally:
            pictures.CROP = saved
        assert code == 0, err
        projects[crop] = project / 'output'
    return projects


@pytest.mark.parametrize('edition', ['print', 'screen'])
def test_cropping_to_the_part_shown_keeps_the_page(cropped_and_whole,
                                                   edition):
    from PIL import ImageChops, ImageStat

    name = 'trygghet-vasteras-photo-test' + (
        '-screen' if edition == 'screen' else '') + '.pdf'
    cropped, whole = (_render(cropped_and_whole[crop] / name)
                      for crop in (True, False))
    difference = ImageChops.difference(cropped, whole)
    # The same pixels, drawn by PDFium from another image: it resamples
    # them a little differently (a shift by one pixel would give 4 to 7).
    assert max(ImageStat.Stat(difference).mean) < 0.3, \
        ImageStat.Stat(difference).mean
    assert max(high for _, high in difference.getextrema()) < 64
    hero, = [image for image in placed_images(cropped_and_whole[True] / name)
             if image['mm'][0] > 100]
    # The box is 128 × 60 mm; 2 pixels kept around it, the top moved up to
    # a JPEG block's edge (at most 15 more), a pixel each for rounding.
    target = 450 if edition == 'print' else 150
    assert hero['pixels'][1] <= round(60 / 25.4 * target) + 22
    assert 60 <= hero['mm'][1] <= 60 + 22 / target * 25.4


def test_cropping_makes_the_print_pdf_smaller(cropped_and_whole):
    name = 'trygghet-vasteras-photo-test.pdf'
    cropped = (cropped_and_whole[True] / name).stat().st_size
    whole = (cropped_and_whole[False] / name).stat().st_size
    assert cropped < whole * 0.85, (cropped, whole)


# --- a picture replaced while the build runs --------------------------------

def test_a_picture_replaced_during_the_build_is_checked_again(picture_copy,
                                                              monkeypatch):
    """Replaced after the layout (between the fetcher's check and the
    swap): checked again and refused; replaced between that check and the
    reading of its bytes: refused, never converted unchecked."""
    from flyers import pictures

    folder = picture_copy / 'content' / 'images'
    shutil.copy(folder / 'kontakt-1.jpg', folder / 'swap.jpg')
    write_content(picture_copy, person('swap.jpg'))
    placements = pictures._placements

    def replaced_after_layout(*args):
        (folder / 'swap.jpg').write_bytes(cut_short(photo('JPEG')))
        return placements(*args)

    monkeypatch.setattr(pictures, '_placements', replaced_after_layout)
    err = _fails(picture_copy, 'build', '--jobs', '1')
    assert ('error: content/p.yaml:9:13: people[0].photo.file: '
            'images/swap.jpg: the image is damaged or cut short') in err
    monkeypatch.setattr(pictures, '_placements', placements)
    shutil.copy(folder / 'kontakt-2.jpg', folder / 'swap.jpg')
    monkeypatch.setattr(pictures, 'read_input',
                        lambda path: cut_short(photo('JPEG')))
    err = _fails(picture_copy, 'build', '--jobs', '1')
    assert ('error: content/p.yaml:9:13: people[0].photo.file: '
            'images/swap.jpg: the file changed while the build ran; build '
            'again\n') in err


def test_a_cmyk_jpeg_without_adobe_marker_in_assets_keeps_its_colours(
        picture_copy):
    """The fetcher's own conversion for print (logos, images in assets/)
    reads a CMYK JPEG without Adobe's marker as plain ink values too (the
    screen edition refuses CMYK images in assets/)."""
    from PIL import Image

    red = Image.new('CMYK', (300, 300), (0, 255, 255, 0))
    (picture_copy / 'assets' / 'plain.jpg').write_bytes(
        _plain_cmyk(red))
    template = picture_copy / 'layouts' / 'photo-test' / 'template.html.j2'
    template.write_text(template.read_text().replace(
        '<h1 data-field="title">',
        '<img src="../../assets/plain.jpg" alt="Röd ruta" style="display: '
        'block; width: 30mm; height: 30mm"><h1 data-field="title">'))
    content = write_content(picture_copy, '')
    code, _, err = _run(picture_copy, 'build', '--edition', 'print',
                        str(content))
    assert code == 0, err
    for name in ('p-photo-test',):  # the screen edition refuses CMYK
        import pypdfium2

        document = pypdfium2.PdfDocument(str(picture_copy / 'output'
                                             / f'{name}.pdf'))
        try:
            page = document[0].render(scale=50 / 72).to_pil().convert('RGB')
        finally:
            document.close()
        left = (page.width - 148 * 50 / 25.4) / 2
        top = (page.height - 210 * 50 / 25.4) / 2
        r, g, b = page.getpixel((round(left + 25 * 50 / 25.4),
                                 round(top + 25 * 50 / 25.4)))
        assert r > 150 and g < 100 and b < 100, (name, (r, g, b))


def test_a_picture_that_cannot_be_read_is_named(picture_copy, monkeypatch):
    """chmod 000 (the tests may run as root, who reads it anyway: the
    refusal is simulated where the builder reads)."""
    from flyers import picturefiles

    folder = picture_copy / 'content' / 'images'
    shutil.copy(folder / 'kontakt-1.jpg', folder / 'locked.jpg')
    os.chmod(folder / 'locked.jpg', 0)
    read = picturefiles.read_input

    def refused(path, *args, **kwargs):
        if Path(path).name == 'locked.jpg':
            raise PermissionError(13, 'Permission denied', str(path))
        return read(path, *args, **kwargs)

    monkeypatch.setattr(picturefiles, 'read_input', refused)
    write_content(picture_copy, person('locked.jpg'))
    for command in ('check', 'build'):
        assert ('error: content/p.yaml:9:13: people[0].photo.file: '
                'images/locked.jpg cannot be read: Permission denied\n'
                ) in _fails(picture_copy, command)


def test_the_preview_shows_picture_problems_and_recovers(picture_copy):
    """serve's in-process builds: a bad picture and one too small are
    shown as the build's lines; a good one builds again."""
    from flyers.serve import Previewer

    folder = picture_copy / 'content' / 'images'
    (folder / 'short.jpg').write_bytes(_jpeg_claiming(9000, 9000))
    content = write_content(picture_copy, person('short.jpg'))
    previewer = Previewer(picture_copy)
    previewer.rebuild()
    assert [str(p) for p in previewer.state.problems] == [
        'content/p.yaml:9:13: people[0].photo.file: images/short.jpg: the '
        'file says the image is 9000 × 9000 pixels but holds only '
        f'{(folder / "short.jpg").stat().st_size:,} bytes, too few for that: '
        'it is cut short or damaged; export it again from the original (as '
        'JPEG, PNG or WebP) and replace the file']
    (folder / 'small.jpg').write_bytes(_sized_jpeg(200, 250))
    write_content(picture_copy, person('small.jpg'))
    previewer.rebuild({content})
    assert [str(p) for p in previewer.state.problems] == [
        'content/p.yaml:9:13: people[0].photo.file: images/small.jpg is 200 '
        '× 250 pixels, too few for print: placed at 32 × 40 mm it prints at '
        '159 ppi, and the print shop needs 300 ppi (it refuses under 200); '
        'use a picture of at least 378 × 473 pixels, or a layout that places '
        'it smaller']
    write_content(picture_copy, person('kontakt-1.jpg'))
    previewer.rebuild({content})
    assert previewer.state.problems == []
    assert sorted(previewer.state.outputs) == [
        'output/p-photo-test-screen.pdf', 'output/p-photo-test.pdf']
