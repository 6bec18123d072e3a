#!/usr/bin/env python3
"""Where one output's time goes: CPU seconds per stage, in one warm process.

Not part of the test suite.  Builds the given layouts of one content file
(default: leaflet-a5 and poster-a3 of content/trygghet-vasteras.yaml, print
and screen) with the ordinary :class:`flyers.produce.Producer`, once to
warm up and then ``--runs`` times, and prints a table of CPU seconds
(``time.process_time``, plus the CPU of child processes such as
Ghostscript: the machine is shared, so wall time is noisy) per stage:
Jinja render, each WeasyPrint layout (with their count), write_pdf and each
finisher inside it, the screen edition's link tidying, the preflight and
its parts, the proofs.

With ``--fast N`` it measures the variants' fast path instead
(:mod:`flyers.variantfast`): after a full build of each output, N variants
that differ in the QR tracking only, then N that also differ in the
imprint (a shorter line), per stage, with proofs for the base only.

Usage: python bench/stages.py [--runs N] [--fast N] [--layout NAME ...]
       [CONTENT]
"""

from __future__ import annotations

import argparse
import collections
import functools
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOTALS: dict[str, float] = collections.defaultdict(float)
COUNTS: dict[str, int] = collections.defaultdict(int)


def cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(name: str, function):
    """``function``, adding its CPU time to TOTALS[name]."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = cpu()
        try:
            return function(*args, **kwargs)
        finally:
            TOTALS[name] += cpu() - started
            COUNTS[name] += 1
    return wrapper


def wrap(module, attribute: str, name: str) -> None:
    setattr(module, attribute, timed(name, getattr(module, attribute)))


def wrap_factory(module, attribute: str, name: str) -> None:
    """A function that returns a finisher part: time the part."""
    factory = getattr(module, attribute)

    @functools.wraps(factory)
    def make(*args, **kwargs):
        return timed(name, factory(*args, **kwargs))
    setattr(module, attribute, make)


def instrument() -> None:
    import weasyprint

    from flyers import (draftmark, marks, pdf, pdfcolours, pdffonts,
                        preflight, produce, proofs, render)
    from flyers.preflight import content, document, raster, tags

    wrap(render.Renderer, 'render', 'jinja render')
    wrap(weasyprint.HTML, 'render', 'weasyprint layout')
    wrap(pdf, 'Analysis', 'layout analysis (pagecheck)')
    wrap(pdf, 'fit_marks', 'draft mark fitting')
    wrap(pdf, 'prepare_pictures', 'pictures')
    wrap(pdf, 'print_colour_problems', 'print colour check (pre-layout)')
    wrap(weasyprint.Document, 'write_pdf', 'write_pdf (incl. finishers)')
    for part in ('without_annotations', 'without_groups',
                 'pdfx1a_identification'):
        wrap(marks, part, f'  finisher marks.{part}')
    for part in ('crop_marks', 'output_intent', 'embed_profile_as_is',
                 'stable_document_id'):
        wrap_factory(marks, part, f'  finisher marks.{part}')
    wrap(pdfcolours, 'used_colour_spaces_only',
         '  finisher pdfcolours.used_colour_spaces_only')
    wrap_factory(pdffonts, 'fonts_finisher', '  finisher pdffonts')
    wrap_factory(pdf, 'fonts_finisher', '  finisher pdffonts')
    original_draft = pdf.draft_finisher

    def draft_finisher(document_, then):
        finish = original_draft(document_, then)
        return finish
    pdf.draft_finisher = draft_finisher
    wrap(draftmark, 'paint_marks', '  finisher draftmark') \
        if hasattr(draftmark, 'paint_marks') else None
    wrap(pdf, 'tidy_links', 'links.tidy_links (screen)')
    wrap(pdf, 'measure_overflow', 'overflow measuring')
    wrap(preflight, 'preflight', 'preflight (total)')
    wrap(document, 'check_structure', '  preflight structure (qpdf)')
    wrap(document, 'page_frames', '  preflight page frames')
    wrap(content.Reader, 'read_page', '  preflight content streams')
    wrap(document, 'check_fonts', '  preflight fonts')
    wrap(document, 'check_links', '  preflight links')
    wrap(tags, 'check_tags', '  preflight tags')
    wrap(raster, 'check_rendered', '  preflight raster (PDFium, QR)')
    wrap(raster, 'start_ink', '  preflight ink start (Ghostscript)')
    wrap(raster, 'finish_ink', '  preflight ink finish (Ghostscript)')
    wrap(proofs, 'page_previews', 'proofs')
    wrap(produce.Producer, 'produce', 'TOTAL produce()')
    from flyers import variantfast, variantpatch
    for name in ('patch_qr', 'swap_qr', 'one_layout', 'delta_preflight'):
        wrap(variantfast, name, f'fast: {name}')
    wrap(variantpatch, 'patchable', 'fast: patchable (once per base)')
    wrap(variantfast.Variants, 'shortcut', 'TOTAL fast path')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('content', nargs='?',
                        default='content/trygghet-vasteras.yaml')
    parser.add_argument('--layout', action='append',
                        default=None)
    parser.add_argument('--runs', type=int, default=1)
    parser.add_argument('--fast', type=int, default=0)
    args = parser.parse_args()
    layouts = args.layout or ['leaflet-a5', 'poster-a3']

    from flyers.catalogue import load_everything
    from flyers.dates import Dates
    from flyers.produce import Producer

    instrument()
    jobs = load_everything(ROOT, [args.content], layouts)
    first = jobs[0].campaign.variant  # one variant of a table
    jobs = [job for job in jobs if job.campaign.variant == first]
    producer = Producer(ROOT)
    dates = Dates(ROOT)
    with tempfile.TemporaryDirectory() as staging:
        staging = Path(staging)
        for job in jobs:  # warm up: fonts, pictures, imports
            producer.produce(job, dates.job(job), staging)
        if args.fast:
            rows = fast_rows(jobs, producer, dates, staging, args.fast)
        else:
            rows = []
        for job in jobs if not args.fast else ():
            TOTALS.clear()
            COUNTS.clear()
            for _ in range(args.runs):
                producer.produce(job, dates.job(job), staging)
            rows.append((job.path, {k: v / args.runs
                                    for k, v in TOTALS.items()},
                         {k: c / args.runs for k, c in COUNTS.items()}))
    names = list(dict.fromkeys(name for _, totals, _ in rows
                               for name in totals))
    names.sort(key=lambda n: (n.startswith('TOTAL'), ))
    width = max(map(len, names))
    heads = [Path(path).stem.replace('trygghet-vasteras-', '')
             .replace('.pdf', '') for path, _, _ in rows]
    print(f'{"CPU s per output (calls)":{width}}  '
          + '  '.join(f'{h:>18}' for h in heads))
    for name in names:
        cells = []
        for _, totals, counts in rows:
            if name in totals:
                cells.append(f'{totals[name]:8.3f} ({counts[name]:4.1f})')
            else:
                cells.append(f'{"-":>18}')
        print(f'{name:{width}}  ' + '  '.join(f'{c:>18}' for c in cells))
    return 0


SHORT = ('Råby', 'Haga', 'Malma', 'Irsta', 'Hälla', 'Sätra', 'Kåpan',
         'Hemdal')


def fast_rows(jobs, producer, dates, staging, count: int) -> list:
    """Per output: a full build (the base), then ``count`` QR-only
    variants and ``count`` with a shorter imprint, each set measured."""
    import dataclasses

    from flyers.catalogue import _make_qr
    from flyers.variantfast import Variants

    def variant(job, n: int, imprint=None):
        key = job.layout.name if job.is_print else f'{job.layout.name}-screen'
        tracking = job.campaign.qr_tracking.get(key) or ''
        changes = {'qr_tracking': {**job.campaign.qr_tracking,
                                   key: f'{tracking}&v={n:03d}'}}
        if imprint:
            changes['imprint'] = imprint
        campaign = dataclasses.replace(job.campaign, **changes)
        return dataclasses.replace(job, campaign=campaign, qr=_make_qr(
            campaign, job.layout, job.edition, []))

    rows = []
    for job in jobs:
        fast = Variants(producer, proofs_of_variants=False)
        fast.produce(job, dates.job(job), staging)
        for kind in ('qr only', 'qr + line'):
            made = [variant(job, n, None if kind == 'qr only' else
                            f'Ansvarig utgivare: [namn saknas], Liberalerna '
                            f'i {SHORT[n % len(SHORT)]}')
                    for n in range(count)]
            for one in made:  # the QR codes, as the build's loading makes
                one.qr.svg
            TOTALS.clear()
            COUNTS.clear()
            before = dict(fast.made)
            for one in made:
                fast.produce(one, dates.job(one), staging)
            how = {k: v - before.get(k, 0) for k, v in fast.made.items()
                   if v - before.get(k, 0)}
            print(f'{job.path} {kind}: {how}', file=sys.stderr)
            rows.append((f'{job.path} {kind}',
                         {k: v / count for k, v in TOTALS.items()},
                         {k: c / count for k, c in COUNTS.items()}))
    return rows


if __name__ == '__main__':
    raise SystemExit(main())
