"""Evaluation metrics, summaries, pair averaging and `danq evaluate` / `danq compare`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import danq
from danq.cli import cli
from danq.encoders import from_tokens, reverse_complement_tokens
from danq.errors import DanqError
from danq.evaluation.compare import compare
from danq.evaluation.evaluate import (
    evaluate,
    metrics_from_predictions,
    read_metrics,
    representative_targets,
    score_targets,
    summarize,
)
from danq.formats.dataset import DatasetWriter
from danq.formats.predictions import read_predictions
from danq.models.checkpoint import save_checkpoint
from tests.helpers import tiny_danq

LENGTH = 40
TARGETS = ["DNase|a", "DNase|b", "CTCF|c", "EP300|d"]
CATEGORIES = ["DNase", "DNase", "TF", "TF"]


# --------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------


def test_perfect_and_constant_predictors_and_unscorable_targets():
    rng = np.random.default_rng(0)
    y = (rng.random((200, 4)) < 0.3).astype(np.uint8)
    y[:, 2] = 0  # no positives
    y[:, 3] = 1  # no negatives
    probs = np.empty((200, 4), dtype=np.float32)
    probs[:, 0] = y[:, 0] * 0.8 + 0.1            # perfect ranking
    probs[:, 1] = 0.5                            # constant
    probs[:, 2:] = rng.random((200, 2))
    metrics = score_targets(probs, y, TARGETS, CATEGORIES)
    assert list(metrics.columns) == ["target", "category", "n_pos", "n_neg", "roc_auc", "pr_auc"]
    assert metrics.loc[0, "roc_auc"] == 1.0 and metrics.loc[0, "pr_auc"] == 1.0
    assert metrics.loc[1, "roc_auc"] == 0.5
    assert metrics.loc[1, "pr_auc"] == pytest.approx(y[:, 1].mean())  # AP of a constant = base rate
    assert metrics[["roc_auc", "pr_auc"]].iloc[2:].isna().all().all()
    assert metrics.loc[2, "n_pos"] == 0 and metrics.loc[3, "n_neg"] == 0
    assert metrics.loc[0, "n_pos"] + metrics.loc[0, "n_neg"] == 200

    summary = summarize(metrics)
    assert summary["n_scored"] == 2 and summary["n_not_scored"] == 2
    assert summary["not_scored"] == ["CTCF|c", "EP300|d"]
    assert summary["categories"]["DNase"]["roc_auc"]["median"] == 0.75
    assert summary["categories"]["TF"]["n_scored"] == 0
    assert summary["categories"]["TF"]["roc_auc"]["median"] is None


def test_category_summaries_and_representatives():
    metrics = pd.DataFrame({
        "target": list("abcdefg"),
        "category": ["TF", "TF", "TF", "DNase", "DNase", "all", "TF"],
        "n_pos": 5, "n_neg": 5,
        "roc_auc": [0.9, 0.7, 0.8, 0.6, 0.95, 0.5, np.nan],
        "pr_auc": [0.3, 0.1, 0.2, 0.4, 0.5, 0.05, np.nan],
    })
    summary = summarize(metrics)
    tf = summary["categories"]["TF"]
    assert tf["n_targets"] == 4 and tf["n_scored"] == 3
    assert tf["roc_auc"] == {"median": pytest.approx(0.8), "mean": pytest.approx(0.8)}
    assert tf["pr_auc"]["median"] == pytest.approx(0.2)
    assert summary["categories"]["DNase"]["roc_auc"]["mean"] == pytest.approx(0.775)
    assert summary["overall"]["roc_auc"]["median"] == pytest.approx(0.75)
    assert summary["not_scored"] == ["g"]
    picks = representative_targets(metrics)
    assert picks["TF"] == [("best", 0), ("median", 2), ("worst", 1)]
    assert picks["DNase"] == [("best", 4), ("median", 3)]  # the lower middle of two is the worst
    assert picks["all"] == [("best", 5)]


def test_shape_mismatch_is_an_error():
    with pytest.raises(DanqError, match="do not match"):
        score_targets(np.zeros((3, 2)), np.zeros((3, 3)), ["a", "b", "c"])


# --------------------------------------------------------------------------------------------------
# Running a model over a dataset
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def model():
    return tiny_danq(LENGTH, len(TARGETS))


@pytest.fixture
def checkpoint(tmp_path, model):
    path = tmp_path / "tiny.pt"
    save_checkpoint(path, model, {"target_names": TARGETS, "target_categories": CATEGORIES})
    return path


def make_labels(n: int, seed: int = 0) -> np.ndarray:
    y = (np.random.default_rng(seed).random((n, len(TARGETS))) < 0.4).astype(np.uint8)
    y[:, 3] = 0  # a target without positives, as in DeepSEA's test set
    return y


def write_dataset(path, tokens, labels, names, *, strand=None, pair_index=None, targets=TARGETS):
    paired = pair_index is not None
    with DatasetWriter(path, tokens.shape[1], targets, CATEGORIES, with_pairs=paired,
                       chunk_rows=8) as writer:
        writer.append(tokens, labels, names, strand=strand, pair_index=pair_index)


def test_evaluate_writes_everything(tmp_path, model, checkpoint):
    n = 30
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, 4, size=(n, LENGTH), dtype=np.uint8)
    labels = make_labels(n)
    names = [f"w{i}" for i in range(n)]
    data = tmp_path / "test.h5"
    write_dataset(data, tokens, labels, names)
    out = tmp_path / "eval"
    summary = evaluate(checkpoint, data, out, batch_size=7, device="cpu", threads=1,
                       progress=False)
    for name in ("metrics.tsv", "summary.json", "predictions.h5", "curves.png", "curves.svg"):
        assert (out / name).is_file(), name
    pred = read_predictions(out / "predictions.h5")
    assert pred["names"] == names and pred["target_names"] == TARGETS
    np.testing.assert_array_equal(pred["labels"], labels)
    expected = danq.predict(model, [from_tokens(t) for t in tokens])  # RC-averaged
    np.testing.assert_allclose(pred["probabilities"], expected, rtol=1e-5, atol=1e-6)

    metrics = read_metrics(out / "metrics.tsv")
    np.testing.assert_allclose(metrics["roc_auc"], score_targets(expected, labels, TARGETS)["roc_auc"],
                               atol=1e-6)
    assert metrics.loc[3, "target"] == "EP300|d" and np.isnan(metrics.loc[3, "roc_auc"])
    saved = json.loads((out / "summary.json").read_text())
    assert saved["not_scored"] == ["EP300|d"] and saved["n_scored"] == 3
    assert saved["rc_average"] is True and saved["n_samples_scored"] == n
    assert set(saved["categories"]) == {"DNase", "TF"}
    assert summary["n_not_scored"] == 1
    redone = metrics_from_predictions(out / "predictions.h5")
    pd.testing.assert_series_equal(redone["roc_auc"], metrics["roc_auc"], atol=1e-6)

    # --from-predictions through the CLI gives the same table without the model
    again = tmp_path / "again"
    result = CliRunner().invoke(cli, ["evaluate", "--from-predictions", str(out / "predictions.h5"),
                                      "-o", str(again), "--no-plots"])
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(read_metrics(again / "metrics.tsv"), metrics)
    assert "3 of 4 targets scored" in result.stderr


def test_pair_averaging_uses_stored_partner(tmp_path, model, checkpoint):
    """Forward rows first, partners second; each window is scored once with its stored partner."""
    n = 12
    rng = np.random.default_rng(2)
    forward = rng.integers(0, 5, size=(n, LENGTH), dtype=np.uint8)
    # Partners are NOT the exact reverse complement, so using them differs from an in-memory RC.
    partner = reverse_complement_tokens(rng.integers(0, 4, size=(n, LENGTH), dtype=np.uint8))
    tokens = np.concatenate([forward, partner])
    labels = np.concatenate([make_labels(n, seed=3)] * 2)
    names = [f"f{i}" for i in range(n)] + [f"r{i}" for i in range(n)]
    strand = np.array([1] * n + [-1] * n)
    pair_index = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
    pair_index[5], pair_index[n + 5] = -1, -1  # one window without a stored partner (both strands)
    data = tmp_path / "paired.h5"
    write_dataset(data, tokens, labels, names, strand=strand, pair_index=pair_index)

    out = tmp_path / "eval"
    summary = evaluate(checkpoint, data, out, batch_size=5, device="cpu", progress=False,
                       plots=False)
    pred = read_predictions(out / "predictions.h5")
    kept = [f"f{i}" for i in range(n)] + [f"r{5}"]  # forward rows, plus the unpaired reverse row
    assert pred["names"] == kept
    assert summary["n_samples_scored"] == n + 1 and summary["rc_mode"] == "stored pairs averaged"

    def single(rows):
        return danq.predict(model, [from_tokens(t) for t in rows], rc_average=False)

    expected = (single(forward) + single(partner)) / 2
    expected[5] = danq.predict(model, [from_tokens(forward[5])])[0]  # in-memory RC
    np.testing.assert_allclose(pred["probabilities"][:n], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pred["probabilities"][n], danq.predict(
        model, [from_tokens(partner[5])])[0], rtol=1e-5, atol=1e-6)

    evaluate(checkpoint, data, out, rc_average=False, device="cpu", progress=False, plots=False)
    pred = read_predictions(out / "predictions.h5")
    assert pred["names"] == kept
    np.testing.assert_allclose(pred["probabilities"][:n], single(forward), rtol=1e-5, atol=1e-6)


def test_evaluate_rejects_incompatible_inputs(tmp_path, checkpoint):
    tokens = np.zeros((4, LENGTH), dtype=np.uint8)
    labels = make_labels(4)
    renamed = tmp_path / "renamed.h5"
    write_dataset(renamed, tokens, labels, list("abcd"), targets=["x", *TARGETS[1:]])
    with pytest.raises(DanqError, match="target 1 is 'x' in the dataset"):
        evaluate(checkpoint, renamed, tmp_path / "o", device="cpu", progress=False)
    unlabelled = tmp_path / "unlabelled.h5"
    with DatasetWriter(unlabelled, LENGTH, [], has_labels=False) as writer:
        writer.append(tokens, None, list("abcd"))
    runner = CliRunner()
    result = runner.invoke(cli, ["evaluate", "--model", str(checkpoint), "--data", str(unlabelled),
                                 "-o", str(tmp_path / "o")])
    assert isinstance(result.exception, DanqError) and "no labels" in str(result.exception)
    result = runner.invoke(cli, ["evaluate", "--model", str(checkpoint), "-o", str(tmp_path / "o")])
    assert isinstance(result.exception, DanqError) and "--data" in str(result.exception)


# --------------------------------------------------------------------------------------------------
# danq compare
# --------------------------------------------------------------------------------------------------


def write_metrics_tsv(path, rows):
    frame = pd.DataFrame(rows, columns=["target", "category", "roc_auc", "pr_auc"])
    frame.insert(2, "n_pos", 10)
    frame.insert(3, "n_neg", 90)
    frame.to_csv(path, sep="\t", index=False, na_rep="NaN")


def test_compare_shares_medians_and_exclusions(tmp_path):
    a = tmp_path / "a.tsv"
    b = tmp_path / "b.tsv"
    write_metrics_tsv(a, [
        ("t1", "TF", 0.90, 0.30), ("t2", "TF", 0.80, 0.20), ("t3", "TF", 0.70, 0.10),
        ("d1", "DNase", 0.85, 0.40), ("d2", "DNase", 0.75, 0.50), ("x", "TF", np.nan, np.nan),
    ])
    # B's rows in another order: matching is by name
    write_metrics_tsv(b, [
        ("d2", "DNase", 0.80, 0.45), ("t3", "TF", 0.75, 0.15), ("t1", "TF", 0.95, 0.25),
        ("x", "TF", 0.6, 0.1), ("t2", "TF", 0.80, 0.30), ("d1", "DNase", 0.90, 0.50),
    ])
    out = tmp_path / "cmp"
    result = CliRunner().invoke(cli, ["compare", str(a), str(b), "-o", str(out),
                                      "--labels", "DeepSEA", "DanQ"])
    assert result.exit_code == 0, result.output
    for name in ("comparison.png", "comparison.svg", "comparison.tsv", "comparison.json"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "comparison.tsv", sep="\t").set_index("category")
    assert list(table.index) == ["TF", "DNase", "all"]
    tf = table.loc["TF"]
    assert tf["n"] == 3
    assert tf["median_roc_auc_a"] == pytest.approx(0.8) and tf["median_roc_auc_b"] == pytest.approx(0.8)
    assert tf["share_b_better_roc"] == pytest.approx(2 / 3)  # t2 ties: a tie is not a win
    assert tf["share_b_better_pr"] == pytest.approx(2 / 3)   # t1 loses on PR
    assert table.loc["DNase", "share_b_better_roc"] == 1.0
    assert table.loc["DNase", "share_b_better_pr"] == 0.5
    assert table.loc["all", "n"] == 5
    assert table.loc["all", "median_pr_auc_b"] == pytest.approx(0.30)
    assert table.loc["all", "share_b_better_roc"] == pytest.approx(4 / 5)
    summary = json.loads((out / "comparison.json").read_text())
    assert summary["n_excluded"] == 1 and summary["excluded"] == ["x"]
    assert summary["a"]["label"] == "DeepSEA" and summary["b"]["label"] == "DanQ"
    assert "1 targets excluded" in result.stderr


def test_compare_rejects_different_target_sets(tmp_path):
    a = tmp_path / "a.tsv"
    b = tmp_path / "b.tsv"
    write_metrics_tsv(a, [("t1", "TF", 0.9, 0.3), ("t2", "TF", 0.8, 0.2)])
    write_metrics_tsv(b, [("t1", "TF", 0.9, 0.3), ("t9", "TF", 0.8, 0.2)])
    with pytest.raises(DanqError, match="target sets differ.*'t2'.*'t9'"):
        compare(a, b, tmp_path / "o", plots=False)
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\tscore\nt1\t0.5\n")
    with pytest.raises(DanqError, match="missing column"):
        compare(a, bad, tmp_path / "o", plots=False)
