"""Stage 3c: the screen edition's links, made what PDF/UA asks, after
WeasyPrint has written them.

In: the PDF bytes of a screen edition (``pdf/ua-1``, tagged).  Out: the same
document with one link annotation per link, each inside a ``Link``
structure element; the bytes unchanged when the document has no links.

The templates make the QR code, the printed address and the further-reading
links ``<a href>`` in the screen edition only (``parts.link``).  WeasyPrint
70 writes each as a ``/Link`` annotation with its ``/URI``, ``/Contents``
(the address: its alternative description) and ``/StructParent``, and tags
it as a ``Link`` element holding an object reference (``OBJR``) to it.  But
it also passes the link on to every box inside the ``<a>`` that is not text
(the QR code's SVG, a ``<span>`` of the typography): each gets a second
annotation over its own area, referenced from its own element (a
``Figure``, a ``Span``).  PDF/UA (ISO 14289-1 7.18.5, Matterhorn 28-011)
wants every link annotation in a ``Link`` element, and a reader would
announce the link twice: those copies, found by an enclosing ``Link``
element with the same target, are removed with their object reference and
their entry in the parent tree.  Rectangles are written lower-left to
upper-right, as the PDF reference gives them.
"""

from __future__ import annotations

import io


def tidy_links(data: bytes) -> bytes:
    """``data`` with WeasyPrint's duplicate link annotations removed (see
    the module's docstring)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root.get('/StructTreeRoot')
        if root is None or not any('/Annots' in page.obj
                                   for page in pdf.pages):
            return data
        nums = root.ParentTree.get('/Nums')
        if nums is None:  # a parent tree of /Kids: not WeasyPrint's
            return data
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        dropped = set()
        for page in pdf.pages:
            annotations = page.obj.get('/Annots')
            if annotations is None:
                continue
            kept = []
            for annotation in annotations:
                if annotation.get('/Subtype') == '/Link':
                    _normalise(annotation)
                    key = int(annotation.get('/StructParent', -1))
                    element = parents.get(key)
                    if element is not None and _copy_of_enclosing_link(
                            element, annotation):
                        element.K = pikepdf.Array(
                            [kid for kid in _kids(element)
                             if not _refers_to(kid, annotation)])
                        dropped.add(key)
                        continue
                kept.append(annotation)
            if kept:
                page.obj.Annots = pikepdf.Array(kept)
            else:
                del page.obj.Annots
        if not dropped:
            return _saved(pdf)
        root.ParentTree.Nums = pikepdf.Array(
            [item for key, value in parents.items() if key not in dropped
             for item in (key, value)])
        return _saved(pdf)


def _saved(pdf) -> bytes:
    out = io.BytesIO()
    # The first /ID (WeasyPrint's pdf_identifier) is kept; the second is
    # made from the content, so a build stays reproducible.
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _kids(element) -> list:
    import pikepdf

    kids = element.get('/K')
    if isinstance(kids, pikepdf.Array):
        return list(kids)
    return [] if kids is None else [kids]


def _refers_to(kid, annotation) -> bool:
    import pikepdf

    return (isinstance(kid, pikepdf.Dictionary) and kid.get('/Type') == '/OBJR'
            and kid.Obj.objgen == annotation.objgen)


def _target(annotation):
    action = annotation.get('/A')
    if action is not None and '/URI' in action:
        return ('uri', str(action.URI))
    if '/Dest' in annotation:
        return ('dest', str(annotation.Dest))
    return None


def _copy_of_enclosing_link(element, annotation) -> bool:
    """Whether ``annotation``, referenced from ``element``, repeats a link
    annotation of a ``Link`` element that encloses ``element``."""
    if element.get('/S') == '/Link':
        return False
    target = _target(annotation)
    parent, depth = element.get('/P'), 0
    while parent is not None and depth < 100 and parent.get('/S') is not None:
        if parent.S == '/Link':
            return any(_target(kid.Obj) == target for kid in _kids(parent)
                       if _refers_to_any(kid))
        parent, depth = parent.get('/P'), depth + 1
    return False


def _refers_to_any(kid) -> bool:
    import pikepdf

    return isinstance(kid, pikepdf.Dictionary) and kid.get('/Type') == '/OBJR'


def _normalise(annotation) -> None:
    import pikepdf

    x1, y1, x2, y2 = (float(v) for v in annotation.Rect)
    annotation.Rect = pikepdf.Array([round(min(x1, x2), 3),
                                     round(min(y1, y2), 3),
                                     round(max(x1, x2), 3),
                                     round(max(y1, y2), 3)])
