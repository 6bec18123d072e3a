"""Stage 4: write what was built — PDFs, proofs and manifest — all at once.

In: the finished outputs of :func:`flyers.workers.run` (built, preflighted
and pictured, or taken from the cache).  Out, only if every output passed
the preflight: the PDFs in ``output/``, their proofs in ``output/proofs/``
and ``output/manifest.json``, switched over together through
:mod:`flyers.journal`, so a crash, a full disk or a kill at any instant
leaves the old state or the new one, whole.  A file whose bytes are already
there is not written again, so a build that changed nothing changes
nothing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import shutil
import tempfile
from pathlib import Path

from . import journal
from .catalogue import load_everything, shown_path
from .errors import FlyerError, Problem
from .inputs import read_input
from .job import OUTPUT
from .manifest import (MANIFEST, PROOFS, inside_output, manifest_bytes,
                       manifest_entry, read_entries, sha256_mismatch)
from .proofs import preview_name
from .result import Result


def output_folder(root: Path) -> tuple[Path, bool]:
    """``output/``, made if missing (and whether this call made it); a
    clear error when something else is in its place."""
    output = root / OUTPUT
    if output.is_symlink() or (output.exists() and not output.is_dir()):
        kind = 'a symbolic link' if output.is_symlink() else 'not a folder'
        raise FlyerError(Problem(f'{OUTPUT}/', (
            f'is {kind}; the builder writes its files into a real folder '
            f'called {OUTPUT}. Move it away and build again')))
    try:
        output.mkdir()
    except FileExistsError:
        if output.is_symlink() or not output.is_dir():
            return output_folder(root)  # replaced meanwhile: say what it is
        return output, False
    except OSError as exc:
        raise FlyerError(journal.write_problem(f'{OUTPUT}/', exc)) from None
    return output, True


@contextlib.contextmanager
def recovered(root: Path):
    """Hold output/'s lock with any interrupted publish finished (for the
    commands that read output/); nothing happens without an output/."""
    output = root / OUTPUT
    if not output.is_dir() or output.is_symlink():
        yield
        return
    with journal.locked(output):
        journal.recover(output)
        yield


@contextlib.contextmanager
def staging(root: Path, write: bool = True):
    """A folder for PDFs while they are built and preflighted: inside
    output/ for a build (the same file system, so moving one into place is
    atomic), a temporary one for a check.  output/ is locked meanwhile, and
    what killed runs left there is finished or removed first.  If the build
    fails, output/ is left as it was — absent, if the build created it."""
    if not write:
        with journal.check_folder() as folder:
            yield folder
        return
    output, created = output_folder(root)
    held = False
    try:
        with journal.locked(output):
            held = True
            journal.recover(output)
            try:
                folder = Path(tempfile.mkdtemp(prefix=journal.STAGING_PREFIX,
                                               dir=output))
            except OSError as exc:
                raise FlyerError(journal.write_problem(f'{OUTPUT}/',
                                                       exc)) from None
            try:
                yield folder
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    except BaseException:
        # Only the build that made output/ and held it removes it: another
        # build may be using it (this one was then refused the lock).
        if created and held:
            shutil.rmtree(output, ignore_errors=True)
        raise


def write_outputs(root: Path, results: list[Result], staged: Path,
                  html: bool = False, shard: dict | None = None,
                  removed: list | None = None,
                  combined: list | None = None) -> Path:
    """Write a build into output/: its PDFs (moved from the staging folder,
    or from the cache), their proofs, the contact sheet, the proof report
    and the manifest.  Everything is made before anything is written, and
    files already holding the same bytes are left alone.  The files of
    outputs the old manifest listed and the new one does not (no longer in
    the catalogue, or out of date) are removed in the same switch-over and
    named in ``removed`` — except for a shard, whose manifest lists only
    its part.  ``combined``: (manifest entry, PDF) of each file of every
    variant (``build --combined``)."""
    output = root / OUTPUT
    ordered = sorted(results, key=lambda r: r.job.path)
    manifest = {'outputs': [manifest_entry(r) for r in ordered]}
    if shard:
        manifest['shard'] = shard
    files: list[tuple[Path, bytes]] = []
    if combined:
        manifest['combined'] = [entry for entry, _ in combined]
        files += [(root / entry['path'], data) for entry, data in combined]
    for result in ordered:
        target = root / result.job.path
        files.append((target, result.pdf))
        if html:
            files.append((target.with_suffix('.html'),
                          result.html.encode('utf-8')))
        files += [(output / PROOFS / preview_name(preview), preview.png)
                  for preview in result.previews]
    gone = [] if shard else _not_current(root, manifest)
    if removed is not None:
        removed += [path.relative_to(root).as_posix() for path in gone]
    return write_manifest(root, manifest,
                          [p for r in ordered for p in r.previews],
                          {r.job.path: r.preflight for r in ordered},
                          files, staged, gone)


def _not_current(root: Path, manifest: dict) -> list[Path]:
    """Files of the old manifest's outputs that the new one does not list
    (their PDF, its HTML beside it, their proofs)."""
    try:
        old = read_entries(root)
    except FlyerError:
        return []  # no manifest (or a damaged one): nothing known to remove
    keep = {entry['path'] for entry in manifest.get('combined', [])}
    for entry in manifest['outputs']:
        keep |= {entry['path'], *entry['proofs'],
                 entry['path'].removesuffix('.pdf') + '.html'}
    gone = [target for name in _old_combined(root) if name not in keep
            and (target := inside_output(root, name)) is not None
            and target.is_file() and not target.is_symlink()]
    for path, entry in old.items():
        proofs = entry.get('proofs') or []
        names = [path, path.removesuffix('.pdf') + '.html',
                 *[p for p in proofs if isinstance(p, str)]]
        for name in names:
            if name in keep:
                continue
            target = inside_output(root, name)
            if target is not None and target.is_file() \
                    and not target.is_symlink():
                gone.append(target)
    return sorted(set(gone))


def _old_combined(root: Path) -> list[str]:
    """The files of every variant the last build wrote (--combined)."""
    import json

    try:
        old = json.loads(read_input(root / OUTPUT / MANIFEST))
        return [entry['path'] for entry in old.get('combined', [])
                if isinstance(entry.get('path'), str)
                and entry['path'].endswith('.pdf')]
    except (OSError, ValueError, AttributeError, TypeError):
        return []


def write_manifest(root: Path, manifest: dict, previews: list,
                   reports: dict, files: list[tuple[Path, bytes]],
                   staged: Path, removes: list[Path] = ()) -> Path:
    """Write ``files`` (path, bytes) that differ from what is there, the
    contact sheet and proof report — made first, and remade only if a file
    or the manifest changed — and the manifest, in one switch-over."""
    from .approvals import refreshed, states
    from .proofs import contact_sheet, report_html, variant_label

    output = root / OUTPUT
    shown = functools.partial(shown_path, root)
    path = output / MANIFEST
    text = manifest_bytes(manifest)
    sheet = output / PROOFS / 'contact-sheet.png'
    report = output / PROOFS / 'report.html'
    journal.check_targets(output, [t for t, _ in files]
                          + [path, sheet, report], shown)
    changed = [(target, data) for target, data in files
               if _read(target) != data]
    if (changed or removes or _read(path) != text or not report.is_file()
            or (previews and not sheet.is_file())):
        if previews:
            groups = {entry['path']: variant_label(entry)
                      for entry in manifest['outputs']}
            changed.append((sheet, contact_sheet(previews, groups)))
        changed.append((report, report_html(
            manifest['outputs'], reports, previews,
            approvals=states(root, manifest['outputs'])).encode('utf-8')))
    elif (now := _read(report)) is not None:
        # Nothing else changed, but approvals.yaml may have.
        fresh = refreshed(now.decode('utf-8', 'replace'), root,
                          manifest['outputs']).encode('utf-8')
        if fresh != now:
            changed.append((report, fresh))
    if _read(path) != text:
        changed.append((path, text))
    # The PDFs the workers wrote into the staging folder (and preflighted
    # there) are moved into place as they are.
    ready = {}
    for target, data in changed:
        candidate = staged / target.name
        if target.suffix == '.pdf' and _read(candidate) == data:
            ready[target] = candidate
    journal.commit(output, staged, changed, ready, shown, removes)
    problems = [problem for entry in manifest['outputs']
                if (problem := sha256_mismatch(root, entry)) is not None]
    if problems:  # never expected: say so loudly rather than ship it
        raise FlyerError(problems)
    return path


def _read(path: Path) -> bytes | None:
    try:
        if path.is_symlink():
            return None
        return path.read_bytes()
    except OSError:
        return None


def _sha256(path: Path) -> str | None:
    data = _read(path)
    return hashlib.sha256(data).hexdigest() if data is not None else None


def kept_results(root: Path, built: list[Result], cache, printshop: str
                 ) -> list[Result]:
    """For a build narrowed to some content, layouts or editions: the other
    outputs of the catalogue that are in output/ exactly as the cache says
    they would be built now.  Outputs whose inputs changed since are left
    out of the manifest: they are stale."""
    from .dates import Dates

    try:
        everything = load_everything(root, [], [], printshop)
    except FlyerError:
        return []  # something else is broken: keep nothing we cannot vouch for
    done = {result.job.path for result in built}
    dates = Dates(root)
    kept = []
    for job in everything:
        if job.path in done or not (root / job.path).is_file():
            continue
        result = cache.load(job, cache.key(job, dates.job(job)), always=True)
        if result is not None and _sha256(root / job.path) == result.sha256:
            kept.append(result)
    return kept


__all__ = ['MANIFEST', 'PROOFS', 'OUTPUT', 'read_entries', 'recovered',
           'staging', 'write_outputs', 'write_manifest', 'kept_results']
