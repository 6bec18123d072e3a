"""Preflight check ``tags`` (the screen edition): the structure tree that
screen readers follow, as PDF/UA (ISO 14289-1) asks it.

In: the opened PDF and its page frames.  Out: findings of the ``tags``
check, each saying what to change:

- the file is tagged (a structure tree);
- the headings, in the tree's order (the reading order), start with the
  title (H1) and skip no level (H2 after H1, never H3): a template must be
  written in reading order whatever its panels' order on the sheet
  (Matterhorn checkpoint 14);
- every link annotation sits in a ``Link`` element, referenced from it
  (``OBJR``), its ``/StructParent`` leading back to that element, with a
  ``/Contents`` description (7.18.5, Matterhorn 28-011 and 28-004).
"""

from __future__ import annotations

import re

from .findings import Collector, Frame, normalised

MAX_ELEMENTS = 100_000  # a tree larger than this is not ours anyway


def check_tags(pdf, frames: list[Frame], out: Collector) -> None:
    import pikepdf

    out.ran('tags')
    root = pdf.Root.get('/StructTreeRoot')
    if not isinstance(root, pikepdf.Dictionary):
        out.error('tags', 'the screen edition is not tagged (no structure '
                  'tree), so screen readers cannot follow it; build it '
                  'again as PDF/UA', limit=False)
        return
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    headings, referenced = [], {}
    seen, stack = set(), [root]
    order = []
    while stack and len(seen) < MAX_ELEMENTS:
        node = stack.pop()
        if node.objgen != (0, 0):
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        order.append(node)
        kids = node.get('/K')
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        children = []
        for kid in kids:
            if not isinstance(kid, pikepdf.Dictionary):
                continue
            if kid.get('/Type') == '/OBJR':
                target = kid.get('/Obj')
                if isinstance(target, pikepdf.Dictionary):
                    referenced.setdefault(target.objgen, node)
            else:
                children.append(kid)
        stack.extend(reversed(children))
    for node in order:
        role = str(node.get('/S', ''))
        if re.fullmatch(r'/H[1-6]', role):
            page = node.get('/Pg')
            index = pages.get(page.objgen) if isinstance(
                page, pikepdf.Dictionary) else None
            headings.append((int(role[2]), index))
    _check_headings(headings, frames, out)
    _check_links(pdf, root, referenced, frames, out)


def _check_headings(headings, frames, out: Collector) -> None:
    def where(index):
        return {'frame': frames[index]} if index is not None \
            and index < len(frames) else {}

    if headings and headings[0][0] != 1:
        level, index = headings[0]
        out.error('tags', f'the first heading read is H{level}, not the '
                  'title (H1): write the layout\'s template in reading '
                  'order, title first, and place its parts on the page '
                  'with CSS (grid-column)', **where(index))
    for (before, _), (after, index) in zip(headings, headings[1:]):
        if after > before + 1:
            out.error('tags', f'H{after} follows H{before}: a heading level '
                      f'is skipped (screen readers list headings by level); '
                      f'use h{before + 1} there, or put the part it belongs '
                      'to after its heading in the template', **where(index))


def _check_links(pdf, root, referenced, frames, out: Collector) -> None:
    import pikepdf

    parents = {}
    tree = root.get('/ParentTree')
    nums = tree.get('/Nums') if isinstance(tree, pikepdf.Dictionary) \
        else None
    if isinstance(nums, pikepdf.Array):
        for i in range(0, len(nums) - 1, 2):
            if isinstance(nums[i], int):
                parents[nums[i]] = nums[i + 1]
    for frame, page in zip(frames, pdf.pages):
        for annotation in page.obj.get('/Annots', ()) or ():
            if not isinstance(annotation, pikepdf.Dictionary) \
                    or annotation.get('/Subtype') != '/Link':
                continue
            rect = annotation.get('/Rect')
            where = {'frame': frame,
                     'box': normalised(rect) if rect is not None else None}
            element = referenced.get(annotation.objgen)
            if element is None or element.get('/S') != '/Link':
                out.error('tags', 'a link is not tagged as a Link element '
                          '(PDF/UA): make it an <a href> in the template, '
                          'with nothing inside but text or one picture',
                          **where)
                continue
            key = annotation.get('/StructParent')
            parent = parents.get(key) if isinstance(key, int) else None
            if not isinstance(parent, pikepdf.Dictionary) \
                    or parent.objgen != element.objgen:
                out.error('tags', 'a link\'s /StructParent does not lead to '
                          'its Link element; build it again', **where)
            if not str(annotation.get('/Contents', '')).strip():
                out.error('tags', 'a link has no description (/Contents); '
                          'build it again', **where)
