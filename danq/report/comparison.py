"""AUC per target category and the head-to-head wins of the challenger over the baseline.

From each model's ``danq evaluate`` ``metrics.tsv``: the median ROC/PR AUC of each category (and
``all``) per model, and, with two models, per category the share of targets where the challenger's
PR AUC (and ROC AUC) is higher and the difference of the median PR AUCs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.formats.metrics import read_metrics as read_evaluation

ALL = "all"


def read_metrics(path: str | os.PathLike[str]) -> Any:
    """A ``danq evaluate`` metrics TSV (see :func:`danq.formats.metrics.read_metrics`), targets unique."""
    frame = read_evaluation(path)
    duplicated = frame["target"][frame["target"].duplicated()]
    if len(duplicated):
        raise DanqError(f"{path}: target '{duplicated.iloc[0]}' twice")
    return frame


def _category_groups(frame: Any) -> list[tuple[str, Any]]:
    """Each category's rows, then all rows as ``all`` (once: an uncategorised set is already all)."""
    groups = [(str(c), g) for c, g in frame.groupby("category", sort=True)]
    return groups if [c for c, _ in groups] == [ALL] else [*groups, (ALL, frame)]


def _median(values: Any) -> float | None:
    clean = np.asarray(values, dtype=float)
    clean = clean[~np.isnan(clean)]
    return float(np.median(clean)) if clean.size else None


def auc_by_category(metrics: Mapping[str, Any]) -> Any:
    """One row per (model, category) plus an ``all`` row per model: n targets, median ROC/PR AUC."""
    import pandas as pd

    rows = []
    for label, frame in metrics.items():
        for category, group in _category_groups(frame):
            rows.append({
                "model": label, "category": category, "n_targets": int(len(group)),
                "median_roc_auc": _median(group["roc_auc"]),
                "median_pr_auc": _median(group["pr_auc"]),
                "mean_pr_auc": (float(group["pr_auc"].mean()) if group["pr_auc"].notna().any()
                                else None),
            })
    return pd.DataFrame(rows)


def head_to_head(baseline: Any, challenger: Any, baseline_path: str = "baseline",
                 challenger_path: str = "challenger") -> dict[str, dict[str, Any]]:
    """Per category (and ``all``): targets compared, challenger's wins by PR and ROC AUC, shares.

    Targets are paired by name; the two evaluations must cover the same targets.
    """
    merged = baseline.merge(challenger, on="target", suffixes=("_a", "_b"), how="outer",
                            indicator=True)
    missing = merged[merged["_merge"] != "both"]
    if len(missing):
        side = challenger_path if (missing["_merge"] == "left_only").iloc[0] else baseline_path
        raise DanqError(f"{side}: target '{missing['target'].iloc[0]}' is missing, the two "
                        "evaluations must cover the same targets")
    merged["category"] = merged["category_a"]
    result: dict[str, dict[str, Any]] = {}
    for category, group in _category_groups(merged):
        pr_ok = group[group["pr_auc_a"].notna() & group["pr_auc_b"].notna()]
        roc_ok = group[group["roc_auc_a"].notna() & group["roc_auc_b"].notna()]
        pr_wins = int((pr_ok["pr_auc_b"] > pr_ok["pr_auc_a"]).sum())
        roc_wins = int((roc_ok["roc_auc_b"] > roc_ok["roc_auc_a"]).sum())
        med_a, med_b = _median(group["pr_auc_a"]), _median(group["pr_auc_b"])
        result[str(category)] = {
            "n_targets": int(len(group)),
            "n_compared_pr": int(len(pr_ok)),
            "pr_wins": pr_wins,
            "pr_win_share": pr_wins / len(pr_ok) if len(pr_ok) else None,
            "roc_wins": roc_wins,
            "n_compared_roc": int(len(roc_ok)),
            "roc_win_share": roc_wins / len(roc_ok) if len(roc_ok) else None,
            "median_pr_auc_difference": (med_b - med_a if med_a is not None and med_b is not None
                                         else None),
            "median_abs_pr_auc_difference": _median(
                (pr_ok["pr_auc_b"] - pr_ok["pr_auc_a"]).abs()),
        }
    return result
