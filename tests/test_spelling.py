"""The spell check: Hunspell per language, word lists, declared names,
variant spellings, positions in the file, and where it is reported (build
and check warn, release refuses, the preview lists)."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import copy_project, run
from flyers import spelldict, spelling
from flyers.variants import load_campaigns

SEED = 'content/trygghet-vasteras.yaml'
ADVICE = '(add it to content/words.txt if it is right)'


def at(text: str, word: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the ``nth`` whole ``word`` in ``text``,
    found here without the checker's code."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(word, index + 1)
        while text[index + len(word)].isalpha() or text[index - 1].isalpha():
            index = text.index(word, index + 1)
    line = text.count('\n', 0, index) + 1
    return line, index - (text.rfind('\n', 0, index) + 1) + 1


def campaigns(project: Path, *names: str) -> list:
    found = []
    for name in names:
        found += load_campaigns(project / name, name)
    return found


def found(project: Path, *names: str) -> list[str]:
    return [str(f) for f in spelling.check(project, campaigns(project,
                                                               *names))]


CAMPAIGN = '''\
status: final
language: {language}
url: https://www.liberalerna.se/vasteras/trygghet
title: {title}
brand: {brand}
intro:
  - >-
{intro}
proposals:
  items:
    - title: Fler skolsociala team
imprint: "Ansvarig utgivare: Anna Andersson"
'''


def write(project: Path, text: str, title: str = 'Trygghet i Västerås',
          language: str = 'sv', brand: str = 'default',
          name: str = 'prov.yaml', extra: str = '') -> str:
    intro = '\n'.join(f'    {line}' for line in text.splitlines())
    (project / 'content' / name).write_text(CAMPAIGN.format(
        language=language, title=title, brand=brand, intro=intro) + extra,
        'utf-8')
    return f'content/{name}'


@pytest.fixture(scope='module')
def shipped(tmp_path_factory) -> Path:
    """The repository's content: the seed with its variants table and
    translations, and the second brand's campaign."""
    return copy_project(tmp_path_factory.mktemp('spelling') / 'project',
                        every_campaign=True, translations=True,
                        variants=True)


@pytest.fixture(scope='module')
def small(tmp_path_factory) -> Path:
    """A project without content, for campaigns written by the tests
    (each test writes its own file and removes it)."""
    return copy_project(tmp_path_factory.mktemp('spelling') / 'small',
                        content=False)


@pytest.fixture
def empty(small):
    yield small
    for path in (small / 'content').iterdir():
        path.unlink()
    for brand in ('default', 'solrosen'):
        (small / 'brands' / brand / 'words.txt').unlink(missing_ok=True)


# --- the seed ----------------------------------------------------------------

def seed_findings(project: Path) -> list[str]:
    text = (project / SEED).read_text('utf-8')
    # (The comment at the end of the file, which says they are left in,
    # names them again.)
    otrugga, faq = at(text, 'otrugga'), at(text, 'avhopperverksamhet')
    other = at(text, 'avhopparverksamhet')
    return [
        f'{SEED}:{otrugga[0]}:{otrugga[1]}: intro[0]: unknown word '
        f'"otrugga" — did you mean "otrygga", "truga", "rugga"? {ADVICE}',
        f'{SEED}:{faq[0]}:{faq[1]}: faq.items[2].question: unknown word '
        f'"avhopperverksamhet" — did you mean "avhopparverksamhet" (as in '
        f'proposals.items[3].text, line {other[0]}), "teaterverksamhet", '
        f'"kaparverksamhet", …? {ADVICE}']


def test_the_seeds_two_mistakes_and_nothing_else_of_the_content(shipped):
    """Every word of the shipped content passes — the seed and its twelve
    variants, its English and Arabic translations, the second brand's
    campaign — but the seed's two misspellings, which it keeps."""
    names = sorted(f'content/{p.name}'
                   for p in (shipped / 'content').glob('*.yaml'))
    assert len(names) == 4
    assert found(shipped, *names) == seed_findings(shipped)
    assert (shipped / 'content/trygghet-vasteras.variants.csv').is_file()
    source = (shipped / SEED).read_text('utf-8')
    assert 'otrugga' in source and 'avhopperverksamhet' in source
    assert 'left in on purpose' in source  # a comment says so


def test_check_warns_with_their_positions(project, capsys):
    code, out, err = run(project, 'check', str(project / SEED), '--layout',
                         'leaflet-a5', '--edition', 'print', capsys=capsys)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if 'unknown word' in line]
    assert warnings == [f'warning: {f}' for f in seed_findings(project)]
    assert warnings[0].startswith(f'warning: {SEED}:25:58: intro[0]: ')


# --- the dictionaries -------------------------------------------------------

@pytest.mark.parametrize('language, word, known', [
    ('sv', 'trygghetskamera', True),      # a compound by the .aff rules
    ('sv', 'trygghetskameror', True),
    ('sv', 'vuxennärvaro', True),
    ('sv', 'skolsociala', True),
    ('sv', 'utsatthetsstämpeln', True),
    ('sv', 'avhopparverksamhet', True),
    ('sv', 'avhopperverksamhet', False),
    ('sv', 'otrugga', False),
    ('sv-FI', 'trygghet', True),
    ('en', 'neighbourhood', True),        # British unless en-US
    ('en', 'programme', True),
    ('en', 'neighbourhod', False),
    ('en-US', 'color', True),
    ('en-US', 'colour', False),
    ('ar', 'الأمان', True),
    ('ar', 'الأمَان', True),              # vowel marks are ignored
    ('ar', 'الأمانن', False),
])
def test_words_of_each_language(language, word, known):
    assert spelldict.speller(language, None).known(word) is known


def test_every_dictionary_ships_with_its_readme_and_licence():
    folder = spelldict.DICTIONARY_DIR
    for name in set(spelldict.DICTIONARIES.values()) - set(spelldict.VOIKKO):
        for ext in ('aff', 'dic'):
            assert (folder / f'{name}.{ext}').stat().st_size > 1000
        readme = 'README.md' if name == 'sv_SE' else f'{name}.README.md'
        text = (folder / readme).read_text('utf-8')
        assert 'Licence' in text or 'licence' in text
    assert 'Voikko' in (folder / 'README.md').read_text('utf-8')
    voikko = spelldict.VOIKKO_DIR
    assert all((voikko / part).stat().st_size > 300
               for part in spelldict.VOIKKO['fi'])
    assert 'Licence' in (voikko / 'README.md').read_text('utf-8')
    assert 'GNU GENERAL PUBLIC LICENSE' in (voikko / 'GPL-2.txt').read_text()


def test_finnish_is_checked_with_voikko(empty):
    """Finnish (no Hunspell dictionary in Debian) is checked with Voikko:
    its compounds and inflections are words, a typo is found with a
    suggestion, at its place in the file."""
    write(empty, 'Tervetuloa siirtolapuutarhan kevätkokoukseen. Puutarhha '
          'on auki.', title='Kevätkokous', language='fi')
    checked = campaigns(empty, 'content/prov.yaml')
    assert spelling.unchecked(checked) == []
    # (The template's other fields are Swedish: only the intro counts.)
    found = [str(f.problem) for f in spelling.check(empty, checked)
             if ': intro[0]: ' in str(f.problem)]
    assert len(found) == 1, found
    assert re.fullmatch(
        r'content/prov\.yaml:\d+:\d+: intro\[0\]: unknown word "Puutarhha" '
        r'— did you mean "Puutarha".*', found[0]), found


def test_a_language_without_a_dictionary_is_noted(empty):
    write(empty, 'Willkommen zur Versammlung.', title='Sicherheit',
          language='de')
    checked = campaigns(empty, 'content/prov.yaml')
    assert spelling.check(empty, checked) == []
    assert spelling.unchecked(checked) == [
        'content/prov.yaml: no spelling dictionary for its language (de); '
        'not spell-checked']


# --- what is not a word ------------------------------------------------------

NOT_WORDS = [
    'Läs mer på www.exempel.se/trygghet eller https://exempel.se/a?b=c.',
    'Skriv till info@exempel.se eller fornamn.efternamn@exempel.se.',
    'Ring 021-123 45 67 eller +46 21 12 34 56 före kl. 18.30 den 3:e maj.',
    'Vi ses i sal B12 och A5-formatet räcker, 50 %, 2026/27, § 4.',
    'LSS, SMS:et, EU:s regler, FN-rapporten och SMS-lån (t.ex. bl.a.).',
    'Kyrk- och skolfrågor, e-post, skol-sociala team och 1990-talet.',
    '”Citat” – och … «så» ’här’ — mötes\u00adplats.',
    'En trygghetskamera och tryggare utemiljöer.',
]


@pytest.mark.parametrize('text', NOT_WORDS)
def test_what_is_not_a_word_is_not_flagged(empty, text):
    write(empty, text)
    assert found(empty, 'content/prov.yaml') == []


def test_each_misspelling_in_such_text_is_still_found(empty):
    write(empty, 'Skriv till info@exempel.se om skolfrågr och e-pst.')
    text = (empty / 'content/prov.yaml').read_text('utf-8')
    assert [(f.word, f.line, f.column) for f in spelling.check(
        empty, campaigns(empty, 'content/prov.yaml'))] == [
        ('skolfrågr', *at(text, 'skolfrågr')), ('e-pst', *at(text, 'e-pst'))]


# --- positions ---------------------------------------------------------------

@pytest.mark.parametrize('title', [
    'Trygghet i hela stadn',                 # plain
    '"Trygghet i hela stadn"',               # double-quoted
    "'Trygghet i hela stadn'",               # single-quoted
    '>-\n  Trygghet i\n  hela stadn',        # folded, on its second line
])
def test_the_position_is_the_words_own(empty, title):
    write(empty, 'Stadn är vår, och stadn ska vara trygg.', title=title)
    text = (empty / 'content/prov.yaml').read_text('utf-8')
    got = [(f.field, f.word, f.line, f.column) for f in spelling.check(
        empty, campaigns(empty, 'content/prov.yaml'))]
    assert got == [('title', 'stadn', *at(text, 'stadn')),
                   ('intro[0]', 'Stadn', *at(text, 'Stadn')),
                   ('intro[0]', 'stadn', *at(text, 'stadn', 1))]


# --- word lists and declared names -------------------------------------------

@pytest.mark.parametrize('where, brand, flagged', [
    (None, 'default', True),
    ('content/words.txt', 'default', False),
    ('brands/default/words.txt', 'default', False),
    ('brands/solrosen/words.txt', 'default', True),   # another brand's
    ('brands/solrosen/words.txt', 'solrosen', False),
])
def test_word_lists_are_honoured(empty, where, brand, flagged):
    write(empty, 'Vi ses vid Trollsjövreten och i Trollsjövretens park.',
          brand=brand)
    if where:
        (empty / where).write_text('# platser\nTrollsjövreten  # torget\n',
                                   'utf-8')
    words = [f.word for f in spelling.check(
        empty, campaigns(empty, 'content/prov.yaml'))]
    assert words == (['Trollsjövreten', 'Trollsjövretens']
                     if flagged else [])


def test_names_the_content_declares_are_known(empty):
    text = ('Qvarnbyholmen och Zlatka Ölvångsson bor i Trollsjövreten, nära '
            'Trollsjövretens skola och Ölvångssons hus, som Qvarnbyholmens.')
    name = write(empty, text, extra='call_to_action: "Träffa oss."\n')
    assert [f.word for f in spelling.check(empty, campaigns(empty, name))] \
        == ['Qvarnbyholmen', 'Zlatka', 'Ölvångsson', 'Trollsjövreten',
            'Trollsjövretens', 'Ölvångssons', 'Qvarnbyholmens']
    # The organisation, a person, a district (the file's value and a
    # table's): each declares its words.
    extra = ('organisation: Föreningen Qvarnbyholmen\n'
             'people:\n  - name: Zlatka Ölvångsson\n'
             'call_to_action: "Träffa oss i {district}."\n'
             'variant_values:\n  district: Trollsjövreten\n')
    write(empty, text, extra=extra)
    (empty / 'content/prov.variants.csv').write_text(
        'id;district\nbjorkvik;Björkviksängen\n', 'utf-8')
    assert [f.word for f in spelling.check(empty, campaigns(empty, name))] \
        == []
    # A declared name is no licence for lower-case misspellings: a table's
    # cell is checked where it stands.
    (empty / 'content/prov.variants.csv').write_text(
        'id;district;meeting\nbjorkvik;Björkviksängen;Björkviksängens '
        'bibliotk\n', 'utf-8')
    (empty / name).write_text((empty / name).read_text('utf-8').replace(
        'Träffa oss i {district}.', 'Träffa oss i {district}: {meeting}.'),
        'utf-8')
    assert found(empty, name) == [
        'content/prov.variants.csv:2:3: meeting: unknown word "bibliotk" — '
        f'did you mean "bibliotek"? {ADVICE}']


# --- variant spellings -------------------------------------------------------

def test_two_unknown_spellings_name_each_other(empty):
    write(empty, 'Fjällkvistgården öppnar i maj.\n\nVälkommen till '
          'Fjällkvistgårdan!')
    text = (empty / 'content/prov.yaml').read_text('utf-8')
    first, second = at(text, 'Fjällkvistgården'), at(text, 'Fjällkvistgårdan')
    messages = [(f.word, f.line, f.column, f.suggestions[0]) for f in
                spelling.check(empty, campaigns(empty, 'content/prov.yaml'))]
    assert messages == [
        ('Fjällkvistgården', *first,
         f'"Fjällkvistgårdan" (as in intro[0], line {second[0]})'),
        ('Fjällkvistgårdan', *second,
         f'"Fjällkvistgården" (as in intro[0], line {first[0]})')]


def test_short_or_distant_words_are_not_variants(empty):
    write(empty, 'Grannsamverkan är bra; grannsamverkam är det inte. '
          'Staden och stadn.')
    got = {f.word: f.suggestions for f in spelling.check(
        empty, campaigns(empty, 'content/prov.yaml'))}
    assert got['grannsamverkam'][0].startswith(
        '"Grannsamverkan" (as in intro[0], line 8)')
    # "stadn" has five letters: Hunspell's suggestions only.
    assert not any('as in' in s for s in got["stadn"])


# --- translations ------------------------------------------------------------

@pytest.mark.parametrize('language, text, word, first', [
    ('en', 'Safety for every neighbourhod of the city.', 'neighbourhod',
     '"neighbourhood"'),
    ('en-US', 'A colour for every neighborhood.', 'colour', '"color"'),
    ('ar', 'الأمانن في المدينة.', 'الأمانن', None),
])
def test_each_language_is_checked_with_its_dictionary(empty, language, text,
                                                      word, first):
    write(empty, text, title='Title', language=language)
    (finding,) = [f for f in spelling.check(empty, campaigns(
        empty, 'content/prov.yaml')) if f.field == 'intro[0]']
    assert finding.word == word and finding.field == 'intro[0]'
    assert finding.suggestions
    if first:
        assert finding.suggestions[0] == first


# --- release -----------------------------------------------------------------

def test_release_refuses_unknown_words_and_writes_nothing(empty, capsys):
    name = write(empty, 'Vi vill ha tryggare gator och fler vuxna i '
                 'rörlse på kvällarna.')
    text = (empty / name).read_text('utf-8')
    line, column = at(text, 'rörlse')
    code, out, err = run(empty, 'release', capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        f'error: {name}:{line}:{column}: intro[0]: unknown word "rörlse" — '
        f'did you mean "rörelse"? {ADVICE}',
        '1 problem found; nothing was written']
    assert not (empty / 'output').exists()
    # Listed, it passes (the rest of the release is tested elsewhere).
    (empty / 'content' / 'words.txt').write_text('rörlse\n', 'utf-8')
    spelling.refuse_unknown(empty, campaigns(empty, name))


# --- hostile word lists and content ------------------------------------------

def _huge(path):
    path.write_bytes(b'ord\n' * 300_000)


def _binary(path):
    path.write_bytes(b'ord\nGIF89a\x00\x01\x02')


def _latin1(path):
    path.write_bytes('Bäckby\nRåby\n'.encode('latin-1'))


def _outside(path):
    target = path.parent.parent.parent / 'secret.txt'
    target.write_text('hemligt\n', 'utf-8')
    path.symlink_to(target)


def _fifo(path):
    os.mkfifo(path)


@pytest.mark.parametrize('make, message', [
    (_huge, 'content/words.txt: the word list is larger than 1 MB; it holds '
            'one word per line (names and places): is it the right file?'),
    (_binary, 'content/words.txt:2: the word list is not text (it holds a '
              'NUL byte); write one word per line in a text editor'),
    (_latin1, 'content/words.txt:1: the word list is not UTF-8 text (byte '
              '0xe4); save it as UTF-8'),
    (_outside, 'content/words.txt: this word list is a symbolic link that '
               'leads outside the project; the builder reads nothing else. '
               'Replace the link by a copy of the file'),
    (_fifo, 'content/words.txt: the word list cannot be read: not a regular '
            'file (a pipe, socket or device?); replace it with a file'),
])
def test_a_bad_word_list_is_one_clear_error(empty, capsys, make, message):
    name = write(empty, 'En mening.')
    make(empty / 'content' / 'words.txt')
    started = time.monotonic()
    code, out, err = run(empty, 'check', str(empty / name), capsys=capsys)
    assert code == 1
    assert err.splitlines() == [f'error: {message}',
                                '1 problem found; nothing was written']
    assert time.monotonic() - started < 10  # refused before any rendering
    (empty / 'content' / 'words.txt').unlink()


def test_many_unknown_words_are_all_reported_quickly(empty, monkeypatch):
    monkeypatch.setattr(spelling, 'MAX_SUGGESTED', 3)
    words = [f'qzx{chr(97 + i // 26)}{chr(97 + i % 26)}vbn' for i in
             range(150)]
    write(empty, ' '.join(words))
    started = time.monotonic()
    findings = spelling.check(empty, campaigns(empty, 'content/prov.yaml'))
    assert time.monotonic() - started < 10
    assert [f.word for f in findings] == words
    assert sum(1 for f in findings if 'did you mean' in f.message) <= 3 + sum(
        1 for f in findings if 'as in' in f.message)


def test_the_cache_is_used_and_a_damaged_one_ignored(empty):
    name = write(empty, 'Tryggare gatr.')
    folder = empty / '.cache' / 'spelling'
    shutil.rmtree(folder, ignore_errors=True)
    first = found(empty, name)
    (cache,) = folder.glob('sv_SE-*.json')
    assert '"gatr"' in cache.read_text('utf-8')
    cache.write_bytes(b'\x00not json')
    spelldict._SPELLERS.clear()  # a new process
    assert found(empty, name) == first


# --- the preview -------------------------------------------------------------

def test_the_preview_lists_the_findings_beside_the_pages(empty):
    from flyers.serve import Previewer, page_html

    name = write(empty, 'Vi vill ha fler vuxna i rörlse på kvällarna.',
                 extra='layouts: [leaflet-a5]\n')
    previewer = Previewer(empty)
    previewer.rebuild()
    state = previewer.state
    assert state.problems == []
    page = page_html(state)
    text = (empty / name).read_text('utf-8')
    line, column = at(text, 'rörlse')
    assert page.count('<aside class="spelling">') == len(state.outputs) == 2
    assert (f'<li><code>{name}:{line}:{column}</code> intro[0]<br>Vi vill '
            'ha fler vuxna i <u class="misspelt">rörlse</u> på '
            'kvällarna.<br>') in page
    assert 'did you mean &quot;rörelse&quot;' in page
    # Listing the word refreshes the page: the word list is watched.
    words = empty / 'content' / 'words.txt'
    words.write_text('rörlse\n', 'utf-8')
    assert previewer.affected({words}) is None
    previewer.rebuild({words})
    page = page_html(previewer.state)
    assert 'misspelt' not in page.split('</style>')[1]
    assert page.count('<p>No unknown words.</p>') == 2
