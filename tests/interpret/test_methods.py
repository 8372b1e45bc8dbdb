"""The gradient and DeepLIFT/SHAP methods: completeness, ground truth on a hand-set motif
detector, and DeepLIFT/SHAP refused where it is not defined (issue 21, item 6)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import danq
from danq.encoders import one_hot_batch, reverse_complement
from danq.errors import DanqError
from danq.interpret.methods.deeplift_shap import deeplift_view
from danq.models import DeepSEA
from danq.models.info import ModelInfo
from tests.helpers import tiny_danq
from tests.motif_detector import MotifDetector

MOTIF = "GATTACAGG"
LENGTH = 60
START = 23


def _planted(seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    background = "".join(rng.choice(list("ACGT"), LENGTH))
    return background[:START] + MOTIF + background[START + len(MOTIF):]


def _deepsea(activation: str = "relu") -> DeepSEA:
    torch.manual_seed(0)
    return DeepSEA(sequence_length=LENGTH, n_targets=3, conv_channels=(8, 8, 8), conv_width=5,
                   pool_size=2, dense_hidden=8, activation=activation).eval()


@pytest.mark.parametrize("method", ["ism", "saliency", "ig"])
def test_attribution_sits_exactly_on_the_motif_of_a_hand_set_detector(method: str) -> None:
    sequence = _planted()
    assert MOTIF not in sequence[:START] + sequence[START + len(MOTIF):]
    assert reverse_complement(MOTIF) not in sequence
    result = danq.attribute(MotifDetector(MOTIF, LENGTH), [sequence], method=method)
    per_position = np.abs(result.attributions[0]).sum(axis=1)  # (T, L)
    on = np.flatnonzero(per_position[0] > 1e-6)
    assert on.tolist() == list(range(START, START + len(MOTIF)))
    assert np.all(per_position[1] == 0)  # the flat target explains nothing
    assert (result.attributions[0, 0].sum(axis=0)[START:START + len(MOTIF)] > 0).all()


def test_ig_is_complete_sums_equal_the_logit_minus_the_all_n_baseline() -> None:
    for model in (tiny_danq(LENGTH, 3), _deepsea()):
        sequences = ["".join(np.random.default_rng(s).choice(list("ACGT"), LENGTH)) for s in (1, 2)]
        result = danq.attribute(model, sequences, method="ig", n_steps=200)
        x = torch.as_tensor(one_hot_batch(sequences))
        with torch.no_grad():
            expected = (model(x) - model(torch.zeros_like(x))).numpy()
        np.testing.assert_allclose(result.attributions.sum(axis=(2, 3)), expected,
                                   atol=2e-3 + 0.01 * np.abs(expected).max())
        # attributions are IG itself: path-averaged gradient x input, zero at absent bases
        onehot = x.numpy()[:, None]
        np.testing.assert_allclose(result.hypothetical * onehot, result.attributions, atol=1e-7)


def test_saliency_is_the_gradient_and_attribution_is_gradient_times_input() -> None:
    model = tiny_danq(LENGTH, 2)
    sequence = _planted(3)
    result = danq.attribute(model, [sequence], method="saliency", targets="1")
    x = torch.as_tensor(one_hot_batch([sequence])).requires_grad_()
    model(x)[0, 1].backward()
    np.testing.assert_allclose(result.hypothetical[0, 0], x.grad.numpy()[0], atol=1e-6)
    np.testing.assert_allclose(result.attributions[0, 0], (x.grad * x).detach().numpy()[0],
                               atol=1e-6)


@pytest.mark.parametrize("activation", ["relu", "threshold"])
def test_deeplift_view_computes_the_model_and_keeps_its_state_dict(activation: str) -> None:
    model = _deepsea(activation)
    keys = list(model.state_dict())
    x = torch.as_tensor(one_hot_batch([_planted(s) for s in range(4)]))
    with torch.no_grad():
        assert torch.equal(deeplift_view(model)(x), model(x))
    assert list(model.state_dict()) == keys


def test_deeplift_view_of_beluga_computes_the_model() -> None:
    from danq.models.beluga import Beluga

    torch.manual_seed(0)
    model = Beluga(sequence_length=120, n_targets=2, conv_channels=(4, 4, 4, 4, 4, 4),
                   conv_width=3, pool_size=2, dense_hidden=5).eval()
    x = torch.as_tensor(one_hot_batch(["ACGTTGCA" * 15]))
    with torch.no_grad():
        torch.testing.assert_close(deeplift_view(model)(x), model(x))


class ModularDetector(MotifDetector):
    """The motif detector written with an ``nn.ReLU`` and an ``nn.MaxPool1d``, as DeepLIFT needs."""

    def __init__(self, motif: str, length: int) -> None:
        super().__init__(motif, length)
        self.relu = torch.nn.ReLU()
        self.pool = torch.nn.MaxPool1d(length - len(motif) + 1)
        self.dense = torch.nn.Linear(2, 2)
        with torch.no_grad():
            self.dense.weight.copy_(torch.tensor([[8.0, 8.0], [0.0, 0.0]]))
            self.dense.bias.copy_(torch.tensor([-4.0, 0.0]))
        self.info = ModelInfo(arch="motif-detector", model_args={}, target_names=("motif", "flat"),
                              target_categories=(), sequence_length=length)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dense(self.pool(self.relu(self.conv(x))).flatten(1))


@pytest.mark.parametrize("activation", ["relu", "threshold"])
def test_deeplift_shap_on_deepsea_gives_observed_base_contributions(activation: str) -> None:
    sequences = [_planted(s) for s in range(2)]
    result = danq.attribute(_deepsea(activation), sequences, method="deeplift-shap", n_shuffles=4)
    onehot = one_hot_batch(sequences)[:, None]
    assert result.attributions.shape == (2, 3, 4, LENGTH)
    assert np.all(result.attributions[np.broadcast_to(onehot, result.attributions.shape) == 0] == 0)
    assert np.isfinite(result.hypothetical).all() and np.abs(result.attributions).max() > 0
    again = danq.attribute(_deepsea(activation), sequences, method="deeplift-shap", n_shuffles=4)
    np.testing.assert_array_equal(again.attributions, result.attributions)  # seeded references


def test_deeplift_shap_attribution_sits_on_the_motif_of_a_modular_detector() -> None:
    result = danq.attribute(ModularDetector(MOTIF, LENGTH), [_planted()], method="deeplift-shap",
                            n_shuffles=8)
    per_position = np.abs(result.attributions[0, 0]).sum(axis=0)
    assert np.flatnonzero(per_position > 1e-5).tolist() == list(range(START, START + len(MOTIF)))


def test_deeplift_shap_on_danq_is_refused_naming_ism_and_ig() -> None:
    with pytest.raises(DanqError) as error:
        danq.attribute(tiny_danq(40, 2), ["ACGT" * 10], method="deeplift-shap")
    message = str(error.value)
    assert "\n" not in message and "LSTM" in message
    assert "--method ism" in message and "--method ig" in message


def test_deeplift_shap_refuses_a_model_whose_nonlinearities_it_cannot_see() -> None:
    # functional relu and amax: tangermeme would treat them as linear and the sums would not add up
    with pytest.raises(DanqError, match="no DeepLIFT rule"):
        danq.attribute(MotifDetector(MOTIF, LENGTH), [_planted()], method="deeplift-shap",
                       n_shuffles=4)


def test_deeplift_shap_refuses_n() -> None:
    with pytest.raises(DanqError, match="ACGT only"):
        danq.attribute(_deepsea(), ["N" + _planted()[1:]], method="deeplift-shap", n_shuffles=2)
