"""Per-target ROC AUC and PR AUC with scikit-learn, and their summaries per category.

One definition of the scores for every stage that ranks predictions against labels: evaluation,
training's validation AUCs and the synthetic benchmark's baselines. A target whose labels are all
0 or all 1 cannot be ranked: its AUCs are ``NaN`` and it is listed as not scored, never given 0.5.
The table's file format (``metrics.tsv``) is :mod:`danq.formats.metrics`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from danq.errors import DanqError
from danq.formats.metrics import METRIC_COLUMNS, UNCATEGORISED


def category_names(categories: Sequence[str], n_targets: int) -> list[str]:
    """Categories per target with ``''`` (unknown) replaced by :data:`UNCATEGORISED`."""
    cats = list(categories) if categories is not None and len(categories) == n_targets else []
    if not cats:
        cats = [""] * n_targets
    return [c if c else UNCATEGORISED for c in cats]


def per_target_auc(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ROC AUC and PR AUC (average precision) per target column, with scikit-learn.

    A target whose labels are all 0 or all 1 cannot be ranked: it gets ``NaN`` for both, never 0.5.
    Shared by training (validation AUCs) and evaluation, so both use one definition.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels = np.asarray(labels)
    n_pos = labels.sum(axis=0, dtype=np.int64)
    n_neg = labels.shape[0] - n_pos
    roc = np.full(labels.shape[1], np.nan)
    pr = np.full(labels.shape[1], np.nan)
    for j in np.flatnonzero((n_pos > 0) & (n_neg > 0)):
        y = np.ascontiguousarray(labels[:, j]).astype(bool)
        p = np.ascontiguousarray(scores[:, j], dtype=np.float64)
        roc[j] = roc_auc_score(y, p)
        pr[j] = average_precision_score(y, p)
    return roc, pr


def check_probabilities(
    probabilities: np.ndarray,
    where: object,
    names: Sequence[str] | None = None,
    target_names: Sequence[str] | None = None,
    labels: np.ndarray | None = None,
) -> None:
    """Refuse saved probabilities that are not probabilities: NaN, infinite, or outside [0, 1]
    (and, with ``labels``, labels other than 0/1), as one line naming ``where`` and the first
    bad row and target. scikit-learn would stop with a traceback on NaN, and rank 1.7 above 1."""
    probabilities = np.asarray(probabilities)

    def first(bad: np.ndarray, what: str, values: np.ndarray) -> None:
        if not bad.any():
            return
        row, column = (int(i) for i in np.argwhere(bad)[0])
        row_name = f"'{names[row]}'" if names is not None and row < len(names) else str(row)
        target = (f"'{target_names[column]}'" if target_names is not None
                  and column < len(target_names) else str(column))
        raise DanqError(f"{where}: {int(bad.sum())} {what}, e.g. {float(values[row, column]):g} "
                        f"(row {row_name}, target {target})")

    if probabilities.ndim != 2:
        raise DanqError(f"{where}: probabilities must be a (samples, targets) table, "
                        f"got shape {probabilities.shape}")
    if probabilities.dtype.kind not in "fiub":
        raise DanqError(f"{where}: probabilities must be numbers, got {probabilities.dtype}")
    values = probabilities.astype(np.float64, copy=False)
    first(~np.isfinite(values), "probabilities are NaN or infinite", values)
    first((values < 0) | (values > 1), "probabilities lie outside [0, 1]", values)
    if labels is not None:
        labels = np.asarray(labels)
        first((labels != 0) & (labels != 1), "labels are not 0 or 1", labels)


def score_targets(
    probabilities: np.ndarray,
    labels: np.ndarray,
    target_names: Sequence[str],
    target_categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per-target ROC AUC and average precision (PR AUC) with scikit-learn.

    A target whose labels are all 0 or all 1 gets ``NaN`` for both (it cannot be ranked).

    Parameters
    ----------
    probabilities
        Scores, shape ``(samples, targets)``: higher means more likely positive.
    labels
        0/1 labels of the same shape.
    target_names
        One name per target column.
    target_categories
        One category per target (``''`` or omitted: :data:`UNCATEGORISED`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`METRIC_COLUMNS`, one row per target, in target order.

    Raises
    ------
    DanqError
        When the shapes differ or the number of names is not the number of columns.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    >>> scores = np.array([[0.9, 0.2], [0.1, 0.4], [0.7, 0.3], [0.3, 0.1]])
    >>> table = score_targets(scores, labels, ["CTCF", "EP300"], ["TF", "TF"])
    >>> table[["target", "n_pos", "roc_auc", "pr_auc"]]
      target  n_pos  roc_auc  pr_auc
    0   CTCF      2      1.0     1.0
    1  EP300      0      NaN     NaN
    """
    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels)
    if probabilities.shape != labels.shape:
        raise DanqError(
            f"predictions of shape {probabilities.shape} do not match labels of shape {labels.shape}"
        )
    n_targets = probabilities.shape[1]
    if len(target_names) != n_targets:
        raise DanqError(f"{len(target_names)} target names for {n_targets} prediction columns")
    n_pos = labels.sum(axis=0, dtype=np.int64)
    n_neg = labels.shape[0] - n_pos
    roc, pr = per_target_auc(labels, probabilities)
    return pd.DataFrame(
        {
            "target": list(target_names),
            "category": category_names(list(target_categories or []), n_targets),
            "n_pos": n_pos,
            "n_neg": n_neg,
            "roc_auc": roc,
            "pr_auc": pr,
        },
        columns=METRIC_COLUMNS,
    )


def _stats(values: pd.Series) -> dict[str, float | None]:
    values = values.dropna()
    if values.empty:
        return {"median": None, "mean": None}
    return {"median": float(values.median()), "mean": float(values.mean())}


def _group_summary(frame: pd.DataFrame) -> dict[str, Any]:
    scored = frame["roc_auc"].notna() & frame["pr_auc"].notna()
    return {
        "n_targets": int(len(frame)),
        "n_scored": int(scored.sum()),
        "roc_auc": _stats(frame["roc_auc"]),
        "pr_auc": _stats(frame["pr_auc"]),
    }


def summarize(metrics: pd.DataFrame) -> dict[str, Any]:
    """Median and mean ROC/PR AUC per category and overall; scored and not-scored targets.

    NaN (not scored) targets are left out of the medians and means and listed by name.
    """
    not_scored = metrics.loc[metrics["roc_auc"].isna() | metrics["pr_auc"].isna(), "target"]
    categories = {
        str(name): _group_summary(group)
        for name, group in metrics.groupby("category", sort=False)
    }
    return {
        "overall": _group_summary(metrics),
        "categories": categories,
        "n_targets": int(len(metrics)),
        "n_scored": int(len(metrics) - len(not_scored)),
        "n_not_scored": int(len(not_scored)),
        "not_scored": [str(t) for t in not_scored],
    }
