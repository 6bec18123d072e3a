"""Balanced columns, decided before layout (a helper for templates).

WeasyPrint's CSS multi-column balancing can push the last lines of short
content into an extra column beyond the page edge, so layouts do not use
``column-count`` for content whose length varies.  Instead a template asks
:func:`balance` to split a run of content blocks into N columns of about
equal length, at paragraph (or question) boundaries and in reading order,
and renders each column itself.

In: the campaign and the names of the blocks to flow (``intro``,
``sections``, ``faq``, ``further_reading``).  Out: a list of columns, each a list of
:class:`Piece` — a block, or the part of one that falls in that column.
Weights are estimated from the text (characters, plus a share for each
paragraph end and heading), which is all that balancing needs: both columns
have the same width, so the same estimate holds for both.
"""

from __future__ import annotations

from dataclasses import dataclass

from .content import Campaign

PARAGRAPH_END = 45  # about half a line of a narrow column, and the gap
HEADING = 110  # a two-line heading and its space
BOX = 90  # the FAQ box's padding above and below its text
# Keeping the FAQ box whole may leave columns this far (a share of a
# column's weight) out of balance before it is continued in the next one.
FAQ_SPLIT_AT = 0.3


@dataclass(frozen=True)
class Piece:
    """Items ``items`` of block ``kind`` (number ``index`` for sections);
    ``first`` when the piece starts the block (it carries the heading)."""

    kind: str
    index: int
    items: tuple[int, ...]
    first: bool


def _units(campaign: Campaign, blocks: list[str], skip_sections: int):
    """(kind, index, item, weight) in reading order; item -1 is a header."""
    for name in blocks:
        if name == 'intro':
            for item, paragraph in enumerate(campaign.intro):
                # Intro text is set larger: count it so.
                yield 'intro', 0, item, int(len(paragraph) * 1.3) + PARAGRAPH_END
        elif name == 'sections':
            for index, section in enumerate(campaign.sections):
                if index < skip_sections:
                    continue
                for item, paragraph in enumerate(section.paragraphs):
                    weight = len(paragraph) + PARAGRAPH_END
                    if item == 0:
                        weight += HEADING + len(section.heading)
                    yield 'sections', index, item, weight
        elif name == 'faq' and campaign.faq:
            for item, question in enumerate(campaign.faq.items):
                # The question is a line (or two) of its own, in bold.
                weight = (int(len(question.question) * 1.2)
                          + len(question.answer) + 3 * PARAGRAPH_END)
                if item == 0:
                    weight += (HEADING + BOX
                               + len(campaign.faq.heading or ''))
                yield 'faq', 0, item, weight
        elif name == 'further_reading' and campaign.further_reading:
            reading = campaign.further_reading
            # Short and a list: kept in one piece.
            weight = HEADING + len(reading.intro or '') + sum(
                len(link.text) + PARAGRAPH_END for link in reading.links)
            yield 'further_reading', 0, 0, weight


def balance(campaign: Campaign, blocks: list[str], count: int = 2,
            skip_sections: int = 0, min_weight: int = 0
            ) -> list[list[Piece]]:
    """Split the blocks into ``count`` columns of about equal weight; into
    fewer when there is less than ``min_weight`` for each (short content
    set in one column fills more of the page than two short ones).

    A box with a background (the FAQ) is kept whole while the columns can
    still be balanced around it; only when it is too large for that (more
    than :data:`FAQ_SPLIT_AT` of a column's share out of balance) does it
    continue in the next column, between two questions, each part in a
    box of its own (``continued``), never a background cut by the column's
    end.  A cut falls only between paragraphs, so a heading stays with the
    paragraph after it and no column starts or ends with a lone line of a
    paragraph."""
    units = list(_units(campaign, blocks, skip_sections))
    if min_weight:
        total = sum(u[3] for u in units)
        count = max(1, min(count, int(total // min_weight)))
    columns: list[list[tuple]] = []
    remaining = units
    for left in range(count, 0, -1):
        if left == 1:
            columns.append(remaining)
            break
        total = sum(u[3] for u in remaining)
        target = total / left
        best, best_cost, running = 0, None, 0
        split, split_cost = 0, None  # the best cut inside the FAQ too
        for cut in range(len(remaining) + 1):
            cost = abs(running - target)
            if (best_cost is None or cost < best_cost) and _may_cut(
                    remaining, cut):
                best, best_cost = cut, cost
            if split_cost is None or cost < split_cost:
                split, split_cost = cut, cost
            if cut < len(remaining):
                running += remaining[cut][3]
        if best_cost is not None and best_cost > FAQ_SPLIT_AT * target:
            best = split
        columns.append(remaining[:best])
        remaining = remaining[best:]
    return [_pieces(column) for column in columns]


def _may_cut(units: list[tuple], cut: int) -> bool:
    """Whether a column may end before ``units[cut]``: not inside the FAQ
    box."""
    return not (0 < cut < len(units) and units[cut][0] == 'faq'
                and units[cut - 1][0] == 'faq')


def _pieces(units: list[tuple]) -> list[Piece]:
    pieces: list[Piece] = []
    for kind, index, item, _ in units:
        last = pieces[-1] if pieces else None
        if last and last.kind == kind and last.index == index:
            pieces[-1] = Piece(kind, index, last.items + (item,), last.first)
        else:
            pieces.append(Piece(kind, index, (item,), item == 0))
    return pieces
