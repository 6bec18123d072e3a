"""Stage 1: campaign content — the schema, the loader and its checks.

In: ``content/NAME.yaml``.  Out: a frozen :class:`Campaign`, or a
:class:`~flyers.errors.ContentError` listing every problem in the file
(``content/NAME.yaml:LINE:COL: field.path: expected …, found …``).

The schema below is the single declaration of what a content file holds; it
drives validation, the "did you mean" hints and ``docs/content-schema.md``
(``python make_flyers.py schema`` prints it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import quote, urlsplit

import yaml

from .errors import ContentError, Problem
from .inputs import read_input
from .yamlstrict import MAX_BYTES, read_yaml
from .schema import (Choice, Context, Field, ListOf, MapOf, Pattern,
                     RelativePath, Struct, Text, Url, describe)


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Proposal:
    title: str
    text: str | None = None


@dataclass(frozen=True)
class Proposals:
    items: tuple[Proposal, ...]
    heading: str | None = None


@dataclass(frozen=True)
class Question:
    question: str
    answer: str


@dataclass(frozen=True)
class Faq:
    items: tuple[Question, ...]
    heading: str | None = None


@dataclass(frozen=True)
class Link:
    text: str
    url: str | None = None


@dataclass(frozen=True)
class FurtherReading:
    links: tuple[Link, ...]
    heading: str | None = None
    intro: str | None = None


@dataclass(frozen=True)
class Picture:
    """A photo from the campaign's pictures folder.  ``file`` is relative to
    that folder; ``src`` (its address from a layout folder) and ``field``
    (its content path, e.g. ``people[1].photo``) are filled in by the
    loader, for the templates."""

    file: str
    alt: str
    credit: str | None = None
    focus: str = '50% 50%'
    src: str = ''
    field: str = ''


@dataclass(frozen=True)
class Person:
    name: str
    role: str | None = None
    quote: str | None = None
    photo: Picture | None = None


@dataclass(frozen=True)
class PoliticalAd:
    """The campaign is political advertising (Regulation (EU) 2024/900):
    every output carries the label of its Article 11 — the statement, the
    sponsor and where the transparency notice is (docs/legal-marks.md)."""

    sponsor: str
    transparency_notice: str
    # Article 11(1)(c): the election, referendum or legislative process
    # the advertisement is linked to, where there is one.
    election: str | None = None


@dataclass(frozen=True)
class Campaign:
    """One campaign's content, validated.  ``source`` is the file it came
    from, as shown to the user; ``positions`` maps field paths to (line,
    column) so later stages can point at the right place."""

    title: str
    language: str
    url: str
    imprint: str
    status: str = 'final'
    organisation: str | None = None
    subtitle: str | None = None
    intro: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    proposals: Proposals | None = None
    faq: Faq | None = None
    further_reading: FurtherReading | None = None
    call_to_action: str | None = None
    qr_tracking: dict = field(default_factory=dict)
    layouts: tuple[str, ...] = ()
    hero: Picture | None = None
    people: tuple[Person, ...] = ()
    pictures_folder: str = 'images'
    brand: str = 'default'
    political_ad: PoliticalAd | None = None
    # A translation names its source file and the hashes of the source's
    # fields it was made from (flyers/translations.py).
    translation_of: str | None = None
    translated_from: dict | None = None
    source: str = field(default='', repr=False)  # no path in a PDF
    positions: dict = field(default_factory=dict, compare=False, repr=False)
    # The file itself (absolute), whatever folder it was named from.
    file: str = field(default='', compare=False, repr=False)
    # A variant (one row of the campaign's variants table, see
    # flyers.variants): its id, its row's (column, value) pairs, the
    # tracking parameters it adds to every QR code, and where the row is.
    variant: str = ''
    variant_values: tuple = ()
    variant_tracking: str | None = None
    variant_row: str = field(default='', compare=False, repr=False)

    @property
    def name(self) -> str:
        """The file's stem, and the variant's id: output files are called
        ``NAME-LAYOUT.pdf`` or ``NAME-VARIANT-LAYOUT.pdf``."""
        stem = Path(self.source).stem
        return f'{stem}-{self.variant}' if self.variant else stem

    @property
    def pictures(self) -> tuple[Picture, ...]:
        """Every picture of the content, in reading order."""
        found = [self.hero] if self.hero else []
        found += [person.photo for person in self.people if person.photo]
        return tuple(found)

    @property
    def credits(self) -> tuple[str, ...]:
        """The pictures' credits, each once, in reading order."""
        return tuple(dict.fromkeys(p.credit for p in self.pictures
                                   if p.credit))

    @property
    def is_draft(self) -> bool:
        return self.status == 'draft'

    def problem(self, path: str, message: str) -> Problem:
        """A problem pointing at field ``path`` of this campaign's file."""
        # A field that is missing has no position: point at its parent.
        parent = path
        while parent and parent not in self.positions:
            parent = parent.rpartition('.')[0]
        line, column, *cell = self.positions.get(parent, (1, 1))
        if cell:  # a variants table's cell
            return Problem(cell[0], message, line, column, path)
        if self.variant:
            message += f' (variant "{self.variant}", {self.variant_row})'
        return Problem(self.source, message, line, column, path)


@dataclass(frozen=True)
class NoticeUrl(Url):
    """An https address that is printed: never ``#`` (a label must say
    where its notice is)."""

    def convert(self, node, path, ctx):
        if isinstance(node, yaml.ScalarNode) and node.value.strip() == '#':
            ctx.problem(node, path, (
                '"#" is no address: the label must say where the '
                'transparency notice is; give its https:// address (a '
                'placeholder such as https://example.org/… makes a draft)'))
            return None
        return super().convert(node, path, ctx)


@dataclass(frozen=True)
class _ContentFileName(RelativePath):
    what: str = 'content file'
    description: str = 'a content file name such as "trygghet-vasteras.yaml"'


PERCENT = r'(100(\.0+)?|[1-9]?[0-9](\.[0-9]+)?)%'
PICTURE = Struct(name='picture', build=Picture, fields=(
    Field('file', RelativePath(what='file'),
          'the picture\'s file (JPEG, PNG or WebP), relative to the '
          'pictures folder (content/images/ unless pictures_folder says '
          'otherwise)', True),
    Field('alt', Text(inline=False, max_length=300),
          'what the picture shows, in words: the screen edition\'s '
          'alternative text', True),
    Field('credit', Text(inline=False, max_length=80),
          'who made it; printed small ("Foto: …")'),
    Field('focus', Pattern(regex=PERCENT + ' ' + PERCENT,
                           description='two percentages such as "30% 40%" '
                           '(across, then down; 0% to 100%)'),
          'the point to keep in frame when a layout crops the picture '
          '(CSS object-position); 50% 50% when left out'),
))

LAYOUT_NAME = r'[a-z0-9][a-z0-9-]{0,40}'
QUERY = r'[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~%+-]*(&[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~%+-]*)*'

SCHEMA = Struct(name='campaign', build=Campaign, fields=(
    Field('status', Choice(values=('draft', 'final')),
          'draft builds a proof marked DRAFT on every page; final is for '
          'print and refuses placeholders'),
    Field('language', Pattern(regex=r'[a-z]{2,3}(-[A-Za-z0-9]{2,8})*',
                              description='a language code such as sv or en'),
          'language of the text: sets hyphenation and typography', True),
    Field('url', Url(), 'address of the campaign\'s online page: the QR code '
          'target. A placeholder address (example.org) makes a draft', True),
    Field('organisation', Text(inline=False, max_length=80),
          'who speaks: shown beside the logo'),
    Field('title', Text(inline=False, max_length=120), 'the headline', True),
    Field('subtitle', Text(inline=False, max_length=200),
          'one line under the title'),
    Field('intro', ListOf(item=Text()), 'opening paragraphs'),
    Field('sections', ListOf(item=Struct(
        name='section', build=Section, fields=(
            Field('heading', Text(inline=False, max_length=160),
                  'the section\'s heading', True),
            Field('paragraphs', ListOf(item=Text()), 'its paragraphs', True),
        ))), 'themed sections, each a heading and paragraphs'),
    Field('proposals', Struct(name='proposals', build=Proposals, fields=(
        Field('heading', Text(inline=False, max_length=160),
              'heading above the proposals'),
        Field('items', ListOf(item=Struct(
            name='proposal', build=Proposal, fields=(
                Field('title', Text(inline=False, max_length=120),
                      'the proposal in a few words', True),
                Field('text', Text(), 'one paragraph explaining it'),
            ))), 'the proposals', True),
    )), 'what the campaign proposes'),
    Field('faq', Struct(name='FAQ', build=Faq, fields=(
        Field('heading', Text(inline=False, max_length=160),
              'heading above the questions'),
        Field('items', ListOf(item=Struct(
            name='question', build=Question, fields=(
                Field('question', Text(inline=False, max_length=200),
                      'the question, ending in ?', True),
                Field('answer', Text(), 'the answer', True),
            ))), 'the questions and answers', True),
    )), 'frequently asked questions'),
    Field('further_reading', Struct(
        name='further reading', build=FurtherReading, fields=(
            Field('heading', Text(inline=False, max_length=160),
                  'heading above the links'),
            Field('intro', Text(), 'a sentence leading into the links'),
            Field('links', ListOf(item=Struct(
                name='link', build=Link, fields=(
                    Field('text', Text(inline=False, max_length=200),
                          'what the link is about', True),
                    Field('url', Url(), 'where it points; "#" if not yet '
                          'known (makes a draft); leave out for a plain item'),
                ))), 'the links', True),
        )), 'links to read more online'),
    Field('call_to_action', Text(), 'what the reader should do next'),
    Field('imprint', Text(inline=False, max_length=300),
          'who is responsible for the material (Swedish: "Ansvarig '
          'utgivare: …"); printed small on every layout', True),
    Field('political_ad', Struct(
        name='political ad', build=PoliticalAd, fields=(
            Field('sponsor', Text(inline=False, max_length=120),
                  'who the advertisement is for and paid by (a party, a '
                  'candidate, an organisation), as the label names it', True),
            Field('transparency_notice', NoticeUrl(),
                  'the address of the transparency notice (Article 12 of '
                  'the regulation: who paid, how much, for which election); '
                  'printed in the label and a link in the screen edition. '
                  'Keep it short: it is printed in small type', True),
            Field('election', Text(inline=False, max_length=120),
                  'the election, referendum or legislative process the '
                  'advertisement is linked to, where there is one (Article '
                  '11(1)(c)), e.g. "valet till kommunfullmäktige i Västerås '
                  '2026"; the label then names it'),
        )),
          'makes the campaign political advertising (EU Regulation '
          '2024/900): every output then carries the label "Politisk '
          'annons · Sponsor: … · Transparensmeddelande: …" in the '
          'campaign\'s language (see docs/legal-marks.md)'),
    Field('qr_tracking', MapOf(
        key=Pattern(regex=LAYOUT_NAME, description='a layout name'),
        value=Pattern(regex=QUERY, description='tracking parameters such as '
                      'utm_medium=print&utm_source=leaflet')),
        'per layout, parameters added to the QR code\'s address'),
    Field('hero', PICTURE, 'the campaign\'s main photo (leaflet front, '
          'poster, tri-fold cover)'),
    Field('people', ListOf(item=Struct(name='person', build=Person, fields=(
        Field('name', Text(inline=False, max_length=80), 'the person\'s '
              'name', True),
        Field('role', Text(inline=False, max_length=120),
              'what they do (candidate, contact person, …)'),
        Field('quote', Text(inline=False, max_length=400),
              'a short quote, printed beside the photo'),
        Field('photo', PICTURE, 'a portrait'),
    )), max_items=12), 'the local candidates or contact persons'),
    Field('pictures_folder', RelativePath(what='folder'),
          'the folder inside content/ that holds the pictures; images '
          'when left out'),
    Field('brand', Pattern(regex=LAYOUT_NAME, description='a brand name'),
          'the brand (brands/NAME/: colours, fonts, logo); default: '
          'default'),
    Field('layouts', ListOf(item=Pattern(regex=LAYOUT_NAME,
                                         description='a layout name')),
          'the layouts to build; leave out for every default layout',
          ),
    # Translations (flyers/translations.py).
    Field('translation_of', _ContentFileName(),
          'makes this file a translation of another content file (its name '
          'in the same folder, e.g. trygghet-vasteras.yaml): the build '
          'checks that both have the same parts (paragraphs, sections, '
          'proposals, questions, links, people, the same pictures and QR '
          'tracking keys) and warns when the source has changed since the '
          'translation was made; url, links\' addresses, status, brand and '
          'layouts may differ'),
    Field('translated_from', MapOf(
        key=Pattern(regex=r'[a-z_]+(\[[0-9]+\])?(\.[a-z_]+(\[[0-9]+\])?)*',
                    description='a field path such as sections[0].heading'),
        value=Pattern(regex=r'[0-9a-f]{8}',
                      description='a short hash (8 hexadecimal digits)')),
          'in a translation, a short hash of each source field it was '
          'translated from, written by "python make_flyers.py translated '
          'content/NAME.yaml" (run it after updating the translation); do '
          'not edit by hand'),
))




_LOADED: dict[tuple, Campaign] = {}


def load_campaign(path: Path, shown_as: str | None = None) -> Campaign:
    """Load and validate one content file as it is written (its variants
    set aside: :mod:`flyers.variants` makes them); raise ContentError with
    all problems.  A file read before with the same bytes is not parsed again
    in the same process."""
    shown_as = shown_as or str(path)
    try:
        memo = (str(Path(path).resolve()), shown_as,
                hashlib.sha256(read_input(Path(path), MAX_BYTES)).digest())
    except OSError:
        memo = None
    if memo in _LOADED:
        return _LOADED[memo]
    campaign = _load_campaign(path, shown_as)
    if memo is not None:
        if len(_LOADED) > 512:
            _LOADED.clear()
        _LOADED[memo] = campaign
    return campaign


def _load_campaign(path: Path, shown_as: str) -> Campaign:
    parsed = read_yaml(path, shown_as, trailing_comments=False)
    if parsed.node is None:
        raise ContentError(parsed.problems)
    node, _ = set_aside(parsed.node, VARIANT_FIELDS)
    ctx = Context(shown_as, parsed.skipped)
    campaign = SCHEMA.convert(node, '', ctx)
    problems = parsed.problems + ctx.problems
    if parsed.broken:
        campaign = None  # parts were left out: report, never build
    if campaign is not None:
        campaign = finished(campaign, path, shown_as, ctx.positions)
        problems += placeholder_problems(campaign)
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    if problems or campaign is None:
        raise ContentError(problems)
    return campaign


# The fields of a content file about its variants, read by flyers.variants
# (a file loaded here is the campaign as written: {name} references kept).
VARIANT_FIELDS = ('variants', 'variant_values')


def set_aside(node, names: tuple[str, ...]):
    """The file's node tree without the top-level fields ``names``, and
    those fields' values by name."""
    if not isinstance(node, yaml.MappingNode):
        return node, {}
    kept, taken = [], {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value in names \
                and key.value not in taken:
            taken[key.value] = value
        else:
            kept.append((key, value))
    if not taken:
        return node, {}
    return yaml.MappingNode(node.tag, kept, node.start_mark, node.end_mark,
                            node.flow_style), taken


def finished(campaign: Campaign, path: Path, shown_as: str, positions: dict,
             **variant) -> Campaign:
    """A converted campaign with where it came from (and, for a variant,
    which one it is) and its pictures' addresses."""
    return _with_picture_addresses(dataclasses.replace(
        campaign, source=shown_as, positions=positions,
        file=str(Path(path).absolute()), **variant))


def _with_picture_addresses(campaign: Campaign) -> Campaign:
    """Each picture with its address from a layout folder (layouts/NAME/)
    and its content path."""
    folder = campaign.pictures_folder

    def addressed(picture, path):
        if picture is None:
            return None
        src = '../../content/' + quote(f'{folder}/{picture.file}')
        return dataclasses.replace(picture, src=src, field=path)

    people = tuple(dataclasses.replace(
        person, photo=addressed(person.photo, f'people[{index}].photo'))
        for index, person in enumerate(campaign.people))
    return dataclasses.replace(campaign, hero=addressed(campaign.hero, 'hero'),
                               people=people)


# --- placeholders ---------------------------------------------------------

_PLACEHOLDER_HOSTS = ('example.org', 'example.com', 'example.net')
_PLACEHOLDER_TLDS = ('.example', '.invalid', '.test', '.localhost')
# Text in square brackets with a letter in it; a footnote mark [1] is not.
_BRACKETS_RE = re.compile(r'\[[^\]]*[^\W\d_][^\]]*\]')


def is_placeholder_url(url: str | None) -> bool:
    """``#`` and the reserved example domains (RFC 2606) are placeholders."""
    if not url or url.strip() == '#':
        return True
    host = (urlsplit(url).hostname or '').lower().rstrip('.')
    return (host in _PLACEHOLDER_HOSTS or host == 'localhost'
            or any(host.endswith('.' + h) for h in _PLACEHOLDER_HOSTS)
            or host.endswith(_PLACEHOLDER_TLDS))


# Fields of a campaign that are not printed text.
NOT_TEXT = frozenset((
    'positions', 'source', 'file', 'qr_tracking', 'layouts', 'status',
    'language', 'src', 'field', 'focus', 'pictures_folder', 'alt', 'brand',
    'translation_of', 'translated_from', 'variant', 'variant_values',
    'variant_tracking', 'variant_row'))


def texts(value, path: str = '', skip: frozenset = NOT_TEXT
          ) -> Iterator[tuple[str, str]]:
    """Every text value of a campaign with its field path (fields named in
    ``skip`` left out)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from texts(item, f'{path}[{index}]', skip)
    elif dataclasses.is_dataclass(value):
        for spec in dataclasses.fields(value):
            if spec.name in skip:
                continue
            sub = f'{path}.{spec.name}' if path else spec.name
            yield from texts(getattr(value, spec.name), sub, skip)


def placeholders(campaign: Campaign) -> list[tuple[str, str]]:
    """(field path, explanation) for each placeholder left in the content."""
    found = []
    for path, value in texts(campaign):
        if path == 'url' or path.endswith(('.url', '.transparency_notice')):
            if is_placeholder_url(value):
                found.append((path, f'"{value}" is a placeholder address'))
        elif _BRACKETS_RE.search(value):
            found.append((path, f'"{_BRACKETS_RE.search(value)[0]}" is a '
                                'placeholder (text in square brackets)'))
    return found


def placeholder_problems(campaign: Campaign) -> list[Problem]:
    if campaign.is_draft:
        return []
    return [campaign.problem(path, f'{why}, but the file says "status: '
                             'final"; fill it in, or set "status: draft" to '
                             'build a proof marked DRAFT')
            for path, why in placeholders(campaign)]


def schema_markdown() -> str:
    """The content schema as Markdown (docs/content-schema.md)."""
    return '\n'.join(describe(SCHEMA)) + '\n'
