"""Sign-off: approve, approvals.yaml, release --require-approval and the
approval state in the proof report.

One final campaign (four outputs) is built once; the flow test walks it
from build to approved release, then changes a word and sees the release
refused with its diff.  approvals.yaml is read with PyYAML, the reports
with an HTML parser.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, copy_project, run

OUTPUTS = ['output/minimal-leaflet-a5-screen.pdf',
           'output/minimal-leaflet-a5.pdf',
           'output/minimal-poster-a3-screen.pdf',
           'output/minimal-poster-a3.pdf']


@pytest.fixture(scope='module')
def final(tmp_path_factory):
    """A project with one final campaign, built (no approvals yet)."""
    project = copy_project(tmp_path_factory.mktemp('approvals') / 'project',
                           content=False)
    shutil.copy(FIXTURES / 'content' / 'good' / 'minimal.yaml',
                project / 'content' / 'minimal.yaml')
    assert run(project, 'build')[0] == 0
    return project


@pytest.fixture
def project(final, tmp_path):
    """A private copy of the built project (each test changes it)."""
    copy = tmp_path / 'project'
    shutil.copytree(final, copy, symlinks=True)
    return copy


class States(HTMLParser):
    """output → (state, words) from the proof report's approval lines."""

    def __init__(self, path: Path):
        super().__init__()
        self.states: dict[str, tuple[str, str]] = {}
        self._open = None
        self.feed(path.read_text('utf-8'))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if 'data-approval' in attrs:
            self._open = attrs['data-approval']
            self.states[self._open] = (attrs['class'].split()[1], '')

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open:
            state, words = self.states[self._open]
            self.states[self._open] = (state, words + data)


def states(project: Path) -> dict[str, tuple[str, str]]:
    return States(project / 'output' / 'proofs' / 'report.html').states


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_approve_release_then_a_change_is_refused_with_its_diff(
        project, capsys):
    # Built, not approved: the proof report says so; release refuses all.
    assert {path: state for path, (state, _) in states(project).items()} \
        == dict.fromkeys(OUTPUTS, 'none')
    code, _, err = run(project, 'release', '--require-approval',
                       capsys=capsys)
    assert code == 1
    for path in OUTPUTS:
        assert (f'error: {path}: is not approved in approvals.yaml; check '
                'its proof (build, then output/proofs/report.html), then: '
                f'python make_flyers.py approve {path} --by NAME') in err
    assert not (project / 'output' / 'release.zip').exists()

    # Approved, by path, bare name, name with .pdf and absolute path.
    started = datetime.datetime.now(datetime.timezone.utc).replace(
        microsecond=0)
    code, out, err = run(project, 'approve', OUTPUTS[0], 'minimal-leaflet-a5',
                         'minimal-poster-a3-screen.pdf',
                         str(project / OUTPUTS[3]), '--by', 'Anna Andersson',
                         capsys=capsys)
    assert code == 0, err
    recorded = yaml.safe_load((project / 'approvals.yaml').read_text())
    assert list(recorded) == ['approvals']
    assert list(recorded['approvals']) == OUTPUTS  # sorted
    for path in OUTPUTS:
        entry = recorded['approvals'][path]
        assert list(entry) == ['sha256', 'by', 'at']
        assert entry['sha256'] == sha256(project / path)
        assert entry['by'] == 'Anna Andersson'
        moment = datetime.datetime.strptime(
            entry['at'], '%Y-%m-%dT%H:%M:%SZ').replace(
            tzinfo=datetime.timezone.utc)
        assert started <= moment <= datetime.datetime.now(
            datetime.timezone.utc)
        assert f'approved {path} (sha256 {entry["sha256"][:12]}…) by Anna ' \
               f'Andersson at {entry["at"]}' in out
    assert out.endswith('recorded in approvals.yaml; commit it, so the '
                        'sign-off is in the history\n')
    assert {path: state for path, (state, _) in states(project).items()} \
        == dict.fromkeys(OUTPUTS, 'approved')
    at = recorded['approvals'][OUTPUTS[0]]['at']
    assert states(project)[OUTPUTS[0]][1] == \
        f'Approved by Anna Andersson at {at}.'

    code, out, err = run(project, 'release', '--require-approval',
                         capsys=capsys)
    assert code == 0, err
    assert (project / 'output' / 'release.zip').is_file()

    # One word changed: every output is refused, each naming the field and
    # the word, and the diff report against the approved versions shows it.
    content = project / 'content' / 'minimal.yaml'
    content.write_text(content.read_text().replace('En mening.',
                                                   'En ny mening.'))
    code, _, err = run(project, 'release', '--require-approval',
                       capsys=capsys)
    assert code == 1
    # The posters do not print the intro, but their bytes changed too
    # (the HTML they are made of is in their metadata's hash).
    leaflets, posters = OUTPUTS[:2], OUTPUTS[2:]
    for path in OUTPUTS:
        what = (r'text intro\[0\]: \+ny, page 1: \d+ regions? changed'
                if path in leaflets else r'no text change, no visible change '
                r'at proof resolution \(the PDF bytes differ\)')
        assert re.search(
            f'error: {re.escape(path)}: changed since Anna Andersson at '
            rf'\S+Z approved it: {what}; the diff: output/diff/index.html; '
            'check it, then approve it again', err), err
    assert err.splitlines()[-1] == (
        f'{len(OUTPUTS)} problems found; nothing but output/diff/ (the diff) '
        'was written')
    report = (project / 'output' / 'diff' / 'index.html').read_text()
    assert report.count('<tr data-field="intro[0]"><td>intro[0]</td><td '
                        'class="removed"></td><td class="added">ny</td>') == 2
    assert len(posters) == 2
    # Built again, the proof report says which changed since approval.
    assert run(project, 'build')[0] == 0
    assert {path: state for path, (state, _) in states(project).items()} \
        == dict.fromkeys(OUTPUTS, 'changed')


def test_a_new_approval_is_a_small_change_of_approvals_yaml(project, capsys):
    assert run(project, 'approve', *OUTPUTS, '--by', 'Anna Andersson',
               capsys=capsys)[0] == 0
    before = (project / 'approvals.yaml').read_text().splitlines()
    assert run(project, 'approve', OUTPUTS[2], '--by', 'Bo Ek',
               capsys=capsys)[0] == 0
    after = (project / 'approvals.yaml').read_text().splitlines()
    assert len(before) == len(after)
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    # Only the "by" line (and the "at" line, a second later) of that one
    # output.
    start = after.index(f'  {OUTPUTS[2]}:')
    assert after[start + 2] == '    by: Bo Ek'
    assert start + 2 in changed and set(changed) <= {start + 2, start + 3}


def test_the_approved_version_comes_from_the_release_bundle_or_is_missing(
        project, capsys):
    assert run(project, 'approve', *OUTPUTS, '--by', 'Anna',
               capsys=capsys)[0] == 0
    assert run(project, 'release', '--require-approval',
               capsys=capsys)[0] == 0
    shutil.rmtree(project / 'output' / 'approved')  # approved elsewhere
    content = project / 'content' / 'minimal.yaml'
    content.write_text(content.read_text().replace('En mening.',
                                                   'Två meningar.'))
    # The last release bundle holds the approved bytes: the diff is shown.
    code, _, err = run(project, 'release', '--require-approval',
                       capsys=capsys)
    assert code == 1
    assert (f'error: {OUTPUTS[1]}: changed since Anna at ') in err
    assert 'text intro[0]: -En -mening. +Två +meningar.' in err
    report = (project / 'output' / 'diff' / 'index.html').read_text()
    assert 'From <b class="old">the approved versions</b>' in report
    # Without the bundle too, there is nothing to compare with.
    (project / 'output' / 'release.zip').unlink()
    code, _, err = run(project, 'release', '--require-approval',
                       capsys=capsys)
    assert code == 1
    assert (f'error: {OUTPUTS[1]}: changed since Anna at ') in err
    assert ('the approved version (sha256 ' in err
            and 'is not on this machine (no copy in output/approved/, not '
                'in the last release bundle), so no diff can be shown; '
                'compare the proofs; check it, then approve it again' in err)
    assert err.splitlines()[-1].endswith('found; nothing was written')


@pytest.mark.parametrize('names, by, message', [
    (['output/minimal-leaflet-a4.pdf'], 'Anna', 'error: output/minimal-'
     'leaflet-a4.pdf: is no output of this project; did you mean output/'
     'minimal-leaflet-a5.pdf?'),
    (['other-leaflet-a5'], 'Anna', 'error: other-leaflet-a5: is not '
     'built (not in output/manifest.json); build it, check its proof, then '
     'approve it'),
    (['/etc/passwd'], 'Anna', 'error: /etc/passwd: is not an output of this '
     'project (a PDF in '),
    ([OUTPUTS[0]], '', 'error: --by: is empty; give the name of the person '
     'who approves, e.g. --by "Anna Andersson"'),
    ([OUTPUTS[0]], '  \t ', 'error: --by: is empty'),
    ([OUTPUTS[0]], 'Anna\x1b[31m', 'error: --by: holds line breaks, tabs, '
     'control characters or extra spaces; give a plain name'),
    ([OUTPUTS[0]], 'A' * 101, 'error: --by: is 101 characters long'),
])
def test_what_cannot_be_approved(project, capsys, names, by, message):
    # A second campaign, not built yet.
    shutil.copy(project / 'content' / 'minimal.yaml',
                project / 'content' / 'other.yaml')
    code, _, err = run(project, 'approve', *names, '--by', by, capsys=capsys)
    assert code == 2
    assert err.splitlines()[0].startswith(message), err
    assert not (project / 'approvals.yaml').exists()


def test_an_output_changed_after_its_build_cannot_be_approved(project,
                                                             capsys):
    pdf = project / OUTPUTS[1]
    pdf.write_bytes(pdf.read_bytes() + b'\n% changed')
    code, _, err = run(project, 'approve', OUTPUTS[1], '--by', 'Anna',
                       capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        f'error: {OUTPUTS[1]}: is not the file output/manifest.json lists '
        '(its sha256 differs): it was changed or replaced after the build; '
        'build again')
    assert not (project / 'approvals.yaml').exists()


SHA = 'a' * 64
HINT = ('(approvals.yaml is written by "approve": take it back from git, '
        'e.g. git checkout approvals.yaml, or fix it by hand)')


@pytest.mark.parametrize('text, message', [
    ('approvals: [1, 2]\n', 'approvals.yaml:1:12: approvals: expected a '
     'mapping of output → {sha256, by, at}'),
    ('- a\n', 'approvals.yaml: expected one field, "approvals:", holding a '
     'mapping of output → {sha256, by, at}'),
    ('approvals:\n  output/a.pdf:\n    sha256: abc\n    by: Anna\n    at: '
     '"2026-01-01T00:00:00Z"\n', 'approvals.yaml:3:13: approvals.output/'
     'a.pdf.sha256: expected 64 hexadecimal digits, found "abc"'),
    (f'approvals:\n  ../etc/passwd:\n    sha256: {SHA}\n', 'approvals.yaml:'
     '2:3: approvals: "../etc/passwd" is not an output PDF (output/NAME.pdf)'),
    (f'approvals:\n  output/a.pdf:\n    sha256: {SHA}\n    by: Anna\n    at: '
     f'yesterday\n    note: x\n', 'approvals.yaml:5:9: approvals.output/'
     'a.pdf.at: expected a UTC time such as 2026-12-06T13:52:10Z, found '
     '"yesterday"'),
    ('approvals: &a\n  output/a.pdf: *a\n', 'approvals.yaml:1:12: '),
    ('approvals:\n  output/a.pdf: {sha256: [\n', 'approvals.yaml:'),
])
def test_a_broken_or_hostile_approvals_yaml_is_a_clear_message(
        project, capsys, text, message):
    (project / 'approvals.yaml').write_text(text)
    for args in (['approve', OUTPUTS[0], '--by', 'Anna'],
                 ['release', '--require-approval']):
        code, _, err = run(project, *args, capsys=capsys)
        assert code == 1, err
        first = err.splitlines()[0]
        assert first.startswith(f'error: {message}'), first
        assert first.endswith(HINT) and 'Traceback' not in err
    assert (project / 'approvals.yaml').read_text() == text
    assert not (project / 'output' / 'release.zip').exists()


def test_the_proof_report_follows_approvals_yaml_without_a_rebuild(
        project, capsys):
    """A build that changes nothing still brings the proof report's
    approval states up to date (approvals.yaml came from git), and a
    broken approvals.yaml shows as such there without failing the build."""
    pdf = project / OUTPUTS[1]
    (project / 'approvals.yaml').write_text(
        f'approvals:\n  {OUTPUTS[1]}:\n    sha256: {sha256(pdf)}\n'
        '    by: Cecilia Dahl\n    at: "2026-05-01T10:00:00Z"\n')
    assert run(project, 'build', capsys=capsys)[0] == 0
    found = states(project)
    assert found[OUTPUTS[1]] == ('approved', 'Approved by Cecilia Dahl at '
                                             '2026-05-01T10:00:00Z.')
    assert found[OUTPUTS[0]] == ('none', 'Not approved yet.')
    (project / 'approvals.yaml').write_text('approvals: [\n')
    code, _, err = run(project, 'build', capsys=capsys)
    assert code == 0, err
    state, words = states(project)[OUTPUTS[1]]
    assert state == 'unknown'
    assert words.startswith('approval unknown: approvals.yaml:')


def test_approvals_yaml_as_a_link_elsewhere_is_not_written_through(
        project, tmp_path, capsys):
    elsewhere = tmp_path / 'elsewhere.yaml'
    elsewhere.write_text('approvals: {}\n')
    (project / 'approvals.yaml').symlink_to(elsewhere)
    code, _, err = run(project, 'approve', OUTPUTS[0], '--by', 'Anna',
                       capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        'error: approvals.yaml: is a symbolic link or not a file; approve '
        'writes a plain file there: move it away and approve again')
    assert elsewhere.read_text() == 'approvals: {}\n'
