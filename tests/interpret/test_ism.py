"""ISM on the inference core: every entry is a real prediction difference (issue 21, item 6)."""

from __future__ import annotations

import numpy as np

from danq.encoders import to_tokens
from danq.inference.predictor import load_predictor
from danq.interpret.methods.ism import hypothetical_from_ism, ism_logits, run
from tests.helpers import tiny_danq

LENGTH = 40


def _tokens(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 4, size=(n, LENGTH)).astype(np.uint8)


def test_ism_equals_prediction_of_each_sampled_mutant_minus_the_reference() -> None:
    model = tiny_danq(LENGTH, 3)
    tokens = _tokens(4)
    ism = ism_logits(model, tokens, [0, 1, 2], batch_size=17)
    assert ism.shape == (4, 3, 4, LENGTH) and ism.dtype == np.float32
    predictor = load_predictor(model, precision="fp32", rc_average=False)
    reference = predictor.from_tokens(tokens, logits=True)
    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(40):
        n, i, b = int(rng.integers(4)), int(rng.integers(LENGTH)), int(rng.integers(4))
        mutant = tokens[n].copy()
        mutant[i] = b
        expected = predictor.from_tokens(mutant[None], logits=True)[0] - reference[n]
        np.testing.assert_allclose(ism[n, :, b, i], expected, atol=1e-4, rtol=0)
        checked += b != tokens[n, i]
    assert checked > 20
    # zero at the reference base, and not all zero elsewhere (the model does respond)
    observed = np.take_along_axis(ism, tokens[:, None, None, :].astype(np.int64), axis=2)
    assert np.all(observed == 0)
    assert np.abs(ism).max() > 1e-3


def test_ism_does_not_depend_on_the_batch_size_and_keeps_target_order() -> None:
    model = tiny_danq(LENGTH, 3)
    tokens = _tokens(3, seed=2)
    one = ism_logits(model, tokens, [2, 0], batch_size=1)
    many = ism_logits(model, tokens, [0, 1, 2], batch_size=1000)
    np.testing.assert_allclose(one, many[:, [2, 0]], atol=1e-5)


def test_n_positions_score_all_four_bases_and_contribute_nothing() -> None:
    model = tiny_danq(LENGTH, 2)
    tokens = to_tokens("ACGTN" * 8)[None]
    out = run(load_predictor(model, precision="fp32", rc_average=False), tokens, np.arange(2),
              {"batch_size": 64})
    at_n = tokens[0] == 4
    assert np.all(np.abs(out["ism"][0][:, :, at_n]).sum(axis=1) > 0)  # 4 mutants each, all scored
    assert np.all(out["attributions"][0][:, :, at_n] == 0)


def test_observed_contribution_is_reference_minus_mean_of_the_three_alternatives() -> None:
    model = tiny_danq(LENGTH, 2)
    tokens = _tokens(2, seed=3)
    out = run(load_predictor(model, precision="fp32", rc_average=False), tokens, np.arange(2),
              {"batch_size": 50})
    ism = out["ism"]
    onehot = np.eye(4, dtype=np.float32)[tokens].transpose(0, 2, 1)[:, None]
    alternatives_mean = ism.sum(axis=2) / 3  # the reference entry is 0
    np.testing.assert_allclose(out["attributions"].sum(axis=2), -alternatives_mean, atol=1e-6)
    np.testing.assert_allclose(out["hypothetical"] * onehot, out["attributions"], atol=1e-7)
    # hypothetical of base b = logit(b) - mean of the other three bases' logits
    logits = ism + 5.0  # any common reference logit cancels
    b, i = 2, 7
    others = [c for c in range(4) if c != b]
    np.testing.assert_allclose(hypothetical_from_ism(ism)[:, :, b, i],
                               logits[:, :, b, i] - logits[:, :, others, i].mean(axis=2), atol=1e-5)


def test_a_module_is_left_as_it_was_found_by_the_api() -> None:
    import danq

    model = tiny_danq(LENGTH, 2).train()
    danq.attribute(model, ["ACGT" * 10], method="ism")
    assert model.training
    assert not any(p.grad is not None for p in model.parameters())
