"""Stage 2a: QR codes as vector SVG, checked for print.

In: the target address and the printed size a layout gives it.  Out: a
:class:`QrCode` with inline SVG markup (one path, no raster), or a
:class:`QrTooDense` error when the modules would print smaller than
:data:`MIN_MODULE_MM`.

Print rules: error correction M (15 % of the code may be damaged), a quiet
zone of four modules drawn as part of the symbol (white, so it holds on a
coloured background too), modules of at least 0.4 mm for hand-held phones.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from markupsafe import Markup, escape

from .urls import parse as parse_url
from .urls import with_query

MIN_MODULE_MM = 0.4
QUIET_MODULES = 4
# Dark and light per edition: K-only black on no ink for print (a rich
# black would misregister at module edges), sRGB for the screen.
COLOURS = {'print': ('device-cmyk(0 0 0 1)', 'device-cmyk(0 0 0 0)'),
           'screen': ('#000', '#fff')}


class QrTooDense(ValueError):
    """The address needs more modules than fit the printed size."""


@dataclass(frozen=True)
class QrCode:
    url: str
    size_mm: float  # printed size, quiet zone included
    modules: int  # modules across, quiet zone excluded
    version: int
    edition: str = 'print'
    title: str = ''

    @property
    def module_mm(self) -> float:
        return self.size_mm / (self.modules + 2 * QUIET_MODULES)

    @functools.cached_property
    def svg(self) -> Markup:
        """The symbol as inline SVG.  Made when a template first asks for
        it: choosing the mask pattern is most of the work of a QR code, and
        a build that finds its outputs in the cache needs none."""
        import qrcode
        from qrcode.constants import ERROR_CORRECT_M

        code = qrcode.QRCode(version=self.version,
                             error_correction=ERROR_CORRECT_M, border=0,
                             box_size=1)
        code.add_data(self.url.encode('utf-8'), optimize=0)
        code.make(fit=False)
        return Markup(_svg(code.get_matrix(), self.size_mm,
                           *COLOURS[self.edition], self.title))


def with_tracking(url: str, tracking: str | None) -> str:
    """The address the QR code holds: ``url`` in its WHATWG serialisation
    (punycode host), with tracking parameters (``a=b&c=d``) appended to its
    query.  Parsed by :mod:`flyers.urls`, as the printed address is, so both
    name the same host; ``#`` (no address yet: a draft) stays ``#``."""
    if url.strip() == '#':
        return url
    address = parse_url(url)
    if not tracking:
        return address.href
    return with_query(address, tracking)


@functools.lru_cache(maxsize=1024)
def make_qr(url: str, size_mm: float, edition: str = 'print',
            title: str = '', min_symbol_mm: float = 0) -> QrCode:
    """Encode ``url`` as a QR code that prints ``size_mm`` wide, in the
    colours of ``edition``; ``title`` is its alternative text (tagged PDF).

    The quiet zone takes a larger share of a small symbol, so a short
    address would leave the symbol itself smaller than ``min_symbol_mm``:
    the version (modules across) is raised until it is not."""
    import math

    import qrcode
    from qrcode.constants import ERROR_CORRECT_M
    from qrcode.exceptions import DataOverflowError

    version = 1
    if min_symbol_mm:
        if min_symbol_mm >= size_mm:
            raise QrTooDense(f'a {size_mm:g} mm code cannot hold a '
                             f'{min_symbol_mm:g} mm symbol and its quiet zone')
        # modules / (modules + 8) >= min / size; version v has 17 + 4v.
        needed = 2 * QUIET_MODULES * min_symbol_mm / (size_mm - min_symbol_mm)
        version = max(1, math.ceil((needed - 17) / 4))
    if version > 40:
        raise QrTooDense(f'a {size_mm:g} mm code is too small for a '
                         f'{min_symbol_mm:g} mm symbol')
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M,
                         border=0, box_size=1)
    code.add_data(url.encode('utf-8'), optimize=0)
    try:
        version = code.best_fit(start=version)  # the mask comes later
    except (ValueError, DataOverflowError):
        raise QrTooDense(f'the address is {len(url)} characters long, more '
                         'than a QR code can hold') from None
    modules = 17 + 4 * version
    module_mm = size_mm / (modules + 2 * QUIET_MODULES)
    if module_mm < MIN_MODULE_MM:
        raise QrTooDense(
            f'the address ({len(url)} characters) needs a QR code of '
            f'{modules} modules across; at {size_mm:g} mm each module '
            f'prints {module_mm:.2f} mm, and phones need at least '
            f'{MIN_MODULE_MM} mm')
    return QrCode(url, size_mm, modules, version, edition, title)


def _svg(matrix: list[list[bool]], size_mm: float, dark: str,
         light: str, title: str = '') -> str:
    """One path of unit squares, run-length merged per row."""
    side = len(matrix) + 2 * QUIET_MODULES
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f'M{start + QUIET_MODULES} {y + QUIET_MODULES}'
                            f'h{x - start}v1h-{x - start}z')
            else:
                x += 1
    return (f'<svg class="qr-code" xmlns="http://www.w3.org/2000/svg" '
            f'width="{size_mm:g}mm" height="{size_mm:g}mm" '
            f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges" '
            f'role="img">'
            + (f'<title>{escape(title)}</title>' if title else '') +
            f'<rect width="{side}" height="{side}" fill="{light}"/>'
            f'<path fill="{dark}" d="{"".join(runs)}"/></svg>')
