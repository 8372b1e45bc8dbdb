"""The DeepSEA state-dict file that several published-weights test modules import or break."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.models.published.reference import kipoi_deepsea, randomise


@pytest.fixture(scope="module")
def deepsea_file(tmp_path_factory):
    rng = np.random.default_rng(1)
    reference = kipoi_deepsea()
    randomise(reference, rng, scale=2.0)
    path = tmp_path_factory.mktemp("deepsea") / "deepsea_cpu.pth"
    torch.save(reference.state_dict(), path)
    return path, reference
