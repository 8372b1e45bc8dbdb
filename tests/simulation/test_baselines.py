"""Tests for ``danq baselines``: hand-made truth where every score and AUC is known by hand, and a
small real simulation end to end through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from danq.errors import DanqError
from danq.simulation.baselines import compute_baselines, run_baselines
from danq.simulation.scoring import decoy_breakdown
from tests.simulation.hand_case import CLEAN, HI, LO, TARGETS, write_case


def test_scores_and_aucs_on_a_hand_made_case(tmp_path: Path) -> None:
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


def test_model_predictions_are_scored_in_truth_order(tmp_path: Path) -> None:
    from danq.formats.predictions import H5PredictionWriter

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
    # No training split in the hand case: no marginal baseline to fit.
    assert set(long["source"]) == {"oracle", "presence", "pwm_scan", "M"}
    assert set(long["labels"]) == {"noisy", "clean"}


def test_truth_from_another_simulation_is_rejected(tmp_path: Path) -> None:
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

    simulate(tmp_path / "sim", seed=3, n_train=1500, n_valid=0, n_test=400, length=500)
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
    for target in grammar:  # the oracle knows the grammar; presence and marginal cannot
        assert noisy.loc[("oracle", target), "pr_auc"] > noisy.loc[("presence", target), "pr_auc"] + 0.2
        assert noisy.loc[("oracle", target), "pr_auc"] > noisy.loc[("marginal", target), "pr_auc"] + 0.2
    single = [t for t in long["target"].unique() if t.startswith("single_")]
    for target in single:  # where a motif sits is enough for presence: marginal learns it
        assert noisy.loc[("marginal", target), "roc_auc"] > 0.9
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["baselines"] == ["oracle", "presence", "marginal", "pwm_scan"]
    code = "from danq.cli import main; import sys; main(sys.argv[1:])"
    bad = subprocess.run([sys.executable, "-c", code, "baselines", "--truth",
                          str(tmp_path / "missing.json"), "--data", str(tmp_path / "test.h5"),
                          "-o", str(tmp_path / "o2")], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stderr.startswith("danq: error: ")
    assert len(bad.stderr.strip().splitlines()) == 1
