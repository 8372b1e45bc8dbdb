"""`danq report`'s orchestration (danq.report.build): every output written, NaN as null in
summary.json, and the one-line errors about its inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from danq.errors import DanqError
from danq.report.build import build_report


def metrics_file(path: Path, pr_auc: str = "0.6") -> Path:
    path.write_text("target\tcategory\tn_pos\tn_neg\troc_auc\tpr_auc\n"
                    f"s1\tsingle\t10\t90\t0.9\t{pr_auc}\ns2\tsingle\t0\t100\tNaN\tNaN\n")
    return path


def test_every_output_is_written_and_nan_is_null(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = build_report(out, {"DanQ": metrics_file(tmp_path / "m.tsv")}, note="a note")
    for name in ("summary.md", "summary.json", "auc_by_category.tsv", "training_curves.png",
                 "report.html", "tables.html"):
        assert (out / name).is_file(), name
    text = (out / "summary.json").read_text()
    assert "NaN" not in text
    assert json.loads(text) == summary
    assert summary["models"] == ["DanQ"] and "comparison" not in summary
    assert summary["auc_by_category"][0]["mean_pr_auc"] == 0.6
    assert (out / "summary.md").read_text().startswith("# DanQ: run summary\n\n> a note")


def test_inputs_are_checked_before_anything_is_written(tmp_path: Path) -> None:
    m = metrics_file(tmp_path / "m.tsv")
    out = tmp_path / "out"
    with pytest.raises(DanqError, match="at least one --metrics"):
        build_report(out, {})
    with pytest.raises(DanqError, match="at most two models"):
        build_report(out, {"a": m, "b": m, "c": m})
    with pytest.raises(DanqError, match="model 'DeepSEA' has no --metrics file"):
        build_report(out, {"DanQ": m}, histories={"DeepSEA": m})
    assert not out.exists()
