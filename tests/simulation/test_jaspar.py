"""Tests for the planted motifs read from the JASPAR releases bundled with pyjaspar."""

from __future__ import annotations

from danq.simulation.config import SimulationParams
from danq.simulation.jaspar import load_motifs


def test_default_motifs_resolve_in_an_older_release() -> None:
    motifs = load_motifs(SimulationParams().motifs, "JASPAR2016")
    assert len({m.matrix_id for m in motifs}) == 16
    gata = next(m for m in motifs if m.requested_id == "MA0035.4")
    assert gata.matrix_id.startswith("MA0035.") and gata.matrix_id != "MA0035.4"

