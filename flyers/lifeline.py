"""Child processes die with the build that started them.

A build that is itself killed (``kill -9``, an out-of-memory kill, a CI job
cancelled) cannot stop its children, so each child watches for it:

- each worker process watches the build process (:func:`watch`: a thread
  waiting on a pidfd, Linux ≥ 5.3) and ends itself when the build ends —
  its parent is multiprocessing's forkserver, not the build, and the
  forkserver itself already ends when the build does;
- each Ghostscript the preflight starts asks the kernel to kill it when
  the process that started it ends (:func:`die_with_parent`, Linux's
  ``PR_SET_PDEATHSIG``), so it goes with its worker.

And a worker may not take the machine's memory (:func:`limit_memory`).
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import threading

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent ends (Linux
    only; elsewhere nothing happens).  Safe in a ``preexec_fn``."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before we asked
        os._exit(1)


def watch(pid: int) -> None:
    """End this process (and, through their death signal, its children)
    as soon as process ``pid`` ends."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return  # too old a system: the forkserver's own watch must do
    def wait():
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        poller.poll()
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=wait, name='lifeline', daemon=True).start()


def limit_memory(limit: int) -> None:
    """Make allocations beyond ``limit`` bytes of address space fail in
    this process (a MemoryError) instead of taking the machine's memory."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
