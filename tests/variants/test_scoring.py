"""The variant scores: the registry, the --scores spec, and hand-computed probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from danq.errors import DanqError
from danq.variants.scoring import (
    DEFAULT_SCORES,
    REGISTRY,
    SCORES,
    compute_scores,
    parse_scores,
)


def test_scores_from_hand_computed_probabilities():
    p_ref = np.array([[0.5, 0.2, 0.0]], dtype=np.float32)
    p_alt = np.array([[0.75, 0.2, 1.0]], dtype=np.float32)
    s = compute_scores(p_ref, p_alt, ["diff", "abs_diff", "logit_diff", "deepsea_effect"])
    np.testing.assert_allclose(s["diff"], [[0.25, 0.0, 1.0]], atol=1e-7)
    np.testing.assert_allclose(s["abs_diff"], [[0.25, 0.0, 1.0]], atol=1e-7)
    clipped = np.log(1e6 - 1)  # logit(1 - 1e-6) = -logit(1e-6)
    np.testing.assert_allclose(s["logit_diff"], [[np.log(3.0), 0.0, 2 * clipped]], rtol=1e-5)
    np.testing.assert_allclose(s["deepsea_effect"], [[0.25 * np.log(3.0), 0.0, 2 * clipped]],
                               rtol=1e-5)


def test_registry_lists_every_score_once_with_a_description():
    assert SCORES == ("ref", "alt", "diff", "abs_diff", "logit_diff", "deepsea_effect")
    assert set(DEFAULT_SCORES) <= set(SCORES)
    for name, score in REGISTRY.items():
        assert score.name == name and score.description and "\n" not in score.description
    p_ref = np.array([[0.1, 0.9], [0.5, 0.5]], dtype=np.float32)
    p_alt = np.array([[0.3, 0.6], [0.5, 0.2]], dtype=np.float32)
    values = compute_scores(p_ref, p_alt, SCORES)
    assert list(values) == list(SCORES)
    for value in values.values():
        assert value.dtype == np.float32 and value.shape == p_ref.shape
    np.testing.assert_array_equal(values["ref"], p_ref)
    np.testing.assert_array_equal(values["alt"], p_alt)


def test_parse_scores_checks_and_deduplicates():
    assert parse_scores(None) == list(DEFAULT_SCORES)
    assert parse_scores(" alt, diff,alt,,") == ["alt", "diff"]
    assert parse_scores(["logit_diff", "ref"]) == ["logit_diff", "ref"]
    with pytest.raises(DanqError, match=r"--scores: unknown score 'effect'; choose from ref, alt"):
        parse_scores("diff,effect")
    with pytest.raises(DanqError, match="--scores: no score named"):
        parse_scores(" , ")
    with pytest.raises(DanqError, match="unknown score 'nope'"):
        compute_scores(np.zeros((1, 1), np.float32), np.zeros((1, 1), np.float32), ["nope"])
