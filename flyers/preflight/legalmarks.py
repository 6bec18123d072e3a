"""Preflight, the legal marks: is each one's text on the page, inside the
safe zone?

In: the :class:`~flyers.preflight.content.Drawn` pages and the marks the
output must carry (``Expectations.marks``: the imprint, the tryckort of a
print edition, the label of political advertising; docs/legal-marks.md).
Out: ``legal-marks`` findings — a mark whose words are not drawn (hidden by
a stylesheet, left out of a template, cut off), drawn closer to the trim
than the print shop's safe zone (where the trimming knife may take it), or
a label of political advertising set smaller than :data:`LABEL_MIN_PT`.

The text is read from the glyphs the content streams draw, in drawing
order, without white space.  Right-to-left words (Arabic) are drawn in
visual order, so a mark that is not found whole is looked for word by
word, each word as written or reversed.
"""

from __future__ import annotations

import re
import unicodedata

from .drawchecks import snippet
from .findings import PT_PER_MM, Collector, Expectations
from .geometry import SIZE_TOLERANCE_PT

# The label of political advertising must be "clear, salient and
# unambiguous" (Regulation (EU) 2024/900, Article 11(1)); neither it nor
# Implementing Regulation (EU) 2025/1410 names a size for print, so: no
# smaller than the smallest light-on-dark text a print shop takes
# (printshops/*.yaml, min_reversed_text_pt), well above the 6 pt floor of
# any text (docs/legal-marks.md).
LABEL_MIN_PT = 7.0
LABEL = 'political-ad label'

# Between a mark's words: white space and the punctuation typesetting may
# change (quotes, dashes) or a label puts between its parts.
_WORD_RE = re.compile(r'[^\s:·,،()\[\]«»"”“„\'’‘–—]+')
_LETTER_RE = re.compile(r'\w')


def _plain(text: str) -> str:
    text = unicodedata.normalize('NFKC', text)
    return ''.join(c for c in text if not c.isspace()
                   and c not in '\u00ad\u2010\u200b\u200e\u200f')


def words(text: str) -> list[str]:
    """The words of a mark that must be found, normalised."""
    return [w for w in (_plain(m) for m in _WORD_RE.findall(text))
            if _LETTER_RE.search(w)]


def _runs(drawn):
    """(the page's text, normalised, and for each of its characters the
    glyph run it came from)."""
    text, owner = [], []
    for index, glyphs in enumerate(drawn.glyphs):
        plain = _plain(glyphs.text)
        text.append(plain)
        owner += [index] * len(plain)
    return ''.join(text), owner


def _find(mark: str, text: str) -> list[tuple[int, int]] | None:
    """The spans of ``text`` that draw ``mark``: the whole mark in one
    span, or each of its words (as written or reversed); None when a word
    is not there."""
    whole = _plain(mark)
    at = text.find(whole)
    if whole and at >= 0:
        return [(at, at + len(whole))]
    spans = []
    for word in words(mark):
        at = text.find(word)
        if at < 0:
            at = text.find(word[::-1])
        if at < 0:
            return None
        spans.append((at, at + len(word)))
    return spans


def check_marks(pages: list, expect: Expectations, out: Collector) -> None:
    """Each mark of ``expect.marks`` drawn on some page, all of it inside
    the safe zone."""
    out.ran('legal-marks')
    pages = [(drawn, *_runs(drawn)) for drawn in pages]
    safe = expect.safe_mm * PT_PER_MM
    tolerance = 0.05 * PT_PER_MM
    for name, mark in expect.marks:
        found = None
        for drawn, text, owner in pages:
            spans = _find(mark, text)
            if spans is not None:
                found = (drawn, {owner[i] for start, end in spans
                                 for i in range(start, end)})
                break
        if found is None:
            out.error('legal-marks', (
                f'the {name} "{snippet(mark, 60)}" is not on any page; '
                'every output must carry it: make sure the layout prints it '
                'and no stylesheet hides it (display, visibility, colour, '
                'size)'))
            continue
        drawn, runs = found
        frame = drawn.frame
        if name == LABEL:
            small = [drawn.glyphs[i] for i in sorted(runs)
                     if drawn.glyphs[i].size < LABEL_MIN_PT - SIZE_TOLERANCE_PT]
            if small:
                out.error('legal-marks', (
                    f'the {name} "{snippet(mark, 60)}" is set in '
                    f'{small[0].size:.1f} pt; it must be clear and salient: '
                    f'at least {LABEL_MIN_PT:g} pt (docs/legal-marks.md); '
                    'make it larger in the layout\'s CSS'),
                    frame=frame, box=small[0].box)
        tx0, ty0, tx1, ty1 = frame.trim
        for index in sorted(runs):
            x0, y0, x1, y1 = drawn.glyphs[index].box
            gaps = {'left': x0 - tx0, 'right': tx1 - x1,
                    'bottom': y0 - ty0, 'top': ty1 - y1}
            side, gap = min(gaps.items(), key=lambda kv: kv[1])
            if gap < safe - tolerance:
                where = (f'runs over the {side} trim edge' if gap < 0 else
                         f'is {gap / PT_PER_MM:.1f} mm from the {side} '
                         'trim edge')
                out.error('legal-marks', (
                    f'the {name} "{snippet(mark, 60)}" {where}, inside the '
                    f'{expect.safe_mm:g} mm safe zone, where trimming may '
                    'cut it; move it inward in the layout\'s CSS'),
                    frame=frame, box=drawn.glyphs[index].box)
                break
