"""The project's own fonts: which characters they can set.

In: ``assets/fonts/*.otf|ttf``.  Out: the set of code points any of them
covers, so content with a character the brand fonts lack is refused before
WeasyPrint would quietly take it from a font of the machine.
"""

from __future__ import annotations

import functools
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
    covered: set[int] = set()
    for path in font_files(root):
        covered |= _cmap(path, path.stat().st_mtime)
    return covered
