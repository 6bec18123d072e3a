"""Stage 2b: the sandbox templates run in — what a layout may read and do.

In: the project folder and a layout name.  Out: a Jinja2 environment whose
templates

- read attributes only of the content and layout values they are handed
  and of plain values — never a path of this machine (``campaign.file``),
  a file (``Path.read_text``) or the interpreter;
- load templates only from their layout's folder and the shared ``_``
  folders, whose real paths (symbolic links followed) must stay inside the
  project's input folders;
- cannot run for ever: ``range`` gives at most :data:`MAX_RANGE` numbers,
  ``*`` and ``**`` cannot make huge values, and every call and loop step
  checks a deadline (:meth:`TemplateEnvironment.limited`), on any thread.
  Recursion ends at Python's own limit (``RecursionError``).
"""

from __future__ import annotations

import contextlib
import functools
import operator
import os
import re
import signal
import time
from pathlib import Path, PurePath

import jinja2
import jinja2.runtime
from jinja2.compiler import CodeGenerator
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from .inputs import read_input, real_inside

MAX_RANGE = 10_000  # numbers one range() may give
MAX_SIZE = 1_000_000  # items or characters one * or filter may make
MAX_POWER = 10 ** 12  # the largest number ** may make
MAX_TEXT = 10_000_000  # characters one ~, +, % or filter may make
MAX_OUTPUT = 20_000_000  # characters a whole template may make
MAX_WIDTH = 10_000  # a width, count or padding a template may ask for
# A width or precision in a format string ("%0900000000d", "{:>50000000}").
_BIG_FORMAT = re.compile(r'(?:%[-+ #0]*|\{[^{}]*:[^{}]*?)\.?\d{5,}')
# A width taken from the arguments ("%*s", "{0:{1}}").
_ARGUMENT_WIDTH = re.compile(r'%[-+ #0]*\*|%[-+ #0]*\d*\.\*|\{[^{}]*\{')

# Templates may read attributes of these types only: the content and
# layout dataclasses, the QR code, and plain values.  Anything else (a
# pathlib.Path's read_text, say) is refused, so a template cannot reach the
# file system or the interpreter through an object it was handed.
_TEMPLATE_TYPES = (str, int, float, bool, tuple, list, dict, type(None),
                   Markup)
_TEMPLATE_MODULES = ('flyers.content', 'flyers.layouts', 'flyers.qr',
                     'flyers.render', 'flyers.columns', 'flyers.sandbox',
                     'jinja2.runtime', 'jinja2.environment', 'jinja2.utils')
# Attributes that name files of this machine: not for a PDF.
_HIDDEN = frozenset({'file', 'source', 'folder', 'positions'})


class TemplateTooSlow(Exception):
    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100):
    """Jinja's placeholder text, in amounts a page can hold."""
    from jinja2.utils import generate_lorem_ipsum

    if not (0 <= n <= 100 and 0 < min <= max <= 1000):
        raise OverflowError('lipsum() may make at most 100 paragraphs of at '
                            'most 1000 words')
    return generate_lorem_ipsum(n, html, min, max)


class _Range:
    """``range`` for templates: bounded, and checking the deadline."""

    def __init__(self, environment, *args):
        self.environment = environment
        self.numbers = range(*args)
        if len(self.numbers) > MAX_RANGE:
            raise OverflowError(f'range() of {len(self.numbers)} numbers; '
                                f'a template may make at most {MAX_RANGE}')

    def __len__(self):
        return len(self.numbers)

    def __iter__(self):
        for number in self.numbers:
            self.environment.check_time()
            yield number

    def __getitem__(self, index):
        return self.numbers[index]


class _BoundedCode(CodeGenerator):
    """Compiles ``a ~ b`` so that its result is measured (the sandbox does
    not see it otherwise: doubling a text 30 times fills any memory)."""

    def visit_Concat(self, node, frame):
        self.write('environment.checked_text(')
        super().visit_Concat(node, frame)
        self.write(')')


def _check_format(text: str, arguments: tuple, what: str) -> None:
    """No width or precision over MAX_WIDTH, written or taken from the
    arguments, before the text is made."""
    if _BIG_FORMAT.search(text):
        raise OverflowError(f'a width or precision of {MAX_WIDTH:,} or more '
                            f'in a {what}')
    if _ARGUMENT_WIDTH.search(text) and any(
            isinstance(a, int) and not isinstance(a, bool)
            and abs(a) >= MAX_WIDTH for a in arguments):
        raise OverflowError(f'a width or precision of {MAX_WIDTH:,} or more '
                            f'in a {what}')


def _checked(value, what: str):
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_TEXT:
        raise OverflowError(f'{what} makes {len(value):,} characters or '
                            f'items; a template may make at most '
                            f'{MAX_TEXT:,} at once')
    return value


class TemplateEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({'*', '**', '%', '+'})
    code_generator_class = _BoundedCode

    def checked_text(self, value):
        self.check_time()
        return _checked(value, '~')

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline: float | None = None
        self.seconds = 0.0
        self.globals['range'] = functools.partial(_Range, self)
        self.globals['lipsum'] = _lipsum

    # --- time ---------------------------------------------------------------

    @contextlib.contextmanager
    def limited(self, seconds: float | None):
        """Stop templates rendered in the body when ``seconds`` (the
        output's whole time limit) are nearly up: a little before the
        output's own limit strikes, so the message can name the template.
        That limit (:func:`flyers.limits.time_limit`) started with the
        output, before the template: what is left of it counts, so a slow
        start (a loaded machine) cannot let it strike first."""
        budget = 0.9 * (seconds or 0.0)
        left = signal.getitimer(signal.ITIMER_REAL)[0] if seconds else 0.0
        if left > 0:
            budget = min(budget, max(left - 0.1 * seconds, left / 2))
        self.deadline = (time.monotonic() + budget) if seconds else None
        self.seconds = seconds or 0.0
        try:
            yield
        finally:
            self.deadline = None

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TemplateTooSlow(self.seconds)

    def call(*args, **kwargs):  # (self, context, obj, *args): no name clash
        self, context, obj, *rest = args
        self.check_time()
        # str.format (Jinja hands it over wrapped: the string is its
        # __wrapped__ method's __self__).
        text = getattr(getattr(obj, '__wrapped__', obj), '__self__', None)
        if (getattr(obj, '__name__', '') in ('format', 'format_map')
                and isinstance(text, str)):
            _check_format(text, tuple(rest) + tuple(kwargs.values()),
                          'format string')
        return _checked(ImmutableSandboxedEnvironment.call(
            self, context, obj, *rest, **kwargs), 'a call')

    def call_binop(self, context, operator_name, left, right):
        self.check_time()
        if operator_name == '%':
            if isinstance(left, str):
                _check_format(left, right if isinstance(right, tuple)
                              else (right,), '% format')
            return _checked(operator.mod(left, right), '%')
        if operator_name == '+':
            if (isinstance(left, (str, list, tuple))
                    and isinstance(right, (str, list, tuple))
                    and len(left) + len(right) > MAX_TEXT):
                raise OverflowError(f'+ makes {len(left) + len(right):,} '
                                    'characters or items; a template may '
                                    f'make at most {MAX_TEXT:,} at once')
            return operator.add(left, right)
        if operator_name == '**':
            if (isinstance(left, (int, float)) and isinstance(right, (int, float))
                    and abs(right) > 64 and abs(left) > 1):
                raise OverflowError('** makes too large a number for a page')
            result = left ** right
            if isinstance(result, (int, float)) and abs(result) > MAX_POWER:
                raise OverflowError('** makes too large a number for a page')
            return result
        if isinstance(left, int) and isinstance(right, (str, list, tuple)):
            left, right = right, left
        if (isinstance(left, (str, list, tuple)) and isinstance(right, int)
                and len(left) * right > MAX_SIZE):
            raise OverflowError(f'* makes {len(left) * right} items; a '
                                f'template may make at most {MAX_SIZE}')
        return operator.mul(left, right)

    # --- what may be read and called ----------------------------------------

    def is_safe_attribute(self, obj, attr, value):
        if isinstance(obj, PurePath) or isinstance(value, PurePath):
            return False
        if not (isinstance(obj, _TEMPLATE_TYPES)
                or type(obj).__module__ in _TEMPLATE_MODULES):
            return False
        if attr in _HIDDEN and type(obj).__module__.startswith('flyers.'):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def is_safe_callable(self, obj):
        # Macros, Jinja's own globals (range, namespace, …) and helpers
        # (loop.cycle), and methods of plain values (str.upper) — nothing
        # else.
        owner = getattr(obj, '__self__', None)
        allowed = (isinstance(obj, jinja2.runtime.Macro)
                   or any(obj is g for g in self.globals.values())
                   or isinstance(owner, _TEMPLATE_TYPES)
                   # loop.cycle(), cycler.next(), joiner(): Jinja's own
                   or type(owner).__module__ in ('jinja2.runtime',
                                                 'jinja2.utils'))
        return allowed and super().is_safe_callable(obj)


def bounded_filters(environment: TemplateEnvironment) -> None:
    """Every filter checks the deadline and may not make a huge value
    (``'x' | center(10**9)``)."""
    for name, function in list(environment.filters.items()):
        environment.filters[name] = _bounded(environment, function)


# Where a filter's separators or fillers start among its arguments (after
# the context Jinja passes some of them, and the value filtered).
_FILLERS_FROM = {'do_join': 2, 'do_indent': 1, 'do_wordwrap': 2,
                 'do_replace': 2, 'do_center': 1}
MAX_FILLER = 1000
# Filters whose numbers are widths or counts of what they make.
_WIDTHS = frozenset({'do_center', 'do_indent', 'do_truncate', 'do_wordwrap',
                     'do_batch', 'do_slice'})


def _bounded(environment, function):
    @functools.wraps(function)
    def bounded(*args, **kwargs):
        environment.check_time()
        if function.__name__ in _WIDTHS:
            for value in list(args) + list(kwargs.values()):
                if isinstance(value, int) and not isinstance(value, bool) \
                        and abs(value) > MAX_WIDTH:
                    raise OverflowError(f'{value} is too large a width or '
                                        f'count for the filter '
                                        f'"{function.__name__}"')
        # Separators and fillers are repeated: a long one multiplies.
        first = _FILLERS_FROM.get(function.__name__)
        if first is not None:
            for value in list(args[first:]) + list(kwargs.values()):
                if isinstance(value, str) and len(value) > MAX_FILLER:
                    raise OverflowError(
                        f'the filter "{function.__name__}" was given a '
                        f'separator or filler of {len(value):,} characters; '
                        f'at most {MAX_FILLER:,}')
        if function.__name__ == 'do_format' and args \
                and isinstance(args[0], str):
            _check_format(args[0], tuple(args[1:]) + tuple(kwargs.values()),
                          'format string')
        return _checked(function(*args, **kwargs),
                        f'the filter "{function.__name__}"')
    return bounded


class _LayoutLoader(jinja2.FileSystemLoader):
    """Templates of one layout: its own folder and the shared folders
    (names starting with ``_``) — exactly what the build cache tracks as the
    layout's inputs, so no other layout can change its output unseen."""

    def __init__(self, root: Path, layout: str):
        super().__init__(str(root / 'layouts'))
        self.root = root
        self.layout = layout

    def get_source(self, environment, template):
        top = template.split('/', 1)[0]
        if top != self.layout and not top.startswith('_'):
            raise jinja2.TemplateNotFound(template, (
                f'"{template}": a layout may use templates from its own '
                'folder and from shared folders whose names start with "_" '
                f'(like _base/), not from another layout; copy it into '
                f'layouts/{self.layout}/ or a shared folder'))
        # Followed symlinks must not lead out of the layout's folder and
        # the shared ones, nor these out of the project: checked before the
        # file is opened.
        folder = Path(self.searchpath[0])
        candidate = folder.joinpath(*split_template_path(template))
        if candidate.exists():
            allowed = [folder / self.layout] + [
                path for path in folder.iterdir()
                if path.name.startswith('_')]
            real = candidate.resolve()
            if not real_inside(self.root, candidate) or not any(
                    real_inside(self.root, path)
                    and real.is_relative_to(path.resolve())
                    for path in allowed):
                raise jinja2.TemplateNotFound(template, (
                    f'"{template}" leads (through a symbolic link) out of '
                    f'layouts/{self.layout}/ and the shared folders; copy '
                    'the template instead of linking it'))
        try:
            # Never a pipe, never a file larger than any input may be.
            source = read_input(candidate).decode(self.encoding)
            mtime = candidate.stat().st_mtime
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, 'strerror', None) or str(exc)
            raise jinja2.TemplateNotFound(template, (
                f'"{template}" cannot be read: {reason}')) from None

        def uptodate() -> bool:
            try:
                return candidate.stat().st_mtime == mtime
            except OSError:
                return False

        return source, os.path.normpath(candidate), uptodate


def layout_loader(root: Path, layout: str) -> _LayoutLoader:
    return _LayoutLoader(root, layout)
