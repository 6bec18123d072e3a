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
HTML_SUFFIXES = ('.html', '.htm')
TEXT_PAGES = [p for p in ALL_PAGES if p.suffix not in HTML_SUFFIXES]
HTML_PAGES = [p for p in ALL_PAGES if p.suffix in HTML_SUFFIXES]


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


@pytest.mark.parametrize('page', TEXT_PAGES, ids=lambda p: p.name)
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
    for expected in ('kept as a paragraph', 'code block', 'image',
                     'javascript:void(0)', 'a table row',
                     'a heading with no text after it'):
        assert expected in notes
    # An HTML comment is not text a reader of the page sees.
    assert 'line 1: HTML without text (a comment or a tag) left out' in notes
    assert 'Sidan kopierad' not in ' '.join(c.intro)
    assert [p for p in everything if ' – ' in p][:2] == [
        'Vecka – Aktivitet', '26 – Fotbollsskola']


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


# --- HTML pages saved from a browser -----------------------------------------

HTML_EXPECTED = {
    'sv-trygghet-sparad.html': dict(
        title='Trygghet i Västerås',
        subtitle='Förebyggande arbete för en säkrare stad',
        language='sv',
        url='https://www.liberalerna.se/vasteras/trygghet-i-vasteras',
        proposals=['Fler skolsociala team', 'Tryggare miljöer i Bäckby',
                   'Stöd till unga som vill lämna kriminaliteten'],
        questions=['Vad är ett skolsocialt team?', 'Vad kostar förslagen?'],
        links=[('Vår trygghetspolitik',
                'https://www.liberalerna.se/politik/trygghet'),
               ('Vår budget för 2025 (pdf)',
                'https://www.liberalerna.se/vasteras/budget-2025.pdf'),
               ('Nationella trygghetsundersökningen',
                'https://bra.se/statistik/ntu')],
        imprint='Ansvarig utgivare: Anna Lind, Liberalerna Västerås',
        noise=['kakor', 'Hoppa till', 'Vår politik', 'Bli medlem', 'Sök',
               'Brödsmulor', 'Hem', 'Relaterat', 'Skolpolitik',
               'Dela på Facebook', 'Nyhetsbrev', 'Prenumerera', 'Box 123',
               'Integritetspolicy', 'dataLayer', 'background', 'Liberalerna_files',
               'saved from']),
    'en-buses-saved.html': dict(
        title='Better buses for Riverside', subtitle=None,
        language='en-GB',
        url='https://riversidelibdems.org.uk/campaigns/better-buses',
        proposals=['Bring back the 14 and the 22.',
                   'Freeze fares for two years.', 'A bus every 15 minutes'],
        questions=['Who runs the buses?', 'How will you pay for it?',
                   'When could the routes come back?'],
        # Relative to <base href>, not to the canonical address.
        links=[('Survey: where should the bus go?',
                'https://riversidelibdems.org.uk/campaigns/bus-survey'),
               ('Our bus plan in full',
                'https://riversidelibdems.org.uk/documents/bus-plan.pdf'),
               ("The council's transport pages",
                'https://www.riverside.gov.uk/transport')],
        imprint=('Promoted by: J. Smith on behalf of Riverside Liberal '
                 'Democrats, 1 High Street, Riverside RV1 1AA.'),
        noise=['cookies', 'Accept', 'Donate', 'Our team', 'News',
               'Join us', 'Become a member', '©', 'WebPage']),
    'sv-skola-artikel.htm': dict(
        title='Kunskap i skolan – sex förslag för Uppsala', subtitle=None,
        language='sv-SE', url='https://uppsala.liberalerna.se/skola/kunskap',
        proposals=['Lästid varje dag', 'Fler speciallärare',
                   'Mindre administration'],
        questions=['Hur ska förslagen betalas?',
                   'När kan förslagen genomföras?'],
        links=[('Vår skolrapport 2025',
                'https://uppsala.liberalerna.se/skola/rapport-2025'),
               ('Skolverkets statistik',
                'https://www.skolverket.se/statistik')],
        imprint='Ansvarig utgivare: Karin Lindqvist, Liberalerna Uppsala',
        noise=['kakor', 'Start', 'Politik', 'nyhetsbrev', 'Skicka',
               'Utkast', 'Nästa artikel', 'Kungsgatan']),
    # Right to left, with a direction mark (U+200F) after "أجل": the text
    # comes out in reading order, the mark removed.
    'ar-trygghet-rtl.html': dict(
        title='الأمان في بيكبي', subtitle=None, language='ar',
        url='https://vasteras.liberalerna.se/ar/trygghet',
        proposals=['المزيد من الكبار في الشوارع', 'إنارة أفضل'],
        questions=['لماذا بيكبي؟', 'كيف يمكنني المساعدة؟'],
        links=[('سياستنا للمدرسة',
                'https://vasteras.liberalerna.se/ar/skola'),
               ('الاستطلاع الوطني للأمان (NTU)',
                'https://bra.se/statistik/ntu')],
        imprint='الناشر المسؤول: Anna Andersson',
        noise=['الرئيسية', 'انضم إلينا', '\u200f']),
}


def test_every_html_fixture_has_expectations():
    assert sorted(p.name for p in HTML_PAGES) == sorted(HTML_EXPECTED)


@pytest.mark.parametrize('name', sorted(HTML_EXPECTED))
def test_saved_html_page(name, tmp_path):
    want = HTML_EXPECTED[name]
    result, c = run_file(FIXTURES / 'pages' / name, tmp_path)
    assert c.title == want['title']
    assert c.subtitle == want['subtitle']
    assert c.language == want['language']
    assert c.url == want['url']
    assert [p.title for p in c.proposals.items] == want['proposals']
    assert all(p.text for p in c.proposals.items)
    assert [q.question for q in c.faq.items] == want['questions']
    assert all(q.answer for q in c.faq.items)
    assert [(link.text, link.url) for link in c.further_reading.links] == \
        want['links']
    assert c.imprint == want['imprint']
    assert c.status == 'final'
    kept = ' '.join(value for _, value in texts(c))
    assert [n for n in want['noise'] if n in kept] == []
    assert '<' not in kept and '>' not in kept
    assert any(n.startswith('read: the text of the page') for n in
               result.notes)


def test_a_given_url_wins_over_the_canonical_link(tmp_path):
    page = FIXTURES / 'pages' / 'sv-trygghet-sparad.html'
    result, c = run_file(page, tmp_path, url='https://liberalerna.se/v')
    assert c.url == 'https://liberalerna.se/v'
    # Links are relative to the page's own (canonical) address still.
    assert c.further_reading.links[0].url == ('https://www.liberalerna.se/'
                                              'politik/trygghet')
    assert not any(n.startswith('url:') for n in result.notes)


def test_the_tags_of_an_html_page_are_never_its_title(tmp_path):
    # The old importer took '<!DOCTYPE html>' as the title, in silence.
    page = ('<!DOCTYPE html>\n<html><head><title>Skolan</title></head>\n'
            '<body><p>Vi vill ha <b>mindre</b> klasser.</p></body></html>\n')
    for name in ('skolan.html', 'skolan.txt', 'skolan'):
        result, c = run(page, tmp_path, source=name)
        assert c.title == 'Skolan'
        assert c.intro == ('Vi vill ha **mindre** klasser.',)
    assert any('the page is HTML' in n for n in result.notes)


@pytest.mark.parametrize('source, text, kind', [
    ('a.html', 'Titel\n\nText.', 'html'),
    ('a.HTM', 'Titel', 'html'),
    ('a.txt', '<!doctype html><p>x', 'html'),
    ('a.txt', '\ufeff  <!-- saved from url=(0014)about:internet -->\n'
              '<html lang=sv>', 'html'),
    ('a.md', '<HEAD><title>x</title>', 'html'),
    ('a.md', '# Titel\n\n<div>x</div>', 'markdown'),
    ('a.markdown', 'Titel', 'markdown'),
    ('a.txt', '# Titel\n\n- **Förslag** text', 'text'),
    ('a.txt', 'Titel\n\n<p>ett stycke</p>', 'text'),
    ('sidan', 'Titel', 'text'),
])
def test_the_kind_of_page_is_told_by_name_and_content(source, text, kind):
    from flyers.importer.detect import kind_of
    assert kind_of(text, source) == kind


@pytest.mark.parametrize('title, site, expected', [
    ('Trygghet i Västerås | Liberalerna', None, 'Trygghet i Västerås'),
    ('Liberalerna | Trygghet i Västerås', 'Liberalerna',
     'Trygghet i Västerås'),
    ('Skola – vård – omsorg – Liberalerna Uppsala', 'Liberalerna Uppsala',
     'Skola – vård – omsorg'),
    ('Better buses - Riverside Lib Dems', None, 'Better buses'),
    ('Trygghet', None, 'Trygghet'),
    (' | Liberalerna', None, '| Liberalerna'),
])
def test_the_site_name_leaves_the_title(title, site, expected, tmp_path):
    meta = (f'<meta property="og:site_name" content="{site}">'
            if site else '')
    page = (f'<html><head><title>{title}</title>{meta}</head><body>'
            '<p>Ett stycke text om saken.</p></body></html>')
    _, c = run(page, tmp_path, source='p.html')
    assert c.title == expected


@pytest.mark.parametrize('banner, title', [
    ('<div class="hero"><h1>Rubriken</h1></div>', 'Rubriken'),
    ('<header><h1>Liberalerna</h1></header>', 'Sidans titel'),
    ('<header><h1 class="logo">Webbplats</h1></header>', 'Sidans titel'),
])
def test_an_h1_above_main_is_the_title_unless_it_names_the_site(
        banner, title, tmp_path):
    page = ('<head><title>Sidans titel | Webbplats</title><meta property='
            '"og:site_name" content="Liberalerna"></head><body>'
            f'{banner}<main><p>Text.</p></main>')
    _, c = run(page, tmp_path, source='p.html')
    assert c.title == title
    assert c.intro == ('Text.',)


def test_the_h1_wins_over_the_title_element(tmp_path):
    page = ('<title>Sidans titel | Webbplats</title><main><p>Brödsmula</p>'
            '<p>Datum</p><h1>Rubriken</h1><p>Text.</p></main>')
    result, c = run(page, tmp_path, source='p.html')
    assert c.title == 'Rubriken'
    assert c.intro[:2] == ('Brödsmula', 'Datum')
    assert "line 1: title (the page's h1)" in result.notes


@pytest.mark.parametrize('head, note', [
    ('<link rel=canonical href="http://liberalerna.se/x">',
     'starts with http://; printed addresses must be secure'),
    ('<link rel=canonical href="/x">',
     'expected a web address starting with https://'),
    ('<link rel=canonical href="javascript:alert(1)">',
     'expected a web address starting with https://'),
    ('<link rel=canonical href="https://evil.com\\@liberalerna.se/x">',
     'backslash'),
    ('<link rel=canonical href="https://user@liberalerna.se/x">',
     'contains user information'),
    ('<link rel=canonical href="https://liberalerna.se:8443/x">',
     'names port 8443'),
])
def test_a_canonical_link_that_is_no_qr_target_is_not_used(head, note,
                                                           tmp_path):
    page = f'<html><head>{head}</head><body><h1>Titel</h1><p>Text.</p>'
    result, c = run(page, tmp_path, source='p.html')
    assert c.url == 'https://example.org/titel'
    assert c.status == 'draft'
    assert any(n.startswith('url: the page\'s canonical link') and note in n
               for n in result.notes)


def test_og_url_when_there_is_no_canonical_link(tmp_path):
    page = ('<head><meta property="og:url" content="https://liberalerna.se'
            '/a"></head><h1>Titel</h1><p>Text <a href="b">här</a>.</p>'
            '<h2>Läs mer</h2><ul><li><a href="c">Länk</a></li></ul>')
    _, c = run(page, tmp_path, source='p.html')
    assert c.url == 'https://liberalerna.se/a'
    assert c.further_reading.links[0].url == 'https://liberalerna.se/c'


@pytest.mark.parametrize('lang, expected', [
    ('sv', 'sv'), ('SV-se', 'sv-se'), ('en_GB', 'en-GB'),
    ('svenska', None), ('', None)])
def test_the_language_comes_from_the_html_element(lang, expected, tmp_path):
    page = (f'<html lang="{lang}"><h1>The title</h1><p>We will build the '
            'homes that the town needs and we will do it soon.</p>')
    result, c = run(page, tmp_path, source='p.html')
    assert c.language == (expected or 'en')
    if expected is None:
        assert any(n.startswith('language: en (more English') for n in
                   result.notes)


@pytest.mark.parametrize('noise', [
    '<script>var secret = "SKRIPT";</script>',
    '<style>.x::after { content: "STIL" }</style>',
    '<nav><a href="/">MENY</a></nav>',
    '<aside><p>SIDOSPALT</p></aside>',
    '<form><label>FORMULAR <input></label><button>SKICKA</button></form>',
    '<div id="cookie-notice"><p>KAKOR</p></div>',
    '<div class="gdpr-consent-box"><p>SAMTYCKE</p></div>',
    '<p hidden>DOLD</p>',
    '<p aria-hidden="true">DOLD</p>',
    '<p style="display: none">DOLD</p>',
    '<span class="sr-only">SKARMLASARE</span>',
    '<template><p>MALL</p></template>',
    '<noscript>AKTIVERA JAVASCRIPT</noscript>',
    '<div role="navigation">NAVIGERING</div>',
    '<!-- KOMMENTAR -->',
    '<svg><title>IKON</title><text>SVGTEXT</text></svg>',
])
def test_what_is_not_content_is_left_out(noise, tmp_path):
    page = (f'<html lang="sv"><body><header>SIDHUVUD</header><main>'
            f'<h1>Titel</h1><p>Första stycket.</p>{noise}<p>Andra stycket.'
            '</p></main><footer>SIDFOT</footer></body></html>')
    _, c = run(page, tmp_path, source='p.html')
    assert c.intro == ('Första stycket.', 'Andra stycket.')
    assert c.title == 'Titel'


def test_body_without_main_leaves_out_the_page_header_and_footer(tmp_path):
    page = ('<body><header><p>SIDHUVUD</p></header><h1>Titel</h1>'
            '<article><header><p>Ingress.</p></header><p>Text.</p>'
            '<footer><p>Publicerad i maj.</p></footer></article>'
            '<footer><p>SIDFOT</p></footer></body>')
    _, c = run(page, tmp_path, source='p.html')
    # One <article>: it is the content, with its own header and footer;
    # the h1 above it is the title.
    assert c.title == 'Titel'
    assert c.intro[0] == 'Ingress.'
    kept = ' '.join(value for _, value in texts(c))
    assert 'SIDHUVUD' not in kept and 'SIDFOT' not in kept
    assert 'Ingress.' in kept and 'Publicerad i maj.' in kept


def test_lists_keep_their_nesting_and_links_their_addresses(tmp_path):
    page = ('<main><h1>Titel</h1><p>Inledning med <a href="/x">en länk</a>.'
            '</p><h2>Vi vill</h2><ul><li>Fler lärare<ul><li>i alla skolor'
            '</li></ul></li><li><p>Mindre klasser</p><p>Högst 20.</p></li>'
            '</ul><h2>Läs mer</h2><ol><li><a href="https://a.se/(1)">'
            'Rapport (1)</a></li><li><a href="mailto:a@b.se">Mejla</a></li>'
            '</ol></main>')
    result, c = run(page, tmp_path, source='p.html',
                    url='https://liberalerna.se/skola/')
    assert c.intro == ('Inledning med en länk.',)
    assert [p.title for p in c.proposals.items] == ['Fler lärare',
                                                    'Mindre klasser']
    assert c.proposals.items[0].text == 'i alla skolor'
    assert c.proposals.items[1].text == 'Högst 20.'
    assert [(link.text, link.url) for link in c.further_reading.links] == [
        ('Rapport (1)', 'https://a.se/(1)'), ('Mejla', None)]
    assert any('link "en länk" inside the text' in n for n in result.notes)


def test_markup_characters_of_an_html_page_are_its_text(tmp_path):
    page = ('<h1>*Inte* kursiv [inte] en länk</h1><p>Kod: `x` och '
            '**inte fet** och \\ snedstreck och [a](b) och ![c](d).</p>')
    _, c = run(page, tmp_path, source='p.html')
    assert c.title == '*Inte* kursiv [inte] en länk'
    # Asterisks stay; in the content file ** is bold, as on the page.
    assert c.intro == ('Kod: `x` och **inte fet** och \\ snedstreck och '
                       '[a](b) och ![c](d).',)


def test_an_html_file_name_is_never_opened(tmp_path, monkeypatch):
    # tinyhtml5 opens a short string that names a file; a page is text.
    secret = tmp_path / 'hemlig.html'
    secret.write_text('<h1>HEMLIGT</h1>')
    monkeypatch.chdir(tmp_path)
    for text in ('hemlig.html', str(secret)):
        _, c = run(text, tmp_path, source='p.html')
        assert c.title == text


@pytest.mark.parametrize('page, message', [
    ('<b>x' * 20_000, 'its elements are nested more than 256 deep'),
    ('<div>' * 5_000 + 'x', 'its elements are nested more than 256 deep'),
    ('<table><tr><td>' * 2_000, 'its elements are nested more than 256 '
                                'deep'),
])
def test_html_that_would_take_the_parser_minutes_is_refused(page, message):
    with pytest.raises(PageImportError) as info:
        import_page(page, source='p.html')
    problem, = info.value.problems
    assert problem.message == (
        f'cannot read this HTML page: {message}; save the page again from '
        'the browser, or copy its text and import that')


def test_a_parse_over_the_time_limit_is_stopped(monkeypatch):
    import flyers.importer.html_parse as html_parse
    monkeypatch.setattr(html_parse, 'MAX_SECONDS', 0.05)
    page = '<p ' + 'a=b ' * 40_000 + '>x'       # quadratic in tinyhtml5
    with pytest.raises(PageImportError, match='reading it took more than '
                                              r'0\.05 s'):
        import_page(page, source='p.html')
    import signal
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0


def test_an_empty_html_page_is_refused():
    for page in ('<html><head></head><body></body></html>',
                 '<!doctype html><body><script>x()</script>'):
        with pytest.raises(PageImportError, match='the page is empty'):
            import_page(page, source='p.html')


def test_an_html_page_with_only_a_title_element(tmp_path):
    _, c = run('<title>Bara en titel</title>', tmp_path, source='p.html')
    assert c.title == 'Bara en titel'
    assert c.status == 'draft'


# --- fuzz: 2 000 generated pages of each kind ---------------------------------
#
# Pages of random structure and words (Swedish, English, YAML traps, markup
# characters), as plain text, Markdown and HTML.  Each either imports, with
# every sentence it holds in the content file, or is refused with a
# PageImportError; never a traceback.  HTML pages also carry page furniture
# (navigation, header, footer, cookie banner, scripts) whose words must not
# be imported.  Set FLYERS_FUZZ_PAGES to run more or fewer.

import html as html_escape  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402

import yaml  # noqa: E402

FUZZ_PAGES = int(os.environ.get('FLYERS_FUZZ_PAGES', '2000'))
FUZZ_CHUNKS = 20
_FUZZ_WORDS = (
    'och att för vi vill ha fler poliser skolor i Västerås Bäckby '
    'trygghet är viktig the and we will build homes buses for all people '
    'No yes null ~ 12:30 0x1F 2024-05-01 @liberalerna !viktigt %-sats '
    '{klamrar} [utkast] kolon: #hashtag a#b 100% "citat" \'enkla\' '
    'snake_case *stjärna* __under__ `kod` a\\b 3*4 ->pil – — … « » ¿ '
    'Ö Å Ä ñ ø ß € £ ½ ﬁ ★').split()
# Markdown reads <tags> and &entities; as markup: they are HTML, not words.
_HTML_ONLY_WORDS = ('<b>', '&amp;', 'a<b', 'x>y', '&', '<3')


def _fuzz_sentence(rng, serial, html=False, end=None):
    words = [rng.choice(_FUZZ_WORDS) for _ in range(rng.randint(2, 10))]
    if html and rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), rng.choice(_HTML_ONLY_WORDS))
    words.insert(rng.randrange(len(words) + 1), f'Ord{serial}')
    # A dash that starts a line is a list's bullet: not a word to keep.
    while words[0][0] in '–—-':
        words[0] = rng.choice(_FUZZ_WORDS)
    words[0] = words[0][:1].upper() + words[0][1:]
    if end is None:
        end = rng.choice(['.', '.', '!', '?', ''])
    return ' '.join(words).rstrip('.?!') + end


def _fuzz_text_page(rng, markdown):
    """A page as text or Markdown, and the sentences it holds."""
    serial = iter(range(10**6))
    say = []

    def sentence(end=None):
        text = _fuzz_sentence(rng, next(serial), end=end)
        say.append(text)
        return text

    lines = [('# ' if rng.random() < 0.5 else '') + sentence(''), '']
    for _ in range(rng.randint(0, 14)):
        shape = rng.random()
        if shape < 0.15:
            lines += [f'{"#" * rng.randint(2, 4)} {sentence()}', '']
        elif shape < 0.3:
            for _ in range(rng.randint(1, 4)):
                # (a title's final colon is the importer's to remove)
                lines.append(f'- **{sentence(" titel")}** – {sentence()}')
            lines.append('')
        elif shape < 0.4:
            for _ in range(rng.randint(1, 4)):
                lines.append(f'{rng.choice("-*+")} [{sentence()}]'
                             f'(https://example.se/{next(serial)})')
            lines.append('')
        elif shape < 0.5:
            lines += [sentence('?'), '', sentence(), '']
        elif shape < 0.55:
            lines += [f'> {sentence()}', '']
        elif shape < 0.6:
            lines += ['```', sentence(), '```', '']
        elif shape < 0.65:
            lines += [f'Ansvarig utgivare: {sentence()}', '']
        else:
            lines += [' '.join(sentence() for _ in range(rng.randint(1, 4))),
                      '']
    return '\n'.join(lines), say


def _fuzz_html_page(rng):
    """A saved page as HTML, the sentences of its content, and words of
    its furniture that must not be imported."""
    serial = iter(range(10**6))
    say = []

    def sentence(plain=False, end=None):
        text = _fuzz_sentence(rng, next(serial), html=True, end=end)
        say.append(text)
        escaped = html_escape.escape(text, quote=False)
        if plain or rng.random() < 0.5:
            return escaped
        words = escaped.split(' ')
        cut = rng.randrange(len(words))
        tag = rng.choice(['b', 'strong', 'em', 'i', 'span', 'code', 'a'])
        attrs = ' href="/sida"' if tag == 'a' else ''
        words[cut] = f'<{tag}{attrs}>{words[cut]}</{tag}>'
        return ' '.join(words)

    noise = ['BRUSnav', 'BRUShuvud', 'BRUSfot', 'BRUSkaka', 'BRUSskript']
    blocks = []
    if rng.random() < 0.8:
        blocks.append(f'<h1>{sentence(end="")}</h1>')
    for _ in range(rng.randint(1, 12)):
        shape = rng.random()
        if shape < 0.15:
            level = rng.randint(2, 4)
            blocks.append(f'<h{level}>{sentence()}</h{level}>')
        elif shape < 0.3:
            tag = rng.choice(['ul', 'ol'])
            items = ''.join(
                rng.choice([
                    lambda: f'<li><strong>{sentence(True, " titel")}'
                            f'</strong> {sentence()}</li>',
                    lambda: f'<li><a href="{rng.choice(["/x", "y", "#"])}">'
                            f'{sentence(True)}</a></li>',
                    lambda: f'<li>{sentence()}<ul><li>{sentence()}</li></ul>'
                            '</li>',
                    lambda: f'<li><p>{sentence()}</p><p>{sentence()}</p>',
                ])() for _ in range(rng.randint(1, 4)))
            blocks.append(f'<{tag}>{items}</{tag}>')
        elif shape < 0.4:
            pairs = ''.join(f'<dt>{sentence(True, "?")}</dt>'
                            f'<dd>{sentence()}</dd>'
                            for _ in range(rng.randint(1, 3)))
            blocks.append(f'<dl>{pairs}</dl>')
        elif shape < 0.5:
            blocks.append(f'<details><summary>{sentence(True)}</summary>'
                          f'<p>{sentence()}</p></details>')
        elif shape < 0.55:
            blocks.append(f'<table><tr><th>{sentence(True)}</th></tr><tr>'
                          f'<td>{sentence(True)}</td></tr></table>')
        elif shape < 0.6:
            blocks.append(f'<blockquote><p>{sentence()}</p></blockquote>')
        elif shape < 0.65:
            blocks.append(f'<div>{sentence()}<br>{sentence()}</div>')
        elif shape < 0.7:
            blocks.append(f'<p>{sentence()}')      # never closed
        elif shape < 0.75:
            blocks.append(f'<section><P CLASS=x>{sentence()}</P></section>')
        else:
            blocks.append(f'<p>{" ".join(sentence() for _ in range(3))}</p>')
    content = '\n'.join(blocks)
    wrapper = rng.choice(['main', 'article', 'div'])
    page = (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8">'
        '<title>Sidan | Webbplatsen</title>'
        '<link rel="canonical" href="https://liberalerna.se/fuzz">'
        '<script>var BRUSskript = 1;</script></head><body>\n'
        '<div class="cookie-banner"><p>BRUSkaka</p></div>\n'
        '<header><nav><a href="/">BRUSnav</a></nav><p>BRUShuvud</p>'
        f'</header>\n<{wrapper}>\n{content}\n</{wrapper}>\n'
        '<footer><p>BRUSfot</p></footer></body></html>\n')
    return page, say, noise


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _fuzz_normal(text: str) -> str:
    """Without markup characters, and without colons (a proposal's title
    in bold loses its final colon)."""
    return ' '.join(re.sub(r'[*_`\\:]', '', text).split())


@pytest.mark.parametrize('kind', ['text', 'markdown', 'html'])
@pytest.mark.parametrize('chunk', range(FUZZ_CHUNKS))
def test_fuzz_no_text_dropped_and_no_traceback(kind, chunk):
    count = FUZZ_PAGES // FUZZ_CHUNKS
    if kind != 'html':
        count //= 2      # text and Markdown make 2 000 pages together
    refused = []
    for number in range(chunk * count, (chunk + 1) * count):
        rng = random.Random(f'{kind}-{number}')
        noise = []
        if kind == 'html':
            page, say, noise = _fuzz_html_page(rng)
        else:
            page, say = _fuzz_text_page(rng, kind == 'markdown')
        source = {'text': 'p.txt', 'markdown': 'p.md', 'html': 'p.html'}
        try:
            result = import_page(page, source=source[kind])
        except PageImportError as exc:
            # A refusal is one clear message; and rare.
            problem, = exc.problems
            assert problem.file == source[kind]
            refused.append(problem.message)
            continue
        kept = _fuzz_normal(' '.join(_strings(yaml.safe_load(
            result.yaml_text))))
        missing = [s for s in say if _fuzz_normal(s) not in kept]
        assert missing == [], f'page {kind}-{number}'
        assert [n for n in noise if n in kept] == [], f'page {kind}-{number}'
    assert len(refused) <= max(1, count // 20), refused


def test_headers_of_articles_are_content_the_page_header_is_not(tmp_path):
    page = ('<body><header><p>SIDHUVUD</p></header><h1>Nyheter</h1>'
            '<article><header><h2>Första</h2></header><p>Ett.</p></article>'
            '<article><header><h2>Andra</h2></header><p>Två.</p>'
            '<footer><p>Maj.</p></footer></article>'
            '<article><header><h2>Tredje</h2></header><p>Tre.</p>'
            '</article>'
            '<section><footer><p>Avsnittets fot.</p></footer></section>'
            '<div><footer><p>SIDFOT</p></footer></div></body>')
    _, c = run(page, tmp_path, source='p.html')
    assert c.title == 'Nyheter'
    # Articles of a size: the body is the content.
    assert [s.heading for s in c.sections] == ['Första', 'Andra', 'Tredje']
    assert c.sections[1].paragraphs == ('Två.', 'Maj.')
    assert c.sections[2].paragraphs == ('Tre.', 'Avsnittets fot.')
    kept = ' '.join(value for _, value in texts(c))
    assert 'SIDHUVUD' not in kept and 'SIDFOT' not in kept


@pytest.mark.parametrize('source, page', [
    ('p.html', '<h1>Titel</h1><p>Text.</p><h2>Läs mer</h2><ul><li>'
               '<a href="/rapport"><img src="/ikon.png" alt=""> Rapporten'
               '</a></li><li><a href="/plan"><img src="pil.svg" alt="Pil">'
               ' Planen</a></li></ul>'),
    ('p.md', '# Titel\n\nText.\n\n## Läs mer\n\n'
             '- [![](/ikon.png) Rapporten](/rapport)\n'
             '- [![Pil](pil.svg) Planen](/plan)\n'),
])
def test_an_icon_in_a_link_does_not_take_its_address(source, page,
                                                     tmp_path):
    _, c = run(page, tmp_path, source=source, url='https://l.se/a/')
    assert [(link.text, link.url) for link in c.further_reading.links] == [
        ('Rapporten', 'https://l.se/rapport'), ('Pil Planen',
                                                'https://l.se/plan')]


@pytest.mark.parametrize('source', ['p.html', 'p.md'])
def test_private_use_characters_never_turn_into_others(source, tmp_path):
    # The readers keep markup characters as private-use stand-ins; the
    # page's own characters of that range are removed, not decoded.
    page = ('<h1>A\ue000B\ue05cC</h1><p>Text.</p>' if source == 'p.html'
            else '# A\ue000B\ue05cC\n\nText.\n')
    result, c = run(page, tmp_path, source=source)
    assert c.title == 'ABC'
    assert 'line 1: 2 private-use characters removed (they cannot be ' \
           'printed)' in result.notes
