"""Nothing of the machine outside the project is read, hashed or printed
(issue 10 §1), and a cache entry is only ever its own key's (§2)."""

from __future__ import annotations

import builtins
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import run

SECRET = 'TOP-SECRET-LINE-0451'


@pytest.fixture
def secret_folder(tmp_path) -> Path:
    """A folder outside the project, with a file no build may read."""
    folder = tmp_path / 'outside'
    folder.mkdir()
    (folder / 'secret.html.j2').write_text(f'<p>{SECRET}</p>', 'utf-8')
    (folder / 'secret.css').write_text('p { color: black }', 'utf-8')
    return folder


def _include(project: Path, layout: str, name: str) -> None:
    template = project / 'layouts' / layout / 'template.html.j2'
    template.write_text(template.read_text('utf-8').replace(
        '{% block pages %}', '{% block pages %}{% include "' + name + '" %}',
        1), 'utf-8')


@pytest.fixture
def opened(monkeypatch):
    """Every path opened through Python's open() / Path.read_*."""
    seen: list[str] = []
    real_open = io.open

    def spy(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)):
            seen.append(os.path.realpath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, 'open', spy)
    monkeypatch.setattr(io, 'open', spy)
    return seen


# --- symbolic links in layouts/ ---------------------------------------------

@pytest.mark.parametrize('kind', ['shared-folder', 'template', 'stylesheet'])
def test_a_link_out_of_the_project_in_layouts_is_refused_before_reading(
        project, secret_folder, capsys, opened, kind):
    layouts = project / 'layouts'
    if kind == 'shared-folder':
        (layouts / '_x').symlink_to(secret_folder)
        _include(project, 'poster-a3', '_x/secret.html.j2')
        shown = 'layouts/_x'
    elif kind == 'template':
        (layouts / 'poster-a3' / 'secret.html.j2').symlink_to(
            secret_folder / 'secret.html.j2')
        _include(project, 'poster-a3', 'poster-a3/secret.html.j2')
        shown = 'layouts/poster-a3/secret.html.j2'
    else:
        (layouts / 'poster-a3' / 'extra.css').symlink_to(
            secret_folder / 'secret.css')
        manifest = layouts / 'poster-a3' / 'layout.yaml'
        manifest.write_text(manifest.read_text('utf-8').replace(
            'stylesheets: [style.css]', 'stylesheets: [style.css, extra.css]'),
            'utf-8')
        shown = 'layouts/poster-a3/extra.css'
    code, out, err = run(project, 'build', '--layout', 'poster-a3',
                         capsys=capsys)
    assert code == 1
    what = 'folder' if kind == 'shared-folder' else 'file'
    assert (f'error: {shown}: this {what} is a symbolic link (or lies in one) '
            'that leads outside the project\'s content/, layouts/, brands/, '
            'assets/, printshops/; the builder reads nothing else.') in err
    assert SECRET not in out + err
    assert not (project / 'output').exists()
    # Nothing outside was opened: not by the templates, not by the cache.
    outside = str(secret_folder.resolve())
    assert [p for p in opened if p.startswith(outside)] == []


def test_stylesheets_line_is_in_the_layout(project):
    # The test above relies on this line of the poster's manifest.
    text = (project / 'layouts' / 'poster-a3' / 'layout.yaml').read_text()
    assert 'stylesheets: [style.css]' in text


def test_a_link_into_the_project_is_fine(project, capsys):
    """Links are not refused as such: only where they lead."""
    parts = project / 'layouts' / '_parts'
    parts.mkdir()
    (parts / 'note.html.j2').write_text('<!-- shared part -->', 'utf-8')
    (project / 'layouts' / '_linked').symlink_to(parts)
    _include(project, 'poster-a3', '_linked/note.html.j2')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       '--edition', 'screen', capsys=capsys)
    assert code == 0, err


def test_a_content_file_linked_out_of_the_project_is_refused(
        project, secret_folder, capsys):
    secret = secret_folder / 'x.yaml'
    secret.write_text(f'title: {SECRET}\n', 'utf-8')
    (project / 'content' / 'leak.yaml').symlink_to(secret)
    code, out, err = run(project, 'build', capsys=capsys)
    assert code == 1
    assert 'error: content/leak.yaml: this file is a symbolic link' in err
    assert SECRET not in out + err


# --- print shops are names ---------------------------------------------------

@pytest.mark.parametrize('name', ['/etc/passwd', '../printshops/default',
                                  'default.yaml', 'sub/default', '',
                                  '..', 'default\n'])
def test_a_print_shop_is_a_name_not_a_path(project, capsys, name):
    code, _, err = run(project, 'build', '--printshop', name, capsys=capsys)
    assert code == 2
    shown = name.replace('\n', '\\u000A')  # one line, always
    assert (f'error: --printshop: "{shown}" is not a print shop name; give '
            'the name of a file in printshops/ without ".yaml" (print '
            'shops: coated-x1a, default)') in err
    assert not (project / 'output').exists()


def test_a_print_shop_linked_out_of_the_project_is_refused(
        project, secret_folder, capsys):
    shutil.copy(project / 'printshops' / 'default.yaml',
                secret_folder / 'shop.yaml')
    (project / 'printshops' / 'elsewhere.yaml').symlink_to(
        secret_folder / 'shop.yaml')
    code, _, err = run(project, 'build', '--printshop', 'elsewhere',
                       capsys=capsys)
    assert code == 1
    assert 'error: printshops/elsewhere.yaml: this file is a symbolic link' \
        in err


# --- the preflight reads only output/ -----------------------------------------

@pytest.mark.parametrize('path', ['output/../../secret.pdf', '/etc/passwd',
                                  'output/../content/x.pdf',
                                  'elsewhere/x.pdf', 'output/x.txt'])
def test_preflight_reads_only_pdfs_inside_output(project, capsys, path,
                                                 opened):
    output = project / 'output'
    output.mkdir()
    (output / 'manifest.json').write_text(json.dumps({'outputs': [{
        'path': path, 'layout': 'poster-a3', 'edition': 'print',
        'qr_urls': [], 'sha256': 'x'}]}), 'utf-8')
    code, _, err = run(project, 'preflight', capsys=capsys)
    assert code == 2
    assert (f'error: output/manifest.json: lists "{path}", which is not a '
            'PDF inside output/; the manifest was changed by hand or '
            'damaged: build again') in err
    assert not any(p.endswith(('secret.pdf', 'passwd')) for p in opened)


def test_preflight_refuses_a_pdf_linked_out_of_output(project, tmp_path,
                                                      capsys):
    (tmp_path / 'x.pdf').write_bytes(b'%PDF-1.4\n')
    output = project / 'output'
    output.mkdir()
    (output / 'x.pdf').symlink_to(tmp_path / 'x.pdf')
    (output / 'manifest.json').write_text(json.dumps({'outputs': [{
        'path': 'output/x.pdf', 'layout': 'poster-a3', 'edition': 'print',
        'qr_urls': [], 'sha256': 'x'}]}), 'utf-8')
    code, _, err = run(project, 'preflight', capsys=capsys)
    assert code == 2
    assert 'lists "output/x.pdf", which is not a PDF inside output/' in err


# --- templates see no machine paths ------------------------------------------

@pytest.mark.parametrize('expression', ['campaign.file', 'campaign.source',
                                        'layout.folder', 'campaign.positions',
                                        'campaign["file"]'])
def test_templates_see_no_paths_of_the_machine(project, capsys, expression):
    _include(project, 'poster-a3', '_base/leak.html.j2')
    (project / 'layouts' / '_base' / 'leak.html.j2').write_text(
        '<p>{{ ' + expression + ' }}</p>', 'utf-8')
    code, out, err = run(project, 'check', '--layout', 'poster-a3',
                         '--edition', 'screen', capsys=capsys)
    assert code == 1
    assert 'error: layouts/poster-a3/template.html.j2: the template ' in err
    assert str(project) not in out + err


# --- a cache entry is its own key's --------------------------------------------

def test_a_cache_entry_copied_under_another_key_is_not_served(project,
                                                              capsys):
    assert run(project, 'build', '--layout', 'poster-a3', '--edition',
               'print', capsys=capsys)[0] == 0
    good = json.loads((project / 'output' / 'manifest.json').read_text())
    entries = [meta.parent for meta in (project / '.cache').rglob(
        'meta.json')]
    assert len(entries) == 1
    # Change the content: the poster now has a new key.  Put the old entry
    # where the new key would be looked up.
    content = project / 'content' / 'trygghet-vasteras.yaml'
    content.write_text(content.read_text('utf-8').replace(
        'Trygghet i Västerås', 'Trygghet i hela Västerås', 1), 'utf-8')
    from flyers import build
    from flyers.cache import Cache
    from flyers.dates import Dates

    jobs = build.load_everything(project, [], ['poster-a3'], 'default',
                                 ('print',))
    cache = Cache(project)
    new_key = cache.key(jobs[0], Dates(project).job(jobs[0]))
    target = cache.folder / new_key[:2] / new_key
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(entries[0], target)
    code, out, err = run(project, 'build', '--layout', 'poster-a3',
                         '--edition', 'print', capsys=capsys)
    assert code == 0, err
    assert 'built   output/trygghet-vasteras-poster-a3.pdf' in out
    now = json.loads((project / 'output' / 'manifest.json').read_text())
    assert now['outputs'][0]['sha256'] != good['outputs'][0]['sha256']


# --- names that would forge headers or break lines -----------------------------

@pytest.mark.parametrize('name', ['x\r\nSet-Cookie: a=b.yaml', 'x\u2028y.yaml',
                                  'x\u202eyaml.yaml', 'tab\there.yaml'])
def test_a_content_file_with_a_control_character_in_its_name_is_refused(
        project, capsys, name):
    source = project / 'content' / 'trygghet-vasteras.yaml'
    (project / 'content' / name).write_bytes(source.read_bytes())
    code, out, err = run(project, 'build', capsys=capsys)
    assert code == 1
    escaped = ''.join(c.encode('unicode_escape').decode()
                      if c in '\r\n\t\u2028\u202e' else c for c in name)
    assert (f'error: content/{escaped}: the file name contains ') in err
    assert 'rename it with letters, digits and "-"' in err
    assert '\r' not in err and '\u2028' not in err
    assert not (project / 'output').exists()


@pytest.mark.parametrize('expression', ['layout', 'layout|string',
                                        'layout|pprint', '"%r"|format(layout)',
                                        'campaign|string', 'qr|string',
                                        'layout.page|string'])
def test_printing_whole_values_shows_no_machine_path(project, expression):
    """The HTML given to WeasyPrint (what the PDF shows) holds no path."""
    from flyers import build
    from flyers.render import Renderer

    _include(project, 'poster-a3', '_base/leak.html.j2')
    (project / 'layouts' / '_base' / 'leak.html.j2').write_text(
        '<p>{{ ' + expression + ' }}</p>', 'utf-8')
    job = build.load_everything(project, [], ['poster-a3'], 'default',
                                ('screen',))[0]
    html = Renderer(project).render(job, '2026-01-01T00:00:00Z')
    assert re.search(r'(Layout|Campaign|QrCode|Page)\(', html)  # printed
    assert str(project) not in html
    assert 'PosixPath' not in html


# --- pipes and devices where files belong ---------------------------------------

@pytest.mark.parametrize('where, command', [
    ('content/pipe.yaml', 'build'),
    ('brands/default/brand.yaml', 'build'),
    ('brands/default/fonts/Inter-Regular.otf', 'build'),
    ('brands/default/logo.svg', 'build'),
    ('layouts/_base/common.css', 'build'),
    ('layouts/poster-a3/style.css', 'build'),
    ('printshops/default.yaml', 'build'),
    ('output/manifest.json', 'preflight'),
])
def test_a_pipe_where_a_file_belongs_is_refused_not_waited_on(project, where,
                                                              command):
    import subprocess
    import sys

    from conftest import ROOT

    path = project / where
    path.parent.mkdir(exist_ok=True)
    if path.exists():
        path.unlink()
    os.mkfifo(path)
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), command, *(['--layout', 'poster-a3', '--edition',
                                   'screen'] if command == 'build' else [])],
        capture_output=True, text=True, timeout=120)
    assert result.returncode in (1, 2), result.stderr
    assert 'Traceback' not in result.stderr
    assert 'failed unexpectedly' not in result.stderr
    assert where.split('/')[-1] in result.stderr


@pytest.mark.parametrize('change, damage', [
    ({'layout': None}, 'no layout name'),
    ({'qr_urls': 5}, 'qr_urls is not a list of addresses'),
    ({'edition': 'foo'}, 'edition is not print or screen'),
    ({'printshop': '../x'}, 'printshop is not a print shop name'),
    ({'sha256': None}, 'no sha256'),
])
def test_a_hand_damaged_manifest_entry_is_one_clear_line(built, tmp_path,
                                                         capsys, change,
                                                         damage):
    from conftest import copy_project

    project = copy_project(tmp_path / 'p')
    shutil.copytree(built.project / 'output', project / 'output')
    path = project / 'output' / 'manifest.json'
    manifest = json.loads(path.read_text())
    entry = manifest['outputs'][0]
    entry.update(change)
    path.write_text(json.dumps(manifest))
    code, _, err = run(project, 'preflight', capsys=capsys)
    assert code == 2
    assert (f'error: output/manifest.json: the entry of "{entry["path"]}" is '
            f'damaged ({damage}); the manifest was changed by hand: build '
            'again') in err
    assert 'failed unexpectedly' not in err


def test_new_layout_does_not_copy_a_linked_file_into_the_project(
        project, secret_folder, capsys):
    (project / 'layouts' / 'poster-a3' / 'notes.txt').symlink_to(
        secret_folder / 'secret.html.j2')
    code, _, err = run(project, 'new-layout', 'evil', '--from', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert ('error: layouts/poster-a3/notes.txt: this file is a symbolic '
            'link') in err
    assert not (project / 'layouts' / 'evil').exists()


@pytest.mark.parametrize('damage', ['pipe', 'link-to-zero', 'link-outside'])
def test_a_cache_entry_file_that_is_no_regular_file_is_built_again(
        project, tmp_path, capsys, damage):
    args = ('build', '--layout', 'poster-a3', '--edition', 'screen')
    assert run(project, *args, capsys=capsys)[0] == 0
    pdf = next((project / '.cache').rglob('output.pdf'))
    outside = tmp_path / 'x.pdf'
    outside.write_bytes(pdf.read_bytes())
    pdf.unlink()
    if damage == 'pipe':
        os.mkfifo(pdf)
    else:
        pdf.symlink_to('/dev/zero' if damage == 'link-to-zero' else outside)
    shutil.rmtree(project / 'output')
    import subprocess
    import sys

    from conftest import ROOT

    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'built   output/trygghet-vasteras-poster-a3-screen.pdf' \
        in result.stdout


def test_a_huge_input_file_is_refused_unread(project, capsys):
    font = project / 'brands' / 'default' / 'fonts' / 'Inter-Regular.otf'
    with open(font, 'r+b') as file:
        file.truncate(300 * 1024 ** 2)  # sparse: no disk, no memory
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       '--edition', 'screen', capsys=capsys)
    assert code == 1
    assert ('error: brands/default/fonts/Inter-Regular.otf: cannot be read: '
            'the file is '
            '314,572,800 bytes, more than any input may be (268,435,456); is '
            'it the right file?') in err
