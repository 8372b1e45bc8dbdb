"""Tests for the planted-instance baselines: the oracle, presence only and ``truth_oracle``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from danq.errors import DanqError
from danq.simulation.oracle import oracle_scores, presence_scores, truth_oracle
from danq.simulation.truth import clean_labels, read_truth
from tests.simulation.hand_case import CLEAN, FLIPS, TARGETS, write_case


def test_oracle_and_presence_on_the_hand_made_case(tmp_path: Path) -> None:
    truth_path, _ = write_case(tmp_path)
    truth = read_truth(truth_path)
    np.testing.assert_array_equal(oracle_scores(truth), CLEAN)
    presence = presence_scores(truth)
    np.testing.assert_array_equal(presence[:, 0], CLEAN[:, 0])  # single: the rule itself
    np.testing.assert_array_equal(presence[:, 1], [1, 1, 1, 1, 0, 0])  # both present
    np.testing.assert_array_equal(presence[:, 2], CLEAN[:, 2])  # combination: the rule itself
    noisy = CLEAN.copy()
    for i, t in FLIPS:
        noisy[i, t] ^= 1
    np.testing.assert_array_equal(clean_labels(noisy, truth.flips), CLEAN)


def test_truth_oracle_gives_the_evaluated_records_in_their_order(tmp_path: Path) -> None:
    truth_path, _ = write_case(tmp_path)
    oracle = truth_oracle(truth_path)
    names = ["test_5", "test_0", "test_2"]
    np.testing.assert_array_equal(oracle(names, TARGETS), CLEAN[[5, 0, 2]])
    with pytest.raises(DanqError, match="targets differ"):
        oracle(names, TARGETS[::-1])
    with pytest.raises(DanqError, match="no record 'test_9'"):
        oracle(["test_9"], TARGETS)
    with pytest.raises(DanqError, match="does not exist"):
        truth_oracle(tmp_path / "missing.json")
