"""Finishing: one print PDF per campaign and layout holding every variant.

In: the finished, preflighted print outputs of a build's variants, in the
order of their table.  Out: per campaign × layout a PDF of all their pages
in that order (for a variable-data press: one file, one job) and its
manifest entry, which says which pages are which variant.

The pages are copied as they are (pikepdf, qpdf); fonts and pictures that
several variants share (the same subset: its name comes from its program)
are stored once.  The PDF/X output intent and metadata are the first
variant's: every variant was built for the same print shop and standard.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from .errors import BuildError, Problem
from .job import OUTPUT
from .result import Result

SUFFIX = '-combined'


def combined_path(result: Result) -> str:
    campaign = Path(result.job.campaign.source).stem
    return f'{OUTPUT}/{campaign}-{result.job.layout.name}{SUFFIX}.pdf'


def combine(results: list[Result], order: dict[str, int]
            ) -> list[tuple[dict, bytes]]:
    """(manifest entry, PDF bytes) per campaign × layout with variants,
    from the print ``results``; ``order`` gives each output path's place
    in the catalogue (the table's row order)."""
    groups: dict[str, list[Result]] = {}
    for result in sorted(results, key=lambda r: order.get(r.job.path, 0)):
        job = result.job
        if job.is_print and job.campaign.variant:
            groups.setdefault(combined_path(result), []).append(result)
    return [_combined(path, members) for path, members in groups.items()]


def _combined(path: str, members: list[Result]) -> tuple[dict, bytes]:
    import pikepdf

    first = members[0]
    index = []
    page = 1
    with pikepdf.open(io.BytesIO(first.pdf)) as out:
        index.append(_item(first, page))
        page += first.pages
        for member in members[1:]:
            with pikepdf.open(io.BytesIO(member.pdf)) as source:
                out.pages.extend(source.pages)
            index.append(_item(member, page))
            page += member.pages
        _share_resources(out)
        if len(out.pages) != page - 1:
            raise BuildError(Problem(path, (
                f'holds {len(out.pages)} pages instead of {page - 1}; '
                'this is a bug: build without --combined and report it')))
        with out.open_metadata(set_pikepdf_as_editor=False) as meta:
            title = meta.get('dc:title') or ''
            meta['dc:title'] = f'{title} (every variant)'.strip()
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True)
    data = buffer.getvalue()
    job = first.job
    entry = {
        'path': path,
        'content': job.campaign.source,
        'layout': job.layout.name,
        'edition': job.edition,
        'pages': page - 1,
        'sha256': hashlib.sha256(data).hexdigest(),
        'variants': index,
    }
    return entry, data


def _item(result: Result, first_page: int) -> dict:
    return {'variant': result.job.campaign.variant,
            'output': result.job.path,
            'pages': [first_page, first_page + result.pages - 1]}


def _share_resources(pdf) -> None:
    """Fonts and images that are the same in several pages' resources
    (copied from different variants) are stored once."""
    import pikepdf

    seen: dict[tuple, object] = {}
    for page in pdf.pages:
        resources = page.obj.get('/Resources')
        if resources is None:
            continue
        for kind in ('/Font', '/XObject'):
            group = resources.get(kind)
            if not isinstance(group, pikepdf.Dictionary):
                continue
            for name in list(group.keys()):
                item = group[name]
                key = _fingerprint(item)
                if key is None:
                    continue
                if key in seen:
                    group[name] = seen[key]
                else:
                    seen[key] = item


def _fingerprint(item) -> tuple | None:
    """What makes two fonts or images the same: their dictionaries and
    every stream they reach (bytes as stored), hashed."""
    import pikepdf

    digest = hashlib.sha256()
    stack, visited = [item], set()
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            if obj.objgen in visited:
                continue
            visited.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream):
            digest.update(obj.read_raw_bytes())
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            for key in sorted(obj.keys()):
                if key in ('/Parent',):
                    continue
                digest.update(key.encode())
                stack.append(obj[key])
        elif isinstance(obj, pikepdf.Array):
            digest.update(b'[%d' % len(obj))
            stack.extend(obj)
        else:
            digest.update(repr(obj).encode())
    return ('x', digest.hexdigest())
