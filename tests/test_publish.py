"""``output/`` is all-or-nothing, even when the build is killed (issue 10 §3):
a kill at every write and rename of a publish, a disk that fills up or is
read-only, things in the way, processes that outlive their build."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, run

CONTENT = 'content/trygghet-vasteras.yaml'


def _build(project: Path, *args: str, env: dict | None = None,
           timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build', *args], capture_output=True, text=True,
        timeout=timeout, env={**os.environ, 'SOURCE_DATE_EPOCH': '1700000000',
                              **(env or {})})


def _state(project: Path) -> dict[str, str]:
    """Every file of output/ (hidden ones too) with its sha256."""
    output = project / 'output'
    return {p.relative_to(output).as_posix():
            hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output.rglob('*')) if p.is_file()}


def _whole(project: Path) -> None:
    """Every PDF and proof of the manifest is there with its bytes."""
    manifest = json.loads((project / 'output' / 'manifest.json').read_text())
    for entry in manifest['outputs']:
        data = (project / entry['path']).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry['sha256'], \
            entry['path']
        for proof in entry['proofs']:
            assert (project / proof).is_file(), proof


def _edit(project: Path, old: str, new: str) -> None:
    path = project / CONTENT
    path.write_text(path.read_text('utf-8').replace(old, new, 1), 'utf-8')


@pytest.fixture(scope='module')
def two_states(tmp_path_factory):
    """A project whose cache holds two versions of the poster (A and B),
    so that switching between them is only a publish."""
    project = copy_project(tmp_path_factory.mktemp('kill') / 'project')
    args = ('--layout', 'poster-a3', '--edition', 'print')
    assert _build(project, *args).returncode == 0
    _edit(project, 'Trygghet i Västerås', 'Trygghet i hela Västerås')
    assert _build(project, *args).returncode == 0
    state_b = _state(project)
    _edit(project, 'Trygghet i hela Västerås', 'Trygghet i Västerås')
    assert _build(project, *args).returncode == 0
    state_a = _state(project)
    assert state_a != state_b
    return project, args, state_a, state_b


def test_a_kill_at_any_step_of_a_publish_leaves_a_whole_state(two_states):
    project, args, state_a, state_b = two_states
    states = {'A': state_a, 'B': state_b}
    current = 'A'
    seen_new = seen_old = 0
    step = 1
    while True:
        # Build the other state, killed at the step-th write or rename.
        target = 'B' if current == 'A' else 'A'
        old, new = (('Trygghet i Västerås', 'Trygghet i hela Västerås')
                    if target == 'B' else
                    ('Trygghet i hela Västerås', 'Trygghet i Västerås'))
        _edit(project, old, new)
        killed = _build(project, *args, env={'FLYERS_TEST_KILL_AT': str(step)})
        if killed.returncode == 0:
            break  # the publish has fewer steps than this: all tried
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        # The next command that touches output/ sees a whole state: the
        # old one, or the new one once it finished the journal.
        checked = subprocess.run(
            [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
             str(project), 'preflight'], capture_output=True, text=True,
            timeout=300)
        assert checked.returncode == 0, (step, checked.stderr)
        after = _state(project)
        assert after in (states['A'], states['B']), step
        landed = 'A' if after == states['A'] else 'B'
        seen_new += landed == target
        seen_old += landed != target
        current = landed
        if landed != target:
            _edit(project, new, old)  # the content matches the state again
        step += 1
    assert step > 5  # writes, journal, renames, removal: each was a kill
    assert seen_old and seen_new  # before the journal: old; after: new
    _whole(project)


def test_leftovers_of_killed_runs_are_removed_by_the_next_run(project,
                                                              capsys):
    output = project / 'output'
    output.mkdir()
    (output / '.staging-abc123').mkdir()
    (output / '.staging-abc123' / 'x.pdf').write_bytes(b'%PDF')
    (output / '.manifest.json.x1y2.tmp').write_bytes(b'{')
    code, _, err = run(project, 'build', '--layout', 'poster-a3',
                       '--edition', 'screen', capsys=capsys)
    assert code == 0, err
    assert sorted(p.name for p in output.iterdir()
                  if p.name.startswith('.')) == []


def test_a_check_folder_of_a_killed_check_is_removed(project, capsys):
    import tempfile

    old = Path(tempfile.mkdtemp(prefix='flyers-check-'))
    (old / 'x.pdf').write_bytes(b'%PDF')
    (old / '.lock').write_bytes(b'')  # a check killed: its lock is free
    other = Path(tempfile.mkdtemp(prefix='flyers-check-'))  # not ours
    os.utime(other, (time.time() - 120, time.time() - 120))
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       '--edition', 'screen', capsys=capsys)
    assert code == 0, err
    assert not old.exists()
    assert other.exists()
    other.rmdir()


def test_preflight_finds_a_pdf_that_is_not_the_one_built(built, tmp_path,
                                                         capsys):
    project = copy_project(tmp_path / 'p')
    import shutil
    shutil.copytree(built.project / 'output', project / 'output')
    pdf = project / 'output' / 'trygghet-vasteras-poster-a3-screen.pdf'
    other = project / 'output' / 'trygghet-vasteras-leaflet-a5-screen.pdf'
    pdf.write_bytes(other.read_bytes())  # a whole, valid PDF — the wrong one
    code, out, err = run(project, 'preflight', capsys=capsys)
    assert code == 1
    assert ('error: output/trygghet-vasteras-poster-a3-screen.pdf: is not '
            'the file output/manifest.json lists (its sha256 differs): it was '
            'changed or replaced after the build; build again') in err
    assert '1 PDF failed the preflight' in err
    missing = project / 'output' / 'trygghet-vasteras-poster-a3.pdf'
    missing.unlink()
    code, out, err = run(project, 'preflight', capsys=capsys)
    assert code == 1
    assert ('error: output/trygghet-vasteras-poster-a3.pdf: is listed in '
            'output/manifest.json but missing; build again') in err
    assert '2 PDFs failed the preflight' in err


# --- things in the way ---------------------------------------------------------

def _in_the_way(project: Path, case: str, elsewhere: Path) -> str:
    output = project / 'output'
    if case == 'output-is-a-file':
        output.write_text('not a folder')
        return ('error: output/: is not a folder; the builder writes its '
                'files into a real folder called output. Move it away and '
                'build again')
    if case == 'output-is-a-link':
        elsewhere.mkdir()
        output.symlink_to(elsewhere)
        return ('error: output/: is a symbolic link; the builder writes its '
                'files into a real folder called output. Move it away and '
                'build again')
    output.mkdir()
    if case == 'manifest-is-a-folder':
        (output / 'manifest.json').mkdir()
        return ('error: output/manifest.json: is a folder, where the build '
                'must write a file; remove it and build again')
    if case == 'proofs-is-a-link':
        elsewhere.mkdir()
        (output / 'proofs').symlink_to(elsewhere)
        return ('error: output/proofs: is a symbolic link; the builder '
                'writes only into real folders inside output/. Remove it and '
                'build again')
    if case == 'pdf-is-a-link':
        elsewhere.mkdir()
        (elsewhere / 'x.pdf').write_bytes(b'keep')
        (output / 'trygghet-vasteras-poster-a3-screen.pdf').symlink_to(
            elsewhere / 'x.pdf')
        return ('error: output/trygghet-vasteras-poster-a3-screen.pdf: is a '
                'symbolic link, where the build must write a file; remove it '
                'and build again')
    raise AssertionError(case)


@pytest.mark.parametrize('case', ['output-is-a-file', 'output-is-a-link',
                                  'manifest-is-a-folder', 'proofs-is-a-link',
                                  'pdf-is-a-link'])
def test_something_in_the_way_is_one_clear_line(project, tmp_path, capsys,
                                                case):
    elsewhere = tmp_path / 'elsewhere'
    expected = _in_the_way(project, case, elsewhere)
    before = _snapshot(project / 'output')
    code, out, err = run(project, 'build', '--layout', 'poster-a3',
                         '--edition', 'screen', capsys=capsys)
    assert code == 1
    assert expected in err
    assert 'Traceback' not in err
    assert _snapshot(project / 'output') == before
    if elsewhere.exists():
        assert sorted(p.name for p in elsewhere.iterdir()) in ([], ['x.pdf'])


def _snapshot(path: Path):
    if path.is_symlink():
        return ('link', os.readlink(path))
    if path.is_file():
        return ('file', path.read_bytes())
    if not path.exists():
        return None
    return sorted((p.relative_to(path).as_posix(),
                   p.read_bytes() if p.is_file() and not p.is_symlink()
                   else None) for p in path.rglob('*'))


# --- the disk says no (a small or read-only file system, in a mount
# namespace of the test's own) ---------------------------------------------------

def _in_namespace(project: Path, mount: str, *args: str):
    script = f'''set -e
mount {mount} "{project}/output"
exec "{sys.executable}" "{ROOT / 'make_flyers.py'}" --project "{project}" "$@"
'''
    return subprocess.run(['unshare', '--mount', '--propagation', 'private',
                           'sh', '-c', script, 'sh', *args],
                          capture_output=True, text=True, timeout=300)


def test_a_full_disk_is_one_clear_line_and_leaves_output_as_it_was(project):
    (project / 'output').mkdir()
    result = _in_namespace(project, '-t tmpfs -o size=96k tmpfs', 'build',
                           '--layout', 'leaflet-a5', '--jobs', '1')
    assert result.returncode == 1, result.stderr
    assert 'Traceback' not in result.stderr
    assert ('could not be written (No space left on device): the disk is '
            'full; free some space and build again') in result.stderr
    assert list((project / 'output').iterdir()) == []  # the real folder


def test_a_read_only_output_is_one_clear_line(built, tmp_path):
    import shutil

    project = copy_project(tmp_path / 'p')
    shutil.copytree(built.project / 'output', project / 'output')
    before = _state(project)
    _edit(project, 'Trygghet i Västerås', 'Trygghet i hela Västerås')
    folder = project / 'output'
    result = _in_namespace(project, f'--bind -o ro "{folder}"', 'build',
                           '--layout', 'poster-a3', '--jobs', '1')
    assert result.returncode == 1, result.stderr
    assert 'Traceback' not in result.stderr
    assert ('error: output/: could not be written (Read-only file system): '
            'the file system is read-only; build into a writable copy of '
            'the project') in result.stderr
    assert _state(project) == before


# --- children die with the build -------------------------------------------------

def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        try:  # a process may end while it is looked at
            tasks = list(Path(f'/proc/{parent}/task').iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = (task / 'children').read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _name(pid: int) -> str:
    try:
        return Path(f'/proc/{pid}/comm').read_text().strip()
    except OSError:  # it has ended meanwhile
        return ''


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            status = Path(f'/proc/{pid}/status').read_text()
        except OSError:
            continue
        if '\nState:\tZ' not in status:
            alive.add(pid)
    return alive


def test_a_killed_build_leaves_no_process_behind(project):
    build = subprocess.Popen(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build', '--no-cache', '--jobs', '2'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Wait until the workers run a Ghostscript each (deep in the tree).
        deadline = time.monotonic() + 120
        children: set[int] = set()
        while time.monotonic() < deadline:
            children = _descendants(build.pid)
            names = {_name(p) for p in _alive(children)}
            if 'gs' in names and len(children) >= 4:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f'the build never started its workers: {children}')
        build.kill()
        build.wait()
        deadline = time.monotonic() + 10
        while _alive(children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _alive(children) == set()
    finally:
        if build.poll() is None:
            build.kill()
        build.communicate()


def test_a_journal_that_is_not_ours_is_not_followed(project, tmp_path,
                                                    capsys):
    """Moves out of output/, through a link, or into hidden files are not
    the builder's: such a journal is dropped, nothing is moved."""
    secret = tmp_path / 'secret'
    secret.mkdir()
    (secret / 'victim.txt').write_text('keep me')
    output = project / 'output'
    output.mkdir()
    (output / 'lnk').symlink_to(secret)
    (output / '.staging-a').mkdir()
    (output / '.staging-a' / 'x').write_text('planted')
    (output / 'proofs').mkdir()
    (output / '.staging-a' / 'sub').mkdir()
    for moves in ([['lnk/victim.txt', 'stolen.txt']],
                  [['.staging-a/x', 'lnk/planted.txt']],
                  [['.staging-a/x', '.publish-journal.json']],
                  [['.staging-a/x', 'proofs']], [['.staging-a/x', '.']],
                  [['.staging-a/x', 'x\u0000y']],
                  [['.staging-a/sub', 'moved']],
                  [['../x', 'a']], 'nonsense', '[' * 200000):
        (output / '.publish-journal.json').write_text(
            moves if isinstance(moves, str) and moves.startswith('[')
            else json.dumps({'moves': moves}))
        code, _, err = run(project, 'check', '--layout', 'poster-a3',
                           '--edition', 'screen', capsys=capsys)
        code, out, err = run(project, 'preflight', capsys=capsys)
        assert 'Traceback' not in err
        assert (secret / 'victim.txt').read_text() == 'keep me'
        assert not (secret / 'planted.txt').exists()
        assert 'failed unexpectedly' not in err
        assert not (output / 'stolen.txt').exists()
        assert not (output / 'moved').exists()
        assert (output / 'proofs').is_dir()
        assert not (output / '.publish-journal.json').exists()


def test_a_build_refused_the_lock_leaves_the_other_builds_output(
        project, capsys):
    """Two builds start on a project without output/: the one refused
    does not remove the folder the other is working in."""
    from flyers import journal

    output = project / 'output'
    output.mkdir()
    with journal.locked(output):
        (output / '.staging-other').mkdir()
        code, _, err = run(project, 'build', '--layout', 'poster-a3',
                           '--edition', 'screen', capsys=capsys)
        assert code == 1
        assert ('error: output/: another build is writing this folder right '
                'now; wait for it to end and run this again') in err
        assert (output / '.staging-other').is_dir()


def test_outputs_no_longer_in_the_catalogue_are_removed(project, capsys):
    """output/ holds what the manifest lists: a layout built once by name
    and then no longer, or a campaign whose file was removed, leaves no
    files behind (issue 11 §4)."""
    import shutil

    from conftest import FIXTURES

    shutil.copy(FIXTURES / 'content' / 'good' / 'minimal.yaml',
                project / 'content' / 'minimal.yaml')
    args = ('--edition', 'screen')
    assert run(project, 'build', *args, capsys=capsys)[0] == 0
    code, _, err = run(project, 'build', '--layout', 'trifold-dl', *args,
                       capsys=capsys)
    assert code == 0, err
    trifold = project / 'output' / 'minimal-trifold-dl-screen.pdf'
    assert trifold.is_file()
    listed = json.loads((project / 'output' / 'manifest.json').read_text())
    assert len(listed['outputs']) == 6  # the 4 defaults kept, 2 tri-folds
    (project / 'content' / 'minimal.yaml').unlink()
    code, out, err = run(project, 'build', *args, capsys=capsys)
    assert code == 0, err
    assert ('removed output/minimal-trifold-dl-screen.pdf  (no longer built: '
            'out of date, or not in the catalogue)') in out
    files = sorted(p.relative_to(project / 'output').as_posix()
                   for p in (project / 'output').rglob('*') if p.is_file())
    assert files == [
        'manifest.json', 'proofs/contact-sheet.png', 'proofs/report.html',
        'proofs/trygghet-vasteras-leaflet-a5-screen-p1.png',
        'proofs/trygghet-vasteras-leaflet-a5-screen-p2.png',
        'proofs/trygghet-vasteras-poster-a3-screen-p1.png',
        'trygghet-vasteras-leaflet-a5-screen.pdf',
        'trygghet-vasteras-poster-a3-screen.pdf']
    _whole(project)
