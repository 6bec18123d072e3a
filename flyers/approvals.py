"""Sign-off: who approved which output, and what a release may print.

In: ``approvals.yaml`` at the project root (committed with the content, so
a reviewer sees each sign-off in the history), the built outputs
(``output/manifest.json`` and their PDFs) or a release's results.  Out:
``approve`` records, per output, who approved it, the sha256 of the PDF
they saw and when (UTC) — sorted by output, one key per line, so a new
approval is a three-line change in git — and keeps a copy of the approved
PDF with its manifest entry in ``output/approved/`` (named by its sha256),
so that a later ``release --require-approval`` can show what changed
since.  The proof report shows each output's state (:func:`states`).
"""

from __future__ import annotations

import datetime
import hashlib
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import FlyerError, Problem, UsageError
from .job import OUTPUT

FILE = 'approvals.yaml'
STORE = f'{OUTPUT}/approved'
_OUTPUT_NAME = re.compile(r'output/[^/\\\x00-\x1f\x7f]+\.pdf')
_SHA256 = re.compile(r'[0-9a-f]{64}')
_MOMENT = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ')
_HEADER = (
    '# Sign-off: who approved which output, with the sha256 of the PDF they\n'
    '# approved and when (UTC).  Written by "python make_flyers.py approve\n'
    '# OUTPUT --by NAME"; commit it.  "release --require-approval" refuses\n'
    '# every output whose bytes are not the ones approved here.\n')
MAX_NAME = 100


@dataclass(frozen=True)
class Approval:
    sha256: str
    by: str
    at: str  # ISO 8601, UTC: 2026-12-06T13:52:10Z

    def describe(self) -> str:
        return f'{self.by} at {self.at}'


# --- approvals.yaml ---------------------------------------------------------

def load(root: Path) -> dict[str, Approval]:
    """The approvals by output path ({} without the file); every problem
    of a broken or hostile file at once, with line and column."""
    from .yamlstrict import read_yaml

    path = root / FILE
    if not path.exists() and not path.is_symlink():
        return {}
    parsed = read_yaml(path, FILE)
    if parsed.problems:
        raise FlyerError([_with_hint(p) for p in parsed.problems])
    node, problems, found = parsed.node, [], {}

    def problem(at, field, message):
        problems.append(_with_hint(Problem(
            FILE, message, at.start_mark.line + 1, at.start_mark.column + 1,
            field)))

    if not isinstance(node, yaml.MappingNode) or [
            key.value for key, _ in node.value] != ['approvals']:
        raise FlyerError(_with_hint(Problem(FILE, (
            'expected one field, "approvals:", holding a mapping of '
            'output → {sha256, by, at}'))))
    outputs = node.value[0][1]
    if isinstance(outputs, yaml.ScalarNode) and outputs.value in ('', '{}'):
        return {}
    if not isinstance(outputs, yaml.MappingNode):
        raise FlyerError(_with_hint(Problem(
            FILE, 'expected a mapping of output → {sha256, by, at}',
            outputs.start_mark.line + 1, outputs.start_mark.column + 1,
            'approvals')))
    for key, value in outputs.value:
        name = str(key.value)
        field = f'approvals.{name}'
        if not isinstance(key, yaml.ScalarNode) \
                or not _OUTPUT_NAME.fullmatch(name):
            problem(key, 'approvals', f'"{name[:80]}" is not an output PDF '
                                      '(output/NAME.pdf)')
            continue
        if name in found:
            problem(key, field, 'is approved twice; keep one')
            continue
        if not isinstance(value, yaml.MappingNode):
            problem(value, field, 'expected sha256, by and at')
            continue
        fields = {}
        for sub_key, sub in value.value:
            sub_name = str(sub_key.value)
            if sub_name not in ('sha256', 'by', 'at'):
                problem(sub_key, f'{field}.{sub_name}', 'unknown field; an '
                        'approval has sha256, by and at')
            elif not isinstance(sub, yaml.ScalarNode):
                problem(sub, f'{field}.{sub_name}', 'expected text')
            else:
                fields[sub_name] = (sub.value, sub)
        checks = (('sha256', _SHA256.fullmatch, '64 hexadecimal digits'),
                  ('by', lambda v: _name_problem(v) is None, 'a name'),
                  ('at', _MOMENT.fullmatch, 'a UTC time such as '
                   '2026-12-06T13:52:10Z'))
        bad = False
        for sub_name, check, what in checks:
            if sub_name not in fields:
                problem(value, f'{field}.{sub_name}', 'missing')
                bad = True
            elif not check(fields[sub_name][0]):
                problem(fields[sub_name][1], f'{field}.{sub_name}',
                        f'expected {what}, found '
                        f'"{fields[sub_name][0][:80]}"')
                bad = True
        if not bad:
            found[name] = Approval(fields['sha256'][0], fields['by'][0],
                                   fields['at'][0])
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise FlyerError(problems)
    return found


def _with_hint(problem: Problem) -> Problem:
    return Problem(problem.file, f'{problem.message} (approvals.yaml is '
                   'written by "approve": take it back from git, e.g. git '
                   'checkout approvals.yaml, or fix it by hand)',
                   problem.line, problem.column, problem.field)


def dump(approvals: dict[str, Approval]) -> bytes:
    """approvals.yaml's text: sorted by output, fields in a fixed order."""
    body = {path: {'sha256': a.sha256, 'by': a.by, 'at': a.at}
            for path, a in sorted(approvals.items())}
    text = yaml.safe_dump({'approvals': body}, allow_unicode=True,
                          sort_keys=False, default_flow_style=False,
                          width=4096)
    return (_HEADER + text).encode('utf-8')


def _name_problem(name: str) -> str | None:
    if not name.strip():
        return 'is empty; give the name of the person who approves, e.g. ' \
               '--by "Anna Andersson"'
    if not name.isprintable() or name != ' '.join(name.split()):
        return 'holds line breaks, tabs, control characters or extra ' \
               'spaces; give a plain name'
    if len(name) > MAX_NAME:
        return f'is {len(name)} characters long; give a name of at most ' \
               f'{MAX_NAME}'
    return None


# --- approve ----------------------------------------------------------------

def approve(root: Path, names: list[str], by: str,
            now: datetime.datetime | None = None) -> list[str]:
    """Approve the outputs ``names`` (output/NAME.pdf, a path to it, or
    NAME) as built now; returns one line per output."""
    from .manifest import read_entries, sha256_mismatch
    from .publish import recovered

    by = ' '.join(by.split()) if by.isprintable() else by
    why = _name_problem(by)
    if why:
        raise UsageError(Problem('--by', why))
    moment = (now or datetime.datetime.now(datetime.timezone.utc)
              ).strftime('%Y-%m-%dT%H:%M:%SZ')
    lines = []
    with recovered(root):  # one approve (or build) at a time
        approvals = load(root)
        entries = read_entries(root)
        paths = _resolve(root, names, entries)
        problems = [problem for path in paths
                    if (problem := sha256_mismatch(root, entries[path]))]
        if problems:
            raise FlyerError(problems)
        for path in paths:
            data = (root / path).read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            _keep_copy(root, entries[path], data, sha)
            before = approvals.get(path)
            approvals[path] = Approval(sha, by, moment)
            again = (' (again: its bytes changed since '
                     f'{before.describe()})' if before and before.sha256
                     != sha else ' (already approved; now by both, the '
                     'latest is kept)' if before else '')
            draft = ('; it is a DRAFT, which release refuses anyway'
                     if entries[path].get('draft') else '')
            lines.append(f'approved {path} (sha256 {sha[:12]}…) by {by} '
                         f'at {moment}{again}{draft}')
        _write(root, dump(approvals))
        _prune_copies(root, approvals)
        refresh_report(root)
    lines.append(f'recorded in {FILE}; commit it, so the sign-off is in the '
                 'history')
    return lines


def _write(root: Path, data: bytes) -> None:
    from .journal import write_problem
    from .writer import write_atomic

    target = root / FILE
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise FlyerError(Problem(FILE, (
            'is a symbolic link or not a file; approve writes a plain file '
            'there: move it away and approve again')))
    try:
        write_atomic(target, data, root)
    except OSError as exc:
        raise FlyerError(write_problem(FILE, exc)) from None


def _resolve(root: Path, names: list[str], entries: dict) -> list[str]:
    """The manifest path of each OUTPUT named on the command line."""
    import difflib

    paths, problems = [], []
    output = (root / OUTPUT).resolve()
    for name in names:
        given = Path(name)
        if _OUTPUT_NAME.fullmatch(name) or len(given.parts) == 1:
            stem = given.name.removesuffix('.pdf')
        else:
            try:
                real = given.resolve()
            except (OSError, RuntimeError):
                real = given
            if real.parent != output:
                problems.append(Problem(name, (
                    'is not an output of this project (a PDF in '
                    f'{root / OUTPUT}); name it as output/NAME.pdf')))
                continue
            stem = real.name.removesuffix('.pdf')
        path = f'{OUTPUT}/{stem}.pdf'
        if path in entries:
            if path not in paths:
                paths.append(path)
            continue
        if path in _catalogue(root):
            problems.append(Problem(name, (
                'is not built (not in output/manifest.json); build it, '
                'check its proof, then approve it')))
            continue
        close = difflib.get_close_matches(path, list(entries), 1, 0.6)
        problems.append(Problem(name, (
            'is no output of this project' + (f'; did you mean {close[0]}?'
                                              if close else
                                              '; the outputs built are '
                                              'listed in output/'
                                              'manifest.json'))))
    if problems:
        raise UsageError(problems)
    return paths


def _catalogue(root: Path) -> set[str]:
    """Every output the project's content asks for (empty if it cannot be
    loaded: then every unknown name is just unknown)."""
    from .catalogue import load_everything

    try:
        return {job.path for job in load_everything(root, [], [], 'default')}
    except FlyerError:
        return set()


def _keep_copy(root: Path, entry: dict, data: bytes, sha: str) -> None:
    """output/approved/SHA.pdf and SHA.json (its manifest entry): the
    approved version, for the diff when the output changes later."""
    from .journal import writing_into
    from .writer import write_atomic

    store = root / STORE
    text = json.dumps(entry, indent=2, ensure_ascii=False) + '\n'
    with writing_into(f'{STORE}/', 'approve again'):
        if not (store / f'{sha}.pdf').is_file():
            write_atomic(store / f'{sha}.pdf', data, root / OUTPUT)
        write_atomic(store / f'{sha}.json', text.encode('utf-8'),
                     root / OUTPUT)


def _prune_copies(root: Path, approvals: dict[str, Approval]) -> None:
    store = root / STORE
    if not store.is_dir() or store.is_symlink():
        return
    wanted = {a.sha256 for a in approvals.values()}
    for file in store.iterdir():
        if file.suffix in ('.pdf', '.json') and _SHA256.fullmatch(file.stem) \
                and file.stem not in wanted:
            file.unlink(missing_ok=True)


# --- what a release may print ------------------------------------------------

def approved_versions(root: Path, wanted: dict[str, Approval]):
    """A :class:`~flyers.builds.Build` of the approved versions of the
    outputs ``wanted`` that this machine still has: the copy ``approve``
    kept, or the last release bundle's if it holds those bytes."""
    from .builds import BUNDLE, Build, Output, read_bundle
    from .inputs import read_input

    outputs = {}
    bundle = None
    for path, approval in sorted(wanted.items()):
        copy = root / STORE / f'{approval.sha256}.pdf'
        try:
            data = read_input(copy, follow=False)
            entry = json.loads(read_input(copy.with_suffix('.json'),
                                          follow=False))
        except (OSError, ValueError):
            data = entry = None
        if data is not None and isinstance(entry, dict) \
                and hashlib.sha256(data).hexdigest() == approval.sha256:
            outputs[path] = Output(path, entry, approval.sha256,
                                   lambda data=data: data)
            continue
        if bundle is None:
            try:
                bundle = read_bundle(root / BUNDLE, BUNDLE).outputs
            except FlyerError:
                bundle = {}
        released = bundle.get(path)
        if released is not None and released.sha256 == approval.sha256:
            outputs[path] = released
    return Build('the approved versions', outputs)


def refuse_unapproved(root: Path, results) -> None:
    """Stop a release (``release --require-approval``) unless every output's
    bytes are the ones approved: name those never approved and those
    changed since, and write the diff of the changed ones against their
    approved versions (output/diff/index.html)."""
    from .builds import Build, from_results

    approvals = load(root)
    built = from_results(results, 'this release')
    unapproved = [path for path in sorted(built.outputs)
                  if path not in approvals]
    changed = {path: approvals[path] for path in sorted(built.outputs)
               if path in approvals
               and approvals[path].sha256 != built.outputs[path].sha256}
    if not unapproved and not changed:
        return
    report = ''
    problems = [Problem(path, (
        f'is not approved in {FILE}; check its proof (build, then '
        f'output/proofs/report.html), then: python make_flyers.py approve '
        f'{path} --by NAME')) for path in unapproved]
    if changed:
        from .diff import compare, detail
        from .diffreport import write_report

        old = approved_versions(root, changed)
        new = Build(built.label, {p: built.outputs[p] for p in changed})
        shown = Build(new.label, {p: o for p, o in new.outputs.items()
                                  if p in old.outputs})
        changes = {c.path: c for c in compare(old, shown)}
        if changes:
            write_report(root, list(changes.values()), old.label, new.label)
            report = f'{OUTPUT}/diff/ (the diff)'
        for path, approval in changed.items():
            if path in changes:
                what = (f'{detail(changes[path])}; the diff: '
                        f'{OUTPUT}/diff/index.html')
            else:
                what = ('the approved version (sha256 '
                        f'{approval.sha256[:12]}…) is not on this machine '
                        f'(no copy in {STORE}/, not in the last release '
                        'bundle), so no diff can be shown; compare the '
                        'proofs')
            problems.append(Problem(path, (
                f'changed since {approval.describe()} approved it: {what}; '
                'check it, then approve it again')))
    raise FlyerError(problems, written=report)


# --- the proof report --------------------------------------------------------

def states(root: Path, entries: list[dict]) -> dict[str, tuple[str, str]]:
    """Per output path: (state, words) — approved, changed, none — for the
    proof report; 'unknown' for every output when approvals.yaml cannot be
    read."""
    try:
        approvals = load(root)
    except FlyerError as exc:
        why = f'approval unknown: {exc.problems[0]}'
        return {entry['path']: ('unknown', why) for entry in entries}
    return {entry['path']: state(approvals.get(entry['path']),
                                 entry.get('sha256'))
            for entry in entries}


def state(approval: Approval | None, sha256: str | None) -> tuple[str, str]:
    if approval is None:
        return 'none', 'Not approved yet.'
    if approval.sha256 == sha256:
        return 'approved', f'Approved by {approval.describe()}.'
    return 'changed', (f'Changed since {approval.describe()} approved it: '
                       'check it again before approving.')


def approval_html(path: str, state_and_words: tuple[str, str]) -> str:
    state_name, words = state_and_words
    return (f'<p class="approval {state_name}" data-approval='
            f'"{html.escape(path)}">{html.escape(words)}</p>')


_BLOCK = re.compile(r'<p class="approval [a-z]+" data-approval="([^"]*)">'
                    r'[^<]*</p>')


def refreshed(text: str, root: Path, entries: list[dict]) -> str:
    """The proof report's text with each output's approval state as it is
    now (approvals.yaml changed since the report was written)."""
    now = states(root, entries)

    def swap(match):
        path = html.unescape(match[1])
        return approval_html(path, now[path]) if path in now else match[0]

    return _BLOCK.sub(swap, text)


def refresh_report(root: Path) -> None:
    """Rewrite output/proofs/report.html's approval states (after
    ``approve``)."""
    from .inputs import read_input
    from .manifest import read_entries
    from .writer import write_atomic

    report = root / OUTPUT / 'proofs' / 'report.html'
    try:
        text = read_input(report, follow=False).decode('utf-8')
        entries = list(read_entries(root).values())
    except (OSError, UnicodeDecodeError, FlyerError):
        return  # no report (or no build): nothing to show the state in
    new = refreshed(text, root, entries)
    if new != text:
        write_atomic(report, new.encode('utf-8'), root / OUTPUT)
