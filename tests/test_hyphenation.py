"""Hyphenation: where long words may break (flyers/hyphenation.py), and
that WeasyPrint breaks them only there, read back with poppler and PDFium."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, copy_project, run
from flyers import hyphenation
from flyers.errors import ContentError
from flyers.hyphenation import SOFT_HYPHEN, hyphenate, points, word_list
from flyers.typography import inline

CONTENT = sorted([*ROOT.glob('content/*.yaml'),
                  *ROOT.glob('tests/fixtures/fill/*.yaml')])
LINE_END_HYPHEN = '\u2010'  # what WeasyPrint adds where a line breaks


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _content_words() -> set[str]:
    words = set()
    for path in CONTENT:
        for text in _strings(yaml.safe_load(path.read_text(encoding='utf-8'))):
            words.update(re.findall(r'[^\W\d_]+', text))
    return words


WORDS = _content_words()


def _shown(word: str, language: str = 'sv', root=ROOT) -> str:
    return hyphenate(word, language, root).replace(SOFT_HYPHEN, '-')


# Words of the content and where a Swedish proof-reader lets them break.
@pytest.mark.parametrize('expected', [
    # Compounds break at their joint (Hunspell's compound flags) ...
    'vuxen-närvaro',            # not vux-ennärvaro
    'social-tjänst',            # not soci-altjänst
    'skol-sociala',
    'stads-delarnas',
    'från-varo',
    'trygg-hets-frågor',
    'under-hålls-fonden',
    'lärar-assi-stenter',       # and inside a long part
    'grund-för-utsätt-ning',
    'utsatt-hets-stäm-peln',
    'cykel-par-keringar',
    'vatten-led-ningar',
    'civil-sam-hälle',
    # ... or where the project's word list says (assets/hyphenation/sv.txt)
    'kompost-lårar',
    'rabarber-paj',
    'före-nings-liv',
    'por-trätt',                # the dictionary's "port-rätt" is refused
    'trygg-het',
    # No fragment under 3 letters, no bare two-letter ending.
    'insatser',                 # not insat-ser
    'insat-serna',
    'kvällar',                  # not kväl-lar
    'platser',
    'områden',
    'behöver',
    'bevatt-ningen',
    'belys-ning',
    'möj-lig-heter',
    'sär-skilda',
])
def test_swedish_breaks_of_content_words(expected):
    word = expected.replace('-', '')
    assert word in WORDS, f'{word} is no longer in the content'
    assert _shown(word) == expected


def test_every_content_word_obeys_the_fragment_rules():
    listed = word_list(ROOT, 'sv')
    checked = 0
    for word in sorted(WORDS):
        cuts = points(word, 'sv', listed)
        if word.lower() in listed:
            assert cuts == listed[word.lower()]
        elif not word[0].islower() or len(word) < hyphenation.MIN_WORD:
            assert cuts == (), word
            continue
        edges = [0, *cuts, len(word)]
        assert all(b - a >= 3 for a, b in zip(edges, edges[1:])), (word, cuts)
        if cuts and word.lower() not in listed:
            tail = word[cuts[-1]:]
            joints = hyphenation.compound_joints(word)
            assert (len(tail) > 3 or cuts[-1] in joints
                    or not tail.endswith(hyphenation._SV_ENDINGS)), word
        checked += bool(cuts)
    assert checked > 120


@pytest.mark.parametrize('text, expected', [
    # Names (capitalised), short words, addresses and numbers stay whole.
    ('Västerås Bäckbyskolan', 'Västerås Bäckbyskolan'),
    ('liberalerna.se/vasteras', 'liberalerna.se/vasteras'),
    ('kontakt@foreningen.se', 'kontakt@foreningen.se'),
    ('https://example.org/socialtjänst', 'https://example.org/socialtjänst'),
    ('skol-sociala', 'skol-sociala'),
    ('abc123vuxennärvaro', 'abc123vuxennärvaro'),
    ('mer vuxennärvaro, socialtjänst.',
     'mer vuxen-närvaro, social-tjänst.'),
])
def test_what_is_never_broken(text, expected):
    assert _shown(text) == expected


@pytest.mark.parametrize('language, word, expected', [
    # Other languages: pyphen's patterns with the same fragment limits.
    ('en', 'neighbourhood', 'neigh-bour-hood'),
    ('en', 'understanding', 'under-stand-ing'),
    ('en', 'leaflet', 'leaf-let'),
    ('en-GB', 'community', 'com-munity'),
    ('de', 'Gemeinschaft', 'Gemeinschaft'),  # capitalised: kept whole
    ('de', 'gemeinsame', 'gemein-same'),
    ('xx', 'vuxennärvaro', 'vuxennärvaro'),  # no patterns: no breaks
])
def test_other_languages(language, word, expected):
    assert _shown(word, language) == expected


def _project(tmp_path: Path, words: str) -> Path:
    folder = tmp_path / 'assets' / 'hyphenation'
    folder.mkdir(parents=True)
    (folder / 'sv.txt').write_text(words, encoding='utf-8')
    return tmp_path


def test_word_list_overrides_and_is_read_again_when_changed(tmp_path):
    root = _project(tmp_path, '# comment\nvux-ennärvaro  # on purpose\n'
                    'socialtjänst\n')
    assert _shown('vuxennärvaro', root=root) == 'vux-ennärvaro'
    assert _shown('Vuxennärvaro', root=root) == 'Vux-ennärvaro'
    assert _shown('socialtjänst', root=root) == 'socialtjänst'
    assert _shown('stadsdelarnas', root=root) == 'stads-delarnas'
    (root / 'assets/hyphenation/sv.txt').write_text(
        'vuxen-närvaro\n# a longer file, so its size changes too\n')
    assert _shown('vuxennärvaro', root=root) == 'vuxen-närvaro'
    assert _shown('socialtjänst', root=root) == 'social-tjänst'


@pytest.mark.parametrize('entry, message', [
    ('vuxen--närvaro', "'vuxen--närvaro' is not a word with hyphens where "
     'it may break (letters and single hyphens only, e.g. vuxen-närvaro)'),
    ('covid19', "'covid19' is not a word with hyphens where it may break "
     '(letters and single hyphens only, e.g. vuxen-närvaro)'),
    ('vux-en-närvaro', "'vux-en-närvaro' leaves fewer than 3 letters "
     'between two breaks or at an end of the word'),
])
def test_word_list_mistakes_are_reported_with_file_and_line(
        tmp_path, entry, message):
    root = _project(tmp_path, f'vuxen-närvaro\n\n{entry}\n')
    with pytest.raises(ContentError) as caught:
        hyphenate('socialtjänst', 'sv', root)
    assert str(caught.value) == f'assets/hyphenation/sv.txt:3:1: {message}'


def test_a_bad_word_list_stops_the_build_with_its_line(tmp_path, capsys):
    project = copy_project(tmp_path / 'project')
    words = project / 'assets/hyphenation/sv.txt'
    lines = words.read_text(encoding='utf-8').count('\n')
    with words.open('a', encoding='utf-8') as file:
        file.write('soci-al-tjänst\n')
    code, out, err = run(project, 'build', '--layout', 'leaflet-a5',
                         '--edition', 'print', capsys=capsys)
    assert code == 1
    assert (f'error: assets/hyphenation/sv.txt:{lines + 1}:1: '
            "'soci-al-tjänst' leaves fewer than 3 letters between two "
            'breaks or at an end of the word\n') in err
    assert 'Traceback' not in err and 'template' not in err
    assert not (project / 'output').exists() or not list(
        (project / 'output').glob('*.pdf'))


def test_shipped_word_lists_are_valid():
    for path in (ROOT / 'assets/hyphenation').glob('*.txt'):
        assert word_list(ROOT, path.stem), path


def test_dictionary_read_once_and_words_cached():
    hyphenation._points.cache_clear()
    text = ' '.join(sorted(WORDS))
    first = hyphenate(text, 'sv', ROOT)
    misses = hyphenation._points.cache_info().misses
    assert hyphenate(text, 'sv', ROOT) == first
    assert hyphenation._points.cache_info().misses == misses
    assert hyphenation._hunspell.cache_info().currsize == 1
    assert hyphenation._hunspell() is not None, (
        'Hunspell Swedish dictionary missing: apt-get install hunspell-sv')


def test_inline_marks_breaks_but_keeps_names_whole():
    html = str(inline('Mer vuxennärvaro i Västerås och **socialtjänst**',
                      'sv', ROOT))
    assert html == ('Mer vuxen\u00adnärvaro<span class="name"> '
                    'i\u00a0Västerås</span> och<strong> '
                    'social\u00adtjänst</strong>')


# --- laid out by WeasyPrint, read by poppler and PDFium ---------------------

def _paragraphs() -> list[str]:
    data = yaml.safe_load((ROOT / 'content/trygghet-vasteras.yaml')
                          .read_text(encoding='utf-8'))
    texts = [t for t in _strings(data) if len(t) > 60 and '://' not in t]
    texts.append('Mer vuxennärvaro, socialtjänst och insatser i '
                 'stadsdelarnas kompostlårar: utsatthetsstämpeln.')
    return texts


@pytest.fixture(scope='module')
def narrow_pdf(tmp_path_factory) -> Path:
    """The seed's paragraphs through the | inline filter and the project's
    stylesheet, in a column 30 mm wide (many breaks)."""
    from weasyprint import HTML

    body = ''.join(f'<p>{inline(t, "sv", ROOT)}</p>' for t in _paragraphs())
    html = (f'<html lang="sv"><head><link rel="stylesheet" href="common.css">'
            '<style>body { font: 9pt sans-serif; width: 30mm }'
            'p { margin-bottom: 3mm }</style></head>'
            f'<body>{body}</body></html>')
    pdf = tmp_path_factory.mktemp('hyphenation') / 'narrow.pdf'
    base = str(ROOT / 'layouts/_base') + '/'
    HTML(string=html, base_url=base).write_pdf(pdf)
    return pdf


def _line_end_breaks(text: str) -> list[tuple[str, int]]:
    """(word, offset of the break) for every line that ends in a hyphen."""
    lines = [line.strip() for line in text.splitlines()]
    breaks = []
    for line, following in zip(lines, lines[1:]):
        if line.endswith(LINE_END_HYPHEN) and following:
            head = re.search(r'[^\W\d_]+$', line[:-1])[0]
            tail = re.match(r'[^\W\d_]+', following)[0]
            breaks.append((head + tail, len(head)))
    return breaks


def _hyphenless(text: str) -> list[tuple[str, str]]:
    """Words of the content broken across two lines without a hyphen."""
    lines = [line.strip() for line in text.splitlines()]
    found = []
    for line, following in zip(lines, lines[1:]):
        head = re.search(r'[^\W\d_]+$', line)
        tail = re.match(r'[^\W\d_]+', following)
        if head and tail and head[0] + tail[0] in WORDS and not (
                head[0] in WORDS and tail[0] in WORDS):
            found.append((head[0], tail[0]))
    return found


def _pdftotext(pdf: Path) -> str:
    """poppler's text in content-stream order: the lines of a paragraph
    one after the other, whatever the columns and panels."""
    return subprocess.run(['pdftotext', '-raw', str(pdf), '-'],
                          capture_output=True, text=True, check=True).stdout


def test_weasyprint_breaks_only_at_allowed_points(narrow_pdf):
    breaks = _line_end_breaks(_pdftotext(narrow_pdf))
    assert len(breaks) >= 15
    listed = word_list(ROOT, 'sv')
    wrong = [(w, at) for w, at in breaks if at not in points(w, 'sv', listed)]
    assert wrong == []
    assert ('vuxennärvaro', 5) in breaks or ('socialtjänst', 6) in breaks


def test_soft_hyphens_stay_out_of_the_text(narrow_pdf):
    """Extracted text has no soft hyphen, and every sentence reads as
    written once the line-end hyphens are undone."""
    import pypdfium2

    text = _pdftotext(narrow_pdf)
    document = pypdfium2.PdfDocument(str(narrow_pdf))
    try:
        pdfium = '\n'.join(page.get_textpage().get_text_range()
                           for page in document)
    finally:
        document.close()
    assert SOFT_HYPHEN not in text
    assert SOFT_HYPHEN not in pdfium
    # Every break at a soft hyphen shows its hyphen (WeasyPrint 70 with
    # overflow-wrap: break-word dropped it: "känner ägar / skap och").
    assert _hyphenless(text) == []
    joined = re.sub(r'\s+', ' ', re.sub(
        f'[{LINE_END_HYPHEN}\x02]\\s*\r?\n\\s*', '', pdfium))
    for paragraph in _paragraphs():
        words = re.findall(r'[^\W\d_]{7,}', paragraph)
        for word in words:
            assert word in joined, word


def _strings_of(pdf: Path) -> str:
    """Every text string of the PDF's objects (bookmarks, metadata, tags),
    read by pikepdf."""
    import pikepdf

    found = []
    with pikepdf.open(pdf) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary):
                for key in obj.keys():
                    value = obj.get(key)
                    if isinstance(value, pikepdf.String):
                        found.append(str(value))
    return '\n'.join(found)


@pytest.fixture(scope='module')
def trifold(tmp_path_factory) -> Path:
    """The seed's tri-fold (the narrowest columns), print edition."""
    project = copy_project(tmp_path_factory.mktemp('trifold') / 'project')
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build', '--layout', 'trifold-dl', '--edition',
         'print', str(project / 'content' / 'trygghet-vasteras.yaml')],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return project


def test_built_pdfs_break_only_at_allowed_points(built, trifold):
    """Every layout and edition of the default build, and the tri-fold."""
    breaks = []
    for project in (built.project, trifold):
        listed = word_list(project, 'sv')
        for pdf in sorted((project / 'output').glob('*.pdf')):
            text = _pdftotext(pdf)
            assert SOFT_HYPHEN not in text, pdf.name
            assert SOFT_HYPHEN not in _strings_of(pdf), pdf.name
            assert _hyphenless(text) == [], pdf.name
            breaks += [(pdf.name, w, at, at in points(w, 'sv', listed))
                       for w, at in _line_end_breaks(text)]
    assert len(breaks) >= 20  # enough to mean something (25 in 2026-12)
    assert {b[0] for b in breaks} >= {'trygghet-vasteras-trifold-dl.pdf',
                                      'trygghet-vasteras-leaflet-a5.pdf'}
    assert [b for b in breaks if not b[3]] == []


def test_template_filters_mark_breaks_with_the_projects_word_list(tmp_path):
    """| inline (paragraphs) marks breaks, with the word list of the project
    being built; | typeset (headings, which WeasyPrint also writes into
    the bookmarks) marks none."""
    from types import SimpleNamespace

    from flyers.render import Renderer

    root = _project(tmp_path, 'vux-ennärvaro\n')
    for project, shown in ((ROOT, 'vuxen\u00adnärvaro'),
                           (root, 'vux\u00adennärvaro')):
        env = Renderer(project).environment('leaflet-a5')
        template = env.from_string('{{ t | typeset }}|{{ t | inline }}')
        text = template.render(campaign=SimpleNamespace(language='sv'),
                               t='"vuxennärvaro"')
        assert text == f'\u201dvuxennärvaro\u201d|\u201d{shown}\u201d'


@pytest.mark.parametrize('damage', ['missing', 'damaged'])
def test_a_missing_or_damaged_dictionary_is_one_line(tmp_path, damage):
    """The dictionary ships with the builder: without it (or with a
    damaged copy) Swedish would break differently from machine to
    machine, so the build stops, naming it, exit 1, nothing written."""
    project = copy_project(tmp_path / 'project')
    folder = tmp_path / 'hunspell'
    folder.mkdir()
    if damage == 'damaged':
        (folder / 'sv_SE.aff').write_bytes(b'SET UTF-8\n\xff\xfe\xe8 junk')
        (folder / 'sv_SE.dic').write_bytes(b'1\nord\n')
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build', '--layout', 'leaflet-a5'],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, 'FLYERS_HUNSPELL_DIR': str(folder)})
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr
    if damage == 'missing':
        assert (
            'error: flyers/data/hunspell/sv_SE.dic: the Swedish dictionary '
            'for hyphenation is missing; restore it (git checkout '
            'flyers/data/hunspell) or point FLYERS_HUNSPELL_DIR at a folder '
            'holding sv_SE.aff and sv_SE.dic') in result.stderr
    else:
        assert (f'error: {folder}/sv_SE.aff, .dic: the Swedish dictionary for '
                'hyphenation cannot be read (UnicodeDecodeError:'
                ) in result.stderr
    assert not (project / 'output').exists() or not list(
        (project / 'output').glob('*.pdf'))
