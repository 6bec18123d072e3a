"""The release command: everything, checked, in one reproducible bundle.

In: the project (all content files, their layouts, both editions).  Out:
``output/release.zip`` holding every PDF, the proofs, the proof report and
``release-manifest.json`` (the outputs' manifest plus a sha256 for every
file in the bundle) — or a non-zero exit.  A release refuses what a build
allows: drafts and placeholders, any preflight finding (warnings too), and
the slow font-subsetting path (it gives other bytes: a release must be the
same whoever builds it).  The zip itself is deterministic: sorted entries,
fixed times (the build date), fixed permissions.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import zipfile
from pathlib import Path

from .errors import FlyerError, Problem

BUNDLE = 'release.zip'


def refuse_drafts(jobs, root: Path | None = None) -> None:
    """Drafts, placeholders and (given the project ``root``) stale or
    unchecked translations stop a release."""
    from .content import placeholders
    from .translations import stale

    problems, seen = [], set()
    for job in jobs:
        campaign = job.campaign
        if campaign.source in seen:
            continue
        seen.add(campaign.source)
        if campaign.is_draft:
            problems.append(campaign.problem('status', (
                'is "draft"; a release prints only final content: fill in '
                'every placeholder, then set "status: final"')))
        problems += [campaign.problem(path, f'{why}; a release refuses '
                                            'placeholders')
                     for path, why in placeholders(campaign)]
        if root is not None:
            problems += stale(root, campaign, release=True)
    if problems:
        raise FlyerError(problems)


def require_harfbuzz_subsetting() -> None:
    from .environment import harfbuzz_subset_available

    if not harfbuzz_subset_available():
        raise FlyerError(Problem('(machine)', (
            'the system library libharfbuzz-subset0 is missing; release '
            'builds subset fonts with HarfBuzz only, so that every machine '
            'makes the same bytes: apt-get install libharfbuzz-subset0')))


def refuse_findings(results) -> None:
    # The empty-band warning ("layout") is about the look, which the
    # campaign lead judges on the proofs: it does not hold a release back.
    problems = [Problem(result.job.path, f'preflight {finding.check}: '
                                         f'{finding} (a release allows no '
                                         'warnings)')
                for result in results for finding in result.preflight.findings
                if finding.check != 'layout']
    if problems:
        raise FlyerError(problems)


def write_bundle(root: Path, manifest_path: Path, date: str,
                 released: set[str] | None = None) -> Path:
    """Zip the manifest's PDFs and proofs — those of the ``released``
    outputs when given — with a sha256 for each file."""
    from .journal import check_targets, write_problem
    from .writer import write_atomic

    output = root / 'output'
    manifest = json.loads(manifest_path.read_text('utf-8'))
    if released is not None:
        manifest['outputs'] = [entry for entry in manifest['outputs']
                               if entry['path'] in released]
    names = set()
    for entry in manifest['outputs']:
        names.add(entry['path'])
        names.update(entry.get('proofs') or [])
    for extra in ('proofs/contact-sheet.png', 'proofs/report.html'):
        if (output / extra).is_file():
            names.add(f'output/{extra}')
    files = {name: (root / name).read_bytes() for name in sorted(names)}
    listing = {'outputs': manifest['outputs'],
               'files': [{'path': name, 'sha256':
                          hashlib.sha256(data).hexdigest()}
                         for name, data in files.items()]}
    files['release-manifest.json'] = (json.dumps(
        listing, indent=2, ensure_ascii=False) + '\n').encode('utf-8')
    moment = datetime.datetime.strptime(date, '%Y-%m-%dT%H:%M:%SZ')
    stamp = max(moment, datetime.datetime(1980, 1, 1)).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as bundle:
        for name in sorted(files):
            info = zipfile.ZipInfo(name.removeprefix('output/'), stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, files[name])
    target = output / BUNDLE
    check_targets(output, [target], lambda path: f'output/{path.name}')
    try:
        write_atomic(target, buffer.getvalue(), output)
    except OSError as exc:
        raise FlyerError(write_problem(f'output/{BUNDLE}', exc)) from None
    return target
