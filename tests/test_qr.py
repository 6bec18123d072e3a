"""QR codes: vector, level M, quiet zone, module size, tracking."""

from __future__ import annotations

import re

import pytest

from flyers.qr import (MIN_MODULE_MM, QUIET_MODULES, QrTooDense, make_qr,
                       with_tracking)


def _decode_svg(svg: str, scale: int = 8):
    """Draw the SVG's unit squares to pixels and decode them with zxing."""
    import zxingcpp
    from PIL import Image, ImageDraw

    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg)[1])
    image = Image.new('L', (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w in re.findall(r'M(\d+) (\d+)h(\d+)v1h-\d+z', svg):
        x, y, w = int(x), int(y), int(w)
        draw.rectangle([x * scale, y * scale, (x + w) * scale - 1,
                        (y + 1) * scale - 1], fill=0)
    return side, zxingcpp.read_barcodes(image)


def test_svg_decodes_with_level_m_and_a_quiet_zone():
    url = 'https://www.liberalerna.se/vasteras/trygghet?utm_medium=print'
    code = make_qr(url, 25)
    svg = str(code.svg)
    assert svg.startswith('<svg') and 'width="25mm"' in svg
    side, found = _decode_svg(svg)
    assert [f.text for f in found] == [url]
    assert found[0].ec_level == 'M'
    assert side == code.modules + 2 * QUIET_MODULES
    # No dark module in the quiet zone.
    for x, y, w in re.findall(r'M(\d+) (\d+)h(\d+)', svg):
        assert QUIET_MODULES <= int(x) and int(x) + int(w) <= side - 4
        assert QUIET_MODULES <= int(y) < side - QUIET_MODULES


def test_module_size_is_what_prints():
    code = make_qr('https://www.liberalerna.se/vasteras', 25)
    assert code.module_mm == pytest.approx(25 / (code.modules + 8))
    assert code.module_mm >= MIN_MODULE_MM


def test_too_long_for_the_printed_size_is_refused_with_numbers():
    url = 'https://www.liberalerna.se/' + 'a' * 200
    with pytest.raises(QrTooDense) as caught:
        make_qr(url, 25)
    message = str(caught.value)
    assert re.fullmatch(r'the address \(227 characters\) needs a QR code of '
                        r'\d+ modules across; at 25 mm each module prints '
                        r'0\.\d\d mm, and phones need at least 0\.4 mm',
                        message), message
    # The same address fits a poster-sized code.
    assert make_qr(url, 62).module_mm >= MIN_MODULE_MM


def test_beyond_qr_capacity_is_refused():
    with pytest.raises(QrTooDense, match='more than a QR code can hold'):
        make_qr('https://x.se/' + 'a' * 3000, 500)


@pytest.mark.parametrize('url, tracking, expected', [
    ('https://x.se/a', 'utm_medium=print', 'https://x.se/a?utm_medium=print'),
    ('https://x.se/a?b=1', 'c=2', 'https://x.se/a?b=1&c=2'),
    ('https://x.se/a#top', 'c=2', 'https://x.se/a?c=2#top'),
    ('https://x.se/a', None, 'https://x.se/a'),
])
def test_tracking_parameters(url, tracking, expected):
    assert with_tracking(url, tracking) == expected
