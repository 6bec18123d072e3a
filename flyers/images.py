"""Raster images checked whole before WeasyPrint uses them (inside the
fetcher, stage 3a).

In: the bytes of a file a layout uses.  Out: the decoded Pillow image, every
pixel read, or None when the bytes are no raster image at all (a
stylesheet, a font, SVG).  An image that cannot be used as it is raises
:class:`ImageRefused`, whose message says what is wrong and what to do:

- a damaged or cut-short file: WeasyPrint sets Pillow's
  ``LOAD_TRUNCATED_IMAGES`` when it is imported, so the missing part would
  print black (or grey) and the build would pass; here it is turned off
  while the image is decoded;
- more pixels than Pillow decodes without a decompression-bomb warning
  (``Image.MAX_IMAGE_PIXELS``), the warning taken as an error: such a file
  is an attack or far larger than any page needs;
- an embedded colour profile that LittleCMS cannot read, that is for
  another colour space than the pixels, or that cannot convert them.  The
  image is refused rather than taken as sRGB: the profile says the pixels
  are in some other space, and guessing would print other colours than the
  designer saw, with nothing to tell anyone.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from contextlib import contextmanager

#: What to do with a file that cannot be decoded.
EXPORT_AGAIN = ('export it again from the original (as PNG, JPEG or TIFF) '
                'and replace the file')
#: The same for a content picture, which may be JPEG, PNG or WebP.
PICTURE_EXPORT_AGAIN = ('export it again from the original (as JPEG, PNG or '
                        'WebP) and replace the file')

# Pillow's switches are process-wide: one decode at a time flips them.
_STRICT = threading.Lock()


class ImageRefused(ValueError):
    """An image a layout uses cannot be printed as it is."""


@contextmanager
def _strict_pillow():
    from PIL import Image, ImageFile

    with _STRICT, warnings.catch_warnings():
        warnings.simplefilter('error', Image.DecompressionBombWarning)
        saved = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved


def decode(body: bytes, must_be_image: bool, advice: str = EXPORT_AGAIN):
    """The image in ``body``, fully decoded, or None if it is no image (and
    ``must_be_image`` is false: the file's name does not say it is one).
    ``advice``: what to do with a file that cannot be decoded."""
    from PIL import Image, UnidentifiedImageError

    bombs = (Image.DecompressionBombError, Image.DecompressionBombWarning)
    with _strict_pillow():
        try:
            image = Image.open(io.BytesIO(body))
        except UnidentifiedImageError:
            if not must_be_image:
                return None
            raise ImageRefused('the file is not an image in any format Pillow '
                               'reads; ' + advice)
        except bombs:
            raise ImageRefused(_too_large(_size(body))) from None
        except Exception as exc:  # Pillow's plugins raise many kinds
            raise ImageRefused(_damaged(exc, advice)) from None
        try:
            image.load()
        except bombs:
            raise ImageRefused(_too_large(image.size)) from None
        except Exception as exc:
            raise ImageRefused(_damaged(exc, advice)) from None
    embedded_profile(image)
    return image


def _damaged(exc: Exception, advice: str) -> str:
    detail = re.sub(r' \(\d+ bytes not processed\)', '',
                    str(exc) or type(exc).__name__)
    return (f'the image is damaged or cut short (Pillow: {detail}), so part '
            f'of it would print wrong; {advice}')


def _size(body: bytes) -> tuple[int, int] | None:
    """The size a too large image's header gives, read with Pillow's limit
    off for that moment (only the header is read; the lock is held)."""
    from PIL import Image

    saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with Image.open(io.BytesIO(body)) as image:
            return image.size
    except Exception:
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _too_large(size: tuple[int, int] | None) -> str:
    from PIL import Image

    found = (f'{size[0]} × {size[1]} pixels ({size[0] * size[1] / 1e6:,.1f} '
             'million)' if size else 'too many pixels')
    limit = Image.MAX_IMAGE_PIXELS / 1e6
    return (f'the image has {found}, more than the {limit:,.1f} million the '
            'builder decodes (the limit against decompression bombs; an A3 '
            'page at 300 ppi needs 17.4 million); scale it down to the size '
            'it prints at and export it again')


def _colour_space(mode: str) -> str:
    """The ICC colour space whose profile fits pixels of ``mode``."""
    from PIL import Image

    if mode == 'CMYK':
        return 'CMYK'
    return 'GRAY' if Image.getmodebase(mode) == 'L' else 'RGB'


def embedded_profile(image):
    """The image's own colour profile (a Pillow ImageCmsProfile) after
    checking LittleCMS can convert its pixels with it to sRGB; None when it
    has none."""
    from PIL import ImageCms

    if 'icc_profile' not in image.info:
        return None
    again = ('export the image again with an sRGB profile (or, for CMYK, '
             'the print shop\'s)')
    data = image.info['icc_profile']
    if not data:  # Pillow drops one it cannot unpack, leaving None
        raise ImageRefused('its embedded colour profile is damaged (it '
                           f'cannot be unpacked); {again}')
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(data))
        space = profile.profile.xcolor_space.strip()
    except Exception as exc:  # OSError, PyCMSError, TypeError...
        raise ImageRefused(f'its embedded colour profile is damaged '
                           f'(LittleCMS: {exc}); {again}') from None
    pixels = _colour_space(image.mode)
    if space != pixels:
        raise ImageRefused(f'its embedded colour profile is for {space or "?"}'
                           f' but its pixels are {pixels}; {again}')
    mode = {'GRAY': 'L', 'RGB': 'RGB', 'CMYK': 'CMYK'}[pixels]
    try:
        ImageCms.buildTransform(profile, ImageCms.createProfile('sRGB'),
                                mode, 'RGB', flags=ImageCms.Flags.NOOPTIMIZE)
    except Exception as exc:
        raise ImageRefused(f'its embedded colour profile cannot convert '
                           f'colours (LittleCMS: {exc}); {again}') from None
    return profile
