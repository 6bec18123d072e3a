"""Stage 3b: font dictionaries that print shops and strict checkers accept,
fixed while WeasyPrint writes a PDF (a ``write_pdf`` finisher part).

In: WeasyPrint's PDF objects (pydyf) before they are written, and the
file's PDF version.  Out: the same objects, with every embedded font

- named by a subset tag derived from its font program (six letters of a
  SHA-256 of the program's bytes): one name means one program in every
  file of every build, so a RIP that caches fonts by name on a ganged sheet
  never takes one subset for another (WeasyPrint derives the tag from the
  font's description, so ``XXXXXX+Brand-Text`` named a different subset in
  each file);
- without ``/CIDToGIDMap`` where the descendant font is CFF-based
  (``CIDFontType0``): the PDF spec allows it only for ``CIDFontType2``;
- for files older than PDF 1.6 (PDF/X-1a says 1.4): the CFF program bare,
  made CID-keyed (CID n = glyph n, as the Identity mapping already reads
  it) and embedded as ``FontFile3 /Subtype /CIDFontType0C`` (PDF 1.3)
  instead of the OpenType wrapper (``/OpenType``, PDF 1.6);
- for files older than PDF 1.5: no ``/FontFamily``, ``/FontStretch``,
  ``/FontWeight`` in font descriptors (keys of PDF 1.5).

Everything is derived from the objects alone, so two builds of the same
input stay byte-identical.
"""

from __future__ import annotations

import functools
import hashlib
import io

TAG_LETTERS = 6


class FontProgramError(ValueError):
    """A font program that cannot be made bare CFF for an old PDF."""

# Font descriptor keys that PDF 1.5 introduced.
KEYS_OF_PDF_1_5 = ('FontFamily', 'FontStretch', 'FontWeight')


def subset_tag(program: bytes) -> str:
    """Six capital letters derived from a font program's bytes."""
    number = int.from_bytes(hashlib.sha256(program).digest()[:8], 'big')
    letters = []
    for _ in range(TAG_LETTERS):
        number, letter = divmod(number, 26)
        letters.append(chr(ord('A') + letter))
    return ''.join(letters)


@functools.lru_cache(maxsize=32)  # a subset comes back on every rebuild
def bare_cid_cff(opentype: bytes) -> bytes:
    """The CFF table of an OpenType font, CID-keyed with CID n = glyph n
    (``/Registry (Adobe) /Ordering (Identity)``), as ``CIDFontType0C``
    wants it.  A font that is CID-keyed already keeps its table."""
    from fontTools.cffLib import FDArrayIndex, FDSelect, FontDict
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(opentype), lazy=True, recalcBBoxes=False)
    if 'CFF ' not in font and 'CFF2' in font:
        from fontTools.cffLib.CFF2ToCFF import convertCFF2ToCFF

        convertCFF2ToCFF(font)
    cff = font['CFF '].cff
    top = cff.topDictIndex[0]
    if not hasattr(top, 'ROS'):
        glyphs = list(top.charset)
        fd_array = FDArrayIndex()
        fd_array.strings = None
        fd_array.GlobalSubrs = top.GlobalSubrs
        top.GlobalSubrs.fdArray = fd_array
        font_dict = FontDict()
        font_dict.Private = top.Private
        # The glyph scale stays in the top dict's FontMatrix (the font
        # dict has none): poppler 22 refuses a matrix in the font dict.
        fd_array.append(font_dict)
        top.FDArray = fd_array
        select = FDSelect()
        select.format = 3
        select.gidArray = [0] * len(glyphs)
        top.FDSelect = select
        char_strings = top.CharStrings
        if char_strings.charStringsAreIndexed:
            char_strings.charStringsIndex.fdArray = fd_array
        else:
            char_strings.fdArray = fd_array
        char_strings.fdSelect = select
        for key in ('Private', 'Encoding'):
            top.rawDict.pop(key, None)
            if hasattr(top, key):
                delattr(top, key)
        names = {name: f'cid{n:05d}' if n else '.notdef'
                 for n, name in enumerate(glyphs)}
        top.charset = [names[name] for name in glyphs]
        char_strings.charStrings = {
            names[name]: index
            for name, index in char_strings.charStrings.items()}
        top.ROS = ('Adobe', 'Identity', 0)
        top.CIDCount = len(glyphs)
    out = io.BytesIO()
    cff.compile(out, font)
    return out.getvalue()


def _program(stream) -> bytes:
    return b''.join(part if isinstance(part, bytes) else str(part).encode()
                    for part in stream.stream)


def _renamed(name, tag: str) -> str:
    """``/OLDTAG+Family`` with the new tag."""
    text = name.decode() if isinstance(name, bytes) else str(name)
    family = text.lstrip('/').split('+', 1)[-1]
    return f'/{tag}+{family}'


def variant_version(variant: str) -> str:
    """The PDF version WeasyPrint writes for ``pdf_variant``."""
    from weasyprint.pdf import VARIANTS

    return VARIANTS[variant][1].get('pdf_version') or '1.7'


def _bare(file, descriptor, pdf_version: str) -> bytes:
    try:
        return bare_cid_cff(_program(file))
    except Exception as exc:  # whatever fontTools meets in a font
        family = _renamed(descriptor.get('FontName', ''), '')[2:]
        raise FontProgramError(
            f'the font "{family}" cannot be embedded as bare CFF, as PDF '
            f'{pdf_version} needs ({type(exc).__name__}: {exc}); use another '
            'font, or print as PDF/X-4') from None


def fonts_finisher(pdf_version: str):
    """A finisher part that fixes every font dictionary (see the module's
    docstring) for a file of version ``pdf_version`` ('1.4', '1.7'...)."""
    import pydyf

    version = tuple(int(part) for part in str(pdf_version).split('.'))

    def finish(document, pdf):
        def get(reference):
            if isinstance(reference, bytes):  # b'12 0 R'
                return pdf.objects[int(reference.split()[0])]
            return reference

        tags: dict[int, str] = {}  # id(font file stream) -> tag
        for obj in list(pdf.objects):
            if not (isinstance(obj, pydyf.Dictionary)
                    and obj.get('Type') == '/Font'
                    and obj.get('Subtype') == '/Type0'):
                continue
            for reference in obj.get('DescendantFonts') or ():
                descendant = get(reference)
                descriptor = get(descendant.get('FontDescriptor'))
                if not isinstance(descriptor, dict):
                    continue
                if descendant.get('Subtype') == '/CIDFontType0':
                    descendant.pop('CIDToGIDMap', None)
                if version < (1, 5):
                    for key in KEYS_OF_PDF_1_5:
                        descriptor.pop(key, None)
                file = None
                for key in ('FontFile', 'FontFile2', 'FontFile3'):
                    if key in descriptor:
                        file = get(descriptor[key])
                if not isinstance(file, pydyf.Stream):
                    continue
                if id(file) not in tags:
                    if (version < (1, 6)
                            and file.extra.get('Subtype') == '/OpenType'):
                        file.stream = [_bare(file, descriptor, pdf_version)]
                        file.extra['Subtype'] = '/CIDFontType0C'
                    tags[id(file)] = subset_tag(_program(file))
                tag = tags[id(file)]
                for named, key in ((obj, 'BaseFont'),
                                   (descendant, 'BaseFont'),
                                   (descriptor, 'FontName')):
                    if key in named:
                        named[key] = _renamed(named[key], tag)

    return finish
