"""Content files: strict loading, every problem at once, one message format.

Data-driven: each ``fixtures/content/bad/NAME.yaml`` has the exact messages
it must produce in ``NAME.expected``.  After a deliberate change of wording,
``python -m pytest tests/test_content.py --update-golden`` rewrites them.
"""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, ROOT, run
from flyers.content import load_campaign, placeholders
from flyers.errors import ContentError

BAD = sorted((FIXTURES / 'content' / 'bad').glob('*.yaml'))
MESSAGE = re.compile(r'^error: (?P<file>[^:]+\.yaml):(?P<line>\d+):(?P<col>\d+)'
                     r': (?:(?P<field>[\w.\[\]-]+): )?(?P<text>.+)$')


@pytest.mark.parametrize('path', BAD, ids=lambda p: p.stem)
def test_bad_content_gives_exact_messages_and_exit_1(path, project, capsys,
                                                     update_golden,
                                                     monkeypatch):
    monkeypatch.chdir(ROOT)
    shown = path.relative_to(ROOT).as_posix()
    code, out, err = run(project, 'check', shown, capsys=capsys)
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith('error:')]
    expected = path.with_suffix('.expected')
    if update_golden:
        expected.write_text('\n'.join(errors) + '\n', 'utf-8')
    assert errors == expected.read_text('utf-8').splitlines()
    for line in errors:
        match = MESSAGE.match(line)
        assert match, f'not in file:line:col: field: message form: {line}'
        assert match['file'] == shown
    assert f'{len(errors)} problem' in err
    assert 'Traceback' not in err
    assert not (project / 'output').exists()


def test_all_problems_of_a_file_are_reported_in_one_run(project, capsys):
    code, _, err = run(project, 'check',
                       'tests/fixtures/content/bad/wrong-types.yaml',
                       capsys=capsys)
    assert code == 1
    assert '10 problems found' in err


def test_yaml_traps_stay_text():
    campaign = load_campaign(FIXTURES / 'content' / 'good' / 'yaml-traps.yaml')
    assert campaign.title == 'No'
    assert campaign.organisation == 'on'
    assert campaign.subtitle == '12:30'
    assert campaign.intro == ('01234', '2026-05-01', 'yes')
    assert campaign.proposals.heading == '0x1F'
    assert campaign.proposals.items[0].title == '1e3'
    assert campaign.proposals.items[0].text == '~'
    assert campaign.status == 'final'


def test_yaml_traps_build(project, capsys):
    code, out, err = run(project, 'build',
                         str(FIXTURES / 'content' / 'good' / 'yaml-traps.yaml'),
                         '--layout', 'leaflet-a5', capsys=capsys)
    assert code == 0, err
    assert (project / 'output' / 'yaml-traps-leaflet-a5.pdf').is_file()


def test_files_over_the_size_cap_are_refused(tmp_path, project, capsys):
    big = tmp_path / 'big.yaml'
    big.write_text('title: x\n' + '# padding\n' * 120_000, 'utf-8')
    code, _, err = run(project, 'check', str(big), capsys=capsys)
    assert code == 1
    assert (f'error: {big}: the file is {big.stat().st_size:,} bytes; content '
            'files may be at most 1,048,576 bytes') in err


def test_deep_nesting_is_refused_not_a_crash(tmp_path, project, capsys):
    deep = tmp_path / 'deep.yaml'
    deep.write_text('title: ' + '[' * 200 + ']' * 200 + '\n', 'utf-8')
    code, _, err = run(project, 'check', str(deep), capsys=capsys)
    assert code == 1
    assert 'nested more than 24 levels deep' in err
    assert 'Traceback' not in err


def test_placeholders_of_the_seed_content_are_found():
    from flyers.variants import load_campaigns

    seed = ROOT / 'content' / 'trygghet-vasteras.yaml'
    campaign = load_campaigns(seed, 'content/trygghet-vasteras.yaml')[0]
    found = dict(placeholders(campaign))
    assert set(found) == {'url', 'imprint', 'further_reading.links[0].url',
                          'further_reading.links[1].url',
                          'political_ad.transparency_notice'}
    assert campaign.is_draft


def test_content_error_carries_problems_not_text(tmp_path):
    path = tmp_path / 'x.yaml'
    path.write_text('title: [1]\n', 'utf-8')
    with pytest.raises(ContentError) as caught:
        load_campaign(path, 'content/x.yaml')
    assert [str(p) for p in caught.value.problems][:2] == [
        'content/x.yaml:1:1: language: this required field is missing; add '
        '"language:" (a language code such as sv or en)',
        'content/x.yaml:1:1: url: this required field is missing; add "url:" '
        '(a web address starting with https://)',
    ]


def test_schema_docs_are_generated_from_the_schema():
    from flyers.content import schema_markdown

    docs = (ROOT / 'docs' / 'content-schema.md').read_text('utf-8')
    assert schema_markdown() in docs, (
        'docs/content-schema.md is out of date: run python make_flyers.py '
        'schema and paste its output into the docs')


def test_no_break_and_thin_spaces_are_kept(tmp_path):
    path = tmp_path / 'x.yaml'
    path.write_text('language: sv\nurl: https://www.liberalerna.se/x\n'
                    'title: Trygghet\nimprint: "Ansvarig utgivare: A B"\n'
                    'intro:\n  - >-\n    Det kostar 40\u00a0000\u2009kr\n'
                    '    per år.\n', 'utf-8')
    campaign = load_campaign(path)
    assert campaign.intro == ('Det kostar 40\u00a0000\u2009kr per år.',)
