"""A finished build, read back: what ``diff`` and the sign-off compare.

In: a release bundle (``output/release.zip``: its ``release-manifest.json``
and PDFs), an output folder with its ``manifest.json`` (``output/`` or a
copy of it), or the results of a build still in memory (``release``).
Out: a :class:`Build` — every output's manifest path, its manifest entry
(with the printed text of each field, ``texts``), the sha256 of its bytes
and a way to read them.  Nothing is trusted: every name must be a plain
PDF name, every file is size-limited and checked against its sha256, so a
damaged or hostile bundle or manifest gives one clear message.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import FlyerError, Problem, UsageError
from .inputs import MAX_INPUT, read_input
from .job import OUTPUT

BUNDLE = f'{OUTPUT}/release.zip'
MANIFEST = 'manifest.json'
RELEASE_MANIFEST = 'release-manifest.json'
# An output as a manifest names it: a plain file name inside output/.
_OUTPUT_NAME = re.compile(r'output/[^/\\\x00-\x1f\x7f]+\.pdf')


@dataclass
class Output:
    path: str  # as the manifest names it: output/NAME.pdf
    entry: dict  # its manifest entry
    sha256: str  # of its bytes (checked when they are read)
    read: Callable[[], bytes]

    @property
    def texts(self) -> dict[str, str] | None:
        texts = self.entry.get('texts')
        if isinstance(texts, dict) and all(
                isinstance(k, str) and isinstance(v, str)
                for k, v in texts.items()):
            return texts
        return None  # built before the manifest recorded them


@dataclass
class Build:
    label: str  # how the build is shown: output/release.zip, output/
    outputs: dict[str, Output]


def open_build(root: Path, given: str | None, role: str) -> Build:
    """The build ``given`` on the command line (``role``: OLD or NEW):
    a release bundle or an output folder; by default the last release
    bundle (OLD) or the current build in output/ (NEW)."""
    if given is None:
        if role == 'OLD':
            bundle = root / BUNDLE
            if not bundle.is_file():
                raise UsageError(Problem(BUNDLE, (
                    'no release bundle to compare with; run "python '
                    'make_flyers.py release" first, or name the build to '
                    'compare: diff OLD [NEW] (a release bundle .zip or an '
                    'output folder with its manifest.json)')))
            return read_bundle(bundle, BUNDLE)
        return read_folder(root / OUTPUT, f'{OUTPUT}/')
    path = Path(given)
    if path.is_dir():
        return read_folder(path, given)
    if path.name == MANIFEST and path.is_file():
        return read_folder(path.parent, given)
    if path.is_file():
        return read_bundle(path, given)
    raise UsageError(Problem(given, (
        f'{role}: no such file or folder; name a release bundle (.zip) or '
        'an output folder with its manifest.json')))


def _damaged(shown: str, why: str) -> FlyerError:
    return FlyerError(Problem(shown, f'{why}; it cannot be compared: build '
                                     'or release again, or name another '
                                     'build'))


def _entries(listing, shown: str) -> list[dict]:
    outputs = listing.get('outputs') if isinstance(listing, dict) else None
    if not isinstance(outputs, list) or not all(isinstance(e, dict)
                                                for e in outputs):
        raise _damaged(shown, 'has no list of outputs')
    seen = set()
    for entry in outputs:
        path, sha = entry.get('path'), entry.get('sha256')
        if not isinstance(path, str) or not _OUTPUT_NAME.fullmatch(path):
            raise _damaged(shown, f'lists {str(path)[:80]!r}, which is not '
                                  'a PDF inside output/')
        if not isinstance(sha, str) or not re.fullmatch('[0-9a-f]{64}', sha):
            raise _damaged(shown, f'has no sha256 for {path}')
        if path in seen:
            raise _damaged(shown, f'lists {path} twice')
        seen.add(path)
    return outputs


def read_folder(folder: Path, shown: str) -> Build:
    """An output folder and its manifest.json."""
    where = f'{shown.rstrip("/")}/{MANIFEST}'
    try:
        manifest = json.loads(read_input(folder / MANIFEST))
    except FileNotFoundError:
        raise UsageError(Problem(where, (
            'missing: this folder holds no build; run "python '
            'make_flyers.py build" first, or name another build'))) from None
    except (OSError, ValueError) as exc:
        raise _damaged(where, f'cannot be read ({_why(exc)})') from None
    outputs = {}
    for entry in _entries(manifest, where):
        file = folder / entry['path'].removeprefix(f'{OUTPUT}/')
        try:
            data = read_input(file, follow=False)
        except OSError as exc:
            raise FlyerError(Problem(f'{shown.rstrip("/")}/{file.name}', (
                f'is listed in {where} but cannot be read ({_why(exc)}); '
                'build again'))) from None
        outputs[entry['path']] = Output(
            entry['path'], entry, hashlib.sha256(data).hexdigest(),
            lambda data=data: data)
    return Build(shown, outputs)


def read_bundle(path: Path, shown: str) -> Build:
    """A release bundle: its manifest and PDFs, each checked against the
    sha256 the bundle lists for it."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise _damaged(shown, 'is not a release bundle (not a readable zip '
                              f'file: {_why(exc)})') from None
    with archive:
        if not _has(archive, RELEASE_MANIFEST):
            raise _damaged(shown, f'holds no {RELEASE_MANIFEST}: it is not a '
                                  'release bundle')
        listing = json.loads(_member(archive, RELEASE_MANIFEST, shown))
        files = listing.get('files') if isinstance(listing, dict) else None
        digests = {item.get('path'): item.get('sha256') for item in files
                   if isinstance(item, dict)} if isinstance(files, list) \
            else {}
        outputs = {}
        for entry in _entries(listing, f'{shown}: {RELEASE_MANIFEST}'):
            name = entry['path'].removeprefix(f'{OUTPUT}/')
            data = _member(archive, name, shown)
            digest = hashlib.sha256(data).hexdigest()
            if digest != digests.get(entry['path']) \
                    or digest != entry['sha256']:
                raise _damaged(shown, f'holds a {name} whose sha256 is not '
                                      'the one it lists (damaged or changed)')
            outputs[entry['path']] = Output(entry['path'], entry, digest,
                                            lambda data=data: data)
    return Build(shown, outputs)


def _has(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def _member(archive: zipfile.ZipFile, name: str, shown: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise _damaged(shown, f'lists {name} but does not hold it') from None
    if info.file_size > MAX_INPUT:
        raise _damaged(shown, f'holds a {name} of {info.file_size:,} bytes, '
                              f'more than any output may be ({MAX_INPUT:,})')
    try:
        with archive.open(info) as member:
            data = member.read(MAX_INPUT + 1)
    except (OSError, zipfile.BadZipFile, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        raise _damaged(shown, f'holds a damaged {name} ({_why(exc)})') \
            from None
    if len(data) > MAX_INPUT:
        raise _damaged(shown, f'holds a {name} larger than it says')
    if name == RELEASE_MANIFEST:
        try:
            json.loads(data)
        except ValueError:
            raise _damaged(shown, f'holds a damaged {name} (not JSON)') \
                from None
    return data


def from_results(results, label: str) -> Build:
    """The outputs of a build still in memory (release checks them before
    writing)."""
    from .manifest import manifest_entry

    outputs = {}
    for result in results:
        entry = manifest_entry(result)
        outputs[entry['path']] = Output(entry['path'], entry, result.sha256,
                                        lambda pdf=result.pdf: pdf)
    return Build(label, outputs)


def _why(exc: BaseException) -> str:
    text = getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__
    return ' '.join(str(text).split())[:160]
