"""Same commit, same bytes: two clones at different paths, built in
different time zones, give byte-identical PDFs, proofs and manifest."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT, copy_project


def _git(*args, cwd, env=None):
    subprocess.run(['git', *args], cwd=cwd, check=True, capture_output=True,
                   env=env)


def _build(project, zone):
    env = {k: v for k, v in os.environ.items() if k != 'SOURCE_DATE_EPOCH'}
    env['TZ'] = zone
    result = subprocess.run([sys.executable, str(ROOT / 'make_flyers.py'),
                             '--project', str(project), 'build'],
                            capture_output=True, text=True, env=env,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    output = project / 'output'
    return {path.relative_to(output).as_posix(): path.read_bytes()
            for path in sorted(output.rglob('*')) if path.is_file()}


def test_two_clones_build_byte_identical_outputs(tmp_path):
    origin = copy_project(tmp_path / 'origin')
    env = dict(os.environ, GIT_AUTHOR_DATE='2026-05-01T12:00:00+02:00',
               GIT_COMMITTER_DATE='2026-05-01T12:00:00+02:00',
               GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@example.org',
               GIT_COMMITTER_NAME='t', GIT_COMMITTER_EMAIL='t@example.org')
    _git('init', '-q', cwd=origin)
    _git('add', '.', cwd=origin)
    _git('commit', '-q', '-m', 'campaign', cwd=origin, env=env)
    first, second = tmp_path / 'a', tmp_path / 'b' / 'deeper' / 'clone'
    _git('clone', '-q', str(origin), str(first), cwd=tmp_path)
    second.parent.mkdir(parents=True)
    _git('clone', '-q', str(origin), str(second), cwd=tmp_path)
    one = _build(first, 'UTC')
    two = _build(second, 'Pacific/Auckland')
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []
    assert any(name.endswith('.pdf') for name in one)
    # The documents carry the commit's date, not the time of the build.
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(one['trygghet-vasteras-leaflet-a5.pdf'])) \
            as pdf:
        assert str(pdf.trailer.Info.CreationDate).startswith('D:20260501100000')


def _creation_date(pdf_path) -> str:
    import pikepdf

    with pikepdf.open(pdf_path) as pdf:
        return str(pdf.trailer.Info.CreationDate)


def test_a_commit_redates_and_rebuilds_only_the_outputs_it_touched(tmp_path):
    """Each output carries the date of the last commit that touched its
    inputs, so a commit to one layout leaves the others' bytes (and cache
    entries) alone."""
    project = copy_project(tmp_path / 'project')

    def commit(date):
        env = dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date,
                   GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@example.org',
                   GIT_COMMITTER_NAME='t', GIT_COMMITTER_EMAIL='t@example.org')
        _git('add', '.', cwd=project)
        _git('commit', '-q', '-m', 'change', cwd=project, env=env)

    _git('init', '-q', cwd=project)
    commit('2026-05-01T12:00:00+00:00')
    before = _build(project, 'UTC')
    style = project / 'layouts' / 'poster-a3' / 'style.css'
    style.write_text(style.read_text('utf-8') + '\n/* later */\n', 'utf-8')
    commit('2026-06-02T08:30:00+00:00')
    env = {k: v for k, v in os.environ.items() if k != 'SOURCE_DATE_EPOCH'}
    result = subprocess.run([sys.executable, str(ROOT / 'make_flyers.py'),
                             '--project', str(project), 'build'],
                            capture_output=True, text=True, env=env,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert '2 built' in result.stdout and '2 from the cache' in result.stdout
    output = project / 'output'
    for name in ('trygghet-vasteras-leaflet-a5.pdf',
                 'trygghet-vasteras-leaflet-a5-screen.pdf'):
        assert (output / name).read_bytes() == before[name]
        assert _creation_date(output / name).startswith('D:20260501120000')
    for name in ('trygghet-vasteras-poster-a3.pdf',
                 'trygghet-vasteras-poster-a3-screen.pdf'):
        assert _creation_date(output / name).startswith('D:20260602083000')
