"""ROC and PR curve figures (danq.evaluation.curves): which targets are drawn, the oracle ceiling's
operating point, and the files written."""

from __future__ import annotations

import numpy as np
import pandas as pd

from danq.evaluation.curves import oracle_point, plot_curves, representative_targets
from danq.evaluation.metrics import score_targets
from tests.evaluation.test_metrics import category_frame


def test_representatives_are_best_median_and_worst_per_category():
    picks = representative_targets(category_frame())
    assert picks["TF"] == [("best", 0), ("median", 2), ("worst", 1)]
    assert picks["DNase"] == [("best", 4), ("median", 3)]  # the lower middle of two is the worst
    assert picks["all"] == [("best", 5)]


def test_oracle_point_is_the_rules_recall_and_precision() -> None:
    labels = np.array([1, 1, 1, 0, 0, 0, 0, 1], dtype=bool)  # 4 positives (one a flipped label)
    calls = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)  # the rule fires on 4, 3 of them right
    assert oracle_point(labels, calls) == (0.75, 0.75)
    assert oracle_point(labels, np.zeros(8, dtype=bool)) is None


def test_curves_are_written_with_the_oracle_ceiling(tmp_path):
    rng = np.random.default_rng(0)
    labels = (rng.random((60, 3)) < 0.4).astype(np.uint8)
    labels[:, 2] = 0  # not scored: no panel needs it
    probs = np.clip(labels * 0.5 + rng.random((60, 3)) * 0.6, 0, 1).astype(np.float32)
    metrics = score_targets(probs, labels, ["a", "b", "c"], ["TF", "TF", "DNase"])
    written = plot_curves(probs, labels, metrics, tmp_path, model_label="DanQ", oracle=labels)
    assert [p.name for p in written] == ["curves.png", "curves.svg"]
    assert written[0].read_bytes().startswith(b"\x89PNG")
    svg = written[1].read_text()
    assert "oracle ceiling" in svg and "DanQ" in svg


def test_no_scorable_target_still_draws_a_figure(tmp_path):
    metrics = pd.DataFrame({"target": ["a"], "category": ["all"], "n_pos": [0], "n_neg": [5],
                            "roc_auc": [np.nan], "pr_auc": [np.nan]})
    written = plot_curves(np.zeros((5, 1)), np.zeros((5, 1)), metrics, tmp_path, formats=("svg",))
    assert "no scorable target" in written[0].read_text()


def test_the_figure_title_clears_the_panel_titles(tmp_path, monkeypatch):
    """Issue 25: the suptitle overlapped the first row's panel titles."""
    import danq.evaluation.curves as curves

    figures = []
    monkeypatch.setattr(curves, "save_figure", lambda fig, *a, **k: figures.append(fig) or [])
    rng = np.random.default_rng(0)
    labels = (rng.random((60, 2)) < 0.4).astype(np.uint8)
    probs = rng.random((60, 2)).astype(np.float32)
    for categories in (["TF", "TF"], ["TF", "DNase"]):  # one row and two rows of panels
        metrics = score_targets(probs, labels, ["a", "b"], categories)
        curves.plot_curves(probs, labels, metrics, tmp_path, model_label="DanQ")
    for fig in figures:
        renderer = fig.canvas.get_renderer()
        title = fig._suptitle.get_window_extent(renderer)
        for ax in fig.axes:
            assert not title.overlaps(ax.title.get_window_extent(renderer))
            assert not title.overlaps(ax.get_window_extent(renderer))
