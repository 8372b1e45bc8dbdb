"""The one exception type that the CLI turns into a one-line message instead of a traceback."""

from __future__ import annotations


class DanqError(Exception):
    """A problem with the user's input (file, option, data): reported as one line, exit status 1.

    Messages should name the file and the problem, e.g. ``"reads.fa: record 'chr1' has no sequence"``.
    """


class DanqWarning(UserWarning):
    """Something suspicious but usable (e.g. a checkpoint with NaN weights): the CLI prints it as
    one line, ``danq: warning: <message>``, and carries on."""
