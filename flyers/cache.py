"""The build cache: outputs already made from exactly the same inputs.

In: a :class:`~flyers.job.Job` and its date.  Out: the finished output of an
earlier build — PDF, page count, preflight report, proof pictures, HTML — or
nothing, and then the output is built and stored.

An output's inputs are everything its bytes depend on:

- its content file, its layout's folder and the shared ones
  (``layouts/_base/``: a layout may use templates only from these), its
  brand's ``brand.yaml`` and the profile the brand's screen colours come
  from, its print shop's file, its edition and its date
  (:mod:`flyers.dates`), the hyphenation word lists (``assets/hyphenation/``);
- the files WeasyPrint fetched while rendering it (the brand's fonts and
  logo, pictures, colour profile): recorded when it was built, and checked
  again, by their hashes, before the stored output is used.  So an asset
  only some outputs use rebuilds only those;
- the tool itself: this package's source files and the versions of the
  libraries that shape the bytes (WeasyPrint, pydyf, fontTools, Pillow, …),
  Hunspell's Swedish dictionary (:mod:`flyers.hyphenation`) and whether
  HarfBuzz subsets the fonts.

The key is a SHA-256 of the first group and the tool; an entry is a folder
``<cache>/v2/<key[:2]>/<key>/`` written complete under a temporary name and
then renamed into place, so a crash never leaves half an entry, and a
damaged entry (its PDF no longer matches its hash) is ignored.  The cache
lives in ``.cache/`` in the project (``FLYERS_CACHE_DIR`` moves it: CI keeps
it between runs) and is pruned to the most recently used entries.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from .hyphenation import dictionary_fingerprint
from .inputs import (project_files, project_relative, read_input,
                     real_inside, shared_layout_folders)

CACHE_ENV = 'FLYERS_CACHE_DIR'
FORMAT = 'v2'  # v2: the key is stored inside each entry
# Library versions that change the bytes of a PDF, its proofs or its
# preflight report.
LIBRARIES = ('weasyprint', 'pydyf', 'tinycss2', 'cssselect2', 'fonttools',
             'pillow', 'pyphen', 'qrcode', 'jinja2', 'pyyaml', 'pikepdf',
             'pypdfium2', 'zxing-cpp')
KEEP_BYTES = 2 * 1024 ** 3  # prune the least recently used beyond this


def cache_folder(root: Path) -> Path:
    configured = os.environ.get(CACHE_ENV, '').strip()
    return Path(configured).expanduser() if configured else root / '.cache'


@functools.cache
def tool_fingerprint() -> str:
    """This tool's source and the libraries that shape its output."""
    from importlib import metadata

    from .environment import harfbuzz_subset_available

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob('*.py')):
        digest.update(path.relative_to(package).as_posix().encode() + b'\0')
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = '-'
        digest.update(f'{name}={version}\n'.encode())
    digest.update(f'harfbuzz-subset={harfbuzz_subset_available()}'.encode())
    digest.update(native_versions().encode())
    digest.update(dictionary_fingerprint().encode())  # Hunspell's Swedish
    return digest.hexdigest()


def native_versions() -> str:
    """Versions of the system libraries and tools that shape the bytes or
    the preflight: Pango, HarfBuzz, fontconfig, zlib, Ghostscript, Python
    (read without loading WeasyPrint)."""
    import ctypes
    import subprocess
    import sys
    import zlib

    found = [f'python={sys.version}', f'zlib={zlib.ZLIB_RUNTIME_VERSION}']
    for name, library, symbol, kind in (
            ('pango', 'libpango-1.0.so.0', 'pango_version_string', 'str'),
            ('harfbuzz', 'libharfbuzz.so.0', 'hb_version_string', 'str'),
            ('fontconfig', 'libfontconfig.so.1', 'FcGetVersion', 'int')):
        try:
            function = getattr(ctypes.CDLL(library), symbol)
            function.restype = ctypes.c_char_p if kind == 'str' \
                else ctypes.c_int
            value = function()
            if kind == 'str':
                value = value.decode()
            found.append(f'{name}={value}')
        except (OSError, AttributeError):
            found.append(f'{name}=-')
    try:
        gs = subprocess.run(['gs', '--version'], capture_output=True,
                            text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        gs = '-'
    found.append(f'ghostscript={gs}')
    return '\n'.join(found)


class Hashes:
    """SHA-256 of project files and folders, each read once per build."""

    def __init__(self, root: Path):
        self.root = root
        self._files: dict[str, str] = {}
        self._trees: dict[str, str] = {}

    def file(self, name: str, outside_ok: bool = False) -> str:
        """The hash of a file given relative to the project; '-' if it is
        not there, or if its real path leaves the project's input folders
        (then it is not opened at all) unless ``outside_ok`` (a content
        file named on the command line)."""
        if name not in self._files:
            if not (outside_ok or real_inside(self.root, self.root / name)):
                return '-'
            try:
                data = read_input(self.root / name)
            except OSError:
                self._files[name] = '-'
            else:
                self._files[name] = hashlib.sha256(data).hexdigest()
        return self._files[name]

    def tree(self, name: str) -> str:
        """The hash of every file under a folder, names included."""
        if name not in self._trees:
            digest = hashlib.sha256()
            for path in project_files(self.root, name):
                relative = path.relative_to(self.root).as_posix()
                digest.update(relative.encode() + b'\0')
                digest.update(self.file(relative).encode())
            self._trees[name] = digest.hexdigest()
        return self._trees[name]


class Cache:
    """Look up and store finished outputs.  ``enabled=False`` (--no-cache)
    never reads the cache but still stores what it builds."""

    def __init__(self, root: Path, enabled: bool = True,
                 folder: Path | None = None):
        self.root = root
        self.enabled = enabled
        self.folder = (folder or cache_folder(root)) / FORMAT
        self.hashes = Hashes(root)

    # --- keys --------------------------------------------------------------

    def key(self, job, date: str) -> str:
        """What is known of an output's inputs before it is rendered."""
        shop = f'printshops/{job.printshop.name}.yaml'
        parts = {
            'tool': tool_fingerprint(),
            'output': job.path,
            'edition': job.edition,
            'date': date,
            'content': [job.campaign.source, self.hashes.file(
                project_relative(self.root, job.campaign.file
                                 or job.campaign.source), outside_ok=True)],
            # A variant's own row (not its whole table): changing one row
            # rebuilds that variant only.
            'variant': [job.campaign.variant,
                        list(job.campaign.variant_values)],
            'layout': [job.layout.name,
                       self.hashes.tree(f'layouts/{job.layout.name}')],
            'shared': {name: self.hashes.tree(name)
                       for name in shared_layout_folders(self.root)},
            'hyphenation': self.hashes.tree('assets/hyphenation'),
            'printshop': [job.printshop.name, self.hashes.file(shop)],
            # The brand's sheet is made from brand.yaml and the profile its
            # screen colours are derived through, never fetched; its fonts
            # and logos are deps (fetched), so a logo rebuilds only the
            # edition that shows it.
            'brand': [job.brand.source, self.hashes.file(job.brand.source),
                      self.hashes.file(job.brand.profile)],
        }
        text = json.dumps(parts, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def inputs_sha256(self, key: str, deps: dict[str, str]) -> str:
        """Everything an output was made from: the key and its fetched
        files with their hashes (``inputs_sha256`` in the manifest)."""
        text = json.dumps([key, sorted(deps.items())])
        return hashlib.sha256(text.encode()).hexdigest()

    def deps(self, fetched) -> dict[str, str]:
        """The files fetched for one output, relative to the project, with
        their hashes now."""
        found = {}
        for path in fetched:
            name = project_relative(self.root, str(path))
            found[name] = self.hashes.file(name)
        return dict(sorted(found.items()))

    # --- entries -----------------------------------------------------------

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def load(self, job, key: str, always: bool = False):
        """The stored :class:`~flyers.result.Result` for ``job`` if its
        inputs are unchanged, else None (always None with --no-cache, unless
        ``always``: to vouch for files already in output/)."""
        from .preflight import Finding, Report
        from .proofs import Preview
        from .result import Result

        if not (self.enabled or always):
            return None
        entry = self._entry(key)
        try:
            meta = json.loads(_read(entry / 'meta.json'))
            # An entry copied or renamed under another key is not that
            # key's: the key it was stored under is inside it.
            if meta.get('key') != key or meta.get('output') != job.path:
                return None
            deps = dict(meta['deps'])
            if any(self.hashes.file(name) != digest
                   for name, digest in deps.items()):
                return None
            pdf = _read(entry / 'output.pdf')
            if hashlib.sha256(pdf).hexdigest() != meta['sha256']:
                return None  # damaged: build it again
            html = _read(entry / 'output.html').decode('utf-8')
            previews = []
            for number, (width, height, digest) in enumerate(
                    meta['previews'], 1):
                png = _read(entry / f'page-{number}.png')
                if hashlib.sha256(png).hexdigest() != digest:
                    return None
                previews.append(Preview(job.path, number, png,
                                        (width, height)))
            report = meta['preflight']
            preflight = Report(report['pdf'], tuple(
                Finding(**{**f, 'position_mm': tuple(f['position_mm'])
                           if f['position_mm'] is not None else None})
                for f in report['findings']),
                tuple(tuple(check) for check in report['checks']))
            copyfit = tuple(meta['copyfit']) if meta['copyfit'] else None
            fields = tuple((tuple(box), name) for box, name in meta['fields'])
            marks = tuple((str(name), str(text))
                          for name, text in meta['marks'])
            result = Result(job, pdf, int(meta['pages']),
                            float(meta['seconds']), html, copyfit, fields,
                            preflight, previews=previews, deps=deps,
                            cached=True,
                            inputs_sha256=self.inputs_sha256(key, deps),
                            marks=marks)
        except Exception:  # noqa: BLE001 - any damage: build it again
            return None
        try:
            os.utime(entry / 'meta.json')  # recently used: pruned last
        except OSError:
            pass
        return result

    def store(self, key: str, result) -> None:
        """Keep a finished, preflighted output (with its proofs) under its
        key.  Failing to store is not an error: the build has its output."""
        meta = {
            'key': key,
            'output': result.job.path,
            'pages': result.pages,
            'seconds': round(result.seconds, 3),
            'copyfit': list(result.copyfit) if result.copyfit else None,
            'fields': [[list(box), name] for box, name in result.fields],
            'marks': [list(mark) for mark in result.marks],
            'sha256': result.sha256,
            'deps': result.deps,
            'previews': [[*p.size, hashlib.sha256(p.png).hexdigest()]
                         for p in result.previews],
            'preflight': {
                'pdf': result.preflight.pdf,
                'findings': [{'check': f.check, 'severity': f.severity,
                              'message': f.message, 'page': f.page,
                              'position_mm': list(f.position_mm)
                              if f.position_mm is not None else None,
                              'field': f.field}
                             for f in result.preflight.findings],
                'checks': [list(c) for c in result.preflight.checks]},
        }
        entry = self._entry(key)
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            temp = Path(tempfile.mkdtemp(prefix=f'.{key[:12]}-',
                                         dir=entry.parent))
            (temp / 'output.pdf').write_bytes(result.pdf)
            (temp / 'output.html').write_text(result.html, 'utf-8')
            for preview in result.previews:
                (temp / f'page-{preview.page}.png').write_bytes(preview.png)
            # meta.json last: an entry without it is not an entry.
            (temp / 'meta.json').write_text(json.dumps(meta), 'utf-8')
            if entry.exists():
                shutil.rmtree(entry, ignore_errors=True)
            os.replace(temp, entry)
        except OSError:
            shutil.rmtree(locals().get('temp', entry.parent / '.none'),
                          ignore_errors=True)

    def prune(self, keep_bytes: int = KEEP_BYTES) -> None:
        """Remove the least recently used entries beyond ``keep_bytes``,
        and leftovers of interrupted stores.  Never fails a build: another
        build may be pruning the same cache."""
        try:
            self._prune(keep_bytes)
        except OSError:
            pass
        from .picturefiles import prune as prune_pictures

        prune_pictures(self.root)

    def _prune(self, keep_bytes: int) -> None:
        if not self.folder.is_dir():
            return
        entries = []
        for bucket in self.folder.iterdir():
            if not bucket.is_dir():
                continue
            for entry in bucket.iterdir():
                meta = entry / 'meta.json'
                if not meta.is_file():
                    # A store interrupted an hour or more ago.
                    if time.time() - entry.stat().st_mtime > 3600:
                        shutil.rmtree(entry, ignore_errors=True)
                    continue
                size = sum(p.stat().st_size for p in entry.iterdir())
                entries.append((meta.stat().st_mtime, size, entry))
        total = sum(size for _, size, _ in entries)
        for _, size, entry in sorted(entries, key=lambda e: e[0]):
            if total <= keep_bytes:
                break
            shutil.rmtree(entry, ignore_errors=True)
            total -= size


def _read(path: Path) -> bytes:
    """A file of a cache entry: the builder's own, so never through a link
    and only a regular file (anything else is damage: built again)."""
    if path.parent.is_symlink():
        raise OSError(f'{path.parent} is a link')
    return read_input(path, follow=False)
