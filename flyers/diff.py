"""What changed between two builds: text per content field, pixels per page.

In: two :class:`~flyers.builds.Build` s (old and new).  Out: one
:class:`OutputChange` per output of either — unchanged (identical PDF
bytes: nothing is rendered), changed, added or removed.  For a changed
output: the words removed and added in each content field (from the
manifests' ``texts``; for builds made before they were recorded, the text
PDFium reads from each page), and every page rendered by PDFium at the
proofs' resolution (:data:`flyers.proofs.PREVIEW_DPI`), compared pixel by
pixel, with the changed regions as boxes and a picture of them.  Writing
the report is :mod:`flyers.diffreport`'s.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass, field

from .proofs import POINTS_PER_INCH, PREVIEW_DPI

# A channel must differ by more than this (of 255) to count as changed:
# the same PDF renders to the same pixels, so this only ignores noise.
THRESHOLD = 8
CELL = 8  # pixels: changes closer than about two cells form one region
MARGIN = 3  # pixels between a changed region and its box
BOX_COLOUR = (230, 0, 30)  # the boxes (no faded page pixel has green 0)
TINT = (255, 0, 0)  # changed pixels, tinted


@dataclass
class FieldChange:
    field: str
    removed: list[str]
    added: list[str]
    # The words in order, each run tagged 'same', 'removed' or 'added'.
    runs: list[tuple[str, str]]


@dataclass
class PageChange:
    page: int  # 1-based
    status: str  # changed, same, added, removed
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)
    size_changed: bool = False
    old_png: bytes | None = None
    new_png: bytes | None = None
    marked_png: bytes | None = None  # the new page, changes boxed


@dataclass
class OutputChange:
    path: str
    status: str  # unchanged, changed, added, removed
    fields: list[FieldChange] = field(default_factory=list)
    pages: list[PageChange] = field(default_factory=list)
    # How the text was compared: 'fields' (the manifests' texts) or
    # 'pages' (PDFium's text of each page; a build made before the
    # manifest recorded texts).
    text_source: str = 'fields'
    page_count: int = 0

    @property
    def changed(self) -> bool:
        return self.status != 'unchanged'


def compare(old, new, render=None) -> list[OutputChange]:
    """Every output of ``old`` and ``new`` (flyers.builds.Build), in path
    order."""
    render = render or render_pages
    changes = []
    for path in sorted(set(old.outputs) | set(new.outputs)):
        before, after = old.outputs.get(path), new.outputs.get(path)
        if before is None:
            changes.append(OutputChange(path, 'added', page_count=_pages(
                after)))
        elif after is None:
            changes.append(OutputChange(path, 'removed', page_count=_pages(
                before)))
        elif before.sha256 == after.sha256:
            changes.append(OutputChange(path, 'unchanged',
                                        page_count=_pages(after)))
        else:
            changes.append(_changed(path, before, after, render))
    return changes


def _pages(output) -> int:
    pages = output.entry.get('pages')
    return pages if isinstance(pages, int) else 0


def _changed(path, before, after, render) -> OutputChange:
    old_pdf, new_pdf = before.read(), after.read()
    old_images, new_images = render(old_pdf), render(new_pdf)
    change = OutputChange(path, 'changed', page_count=len(new_images))
    if before.texts is not None and after.texts is not None:
        old_texts, new_texts = before.texts, after.texts
    else:
        change.text_source = 'pages'
        old_texts, new_texts = page_texts(old_pdf), page_texts(new_pdf)
    change.fields = text_changes(old_texts, new_texts)
    change.pages = page_changes(old_images, new_images)
    return change


# --- text -------------------------------------------------------------------

def text_changes(old: dict[str, str], new: dict[str, str]
                 ) -> list[FieldChange]:
    """The fields whose words differ, in the order they are printed."""
    order = list(new) + [name for name in old if name not in new]
    changes = []
    for name in order:
        before, after = old.get(name, '').split(), new.get(name, '').split()
        if before == after:
            continue
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        removed, added, runs = [], [], []
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag == 'equal':
                runs.append(('same', ' '.join(before[a0:a1])))
                continue
            if a1 > a0:
                removed += before[a0:a1]
                runs.append(('removed', ' '.join(before[a0:a1])))
            if b1 > b0:
                added += after[b0:b1]
                runs.append(('added', ' '.join(after[b0:b1])))
        changes.append(FieldChange(name, removed, added, runs))
    return changes


def page_texts(pdf: bytes) -> dict[str, str]:
    """``{"page N": text}`` as PDFium reads it (for builds whose manifest
    has no texts)."""
    import pypdfium2

    from .fieldtext import clean

    document = pypdfium2.PdfDocument(pdf)
    try:
        texts = {}
        for index, page in enumerate(document):
            text = page.get_textpage().get_text_bounded()
            texts[f'page {index + 1}'] = clean(text.replace('\x02', '-'))
        return texts
    finally:
        document.close()


# --- pixels -----------------------------------------------------------------

def render_pages(pdf: bytes, dpi: int = PREVIEW_DPI) -> list:
    """Every page as an RGB picture, rendered by PDFium at the proofs'
    resolution."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / POINTS_PER_INCH).to_pil()
                .convert('RGB') for page in document]
    finally:
        document.close()


def page_changes(old_images: list, new_images: list) -> list[PageChange]:
    changes = []
    for index in range(max(len(old_images), len(new_images))):
        before = old_images[index] if index < len(old_images) else None
        after = new_images[index] if index < len(new_images) else None
        page = PageChange(index + 1, 'changed')
        if before is None or after is None:
            page.status = 'added' if before is None else 'removed'
        elif before.size != after.size:
            page.size_changed = True
            page.boxes = [(0, 0, after.width, after.height)]
        else:
            page.boxes = changed_regions(before, after)
            if not page.boxes:
                page.status = 'same'
        if before is not None:
            page.old_png = _png(before)
        if after is not None:
            page.new_png = _png(after)
            if page.status == 'changed':
                page.marked_png = _png(marked(before, after, page.boxes))
        changes.append(page)
    return changes


def difference_mask(before, after):
    """A black and white picture: white where a channel differs by more
    than :data:`THRESHOLD`."""
    from PIL import ImageChops

    red, green, blue = ImageChops.difference(before, after).split()
    strongest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return strongest.point(lambda v: 255 if v > THRESHOLD else 0)


def changed_regions(before, after) -> list[tuple[int, int, int, int]]:
    """The boxes (x0, y0, x1, y1 in pixels, x1 and y1 excluded) around the
    groups of changed pixels: neighbouring changes (within about two cells
    of :data:`CELL` pixels) form one region."""
    from PIL import ImageFilter

    mask = difference_mask(before, after)
    if mask.getbbox() is None:
        return []
    columns = -(-mask.width // CELL)
    rows = -(-mask.height // CELL)
    padded = mask.crop((0, 0, columns * CELL, rows * CELL))
    cells = padded.reduce(CELL).point(lambda v: 255 if v else 0)
    near = cells.filter(ImageFilter.MaxFilter(5))  # join close changes
    changed = cells.load()
    joined = near.load()
    seen = bytearray(columns * rows)
    boxes = []
    for row in range(rows):
        for column in range(columns):
            if not changed[column, row] or seen[row * columns + column]:
                continue
            # One region: every joined cell reachable from this one.
            stack, cells_of = [(column, row)], []
            seen[row * columns + column] = 1
            while stack:
                x, y = stack.pop()
                cells_of.append((x, y))
                for dx in (-1, 0, 1):
                    for dy in (-1, 0, 1):
                        nx, ny = x + dx, y + dy
                        if 0 <= nx < columns and 0 <= ny < rows \
                                and not seen[ny * columns + nx] \
                                and joined[nx, ny]:
                            seen[ny * columns + nx] = 1
                            stack.append((nx, ny))
            xs = [x for x, y in cells_of if changed[x, y]]
            ys = [y for x, y in cells_of if changed[x, y]]
            area = (min(xs) * CELL, min(ys) * CELL,
                    min((max(xs) + 1) * CELL, mask.width),
                    min((max(ys) + 1) * CELL, mask.height))
            tight = mask.crop(area).getbbox()
            if tight:
                boxes.append((area[0] + tight[0], area[1] + tight[1],
                              area[0] + tight[2], area[1] + tight[3]))
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def marked(before, after, boxes):
    """The new page faded, its changed pixels tinted red, each changed
    region boxed in :data:`BOX_COLOUR`."""
    from PIL import Image, ImageDraw

    faded = Image.blend(after, Image.new('RGB', after.size, 'white'), 0.6)
    if before is not None and before.size == after.size:
        tint = Image.new('RGB', after.size, TINT)
        faded.paste(tint, mask=difference_mask(before, after).point(
            lambda v: 110 if v else 0))
    draw = ImageDraw.Draw(faded)
    for x0, y0, x1, y1 in boxes:
        draw.rectangle((max(x0 - MARGIN, 0), max(y0 - MARGIN, 0),
                        min(x1 - 1 + MARGIN, after.width - 1),
                        min(y1 - 1 + MARGIN, after.height - 1)),
                       outline=BOX_COLOUR, width=2)
    return faded


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, 'PNG', compress_level=6)
    return buffer.getvalue()


def summary(change: OutputChange) -> str:
    """One line: what happened to an output."""
    if change.status in ('unchanged', 'added', 'removed'):
        pages = (f' ({change.page_count} page'
                 f'{"s" if change.page_count != 1 else ""})'
                 if change.status != 'unchanged' and change.page_count
                 else '')
        return _one_line(f'{change.status:9}  {change.path}{pages}')
    return _one_line(f'{"changed":9}  {change.path}: {detail(change)}')


def detail(change: OutputChange, words: int = 4) -> str:
    """What changed in a changed output, in a few words."""
    parts = []
    if change.fields:
        shown = []
        for item in change.fields[:3]:
            edits = ([f'-{w}' for w in item.removed[:words]]
                     + [f'+{w}' for w in item.added[:words]])
            more = (len(item.removed) + len(item.added)
                    - len(edits))
            shown.append(f'{item.field}: {" ".join(edits)}'
                         + (f' (+{more} more)' if more > 0 else ''))
        if len(change.fields) > 3:
            shown.append(f'{len(change.fields) - 3} more fields')
        parts.append('text ' + '; '.join(shown))
    else:
        parts.append('no text change')
    for page in change.pages:
        if page.status == 'same':
            continue
        if page.status in ('added', 'removed'):
            parts.append(f'page {page.page} {page.status}')
        elif page.size_changed:
            parts.append(f'page {page.page} changed size')
        else:
            count = len(page.boxes)
            parts.append(f'page {page.page}: {count} region'
                         f'{"s" if count != 1 else ""} changed')
    if all(page.status == 'same' for page in change.pages):
        parts.append('no visible change at proof resolution (the PDF bytes '
                     'differ)')
    return _one_line(', '.join(parts))


def _one_line(text: str) -> str:
    return ''.join(c if c.isprintable() else f'\\u{ord(c):04X}'
                   for c in text)
