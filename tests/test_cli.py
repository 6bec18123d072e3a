"""The command line: exit codes, help without heavy imports, check."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, run


def test_help_does_not_import_weasyprint():
    code = ('import sys, runpy; sys.argv = ["make_flyers.py", "--help"]\n'
            'try:\n    runpy.run_path("make_flyers.py", run_name="__main__")\n'
            'except SystemExit as e:\n    assert e.code == 0\n'
            'print("weasyprint" in sys.modules, "jinja2" in sys.modules)')
    result = subprocess.run([sys.executable, '-c', code], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == 'False False'
    assert 'build' in result.stdout and 'import' in result.stdout


def test_exit_codes(project, capsys):
    assert run(project, 'frobnicate', capsys=capsys)[0] == 2
    assert run(project, capsys=capsys)[0] == 2
    assert run(project, 'build', '--layout', 'nope', capsys=capsys)[0] == 2
    code, _, err = run(project, 'build', 'content/missing.yaml', capsys=capsys)
    assert code == 2
    assert 'error: content/missing.yaml: no such file' in err


def test_unknown_layout_suggests_the_near_one(project, capsys):
    code, _, err = run(project, 'build', '--layout', 'leaflet-a6',
                       capsys=capsys)
    assert code == 2
    assert ('error: --layout: no layout called "leaflet-a6"; did you mean '
            '"leaflet-a5"?') in err


def test_check_writes_nothing(project, capsys):
    code, out, err = run(project, 'check', capsys=capsys)
    assert code == 0, err
    assert '4 outputs checked' in out
    assert not (project / 'output').exists()


def test_narrowed_build_keeps_the_other_manifest_entries(project, capsys):
    assert run(project, 'build', capsys=capsys)[0] == 0
    assert run(project, 'build', '--layout', 'poster-a3', capsys=capsys)[0] == 0
    manifest = json.loads((project / 'output' / 'manifest.json').read_text())
    assert [e['layout'] for e in manifest['outputs']] == [
        'leaflet-a5', 'leaflet-a5', 'poster-a3', 'poster-a3']


def test_content_can_choose_its_layouts(project, tmp_path, capsys):
    text = (ROOT / 'content' / 'trygghet-vasteras.yaml').read_text('utf-8')
    (project / 'content' / 'trygghet-vasteras.yaml').write_text(
        text + '\nlayouts: [poster-a3]\n', 'utf-8')
    code, out, err = run(project, 'build', capsys=capsys)
    assert code == 0, err
    assert sorted(p.name for p in (project / 'output').glob('*.pdf')) == [
        'trygghet-vasteras-poster-a3-screen.pdf',
        'trygghet-vasteras-poster-a3.pdf']


def test_no_content_at_all_is_a_clear_usage_error(empty_project, capsys):
    code, _, err = run(empty_project, 'build', capsys=capsys)
    assert code == 2
    assert 'no content files (*.yaml) found' in err


def test_missing_harfbuzz_subset_is_said_once(project, capsys, monkeypatch):
    from flyers import environment
    from flyers.environment import warn_if_slow_subsetting

    monkeypatch.setattr(environment, 'harfbuzz_subset_available',
                        lambda: False)
    warn_if_slow_subsetting.cache_clear()
    try:
        code, _, err = run(project, 'check', capsys=capsys)
        code, _, err2 = run(project, 'check', '--layout', 'poster-a3',
                            capsys=capsys)
    finally:
        warn_if_slow_subsetting.cache_clear()
    assert code == 0
    note = ('note: the system library libharfbuzz-subset0 is missing, so '
            'fonts are subset the slow way (about 6x slower); install it '
            'with: apt-get install libharfbuzz-subset0')
    assert (err + err2).count(note) == 1


def test_harfbuzz_subset_is_installed_here():
    # .ci/run installs it (scripts/setup.sh); the speed figures assume it,
    # and our detection (without loading WeasyPrint) agrees with WeasyPrint.
    from weasyprint.text.ffi import harfbuzz_subset

    from flyers.environment import harfbuzz_subset_available

    assert harfbuzz_subset is not None
    assert harfbuzz_subset_available()


def test_a_full_build_forgets_outputs_of_removed_content(project, capsys):
    extra = project / 'content' / 'extra.yaml'
    extra.write_text((project / 'content' / 'trygghet-vasteras.yaml')
                     .read_text('utf-8'), 'utf-8')
    assert run(project, 'build', capsys=capsys)[0] == 0
    extra.unlink()
    assert run(project, 'build', capsys=capsys)[0] == 0
    manifest = json.loads((project / 'output' / 'manifest.json').read_text())
    assert sorted(e['content'] for e in manifest['outputs']) == [
        'content/trygghet-vasteras.yaml'] * 4


def test_a_narrowed_build_drops_entries_whose_inputs_changed(project, capsys):
    assert run(project, 'build', capsys=capsys)[0] == 0
    content = project / 'content' / 'trygghet-vasteras.yaml'
    content.write_text(content.read_text('utf-8').replace(
        'title: Trygghet i Västerås', 'title: Trygghet i Västerås!'),
        'utf-8')
    assert run(project, 'build', '--edition', 'print', capsys=capsys)[0] == 0
    manifest = json.loads((project / 'output' / 'manifest.json').read_text())
    # The screen editions were made from the old title: no longer listed.
    assert [e['edition'] for e in manifest['outputs']] == ['print', 'print']
    report = (project / 'output' / 'proofs' / 'report.html').read_text()
    assert report.count('passes preflight') == 2


def test_a_narrowed_build_keeps_the_others_in_the_report(project, capsys):
    assert run(project, 'build', capsys=capsys)[0] == 0
    assert run(project, 'build', '--layout', 'leaflet-a5', capsys=capsys)[0] == 0
    report = (project / 'output' / 'proofs' / 'report.html').read_text()
    # The posters were not rebuilt; their reports come from the cache.
    assert report.count('passes preflight') == 4
    assert report.count('<td>qr</td>') == 4
