"""Tests for danq.motifs.logos: a filter's logo beside its JASPAR match, and the overview page."""

from __future__ import annotations

import numpy as np

from danq.motifs.filters import FilterMotif
from danq.motifs.logos import _aligned_target, plot_match_logo, plot_overview
from tests.motifs.helpers import one_hot

MATCH = {"target_id": "MA0001.1", "target_name": "X", "strand": "-", "offset": -2,
         "p_value": 1e-6, "e_value": 1e-4, "q_value": 1e-3}


def test_the_target_is_drawn_as_tomtom_aligned_it():
    target, start = _aligned_target(MATCH, 10 * one_hot("AACG"))
    np.testing.assert_array_equal(target, one_hot("CGTT"))  # reverse complement on "-"
    assert start == 2  # target column = query column + offset


def test_match_logo_and_empty_overview_are_pngs(tmp_path):
    motif = FilterMotif(3, 20 * one_hot("TTCGTTAC"), nsites=20)
    plot_match_logo(tmp_path / "filter_003.png", motif, MATCH, 10 * one_hot("AACG"),
                    planted=["MA0001.2"])
    plot_overview(tmp_path / "empty.png", [])  # nothing matched: a page that says so
    for name in ("filter_003.png", "empty.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
