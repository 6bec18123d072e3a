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
    assert sizes == sorted([(32, 40), (32, 40),
                            tuple(round(v) for v in HERO_MM)])
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


def _fails(project: Path, command: str = 'build') -> str:
    before = snapshot(project / 'output')
    code, _, err = _run(project, command,
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


TRANSPARENT = ('the picture has transparent areas, which neither print nor '
               'the screen edition shows as intended; flatten it onto a '
               'background and export it again')
ANIMATED = ('the image is animated (3 frames); a page shows one: save the '
            'frame you want as a JPEG or PNG')

BAD_FILES = {
    'cut-short JPEG': ('bad.jpg', lambda: cut_short(photo('JPEG')),
                       DAMAGED.format('image file is truncated')),
    'not an image': ('bad.jpg', lambda: b'<html>Not found</html>',
                     'the file is not an image in any format Pillow reads; '
                     'export it again from the original (as PNG, JPEG or '
                     'TIFF) and replace the file'),
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
    assert 'preflight output/p-photo-test.pdf: passed (1 warning)' in out
    manifest = json.loads((picture_copy / 'output' / 'manifest.json')
                          .read_text())
    entry, = [e for e in manifest['outputs'] if e['content'] == 'content/p.yaml']
    warnings = entry['preflight']['warnings']
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
