"""`danq evaluate` (danq.evaluation.evaluate): a model over a dataset, pair averaging, the outputs,
--from-predictions and incompatible inputs."""

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
from danq.evaluation.evaluate import evaluate, metrics_from_predictions, scored_rows
from danq.evaluation.metrics import score_targets
from danq.formats.dataset_writer import DatasetWriter
from danq.formats.metrics import read_metrics
from danq.formats.predictions import read_predictions
from danq.models.checkpoint import save_checkpoint
from tests.helpers import tiny_danq

LENGTH = 40
TARGETS = ["DNase|a", "DNase|b", "CTCF|c", "EP300|d"]
CATEGORIES = ["DNase", "DNase", "TF", "TF"]


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


def test_scored_rows_keep_one_row_per_window():
    assert scored_rows(3, None, None).tolist() == [True, True, True]
    pair_index = np.array([2, -1, 0])
    assert scored_rows(3, np.array([1, -1, -1]), pair_index).tolist() == [True, True, False]
    # without strands, the lower index of each pair (and every unpaired row)
    assert scored_rows(3, None, pair_index).tolist() == [True, True, False]
