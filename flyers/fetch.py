"""What WeasyPrint may read: files inside the project's layouts/ and assets/.

WeasyPrint fetches every stylesheet, font and image through a URL fetcher.
``allowed_protocols={'file'}`` alone would still let a template read any file
on the machine (``<link rel=attachment href=file:///etc/passwd>`` embeds it),
so :class:`ProjectFetcher` resolves each path itself — following symlinks —
and refuses anything outside the allowed folders, any ``..`` segment, and
every other scheme (no network, no ``data:``).  A refusal stops the render at
once (:class:`FetchRefused` is a ``FatalURLFetchingError``).

For the print edition it also converts raster images to CMYK through the
print shop's profile (LittleCMS, via Pillow's ImageCms), so no RGB image
reaches the press (as CMYK JPEG: WeasyPrint keeps JPEG data as it is).  Images with transparent areas are refused there: on
press they would need a decision (white? the background?) that a designer
should make, in the image itself.
"""

from __future__ import annotations

import functools
import io
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import (FatalURLFetchingError, URLFetcher,
                             URLFetcherResponse)

ALLOWED_FOLDERS = ('layouts', 'assets')


class FetchRefused(FatalURLFetchingError):
    """A template or stylesheet asked for something it may not read."""

    def __init__(self, url: str, reason: str):
        super().__init__(f'refused to load "{url}": {reason}')
        self.url = url
        self.reason = reason


class ProjectFetcher(URLFetcher):
    """Serve ``file:`` URLs inside ``root/layouts`` and ``root/assets``."""

    def __init__(self, root: Path, cmyk_profile: Path | None = None):
        super().__init__(allowed_protocols={'file'}, allow_redirects=False,
                         fail_on_errors=True)
        self.root = root.resolve()
        self.folders = tuple(self.root / name for name in ALLOWED_FOLDERS)
        self.fetched: set[Path] = set()
        self.cmyk_profile = cmyk_profile

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme.lower() != 'file':
            raise FetchRefused(url, 'only files inside layouts/ and assets/ '
                                    'may be used (no network, no data: URLs)')
        if parts.netloc not in ('', 'localhost'):
            raise FetchRefused(url, 'remote file shares are not allowed')
        raw = Path(url2pathname(unquote(parts.path)))
        if '..' in raw.parts:
            raise FetchRefused(url, '".." is not allowed in paths')
        resolved = raw.resolve()
        if not any(resolved.is_relative_to(folder) for folder in self.folders):
            raise FetchRefused(url, 'only files inside layouts/ and assets/ '
                                    'may be used')
        if not resolved.is_file():
            raise FetchRefused(url, 'no such file in the project')
        self.fetched.add(resolved)
        mime, _ = mimetypes.guess_type(resolved.name)
        if self.cmyk_profile and resolved.suffix.lower() in RASTER_SUFFIXES:
            try:
                body, mime = to_cmyk(resolved, resolved.stat().st_mtime,
                                     self.cmyk_profile)
            except ValueError as exc:
                raise FetchRefused(url, str(exc)) from None
            return _Converted(resolved.as_uri(), body=body,
                              headers={'Content-Type': mime})
        if resolved.suffix.lower() in ('.png', '.tif', '.tiff'):
            converted = to_eight_bits(resolved, resolved.stat().st_mtime)
            if converted is not None:
                return _Converted(resolved.as_uri(), body=converted,
                                  headers={'Content-Type': 'image/png'})
        return URLFetcherResponse(
            resolved.as_uri(), body=resolved.read_bytes(),
            headers={'Content-Type': mime or 'application/octet-stream'})


class _Converted(URLFetcherResponse):
    """A response whose body is not the file at its URL: WeasyPrint must
    embed the body, not re-read the file by its path."""

    @property
    def path(self):
        return None


RASTER_SUFFIXES = ('.png', '.jpg', '.jpeg', '.gif', '.webp', '.tif', '.tiff',
                   '.bmp')


@functools.lru_cache(maxsize=64)
def to_eight_bits(path: Path, mtime: float) -> bytes | None:
    """16-bit grey images as 8-bit PNG, which WeasyPrint can read (it
    cannot read 'I;16'); None when the image needs no change."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if not image.mode.startswith(('I', 'F')):
                return None
            grey = image.convert('I').point(lambda v: v / 256).convert('L')
    except (UnidentifiedImageError, OSError):
        return None  # WeasyPrint will say what is wrong with it
    buffer = io.BytesIO()
    grey.save(buffer, 'PNG')
    return buffer.getvalue()


@functools.lru_cache(maxsize=64)
def to_cmyk(path: Path, mtime: float, profile: Path) -> tuple[bytes, str]:
    """The image at ``path`` as CMYK bytes for print, and its MIME type."""
    from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(path)
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f'not an image that can be read ({exc})') from None
    source_format = image.format
    # Turn the picture the way the camera said (the screen edition's
    # WeasyPrint does the same), since the EXIF tag is not copied over.
    image = ImageOps.exif_transpose(image)
    if image.mode in ('RGBA', 'LA', 'PA') or 'transparency' in image.info:
        alpha = image.convert('RGBA').getchannel('A')
        if alpha.getextrema()[0] < 255:
            raise ValueError('the image has transparent areas, which print '
                             'cannot take as they are; flatten it onto its '
                             'background (or use SVG)')
    if image.mode == 'CMYK':
        converted = image
    elif image.mode in ('1', 'L', 'LA'):
        converted = image.convert('L')  # grey prints as black ink only
    elif image.mode.startswith('I'):
        # 16-bit grey: scale to 8 bits (convert('L') would clip at 255).
        converted = image.convert('I').point(lambda v: v / 256).convert('L')
    else:
        rgb = image.convert('RGB')
        source = (ImageCms.ImageCmsProfile(io.BytesIO(image.info['icc_profile']))
                  if image.info.get('icc_profile') else
                  ImageCms.createProfile('sRGB'))
        converted = ImageCms.profileToProfile(
            rgb, source, str(profile), outputMode='CMYK',
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    # WeasyPrint keeps JPEG data as it is and re-encodes every other image
    # as PNG, which has no CMYK: so CMYK goes in as JPEG, at full quality
    # for images that were not JPEG (lossless sources, line art).
    buffer = io.BytesIO()
    converted.save(buffer, 'JPEG', quality=95 if source_format == 'JPEG'
                   else 100, subsampling=0,
                   dpi=image.info.get('dpi', (300, 300)))
    return buffer.getvalue(), 'image/jpeg'

