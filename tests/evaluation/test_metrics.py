"""Per-target ROC/PR AUC with scikit-learn (danq.evaluation.metrics): unscorable targets, summaries
per category, shape checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from danq.errors import DanqError
from danq.evaluation.metrics import category_names, score_targets, summarize

TARGETS = ["DNase|a", "DNase|b", "CTCF|c", "EP300|d"]
CATEGORIES = ["DNase", "DNase", "TF", "TF"]


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


def category_frame() -> pd.DataFrame:
    """A metrics table of three categories, one target not scored (shared with test_curves)."""
    return pd.DataFrame({
        "target": list("abcdefg"),
        "category": ["TF", "TF", "TF", "DNase", "DNase", "all", "TF"],
        "n_pos": 5, "n_neg": 5,
        "roc_auc": [0.9, 0.7, 0.8, 0.6, 0.95, 0.5, np.nan],
        "pr_auc": [0.3, 0.1, 0.2, 0.4, 0.5, 0.05, np.nan],
    })


def test_category_summaries():
    metrics = category_frame()
    summary = summarize(metrics)
    tf = summary["categories"]["TF"]
    assert tf["n_targets"] == 4 and tf["n_scored"] == 3
    assert tf["roc_auc"] == {"median": pytest.approx(0.8), "mean": pytest.approx(0.8)}
    assert tf["pr_auc"]["median"] == pytest.approx(0.2)
    assert summary["categories"]["DNase"]["roc_auc"]["mean"] == pytest.approx(0.775)
    assert summary["overall"]["roc_auc"]["median"] == pytest.approx(0.75)
    assert summary["not_scored"] == ["g"]


def test_unknown_categories_are_all():
    assert category_names(["TF", ""], 2) == ["TF", "all"]
    assert category_names([], 2) == ["all", "all"]
    assert category_names(["TF"], 2) == ["all", "all"]  # not one per target: ignored


def test_shape_mismatch_is_an_error():
    with pytest.raises(DanqError, match="do not match"):
        score_targets(np.zeros((3, 2)), np.zeros((3, 3)), ["a", "b", "c"])
    with pytest.raises(DanqError, match="3 target names for 2 prediction columns"):
        score_targets(np.zeros((3, 2)), np.zeros((3, 2)), ["a", "b", "c"])
