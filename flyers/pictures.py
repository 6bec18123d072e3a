"""Stage 3b: the campaign's pictures at the size they are placed at.

In: a laid-out WeasyPrint document, the fetcher that served it (which
image is which content picture), the job.  Out: the same document, each
content picture's pixels swapped for ones prepared for its placed size and
the edition — print: 1.5 × the print shop's ``warn_under_ppi`` (300 → 450
ppi), CMYK through the print shop's profile with the perceptual intent;
screen: 150 ppi, sRGB — and the pictures too small for their place:
errors (under ``fail_under_ppi``) and warnings (under ``warn_under_ppi``),
each naming the content field, the file, the placed size and the pixels
needed.

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
PREPARE_VERSION = '1'
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
    if job.is_print:
        shop = job.printshop
        for placement in placements:
            problem = _resolution_problem(placement, job)
            if problem is None:
                continue
            if placement.ppi < shop.fail_under_ppi:
                if problem not in errors:
                    errors.append(problem)
            else:
                warnings.append((placement, problem))
    if errors:
        return errors, []
    profile = root / job.printshop.icc_profile
    made: dict = {}
    for placement in placements:
        placement.swap(_prepared(placement, job, profile, root, made))
    return [], warnings


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
                                        _box_swap(box))
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
    width_in, height_in = placement.inches
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
    verdict = checked(root, placement.path)
    if job.is_print and verdict['mode'] == 'CMYK' and \
            verdict['format'] == 'JPEG' and verdict['orientation'] == 1 and \
            placement.ppi <= target_ppi * CMYK_KEEP_FACTOR:
        # The designer's CMYK, at a sensible size: as it is.
        size = (image.width, image.height)
        key = (placement.path, 'as it is')
        if key not in made:
            made[key] = _Prepared.make(image, read_input(placement.path),
                                       size)
        return made[key]
    key = (placement.path, size)
    if key not in made:
        data = prepared_bytes(root, placement.path, job.edition, size,
                              profile)
        made[key] = _Prepared.make(image, data, size)
    return made[key]


def prepared_bytes(root: Path, path: Path, edition: str,
                   size: tuple[int, int], profile: Path) -> bytes:
    """JPEG bytes of the picture at ``path``, ``size`` pixels, for the
    edition: from the disk cache, or made and stored there."""
    from PIL import __version__ as pillow

    profile_hash = file_sha256(profile)
    key = hashlib.sha256('\n'.join((
        PREPARE_VERSION, pillow, file_sha256(path), profile_hash, edition,
        f'{size[0]}x{size[1]}', INTENT, str(JPEG_QUALITY))).encode()
    ).hexdigest()
    store = cache_dir(root) / f'prepared-{key}.jpg'
    try:
        return read_cached(store)
    except OSError:
        pass
    data = _convert(read_input(path), edition, size, profile)
    write_atomically(store, data)
    return data


def _convert(body: bytes, edition: str, size: tuple[int, int],
             profile: Path) -> bytes:
    from PIL import Image, ImageCms, ImageOps

    from .fetch import _press_profile
    from .images import embedded_profile

    CONVERSIONS['count'] += 1
    image = Image.open(io.BytesIO(body))
    source_profile = embedded_profile(image)
    if image.format == 'JPEG':
        # Decode at a reduced scale when the target is much smaller (the
        # JPEG decoder's own, exact down-scaling).  The orientation may
        # swap the sides.
        turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
        image.draft(image.mode, size[::-1] if turned else size)
    image = ImageOps.exif_transpose(image)
    if image.mode.startswith(('I', 'F')):  # 16-bit grey: scale, not clip
        image = image.convert('I').point(lambda v: v / 256).convert('L')
    elif image.mode in ('1', 'LA', 'La'):
        image = image.convert('L')  # grey prints as black ink only
    elif image.mode not in ('RGB', 'L', 'CMYK'):
        image = image.convert('RGB')
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS,
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
        def make(cls, original, data: bytes, size):
            from PIL import Image

            # Named by its bytes, not by the original's address (which is
            # WeasyPrint's id): two clones in two folders write the same
            # PDF (tests/test_reproducible.py).
            name = hashlib.sha256(data).hexdigest()[:32]
            prepared = cls(Image.open(io.BytesIO(data)),
                           f'{name}-{size[0]}x{size[1]}', data,
                           None, original._cache, 'none', options)
            prepared._intrinsic = (original.width, original.height,
                                   original.ratio)
            return prepared

        def get_intrinsic_size(self, resolution, font_size):
            width, height, ratio = self._intrinsic
            return width / resolution, height / resolution, ratio

    return Prepared


class _Lazy:
    """Import WeasyPrint only when a picture is prepared."""

    _class = None

    def make(self, original, data, size):
        if _Lazy._class is None:
            _Lazy._class = _prepared_class()
        return _Lazy._class.make(original, data, size)


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
