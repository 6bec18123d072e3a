"""Fixed page counts: content that does not fit fails with the field named,
geometry is checked, and layouts are folders with a strict manifest."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, run

SEED_CONTENT = ROOT / 'content' / 'trygghet-vasteras.yaml'


def _write_variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = SEED_CONTENT.read_text('utf-8')
    # Without the seed's pictures (issue 11): these tests measure text.
    text = text[:text.index('\nhero:')] + '\n' + text[text.index(
        'call_to_action:'):]
    assert old in text
    path = tmp_path / f'{name}.yaml'
    path.write_text(text.replace(old, new, 1), 'utf-8')
    return path


def _long_paragraph(words: int) -> str:
    sentence = 'Fler vuxna i rörelse gör stadsdelen tryggare för alla. '
    return ' '.join([sentence.strip()] * (words // 9))


def _front_overflow(project, tmp_path, capsys, words):
    path = _write_variant(tmp_path, f'long-intro-{words}', 'och civilsamhälle.',
                          'och civilsamhälle. ' + _long_paragraph(words))
    code, _, err = run(project, 'build', str(path), '--layout', 'leaflet-a5',
                       capsys=capsys)
    assert code == 1
    line = next(l for l in err.splitlines() if l.startswith('error:'))
    match = re.match(
        rf'error: {re.escape(str(path))}:(?P<line>\d+):\d+: (?P<field>\S+): '
        r'does not fit on the front page of leaflet-a5: about (?P<mm>\d+) mm '
        r'too much \(≈ (?P<lines>\d+) lines? of text\)', line)
    assert match, line
    return match


def test_front_overflow_names_the_field_and_the_amount(project, tmp_path,
                                                       capsys):
    match = _front_overflow(project, tmp_path, capsys, 300)
    # Where the front page runs out, with its line in the content file...
    assert match['field'].startswith(('intro', 'proposals'))
    assert int(match['line']) >= 25
    assert 30 <= int(match['mm']) <= 130
    # ...and what fills the page, the grown paragraph first.
    assert re.search(r'the largest blocks on this page: intro \d+ mm, '
                     r'proposals \d+ mm', match.string), match.string
    assert not (project / 'output').exists()


def test_twice_the_excess_reports_about_twice_the_overflow(project, tmp_path,
                                                           capsys):
    # The seed leaves about 38 mm free on the front; past that, every 9
    # words of the test sentence add about one line (4.3 mm).
    small = int(_front_overflow(project, tmp_path, capsys, 200)["mm"])
    large = int(_front_overflow(project, tmp_path, capsys, 300)["mm"])
    assert 10 <= small < large
    assert 1.5 <= large / small <= 4


def test_back_overflow_names_a_back_field(project, tmp_path, capsys):
    path = _write_variant(
        tmp_path, 'long-faq', 'för att arbeta förebyggande med elever i '
        'riskzon.', 'för att arbeta förebyggande med elever i riskzon. '
        + _long_paragraph(250))
    code, _, err = run(project, 'check', str(path), '--layout', 'leaflet-a5',
                       capsys=capsys)
    assert code == 1
    assert re.search(r':\d+:\d+: (faq|further_reading)\S*: does not fit on '
                     r'the back page of leaflet-a5: about \d+ mm too much', err)


def test_a_little_too_much_is_reported_as_a_little(project, tmp_path, capsys):
    # One more proposal than the front has room for.
    extra = ('    - title: Fler fältassistenter på kvällstid\n'
             '      text: >-\n        ' + _long_paragraph(60) + '\n')
    path = _write_variant(tmp_path, 'five', '\nfaq:\n', '\n' + extra + 'faq:\n')
    text = path.read_text('utf-8').replace(
        '      text: >-\n        ' + _long_paragraph(60) + '\nfaq:',
        '      text: >-\n        ' + _long_paragraph(60) + '\n\nfaq:')
    path.write_text(text, 'utf-8')
    code, _, err = run(project, 'check', str(path), '--layout', 'leaflet-a5',
                       capsys=capsys)
    if code == 0:
        pytest.fail('expected the fifth, long proposal not to fit')
    amount = int(re.search(r'about (\d+) mm too much', err)[1])
    assert 1 <= amount <= 60


def test_poster_overflow_is_reported(project, tmp_path, capsys):
    items = ''.join(f'    - title: Förslag nummer {n} om trygghet i hela '
                    'Västerås\n' for n in range(1, 15))
    path = tmp_path / 'many.yaml'
    path.write_text('language: sv\nurl: https://www.liberalerna.se/v\n'
                    'title: Trygghet\nimprint: "Ansvarig utgivare: A B"\n'
                    'proposals:\n  items:\n' + items, 'utf-8')
    code, _, err = run(project, 'check', str(path), '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    # No proposal stands out: the list is too long.
    assert re.search(r'proposals\.items: does not fit on the poster page of '
                     r'poster-a3: .*; remove some of proposals\.items or '
                     r'shorten them', err), err


def test_page_size_comes_from_the_manifest(project, capsys):
    css = project / 'layouts' / 'poster-a3' / 'style.css'
    css.write_text(css.read_text('utf-8') + '\n@page { size: A4; }\n')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert ('page 1 (poster) is 210.0 × 297.0 mm but the manifest says '
            '297 × 420 mm') in err


def test_text_in_the_safe_zone_fails(project, capsys):
    css = project / 'layouts' / 'poster-a3' / 'style.css'
    css.write_text(css.read_text('utf-8') +
                   '\n:root { --page-margin: 3mm; }\n')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert re.search(r'text "[^"]+" on page 1 \(poster\) of '
                     r'output/trygghet-vasteras-poster-a3\.pdf is \d\.\d mm '
                     r'from the (left|top|right|bottom) trim edge; keep text '
                     r'at least 5 mm inside', err), err


def test_a_new_layout_is_a_new_folder(project, capsys):
    import shutil

    shutil.copytree(project / 'layouts' / 'leaflet-a5',
                    project / 'layouts' / 'leaflet-a5-green')
    css = project / 'layouts' / 'leaflet-a5-green' / 'style.css'
    css.write_text(css.read_text('utf-8') +
                   '\n.edition-print { --brand-primary: '
                   'device-cmyk(.85 0 .75 .45); }\n')
    code, out, err = run(project, 'build', '--layout', 'leaflet-a5-green',
                         capsys=capsys)
    assert code == 0, err
    assert (project / 'output' /
            'trygghet-vasteras-leaflet-a5-green.pdf').is_file()


def test_a_broken_manifest_is_reported_with_positions(project, capsys):
    manifest = project / 'layouts' / 'poster-a3' / 'layout.yaml'
    manifest.write_text(manifest.read_text('utf-8')
                        .replace('count: 1', 'count: one')
                        .replace('size_mm: 62', 'size: 62'), 'utf-8')
    code, _, err = run(project, 'check', capsys=capsys)
    assert code == 1
    assert re.search(r'layouts/poster-a3/layout\.yaml:\d+:\d+: page\.count: '
                     r'expected a whole number from 1 to 64, found "one"', err)
    assert re.search(r'layouts/poster-a3/layout\.yaml:\d+:\d+: qr\.size: '
                     r'unknown field; did you mean "size_mm"\?', err)


def test_a_template_error_is_reported_with_its_line(project, capsys):
    template = project / 'layouts' / 'poster-a3' / 'template.html.j2'
    template.write_text(template.read_text('utf-8').replace(
        '{% endblock %}', '{% endblok %}'), 'utf-8')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert re.search(r'error: layouts/poster-a3/template\.html\.j2:\d+: '
                     r'template error: ', err), err


def test_an_undefined_template_variable_fails(project, capsys):
    template = project / 'layouts' / 'poster-a3' / 'template.html.j2'
    template.write_text(template.read_text('utf-8').replace(
        '{{ (campaign.proposals.heading or labels.proposals) | typeset }}',
        '{{ campaign.tittle }}'), 'utf-8')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 1
    assert 'the template uses something that does not exist' in err
    assert 'tittle' in err


def test_a_layout_can_require_content_fields(project, capsys):
    manifest = project / 'layouts' / 'poster-a3' / 'layout.yaml'
    manifest.write_text(manifest.read_text('utf-8') + 'requires: [faq, sections]\n')
    content = project / 'content' / 'trygghet-vasteras.yaml'
    text = content.read_text('utf-8')
    start, end = text.index('\nfaq:'), text.index('\nfurther_reading:')
    content.write_text(text[:start] + text[end:], 'utf-8')
    code, _, err = run(project, 'check', capsys=capsys)
    assert code == 1
    assert ('error: content/trygghet-vasteras.yaml:1:1: faq: the layout '
            'poster-a3 needs this field, and the file has none; add it, or '
            'choose other layouts with "layouts:"') in err
    assert 'sections: the layout' not in err


def test_clipped_content_is_an_error_not_a_silent_loss(project, capsys):
    css = project / 'layouts' / 'leaflet-a5' / 'style.css'
    css.write_text(css.read_text('utf-8') +
                   '\n.intro { height: 12mm; overflow: hidden; }\n')
    code, _, err = run(project, 'check', '--layout', 'leaflet-a5',
                       capsys=capsys)
    assert code == 1
    assert re.search(r'content/trygghet-vasteras\.yaml:\d+:\d+: intro\[\d\]: '
                     r'does not fit in its frame on page 1 \(front\) of '
                     r'leaflet-a5: about \d+ mm too much', err), err


def test_an_unfinished_layout_blocks_only_full_builds(project, capsys):
    (project / 'layouts' / 'wip').mkdir()
    (project / 'layouts' / 'wip' / 'layout.yaml').write_text('description:\n')
    code, _, err = run(project, 'check', '--layout', 'poster-a3',
                       capsys=capsys)
    assert code == 0, err
    code, _, err = run(project, 'check', capsys=capsys)
    assert code == 1
    assert ('error: layouts/wip/layout.yaml:1:1: page: this required field '
            'is missing') in err


def test_copyfit_shrinks_body_type_and_says_so(project, tmp_path, capsys):
    extra = ('Vi vill se fler vuxna ute på kvällarna, fler fältassistenter '
             'och bättre samarbete mellan skola och socialtjänst. ') * 4
    path = _write_variant(tmp_path, 'snug', 'och civilsamhälle.',
                          'och civilsamhälle. ' + extra)
    code, out, err = run(project, 'build', str(path), '--layout',
                         'leaflet-a5', '--edition', 'print', capsys=capsys)
    assert code == 0, err
    assert re.search(r'built\s+output/snug-leaflet-a5\.pdf .* copyfit: '
                     r'--type-body 9 → 8\.\d+ pt', out), out
    manifest = json.loads((project / 'output' / 'manifest.json').read_text())
    entry, = manifest['outputs']
    assert entry['copyfit']['property'] == '--type-body'
    assert entry['copyfit']['from_pt'] == 9
    assert 8 <= entry['copyfit']['to_pt'] < 9
    # The body text really is set smaller (PDFium reads the font size).
    import pypdfium2

    import pypdfium2.raw as raw

    document = pypdfium2.PdfDocument(str(project / entry['path']))
    textpage = document[0].get_textpage()
    # WeasyPrint sets text in CSS px under a 0.75 scale: back to points.
    sizes = {round(raw.FPDFText_GetFontSize(textpage, i) * 0.75, 2)
             for i in range(textpage.count_chars())}
    document.close()
    to_pt = entry['copyfit']['to_pt']
    assert to_pt in sizes  # the proposals' text
    intro = [size for size in sizes if abs(size - to_pt * 1.11) < 0.02]
    assert intro  # the intro, 1.11 em of the body size


def test_copyfit_gives_up_at_its_floor_and_says_so(project, tmp_path, capsys):
    path = _write_variant(tmp_path, 'long', 'och civilsamhälle.',
                          'och civilsamhälle. ' + _long_paragraph(250))
    code, _, err = run(project, 'check', str(path), '--layout', 'leaflet-a5',
                       capsys=capsys)
    assert code == 1
    assert ('(even with the type shrunk from 9 to 8 pt, the smallest the '
            'layout allows)') in err
    assert err.count('error:') == 1  # print and screen say it once


def test_a_copyfit_property_the_css_does_not_set_is_refused(project, capsys):
    manifest = project / 'layouts' / 'poster-a3' / 'layout.yaml'
    manifest.write_text(manifest.read_text('utf-8').replace(
        'property: --list-size', 'property: --list-sise'), 'utf-8')
    code, _, err = run(project, 'check', capsys=capsys)
    assert code == 1
    assert re.search(r'layouts/poster-a3/layout\.yaml:\d+:\d+: '
                     r'copyfit\.property: no stylesheet of the layout sets '
                     r'--list-sise to a size in pt', err), err


def test_new_layout_scaffold_builds_at_once(project, capsys):
    code, out, err = run(project, 'new-layout', 'leaflet-a5-kampanj',
                         '--from', 'leaflet-a5', capsys=capsys)
    assert code == 0, err
    folder = project / 'layouts' / 'leaflet-a5-kampanj'
    assert sorted(p.name for p in folder.iterdir()) == [
        'layout.yaml', 'style.css', 'template.html.j2']
    assert 'default: no' in (folder / 'layout.yaml').read_text('utf-8')
    code, out, err = run(project, 'build', '--layout', 'leaflet-a5-kampanj',
                         capsys=capsys)
    assert code == 0, err
    assert (project / 'output' /
            'trygghet-vasteras-leaflet-a5-kampanj.pdf').is_file()
    # Not a default layout: a plain build does not make it.
    code, out, err = run(project, 'check', capsys=capsys)
    assert 'kampanj' not in out


def test_new_layout_refuses_clashes_and_bad_names(project, capsys):
    assert run(project, 'new-layout', 'poster-a3', capsys=capsys)[0] == 2
    code, _, err = run(project, 'new-layout', 'Ny Layout', capsys=capsys)
    assert code == 2
    assert '"Ny Layout" is not a layout name' in err
    code, _, err = run(project, 'new-layout', 'x', '--from', 'nope',
                       capsys=capsys)
    assert code == 2
    assert 'no layout called "nope"' in err
