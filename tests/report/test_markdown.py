"""summary.md (danq.report.markdown): cells escaped, numbers and shares formatted."""

from __future__ import annotations

import re
from pathlib import Path


def test_bars_in_cells_are_escaped_and_read_back_as_one_cell(tmp_path: Path) -> None:
    from danq.report.build import build_report
    from danq.report.html import markdown_to_html

    path = tmp_path / "m.tsv"
    path.write_text("target\tcategory\tn_pos\tn_neg\troc_auc\tpr_auc\n"
                    "t1\tA|B\t10\t90\t0.9\t0.5\nt2\tA|B\t10\t90\t0.8\t0.4\n")
    build_report(tmp_path / "out", {"my|model": path})
    markdown = (tmp_path / "out" / "summary.md").read_text()
    assert r"| my\|model | A\|B | 2 | 0.850 | 0.450 |" in markdown
    rows = re.findall(r"<tr>(.*?)</tr>", markdown_to_html(markdown))
    assert "<td>my|model</td><td>A|B</td>" in rows[1]
    assert rows[1].count("<td") == 5


def test_missing_numbers_and_shares_read_n_a() -> None:
    from danq.report.markdown import _fmt, pct

    assert _fmt(None) == "n/a" and _fmt(float("nan")) == "n/a"
    assert _fmt(0.12345) == "0.123" and _fmt(7) == "7"
    assert pct(None) == "n/a" and pct(0.425) == "42 %"


def test_wider_than_filter_marks_only_the_motifs_wider_than_that_models_filters() -> None:
    import pandas as pd

    from danq.report.markdown import render_markdown

    def motif(name: str, spannable: bool, n: int) -> dict:
        return {"id": name, "name": name, "length": 12, "spannable": spannable,
                "recovered": n > 0, "n_filters": n}

    recovery = {"A": {"motifs": [motif("M1", False, 0), motif("M2", True, 1)],
                      "n_recovered": 1, "n_planted": 2, "share": 0.5, "kernel_width": 10},
                "B": {"motifs": [motif("M1", True, 2), motif("M2", True, 0)],
                      "n_recovered": 1, "n_planted": 2, "share": 0.5, "kernel_width": 26}}
    table = pd.DataFrame(columns=["model", "category", "n_targets", "median_roc_auc",
                                  "median_pr_auc"])
    text = render_markdown({"models": ["A", "B"], "motif_recovery": recovery}, table)
    assert "| M1 (M1) | 12 | no (wider than filter) | yes (2 filters) |" in text
    assert "| M2 (M2) | 12 | yes (1 filter) | no |" in text
    assert "narrower than every motif" not in text
