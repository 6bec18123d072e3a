"""What WeasyPrint may read: files inside the project's layouts/ and assets/,
and the campaign's pictures folder (``content/images/``).

WeasyPrint fetches every stylesheet, font and image through a URL fetcher.
``allowed_protocols={'file'}`` alone would still let a template read any file
on the machine (``<link rel=attachment href=file:///etc/passwd>`` embeds it),
so :class:`ProjectFetcher` resolves each path itself — following symlinks —
and refuses anything outside the allowed folders, any ``..`` segment, and
every other scheme (no network, no ``data:``).  A refusal stops the render at
once (:class:`FetchRefused` is a ``FatalURLFetchingError``).

Every raster image (found by its bytes, whatever its name) is decoded whole
before WeasyPrint gets it (:mod:`flyers.images`): a damaged or cut-short
file, a decompression bomb or an unusable embedded colour profile is
refused with its project-relative name, in both editions.  WeasyPrint then
gets exactly the bytes that were checked, not the file read again.

For the print edition it also converts raster images to CMYK through the
print shop's profile (LittleCMS, via Pillow's ImageCms), so no RGB image
reaches the press (as CMYK JPEG: WeasyPrint keeps JPEG data as it is).
Images with transparent areas are refused there: on press they would need
a decision (white? the background?) that a designer should make, in the
image itself.

The campaign's own pictures (``hero``, people's photos) are different:
they were checked when the content was loaded (:mod:`flyers.picturefiles`,
its verdict cached by the file's hash), so WeasyPrint lays the page out
with a stand-in of the picture's size, and :mod:`flyers.pictures` then
swaps in pixels prepared for the size each is placed at, before the PDF
is written.  The fetcher records which URL is which picture
(``picture_urls``).
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

from .images import EXPORT_AGAIN, ImageRefused, decode, embedded_profile
from .inputs import read_input

# The project's folders every output may read; a campaign adds its
# pictures folder (ProjectFetcher's ``pictures``).
ALLOWED_FOLDERS = ('layouts', 'assets')


class FetchRefused(FatalURLFetchingError):
    """A template or stylesheet asked for something it may not read."""

    def __init__(self, url: str, reason: str):
        super().__init__(f'refused to load "{url}": {reason}')
        self.url = url
        self.reason = reason


class ProjectFetcher(URLFetcher):
    """Serve ``file:`` URLs inside ``root/layouts`` and ``root/assets`` (and
    the folders of :data:`ALLOWED_FOLDERS`), and inside ``pictures``: the
    campaign's pictures folder, whose ``picture_files`` (real paths) are
    served as they are."""

    def __init__(self, root: Path, cmyk_profile: Path | None = None,
                 pictures: Path | None = None, picture_files=()):
        super().__init__(allowed_protocols={'file'}, allow_redirects=False,
                         fail_on_errors=True)
        self.root = root.resolve()
        self.folders = tuple(self.root / name for name in ALLOWED_FOLDERS)
        if pictures is not None:
            real = pictures.resolve()
            if real.is_relative_to((self.root / 'content').resolve()):
                self.folders += (real,)
        names = [f'{folder.relative_to(self.root).as_posix()}/'
                 if folder.is_relative_to(self.root) else str(folder)
                 for folder in self.folders]
        self.allowed = ' and '.join(
            [', '.join(names[:-1]), names[-1]] if len(names) > 1 else names)
        self.fetched: set[Path] = set()
        self.cmyk_profile = cmyk_profile
        self.picture_files = frozenset(picture_files)
        # WeasyPrint's image id (md5 of the URL) → the picture's real path.
        self.picture_urls: dict[str, Path] = {}

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme.lower() != 'file':
            raise FetchRefused(url, f'only files inside {self.allowed} '
                                    'may be used (no network, no data: URLs)')
        if parts.netloc not in ('', 'localhost'):
            raise FetchRefused(url, 'remote file shares are not allowed')
        raw = Path(url2pathname(unquote(parts.path)))
        if '..' in raw.parts:
            raise FetchRefused(url, '".." is not allowed in paths')
        resolved = raw.resolve()
        if not any(resolved.is_relative_to(folder) for folder in self.folders):
            raise FetchRefused(url, f'only files inside {self.allowed} '
                                    'may be used')
        shown = resolved.relative_to(self.root).as_posix()
        if not resolved.is_file():
            raise FetchRefused(shown, 'not a regular file (a folder, pipe or '
                                      'device?); replace it with a file'
                               if resolved.exists() else
                               'no such file in the project')
        self.fetched.add(resolved)
        if resolved in self.picture_files:
            return self._picture(url, resolved, shown)
        suffix = resolved.suffix.lower()
        if suffix not in NOT_IMAGES:
            stat = resolved.stat()
            signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            try:
                image = checked_image(resolved, signature,
                                      suffix in RASTER_SUFFIXES,
                                      self.cmyk_profile)
            except ImageRefused as exc:
                raise FetchRefused(shown, str(exc)) from None
            if image is not None:
                body, mime = image
                return _Converted(resolved.as_uri(), body=body,
                                  headers={'Content-Type': mime})
        mime, _ = mimetypes.guess_type(resolved.name)
        return URLFetcherResponse(
            resolved.as_uri(), body=resolved.read_bytes(),
            headers={'Content-Type': mime or 'application/octet-stream'})


    def _picture(self, url: str, path: Path, shown: str):
        """A content picture: checked (the verdict is cached by the file's
        hash) but not decoded again.  WeasyPrint lays the page out with a
        flat grey stand-in of the picture's size (it would decode a JPEG
        with EXIF data, or a WebP, on every layout); flyers.pictures swaps
        in the real pixels, prepared for their placed size, after layout."""
        from hashlib import md5

        from .picturefiles import checked
        from .pictures import stand_in

        verdict = checked(self.root, path)
        if 'refused' in verdict:
            raise FetchRefused(shown, verdict['refused'])
        self.picture_urls[md5(url.encode(), usedforsecurity=False)
                          .hexdigest()] = path
        return _Converted(path.as_uri(), body=stand_in(self.root, verdict),
                          headers={'Content-Type': 'image/png'})


class _Converted(URLFetcherResponse):
    """A response whose body is not the file at its URL: WeasyPrint must
    embed the body, not re-read the file by its path."""

    @property
    def path(self):
        return None


RASTER_SUFFIXES = ('.png', '.jpg', '.jpeg', '.gif', '.webp', '.tif', '.tiff',
                   '.bmp')
# Files WeasyPrint reads as something else than an image.  Any other file
# (an SVG too: WeasyPrint falls back to Pillow when SVG fails) is checked
# by its bytes, so a PNG under another name is decoded and checked too.
NOT_IMAGES = ('.css', '.otf', '.ttf', '.woff', '.woff2', '.icc', '.icm')


@functools.lru_cache(maxsize=64)
def checked_image(path: Path, signature: tuple, named_image: bool,
                  profile: Path | None) -> tuple[bytes, str] | None:
    """The bytes WeasyPrint gets for the image at ``path`` and their MIME
    type: the file itself once every pixel has been decoded, converted for
    print (``profile``) or to 8 bits where needed.  None for a file that
    is no raster image.  Raises ImageRefused.  ``signature`` (the file's
    modification time, size and inode) is there for the cache."""
    from PIL import Image

    body = path.read_bytes()
    image = decode(body, named_image)
    if image is None:
        return None
    if profile is not None:
        return to_cmyk(image, profile)
    converted = to_eight_bits(image)
    if converted is not None:
        return converted, 'image/png'
    # The bytes decoded, not the file again: WeasyPrint would read it anew.
    return body, Image.MIME.get(image.format, 'application/octet-stream')


def to_eight_bits(image) -> bytes | None:
    """16-bit grey images as 8-bit PNG, which WeasyPrint can read (it
    cannot read 'I;16'); None when the image needs no change."""
    if not image.mode.startswith(('I', 'F')):
        return None
    grey = image.convert('I').point(lambda v: v / 256).convert('L')
    buffer = io.BytesIO()
    grey.save(buffer, 'PNG')
    return buffer.getvalue()


def to_cmyk(image, profile: Path) -> tuple[bytes, str]:
    """A decoded image as CMYK JPEG bytes for print, and their MIME type."""
    from PIL import ImageCms, ImageOps

    source_format = image.format
    # Turn the picture the way the camera said (the screen edition's
    # WeasyPrint does the same), since the EXIF tag is not copied over.
    try:
        image = ImageOps.exif_transpose(image)
    except Exception as exc:  # a damaged EXIF block
        raise ImageRefused(f'its EXIF data cannot be read ({exc}); '
                           f'{EXPORT_AGAIN}') from None
    if image.mode in ('RGBA', 'LA', 'PA') or 'transparency' in image.info:
        alpha = image.convert('RGBA').getchannel('A')
        if alpha.getextrema()[0] < 255:
            raise ImageRefused('the image has transparent areas, which print '
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
        source = embedded_profile(image) or ImageCms.createProfile('sRGB')
        converted = ImageCms.profileToProfile(
            rgb, source, _press_profile(profile, profile.stat().st_mtime_ns),
            outputMode='CMYK',
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    # WeasyPrint keeps JPEG data as it is and re-encodes every other image
    # as PNG, which has no CMYK: so CMYK goes in as JPEG, at full quality
    # for images that were not JPEG (lossless sources, line art).
    buffer = io.BytesIO()
    converted.save(buffer, 'JPEG', quality=95 if source_format == 'JPEG'
                   else 100, subsampling=0,
                   dpi=image.info.get('dpi', (300, 300)))
    return buffer.getvalue(), 'image/jpeg'


@functools.lru_cache(maxsize=4)
def _press_profile(path: Path, mtime_ns: int):
    """The print shop's profile, read once (it was checked when the print
    shop was loaded: flyers.colour)."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(str(path))
