"""Preflight helpers: what a PDF font dictionary says about its glyphs.

In: a font dictionary (pikepdf).  Out: a :class:`Font` — whether codes are
one or two bytes, glyph widths, the scale to text space, ascent and
descent, and the text each code stands for (its ToUnicode CMap), so the
content reader can measure every glyph and quote it in messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .geometry import as_matrix


@dataclass
class Font:
    two_byte: bool
    widths: dict
    default_width: float
    scale: float  # glyph units -> text space
    ascent: float  # text space units, for a size of 1
    descent: float
    unicode: dict


def font_info(font) -> Font:
    subtype = str(font.get('/Subtype', ''))
    described = font
    if subtype == '/Type0':
        descendants = font.get('/DescendantFonts')
        described = descendants[0] if descendants else font
    descriptor = described.get('/FontDescriptor') or {}
    scale = 0.001
    if subtype == '/Type3':
        scale = float(as_matrix(font.get('/FontMatrix', (0.001, 0, 0, 0.001,
                                                       0, 0)))[0])
    widths: dict = {}
    if subtype == '/Type0':
        default = float(described.get('/DW', 1000))
        cid_widths(described.get('/W'), widths)
    else:
        default = float(descriptor.get('/MissingWidth', 0)) \
            if hasattr(descriptor, 'get') else 0.0
        first = int(font.get('/FirstChar', 0))
        for offset, width in enumerate(font.get('/Widths', ()) or ()):
            widths[first + offset] = float(width)
        if not widths and not default:
            default = 600.0  # a standard font without widths: roughly
    ascent = descent = 0.0
    if hasattr(descriptor, 'get'):
        ascent = float(descriptor.get('/Ascent', 0))
        descent = float(descriptor.get('/Descent', 0))
    bbox = (descriptor.get('/FontBBox') if hasattr(descriptor, 'get')
            else None) or font.get('/FontBBox')
    if bbox is not None and len(bbox) == 4 and not (ascent or descent):
        ascent, descent = float(bbox[3]), float(bbox[1])
    if not (ascent or descent):
        ascent, descent = 800.0, -200.0
    return Font(subtype == '/Type0', widths, default, scale,
                 ascent * abs(scale), descent * abs(scale),
                 to_unicode(font.get('/ToUnicode')))


def cid_widths(array, widths: dict) -> None:
    if array is None:
        return
    items = list(array)
    i = 0
    while i + 1 < len(items):
        first = int(items[i])
        following = items[i + 1]
        if hasattr(following, '__len__') and not isinstance(following, str):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            i += 2
        elif i + 2 < len(items):
            last, width = int(following), float(items[i + 2])
            if last - first <= 65535:
                for cid in range(first, last + 1):
                    widths[cid] = width
            i += 3
        else:
            break


_HEX = rb'<([0-9A-Fa-f\s]*)>'
_BFCHAR_RE = re.compile(rb'beginbfchar(.*?)endbfchar', re.S)
_BFRANGE_RE = re.compile(rb'beginbfrange(.*?)endbfrange', re.S)
_PAIR_RE = re.compile(_HEX + rb'\s*' + _HEX)
_RANGE_RE = re.compile(_HEX + rb'\s*' + _HEX + rb'\s*(<[0-9A-Fa-f\s]*>|'
                       rb'\[[^\]]*\])')


def _hex(data: bytes) -> bytes:
    return bytes.fromhex(re.sub(rb'\s', b'', data).decode('ascii'))


def _utf16(data: bytes) -> str:
    return data.decode('utf-16-be', errors='replace')


def to_unicode(stream) -> dict:
    """Code -> text from a ToUnicode CMap: tells spaces (which print no
    ink) from glyphs, and quotes the text in messages."""
    mapping: dict = {}
    if stream is None:
        return mapping
    try:
        data = stream.read_bytes()
    except Exception:
        return mapping
    for block in _BFCHAR_RE.findall(data):
        for source, target in _PAIR_RE.findall(block):
            mapping[int.from_bytes(_hex(source), 'big')] = _utf16(_hex(target))
    for block in _BFRANGE_RE.findall(data):
        for low, high, target in _RANGE_RE.findall(block):
            low, high = (int.from_bytes(_hex(low), 'big'),
                         int.from_bytes(_hex(high), 'big'))
            if high - low > 65535:
                continue
            if target.startswith(b'['):
                for offset, item in enumerate(re.findall(_HEX, target)):
                    mapping[low + offset] = _utf16(_hex(item))
            else:
                start = _hex(target[1:-1])
                if not start:
                    continue
                prefix, last = start[:-2], int.from_bytes(start[-2:], 'big')
                for offset in range(high - low + 1):
                    mapping[low + offset] = _utf16(
                        prefix + ((last + offset) & 0xFFFF).to_bytes(2, 'big'))
    return mapping
