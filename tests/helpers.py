"""Helpers shared by several test files (imported as ``tests.helpers``)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from danq.models import DanQ


def tiny_danq(sequence_length: int, n_targets: int, seed: int = 0) -> DanQ:
    """A DanQ small enough for fast tests, in eval mode.

    The large init scale makes outputs differ clearly between sequences and strands.
    """
    torch.manual_seed(seed)
    return DanQ(sequence_length=sequence_length, n_targets=n_targets, conv_channels=6,
                conv_width=5, pool_size=4, lstm_hidden=4, dense_hidden=8, init_scale=0.6).eval()


def run_danq(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """Run ``danq ARGS`` in-process through ``main`` (the warning channel included); return
    (exit status, stdout, stderr)."""
    from danq.cli import main

    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def mount_tmpfs(point: Path, options: str) -> Iterator[Path]:
    """Mount a tmpfs with ``options`` (e.g. ``size=64k``, ``ro``) at ``point`` for a fixture to
    yield from; skips the test where mounting is not allowed (it needs root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)
