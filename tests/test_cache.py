"""The build cache, worker processes and progress reports (issue 5).

A rebuild with nothing changed takes every output from the cache and writes
nothing; a change rebuilds exactly the outputs that depend on it; any number
of worker processes gives the same bytes."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from conftest import run

LEAFLETS = ['output/trygghet-vasteras-leaflet-a5-screen.pdf',
            'output/trygghet-vasteras-leaflet-a5.pdf']
POSTERS = ['output/trygghet-vasteras-poster-a3-screen.pdf',
           'output/trygghet-vasteras-poster-a3.pdf']


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch):
    # Outside git an output is dated by its newest input file; a fixed date
    # keeps the tests about the cache, not about file times.
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '1767225600')


def _outputs(project: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in output/ with its bytes and modification time."""
    folder = project / 'output'
    return {path.relative_to(project).as_posix():
            (path.read_bytes(), path.stat().st_mtime_ns)
            for path in sorted(folder.rglob('*')) if path.is_file()}


def _verbs(out: str) -> dict[str, str]:
    """Output path → 'built' or 'cached', from the progress lines."""
    return {match[2]: match[1] for match in
            re.finditer(r'^(built|cached)\s+(\S+\.pdf)', out, re.M)}


def test_a_rebuild_with_nothing_changed_writes_nothing(project, capsys):
    code, out, err = run(project, 'build', capsys=capsys)
    assert code == 0, err
    assert set(_verbs(out).values()) == {'built'}
    before = _outputs(project)
    code, out, err = run(project, 'build', capsys=capsys)
    assert code == 0, err
    assert _verbs(out) == {path: 'cached' for path in LEAFLETS + POSTERS}
    assert 'all from the cache' in out.splitlines()[-1]
    assert _outputs(project) == before  # same bytes, not even rewritten


def test_changing_one_layout_rebuilds_only_its_outputs(project, capsys):
    assert run(project, 'build', capsys=capsys)[0] == 0
    before = _outputs(project)
    style = project / 'layouts' / 'poster-a3' / 'style.css'
    style.write_text(style.read_text('utf-8') + '\n/* touched */\n', 'utf-8')
    code, out, err = run(project, 'build', capsys=capsys)
    assert code == 0, err
    assert _verbs(out) == {**{path: 'cached' for path in LEAFLETS},
                           **{path: 'built' for path in POSTERS}}
    assert '2 built on 2 processes, 2 from the cache' in out or \
        '2 built in one process, 2 from the cache' in out
    after = _outputs(project)
    for path in LEAFLETS:
        assert after[path] == before[path]


def test_an_asset_rebuilds_only_the_outputs_that_use_it(project, capsys):
    # The screen editions show logo.svg, the print editions logo-cmyk.svg.
    assert run(project, 'build', capsys=capsys)[0] == 0
    logo = project / 'brands' / 'default' / 'logo.svg'
    logo.write_text(logo.read_text('utf-8') + '\n<!-- new -->\n', 'utf-8')
    code, out, err = run(project, 'build', capsys=capsys)
    assert code == 0, err
    verbs = _verbs(out)
    assert {p for p, verb in verbs.items() if verb == 'built'} == {
        LEAFLETS[0], POSTERS[0]}


def test_no_cache_builds_everything_again_to_the_same_bytes(project, capsys):
    assert run(project, 'build', capsys=capsys)[0] == 0
    before = {k: v[0] for k, v in _outputs(project).items()}
    code, out, err = run(project, 'build', '--no-cache', capsys=capsys)
    assert code == 0, err
    assert set(_verbs(out).values()) == {'built'}
    assert {k: v[0] for k, v in _outputs(project).items()} == before


def test_a_damaged_cache_entry_is_built_again(project, capsys):
    assert run(project, 'build', capsys=capsys)[0] == 0
    good = (project / POSTERS[1]).read_bytes()
    for meta in (project / '.cache').rglob('meta.json'):
        if json.loads(meta.read_text())['output'] == POSTERS[1]:
            pdf = meta.parent / 'output.pdf'
            pdf.write_bytes(pdf.read_bytes()[:1000])
    (project / POSTERS[1]).unlink()
    code, out, err = run(project, 'build', capsys=capsys)
    assert code == 0, err
    assert _verbs(out)[POSTERS[1]] == 'built'
    assert (project / POSTERS[1]).read_bytes() == good


def test_a_deleted_output_is_restored_from_the_cache(project, capsys):
    assert run(project, 'build', capsys=capsys)[0] == 0
    good = (project / LEAFLETS[1]).read_bytes()
    sheet = project / 'output' / 'proofs' / 'contact-sheet.png'
    # Pasted from the tiles the workers made with the page pictures ...
    made = sheet.read_bytes()
    (project / LEAFLETS[1]).unlink()
    sheet.unlink()
    code, out, err = run(project, 'build', capsys=capsys)
    assert code == 0, err
    assert set(_verbs(out).values()) == {'cached'}
    assert (project / LEAFLETS[1]).read_bytes() == good
    # ... and made again from the cached PNGs: the same picture.
    assert sheet.read_bytes() == made


def test_cache_folder_can_be_moved(project, tmp_path, capsys, monkeypatch):
    elsewhere = tmp_path / 'shared-cache'
    monkeypatch.setenv('FLYERS_CACHE_DIR', str(elsewhere))
    assert run(project, 'build', capsys=capsys)[0] == 0
    assert not (project / '.cache').exists()
    assert len(list(elsewhere.rglob('meta.json'))) == 4


def test_one_and_two_workers_give_the_same_bytes(project, capsys):
    code, out, err = run(project, 'build', '--jobs', '1', capsys=capsys)
    assert code == 0, err
    assert '4 built in one process' in out
    one = {k: v[0] for k, v in _outputs(project).items()}
    code, out, err = run(project, 'build', '--jobs', '2', '--no-cache',
                         capsys=capsys)
    assert code == 0, err
    assert '4 built on 2 processes' in out
    assert {k: v[0] for k, v in _outputs(project).items()} == one


def test_workers_live_for_the_whole_build(project):
    """Two workers build four outputs: two processes, not four, and not
    this one."""
    import os

    from flyers import build, workers
    from flyers.cache import Cache

    jobs = build.load_everything(project, [], [])
    lines = []
    staging = project / 'staging'
    staging.mkdir()
    outcome = workers.run(project, jobs, staging,
                          lambda line, notable=False, done=False:
                          lines.append(line),
                          Cache(project, enabled=False), workers=2)
    assert not outcome.problems
    assert len(outcome.results) == 4 and outcome.workers == 2
    pids = {result.pid for result in outcome.results}
    assert len(pids) == 2 and os.getpid() not in pids
    assert 0 < outcome.peak_rss < 600 * 1024 ** 2


def test_the_forkserver_preloads_modules_that_exist():
    """multiprocessing skips a preload that does not import, without a
    word: a misspelt name would make every worker import it again."""
    import importlib

    from flyers import workers

    for name in workers.PRELOAD:
        assert importlib.import_module(name).__name__ == name


@pytest.mark.parametrize('value', ['0', 'two', '-1'])
def test_jobs_must_be_a_positive_number(project, capsys, value):
    code, _, err = run(project, 'build', '--jobs', value, capsys=capsys)
    assert code == 2
    assert f'"{value}" is not a number of processes; give 1 or more' in err


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere():
    from flyers.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    lines = ['built   output/a.pdf  (2 pages, 0.30 s)',
             'preflight output/a.pdf: passed  (0.10 s)',
             'built   output/b.pdf  (1 page, 0.20 s)  copyfit: --x 9 → 8 pt',
             'preflight output/b.pdf: passed  (0.10 s)']
    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        progress = Progress(2, stream)
        for index, line in enumerate(lines):
            progress(line, notable=index == 2, done=line.startswith('built'))
        progress.close()
    assert log.getvalue() == ''.join(line + '\n' for line in lines)
    shown = terminal.getvalue()
    assert '\r' in shown and '[' + '#' * 12 + '-' * 12 + '] 1/2' in shown
    assert '] 2/2' in shown
    # Only the notable line is printed in full; the rest is the bar.
    assert lines[2] + '\n' in shown and lines[0] not in shown
    assert shown.endswith('\r\x1b[2K')  # the bar is gone before the summary


def test_every_output_depends_on_the_fonts_it_may_use(project, capsys):
    """One process builds all four: WeasyPrint fetches the fonts for the
    first document only, yet every cache entry must list them, or a changed
    font would not rebuild the later ones."""
    assert run(project, 'build', '--jobs', '1', capsys=capsys)[0] == 0
    fonts = {f'brands/default/fonts/{path.name}' for path in
             (project / 'brands' / 'default' / 'fonts').glob('*.otf')}
    metas = [json.loads(meta.read_text())
             for meta in (project / '.cache').rglob('meta.json')]
    assert len(metas) == 4
    for meta in metas:
        assert fonts <= set(meta['deps']), meta['output']


def test_a_narrowed_build_without_the_cache_keeps_the_others(project, capsys):
    assert run(project, 'build', capsys=capsys)[0] == 0
    code, out, err = run(project, 'build', '--layout', 'poster-a3',
                         '--no-cache', capsys=capsys)
    assert code == 0, err
    assert set(_verbs(out)) == set(POSTERS)
    manifest = json.loads((project / 'output' / 'manifest.json').read_text())
    assert sorted(e['path'] for e in manifest['outputs']) == sorted(
        LEAFLETS + POSTERS)


def test_a_layout_may_not_use_another_layouts_templates(project, capsys):
    """The cache tracks a layout's own folder and the shared _ folders; a
    template from another layout is refused, so it cannot change the
    output unseen."""
    (project / 'layouts' / 'poster-a3' / 'extra.html.j2').write_text(
        '<p>from the poster</p>', 'utf-8')
    template = project / 'layouts' / 'leaflet-a5' / 'template.html.j2'
    template.write_text(template.read_text('utf-8').replace(
        '{% block pages %}',
        '{% block pages %}{% include "poster-a3/extra.html.j2" %}', 1),
        'utf-8')
    code, _, err = run(project, 'check', '--layout', 'leaflet-a5',
                       capsys=capsys)
    assert code == 1
    assert ('"poster-a3/extra.html.j2": a layout may use templates from its '
            'own folder and from shared folders whose names start with "_" '
            '(like _base/), not from another layout; copy it into '
            'layouts/leaflet-a5/ or a shared folder') in err


def test_a_damaged_proof_in_the_cache_is_built_again(project, capsys):
    assert run(project, 'build', capsys=capsys)[0] == 0
    for png in (project / '.cache').rglob('page-1.png'):
        png.write_bytes(png.read_bytes()[:100])
    (project / 'output' / 'proofs' / 'contact-sheet.png').unlink()
    code, out, err = run(project, 'build', capsys=capsys)
    assert code == 0, err
    assert set(_verbs(out).values()) == {'built'}


def test_a_symlinked_template_folder_is_refused(project, capsys):
    parts = project / 'layouts' / 'leaflet-a5' / 'parts'
    parts.mkdir()
    (parts / 'snippet.html.j2').write_text('<p>shared?</p>', 'utf-8')
    (project / 'layouts' / 'poster-a3' / 'shared').symlink_to(parts)
    template = project / 'layouts' / 'poster-a3' / 'template.html.j2'
    template.write_text(template.read_text('utf-8').replace(
        '{% block pages %}',
        '{% block pages %}{% include "poster-a3/shared/snippet.html.j2" %}',
        1), 'utf-8')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert ('"poster-a3/shared/snippet.html.j2" leads (through a symbolic '
            'link) out of layouts/poster-a3/ and the shared folders') in err


def test_content_named_from_another_folder_is_that_file(project, tmp_path,
                                                       capsys, monkeypatch):
    """A content file named relative to the current folder is built and
    hashed as that file: editing it rebuilds."""
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    content = elsewhere / 'extern.yaml'
    content.write_text((project / 'content' / 'trygghet-vasteras.yaml')
                       .read_text('utf-8'), 'utf-8')
    monkeypatch.chdir(tmp_path)
    args = ('build', 'elsewhere/extern.yaml', '--layout', 'poster-a3',
            '--edition', 'print')
    assert run(project, *args, capsys=capsys)[0] == 0
    content.write_text(content.read_text('utf-8').replace(
        'title: Trygghet i Västerås', 'title: Trygghet i Västerås!'),
        'utf-8')
    code, out, err = run(project, *args, capsys=capsys)
    assert code == 0, err
    assert _verbs(out) == {'output/extern-poster-a3.pdf': 'built'}


def test_a_bad_source_date_epoch_is_a_usage_error(project, capsys,
                                                  monkeypatch):
    monkeypatch.setenv('SOURCE_DATE_EPOCH', 'yesterday')
    code, _, err = run(project, 'build', capsys=capsys)
    assert code == 2
    assert ('error: SOURCE_DATE_EPOCH: "yesterday" is not a time; give '
            'seconds since 1970') in err
