"""SIGTERM and Ctrl-C never raised inside HDF5: the one handler of both, and the critical sections
during which it only records the signal.

A Python signal handler runs at the next bytecode of whatever Python code is executing. When that
code is a callback HDF5 made into Python (the disk-full guard's file methods, called while HDF5
writes, flushes or frees an object), an exception raised there leaves HDF5 with a failed write:
tracebacks "ignored in ObjectID.__dealloc__", a corrupted output, then a segmentation fault or a
heap abort at exit. So :func:`handler` raises (:class:`Terminated` for SIGTERM, KeyboardInterrupt
for SIGINT) only outside the critical sections (:func:`deferred`, entered around every HDF5 write
and close) and outside such callbacks (:func:`register_callbacks`); otherwise it records the
signal, and the end of the outermost critical section raises it, in plain Python code, so every
``finally`` runs, HDF5 files close and temporary files are removed. Once one signal has been
raised, later ones are only recorded: clean-up is not interrupted half way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import CodeType, FrameType
from typing import Any


class Terminated(BaseException):
    """SIGTERM (what Snakemake, SLURM and ``kill`` send), raised like Ctrl-C so that every
    ``finally`` runs: temporary files are removed and HDF5 files closed. Not a KeyboardInterrupt,
    which click would turn into "Aborted!"; not an Exception, which no ``except Exception``
    may swallow."""


_HANDLED = (signal.SIGTERM, signal.SIGINT)
_depth = 0  # nesting of critical sections
_pending: int | None = None  # a signal that arrived inside one
_raised = False  # a signal was raised: later ones only recorded
_callbacks: set[CodeType] = set()
_FRAMES_UP = 8  # how far up from the interrupted frame a callback is looked for


def register_callbacks(*functions: Callable[..., Any]) -> None:
    """Declare functions that native code (HDF5) calls back into: a signal arriving while one of
    them runs is always deferred, even outside :func:`deferred` (an object freed anywhere)."""
    for function in functions:
        code = getattr(function, "__code__", None)
        if code is not None:
            _callbacks.add(code)


def _in_callback(frame: FrameType | None) -> bool:
    for _ in range(_FRAMES_UP):
        if frame is None:
            return False
        if frame.f_code in _callbacks:
            return True
        frame = frame.f_back
    return False


def _exception(signum: int) -> BaseException:
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def handler(signum: int, frame: FrameType | None) -> None:
    """The SIGTERM/SIGINT handler: raise now, or record the signal for the end of the critical
    section (see the module's docstring)."""
    global _pending, _raised
    if _depth > 0 or _raised or _in_callback(frame):
        if _pending is None and not _raised:
            _pending = signum
        return
    _raised = True
    raise _exception(signum)


def raise_pending() -> None:
    """Raise a signal recorded inside a critical section, if any (outside every section only)."""
    global _pending, _raised
    if _pending is not None and _depth == 0:
        signum, _pending = _pending, None
        _raised = True
        raise _exception(signum)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A critical section: SIGTERM/SIGINT arriving inside it are raised when it ends.

    Under :func:`handled` (every ``danq`` command) a counter tells :func:`handler` to wait. Where
    danq's handler is not installed (a notebook calling the Python API), the block holds both
    signals itself and hands one that arrived to the handler that was installed when it ends.
    """
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGTERM) is not handler):
        with _held():
            yield
        return
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        raise_pending()


@contextlib.contextmanager
def _held() -> Iterator[None]:
    """Record SIGINT/SIGTERM during the block, then pass the first one to the handler that was
    installed (or to the default action). Main thread only."""
    arrived: list[int] = []
    saved = {}
    for signum in _HANDLED:
        try:
            saved[signum] = signal.signal(signum, lambda number, frame: arrived.append(number))
        except (ValueError, OSError):  # pragma: no cover - no signal support here
            continue
    try:
        yield
    finally:
        for signum, before in saved.items():
            signal.signal(signum, before)
        if arrived:
            before = saved.get(arrived[0])
            if callable(before):
                before(arrived[0], None)
            elif before == signal.SIG_DFL:
                os.kill(os.getpid(), arrived[0])


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Install :func:`handler` for SIGTERM and SIGINT for the block (main thread only; elsewhere
    a no-op), restoring the previous handlers after it."""
    global _pending, _raised
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _pending, _raised = None, False
    previous = {signum: signal.signal(signum, handler) for signum in _HANDLED}
    try:
        yield
        raise_pending()  # recorded in a callback after the last critical section ended
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)
        _pending, _raised = None, False
