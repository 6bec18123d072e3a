"""The strict YAML reader against broken, huge and odd files: one clear line
per problem, at the right line, never a traceback (issue 10, sections 4/6).

The content cases with exact messages are fixtures in
``fixtures/content/bad`` (tests/test_content.py); here are the cases that
need a layout or print-shop file, the command line end to end, and a
bounded fuzz of the seed content.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from conftest import ROOT, run
from flyers.content import load_campaign
from flyers.errors import ContentError, Problem
from flyers.yamlstrict import MAX_SYNTAX_ERRORS

SEED = (ROOT / 'content' / 'trygghet-vasteras.yaml').read_text('utf-8')
HEAD = ('language: sv\nurl: https://www.liberalerna.se/vasteras\n'
        'imprint: "Ansvarig utgivare: Anna Andersson"\n')


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / 'x.yaml'
    path.write_bytes(text.encode('utf-8'))
    with pytest.raises(ContentError) as caught:
        load_campaign(path, 'content/x.yaml')
    return [str(p) for p in caught.value.problems]


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob('*')) if p.is_file()}


# --- the missing closing quote, end to end ----------------------------------

@pytest.mark.parametrize('command', ['check', 'build'])
def test_missing_closing_quote_is_one_line_exit_1_output_untouched(
        project, capsys, command):
    content = project / 'content' / 'trygghet-vasteras.yaml'
    text = content.read_text('utf-8')
    content.write_text(text.replace('title: Trygghet i Västerås',
                                    'title: "Trygghet i Västerås'), 'utf-8')
    line = text.split('\n').index('title: Trygghet i Västerås') + 1
    output = project / 'output'
    output.mkdir()
    (output / 'manifest.json').write_text('{"outputs": []}\n', 'utf-8')
    before = tree(output)
    code, _, err = run(project, command, capsys=capsys)
    assert code == 1
    errors = [e for e in err.splitlines() if e.startswith('error:')]
    assert errors == [
        f'error: content/trygghet-vasteras.yaml:{line}:8: this value opens a '
        'quote (") that is never closed; add the closing " at the end of the '
        'value (a " inside the value is written \\")']
    assert 'Traceback' not in err
    assert tree(output) == before


# --- numbers too long for int() ---------------------------------------------

NUMBERS = [
    # (file, the line to replace, field, allowed range)
    ('layouts/leaflet-a5/layout.yaml', '  count: 2', 'page.count',
     'a whole number from 1 to 64'),
    ('layouts/leaflet-a5/layout.yaml', '  width_mm: 148', 'page.width_mm',
     'a number from 50 to 2000'),
    ('printshops/default.yaml', 'bleed_mm: 3', 'bleed_mm',
     'a number from 0 to 10'),
]


@pytest.mark.parametrize('file,old,field,allowed', NUMBERS,
                         ids=[n[2] for n in NUMBERS])
def test_a_number_of_5000_digits_is_refused_with_the_range(
        project, capsys, file, old, field, allowed):
    path = project / file
    text = path.read_text('utf-8')
    assert old + '\n' in text
    key = old.split(':')[0]
    path.write_text(text.replace(old + '\n', f'{key}: {"7" * 5000}\n'),
                    'utf-8')
    line = text.split('\n').index(old) + 1
    column = len(key) + 3
    code, _, err = run(project, 'check', capsys=capsys)
    assert code == 1
    assert 'Traceback' not in err
    assert (f'error: {file}:{line}:{column}: {field}: the number is too long '
            f'(5,000 digits); expected {allowed}') in err.splitlines()


# --- line numbers after characters YAML reads as line breaks ----------------

@pytest.mark.parametrize('char', ['\u2028', '\u2029', '\x85'])
@pytest.mark.parametrize('where', ['title', 'comment', 'key'])
def test_every_later_message_points_at_the_right_line(tmp_path, char, where):
    lines = HEAD.split('\n')[:-1] + [
        'title: Trygghet i Västerås', '# en kommentar', 'subtitle: x',
        'intro:', '  - Ett stycke.', 'sections: nej', 'organisaton: L']
    if where == 'title':
        lines[3] = f'title: Trygghet{char} i Västerås'
    elif where == 'comment':
        lines[4] = f'# en{char} kommentar'
    else:
        lines[5] = f'sub{char}title: x'
    found = problems_of(tmp_path, '\n'.join(lines) + '\n')
    refused = [p for p in found if f'U+{ord(char):04X}' in p]
    row = {'title': 4, 'comment': 5, 'key': 6}[where]
    field = {'title': 'title: ', 'comment': '', 'key': 'sub title: '}[where]
    assert len(refused) == 1
    assert re.match(rf'content/x\.yaml:{row}:\d+: {field}an invisible ',
                    refused[0]), refused[0]
    assert 'content/x.yaml:9:11: sections: expected a list of sections' in (
        ' '.join(found))
    assert any(p.startswith('content/x.yaml:10:1: organisaton: unknown field')
               for p in found), found


@pytest.mark.parametrize('newline', ['\r\n', '\r'])
def test_windows_and_old_mac_line_ends_count_as_one_line_each(tmp_path,
                                                                newline):
    text = (HEAD + 'title: T\nsubtitle: [x]\n').replace('\n', newline)
    assert problems_of(tmp_path, text) == [
        'content/x.yaml:5:11: subtitle: expected text, found a list']


# --- several syntax errors in one run ---------------------------------------

def test_every_broken_top_level_field_is_reported_in_one_run(tmp_path):
    blocks = [f'f{i}: "open {i}\n' for i in range(5)]
    found = problems_of(tmp_path, HEAD + 'title: T\n' + ''.join(blocks))
    assert [p.split(': ')[0] for p in found] == [
        f'content/x.yaml:{5 + i}:5' for i in range(5)]
    assert all('opens a quote' in p for p in found)


def test_recovery_stops_after_the_cap(tmp_path):
    count = MAX_SYNTAX_ERRORS + 15
    found = problems_of(tmp_path, HEAD + ''.join(
        f'f{i}: a: b\n' for i in range(count)))
    assert found[0] == (f'content/x.yaml: stopped after {MAX_SYNTAX_ERRORS} '
                        'YAML syntax errors; fix these and check again for '
                        'more')
    assert [p.split(':')[1] for p in found[1:]] == [
        str(4 + i) for i in range(MAX_SYNTAX_ERRORS)]
    assert all('mapping values are not allowed here' in p for p in found[1:])


def test_a_field_left_out_after_a_syntax_error_is_not_called_missing(
        tmp_path):
    # "title" is required; its line is broken, so it is reported once, as
    # broken, and no campaign is built from the rest.
    found = problems_of(tmp_path, HEAD + 'title: "Trygghet\n')
    assert len(found) == 1 and 'opens a quote' in found[0]


# --- one problem, one line ---------------------------------------------------

def test_a_problem_is_always_one_printable_line():
    problem = Problem('content/a\nb.yaml', 'found "x\u2028y\x1b[31m"', 3, 4,
                      'f\u00a0g')
    assert str(problem) == ('content/a\\u000Ab.yaml:3:4: f\\u00A0g: found '
                            '"x\\u2028y\\u001B[31m"')


# --- fuzz ---------------------------------------------------------------------

ODD = ['\u2028', '\u2029', '\x85', '\ufeff', '\u200b', '\u202e', '\u0301',
       '\U0001F600', '\x00', '\x7f', '\x0c', '\x0b', '\r', '\t', '\ufffe',
       '\U0010ffff', '\u00a0', '\x1b', '\u3000', '\u0663', '\uff15']
SYNTAX = ['"', "'", ':', ': ', '- ', '#', ' #', '[', ']', '{', '}', '&a ',
          '*a', '!!int ', '!', '---\n', '? ', '|', '>', '%', '@', '`', ',',
          '\n', ' ', '  ', '<<: ', '\\', '"\\x', '"\\u2028"', '9' * 5000]


def mutate(text: str, rng: random.Random) -> str:
    """One to four edits: a character deleted or doubled, punctuation or
    an odd character inserted, a line indented or outdented, two lines
    swapped, the file cut short, a quote added or removed."""
    for _ in range(rng.randint(1, 4)):
        if not text:
            return text
        i = rng.randrange(len(text))
        op = rng.randrange(9)
        lines = text.split('\n')
        j, k = rng.randrange(len(lines)), rng.randrange(len(lines))
        if op == 0:
            text = text[:i] + text[i + 1:]
        elif op == 1:
            text = text[:i] + text[i] + text[i:]
        elif op == 2:
            text = text[:i] + rng.choice(SYNTAX) + text[i:]
        elif op == 3:
            text = text[:i] + rng.choice(ODD) + text[i:]
        elif op == 4:
            lines[j] = ' ' * rng.randint(1, 3) + lines[j]
            text = '\n'.join(lines)
        elif op == 5:
            lines[j] = re.sub(r'^ {1,3}', '', lines[j])
            text = '\n'.join(lines)
        elif op == 6:
            lines[j], lines[k] = lines[k], lines[j]
            text = '\n'.join(lines)
        elif op == 7:
            text = text[:i]
        else:
            quote = rng.choice('"\'')
            text = (text.replace(quote, '', 1) if quote in text
                    else text[:i] + quote + text[i:])
    return text


def test_fuzzed_content_gives_content_errors_and_nothing_else(tmp_path):
    """300 mutations of the seed content (4 000 were run while writing the
    reader): each loads or raises ContentError whose problems are single
    printable lines pointing inside the file."""
    rng = random.Random(20260510)
    path = tmp_path / 'fuzz.yaml'
    outcomes = {'loaded': 0, 'refused': 0}
    for case in range(300):
        text = mutate(SEED, rng)
        path.write_bytes(text.encode('utf-8'))
        try:
            load_campaign(path, 'content/fuzz.yaml')
            outcomes['loaded'] += 1
        except ContentError as exc:
            outcomes['refused'] += 1
            lines = text.replace('\r\n', '\n').replace('\r', '\n').count(
                '\n') + 1
            assert exc.problems, case
            for problem in exc.problems:
                shown = str(problem)
                assert shown.isprintable(), (case, shown)
                assert problem.line is None or 1 <= problem.line <= lines, (
                    case, shown)
    assert outcomes['refused'] > 200 and outcomes['loaded'] > 10, outcomes
