"""The ``metrics.tsv`` of ``danq evaluate``: one row per target, its reader next to its writer.

Columns :data:`METRIC_COLUMNS`: ``target, category, n_pos, n_neg, roc_auc, pr_auc`` (PR AUC is
scikit-learn's average precision). A target that cannot be scored (no positive or no negative test
sample) has ``NaN`` AUCs, written as ``NaN``; a target without a category is in
:data:`UNCATEGORISED`. ``danq compare``, ``danq report`` and ``danq baselines`` read these files.
The ``summary.json`` beside it is plain JSON written by :func:`danq.io.tables.write_json` (NaN as
null).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from danq.errors import DanqError
from danq.io import atomic_path

UNCATEGORISED = "all"
METRIC_COLUMNS = ["target", "category", "n_pos", "n_neg", "roc_auc", "pr_auc"]


def read_metrics(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``metrics.tsv`` written by :func:`write_metrics` (checks the columns)."""
    p = Path(path)
    if not p.is_file():
        raise DanqError(f"{p}: metrics file does not exist")
    try:
        frame = pd.read_csv(p, sep="\t", dtype={"target": str, "category": str},
                            keep_default_na=False, na_values=["NaN", "nan", ""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a readable TSV ({str(exc).splitlines()[0]})") from None
    missing = [c for c in ("target", "roc_auc", "pr_auc") if c not in frame.columns]
    if missing:
        raise DanqError(f"{p}: missing column(s) {', '.join(missing)} (expected a danq metrics.tsv)")
    if "category" not in frame.columns:
        frame["category"] = UNCATEGORISED
    frame["category"] = frame["category"].fillna("").replace("", UNCATEGORISED)
    for column in ("roc_auc", "pr_auc"):
        try:
            frame[column] = pd.to_numeric(frame[column])
        except (ValueError, TypeError):
            raise DanqError(f"{p}: column {column} holds non-numeric values") from None
        outside = frame[column].notna() & ~frame[column].between(0, 1)
        if outside.any():
            row = frame[outside].iloc[0]
            raise DanqError(
                f"{p}: target '{row['target']}' has {column} {row[column]:g}; an AUC lies in [0, 1]"
            )
    return frame


def write_metrics(metrics: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the per-target table as TSV (NaN written as ``NaN``), atomically."""
    with atomic_path(path) as tmp:
        metrics.to_csv(tmp, sep="\t", index=False, na_rep="NaN", float_format="%.6f")
