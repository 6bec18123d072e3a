"""Stage 4: the only code that writes into ``output/`` (and imported content).

Every file is written atomically: to a temporary file in the same folder,
flushed to disk, then moved over the target with :func:`os.replace`.  A crash
or Ctrl-C leaves either the old file or the new one, never half of one.
Targets outside the allowed folder are refused (``Path.is_relative_to``, not
a string prefix check).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


class OutsideFolder(ValueError):
    pass


def write_atomic(target: Path, data: bytes, inside: Path) -> None:
    """Write ``data`` to ``target``, which must lie inside ``inside``."""
    target = target.absolute()
    if not target.resolve().is_relative_to(inside.resolve()):
        raise OutsideFolder(f'{target} is outside {inside}')
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f'.{target.name}.',
                                suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        with_suppressed_unlink(temp)
        raise


def with_suppressed_unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def write_json(target: Path, value, inside: Path) -> None:
    text = json.dumps(value, indent=2, ensure_ascii=False) + '\n'
    write_atomic(target, text.encode('utf-8'), inside)
