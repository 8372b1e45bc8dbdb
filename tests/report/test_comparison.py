"""AUC per category and the head-to-head wins in `danq report` (danq.report.comparison)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from danq.errors import DanqError
from danq.report.comparison import auc_by_category, head_to_head, read_metrics


def frame(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["target", "category", "roc_auc", "pr_auc"])


def test_medians_per_category_then_all_and_nan_left_out() -> None:
    table = auc_by_category({"A": frame([("g1", "grammar", 0.9, 0.6), ("g2", "grammar", 0.7, 0.2),
                                         ("s1", "single", np.nan, np.nan)])})
    assert table["category"].tolist() == ["grammar", "single", "all"]
    grammar, single, overall = table.to_dict("records")
    assert grammar["median_roc_auc"] == pytest.approx(0.8)
    assert grammar["mean_pr_auc"] == pytest.approx(0.4)
    assert pd.isna(single["median_pr_auc"]) and pd.isna(single["mean_pr_auc"])
    assert overall["n_targets"] == 3 and overall["median_pr_auc"] == pytest.approx(0.4)
    only = auc_by_category({"A": frame([("t", "all", 0.5, 0.5)])})
    assert only["category"].tolist() == ["all"]  # an uncategorised set is already all


def test_wins_are_strict_and_paired_by_name() -> None:
    a = frame([("g1", "grammar", 0.8, 0.5), ("g2", "grammar", 0.8, 0.5), ("s1", "single", 0.9, 0.7)])
    b = frame([("s1", "single", 0.9, 0.71), ("g2", "grammar", 0.8, 0.5), ("g1", "grammar", 0.9, 0.6)])
    result = head_to_head(a, b)
    assert result["grammar"]["pr_wins"] == 1 and result["grammar"]["pr_win_share"] == 0.5
    assert result["grammar"]["median_pr_auc_difference"] == pytest.approx(0.05)
    assert result["single"]["roc_wins"] == 0
    assert result["all"]["n_targets"] == 3 and result["all"]["pr_wins"] == 2


def test_different_targets_or_duplicates_are_errors(tmp_path: Path) -> None:
    a = frame([("t1", "TF", 0.8, 0.5)])
    with pytest.raises(DanqError, match="B.tsv: target 't1' is missing"):
        head_to_head(a, frame([("t2", "TF", 0.8, 0.5)]), "A.tsv", "B.tsv")
    path = tmp_path / "m.tsv"
    path.write_text("target\tcategory\troc_auc\tpr_auc\nt1\tTF\t0.8\t0.5\nt1\tTF\t0.7\t0.4\n")
    with pytest.raises(DanqError, match="target 't1' twice"):
        read_metrics(path)
