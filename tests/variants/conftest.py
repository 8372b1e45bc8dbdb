"""Fixtures of the variant tests: a small synthetic genome and a tiny model (and its checkpoint)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from danq.models.checkpoint import save_checkpoint
from tests.helpers import tiny_danq
from tests.variants.helpers import CATEGORIES, LENGTH, TARGETS, random_dna, write_fasta


@pytest.fixture(scope="module")
def chr1() -> str:
    return random_dna(3000, seed=1)


@pytest.fixture(scope="module")
def genome_path(tmp_path_factory, chr1) -> Path:
    folder = tmp_path_factory.mktemp("genome")
    return write_fasta(folder / "genome.fa", {"chr1": chr1, "chr2": random_dna(1500, 2),
                                               "chrShort": "ACGTACGTAC"})


@pytest.fixture(scope="module")
def model() -> torch.nn.Module:
    m = tiny_danq(LENGTH, len(TARGETS))
    m.danq_header = {"target_names": TARGETS, "target_categories": CATEGORIES,
                     "sequence_length": LENGTH}
    return m


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, model) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.pt"
    save_checkpoint(path, model, {"target_names": TARGETS, "target_categories": CATEGORIES})
    return path
