"""The page importer: a page's text in, a content file that loads out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flyers.content import (is_placeholder_url, load_campaign, placeholders,
                            texts)
from flyers.errors import PageImportError
from flyers.importer import ImportResult, import_page

FIXTURES = Path(__file__).parent / 'fixtures'
SEED = FIXTURES / 'seed-trygghet-vasteras.txt'
PAGES = sorted((FIXTURES / 'pages').iterdir())
ALL_PAGES = [SEED] + PAGES


def run(text: str, tmp_path: Path, name: str = 'page.yaml', **kwargs):
    """Import ``text``, write the file and load it as the build would."""
    kwargs.setdefault('source', 'page.txt')
    result = import_page(text, **kwargs)
    path = tmp_path / name
    path.write_text(result.yaml_text, encoding='utf-8')
    return result, load_campaign(path)


def run_file(page: Path, tmp_path: Path, **kwargs):
    return run(page.read_text(encoding='utf-8'), tmp_path,
               source=page.name, **kwargs)


# --- every sentence of the page is in the content --------------------------

_MARKER_RE = re.compile(
    r'^\s*(?:#{1,6}\s+|>\s*|(?:[-*+•–—]|\d{1,3}[.)])\s+)+')
_LINKISH_RE = re.compile(r'!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)')


def _normalise(text: str) -> str:
    text = _LINKISH_RE.sub(r'\1', text)
    text = re.sub(r'[*_`\\]', '', text)
    return ' '.join(text.split())


def page_sentences(page: str) -> list[str]:
    """Pieces of each line between . ? ! : | once list markers, headings
    marks, bold and link markup are gone (HTML comments show no text)."""
    pieces = []
    page = re.sub(r'<!--.*?-->', '', page, flags=re.S)
    for line in page.splitlines():
        line = _MARKER_RE.sub('', line)
        # "**Title** – text": the title and the text are stored apart.
        line = _normalise(re.sub(r'^(\*\*|__)(.+?)\1\s*(?:[–—-]\s)?',
                                 r'\2. ', line))
        pieces += [p.strip() for p in re.split(r'[.?!:|]', line)
                   if re.search(r'\w', p)]
    return pieces


def campaign_text(campaign) -> str:
    return _normalise(' '.join(value for _, value in texts(campaign)))


@pytest.mark.parametrize('page', ALL_PAGES, ids=lambda p: p.name)
def test_every_sentence_of_the_page_is_kept(page, tmp_path):
    result, campaign = run_file(page, tmp_path)
    kept = campaign_text(campaign)
    missing = [s for s in page_sentences(page.read_text(encoding='utf-8'))
               if s not in kept]
    assert missing == []
    assert result.notes


@pytest.mark.parametrize('page', ALL_PAGES, ids=lambda p: p.name)
def test_same_page_gives_the_same_bytes(page):
    text = page.read_text(encoding='utf-8')
    first = import_page(text, source=page.name)
    second = import_page(text, source=page.name)
    assert first.yaml_text.encode('utf-8') == second.yaml_text.encode('utf-8')
    assert first.notes == second.notes


@pytest.mark.parametrize('page', ALL_PAGES, ids=lambda p: p.name)
def test_status_follows_the_placeholders(page, tmp_path):
    _, campaign = run_file(page, tmp_path)
    assert campaign.status == ('draft' if placeholders(campaign) else 'final')


# --- the seed --------------------------------------------------------------

def test_seed(tmp_path):
    result, c = run_file(SEED, tmp_path)
    assert isinstance(result, ImportResult)
    assert c.title == 'Trygghet i Västerås'
    assert c.subtitle == 'förebyggande arbete för en säkrare stad'
    assert c.language == 'sv'
    assert len(c.intro) == 2
    assert c.intro[1].startswith('Vi i Liberalerna tror')
    assert [s.heading for s in c.sections] == [
        'Kriminalitet skadar samhället – trygghet bygger framtid',
        'Förebyggande arbete ger långsiktiga resultat']
    assert [len(s.paragraphs) for s in c.sections] == [2, 2]
    assert c.proposals.heading == ('Våra förslag för ökad trygghet i '
                                   'Västerås')
    assert [p.title for p in c.proposals.items] == [
        'Fler skolsociala team', 'Tryggare miljöer i Bäckby',
        'Avveckla utsatthetsstämpeln',
        'Stöd till unga som vill lämna kriminaliteten']
    assert all(p.text for p in c.proposals.items)
    assert c.faq.heading == 'Vanliga frågor om trygghet i Västerås'
    assert [q.question for q in c.faq.items] == [
        'Vad är ett skolsocialt team?', 'Varför fokuserar ni på Bäckby?',
        'Vad innebär en avhopperverksamhet?']
    reading = c.further_reading
    assert reading.heading == 'Upptäck hur du kan bidra till förändring'
    assert reading.intro.endswith('Läs vidare om:')
    assert [link.url for link in reading.links] == ['#', '#', None]
    assert reading.links[2].text == ('Unga kriminella behöver tidiga och '
                                     'tydliga insatser')
    assert c.call_to_action == ('Dela gärna sidan om du tycker att '
                                'Västerås ska vara tryggt för alla – '
                                'oavsett postnummer.')
    assert c.status == 'draft'
    assert c.url == 'https://example.org/trygghet-i-vasteras'
    assert is_placeholder_url(c.url)
    assert c.imprint == 'Ansvarig utgivare: [namn saknas]'
    assert c.qr_tracking == {
        'leaflet-a5': 'utm_medium=print&utm_source=leaflet',
        'poster-a3': 'utm_medium=print&utm_source=poster'}


def test_seed_notes_say_what_was_guessed():
    notes = import_page(SEED.read_text(encoding='utf-8'),
                        source=SEED.name).notes
    assert 'line 5: subtitle (a line starting with \'– \' right after the ' \
           'title)' in notes
    assert any(n.startswith('url: ') and 'example.org' in n for n in notes)
    assert any(n.startswith('imprint: ') for n in notes)
    assert any(n.startswith('language: sv (') for n in notes)
    assert any(n.startswith('line 63: call to action') for n in notes)
    for note in notes:
        assert re.match(r'(line \d+|language|url|imprint|status): ', note)
        assert '\n' not in note


def test_header_names_the_source_and_no_date():
    text = import_page(SEED.read_text(encoding='utf-8'),
                       source='seed-trygghet-vasteras.txt').yaml_text
    header = text.split('\n\n')[0] + text.split('status:')[0]
    assert 'seed-trygghet-vasteras.txt' in header
    assert 'status: final' in header
    assert not re.search(r'20\d\d-\d\d-\d\d', text)
    assert all(line.startswith('#') or not line
               for line in text.split('\nstatus:')[0].splitlines())
    assert max(len(line) for line in text.splitlines()) <= 78


def test_seed_output_looks_like_the_hand_written_file():
    text = import_page(SEED.read_text(encoding='utf-8'),
                       source=SEED.name).yaml_text
    body = text[text.index('\nstatus:') + 1:]
    order = ['status:', 'language:', 'url:', 'title:', 'subtitle:', 'intro:',
             'sections:', 'proposals:', 'faq:', 'further_reading:',
             'call_to_action:', 'imprint:', 'qr_tracking:']
    positions = [body.index('\n' + key) if i else body.index(key)
                 for i, key in enumerate(order)]
    assert positions == sorted(positions)
    assert '  - >-\n    Trygghet i Västerås är en' in body
    assert '      url: "#"\n' in body


# --- the page's address -----------------------------------------------------

def test_url_given_leaves_status_to_the_other_placeholders(tmp_path):
    # The seed still has '#' links and no publisher: a draft.
    _, seed = run_file(SEED, tmp_path, url='https://liberalerna.se/vasteras')
    assert seed.url == 'https://liberalerna.se/vasteras'
    assert seed.status == 'draft'
    assert 'url' not in [path for path, _ in placeholders(seed)]
    # This page names its publisher and has no links: nothing is missing.
    page = FIXTURES / 'pages' / 'sv-skola-sex-forslag.txt'
    result, school = run_file(page, tmp_path, url='https://liberalerna.se/'
                              'uppsala/skola')
    assert school.status == 'final'
    assert not any(n.startswith('url: ') for n in result.notes)
    _, school_draft = run_file(page, tmp_path)
    assert school_draft.status == 'draft'
    assert placeholders(school_draft) == [
        ('url', f'"{school_draft.url}" is a placeholder address')]


def test_relative_links_are_resolved_against_the_url(tmp_path):
    page = FIXTURES / 'pages' / 'en-housing.md'
    _, c = run_file(page, tmp_path,
                    url='https://riversideliberals.org.uk/housing/')
    links = c.further_reading.links
    assert links[0].url == ('https://riversideliberals.org.uk/files/'
                            'housing-plan-2030.pdf')
    assert links[1].url == 'https://riversideliberals.org.uk/manifesto'
    # mailto: is no web address: the text stays, the address goes.
    assert links[2].text == 'Email our housing spokesperson'
    assert links[2].url is None
    assert links[3].url is None


def test_relative_links_without_url_become_placeholders(tmp_path):
    page = ('Skolan\n\nText om skolan.\n\nLäs mer\n\n'
            '- [Skolpolitik](/politik/skola)\n- [Tom]()\n'
            '- [Ankare](#skola)\n- [Skript](javascript:void(0))\n')
    result, c = run(page, tmp_path)
    assert [link.url for link in c.further_reading.links] == [
        '#', '#', '#', None]
    assert c.further_reading.links[3].text == 'Skript'
    assert any('javascript:void(0)' in n for n in result.notes)
    _, with_url = run(page, tmp_path, url='https://liberalerna.se/skola/')
    assert [link.url for link in with_url.further_reading.links] == [
        'https://liberalerna.se/politik/skola', '#',
        'https://liberalerna.se/skola/#skola', None]


def test_a_bad_url_argument_is_refused():
    with pytest.raises(PageImportError, match='not a web address'):
        import_page('Titel\n\nText.', source='p.txt', url='liberalerna.se')


# --- language ---------------------------------------------------------------

@pytest.mark.parametrize('page, language', [
    ('seed-trygghet-vasteras.txt', 'sv'),
    ('pages/sv-webbkopia.txt', 'sv'),
    ('pages/en-housing.md', 'en'),
    ('pages/en-transport-questions.txt', 'en'),
])
def test_language_is_guessed(page, language, tmp_path):
    result, c = run_file(FIXTURES / page, tmp_path)
    assert c.language == language
    assert any(n.startswith(f'language: {language} (')
               for n in result.notes)


def test_language_argument_wins_and_sets_the_placeholder(tmp_path):
    result, c = run_file(SEED, tmp_path, language='en')
    assert c.language == 'en'
    assert c.imprint == 'Published by: [name missing]'
    assert not any(n.startswith('language:') for n in result.notes)
    with pytest.raises(PageImportError, match='not a language code'):
        import_page('Titel\n\nText.', source='p.txt', language='Svenska')


# --- pages it cannot use ----------------------------------------------------

@pytest.mark.parametrize('text', ['', '   \n\n\t\n', '---\n\n***\n'])
def test_empty_page_is_refused(text):
    with pytest.raises(PageImportError) as info:
        import_page(text, source='tom.txt')
    problem, = info.value.problems
    assert problem.file == 'tom.txt'
    assert problem.message == 'the page is empty: there is no text to import'


def test_page_without_a_title_line_is_refused():
    long_line = 'Det här är en lång inledning utan rubrik. ' * 5
    with pytest.raises(PageImportError) as info:
        import_page(long_line + '\n\nMer text.', source='p.txt')
    problem, = info.value.problems
    assert problem.message.startswith(
        f'found no title: line 1 is {len(long_line.strip())} characters long')
    assert 'at most 120' in problem.message
    assert problem.line == 1
    with pytest.raises(PageImportError, match='found no title: the page '
                                              'starts with a list item'):
        import_page('\n- punkt ett\n- punkt två\n', source='p.txt')


def test_a_title_is_taken_from_the_first_line_of_a_paragraph(tmp_path):
    _, c = run('Rubrik här\nen fortsättning av texten.\n', tmp_path)
    assert c.title == 'Rubrik här'
    assert c.intro == ('en fortsättning av texten.',)


def test_binary_and_huge_pages_are_refused():
    with pytest.raises(PageImportError, match='does not look like text'):
        import_page('%PDF-1.7\x00\x01\x02binary', source='p.pdf')
    with pytest.raises(PageImportError, match='does not look like text'):
        import_page('PK\x03\x04' + '\x05\x06\x07\x08' * 50, source='p.docx')
    with pytest.raises(PageImportError, match='at most 1,048,576 bytes'):
        import_page('Titel\n\n' + 'ord ' * 300_000, source='p.txt')


def test_a_few_control_characters_are_removed_with_a_note(tmp_path):
    result, c = run('Titel\n\nEn mening\x07 med en\x1b ringklocka.\n',
                    tmp_path)
    assert c.intro == ('En mening med en ringklocka.',)
    assert any('control characters removed' in n for n in result.notes)


# --- the fixture pages ------------------------------------------------------

def test_english_markdown_page(tmp_path):
    result, c = run_file(FIXTURES / 'pages' / 'en-housing.md', tmp_path)
    assert c.title == 'Homes people can afford in Riverside'
    assert c.subtitle == 'A plan for fair rents and more homes by 2030'
    assert '**Riverside Liberals**' in c.intro[1]
    assert c.sections[0].paragraphs[1] == ('Read the council\'s housing '
                                           'report for the full figures.')
    assert [p.title for p in c.proposals.items] == [
        'Faster planning decisions', 'Homes above the high street',
        'A fair deal for tenants', 'Build on brownfield first']
    assert len(c.faq.items) == 3
    assert c.further_reading.intro == 'If you want the details, start here:'
    assert c.call_to_action.startswith('Share this page')
    assert c.imprint.startswith('Published by J. Smith')
    assert any('housing-report-2024' in n for n in result.notes)


def test_swedish_page_with_six_proposals_and_no_faq(tmp_path):
    _, c = run_file(FIXTURES / 'pages' / 'sv-skola-sex-forslag.txt',
                    tmp_path)
    assert c.subtitle.startswith('Liberalerna i Uppsala om kunskap')
    assert [p.title for p in c.proposals.items] == [
        'Lästid varje dag', 'Fler speciallärare',
        'Mindre administration för lärarna', 'Trygga klassrum',
        'Läxhjälp på alla skolor', 'Höjd lön för de bästa lärarna']
    assert c.proposals.items[1].text.startswith('Varje skola ska ha')
    assert c.proposals.items[4].text.startswith('Gratis läxhjälp')
    assert c.faq is None and c.further_reading is None
    assert [s.heading for s in c.sections] == ['Så ser det ut i dag',
                                               'Vad förslagen kostar']
    # Hard-wrapped lines are one paragraph.
    assert c.intro[0].startswith('Alla barn ska lämna grundskolan med '
                                 'kunskaper som bär hela livet. I dag når')
    assert c.call_to_action.startswith('Vill du veta mer? Kontakta oss')
    assert c.imprint == ('Ansvarig utgivare: Karin Lindqvist, Liberalerna '
                         'Uppsala')


def test_english_page_with_many_questions_and_links(tmp_path):
    _, c = run_file(FIXTURES / 'pages' / 'en-transport-questions.txt',
                    tmp_path)
    assert c.proposals is None and c.sections == ()
    assert len(c.faq.items) == 7
    assert c.faq.items[2].answer == ('No. Fares stay frozen for two years, '
                                     'and children under 16 travel free.')
    assert len(c.further_reading.links) == 6
    assert c.further_reading.links[2].text == ('Survey: where should the '
                                               'bus go?')
    assert c.call_to_action == ('Please share this page and sign our '
                                'petition for better buses.')
    assert c.imprint == 'Published by: [name missing]'


def test_page_copied_from_a_browser_without_blank_lines(tmp_path):
    _, c = run_file(FIXTURES / 'pages' / 'sv-webbkopia.txt', tmp_path)
    assert c.title == 'Ett tryggare centrum i Sundsvall'
    assert len(c.intro) == 2
    assert [p.title for p in c.proposals.items] == [
        'Fler kommunala ordningsvakter', 'Ljusare parker',
        'Nattvandrare med stöd']
    assert c.sections[0].heading == 'Varför inte bara fler kameror?'
    assert c.imprint == 'Ansvarig utgivare: Per Ek, Liberalerna Sundsvall'


def test_odd_bits_are_kept_as_paragraphs_and_noted(tmp_path):
    result, c = run_file(FIXTURES / 'pages' / 'sv-udda-bitar.md', tmp_path)
    assert c.title == 'Sommarlov för alla barn i Norrtälje'
    assert [s.heading for s in c.sections] == ['No', '12:30',
                                               'Om sommarlovet']
    everything = c.sections[2].paragraphs
    assert everything[0] == 'Så här fungerar det'
    assert everything[-1] == 'Senast uppdaterad'
    assert 'Anmälan sker på plats, ingen kö.' in everything
    assert c.call_to_action.startswith('Följ oss gärna på '
                                       '@liberalernanorrtalje & dela')
    notes = '\n'.join(result.notes)
    for expected in ('text before the title', 'kept as a paragraph',
                     'code block', 'image', 'javascript:void(0)',
                     'a heading with no text after it'):
        assert expected in notes


# --- Markdown and inline markup ---------------------------------------------

def test_bold_stays_in_text_and_leaves_headings(tmp_path):
    page = ('# **Trygghet** i [Västerås](https://x.se)\n\n'
            'Vi vill ha **fler poliser** och _mer_ ljus.\n\n'
            '## Våra **bästa** förslag\n\n'
            '- **Fler poliser:** Poliser i **alla** stadsdelar.\n'
            '- **Mer ljus** – Lampor i parkerna.\n\n'
            '## Frågor\n\n'
            '**Kostar det?**\n\nNej, inte **mycket**.\n\n'
            'Ett ** ensamt tecken.\n')
    result, c = run(page, tmp_path)
    assert c.title == 'Trygghet i Västerås'
    assert c.intro == ('Vi vill ha **fler poliser** och mer ljus.',)
    assert c.proposals.heading == 'Våra bästa förslag'
    assert c.proposals.items[0].title == 'Fler poliser'
    assert c.proposals.items[0].text == 'Poliser i **alla** stadsdelar.'
    assert c.proposals.items[1].text == 'Lampor i parkerna.'
    assert c.faq.items[0].question == 'Kostar det?'
    assert c.faq.items[0].answer == ('Nej, inte **mycket**. Ett ensamt '
                                     'tecken.')
    assert any('without its partner' in n for n in result.notes)


def test_several_lists_of_proposals_are_merged(tmp_path):
    page = ('Valet 2026\n\nVi har många förslag.\n\n'
            'Förslag för skolan\n\n- **Mindre klasser**\n\n'
            'Färre elever.\n\n'
            'Om vården\n\nVården behöver mer tid.\n\n'
            'Förslag för vården\n\n- **Kortare köer** Snabbare vård.\n')
    result, c = run(page, tmp_path)
    assert [p.title for p in c.proposals.items] == ['Mindre klasser',
                                                    'Kortare köer']
    assert c.proposals.heading == ('Förslag för skolan / Förslag för '
                                   'vården')
    assert any('merged' in n for n in result.notes)
    assert c.sections[0].heading == 'Om vården'


def test_a_heading_followed_by_a_heading(tmp_path):
    page = ('Titel\n\nInledning.\n\nPolitik\n\nSkola\n\nSkolan är '
            'viktig.\n\nSlut\n')
    result, c = run(page, tmp_path)
    assert c.sections[0].heading == 'Politik'
    assert c.sections[0].paragraphs == ('Skola', 'Skolan är viktig.', 'Slut')
    assert any('directly' in n for n in result.notes)


def test_a_markdown_heading_with_nothing_after_it(tmp_path):
    page = '# Titel\n\nInledning.\n\n## Tom rubrik\n'
    result, c = run(page, tmp_path)
    assert c.intro == ('Inledning.', 'Tom rubrik')
    assert c.sections == ()
    assert any('no text after it' in n for n in result.notes)


def test_text_before_the_first_heading_is_the_intro(tmp_path):
    _, c = run('# Titel\n\nEtt.\n\nTvå.\n\nTre.\n', tmp_path)
    assert c.intro == ('Ett.', 'Två.', 'Tre.')
    assert c.call_to_action is None


def test_a_page_with_only_a_title_still_loads(tmp_path):
    _, c = run('Bara en titel\n', tmp_path)
    assert c.title == 'Bara en titel'
    assert c.status == 'draft'


def test_long_paragraphs_are_split_at_sentences(tmp_path):
    sentence = 'Det här är en mening om trygghet i staden. '
    page = 'Titel\n\n' + sentence * 100 + '\n'
    _, c = run(page, tmp_path)
    assert len(c.intro) == 3
    assert all(len(p) <= 2000 for p in c.intro)
    assert ' '.join(c.intro) == (sentence * 100).strip()


def test_imprint_is_found_and_taken_out_of_the_text(tmp_path):
    page = ('Title\n\nThe text of the page.\n\n'
            'Published by the council in 2023, the report is long.\n\n'
            'Responsible publisher: Ann Lee, Liberal Party\n\nMore text.\n')
    result, c = run(page, tmp_path, url='https://libdems.org.uk/x')
    assert c.imprint == 'Responsible publisher: Ann Lee, Liberal Party'
    assert c.intro == ('The text of the page.', 'Published by the council '
                       'in 2023, the report is long.', 'More text.')
    assert c.status == 'final'


# --- YAML traps -------------------------------------------------------------

TRAPS = ['No', '12:30', 'yes', 'null', '~', 'On', '0x1F', '1e3', '2024-05-01',
         'Tid: 12:30', 'Pris 100 # inklusive moms', '@liberalerna',
         '& mer', '!viktigt', '%-sats', '"Citat" och mer', "'Enkla'",
         '{klamrar}', '[utkast]', 'Slutar med kolon:', '*stjärna',
         'Tab\there', 'a\\b', '|rör', '?fråga', ',komma', '`kod',
         '--- streck', '... punkter', '- ']


# Lines of markup only ("~", "-") are not text: the importer drops them.
@pytest.mark.parametrize('value', [t for t in TRAPS if t.strip() not in '~-'])
def test_yaml_traps_survive_as_text(value, tmp_path):
    page = (f'Titel\n\nInledning.\n\nFrågor\n\nVad då?\n\n{value}\n\n'
            'Förslagen\n\n'
            f'- **Förslag** {value}\n')
    _, c = run(page, tmp_path)
    expected = ' '.join(value.split())
    assert c.faq.items[0].answer == expected
    assert c.proposals.items[0].text == expected


@pytest.mark.parametrize('value', TRAPS + [
    '>större', '- lista', '? fråga', '#', ': kolon', 'a: b', 'x #y',
    'lång ' * 30 + ': # "citat" \\ slut', '#' + 'ord ' * 40])
def test_writer_quotes_what_yaml_would_misread(value):
    import yaml
    from flyers.importer.emit import scalar as _scalar
    value = ' '.join(value.split())
    for prefix, indent in (('title: ', 2), ('  - ', 4), ('    - text: ', 8)):
        lines = _scalar(prefix, value, indent)
        assert all(len(line) <= 78 or ' ' not in line.strip()
                   for line in lines)
        document = '\n'.join(lines).replace(prefix, 'key: ', 1)
        document = '\n'.join(line[indent - 2:] if i else line for i, line
                             in enumerate(document.splitlines()))
        node = yaml.compose(document, Loader=yaml.SafeLoader)
        read = ' '.join(node.value[0][1].value.split())
        assert read == value


def test_trap_headings_round_trip_exactly(tmp_path):
    page = ('Titel\n\nInledning.\n\nNo\n\nNej till avgifter.\n\n12:30\n\n'
            'Lunch serveras.\n\nyes\n\nJa till mer.\n')
    _, c = run(page, tmp_path)
    assert [s.heading for s in c.sections] == ['No', '12:30']
    assert c.intro == ('Inledning.',)
    text = import_page(page, source='p.txt').yaml_text
    assert 'heading: "No"' in text and 'heading: "12:30"' in text


# --- more shapes of pages ---------------------------------------------------

def test_windows_line_ends_and_a_bom_change_nothing():
    text = SEED.read_text(encoding='utf-8')
    plain = import_page(text, source=SEED.name)
    windows = import_page('\ufeff' + text.replace('\n', '\r\n'),
                          source=SEED.name)
    assert windows == plain


def test_plain_list_under_a_proposals_heading(tmp_path):
    page = ('Title\n\nIntro text.\n\nOur plan\n\n- Cheaper buses\n'
            '- More trains\n- Safer bike lanes\n\nContact us to help out.\n')
    _, c = run(page, tmp_path)
    assert [(p.title, p.text) for p in c.proposals.items] == [
        ('Cheaper buses', None), ('More trains', None),
        ('Safer bike lanes', None)]
    assert c.call_to_action == 'Contact us to help out.'


def test_proposals_as_bold_lines_and_faq_as_headings(tmp_path):
    page = ('Titel\n\nInledning här.\n\nVåra förslag\n\n'
            '**Fler poliser**\n\n'
            'Poliser i alla stadsdelar.\n\n**Mer ljus**\n\nLampor.\n\n'
            'Avslutning\n\nSlutord här.\n')
    _, c = run(page, tmp_path)
    assert [(p.title, p.text) for p in c.proposals.items] == [
        ('Fler poliser', 'Poliser i alla stadsdelar.'),
        ('Mer ljus', 'Lampor.')]
    assert c.sections[0].heading == 'Avslutning'
    page = ('# Titel\n\nIntro.\n\n## FAQ\n\n## Vad kostar det?\n\nInget.\n\n'
            '## Varför?\n\nFör att.\n\n## Annat\n\nText här.\n')
    _, c = run(page, tmp_path)
    assert [q.question for q in c.faq.items] == ['Vad kostar det?',
                                                 'Varför?']
    assert c.sections[0].heading == 'Annat'


def test_a_stray_code_fence_does_not_swallow_the_page(tmp_path):
    page = ('Titel\n\nInledning.\n\n```\n\nRubrik\n\nText under '
            'rubriken.\n')
    _, c = run(page, tmp_path)
    assert c.sections[0].heading == 'Rubrik'


def test_questions_after_a_list_start_a_new_part(tmp_path):
    _, c = run_file(FIXTURES / 'pages' / 'sv-webbkopia.txt', tmp_path)
    assert c.proposals.items[-1].text == (
        'Föreningar som nattvandrar ska få bidrag till västar, utbildning '
        'och samordning.')
    assert c.call_to_action is None
