"""Limits on one output's rendering: time, so that a template or a layout
that never ends cannot hang a build or the preview server.

In: a number of seconds (``--time-limit``, default :data:`DEFAULT_SECONDS`).
Out: a context manager that stops the work inside it with
:class:`TimeLimitExceeded` when the time is up.  It uses the real-time
interval timer (SIGALRM), whose handler Python runs only on the main
thread: the build's workers, a ``--jobs 1`` build and the preview server
all render there.  Elsewhere, and with no limit, it does nothing; the
template sandbox (:mod:`flyers.render`) bounds loops and recursion on every
thread, and the parent of a worker kills one that stops answering.
"""

from __future__ import annotations

import contextlib
import signal
import threading

DEFAULT_SECONDS = 60.0


class TimeLimitExceeded(BaseException):
    """Raised inside the limited work.  A BaseException, so that no
    ``except Exception`` of a library on the way swallows it."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds


def usable() -> bool:
    return (hasattr(signal, 'setitimer')
            and threading.current_thread() is threading.main_thread())


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`TimeLimitExceeded` in the body after ``seconds``."""
    if (not seconds or seconds <= 0 or not usable()
            or signal.getitimer(signal.ITIMER_REAL)[0]):
        yield  # no limit, not possible here, or an outer one holds
        return

    def expired(signum, frame):
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def seconds_text(seconds: float) -> str:
    return f'{seconds:g} s'
