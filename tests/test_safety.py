"""What WeasyPrint may read, what a template may do, and atomic writes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import run
from flyers.fetch import FetchRefused, ProjectFetcher


@pytest.fixture
def fetcher(project) -> ProjectFetcher:
    return ProjectFetcher(project)


def test_a_file_inside_brands_is_served(fetcher, project):
    logo = project / 'brands' / 'default' / 'logo.svg'
    response = fetcher.fetch(logo.as_uri())
    assert response.read() == logo.read_bytes()
    assert response.content_type == 'image/svg+xml'


@pytest.mark.parametrize('url', [
    'file:///etc/passwd',
    'https://example.org/style.css',
    'http://127.0.0.1:9/x.css',
    'data:text/css,body{}',
    'ftp://example.org/x',
])
def test_anything_outside_the_project_is_refused(fetcher, url):
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)


def test_dot_dot_is_refused_even_when_it_lands_inside(fetcher, project):
    sneaky = f'{(project / "assets").as_uri()}/../brands/default/logo.svg'
    with pytest.raises(FetchRefused, match='".." is not allowed'):
        fetcher.fetch(sneaky)


def test_other_project_folders_are_refused(fetcher, project):
    with pytest.raises(FetchRefused, match='only files inside'):
        fetcher.fetch((project / 'content' / 'trygghet-vasteras.yaml').as_uri())


def test_a_symlink_out_of_assets_is_refused(fetcher, project, tmp_path):
    secret = tmp_path / 'secret.css'
    secret.write_text('body { color: red }')
    link = project / 'assets' / 'escape.css'
    os.symlink(secret, link)
    with pytest.raises(FetchRefused, match='only files inside'):
        fetcher.fetch(link.as_uri())


def _add_to_template(project: Path, layout: str, markup: str) -> None:
    template = project / 'layouts' / layout / 'template.html.j2'
    text = template.read_text('utf-8')
    template.write_text(text.replace('{% block pages %}',
                                     '{% block pages %}' + markup, 1), 'utf-8')


def test_a_layout_that_reads_outside_fails_the_build(project, capsys):
    _add_to_template(project, 'leaflet-a5',
                     '<link rel="attachment" href="file:///etc/passwd">')
    code, _, err = run(project, 'build', '--layout', 'leaflet-a5',
                       capsys=capsys)
    assert code == 1
    assert ('error: layouts/leaflet-a5: refused to load "file:///etc/passwd":'
            ' only files inside layouts/, brands/, assets/ and content/images/ '
            'may be used') in err
    assert not (project / 'output').exists()


def test_a_missing_image_fails_the_build(project, capsys):
    _add_to_template(project, 'poster-a3', '<img src="nowhere.png" alt="">')
    code, _, err = run(project, 'build', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert 'nowhere.png": no such file in the project' in err


def test_ignored_css_fails_the_build(project, capsys):
    css = project / 'layouts' / 'poster-a3' / 'style.css'
    css.write_text(css.read_text('utf-8') + '\nh1 { colour: red; }\n')
    code, _, err = run(project, 'build', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert re.search(r'error: layouts/poster-a3/style\.css:\d+:6: ignored '
                     r'`colour: red`: unknown property', err), err


def test_content_is_never_html_or_a_template(project, capsys, tmp_path):
    content = tmp_path / 'evil.yaml'
    content.write_text('''language: en
url: https://www.liberalerna.se/x
title: "<img src=file:///etc/passwd> {{ 7 * 7 }}"
intro:
  - "<script>alert(1)</script> **bold** {% raw %}"
proposals:
  items:
    - title: "<b>not bold</b>"
imprint: "Published by: A Person"
''', 'utf-8')
    code, _, err = run(project, 'build', str(content), '--layout',
                       'leaflet-a5', '--html', capsys=capsys)
    assert code == 0, err
    html = (project / 'output' / 'evil-leaflet-a5.html').read_text('utf-8')
    assert '&lt;img src=file:///etc/passwd&gt; {{ 7 * 7 }}' in html
    assert '&lt;script&gt;alert(1)&lt;/script&gt;<strong> bold</strong>' in html
    assert '&lt;b&gt;not bold&lt;/b&gt;' in html
    assert '49' not in html


def test_a_failed_build_leaves_earlier_outputs_untouched(project, capsys):
    assert run(project, 'build', '--layout', 'poster-a3')[0] == 0
    pdf = project / 'output' / 'trygghet-vasteras-poster-a3.pdf'
    before = pdf.read_bytes()
    css = project / 'layouts' / 'poster-a3' / 'style.css'
    css.write_text(css.read_text('utf-8') + '\nh1 { colour: red; }\n')
    assert run(project, 'build', '--layout', 'poster-a3')[0] == 1
    assert pdf.read_bytes() == before
    leftovers = [p.name for p in (project / 'output').iterdir()
                 if p.name.startswith('.')]
    assert leftovers == []


def test_an_interrupted_write_leaves_no_half_file(tmp_path, monkeypatch):
    from flyers import writer

    target = tmp_path / 'out' / 'a.pdf'
    target.parent.mkdir()
    target.write_bytes(b'old')

    def explode(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(writer.os, 'fsync', explode)
    with pytest.raises(KeyboardInterrupt):
        writer.write_atomic(target, b'new' * 1000, tmp_path / 'out')
    assert target.read_bytes() == b'old'
    assert [p.name for p in target.parent.iterdir()] == ['a.pdf']


def test_writer_refuses_targets_outside_output(tmp_path):
    from flyers.writer import OutsideFolder, write_atomic

    with pytest.raises(OutsideFolder):
        write_atomic(tmp_path / 'out' / '..' / 'evil.pdf', b'x',
                     tmp_path / 'out')


@pytest.mark.parametrize('expression', [
    'layout.folder.joinpath("../../../etc/passwd").read_text()',
    'layout.folder.parent',
    'campaign.__class__.__init__.__globals__',
    'qr.svg.__class__.__mro__',
    'campaign.title.__class__.__subclasses__()',
    'self._TemplateReference__context',
])
def test_templates_cannot_reach_the_file_system_or_python(project, capsys,
                                                          expression):
    _add_to_template(project, 'poster-a3', '{{ ' + expression + ' }}')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert re.search(r'error: layouts/poster-a3/template\.html\.j2: (the '
                     r'template may not do this|the template uses something '
                     r'that does not exist)', err), err


def test_text_in_a_machine_font_fails_the_build(project, capsys):
    # A character the brand fonts lack, in the template itself (content is
    # checked before rendering): Pango would take it from a system font.
    parts = project / 'layouts' / '_base' / 'parts.html.j2'
    parts.write_text(parts.read_text('utf-8').replace(
        '{{ labels.scan }}', '{{ labels.scan }} ⊕'), 'utf-8')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert re.search(r'error: content/trygghet-vasteras\.yaml:1:1: part of '
                     r'output/trygghet-vasteras-poster-a3\.pdf would be set in '
                     r'[^,]+, a font of this machine', err), err
