"""The diff report: ``output/diff/index.html`` and the pictures beside it.

In: the :class:`~flyers.diff.OutputChange` s of one comparison and how the
two builds are named.  Out: one self-contained HTML page — a one-line
summary per output on top, then per changed output the words removed and
added in each field and, per page, the old page, the new one and the new
one with its changed regions boxed — and its PNGs, in ``output/diff/``.

Written so that a kill at any instant leaves a whole report, the old or
the new: the pictures get names made from their bytes (a new picture never
overwrites one the old report shows), each file is written atomically,
``index.html`` last, and only then are the old report's pictures removed.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from .diff import OutputChange, summary

FOLDER = 'diff'
INDEX = 'index.html'
_PICTURE = re.compile(r'[^/]+-(?:old|new|changes)-[0-9a-f]{12}\.png')

_STYLE = (
    'body{font:15px/1.45 system-ui,sans-serif;margin:2rem;color:#1c2128}'
    'ul.summary{list-style:none;padding:0}ul.summary li{font-family:'
    'ui-monospace,monospace;font-size:13px;padding:.1rem 0}'
    '.changed,.added,.removed{color:#b00020}.unchanged{color:#17692d}'
    'table{border-collapse:collapse;margin:.5rem 0 1rem}'
    'td,th{border:1px solid #ccd;padding:.25rem .6rem;text-align:left;'
    'vertical-align:top}del{background:#ffd7d5;color:#82071e}'
    'ins{background:#ccffd8;color:#055d20;text-decoration:none}'
    'td.removed{color:#82071e}td.added{color:#055d20}'
    '.pages{display:flex;gap:1rem;flex-wrap:wrap;align-items:flex-start}'
    'figure{margin:0}figure img{max-height:480px;border:1px solid #ccd}'
    'figcaption{font-size:13px;color:#57606a}h2{margin-top:2.5rem}')


def report(changes: list[OutputChange], old_label: str, new_label: str
           ) -> tuple[str, dict[str, bytes]]:
    """The report's HTML and its pictures (name → PNG bytes)."""
    pictures: dict[str, bytes] = {}
    changed = sum(c.changed for c in changes)
    esc = html.escape
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<title>What changed</title>', f'<style>{_STYLE}</style>',
        '</head><body>', '<h1>What changed</h1>',
        f'<p>From <b class="old">{esc(old_label)}</b> to '
        f'<b class="new">{esc(new_label)}</b>: {len(changes)} output'
        f'{"s" if len(changes) != 1 else ""}, {changed} changed, added or '
        'removed. Pages are rendered by PDFium at the proofs\' resolution; '
        'changed regions are boxed in red.</p>', '<ul class="summary">']
    for index, change in enumerate(changes):
        line = esc(summary(change))
        if change.status == 'changed':
            line = f'<a href="#output-{index}">{line}</a>'
        parts.append(f'<li class="{change.status}" data-output='
                     f'"{esc(change.path)}" data-status="{change.status}">'
                     f'{line}</li>')
    parts.append('</ul>')
    for index, change in enumerate(changes):
        if change.status != 'changed':
            continue
        parts.append(f'<section class="output" id="output-{index}" '
                     f'data-output="{esc(change.path)}">')
        parts.append(f'<h2>{esc(change.path)}</h2>')
        parts += _text_part(change)
        for page in change.pages:
            parts += _page_part(change.path, page, pictures)
        parts.append('</section>')
    parts.append('</body></html>\n')
    return '\n'.join(parts), pictures


def _text_part(change: OutputChange) -> list[str]:
    esc = html.escape
    what = ('content field' if change.text_source == 'fields'
            else 'page (the builds did not record their fields\' texts, so '
                 'the text PDFium reads from each page is compared)')
    if not change.fields:
        return [f'<p class="text">No text changed (per {what}).</p>']
    parts = [f'<h3>Text, per {what}</h3>', '<table class="text">',
             '<tr><th>field</th><th>removed</th><th>added</th>'
             '<th>in context</th></tr>']
    for item in change.fields:
        context = ' '.join(
            f'<del>{esc(words)}</del>' if kind == 'removed' else
            f'<ins>{esc(words)}</ins>' if kind == 'added' else
            esc(_shortened(words)) for kind, words in item.runs)
        parts.append(
            f'<tr data-field="{esc(item.field)}"><td>{esc(item.field)}</td>'
            f'<td class="removed">{esc(" ".join(item.removed))}</td>'
            f'<td class="added">{esc(" ".join(item.added))}</td>'
            f'<td>{context}</td></tr>')
    parts.append('</table>')
    return parts


def _shortened(words: str, keep: int = 6) -> str:
    """A long run of unchanged words: its ends only."""
    split = words.split()
    if len(split) <= 2 * keep + 2:
        return words
    return ' '.join(split[:keep] + ['…'] + split[-keep:])


def _page_part(path: str, page, pictures: dict[str, bytes]) -> list[str]:
    esc = html.escape
    if page.status == 'same':
        return [f'<p class="page" data-page="{page.page}">Page {page.page}: '
                'no visible change.</p>']
    stem = Path(path).stem
    what = {'added': 'added', 'removed': 'removed'}.get(
        page.status, 'changed size' if page.size_changed else
        f'{len(page.boxes)} changed region'
        f'{"s" if len(page.boxes) != 1 else ""}')
    boxes = ';'.join(','.join(str(n) for n in box) for box in page.boxes)
    parts = [f'<h3>Page {page.page}: {esc(what)}</h3>',
             f'<div class="pages page" data-page="{page.page}" '
             f'data-boxes="{boxes}">']
    for kind, data, caption in (('old', page.old_png, 'before'),
                                ('new', page.new_png, 'after'),
                                ('changes', page.marked_png,
                                 'changes boxed')):
        if data is None:
            continue
        name = (f'{stem}-p{page.page}-{kind}-'
                f'{hashlib.sha256(data).hexdigest()[:12]}.png')
        pictures[name] = data
        parts.append(f'<figure class="{kind}"><a href="{esc(name)}">'
                     f'<img src="{esc(name)}" alt="page {page.page}, '
                     f'{caption}"></a><figcaption>{caption}</figcaption>'
                     '</figure>')
    parts.append('</div>')
    return parts


def write_report(root: Path, changes: list[OutputChange], old_label: str,
                 new_label: str) -> Path:
    """Write ``output/diff/`` (see the module's docstring); returns the
    index's path."""
    from .errors import FlyerError, Problem
    from .job import OUTPUT
    from .journal import writing_into
    from .writer import write_atomic

    text, pictures = report(changes, old_label, new_label)
    output = root / OUTPUT
    folder = output / FOLDER
    with writing_into(f'{OUTPUT}/{FOLDER}/', 'compare again'):
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise FlyerError(Problem(f'{OUTPUT}/{FOLDER}/', (
                'is not a folder; move it away and compare again')))
        for name, data in sorted(pictures.items()):
            target = folder / name
            if not (target.is_file() and not target.is_symlink()):
                write_atomic(target, data, output)
        write_atomic(folder / INDEX, text.encode('utf-8'), output)
        for old in folder.iterdir():
            if _PICTURE.fullmatch(old.name) and old.name not in pictures \
                    and not old.is_dir():
                old.unlink()
    return folder / INDEX
