"""Hostile images and colour profiles: each one fails the build with one
clear line naming the file, never a traceback, never a silently wrong PDF,
and nothing is written.

The broken files are made here from real ones: a PNG of the project's own
documentation (docs/images/), the print shop's profile in assets/color/.
The images replace the brand logo, which every layout prints in both
editions; the profiles replace the print shop's.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import sys
import threading
import zlib
from pathlib import Path

import pytest

from conftest import ROOT, run

# A picture of our own (the tri-fold's outside as the README once showed
# it), kept here so the README's pictures can change: the corrupt-PNG case
# expects the zlib error its bytes give.
PHOTO = ROOT / 'tests' / 'fixtures' / 'images' / 'photo.png'  # RGB, 500 × 363
PRESS = ROOT / 'assets' / 'color' / 'FOGRA39-flyers.icc'


# --- making broken files from real ones ----------------------------------

def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack('>I4s', data[at:at + 8])
        chunks.append((kind, data[at + 8:at + 8 + length]))
        at += 12 + length
    return chunks


def png_from_chunks(chunks) -> bytes:
    return b'\x89PNG\r\n\x1a\n' + b''.join(
        struct.pack('>I', len(body)) + kind + body
        + struct.pack('>I', zlib.crc32(kind + body)) for kind, body in chunks)


def with_chunk_before_idat(data: bytes, kind: bytes, body: bytes) -> bytes:
    chunks = png_chunks(data)
    at = next(i for i, (k, _) in enumerate(chunks) if k == b'IDAT')
    return png_from_chunks(chunks[:at] + [(kind, body)] + chunks[at:])


def cut_short(data: bytes) -> bytes:
    return data[:len(data) // 2]


def claiming_size(data: bytes, width: int, height: int) -> bytes:
    """The PNG with an IHDR claiming another size: a decompression bomb
    needs no more than its header to make a decoder allocate."""
    chunks = png_chunks(data)
    kind, header = chunks[0]
    chunks[0] = (kind, struct.pack('>II', width, height) + header[8:])
    return png_from_chunks(chunks)


def photo(fmt: str = 'PNG', **options) -> bytes:
    from PIL import Image

    with Image.open(PHOTO) as image:
        # RGB whatever the picture in docs/ is saved as (a palette PNG
        # cannot be written as JPEG).
        image = image.convert('RGB')
        if fmt == 'CMYK JPEG':
            image, fmt = image.convert('CMYK'), 'JPEG'
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
    return buffer.getvalue()


def icc_tags(icc: bytes) -> dict[bytes, tuple[int, int]]:
    count, = struct.unpack('>I', icc[128:132])
    return {sig: (offset, size) for sig, offset, size in (
        struct.unpack('>4sII', icc[132 + 12 * i:144 + 12 * i])
        for i in range(count))}


def zeroed_tags(icc: bytes) -> bytes:
    """Header and tag table kept, every tag's data zeroed."""
    end = 132 + 12 * len(icc_tags(icc))
    return icc[:end] + bytes(len(icc) - end)


def flat_tables(icc: bytes) -> bytes:
    """Every conversion table kept as a structure but its values zeroed:
    LittleCMS builds the transforms, which turn every colour into none."""
    data = bytearray(icc)
    for sig, (offset, size) in icc_tags(icc).items():
        if sig[:3] in (b'A2B', b'B2A'):  # mft2: 52 bytes before the tables
            data[offset + 52:offset + size] = bytes(size - 52)
    return bytes(data)


def flat_perceptual(icc: bytes) -> bytes:
    """The perceptual tables (A2B0, B2A0, shared with the others in this
    profile) moved to the end of the file as flattened copies: relative
    colorimetric still right, perceptual turning every colour into none."""
    data = bytearray(icc)
    for i, (sig, (offset, size)) in enumerate(icc_tags(icc).items()):
        if sig in (b'A2B0', b'B2A0'):
            data += bytes(-len(data) % 4)
            struct.pack_into('>4sII', data, 132 + 12 * i, sig, len(data), size)
            data += icc[offset:offset + 52] + bytes(size - 52)
    struct.pack_into('>I', data, 0, len(data))
    return bytes(data)


def with_class(icc: bytes, device_class: bytes) -> bytes:
    return icc[:12] + device_class + icc[16:]


def srgb_profile() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes()


JUNK_ICC = b'not a colour profile ' * 20


# --- the build -------------------------------------------------------------

def use_as_logo(project: Path, name: str, data: bytes) -> None:
    """Make ``brands/default/NAME`` the brand logo of both editions."""
    (project / 'brands' / 'default' / name).write_bytes(data)
    brand = project / 'brands' / 'default' / 'brand.yaml'
    text = brand.read_text('utf-8')
    for logo in ('logo-cmyk.svg', 'logo.svg'):
        text = text.replace(f': {logo} ', f': {name} ')
    brand.write_text(text, 'utf-8')


def build_fails(project: Path, capsys, *args: str) -> str:
    code, _, err = run(project, 'build', '--layout', 'poster-a3', *args,
                       capsys=capsys)
    assert code == 1, err
    assert 'Traceback' not in err
    assert not (project / 'output').exists()
    return err


def refused(name: str, message: str) -> str:
    return f'error: layouts/poster-a3: refused to load "{name}": {message}\n'


DAMAGED = ('the image is damaged or cut short (Pillow: {}), so part of it '
           'would print wrong; export it again from the original (as PNG, '
           'JPEG or TIFF) and replace the file')
TOO_LARGE = ('the image has {} pixels ({} million), more than the 89.5 '
             'million the builder decodes (the limit against decompression '
             'bombs; an A3 page at 300 ppi needs 17.4 million); scale it down '
             'to the size it prints at and export it again')
AGAIN = ("; export the image again with an sRGB profile (or, for CMYK, the "
         "print shop's)")

IMAGES = {
    # A truncated file printed its missing part black, exit 0.
    'cut-short PNG': (
        'logo.png', lambda: cut_short(photo()),
        DAMAGED.format('image file is truncated')),
    'cut-short JPEG': (
        'logo.jpg', lambda: cut_short(photo('JPEG', quality=90)),
        DAMAGED.format('image file is truncated')),
    # WeasyPrint tries Pillow when SVG fails: the name decides nothing.
    'cut-short PNG named .svg': (
        'logo.svg', lambda: cut_short(photo()),
        DAMAGED.format('image file is truncated')),
    'PNG whose data is corrupt': (
        'logo.png', lambda: photo()[:2000] + bytes(64) + photo()[2064:],
        DAMAGED.format('unrecognized data stream contents when reading '
                       'image file')),
    'text under an image name': (
        'logo.png', lambda: b'<html>Not found</html>',
        'the file is not an image in any format Pillow reads; export it '
        'again from the original (as PNG, JPEG or TIFF) and replace the file'),
    # Over Pillow's limit: a traceback (DecompressionBombError).
    'decompression bomb': (
        'logo.png', lambda: claiming_size(photo(), 40000, 40000),
        TOO_LARGE.format('40000 × 40000', '1,600.0')),
    # Over the warning limit only: the warning is an error here.
    'decompression bomb, warning size': (
        'logo.png', lambda: claiming_size(photo(), 12000, 8000),
        TOO_LARGE.format('12000 × 8000', '96.0')),
    # A garbage embedded profile: a traceback from LittleCMS.
    'PNG with a junk iCCP profile': (
        'logo.png', lambda: photo(icc_profile=JUNK_ICC),
        'its embedded colour profile is damaged (LittleCMS: cannot open '
        'profile from string)' + AGAIN),
    'JPEG with the same junk profile': (
        'logo.jpg', lambda: photo('JPEG', icc_profile=JUNK_ICC),
        'its embedded colour profile is damaged (LittleCMS: cannot open '
        'profile from string)' + AGAIN),
    'PNG whose iCCP chunk is not zlib': (
        'logo.png', lambda: with_chunk_before_idat(
            photo(), b'iCCP', b'junk\x00\x00' + JUNK_ICC),
        'its embedded colour profile is damaged (it cannot be unpacked)'
        + AGAIN),
    'RGB image with a CMYK profile': (
        'logo.png', lambda: photo(icc_profile=PRESS.read_bytes()),
        'its embedded colour profile is for CMYK but its pixels are RGB'
        + AGAIN),
    'CMYK JPEG with a zeroed-tag profile': (
        'logo.jpg', lambda: photo('CMYK JPEG',
                                  icc_profile=zeroed_tags(PRESS.read_bytes())),
        'its embedded colour profile cannot convert colours (LittleCMS: '
        'cannot build transform)' + AGAIN),
}


@pytest.mark.parametrize('edition', ['print', 'screen'])
@pytest.mark.parametrize('case', IMAGES)
def test_a_hostile_image_fails_the_build(project, capsys, case, edition):
    name, make, message = IMAGES[case]
    use_as_logo(project, name, make())
    err = build_fails(project, capsys, '--edition', edition)
    assert refused(f'brands/default/{name}', message) in err


def test_an_image_with_a_good_profile_still_builds(project, capsys):
    use_as_logo(project, 'logo.png', photo(icc_profile=srgb_profile()))
    code, _, err = run(project, 'build', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 0, err


# --- the print shop's profile ----------------------------------------------

def use_profile(project: Path, name: str) -> None:
    shop = project / 'printshops' / 'default.yaml'
    shop.write_text(shop.read_text('utf-8').replace(
        'icc_profile: assets/color/FOGRA39-flyers.icc',
        f'icc_profile: {name}'), 'utf-8')


def profile_error(name: str, message: str) -> str:
    """The message for icc_profile of printshops/default.yaml, at the line
    and column where its value stands."""
    lines = (ROOT / 'printshops' / 'default.yaml').read_text('utf-8'
                                                             ).splitlines()
    line = next(n for n, text in enumerate(lines, 1)
                if text.startswith('icc_profile:'))
    return (f'error: printshops/default.yaml:{line}:14: icc_profile: '
            f'"{name}" {message}\n')


AGAIN_ICC = 'get a good copy of the profile from the print shop and replace '\
            'the file'
PROFILES = {
    # Embedded as the output intent without complaint.
    'zeroed tags': (
        zeroed_tags,
        'does not convert colours as a press profile must (LittleCMS cannot '
        'build a transform from sRGB to it; LittleCMS cannot build a '
        'transform from it to sRGB): it is damaged or no real press profile; '
        + AGAIN_ICC),
    'zeroed tables': (
        flat_tables,
        'does not convert colours as a press profile must (black becomes C 0 '
        'M 0 Y 0 K 0 %, not heavy ink; cyan becomes C 0 M 0 Y 0 K 0 %, not '
        'mostly cyan; no ink looks like sRGB (0, 59, 195), not near white; '
        '100 % black looks like sRGB (0, 59, 195), not dark): it is damaged '
        'or no real press profile; ' + AGAIN_ICC),
    'zeroed perceptual tables': (
        flat_perceptual,
        'does not convert colours as a press profile must (perceptual intent: '
        'black becomes C 0 M 0 Y 0 K 0 %, not heavy ink; cyan becomes C 0 M 0 '
        'Y 0 K 0 %, not mostly cyan; no ink looks like sRGB (0, 0, 0), not '
        'near white; 100 % cyan looks like sRGB (0, 0, 0), not cyan): it is '
        'damaged or no real press profile; ' + AGAIN_ICC),
    'junk': (
        lambda icc: JUNK_ICC,
        'is not a colour profile LittleCMS can read (cannot open profile from '
        'string); ' + AGAIN_ICC),
    'input-device class': (
        lambda icc: with_class(icc, b'scnr'),
        'is a CMYK profile of the class "scnr", not an output (printer, '
        '"prtr") profile; PDF/X needs the press\'s output profile: '
        + AGAIN_ICC),
    'RGB profile': (
        lambda icc: srgb_profile(),
        'is not a CMYK printer profile (it describes RGB); the output intent '
        'of a print edition must be the press\'s CMYK profile'),
}


@pytest.mark.parametrize('case', PROFILES)
def test_a_broken_press_profile_is_refused(project, capsys, case):
    make, message = PROFILES[case]
    name = 'assets/color/press.icc'
    (project / name).write_bytes(make(PRESS.read_bytes()))
    use_profile(project, name)
    err = build_fails(project, capsys)
    assert profile_error(name, message) in err


# --- a profile path leading out of assets/ ---------------------------------

_OPENED: list[str] | None = None  # paths opened while a test spies


def _spy(event, args):
    if _OPENED is not None and event == 'open' and args:
        _OPENED.append(os.fsdecode(args[0]) if isinstance(
            args[0], (str, bytes, os.PathLike)) else repr(args[0]))


sys.addaudithook(_spy)  # hooks cannot be removed: it is idle when not spying

OUTSIDE = ('leads outside the project\'s assets/ folder; put the profile in '
           'assets/color/ and name it there')


def outside_dot_dot(project: Path, outside: Path) -> str:
    return 'assets/../../outside/press.icc'


def outside_link(project: Path, outside: Path) -> str:
    os.symlink(outside / 'press.icc', project / 'assets' / 'color' / 'p.icc')
    return 'assets/color/p.icc'


def outside_fifo(project: Path, outside: Path) -> str:
    """Opening a FIFO blocks until someone writes: a check that opens the
    file first hangs (the test times out) instead of refusing."""
    os.mkfifo(outside / 'fifo.icc')
    os.symlink(outside / 'fifo.icc', project / 'assets' / 'color' / 'p.icc')
    return 'assets/color/p.icc'


def device_link(project: Path, outside: Path) -> str:
    os.symlink('/dev/zero', project / 'assets' / 'color' / 'zero.icc')
    return 'assets/color/zero.icc'


@pytest.mark.parametrize('make', [outside_dot_dot, outside_link, outside_fifo,
                                  device_link])
def test_a_profile_outside_assets_is_refused_before_it_is_opened(
        project, capsys, make):
    global _OPENED

    outside = project.parent / 'outside'
    outside.mkdir()
    shutil.copy(PRESS, outside / 'press.icc')  # a good profile: only
    name = make(project, outside)              # where it is is wrong
    use_profile(project, name)
    result = []
    _OPENED = []
    try:
        worker = threading.Thread(target=lambda: result.append(run(
            project, 'build', '--layout', 'poster-a3', capsys=capsys)),
            daemon=True)
        worker.start()
        worker.join(60)
        hung = worker.is_alive()
        opened = [p for p in _OPENED if p.startswith('/dev/zero')
                  or Path(p).resolve().is_relative_to(outside.resolve())]
    finally:
        _OPENED = None
        if worker.is_alive():  # let it go: it waits for the FIFO's writer
            os.close(os.open(outside / 'fifo.icc', os.O_WRONLY))
            worker.join(60)
    assert not hung, 'the build opened the FIFO outside assets/'
    assert opened == []
    (code, _, err), = result
    assert code == 1, err
    assert 'Traceback' not in err
    assert not (project / 'output').exists()
    assert profile_error(name, OUTSIDE) in err
