"""Fixtures every test folder may use."""

from __future__ import annotations

import pytest

from tests.helpers import mount_tmpfs


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 64 KiB tmpfs (root only): writes of more than that fail with ENOSPC."""
    yield from mount_tmpfs(tmp_path / "full", "size=64k")
