"""Stage 1d: the print shop's specification — one file per print shop.

In: ``printshops/NAME.yaml``.  Out: a frozen :class:`PrintShop`: bleed,
safe zone, minimum image resolution, total ink limit, smallest reversed
text, PDF/X version and the output ICC profile.  The layouts get bleed and safe zone as CSS (``@page``
bleed, ``--bleed``, ``--safe``), the PDF writer the PDF/X version and the
profile, the preflight all of it: another print shop is one new file.
The profile must be a working CMYK press profile inside ``assets/``
(:mod:`flyers.colour`).  ``printer`` (the printer's name and town) is the
Swedish *tryckort* every print edition carries beside the imprint
(tryckfrihetsförordningen 4 kap. 3 §): a print build refuses a profile
without it (:func:`missing_printer`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from .colour import locate_profile, profile_problems
from .errors import LayoutError, UsageError, Problem
from .inputs import outside_problem, real_inside
from .schema import Choice, Field, Number, Pattern, Struct, Text, convert_file

FOLDER = 'printshops'
# A print shop's name: a file name in printshops/, never a path.
NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,63}')
DEFAULT = 'default'


@dataclass(frozen=True)
class Printer:
    """Who prints, and where: "Tryck: NAME, TOWN YEAR" in print."""

    name: str
    town: str


@dataclass(frozen=True)
class PrintShop:
    description: str
    bleed_mm: float
    safe_mm: float
    warn_under_ppi: float
    fail_under_ppi: float
    ink_limit: float
    pdfx: str
    icc_profile: str
    output_condition: str
    output_condition_description: str = ''
    min_reversed_text_pt: float = 7.0
    printer: Printer | None = None
    name: str = DEFAULT
    positions: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def source(self) -> str:
        return f'{FOLDER}/{self.name}.yaml'

    def problem(self, path: str, message: str) -> Problem:
        line, column = self.positions.get(path, (1, 1))
        return Problem(self.source, message, line, column, path)


SCHEMA = Struct(name='print shop', build=PrintShop, fields=(
    Field('description', Text(inline=False), 'who prints, on what', True),
    Field('bleed_mm', Number(minimum=0, maximum=10),
          'bleed on every edge, in mm', True),
    Field('safe_mm', Number(minimum=0, maximum=30),
          'no text closer than this to the trim, in mm', True),
    Field('warn_under_ppi', Number(minimum=72, maximum=2400),
          'raster images below this effective resolution get a warning', True),
    Field('fail_under_ppi', Number(minimum=72, maximum=2400),
          'raster images below this effective resolution fail the build',
          True),
    Field('ink_limit', Number(minimum=100, maximum=400),
          'maximum total ink (C+M+Y+K) in percent', True),
    Field('pdfx', Choice(values=('pdf/x-4', 'pdf/x-1a')),
          'the PDF/X version the shop accepts', True),
    Field('icc_profile', Pattern(regex=r'assets/[A-Za-z0-9_./-]+\.icc',
                                 description='a path under assets/ ending '
                                 'in .icc'),
          'the CMYK output profile (the PDF/X output intent)', True),
    Field('output_condition', Text(inline=False),
          'the registered printing condition, e.g. FOGRA39', True),
    Field('output_condition_description', Text(inline=False),
          'the printing condition in words'),
    Field('min_reversed_text_pt', Number(minimum=4, maximum=24),
          'light text on a dark background (knocked out of the inks) '
          'smaller than this fails the preflight, in pt; 7 if not given'),
    Field('printer', Struct(
        name='printer', build=Printer,
        description='the printer\'s name and town, e.g. '
                    '{name: Printfabriken, town: Västerås}',
        fields=(
            Field('name', Text(inline=False, max_length=80),
                  'the printing company, as it is to be named', True),
            Field('town', Text(inline=False, max_length=60),
                  'the town where it prints', True),
        )),
          'who prints, and where: every print edition says "Tryck: NAME, '
          'TOWN YEAR" beside the imprint (Swedish law, '
          'tryckfrihetsförordningen 4 kap. 3 §); required to build the '
          'print edition'),
))


def missing_printer(shop: PrintShop) -> Problem | None:
    """The problem of a print shop that names no printer, for a build of
    a print edition (printed matter must say who printed it, where and
    when); None when it names one."""
    if shop.printer is not None:
        return None
    return Problem(shop.source, (
        'names no printer, and every print edition must say who printed '
        'it, where and in which year (tryckfrihetsförordningen 4 kap. 3 §); '
        'add "printer: {name: NAME, town: TOWN}" with the print shop\'s '
        'name and town (the year comes from the build\'s date)'),
        1, 1, 'printer')


def load_printshop(root: Path, name: str = DEFAULT) -> PrintShop:
    """``printshops/NAME.yaml``: a print shop is a name, never a path (its
    file's bytes are part of every cache key, which names it so)."""
    if not NAME.fullmatch(name) \
            or name.endswith(('.yaml', '.yml')) or '..' in name:
        available = sorted(p.stem for p in (root / FOLDER).glob('*.yaml'))
        raise UsageError(Problem('--printshop', (
            f'"{name}" is not a print shop name; give the name of a file in '
            f'{FOLDER}/ without ".yaml" (print shops: '
            + (', '.join(available) or 'none') + ')')))
    path = root / FOLDER / f'{name}.yaml'
    if path.exists() and not real_inside(root, path):
        raise LayoutError([outside_problem(root, path)])
    if path.exists() and not path.is_file():
        raise LayoutError(Problem(f'{FOLDER}/{name}.yaml', (
            'is not a regular file (a folder, pipe or device?); replace it '
            'with the print shop\'s YAML file')))
    if not path.is_file():
        available = sorted(p.stem for p in (root / FOLDER).glob('*.yaml'))
        raise UsageError(Problem('--printshop', (
            f'no print shop called "{name}"; print shops: '
            + (', '.join(available) or 'none'))))
    shop, problems, positions = convert_file(
        path, f'{FOLDER}/{name}.yaml', SCHEMA, LayoutError)
    if shop is not None:
        shop = dataclasses.replace(shop, name=name, positions=positions)
        # Where the path leads is checked before the file is opened.
        profile, refused = locate_profile(root, shop.icc_profile)
        for message in ([refused] if refused else
                        profile_problems(profile, shop.icc_profile)):
            problems.append(shop.problem('icc_profile', message))
        if shop.fail_under_ppi > shop.warn_under_ppi:
            problems.append(shop.problem('fail_under_ppi', (
                'must not be above warn_under_ppi (failing is the lower '
                'limit)')))
    if problems or shop is None:
        raise LayoutError(problems)
    return shop
