"""The synthetic benchmark's goals (danq.report.goals): grammar wins, single parity, recovery."""

from __future__ import annotations

from danq.report.goals import benchmark_goals


def test_goals_measure_and_judge_each_figure() -> None:
    comparison = {"grammar": {"pr_wins": 3, "n_compared_pr": 4, "pr_win_share": 0.75},
                  "single": {"median_pr_auc_difference": -0.01}}
    recovery = {"DanQ": {"n_recovered": 9, "n_planted": 10, "share": 0.9}}
    grammar, single, motifs = benchmark_goals(comparison, recovery, "DanQ")
    assert grammar["goal"] == "DanQ ahead by PR AUC on >= 90% of grammar targets"
    assert grammar["measured"] == "3/4 (75 %)" and grammar["met"] is False
    assert single["measured"] == "-0.010" and single["met"] is True
    assert motifs["measured"] == "9/10 (90 %)" and motifs["met"] is True
    assert "TOMTOM E < 0.01" in motifs["goal"]


def test_no_comparison_and_no_recovery_means_no_goals() -> None:
    assert benchmark_goals(None, {}, None) == []
    assert benchmark_goals({"all": {}}, {"DanQ": {"share": None}}, "DanQ") == []
