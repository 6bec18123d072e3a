#!/usr/bin/env python3
"""Benchmark: what the campaign's photos cost.

Not part of the test suite.  In a throw-away copy of the project, the seed
campaign twice — as it is (a 4000 × 2600 hero photo and two 1600 × 2000
portraits) and with ``hero:`` and ``people:`` removed — is rendered in one
warm process (the Producer the build's workers use: HTML → laid-out pages
→ pictures prepared → PDF bytes, without the preflight), print and screen,
in the default leaflet (``--layout`` for another).  Each output is built
once to warm up (that fills the prepared-picture cache, and its time is
shown as "first"), then ``--repeat`` times; the median is compared:

  target: with pictures <= 1.3 × without, print and screen.

Then a text-only rebuild: the title of the campaign with pictures is
changed and ``build --jobs 1`` is run in this process (preflight and
proofs included); the pictures decoded and converted during it are
counted (target: none), and its time is compared with the same rebuild
of the campaign without pictures.

Usage: python bench/pictures.py [--layout NAME] [--repeat N] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = ROOT / 'content' / 'trygghet-vasteras.yaml'


def without_pictures(text: str) -> str:
    """The seed's text with its hero: and people: blocks left out."""
    return re.sub(r'^(hero|people):\n(?:(?:[ #].*)?\n)*', '', text,
                  flags=re.M)


def make_project(folder: Path) -> Path:
    project = folder / 'project'
    for name in ('layouts', 'brands', 'assets', 'printshops', 'content'):
        shutil.copytree(ROOT / name, project / name)
    (project / 'content' / 'trygghet-vasteras.yaml').unlink()
    text = SEED.read_text('utf-8')
    (project / 'content' / 'with.yaml').write_text(text, 'utf-8')
    plain = without_pictures(text)
    assert 'hero:' not in plain and 'people:' not in plain
    (project / 'content' / 'without.yaml').write_text(plain, 'utf-8')
    return project


def render_times(project: Path, layout: str, repeat: int) -> dict:
    """{(content, edition): (first, median of the rest)} in seconds."""
    from flyers.catalogue import load_everything
    from flyers.produce import Producer

    producer = Producer(project)
    times = {}
    for name in ('with', 'without'):
        jobs = load_everything(project, [str(project / 'content'
                                             / f'{name}.yaml')], [layout])
        for job in jobs:
            started = time.perf_counter()
            producer.produce(job, '2026-01-01', None)
            first = time.perf_counter() - started
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                producer.produce(job, '2026-01-01', None)
                runs.append(time.perf_counter() - started)
            times[(name, job.edition)] = (first, statistics.median(runs))
    return times


def text_rebuild(project: Path, layout: str, name: str) -> tuple[float, int,
                                                                 int]:
    """Seconds of a build after a title change, and the pictures decoded
    and converted during it."""
    from flyers import pictures, picturefiles
    from flyers.cli import main

    content = project / 'content' / f'{name}.yaml'
    args = ['--project', str(project), 'build', '--jobs', '1', '--layout',
            layout, str(content)]
    with contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        assert main(args) == 0
        content.write_text(content.read_text('utf-8').replace(
            'title: Trygghet i Västerås', 'title: Trygghet i hela Västerås'),
            'utf-8')
        picturefiles.DECODES['count'] = pictures.CONVERSIONS['count'] = 0
        started = time.perf_counter()
        assert main(args) == 0
        seconds = time.perf_counter() - started
    return (seconds, picturefiles.DECODES['count'],
            pictures.CONVERSIONS['count'])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--layout', default='leaflet-a5')
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--keep', action='store_true',
                        help='keep the throw-away project and print its path')
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='flyers-bench-pictures-'))
    try:
        project = make_project(folder)
        times = render_times(project, args.layout, args.repeat)
        print(f'| {args.layout} | first (s) | warm median (s) |')
        print('| --- | --- | --- |')
        for (name, edition), (first, warm) in sorted(times.items()):
            print(f'| {name} pictures, {edition} | {first:.3f} | '
                  f'{warm:.3f} |')
        print()
        ok = True
        for edition in ('print', 'screen'):
            ratio = times[('with', edition)][1] / times[('without',
                                                         edition)][1]
            ok &= ratio <= 1.3
            print(f'{edition}: with pictures / without = {ratio:.2f} '
                  f'(target <= 1.3: {"met" if ratio <= 1.3 else "MISSED"})')
        with_s, decoded, converted = text_rebuild(project, args.layout,
                                                  'with')
        without_s, _, _ = text_rebuild(project, args.layout, 'without')
        print(f'text-only rebuild: {with_s:.2f} s with pictures, '
              f'{without_s:.2f} s without ({with_s / without_s:.2f} ×); '
              f'pictures decoded {decoded}, converted {converted} '
              f'(target: 0 and 0)')
        ok &= decoded == 0 and converted == 0
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f'kept: {folder}')
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
