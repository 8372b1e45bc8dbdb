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


def test_logit_diff_comes_from_the_logits_unclipped_in_float64():
    # a rare target: both probabilities far below any clip (sigmoid(-20) ~ 2e-9)
    logit_ref = np.array([[[-20.0, 3.0]]], dtype=np.float32)  # (strands, B, T)
    logit_alt = np.array([[[-18.0, 3.0]]], dtype=np.float32)
    s = compute_scores(None, None, ["logit_diff", "diff", "deepsea_effect"],
                       logit_ref=logit_ref, logit_alt=logit_alt)
    np.testing.assert_allclose(s["logit_diff"], [[2.0, 0.0]], rtol=1e-6)
    expected_diff = 1 / (1 + np.exp(18.0)) - 1 / (1 + np.exp(20.0))
    np.testing.assert_allclose(s["diff"], [[expected_diff, 0.0]], rtol=1e-5)
    np.testing.assert_allclose(s["deepsea_effect"], [[2.0 * expected_diff, 0.0]], rtol=1e-5)


def test_two_strands_are_scored_each_then_averaged_in_kipoi_order():
    # strand 1 and strand 2 of one variant, one target
    logit_ref = np.array([[[0.0]], [[-3.0]]])
    logit_alt = np.array([[[2.0]], [[-2.0]]])
    s = compute_scores(None, None, SCORES, logit_ref=logit_ref, logit_alt=logit_alt)
    sig = 1 / (1 + np.exp(-np.array([0.0, -3.0, 2.0, -2.0])))
    p_ref, p_alt = (sig[0] + sig[1]) / 2, (sig[2] + sig[3]) / 2
    np.testing.assert_allclose(s["ref"], [[p_ref]], rtol=1e-6)
    np.testing.assert_allclose(s["alt"], [[p_alt]], rtol=1e-6)
    np.testing.assert_allclose(s["diff"], [[p_alt - p_ref]], rtol=1e-6)
    np.testing.assert_allclose(s["logit_diff"], [[(2.0 + 1.0) / 2]], rtol=1e-6)
    effect = (2.0 * (sig[2] - sig[0]) + 1.0 * (sig[3] - sig[1])) / 2
    np.testing.assert_allclose(s["deepsea_effect"], [[effect]], rtol=1e-6)
    # averaging probabilities first would give another logit_diff: the order matters here
    averaged_first = np.log(p_alt / (1 - p_alt)) - np.log(p_ref / (1 - p_ref))
    assert abs(averaged_first - 1.5) > 0.05


def test_variant_effect_scores_each_strand_from_the_model_logits(model, genome_path, chr1):
    import torch

    from danq.encoders import one_hot_batch, reverse_complement
    from danq.variants.effect import variant_effect

    ref_window = chr1[950:1050]
    alt_window = chr1[950:999] + ("A" if chr1[999] != "A" else "C") + chr1[1000:1050]
    variant = ("chr1", 1000, chr1[999], alt_window[49])
    windows = [ref_window, alt_window, reverse_complement(ref_window), reverse_complement(alt_window)]
    with torch.no_grad():
        logits = model.eval()(torch.from_numpy(one_hot_batch(windows))).double().numpy()
    expected = ((logits[1] - logits[0]) + (logits[3] - logits[2])) / 2
    result = variant_effect(model, genome_path, [variant], scores="logit_diff")  # rc by default
    np.testing.assert_allclose(result.scores["logit_diff"][0], expected, rtol=1e-4, atol=1e-6)
    single = variant_effect(model, genome_path, [variant], scores="logit_diff", rc_average=False)
    np.testing.assert_allclose(single.scores["logit_diff"][0], logits[1] - logits[0],
                               rtol=1e-4, atol=1e-6)
