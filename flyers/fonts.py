"""The project's own fonts: which characters they can set.

In: ``assets/fonts/*.otf|ttf``.  Out: the set of code points any of them
covers, so content with a character the brand fonts lack is refused before
WeasyPrint would quietly take it from a font of the machine.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

FONT_SUFFIXES = ('.otf', '.ttf')


def font_files(root: Path) -> list[Path]:
    folder = root / 'assets' / 'fonts'
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in FONT_SUFFIXES) if folder.is_dir() else []


@functools.cache
def _cmap(path: Path, mtime: float) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap() or ())


def font_coverage(root: Path) -> set[int]:
    """Characters that every one of the project's fonts has: a character
    missing from one weight would fall back to a machine font in that
    weight, so only what all of them cover is safe."""
    covered: set[int] | None = None
    for path in font_files(root):
        cmap = _cmap(path, path.stat().st_mtime)
        covered = set(cmap) if covered is None else covered & cmap
    return covered or set()


_FACE_RE = re.compile(r'@font-face\s*\{[^}]*?font-family\s*:\s*(["\']?)'
                      r'([^;"\'}]+)\1', re.S)


def declared_families(stylesheets) -> set[str]:
    """Font families declared with @font-face in the given CSS files."""
    families = set()
    for path in stylesheets:
        if path.suffix == '.css':
            text = path.read_text('utf-8', errors='replace')
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
        text = path.read_text('utf-8', errors='replace')
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
