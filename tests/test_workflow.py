"""The GitHub Actions workflow (.github/workflows/flyers.yml).

Its shape (triggers, the shard matrix, merge and release jobs, full git
history), and that what it runs exists: every ``make_flyers.py`` command
and option is fed to the real argument parser, every ``make`` target is
looked up in the Makefile, every artifact a job downloads is one another
job uploads.  Reads files only: no network, no build.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from pathlib import Path

import pytest
import yaml

from flyers import cli, shards
from flyers.cache import CACHE_ENV
from flyers.cache import cache_folder as default_cache_folder
from flyers.job import OUTPUT

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / '.github' / 'workflows' / 'flyers.yml'
MAKEFILE = ROOT / 'Makefile'
VENV_PYTHON = '.venv/bin/python'
EXPRESSION = re.compile(r'\$\{\{\s*(.*?)\s*\}\}')
OPERATORS = {'&&', '||', ';', '|', '&', '(', ')'}


# --- reading the workflow ----------------------------------------------------

@pytest.fixture(scope='module')
def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text('utf-8'))
    assert isinstance(data, dict), f'{WORKFLOW} is not a YAML mapping'
    # PyYAML follows YAML 1.1, where the bare key `on` is the boolean True.
    if True in data:
        data['on'] = data.pop(True)
    return data


def jobs_of(workflow: dict) -> dict[str, dict]:
    jobs = workflow.get('jobs')
    assert isinstance(jobs, dict) and jobs, 'the workflow has no jobs'
    return jobs


def shard_values(job: dict) -> list:
    return ((job.get('strategy') or {}).get('matrix') or {}).get('shard') or []


def expand(text: str, shard=None) -> str:
    """Replace GitHub expressions by sample values: ``matrix.shard`` by
    ``shard``, anything else by 1."""
    def value(match: re.Match) -> str:
        if match[1] == 'matrix.shard' and shard is not None:
            return str(shard)
        return '1'
    return EXPRESSION.sub(value, str(text))


def commands(script: str) -> list[list[str]]:
    """The simple commands of a ``run:`` script, each as its argv."""
    script = script.replace('\\\n', ' ')
    found = []
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = '#'
        argv: list[str] = []
        for token in list(lexer) + [';']:
            if token in OPERATORS:
                if argv:
                    found.append(argv)
                argv = []
            else:
                argv.append(token)
    return found


def job_variants(job: dict) -> list:
    """The matrix values a job runs with (one None for a job without)."""
    return shard_values(job) or [None]


def runs(job: dict, shard=None) -> list[tuple[int, list[str], str]]:
    """(step number, argv, raw run text) of every command a job runs."""
    found = []
    for number, step in enumerate(job.get('steps') or []):
        if 'run' in step:
            for argv in commands(expand(step['run'], shard)):
                found.append((number, argv, step['run']))
    return found


def cli_calls(job: dict, shard=None) -> list[tuple[int, list[str], list[str]]]:
    """(step number, interpreter argv, CLI argv) of every make_flyers.py
    call."""
    calls = []
    for number, argv, _ in runs(job, shard):
        for i, token in enumerate(argv):
            if Path(token).name == 'make_flyers.py':
                calls.append((number, argv[:i], argv[i + 1:]))
                break
    return calls


def make_calls(job: dict) -> list[tuple[int, list[str]]]:
    return [(number, argv[1:]) for number, argv, _ in runs(job)
            if Path(argv[0]).name == 'make']


def uses(step: dict, action: str) -> bool:
    return str(step.get('uses', '')).split('@')[0] == action


def steps_using(job: dict, action: str) -> list[tuple[int, dict]]:
    return [(n, step) for n, step in enumerate(job.get('steps') or [])
            if uses(step, action)]


def needs(job: dict) -> list[str]:
    value = job.get('needs') or []
    return [value] if isinstance(value, str) else list(value)


def cli_jobs(workflow: dict) -> dict[str, dict]:
    found = {name: job for name, job in jobs_of(workflow).items()
             if cli_calls(job, job_variants(job)[0])}
    assert found, 'no job runs make_flyers.py'
    return found


def job_running(workflow: dict, command: str) -> tuple[str, dict]:
    """The one job that runs ``make_flyers.py COMMAND``."""
    found = [(name, job) for name, job in jobs_of(workflow).items()
             if any(argv[:1] == [command]
                    for _, _, argv in cli_calls(job, job_variants(job)[0]))]
    assert len(found) == 1, (
        f'expected one job running "make_flyers.py {command}", found '
        f'{[name for name, _ in found]}')
    return found[0]


# --- triggers ----------------------------------------------------------------

def test_runs_on_every_push_pull_request_and_version_tags(workflow):
    on = workflow.get('on')
    assert isinstance(on, dict), f'"on" should be a mapping, not {on!r}'
    assert 'pull_request' in on
    push = on.get('push')
    assert isinstance(push, dict), 'push needs its tag filter (v*)'
    tags = push.get('tags') or []
    assert any(fnmatch.fnmatchcase('v1.2.0', pattern) for pattern in tags), (
        f'push.tags {tags} does not include v* tags')
    # A push filter with only "tags" makes branch pushes not run at all.
    branches = push.get('branches')
    assert branches is not None and '**' in branches, (
        f'push.branches is {branches!r}: with a tags filter, branches need '
        '["**"] or no branch push runs the workflow')
    for name in ('branches-ignore', 'paths', 'paths-ignore'):
        assert name not in push, f'push.{name} would skip some pushes'


# --- build: the shard matrix --------------------------------------------------

def test_build_job_builds_each_shard_of_the_matrix(workflow):
    build = jobs_of(workflow).get('build')
    assert build is not None, 'no job "build"'
    strategy = build.get('strategy') or {}
    values = shard_values(build)
    count = len(values)
    assert count >= 2 and values == list(range(1, count + 1)), (
        f'matrix.shard should be [1 … N], not {values!r}')
    assert strategy.get('fail-fast') is False, (
        'fail-fast: false, so one failing shard does not cancel the others')

    build_steps = {n for n, _, argv in cli_calls(build, values[0])
                   if argv[:1] == ['build']}
    raw = [build['steps'][n]['run'] for n in sorted(build_steps)]
    assert len(raw) == 1, f'expected one build command, found {raw}'
    assert re.search(r'--shard\s+\$\{\{\s*matrix\.shard\s*\}\}/'
                     rf'{count}(?!\d)', raw[0]), (
        f'the build command {raw[0]!r} should pass --shard '
        f'${{{{ matrix.shard }}}}/{count} (N = the matrix length)')

    for shard in values:
        calls = [argv for _, _, argv in cli_calls(build, shard)
                 if argv[:1] == ['build']]
        args = cli._parser().parse_args(calls[0])
        assert shards.parse_shard(args.shard) == (shard, count)
    # Together the shards build everything, each output once.
    paths = [f'output/x-{i}.pdf' for i in range(11)]
    jobs = [type('Job', (), {'path': p})() for p in paths]
    chosen = [job.path for shard in values
              for job in shards.select(jobs, (shard, count))]
    assert sorted(chosen) == sorted(paths)


def test_build_job_preflights_after_building(workflow):
    build = jobs_of(workflow)['build']
    order = [argv[0] for _, _, argv in cli_calls(build, 1) if argv]
    assert 'build' in order and 'preflight' in order[order.index('build'):], (
        f'the build job should run preflight after build, runs {order}')


def test_build_job_uploads_its_output_and_cache(workflow):
    build = jobs_of(workflow)['build']
    for shard in shard_values(build):
        uploads = {expand(step['with']['name'], shard): step['with']
                   for _, step in steps_using(build,
                                              'actions/upload-artifact')}
        output = uploads.get(f'output-shard-{shard}')
        assert output is not None, f'no artifact output-shard-{shard}'
        assert output['path'].rstrip('/') == OUTPUT
        assert output.get('if-no-files-found') == 'error'
        cache = uploads.get(f'cache-shard-{shard}')
        assert cache is not None, f'no artifact cache-shard-{shard}'
        assert cache['path'].rstrip('/') == cache_folder(workflow)


def cache_folder(workflow: dict) -> str:
    """Where the builder keeps its cache in CI, relative to the checkout:
    FLYERS_CACHE_DIR if the workflow sets it, else the builder's default."""
    configured = [env[CACHE_ENV] for env in all_envs(workflow)
                  if CACHE_ENV in env]
    if configured:
        assert len(set(configured)) == 1, configured
        return configured[0].rstrip('/')
    saved = os.environ.pop(CACHE_ENV, None)
    try:
        return default_cache_folder(ROOT).relative_to(ROOT).as_posix()
    finally:
        if saved is not None:
            os.environ[CACHE_ENV] = saved


def all_envs(workflow: dict) -> list[dict]:
    envs = [workflow.get('env') or {}]
    for job in jobs_of(workflow).values():
        envs.append(job.get('env') or {})
        envs += [step.get('env') or {} for step in job.get('steps') or []]
    return envs


def test_build_cache_is_kept_per_shard_and_keyed_on_the_inputs(workflow):
    build = jobs_of(workflow)['build']
    caches = steps_using(build, 'actions/cache')
    assert len(caches) == 1, 'the build job should restore .cache/ once'
    number, step = caches[0]
    settings = step['with']
    assert settings['path'].rstrip('/') == cache_folder(workflow)
    key = settings['key']
    hashed = re.search(r'hashFiles\((.*?)\)', key)
    assert hashed, f'the cache key {key!r} does not hash the inputs'
    patterns = set(re.findall(r"'([^']*)'", hashed[1]))
    for needed in ('content/**', 'layouts/**', 'assets/**', 'printshops/**',
                   'flyers/**', 'pyproject.toml'):
        assert needed in patterns, f'the cache key does not hash {needed}'
    # Shards sharing one key would save only the first shard's entries.
    assert 'matrix.shard' in key
    assert settings.get('restore-keys'), 'restore-keys: reuse older caches'
    first_build = min(n for n, _, argv in cli_calls(build, 1)
                      if argv[:1] == ['build'])
    assert number < first_build, 'the cache is restored after the build'


# --- merge and release --------------------------------------------------------

def test_merge_job_joins_every_shard_then_preflights(workflow):
    name, merge = job_running(workflow, 'merge-manifests')
    assert 'build' in needs(merge), f'job {name} must need the build job'
    build = jobs_of(workflow)['build']
    uploaded = [f'output-shard-{shard}' for shard in shard_values(build)]

    downloads = steps_using(merge, 'actions/download-artifact')
    assert len(downloads) == 1
    settings = downloads[0][1]['with']
    assert not settings.get('merge-multiple'), (
        'each shard needs its own folder (merge-multiple would mix them)')
    pattern = settings['pattern']
    assert [n for n in uploaded if fnmatch.fnmatchcase(n, pattern)] == uploaded
    folder = settings['path'].rstrip('/')

    calls = [argv for _, _, argv in cli_calls(merge)]
    merge_args = next(argv for argv in calls if argv[0] == 'merge-manifests')
    # The shell expands the arguments to the downloaded folders: all of them.
    for artifact in uploaded:
        assert any(fnmatch.fnmatchcase(f'{folder}/{artifact}', arg)
                   for arg in merge_args[1:]), (
            f'merge-manifests {merge_args[1:]} misses {folder}/{artifact}')
    assert calls.index(merge_args) < len(calls) - 1 and any(
        argv[0] == 'preflight' for argv in calls[calls.index(merge_args):]), (
        'preflight should run after merge-manifests')

    uploads = [step['with'] for _, step in steps_using(
        merge, 'actions/upload-artifact')]
    assert any(u['name'] == 'flyers' and u['path'].rstrip('/') == OUTPUT
               for u in uploads), 'the merged output/ is not uploaded'


def test_release_job_runs_only_on_tags_with_the_shards_caches(workflow):
    name, release = job_running(workflow, 'release')
    condition = str(release.get('if', ''))
    assert re.fullmatch(r"\s*(\$\{\{\s*)?startsWith\(\s*github\.ref\s*,\s*"
                        r"'refs/tags/[^']*'\s*\)(\s*\}\})?\s*", condition), (
        f'job {name} should run only on tags, its "if" is {condition!r}')
    assert 'build' in needs(release)
    build = jobs_of(workflow)['build']
    uploaded = [f'cache-shard-{shard}' for shard in shard_values(build)]

    downloads = steps_using(release, 'actions/download-artifact')
    assert len(downloads) == 1
    number, step = downloads[0]
    settings = step['with']
    assert [n for n in uploaded
            if fnmatch.fnmatchcase(n, settings['pattern'])] == uploaded
    assert settings.get('merge-multiple') is True
    assert settings['path'].rstrip('/') == cache_folder(workflow)
    release_step = next(n for n, _, argv in cli_calls(release)
                        if argv[0] == 'release')
    assert number < release_step, 'the caches arrive after the release'

    uploads = [s['with'] for _, s in steps_using(release,
                                                  'actions/upload-artifact')]
    assert any(u['name'] == 'release-bundle'
               and u['path'] == f'{OUTPUT}/release.zip'
               and u.get('if-no-files-found') == 'error'
               for u in uploads), 'output/release.zip is not uploaded'


# --- what every job needs ------------------------------------------------------

def test_checkouts_fetch_the_whole_history(workflow):
    """The PDFs' dates come from git log: a shallow clone would date them
    by the one commit it has."""
    for name, job in jobs_of(workflow).items():
        checkouts = steps_using(job, 'actions/checkout')
        if name in cli_jobs(workflow):
            assert checkouts, f'job {name} runs the builder without checkout'
        for _, step in checkouts:
            depth = (step.get('with') or {}).get('fetch-depth')
            assert str(depth) == '0', (
                f'job {name}: checkout fetch-depth is {depth!r}, not 0')


def test_jobs_set_up_before_using_the_venv(workflow):
    for name, job in cli_jobs(workflow).items():
        setups = [n for n, targets in make_calls(job) if 'setup' in targets]
        assert setups, f'job {name} never runs "make setup"'
        venv = [n for n, argv, _ in runs(job, job_variants(job)[0])
                if any(token.startswith('.venv/') for token in argv)]
        assert min(setups) < min(venv), (
            f'job {name} uses .venv before "make setup"')
        checkout = min(n for n, _ in steps_using(job, 'actions/checkout'))
        assert checkout < min(setups), f'job {name}: set-up before checkout'


def test_builder_runs_with_the_venv_python(workflow):
    for name, job in cli_jobs(workflow).items():
        for shard in job_variants(job):
            for _, interpreter, _ in cli_calls(job, shard):
                assert interpreter == [VENV_PYTHON], (
                    f'job {name} runs make_flyers.py with {interpreter}, not '
                    f'{VENV_PYTHON} (what "make setup" installs into)')


def test_jobs_share_one_system_and_trust_their_checkout(workflow):
    """The release job takes the shards' cached outputs as they are, so
    every job must build on the same system.  In a container the steps run
    as root on a checkout owned by the runner's user: git refuses it unless
    it is marked safe, and the dates would silently come from file times."""
    systems = {(str(job.get('runs-on')), str(job.get('container')))
               for job in cli_jobs(workflow).values()}
    assert len(systems) == 1, f'the jobs run on different systems: {systems}'
    for name, job in cli_jobs(workflow).items():
        if not job.get('container'):
            continue
        trusted = [n for n, argv, _ in runs(job)
                   if argv[:4] == ['git', 'config', '--global', '--add']
                   and 'safe.directory' in argv]
        first = min(n for n, _, _ in cli_calls(job, job_variants(job)[0]))
        assert trusted and min(trusted) < first, (
            f'job {name} runs in a container without marking the checkout '
            'as a git safe.directory before building')


def test_every_builder_command_and_option_exists(workflow):
    """Each make_flyers.py call, with GitHub expressions replaced by sample
    values, is accepted by the real command-line parser."""
    problems = []
    calls = 0
    for name, job in jobs_of(workflow).items():
        for shard in job_variants(job):
            for number, _, argv in cli_calls(job, shard):
                calls += 1
                try:
                    args = cli._parser().parse_args(argv)
                except SystemExit as exc:
                    problems.append(f'{name} step {number + 1}: '
                                    f'make_flyers.py {shlex.join(argv)} '
                                    f'(exit {exc.code})')
                    continue
                if args.command not in cli.COMMANDS:
                    problems.append(f'{name}: no command in {argv}')
    assert calls >= 4, f'only {calls} make_flyers.py calls found'
    assert not problems, 'rejected by the parser:\n' + '\n'.join(problems)


def makefile_targets(text: str) -> set[str]:
    """Target names of a Makefile, with $(VAR) and ${VAR} expanded."""
    variables = {}
    for match in re.finditer(r'^([A-Za-z_][\w]*)\s*(?::=|::=|=|\?=)\s*(.*)$',
                             text, re.M):
        variables.setdefault(match[1], match[2].strip())

    def substitute(value: str, depth: int = 0) -> str:
        if depth > 10:
            return value
        new = re.sub(r'\$[({](\w+)[)}]',
                     lambda m: variables.get(m[1], ''), value)
        return new if new == value else substitute(new, depth + 1)

    targets = set()
    for line in text.splitlines():
        if line.startswith('\t') or line.lstrip().startswith('#'):
            continue
        match = re.match(r'^([^:=#]+?)\s*::?(?!=)', line)
        if match:
            for target in substitute(match[1]).split():
                if not re.fullmatch(r'\.[A-Z_]+', target):  # .PHONY etc.
                    targets.add(target)
    return targets


def test_makefile_targets_are_read_right():
    text = ('A := out\nB = $(A)/x\n.PHONY: all\nall: $(B)\n\techo\n'
            '$(B): in\n\ttouch $@\nv ?= 1\n')
    assert makefile_targets(text) == {'all', 'out/x'}


def test_every_make_target_exists(workflow):
    targets = makefile_targets(MAKEFILE.read_text('utf-8'))
    problems = []
    for name, job in jobs_of(workflow).items():
        for number, argv in make_calls(job):
            assert not {'-C', '-f', '--file', '--directory'} & set(argv), (
                f'{name}: make {argv}: only the project Makefile is checked')
            for target in argv:
                if target.startswith('-') or '=' in target:
                    continue
                if target not in targets:
                    problems.append(f'{name} step {number + 1}: make '
                                    f'{target}')
    assert not problems, (
        'not targets of the Makefile (it has '
        f'{", ".join(sorted(targets))}):\n' + '\n'.join(problems))


def test_artifacts_downloaded_are_uploaded(workflow):
    jobs = jobs_of(workflow)
    uploaded = {}  # name → job
    for name, job in jobs.items():
        for shard in job_variants(job):
            for _, step in steps_using(job, 'actions/upload-artifact'):
                settings = step['with']
                uploaded[expand(settings['name'], shard)] = name
                path = str(settings['path'])
                # upload-artifact v4.4+ skips hidden files unless told.
                if any(part.startswith('.') and part not in ('.', '..')
                       for part in Path(path).parts):
                    assert settings.get('include-hidden-files') is True, (
                        f'{name}: {path} is hidden; include-hidden-files: '
                        'true or nothing is uploaded')
    for name, job in jobs.items():
        for _, step in steps_using(job, 'actions/download-artifact'):
            settings = step.get('with') or {}
            pattern = settings.get('pattern') or settings.get('name')
            assert pattern, f'{name} downloads every artifact of the run'
            sources = {uploaded[n] for n in uploaded
                       if fnmatch.fnmatchcase(n, pattern)}
            assert sources, f'{name}: nothing uploaded matches {pattern}'
            assert sources <= set(needs(job)), (
                f'{name} downloads {pattern} from {sources} but does not need '
                'them (it may start before they are uploaded)')


def test_actions_are_pinned_to_major_versions(workflow):
    """Major-version pins, no older than v4: the artifact options used here
    (pattern, merge-multiple, include-hidden-files) need v4."""
    used = {'actions/checkout', 'actions/cache', 'actions/upload-artifact',
            'actions/download-artifact'}
    seen = set()
    for name, job in jobs_of(workflow).items():
        for step in job.get('steps') or []:
            if 'uses' not in step:
                continue
            action, _, version = str(step['uses']).partition('@')
            assert re.fullmatch(r'v\d+', version), (
                f'{name}: {step["uses"]} is not pinned to a major version')
            assert action in used, f'{name}: unexpected action {action}'
            assert int(version[1:]) >= 4, f'{name}: {step["uses"]} is too old'
            seen.add(action)
    assert seen == used, f'actions used: {sorted(seen)}'
