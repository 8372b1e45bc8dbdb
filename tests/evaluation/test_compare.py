"""`danq compare`: target-by-target comparison of two metrics.tsv files (danq.evaluation.compare)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from danq.cli import cli
from danq.errors import DanqError
from danq.evaluation.compare import compare


def write_metrics_tsv(path, rows):
    frame = pd.DataFrame(rows, columns=["target", "category", "roc_auc", "pr_auc"])
    frame.insert(2, "n_pos", 10)
    frame.insert(3, "n_neg", 90)
    frame.to_csv(path, sep="\t", index=False, na_rep="NaN")


def test_compare_shares_medians_and_exclusions(tmp_path):
    a = tmp_path / "a.tsv"
    b = tmp_path / "b.tsv"
    write_metrics_tsv(a, [
        ("t1", "TF", 0.90, 0.30), ("t2", "TF", 0.80, 0.20), ("t3", "TF", 0.70, 0.10),
        ("d1", "DNase", 0.85, 0.40), ("d2", "DNase", 0.75, 0.50), ("x", "TF", np.nan, np.nan),
    ])
    # B's rows in another order: matching is by name
    write_metrics_tsv(b, [
        ("d2", "DNase", 0.80, 0.45), ("t3", "TF", 0.75, 0.15), ("t1", "TF", 0.95, 0.25),
        ("x", "TF", 0.6, 0.1), ("t2", "TF", 0.80, 0.30), ("d1", "DNase", 0.90, 0.50),
    ])
    out = tmp_path / "cmp"
    result = CliRunner().invoke(cli, ["compare", str(a), str(b), "-o", str(out),
                                      "--labels", "DeepSEA", "DanQ"])
    assert result.exit_code == 0, result.output
    for name in ("comparison.png", "comparison.svg", "comparison.tsv", "comparison.json"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "comparison.tsv", sep="\t").set_index("category")
    assert list(table.index) == ["TF", "DNase", "all"]
    tf = table.loc["TF"]
    assert tf["n"] == 3
    assert tf["median_roc_auc_a"] == pytest.approx(0.8) and tf["median_roc_auc_b"] == pytest.approx(0.8)
    assert tf["share_b_better_roc"] == pytest.approx(2 / 3)  # t2 ties: a tie is not a win
    assert tf["share_b_better_pr"] == pytest.approx(2 / 3)   # t1 loses on PR
    assert table.loc["DNase", "share_b_better_roc"] == 1.0
    assert table.loc["DNase", "share_b_better_pr"] == 0.5
    assert table.loc["all", "n"] == 5
    assert table.loc["all", "median_pr_auc_b"] == pytest.approx(0.30)
    assert table.loc["all", "share_b_better_roc"] == pytest.approx(4 / 5)
    summary = json.loads((out / "comparison.json").read_text())
    assert summary["n_excluded"] == 1 and summary["excluded"] == ["x"]
    assert summary["a"]["label"] == "DeepSEA" and summary["b"]["label"] == "DanQ"
    assert "1 targets excluded" in result.stderr


def test_compare_rejects_different_target_sets(tmp_path):
    a = tmp_path / "a.tsv"
    b = tmp_path / "b.tsv"
    write_metrics_tsv(a, [("t1", "TF", 0.9, 0.3), ("t2", "TF", 0.8, 0.2)])
    write_metrics_tsv(b, [("t1", "TF", 0.9, 0.3), ("t9", "TF", 0.8, 0.2)])
    with pytest.raises(DanqError, match="target sets differ.*'t2'.*'t9'"):
        compare(a, b, tmp_path / "o", plots=False)
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\tscore\nt1\t0.5\n")
    with pytest.raises(DanqError, match="missing column"):
        compare(a, bad, tmp_path / "o", plots=False)


def test_scatter_labels_never_overlap_and_crowded_points_stay_unnamed():
    """Issue 25: labels of clustered points overlapped; now each is placed clear of the others
    and of other points, or left out."""
    from danq.evaluation.compare import label_points
    from danq.io.plotting import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.set(xlim=(0, 1), ylim=(0, 1))
    points = [(0.5 + 0.004 * i, 0.5 + 0.003 * i) for i in range(12)] + [(0.1, 0.9), (0.9, 0.1)]
    ax.scatter(*zip(*points, strict=True))
    fig.canvas.draw()
    drawn = label_points(ax, [(f"target_{i}", x, y, "k") for i, (x, y) in enumerate(points)])
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in drawn]
    assert all(not a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    names = {t.get_text() for t in drawn}
    assert {"target_12", "target_13"} <= names  # isolated points are always named
    assert len(drawn) < len(points)  # the tight cluster cannot name all twelve
    plt.close(fig)
