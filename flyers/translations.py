"""Stage 1d: translations — a content file that translates another one.

In: a loaded :class:`~flyers.content.Campaign` whose ``translation_of``
names its source (a content file in the same folder) and the project
folder.  Out: the problems that stop a build (the source is missing, is
itself a translation or has the same language; the two files differ in
structure), the warnings that do not (a source field changed since the
translation was made, or nothing is recorded yet), and, for the
``translated`` command, the file with its ``translated_from`` hashes
rewritten.

What must match the source, one for one: every list (intro paragraphs,
sections and each section's paragraphs, proposals, FAQ questions, further
reading links, people), every optional part (a subtitle, a proposal's text,
a person's quote or photo, a link's address, …: present in both or in
neither), the pictures (the same files in the same folder, with the same
focus) and the QR tracking keys (the same layouts tracked).  What may
differ: every text (that is the translation), the address, the links'
addresses and a political ad's transparency notice (a page in the
reader's language), the tracking parameters
(``utm_content=ar``), status, brand and layouts.

Staleness: ``translated_from`` maps each text field of the source (its
path, e.g. ``sections[0].paragraphs[1]``) to the first 8 hex digits of the
SHA-256 of its text as loaded (white space runs as one space, so re-wrapping
the YAML changes nothing).  ``python make_flyers.py translated FILE``
writes it after a translator has brought the translation up to date.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from pathlib import Path

import yaml

from .content import Campaign, Picture, load_campaign, texts
from .errors import ContentError, Problem, UsageError
from .inputs import outside_problem, real_inside

LANGUAGE_NAMES = {
    'sv': 'Swedish', 'en': 'English', 'fi': 'Finnish', 'ar': 'Arabic',
    'fa': 'Persian', 'ckb': 'Sorani', 'so': 'Somali', 'es': 'Spanish',
    'de': 'German', 'fr': 'French', 'da': 'Danish', 'nb': 'Norwegian',
    'no': 'Norwegian', 'he': 'Hebrew', 'ti': 'Tigrinya', 'pl': 'Polish',
    'ru': 'Russian', 'uk': 'Ukrainian', 'tr': 'Turkish', 'bs': 'Bosnian',
}

# Fields that are not translated text: never hashed.
_VARIANT = ('variant', 'variant_values', 'variant_tracking', 'variant_row')
_NOT_TEXT = frozenset((
    'url', 'file', 'focus', 'src', 'field', 'status', 'language', 'brand',
    'pictures_folder', 'source', 'translation_of', 'translated_from',
    'positions', 'qr_tracking', 'layouts', 'transparency_notice')
    + _VARIANT)
# Fields whose structure is not compared (they may differ per language).
# A field added to Campaign later is compared (and hashed, if text) unless
# it is named here and in _NOT_TEXT.
_FREE = frozenset(('url', 'status', 'language', 'brand', 'layouts',
                   'source', 'file', 'positions', 'translation_of',
                   'translated_from', 'src', 'field', 'qr_tracking',
                   'pictures_folder') + _VARIANT)
# A picture's values that must be the same in both files.
_SAME_IN_PICTURES = {'file': 'the same pictures', 'focus': 'the same crop'}
_NOUNS = {'intro': ('paragraph', 'paragraphs'),
          'sections': ('section', 'sections'),
          'sections.paragraphs': ('paragraph', 'paragraphs'),
          'proposals.items': ('proposal', 'proposals'),
          'faq.items': ('question', 'questions'),
          'further_reading.links': ('link', 'links'),
          'people': ('person', 'people')}
HASH_DIGITS = 8
_COMMENT = (
    '# Hashes of the source\'s fields this translation was made from (see\n'
    '# docs/content-schema.md): written by "python make_flyers.py\n'
    '# translated FILE" after the translation was brought up to date.\n')


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code.split('-')[0], f'"{code}"')


def shown(root: Path, path: Path) -> str:
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return str(path)


def source_path(campaign: Campaign) -> Path:
    """The source file: named relative to the translation's folder."""
    return Path(campaign.file).parent / campaign.translation_of


# --- the source and the structure ---------------------------------------

def check(root: Path, campaign: Campaign
          ) -> tuple[Campaign | None, list[Problem]]:
    """The source of a translation and every problem of the pair; (None,
    []) for a file that is no translation."""
    if campaign.translation_of is None:
        return None, []
    source, problems = _load_source(root, campaign)
    if source is None:
        return None, problems
    return source, _structure_problems(campaign, source,
                                       shown(root, Path(source.file)))


def problems(root: Path, campaign: Campaign) -> list[Problem]:
    """What stops a build of this content file as a translation."""
    return check(root, campaign)[1]


def _load_source(root: Path, campaign: Campaign):
    name = campaign.translation_of
    path = source_path(campaign)
    here = Path(campaign.file)
    if path.absolute() == here.absolute() or (
            path.exists() and path.resolve() == here.resolve()):
        return None, [campaign.problem('translation_of', (
            f'"{name}" is this file itself; name the content file this one '
            'translates'))]
    if not path.exists():
        siblings = sorted(p.name for p in here.parent.glob('*.y*ml')
                          if p.name != here.name)
        close = difflib.get_close_matches(name, siblings, n=1)
        hint = (f'did you mean "{close[0]}"?' if close else
                'name the content file this one translates, e.g. '
                f'"{siblings[0]}"' if siblings else
                'name the content file this one translates')
        return None, [campaign.problem('translation_of', (
            f'there is no file "{name}" in {shown(root, here.parent)}/; '
            f'{hint}'))]
    if not path.is_file():
        return None, [campaign.problem('translation_of', (
            f'"{name}" is not a regular file; name the content file this '
            'one translates'))]
    if real_inside(root, here) and not real_inside(root, path):
        return None, [outside_problem(root, path)]
    source_shown = shown(root, path)
    try:
        source = load_campaign(path, source_shown)
    except ContentError as exc:
        return None, exc.problems + [campaign.problem('translation_of', (
            f'its source {source_shown} has errors (listed with it); fix '
            'them first'))]
    if source.translation_of is not None:
        return None, [campaign.problem('translation_of', (
            f'{source_shown} is itself a translation (of '
            f'"{source.translation_of}"); name the original, '
            f'"{source.translation_of}"'))]
    if source.language == campaign.language:
        return None, [campaign.problem('language', (
            f'"{campaign.language}" is also the language of its source '
            f'{source_shown}; a translation is in another language (or '
            'remove "translation_of:" if this is no translation)'))]
    return source, []


def _structure_problems(campaign: Campaign, source: Campaign,
                        source_shown: str) -> list[Problem]:
    found: list[Problem] = []

    def report(path, message):
        found.append(campaign.problem(path, message))

    def where(path):
        line = source.positions.get(path, (None,))[0]
        return f'{source_shown}:{line}' if line else source_shown

    def compare(theirs, ours, path):
        if _empty(theirs) and _empty(ours):
            return
        if _empty(ours):
            many = isinstance(theirs, tuple)
            what = _count(len(theirs), path) if many else 'one'
            them = 'them' if many and len(theirs) > 1 else 'it'
            advice = ('add it (it may lead to a page in this language)'
                      if path.endswith('.url') else f'translate {them}')
            report(path, f'missing; its source {where(path)} has {what}: '
                         f'{advice}')
            return
        if _empty(theirs):
            report(path, f'its source {source_shown} has none; remove it, '
                         'or add it to the source first')
            return
        if isinstance(theirs, tuple):
            if len(theirs) != len(ours):
                report(path, _count_message(len(ours), len(theirs), path,
                                            where(path)))
            for index, (a, b) in enumerate(zip(theirs, ours)):
                compare(a, b, f'{path}[{index}]')
        elif dataclasses.is_dataclass(theirs):
            picture = isinstance(theirs, Picture)
            for spec in dataclasses.fields(theirs):
                sub = f'{path}.{spec.name}' if path else spec.name
                a, b = getattr(theirs, spec.name), getattr(ours, spec.name)
                if picture and spec.name in _SAME_IN_PICTURES:
                    if a != b:
                        report(sub, f'"{b}", but its source {where(sub)} has '
                                    f'"{a}"; a translation shows '
                                    f'{_SAME_IN_PICTURES[spec.name]}')
                # A link's address may be left out in both or in neither;
                # the campaign's own address may differ freely.
                elif spec.name not in _FREE or (spec.name == 'url' and path):
                    compare(a, b, sub)

    compare(source, campaign, '')
    if campaign.pictures and campaign.pictures_folder != source.pictures_folder:
        report('pictures_folder', (
            f'"{campaign.pictures_folder}", but its source {source_shown} '
            f'takes its pictures from "{source.pictures_folder}"; a '
            'translation shows the same pictures'))
    for key in source.qr_tracking:
        if key not in campaign.qr_tracking:
            report(f'qr_tracking.{key}', (
                f'missing; its source {where("qr_tracking." + key)} tracks '
                'this QR code: add the key (its parameters may differ)'))
    for key in campaign.qr_tracking:
        if key not in source.qr_tracking:
            report(f'qr_tracking.{key}', (
                f'its source {source_shown} does not track this QR code; '
                'remove the key, or add it to the source first'))
    return found


def _empty(value) -> bool:
    return value is None or value == ()


def _count(n: int, path: str) -> str:
    key = '.'.join(part.split('[')[0] for part in path.split('.'))
    one, many = _NOUNS.get(key, ('item', 'items'))
    return f'{n} {one if n == 1 else many}'


def _count_message(ours: int, theirs: int, path: str, where: str) -> str:
    gap = abs(ours - theirs)
    if ours < theirs:
        advice = ('translate the missing one' if gap == 1 else
                  f'translate the {gap} missing ones')
    else:
        advice = ('remove the extra one, or add it to the source first'
                  if gap == 1 else f'remove the {gap} extra ones, or add '
                  'them to the source first')
    return (f'{_count(ours, path)}, but its source {where} has {theirs}; '
            f'{advice}')


# --- staleness -----------------------------------------------------------

def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:HASH_DIGITS]


def field_hashes(source: Campaign) -> dict[str, str]:
    return {path: short_hash(text)
            for path, text in texts(source, skip=_NOT_TEXT)}


def stale(root: Path, campaign: Campaign,
          release: bool = False) -> list[Problem]:
    """One problem per field of the translation whose source changed since
    it was translated (or one for the file when nothing is recorded).  The
    build prints them as warnings; a release refuses them."""
    source, found = check(root, campaign)
    if source is None or found:
        return []
    me = shown(root, Path(campaign.file))
    record = f'"python make_flyers.py translated {me}"'
    if not campaign.translated_from:  # left out, or empty
        refusal = ('; a release refuses unchecked translations' if release
                   else '')
        return [campaign.problem('translation_of', (
            f'unchecked translation: no hashes of its source\'s fields are '
            f'recorded (translated_from), so a change to '
            f'{shown(root, Path(source.file))} cannot be noticed{refusal}; '
            f'check the translation against it, then run {record}'))]
    what = f'the {language_name(source.language)} source changed since it ' \
        'was translated'
    refusal = '; a release refuses stale translations' if release else ''
    return [campaign.problem(path, (
        f'{what}{refusal}; update the translation, then run {record}'))
        for path, digest in field_hashes(source).items()
        if campaign.translated_from.get(path) != digest]


def translations_of(root: Path, source: Campaign) -> list[Campaign]:
    """The translations of ``source`` in its folder (files that do not
    load are left to their own build)."""
    folder = Path(source.file).parent
    found = []
    for path in sorted(folder.glob('*.y*ml')):
        if (path.name.startswith('.') or path.suffix not in ('.yaml', '.yml')
                or path.resolve() == Path(source.file).resolve()
                or not real_inside(root, path)):
            continue
        try:
            campaign = load_campaign(path, shown(root, path))
        except ContentError:
            continue
        if (campaign.translation_of is not None
                and source_path(campaign).resolve()
                == Path(source.file).resolve()):
            found.append(campaign)
    return found


def stale_warnings(root: Path, campaigns) -> list[Problem]:
    """The stale fields of every translation among ``campaigns`` and of
    every translation of a source among them (a build of the source alone
    says which of its translations it has left behind)."""
    checked: dict[str, Campaign] = {}
    sources: set[str] = set()  # each file once, however many variants
    for campaign in campaigns:
        if campaign.translation_of is not None:
            checked.setdefault(campaign.file, campaign)
        elif campaign.file not in sources and real_inside(
                root, Path(campaign.file)):
            sources.add(campaign.file)
            for translation in translations_of(root, campaign):
                checked.setdefault(translation.file, translation)
    return [problem for campaign in checked.values()
            for problem in stale(root, campaign)]


# --- the translated command ---------------------------------------------

def record(root: Path, path: Path) -> str:
    """Write the source's field hashes into the translation ``path``; return
    what was done, in a line for the user."""
    from .writer import write_atomic

    me = shown(root, path)
    if path.is_symlink():
        raise UsageError(Problem(me, (
            'is a symbolic link; "translated" rewrites only real files: '
            'name the file itself')))
    if not path.is_file():  # a wrong name on the command line
        raise UsageError(Problem(me, 'no such file' if not path.exists()
                                 else 'this is not a regular file'))
    campaign = load_campaign(path, me)
    if campaign.translation_of is None:
        raise ContentError(Problem(me, (
            'is not a translation: it has no "translation_of:" field; add '
            '"translation_of: SOURCE.yaml" (the file it translates) first')))
    source, found = check(root, campaign)
    if found:
        raise ContentError(found)
    hashes = field_hashes(source)
    raw = path.read_bytes()
    text = raw.decode('utf-8')
    bom = '\ufeff' if text.startswith('\ufeff') else ''
    crlf = '\r\n' in text
    text = text.removeprefix(bom).replace('\r\n', '\n').replace('\r', '\n')
    new = with_hashes(text, hashes)
    # The file keeps its line ends and byte order mark, as its editor
    # wrote them: only the block changes.
    new = bom + (new.replace('\n', '\r\n') if crlf else new)
    write_atomic(path, new.encode('utf-8'), path.parent)
    try:
        load_campaign(path, me)
    except ContentError:  # never expected: put the file back as it was
        write_atomic(path, raw, path.parent)
        raise
    before = campaign.translated_from or {}
    changed = [field for field, digest in hashes.items()
               if before.get(field) != digest]
    if not before:
        news = ''
    elif changed:
        news = (f' ({len(changed)} changed since the last record: '
                + ', '.join(changed[:5])
                + (f' and {len(changed) - 5} more' if len(changed) > 5
                   else '') + ')')
    else:
        news = ' (none changed since the last record)'
    return (f'recorded the hashes of {len(hashes)} source fields in '
            f'{me}{news}; build and check will warn when one of them '
            'changes')


def with_hashes(text: str, hashes: dict[str, str]) -> str:
    """The content file's text with its translated_from block (and the
    comment above it) replaced by one holding ``hashes``, at the end."""
    lines = text.split('\n')
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    for key, value in getattr(node, 'value', []):
        if isinstance(key, yaml.ScalarNode) and key.value == 'translated_from':
            start = key.start_mark.line
            end = value.end_mark.line + (1 if value.end_mark.column else 0)
            comment = _COMMENT.rstrip('\n').split('\n')
            if lines[max(0, start - len(comment)):start] == comment:
                start -= len(comment)
            del lines[start:end]
            break
    body = '\n'.join(lines).rstrip('\n')
    block = ['translated_from:'] + [f'  {path}: "{digest}"'
                                    for path, digest in hashes.items()]
    return body + '\n\n' + _COMMENT + '\n'.join(block) + '\n'
