"""A catalogue built on several machines: --shard K/N and merge-manifests
(issue 5).  The shards split the outputs without overlap, and their merged
output is what one machine building everything makes."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from conftest import copy_project, run

ALL = ['output/trygghet-vasteras-leaflet-a5-screen.pdf',
       'output/trygghet-vasteras-leaflet-a5.pdf',
       'output/trygghet-vasteras-poster-a3-screen.pdf',
       'output/trygghet-vasteras-poster-a3.pdf']


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch):
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '1767225600')


@pytest.fixture(scope='module')
def shards(tmp_path_factory):
    """The default content built whole, and in two and in three shards,
    each in a project of its own (as on separate machines)."""
    import os

    saved = os.environ.get('SOURCE_DATE_EPOCH')
    os.environ['SOURCE_DATE_EPOCH'] = '1767225600'
    try:
        base = tmp_path_factory.mktemp('shards')
        built = {}
        for name, args in [('whole', []), ('1of2', ['--shard', '1/2']),
                           ('2of2', ['--shard', '2/2']),
                           ('1of3', ['--shard', '1/3']),
                           ('2of3', ['--shard', '2/3']),
                           ('3of3', ['--shard', '3/3'])]:
            project = copy_project(base / name)
            from flyers.cli import main
            assert main(['--project', str(project), 'build', *args]) == 0
            built[name] = project
        return built
    finally:
        if saved is None:
            os.environ.pop('SOURCE_DATE_EPOCH', None)
        else:
            os.environ['SOURCE_DATE_EPOCH'] = saved


def _manifest(project):
    return json.loads((project / 'output' / 'manifest.json').read_text())


def _paths(project):
    return [entry['path'] for entry in _manifest(project)['outputs']]


def test_shards_split_the_outputs_without_overlap(shards):
    for count in (2, 3):
        parts = [_paths(shards[f'{k}of{count}']) for k in range(1, count + 1)]
        assert sorted(sum(parts, [])) == ALL
        sizes = [len(part) for part in parts]
        assert max(sizes) - min(sizes) <= 1
        for k, part in enumerate(parts, 1):
            manifest = _manifest(shards[f'{k}of{count}'])
            assert (manifest['shard']['index'], manifest['shard']['count'],
                    manifest['shard']['outputs']) == (k, count, 4)
            pdfs = sorted(p.relative_to(shards[f'{k}of{count}']).as_posix()
                          for p in (shards[f'{k}of{count}'] / 'output')
                          .glob('*.pdf'))
            assert pdfs == sorted(part)


def test_the_split_is_the_same_on_every_machine(shards, project, capsys):
    """Shard 2 of 3 built again elsewhere: the same outputs, the same bytes."""
    code, _, err = run(project, 'build', '--shard', '2/3', capsys=capsys)
    assert code == 0, err
    again = _manifest(project)
    first = _manifest(shards['2of3'])
    assert [(e['path'], e['sha256']) for e in again['outputs']] == [
        (e['path'], e['sha256']) for e in first['outputs']]


def test_merged_shards_equal_one_whole_build(shards, tmp_path, capsys):
    target = copy_project(tmp_path / 'merged')
    code, out, err = run(target, 'merge-manifests',
                         *(str(shards[f'{k}of3'] / 'output')
                           for k in (1, 2, 3)), capsys=capsys)
    assert code == 0, err
    assert '4 outputs from 3 shards joined' in out
    merged, whole = _manifest(target), _manifest(shards['whole'])
    assert 'shard' not in merged
    assert [e['path'] for e in merged['outputs']] == ALL
    assert ([(e['path'], e['sha256'], e['proofs']) for e in merged['outputs']]
            == [(e['path'], e['sha256'], e['proofs'])
                for e in whole['outputs']])
    for entry in merged['outputs']:
        data = (target / entry['path']).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry['sha256']
        for proof in entry['proofs']:
            assert (target / proof).read_bytes() == \
                (shards['whole'] / proof).read_bytes()
    assert (target / 'output' / 'proofs' / 'contact-sheet.png').is_file()
    report = (target / 'output' / 'proofs' / 'report.html').read_text()
    assert report.count('passes preflight') == 4
    # And the merged output passes the preflight as it is.
    code, out, err = run(target, 'preflight', capsys=capsys)
    assert code == 0, err
    assert out.count('passed') == 4


def test_merge_refuses_a_missing_shard(shards, tmp_path, capsys):
    target = copy_project(tmp_path / 'merged')
    code, _, err = run(target, 'merge-manifests',
                       str(shards['1of3'] / 'output'),
                       str(shards['3of3'] / 'output'), capsys=capsys)
    assert code == 1
    assert ('error: merge-manifests: shard 2 of 3 missing; give the output '
            'folders of every shard') in err
    assert not (target / 'output').exists()


def test_merge_refuses_shards_of_different_splits(shards, tmp_path, capsys):
    target = copy_project(tmp_path / 'merged')
    code, _, err = run(target, 'merge-manifests',
                       str(shards['1of2'] / 'output'),
                       str(shards['2of3'] / 'output'), capsys=capsys)
    assert code == 1
    assert 'the manifests come from different splits (shard counts 2, 3)' \
        in err


def test_merge_refuses_a_changed_file(shards, tmp_path, capsys):
    copy = tmp_path / 'shard2'
    shutil.copytree(shards['2of2'] / 'output', copy)
    name = _paths(shards['2of2'])[0]
    pdf = copy / name.removeprefix('output/')
    pdf.write_bytes(pdf.read_bytes() + b'%tampered\n')
    target = copy_project(tmp_path / 'merged')
    code, _, err = run(target, 'merge-manifests',
                       str(shards['1of2'] / 'output'), str(copy),
                       capsys=capsys)
    assert code == 1
    assert (f'{name} does not match its sha256 in the manifest; the '
            "shard's files were changed or damaged") in err
    assert not (target / 'output').exists()


def test_merge_refuses_a_manifest_that_is_not_a_shard(shards, tmp_path,
                                                     capsys):
    target = copy_project(tmp_path / 'merged')
    code, _, err = run(target, 'merge-manifests',
                       str(shards['whole'] / 'output'), capsys=capsys)
    assert code == 1
    assert 'is not the manifest of a shard (built without --shard)' in err


def test_merge_names_a_folder_without_a_manifest(tmp_path, capsys):
    target = copy_project(tmp_path / 'merged')
    (tmp_path / 'empty').mkdir()
    code, _, err = run(target, 'merge-manifests', str(tmp_path / 'empty'),
                       capsys=capsys)
    assert code == 2
    assert (f'error: {tmp_path / "empty"}: no manifest.json here; give the '
            'output folder of each shard (or its manifest.json)') in err


@pytest.mark.parametrize('value', ['3/2', '0/2', 'two', '1/0', '1'])
def test_a_wrong_shard_is_a_usage_error(project, capsys, value):
    code, _, err = run(project, 'build', '--shard', value, capsys=capsys)
    assert code == 2
    assert (f'error: --shard: "{value}" is not a shard; give K/N with '
            '1 ≤ K ≤ N, for example --shard 2/4') in err


def test_a_shard_with_nothing_to_build_writes_an_empty_manifest(project,
                                                                capsys):
    code, out, err = run(project, 'build', '--shard', '5/5', capsys=capsys)
    assert code == 0, err
    manifest = _manifest(project)
    assert manifest['outputs'] == []
    assert manifest['shard']['index'] == 5 and manifest['shard']['count'] == 5
    assert manifest['shard']['outputs'] == 4
    assert 'this shard has none of them' in out


def test_merge_refuses_a_proof_that_is_not_a_proof(shards, tmp_path, capsys):
    """A crafted manifest cannot make merge write over a PDF."""
    one, two = tmp_path / 'one', tmp_path / 'two'
    shutil.copytree(shards['1of2'] / 'output', one)
    shutil.copytree(shards['2of2'] / 'output', two)
    manifest = json.loads((one / 'manifest.json').read_text())
    victim = _paths(shards['2of2'])[0]
    manifest['outputs'][0]['proofs'].append(victim)
    (one / victim.removeprefix('output/')).write_bytes(b'not a pdf')
    (one / 'manifest.json').write_text(json.dumps(manifest))
    target = copy_project(tmp_path / 'merged')
    code, _, err = run(target, 'merge-manifests', str(two), str(one),
                       capsys=capsys)
    assert code == 1
    assert 'are not named as a build names them' in err
    assert not (target / 'output').exists()


def test_merge_refuses_shards_of_different_catalogues(tmp_path, capsys):
    first = copy_project(tmp_path / 'first')
    second = copy_project(tmp_path / 'second')
    assert run(first, 'build', '--shard', '1/2', '--layout', 'poster-a3',
               capsys=capsys)[0] == 0
    assert run(second, 'build', '--shard', '2/2', capsys=capsys)[0] == 0
    target = copy_project(tmp_path / 'merged')
    code, _, err = run(target, 'merge-manifests', str(first / 'output'),
                       str(second / 'output'), capsys=capsys)
    assert code == 1
    assert ('the shards were built from different catalogues (other content, '
            'layouts, editions or print shop)') in err
