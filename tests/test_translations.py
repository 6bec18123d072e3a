"""Translations: a content file that names its source (translation_of),
has the same parts, and records what it was translated from
(translated_from), so that a changed source is noticed.

The structure cases run `check` on small edits of the shipped English
translation: they fail while loading, before anything is rendered.  One
build of the English leaflet (print) checks that it builds; the Arabic
file needs the brand's Arabic font, so it is only checked for structure
and typography here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, pdf_text, run

from flyers.content import load_campaign, texts
from flyers.translations import check, stale, stale_warnings, with_hashes

SOURCE = 'content/trygghet-vasteras.yaml'
ENGLISH = 'content/trygghet-vasteras-en.yaml'
ARABIC = 'content/trygghet-vasteras-ar.yaml'
SEED = (ROOT / SOURCE).read_text('utf-8')
EN = (ROOT / ENGLISH).read_text('utf-8')
RECORD = ('then run "python make_flyers.py translated '
          'content/trygghet-vasteras-en.yaml"')


def at(text: str, needle: str) -> str:
    """'LINE:COLUMN' of the first character of ``needle`` in ``text``."""
    index = text.index(needle)
    line = text.count('\n', 0, index) + 1
    return f'{line}:{index - text.rfind(chr(10), 0, index)}'


TITLE = at(EN, 'Safety in Västerås\nsubtitle')
ANSWER = at(EN, '>-\n        Because the area')


def line(needle: str) -> str:
    """Where the source names a field: 'content/…yaml:LINE'."""
    return f'{SOURCE}:{at(SEED, needle).split(":")[0]}'


@pytest.fixture(scope='module')
def project(tmp_path_factory) -> Path:
    folder = copy_project(tmp_path_factory.mktemp('tr') / 'project',
                          translations=True)
    # The Arabic file needs the brand's Arabic font to build; these tests
    # build only what they name, but keep it out of the way.
    (folder / ARABIC).unlink()
    return folder


def write_case(project: Path, name: str, text: str) -> str:
    (project / 'content' / name).write_text(text, 'utf-8')
    return f'content/{name}'


def edited(*changes: tuple[str, str]) -> str:
    text = EN
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


INTRO_2 = ('  - >-\n    We in the Liberals believe that real safety is built '
           'over the long\n    term – through early action, local commitment '
           'and a clear presence of\n    both the authorities and civil '
           'society.\n')
PARAGRAPH = ('      - >-\n        We also believe in strong local '
             'communities')
PROPOSALS_3_4 = ('    - title: Remove the “vulnerable area” label\n'
                 '      text: >-\n        We want a clear plan to take '
                 'Bäckby off the list of vulnerable areas\n        – through '
                 'action that makes a difference.\n    - title: Support for '
                 'young people who want to leave crime\n      text: >-\n'
                 '        A local exit programme should offer protection, '
                 'support and a new way\n        forward to those who want '
                 'to leave a criminal life behind them.\n')
EXTRA_QUESTION = ('    - question: Is this extra?\n      answer: Yes.\n'
                  '    - question: What is a school social team?')
LINK_0_URL = ('    - text: Our policy for schools and early action\n'
              '      url: "#"\n')
LINK_2 = '    - text: Young offenders need early and clear action\n'
PEOPLE = EN[EN.index('people:\n'):EN.index('call_to_action:')]

# (case, changes to the English file, [(where in it, field, message)]);
# where is a piece of the edited file (its first character) or None for
# the file's top (a missing top-level field).
CASES = [
    ('intro-paragraph-missing', [(INTRO_2, '')], [
        ('- >-\n    Safety in Västerås is a basic', 'intro',
         f'1 paragraph, but its source {line("- >-")} has 2; translate the '
         'missing one')]),
    ('section-paragraph-extra',
     [(PARAGRAPH, '      - One more paragraph.\n' + PARAGRAPH)], [
         ('- >-\n        Safety is not only', 'sections[1].paragraphs',
          '3 paragraphs, but its source '
          f'{line("- >-" + chr(10) + "        Trygghet är inte")} has 2; '
          'remove the extra one, or add it to the source first')]),
    ('two-proposals-missing', [(PROPOSALS_3_4, '')], [
        ('- title: More school social teams', 'proposals.items',
         f'2 proposals, but its source {line("- title: Fler skolsociala")} '
         'has 4; translate the 2 missing ones')]),
    ('question-extra', [('    - question: What is a school social team?',
                         EXTRA_QUESTION)], [
        ('- question: Is this extra?', 'faq.items',
         f'4 questions, but its source {line("- question: Vad är ett")} '
         'has 3; remove the extra one, or add it to the source first')]),
    ('link-address-missing',
     [(LINK_0_URL, '    - text: Our policy for schools and early action\n')],
     [('text: Our policy for schools', 'further_reading.links[0].url',
       f'missing; its source {line("url: " + chr(34) + "#")} has one: add it '
       '(it may lead to a page in this language)')]),
    ('link-address-extra',
     [(LINK_2, LINK_2 + '      url: https://www.liberalerna.se/en\n')], [
         ('https://www.liberalerna.se/en', 'further_reading.links[2].url',
          f'its source {SOURCE} has none; remove it, or add it to the source '
          'first')]),
    ('people-missing', [(PEOPLE, '')], [
        (None, 'people',
         f'missing; its source {line("- name: Exempel")} has 2 people: '
         'translate them')]),
    ('quote-and-subtitle-missing', [
        ('subtitle: preventive work for a safer city\n', ''),
        ('    quote: >-\n      Clubs and associations make the districts '
         'strong. We want to give them\n      better conditions.\n', '')], [
        (None, 'subtitle',
         f'missing; its source {line("subtitle:")} has one: translate it'),
        ('name: Påhittad Persson', 'people[1].quote',
         f'missing; its source {line("quote: >-" + chr(10) + "      Föreningarna")} '
         'has one: translate it')]),
    ('other-picture-and-crop', [('file: kvallsgata.jpg', 'file: kontakt-2.jpg'),
                                ('focus: 50% 60%', 'focus: 50% 50%')], [
        ('kontakt-2.jpg\n  alt', 'hero.file',
         f'"kontakt-2.jpg", but its source {line("kvallsgata.jpg")} has '
         '"kvallsgata.jpg"; a translation shows the same pictures'),
        ('50% 50%', 'hero.focus',
         f'"50% 50%", but its source {line("50% 60%")} has "50% 60%"; a '
         'translation shows the same crop')]),
    ('tracking-keys', [
        ('  poster-a3-screen: utm_medium=pdf&utm_source=poster\n',
         '  trifold-dl: utm_medium=print&utm_source=trifold\n')], [
        ('leaflet-a5: utm_medium=print', 'qr_tracking.poster-a3-screen',
         f'missing; its source {line("poster-a3-screen:")} tracks this QR '
         'code: add the key (its parameters may differ)'),
        ('trifold-dl:', 'qr_tracking.trifold-dl',
         f'its source {SOURCE} does not track this QR code; remove the key, '
         'or add it to the source first')]),
    ('source-missing', [('translation_of: trygghet-vasteras.yaml',
                         'translation_of: trygghet-vasteraas.yaml')], [
        ('trygghet-vasteraas.yaml', 'translation_of',
         'there is no file "trygghet-vasteraas.yaml" in content/; did you '
         'mean "trygghet-vasteras.yaml"?')]),
    ('source-is-a-translation', [('translation_of: trygghet-vasteras.yaml',
                                  'translation_of: trygghet-vasteras-en.yaml'),
                                 ('language: en', 'language: fi')], [
        ('trygghet-vasteras-en.yaml\nurl', 'translation_of',
         'content/trygghet-vasteras-en.yaml is itself a translation (of '
         '"trygghet-vasteras.yaml"); name the original, '
         '"trygghet-vasteras.yaml"')]),
    ('same-language', [('language: en', 'language: sv')], [
        ('sv\ntranslation_of', 'language',
         f'"sv" is also the language of its source {SOURCE}; a translation is '
         'in another language (or remove "translation_of:" if this is no '
         'translation)')]),
    ('names-itself', [('translation_of: trygghet-vasteras.yaml',
                       'translation_of: names-itself.yaml')], [
        ('names-itself.yaml', 'translation_of',
         '"names-itself.yaml" is this file itself; name the content file '
         'this one translates')]),
    ('leaves-the-folder', [('translation_of: trygghet-vasteras.yaml',
                            'translation_of: ../trygghet-vasteras.yaml')], [
        ('../trygghet', 'translation_of',
         '"../trygghet-vasteras.yaml" cannot be used: it contains ".." (a '
         'way out of the folder); name a content file inside content/, with '
         '"/" between folders')]),
    ('hash-edited-by-hand', [('  title: "', '  title: "x')], [
        ('"x', 'translated_from.title',
         'expected a short hash (8 hexadecimal digits), found "x')]),
]


@pytest.mark.parametrize('case, changes, expected', CASES,
                         ids=[case[0] for case in CASES])
def test_structure_problems_are_reported(project, capsys, case, changes,
                                         expected):
    text = edited(*changes)
    name = write_case(project, f'{case}.yaml', text)
    code, out, err = run(project, 'check', str(project / name),
                         capsys=capsys)
    assert code == 1, out
    lines = err.splitlines()
    wanted = [f'error: {name}:{at(text, where) if where else "1:1"}: '
              f'{field}: {message}' for where, field, message in expected]
    if case == 'hash-edited-by-hand':  # the found value is shortened
        assert lines[0].startswith(wanted[0]), lines
        lines[0] = wanted[0]
    assert lines == wanted + [
        f'{len(wanted)} problem{"s" if len(wanted) > 1 else ""} found; '
        'nothing was written']


def test_every_problem_in_one_run(project, capsys):
    text = edited((INTRO_2, ''), (PROPOSALS_3_4, ''),
                  ('file: kvallsgata.jpg', 'file: kontakt-2.jpg'))
    name = write_case(project, 'many.yaml', text)
    code, _, err = run(project, 'check', str(project / name), capsys=capsys)
    assert code == 1
    fields = [re.match(r'error: content/many\.yaml:\d+:\d+: ([^:]+):', l)[1]
              for l in err.splitlines()[:-1]]
    assert fields == ['intro', 'proposals.items', 'hero.file']
    assert err.splitlines()[-1] == '3 problems found; nothing was written'


def test_a_source_with_errors_is_reported_with_them(project, capsys):
    broken = SEED.replace('title: Trygghet i Västerås\n', '')
    write_case(project, 'broken.yaml', broken)
    text = edited(('translation_of: trygghet-vasteras.yaml',
                   'translation_of: broken.yaml'))
    name = write_case(project, 'of-broken.yaml', text)
    code, _, err = run(project, 'check', str(project / name), capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        'error: content/broken.yaml:13:1: title: this required field is '
        'missing; add "title:" (text)',
        f'error: {name}:{at(text, "broken.yaml")}: translation_of: its '
        'source content/broken.yaml has errors (listed with it); fix them '
        'first',
        '2 problems found; nothing was written']


def test_a_source_that_is_a_link_out_of_the_project(project, tmp_path,
                                                    capsys):
    outside = tmp_path / 'elsewhere.yaml'
    outside.write_text(SEED, 'utf-8')
    (project / 'content' / 'linked.yaml').symlink_to(outside)
    text = edited(('translation_of: trygghet-vasteras.yaml',
                   'translation_of: linked.yaml'))
    name = write_case(project, 'of-linked.yaml', text)
    code, _, err = run(project, 'check', str(project / name), capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        'error: content/linked.yaml: this file is a symbolic link (or lies '
        'in one) that leads outside the project\'s content/, layouts/, '
        'brands/, assets/, printshops/; the builder reads nothing else. '
        'Replace the link by a copy of the file')


# --- the shipped translations --------------------------------------------

@pytest.mark.parametrize('name, language', [(ENGLISH, 'en'), (ARABIC, 'ar')])
def test_shipped_translations_match_their_source_and_are_current(name,
                                                                 language):
    campaign = load_campaign(ROOT / name, name)
    source, problems = check(ROOT, campaign)
    assert problems == []
    assert source.source == SOURCE and source.language == 'sv'
    assert campaign.language == language and campaign.is_draft
    assert stale(ROOT, campaign) == []  # the hashes are recorded and current
    assert len(campaign.translated_from) == 47
    head = (ROOT / name).read_text('utf-8').split('\n\n')[0]
    assert 'UNCHECKED TRANSLATION' in head and 'not by a native speaker' in head
    assert [p.file for p in campaign.pictures] == [
        p.file for p in source.pictures]
    assert campaign.qr_tracking.keys() == source.qr_tracking.keys()
    # Every text is translated (names of people and the party stay).
    same = {path for (path, a), (_, b) in zip(texts(source), texts(campaign))
            if a == b}
    assert same <= {'organisation', 'people[0].name', 'people[1].name',
                    'political_ad.sponsor',
                    'further_reading.links[0].url',
                    'further_reading.links[1].url'}


def test_english_typography():
    campaign = load_campaign(ROOT / ENGLISH, ENGLISH)
    words = ' '.join(value for _, value in texts(campaign))
    assert '“vulnerable area”' in words and 'people’s' in words
    assert '"' not in words and "'" not in words


def test_arabic_typography():
    campaign = load_campaign(ROOT / ARABIC, ARABIC)
    arabic = {path: value for path, value in texts(campaign)
              if re.search('[\u0600-\u06ff]', value)}
    # Every text but the names (and the addresses) is Arabic.
    assert {path for path, _ in texts(campaign)} - set(arabic) == {
        'url', 'organisation', 'people[0].name', 'people[1].name',
        'political_ad.sponsor', 'political_ad.transparency_notice',
        'further_reading.links[0].url', 'further_reading.links[1].url'}
    words = ' '.join(arabic.values())
    assert '«المنطقة المستضعفة»' in words
    assert '،' in words and ',' not in words and '?' not in words
    assert all(item.question.endswith('؟') for item in campaign.faq.items)


# --- staleness, the translated command, the release ----------------------

@pytest.fixture
def own(tmp_path) -> Path:
    folder = copy_project(tmp_path / 'project', translations=True)
    (folder / ARABIC).unlink()
    return folder


def test_a_changed_source_makes_stale_fields_and_release_refuses(own,
                                                                 capsys):
    source = own / SOURCE
    source.write_text(SEED.replace(
        'title: Trygghet i Västerås', 'title: Trygghet i hela Västerås').replace(
        'För att området har särskilda', 'Eftersom området har särskilda'),
        'utf-8')
    code, out, err = run(own, 'build', str(own / ENGLISH), '--layout',
                         'leaflet-a5', '--edition', 'print', capsys=capsys)
    assert code == 0, err
    warnings = [l for l in err.splitlines() if 'translated' in l]
    # A build of the source alone names them too.
    swedish = load_campaign(source, SOURCE)
    assert [f'warning: {p}' for p in stale_warnings(own, [swedish])] == \
        warnings
    assert warnings == [
        f'warning: {ENGLISH}:{TITLE}: title: the '
        f'Swedish source changed since it was translated; update the '
        f'translation, {RECORD}',
        f'warning: {ENGLISH}:{ANSWER}: '
        'faq.items[1].answer: the Swedish source changed since it was '
        f'translated; update the translation, {RECORD}']
    text = pdf_text(own / 'output' / 'trygghet-vasteras-en-leaflet-a5.pdf')
    for sentence in ('Safety in Västerås', 'Our proposals for a safer '
                     'Västerås', 'What is a school social team?',
                     'Remove the “vulnerable area” label'):
        assert sentence in text

    code, _, err = run(own, 'release', str(own / ENGLISH), capsys=capsys)
    assert code == 1
    refusals = [l for l in err.splitlines() if 'translat' in l]
    assert refusals == [
        f'error: {ENGLISH}:{TITLE}: title: the '
        'Swedish source changed since it was translated; a release refuses '
        f'stale translations; update the translation, {RECORD}',
        f'error: {ENGLISH}:{ANSWER}: '
        'faq.items[1].answer: the Swedish source changed since it was '
        'translated; a release refuses stale translations; update the '
        f'translation, {RECORD}']

    # The translator updates the text, then records it.
    code, out, err = run(own, 'translated', str(own / ENGLISH),
                         capsys=capsys)
    assert (code, err) == (0, '')
    assert out == ('recorded the hashes of 47 source fields in '
                   f'{ENGLISH} (2 changed since the last record: title, '
                   'faq.items[1].answer); build and check will warn when '
                   'one of them changes\n')
    after = (own / ENGLISH).read_text('utf-8')
    # Only the two hashes changed; the comments and text are as they were.
    changed = [(a, b) for a, b in zip(EN.splitlines(), after.splitlines())
               if a != b]
    assert len(changed) == 2 and len(EN) == len(after)
    assert {a.split(':')[0] for a, _ in changed} == {
        '  title', '  faq.items[1].answer'}
    campaign = load_campaign(own / ENGLISH, ENGLISH)
    assert stale(own, campaign, release=True) == []
    code, _, err = run(own, 'release', str(own / ENGLISH), capsys=capsys)
    assert code == 1  # still a draft, but no longer stale
    assert 'translat' not in err


def test_an_unchecked_translation_is_a_warning_and_release_refuses(own,
                                                                   capsys):
    text = EN[:EN.index('# Hashes of the source')].rstrip('\n') + '\n'
    (own / ENGLISH).write_text(text, 'utf-8')
    campaign = load_campaign(own / ENGLISH, ENGLISH)
    where = at(text, 'trygghet-vasteras.yaml\nurl')
    unchecked = ('translation_of: unchecked translation: no hashes of its '
                 'source\'s fields are recorded (translated_from), so a '
                 f'change to {SOURCE} cannot be noticed')
    advice = f'; check the translation against it, {RECORD}'
    assert [str(p) for p in stale(own, campaign)] == [
        f'{ENGLISH}:{where}: {unchecked}{advice}']
    code, _, err = run(own, 'release', str(own / ENGLISH), capsys=capsys)
    assert code == 1
    assert (f'error: {ENGLISH}:{where}: {unchecked}; a release refuses '
            f'unchecked translations{advice}') in err.splitlines()
    # An empty block is no better.
    (own / ENGLISH).write_text(text + 'translated_from: {}\n', 'utf-8')
    campaign = load_campaign(own / ENGLISH, ENGLISH)
    assert [str(p) for p in stale(own, campaign)] == [
        f'{ENGLISH}:{where}: {unchecked}{advice}']
    # Recording replaces it by the block at the end, with its comment.
    assert run(own, 'translated', str(own / ENGLISH))[0] == 0
    assert (own / ENGLISH).read_text('utf-8') == EN


@pytest.mark.parametrize('target, code, message', [
    (SOURCE, 1, f'error: {SOURCE}: is not a translation: it has no '
                '"translation_of:" field; add "translation_of: SOURCE.yaml" '
                '(the file it translates) first'),
    ('content/nothing.yaml', 2, 'error: content/nothing.yaml: no such file'),
])
def test_translated_refuses_what_is_no_translation(project, capsys, target,
                                                   code, message):
    before = (project / SOURCE).read_bytes()
    result, _, err = run(project, 'translated', str(project / target),
                         capsys=capsys)
    assert result == code
    assert err.splitlines()[0] == message
    assert (project / SOURCE).read_bytes() == before


def test_translated_leaves_a_translation_with_problems_untouched(project,
                                                                 capsys):
    text = edited((INTRO_2, ''))
    name = write_case(project, 'untouched.yaml', text)
    code, _, err = run(project, 'translated', str(project / name),
                       capsys=capsys)
    assert code == 1
    assert err.splitlines()[0].startswith(f'error: {name}:')
    assert ': intro: 1 paragraph, but its source' in err
    assert (project / name).read_text('utf-8') == text


def test_with_hashes_replaces_the_block_and_keeps_the_rest():
    text = 'title: x  # no\n\n' + 'translated_from:\n  title: "00000000"\n'
    once = with_hashes(text, {'title': 'abcdef12', 'intro[0]': '12345678'})
    assert once == ('title: x  # no\n\n# Hashes of the source\'s fields this '
                    'translation was made from (see\n# docs/content-schema.md):'
                    ' written by "python make_flyers.py\n# translated FILE" '
                    'after the translation was brought up to date.\n'
                    'translated_from:\n  title: "abcdef12"\n'
                    '  intro[0]: "12345678"\n')
    assert with_hashes(once, {'title': 'abcdef12', 'intro[0]': '12345678'}
                       ) == once
    # A block in the middle of the file moves to its end; nothing is lost.
    middle = 'a: 1\ntranslated_from:\n  title: "0"\nb: 2\n'
    assert with_hashes(middle, {'title': '11111111'}).startswith(
        'a: 1\nb: 2\n\n# Hashes')


def test_translated_keeps_line_ends_and_refuses_links(own, capsys):
    path = own / ENGLISH
    stripped = EN[:EN.index('# Hashes of the source')].rstrip('\n') + '\n'
    path.write_bytes(('\ufeff' + stripped).replace('\n', '\r\n').encode())
    assert run(own, 'translated', str(path)) == (0, '', '')
    assert path.read_bytes() == ('\ufeff' + EN).replace(
        '\n', '\r\n').encode()
    link = own / 'content' / 'link-en.yaml'
    link.symlink_to(path)
    code, _, err = run(own, 'translated', str(link), capsys=capsys)
    assert code == 2
    assert err.splitlines()[0] == (
        'error: content/link-en.yaml: is a symbolic link; "translated" '
        'rewrites only real files: name the file itself')
    assert link.is_symlink()
