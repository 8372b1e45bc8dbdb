"""Fixtures of the motif tests, built once per session: JASPAR2016, CTCF, sequences carrying it,
and a tiny DanQ checkpoint whose filter 0 is CTCF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from danq.formats.jaspar import load_jaspar
from danq.motifs.matrices import pfm_to_ppm
from danq.motifs.tomtom import Database
from tests.motifs.helpers import LENGTH, N_SEQUENCES, RELEASE, ctcf_model, random_tokens


@pytest.fixture(scope="session")
def jaspar() -> Database:
    return Database.from_jaspar(RELEASE)


@pytest.fixture(scope="session")
def ctcf() -> tuple[str, np.ndarray]:
    motif = next(m for m in load_jaspar(RELEASE) if m.name == "CTCF")
    return motif.matrix_id, pfm_to_ppm(motif.pfm)


@pytest.fixture(scope="session")
def planted(ctcf) -> tuple[np.ndarray, np.ndarray]:
    """Random sequences; half carry one CTCF instance drawn from its PPM, on either strand."""
    _, ppm = ctcf
    rng = np.random.default_rng(1)
    tokens = random_tokens(rng, N_SEQUENCES, LENGTH)
    has_site = rng.random(N_SEQUENCES) < 0.5
    width = ppm.shape[1]
    for i in np.flatnonzero(has_site):
        site = np.array([rng.choice(4, p=ppm[:, j]) for j in range(width)], dtype=np.uint8)
        if rng.random() < 0.5:
            site = (3 - site)[::-1]  # reverse complement: A<->T, C<->G is 3 - token
        start = rng.integers(0, LENGTH - width)
        tokens[i, start : start + width] = site
    return tokens, has_site


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory, ctcf) -> Path:
    from danq.models.checkpoint import save_checkpoint

    path = tmp_path_factory.mktemp("model") / "ctcf.pt"
    save_checkpoint(path, ctcf_model(ctcf[1]), {"target_names": ["ctcf", "other"]})
    return path
