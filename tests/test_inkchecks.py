"""Preflight, small text a press holds in register: ``reversed-text`` (light
text on a dark ground under the print shop's minimum, 7 pt by default) and
``text-inks`` (text under 12 pt in more than one ink).

Hand-made pages (WeasyPrint, ``device-cmyk()``, as in test_preflight.py)
fail with the exact message, their neighbours just inside the limits pass,
the print shop's ``min_reversed_text_pt`` moves the limit, and the print
editions of the default build, the tri-fold and the second campaign pass.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, copy_project
from test_preflight import (EXPECT, Inputs, check, failing, only_failure,
                            qr_svg)

from flyers.preflight import Expectations, preflight

NAVY = 'device-cmyk(1 0.7 0 0.4)'
WHITE = 'device-cmyk(0 0 0 0)'
CMY = 'device-cmyk(0.5 0.4 0.4 0)'
K = 'device-cmyk(0 0 0 1)'
TINT = 'device-cmyk(0.08 0.03 0 0)'
SAFE = '<p>Plain text.</p>'


def sample(text: str, colour: str, size: float, ground: str | None) -> str:
    """A body with one sample line, below the good page's band."""
    back = f'background: {ground};' if ground else ''
    return (f'<div class="band">Trygghet i Västerås</div><p style="'
            f'color: {colour}; {back} font-size: {size}pt; '
            f'padding: 2mm">{text}</p><div class="qr">{qr_svg()}</div>')


REVERSED = ('"Liten vit text": 6.00 pt light text on a dark background is '
            'under 7 pt, and the ink around it fills in its strokes when the '
            'plates are out of register; set it at least 7 pt, or dark on '
            'light')
THREE_INKS = ('"Fråga i tre färger": 9.00 pt text printed in 3 inks (C+M+Y) '
              'goes blurred with coloured fringes when the plates are out '
              'of register; set it in one ink, e.g. K only, or at least '
              '12 pt')


@pytest.fixture(scope='module')
def inputs(tmp_path_factory) -> Inputs:
    return Inputs(tmp_path_factory.mktemp('inks'))


@pytest.mark.parametrize('name, text, colour, size, ground, check_id, message', [
    ('white-6pt-on-navy', 'Liten vit text', WHITE, 6, NAVY,
     'reversed-text', REVERSED),
    ('cmy-9pt-on-paper', 'Fråga i tre färger', CMY, 9, None,
     'text-inks', THREE_INKS),
])
def test_small_text_fails_with_its_place_and_what_to_do(
        inputs, name, text, colour, size, ground, check_id, message):
    report = check(inputs.pdf(name, sample(text, colour, size, ground)))
    findings = only_failure(report, check_id)
    assert [f.message for f in findings] == [message]
    finding = findings[0]
    assert finding.page == 1 and finding.severity == 'error'
    # The sample line starts 10 mm + 2 mm padding from the trim's left.
    assert finding.position_mm[0] == pytest.approx(12.0, abs=0.6)
    assert str(finding).startswith('page 1 at 1')


@pytest.mark.parametrize('name, colour, size, ground', [
    ('white-7pt-on-navy', WHITE, 7, NAVY),  # reversed, at the minimum
    ('k-9pt-on-paper', K, 9, None),  # one ink
    ('k-6pt-on-tint', K, 6, TINT),  # dark on light: not reversed
    ('cmy-12pt-on-paper', CMY, 12, None),  # large enough for three inks
    ('navy-12pt-on-paper', NAVY, 12, None),  # three inks, 12 pt
])
def test_text_at_the_limits_passes(inputs, name, colour, size, ground):
    report = check(inputs.pdf(name, sample('Lagom text', colour, size,
                                           ground)))
    assert report.findings == (), [str(f) for f in report.findings]
    statuses = dict(report.checks)
    assert statuses['reversed-text'] == statuses['text-inks'] == 'pass'


def test_the_screen_edition_is_not_judged(inputs):
    report = preflight(inputs.pdf('white-6pt-on-navy', sample(
        'Liten vit text', WHITE, 6, NAVY)), Expectations(
            **{**EXPECT.__dict__, 'edition': 'screen', 'bleed_mm': 0}))
    assert 'reversed-text' not in dict(report.checks)
    assert 'text-inks' not in dict(report.checks)


def test_the_print_shop_sets_the_smallest_reversed_text(inputs):
    path = inputs.pdf('white-6.5pt-on-navy', sample(
        'Liten vit text', WHITE, 6.5, NAVY))
    assert 'reversed-text' in failing(check(path))
    assert check(path, min_reversed_text_pt=6.5).findings == ()
    eight = check(inputs.pdf('white-7pt-on-navy', sample(
        'Lagom text', WHITE, 7, NAVY)), min_reversed_text_pt=8)
    assert [f.message for f in only_failure(eight, 'reversed-text')] == [
        '"Lagom text": 7.00 pt light text on a dark background is under '
        '8 pt, and the ink around it fills in its strokes when the plates '
        'are out of register; set it at least 8 pt, or dark on light']


def test_spot_and_registration_colours_count_their_inks(inputs):
    """Text in the registration colour (/All: every plate) is four inks;
    a spot colour alone is one."""
    base = inputs.pdf('k-9pt-on-paper', sample('Lagom text', K, 9, None))

    def recolour(name, space):
        def edit(pdf):
            page = pdf.pages[0]
            resources = page.obj.Resources
            if '/ColorSpace' not in resources:
                resources.ColorSpace = pikepdf.Dictionary()
            resources.ColorSpace.Test = space(pdf)
            ops = pikepdf.parse_content_stream(page)
            out, text = [], False
            for operands, operator in ops:
                op = str(operator)
                text = text or op == 'BT'
                if text and op == 'scn' and [float(v) for v in operands] \
                        == [0, 0, 0, 1]:
                    out.append(([pikepdf.Name.Test], pikepdf.Operator('cs')))
                    out.append(([1], pikepdf.Operator('scn')))
                    continue
                out.append((operands, operator))
            page.obj.Contents = pdf.make_stream(
                pikepdf.unparse_content_stream(out))
        return inputs.edited(name, edit, base='k-9pt-on-paper')

    def separation(name):
        return lambda pdf: pikepdf.Array([
            pikepdf.Name.Separation, pikepdf.Name('/' + name),
            pikepdf.Name.DeviceCMYK, pdf.make_indirect(pikepdf.Dictionary(
                FunctionType=2, Domain=[0, 1], N=1, C0=[0, 0, 0, 0],
                C1=[1, 0.3, 0, 0.2]))])

    assert base.exists()
    spot = check(recolour('spot-9pt', separation('PANTONE 288 C')))
    assert spot.findings == (), [str(f) for f in spot.findings]
    everything = check(recolour('registration-9pt', separation('All')))
    messages = [f.message for f in only_failure(everything, 'text-inks')]
    assert messages and all('in 4 inks (C+M+Y+K)' in m for m in messages)


# --- the project's own layouts ----------------------------------------------

def _ink_statuses(project: Path, manifest: dict) -> dict:
    statuses = {}
    for entry in manifest['outputs']:
        if entry['edition'] != 'print':
            continue
        expect = Expectations(
            edition='print', pages=entry['pages'],
            trim_mm=tuple(entry['trim_mm']), bleed_mm=entry['bleed_mm'],
            safe_mm=5, qr_urls=tuple(entry['qr_urls']), qr_min_mm=15,
            draft=entry['draft'])
        report = preflight(project / entry['path'], expect)
        statuses[entry['path']] = (
            [dict(report.checks).get(c) for c in ('reversed-text',
                                                  'text-inks')],
            [str(f) for f in report.findings
             if f.check in ('reversed-text', 'text-inks')])
    return statuses


def test_the_default_build_passes_both_checks(built):
    statuses = _ink_statuses(built.project, built.manifest)
    assert len(statuses) == 2  # leaflet and poster
    for path, (status, findings) in statuses.items():
        assert status == ['pass', 'pass'] and findings == [], (path, findings)


def test_the_second_campaign_and_the_trifold_pass_both_checks(tmp_path):
    project = copy_project(tmp_path / 'project', every_campaign=True)
    statuses = {}
    for arguments in (('content/solrosen-varstamma.yaml',),
                      ('--layout', 'trifold-dl')):
        result = subprocess.run(
            [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
             str(project), 'build', '--edition', 'print', *arguments],
            capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        manifest = json.loads((project / 'output' / 'manifest.json')
                              .read_text())
        statuses.update(_ink_statuses(project, manifest))
    # The second campaign's leaflet and poster, both campaigns' tri-folds.
    assert len(statuses) == 4, sorted(statuses)
    for path, (status, findings) in statuses.items():
        assert status == ['pass', 'pass'] and findings == [], (path, findings)


# --- the print shop's file ----------------------------------------------------

@pytest.mark.parametrize('line, expected', [
    ('min_reversed_text_pt: 8.5\n', 8.5),
    ('', 7.0),  # not given: 7 pt
    ('min_reversed_text_pt: 3\n',
     'printshops/strict.yaml:14:23: min_reversed_text_pt: expected a number '
     'from 4 to 24, found "3"'),
])
def test_the_print_shop_file_gives_the_minimum(tmp_path, line, expected):
    from flyers.errors import LayoutError
    from flyers.printshop import load_printshop

    project = copy_project(tmp_path / 'project', content=False)
    text = (project / 'printshops' / 'default.yaml').read_text()
    text = ''.join(l for l in text.splitlines(keepends=True)
                   if not l.startswith('min_reversed_text_pt'))
    (project / 'printshops' / 'strict.yaml').write_text(text + line)
    if isinstance(expected, float):
        assert load_printshop(project, 'strict').min_reversed_text_pt \
            == expected
    else:
        with pytest.raises(LayoutError) as caught:
            load_printshop(project, 'strict')
        assert [str(p) for p in caught.value.problems] == [expected]


def test_a_stricter_print_shop_fails_the_build(tmp_path):
    """The leaflet's 7–7.5 pt captions and imprint, white on the blue band,
    are too small for a shop that asks for 8 pt: the build says so (five
    findings a page, then a count) and writes nothing."""
    project = copy_project(tmp_path / 'project')
    shop = project / 'printshops' / 'default.yaml'
    (project / 'printshops' / 'strict.yaml').write_text(
        shop.read_text().replace('min_reversed_text_pt: 7',
                                 'min_reversed_text_pt: 8'))
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build', '--layout', 'leaflet-a5', '--edition',
         'print', '--printshop', 'strict',
         str(project / 'content' / 'trygghet-vasteras.yaml')],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert re.search(
        r'error: output/trygghet-vasteras-leaflet-a5\.pdf: preflight '
        r'reversed-text: page 2 at [\d.]+ mm, [\d.]+ mm \(people\[0\]\.name\): '
        r'"Exempel": 7\.50 pt light text on a dark background is under 8 pt, '
        r'and the ink around it fills in its strokes when the plates are out '
        r'of register; set it at least 8 pt, or dark on light\n',
        result.stderr), result.stderr
    assert 'more like the reversed-text findings' in result.stderr
    assert not (project / 'output' / 'trygghet-vasteras-leaflet-a5.pdf'
                ).exists()


@pytest.mark.parametrize('space, values', [
    ('/DeviceCMYK', (1.0, 2.0)),  # too few components
    ('/Nonsense', (0.5,)),
    (pikepdf.Array([pikepdf.Name.ICCBased, 5]), (0.1,)),  # no profile
    (pikepdf.Array([pikepdf.Name.DeviceN, 3, pikepdf.Name.DeviceCMYK]), (1,)),
    (pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name.Spot,
                    pikepdf.Name.DeviceCMYK, pikepdf.Dictionary(
                        FunctionType=2, C0=[0, 0, 0, 0], C1=[1, 1, 1, 1],
                        N=-1)]), (0.0,)),  # 0 ** -1
    (pikepdf.Array([]), ()),
])
def test_colours_that_make_no_sense_are_not_judged(space, values):
    """Hostile colour spaces neither crash the check nor pass as ink."""
    from flyers.preflight.inks import paint

    result = paint((space, values))
    assert result is None or (isinstance(result[0], dict)
                              and 0 <= result[1] <= 1)
