"""ROC and precision-recall curve figures of ``danq evaluate`` (``curves.png`` / ``.svg``).

Per category the best, median and worst scored target, each panel ranked by its own metric, with
chance drawn dashed and, on the synthetic benchmark, the oracle ceiling (the true rule's operating
point against the noisy labels) drawn as a star. Separate from the scores
(:mod:`danq.evaluation.metrics`) so that scoring never pulls in matplotlib.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from danq.io.plotting import pyplot, save_figure


def representative_targets(metrics: pd.DataFrame,
                           metric: str = "roc_auc") -> dict[str, list[tuple[str, int]]]:
    """Per category, the best, median and worst scored target by ``metric`` as ``(role, column)``.

    The median target is the one at the middle rank (lower middle for an even count). ROC and
    PR panels are ranked separately (``roc_auc`` / ``pr_auc``): the best target by one metric is
    not always the best by the other.
    """
    chosen: dict[str, list[tuple[str, int]]] = {}
    for category, group in metrics.groupby("category", sort=False):
        scored = group.dropna(subset=["roc_auc", "pr_auc"]).sort_values(metric, kind="stable")
        if scored.empty:
            continue
        index = list(scored.index)
        picks = [("best", index[-1]), ("median", index[(len(index) - 1) // 2]), ("worst", index[0])]
        seen: set[int] = set()
        chosen[str(category)] = []
        for role, column in picks:
            if column not in seen:
                seen.add(column)
                chosen[str(category)].append((role, int(column)))
    return chosen


def _thin(x: np.ndarray, y: np.ndarray, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Keep at most ``max_points`` evenly spaced points of a curve (ends kept): small SVGs."""
    if len(x) <= max_points:
        return x, y
    keep = np.unique(np.linspace(0, len(x) - 1, max_points).round().astype(np.int64))
    return x[keep], y[keep]


def oracle_point(labels: np.ndarray, calls: np.ndarray) -> tuple[float, float] | None:
    """Recall and precision of 0/1 ``calls`` against boolean ``labels`` (None without calls or
    positives): where a perfect rule lands on a PR panel when labels carry noise."""
    labels, calls = np.asarray(labels, dtype=bool), np.asarray(calls, dtype=bool)
    if not calls.any() or not labels.any():
        return None
    hits = float((calls & labels).sum())
    return hits / float(labels.sum()), hits / float(calls.sum())


def plot_curves(
    probabilities: np.ndarray,
    labels: np.ndarray,
    metrics: pd.DataFrame,
    outdir: str | os.PathLike[str],
    stem: str = "curves",
    formats: Sequence[str] = ("png", "svg"),
    model_label: str = "",
    oracle: np.ndarray | None = None,
) -> list[Path]:
    """ROC (left) and PR (right) curves of each category's best, median and worst targets.

    Each panel ranks the targets by its own metric (ROC AUC left, PR AUC right). Chance is drawn
    dashed: the diagonal for ROC, each target's positive rate for PR (what a random score's
    precision is). ``model_label`` names the model in every title; legends sit beside the axes,
    off the curves (below them). ``oracle`` (rows and columns as ``probabilities``, 0/1: the
    synthetic benchmark's true rule, :func:`danq.simulation.oracle.oracle_scores`) adds each PR target's
    ceiling: the oracle's operating point (its recall and precision against the written labels),
    drawn as a star. Returns the written paths (``OUTDIR/curves.png``, ``.svg``).
    """
    plt = pyplot()
    from sklearn.metrics import precision_recall_curve, roc_curve

    by_metric = {"roc_auc": representative_targets(metrics, "roc_auc"),
                 "pr_auc": representative_targets(metrics, "pr_auc")}
    chosen = by_metric["roc_auc"]
    n_rows = max(1, len(chosen))
    fig, axes = plt.subplots(n_rows, 2, figsize=(11, 6.2 * n_rows), squeeze=False)
    # room below each row for its legends (saved cropped to the drawn content)
    # and above the first row for the figure's title, clear of the panels' own titles
    fig.subplots_adjust(left=0.08, right=0.97, top=1 - 0.95 / (6.2 * n_rows),
                        bottom=1.3 / (6.2 * n_rows), hspace=0.42, wspace=0.3)
    colours = {"best": "tab:green", "median": "tab:blue", "worst": "tab:red"}
    prefix = f"{model_label}, " if model_label else ""
    if not chosen:
        for ax in axes[0]:
            ax.text(0.5, 0.5, "no scorable target", ha="center", va="center")
            ax.set_axis_off()
    for row, category in enumerate(chosen):
        ax_roc, ax_pr = axes[row]
        for role, j in by_metric["roc_auc"][category]:
            y = labels[:, j].astype(bool)
            fpr, tpr = _thin(*roc_curve(y, probabilities[:, j].astype(np.float64))[:2])
            ax_roc.plot(fpr, tpr, color=colours[role], lw=1.4,
                        label=f"{role}: {metrics.at[j, 'target']} ({metrics.at[j, 'roc_auc']:.3f})")
        ax_roc.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--", label="chance")
        for role, j in by_metric["pr_auc"].get(category, []):
            y = labels[:, j].astype(bool)
            precision, recall = _thin(
                *precision_recall_curve(y, probabilities[:, j].astype(np.float64))[:2])
            rate = float(y.mean())
            text = f"{role}: {metrics.at[j, 'target']} ({metrics.at[j, 'pr_auc']:.3f}; " \
                   f"chance {rate:.2f}"
            ax_pr.axhline(rate, color=colours[role], lw=0.8, ls="--")
            point = oracle_point(y, oracle[:, j] > 0.5) if oracle is not None else None
            if point is not None:
                ax_pr.plot(*point, marker="*", markersize=13, color=colours[role],
                           markeredgecolor="black", markeredgewidth=0.6, ls="none",
                           clip_on=False, zorder=5)
                text += f"; oracle precision {point[1]:.2f} at recall {point[0]:.2f}"
            ax_pr.step(recall, precision, where="post", color=colours[role], lw=1.4,
                       label=text + ")")
        ax_pr.plot([], [], color="grey", lw=0.8, ls="--",
                   label="chance: the target's positive rate")
        if oracle is not None:
            ax_pr.plot([], [], marker="*", markersize=10, color="grey", markeredgecolor="black",
                       ls="none", label="oracle ceiling (the true rule, noisy labels)")
        n = int((metrics["category"] == category).sum())
        ax_roc.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false positive rate",
                   ylabel="true positive rate",
                   title=f"{prefix}{category} ({n} targets): ROC, ranked by ROC AUC")
        ax_pr.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="recall", ylabel="precision",
                  title=f"{prefix}{category} ({n} targets): PR, ranked by PR AUC")
        for ax in (ax_roc, ax_pr):
            ax.title.set_fontsize(9)
            ax.set_aspect("equal")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=7, frameon=False)
    fig.suptitle(f"{model_label or 'model'}: test-set ROC (left) and precision-recall (right) "
                 "curves of each category's best, median and worst target", fontsize=10,
                 y=1 - 0.15 / (6.2 * n_rows), va="top")
    return save_figure(fig, Path(outdir) / stem, formats, tight=True)
