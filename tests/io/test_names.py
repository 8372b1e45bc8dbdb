"""File stems from user-chosen names (danq.io.names)."""

from __future__ import annotations

import doctest

import danq.io.names
from danq.io.names import file_stems


def test_docstring_example() -> None:
    assert doctest.testmod(danq.io.names).failed == 0


def test_stems_are_safe_and_unique_whatever_the_names() -> None:
    names = ["a/b", "a b", "A_B", "..", "x" * 3]
    stems = file_stems(names)
    assert stems == ["a_b", "a_b_2", "A_B_3", "target_3", "xxx"]
    assert len({s.lower() for s in stems}) == len(stems)
    assert all("/" not in s and not s.startswith(".") for s in stems)
