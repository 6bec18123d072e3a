"""User-facing errors: one exception tree and one message format.

Every problem a user can cause is reported as a :class:`Problem`, printed as::

    content/x.yaml:12:5: proposals[2].title: expected text, found a list

(file, 1-based line and column, the field's path, what was expected and what
was found).  Exceptions carry a list of problems, so one run reports all of
them.  The CLI is the only place that catches these and turns them into exit
codes; nothing else calls ``sys.exit``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place of one file."""

    file: str
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f':{self.line}'
            if self.column is not None:
                where += f':{self.column}'
        if self.field:
            return _one_line(f'{where}: {self.field}: {self.message}')
        return _one_line(f'{where}: {self.message}')


def _one_line(text: str) -> str:
    """Invisible characters (line breaks, escapes, U+2028) from a file name,
    a field name or a quoted value written as \\uXXXX: one problem, one
    line, nothing the terminal would act on."""
    if text.isprintable():
        return text
    return ''.join(c if c.isprintable() or c == ' ' else f'\\u{ord(c):04X}'
                   for c in text)


class FlyerError(Exception):
    """Base class of every error the user can fix; carries problems."""

    def __init__(self, problems: list[Problem] | Problem | str,
                 written: str = ''):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems = list(problems)
        # What was written all the same (a report explaining the refusal).
        self.written = written
        super().__init__('\n'.join(str(p) for p in self.problems))


class ContentError(FlyerError):
    """A content file is missing, unreadable or does not match the schema."""


class LayoutError(FlyerError):
    """A layout folder, its manifest, template or stylesheet is wrong."""


class BuildError(FlyerError):
    """Rendering failed: overflow, QR code too dense, WeasyPrint warnings."""


class PageImportError(FlyerError):
    """A page could not be imported (unreadable, empty, no title)."""


class UsageError(FlyerError):
    """The command line names something that does not exist."""
