"""Stage 3b: the campaign's pictures at the size they are placed at.

In: a laid-out WeasyPrint document, the fetcher that served it (which
image is which content picture), the job.  Out: the same document, each
content picture's pixels swapped for ones prepared for its placed size and
the edition — print: 1.5 × the print shop's ``warn_under_ppi`` (300 → 450
ppi), CMYK through the print shop's profile with the perceptual intent;
screen: 150 ppi, sRGB — and the pictures too small for their place:
errors (under ``fail_under_ppi``, whatever edition is built: the pictures
must do for print) and warnings (under ``warn_under_ppi``, print only),
each naming the content field, the file, the size shown and the pixels
needed.

An ``<img>`` whose box shows only part of its picture (``object-fit:
cover``) gets only that part prepared (and two pixels around it), on the
pixel grid of the whole picture prepared, drawn where it lies in the
whole: the page looks the same and the PDF is smaller.  A CMYK JPEG
without Adobe's APP14 marker holds plain ink values (Pillow reads every
CMYK JPEG as inverted): they are inverted back before converting.  A file
replaced since the fetcher checked it is checked again, and its bytes
are converted only if they are those checked.

WeasyPrint lays the page out with a flat stand-in of the picture's size
(:func:`stand_in`, served by the fetcher); the replacement reports the
same intrinsic size, so nothing moves.  A content picture the layout shows
in a way this module cannot reach (not an ``<img>``, not a
``background-image``) fails the build rather than print the stand-in.
Prepared pixels are kept on disk (``.cache/pictures/``) under the file's
hash, the profile's hash, the edition, the pixel size and the intent: a
rebuild after a text change converts nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem
from .picturefiles import (cache_dir, checked, file_sha256, picture_path,
                           read_cached, shown_name, write_atomically)
from .inputs import read_input

SCREEN_PPI = 150
PRINT_FACTOR = 1.5  # × the print shop's warn_under_ppi
# A CMYK JPEG is kept as it is unless it has more than this × the pixels
# its place needs (its colours are the designer's, for this press).
CMYK_KEEP_FACTOR = 2.0
JPEG_QUALITY = 90
INTENT = 'perceptual'
PREPARE_VERSION = '4'
# Crop a picture to the part its box shows (object-fit: cover) when that
# leaves out more than this share of its pixels; keep this many prepared
# pixels around the part shown (for the resampling filter at the edges).
CROP_WHEN_SAVED = 0.1
CROP_MARGIN_PX = 2
CROP = True  # the tests compare pages drawn with and without it
PX_PER_INCH = 96
MM_PER_INCH = 25.4
# Counts conversions, for the tests that a rebuild converts nothing.
CONVERSIONS = {'count': 0}


@dataclass(frozen=True)
class Placement:
    """One content picture drawn on a page."""

    page: int  # 0-based
    path: Path
    image: object  # WeasyPrint's RasterImage of the original
    drawn_px: tuple[float, float]  # the whole image's size, CSS px
    top_left_px: tuple[float, float]
    field: str  # e.g. 'hero', 'people[0].photo'
    swap: object  # function(new image): puts it in place
    # The part of the picture its box shows (left, top, right, bottom as
    # fractions of the whole), or None when it is drawn whole or as a
    # background.
    shown: tuple[float, float, float, float] | None = None

    @property
    def shown_inches(self) -> tuple[float, float]:
        """The size of the part that is seen, in inches."""
        left, top, right, bottom = self.shown or (0, 0, 1, 1)
        width, height = self.inches
        return width * (right - left), height * (bottom - top)

    @property
    def inches(self) -> tuple[float, float]:
        return (self.drawn_px[0] / PX_PER_INCH,
                self.drawn_px[1] / PX_PER_INCH)

    @property
    def ppi(self) -> float:
        width, height = self.inches
        return min(self.image.width / width, self.image.height / height)


def prepare_pictures(document, job, fetcher, root: Path):
    """Swap every content picture of ``document`` for prepared pixels.
    Returns (errors, warnings): Problems about pictures too small for
    their place (warnings as (placement, Problem))."""
    if not fetcher.picture_urls:
        return [], []
    fields = _fields_by_path(root, job.campaign)
    placements = list(_placements(document, fetcher.picture_urls, fields))
    errors, warnings = _unreached(fetcher.picture_urls, placements, job,
                                  root), []
    # Checked whatever edition is built: the pictures must be good enough
    # for print, so a screen-only build fails as the print build would.
    shop = job.printshop
    for placement in placements:
        problem = _resolution_problem(placement, job)
        if problem is None:
            continue
        if placement.ppi < shop.fail_under_ppi:
            if problem not in errors:
                errors.append(problem)
        elif job.is_print:
            warnings.append((placement, problem))
    # A file replaced since the fetcher checked it is checked again.
    for placement in placements:
        verdict = checked(root, placement.path)
        if 'refused' in verdict:
            problem = _file_problem(placement, job, verdict['refused'])
            if problem not in errors:
                errors.append(problem)
    if errors:
        return errors, []
    profile = root / job.printshop.icc_profile
    made: dict = {}
    for placement in placements:
        try:
            prepared = _prepared(placement, job, profile, root, made)
        except PictureChanged:
            return [_file_problem(placement, job, (
                'the file changed while the build ran; build again'))], []
        placement.swap(prepared)
    return [], warnings


class PictureChanged(Exception):
    """The picture's bytes are no longer those that were checked."""


def _file_problem(placement: Placement, job, reason: str) -> Problem:
    campaign = job.campaign
    picture = next((p for p in campaign.pictures
                    if p.field == placement.field), None)
    shown = (shown_name(campaign, picture) if picture is not None
             else placement.path.name)
    return campaign.problem(f'{placement.field}.file', f'{shown}: {reason}')


def _unreached(urls: dict, placements: list, job, root: Path):
    """A problem for each picture that was fetched but is drawn neither by
    an <img> nor as a background image."""
    reached = {placement.image.id for placement in placements}
    problems = []
    for image_id, path in urls.items():
        if image_id not in reached:
            shown = path.relative_to(
                (root / 'content').resolve()).as_posix() \
                if path.is_relative_to((root / 'content').resolve()) \
                else path.name
            problems.append(Problem(
                f'layouts/{job.layout.name}', f'shows the picture '
                f'content/{shown} in a way the builder cannot prepare for '
                'print and screen (only <img> and background-image are); '
                'show it with parts.picture()'))
    return problems


def stand_in(root: Path, verdict: dict) -> bytes:
    """A flat grey PNG of the picture's size (as it is shown: EXIF
    orientation applied), for WeasyPrint to lay out with.  Tiny, made
    once per size and kept in the cache."""
    from PIL import Image

    width, height = verdict['shown_size']
    store = cache_dir(root) / f'stand-in-{width}x{height}.png'
    try:
        return read_cached(store)
    except OSError:
        pass
    buffer = io.BytesIO()
    Image.new('L', (width, height), 160).save(buffer, 'PNG',
                                              compress_level=9)
    write_atomically(store, buffer.getvalue())
    return buffer.getvalue()


def _fields_by_path(root: Path, campaign) -> dict[Path, list[str]]:
    found: dict[Path, list[str]] = {}
    for picture in campaign.pictures:
        path = picture_path(root, campaign, picture).resolve()
        found.setdefault(path, []).append(picture.field)
    return found


def _placements(document, urls: dict, fields: dict):
    """Each content picture drawn by a replaced box (an <img>) or as a
    background layer, with the size it is drawn at."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.images import RasterImage
    from weasyprint.layout.replaced import replacedbox_layout

    def field_of(box, path):
        names = fields.get(path) or ['?']
        element = getattr(box, 'element', None)
        named = element.get('data-field') if element is not None else None
        return named if named in names else names[0]

    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants(placeholders=True):
            if isinstance(box, boxes.ReplacedBox):
                image = box.replacement
                if isinstance(image, RasterImage) and image.id in urls:
                    width, height, x, y = replacedbox_layout(box)
                    if width > 0 and height > 0:
                        path = urls[image.id]
                        yield Placement(index, path, image, (width, height),
                                        (x, y), field_of(box, path),
                                        _box_swap(box),
                                        _shown_part(box, width, height, x, y))
            background = getattr(box, 'background', None)
            for number, layer in enumerate(getattr(background, 'layers',
                                                   None) or ()):
                image = layer.image
                if (isinstance(image, RasterImage) and image.id in urls
                        and isinstance(layer.size, tuple)):
                    width, height = layer.size
                    if width > 0 and height > 0:
                        path = urls[image.id]
                        yield Placement(index, path, image, (width, height),
                                        layer.painting_area[:2],
                                        field_of(box, path),
                                        _layer_swap(box, number))


def _shown_part(box, width, height, x, y):
    """The part of an <img>'s picture inside its padding box, where
    WeasyPrint clips it (unless its overflow is visible), as fractions."""
    if box.style['overflow'] == 'visible':
        return None
    left = max(x, box.padding_box_x())
    top = max(y, box.padding_box_y())
    right = min(x + width, box.padding_box_x() + box.padding_width())
    bottom = min(y + height, box.padding_box_y() + box.padding_height())
    if right <= left or bottom <= top:
        return None
    return ((left - x) / width, (top - y) / height, (right - x) / width,
            (bottom - y) / height)


def _box_swap(box):
    def swap(image):
        box.replacement = image
    return swap


def _layer_swap(box, number):
    def swap(image):
        layers = list(box.background.layers)
        layers[number] = layers[number]._replace(image=image)
        box.background = box.background._replace(layers=layers)
    return swap


def _resolution_problem(placement: Placement, job) -> Problem | None:
    shop, campaign = job.printshop, job.campaign
    ppi = placement.ppi
    if ppi >= shop.warn_under_ppi - 0.5:
        return None
    width_in, height_in = placement.shown_inches
    picture = next((p for p in campaign.pictures
                    if p.field == placement.field), None)
    shown = (shown_name(campaign, picture) if picture is not None
             else placement.path.name)
    needed = (math.ceil(width_in * shop.warn_under_ppi - 1e-6),
              math.ceil(height_in * shop.warn_under_ppi - 1e-6))
    image = placement.image
    verdict = ('too few for print' if ppi < shop.fail_under_ppi
               else 'fewer than print asks for')
    message = (
        f'{shown} is {image.width} × {image.height} pixels, {verdict}: '
        f'placed at {width_in * MM_PER_INCH:.0f} × '
        f'{height_in * MM_PER_INCH:.0f} mm it prints at {ppi:.0f} ppi, and '
        f'the print shop needs {shop.warn_under_ppi:g} ppi (it refuses '
        f'under {shop.fail_under_ppi:g}); use a picture of at least '
        f'{needed[0]} × {needed[1]} pixels, or a layout that places it '
        'smaller')
    return campaign.problem(f'{placement.field}.file', message)


def _prepared(placement: Placement, job, profile: Path, root: Path, made):
    """The replacement image for one placement (two placements of one
    picture at one size share it)."""
    image = placement.image
    target_ppi = (job.printshop.warn_under_ppi * PRINT_FACTOR if job.is_print
                  else SCREEN_PPI)
    scale = min(1.0, target_ppi / placement.ppi)
    size = (max(1, round(image.width * scale)),
            max(1, round(image.height * scale)))
    crop = _crop_box(placement, size)
    verdict = checked(root, placement.path)
    if crop is None and job.is_print and verdict['mode'] == 'CMYK' and \
            verdict['format'] == 'JPEG' and verdict['orientation'] == 1 and \
            placement.ppi <= target_ppi * CMYK_KEEP_FACTOR:
        # The designer's CMYK, at a sensible size: as it is.
        size = (image.width, image.height)
        key = (placement.path, 'as it is')
        if key not in made:
            made[key] = _Prepared.make(image, read_input(placement.path),
                                       size)
        return made[key]
    key = (placement.path, size, crop)
    if key not in made:
        data = prepared_bytes(root, placement.path, job.edition, size,
                              profile, crop)
        made[key] = _Prepared.make(image, data, size, crop)
    return made[key]


def _crop_box(placement: Placement, size: tuple[int, int]):
    """The part of the prepared picture to keep — left, top, right,
    bottom, in pixels of the whole picture prepared at ``size`` — when its
    box shows only part of it; None to prepare it whole.  The part's
    pixels are those of the whole (same grid), its top left corner on the
    JPEG's 16-pixel blocks, so the page looks the same."""
    if not CROP or placement.shown is None:
        return None
    width, height = size
    left, top, right, bottom = placement.shown
    box = (max(0, (math.floor(left * width) - CROP_MARGIN_PX) // 16 * 16),
           max(0, (math.floor(top * height) - CROP_MARGIN_PX) // 16 * 16),
           min(width, math.ceil(right * width) + CROP_MARGIN_PX),
           min(height, math.ceil(bottom * height) + CROP_MARGIN_PX))
    kept = (box[2] - box[0]) * (box[3] - box[1])
    if kept > (1 - CROP_WHEN_SAVED) * width * height:
        return None
    return box


def prepared_bytes(root: Path, path: Path, edition: str,
                   size: tuple[int, int], profile: Path,
                   crop: tuple[int, int, int, int] | None = None) -> bytes:
    """JPEG bytes of the picture at ``path``, ``size`` pixels, for the
    edition: from the disk cache, or made and stored there."""
    from PIL import __version__ as pillow

    profile_hash = file_sha256(profile)
    digest = file_sha256(path)  # the file's version checked just before
    key = hashlib.sha256('\n'.join((
        PREPARE_VERSION, pillow, digest, profile_hash, edition,
        f'{size[0]}x{size[1]}', INTENT, str(JPEG_QUALITY),
        str(crop))).encode()
    ).hexdigest()
    store = cache_dir(root) / f'prepared-{key}.jpg'
    try:
        return read_cached(store)
    except OSError:
        pass
    body = read_input(path)
    if hashlib.sha256(body).hexdigest() != digest:
        raise PictureChanged(path)
    data = _convert(body, edition, size, profile, crop)
    write_atomically(store, data)
    return data


def _convert(body: bytes, edition: str, size: tuple[int, int],
             profile: Path, crop=None) -> bytes:
    from PIL import Image, ImageChops, ImageCms, ImageOps

    from .fetch import _press_profile
    from .images import embedded_profile

    CONVERSIONS['count'] += 1
    image = Image.open(io.BytesIO(body))
    source_profile = embedded_profile(image)
    adobe = image.format != 'JPEG' or 'adobe' in image.info
    turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    if image.format == 'JPEG':
        # Decode at a reduced scale when the target is much smaller (the
        # JPEG decoder's own, exact down-scaling).  The orientation may
        # swap the sides.
        image.draft(image.mode, size[::-1] if turned else size)
    image = ImageOps.exif_transpose(image)
    if image.mode == 'CMYK' and not adobe:
        # Pillow reads every CMYK JPEG as inverted (Adobe's way); one
        # without Adobe's marker holds plain ink values.
        image = ImageChops.invert(image)
    box, out = (0, 0) + image.size, size
    if crop is not None:
        # The part, on the grid of the whole picture at ``size``: Pillow
        # samples the same points as for the whole, with the pixels
        # around the part under its filter.
        x, y = image.size[0] / size[0], image.size[1] / size[1]
        box = (crop[0] * x, crop[1] * y, crop[2] * x, crop[3] * y)
        out = (crop[2] - crop[0], crop[3] - crop[1])
    if image.mode.startswith(('I', 'F')):  # 16-bit grey: scale, not clip
        image = image.convert('I').point(lambda v: v / 256).convert('L')
    elif image.mode in ('1', 'LA', 'La'):
        image = image.convert('L')  # grey prints as black ink only
    elif image.mode not in ('RGB', 'L', 'CMYK'):
        image = image.convert('RGB')
    if image.size != out:
        image = image.resize(out, Image.Resampling.LANCZOS, box=box,
                             reducing_gap=3.0)
    press = _press_profile(profile, profile.stat().st_mtime_ns)
    srgb = ImageCms.createProfile('sRGB')
    intent = ImageCms.Intent.PERCEPTUAL
    if edition == 'print':
        if image.mode == 'RGB':
            image = ImageCms.profileToProfile(
                image, source_profile or srgb, press, outputMode='CMYK',
                renderingIntent=intent)
    elif image.mode == 'CMYK':
        image = ImageCms.profileToProfile(
            image, source_profile or press, srgb, outputMode='RGB',
            renderingIntent=intent)
    elif image.mode == 'RGB' and source_profile is not None:
        image = ImageCms.profileToProfile(image, source_profile, srgb,
                                          outputMode='RGB',
                                          renderingIntent=intent)
    buffer = io.BytesIO()
    image.save(buffer, 'JPEG', quality=JPEG_QUALITY,
               subsampling=0 if edition == 'print' else 2, optimize=True)
    return buffer.getvalue()


def _prepared_class():
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.images import RasterImage

    options = dict(DEFAULT_OPTIONS, jpeg_quality=None, dpi=None,
                   optimize_images=False)

    class Prepared(RasterImage):
        """Pixels prepared for one placed size, standing in for the
        original: same intrinsic size, so the layout holds."""

        @classmethod
        def make(cls, original, data: bytes, size, crop=None):
            from PIL import Image

            # Named by its bytes, not by the original's address (which is
            # WeasyPrint's id): two clones in two folders write the same
            # PDF (tests/test_reproducible.py).
            name = hashlib.sha256(data).hexdigest()[:32] + (
                f'-{size[0]}x{size[1]}') + (
                '-' + '-'.join(map(str, crop)) if crop else '')
            prepared = cls(Image.open(io.BytesIO(data)), name, data,
                           None, original._cache, 'none', options)
            prepared._intrinsic = (original.width, original.height,
                                   original.ratio)
            # The part prepared, as fractions of the whole picture.
            prepared._part = None if crop is None else (
                crop[0] / size[0], crop[1] / size[1], crop[2] / size[0],
                crop[3] / size[1])
            return prepared

        def get_intrinsic_size(self, resolution, font_size):
            width, height, ratio = self._intrinsic
            return width / resolution, height / resolution, ratio

        def draw(self, stream, concrete_width, concrete_height, style):
            # WeasyPrint asks for the whole picture at its drawn size (and
            # has clipped to the box): draw the part prepared where it
            # lies in the whole.
            if self._part is None:
                return super().draw(stream, concrete_width,
                                    concrete_height, style)
            left, top, right, bottom = self._part
            stream.transform(e=left * concrete_width,
                             f=top * concrete_height)
            return super().draw(stream, (right - left) * concrete_width,
                                (bottom - top) * concrete_height, style)

    return Prepared


class _Lazy:
    """Import WeasyPrint only when a picture is prepared."""

    _class = None

    def make(self, original, data, size, crop=None):
        if _Lazy._class is None:
            _Lazy._class = _prepared_class()
        return _Lazy._class.make(original, data, size, crop)


_Prepared = _Lazy()


def with_picture_warnings(report, warnings):
    """The preflight report with the pictures' warnings, each in place of
    the preflight's own image-ppi finding about the same image."""
    from .preflight import Finding

    if not warnings:
        return report
    found = []
    for placement, problem in warnings:
        # WeasyPrint's page coordinates start at the trim's corner.
        x, y = (v * MM_PER_INCH / PX_PER_INCH for v in placement.top_left_px)
        found.append(Finding('image-ppi', 'warning', str(problem),
                             placement.page + 1, (round(x, 1), round(y, 1))))
    kept = tuple(f for f in report.findings if not (
        f.check == 'image-ppi' and f.position_mm is not None and any(
            f.page == mine.page and abs(f.position_mm[0]
                                        - mine.position_mm[0]) < 1
            and abs(f.position_mm[1] - mine.position_mm[1]) < 1
            for mine in found)))
    checks = tuple((check, 'warn' if check == 'image-ppi' and status == 'pass'
                    else status) for check, status in report.checks)
    return dataclasses.replace(report, findings=kept + tuple(found),
                               checks=checks)
