"""Builds spread over machines: ``--shard K/N`` and ``merge-manifests``.

In: all outputs of the catalogue, K and N.  Out: the outputs shard K builds —
every N-th output in the order of their paths, starting at the K-th, so every
machine of a CI matrix computes the same split without talking to the
others, and the shards are as equal in size as they can be.  Each shard
writes its own ``output/`` with a manifest that says which shard it is.

``merge-manifests`` joins those folders into ``output/``: it checks that
the shards are all there (1 … N, once each), that every PDF and proof they
list is present with the bytes their manifests promise, and that no output
is claimed twice with different bytes; only then does it copy them and write
one manifest, contact sheet and proof report.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from .errors import FlyerError, Problem, UsageError
from .job import OUTPUT

_SHARD = re.compile(r'\s*(\d+)\s*/\s*(\d+)\s*')


def parse_shard(text: str) -> tuple[int, int]:
    match = _SHARD.fullmatch(text)
    if match:
        index, count = int(match[1]), int(match[2])
        if 1 <= index <= count:
            return index, count
    raise UsageError(Problem('--shard', (
        f'"{text}" is not a shard; give K/N with 1 ≤ K ≤ N, for example '
        '--shard 2/4 for the second of four machines')))


def select(jobs: list, shard: tuple[int, int]) -> list:
    """The jobs of shard K of N: every N-th, by output path."""
    index, count = shard
    ordered = sorted(jobs, key=lambda job: job.path)
    return [job for position, job in enumerate(ordered)
            if position % count == index - 1]


def _manifest_path(given: Path) -> Path:
    return given / 'manifest.json' if given.is_dir() else given


def merge(root: Path, sources: list[Path]) -> tuple[Path, int]:
    """Join the shard folders (or their manifest.json files) into
    ``root/output``; return the manifest written and the output count."""
    from .proofs import Preview
    from .publish import PROOFS, write_manifest
    from .writer import write_atomic

    output = root / OUTPUT
    problems: list[Problem] = []
    manifests = []
    for given in sources:
        path = _manifest_path(given)
        try:
            manifest = json.loads(path.read_text('utf-8'))
            entries = manifest['outputs']
            if not isinstance(entries, list):
                raise TypeError
        except FileNotFoundError:
            problems.append(Problem(str(given), (
                'no manifest.json here; give the output folder of each '
                'shard (or its manifest.json)')))
            continue
        except (OSError, ValueError, KeyError, TypeError):
            problems.append(Problem(str(path), (
                'is not a manifest written by "make_flyers.py build"')))
            continue
        manifests.append((path, manifest))
    if problems:
        raise UsageError(problems)
    problems += _shard_problems(manifests)
    files: dict[str, bytes] = {}  # path in the project → bytes
    merged: dict[str, dict] = {}
    owner: dict[str, Path] = {}
    for path, manifest in manifests:
        folder = path.parent
        for entry in manifest['outputs']:
            name = entry.get('path', '')
            if name in merged:
                if merged[name].get('sha256') != entry.get('sha256'):
                    problems.append(Problem(str(path), (
                        f'{name} is also in {owner[name]}, with other bytes; '
                        'were the shards built from the same commit?')))
                continue
            merged[name], owner[name] = entry, path
            for item, digest in [(name, entry.get('sha256'))] + [
                    (proof, None) for proof in entry.get('proofs') or []]:
                data = _read_member(folder, item)
                if data is None:
                    problems.append(Problem(str(path), (
                        f'lists {item}, which is not in {folder}; upload the '
                        'whole output folder of the shard')))
                elif digest and hashlib.sha256(data).hexdigest() != digest:
                    problems.append(Problem(str(path), (
                        f'{item} does not match its sha256 in the manifest; '
                        'the shard\'s files were changed or damaged')))
                else:
                    files[item] = data
    if problems:
        raise FlyerError(problems)
    for name in sorted(files):
        target = root / name
        if not (target.is_file() and target.read_bytes() == files[name]):
            write_atomic(target, files[name], output)
    outputs = [merged[name] for name in sorted(merged)]
    previews = []
    for entry in outputs:
        for number, proof in enumerate(entry.get('proofs') or [], 1):
            previews.append(Preview(entry['path'], number, files[proof],
                                    (0, 0)))
    manifest_path = write_manifest(root, {'outputs': outputs}, previews, {})
    return manifest_path, len(outputs)


def _shard_problems(manifests) -> list[Problem]:
    """All shards of one split, each once."""
    problems = []
    shards = {}
    counts = set()
    for path, manifest in manifests:
        shard = manifest.get('shard')
        if not isinstance(shard, dict):
            problems.append(Problem(str(path), (
                'is not the manifest of a shard (built without --shard); '
                'merge the manifests of "build --shard K/N" runs')))
            continue
        index, count = shard.get('index'), shard.get('count')
        counts.add(count)
        if index in shards:
            problems.append(Problem(str(path), (
                f'is shard {index} of {count} again (also {shards[index]}); '
                'give each shard once')))
        shards[index] = path
    if len(counts) > 1:
        problems.append(Problem('merge-manifests', (
            'the manifests come from different splits (shard counts '
            f'{", ".join(str(c) for c in sorted(counts))}); merge the shards '
            'of one build')))
    elif counts and not problems:
        count = counts.pop()
        missing = [str(k) for k in range(1, count + 1) if k not in shards]
        if missing:
            problems.append(Problem('merge-manifests', (
                f'shard{"s" if len(missing) > 1 else ""} '
                f'{", ".join(missing)} of {count} missing; give the output '
                'folders of every shard')))
    return problems


def _read_member(folder: Path, name: str) -> bytes | None:
    """A file listed as output/… in a shard's manifest, from the shard's
    folder (which holds what was in its output/)."""
    relative = Path(name)
    if relative.parts[:1] != (OUTPUT,) or '..' in relative.parts:
        return None
    path = folder.joinpath(*relative.parts[1:])
    try:
        if not path.resolve().is_relative_to(folder.resolve()):
            return None
        return path.read_bytes()
    except OSError:
        return None
