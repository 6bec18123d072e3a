"""``output/manifest.json``: what a build wrote, and checks against it.

In: finished :class:`~flyers.result.Result` s (to write an entry each), or
the project folder (to read the manifest back).  Out: manifest entries
(plain dicts, written as JSON by :mod:`flyers.publish`), or the entries of
the manifest on disk — each checked to name a PDF inside ``output/``, so a
crafted manifest cannot make a command read another file of the machine.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .errors import Problem, UsageError
from .fieldtext import field_texts
from .inputs import read_input
from .job import EDITIONS, OUTPUT
from .printshop import NAME
from .proofs import preview_name
from .render import draft_reasons
from .result import Result, number

MANIFEST = 'manifest.json'
PROOFS = 'proofs'


def manifest_entry(result: Result) -> dict:
    job = result.job
    page = job.layout.page
    return {
        'path': job.path,
        'content': job.campaign.source,
        # The variant's id (a row of content/NAME.variants.csv), or None.
        'variant': job.campaign.variant or None,
        'layout': job.layout.name,
        'pages': result.pages,
        'edition': job.edition,
        'trim_mm': [number(page.width_mm), number(page.height_mm)],
        # The folds of each page (mm from its left trim edge), in page
        # order; [] when the layout has none.  Right to left, the mirror.
        'folds_mm': [[number(f) for f in folds] for folds in job.folds_mm],
        'bleed_mm': number(job.bleed_mm),
        'qr_urls': [job.qr.url],
        'draft': bool(draft_reasons(job.campaign)),
        'copyfit': ({'property': result.copyfit[0],
                     'from_pt': result.copyfit[1],
                     'to_pt': result.copyfit[2]} if result.copyfit else None),
        'printshop': job.printshop.name if job.is_print else None,
        'preflight': _preflight_summary(result.preflight),
        'sha256': result.sha256,
        'inputs_sha256': result.inputs_sha256 or None,
        'proofs': [f'{OUTPUT}/{PROOFS}/{preview_name(p)}'
                   for p in result.previews],
        # The printed text of each content field ({field: text}, from the
        # HTML the PDF was made of): what "diff" compares word by word.
        'texts': field_texts(result.html),
        # The legal marks its pages carry (imprint, tryckort, label of
        # political advertising): the preflight command checks them again.
        'marks': [list(mark) for mark in result.marks],
    }


def _preflight_summary(report) -> dict | None:
    if report is None:
        return None
    warnings = [f for f in report.findings if f.severity == 'warning']
    return {'result': 'pass' if not warnings else 'pass with warnings',
            'warnings': [str(f) for f in warnings]}


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + '\n'
            ).encode('utf-8')


def inside_output(root: Path, name: object) -> Path | None:
    """The file ``name`` (as a manifest writes it: ``output/…``) if it
    really lies inside ``output/`` — no ``..``, no absolute path, no
    symbolic link leading elsewhere — else None."""
    if not isinstance(name, str) or not name.startswith(f'{OUTPUT}/'):
        return None
    relative = Path(name)
    if relative.is_absolute() or '..' in relative.parts or '\\' in name:
        return None
    output = (root / OUTPUT).resolve()
    try:
        real = (root / relative).resolve()
    except (OSError, RuntimeError):
        return None
    return root / relative if real.is_relative_to(output) else None


def read_entries(root: Path) -> dict[str, dict]:
    """The entries of ``output/manifest.json`` by path, each checked to
    name a PDF inside output/; a usage error when there is none or it is
    damaged."""
    where = f'{OUTPUT}/{MANIFEST}'
    try:
        manifest = json.loads(read_input(root / OUTPUT / MANIFEST))
        entries = {entry['path']: entry for entry in manifest['outputs']}
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(Problem(where, (
            'missing or unreadable; the preflight checks each PDF against '
            'what it was built to be, so run "python make_flyers.py build" '
            'first'))) from None
    problems = [Problem(where, (
        f'lists "{path}", which is not a PDF inside {OUTPUT}/; the manifest '
        'was changed by hand or damaged: build again'))
        for path in entries
        if inside_output(root, path) is None or not str(path).endswith('.pdf')]
    problems += [Problem(where, (
        f'the entry of "{path}" is damaged ({damage}); the manifest was '
        'changed by hand: build again'))
        for path, entry in entries.items()
        if (damage := _damage(entry)) is not None]
    if problems:
        raise UsageError(problems)
    return entries




def _damage(entry: dict) -> str | None:
    """What is wrong with an entry's fields the preflight relies on."""
    if not isinstance(entry.get('layout'), str) \
            or not NAME.fullmatch(entry['layout']):
        return 'no layout name'
    if entry.get('edition') not in EDITIONS:
        return 'edition is not print or screen'
    urls = entry.get('qr_urls')
    if not isinstance(urls, list) or not all(isinstance(u, str)
                                             for u in urls):
        return 'qr_urls is not a list of addresses'
    shop = entry.get('printshop')
    if shop is not None and not (isinstance(shop, str)
                                 and NAME.fullmatch(shop)):
        return 'printshop is not a print shop name'
    if not isinstance(entry.get('sha256'), str):
        return 'no sha256'
    return None


def sha256_mismatch(root: Path, entry: dict) -> Problem | None:
    """A problem when the PDF of a manifest entry is missing or does not
    hold the bytes the manifest promises."""
    path = entry['path']
    try:
        data = read_input(root / path)
    except OSError:
        return Problem(path, (f'is listed in {OUTPUT}/{MANIFEST} but '
                              'missing; build again'))
    if hashlib.sha256(data).hexdigest() != entry.get('sha256'):
        return Problem(path, (
            f'is not the file {OUTPUT}/{MANIFEST} lists (its sha256 '
            'differs): it was changed or replaced after the build; build '
            'again'))
    return None
