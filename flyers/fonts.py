"""The project's own fonts: which characters they can set.

In: the font files of a brand (``brands/NAME/``, as its brand.yaml names
them) and any @font-face of the layouts' stylesheets.  Out: the set of
code points all of them cover, so content with a character its brand's
fonts lack is refused before WeasyPrint would quietly take it from a font
of the machine; and the PostScript names of every brand's fonts, which the
preflight expects to find embedded.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from .errors import LayoutError, Problem
from .inputs import read_input, real_inside

FONT_SUFFIXES = ('.otf', '.ttf')


def font_files(root: Path) -> list[Path]:
    """The font files of every brand (``brands/*/``): regular files whose
    real path is in the project (a link out of it is never opened; the
    fetcher refuses it when a stylesheet asks for it)."""
    folder = root / 'brands'
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob('*')
                  if p.suffix.lower() in FONT_SUFFIXES
                  and real_inside(root, p) and p.is_file())


@functools.cache
def _cmap(path: Path, mtime: float) -> frozenset[int]:
    import io

    from fontTools.ttLib import TTFont

    # read_input: a regular file of sane size, never a pipe or a huge one.
    with TTFont(io.BytesIO(read_input(path)), lazy=True) as font:
        return frozenset(font.getBestCmap() or ())


def font_coverage(root: Path, layouts, brand) -> set[int]:
    """Characters that the brand's fonts set in every weight: those every
    text and display face has, and those every face of one of its fallback
    families has (a character missing from one weight would fall back to a
    machine font in that weight, so only what all of a family's faces
    cover is safe); less what a font of the layouts' own @font-face rules
    lacks.  Another brand's fonts limit nothing."""
    groups = brand.font_groups()
    primary = [root / brand.path / face.file
               for faces in groups[:len(groups) - len(brand.fonts.fallback)]
               for face in faces]
    covered = _common(root, primary)
    for family in brand.fonts.fallback:
        covered |= _common(root, [root / brand.path / face.file
                                  for face in family.faces])
    layout_files: set[Path] = set()
    for layout in layouts:
        layout_files |= used_font_files(root, layout)
    if layout_files:
        covered &= _common(root, sorted(layout_files))
    return covered


def _common(root: Path, files) -> set[int]:
    """The characters all of ``files`` (in the project) have."""
    paths = sorted({path.resolve() for path in files
                    if real_inside(root, path)})
    covered: set[int] | None = None
    for path in paths:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
        try:
            cmap = _cmap(path, path.stat().st_mtime)
        except OSError as exc:
            raise LayoutError(Problem(shown, (
                f'cannot be read: {exc.strerror or exc}'))) from None
        except Exception as exc:  # fontTools raises many kinds on bad bytes
            raise LayoutError(Problem(shown, (
                f'this font file cannot be read ({type(exc).__name__}); '
                'replace it with the .otf or .ttf file from the font\'s '
                'publisher'))) from None
        covered = set(cmap) if covered is None else covered & cmap
    return covered or set()


# Scripts by the first word of a character's Unicode name, for messages.
_SCRIPT_WORDS = {'ARABIC': 'Arabic', 'HEBREW': 'Hebrew', 'SYRIAC': 'Syriac',
                 'THAANA': 'Thaana', 'NKO': "N'Ko", 'CYRILLIC': 'Cyrillic',
                 'GREEK': 'Greek', 'ARMENIAN': 'Armenian',
                 'GEORGIAN': 'Georgian', 'ETHIOPIC': 'Ethiopic (Amharic, '
                 'Tigrinya)', 'DEVANAGARI': 'Devanagari', 'BENGALI': 'Bengali',
                 'GURMUKHI': 'Gurmukhi', 'GUJARATI': 'Gujarati',
                 'TAMIL': 'Tamil', 'TELUGU': 'Telugu', 'KANNADA': 'Kannada',
                 'MALAYALAM': 'Malayalam', 'SINHALA': 'Sinhala', 'THAI': 'Thai',
                 'LAO': 'Lao', 'TIBETAN': 'Tibetan', 'MYANMAR': 'Myanmar',
                 'KHMER': 'Khmer', 'HANGUL': 'Korean (Hangul)',
                 'HIRAGANA': 'Japanese (Hiragana)',
                 'KATAKANA': 'Japanese (Katakana)', 'CJK': 'Chinese/Japanese '
                 '(CJK)', 'LATIN': 'Latin', 'MONGOLIAN': 'Mongolian',
                 'CHEROKEE': 'Cherokee', 'TIFINAGH': 'Tifinagh (Berber)'}
_LANGUAGES = {'Arabic': 'Arabic, Persian, Sorani, Urdu',
              'Hebrew': 'Hebrew, Yiddish', 'Cyrillic': 'Russian, Ukrainian…'}


def script_name(char: str) -> str | None:
    """The script of ``char`` for a message ("Arabic"), or None for a
    symbol, emoji or character of no script."""
    import unicodedata

    name = unicodedata.name(char, '')
    script = _SCRIPT_WORDS.get(name.split(' ')[0]) if name else None
    if script is None and name.startswith(('MODIFIER LETTER', 'COMBINING')):
        return None
    return script


def scripts_described(chars) -> str:
    """``Arabic script (Arabic, Persian, Sorani, Urdu)`` for the scripts
    of ``chars``; '' when none of them belongs to a script (symbols)."""
    scripts = sorted({s for s in map(script_name, chars) if s})
    return ', '.join(f'{s} script ({_LANGUAGES[s]})' if s in _LANGUAGES
                     else f'{s} script' for s in scripts)


def layout_stylesheets(root: Path, layout) -> list[Path]:
    """The stylesheets a layout's pages link: the shared one (which the
    base template links), the layout's own, and what they @import.  (The
    brand's sheet is made from brand.yaml: see :mod:`flyers.brands`.)"""
    first = [root / 'layouts' / '_base' / 'common.css']
    first += [layout.folder / name for name in layout.stylesheets]
    sheets: list[Path] = []
    for path in first:
        _with_imports(path.resolve(), root.resolve(), sheets)
    return sheets


def _with_imports(path: Path, root: Path, sheets: list[Path]) -> None:
    if path in sheets or not path.is_relative_to(root) or not path.is_file():
        return
    sheets.append(path)
    for rule in css_rules(path, path.stat().st_mtime):
        if rule.type == 'at-rule' and rule.lower_at_keyword == 'import':
            target = _first_url(rule.prelude, strings=True)
            if target:
                _with_imports((path.parent / target).resolve(), root, sheets)


def used_font_files(root: Path, layout) -> set[Path]:
    """The font files of the @font-face rules, in the layout's stylesheets,
    of the families its stylesheets name (in font-family, font, or a custom
    property such as --brand-font-text)."""
    import tinycss2

    faces: dict[str, set[Path]] = {}
    named: set[str] = set()
    for path in layout_stylesheets(root, layout):
        for rule in css_rules(path, path.stat().st_mtime):
            for _, declaration in _declarations(rule):
                name = declaration.lower_name
                if name in ('font-family', 'font') or name.startswith('--'):
                    named |= _families(declaration.value)
            if rule.type == 'at-rule' and rule.lower_at_keyword == 'font-face':
                family, sources = set(), set()
                for declaration in tinycss2.parse_blocks_contents(
                        rule.content or [], skip_comments=True,
                        skip_whitespace=True):
                    if declaration.type != 'declaration':
                        continue
                    if declaration.lower_name == 'font-family':
                        family = _families(declaration.value)
                    elif declaration.lower_name == 'src':
                        for url in _urls(declaration.value):
                            target = (path.parent / url).resolve()
                            if (target.is_relative_to(root.resolve())
                                    and target.is_file()):
                                sources.add(target)
                for name in family:
                    faces.setdefault(name, set()).update(sources)
    return {file for name in named & faces.keys() for file in faces[name]}


def css_text(path: Path) -> str:
    """A stylesheet's text: a regular file only (a pipe would never end),
    else a layout error naming it."""
    try:
        return read_input(path).decode('utf-8', 'replace')
    except OSError as exc:
        raise LayoutError(Problem(project_name(path), (
            f'cannot be read: {exc.strerror or exc}'))) from None


def project_name(path: Path) -> str:
    """``layouts/…``, ``brands/…`` or ``assets/…`` for messages, else the
    name."""
    parts = path.parts
    for top in ('layouts', 'brands', 'assets'):
        if top in parts:
            index = len(parts) - 1 - parts[::-1].index(top)
            return '/'.join(parts[index:])
    return path.name


@functools.cache
def css_rules(path: Path, mtime: float) -> tuple:
    """The rules of a stylesheet, parsed once per version of the file."""
    import tinycss2

    return tuple(tinycss2.parse_stylesheet(
        css_text(path), skip_comments=True,
        skip_whitespace=True))


def _declarations(rule, at_rule=None):
    """(the enclosing at-rule's keyword, declaration) of a rule and the
    rules nested in @media, @supports and @layer."""
    import tinycss2

    if rule.type == 'qualified-rule':
        for item in tinycss2.parse_blocks_contents(
                rule.content, skip_comments=True, skip_whitespace=True):
            if item.type == 'declaration':
                yield at_rule, item
    elif rule.type == 'at-rule' and rule.content is not None:
        keyword = rule.lower_at_keyword
        if keyword in ('media', 'supports', 'layer'):
            for inner in tinycss2.parse_rule_list(
                    rule.content, skip_comments=True, skip_whitespace=True):
                yield from _declarations(inner, at_rule)
        elif keyword != 'font-face':
            for item in tinycss2.parse_blocks_contents(
                    rule.content, skip_comments=True, skip_whitespace=True):
                if item.type == 'declaration':
                    yield keyword, item


def _families(tokens) -> set[str]:
    """Family names in a font-family-like value, lower-cased: strings, and
    runs of identifiers (``Brand Text``)."""
    found, words = set(), []
    for token in list(tokens) + [None]:
        if token is not None and token.type == 'ident':
            words.append(token.value)
            continue
        if token is not None and token.type == 'whitespace':
            continue
        if words:
            found.add(' '.join(words).lower())
            words = []
        if token is not None and token.type == 'string':
            found.add(token.value.strip().lower())
    return found


def _urls(tokens) -> list[str]:
    from urllib.parse import unquote

    found = []
    for token in tokens:
        if token.type == 'url':
            found.append(unquote(token.value.strip()))
        elif token.type == 'function' and token.lower_name == 'url':
            found += [unquote(t.value.strip()) for t in token.arguments
                      if t.type == 'string']
    return [url for url in found if ':' not in url.split('/')[0]]


def _first_url(tokens, strings=False) -> str | None:
    urls = _urls(tokens)
    if urls:
        return urls[0]
    if strings:
        for token in tokens:
            if token.type == 'string':
                return token.value
    return None


_FACE_RE = re.compile(r'@font-face\s*\{[^}]*?font-family\s*:\s*(["\']?)'
                      r'([^;"\'}]+)\1', re.S)


def declared_families(stylesheets) -> set[str]:
    """Font families declared with @font-face in the given CSS files."""
    families = set()
    for path in stylesheets:
        if path.suffix == '.css':
            text = css_text(path)
            families |= {m[2].strip() for m in _FACE_RE.finditer(text)}
    return families


_FACE_BLOCK_RE = re.compile(r'@font-face\s*\{([^}]*)\}', re.S)
_URL_RE = re.compile(r'url\(\s*(["\']?)([^"\')]+)\1\s*\)')


def font_face_files(stylesheets) -> set[Path]:
    """The font files that @font-face rules of the given CSS files point
    to.  WeasyPrint fetches a font once per process and then reuses it, so
    what a document fetched does not show every font it may use: this
    does."""
    from urllib.parse import unquote

    found = set()
    for path in stylesheets:
        if path.suffix != '.css':
            continue
        text = css_text(path)
        for block in _FACE_BLOCK_RE.finditer(text):
            for url in _URL_RE.finditer(block[1]):
                target = unquote(url[2].strip())
                if ':' in target.split('/')[0]:
                    continue  # not a relative path: the fetcher refuses it
                candidate = (path.parent / target).resolve()
                if candidate.is_file():
                    found.add(candidate)
    return found


@functools.cache
def _postscript_name(path: Path, mtime: float) -> str | None:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return font['name'].getDebugName(6)


def postscript_names(root: Path) -> frozenset[str]:
    """The PostScript names (name table, nameID 6) of the project's fonts:
    what the preflight expects to find embedded.  Read once per font file
    (and again only if it changes), not once per output."""
    names = (_postscript_name(path, path.stat().st_mtime)
             for path in font_files(root))
    return frozenset(name for name in names if name)
