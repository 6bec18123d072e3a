"""The tri-fold layout (A4, DL panels): folds in the manifest, text clear of
them (the preflight checks), fold lines on the proofs."""

from __future__ import annotations

import json
import re

import pytest

from conftest import pdf_boxes, pdf_text, run, seed_sentences


@pytest.fixture
def trifold(project, capsys):
    code, out, err = run(project, 'build', '--layout', 'trifold-dl',
                         capsys=capsys)
    assert code == 0, err
    return project, out


def test_trifold_builds_and_passes_the_fold_check(trifold):
    project, out = trifold
    manifest = json.loads((project / 'output' / 'manifest.json').read_text())
    for entry in manifest['outputs']:
        assert entry['layout'] == 'trifold-dl'
        assert entry['pages'] == 2
        assert entry['trim_mm'] == [297, 210]
    report = (project / 'output' / 'proofs' / 'report.html').read_text()
    assert report.count('<td>folds</td>') == 2
    assert 'FAILS' not in report
    boxes = pdf_boxes(project / 'output' / 'trygghet-vasteras-trifold-dl.pdf')
    x0, y0, x1, y1 = boxes[0]['TrimBox']
    assert (x1 - x0, y1 - y0) == pytest.approx((297, 210), abs=0.05)


def test_trifold_holds_every_sentence_of_the_seed(trifold):
    project, _ = trifold
    text = pdf_text(project / 'output' / 'trygghet-vasteras-trifold-dl.pdf')
    assert [s for s in seed_sentences() if s not in text] == []


def test_fold_lines_are_drawn_on_the_proofs(trifold):
    from PIL import Image

    project, _ = trifold
    proof = Image.open(project / 'output' / 'proofs' /
                       'trygghet-vasteras-trifold-dl-p2.png').convert('RGB')
    # 72 dpi, slug 10 mm: the inside's first fold (100 mm) is at
    # (10 + 100) mm.
    x = round((10 + 100) / 25.4 * 72)
    column = {proof.getpixel((dx, y)) for dx in range(x - 1, x + 2)
              for y in range(proof.height // 4, proof.height * 3 // 4)}
    assert (0, 150, 70) in column


def test_text_across_a_fold_fails_the_build(project, capsys):
    css = project / 'layouts' / 'trifold-dl' / 'style.css'
    css.write_text(css.read_text('utf-8') +
                   '\n:root { --fold-gutter: 4mm; }\n')
    code, _, err = run(project, 'check', '--layout', 'trifold-dl',
                       '--edition', 'print', capsys=capsys)
    assert code == 1
    assert re.search(r'output/trygghet-vasteras-trifold-dl\.pdf: preflight '
                     r'folds: page \d at [\d.]+ mm, [\d.]+ mm( \([^)]+\))?: '
                     r'text "[^"]+" (crosses|comes within 5 mm of) the fold '
                     r'at (97|197|100|200) mm', err), err
