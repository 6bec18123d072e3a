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


def describe(jobs: list, shard: tuple[int, int], printshop: str) -> dict:
    """What a shard's manifest says of its split: which shard, and which
    catalogue it is a part of (every output of the build, by hash), so a
    merge can tell that the parts belong together and are complete."""
    paths = sorted(job.path for job in jobs)
    catalogue = hashlib.sha256('\n'.join([printshop] + paths).encode())
    return {'index': shard[0], 'count': shard[1], 'outputs': len(paths),
            'catalogue': catalogue.hexdigest()}


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
    from .publish import staging, write_manifest

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
    if problems:
        raise FlyerError(problems)
    files: dict[str, bytes] = {}  # path in the project → bytes
    merged: dict[str, dict] = {}
    for path, manifest in manifests:
        folder = path.parent
        for entry in manifest['outputs']:
            name = entry.get('path') if isinstance(entry, dict) else None
            if not (isinstance(name, str) and _PDF.fullmatch(name)):
                problems.append(Problem(str(path), (
                    f'has an entry that is not an output ({name!r}); is it '
                    'a manifest written by "make_flyers.py build"?')))
                continue
            if name in merged:
                problems.append(Problem(str(path), (
                    f'{name} is in more than one shard; merge the shards of '
                    'one split')))
                continue
            merged[name] = entry
            stem = name.removeprefix(f'{OUTPUT}/').removesuffix('.pdf')
            proofs = entry.get('proofs') or []
            expected = [f'{OUTPUT}/proofs/{stem}-p{n}.png'
                        for n in range(1, len(proofs) + 1)]
            if proofs != expected:
                problems.append(Problem(str(path), (
                    f'the proofs of {name} are not named as a build names '
                    f'them ({", ".join(expected) or "none"})')))
                continue
            for item, digest in [(name, entry.get('sha256'))] + [
                    (proof, None) for proof in proofs]:
                data = _read_member(folder, item)
                if data is None:
                    problems.append(Problem(str(path), (
                        f'lists {item}, which is not in {folder}; upload the '
                        'whole output folder of the shard')))
                elif digest and hashlib.sha256(data).hexdigest() != digest:
                    problems.append(Problem(str(path), (
                        f'{item} does not match its sha256 in the manifest; '
                        'the shard\'s files were changed or damaged')))
                elif item.endswith('.png') and not _is_png(data):
                    problems.append(Problem(str(path), (
                        f'{item} is not a PNG picture; the shard\'s files '
                        'were changed or damaged')))
                else:
                    files[item] = data
    if problems:
        raise FlyerError(problems)
    outputs = [merged[name] for name in sorted(merged)]
    previews = []
    for entry in outputs:
        for number, proof in enumerate(entry.get('proofs') or [], 1):
            previews.append(Preview(entry['path'], number, files[proof],
                                    (0, 0)))
    with staging(root) as staged:
        manifest_path = write_manifest(
            root, {'outputs': outputs}, previews, {},
            [(root / name, data) for name, data in sorted(files.items())],
            staged)
    return manifest_path, len(outputs)


_PDF = re.compile(rf'{OUTPUT}/[^/\\]+\.pdf')


def _is_png(data: bytes) -> bool:
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.format == 'PNG'
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return False


def _shard_problems(manifests) -> list[Problem]:
    """All shards of one split of one catalogue, each once."""
    problems = []
    shards: dict[int, Path] = {}
    splits = set()
    for path, manifest in manifests:
        shard = manifest.get('shard')
        if not isinstance(shard, dict):
            problems.append(Problem(str(path), (
                'is not the manifest of a shard (built without --shard); '
                'merge the manifests of "build --shard K/N" runs')))
            continue
        index, count = shard.get('index'), shard.get('count')
        if not (type(index) is int and type(count) is int
                and 1 <= index <= count):
            problems.append(Problem(str(path), (
                f'names no shard K of N ({index!r} of {count!r}); is it a '
                'manifest written by "make_flyers.py build --shard"?')))
            continue
        splits.add((count, shard.get('catalogue'), shard.get('outputs')))
        if index in shards:
            problems.append(Problem(str(path), (
                f'is shard {index} of {count} again (also {shards[index]}); '
                'give each shard once')))
        shards[index] = path
    if len(splits) > 1:
        counts = sorted({count for count, _, _ in splits})
        problems.append(Problem('merge-manifests', (
            f'the manifests come from different splits (shard counts '
            f'{", ".join(str(c) for c in counts)})' if len(counts) > 1 else
            'the shards were built from different catalogues (other '
            'content, layouts, editions or print shop); merge the shards of '
            'one build')))
    elif splits and not problems:
        count, _, total = splits.pop()
        missing = [str(k) for k in range(1, count + 1) if k not in shards]
        if missing:
            problems.append(Problem('merge-manifests', (
                f'shard{"s" if len(missing) > 1 else ""} '
                f'{", ".join(missing)} of {count} missing; give the output '
                'folders of every shard')))
        else:
            found = sum(len(m['outputs']) for _, m in manifests)
            if isinstance(total, int) and found != total:
                problems.append(Problem('merge-manifests', (
                    f'the shards hold {found} outputs, their catalogue '
                    f'{total}; build every shard of one commit again')))
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
