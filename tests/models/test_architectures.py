"""Tests for danq.models: published sizes, shapes at other lengths, init, JASPAR kernels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from danq.errors import DanqError
from danq.models import (
    ARCHITECTURES,
    NAMES,
    DanQ,
    DanQJaspar,
    DeepSEA,
    build_model,
    count_parameters,
    first_conv,
)
from danq.models.common import DanqModule
from danq.models.jaspar_init import jaspar_kernels
from danq.training import Hyperparameters
from danq.training.recipes import PUBLISHED

# ---------------------------------------------------------------------------------------------
# Parameter counts, computed by hand from the architecture formulas:
#   Conv1d(in, out, k): in*out*k + out          Linear(in, out): in*out + out
#   bidirectional nn.LSTM(in, h): 2 directions x 4 gates x (h*(in + h) + 2h); PyTorch keeps two
#   bias vectors (b_ih and b_hh) per gate, Keras one, so PyTorch has 2 x 4h more per direction.


def conv_params(c_in: int, c_out: int, k: int) -> int:
    return c_in * c_out * k + c_out


def linear_params(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def bilstm_params(n_in: int, h: int) -> int:
    return 2 * 4 * (h * (n_in + h) + 2 * h)


DEEPSEA_PARAMS = (
    conv_params(4, 320, 8)
    + conv_params(320, 480, 8)
    + conv_params(480, 960, 8)
    + linear_params(960 * 53, 925)
    + linear_params(925, 919)
)
DANQ_PARAMS = (
    conv_params(4, 320, 26)
    + bilstm_params(320, 320)
    + linear_params(75 * 640, 925)
    + linear_params(925, 919)
)
DANQ_JASPAR_PARAMS = (
    conv_params(4, 1024, 30)
    + bilstm_params(1024, 512)
    + linear_params(64 * 1024, 925)
    + linear_params(925, 919)
)


def test_hand_counts_agree_with_published_sizes() -> None:
    # REFERENCE: DeepSEA about 52.8 M, DanQ about 46.9 M parameters.
    assert DEEPSEA_PARAMS == pytest.approx(52.8e6, rel=0.002)
    assert DANQ_PARAMS == pytest.approx(46.9e6, rel=0.002)


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        ("deepsea", {}, DEEPSEA_PARAMS),
        ("danq", {}, DANQ_PARAMS),
        ("danq-jaspar", {"jaspar_init": False}, DANQ_JASPAR_PARAMS),
    ],
)
def test_published_models_have_exact_parameter_counts(name, kwargs, expected) -> None:
    model = build_model(name, **kwargs)
    assert count_parameters(model) == expected
    assert model.flat_features == model.fc1.in_features
    with torch.no_grad():
        out = model.eval()(torch.zeros(1, 4, 1000))
    assert out.shape == (1, 919)
    conv = first_conv(model)
    assert conv is model.first_conv
    assert conv.in_channels == 4


def test_count_parameters_trainable_only() -> None:
    model = DanQ(sequence_length=60, n_targets=2, conv_channels=4, lstm_hidden=3, dense_hidden=5)
    total = count_parameters(model)
    model.conv.weight.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == total - model.conv.weight.numel()
    assert count_parameters(model) == total


# ---------------------------------------------------------------------------------------------
# Other lengths and target counts (small layer sizes keep these fast).


def small_danq(length: int, n_targets: int = 5) -> DanQ:
    return DanQ(
        sequence_length=length, n_targets=n_targets, conv_channels=8, lstm_hidden=4, dense_hidden=6
    )


def small_deepsea(length: int, n_targets: int = 5) -> DeepSEA:
    return DeepSEA(
        sequence_length=length, n_targets=n_targets, conv_channels=(6, 7, 9), dense_hidden=6
    )


@pytest.mark.parametrize("length", [500, 1000, 2000])
def test_danq_other_lengths(length: int) -> None:
    model = small_danq(length, n_targets=7).eval()
    steps = (length - 26 + 1) // 13
    assert model.fc1.in_features == steps * 2 * 4
    out = model(torch.rand(2, 4, length))
    assert out.shape == (2, 7)


@pytest.mark.parametrize("length", [500, 2000])
def test_deepsea_other_lengths(length: int) -> None:
    model = small_deepsea(length, n_targets=3).eval()
    after = (((length - 7) // 4) - 7) // 4 - 7
    assert model.fc1.in_features == 9 * after
    assert model(torch.rand(2, 4, length)).shape == (2, 3)


def test_danq_jaspar_other_length_and_targets() -> None:
    model = DanQJaspar(
        sequence_length=300,
        n_targets=4,
        conv_channels=6,
        lstm_hidden=3,
        dense_hidden=5,
        jaspar_init=False,
    ).eval()
    assert model.fc1.in_features == ((300 - 29) // 15) * 2 * 3
    assert model(torch.rand(2, 4, 300)).shape == (2, 4)


def test_danq_minimum_length() -> None:
    small_danq(38)  # conv leaves 13 steps: exactly one pooling window
    with pytest.raises(DanqError, match="too short"):
        small_danq(37)
    with pytest.raises(DanqError, match="too short"):
        small_danq(10)  # shorter than the kernel


def test_deepsea_minimum_length() -> None:
    small_deepsea(163)  # the third conv sees 8 positions and leaves 1
    with pytest.raises(DanqError, match="too short"):
        small_deepsea(162)


def test_outputs_do_not_mix_samples_of_a_batch() -> None:
    # A wrong transpose/reshape between conv, LSTM and dense layers would mix batch and time.
    torch.manual_seed(0)
    model = small_danq(120).eval()
    x = torch.rand(3, 4, 120)
    with torch.no_grad():
        batch = model(x)
        single = model(x[1:2])
    torch.testing.assert_close(batch[1:2], single)


def test_danq_flattens_lstm_output_step_major() -> None:
    # Keras' Flatten order: feature index = step * 2H + unit. Zeroing one LSTM step's output
    # must only affect that step's block of fc1 inputs.
    torch.manual_seed(0)
    model = small_danq(120).eval()
    seen = {}

    def capture(_module, inputs):
        seen["fc1_in"] = inputs[0]

    def zero_step(_module, _inputs, output):
        out, state = output
        out = out.clone()
        out[:, 2] = 0
        return out, state

    model.fc1.register_forward_pre_hook(capture)
    model.lstm.register_forward_hook(zero_step)
    with torch.no_grad():
        model(torch.rand(1, 4, 120) + 0.5)
    features = seen["fc1_in"].reshape(-1, 8)  # (steps, 2H)
    assert torch.all(features[2] == 0)
    assert torch.all(features[[0, 1, 3]].abs().sum(dim=1) > 0)


def test_forward_returns_logits_not_probabilities() -> None:
    torch.manual_seed(0)
    model = small_danq(120).eval()
    with torch.no_grad():
        nn.init.constant_(model.fc2.bias, -5.0)
        out = model(torch.rand(2, 4, 120))
    assert torch.all(out < 0)


# ---------------------------------------------------------------------------------------------
# Initialisation


def test_danq_init_follows_keras_02_defaults() -> None:
    torch.manual_seed(0)
    conv_in, hidden = 32, 16
    model = DanQ(sequence_length=200, n_targets=30, conv_channels=conv_in, lstm_hidden=hidden)
    conv = model.conv.weight
    assert conv.abs().max() <= 0.05 and conv.abs().max() > 0.045  # U(-0.05, 0.05)
    assert torch.all(model.conv.bias == 0)
    glorot_ih = (6 / (conv_in + hidden)) ** 0.5  # per gate: fan_in 32, fan_out 16
    for suffix in ("l0", "l0_reverse"):
        w_ih = getattr(model.lstm, f"weight_ih_{suffix}")
        w_hh = getattr(model.lstm, f"weight_hh_{suffix}")
        b_ih = getattr(model.lstm, f"bias_ih_{suffix}")
        b_hh = getattr(model.lstm, f"bias_hh_{suffix}")
        assert w_ih.abs().max() <= glorot_ih and w_ih.abs().max() > 0.9 * glorot_ih
        assert w_ih.std().item() == pytest.approx(glorot_ih / 3**0.5, rel=0.1)
        for gate in range(4):  # each recurrent gate block is 1.1 x an orthogonal matrix
            block = w_hh[gate * hidden : (gate + 1) * hidden].detach()
            torch.testing.assert_close(block @ block.T, 1.21 * torch.eye(hidden),
                                       atol=1e-5, rtol=0)
        expected_bias = torch.zeros(4 * hidden)
        expected_bias[hidden : 2 * hidden] = 1.0  # gate order i, f, g, o: forget bias 1
        torch.testing.assert_close(b_ih.detach() + b_hh.detach(), expected_bias)
    for layer in (model.fc1, model.fc2):
        limit = (6 / (layer.in_features + layer.out_features)) ** 0.5
        assert layer.weight.abs().max() <= limit and layer.weight.abs().max() > 0.9 * limit
        assert torch.all(layer.bias == 0)


def test_deepsea_init_is_torch7_fan_in_uniform() -> None:
    torch.manual_seed(0)
    model = DeepSEA(sequence_length=400, n_targets=50, conv_channels=(16, 24, 32), dense_hidden=40)
    fan_ins = {"conv1": 4 * 8, "conv2": 16 * 8, "conv3": 24 * 8,
               "fc1": model.flat_features, "fc2": 40}
    for name, fan_in in fan_ins.items():
        layer = getattr(model, name)
        bound = fan_in**-0.5
        for parameter in (layer.weight, layer.bias):
            assert parameter.abs().max() <= bound, name
            assert parameter.abs().max() > 0.5 * bound, name  # spread over the interval
        if layer.weight.numel() > 1000:
            assert layer.weight.std().item() == pytest.approx(bound / 3**0.5, rel=0.05), name
    assert model.model_args["init_std"] is None


def test_deepsea_init_std_keeps_the_old_normal_init() -> None:
    torch.manual_seed(0)
    model = DeepSEA(sequence_length=400, n_targets=50, conv_channels=(16, 24, 32),
                    dense_hidden=40, init_std=0.05)
    weights = torch.cat([p.flatten() for p in model.parameters()])
    assert weights.std().item() == pytest.approx(0.05, rel=0.05)
    assert abs(weights.mean().item()) < 0.005


# ---------------------------------------------------------------------------------------------
# Registry and helpers


def test_registry_names_match_classes() -> None:
    assert set(ARCHITECTURES) >= {"deepsea", "danq", "danq-jaspar"}
    for name, arch in ARCHITECTURES.items():
        assert arch.model_class.arch == name
        assert issubclass(arch.model_class, DanqModule)
        assert arch.label and arch.alphabet == "ACGT"
        assert arch.sequence_length == arch.model_class().sequence_length
        # every architecture names a published recipe that `danq train` can override
        assert isinstance(PUBLISHED[arch.recipe], Hyperparameters)


def test_registry_is_the_only_list_of_names() -> None:
    from danq.cli.train import MODEL_NAMES

    assert tuple(MODEL_NAMES) == NAMES == tuple(ARCHITECTURES)


def test_beluga_published_shapes() -> None:
    """ExPecto's Beluga: 2,000 bp -> 640 x 106 = 67,840 flattened features -> 2,003 -> 2,002."""
    model = ARCHITECTURES["beluga"].model_class()
    assert model.flat_features == 67_840
    assert model.fc1.weight.shape == (2003, 67_840) and model.fc2.weight.shape == (2002, 2003)
    assert [conv.out_channels for conv in model.convs] == [320, 320, 480, 480, 640, 640]
    with torch.no_grad():
        assert model.eval()(torch.zeros(2, 4, 2000)).shape == (2, 2002)


def test_build_model_unknown_name_lists_valid_ones() -> None:
    with pytest.raises(DanqError, match="danq-jaspar") as excinfo:
        build_model("resnet")
    assert "resnet" in str(excinfo.value)
    assert "deepsea" in str(excinfo.value)


def test_build_model_bad_argument() -> None:
    with pytest.raises(DanqError, match="bad model arguments"):
        build_model("danq", sequence_length=200, lstm_units=3)


def test_first_conv_on_other_modules() -> None:
    second = nn.Conv1d(4, 3, 5)
    model = nn.Sequential(nn.Conv1d(8, 4, 3), second, nn.Conv1d(4, 2, 1))
    assert first_conv(model) is second
    with pytest.raises(DanqError):
        first_conv(nn.Sequential(nn.Linear(4, 2)))


# ---------------------------------------------------------------------------------------------
# JASPAR initialisation


def jaspar_pwm(motif_id: str) -> np.ndarray:
    """The motif's probability matrix (rows ACGT), read independently through pyjaspar."""
    from pyjaspar import jaspardb

    motif = jaspardb(release="JASPAR2016").fetch_motif_by_id(motif_id)
    counts = np.array([motif.counts[letter] for letter in "ACGT"], dtype=np.float64)
    return counts / counts.sum(axis=0)


def find_offset(kernel: np.ndarray, block: np.ndarray) -> int | None:
    width = block.shape[1]
    for offset in range(kernel.shape[1] - width + 1):
        if np.allclose(kernel[:, offset : offset + width], block, atol=1e-6):
            return offset
    return None


@pytest.fixture(scope="module")
def kernels_2016():
    return jaspar_kernels("JASPAR2016", 30, 525, np.random.default_rng(0))


def test_jaspar2016_gives_the_papers_519_motifs_plus_reverse_complements(kernels_2016) -> None:
    weights, biases, ids = kernels_2016
    assert weights.shape == (525, 4, 30) and weights.dtype == np.float32
    assert biases.shape == (525,)
    plain = [i for i in ids if not i.endswith("(rc)")]
    assert len(plain) == len(set(plain)) == 519  # the DanQ paper's motif count
    # the six reverse complements the original added: GATA1, REST, CTCF, GATA1::TAL1, ESRRB,
    # Pou5f1::Sox2 (indices 19 and 97-101 of its ID-ordered JASPAR 2016 file)
    assert ids[519:] == [f"{i}(rc)" for i in
                         ("MA0035.3", "MA0138.2", "MA0139.1", "MA0140.2", "MA0141.3", "MA0142.1")]
    assert np.all((biases >= -1) & (biases <= 0))
    assert biases.std() > 0.2  # spread over U(-1, 0), not a constant


def test_jaspar_kernels_hold_pwm_minus_quarter(kernels_2016) -> None:
    weights, _, ids = kernels_2016
    offsets = set()
    for kernel in [0, 1, 100, 300, 518, 519, 524]:
        motif_id = ids[kernel].removesuffix("(rc)")
        pwm = jaspar_pwm(motif_id)
        if ids[kernel].endswith("(rc)"):
            pwm = pwm[[3, 2, 1, 0], ::-1]  # complement T,G,C,A; reverse positions
        offset = find_offset(weights[kernel], pwm - 0.25)
        assert offset is not None, ids[kernel]
        outside = np.ones(30, dtype=bool)
        outside[offset : offset + pwm.shape[1]] = False
        assert np.all(weights[kernel][:, outside] == 0)  # no base given: zeros around the motif
        assert 3 <= offset <= 30 - pwm.shape[1] - 3  # the original's randint(3, K - w + 1 - 3)
        offsets.add(offset)
    assert len(offsets) > 1  # offsets are random, not fixed


def test_jaspar_kernels_centre_crop_long_motifs() -> None:
    weights, _, ids = jaspar_kernels("JASPAR2016", 8, 519, np.random.default_rng(1))
    long_ones = [k for k, i in enumerate(ids) if jaspar_pwm(i).shape[1] > 12][:3]
    assert long_ones
    for kernel in long_ones:
        pwm = jaspar_pwm(ids[kernel])
        start = (pwm.shape[1] - 8) // 2
        np.testing.assert_allclose(weights[kernel], pwm[:, start : start + 8] - 0.25, atol=1e-6)


def test_jaspar_kernels_reproducible_from_rng() -> None:
    a = jaspar_kernels("JASPAR2016", 30, 20, np.random.default_rng(5))
    b = jaspar_kernels("JASPAR2016", 30, 20, np.random.default_rng(5))
    c = jaspar_kernels("JASPAR2016", 30, 20, np.random.default_rng(6))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_jaspar_kernels_bad_requests() -> None:
    with pytest.raises(DanqError, match="JASPAR1999"):
        jaspar_kernels("JASPAR1999", 30, 10, np.random.default_rng(0))
    with pytest.raises(DanqError, match="cannot fill"):
        jaspar_kernels("JASPAR2016", 30, 2 * 519 + 1, np.random.default_rng(0))


def test_danq_jaspar_model_writes_motifs_into_first_kernels() -> None:
    torch.manual_seed(0)
    model = DanQJaspar(
        sequence_length=100,
        n_targets=3,
        conv_channels=16,
        lstm_hidden=4,
        dense_hidden=5,
        n_jaspar_kernels=10,
        seed=3,
    )
    ids = model.jaspar_motif_ids
    assert len(ids) == 16
    assert all(ids[:10]) and ids[10:] == [""] * 6
    weights = model.conv.weight.detach().numpy()
    bias = model.conv.bias.detach().numpy()
    for kernel in range(10):
        pwm = jaspar_pwm(ids[kernel])
        offset = find_offset(weights[kernel], pwm - 0.25)
        assert offset is not None, ids[kernel]
        outside = np.ones(30, dtype=bool)
        outside[offset : offset + pwm.shape[1]] = False
        rest = weights[kernel][:, outside]
        assert np.all(np.abs(rest) <= 0.05) and np.any(rest != 0)  # DanQ's random init kept
        assert -1 <= bias[kernel] <= 0
    assert np.all(bias[10:] == 0)  # the other kernels keep DanQ's init
    assert np.all(np.abs(weights[10:]) <= 0.05)
    assert "jaspar_motif_ids" not in model.state_dict()


def test_models_own_their_extra_checkpoint_state() -> None:
    torch.manual_seed(0)
    model = DanQJaspar(sequence_length=100, n_targets=3, conv_channels=16, lstm_hidden=4,
                       dense_hidden=5, n_jaspar_kernels=10, seed=3)
    extra = model.extra_checkpoint_state()
    assert extra == {"jaspar_motif_ids": model.jaspar_motif_ids}
    rebuilt_args = DanQJaspar.restore_args(model.model_args)
    assert rebuilt_args["jaspar_init"] is False and model.model_args["jaspar_init"] is True
    rebuilt = DanQJaspar(**rebuilt_args)
    assert rebuilt.jaspar_motif_ids == [""] * 16
    rebuilt.load_extra_checkpoint_state({"jaspar_motif_ids": extra["jaspar_motif_ids"]})
    assert rebuilt.jaspar_motif_ids == model.jaspar_motif_ids
    with pytest.raises(DanqError, match="16 kernels"):
        rebuilt.load_extra_checkpoint_state({"jaspar_motif_ids": ["MA0001.1"]})
    plain = DanQ(sequence_length=100, n_targets=3, conv_channels=4, lstm_hidden=2, dense_hidden=3)
    assert plain.extra_checkpoint_state() == {}
    assert DanQ.restore_args({"lstm_hidden": 2}) == {"lstm_hidden": 2}


def test_jaspar_centre_crop_follows_the_encoders_rule() -> None:
    from danq.models.jaspar_init import centre_crop

    pwm = np.arange(4 * 7, dtype=float).reshape(4, 7)
    np.testing.assert_array_equal(centre_crop(pwm, 4), pwm[:, 1:5])  # 3 extra: 1 left, 2 right
    assert centre_crop(pwm, 9) is pwm
