"""The release command: refuses drafts, bundles everything reproducibly."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile

from conftest import FIXTURES, run


def test_a_draft_is_refused(project, capsys):
    code, _, err = run(project, 'release', capsys=capsys)
    assert code == 1
    assert ('error: content/trygghet-vasteras.yaml:13:9: status: is "draft"; '
            'a release prints only final content') in err
    assert ('further_reading.links[0].url: "#" is a placeholder address; a '
            'release refuses placeholders') in err
    assert not (project / 'output').exists()


def test_a_final_campaign_is_bundled_reproducibly(empty_project, capsys,
                                                  monkeypatch):
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '1767225600')  # 2026-01-01
    shutil.copy(FIXTURES / 'content' / 'good' / 'minimal.yaml',
                empty_project / 'content' / 'minimal.yaml')
    code, out, err = run(empty_project, 'release', capsys=capsys)
    assert code == 0, err
    assert 'outputs released' in out and 'output/release.zip' in out
    bundle = (empty_project / 'output' / 'release.zip').read_bytes()
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        names = archive.namelist()
        listing = json.loads(archive.read('release-manifest.json'))
        for item in listing['files']:
            data = archive.read(item['path'].removeprefix('output/'))
            assert hashlib.sha256(data).hexdigest() == item['sha256']
    assert 'minimal-leaflet-a5.pdf' in names
    assert 'minimal-poster-a3-screen.pdf' in names
    assert 'proofs/report.html' in names and 'proofs/contact-sheet.png' in names
    assert len(listing['outputs']) == 4
    # Again, from scratch: the same bytes.
    shutil.rmtree(empty_project / 'output')
    assert run(empty_project, 'release', capsys=capsys)[0] == 0
    assert (empty_project / 'output' / 'release.zip').read_bytes() == bundle


def test_a_release_of_named_campaigns_ignores_the_others_drafts(
        project, capsys, monkeypatch):
    """The seed is a draft; a final campaign beside it is released alone."""
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '1767225600')
    shutil.copy(FIXTURES / 'content' / 'good' / 'minimal.yaml',
                project / 'content' / 'minimal.yaml')
    code, _, err = run(project, 'release', capsys=capsys)
    assert code == 1 and 'is "draft"' in err  # everything: refused
    code, out, err = run(project, 'release', str(project / 'content' /
                                                 'minimal.yaml'),
                         capsys=capsys)
    assert code == 0, err
    assert '4 outputs released' in out
    with zipfile.ZipFile(project / 'output' / 'release.zip') as archive:
        pdfs = sorted(n for n in archive.namelist() if n.endswith('.pdf'))
        listing = json.loads(archive.read('release-manifest.json'))
    assert pdfs == ['minimal-leaflet-a5-screen.pdf', 'minimal-leaflet-a5.pdf',
                    'minimal-poster-a3-screen.pdf', 'minimal-poster-a3.pdf']
    assert {e['content'] for e in listing['outputs']} == {
        'content/minimal.yaml'}
