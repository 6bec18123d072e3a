"""The command line: parse arguments, call one command, map errors to exits.

``main(argv=None) -> int`` is callable from tests.  This is the one place
that catches :class:`~flyers.errors.FlyerError` and turns it into messages on
stderr and an exit code; heavy modules (WeasyPrint) are imported only by the
commands that render, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import enum
import sys
import time
from pathlib import Path

from . import __version__
from .errors import FlyerError, Problem, UsageError

PROJECT = Path(__file__).resolve().parent.parent


class Exit(enum.IntEnum):
    OK = 0
    ERROR = 1  # content, layout or build errors
    USAGE = 2  # the command line itself is wrong


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='make_flyers.py',
        description='Build print-ready campaign leaflets and posters (PDF) '
                    'from content/*.yaml through the layouts in layouts/.')
    parser.add_argument('--version', action='version',
                        version=f'%(prog)s {__version__}')
    parser.add_argument('--project', type=Path, default=PROJECT,
                        metavar='DIR', help='project folder with content/, '
                        'layouts/, brands/, assets/ (default: %(default)s)')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')

    build = commands.add_parser(
        'build', help='build PDFs into output/ (default: everything)',
        description='Build every content file in every layout it asks for '
                    '(default: all default layouts) into output/, and write '
                    'output/manifest.json. Nothing is written unless every '
                    'output builds.')
    build.add_argument('contents', nargs='*', metavar='CONTENT',
                       help='content files to build (default: content/*.yaml)')
    build.add_argument('--layout', action='append', default=[],
                       metavar='NAME', help='build only this layout '
                       '(repeatable)')
    build.add_argument('--edition', action='append', default=[],
                       choices=('print', 'screen'),
                       help='build only this edition (default: both)')
    build.add_argument('--printshop', default='default', metavar='NAME',
                       help='print shop specification printshops/NAME.yaml '
                            '(default: %(default)s)')
    build.add_argument('--html', action='store_true',
                       help='also write the HTML given to WeasyPrint next to '
                            'each PDF (for designers and benchmarks)')
    _variant_option(build)
    build.add_argument('--combined', action='store_true',
                       help='also write, per campaign with variants and '
                            'layout, one print PDF holding every variant in '
                            'order (for a variable-data press); the manifest '
                            'says which pages are which variant')
    _speed_options(build)
    build.add_argument('--shard', metavar='K/N', help='build only the K-th '
                       'of N equal parts of the outputs (a CI matrix: one '
                       'part per machine; join them with merge-manifests)')

    check = commands.add_parser(
        'check', help='validate content and layouts without writing PDFs',
        description='Load, validate and lay out everything like build does, '
                    'but write nothing.')
    check.add_argument('contents', nargs='*', metavar='CONTENT')
    check.add_argument('--layout', action='append', default=[],
                       metavar='NAME')
    check.add_argument('--edition', action='append', default=[],
                       choices=('print', 'screen'))
    check.add_argument('--printshop', default='default', metavar='NAME')
    _variant_option(check)
    _speed_options(check)
    check.add_argument('--shard', metavar='K/N')

    imp = commands.add_parser(
        'import', help='turn a campaign page\'s text into a content file',
        description='Read a campaign web page saved from the browser as HTML, '
                    'or as text or Markdown, and write a content file that '
                    'builds. Says what it guessed.')
    imp.add_argument('page', type=Path, metavar='PAGE')
    imp.add_argument('--out', type=Path, required=True,
                     metavar='content/NAME.yaml')
    imp.add_argument('--url', metavar='ONLINE-PAGE-URL',
                     help='address of the online page (the QR target); '
                          'without it a placeholder is recorded (draft)')
    imp.add_argument('--lang', metavar='CODE',
                     help='language of the page (default: guessed)')
    imp.add_argument('--force', action='store_true',
                     help='overwrite --out if it exists')

    release = commands.add_parser(
        'release', help='build, preflight and bundle everything for print',
        description='Build every content file in both editions, refuse '
                    'drafts, placeholders and any preflight finding, and '
                    'write output/release.zip (PDFs, proofs, proof report, '
                    'manifest with a sha256 per file).')
    release.add_argument('contents', nargs='*', metavar='CONTENT',
                         help='release only these content files (default: '
                              'every content/*.yaml), so one campaign\'s '
                              'drafts do not hold back another\'s release')
    release.add_argument('--printshop', default='default', metavar='NAME')
    release.add_argument('--require-approval', action='store_true',
                         help='refuse every output whose bytes are not the '
                              'ones approved in approvals.yaml ("approve"); '
                              'name those changed since, with their diff '
                              '(output/diff/index.html)')
    _speed_options(release)

    translated = commands.add_parser(
        'translated', help='record that a translation matches its source now',
        description='Write into a translation (a content file with '
                    '"translation_of: SOURCE.yaml") a short hash of each of '
                    'its source\'s fields, under "translated_from:". Run it '
                    'after bringing the translation up to date: build and '
                    'check then warn about each source field changed since, '
                    'and release refuses the translation until it is '
                    'updated and recorded again.')
    translated.add_argument('translation', type=Path,
                            metavar='content/NAME.yaml')

    merge = commands.add_parser(
        'merge-manifests', help='join the outputs of "build --shard K/N" runs',
        description='Join the output folders of the shards of one build '
                    '(each with its manifest.json) into output/: checks that '
                    'every shard is there and every file matches its '
                    'sha256, then writes one manifest, contact sheet and '
                    'proof report.')
    merge.add_argument('shards', nargs='+', type=Path, metavar='SHARD',
                       help='a shard\'s output folder (or its manifest.json)')

    serve = commands.add_parser(
        'serve', help='live preview of the real pages while you edit',
        description='Build everything in memory and show the pages on a '
                    'local web page (127.0.0.1 only); saving a file under '
                    'content/, layouts/, brands/, assets/ or printshops/ '
                    'rebuilds what '
                    'depends on it and the page updates itself. Ctrl-C stops.')
    serve.add_argument('--port', type=_port, default=8765,
                       help='port on 127.0.0.1, 1 to 65535, or 0 for any '
                            'free one (default: %(default)s)')
    serve.add_argument('--printshop', default='default', metavar='NAME')
    serve.add_argument('--time-limit', type=_seconds, default=None,
                       metavar='SECONDS', help='stop an output that takes '
                       'longer than this to build (default: 60)')

    scaffold = commands.add_parser(
        'new-layout', help='start a new layout from an existing one',
        description='Copy layouts/FROM to layouts/NAME (template, CSS, '
                    'manifest), ready to build; then change its CSS and '
                    'layout.yaml.')
    scaffold.add_argument('name', metavar='NAME')
    scaffold.add_argument('--from', dest='source', default='leaflet-a5',
                          metavar='LAYOUT',
                          help='the layout to start from (default: '
                               '%(default)s)')

    brand = commands.add_parser(
        'new-brand', help='start a new brand from an existing one',
        description='Copy brands/FROM to brands/NAME (brand.yaml, fonts and '
                    'their licence, logos), ready to build; then change its '
                    'brand.yaml and logos, and name it in a content file '
                    'with "brand: NAME".')
    brand.add_argument('name', metavar='NAME')
    brand.add_argument('--from', dest='source', default='default',
                       metavar='BRAND', help='the brand to start from '
                       '(default: %(default)s)')

    preflight = commands.add_parser(
        'preflight', help='check built PDFs as a print shop would',
        description='Check PDFs of output/manifest.json (default: all) '
                    'against what they were built to be: boxes, fonts, safe '
                    'zone, type and rule sizes, image resolution, colour '
                    '(CMYK only, output intent), total ink, QR codes, links, '
                    'structure. Every build runs this too.')
    preflight.add_argument('pdfs', nargs='*', metavar='PDF')
    commands.add_parser('schema', help='print the content file schema '
                        '(Markdown)')
    _sign_off_commands(commands)
    return parser


# --- diff and sign-off (issue 14, sections 3 and 4) ------------------------

def _sign_off_commands(commands) -> None:
    diff = commands.add_parser(
        'diff', help='what changed between two builds (text and pixels)',
        description='Compare two builds output by output: identical PDFs '
                    'are unchanged (not rendered); otherwise the words '
                    'removed and added in each content field and the '
                    'changed regions of every page (rendered by PDFium at '
                    'the proofs\' resolution). Writes output/diff/index.html '
                    'and exits with 1 when anything changed, 0 when nothing '
                    'did.')
    diff.add_argument('old', nargs='?', metavar='OLD', help='a release '
                      'bundle (.zip) or an output folder with its '
                      'manifest.json (default: output/release.zip, the last '
                      'release)')
    diff.add_argument('new', nargs='?', metavar='NEW', help='the same '
                      '(default: output/, the current build)')
    approve = commands.add_parser(
        'approve', help='record who approved which output (approvals.yaml)',
        description='Record in approvals.yaml who approved each OUTPUT, '
                    'with the sha256 of its PDF as built now and the time '
                    '(UTC). Commit approvals.yaml; "release '
                    '--require-approval" then refuses any output whose '
                    'bytes were not approved.')
    approve.add_argument('outputs', nargs='+', metavar='OUTPUT',
                         help='an output PDF (output/NAME.pdf) or its name')
    approve.add_argument('--by', required=True, metavar='NAME',
                         help='who approves (a person\'s name)')


def cmd_diff(args) -> int:
    from .builds import open_build
    from .catalogue import check_project, shown_path
    from .diff import compare, summary
    from .diffreport import write_report
    from .publish import output_folder, recovered

    root = args.project.resolve()
    check_project(root)
    with recovered(root):  # no build writes output/ meanwhile
        old = open_build(root, args.old, 'OLD')
        new = open_build(root, args.new, 'NEW')
        changes = compare(old, new)
        output_folder(root)
        index = write_report(root, changes, old.label, new.label)
    for change in changes:
        print(summary(change))
    counts = {status: sum(c.status == status for c in changes)
              for status in ('changed', 'added', 'removed', 'unchanged')}
    print(f'{len(changes)} output{"s" if len(changes) != 1 else ""} '
          f'compared ({old.label} → {new.label}): '
          + ', '.join(f'{n} {s}' for s, n in counts.items())
          + f'; report: {shown_path(root, index)}')
    return Exit.ERROR if any(c.changed for c in changes) else Exit.OK


def _approved_only(root, first):
    """release --require-approval: after ``first`` (the preflight's
    refusal), refuse outputs whose bytes were not approved."""
    from .approvals import load, refuse_unapproved

    load(root)  # a broken approvals.yaml is said before anything is built

    def check(results):
        first(results)
        refuse_unapproved(root, results)
    return check


def cmd_approve(args) -> int:
    from .approvals import approve
    from .catalogue import check_project

    root = args.project.resolve()
    check_project(root)
    for line in approve(root, args.outputs, args.by):
        print(line)
    return Exit.OK


def _variant_option(command) -> None:
    command.add_argument('--variant', action='append', default=[],
                         metavar='ID', help='build only this variant of a '
                         'campaign with a variants table (its id; '
                         'repeatable)')
    command.add_argument('--variant-proofs', choices=('all', 'first'),
                         default='all', help='proof pictures of every '
                         'variant, or of the first of each layout and '
                         'edition only (faster; every variant is still '
                         'preflighted) (default: %(default)s)')


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            f'"{text}" is not a number of processes; give 1 or more')
    return int(text)


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 5
            and int(text) <= 65535):
        raise argparse.ArgumentTypeError(
            f'"{text}" is not a port number; give one from 1 to 65535 (or '
            '0 for any free port)')
    return int(text)


def _speed_options(command) -> None:
    from .environment import default_jobs

    command.add_argument('--jobs', '-j', type=_jobs, default=None,
                         metavar='N', help='build N outputs at once, each on '
                         'its own worker process (default: the number of '
                         f'CPUs, here {default_jobs()})')
    command.add_argument('--no-cache', action='store_true',
                         help='build every output again, even those whose '
                              'inputs have not changed since they were '
                              'built (the cache is still refreshed)')
    command.add_argument('--time-limit', type=_seconds, default=None,
                         metavar='SECONDS', help='stop an output that takes '
                         'longer than this to build (default: 60)')


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 1 <= value <= 86400:
        raise argparse.ArgumentTypeError(
            f'"{text}" is not a number of seconds; give one from 1 to 86400')
    return value


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version or bad usage
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return Exit.USAGE
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        _print_problems(exc)
        return Exit.USAGE
    except FlyerError as exc:
        _print_problems(exc)
        return Exit.ERROR
    except KeyboardInterrupt:
        print('interrupted; nothing half-written was left behind',
              file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - the one place nothing gets past
        from .crash import report_crash

        print(report_crash(args), file=sys.stderr)
        return Exit.ERROR


def _print_problems(exc: FlyerError) -> None:
    for problem in exc.problems:
        print(f'error: {problem}', file=sys.stderr)
    count = len(exc.problems)
    wrote = (f'nothing but {exc.written} was written' if exc.written
             else 'nothing was written')
    print(f'{count} problem{"s" if count != 1 else ""} found; {wrote}',
          file=sys.stderr)


def _progress(message: str) -> None:
    print(message, flush=True)


def _warn_drafts(jobs) -> None:
    from .render import draft_reasons

    seen = set()
    for job in jobs:
        if job.campaign.source in seen:
            continue
        seen.add(job.campaign.source)
        reasons = draft_reasons(job.campaign)
        if reasons:
            print(f'warning: {job.campaign.source} is a draft; its PDFs are '
                  'marked DRAFT and must not be printed:', file=sys.stderr)
            for reason in reasons.reasons:
                print(f'  - {reason}', file=sys.stderr)


def _warn_languages(root, jobs) -> None:
    from .translations import stale_warnings

    from .typography import vowel_mark_warnings

    campaigns = {job.campaign.file: job.campaign for job in jobs}
    for problem in stale_warnings(root, campaigns.values()) + [
            problem for campaign in campaigns.values()
            for problem in vowel_mark_warnings(campaign)]:
        print(f'warning: {problem}', file=sys.stderr)


# --- spell check (flyers/spelling.py) ----------------------------------------

def _spell_check(root, jobs) -> list[str]:
    """build and check: the notes and warnings of the spell check, made
    before anything is built (a broken word list is an error)."""
    from .spelling import check, unchecked

    campaigns = [job.campaign for job in jobs]
    return [f'note: {note}' for note in unchecked(campaigns)] + [
        f'warning: {finding}' for finding in check(root, campaigns)]


def _warn_spelling(lines: list[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def _refuse_spelling(root, jobs) -> None:
    """release: unknown words are errors (before anything is built)."""
    from .spelling import refuse_unknown

    refuse_unknown(root, [job.campaign for job in jobs])


def _options(args):
    from .build import Options
    from .job import EDITIONS
    from .limits import DEFAULT_SECONDS

    return Options(
        contents=list(getattr(args, 'contents', [])),
        layouts=list(getattr(args, 'layout', [])),
        editions=tuple(getattr(args, 'edition', [])) or EDITIONS,
        printshop=args.printshop, jobs=args.jobs, cache=not args.no_cache,
        html=getattr(args, 'html', False),
        time_limit=args.time_limit or DEFAULT_SECONDS,
        variants=list(getattr(args, 'variant', [])),
        combined=getattr(args, 'combined', False),
        variant_proofs=getattr(args, 'variant_proofs', 'all') == 'all')


def cmd_build(args, write: bool = True) -> int:
    from . import build, shards
    from .catalogue import shown_path
    from .environment import warn_if_slow_subsetting
    from .manifest import PROOFS

    started = time.perf_counter()
    root = args.project.resolve()
    options = _options(args)
    shard = shards.parse_shard(args.shard) if args.shard else None
    build.start_early(options)
    jobs = build.load_everything(root, options.contents, options.layouts,
                                 options.printshop, options.editions,
                                 options.variants)
    if not jobs:
        raise UsageError('nothing to build: no content file asks for these '
                         'layouts')
    if options.combined and shard:
        raise UsageError(Problem('--combined', (
            'a shard holds only part of the variants; build the file of '
            'every variant without --shard')))
    if options.combined and not any(job.campaign.variant and job.is_print
                                    for job in jobs):
        raise UsageError(Problem('--combined', (
            'none of the print outputs built here is a variant (a row of '
            'content/NAME.variants.csv); leave out --combined')))
    split = None
    if shard:
        split = shards.describe(jobs, shard, options.printshop)
        jobs = shards.select(jobs, shard)
    warn_if_slow_subsetting()
    narrowed = bool(args.contents or args.layout or args.edition
                    or options.variants) and not shard
    spelling = _spell_check(root, jobs)  # a bad word list stops it here
    outcome, manifest = build.make(root, jobs, options, write, narrowed,
                                   split)
    _warn_drafts(jobs)
    _warn_languages(root, jobs)
    _warn_spelling(spelling)
    for name in outcome.removed:
        print(f'removed {name}  (no longer built: out of date, or not in '
              'the catalogue)')
    count = len(jobs)
    noun = f'output{"s" if count != 1 else ""}'
    elapsed = time.perf_counter() - started
    how = build.how(outcome, count)
    if write:
        print(f'{count} {noun} built and preflighted in {elapsed:.1f} s '
              f'({how}); manifest: {shown_path(root, manifest)}; '
              f'proofs: output/{PROOFS}/')
    else:
        print(f'{count} {noun} checked in {elapsed:.1f} s ({how}); all fit '
              'their pages and pass the preflight (nothing written)')
    return Exit.OK


def cmd_check(args) -> int:
    args.html = False
    return cmd_build(args, write=False)


def cmd_import(args) -> int:
    from .pageimport import run_import

    result = run_import(args.page, args.out, args.url, args.lang, args.force,
                        args.project.resolve())
    for note in result.notes:
        print(f'guessed: {note}')
    print(f'wrote {args.out}; check it, then build it with: python '
          f'make_flyers.py build {args.out}')
    return Exit.OK


def cmd_preflight(args) -> int:
    from .catalogue import check_project
    from .publish import recovered
    from .verify import preflight_files

    root = args.project.resolve()
    check_project(root)
    with recovered(root):
        reports, problems = preflight_files(root, args.pdfs)
    # A file that is not what the manifest lists fails, whatever else.
    changed = {problem.file: problem for problem in problems}
    failed = set(changed)
    for problem in problems:
        if not any(report.pdf == problem.file for report in reports):
            print(f'{problem.file}: FAILED', file=sys.stderr)
            print(f'  error: {problem}', file=sys.stderr)
    for report in reports:
        errors = [f for f in report.findings if f.severity == 'error']
        bad = bool(errors) or report.pdf in changed
        if bad:
            failed.add(report.pdf)
        print(f'{report.pdf}: {"FAILED" if bad else "passed"} '
              f'({len(report.checks)} checks)')
        if report.pdf in changed:
            print(f'  error: {changed[report.pdf]}', file=sys.stderr)
        for finding in report.findings:
            print(f'  {finding.severity}: {finding.check}: {finding}',
                  file=sys.stderr if finding.severity == 'error' else
                  sys.stdout)
    if failed:
        count = len(failed)
        print(f'{count} PDF{"s" if count != 1 else ""} failed the '
              'preflight', file=sys.stderr)
        return Exit.ERROR
    return Exit.OK


def cmd_release(args) -> int:
    from . import build, release
    from .catalogue import shown_path
    from .dates import Dates

    started = time.perf_counter()
    root = args.project.resolve()
    options = _options(args)
    build.start_early(options)
    jobs = build.load_everything(root, options.contents, [],
                                 options.printshop)
    release.refuse_drafts(jobs, root)
    _refuse_spelling(root, jobs)
    release.require_harfbuzz_subsetting()
    before_writing = release.refuse_findings
    if args.require_approval:
        before_writing = _approved_only(root, before_writing)
    outcome, manifest = build.make(root, jobs, options,
                                   narrowed=bool(options.contents),
                                   before_writing=before_writing)
    from .publish import recovered

    with recovered(root):  # one writer of output/ at a time
        bundle = release.write_bundle(root, manifest, Dates(root).project(),
                                      {job.path for job in jobs})
    print(f'{len(outcome.results)} outputs released in '
          f'{time.perf_counter() - started:.1f} s '
          f'({build.how(outcome, len(jobs))}): {shown_path(root, bundle)}')
    return Exit.OK


def cmd_translated(args) -> int:
    from .catalogue import check_project
    from .translations import record

    root = args.project.resolve()
    check_project(root)
    print(record(root, args.translation))
    return Exit.OK


def cmd_merge_manifests(args) -> int:
    from . import shards
    from .catalogue import check_project, shown_path

    root = args.project.resolve()
    check_project(root)
    manifest, count = shards.merge(root, args.shards)
    print(f'{count} output{"s" if count != 1 else ""} from '
          f'{len(args.shards)} shard{"s" if len(args.shards) != 1 else ""} '
          f'joined; manifest: {shown_path(root, manifest)}')
    return Exit.OK


def cmd_serve(args) -> int:
    from .serve import serve

    def ready(port, previewer):
        state = previewer.state
        print(f'preview on http://127.0.0.1:{port}/  ({len(state.outputs)} '
              f'outputs, last build {state.last_build}); Ctrl-C stops',
              flush=True)

    try:
        serve(args.project.resolve(), args.port, args.printshop, ready,
              time_limit=args.time_limit)
    except FlyerError as exc:  # the port cannot be had: one line
        for problem in exc.problems:
            print(f'error: {problem}', file=sys.stderr)
        return Exit.ERROR
    except KeyboardInterrupt:  # Ctrl-C is how the preview is stopped
        print('preview stopped', file=sys.stderr)
    return Exit.OK


def cmd_new_layout(args) -> int:
    from .layouts import new_layout

    folder = new_layout(args.project.resolve(), args.name, args.source)
    print(f'made layouts/{folder.name}/ from layouts/{args.source}/; try '
          f'it: python make_flyers.py build --layout {folder.name}')
    return Exit.OK


def cmd_new_brand(args) -> int:
    from .brands import new_brand

    folder = new_brand(args.project.resolve(), args.name, args.source)
    print(f'made brands/{folder.name}/ from brands/{args.source}/; change '
          f'its brand.yaml, then name it in a content file with "brand: '
          f'{folder.name}"')
    return Exit.OK


def cmd_schema(args) -> int:
    from .content import schema_markdown

    print(schema_markdown(), end='')
    return Exit.OK


COMMANDS = {'build': cmd_build, 'check': cmd_check, 'import': cmd_import,
            'preflight': cmd_preflight, 'new-layout': cmd_new_layout,
            'new-brand': cmd_new_brand,
            'serve': cmd_serve, 'release': cmd_release,
            'merge-manifests': cmd_merge_manifests,
            'translated': cmd_translated,
            'schema': cmd_schema, 'diff': cmd_diff, 'approve': cmd_approve}
