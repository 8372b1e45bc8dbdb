"""danq.datasets.deepsea.matv5: the streaming MATLAB v5 reader agrees with scipy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io

from danq.datasets.deepsea.matv5 import ColumnFile, list_v5_variables


@pytest.mark.parametrize("compress", [False, True])
def test_v5_reader_matches_scipy(tmp_path, compress):
    rng = np.random.default_rng(5)
    arrays = {
        "a": rng.integers(0, 2, (37, 4, 11)).astype(np.uint8),
        "b": rng.random((37, 5)),
        "scalar": np.array([[3.0]]),
        "flags": rng.random((6, 7)) > 0.5,
        "i16": rng.integers(-5, 5, (9, 3)).astype(np.int16),
    }
    path = tmp_path / "v.mat"
    scipy.io.savemat(path, arrays, do_compression=compress)
    _, variables = list_v5_variables(path)
    assert set(variables) == set(arrays)
    assert variables["a"].shape == (37, 4, 11) and variables["flags"].mclass == "logical"
    assert all(v.compressed == compress for v in variables.values())
    if not compress:
        reference = scipy.io.loadmat(path)
        for name in ("a", "b", "flags", "i16"):
            var = variables[name]
            n = var.shape[0]
            columns = ColumnFile(path, var.data_offset, n, int(np.prod(var.shape[1:])), var.dtype)
            expected = reference[name].reshape(n, -1, order="F")[3 : n - 1].T
            np.testing.assert_array_equal(columns.read(3, n - 1), expected)
            columns.close()

