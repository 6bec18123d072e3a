"""No hang, no traceback (issue 10 §4): templates that would run for ever or
make huge values are stopped with one clear line; an output that takes too
long is stopped by its time limit, on worker processes too; anything
unexpected becomes a short message and a log file."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from conftest import ROOT, run
from flyers import cli
from flyers.limits import TimeLimitExceeded, time_limit

TEMPLATE = 'layouts/poster-a3/template.html.j2'


def _break_template(project, markup: str) -> None:
    template = project / TEMPLATE
    template.write_text(template.read_text('utf-8').replace(
        '{% block pages %}', '{% block pages %}' + markup, 1), 'utf-8')


def _check(project, *args, timeout=120):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'check', '--layout', 'poster-a3', '--edition',
         'screen', *args], capture_output=True, text=True, timeout=timeout)
    return result, time.monotonic() - started


@pytest.mark.parametrize('markup, message', [
    ('{% for i in range(10**9) %}{% endfor %}',
     'the template may not do this: range() of 1000000000 numbers; a '
     'template may make at most 10000'),
    ('{{ "x" * 10**9 }}',
     'the template may not do this: * makes 1000000000 items; a template '
     'may make at most 1000000'),
    ('{{ 10 ** 10 ** 10 }}',
     'the template may not do this: ** makes too large a number for a page'),
    ('{{ "x" | center(1000000000) }}',
     'the template may not do this: 1000000000 is too large a width or count '
     'for the filter "do_center"'),
    ('{{ "{:>900000000}".format(1) }}',
     'the template may not do this: a width or precision of 10,000 or more '
     'in a format string'),
    ('{{ "%0900000000d" % 1 }}',
     'the template may not do this: a width or precision of 10,000 or more '
     'in a % format'),
    ('{% set ns = namespace(s="x" * 1000) %}{% for i in range(60) %}'
     '{% set ns.s = ns.s ~ ns.s %}{% endfor %}',
     'the template may not do this: ~ makes 16,384,000 characters or items; '
     'a template may make at most 10,000,000 at once'),
    ('{{ range(9000) | join("x" * 999999) }}',
     'the template may not do this: the filter "do_join" was given a '
     'separator or filler of 999,999 characters; at most 1,000'),
    ('{% for i in range(10000) %}{{ "x" * 9999 }}{% endfor %}',
     'the template may not do this: the template makes more than '
     '20,000,000 characters of HTML'),
    ('{{ "{0:{1}}".format("a", 2500000000) }}',
     'the template may not do this: a width or precision of 10,000 or more '
     'in a format string'),
    ('{{ "%*s" % (2500000000, "a") }}',
     'the template may not do this: a width or precision of 10,000 or more '
     'in a % format'),
    ('{% set n = namespace(x=[0]) %}{% for i in range(40) %}'
     '{% set n.x = n.x + n.x %}{% endfor %}',
     'the template may not do this: + makes 16,777,216 characters or items; '
     'a template may make at most 10,000,000 at once'),
    ('{{ lipsum(999999, false, 100, 101) }}',
     'the template may not do this: lipsum() may make at most 100 paragraphs '
     'of at most 1000 words'),
    ('{% macro down(n) %}{{ down(n + 1) }}{% endmacro %}{{ down(0) }}',
     'the template calls itself without end (a recursive macro or include) '
     'or nests elements thousands deep; make the recursion stop'),
])
def test_a_template_that_would_never_end_is_one_clear_line(project, markup,
                                                           message):
    _break_template(project, markup)
    result, seconds = _check(project)
    assert result.returncode == 1
    assert f'error: {TEMPLATE}: {message}' in result.stderr
    assert 'Traceback' not in result.stderr
    assert seconds < 60


@pytest.mark.parametrize('jobs', ['1', '2'])
def test_nested_loops_are_stopped_by_the_time_limit(project, jobs):
    _break_template(project, '{% for i in range(10000) %}{% for j in '
                             'range(10000) %}{{ "" }}{% endfor %}{% endfor %}')
    result, seconds = _check(project, '--time-limit', '3', '--jobs', jobs,
                             '--edition', 'print')
    assert result.returncode == 1
    assert (f'error: {TEMPLATE}: the template ran for more than 3 s and was '
            'stopped: a loop may never end (or loop over far too much); undo '
            'the last change to the template') in result.stderr
    assert 'Traceback' not in result.stderr
    assert seconds < 40


def test_the_time_limit_stops_python_code_that_never_ends():
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded) as caught:
        with time_limit(0.5):
            while True:
                pass
    assert caught.value.seconds == 0.5
    assert time.monotonic() - started < 5
    # The timer is off again afterwards.
    time.sleep(0.7)


def test_an_output_over_its_time_limit_names_it_and_what_to_do(
        project, capsys, monkeypatch):
    """The limit around a whole output (WeasyPrint included): a render
    that never returns is stopped."""
    from flyers import produce

    def forever(*args, **kwargs):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(produce, 'render_pdf', forever)
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       '--edition', 'screen', '--jobs', '1',
                       '--time-limit', '1', capsys=capsys)
    assert code == 1
    assert ('error: output/trygghet-vasteras-poster-a3-screen.pdf: took '
            'longer than 1 s to build and was stopped: a loop in a template '
            'of layouts/poster-a3/ (or a stylesheet) may never end. Undo the '
            'last change to the layout, or give more time with --time-limit '
            'SECONDS') in err


@pytest.mark.parametrize('value', ['0', '-1', 'soon', '1e9'])
def test_the_time_limit_must_be_a_number_of_seconds(project, capsys, value):
    code, _, err = run(project, 'check', '--time-limit', value,
                       capsys=capsys)
    assert code == 2
    assert (f'"{value}" is not a number of seconds; give one from 1 to '
            '86400') in err


# --- the project itself ---------------------------------------------------------

@pytest.mark.parametrize('command', ['build', 'check', 'release', 'preflight'])
def test_a_project_that_is_not_there_is_said_so(tmp_path, capsys, command):
    missing = tmp_path / 'nonexistent'
    code, _, err = run(missing, command, capsys=capsys)
    assert code == 2
    assert (f'error: --project: "{missing}" is not a folder; give the '
            'project folder (the one with content/, layouts/ and assets/)'
            ) in err
    assert 'print shop' not in err


def test_a_folder_that_is_not_a_project_is_said_so(tmp_path, capsys):
    code, _, err = run(tmp_path, 'build', capsys=capsys)
    assert code == 2
    assert (f'error: --project: "{tmp_path}" has no layouts/ folder, so it '
            'is not a flyer project') in err


# --- the last line of defence ---------------------------------------------------

def test_an_unexpected_error_is_a_short_message_and_a_log(project, capsys,
                                                          monkeypatch):
    def broken(args):
        raise ZeroDivisionError('division by zero')

    monkeypatch.setitem(cli.COMMANDS, 'build', broken)
    code, out, err = run(project, 'build', capsys=capsys)
    assert code == 1
    assert 'Traceback' not in out + err
    assert err.startswith('error: the builder failed unexpectedly '
                          '(ZeroDivisionError: division by zero); nothing was '
                          'written to output/. This is a bug, not your '
                          'mistake: the details are in ')
    log = err.split('the details are in ')[1].split(' — ')[0]
    assert log.startswith(str(project / '.cache' / 'logs' / 'crash-'))
    text = open(log, encoding='utf-8').read()
    assert 'Traceback (most recent call last)' in text
    assert 'ZeroDivisionError: division by zero' in text
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize('markup, message', [
    ('{{ 1/0 }}', 'template error (ZeroDivisionError): division by zero'),
    ('{{ "x"|typeset(1, 2) }}', 'template error (TypeError): '),
    ('{{ "http://x"|display_url }}', 'template error (AddressError): '),
])
def test_a_template_mistake_at_run_time_names_its_line(project, capsys,
                                                       markup, message):
    template = project / TEMPLATE
    lines = template.read_text('utf-8').splitlines()
    number = next(i for i, l in enumerate(lines, 1)
                  if '{% block pages %}' in l)
    _break_template(project, markup)
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       '--edition', 'screen', capsys=capsys)
    assert code == 1
    assert f'error: {TEMPLATE}:{number}: {message}' in err
    assert 'failed unexpectedly' not in err


def test_jinjas_own_helpers_work_in_the_sandbox(project, capsys):
    _break_template(project, '<!-- {% for i in range(3) %}{{ loop.cycle('
                             '"a", "b") }}{% endfor %}{% set c = cycler(1, 2)'
                             ' %}{{ c.next() }}{% set j = joiner(",") %}'
                             '{{ j() }}{{ j() }} -->')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       '--edition', 'screen', capsys=capsys)
    assert code == 0, err


def test_large_numbers_are_fine_where_they_are_no_widths(project, capsys):
    _break_template(project, '<!-- {{ 2500000|string }} {{ "%d invånare"'
                             '|format(2500000) }} {{ 1234567|filesizeformat }}'
                             ' {{ "%5d|%-3s" % (42, "x") }} {{ 1 + 2 }} '
                             '{{ "a" + "b" }} -->')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       '--edition', 'screen', capsys=capsys)
    assert code == 0, err
