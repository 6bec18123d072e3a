"""Stage 1e: the catalogue — every output a build makes, checked together.

In: the project folder, optional content files, layout names, editions and
a print shop.  Out: the :class:`~flyers.job.Job` s of the build (one per
campaign × layout × edition), or a :class:`~flyers.errors.FlyerError` with
every problem of every input at once: content, layouts, print shop, names
that collide, characters the fonts lack, QR codes too dense to print.
Nothing is rendered or written here.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from .brands import brand_names, load_brand, unknown_brand
from .content import Campaign, texts
from .errors import ContentError, FlyerError, LayoutError, Problem, UsageError
from .inputs import outside_problem, real_inside, unsafe_name, unsafe_names
from .job import EDITIONS, PRINT, Job
from .layouts import CONTENT_FIELDS, Layout, layout_names, load_layout
from .picturefiles import picture_problems
from .printshop import load_printshop, missing_printer
from .qr import QrCode, QrTooDense, make_qr, with_tracking
from .render import label
from . import translations
from .typography import display_url
from .variants import load_campaigns, merged, table_path


# --- gathering -------------------------------------------------------------

def shown_path(root: Path, path: Path) -> str:
    """How a file is named in messages: relative to the project if inside."""
    absolute = path.absolute()
    try:
        return absolute.relative_to(root.absolute()).as_posix()
    except ValueError:
        return str(path)


def check_project(root: Path) -> None:
    """A usage error unless ``root`` is a project folder (one with a
    layouts/ folder), said before anything else is looked for in it."""
    if not root.is_dir():
        raise UsageError(Problem('--project', (
            f'"{root}" is not a folder; give the project folder (the one '
            'with content/, layouts/ and assets/)')))
    if not (root / 'layouts').is_dir():
        raise UsageError(Problem('--project', (
            f'"{root}" has no layouts/ folder, so it is not a flyer '
            'project; give the folder with content/, layouts/ and assets/')))


def content_files(root: Path, given: list[str]) -> list[Path]:
    """The files named on the command line (which must exist: a wrong name
    there is a usage error), or every content/*.yaml."""
    if given:
        paths = [Path(name) for name in given]
        missing = [Problem(name, 'no such file' if not path.exists() else
                           'this is not a regular file')
                   for name, path in zip(given, paths) if not path.is_file()]
        if missing:
            raise UsageError(missing)
        return paths
    folder = root / 'content'
    # Hidden files (.x.yaml: an editor's backup or lock) are not content.
    files = sorted(path for path in list(folder.glob('*.yaml'))
                   + list(folder.glob('*.yml'))
                   if not path.name.startswith('.'))
    # A file of content/ that is a link out of the project is not read: its
    # text would end up in messages (and PDFs).  Files named on the command
    # line are the user's own choice.
    outside = [outside_problem(root, path) for path in files
               if not real_inside(root, path)]
    if outside:
        raise FlyerError(outside)
    if not files:
        raise UsageError(Problem('content/', 'no content files (*.yaml) '
                                 'found; write one or import a page with '
                                 '"python make_flyers.py import"'))
    return files


def load_everything(root: Path, contents: list[str], only_layouts: list[str],
                    printshop: str = 'default',
                    editions: tuple[str, ...] = EDITIONS,
                    variants: list[str] | None = None) -> list[Job]:
    """Load and cross-check all inputs; raise FlyerError with every problem.
    Each campaign (or each variant of a campaign with a variants table,
    only those named in ``variants`` if given) × layout gives one job per
    edition."""
    check_project(root)
    # Names become output names, links and headers: none with control
    # characters (a line break in a name could forge an HTTP header).
    unsafe = unsafe_names(root) + [
        problem for name in contents
        if (problem := unsafe_name(Path(name))) is not None]
    if unsafe:
        raise FlyerError(unsafe)
    available = layout_names(root)
    for name in only_layouts:
        if name not in available:
            close = difflib.get_close_matches(name, available, n=1)
            hint = f'did you mean "{close[0]}"? ' if close else ''
            raise UsageError(Problem('--layout', f'no layout called "{name}"; '
                                     f'{hint}layouts: {", ".join(available)}'))
    problems: list[Problem] = []
    shop = None
    try:
        shop = load_printshop(root, printshop)
    except LayoutError as exc:
        problems += exc.problems
    # A print edition says who printed it (its tryckort): a print shop
    # without a printer is refused before anything is built.
    no_printer = missing_printer(shop) if shop and PRINT in editions else None
    if no_printer is not None:
        problems.append(no_printer)
    campaigns = []
    for path in content_files(root, contents):
        table = table_path(path)
        if table.is_symlink() and not real_inside(root, table):
            problems.append(outside_problem(root, table))
            continue
        try:
            campaigns += load_campaigns(path, shown_path(root, path))
        except ContentError as exc:
            problems += exc.problems
    if variants and not problems:
        campaigns = chosen_variants(campaigns, variants)
    layouts: dict[str, Layout] = {}
    # A narrowed build loads only the layouts it names, so an unfinished
    # layout folder does not stop work on the others.
    for name in only_layouts or available:
        try:
            layouts[name] = load_layout(root, name)
        except LayoutError as exc:
            problems += exc.problems
    stems: dict[str, str] = {}
    for campaign in campaigns:
        shown = _shown(campaign)
        if campaign.name in stems:
            problems.append(Problem(campaign.source, (
                f'{shown} has the same output name ({campaign.name}) as '
                f'{stems[campaign.name]}; their PDFs would overwrite each '
                'other, so rename one')))
        stems[campaign.name] = shown
    jobs = []
    brands: dict = {}  # name -> (Brand, characters its fonts cover) or None
    for campaign in campaigns:
        brand, coverage = _brand(root, campaign, brands, layouts, problems)
        if brand is not None:
            problems += _character_problems(campaign, coverage)
        problems += picture_problems(root, campaign)
        problems += translations.problems(root, campaign)
        problems += _name_problems(campaign, available)
        chosen = only_layouts or list(dict.fromkeys(campaign.layouts)) or [
            name for name, layout in layouts.items() if layout.is_default]
        for name in chosen:
            layout = layouts.get(name)
            if layout is None:
                continue  # reported above (unknown or broken layout)
            job_problems = _requirement_problems(campaign, layout)
            for edition in editions:
                qr = _make_qr(campaign, layout, edition, job_problems)
                if (qr is not None and not job_problems and shop is not None
                        and brand is not None):
                    jobs.append(Job(campaign, layout, edition, shop, qr,
                                    brand))
            problems += job_problems
    if problems:
        raise FlyerError(merged(_unique(problems)))
    return jobs


def _shown(campaign: Campaign) -> str:
    return (f'the variant "{campaign.variant}"' if campaign.variant
            else 'the file')


def chosen_variants(campaigns: list[Campaign], wanted: list[str]
                    ) -> list[Campaign]:
    """The variants named on the command line (``--variant ID``): a usage
    error for an id no campaign has."""
    have = list(dict.fromkeys(c.variant for c in campaigns if c.variant))
    if not have:
        raise UsageError(Problem('--variant', (
            'none of the content files has variants (a table '
            'content/NAME.variants.csv or a variants: list); leave out '
            '--variant')))
    unknown = [Problem('--variant', f'no variant "{name}"; ' + (
        f'did you mean "{close[0]}"?' if (close := difflib.get_close_matches(
            name, have, n=1)) else 'variants: ' + ', '.join(have[:20])
        + (' …' if len(have) > 20 else '')))
        for name in wanted if name not in have]
    if unknown:
        raise UsageError(unknown)
    return [c for c in campaigns if c.variant in wanted]


def _brand(root: Path, campaign: Campaign, brands: dict, layouts: dict,
           problems: list[Problem]):
    """The campaign's brand and the characters its fonts cover (each brand
    loaded once), or (None, None) with the problems added."""
    name = campaign.brand
    if name not in brands:
        available = brand_names(root)
        brands[name] = None
        if name not in available:
            problems.append(campaign.problem('brand', unknown_brand(
                name, available)))
            return None, None
        try:
            brand = load_brand(root, name)
            from .fonts import font_coverage
            brands[name] = (brand, font_coverage(root, layouts.values(),
                                                 brand))
        except LayoutError as exc:
            problems += exc.problems
    elif brands[name] is None and name not in brand_names(root):
        problems.append(campaign.problem('brand', unknown_brand(
            name, brand_names(root))))
    return brands[name] or (None, None)


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _name_problems(campaign: Campaign, available: list[str]) -> list[Problem]:
    found = []
    named = [(f'layouts[{i}]', n) for i, n in enumerate(campaign.layouts)]
    for index, name in enumerate(campaign.layouts):
        if name in campaign.layouts[:index]:
            found.append(campaign.problem(f'layouts[{index}]', (
                f'"{name}" is listed twice; list each layout once')))
    named += [(f'qr_tracking.{n}', n.removesuffix('-screen'))
              for n in campaign.qr_tracking]
    for path, name in named:
        if name not in available:
            close = difflib.get_close_matches(name, available, n=1)
            hint = (f'did you mean "{close[0]}"?' if close else
                    'layouts: ' + ', '.join(available))
            found.append(campaign.problem(path, f'there is no layout called '
                                                f'"{name}"; {hint}'))
    return found


def _requirement_problems(campaign: Campaign, layout: Layout):
    return [campaign.problem(name, (
        f'the layout {layout.name} needs this field, and the file has none; '
        'add it, or choose other layouts with "layouts:"'))
        for name in layout.requires
        if name in CONTENT_FIELDS and not getattr(campaign, name)]


def _make_qr(campaign: Campaign, layout: Layout, edition: str,
             problems: list) -> QrCode | None:
    # The screen edition has its own tracking (LAYOUT-screen), or none:
    # a download must not count as print.
    key = layout.name if edition == 'print' else f'{layout.name}-screen'
    tracking = '&'.join(t for t in (campaign.qr_tracking.get(key),
                                     campaign.variant_tracking) if t)
    url = with_tracking(campaign.url, tracking or None)
    try:
        title = label(campaign.language, 'qr_alt').format(
            url=display_url(campaign.url))
        return make_qr(url, layout.qr.size_mm, edition, title,
                       min_symbol_mm=layout.qr.min_mm)
    except QrTooDense as exc:
        advice = ('use a shorter address (a short redirect works well)'
                  + (' or fewer tracking parameters in qr_tracking.'
                     f'{key}' if tracking else ''))
        problem = campaign.problem('url', (
            f'too long for the {layout.qr.size_mm:g} mm QR code of '
            f'{layout.name}: {exc}; {advice}'))
        if problem not in problems:
            problems.append(problem)
        return None


def _character_problems(campaign: Campaign, coverage: set[int]):
    from .fonts import scripts_described

    found = []
    for path, value in texts(campaign):
        missing = sorted({ch for ch in value if ord(ch) not in coverage
                          and not ch.isspace()})
        if missing:
            shown = ', '.join(f'"{ch}" (U+{ord(ch):04X})' for ch in missing)
            scripts = scripts_described(missing)
            fix = (f'; or add a font for {scripts} to brands/{campaign.brand}'
                   '/brand.yaml (fonts.fallback)' if scripts else '')
            found.append(campaign.problem(path, (
                f'the fonts of the brand "{campaign.brand}" have no {shown}'
                f'{" of the " + scripts if scripts else ""}; the PDF would fall '
                'back to a font of this machine. Replace or remove '
                f'{"it" if len(missing) == 1 else "them"}{fix}')))
    return found
