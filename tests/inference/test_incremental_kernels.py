"""danq.inference.incremental.kernels: the table convolution, the oneDNN dense layer and the
blocking compute what the plain layers compute (float32 rounding apart)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from danq.encoders import tokens_to_one_hot
from danq.inference.incremental.danq import DanQRule
from danq.inference.incremental.kernels import DenseLayer, OneHotConv, blocked, is_one_hot
from danq.models import DanQ


def one_hot_with_n(rng: np.random.Generator, batch: int, length: int) -> torch.Tensor:
    tokens = rng.integers(0, 5, (batch, length)).astype(np.uint8)  # 4 = N: an all-zero column
    return torch.from_numpy(tokens_to_one_hot(tokens))


@pytest.mark.parametrize(("kernel", "group"), [(1, 3), (2, 3), (3, 3), (5, 2), (26, 3), (26, 1),
                                               (30, 4)])
def test_one_hot_conv_equals_conv1d_with_n_columns(kernel, group) -> None:
    torch.manual_seed(kernel)
    conv = torch.nn.Conv1d(4, 7, kernel)
    x = one_hot_with_n(np.random.default_rng(kernel), 3, 60)
    table = OneHotConv(conv, group=group)
    out = table(table.codes(x)) + conv.bias  # positions first, bias left to the caller
    with torch.no_grad():
        expected = conv(x).transpose(1, 2)
    assert out.shape == expected.shape
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-6)


def test_one_hot_conv_applies_only_to_plain_four_channel_convolutions() -> None:
    assert OneHotConv.applies(torch.nn.Conv1d(4, 8, 5))
    assert OneHotConv.applies(torch.nn.Conv1d(4, 8, 5, bias=False))
    for other in (torch.nn.Conv1d(4, 8, 5, padding=2), torch.nn.Conv1d(4, 8, 5, stride=2),
                  torch.nn.Conv1d(4, 8, 5, dilation=2), torch.nn.Conv1d(5, 8, 5),
                  torch.nn.Conv1d(4, 8, 5).double(), torch.nn.Linear(4, 8)):
        assert not OneHotConv.applies(other)


def test_is_one_hot_accepts_bases_and_n_only() -> None:
    x = one_hot_with_n(np.random.default_rng(0), 2, 30)
    assert is_one_hot(x)
    soft = x.clone()
    soft[0, :, 3] = 0.25  # a soft N column
    assert not is_one_hot(soft)
    double = x.clone()
    double[1, :2, 5] = 1.0  # two bases in one column
    assert not is_one_hot(double)


@pytest.mark.parametrize("bias", [True, False])
def test_dense_layer_equals_linear(bias) -> None:
    torch.manual_seed(0)
    layer = torch.nn.Linear(300, 17, bias=bias)
    x = torch.randn(9, 300)
    dense = DenseLayer(layer.weight, layer.bias)
    with torch.no_grad():
        torch.testing.assert_close(dense(x), layer(x), atol=1e-5, rtol=1e-5)
        # another dtype, or no rows: the plain layer itself
        assert torch.equal(dense(x.double()), torch.nn.functional.linear(
            x.double(), layer.weight.double(), None if layer.bias is None else layer.bias.double()))
        assert dense(x[:0]).shape == (0, 17)


def test_blocked_equals_the_whole_call() -> None:
    x = torch.arange(40.0).reshape(20, 2)
    calls = []

    def layer(rows: torch.Tensor) -> torch.Tensor:
        calls.append(len(rows))
        return rows * 2

    assert torch.equal(blocked(layer, x, rows=8), x * 2)
    assert calls == [8, 8, 4]


def test_danq_features_by_table_and_by_convolution_agree() -> None:
    """The rule's features from one-hot windows (table) and from soft ones (convolution) are the
    model's own conv -> pool -> ReLU."""
    torch.manual_seed(5)
    model = DanQ(sequence_length=80, n_targets=3, conv_channels=6, conv_width=7, pool_size=6,
                 lstm_hidden=4, dense_hidden=5).eval()
    rule = DanQRule(model)
    x = one_hot_with_n(np.random.default_rng(5), 11, 80)
    soft = x.clone()
    soft[:, :, 40] = 0.25
    for windows in (x, soft):
        with torch.no_grad():
            expected = torch.relu(model.pool(model.conv(windows))).transpose(1, 2)
        torch.testing.assert_close(rule._features(windows), expected, atol=1e-6, rtol=1e-6)
