"""Tests for danq.formats.jaspar: releases bundled with pyjaspar, read as ACGT count matrices."""

from __future__ import annotations

import pytest

from danq.errors import DanqError
from danq.formats.jaspar import load_jaspar, normalise_release


def test_unknown_release_is_a_clear_error():
    assert normalise_release("2016") == "JASPAR2016"
    with pytest.raises(DanqError, match="unknown JASPAR release"):
        load_jaspar("JASPAR1999")
