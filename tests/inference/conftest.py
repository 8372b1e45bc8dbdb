"""The tiny DanQ and its checkpoint the inference tests share, shaped by each module's own
``LENGTH`` and ``TARGETS``."""

from __future__ import annotations

import pytest

from danq.models.checkpoint import save_checkpoint
from tests.helpers import tiny_danq


@pytest.fixture
def model(request):
    return tiny_danq(request.module.LENGTH, len(request.module.TARGETS))


@pytest.fixture
def checkpoint(tmp_path, model, request):
    path = tmp_path / "tiny.pt"
    save_checkpoint(path, model, {"target_names": request.module.TARGETS,
                                  "target_categories": ["DNase", "TF", "histone"]})
    return path
