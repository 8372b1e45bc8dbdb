"""Tests for danq.motifs.scoring: Pearson TOMTOM by hand, its null distribution, per-query
Benjamini-Hochberg q-values, the choice of column score and memelite's numba cache."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from danq.errors import DanqError
from danq.motifs.scoring import (
    _SumDistributions,
    benjamini_hochberg,
    compare,
    pearson_column_scores,
    storey_pi0,
    storey_qvalues,
    tomtom_pearson,
)
from danq.motifs.tomtom import Database, MatchSettings, match_motifs
from danq.runtime import configure_numba_cache
from tests.motifs.helpers import one_hot


def test_pearson_column_score_by_hand():
    query = np.array([[0.5], [0.5], [0.0], [0.0]])
    targets = np.array([[1.0, 0.25, 0.0], [0.0, 0.25, 0.0], [0.0, 0.25, 0.5], [0.0, 0.25, 0.5]])
    # centred: q = (.25, .25, -.25, -.25); A = (.75, -.25, -.25, -.25): .25 / sqrt(.25 * .75)
    # a constant column scores 0 (TOMTOM's convention); the complementary column scores -1
    np.testing.assert_allclose(pearson_column_scores(query, targets), [[1 / np.sqrt(3), 0, -1]])
    pure = np.eye(4)
    np.testing.assert_allclose(pearson_column_scores(pure, pure),
                               np.where(np.eye(4) > 0, 1.0, -1 / 3))


def test_pearson_p_value_e_value_and_q_value_by_hand():
    """Query AC against the targets AC and GT (min overlap 2).

    Database columns, both orientations: AC, GT (rc of AC), GT, AC (rc of GT) = every letter
    twice. Query column A scores 1 against the two A columns and -1/3 against the other six;
    the median is -1/3, so shifted scores are 4/3 (probability 1/4) or 0 (3/4), rounded to 100 and
    0 on the 100-step grid. The best alignment of AC on AC scores 200; the sum over two columns
    reaches 200 with probability 1/16, and a single column cannot, so of the 2 × 3 alignments
    (two orientations, offsets -1, 0, 1) only the two full ones can reach it:
    p = 1 - (1 - 1/16)^2 = 31/256. E = 2p. The four orientation p-values are 31/256, 1, 1,
    31/256, so q (Benjamini-Hochberg over them) = min(4p/1, 4p/2) = 31/128.
    """
    result = tomtom_pearson([one_hot("AC")], [one_hot("AC"), one_hot("GT")], min_overlap=5)
    np.testing.assert_allclose(result["p_value"][0], [31 / 256, 31 / 256])
    np.testing.assert_allclose(result["q_value"][0], [31 / 128, 31 / 128])
    assert list(result["strand"][0]) == ["+", "-"]
    assert list(result["offset"][0]) == [0, 0] and list(result["overlap"][0]) == [2, 2]
    np.testing.assert_allclose(result["score"][0], [8 / 3, 8 / 3])  # 2 × 4/3

    database = Database(["t1", "t2"], ["AC", "GT"], [one_hot("AC"), one_hot("GT")])
    table = match_motifs({"q": one_hot("AC")}, database,
                         MatchSettings(trim_bits=0, min_bits=0, min_width=1)).matches
    np.testing.assert_allclose(table["e_value"], [31 / 128, 31 / 128])


def test_sum_distribution_equals_enumeration_of_every_column_combination():
    rng = np.random.default_rng(4)
    z = rng.integers(-7, 12, size=(3, 9))
    sums = _SumDistributions(z)
    for first, stop in [(0, 1), (1, 3), (0, 3)]:
        totals = np.array([sum(c) for c in itertools.product(*z[first:stop])])
        for score in range(-25, 40, 3):
            expected = (totals >= score).mean()
            got = sums.survival(first, stop, np.array([score]))[0]
            assert got == pytest.approx(expected, abs=1e-12)


def test_q_values_are_per_query():
    rng = np.random.default_rng(0)
    targets = [rng.dirichlet(np.ones(4) * 0.3, size=int(w)).T for w in rng.integers(6, 12, 60)]
    first = targets[3][:, 1:7]
    alone = tomtom_pearson([first], targets)
    together = tomtom_pearson([first, rng.dirichlet(np.ones(4), size=9).T], targets)
    np.testing.assert_array_equal(alone["q_value"][0], together["q_value"][0])
    np.testing.assert_array_equal(alone["p_value"][0], together["p_value"][0])
    assert alone["p_value"][0].argmin() == 3
    # Storey over the query's own 2 × 60 orientation p-values: at least π0 p, at most p × 120
    q, p = alone["q_value"][0], alone["p_value"][0]
    assert (q <= np.minimum(p * 120, 1) + 1e-12).all() and (q >= 0.2 * p).all()


def test_storey_pi0_estimates_the_share_of_true_nulls_as_meme_does():
    rng = np.random.default_rng(7)
    null = rng.random(4000)
    assert storey_pi0(null) > 0.93  # all null: π0 near 1
    mixed = np.r_[rng.random(2000), rng.random(2000) * 1e-4]  # half true effects
    assert storey_pi0(mixed) == pytest.approx(0.5, abs=0.05)
    assert storey_pi0(mixed[:100]) == 1.0  # MEME: no estimate from 100 p-values or fewer
    assert storey_pi0(mixed, seed=1) == pytest.approx(storey_pi0(mixed, seed=2), abs=0.03)
    # the q-values are π0 × Benjamini–Hochberg, per row
    rows = np.stack([mixed, null])
    q = storey_qvalues(rows)
    np.testing.assert_allclose(q[0], np.minimum(storey_pi0(mixed) * benjamini_hochberg(mixed), 1))
    np.testing.assert_allclose(q[1], np.minimum(storey_pi0(null) * benjamini_hochberg(null), 1))


def test_benjamini_hochberg_matches_scipy():
    from scipy.stats import false_discovery_control

    p = np.random.default_rng(2).random((3, 50)) ** 3
    expected = np.stack([false_discovery_control(row, method="bh") for row in p])
    np.testing.assert_allclose(benjamini_hochberg(p), expected, rtol=1e-12)


def test_compare_picks_the_column_score_by_name():
    queries, targets = [one_hot("ACGTA")], [one_hot("ACGTA"), one_hot("GGCCT")]
    np.testing.assert_array_equal(compare(queries, targets, "pearson", 5)["p_value"],
                                  tomtom_pearson(queries, targets, 5)["p_value"])
    with pytest.raises(DanqError, match="--dist cosine: choose one of pearson, euclidean"):
        compare(queries, targets, "cosine")


def test_numba_cache_goes_to_a_user_dir_when_memelite_is_read_only(tmp_path, monkeypatch):
    import importlib.util
    from types import SimpleNamespace

    import numba.core.config

    monkeypatch.setattr(numba.core.config, "CACHE_DIR", numba.core.config.CACHE_DIR)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert configure_numba_cache() == str(tmp_path / "mine")  # the user's choice wins

    monkeypatch.delenv("NUMBA_CACHE_DIR")
    blocker = tmp_path / "site-packages"
    blocker.write_text("a file, so nothing can be created below it")
    spec = SimpleNamespace(submodule_search_locations=[str(blocker / "memelite")])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    chosen = configure_numba_cache()
    assert chosen == str(tmp_path / "cache" / "danq" / "numba")
    assert Path(chosen).is_dir()
    import os

    assert os.environ["NUMBA_CACHE_DIR"] == chosen
