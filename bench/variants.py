#!/usr/bin/env python3
"""Benchmark: 100 district variants of the seed, fast path against full.

Not part of the test suite (issue 13 §3).  Writes a variants table of
``--variants N`` (default 100) real Västerås districts, repeated with a
number past the list, into a throw-away copy of the project and builds the
seed's default layouts (leaflet-a5 and poster-a3) in both editions: 4 × N
PDFs, every one preflighted.  Measured, as whole commands from a cold start
(interpreter and imports included), each once:

  full          build --no-cache with FLYERS_VARIANTS=full: every output
                built in full, as before the fast path (the baseline)
  qr only       build --no-cache: variants differ in the QR tracking only
  qr + line     the same with one short line (the imprint names the
                district's association) differing too — the target case
  qr + line, -j1  the same on one process
  person        a person's name, role and photo differ (and the QR)
  no-op         the qr + line build again, nothing changed (the cache)
  one row       one row of the table changed: only its outputs rebuilt

Proofs are drawn for the first variant of each output only
(FLYERS_VARIANT_PROOFS=first, "the others on request"), in every run but
the baseline.  Also, in one warm process, WeasyPrint's own render of the
HTML of a few of the outputs (``HTML(...).write_pdf``), for comparison.

Peak memory: of each worker, sampled from /proc (bench/run.py's sampler).
Prints a table, the figures against the targets and, last,
``cost per variant PDF: N.NNN s = R.RR× a full build`` for the QR-only
case.  Do not run it while others use the machine: it takes minutes.

Switching to other variants: :func:`write_table` writes the table; a
scenario is just its columns (``SCENARIOS``).
Usage: python bench/variants.py [--variants N] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as common  # noqa: E402 - bench/run.py: commands and sampling

ROOT = common.ROOT
SEED = 'content/trygghet-vasteras.yaml'
TABLE = 'content/trygghet-vasteras.variants.csv'
# Real districts of Västerås (stadsdelar and nearby places of the
# municipality); past the list they come again with a number.
DISTRICTS = (
    'Bäckby', 'Skiljebo', 'Råby', 'Vallby', 'Hammarby', 'Pettersberg',
    'Viksäng', 'Malmaberg', 'Önsta-Gryta', 'Bjurhovda', 'Kristiansborg',
    'Vetterslund', 'Haga', 'Blåsbo', 'Hemdal', 'Jakobsberg', 'Kungsängen',
    'Tillberga', 'Dingtuna', 'Barkarö', 'Skultuna', 'Irsta', 'Gideonsberg',
    'Lillhamre', 'Erikslund', 'Hälla', 'Stensborg', 'Tunbytorp', 'Rönnby',
    'Malma', 'Hacksta', 'Skälby', 'Billsta', 'Nordanby', 'Sätra', 'Centrum',
    'Västermalm', 'Öster Mälarstrand', 'Kåpan', 'Bjurhovdabacken',
)
IMPRINT = 'Ansvarig utgivare: [namn saknas], Liberalerna i {district}'
PEOPLE = ('Exempel Exempelsson', 'Påhittad Persson', 'Anna Andersson',
          'Björn Berg', 'Cecilia Ek', 'David Dahl')
# Each scenario: the table's columns past id and qr_tracking, and how a
# row fills them (i: the row, district: its district).
SCENARIOS = {
    'qr only': ((), lambda i, district: ()),
    'qr + line': (('imprint',),
                  lambda i, district: (IMPRINT.format(district=district),)),
    'person': (('people[0].name', 'people[0].role', 'people[0].photo.file'),
               lambda i, district: (
                   f'{PEOPLE[i % len(PEOPLE)]} {i + 1}',
                   f'kontaktperson i {district} (påhittad person)',
                   f'bench-{i + 1:03d}.jpg')),
}
OUTPUTS_PER_VARIANT = 4  # two layouts, two editions
TARGET_WALL = 0.05  # s per PDF, QR + one line
TARGET_RATIO = 0.3  # × a full build's cost per output
TARGET_PERSON = 0.15  # s per PDF per core
TARGET_MIB = 300


def slug(text: str) -> str:
    plain = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore')
    return '-'.join(plain.decode().lower().split())


def rows(count: int) -> list[tuple[str, str]]:
    """(id, district) of ``count`` variants."""
    found = []
    for i in range(count):
        district = DISTRICTS[i % len(DISTRICTS)]
        lap = i // len(DISTRICTS)
        name = slug(district) + (f'-{lap + 1}' if lap else '')
        found.append((name, district + (f' {lap + 1}' if lap else '')))
    return found


def make_project(work: Path) -> None:
    """A throw-away copy of the project: the seed campaign alone."""
    for name in ('layouts', 'brands', 'assets', 'printshops'):
        shutil.copytree(ROOT / name, work / name)
    (work / 'content').mkdir()
    shutil.copy2(ROOT / SEED, work / SEED)
    shutil.copytree(ROOT / 'content' / 'images', work / 'content' / 'images')


def write_pictures(work: Path, count: int) -> None:
    """A portrait per variant for the person scenario: the seed's, tinted."""
    from PIL import Image, ImageOps

    source = Image.open(work / 'content' / 'images' / 'kontakt-1.jpg')
    grey = ImageOps.grayscale(source)
    for i in range(count):
        hue = (i * 37) % 256
        tinted = ImageOps.colorize(grey, (hue // 3, 20, 60),
                                   (255, 240 - hue // 4, 200))
        tinted.save(work / 'content' / 'images' / f'bench-{i + 1:03d}.jpg',
                    quality=90)


def write_table(work: Path, scenario: str, count: int,
                changed_row: int | None = None) -> None:
    columns, values = SCENARIOS[scenario]
    lines = [';'.join(('id', 'qr_tracking') + columns)]
    for i, (name, district) in enumerate(rows(count)):
        cells = list(values(i, district))
        if i == changed_row and cells:
            cells[0] = cells[0].replace('Liberalerna', 'Liberalerna, avd.')
        tracking = f'utm_content={name}' + ('&v=2' if i == changed_row
                                            else '')
        lines.append(';'.join([name, tracking, *cells]))
    (work / TABLE).write_text('\n'.join(lines) + '\n', 'utf-8')


class CpuSampler(common.TreeSampler):
    """bench/run.py's sampler, also keeping each process's CPU seconds
    (utime + stime from /proc/PID/stat, as last seen): the workers are
    forked by multiprocessing's forkserver, out of os.wait4's sight."""

    last = None

    def __init__(self, pid: int):
        super().__init__(pid)
        self.cpu: dict[int, float] = {}
        CpuSampler.last = self

    def sample(self) -> None:
        super().sample()
        tick = os.sysconf('SC_CLK_TCK')
        for pid in [self.pid, *self.tracked]:
            try:
                with open(f'/proc/{pid}/stat', 'rb') as file:
                    fields = file.read().rpartition(b')')[2].split()
            except OSError:
                continue
            seconds = (int(fields[11]) + int(fields[12])) / tick
            self.cpu[pid] = max(seconds, self.cpu.get(pid, 0.0))

    def total(self) -> float:
        return sum(self.cpu.values())


def build(work: Path, *args: str, fast: bool = True,
          proofs_first: bool = True) -> common.Run:
    """One build command, timed, with its processes' memory and CPU
    sampled (``run.cpu``: seconds, all processes of the build)."""
    saved = dict(os.environ)
    os.environ['FLYERS_VARIANTS'] = '' if fast else 'full'
    os.environ['FLYERS_VARIANT_PROOFS'] = 'first' if proofs_first else ''
    common.TreeSampler = CpuSampler
    try:
        result = common.run([sys.executable, str(ROOT / 'make_flyers.py'),
                             '--project', str(work), 'build', *args], work,
                            sample=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    result.cpu = CpuSampler.last.total()
    return result


def in_process(work: Path, limit: int) -> float:
    """WeasyPrint's own render of ``limit`` of the build's HTML files, in
    one warm process: seconds per PDF."""
    html = sorted((work / 'output').glob('*.html'))[:limit]
    if not html:
        return float('nan')
    jobs = [[str(path), str((work / 'layouts' / layout).resolve()) + '/',
             str(path.with_suffix('.weasy.pdf'))]
            for path in html
            for layout in [next(name for name in ('leaflet-a5', 'poster-a3')
                                if name in path.name)]]
    with tempfile.TemporaryDirectory() as scratch:
        jobs_file, times_file = Path(scratch, 'j.json'), Path(scratch, 't')
        jobs_file.write_text(json.dumps(jobs))
        subprocess.run([sys.executable, '-c', common.IN_PROCESS,
                        str(jobs_file), str(times_file)], check=True,
                       cwd=work, env=dict(os.environ, SOURCE_DATE_EPOCH=(
                           common.SOURCE_DATE_EPOCH)))
        times = json.loads(times_file.read_text())
    return sum(times) / len(times)


def step(text: str) -> None:
    print(f'… {text}', file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--variants', type=int, default=100)
    parser.add_argument('--keep', action='store_true',
                        help='keep the throw-away project (its path is '
                        'printed)')
    args = parser.parse_args()
    count = args.variants
    pdfs = count * OUTPUTS_PER_VARIANT
    work = Path(tempfile.mkdtemp(prefix='bench-variants-')) / 'project'
    runs: dict[str, common.Run] = {}
    try:
        make_project(work)
        write_pictures(work, count)
        write_table(work, 'qr only', count)
        step(f'full build of {pdfs} outputs (every output in full)')
        runs['full'] = build(work, '--no-cache', '--html', fast=False,
                             proofs_first=False)
        step('WeasyPrint in-process, a sample of the HTML')
        weasy = in_process(work, 8)
        step('qr only')
        runs['qr only'] = build(work, '--no-cache')
        write_table(work, 'qr + line', count)
        step('qr + line')
        runs['qr + line'] = build(work, '--no-cache')
        step('qr + line, --jobs 1')
        runs['qr + line, -j1'] = build(work, '--no-cache', '--jobs', '1')
        step('no-op rebuild')
        runs['no-op'] = build(work)
        write_table(work, 'qr + line', count, changed_row=count // 2)
        step('one row changed')
        runs['one row'] = build(work)
        write_table(work, 'person', count)
        step('person: name, role and photo')
        runs['person'] = build(work, '--no-cache')
    except common.Failed as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f'kept: {work}', file=sys.stderr)
        else:
            shutil.rmtree(work.parent, ignore_errors=True)
    report(runs, pdfs, weasy)
    return 0


def report(runs: dict, pdfs: int, weasy: float) -> None:
    full = runs['full'].seconds / pdfs
    cores = os.cpu_count() or 1
    full_cpu = runs['full'].cpu / pdfs
    print(f'| run ({pdfs} PDFs) | wall s | wall s per PDF | × full | '
          'CPU s per PDF | × full | built, cached | peak MiB per worker |')
    print('|---|---|---|---|---|---|---|---|')
    for name, result in runs.items():
        made = common.built_and_cached(result.output)
        worker = max(result.workers.values(), default=result.peak_mib)
        per, cpu = result.seconds / pdfs, result.cpu / pdfs
        print(f'| {name} | {result.seconds:.1f} | {per:.3f} | '
              f'{per / full:.2f} | {cpu:.3f} | {cpu / full_cpu:.2f} | '
              f'{made} | {worker:.0f} |')
    print(f'| WeasyPrint in-process render (a sample, one warm process) | '
          f'| {weasy:.3f} | {weasy / full:.2f} | | | | |')
    line = runs['qr + line'].seconds / pdfs
    person = runs['person'].seconds / pdfs * cores
    noop = runs['no-op'].seconds / runs['full'].seconds
    one = common.built_and_cached(runs['one row'].output)
    peak = max((max(r.workers.values(), default=0) for r in runs.values()),
               default=0)
    print()
    print(f'qr + line: {line:.3f} s per PDF (target {TARGET_WALL}), '
          f'{line / full:.2f}× full (target {TARGET_RATIO}); CPU '
          f'{runs["qr + line"].cpu / pdfs:.3f} s per PDF = '
          f'{runs["qr + line"].cpu / runs["full"].cpu:.2f}× full')
    print(f'person: {person:.3f} s per PDF per core (target '
          f'{TARGET_PERSON})')
    print(f'no-op rebuild: {noop:.3f} of the full build (target 0.05)')
    print(f'one row changed: {one} (built, cached; target '
          f'{OUTPUTS_PER_VARIANT} built)')
    print(f'peak memory per worker: {peak:.0f} MiB (target {TARGET_MIB})')
    qr = runs['qr only'].seconds / pdfs
    print(f'cost per variant PDF: {qr:.3f} s = {qr / full:.2f}× a full '
          'build')


if __name__ == '__main__':
    raise SystemExit(main())
