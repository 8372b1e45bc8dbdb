"""Tests for danq.motifs.tomtom and `danq tomtom`: Pearson TOMTOM, trimming, decoys, MEME input, CLI."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from danq.errors import DanqError
from danq.motifs.filters import write_meme
from danq.motifs.tomtom import (
    Database,
    MatchSettings,
    _SumDistributions,
    background_decoy,
    benjamini_hochberg,
    decoy_false_match_rate,
    match_motifs,
    pearson_column_scores,
    read_meme,
    shuffled_decoy,
    tomtom_pearson,
    trim_bounds,
)

RELEASE = "JASPAR2016"  # the DanQ paper's database (519 CORE vertebrate motifs)


def one_hot(word: str) -> np.ndarray:
    """A (4, len(word)) matrix with probability 1 on each letter."""
    matrix = np.zeros((4, len(word)))
    for j, letter in enumerate(word):
        matrix["ACGT".index(letter), j] = 1.0
    return matrix


@pytest.fixture(scope="module")
def jaspar() -> Database:
    return Database.from_jaspar(RELEASE)


# --------------------------------------------------------------------------------------------
# Pearson TOMTOM on hand-computed cases


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
    # BH over the query's own 2 × 60 orientation p-values: never below p, at most p × 120
    q, p = alone["q_value"][0], alone["p_value"][0]
    assert (q >= p - 1e-15).all() and (q <= np.minimum(p * 120, 1) + 1e-12).all()


def test_benjamini_hochberg_matches_scipy():
    from scipy.stats import false_discovery_control

    p = np.random.default_rng(2).random((3, 50)) ** 3
    expected = np.stack([false_discovery_control(row, method="bh") for row in p])
    np.testing.assert_allclose(benjamini_hochberg(p), expected, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Trimming, known motifs, decoys


def test_trimming_drops_only_low_information_flanks():
    flat = np.full((4, 1), 0.25)
    weak = np.array([[0.4], [0.2], [0.2], [0.2]])  # 0.078 bit
    ppm = np.hstack([flat, weak, one_hot("A"), weak, one_hot("C"), flat])
    assert trim_bounds(ppm, 0.25) == (2, 5)  # the weak inner column stays
    assert trim_bounds(ppm, 0.0) == (0, 6)
    assert trim_bounds(np.full((4, 5), 0.25), 0.25) == (0, 0)


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


# --------------------------------------------------------------------------------------------
# MEME input and the command


def test_read_meme_round_trip_and_errors(tmp_path):
    rng = np.random.default_rng(1)
    motifs = [("m1", rng.dirichlet(np.ones(4), size=6).T, 12), ("m2", one_hot("ACGTA"), 0)]
    path = tmp_path / "x.meme"
    write_meme(path, motifs)
    back = read_meme(path)
    assert [m.name for m in back] == ["m1", "m2"] and [m.nsites for m in back] == [12, 0]
    np.testing.assert_allclose(back[0].ppm, motifs[0][1], atol=1e-6)

    bad = tmp_path / "bad.meme"
    bad.write_text("MEME version 4\n\nMOTIF a\nletter-probability matrix: alength= 4 w= 2\n"
                   "0.25 0.25 0.5\n0.1 0.2 0.3 0.4\n")
    with pytest.raises(DanqError, match=r"bad\.meme:5: motif a: expected 4 numbers"):
        read_meme(bad)
    protein = tmp_path / "p.meme"
    protein.write_text("MEME version 4\nALPHABET= ACDEFGHIKLMNPQRSTVWY\n")
    with pytest.raises(DanqError, match="not DNA"):
        read_meme(protein)
    fasta = tmp_path / "t.fa"
    fasta.write_text(">seq\nACGT\n")
    with pytest.raises(DanqError, match="not a MEME motif file"):
        read_meme(fasta)


def test_cli_tomtom_writes_the_motifs_columns(tmp_path, jaspar):
    from danq.cli import cli

    ctcf = jaspar.ppms[jaspar.names.index("CTCF")]
    meme = tmp_path / "query.meme"
    write_meme(meme, [("ctcf", ctcf, 50), ("flat", np.full((4, 10), 0.25), 50)])
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["tomtom", str(meme), "-o", str(out), "--release", RELEASE,
                                      "--top-matches", "3"])
    assert result.exit_code == 0, result.output
    matches = pd.read_csv(out / "tomtom.tsv", sep="\t")
    assert list(matches.columns) == ["query", "rank", "target_id", "target_name", "p_value",
                                     "e_value", "q_value", "offset", "strand", "overlap", "score"]
    assert list(matches["query"]) == ["ctcf"] * 3  # the flat motif is not compared
    assert matches.loc[0, "target_id"] == jaspar.ids[jaspar.names.index("CTCF")]
    queries = pd.read_csv(out / "queries.tsv", sep="\t").set_index("query")
    assert queries.loc["flat", "status"] == "uninformative" and not queries.loc["flat", "matched"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_matched"] == 1 and summary["n_uninformative"] == 1
    assert summary["n_database_motifs"] == 519 and summary["dist"] == "pearson"
    assert summary["decoys"]["all"]["n"] == 4


def test_cli_tomtom_bad_input_exits_1_with_one_line(tmp_path):
    fasta = tmp_path / "seqs.fa"
    fasta.write_text(">s\nACGT\n")
    run = subprocess.run(
        [sys.executable, "-c", "from danq.cli import main; main()", "tomtom", str(fasta),
         "-o", str(tmp_path / "out"), "--release", RELEASE],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("danq: error: ")
    assert "not a MEME motif file" in lines[0]
    assert not (tmp_path / "out").exists()

    inside = tmp_path / "run" / "query.meme"
    inside.parent.mkdir()
    write_meme(inside, [("m", one_hot("ACGTAC"), 5)])
    result = CliRunner().invoke(cli_group(), ["tomtom", str(inside), "-o", str(inside.parent)])
    assert isinstance(result.exception, DanqError) and "inside the output" in str(result.exception)
    assert inside.exists()


def cli_group():
    from danq.cli import cli

    return cli


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
