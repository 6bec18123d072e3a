"""The print shop's colour profile, checked before anything is built (part
of stage 1d, loading the print shop).

In: the project folder and the profile's path as the print-shop file gives
it.  Out: the profile's real path, or a list of what is wrong with it, each
saying what to do.

The profile becomes the PDF/X output intent and converts every raster
image to CMYK, so "looks like an ICC file" is not enough: a profile whose
header is fine but whose tables are zeroed would be embedded without
complaint.  LittleCMS (Pillow's ImageCms) opens it, builds transforms both
ways between sRGB and the profile, and converts a few colours whose ink is
known: white takes next to no ink, black much, cyan mostly cyan.

The path is checked before the file is opened at all: it must lead, after
every symbolic link, to a file inside the project's ``assets/``.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

#: Larger than any real output profile (they are well under 10 MB).
MAX_BYTES = 64 * 1024 * 1024

GET_IT_AGAIN = ('get a good copy of the profile from the print shop and '
                'replace the file')


def locate_profile(root: Path, name: str) -> tuple[Path | None, str | None]:
    """The real path of the profile ``name`` (``assets/...``), or None and
    why not.  Nothing outside ``assets/`` is opened."""
    assets = (root / 'assets').resolve()
    path = (root / name).resolve()  # follows links without opening them
    if not path.is_relative_to(assets):
        return None, (f'"{name}" leads outside the project\'s assets/ folder'
                      f'; put the profile in assets/color/ and name it there')
    if not path.is_file():
        return None, f'"{name}" is not a file in the project'
    return path, None


def profile_problems(path: Path, name: str) -> list[str]:
    """What is wrong with the output profile at ``path`` (checked real
    path, shown as ``name``); empty when it is fit for print."""
    stat = path.stat()
    return list(_problems(path, name, (stat.st_mtime_ns, stat.st_size,
                                       stat.st_ino)))


@functools.lru_cache(maxsize=8)
def _problems(path: Path, name: str, signature: tuple) -> tuple[str, ...]:
    from PIL import ImageCms

    if signature[1] > MAX_BYTES:
        return (f'"{name}" is {signature[1] / 2**20:.0f} MB, too large to be '
                f'a colour profile; {GET_IT_AGAIN}',)
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(path.read_bytes()))
        space = profile.profile.xcolor_space.strip()
        kind = profile.profile.device_class.strip()
    except Exception as exc:  # OSError, PyCMSError...
        return (f'"{name}" is not a colour profile LittleCMS can read '
                f'({exc}); {GET_IT_AGAIN}',)
    if space != 'CMYK':
        return (f'"{name}" is not a CMYK printer profile (it describes '
                f'{space or "something else"}); the output intent of a print '
                'edition must be the press\'s CMYK profile',)
    if kind != 'prtr':
        return (f'"{name}" is a CMYK profile of the class "{kind}", not an '
                'output (printer, "prtr") profile; PDF/X needs the press\'s '
                f'output profile: {GET_IT_AGAIN}',)
    wrong = _wrong_colours(profile)
    if wrong:
        return (f'"{name}" does not convert colours as a press profile must '
                f'({wrong}): it is damaged or no real press profile; '
                f'{GET_IT_AGAIN}',)
    return ()


# sRGB colours and what a press profile must make of them, relative
# colorimetric (what images are converted with): ink in percent.
_INK_CHECKS = (
    ((255, 255, 255), 'white', lambda c, m, y, k: c + m + y + k <= 5,
     'next to no ink'),
    ((0, 0, 0), 'black', lambda c, m, y, k: k >= 60 or c + m + y + k >= 150,
     'heavy ink'),
    ((0, 255, 255), 'cyan', lambda c, m, y, k: c >= 25 and c > m + 10
     and c > y and k <= 25, 'mostly cyan'),
)
# The profile's inks and the sRGB they must look like.
_SIGHT_CHECKS = (
    ((0, 0, 0, 0), 'no ink', lambda r, g, b: min(r, g, b) >= 200,
     'near white'),
    ((0, 0, 0, 255), '100 % black', lambda r, g, b: max(r, g, b) <= 110,
     'dark'),
    ((255, 0, 0, 0), '100 % cyan', lambda r, g, b: b > r + 60 and g > r + 30,
     'cyan'),
)


def _wrong_colours(profile) -> str:
    """The colours the profile converts wrongly, in words; '' if none.
    Relative colorimetric first (images are converted so); when that is
    right, perceptual too (a RIP may use either table of the intent)."""
    from PIL import ImageCms

    intents = ((ImageCms.Intent.RELATIVE_COLORIMETRIC, ''),
               (ImageCms.Intent.PERCEPTUAL, 'perceptual intent: '))
    for intent, named in intents:
        found = [wrong
                 for checks, modes in ((_INK_CHECKS, ('RGB', 'CMYK')),
                                       (_SIGHT_CHECKS, ('CMYK', 'RGB')))
                 for wrong in _converted_wrongly(profile, intent, checks,
                                                 *modes)]
        if found:
            return named + '; '.join(found)
    return ''


def _converted_wrongly(profile, intent, checks, source_mode, target_mode):
    from PIL import Image, ImageCms

    srgb = ImageCms.createProfile('sRGB')
    to_press = source_mode == 'RGB'
    try:
        transform = ImageCms.buildTransform(
            *((srgb, profile) if to_press else (profile, srgb)),
            source_mode, target_mode, renderingIntent=intent,
            flags=ImageCms.Flags.NOOPTIMIZE)  # a few colours: no tables
    except Exception:  # PyCMSError: a table cannot be read
        yield ('LittleCMS cannot build a transform '
               + ('from sRGB to it' if to_press else 'from it to sRGB'))
        return
    picture = Image.new(source_mode, (len(checks), 1))
    for x, (colour, *_) in enumerate(checks):
        picture.putpixel((x, 0), colour)
    try:
        result = ImageCms.applyTransform(picture, transform)
    except Exception as exc:  # PyCMSError, OSError: LittleCMS gave up
        yield ('LittleCMS cannot convert colours '
               + ('from sRGB to it' if to_press else 'from it to sRGB')
               + f' ({exc})')
        return
    for x, (colour, what, fits, expected) in enumerate(checks):
        values = result.getpixel((x, 0))
        if to_press:
            ink = tuple(round(v * 100 / 255) for v in values)
            if not fits(*ink):
                yield (f'{what} becomes C {ink[0]} M {ink[1]} Y {ink[2]} '
                       f'K {ink[3]} %, not {expected}')
        elif not fits(*values):
            yield f'{what} looks like sRGB {values}, not {expected}'
