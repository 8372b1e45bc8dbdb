"""Tests for danq.motifs.decoys: motif-free matrices do not match; the false-match rate counts."""

from __future__ import annotations

import numpy as np

from danq.motifs.decoys import background_decoy, decoy_false_match_rate, shuffled_decoy
from danq.motifs.tomtom import MatchSettings, match_motifs


def test_flat_shuffled_and_background_decoys_do_not_match(jaspar):
    rng = np.random.default_rng(0)
    decoys = {"uniform": np.full((4, 26), 0.25)}
    for name in ("CTCF", "REST", "Gata1", "FOXA1"):
        ppm = jaspar.ppms[jaspar.names.index(name)]
        decoys.update({f"{name}~shuffled{k}": shuffled_decoy(ppm, rng) for k in range(3)})
    decoys.update({f"background{w}": background_decoy(w, 20, rng) for w in (8, 19, 26)})
    table = match_motifs(decoys, jaspar).queries.set_index("query")
    assert not table["matched"].any()
    assert table.loc["uniform", "status"] == "uninformative"
    assert (table.filter(like="background", axis=0)["status"] == "uninformative").all()
    # without trimming and the information filter, the uniform matrix is compared, and Pearson
    # still finds nothing in it (memelite's Euclidean TOMTOM matched it to CTCF at E 4e-10)
    raw = MatchSettings(trim_bits=0, min_bits=0, min_width=1)
    uniform = match_motifs({"uniform": decoys["uniform"]}, jaspar, raw).queries.iloc[0]
    assert uniform["status"] == "tested" and not uniform["matched"] and uniform["p_value"] == 1


def test_decoy_false_match_rate_counts_what_matches(jaspar):
    queries = {name: jaspar.ppms[jaspar.names.index(name)] for name in ("CTCF", "SPI1")}
    rates = decoy_false_match_rate(queries, {"CTCF": 500}, jaspar, seed=1)
    assert rates["shuffled"]["n"] == 2 and rates["background"]["n"] == 2
    assert rates["background"]["n_informative"] == 0  # 500 (or 100) background sites: flat
    assert rates["all"]["n"] == 4
    assert rates["all"]["rate"] == rates["all"]["n_matched"] / 4
    # an "always matches" criterion makes every compared decoy a false match
    loose = decoy_false_match_rate(queries, {}, jaspar, MatchSettings(evalue_threshold=1e6))
    assert loose["shuffled"]["n_matched"] == 2 and loose["shuffled"]["rate"] == 1.0
