"""Shared fixtures: throw-away copies of the project, a built default set,
and readers that use tools nobody here wrote (poppler, zxing-cpp)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / 'fixtures'
SEED = FIXTURES / 'seed-trygghet-vasteras.txt'
MM_PER_PT = 25.4 / 72

sys.path.insert(0, str(ROOT))

from flyers.cli import main  # noqa: E402


# The example campaign of the second brand: copied only where a test asks
# for it (every_campaign=True, tests/test_brands.py), so the other tests
# build the seed alone and the suite stays fast.
SECOND_CAMPAIGN = 'solrosen-varstamma.yaml'
# The seed's translations likewise: copied only where a test asks for them
# (translations=True, tests/test_translations.py).
TRANSLATIONS = ('trygghet-vasteras-en.yaml', 'trygghet-vasteras-ar.yaml')
# The seed's variants table (one leaflet per district): copied only where a
# test asks for it (variants=True), so the other tests build one seed
# campaign, not dozens of outputs.
VARIANT_TABLES = '*.variants.csv'


def copy_project(target: Path, content: bool = True,
                 every_campaign: bool = False, translations: bool = False,
                 variants: bool = False) -> Path:
    """A private copy of layouts/, brands/, assets/ (and content/) to
    build into."""
    left_out = (() if every_campaign else (SECOND_CAMPAIGN,)) + (
        () if translations else TRANSLATIONS) + (
        () if variants else (VARIANT_TABLES,))
    for name in ('layouts', 'brands', 'assets', 'printshops') + (
            ('content',) if content else ()):
        ignore = (shutil.ignore_patterns(*left_out)
                  if name == 'content' and left_out else None)
        shutil.copytree(ROOT / name, target / name,
                        ignore=ignore)
    if not content:
        (target / 'content').mkdir()
    return target


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / 'project')


@pytest.fixture
def empty_project(tmp_path) -> Path:
    return copy_project(tmp_path / 'project', content=False)


def run(project: Path, *args: str, capsys=None) -> tuple[int, str, str]:
    """Run the command line in-process; return (exit code, stdout, stderr)."""
    code = main(['--project', str(project), *args])
    if capsys is None:
        return code, '', ''
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@dataclass
class Built:
    project: Path
    manifest: dict
    stdout: str
    stderr: str

    def output(self, layout: str, content: str = 'trygghet-vasteras',
               edition: str = 'print') -> dict:
        for entry in self.manifest['outputs']:
            if (entry['layout'] == layout and entry['edition'] == edition
                    and Path(entry['content']).stem == content):
                return entry
        raise KeyError((content, layout, edition))

    def pdf(self, layout: str, content: str = 'trygghet-vasteras',
            edition: str = 'print') -> Path:
        return self.project / self.output(layout, content, edition)['path']


@pytest.fixture(scope='session')
def built(tmp_path_factory) -> Built:
    """The default content built once, as a new user would."""
    project = copy_project(tmp_path_factory.mktemp('built') / 'project')
    result = subprocess.run(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'build'], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((project / 'output' / 'manifest.json').read_text())
    return Built(project, manifest, result.stdout, result.stderr)


# --- independent readers ---------------------------------------------------

def pdf_boxes(pdf: Path) -> list[dict[str, tuple[float, ...]]]:
    """Page boxes in millimetres, read by poppler's pdfinfo."""
    out = subprocess.run(['pdfinfo', '-box', '-f', '1', '-l', '999', str(pdf)],
                         capture_output=True, text=True, check=True).stdout
    pages: dict[int, dict] = {}
    for match in re.finditer(r'Page\s+(\d+)\s+(\w+):\s+([-\d.\s]+)\n', out):
        numbers = tuple(float(n) * MM_PER_PT for n in match[3].split())
        pages.setdefault(int(match[1]), {})[match[2]] = numbers
    return [pages[k] for k in sorted(pages)]


def pdf_text(pdf: Path, page: int | None = None) -> str:
    """Text in content order, read by PDFium, with hyphenation undone and
    white space collapsed, so sentences can be searched for.  (pdftotext
    -nodiag drops a word next to the diagonal DRAFT mark, and without
    -nodiag interleaves the mark's letters with the text.)"""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        pages = range(len(document)) if page is None else [page - 1]
        text = '\n'.join(document[i].get_textpage().get_text_bounded()
                         for i in pages)
    finally:
        document.close()
    return normalise(text)


def normalise(text: str) -> str:
    # WeasyPrint hyphenates with U+2010, never used in the content itself;
    # PDFium reports a hyphen at a line end as \x02.
    text = re.sub('[\u2010\x02]\\s*\r?\n\\s*', '', text)
    text = text.replace('\u00ad', '')
    return re.sub(r'\s+', ' ', text).strip()


def pdf_fonts(pdf: Path) -> list[dict[str, str]]:
    out = subprocess.run(['pdffonts', str(pdf)], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    fonts = []
    for line in out[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID
        fonts.append({'name': parts[0], 'emb': parts[-5], 'sub': parts[-4]})
    return fonts


def decode_qr_codes(pdf: Path, page_index: int, dpi: int = 300) -> list:
    """Rasterise one page with PDFium and decode with zxing-cpp."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[page_index].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    return zxingcpp.read_barcodes(image)


def seed_sentences() -> list[str]:
    """Every sentence of the seed page, Markdown markup removed."""
    text = SEED.read_text('utf-8')
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', text)
    text = text.replace('**', '')
    sentences = []
    for line in text.splitlines():
        line = line.strip().lstrip('-–').strip()
        if not line:
            continue
        sentences += [s.strip() for s in re.split(r'(?<=[.?!:])\s+', line)
                      if s.strip()]
    return sentences


def pytest_addoption(parser):
    parser.addoption('--update-golden', action='store_true',
                     help='rewrite the expected-output files of the '
                          'data-driven tests from what the code does now')


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption('--update-golden')
