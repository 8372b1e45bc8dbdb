"""The synthetic benchmark's goals, each with the measured figure and whether it is met.

On the synthetic benchmark DanQ should win on *grammar* targets (order and spacing of two motifs),
be on par on *single* targets and recover most planted motifs.

Winning against the other model is only the fallback grammar goal (no baselines folder). With
``danq baselines``' folder the report replaces it by
:func:`danq.report.baselines.grammar_goal`: a model has learned grammar on a target only when
its PR AUC beats the stronger of the presence-only and marginal baselines, which know which
motifs are present and where each one sits but not how they relate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from danq.report.markdown import pct
from danq.report.motif_recovery import EVALUE_THRESHOLD

GRAMMAR_WIN_GOAL = 0.90
SINGLE_PARITY_GOAL = 0.02
MOTIF_RECOVERY_GOAL = 0.80


def benchmark_goals(comparison: Mapping[str, Any] | None, recovery: Mapping[str, Any],
                    challenger: str | None) -> list[dict[str, Any]]:
    """The synthetic benchmark's three goals, each with the measured figure and met / not met."""
    goals: list[dict[str, Any]] = []
    if comparison is not None:
        grammar = comparison.get("grammar")
        if grammar is not None and grammar["pr_win_share"] is not None:
            goals.append({
                "goal": f"{challenger} ahead by PR AUC on >= {GRAMMAR_WIN_GOAL:.0%} of grammar targets",
                "measured": f"{grammar['pr_wins']}/{grammar['n_compared_pr']} "
                            f"({pct(grammar['pr_win_share'])})",
                "met": grammar["pr_win_share"] >= GRAMMAR_WIN_GOAL,
            })
        single = comparison.get("single")
        if single is not None and single["median_pr_auc_difference"] is not None:
            goals.append({
                "goal": f"parity on single targets: |median PR AUC difference| <= "
                        f"{SINGLE_PARITY_GOAL}",
                "measured": f"{single['median_pr_auc_difference']:+.3f}",
                "met": abs(single["median_pr_auc_difference"]) <= SINGLE_PARITY_GOAL,
            })
    if challenger is not None and challenger in recovery and recovery[challenger]["share"] is not None:
        r = recovery[challenger]
        goals.append({
            "goal": f"{challenger} recovers >= {MOTIF_RECOVERY_GOAL:.0%} of planted motifs "
                    f"(TOMTOM E < {EVALUE_THRESHOLD})",
            "measured": f"{r['n_recovered']}/{r['n_planted']} ({pct(r['share'])})",
            "met": r["share"] >= MOTIF_RECOVERY_GOAL,
        })
    return goals
