"""Fixtures shared by the bad-input tests: a tiny checkpoint of the shared shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from danq.models.checkpoint import save_checkpoint
from tests.helpers import tiny_danq

#: Sequence length and target names of the tiny models and datasets these tests use.
LENGTH = 40
TARGETS = ["t1", "t2", "t3"]


@pytest.fixture
def checkpoint(tmp_path) -> Path:
    """A tiny DanQ checkpoint (LENGTH bp, TARGETS)."""
    path = tmp_path / "m.pt"
    save_checkpoint(path, tiny_danq(LENGTH, len(TARGETS)), {"target_names": TARGETS})
    return path
