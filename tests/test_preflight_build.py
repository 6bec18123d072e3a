"""The preflight inside the build and as its own command; the proofs.

tests/test_preflight.py shows each check failing on a deliberately bad
PDF; these show that the build runs them all, fails on an error with the
output, page, position and content field, and writes the proofs."""

from __future__ import annotations

import json
import re

from conftest import run


def test_default_build_passes_every_check(built):
    for entry in built.manifest['outputs']:
        assert entry['preflight']['result'] in ('pass', 'pass with warnings')
        # The only warnings are the draft's placeholder addresses.
        for warning in entry['preflight']['warnings']:
            assert 'placeholder' in warning
    assert re.search(r'preflight output/trygghet-vasteras-leaflet-a5\.pdf: '
                     r'passed', built.stdout)


def test_proofs_are_written(built):
    proofs = built.project / 'output' / 'proofs'
    pngs = sorted(p.name for p in proofs.glob('*-p*.png'))
    assert pngs == ['trygghet-vasteras-leaflet-a5-p1.png',
                    'trygghet-vasteras-leaflet-a5-p2.png',
                    'trygghet-vasteras-leaflet-a5-screen-p1.png',
                    'trygghet-vasteras-leaflet-a5-screen-p2.png',
                    'trygghet-vasteras-poster-a3-p1.png',
                    'trygghet-vasteras-poster-a3-screen-p1.png']
    from PIL import Image

    sheet = Image.open(proofs / 'contact-sheet.png')
    assert sheet.width > 1000 and sheet.height > 300
    # A print proof shows the slug: its corner is white paper, and the
    # trim line is drawn in cyan.
    proof = Image.open(proofs / 'trygghet-vasteras-leaflet-a5-p1.png')
    assert proof.getpixel((2, 2)) == (255, 255, 255)
    assert (0, 160, 220) in {proof.getpixel((x, proof.height // 2))
                             for x in range(proof.width // 4)}
    report = (proofs / 'report.html').read_text('utf-8')
    for check in ('structure', 'trim-box', 'bleed-box', 'bleed-reach',
                  'fonts', 'safe-zone', 'text-size', 'rule-width',
                  'image-ppi', 'colour', 'ink', 'qr', 'links'):
        assert f'<td>{check}</td>' in report
    assert report.count('passes preflight') == 4
    entry = built.output('leaflet-a5')
    assert entry['proofs'] == ['output/proofs/trygghet-vasteras-leaflet-a5-p1.png',
                               'output/proofs/trygghet-vasteras-leaflet-a5-p2.png']


def test_an_rgb_colour_fails_the_build_with_its_place(project, capsys):
    css = project / 'layouts' / 'leaflet-a5' / 'style.css'
    line = css.read_text('utf-8').count('\n') + 2
    css.write_text(css.read_text('utf-8') + '\n.faq .question { color: #c00; }\n')
    code, _, err = run(project, 'build', '--layout', 'leaflet-a5',
                       capsys=capsys)
    assert code == 1
    # Said once, by the stylesheet's line, before anything is laid out
    # (the preflight would find it in every question it colours).
    assert re.findall(r'error: .*', err) == [
        f'error: layouts/leaflet-a5/style.css:{line}:25: `color: #c00` is an '
        'RGB colour in the print edition, which must be CMYK only; use '
        'device-cmyk(c m y k) or a brand colour var(--brand-…), or put the '
        'rule under .edition-screen']
    # A failed first build leaves no output folder at all.
    assert not (project / 'output').exists()


def test_too_much_ink_fails_the_build(project, capsys):
    brand = project / 'brands' / 'default' / 'brand.yaml'
    brand.write_text(brand.read_text('utf-8').replace(
        'primary-deep: C100 M70 Y0 K60', 'primary-deep: C100 M90 Y80 K90'),
        'utf-8')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       '--edition', 'print', capsys=capsys)
    assert code == 1
    assert re.search(r'output/trygghet-vasteras-poster-a3\.pdf: preflight '
                     r'ink: page 1 at -?[\d.]+ mm, [\d.]+ mm: total ink '
                     r'reaches 36\d % \(C 100 M 90 Y 80 K 90\); the print '
                     r"shop's limit is 300 %", err), err


def test_preflight_command(project, capsys):
    assert run(project, 'build', capsys=capsys)[0] == 0
    code, out, err = run(project, 'preflight', capsys=capsys)
    assert code == 0
    assert out.count(': passed (') == 4
    code, out, err = run(project, 'preflight',
                         'output/trygghet-vasteras-poster-a3.pdf',
                         capsys=capsys)
    assert code == 0
    # 15: the empty-band check (issue 11) joined the 14; 17: reversed-text
    # and text-inks (issue 12); 18: legal-marks (issue 14).
    assert out.startswith('output/trygghet-vasteras-poster-a3.pdf: passed '
                          '(18 checks)')
    # A PDF changed after the build is caught.
    import pikepdf

    pdf_path = project / 'output' / 'trygghet-vasteras-poster-a3.pdf'
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        pdf.pages[0].TrimBox = pikepdf.Array([0, 0, 500, 500])
        pdf.save(pdf_path)
    code, out, err = run(project, 'preflight', str(pdf_path), capsys=capsys)
    assert code == 1
    assert 'error: trim-box: ' in err
    assert '1 PDF failed the preflight' in err


def test_preflight_of_an_unbuilt_pdf_is_a_usage_error(project, capsys):
    code, _, err = run(project, 'preflight', capsys=capsys)
    assert code == 2
    assert 'output/manifest.json: missing or unreadable' in err


def test_manifest_records_edition_printshop_and_preflight(built):
    entry = built.output('poster-a3')
    assert entry['edition'] == 'print'
    assert entry['printshop'] == 'default'
    screen = built.output('poster-a3', edition='screen')
    assert screen['printshop'] is None
    assert screen['bleed_mm'] == 0
    manifest = json.loads((built.project / 'output' / 'manifest.json')
                          .read_text('utf-8'))
    assert manifest == built.manifest
