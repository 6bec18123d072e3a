"""Stage 2: content + layout + QR code → one HTML document (a string).

In: a :class:`~flyers.content.Campaign`, a :class:`~flyers.layouts.Layout`
and its :class:`~flyers.qr.QrCode`.  Out: HTML for WeasyPrint, whose base
URL is the layout folder.

Jinja2 runs with ``autoescape=True`` (``select_autoescape`` would skip
``.j2`` files) and ``StrictUndefined``, in a sandbox.  Content reaches the
page only as escaped text or through the ``inline`` filter, which escapes
before it adds ``<strong>``: content is never a template and never raw HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from .columns import balance
from .content import Campaign, is_placeholder_url, placeholders
from .errors import LayoutError, Problem
from .hyphenation import check_dictionary, word_list
from .job import Job
from .layouts import Layout
from .qr import with_tracking
from .sandbox import (MAX_OUTPUT, TemplateEnvironment, TemplateTooSlow,
                      bounded_filters, layout_loader)
from .typography import (direction, display_url, inline, quotation_marks,
                         typeset)

# Words the templates print themselves, per language (English fallback).
# printed_by is the tryckort (printshop.py); political_ad, sponsor and
# notice make the label of political advertising (docs/legal-marks.md).
LABELS = {
    'sv': {'draft': 'UTKAST · DRAFT – ej för tryck', 'read_more': 'Läs mer',
           'logo_alt': 'Logotyp', 'logo_alt_of': 'Logotyp för',
           'qr_alt': 'QR-kod som leder till {url}',
           'scan': 'Skanna koden och läs mer på', 'proposals': 'Våra förslag',
           'faq': 'Vanliga frågor', 'further_reading': 'Läs vidare',
           'photo': 'Foto', 'printed_by': 'Tryck: {name}, {town} {year}',
           'political_ad': 'Politisk annons', 'sponsor': 'Sponsor',
           'election': 'Gäller', 'notice': 'Transparensmeddelande'},
    'en': {'draft': 'DRAFT – not for print', 'read_more': 'Read more',
           'logo_alt': 'Logo', 'logo_alt_of': 'Logo of',
           'qr_alt': 'QR code leading to {url}',
           'scan': 'Scan the code and read more at', 'proposals':
           'Our proposals', 'faq': 'Questions and answers',
           'further_reading': 'Read more', 'photo': 'Photo',
           'printed_by': 'Printed by {name}, {town} {year}',
           'political_ad': 'Political advertisement', 'sponsor': 'Sponsor',
           'election': 'Linked to', 'notice': 'Transparency notice'},
    'fi': {'draft': 'LUONNOS · DRAFT – ei painoon', 'read_more': 'Lue lisää',
           'logo_alt': 'Logo', 'logo_alt_of': 'Logo:',
           'qr_alt': 'QR-koodi, joka vie osoitteeseen {url}',
           'scan': 'Skannaa koodi ja lue lisää osoitteessa',
           'proposals': 'Ehdotuksemme', 'faq': 'Usein kysyttyä',
           'further_reading': 'Lue lisää', 'photo': 'Kuva',
           'printed_by': 'Paino: {name}, {town} {year}',
           'political_ad': 'Poliittinen mainos', 'sponsor': 'Sponsori',
           'election': 'Liittyy', 'notice': 'Avoimuusilmoitus'},
    'ar': {'draft': 'مسودة · DRAFT – ليست للطباعة',
           'read_more': 'اقرأ المزيد', 'logo_alt': 'شعار',
           'logo_alt_of': 'شعار', 'qr_alt': 'رمز QR يؤدي إلى {url}',
           'scan': 'امسح الرمز واقرأ المزيد على', 'proposals': 'مقترحاتنا',
           'faq': 'أسئلة شائعة', 'further_reading': 'لمزيد من القراءة',
           'photo': 'صورة', 'printed_by': 'طباعة: {name}، {town} {year}',
           'political_ad': 'إعلان سياسي', 'sponsor': 'الجهة الراعية',
           'election': 'مرتبط بـ', 'notice': 'إشعار الشفافية'},
}


@dataclass(frozen=True)
class Draft:
    """Why an output is a draft (empty when it is not)."""

    reasons: tuple[str, ...]

    def __bool__(self):
        return bool(self.reasons)


def draft_reasons(campaign: Campaign) -> Draft:
    reasons = [f'{path}: {why}' for path, why in placeholders(campaign)]
    if campaign.is_draft and not reasons:
        reasons.append('status: draft')
    return Draft(tuple(reasons))


PRINT_PROFILE = '--print-profile'


def label(language: str, name: str) -> str:
    return LABELS.get(language.split('-')[0], LABELS['en'])[name]


def printed_by(job: Job, build_date: str) -> str | None:
    """The tryckort of a print edition ("Tryck: Printfabriken, Västerås
    2026"): the print shop's printer and the year of the build's date
    (flyers.dates: SOURCE_DATE_EPOCH or the inputs' git time, never
    "now"); None for the screen edition or a shop without a printer."""
    printer = job.printshop.printer
    if not job.is_print or printer is None:
        return None
    return label(job.campaign.language, 'printed_by').format(
        name=printer.name, town=printer.town, year=build_date[:4])


def legal_marks(job: Job, build_date: str) -> tuple[tuple[str, str], ...]:
    """What the preflight must find on one output's pages, as (name,
    text): the imprint; the tryckort (print); the label of political
    advertising, when the campaign is one."""
    language = job.campaign.language
    marks = [('imprint', typeset(job.campaign.imprint, language))]
    printer = printed_by(job, build_date)
    if printer:
        marks.append(('tryckort', printer))
    political = political_label(job.campaign)
    if political:
        # The preflight holds this name to 7 pt (preflight.legalmarks).
        marks.append(('political-ad label', political))
    return tuple(marks)


def political_label(campaign: Campaign) -> str | None:
    """The label of political advertising as one line of text (what the
    layouts print, and what the preflight looks for), or None."""
    ad = campaign.political_ad
    if ad is None:
        return None
    words = LABELS.get(campaign.language.split('-')[0], LABELS['en'])
    sponsor = typeset(ad.sponsor, campaign.language)
    election = (f'{words["election"]}: '
                f'{typeset(ad.election, campaign.language)} · '
                if ad.election else '')
    return (f'{words["political_ad"]} · {words["sponsor"]}: {sponsor} · '
            f'{election}{words["notice"]}: '
            f'{display_url(ad.transparency_notice)}')


def page_css(job: Job) -> str:
    """The @page geometry and the matching custom properties, from the
    layout's manifest and the print shop's file, so each is declared in one
    place only.  The print edition also declares its output profile.  Crop
    marks are not WeasyPrint's (they would hide under the bleed): see
    marks.py."""
    page, shop = job.layout.page, job.printshop
    css = (
        f'@page {{ size: {page.width_mm:g}mm {page.height_mm:g}mm; '
        f'bleed: {job.bleed_mm:g}mm; }}\n'
        f':root {{ --trim-width: {page.width_mm:g}mm; '
        f'--trim-height: {page.height_mm:g}mm; --bleed: {shop.bleed_mm:g}mm; '
        f'--safe: {shop.safe_mm:g}mm; --qr-size: {job.layout.qr.size_mm:g}mm; '
        '}')
    if job.is_print:
        css += (f'\n@color-profile {PRINT_PROFILE} {{ src: url(../../'
                f'{shop.icc_profile}); components: cyan, magenta, yellow, '
                'black; }')
    return css


def length_class(text: str) -> str:
    """s, m, l or xl by length, so a stylesheet can set a long title
    smaller than a short one (``class="title-{{ t | length_class }}"``)."""
    n = len(text)
    return 's' if n <= 24 else 'm' if n <= 45 else 'l' if n <= 80 else 'xl'


@jinja2.pass_context
def _inline_filter(context, text):
    return inline(text, context['campaign'].language,
                  context.environment.project_root)


@jinja2.pass_context
def _quoted_filter(context, text):
    """``| inline`` inside the language's quotation marks (a quote of a
    person: ”…” in Swedish, “…” in English, «…» in Arabic)."""
    if not text:
        return Markup('')
    opening, closing = quotation_marks(context['campaign'].language)
    return Markup(opening) + _inline_filter(context, text) + Markup(closing)


@jinja2.pass_context
def _typeset_filter(context, text):
    # No soft hyphens here: | typeset sets headings, whose text WeasyPrint
    # also writes into the PDF's bookmarks, soft hyphens and all.
    return typeset(text, context['campaign'].language) if text else ''


def _href_filter(url):
    """A content address as a link's target (parts.link): as the QR code
    holds it (WHATWG serialisation, punycode host); ``#`` and none stay
    as they are, no link."""
    if not url or url.strip() == '#':
        return url
    return with_tracking(url, None)


class Renderer:
    """One Jinja2 environment per layout, reused for every output."""

    def __init__(self, root: Path):
        self.root = root
        self.envs: dict[str, TemplateEnvironment] = {}

    def environment(self, layout: str) -> TemplateEnvironment:
        if layout not in self.envs:
            env = TemplateEnvironment(
                loader=layout_loader(self.root, layout),
                autoescape=True, undefined=jinja2.StrictUndefined,
                trim_blocks=True, lstrip_blocks=True)
            env.filters['display_url'] = display_url
            env.filters['is_placeholder'] = is_placeholder_url
            env.filters['href'] = _href_filter
            env.filters['length_class'] = length_class
            env.globals['balance'] = balance
            env.project_root = self.root  # its hyphenation word lists
            env.filters['inline'] = _inline_filter
            env.filters['typeset'] = _typeset_filter
            env.filters['quoted'] = _quoted_filter
            bounded_filters(env)
            self.envs[layout] = env
        return self.envs[layout]

    def template(self, layout: Layout) -> jinja2.Template:
        name = f'{layout.name}/{layout.template}'
        try:
            return self.environment(layout.name).get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise LayoutError(Problem(
                f'layouts/{exc.name or name}', f'template error: {exc.message}',
                exc.lineno)) from None
        except jinja2.TemplateNotFound as exc:
            raise LayoutError(Problem(f'layouts/{name}', (
                exc.message if exc.message != exc.name
                else f'template "{exc.name}" not found')))

    def render(self, job: Job, build_date: str,
               time_limit: float | None = None) -> str:
        campaign, layout = job.campaign, job.layout
        template = self.template(layout)
        language = campaign.language
        # A mistake in the hyphenation word list is told as such, not as
        # the template's (the filters read the list while rendering).
        word_list(self.root, language.split('-')[0].lower())
        check_dictionary(language.split('-')[0].lower())
        labels = LABELS.get(language.split('-')[0], LABELS['en'])
        context = {
            'campaign': campaign, 'layout': layout, 'qr': job.qr,
            'edition': job.edition,
            # The brand's logo as an <img> (which can carry alt text), its
            # URL relative to the layout folder, like the stylesheets'.
            'brand_logo': job.brand.logo_url(job.edition),
            'draft': draft_reasons(campaign), 'labels': labels,
            # <html dir>: rtl for Arabic, Persian, Hebrew …; the layouts
            # mirror through logical properties and [dir=rtl] rules.
            'direction': direction(language),
            'page_css': Markup(page_css(job)),
            # Made from brands/NAME/brand.yaml (flyers/brands.py): set in a
            # <style> element, nothing the build writes to read back.
            'brand_css': Markup(job.brand.css()),
            'base_css': '../_base/common.css',
            'build_date': build_date,
            'printed_by': printed_by(job, build_date),
        }
        where = f'layouts/{layout.name}/{layout.template}'
        try:
            with template.environment.limited(time_limit):
                return _bounded_render(template, context)
        except TemplateTooSlow as exc:
            raise LayoutError(Problem(where, (
                f'the template ran for more than {exc.seconds:g} s and was '
                'stopped: a loop may never end (or loop over far too much); '
                'undo the last change to the template'))) from None
        except RecursionError:
            raise LayoutError(Problem(where, (
                'the template calls itself without end (a recursive macro or '
                'include) or nests elements thousands deep; make the '
                'recursion stop'))) from None
        except jinja2.UndefinedError as exc:
            raise LayoutError(Problem(
                f'layouts/{layout.name}/{layout.template}',
                f'the template uses something that does not exist: '
                f'{exc.message}')) from None
        except MemoryError:
            raise LayoutError(Problem(where, (
                'the template makes more text than memory holds and was '
                'stopped; undo the last change to the template'))) from None
        except (jinja2.exceptions.SecurityError, OverflowError) as exc:
            raise LayoutError(Problem(
                f'layouts/{layout.name}/{layout.template}',
                f'the template may not do this: {exc}')) from None
        except jinja2.TemplateError as exc:
            raise LayoutError(Problem(
                f'layouts/{layout.name}/{layout.template}',
                f'template error: {exc}')) from None
        except Exception as exc:  # noqa: BLE001 - a template's own mistake
            # 1/0, a filter given the wrong arguments, …: the layout's
            # mistake, at the template line where it happened.
            shown, line = template_position(exc, self.root, where)
            reason = str(exc) or type(exc).__name__
            raise LayoutError(Problem(shown, (
                f'template error ({type(exc).__name__}): {reason}; mend '
                'the template'), line)) from None


def template_position(exc: BaseException, root: Path, default: str):
    """The template file and line where ``exc`` was raised (Jinja maps its
    frames back to template lines), or ``default`` and None."""
    found = (default, None)
    trace = exc.__traceback__
    layouts = (root / 'layouts').resolve()
    while trace is not None:
        name = Path(trace.tb_frame.f_code.co_filename)
        if name.suffix == '.j2' and name.is_absolute():
            try:
                relative = name.resolve().relative_to(layouts)
            except ValueError:
                pass
            else:
                found = (f'layouts/{relative.as_posix()}', trace.tb_lineno)
        trace = trace.tb_next
    return found


def _bounded_render(template, context) -> str:
    """The template's text, refused once it grows past MAX_OUTPUT (a loop
    printing without end fills memory before any time limit)."""
    parts, size = [], 0
    for part in template.generate(context):
        size += len(part)
        if size > MAX_OUTPUT:
            raise OverflowError(f'the template makes more than '
                                f'{MAX_OUTPUT:,} characters of HTML')
        parts.append(part)
    return ''.join(parts)
