"""Tests for danq.motifs.tomtom: named queries against a database, and the notebook's tomtom()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from danq.errors import DanqError
from danq.motifs.meme import write_meme
from danq.motifs.tomtom import MATCH_COLUMNS, MatchSettings, match_motifs, tomtom
from tests.motifs.helpers import RELEASE


def test_a_jaspar_motif_finds_itself_with_tiny_e_on_either_strand(jaspar):
    index = jaspar.names.index("CTCF")
    padded = np.hstack([np.full((4, 3), 0.25), jaspar.ppms[index]])  # flat flank: trimmed
    result = match_motifs({"fwd": padded, "rc": padded[::-1, ::-1]}, jaspar)
    best = result.queries.set_index("query")
    for name, strand in [("fwd", "+"), ("rc", "-")]:
        assert best.loc[name, "best_target_id"] == jaspar.ids[index]
        assert best.loc[name, "e_value"] < 1e-20 and bool(best.loc[name, "matched"])
        assert best.loc[name, "strand"] == strand
    assert best.loc["fwd", "offset"] == -3  # in the untrimmed query's columns
    assert best.loc["fwd", "trim_start"] == 3


def test_tomtom_reports_reverse_strand_matches(ctcf):
    matrix_id, ppm = ctcf
    matches = tomtom({"rc": ppm[::-1, ::-1]}, release=RELEASE, top=1)
    assert matches.loc[0, "target_id"] == matrix_id
    assert matches.loc[0, "strand"] == "-"


def test_tomtom_takes_a_meme_file_or_counts_and_returns_the_matches_table(tmp_path, jaspar):
    index = jaspar.names.index("CTCF")
    ppm = jaspar.ppms[index]
    meme = tmp_path / "query.meme"
    write_meme(meme, [("ctcf", ppm, 50), ("flat", np.full((4, 10), 0.25), 50)])
    from_file = tomtom(meme, jaspar, top=2)
    assert list(from_file.columns) == ["query", *MATCH_COLUMNS]
    assert list(from_file["query"]) == ["ctcf", "ctcf"]  # the flat motif is not compared
    assert from_file.loc[0, "target_id"] == jaspar.ids[index]
    # the same as match_motifs with the paper's settings and top 2 (the file rounds to 6 digits)
    expected = match_motifs({"ctcf": ppm}, jaspar, MatchSettings(top=2)).matches
    pd.testing.assert_frame_equal(tomtom({"ctcf": ppm}, jaspar, top=2), expected)
    pd.testing.assert_frame_equal(from_file, expected, rtol=1e-4)
    # counts are normalised per column: 50 sites of the same motif give the same table
    pd.testing.assert_frame_equal(tomtom({"ctcf": ppm * 50}, jaspar, top=2), expected)
    with pytest.raises(DanqError, match="not both"):
        tomtom({"ctcf": ppm}, jaspar, release=RELEASE)


def test_euclidean_option_uses_memelite_with_per_query_q_values(jaspar):
    index = jaspar.names.index("CTCF")
    settings = MatchSettings(dist="euclidean")
    result = match_motifs({"ctcf": jaspar.ppms[index]}, jaspar, settings, threads=1)
    best = result.queries.iloc[0]
    assert best["best_target_id"] == jaspar.ids[index] and bool(best["matched"])
    # per-query Benjamini-Hochberg over the 519 targets: the best match's q = p × 519 / 1
    # unless a later rank lowers it, and never below its p
    assert best["p_value"] <= best["q_value"] <= best["p_value"] * len(jaspar) + 1e-300
    with pytest.raises(DanqError, match="--dist"):
        match_motifs({"ctcf": jaspar.ppms[index]}, jaspar, MatchSettings(dist="cosine"))


def test_database_size_sets_e_as_p_times_n(jaspar):
    index = jaspar.names.index("CTCF")
    query = {"ctcf": jaspar.ppms[index][:, 2:12]}
    default = match_motifs(query, jaspar).matches
    paper = match_motifs(query, jaspar, MatchSettings(database_size=1748)).matches
    np.testing.assert_allclose(default["e_value"], default["p_value"] * len(jaspar))
    np.testing.assert_allclose(paper["e_value"], paper["p_value"] * 1748)
    np.testing.assert_array_equal(paper["p_value"], default["p_value"])
    with pytest.raises(DanqError, match="--database-size 0"):
        MatchSettings(database_size=0).check()
    assert MatchSettings(database_size=1748).as_dict()["database_size"] == 1748
