"""danq.datasets.deepsea.mat: a v5 split file read by sample block, whatever its dtype."""

from __future__ import annotations

import numpy as np
import pytest

from danq.datasets.deepsea.mat import V5Source
from danq.encoders import to_tokens
from tests.datasets.deepsea.helpers import bundle_arrays, random_windows, write_v5


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.bool_])
def test_v5_source_tokens_any_dtype(tmp_path, compress, dtype):
    rng = np.random.default_rng(7)
    seqs, x, y = bundle_arrays(random_windows(rng, 5, length=13), 3, rng, dtype)
    write_v5(tmp_path / "valid.mat", "valid", x, y, compress)
    source = V5Source(tmp_path / "valid.mat", "validxdata", "validdata")
    source.prepare(tmp_path, show=False)
    np.testing.assert_array_equal(source.tokens(2, 9), np.stack([to_tokens(s) for s in seqs[2:9]]))
    np.testing.assert_array_equal(source.labels(0, 10), y.astype(np.uint8))
    source.close()

