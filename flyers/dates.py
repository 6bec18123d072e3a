"""The date each output carries, so that the same inputs give the same bytes.

WeasyPrint writes the creation and modification dates into every PDF (and
its XMP).  "Now" would make every build differ, so an output is dated:

1. ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention);
2. else the time of the last git commit that touched one of its inputs:
   its content file, its layout's folder, the shared ``layouts/_*/``
   folders, its brand's folder (``brands/NAME/``) and its print shop's
   file — the same in every clone, and unchanged for
   outputs a commit did not touch, so the cache keeps them;
3. else (not in git) the newest modification time among those files.

One ``git log`` call reads the times of every input at once.
"""

from __future__ import annotations

import datetime
import os
import subprocess
from pathlib import Path

from .inputs import (INPUT_FOLDERS, project_relative, real_inside,
                     shared_layout_folders)


def _format(epoch: int) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


class Dates:
    def __init__(self, root: Path):
        self.root = root
        epoch = os.environ.get('SOURCE_DATE_EPOCH', '').strip()
        if epoch and not epoch.isdigit():
            from .errors import Problem, UsageError
            raise UsageError(Problem('SOURCE_DATE_EPOCH', (
                f'"{epoch}" is not a time; give seconds since 1970 (e.g. '
                '$(git log -1 --format=%ct)) or unset it')))
        self.fixed = int(epoch) if epoch else None
        self.times = None if self.fixed is not None else _git_times(root)

    def inputs(self, content: str, layout: str, printshop: str,
               brand: str = 'default') -> list[str]:
        """An output's input files and folders (folders end in /)."""
        return [project_relative(self.root, content), f'layouts/{layout}/',
                *(f'{name}/' for name in shared_layout_folders(self.root)),
                f'brands/{brand}/', f'printshops/{printshop}.yaml']

    def output(self, content: str, layout: str, printshop: str,
               brand: str = 'default') -> str:
        """The date of one output (content file, layout, print-shop and
        brand names as in a Job)."""
        if self.fixed is not None:
            return _format(self.fixed)
        inputs = self.inputs(content, layout, printshop, brand)
        if self.times:
            found = [time for path, time in self.times.items()
                     if any(path == name or (name.endswith('/')
                                             and path.startswith(name))
                            for name in inputs)]
            if found:
                return _format(max(found))
        return _format(self._newest_mtime(inputs))

    def job(self, job) -> str:
        """The date of one :class:`~flyers.job.Job`'s output."""
        return self.output(job.campaign.file or job.campaign.source,
                           job.layout.name, job.printshop.name,
                           job.brand.folder_name)

    def project(self) -> str:
        """The date of the whole project: of a release bundle."""
        if self.fixed is not None:
            return _format(self.fixed)
        if self.times:
            return _format(max(self.times.values()))
        return _format(self._newest_mtime([f'{name}/'
                                           for name in INPUT_FOLDERS]))

    def _newest_mtime(self, inputs: list[str]) -> int:
        newest = 0.0
        for name in inputs:
            path = self.root / name
            try:
                if path.is_dir():
                    if not real_inside(self.root, path):
                        continue  # a link out of the project: not an input
                    for item in path.rglob('*'):
                        if real_inside(self.root, item) and item.is_file():
                            newest = max(newest, item.stat().st_mtime)
                elif path.is_file():
                    newest = max(newest, path.stat().st_mtime)
            except OSError:
                continue
        return int(newest)


def _git_times(root: Path) -> dict[str, int] | None:
    """Path (relative to the project) → time of the last commit touching
    it, for every file ever committed under the input folders; None when
    the project is not in git."""
    try:
        result = subprocess.run(
            ['git', '-C', str(root), 'log', '--format=%x00%ct',
             '--name-only', '--relative', '--no-renames', '--',
             *INPUT_FOLDERS],
            capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    times: dict[str, int] = {}
    current = None
    for line in result.stdout.splitlines():
        if line.startswith('\0'):
            value = line[1:].strip()
            current = int(value) if value.isdigit() else None
        elif line and current is not None:
            times[line] = max(times.get(line, 0), current)
    return times or None
