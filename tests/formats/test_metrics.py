"""The metrics.tsv format (danq.formats.metrics): written and read back, NaN kept, bad files refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from danq.errors import DanqError
from danq.formats.metrics import METRIC_COLUMNS, UNCATEGORISED, read_metrics, write_metrics


def test_round_trip_keeps_nan_and_categories(tmp_path):
    table = pd.DataFrame({"target": ["NA", "b"], "category": ["TF", ""], "n_pos": [3, 0],
                          "n_neg": [7, 10], "roc_auc": [0.75, np.nan], "pr_auc": [0.5, np.nan]},
                         columns=METRIC_COLUMNS)
    path = tmp_path / "metrics.tsv"
    write_metrics(table, path)
    text = path.read_text()
    assert text.splitlines()[0] == "\t".join(METRIC_COLUMNS)
    assert "0.750000" in text and "NaN" in text
    back = read_metrics(path)
    assert back["target"].tolist() == ["NA", "b"]  # a target named NA stays a name
    assert back["category"].tolist() == ["TF", UNCATEGORISED]
    assert back.loc[0, "roc_auc"] == 0.75 and np.isnan(back.loc[1, "pr_auc"])


def test_a_table_without_categories_is_uncategorised(tmp_path):
    path = tmp_path / "m.tsv"
    path.write_text("target\troc_auc\tpr_auc\nt1\t0.9\t0.4\n")
    assert read_metrics(path)["category"].tolist() == [UNCATEGORISED]


@pytest.mark.parametrize(("text", "message"), [
    ("name\tscore\nt1\t0.5\n", "missing column"),
    ("target\troc_auc\tpr_auc\nt1\thigh\t0.4\n", "column roc_auc holds non-numeric values"),
    ("target\troc_auc\tpr_auc\nt1\t1.5\t0.4\n", "target 't1' has roc_auc 1.5; an AUC lies in"),
    ("", "not a readable TSV"),
])
def test_bad_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "m.tsv"
    path.write_text(text)
    with pytest.raises(DanqError, match=message):
        read_metrics(path)


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(DanqError, match="metrics file does not exist"):
        read_metrics(tmp_path / "absent.tsv")
