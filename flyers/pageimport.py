"""The import command around the importer: arguments in, a content file out.

In: the page file, ``--out``, ``--url``, ``--lang``, ``--force``.  Out: the
content file written atomically, and the importer's notes.  Arguments that
cannot work (a missing page, an --out that is a folder, a device, a
symbolic link, outside the project or inside output/, a --url that is no
web address) are usage errors, reported before anything is read or written.
The file is written only into the project's own folders: --out is never
followed through a symbolic link (write_atomic checks the real path again
when it writes).
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import PageImportError, Problem, UsageError
from .importer import ImportResult, import_page
from .inputs import read_input
from .yamlstrict import MAX_BYTES
from .urls import problem as url_problem
from .writer import OutsideFolder, write_atomic

LANGUAGE = re.compile(r'[a-z]{2,3}(-[A-Za-z0-9]{2,8})*')


def check_arguments(page: Path, out: Path, url: str | None,
                    language: str | None, force: bool, root: Path) -> None:
    problems = []
    if not page.is_file():
        problems.append(Problem(str(page), 'no such file' if not page.exists()
                                else 'this is not a regular file'))
    project = root.resolve()
    real = out.absolute().parent.resolve() / out.name
    if out.suffix not in ('.yaml', '.yml'):
        problems.append(Problem('--out', f'"{out}" should end in .yaml'))
    elif out.is_symlink():
        problems.append(Problem('--out', f'"{out}" is a symbolic link; the '
                                'import writes only real files: give the '
                                'path of a file in content/'))
    elif not real.is_relative_to(project):
        problems.append(Problem('--out', f'"{out}" is outside the project '
                                f'folder {root} (it leads to {real}); '
                                'write the content file into content/'))
    elif out.exists() and not out.is_file():
        problems.append(Problem('--out', f'"{out}" exists and is not a '
                                'regular file'))
    elif out.exists() and not force:
        problems.append(Problem(str(out), 'exists already; choose another '
                                '--out or add --force'))
    elif not out.absolute().parent.is_dir():
        problems.append(Problem('--out', f'the folder "{out.parent}" does '
                                'not exist'))
    elif real.is_relative_to(project / 'output'):
        problems.append(Problem('--out', 'output/ is for built files and is '
                                'not kept; write content to content/'))
    if url is not None and url_problem(url):
        problems.append(Problem('--url', url_problem(url)))
    if language is not None and not LANGUAGE.fullmatch(language):
        problems.append(Problem('--lang', f'"{language}" is not a language '
                                'code; write e.g. sv or en'))
    if problems:
        raise UsageError(problems)


def run_import(page: Path, out: Path, url: str | None, language: str | None,
               force: bool, root: Path) -> ImportResult:
    """Check the arguments, import the page, write the content file."""
    check_arguments(page, out, url, language, force, root)
    shown = str(page)
    try:
        # At most a byte more than a page may have (the importer says it
        # is too large): a 2 GB file is not read whole.
        raw = read_input(page, MAX_BYTES)
        if len(raw) > MAX_BYTES:
            raise PageImportError(Problem(shown, (
                f'the page is {page.stat().st_size:,} bytes; a page to import '
                f'may be at most {MAX_BYTES:,} bytes (is this the right '
                'file?)')))
        text = raw.decode('utf-8-sig')
    except UnicodeDecodeError:
        raise PageImportError(Problem(shown, 'the page is not UTF-8 text; '
                                             'save it as UTF-8')) from None
    except OSError as exc:
        raise UsageError(Problem(shown, f'cannot read the page: '
                                        f'{exc.strerror}')) from None
    result = import_page(text, source=shown, url=url, language=language)
    target = out.absolute()
    try:
        write_atomic(target, result.yaml_text.encode('utf-8'),
                     inside=root.resolve())
    except OutsideFolder:
        # --out was changed into a link to elsewhere after it was checked.
        raise UsageError(Problem('--out', f'"{out}" now leads outside the '
                                 f'project folder {root}; nothing was '
                                 'written')) from None
    except OSError as exc:
        raise UsageError(Problem(str(out), f'cannot write the file: '
                                           f'{exc.strerror}')) from None
    return result
