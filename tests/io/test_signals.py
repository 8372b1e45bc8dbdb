"""danq.io.signals: critical sections hold SIGINT/SIGTERM with or without danq's handler."""

from __future__ import annotations

import os
import signal

import pytest

from danq.io.signals import Terminated, deferred, handled


def test_without_danqs_handler_a_signal_waits_for_the_end_of_the_block() -> None:
    """A notebook's Ctrl-C during a write (the Python API: danq's handler not installed) is held,
    then reaches Python's own handler when the block ends; the handler is restored."""
    before = signal.getsignal(signal.SIGINT)
    reached_the_end = False
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            os.kill(os.getpid(), signal.SIGINT)
            reached_the_end = True
    assert reached_the_end
    assert signal.getsignal(signal.SIGINT) is before


def test_under_danqs_handler_a_signal_is_raised_after_the_outermost_block() -> None:
    reached = []
    with pytest.raises(Terminated), handled():
        with deferred():
            with deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                reached.append("inner")
            reached.append("outer")
    assert reached == ["inner", "outer"]
