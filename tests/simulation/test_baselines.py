"""Tests for ``danq baselines``: hand-made truth where every score and AUC is known by hand, the
PWM scan on hand-written sequences, and a small real simulation end to end through the CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from danq.encoders import to_tokens
from danq.errors import DanqError

# log2-odds of a deterministic column against a uniform background with pseudo-frequency 0.01:
# matching base (1 + 0.01) / 1.04, any other 0.01 / 1.04, each divided by 0.25.
HI = math.log2(1.01 / 1.04 / 0.25)
LO = math.log2(0.01 / 1.04 / 0.25)

A = "AAT"  # motif A (reverse complement ATT)
B = "TCA"  # motif B (reverse complement TGA)
LENGTH = 12
TARGETS = ["single_A", "grammar_AB", "combination_AB"]


def _place(seq: list[str], motif: str, start: int, strand: str) -> None:
    site = motif if strand == "+" else motif.translate(str.maketrans("ACGT", "TGCA"))[::-1]
    seq[start : start + len(site)] = list(site)


def deterministic_pfm(motif: str) -> list[list[int]]:
    return [[10 if base == b else 0 for base in motif] for b in "ACGT"]


# Six sequences: (motif, start, strand) per instance, and the kind for the grammar target.
#   s0: A+ at 0, B+ at 4: B downstream of A, gap 1          -> grammar positive
#   s1: A- at 6, B- at 1: on '-' B lies left, gap 6 - 4 = 2 -> grammar positive
#   s2: B+ at 0, A+ at 5: B upstream of A                   -> swapped decoy
#   s3: A+ at 0, B- at 5: opposite strands                  -> both motifs, rule false
#   s4: A+ at 2 only                                        -> one motif
#   s5: nothing                                             -> none
LAYOUT = [
    [("A", 0, "+"), ("B", 4, "+")],
    [("A", 6, "-"), ("B", 1, "-")],
    [("B", 0, "+"), ("A", 5, "+")],
    [("A", 0, "+"), ("B", 5, "-")],
    [("A", 2, "+")],
    [],
]
KINDS = ["positive", "positive", "swapped", "both_other", "one_motif", "none"]
KIND_NAMES = ["positive", "swapped", "close", "far", "both_other", "one_motif", "none"]
CLEAN = np.array([[1, 1, 1], [1, 1, 1], [1, 0, 1], [1, 0, 1], [1, 0, 0], [0, 0, 0]])
FLIPS = [[4, 0], [2, 1]]  # single_A of s4 (1 -> 0), grammar_AB of s2 (0 -> 1)


def write_case(tmp_path: Path, flips: list[list[int]] = FLIPS) -> tuple[Path, Path]:
    """truth.json and test.h5 of the hand-made case (background all G, uniform base model)."""
    from danq.formats.dataset import DatasetWriter

    ids = {"A": "MA9001.1", "B": "MA9002.1"}
    names = [f"test_{i}" for i in range(len(LAYOUT))]
    seqs, inst = [], {"seq": [], "motif": [], "start": [], "strand": [], "role": []}
    for i, layout in enumerate(LAYOUT):
        seq = ["G"] * LENGTH
        for motif, start, strand in layout:
            _place(seq, A if motif == "A" else B, start, strand)
            for key, value in zip(("seq", "motif", "start", "strand", "role"),
                                  (i, ids[motif], start, strand, 0), strict=True):
                inst[key].append(value)
        seqs.append("".join(seq))
    truth = {
        "format": "danq-simulate-truth", "format_version": 2,
        "params": {"length": LENGTH},
        "background": {"model": "iid", "gc_content": 0.5},
        "motifs": [{"id": ids["A"], "name": "A", "length": 3, "pfm": deterministic_pfm(A)},
                   {"id": ids["B"], "name": "B", "length": 3, "pfm": deterministic_pfm(B)}],
        "targets": [
            {"name": "single_A", "category": "single", "motifs": [ids["A"]]},
            {"name": "grammar_AB", "category": "grammar", "motifs": [ids["A"], ids["B"]],
             "min_gap": 1, "max_gap": 3},
            {"name": "combination_AB", "category": "combination",
             "motifs": [ids["A"], ids["B"]], "min_count": 2},
        ],
        "roles": ["random"],
        "grammar_kind_names": KIND_NAMES,
        "splits": {"test": {
            "n": len(names), "names": names, "instances": inst, "flips": flips,
            "grammar_kinds": {"grammar_AB": [KIND_NAMES.index(k) for k in KINDS]},
        }},
    }
    truth_path = tmp_path / "truth.json"
    truth_path.write_text(json.dumps(truth))
    noisy = CLEAN.copy()
    for i, t in flips:
        noisy[i, t] ^= 1
    data = tmp_path / "test.h5"
    writer = DatasetWriter(data, LENGTH, TARGETS, ["single", "grammar", "combination"])
    writer.append(np.stack([to_tokens(s) for s in seqs]), noisy.astype(np.uint8), names)
    writer.close()
    return truth_path, data


def test_best_log_odds_scans_both_strands_by_hand() -> None:
    from danq.simulation.baselines import best_log_odds, log_odds_matrix

    lo = log_odds_matrix(deterministic_pfm("AAC"), np.full(4, 0.25))
    assert lo[0, 0] == pytest.approx(HI) and lo[0, 1] == pytest.approx(LO)
    tokens = np.stack([to_tokens(s) for s in ("GAACG", "GGTTG", "GGGGG")])
    # GAACG holds AAC; GGTTG holds GTT = reverse complement of AAC; GGGGG best is CCC on the
    # reverse strand against AAC: one match (the C), two mismatches.
    np.testing.assert_allclose(best_log_odds(tokens, lo, block=2),
                               [3 * HI, 3 * HI, HI + 2 * LO])


def test_pwm_scan_gives_a_sequence_and_its_reverse_complement_the_same_score() -> None:
    from danq.encoders import reverse_complement_tokens
    from danq.simulation.baselines import best_log_odds, log_odds_matrix

    rng = np.random.default_rng(1)
    pfm = rng.integers(0, 20, size=(4, 9))
    lo = log_odds_matrix(pfm, np.array([0.3, 0.2, 0.2, 0.3]))
    tokens = rng.integers(0, 4, size=(50, 40)).astype(np.uint8)
    np.testing.assert_allclose(best_log_odds(tokens, lo),
                               best_log_odds(reverse_complement_tokens(tokens), lo))


def test_scores_and_aucs_on_a_hand_made_case(tmp_path: Path) -> None:
    from danq.simulation.baselines import compute_baselines, decoy_breakdown, run_baselines

    truth_path, data = write_case(tmp_path)
    scores, noisy, clean, truth = compute_baselines(truth_path, data)
    np.testing.assert_array_equal(clean, CLEAN)
    np.testing.assert_array_equal(scores["oracle"], CLEAN)
    np.testing.assert_array_equal(scores["presence"][:, 1], [1, 1, 1, 1, 0, 0])  # both present
    np.testing.assert_array_equal(scores["presence"][:, 2], CLEAN[:, 2])
    pwm = scores["pwm_scan"]
    assert pwm[0, 0] == pytest.approx(3 * HI) and pwm[1, 0] == pytest.approx(3 * HI)  # A on -
    assert pwm[5, 0] == pytest.approx(3 * LO)  # all G: GGG / CCC never match AAT
    assert pwm[0, 1] == pytest.approx(3 * HI) and pwm[4, 1] < 0  # s4 lacks B: min of the two

    summary = run_baselines(truth_path, data, tmp_path / "out")
    metrics = pd.read_csv(tmp_path / "out" / "oracle" / "metrics.tsv", sep="\t")
    assert list(metrics.columns) == ["target", "category", "n_pos", "n_neg", "roc_auc", "pr_auc"]
    oracle = metrics.set_index("target")
    # single_A: noisy labels 1,1,1,1,0,0; oracle 1,1,1,1,1,0. ROC: each positive ties s4 (0.5)
    # and beats s5 (1): 6/8. PR AUC over the 5 equally likely ranks k of s4 inside the tied
    # block (mean precision at the 4 positives): k=1: (1/2+2/3+3/4+4/5)/4, k=2: (1+2/3+3/4+4/5)/4,
    # k=3: (1+1+3/4+4/5)/4, k=4: (1+1+1+4/5)/4, k=5: 1.
    assert oracle.loc["single_A", "roc_auc"] == pytest.approx(0.75)
    ranks = [(1 / 2 + 2 / 3 + 3 / 4 + 4 / 5) / 4, (1 + 2 / 3 + 3 / 4 + 4 / 5) / 4,
             (2 + 3 / 4 + 4 / 5) / 4, (3 + 4 / 5) / 4, 1.0]
    assert oracle.loc["single_A", "pr_auc"] == pytest.approx(np.mean(ranks))
    # grammar_AB: noisy 1,1,1,0,0,0; oracle 1,1,0,0,0,0. ROC (6 + 1.5) / 9. PR: s0, s1 first
    # (precision 1); s2 is at rank 3..6 of the 0 block with equal chance: precision 3/3..3/6.
    assert oracle.loc["grammar_AB", "roc_auc"] == pytest.approx(7.5 / 9)
    assert oracle.loc["grammar_AB", "pr_auc"] == pytest.approx(
        (2 + np.mean([3 / 3, 3 / 4, 3 / 5, 3 / 6])) / 3)
    presence = pd.read_csv(tmp_path / "out" / "presence" / "metrics_clean.tsv", sep="\t")
    presence = presence.set_index("target")
    # Presence vs clean grammar labels 1,1,0,0,0,0 with scores 1,1,1,1,0,0: ROC 6/8. PR: the
    # two positives take ranks (i, j) of the tied four, 6 pairs equally likely: (1/i + 2/j) / 2.
    assert presence.loc["grammar_AB", "roc_auc"] == pytest.approx(0.75)
    pairs = [(i, j) for i in range(1, 5) for j in range(i + 1, 5)]
    assert presence.loc["grammar_AB", "pr_auc"] == pytest.approx(
        np.mean([(1 / i + 2 / j) / 2 for i, j in pairs]))
    assert summary["sources"]["oracle"]["clean"]["targets"]["grammar_AB"]["pr_auc"] == 1.0

    decoys = decoy_breakdown(scores["presence"], clean, truth).set_index("kind")
    assert decoys.loc["positive", "n"] == 2 and decoys.loc["positive", "mean_score"] == 1
    # Presence scores a swapped pair and an opposite-strand pair like a positive (AUC 0.5) and a
    # sequence with one motif or none below every positive (AUC 1).
    assert decoys.loc["swapped", "roc_auc_vs_positives"] == 0.5
    assert decoys.loc["both_other", "roc_auc_vs_positives"] == 0.5
    assert decoys.loc["one_motif", "roc_auc_vs_positives"] == 1.0
    assert decoys.loc["none", "roc_auc_vs_positives"] == 1.0
    assert "close" not in decoys.index  # no such sequence: no row


def test_tie_averaged_precision_matches_scikit_learn_without_ties_and_random_orders_with() -> None:
    from sklearn.metrics import average_precision_score

    from danq.simulation.baselines import tie_averaged_precision

    rng = np.random.default_rng(0)
    labels = rng.random(300) < 0.2
    continuous = rng.random(300) + labels * 0.3
    assert tie_averaged_precision(labels, continuous) == pytest.approx(
        average_precision_score(labels, continuous))
    binary = (continuous > 0.6).astype(float)
    shuffled = [average_precision_score(labels, binary + rng.random(300) * 1e-6)
                for _ in range(400)]
    assert tie_averaged_precision(labels, binary) == pytest.approx(np.mean(shuffled), abs=5e-3)
    assert tie_averaged_precision(labels, binary) > average_precision_score(labels, binary)


def test_model_predictions_are_scored_in_truth_order(tmp_path: Path) -> None:
    from danq.formats.predictions import H5PredictionWriter
    from danq.simulation.baselines import run_baselines

    truth_path, data = write_case(tmp_path)
    probs = np.array([[0.9, 0.8, 0.7], [0.8, 0.7, 0.9], [0.7, 0.2, 0.8],
                      [0.6, 0.3, 0.6], [0.5, 0.1, 0.1], [0.1, 0.1, 0.2]], dtype=np.float32)
    order = [5, 3, 1, 0, 2, 4]  # a different row order than the truth
    path = tmp_path / "predictions.h5"
    writer = H5PredictionWriter(path, TARGETS)
    writer.append(probs[order], [f"test_{i}" for i in order])
    writer.close()
    run_baselines(truth_path, data, tmp_path / "out", {"M": path})
    clean = pd.read_csv(tmp_path / "out" / "M" / "metrics_clean.tsv", sep="\t").set_index("target")
    # Clean grammar labels 1,1,0,0,0,0; scores 0.8, 0.7 above every negative: ROC 1.
    assert clean.loc["grammar_AB", "roc_auc"] == 1.0
    decoys = pd.read_csv(tmp_path / "out" / "M" / "decoys.tsv", sep="\t").set_index("kind")
    assert decoys.loc["swapped", "mean_score"] == pytest.approx(0.2)
    long = pd.read_csv(tmp_path / "out" / "all_metrics.tsv", sep="\t")
    assert set(long["source"]) == {"oracle", "presence", "pwm_scan", "M"}
    assert set(long["labels"]) == {"noisy", "clean"}


def test_truth_from_another_simulation_is_rejected(tmp_path: Path) -> None:
    from danq.simulation.baselines import compute_baselines

    truth_path, data = write_case(tmp_path)
    truth = json.loads(truth_path.read_text())
    truth["splits"]["test"]["flips"] = []
    truth_path.write_text(json.dumps(truth))
    with pytest.raises(DanqError, match="recorded flips"):
        compute_baselines(truth_path, data)
    truth["format_version"] = 1
    truth_path.write_text(json.dumps(truth))
    with pytest.raises(DanqError, match="predates strand-symmetric"):
        compute_baselines(truth_path, data)


def test_cli_on_a_small_simulation(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from danq.cli import cli
    from danq.simulation.simulate import simulate

    simulate(tmp_path / "sim", seed=3, n_train=0, n_valid=0, n_test=400, length=500)
    runner = CliRunner()
    encoded = runner.invoke(cli, ["encode", str(tmp_path / "sim/test.fa"), "--labels",
                                  str(tmp_path / "sim/test.labels.tsv"), "-o",
                                  str(tmp_path / "test.h5"), "--no-progress"])
    assert encoded.exit_code == 0, encoded.output
    result = runner.invoke(cli, ["baselines", "--truth", str(tmp_path / "sim/truth.json"),
                                 "--data", str(tmp_path / "test.h5"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    long = pd.read_csv(tmp_path / "out" / "all_metrics.tsv", sep="\t")
    noisy = long[long["labels"] == "noisy"].set_index(["source", "target"])
    grammar = [t for t in long["target"].unique() if t.startswith("grammar_")]
    for target in grammar:  # the oracle knows the grammar; presence cannot
        assert noisy.loc[("oracle", target), "pr_auc"] > noisy.loc[("presence", target), "pr_auc"] + 0.2
    code = "from danq.cli import main; import sys; main(sys.argv[1:])"
    bad = subprocess.run([sys.executable, "-c", code, "baselines", "--truth",
                          str(tmp_path / "missing.json"), "--data", str(tmp_path / "test.h5"),
                          "-o", str(tmp_path / "o2")], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stderr.startswith("danq: error: ")
    assert len(bad.stderr.strip().splitlines()) == 1
