"""What the published layouts share: the A,G,C,T -> A,C,G,T permutation and the checked weight load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from danq.errors import DanqError
from danq.models.published.layouts import (
    FORMAT_ARCH,
    FORMATS,
    POOL_SIZE,
    SEQUENCE_LENGTH,
    build_for_file,
    load_into,
    to_danq_alphabet,
)


def test_every_format_has_an_architecture_length_and_pooling():
    assert set(FORMAT_ARCH) == set(SEQUENCE_LENGTH) == set(POOL_SIZE) == set(FORMATS)


def test_first_layer_channels_go_from_agct_to_acgt():
    kernel = np.arange(2 * 4 * 3, dtype=np.float32).reshape(2, 4, 3)  # channels A, G, C, T
    moved = to_danq_alphabet(kernel)
    assert np.array_equal(moved, kernel[:, [0, 2, 1, 3], :])  # A, C, G, T


def test_load_into_checks_shapes_and_a_bad_size_names_the_file():
    model = build_for_file("deepsea", Path("w.pth"), sequence_length=100, n_targets=2,
                           conv_channels=[3, 3, 3], conv_width=4, pool_size=2, dense_hidden=5)
    params = {name: value.numpy() for name, value in model.state_dict().items()}
    params["fc2.weight"] = np.zeros((3, 5), np.float32)
    with pytest.raises(DanqError, match=r"w.pth: deepsea-kipoi weights: fc2.weight converts to shape \(3, 5\)"):
        load_into(model, params, "deepsea-kipoi", Path("w.pth"))
    with pytest.raises(DanqError, match="w.pth: shapes do not fit the published layout"):
        build_for_file("deepsea", Path("w.pth"), sequence_length=10, n_targets=2,
                       conv_channels=[3, 3, 3], conv_width=8, pool_size=4, dense_hidden=5)
