"""Facts about the machine that change how fast or how well we build."""

from __future__ import annotations

import ctypes
import functools
import os
import sys


@functools.cache
def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz (the library names it
    tries), found without loading WeasyPrint: else it falls back to
    fontTools, about six times slower and with other bytes."""
    for name in ('libharfbuzz-subset.so.0', 'libharfbuzz-subset-0',
                 'libharfbuzz-subset.0.dylib', 'libharfbuzz-subset-0.dll'):
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            continue
    return False


@functools.cache
def warn_if_slow_subsetting() -> bool:
    """Say once when WeasyPrint must subset fonts without HarfBuzz."""
    if not harfbuzz_subset_available():
        print('note: the system library libharfbuzz-subset0 is missing, so '
              'fonts are subset the slow way (about 6x slower); install it '
              'with: apt-get install libharfbuzz-subset0', file=sys.stderr)
        return True
    return False


def default_jobs() -> int:
    """How many outputs to build at once: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
