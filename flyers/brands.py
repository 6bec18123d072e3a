"""Stage 1c: brands — one organisation's colours, fonts and logos.

In: ``brands/NAME/brand.yaml`` and the files it names (font files and
their licence, a CMYK and a screen logo), plus the press profile the
screen colours are derived through.  Out: a frozen :class:`Brand`, whose
:meth:`Brand.css` is the brand's stylesheet (the custom properties the
layouts use, @font-face rules, logos), or a
:class:`~flyers.errors.LayoutError` listing every problem of the brand.

A colour is given once, in CMYK for print; its screen colour is derived
through the press profile with LittleCMS (Pillow's ImageCms), or, when
brand.yaml gives one too, checked to be within ΔE2000 3 of it.  The screen
edition's text/background pairs (:data:`CONTRAST_PAIRS`) must meet WCAG 2.1
AA, and body text stays K-only in print.  Nothing of a brand is opened
before its real path is known to lie in the project's input folders.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .colourmath import (HEX_RE, contrast_ratio, delta_e_2000, from_hex, lab,
                         to_hex)
from .errors import LayoutError, Problem, UsageError
from .inputs import outside_problem, real_inside, unsafe_name
from .schema import (Choice, Field, Kind, ListOf, Number, Pattern, Struct,
                     Text, convert_file)

BRANDS = 'brands'
MANIFEST = 'brand.yaml'
DEFAULT = 'default'
NAME_RE = r'[a-z0-9][a-z0-9-]{0,40}'
DEFAULT_PROFILE = 'assets/color/FOGRA39-flyers.icc'
MAX_DELTA_E = 3.0
BODY, LARGE = 4.5, 3.0  # WCAG 2.1 AA: body text, large text

# The colour tokens every layout uses (as var(--brand-NAME)), and what for.
TOKENS = {
    'primary': 'bands, headings, proposal titles',
    'primary-deep': 'the QR band',
    'accent': 'highlights on the bands: subtitle, web address, numbers',
    'ink': 'body text (K only in print)',
    'muted': 'secondary text such as printed web addresses (K only)',
    'tint': 'light panels behind proposals and questions',
    'rule': 'hairlines',
    'paper': 'the page',
    'on-primary': 'text on the bands',
    'on-primary-muted': 'small print on the bands (scan line, imprint)',
    'draft': 'the DRAFT mark',
}
K_ONLY = ('ink', 'muted')

# (text, background, least ratio, where): the pairs the layouts set, read
# from layouts/_base/common.css and the layouts' style.css.  Primary on
# paper and tint is held to the body-text ratio because FAQ questions and
# proposal titles are set in it at body size; accent on the bands sets the
# 9 pt proposal numbers and the web address.
CONTRAST_PAIRS = (
    ('ink', 'paper', BODY, 'body text'),
    ('ink', 'tint', BODY, 'answers in the FAQ panel'),
    ('muted', 'paper', BODY, 'secondary text'),
    ('primary', 'paper', BODY, 'headings and arrows'),
    ('primary', 'tint', BODY, 'proposal titles and FAQ questions'),
    ('on-primary', 'primary', BODY, 'the hero band'),
    ('on-primary', 'primary-deep', BODY, 'the QR band'),
    ('on-primary-muted', 'primary', BODY, 'small print on the bands'),
    ('on-primary-muted', 'primary-deep', BODY, 'the scan line and imprint'),
    ('accent', 'primary', BODY, 'the subtitle and proposal numbers'),
    ('accent', 'primary-deep', BODY, 'the web address in the QR band'),
)

FAMILIES = {'text': 'Text', 'display': 'Display'}
FILE = Pattern(regex=r'[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*',
               description='a file name in the brand\'s folder (letters, '
               'digits, ".", "-", "_", and "/" between folders)')
CMYK_RE = re.compile(r'C(\d{1,3}(?:\.\d+)?) M(\d{1,3}(?:\.\d+)?) '
                     r'Y(\d{1,3}(?:\.\d+)?) K(\d{1,3}(?:\.\d+)?)')


@dataclass(frozen=True)
class Colour:
    cmyk: tuple[float, float, float, float]  # percent
    screen: str | None = None  # '#rrggbb' as declared, or derived

    @property
    def shown(self) -> str:
        return ' '.join(f'{ink}{value:g}' for ink, value in zip('CMYK',
                                                                self.cmyk))

    @property
    def device_cmyk(self) -> str:
        return 'device-cmyk(' + ' '.join(f'{v / 100:g}' for v in self.cmyk) \
            + ')'


@dataclass(frozen=True)
class Face:
    file: str
    weight: int = 400
    style: str = 'normal'


@dataclass(frozen=True)
class Fallback:
    """A family for the scripts the text and display faces lack (Arabic
    …): WeasyPrint takes a character from it where those have no glyph."""

    name: str
    licence: str
    faces: tuple[Face, ...]


@dataclass(frozen=True)
class Fonts:
    licence: str
    text: tuple[Face, ...]
    display: tuple[Face, ...]
    fallback: tuple[Fallback, ...] = ()


@dataclass(frozen=True)
class Logos:
    print: str
    screen: str


@dataclass(frozen=True)
class Brand:
    """One brand, checked.  File names are relative to the brand folder."""

    name: str  # who it is for, as brand.yaml says
    description: str
    colours: dict
    fonts: Fonts
    logos: Logos
    profile: str = DEFAULT_PROFILE
    folder_name: str = ''  # brands/<folder_name>/
    positions: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def path(self) -> str:
        return f'{BRANDS}/{self.folder_name}'

    @property
    def source(self) -> str:
        return f'{self.path}/{MANIFEST}'

    def family(self, kind: str) -> str:
        """The family name of the brand's text or display faces: one per
        brand, so two brands built by one process never share a name
        (fontconfig would pick either brand's file)."""
        return f'Brand {FAMILIES[kind]} {self.folder_name}'

    def fallback_family(self, index: int) -> str:
        """The family name of the brand's index-th fallback family."""
        return f'Brand Fallback{index + 1} {self.folder_name}'

    @property
    def families(self) -> set[str]:
        return {self.family(kind) for kind in FAMILIES} | {
            self.fallback_family(i) for i in range(len(self.fonts.fallback))}

    def font_files(self, root: Path) -> list[Path]:
        return [root / self.path / face.file for faces in self.font_groups()
                for face in faces]

    def font_groups(self) -> list[tuple[Face, ...]]:
        """The faces, family by family: text and display (which set every
        character of a campaign between them), then each fallback family
        (which sets what those lack)."""
        return [getattr(self.fonts, kind) for kind in FAMILIES] + [
            family.faces for family in self.fonts.fallback]

    def logo_url(self, edition: str) -> str:
        """The edition's logo, relative to a layout folder (the base URL
        of every page)."""
        return f'../../{self.path}/{getattr(self.logos, edition)}'

    def css(self) -> str:
        """The brand's stylesheet, made from brand.yaml; the page gets it
        in a <style> element, whose URLs resolve from the layout folder."""
        lines = [f'/* Generated from {self.source}: change that file, not '
                 'this. */', '/* Fonts */']
        for kind in FAMILIES:
            for face in getattr(self.fonts, kind):
                lines.append(
                    f'@font-face {{ font-family: "{self.family(kind)}"; '
                    f'font-weight: {face.weight}; font-style: {face.style}; '
                    f'src: url(../../{self.path}/{face.file}); }}')
        for index, family in enumerate(self.fonts.fallback):
            for face in family.faces:
                lines.append(
                    f'@font-face {{ font-family: '
                    f'"{self.fallback_family(index)}"; '
                    f'font-weight: {face.weight}; font-style: {face.style}; '
                    f'src: url(../../{self.path}/{face.file}); }}')
        lines.append('/* Variables */')
        for edition in ('print', 'screen'):
            values = [f'--brand-{token}: '
                      + (colour.device_cmyk if edition == 'print'
                         else colour.screen) + ';'
                      for token, colour in self.colours.items()]
            values.append(f'--brand-logo: url({self.logo_url(edition)});')
            lines.append(f'.edition-{edition} {{ ' + ' '.join(values) + ' }')
        more = ''.join(f', "{self.fallback_family(i)}"'
                       for i in range(len(self.fonts.fallback)))
        lines.append(f':root {{ --brand-font-text: "{self.family("text")}"'
                     f'{more}; --brand-font-display: '
                     f'"{self.family("display")}"{more}; }}')
        return '\n'.join(lines) + '\n'

    def problem(self, path: str, message: str) -> Problem:
        line, column = self.positions.get(path, (None, None))
        return Problem(self.source, message, line, column, path)


class ColourKind(Kind):
    """``C100 M70 Y0 K40``, or ``{print: C100 M70 Y0 K40, screen: "#0b3b73"}``."""

    description = ('a CMYK colour in percent such as "C100 M70 Y0 K40", or '
                   '"print:" and "screen:" lines')
    inner = Struct(name='colour', build=dict, fields=(
        Field('print', Pattern(regex=CMYK_RE.pattern,
                               description='C… M… Y… K… in percent'),
              'the print colour, CMYK in percent', True),
        Field('screen', Pattern(regex=HEX_RE.pattern,
                                description='"#rrggbb" in quotes'),
              'the screen colour (checked against the print colour)'),
    ))

    def convert(self, node, path, ctx):
        if isinstance(node, yaml.MappingNode):
            value = self.inner.convert(node, path, ctx)
            if value is None:
                return None
            cmyk, screen = value['print'], value.get('screen')
        elif isinstance(node, yaml.ScalarNode) and CMYK_RE.fullmatch(
                node.value.strip()):
            cmyk, screen = node.value.strip(), None
        else:
            return self.expect(node, path, ctx)
        inks = tuple(float(v) for v in CMYK_RE.fullmatch(cmyk).groups())
        if max(inks) > 100:
            ctx.problem(node, path, f'"{cmyk}": each ink is 0 to 100 %')
            return None
        return Colour(inks, screen.lower() if screen else None)


_FACE = Struct(name='font face', build=Face, fields=(
    Field('file', FILE, 'the .otf or .ttf file, in the brand\'s folder', True),
    Field('weight', Number(minimum=100, maximum=900, integer=True),
          'its weight: 400 regular, 700 bold … (default 400)'),
    Field('style', Choice(values=('normal', 'italic')),
          'normal or italic (default normal)'),
))

_FALLBACK = Struct(name='fallback family', build=Fallback, fields=(
    Field('name', Text(inline=False, max_length=80),
          'the typeface, as its publisher names it (Noto Naskh Arabic)', True),
    Field('licence', FILE, 'its licence file, in the brand\'s folder', True),
    Field('faces', ListOf(item=_FACE), 'its faces', True),
))

SCHEMA = Struct(name='brand', build=Brand, fields=(
    Field('name', Text(inline=False, max_length=120),
          'the organisation the brand is for', True),
    Field('description', Text(inline=False, max_length=400),
          'what the brand is, and where its colours come from', True),
    Field('profile', Pattern(regex=r'assets/[A-Za-z0-9_./-]+\.ic[cm]',
                             description='a colour profile in assets/'),
          'the press profile screen colours are derived through (default '
          + DEFAULT_PROFILE + ')'),
    Field('colours', Struct(name='colours', build=lambda **kw: kw, fields=tuple(
        Field(token, ColourKind(), use, True)
        for token, use in TOKENS.items())), 'the colours, each given once, '
        'in CMYK', True),
    Field('fonts', Struct(name='fonts', build=Fonts, fields=(
        Field('licence', FILE, 'the fonts\' licence file (OFL.txt …)', True),
        Field('text', ListOf(item=_FACE), 'the faces of body text', True),
        Field('display', ListOf(item=_FACE),
              'the faces of titles and headings', True),
        Field('fallback', ListOf(item=_FALLBACK), (
            'families for the scripts the text and display faces lack '
            '(Arabic …), each with its own licence: a character is taken '
            'from them only where those have no glyph')),
    )), 'the font files, per family, and their licence', True),
    Field('logos', Struct(name='logos', build=Logos, fields=(
        Field('print', FILE, 'SVG in device-cmyk() colours', True),
        Field('screen', FILE, 'SVG in sRGB colours', True),
    )), 'the logo, for print and for the screen', True),
))


def brand_names(root: Path) -> list[str]:
    folder = root / BRANDS
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and not p.name.startswith(('_', '.'))
                  and (p / MANIFEST).is_file()) if folder.is_dir() else []


def unknown_brand(name: str, available: list[str]) -> str:
    close = difflib.get_close_matches(name, available, n=1)
    hint = f'did you mean "{close[0]}"? ' if close else ''
    return (f'there is no brand called "{name}" (no {BRANDS}/{name}/'
            f'{MANIFEST}); {hint}brands: {", ".join(available) or "none"}')


def load_brand(root: Path, name: str) -> Brand:
    """Load and check ``brands/NAME``; raise LayoutError with every
    problem."""
    folder = root / BRANDS / name
    outside = [outside_problem(root, path) for path in _walk(root, folder)
               if not real_inside(root, path)]
    unsafe = unsafe_name(folder)
    if outside or unsafe:
        raise LayoutError(outside + ([unsafe] if unsafe else []))
    shown = f'{BRANDS}/{name}/{MANIFEST}'
    brand, problems, positions = convert_file(folder / MANIFEST, shown,
                                              SCHEMA, LayoutError)
    if brand is not None:
        brand = dataclasses.replace(brand, folder_name=name,
                                    positions=positions)
        problems += _file_problems(root, brand)
        if not problems:
            brand, colour_problems = _with_screen_colours(root, brand)
            problems += colour_problems
    if problems or brand is None:
        raise LayoutError(problems)
    return brand


def _walk(root: Path, top: Path):
    yield top
    if top.is_dir() and real_inside(root, top):
        yield from sorted(top.rglob('*'))


def _file_problems(root: Path, brand: Brand) -> list[Problem]:
    from .fonts import FONT_SUFFIXES

    found = []
    named = [('fonts.licence', brand.fonts.licence, None)]
    groups = [(f'fonts.{kind}', getattr(brand.fonts, kind))
              for kind in FAMILIES]
    for number, family in enumerate(brand.fonts.fallback):
        named.append((f'fonts.fallback[{number}].licence', family.licence,
                      None))
        groups.append((f'fonts.fallback[{number}].faces', family.faces))
    for where, faces in groups:
        for index, face in enumerate(faces):
            named.append((f'{where}[{index}].file', face.file,
                          FONT_SUFFIXES))
    # A logo is SVG as a rule, but any picture the fetcher checks will do.
    named += [('logos.print', brand.logos.print, None),
              ('logos.screen', brand.logos.screen, None)]
    for path, file, suffixes in named:
        target = root / brand.path / file
        if not target.is_file():
            found.append(brand.problem(path, (
                f'"{file}" is not a file in {brand.path}/; put it there or '
                'correct the name')))
        elif suffixes and target.suffix.lower() not in suffixes:
            found.append(brand.problem(path, (
                f'"{file}" is not a {" or ".join(suffixes)} file; name the '
                'font file itself')))
    faces = {}
    for where, group in groups:
        for index, face in enumerate(group):
            key = (where, face.weight, face.style)
            if key in faces:
                found.append(brand.problem(f'{where}[{index}]', (
                    f'a second {face.style} face of weight {face.weight} '
                    f'(the first is {faces[key]}); keep one')))
            faces[key] = face.file
    return found


def _with_screen_colours(root: Path, brand: Brand):
    """The brand with every screen colour set (derived where not given),
    and the problems of its colours."""
    from .colour import locate_profile, profile_problems

    problems = []
    path, why = locate_profile(root, brand.profile)
    if path is not None:
        why = '; '.join(profile_problems(path, brand.profile)) or None
    if why:
        return brand, [brand.problem('profile', why)]
    colours = {}
    for token, colour in brand.colours.items():
        derived = to_hex(_derived(path, path.stat().st_mtime_ns, colour.cmyk))
        if colour.screen is not None:
            difference = delta_e_2000(lab(from_hex(colour.screen)),
                                      lab(from_hex(derived)))
            if difference > MAX_DELTA_E:
                problems.append(brand.problem(f'colours.{token}', (
                    f'the screen colour {colour.screen} is ΔE '
                    f'{difference:.1f} from the print colour {colour.shown} '
                    f'(at most {MAX_DELTA_E:g}); through {brand.profile} '
                    f'the print colour looks like {derived}: use that, or '
                    'leave "screen:" out to have it derived')))
        colours[token] = dataclasses.replace(colour,
                                             screen=colour.screen or derived)
    brand = dataclasses.replace(brand, colours=colours)
    for token in K_ONLY:
        c, m, y, _ = colours[token].cmyk
        if c or m or y:
            problems.append(brand.problem(f'colours.{token}', (
                f'{colours[token].shown}: text colours print in black ink '
                'only (C0 M0 Y0), so small type stays sharp when the plates '
                'shift; use K alone')))
    for text, background, least, where in CONTRAST_PAIRS:
        ratio = contrast_ratio(from_hex(colours[text].screen),
                               from_hex(colours[background].screen))
        if ratio < least:
            problems.append(brand.problem(f'colours.{text}', (
                f'{text} ({colours[text].screen}) on {background} '
                f'({colours[background].screen}), used for {where}, has a '
                f'contrast of {ratio:.2f}:1 on screen, below the '
                f'{least:g}:1 WCAG 2.1 AA asks for; make one of them darker '
                'or lighter')))
    return brand, problems


@functools.lru_cache(maxsize=256)
def _derived(profile: Path, mtime_ns: int, cmyk: tuple) -> tuple:
    """The sRGB colour a CMYK colour (percent) prints as, through the
    press profile, relative colorimetric (as images are converted)."""
    from PIL import Image, ImageCms

    transform = _transform(profile, mtime_ns)
    pixel = Image.new('CMYK', (1, 1), tuple(round(v * 255 / 100)
                                            for v in cmyk))
    return ImageCms.applyTransform(pixel, transform).getpixel((0, 0))


@functools.lru_cache(maxsize=4)
def _transform(profile: Path, mtime_ns: int):
    from PIL import ImageCms

    return ImageCms.buildTransform(
        ImageCms.ImageCmsProfile(str(profile)), ImageCms.createProfile('sRGB'),
        'CMYK', 'RGB',
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)


def new_brand(root: Path, name: str, source: str) -> Path:
    """Copy ``brands/SOURCE`` to ``brands/NAME``, ready to build and then
    change; links are copied as links, and a source with a link leading
    out of the project is refused."""
    import shutil

    if not re.fullmatch(NAME_RE, name):
        raise UsageError(Problem('NAME', f'"{name}" is not a brand name; use '
                                 'lower-case letters, digits and "-"'))
    available = brand_names(root)
    if source not in available:
        raise UsageError(Problem('--from', unknown_brand(source, available)))
    target = root / BRANDS / name
    if target.exists() or target.is_symlink():
        raise UsageError(Problem(f'{BRANDS}/{name}', 'exists already; choose '
                                 'another name'))
    load_brand(root, source)  # it must load as it is
    shutil.copytree(root / BRANDS / source, target, symlinks=True)
    manifest = target / MANIFEST
    manifest.write_text(f'# Made from {BRANDS}/{source} with "make_flyers.py '
                        f'new-brand {name}".\n'
                        + manifest.read_text('utf-8'), 'utf-8')
    load_brand(root, name)
    return target
