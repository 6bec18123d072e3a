"""What the user sees when the builder itself fails: one short message.

In: the exception being handled (from :func:`sys.exc_info`) and the command
line's arguments.  Out: a log file holding the traceback and what was run,
and the message that points to it.  No user sees a raw traceback; a
developer finds it in the log.  The log goes into the project's ``.cache/``
(or ``$FLYERS_CACHE_DIR``), else the system's temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path


def report_crash(args) -> str:
    kind, error, _ = sys.exc_info()
    text = (f'flyers crashed at {time.strftime("%Y-%m-%d %H:%M:%S")}\n'
            f'command: {sys.argv!r}\npython: {sys.version}\n\n'
            + ''.join(traceback.format_exc()))
    log = _write_log(args, text)
    where = f'the details are in {log}' if log else \
        'the details could not be saved'
    name = kind.__name__ if kind else 'error'
    detail = str(error).splitlines()[0][:200] if str(error) else ''
    return (f'error: the builder failed unexpectedly ({name}'
            f'{": " + detail if detail else ""}); nothing was written to '
            f'output/. This is a bug, not your mistake: {where} — please send '
            'that file with a report')


def _write_log(args, text: str) -> str | None:
    stamp = time.strftime('%Y%m%d-%H%M%S')
    name = f'crash-{stamp}-{os.getpid()}.log'
    folders = []
    configured = os.environ.get('FLYERS_CACHE_DIR', '').strip()
    if configured:
        folders.append(Path(configured).expanduser() / 'logs')
    project = getattr(args, 'project', None)
    if project is not None:
        folders.append(Path(project) / '.cache' / 'logs')
    folders.append(Path(tempfile.gettempdir()))
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if (project is not None and folder.is_relative_to(Path(project))
                    and not folder.resolve().is_relative_to(
                        Path(project).resolve())):
                continue  # a link out of the project: not there

            path = folder / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                         | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, 'w', encoding='utf-8') as file:
                file.write(text)
            return str(path)
        except OSError:
            continue
    return None
