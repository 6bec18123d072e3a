"""Variants (issue 13 §1): one campaign per district, candidate or language
row — the table's spreadsheet quirks, every bad table with its exact
message, and real builds read back with poppler, qpdf and zxing-cpp."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, decode_qr_codes, run

SEED = 'content/trygghet-vasteras.yaml'
TABLE = 'content/trygghet-vasteras.variants.csv'
HEADER = 'id;district;meeting;qr_tracking\n'
ROW = 'backby;Bäckby;Bäckby centrum, lördag 10–13;utm_content=backby\n'


@pytest.fixture
def vproject(tmp_path) -> Path:
    """The seed without its table: each test writes its own."""
    return copy_project(tmp_path / 'project')


def _load(project: Path):
    from flyers.variants import load_campaigns

    return load_campaigns(project / SEED, SEED)


def _problems(project: Path) -> list[str]:
    from flyers.errors import FlyerError

    with pytest.raises(FlyerError) as caught:
        _load(project)
    return [str(p) for p in caught.value.problems]


def _table(project: Path, text: str | bytes) -> None:
    path = project / TABLE
    if isinstance(text, str):
        path.write_text(text, 'utf-8', newline='')
    else:
        path.write_bytes(text)


def _seed(project: Path, old: str, new: str) -> None:
    path = project / SEED
    text = path.read_text('utf-8')
    assert old in text
    path.write_text(text.replace(old, new, 1), 'utf-8')


# --- spreadsheet quirks ---------------------------------------------------------

@pytest.mark.parametrize('raw', [
    # what Excel saves as "CSV UTF-8": a BOM, semicolons, CR LF
    '\ufeffid;district;meeting;qr_tracking\r\n'
    'backby;Bäckby;torget;utm_content=backby\r\n'
    'raby;Råby;007;utm_content=raby\r\n',
    # commas, a trailing empty row and one in the middle
    'id,district,meeting,qr_tracking\nbackby,Bäckby,torget,'
    'utm_content=backby\n,,,\nraby,Råby,007,utm_content=raby\n,,,\n\n',
    # tabs, and quoted cells (a separator, quotes and a line break inside)
    'id\tdistrict\tmeeting\tqr_tracking\nbackby\tBäckby\t"torget"\t'
    'utm_content=backby\n"raby"\t"Råby"\t"007"\tutm_content=raby\n',
])
def test_spreadsheet_quirks_give_the_same_variants(vproject, raw):
    _table(vproject, raw)
    campaigns = _load(vproject)
    assert [c.variant for c in campaigns] == ['backby', 'raby']
    assert [c.name for c in campaigns] == ['trygghet-vasteras-backby',
                                           'trygghet-vasteras-raby']
    # A number-looking cell stays text, leading zeros and all.
    assert 'Träffa oss i Råby: 007.' in campaigns[1].call_to_action
    assert campaigns[0].variant_tracking == 'utm_content=backby'


def test_a_quoted_cell_with_a_line_break_and_quotes(vproject):
    _table(vproject, 'id;district;meeting\nbackby;"Bäckby";"Bäckby '
           'centrum;\n""gula huset"""\n')
    campaign, = _load(vproject)
    assert ('Träffa oss i Bäckby: Bäckby centrum; ”gula huset”.'
            in campaign.call_to_action or 'Bäckby centrum; "gula huset".'
            in campaign.call_to_action)


def test_a_file_without_a_table_uses_its_declared_values(vproject):
    campaign, = _load(vproject)
    assert campaign.variant == ''
    assert campaign.call_to_action.startswith(
        'Träffa oss i Västerås: Stora torget, lördagar 11–13')


def test_variants_listed_in_the_content_file(vproject):
    _seed(vproject, 'variant_values:', 'variants:\n  - id: backby\n'
          '    district: Bäckby\n    people[0].name: Anna Andersson\n'
          '  - id: raby\n    district: Råby\n    people[0].name: Berit '
          'Berg\n\nvariant_values:')
    campaigns = _load(vproject)
    assert [(c.variant, c.people[0].name) for c in campaigns] == [
        ('backby', 'Anna Andersson'), ('raby', 'Berit Berg')]
    assert 'Träffa oss i Råby: Stora torget' in campaigns[1].call_to_action


def test_content_fields_by_path_replace_and_add(vproject):
    _table(vproject, 'id;district;people[0].name;people[0].photo.file;'
           'people[2].name;url;subtitle\n'
           'backby;Bäckby;Anna Andersson;kontakt-2.jpg;Cecilia Ek;'
           'https://example.org/backby;för Bäckby\n')
    campaign, = _load(vproject)
    assert campaign.people[0].name == 'Anna Andersson'
    assert campaign.people[0].photo.file == 'kontakt-2.jpg'
    assert campaign.people[0].photo.alt.startswith('Tecknat porträtt')
    assert [p.name for p in campaign.people][2] == 'Cecilia Ek'
    assert campaign.url == 'https://example.org/backby'
    assert campaign.subtitle == 'för Bäckby'


# --- bad tables: exact messages, all at once ---------------------------------

CSV = TABLE
BAD_TABLES = [
    ('empty cell', HEADER + 'backby;;torget;utm_content=backby\n',
     [f'{CSV}:2:2: district: this cell is empty; fill it in (every variant '
      'needs a value for "district")']),
    ('empty id', HEADER + ';Bäckby;torget;utm_content=backby\n',
     [f'{CSV}:2:1: id: this cell is empty; every variant needs an id (its '
      'name in file names)']),
    ('duplicate id', HEADER + ROW + 'raby;Råby;torg;utm_content=raby\n'
     + ROW,
     [f'{CSV}:4:1: id: the id "backby" is also on row 2; give each variant '
      'its own id']),
    ('id not a file name', HEADER + 'Bäckby Norra;Bäckby;torget;'
     'utm_content=x\n',
     [f'{CSV}:2:1: id: "Bäckby Norra" cannot be a variant id: use lower-case '
      'letters a-z, digits and "-" (it becomes part of file names), such as '
      '"backby-norra"']),
    ('no id column', 'district;meeting\nBäckby;torget\n',
     [f'{CSV}:1:1: the table has no "id" column; add one (the variant\'s '
      'name in file names, such as "backby")']),
    ('unknown field', 'id;district;meeting;people[0].nmae\n'
     'backby;Bäckby;torget;Anna\n',
     [f'{CSV}:1:4: people[0].nmae: people[0] has no field "nmae"; did you '
      'mean "name"?']),
    ('misspelt field as a column', 'id;district;meeting;call_to_actoin\n'
     'backby;Bäckby;torget;Kom!\n',
     [f'{CSV}:1:4: call_to_actoin: no text of the content file refers to '
      '{call_to_actoin}, so the column would change nothing; did you mean '
      'the field "call_to_action"? Write {call_to_actoin} where the value '
      'belongs, or remove the column']),
    ('list item too far', 'id;district;meeting;people[5].name\n'
     'backby;Bäckby;torget;Anna\n',
     [f'{CSV}:1:4: people[5].name: people has 2 items: a variant can change '
      'people[0] to people[1] or add people[2]']),
    ('a whole group', 'id;district;meeting;people[0]\n'
     'backby;Bäckby;torget;Anna\n',
     [f'{CSV}:1:4: people[0]: people[0] is a group or a list, not one '
      'value; name one of its fields, such as people[0].name']),
    ('language', 'id;district;meeting;language\nbackby;Bäckby;torget;en\n',
     [f'{CSV}:1:4: language: a variant cannot change "language"; a '
      'translation is a content file of its own']),
    ('missing photo', 'id;district;meeting;people[0].photo.file\n'
     'backby;Bäckby;torget;saknas.jpg\n',
     None),  # checked by the catalogue: see the build test below
    ('bad tracking', 'id;district;meeting;qr_tracking\n'
     'backby;Bäckby;torget;utm content=x y\n',
     [f'{CSV}:2:4: qr_tracking: expected tracking parameters such as '
      'utm_content=backby, found "utm content=x y"']),
    ('too long for its field', 'id;district;meeting;subtitle\n'
     'backby;Bäckby;torget;' + 'lång ' * 50 + '\n',
     [f'{CSV}:2:4: subtitle: expected at most 200 characters, found 249; '
      'shorten the text']),
    ('cell outside the table', HEADER + ROW.rstrip('\n') + ';extra\n',
     [f'{CSV}:2:5: this cell lies outside the table (its column has no name '
      'in the header row); move it or name the column']),
    ('unclosed quote', HEADER + 'backby;"Bäckby;torget;x\n',
     [f'{CSV}:2: a quoted cell ("…) is never closed; add the closing " (a '
      'quote inside a cell is written "")']),
    ('cell too long', HEADER + 'backby;"' + 'x' * 200_000 + ';t;u\n',
     [f'{CSV}:2: a cell holds more than 131,072 characters: a quoted cell '
      'whose closing " is missing takes in the rest of the file; close it (a '
      'quote inside a cell is written "")']),
    ('not a name', 'id;district;meeting;mötesplats!\n'
     'backby;Bäckby;torget;x\n',
     [f'{CSV}:1:4: mötesplats!: "mötesplats!" is neither a content field '
      'nor a name text can refer to; use letters, digits and _ (such as '
      'district)']),
    ('invisible character', HEADER + 'backby;Bäck\x07by;torget;'
     'utm_content=b\n',
     [f'{CSV}:2:2: district: the cell holds an invisible character '
      '(U+0007); retype it']),
    ('empty table', '\n\n',
     [f'{CSV}: the table is empty; give a header row (id, then one column '
      'per value) and a row per variant']),
]


@pytest.mark.parametrize('case,table,expected',
                         [c for c in BAD_TABLES if c[2]],
                         ids=[c[0] for c in BAD_TABLES if c[2]])
def test_bad_tables_say_which_cell(vproject, case, table, expected):
    _table(vproject, table)
    assert _problems(vproject) == expected


def test_not_utf8(vproject):
    _table(vproject, (HEADER + ROW).encode('utf-8').replace(
        'Bäckby'.encode(), 'Bäckby'.encode('latin-1')))
    assert _problems(vproject) == [
        f'{CSV}:2: the file is not UTF-8 text (byte 0xe4); in the '
        'spreadsheet, save it as "CSV UTF-8"']


def test_unknown_reference_in_the_text(vproject):
    _table(vproject, HEADER + ROW)
    _seed(vproject, 'Träffa oss i {district}', 'Träffa oss i {distrikt}')
    problems = [p.split(': ', 1) for p in _problems(vproject)]
    # The misspelt name, and the values nothing refers to any more.
    assert [(re.sub(r':\d+:\d+$', '', where), what)
            for where, what in problems] == [
        ('content/trygghet-vasteras.variants.csv', 'district: no text of the '
         'content file refers to {district}, so the column would change '
         'nothing. Write {district} where the value belongs, or remove the '
         'column'),
        ('content/trygghet-vasteras.yaml', 'call_to_action: {distrikt} is '
         f'neither a column of {CSV} nor declared in variant_values; did you '
         'mean {district}? the values text can refer to: district, meeting'),
        ('content/trygghet-vasteras.yaml', 'variant_values.district: no text '
         'of the file refers to {district}; write {district} where the value '
         'belongs, or remove it')]


def test_undeclared_reference_without_a_table(vproject):
    _seed(vproject, 'Träffa oss i {district}', 'Träffa oss i {stadsdel}')
    problems = _problems(vproject)
    assert [p.split(': ', 1)[1] for p in problems] == [
        'call_to_action: {stadsdel} refers to a variant\'s value that is not '
        'declared; add "stadsdel: VALUE" under variant_values: (the value '
        f'when there is no variants table) or a column "stadsdel" to {CSV}, '
        'or write the text without braces',
        'variant_values.district: no text of the file refers to {district}; '
        'write {district} where the value belongs, or remove it']


def test_reference_in_a_field_that_is_not_text(vproject):
    _table(vproject, HEADER + ROW)
    _seed(vproject, 'url: https://example.org/trygghet-vasteras',
          'url: https://example.org/{district}')
    problems = _problems(vproject)
    assert any(p.endswith(
        'url: {district} cannot be used in this field (only text fields take '
        'a variant\'s values); give the field a column of its own in the '
        'variants table') for p in problems)


def test_a_value_too_long_where_it_is_used(vproject):
    _table(vproject, HEADER + 'backby;Bäckby;' + 'mycket lång plats ' * 105
           + ';utm_content=b\n')
    problems = _problems(vproject)
    assert len(problems) == 1
    assert re.fullmatch(
        r'content/trygghet-vasteras\.yaml:\d+:\d+: call_to_action: expected '
        r'at most 2000 characters, found \d+; shorten the text \(variant '
        r'"backby", row 2 of content/trygghet-vasteras\.variants\.csv\)',
        problems[0])


def test_table_and_list_both_given(vproject):
    _table(vproject, HEADER + ROW)
    _seed(vproject, 'variant_values:', 'variants:\n  - id: raby\n'
          '    district: Råby\n\nvariant_values:')
    problems = _problems(vproject)
    assert len(problems) == 1 and problems[0].endswith(
        f'variants: the variants are given twice: here and in {CSV}; keep '
        'one of them')


def test_every_problem_in_one_run(vproject):
    _table(vproject, HEADER + 'backby;;torget;utm_content=backby\n'
           'backby;Bäckby;;utm_content=b\nBad;Råby;torg;x y\n')
    assert _problems(vproject) == [
        f'{CSV}:2:2: district: this cell is empty; fill it in (every variant '
        'needs a value for "district")',
        f'{CSV}:3:1: id: the id "backby" is also on row 2; give each variant '
        'its own id',
        f'{CSV}:3:3: meeting: this cell is empty; fill it in (every variant '
        'needs a value for "meeting")',
        f'{CSV}:4:1: id: "Bad" cannot be a variant id: use lower-case letters '
        'a-z, digits and "-" (it becomes part of file names), such as "bad"',
        f'{CSV}:4:4: qr_tracking: expected tracking parameters such as '
        'utm_content=backby, found "x y"']


def test_listed_variant_missing_a_value(vproject):
    _seed(vproject, 'variant_values:', 'variants:\n  - id: backby\n'
          '    district: Bäckby\n  - id: raby\n\nvariant_values:')
    problems = _problems(vproject)
    assert len(problems) == 1
    assert re.fullmatch(
        r'content/trygghet-vasteras\.yaml:\d+:5: variants\[1\]: this variant '
        r'has no "district" \(others have\); give every variant a value for '
        r'it', problems[0])


# --- through the command line -----------------------------------------------

def test_missing_photo_names_its_cell(vproject, capsys):
    _table(vproject, 'id;district;meeting;people[0].photo.file\n'
           'backby;Bäckby;torget;kontakt-1.jpg\nraby;Råby;torg;saknas.jpg\n')
    code, _, err = run(vproject, 'check', str(vproject / SEED),
                       capsys=capsys)
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith('error')]
    assert len(lines) == 1, err
    assert lines[0].startswith(f'error: {CSV}:3:4: people[0].photo.file: ')
    assert 'saknas.jpg' in lines[0]
    assert 'Traceback' not in err


def test_unknown_variant_on_the_command_line(vproject, capsys):
    _table(vproject, HEADER + ROW + 'raby;Råby;torg;utm_content=raby\n')
    code, _, err = run(vproject, 'build', '--variant', 'rabyy', capsys=capsys)
    assert code == 2
    assert '--variant: no variant "rabyy"; did you mean "raby"?' in err


def test_variant_without_any_table(vproject, capsys):
    code, _, err = run(vproject, 'build', '--variant', 'raby', capsys=capsys)
    assert code == 2
    assert ('--variant: none of the content files has variants (a table '
            'content/NAME.variants.csv or a variants: list); leave out '
            '--variant') in err


def test_shards_split_variants_evenly(vproject):
    from flyers.catalogue import load_everything
    from flyers.shards import select

    single = len(load_everything(vproject, [], []))
    _table(vproject, HEADER + ''.join(
        f'd{n};Distrikt {n};plats {n};utm_content=d{n}\n' for n in range(10)))
    jobs = load_everything(vproject, [], [])
    assert len(jobs) == 10 * single
    parts = [select(jobs, (k, 8)) for k in range(1, 9)]
    sizes = sorted(len(p) for p in parts)
    assert sizes[-1] - sizes[0] <= 1
    assert sorted(j.path for p in parts for j in p) == sorted(
        j.path for j in jobs)


# --- real builds -------------------------------------------------------------

@pytest.fixture(scope='module')
def variant_build(tmp_path_factory):
    """Two districts of the seed's own table, leaflet only, both editions,
    with the file of every variant."""
    project = copy_project(tmp_path_factory.mktemp('vbuild') / 'project',
                           variants=True)
    code = run(project, 'build', '--layout', 'leaflet-a5', '--variant',
               'backby', '--variant', 'raby', '--combined')[0]
    assert code == 0
    manifest = json.loads((project / 'output/manifest.json').read_text())
    return project, manifest


def _text(pdf: Path, page: int | None = None) -> str:
    args = ['pdftotext', '-layout']
    if page:
        args += ['-f', str(page), '-l', str(page)]
    return subprocess.run(args + [str(pdf), '-'], capture_output=True,
                          text=True, check=True).stdout


def test_seed_table_has_real_districts():
    rows = (ROOT / TABLE).read_text('utf-8').splitlines()
    assert rows[0] == 'id;district;meeting;qr_tracking;# anteckning'
    assert len(rows) - 1 >= 10
    # Invented meeting places say so, in print and in the office's note.
    assert all('(påhittad);' in row and row.endswith(
        'påhittade för exemplet: byt mot era egna') for row in rows[1:])


def test_note_columns_are_ignored_and_may_be_empty(vproject):
    _table(vproject, 'id;district;meeting;# ring Anna först\n'
           'backby;Bäckby;torget;\nraby;Råby;torg;ja, {x} och ""citat""\n')
    campaigns = _load(vproject)
    assert [c.variant_values for c in campaigns] == [
        (('id', 'backby'), ('district', 'Bäckby'), ('meeting', 'torget')),
        (('id', 'raby'), ('district', 'Råby'), ('meeting', 'torg'))]


def test_variant_outputs_are_named_and_recorded(variant_build):
    project, manifest = variant_build
    entries = {e['path']: e for e in manifest['outputs']}
    assert sorted(entries) == [
        f'output/trygghet-vasteras-{v}-leaflet-a5{s}.pdf'
        for v in ('backby', 'raby') for s in ('-screen', '')]
    for path, entry in entries.items():
        variant = 'backby' if '-backby-' in path else 'raby'
        assert entry['variant'] == variant
        medium = 'pdf' if path.endswith('-screen.pdf') else 'print'
        assert entry['qr_urls'] == [
            'https://example.org/trygghet-vasteras?utm_medium='
            f'{medium}&utm_source=leaflet&utm_content={variant}']


def test_each_variant_prints_its_own_values(variant_build):
    project, manifest = variant_build
    for variant, district in (('backby', 'Bäckby'), ('raby', 'Råby')):
        pdf = project / f'output/trygghet-vasteras-{variant}-leaflet-a5.pdf'
        text = ' '.join(_text(pdf).split())
        assert f'Träffa oss i {district}:' in text
        other = 'Råby' if district == 'Bäckby' else 'Bäckby centrum'
        assert other not in text


def test_each_variant_qr_code_decodes_to_its_tracking(variant_build):
    project, manifest = variant_build
    for entry in manifest['outputs']:
        if entry['edition'] != 'print':
            continue
        pdf = project / entry['path']
        decoded = [code.text for page in range(entry["pages"])
                   for code in decode_qr_codes(pdf, page)]
        assert decoded == entry['qr_urls']


def test_the_file_of_every_variant(variant_build):
    import pikepdf

    project, manifest = variant_build
    combined, = manifest['combined']
    assert combined['path'] == 'output/trygghet-vasteras-leaflet-a5-combined.pdf'
    assert [(v['variant'], v['pages']) for v in combined['variants']] == [
        ('backby', [1, 2]), ('raby', [3, 4])]
    pdf = project / combined['path']
    check = subprocess.run(['qpdf', '--check', str(pdf)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    with pikepdf.open(pdf) as whole:
        assert len(whole.pages) == 4
        assert '/OutputIntents' in whole.Root
        boxes = [[float(x) for x in p.TrimBox] for p in whole.pages]
    for variant in combined['variants']:
        single = project / variant['output']
        with pikepdf.open(single) as one:
            assert [[float(x) for x in p.TrimBox] for p in one.pages] == \
                boxes[variant['pages'][0] - 1:variant['pages'][1]]
        for offset in range(2):
            assert _text(pdf, variant['pages'][0] + offset) == \
                _text(single, 1 + offset)
    # Shared fonts and pictures are stored once: far smaller than the sum.
    singles = sum((project / v['output']).stat().st_size
                  for v in combined['variants'])
    assert pdf.stat().st_size < 0.7 * singles


def test_proofs_are_grouped_per_variant(variant_build):
    project, _ = variant_build
    report = (project / 'output/proofs/report.html').read_text('utf-8')
    headings = re.findall(r'<h2 class="variant">([^<]*)</h2>', report)
    assert headings == [
        'content/trygghet-vasteras.yaml · variant backby',
        'content/trygghet-vasteras.yaml · variant raby']
    assert report.index('variant raby</h2>') > report.index(
        'trygghet-vasteras-backby-leaflet-a5.pdf')


def test_changing_one_row_rebuilds_only_that_variant(variant_build, tmp_path,
                                                     capsys):
    project, _ = variant_build
    copy = tmp_path / 'project'
    shutil.copytree(project, copy, symlinks=True)
    table = copy / TABLE
    text = table.read_text('utf-8')
    table.write_text(text.replace('Råby torg, lördag 11–14',
                                  'Råby torg, söndag 11–14'), 'utf-8')
    assert 'söndag' in table.read_text('utf-8')
    code, out, _ = run(copy, 'build', '--layout', 'leaflet-a5', '--variant',
                       'backby', '--variant', 'raby', capsys=capsys)
    assert code == 0
    assert '(2 built on' in out or '(2 built in' in out
    assert '2 from the cache' in out
    raby = copy / 'output/trygghet-vasteras-raby-leaflet-a5.pdf'
    assert 'söndag' in _text(raby)


@pytest.mark.parametrize('args,message', [
    (['--combined', '--shard', '1/2'], '--combined: a shard holds only part '
     'of the variants; build the file of every variant without --shard'),
    (['--combined', '--edition', 'screen'], '--combined: none of the print '
     'outputs built here is a variant (a row of content/NAME.variants.csv); '
     'leave out --combined'),
])
def test_combined_usage_mistakes(vproject, capsys, args, message):
    _table(vproject, HEADER + ROW)
    code, _, err = run(vproject, 'build', *args, capsys=capsys)
    assert code == 2
    assert message in err


def test_a_national_campaign_splits_evenly_on_eight_machines(vproject):
    """§4: 290 variants × leaflet and poster × two editions = 1 160
    outputs, split by the workflow's matrix (.github/workflows/flyers.yml:
    --shard K/8): every output once, shards within one of each other, and
    every machine computes the same catalogue."""
    import yaml

    from flyers.catalogue import load_everything
    from flyers.shards import describe, select

    workflow = yaml.safe_load((ROOT / '.github/workflows/flyers.yml')
                              .read_text('utf-8'))
    machines = workflow['jobs']['build']['strategy']['matrix']['shard']
    assert machines == list(range(1, 9))
    _table(vproject, HEADER + ''.join(
        f'k{n:03d};Kommun {n};Torget {n}, lördag 10–13;utm_content=k{n:03d}\n'
        for n in range(290)))
    jobs = load_everything(vproject, [], [])
    assert len(jobs) == 1160
    parts = [select(jobs, (k, len(machines))) for k in machines]
    assert {len(p) for p in parts} == {145}
    assert sorted(j.path for p in parts for j in p) == sorted(
        j.path for j in jobs)
    assert len({describe(jobs, (k, 8), 'default')['catalogue']
                for k in machines}) == 1


# --- hostile table files ------------------------------------------------------

def _fifo(path: Path) -> None:
    import os

    os.mkfifo(path)


@pytest.mark.parametrize('make,message', [
    (_fifo, 'is not a regular file (a folder, pipe or device); the variants '
     'table must be a CSV file, or remove it'),
    (lambda path: path.mkdir(), 'is not a regular file (a folder, pipe or '
     'device); the variants table must be a CSV file, or remove it'),
    (lambda path: path.write_bytes(b'id;district\n' + b'x;' + b'a' * (9 << 20)),
     'is larger than 8 MB; a variants table holds short values: split the '
     'campaign into several content files'),
])
def test_table_that_is_not_a_small_file(vproject, capsys, make, message):
    make(vproject / TABLE)
    code, out, err = run(vproject, 'check', capsys=capsys)
    assert code == 1
    assert f'error: {TABLE}: {message}' in err
    assert 'Traceback' not in err


def test_table_linked_out_of_the_project(vproject, tmp_path, capsys):
    secret = tmp_path / 'secret.csv'
    secret.write_text(HEADER + ROW, 'utf-8')
    (vproject / TABLE).symlink_to(secret)
    code, _, err = run(vproject, 'check', capsys=capsys)
    assert code == 1
    assert f'error: {TABLE}: this file is a symbolic link (or lies in one) ' \
        'that leads outside' in err


def test_proofs_of_the_first_variant_only(tmp_path, capsys):
    """--variant-proofs first: every variant is preflighted, and pictured
    only the first of each layout and edition."""
    project = copy_project(tmp_path / 'project', variants=True)
    code, _, err = run(project, 'build', '--layout', 'poster-a3',
                       '--variant', 'backby', '--variant', 'raby',
                       '--variant-proofs', 'first', capsys=capsys)
    assert code == 0, err
    manifest = json.loads((project / 'output/manifest.json').read_text())
    pictured = {e['path']: bool(e['proofs']) for e in manifest['outputs']}
    assert all(e['preflight']['result'].startswith('pass')
               for e in manifest['outputs'])
    for edition in ('', '-screen'):
        pair = [pictured[f'output/trygghet-vasteras-{v}-poster-a3{edition}'
                         '.pdf'] for v in ('backby', 'raby')]
        assert sorted(pair) == [False, True]
