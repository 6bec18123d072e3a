"""Preflight, the file as a whole: structure, pages, boxes, fonts, links and
the output intent.

In: the PDF opened with pikepdf and the expectations.  Out: findings in a
:class:`~flyers.preflight.findings.Collector`, and the :class:`Frame` of
every page (its boxes), which the other checks measure from.
"""

from __future__ import annotations

import io
import re

import pikepdf

from .findings import (BOX_TOLERANCE_MM, MM_PER_PT, Collector, Expectations,
                       Frame, normalised)

_SUBSET_RE = re.compile(r'^[A-Z]{6}\+')
_FORBIDDEN_SCHEMES = {
    'javascript': 'runs a script',
    'file': 'opens a file on the reader\'s computer',
    'data': 'carries data of its own instead of an address',
}
# Actions that do something other than open a web address or a page of this
# document; none belongs in a leaflet.
_FORBIDDEN_ACTIONS = {
    '/JavaScript': 'runs a script',
    '/Launch': 'starts a program or opens a file',
    '/GoToR': 'opens another PDF file',
    '/GoToE': 'opens a file embedded in the PDF',
    '/ImportData': 'reads a data file',
    '/SubmitForm': 'sends form data somewhere',
    '/Rendition': 'plays embedded media',
}
_EMBEDDING_ANNOTATIONS = ('/FileAttachment', '/RichMedia', '/3D', '/Movie',
                          '/Sound', '/Screen')


def check_structure(pdf, out: Collector) -> None:
    """qpdf's own check (``qpdf --check``), through pikepdf."""
    out.ran('structure')
    check = getattr(pdf, 'check_pdf_syntax', None) or pdf.check
    try:
        problems = check()
    except Exception as exc:  # pikepdf raises on damage it cannot list
        problems = [f'ERROR: {exc}']
    name = str(getattr(pdf, 'filename', '') or '')
    for problem in problems[:5]:
        problem = re.sub(r'^(WARNING|ERROR): ', '', problem)
        if name and problem.startswith(name):
            problem = problem[len(name):].lstrip(': ')
        out.error('structure', f'the file is damaged (qpdf: {problem}); '
                  'build it again, and if that does not help, report it',
                  limit=False)
    if len(problems) > 5:
        out.error('structure', f'and {len(problems) - 5} more problems '
                  '(see qpdf --check)', limit=False)


def page_frames(pdf, expect: Expectations, out: Collector) -> list[Frame]:
    """Check the page count and every page's TrimBox and BleedBox."""
    out.ran('pages')
    out.ran('trim-box')
    out.ran('bleed-box')
    pages = pdf.pages
    if len(pages) != expect.pages:
        out.error('pages', f'the PDF has {len(pages)} page(s) but the layout '
                  f'has {expect.pages}; build it again from the layout (if '
                  'the content did not fit, the build says which field)')
    width, height = expect.trim_mm
    frames = []
    for index, page in enumerate(pages):
        media = normalised(page.mediabox)
        explicit_trim = '/TrimBox' in page.obj
        trim = normalised(page.trimbox)
        bleed = normalised(page.obj.BleedBox) if '/BleedBox' in page.obj \
            else normalised(page.cropbox)
        frame = Frame(index, media, trim, bleed)
        frames.append(frame)
        if not explicit_trim and expect.is_print:
            out.error('trim-box', 'the page has no TrimBox, so the printer '
                      'cannot tell where to cut; build it with the builder, '
                      'which sets one', frame=frame)
        else:
            got = ((trim[2] - trim[0]) * MM_PER_PT,
                   (trim[3] - trim[1]) * MM_PER_PT)
            if (abs(got[0] - width) > BOX_TOLERANCE_MM
                    or abs(got[1] - height) > BOX_TOLERANCE_MM):
                out.error('trim-box', f'the trimmed page (TrimBox) is '
                          f'{got[0]:.1f} × {got[1]:.1f} mm but the layout '
                          f'is {width:g} × {height:g} mm; build it again '
                          'from the layout', frame=frame)
        _check_bleed(frame, expect, out)
    return frames


def _check_bleed(frame: Frame, expect: Expectations, out: Collector) -> None:
    t, b, m = frame.trim, frame.bleed, frame.media
    sides = ('left', 'bottom', 'right', 'top')
    grown = [(t[0] - b[0]) * MM_PER_PT, (t[1] - b[1]) * MM_PER_PT,
             (b[2] - t[2]) * MM_PER_PT, (b[3] - t[3]) * MM_PER_PT]
    wrong = [f'{side} {value:.1f} mm' for side, value in zip(sides, grown)
             if abs(value - expect.bleed_mm) > BOX_TOLERANCE_MM]
    if wrong:
        out.error('bleed-box', f'the bleed (BleedBox beyond the TrimBox) is '
                  f'{", ".join(wrong)} but must be {expect.bleed_mm:g} mm on '
                  'every side; build it again from the layout', frame=frame)
    slack = BOX_TOLERANCE_MM / MM_PER_PT
    if (b[0] < m[0] - slack or b[1] < m[1] - slack or b[2] > m[2] + slack
            or b[3] > m[3] + slack):
        out.error('bleed-box', 'the bleed (BleedBox) reaches beyond the '
                  'paper of the file (MediaBox), so part of it is missing; '
                  'build it again from the layout', frame=frame)


# --- fonts ------------------------------------------------------------------

def check_fonts(fonts: dict, frames: list[Frame], expect: Expectations,
                out: Collector) -> None:
    """``fonts``: font dictionary -> index of the first page using it."""
    out.ran('fonts')
    ours = expect.font_names
    for font, page_index in fonts.values():
        frame = frames[page_index] if page_index is not None else None
        shown = _base_name(font)
        subtype = str(font.get('/Subtype', ''))
        if subtype == '/Type3':
            if ours:
                out.error('fonts', f'the font "{shown or "Type 3"}" is drawn '
                          'shapes (Type 3), not one of the project\'s fonts '
                          '(brands/*/fonts); use the brand fonts',
                          frame=frame, limit=False)
            continue
        described = font
        if subtype == '/Type0':
            descendants = font.get('/DescendantFonts')
            described = descendants[0] if descendants else font
        descriptor = described.get('/FontDescriptor')
        program = None
        if descriptor is not None:
            for key in ('/FontFile', '/FontFile2', '/FontFile3'):
                if key in descriptor:
                    program = (key, descriptor[key])
                    break
        if program is None:
            out.error('fonts', f'the font "{shown}" is not embedded, so the '
                      'printer would set the text in a font of its own; '
                      'build it again with the project\'s fonts '
                      '(brands/*/fonts)', frame=frame, limit=False)
            continue
        if not ours or shown in ours:
            continue
        name = _program_name(*program)
        if name in ours:
            continue
        known = ', '.join(sorted(ours))
        called = f'"{shown}" ({name})' if name and name != shown \
            else f'"{shown}"'
        out.error('fonts', f'the font {called} is not one of the project\'s '
                  f'fonts ({known}); a character of the text is probably '
                  'missing from the brand fonts, or a stylesheet names '
                  'another font: use the brand fonts only', frame=frame,
                  limit=False)


def _base_name(font) -> str:
    name = str(font.get('/BaseFont', '')).lstrip('/')
    return _SUBSET_RE.sub('', name)


def _program_name(key: str, stream) -> str | None:
    """The PostScript name inside an embedded font program: WeasyPrint
    writes a BaseFont made of the CSS family name (``Brand-Text-Bold``), so
    only the program itself says which font file it came from."""
    try:
        data = stream.read_bytes()
        subtype = str(stream.get('/Subtype', ''))
        if key == '/FontFile':  # Type 1: "/FontName /Name def" in clear text
            match = re.search(rb'/FontName\s*/([^\s/\[\]{}()<>]+)',
                              data[:8192])
            return match[1].decode('latin-1') if match else None
        if key == '/FontFile3' and subtype != '/OpenType':  # bare CFF
            from fontTools.cffLib import CFFFontSet

            cff = CFFFontSet()
            cff.decompile(io.BytesIO(data), None)
            return cff.fontNames[0] if cff.fontNames else None
        from fontTools.ttLib import TTFont

        with TTFont(io.BytesIO(data), lazy=True) as program:
            if 'name' in program:
                name = program['name'].getDebugName(6)
                if name:
                    return name
            if 'CFF ' in program:
                return program['CFF '].cff.fontNames[0]
    except Exception:  # a damaged program: say it is not ours
        return None
    return None


# --- links ------------------------------------------------------------------

def check_links(pdf, frames: list[Frame], expect: Expectations,
                out: Collector) -> None:
    from ..content import is_placeholder_url

    out.ran('links')
    root = pdf.Root
    names = root.get('/Names')
    if names is not None and '/EmbeddedFiles' in names:
        out.error('links', 'the PDF carries embedded files; a PDF for print '
                  'must hold nothing but the pages: remove them', limit=False)
    if names is not None and '/JavaScript' in names:
        out.error('links', 'the PDF carries scripts (JavaScript); remove '
                  'them', limit=False)
    for key, what in (('/OpenAction', 'when it is opened'),
                      ('/AA', 'on document events')):
        action = root.get(key)
        if action is not None and hasattr(action, 'get'):
            _check_action(action, f'the PDF does something {what}', None,
                          None, expect, out, is_placeholder_url)
    for frame, page in zip(frames, pdf.pages):
        actions = page.obj.get('/AA')
        if actions is not None:
            for action in actions.values():
                _check_action(action, 'the page does something when it is '
                              'shown', frame, None, expect, out,
                              is_placeholder_url)
        for annotation in page.obj.get('/Annots', ()) or ():
            if not hasattr(annotation, 'get'):
                continue
            subtype = str(annotation.get('/Subtype', ''))
            rect = annotation.get('/Rect')
            box = normalised(rect) if rect is not None else None
            if subtype in _EMBEDDING_ANNOTATIONS:
                out.error('links', f'the page has an attached file or media '
                          f'({subtype.lstrip("/")}); this PDF must hold '
                          'nothing but the pages: remove it', frame=frame,
                          box=box)
                continue
            action = annotation.get('/A')
            if action is not None:
                _check_action(action, 'a link', frame, box, expect, out,
                              is_placeholder_url)
            more = annotation.get('/AA')
            if more is not None:
                for action in more.values():
                    _check_action(action, 'a link', frame, box, expect, out,
                                  is_placeholder_url)
            if expect.is_print and subtype not in ('/PrinterMark', '/TrapNet'):
                # PDF/X: no annotations on the printed area (and on paper
                # a link does nothing anyway).
                out.error('links', f'the page has a {subtype.lstrip("/")} '
                          'annotation; PDF/X allows none on the printed '
                          'area: take it out of the print edition',
                          frame=frame, box=box)


def _check_action(action, what: str, frame, box, expect, out,
                  is_placeholder_url, depth: int = 0) -> None:
    if depth > 20 or not hasattr(action, 'get'):
        return
    kind = str(action.get('/S', ''))
    where = {'frame': frame, 'box': box}
    if kind in _FORBIDDEN_ACTIONS:
        out.error('links', f'{what} {_FORBIDDEN_ACTIONS[kind]} '
                  f'({kind.lstrip("/")} action); these PDFs may only link '
                  'to web addresses: fix or remove the link', **where)
    elif kind == '/URI':
        uri = _text(action.get('/URI'))
        scheme = uri.strip().split(':', 1)[0].lower() if ':' in uri else ''
        if scheme in _FORBIDDEN_SCHEMES:
            shown = uri if len(uri) <= 60 else uri[:59] + '…'
            out.error('links', f'{what} {_FORBIDDEN_SCHEMES[scheme]} '
                      f'({shown}); these PDFs may only link to web '
                      'addresses: fix the link\'s address', **where)
        elif is_placeholder_url(uri):
            message = (f'{what} goes to a placeholder address "{uri}"; put '
                       'the real address in the content file')
            if expect.draft:
                out.warning('links', message + ' before the final build',
                            **where)
            else:
                out.error('links', message, **where)
    following = action.get('/Next')
    if following is not None:
        import pikepdf

        for action in (following if isinstance(following, pikepdf.Array)
                       else [following]):
            _check_action(action, what, frame, box, expect, out,
                          is_placeholder_url, depth + 1)


def _text(value) -> str:
    if value is None:
        return ''
    try:
        return str(value)
    except Exception:
        return bytes(value).decode('latin-1')


# --- output intent ----------------------------------------------------------

def check_output_intent(pdf, out: Collector) -> None:
    """A print file says which press condition its CMYK numbers are for:
    an output intent (GTS_PDFX) with a four-channel ICC profile."""
    intents = pdf.Root.get('/OutputIntents') or ()
    pdfx = [i for i in intents if hasattr(i, 'get')
            and str(i.get('/S', '')) == '/GTS_PDFX']
    if not pdfx:
        out.error('colour', 'the PDF names no printing condition (no PDF/X '
                  'output intent); build the print edition with the print '
                  'shop\'s CMYK profile as output intent', limit=False)
        return
    profile = pdfx[0].get('/DestOutputProfile')
    channels = int(profile.get('/N', 0)) if profile is not None else 0
    if channels != 4:
        what = ('embeds no ICC profile' if profile is None
                else f'embeds a profile with {channels} channels')
        out.error('colour', f'the PDF/X output intent {what}, not a CMYK '
                  'profile; use the print shop\'s CMYK profile (FOGRA39 for '
                  'coated offset paper)', limit=False)
        return
    # /N could say 4 over any bytes: read the profile's own header too.
    try:
        header = profile.read_bytes()[:20]
    except Exception:  # noqa: BLE001 - an unreadable stream is the finding
        header = b''
    if header[12:16] not in (b'prtr', b'mntr', b'scnr') or \
            header[16:20] != b'CMYK':
        space = header[16:20].decode('ascii', 'replace').strip() or '?'
        out.error('colour', f'the PDF/X output intent\'s profile describes '
                  f'{space} colour, not CMYK printing; use the print shop\'s '
                  'CMYK profile', limit=False)


def check_screen_colours(pdf, frames, out: Collector) -> None:
    """The screen edition is RGB: CMYK in it means a colour was declared
    for print without being scoped to .edition-print."""
    out.ran('colour')
    seen = set()

    def visit(obj, where, frame):
        if obj.objgen in seen and obj.objgen != (0, 0):
            return
        seen.add(obj.objgen)
        resources = obj.get('/Resources') or {}
        spaces = resources.get('/ColorSpace') or {}
        count = 0
        try:
            operations = pikepdf.parse_content_stream(obj)
        except pikepdf.PdfError:
            operations = []
        for operands, operator in operations:
            op = str(operator)
            if op in ('k', 'K'):
                count += 1
            elif op in ('cs', 'CS') and operands:
                space = operands[0]
                name = str(space)
                if name == '/DeviceCMYK' or _is_cmyk(spaces.get(name)):
                    count += 1
        if count:
            out.error('colour', f'CMYK colour in {where}, {count} times; the '
                      'screen edition must be RGB: declare print colours '
                      'for .edition-print only', frame=frame)
        for name, xobject in (resources.get('/XObject') or {}).items():
            if xobject.get('/Subtype') == '/Form':
                visit(xobject, f'{where} > form {name}', frame)
            elif xobject.get('/Subtype') == '/Image' and (
                    str(xobject.get('/ColorSpace')) == '/DeviceCMYK'
                    or _is_cmyk(xobject.get('/ColorSpace'))):
                out.error('colour', f'a CMYK image ({name}) in {where}; the '
                          'screen edition must be RGB', frame=frame)

    for number, (frame, page) in enumerate(zip(frames, pdf.pages), 1):
        visit(page.obj, f'page {number}', frame)


def _is_cmyk(space) -> bool:
    """An ICCBased colour space with four components."""
    try:
        return (isinstance(space, pikepdf.Array) and str(space[0]) ==
                '/ICCBased' and int(space[1].get('/N', 0)) == 4)
    except (TypeError, ValueError, IndexError, AttributeError):
        return False
