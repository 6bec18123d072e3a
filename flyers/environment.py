"""Facts about the machine that change how fast or how well we build."""

from __future__ import annotations

import functools
import sys


@functools.cache
def warn_if_slow_subsetting() -> bool:
    """Say once when WeasyPrint must subset fonts without HarfBuzz.

    Without the system library libharfbuzz-subset0 WeasyPrint falls back to
    fontTools, about six times slower (and with different bytes).
    """
    from weasyprint.text.ffi import harfbuzz_subset

    if harfbuzz_subset is None:
        print('note: the system library libharfbuzz-subset0 is missing, so '
              'fonts are subset the slow way (about 6x slower); install it '
              'with: apt-get install libharfbuzz-subset0', file=sys.stderr)
        return True
    return False
