"""Stage 3, before layout: colours of the print edition come from CMYK.

In: the HTML of one print output, its base address and the project root.
Out: a :class:`~flyers.errors.Problem` for each declaration in the
stylesheets it links (and those they @import) that gives an RGB (or other
non-CMYK) colour to an element of that HTML: ``layouts/x/style.css:12:10``.

Print colours are ``device-cmyk()`` (the brand tokens, made from
``brands/NAME/brand.yaml`` in CMYK only, under ``.edition-print``: the
brand's sheet is inline and not read here); an sRGB colour is for
the screen edition only (rules under ``.edition-screen``, or ``@media
screen``).  The preflight finds RGB in the PDF too, but only where it was
drawn — once per field it coloured, and blaming that field; this finds the
line that causes it, once.

A rule counts when its selector matches an element of the print edition's
HTML (so ``.edition-screen .x`` does not), and a custom property when some
stylesheet uses it with ``var()``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .errors import Problem
from .fonts import css_rules, css_text

# Properties whose identifiers may be colour names ("red").
_COLOUR_PROPERTY = re.compile(
    r'^(--.*|.*color|background|border(-(top|right|bottom|left|block|inline)'
    r'(-(start|end))?)?|outline|text-decoration|column-rule|box-shadow|'
    r'text-shadow|fill|stroke|text-emphasis)$')
_COLOUR_FUNCTIONS = frozenset(('rgb', 'rgba', 'hsl', 'hsla', 'hwb', 'lab',
                               'lch', 'oklab', 'oklch', 'color'))
_RGB_SPACES = frozenset(('srgb', 'srgb-linear', 'hsl', 'hwb', 'display-p3',
                         'a98-rgb', 'prophoto-rgb', 'rec2020'))


def print_colour_problems(html: str, base_url: str, root: Path
                          ) -> list[Problem]:
    """Declarations that give the print edition a colour that is not
    CMYK, in the order of the stylesheets."""
    from weasyprint import HTML
    import cssselect2

    tree = HTML(string=html, base_url=base_url).etree_element
    elements = list(cssselect2.ElementWrapper.from_html_root(tree)
                    .iter_subtree())
    root = root.resolve()
    sheets: list[Path] = []
    for link in tree.iter():
        if link.tag.rpartition('}')[2] != 'link':
            continue
        if 'stylesheet' in (link.get('rel') or '').split() and link.get('href'):
            _collect(urljoin(base_url, link.get('href')), root, sheets)
    rules = [(path, rule) for path in sheets
             for rule in _print_rules(css_rules(path, path.stat().st_mtime))]
    used = set()
    for path, _ in rules:
        used |= set(re.findall(r'var\(\s*(--[\w-]+)',
                               css_text(path)))
    found = []
    for path, (prelude, declarations) in rules:
        if prelude is not None and not _matches(prelude, elements):
            continue
        for declaration in declarations:
            name = declaration.lower_name
            if name.startswith('--') and name not in used:
                continue
            token, space = _foreign_colour(declaration.value,
                                           _COLOUR_PROPERTY.match(name))
            if token is None:
                continue
            kind = 'an RGB' if space in _RGB_SPACES else f'a {space}'
            found.append(Problem(
                path.relative_to(root).as_posix(),
                f'`{name}: {token.serialize()}` is {kind} colour in the print '
                'edition, which must be CMYK only; use device-cmyk(c m y k) or '
                'a brand colour var(--brand-…), or put the rule under '
                '.edition-screen',
                token.source_line, token.source_column))
    return found


def _collect(url: str, root: Path, sheets: list[Path]) -> None:
    """The stylesheet at ``url`` and those it @imports, if they are files
    of the project (the fetcher refuses the others anyway)."""
    parts = urlsplit(url)
    if parts.scheme != 'file':
        return
    path = Path(unquote(parts.path)).resolve()
    if (path in sheets or not path.is_relative_to(root)
            or not path.is_file()):
        return
    sheets.append(path)
    for rule in css_rules(path, path.stat().st_mtime):
        if rule.type == 'at-rule' and rule.lower_at_keyword == 'import':
            target = next((t for t in rule.prelude
                           if t.type in ('string', 'url')), None)
            if target is None:
                target = next((t for t in rule.prelude
                               if t.type == 'function'
                               and t.lower_name == 'url'), None)
                value = (target.arguments[0].value if target is not None
                         and target.arguments else None)
            else:
                value = target.value
            if value:
                _collect(urljoin(path.as_uri(), value), root, sheets)


def _print_rules(rules, page=False):
    """(selector prelude or None for @page, declarations) of the rules that
    print uses: not those inside @media screen."""
    import tinycss2

    for rule in rules:
        if rule.type == 'qualified-rule':
            declarations = [d for d in tinycss2.parse_blocks_contents(
                rule.content, skip_comments=True, skip_whitespace=True)
                if d.type == 'declaration']
            yield (None if page else rule.prelude), declarations
        elif rule.type == 'at-rule' and rule.content is not None:
            keyword = rule.lower_at_keyword
            if keyword == 'media':
                media = tinycss2.serialize(rule.prelude).lower()
                if not re.search(r'\b(print|all)\b', media) and media.strip():
                    continue
            if keyword in ('media', 'supports', 'layer'):
                yield from _print_rules(tinycss2.parse_rule_list(
                    rule.content, skip_comments=True, skip_whitespace=True))
            elif keyword == 'page':
                contents = tinycss2.parse_blocks_contents(
                    rule.content, skip_comments=True, skip_whitespace=True)
                yield None, [d for d in contents if d.type == 'declaration']
                for margin in contents:
                    if margin.type == 'at-rule' and margin.content:
                        yield None, [d for d in tinycss2.parse_blocks_contents(
                            margin.content, skip_comments=True,
                            skip_whitespace=True) if d.type == 'declaration']


def _matches(prelude, elements) -> bool:
    """Whether a selector matches an element of the document (a selector
    this cannot read is taken to match: better a question than a miss)."""
    import cssselect2

    try:
        selectors = cssselect2.compile_selector_list(prelude)
    except Exception:  # cssselect2's SelectorError, or one it does not know
        return True
    try:
        return any(selector.test(element) for selector in selectors
                   for element in elements)
    except Exception:  # a selector cssselect2 compiles but cannot test
        return True


def _foreign_colour(tokens, names_allowed) -> tuple:
    """The first colour in ``tokens`` that is not CMYK, with its space."""
    from tinycss2.color5 import parse_color

    for token in tokens:
        colour = None
        if token.type == 'hash' or (token.type == 'ident' and names_allowed):
            colour = parse_color(token)
        elif token.type == 'function':
            if token.lower_name in _COLOUR_FUNCTIONS:
                colour = parse_color(token)
            if colour is None:
                inner = _foreign_colour(token.arguments, names_allowed)
                if inner[0] is not None:
                    return inner
        if colour is None or isinstance(colour, str):
            continue
        space = colour.space
        if space == 'device-cmyk' or space.startswith('--'):
            continue
        if colour.alpha == 0:  # transparent: nothing is drawn
            continue
        return token, space
    return None, None
