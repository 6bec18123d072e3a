"""Stage 1c: layouts — folders under ``layouts/`` with a manifest.

In: ``layouts/NAME/layout.yaml`` (plus the template and stylesheets it
names).  Out: a frozen :class:`Layout`, or a
:class:`~flyers.errors.LayoutError` listing every problem.  A folder whose
name starts with ``_`` (``_base``) holds shared parts and is not a layout.
Adding a layout is adding a folder.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import LayoutError, Problem
from .inputs import outside_problem, read_input, real_inside
from .schema import (Choice, Field, Kind, ListOf, Number, Pattern, Struct,
                     Text, convert_file, describe)

MANIFEST = 'layout.yaml'

# The content fields a layout may declare that it needs.
CONTENT_FIELDS = ('organisation', 'subtitle', 'intro', 'sections', 'proposals',
                  'faq', 'further_reading', 'call_to_action')


@dataclass(frozen=True)
class Page:
    width_mm: float
    height_mm: float
    count: int
    names: tuple[str, ...] = ()
    # As written: one tuple of mm for every page, or one tuple per page
    # (a sheet printed on both sides: the back's folds are the mirror of
    # the front's).  Read a page's folds with folds_on().
    folds_mm: tuple = ()

    def folds_on(self, index: int) -> tuple[float, ...]:
        """The folds of page ``index`` (0-based), in mm from its left
        trim edge."""
        return folds_on(self.folds_mm, index)

    @property
    def folds_per_page(self) -> tuple[tuple[float, ...], ...]:
        """The folds of every page, one tuple per page (() without
        folds)."""
        if not self.folds_mm:
            return ()
        return tuple(self.folds_on(i) for i in range(self.count))

    def folds_for(self, direction: str) -> tuple[tuple[float, ...], ...]:
        """The folds of every page for a text ``direction``: right to left
        (``rtl``), the sheet is the mirror image of the left-to-right one
        (the cover opens the other way), so each fold lies as far from the
        right trim edge as it is written from the left."""
        if direction != 'rtl':
            return self.folds_per_page
        return tuple(tuple(sorted(round(self.width_mm - fold, 3)
                                  for fold in folds))
                     for folds in self.folds_per_page)


def folds_on(folds, index: int) -> tuple[float, ...]:
    """The folds of page ``index`` (0-based) from ``folds``: () (no folds),
    one tuple of mm for every page, or one tuple per page."""
    if not folds:
        return ()
    if isinstance(folds[0], (tuple, list)):
        return tuple(folds[index]) if index < len(folds) else ()
    return tuple(folds)


@dataclass(frozen=True)
class QrSpec:
    size_mm: float
    min_mm: float = 20.0


@dataclass(frozen=True)
class Copyfit:
    """Fit the content to the page: the CSS custom property ``property``
    (a size in pt set in the layout's stylesheets) takes the largest value,
    in steps of ``step_pt`` between ``floor_pt`` and ``ceiling_pt`` (default:
    the stylesheet's size, so type only shrinks), at which everything fits;
    content that does not fit at the floor fails."""

    property: str
    floor_pt: float
    step_pt: float = 0.25
    ceiling_pt: float | None = None


@dataclass(frozen=True)
class Layout:
    description: str
    page: Page
    qr: QrSpec
    template: str = 'template.html.j2'
    stylesheets: tuple[str, ...] = ('style.css',)
    requires: tuple[str, ...] = ()
    default: str = 'yes'
    copyfit: Copyfit | None = None
    empty_bands_allowed_mm: tuple = ()
    name: str = ''
    folder: Path = field(default=Path('.'), compare=False, repr=False)
    positions: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def manifest(self) -> str:
        return f'layouts/{self.name}/{MANIFEST}'

    @property
    def is_default(self) -> bool:
        return self.default == 'yes'

    def problem(self, path: str, message: str) -> Problem:
        line, column = self.positions.get(path, (None, None))
        return Problem(self.manifest, message, line, column, path)


FILE_NAME = r'[A-Za-z0-9_][A-Za-z0-9_.-]*'

_FOLD = Number(minimum=1, maximum=2000)


class Folds(Kind):
    """Folds in mm: one list for every page (``[99, 198]``) or a list per
    page (``[[97, 197], [100, 200]]``)."""

    description = ('a list of folds in mm for every page, e.g. [99, 198], '
                   'or one such list per page, e.g. [[97, 197], [100, 200]]')

    def convert(self, node, path, ctx):
        if not isinstance(node, yaml.SequenceNode):
            return self.expect(node, path, ctx)
        if not node.value:
            return ()  # no folds
        lists = [isinstance(child, yaml.SequenceNode) for child in node.value]
        if any(lists) and not all(lists):
            ctx.problem(node, path, (
                'found numbers and lists mixed; write one list of folds in mm '
                'for every page, e.g. [99, 198], or one list per page, e.g. '
                '[[97, 197], [100, 200]]'))
            return None
        if any(lists):
            return ListOf(item=ListOf(item=_FOLD, min_items=0,
                                      max_items=20)).convert(node, path, ctx)
        return ListOf(item=_FOLD).convert(node, path, ctx)

SCHEMA = Struct(name='layout', build=Layout, fields=(
    Field('description', Text(inline=False), 'what the layout is for', True),
    Field('page', Struct(name='page', build=Page, fields=(
        Field('width_mm', Number(minimum=50, maximum=2000),
              'trimmed width in millimetres', True),
        Field('height_mm', Number(minimum=50, maximum=2000),
              'trimmed height in millimetres', True),
        Field('count', Number(minimum=1, maximum=64, integer=True),
              'exactly this many pages; content that needs more fails the '
              'build', True),
        Field('names', ListOf(item=Pattern(regex=r'[a-z][a-z0-9-]*',
                                           description='a page name')),
              'what each page is called in messages (front, back, …)'),
        Field('folds_mm', Folds(),
              'vertical folds, in mm from the left trim edge: no text may '
              'come within the safe zone of one (the preflight checks it); '
              'one list for every page, or one per page (a sheet printed on '
              'both sides: the back\'s folds mirror the front\'s)'),
    )), 'page geometry (bleed and safe zone are the print shop\'s: '
        'printshops/): the template gets it as @page rules', True),
    Field('qr', Struct(name='qr', build=QrSpec, fields=(
        Field('size_mm', Number(minimum=10, maximum=500),
              'printed size of the QR code, quiet zone included', True),
        Field('min_mm', Number(minimum=10, maximum=500),
              'the preflight fails a symbol (without its quiet zone) '
              'smaller than this (default 20)'),
    )), 'the QR code', True),
    Field('template', Pattern(regex=FILE_NAME, description='a file name'),
          'the Jinja2 template in this folder (default template.html.j2)'),
    Field('stylesheets', ListOf(item=Pattern(regex=FILE_NAME,
                                             description='a file name')),
          'stylesheets in this folder, in order (default style.css)'),
    Field('requires', ListOf(item=Choice(values=CONTENT_FIELDS)),
          'content fields this layout cannot do without'),
    Field('default', Choice(values=('yes', 'no')),
          'built for content that does not list its layouts (default yes)'),
    Field('copyfit', Struct(name='copyfit', build=Copyfit, fields=(
        Field('property', Pattern(regex=r'--[a-z0-9-]+',
                                  description='a CSS custom property name'),
              'the size to shrink, e.g. --type-body', True),
        Field('floor_pt', Number(minimum=4, maximum=200),
              'never smaller than this', True),
        Field('step_pt', Number(minimum=0.05, maximum=20),
              'shrink (or grow) in steps of this (default 0.25)'),
        Field('ceiling_pt', Number(minimum=4, maximum=400),
              'grow the size up to this when the content is shorter than '
              'the page holds, so the page fills instead of leaving a white '
              'band (default: the stylesheet\'s size; never grow)'),
    )), 'what to do when content does not fit the page, or leaves it '
        'half empty (default: fail at once when it does not fit)'),
    Field('empty_bands_allowed_mm', ListOf(item=ListOf(item=Number(
        minimum=0, maximum=2000))), 'white space the design wants: [from, '
        'to] in mm from the top of the trimmed page, on every page; the '
        'preflight\'s empty-band warning does not count these rows'),
))


def layout_names(root: Path) -> list[str]:
    """Every layout folder under ``root/layouts``, sorted."""
    folder = root / 'layouts'
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and not p.name.startswith(('_', '.'))
                  and (p / MANIFEST).is_file()) if folder.is_dir() else []


def load_layout(root: Path, name: str) -> Layout:
    """Load ``layouts/NAME`` and check that the files it names exist."""
    folder = root / 'layouts' / name
    shown = f'layouts/{name}/{MANIFEST}'
    # Nothing of a layout is opened before its real path is known to be in
    # the project: its folder, the shared folders, every file in them.
    outside = [outside_problem(root, path)
               for top in [folder, *_shared(root)]
               for path in _walk(root, top) if not real_inside(root, path)]
    if outside:
        raise LayoutError(outside)
    layout, problems, positions = convert_file(folder / MANIFEST, shown,
                                               SCHEMA, LayoutError)
    if layout is not None:
        layout = dataclasses.replace(layout, name=name, folder=folder,
                                     positions=positions)
        for path, file in [('template', layout.template)] + [
                (f'stylesheets[{i}]', s)
                for i, s in enumerate(layout.stylesheets)]:
            if not (folder / file).is_file():
                problems.append(layout.problem(
                    path, f'"{file}" is not a file in layouts/{name}/'))
        if layout.copyfit and start_size(layout) is None:
            problems.append(layout.problem('copyfit.property', (
                f'no stylesheet of the layout sets {layout.copyfit.property} '
                'to a size in pt (e.g. "--type-body: 9pt;")')))
        elif layout.copyfit:
            fit, start = layout.copyfit, start_size(layout)
            if fit.floor_pt > start:
                problems.append(layout.problem('copyfit.floor_pt', (
                    f'{fit.floor_pt:g} pt is larger than the stylesheet\'s '
                    f'{fit.property} ({start:g} pt); the floor is the '
                    'smallest size allowed')))
            if fit.ceiling_pt is not None and fit.ceiling_pt < start:
                problems.append(layout.problem('copyfit.ceiling_pt', (
                    f'{fit.ceiling_pt:g} pt is smaller than the stylesheet\'s '
                    f'{fit.property} ({start:g} pt); the ceiling is the '
                    'largest size allowed')))
        bands = []
        for index, band in enumerate(layout.empty_bands_allowed_mm):
            if len(band) != 2 or band[0] >= band[1]:
                problems.append(layout.problem(
                    f'empty_bands_allowed_mm[{index}]', 'expected [from, to] '
                    'in mm from the top of the page, from smaller than to'))
            else:
                bands.append((float(band[0]), float(band[1])))
        layout = dataclasses.replace(layout,
                                     empty_bands_allowed_mm=tuple(bands))
        names = layout.page.names
        if names and len(names) != layout.page.count:
            problems.append(layout.problem(
                'page.names', f'expected {layout.page.count} names (one per '
                f'page), found {len(names)}'))
        problems.extend(_fold_problems(layout))
    if problems or layout is None:
        raise LayoutError(problems)
    return layout


def _fold_problems(layout: Layout) -> list[Problem]:
    """A list of folds per page needs one list for each page; a fold
    lies inside the page, the folds of a page from left to right."""
    page, problems = layout.page, []
    folds = page.folds_mm
    if folds and isinstance(folds[0], tuple) and len(folds) != page.count:
        return [layout.problem('page.folds_mm', (
            f'expected {page.count} lists of folds (one per page, in the '
            f'order of the pages), found {len(folds)}; or write one list, '
            'e.g. [99, 198], for every page'))]
    per_page = isinstance(folds[0], tuple) if folds else False
    for index in range(page.count if per_page else min(1, len(folds))):
        row = page.folds_on(index)
        path = f'page.folds_mm[{index}]' if per_page else 'page.folds_mm'
        outside = [f for f in row if f >= page.width_mm]
        if outside:
            problems.append(layout.problem(path, (
                f'a fold at {outside[0]:g} mm lies outside the page '
                f'({page.width_mm:g} mm wide); give folds in mm from the '
                'left trim edge')))
        elif list(row) != sorted(set(row)):
            problems.append(layout.problem(path, (
                'expected the folds from left to right, each once, e.g. '
                '[99, 198]')))
    return problems


def _shared(root: Path) -> list[Path]:
    folder = root / 'layouts'
    return [path for path in sorted(folder.iterdir())
            if path.name.startswith('_') and path.is_dir()]


def _walk(root: Path, top: Path):
    """``top`` and what is under it — not under a folder that leads out of
    the project (that folder is itself reported)."""
    yield top
    if not top.is_dir() or not real_inside(root, top):
        return
    for path in sorted(top.rglob('*')):
        yield path


def start_size(layout: Layout) -> float | None:
    """The size (pt) the layout's stylesheets give the copyfit property:
    the last declaration in the layout's own files, else in _base."""
    pattern = re.compile(re.escape(layout.copyfit.property)
                         + r'\s*:\s*([\d.]+)pt')
    for path in [layout.folder / s for s in reversed(layout.stylesheets)] + [
            layout.folder.parent / '_base' / 'common.css']:
        try:
            found = pattern.findall(read_input(path).decode('utf-8'))
        except (OSError, UnicodeDecodeError):
            continue
        if found:
            return float(found[-1])
    return None


def schema_markdown() -> str:
    return '\n'.join(describe(SCHEMA)) + '\n'


def new_layout(root: Path, name: str, source: str) -> Path:
    """Copy ``layouts/SOURCE`` to ``layouts/NAME`` so that it builds at once;
    its manifest says where it came from and is not a default layout."""
    import shutil

    from .errors import UsageError

    if not re.fullmatch(r'[a-z0-9][a-z0-9-]{0,40}', name):
        raise UsageError(Problem('NAME', f'"{name}" is not a layout name; use '
                                 'lower-case letters, digits and "-"'))
    if source not in layout_names(root):
        raise UsageError(Problem('--from', f'no layout called "{source}"; '
                                 'layouts: ' + ', '.join(layout_names(root))))
    target = root / 'layouts' / name
    if target.exists():
        raise UsageError(Problem(f'layouts/{name}', 'exists already; choose '
                                 'another name'))
    # The source must load as it is (no link out of the project) and is
    # copied with its links as links: a copy never turns a link into a
    # file holding what it pointed to.
    load_layout(root, source)
    shutil.copytree(root / 'layouts' / source, target, symlinks=True)
    manifest = target / MANIFEST
    text = manifest.read_text('utf-8')
    text = re.sub(r'(?m)^default: yes$', 'default: no', text)
    manifest.write_text(f'# Made from layouts/{source} with '
                        f'"make_flyers.py new-layout {name}".\n' + text,
                        'utf-8')
    load_layout(root, name)  # it must load as it is
    return target
