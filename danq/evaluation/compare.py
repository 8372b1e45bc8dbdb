"""Compare two evaluations target by target: the DanQ paper's scatter of DeepSEA vs DanQ AUCs.

Inputs are two ``metrics.tsv`` files from ``danq evaluate`` (A on x, B on y). Targets are matched by
name; the two files must hold the same set of targets. A target that is NaN in either file (for either
metric) is excluded from everything and counted; when every target is, the comparison is an
error (there is nothing to compare).

Outputs in ``OUTDIR``:

* ``comparison.png`` / ``.svg`` — ROC AUC and PR AUC scatter, one point per target, coloured by
  category, with the diagonal; the legend gives each category's share of targets where B beats A.
* ``comparison.tsv`` — per category and ``all``: ``n``, medians of A and B for both metrics, and the
  share of targets where B is strictly better.
* ``comparison.json`` — the same plus the labels, the excluded targets and the paired table's size.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from danq.errors import DanqError
from danq.formats.metrics import read_metrics
from danq.io import atomic_path
from danq.io.plotting import pyplot, save_figure
from danq.io.tables import write_json

OVERALL = "all"
MAX_NAMED_POINTS = 40  # up to this many targets each point carries its target's name
COMPARISON_COLUMNS = [
    "category", "n", "median_roc_auc_a", "median_roc_auc_b", "median_pr_auc_a", "median_pr_auc_b",
    "share_b_better_roc", "share_b_better_pr",
]


def pair_metrics(a: pd.DataFrame, b: pd.DataFrame, where: tuple[str, str] = ("A", "B")) -> pd.DataFrame:
    """Join two metrics tables on ``target``; return ``target, category, roc_a, roc_b, pr_a, pr_b``.

    The category comes from A (from B where A has none).

    Raises
    ------
    DanqError
        When a table repeats a target or the two tables hold different targets.
    """
    for frame, name in ((a, where[0]), (b, where[1])):
        dup = frame["target"][frame["target"].duplicated()]
        if not dup.empty:
            raise DanqError(f"{name}: target '{dup.iloc[0]}' appears more than once")
    only_a = sorted(set(a["target"]) - set(b["target"]))
    only_b = sorted(set(b["target"]) - set(a["target"]))
    if only_a or only_b:
        parts = []
        if only_a:
            parts.append(f"{len(only_a)} only in {where[0]} (e.g. '{only_a[0]}')")
        if only_b:
            parts.append(f"{len(only_b)} only in {where[1]} (e.g. '{only_b[0]}')")
        raise DanqError(f"{where[0]} vs {where[1]}: target sets differ: " + "; ".join(parts))
    joined = a[["target", "category", "roc_auc", "pr_auc"]].merge(
        b[["target", "category", "roc_auc", "pr_auc"]], on="target", suffixes=("_a", "_b"),
        validate="one_to_one",
    )
    category = joined["category_a"].where(joined["category_a"] != OVERALL, joined["category_b"])
    return pd.DataFrame({
        "target": joined["target"],
        "category": category,
        "roc_a": joined["roc_auc_a"].astype(float),
        "roc_b": joined["roc_auc_b"].astype(float),
        "pr_a": joined["pr_auc_a"].astype(float),
        "pr_b": joined["pr_auc_b"].astype(float),
    })


def _row(category: str, group: pd.DataFrame) -> dict[str, Any]:
    n = len(group)

    def median(column: str) -> float:
        return float(group[column].median()) if n else float("nan")

    def share(better: str, worse: str) -> float:
        return float((group[better] > group[worse]).mean()) if n else float("nan")

    return {
        "category": category,
        "n": n,
        "median_roc_auc_a": median("roc_a"),
        "median_roc_auc_b": median("roc_b"),
        "median_pr_auc_a": median("pr_a"),
        "median_pr_auc_b": median("pr_b"),
        "share_b_better_roc": share("roc_b", "roc_a"),
        "share_b_better_pr": share("pr_b", "pr_a"),
    }


def comparison_table(paired: pd.DataFrame) -> pd.DataFrame:
    """Per-category (then ``all``) medians and shares of "B strictly better" on complete rows."""
    rows = [_row(str(cat), group) for cat, group in paired.groupby("category", sort=False)]
    categories = {r["category"] for r in rows}
    if categories != {OVERALL}:  # a single uncategorised group already is the overall row
        rows.append(_row(OVERALL, paired))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def plot_comparison(
    paired: pd.DataFrame,
    table: pd.DataFrame,
    labels: tuple[str, str],
    outdir: str | os.PathLike[str],
    stem: str = "comparison",
    formats: Sequence[str] = ("png", "svg"),
) -> list[Path]:
    """Scatter of ROC AUC and PR AUC (x = A, y = B) coloured by category, diagonal drawn; with
    at most :data:`MAX_NAMED_POINTS` targets each point is labelled with its target's name."""
    plt = pyplot()

    share = {r.category: (r.share_b_better_roc, r.share_b_better_pr) for r in table.itertuples()}
    fig, axes = plt.subplots(1, 2, figsize=(12, 6.6), layout="constrained")
    cmap = plt.get_cmap("tab10")
    size = 40 if len(paired) <= MAX_NAMED_POINTS else 14
    categories = list(dict.fromkeys(paired["category"]))
    named: dict[int, list[tuple[str, float, float, Any]]] = {}
    for k, (metric, title) in enumerate((("roc", "ROC AUC"), ("pr", "PR AUC"))):
        ax = axes[k]
        for c, category in enumerate(categories):
            group = paired[paired["category"] == category]
            pct = 100 * share[category][k]
            n_better = int(round(share[category][k] * len(group)))
            ax.scatter(group[f"{metric}_a"], group[f"{metric}_b"], s=size, alpha=0.75,
                       color=cmap(c % 10), edgecolors="white", linewidths=0.5,
                       label=f"{category}: {labels[1]} higher on {n_better}/{len(group)} "
                             f"({pct:.0f}%)")
            if len(paired) <= MAX_NAMED_POINTS:
                named.setdefault(k, []).extend(
                    (str(name), x, y, cmap(c % 10)) for name, x, y in zip(
                        group["target"], group[f"{metric}_a"], group[f"{metric}_b"], strict=True))
        if metric == "roc":
            low = float(np.nanmin(paired[["roc_a", "roc_b"]].to_numpy())) if len(paired) else 0.5
            lo = max(0.0, min(0.5, np.floor(low * 20) / 20))
        else:
            lo = 0.0
        ax.plot([lo, 1], [lo, 1], color="black", lw=0.8, ls="--")
        ax.set(xlim=(lo, 1), ylim=(lo, 1), xlabel=f"{labels[0]} {title}",
               ylabel=f"{labels[1]} {title}",
               title=f"{labels[1]} vs {labels[0]}: test {title}, one point per target",
               aspect="equal")
        ax.title.set_fontsize(10)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8, frameon=False)
    fig.canvas.draw()  # settle the layout: labels are placed in display coordinates
    for k, items in named.items():
        label_points(axes[k], items)
    return save_figure(fig, Path(outdir) / stem, formats, tight=True)


# Label offsets tried in turn (points): right-above, right-below, left-above, left-below, ...
_OFFSETS = [(4, 3), (4, -9), (-4, 3), (-4, -9), (6, -3), (-6, -3), (0, 7), (0, -13)]


def label_points(ax: Any, items: Sequence[tuple[str, float, float, Any]]) -> list[Any]:
    """Name each point at the first offset where its label overlaps no other label and no other
    point; a point in a cluster too dense for that stays unnamed (the TSV names every target).
    Returns the labels drawn."""
    renderer = ax.figure.canvas.get_renderer()
    points = ax.transData.transform([(x, y) for _, x, y, _ in items]) if items else []
    placed: list[Any] = []
    drawn = []
    for i, (name, x, y, colour) in enumerate(items):
        for dx, dy in _OFFSETS:
            text = ax.annotate(name, (x, y), xytext=(dx, dy), textcoords="offset points",
                               fontsize=6, color=colour, ha="left" if dx >= 0 else "right")
            box = text.get_window_extent(renderer).expanded(1.05, 1.15)
            clash = any(box.overlaps(other) for other in placed) or any(
                box.contains(px, py) for j, (px, py) in enumerate(points) if j != i)
            inside = ax.get_window_extent(renderer).contains(box.x0, box.y0) and \
                ax.get_window_extent(renderer).contains(box.x1, box.y1)
            if not clash and inside:
                placed.append(box)
                drawn.append(text)
                break
            text.remove()
    return drawn


def compare(
    metrics_a: str | os.PathLike[str],
    metrics_b: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    labels: tuple[str, str] = ("A", "B"),
    plots: bool = True,
) -> dict[str, Any]:
    """Compare two ``metrics.tsv`` files (A on x, B on y) and write the outputs into ``outdir``.

    Returns the summary written to ``comparison.json``.
    """
    a = read_metrics(metrics_a)
    b = read_metrics(metrics_b)
    paired = pair_metrics(a, b, (str(metrics_a), str(metrics_b)))
    complete = paired[["roc_a", "roc_b", "pr_a", "pr_b"]].notna().all(axis=1)
    excluded = paired.loc[~complete, "target"].tolist()
    paired = paired[complete].reset_index(drop=True)
    if paired.empty:
        raise DanqError(
            f"{metrics_a} vs {metrics_b}: no target has both AUCs in both files (all "
            f"{len(excluded)} are NaN in one of them: no positives or no negatives in the test "
            "set?); nothing to compare"
        )
    table = comparison_table(paired)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "comparison.tsv") as tmp:
        table.to_csv(tmp, sep="\t", index=False, na_rep="NaN", float_format="%.6f")
    if plots:
        plot_comparison(paired, table, labels, out)
    summary = {
        "a": {"label": labels[0], "metrics": str(metrics_a)},
        "b": {"label": labels[1], "metrics": str(metrics_b)},
        "n_targets": int(len(paired) + len(excluded)),
        "n_compared": int(len(paired)),
        "n_excluded": len(excluded),
        "excluded": [str(t) for t in excluded],
        "categories": table.to_dict(orient="records"),
    }
    write_json(summary, out / "comparison.json")
    return summary
