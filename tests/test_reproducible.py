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
