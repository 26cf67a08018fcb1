"""Per-document limits: a time budget for one document's work and the tie between workers and their parent.

A hostile page can make a parser run for minutes; one document must never stall a run. The budget counts the
process's CPU time (ITIMER_PROF, SIGPROF), not wall time: on a loaded machine a good document waiting for a
core must not be skipped. It interrupts pure-Python work in whichever process runs the stage; work stuck
inside C code is caught by the parent's watchdog instead (see ``executors``), which replaces the worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
from collections.abc import Iterator

DEFAULT_DOCUMENT_SECONDS = 30.0


class DocumentTimeout(Exception):
    """One document took longer than its time budget."""


def _on_alarm(_signum: int, _frame: object) -> None:
    raise DocumentTimeout


@contextlib.contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise DocumentTimeout once the block has used ``seconds`` of CPU (main thread only; else no limit)."""
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGPROF, _on_alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Make this (worker) process exit when its parent does, even when the parent is SIGKILLed.

    Linux delivers SIGKILL on the parent's death (prctl PR_SET_PDEATHSIG); elsewhere, and as a backstop, a
    daemon thread notices that the parent pid changed (the orphan was re-parented) and exits."""
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            threading.Event().wait(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="newsprism-parent-watch", daemon=True).start()
