"""summary.md: the report's tables as Markdown text, and the cell and number formats they use.

The sections of other stages (baselines, dataset, variant effects) are rendered by their owners;
:mod:`danq.report.html` turns this text into HTML.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from danq.report.motif_recovery import EVALUE_THRESHOLD, width_confound_note
from danq.report.training import stop_text


def _cell(value: Any) -> str:
    """Text for a Markdown table cell: a ``|`` would end the cell, so it is escaped."""
    return str(value).replace("|", "\\|")


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def pct(value: float | None) -> str:
    """A share as a whole percentage (``"42 %"``), ``"n/a"`` when unknown."""
    return "n/a" if value is None else f"{100 * value:.0f} %"


def render_markdown(summary: Mapping[str, Any], table: Any) -> str:
    """The human-readable summary.md."""
    models = list(summary.get("models", []))
    title = (f"{models[1]} vs {models[0]}" if len(models) == 2 else ", ".join(models) or "danq")
    lines = [f"# {title}: run summary", ""]
    if summary.get("note"):
        lines += [f"> {summary['note']}", ""]
    training = summary.get("training") or {}
    if training:
        runs = "; ".join(
            f"{label}: seed {t.get('seed', '?')}, best epoch {t.get('best_epoch')}, "
            f"{stop_text(t)}" for label, t in training.items())
        lines += [f"Each model was trained once ({runs}). With one run per model, differences "
                  "of a few targets or a few hundredths of AUC are within run-to-run noise; the "
                  "`targets` columns give how many targets each figure rests on.", ""]
    lines += ["## Test-set AUC per target category", "",
              "| model | category | targets | median ROC AUC | median PR AUC |",
              "|---|---|---:|---:|---:|"]
    for row in table.to_dict("records"):
        lines.append(f"| {_cell(row['model'])} | {_cell(row['category'])} | {row['n_targets']} | "
                     f"{_fmt(row['median_roc_auc'])} | {_fmt(row['median_pr_auc'])} |")
    lines.append("")
    comparison = summary.get("comparison")
    if comparison:
        a, b = summary["baseline"], summary["challenger"]
        lines += [f"## {b} against {a}, target by target", "",
                  f"| category | targets | {_cell(b)} wins by PR AUC | {_cell(b)} wins by ROC AUC | "
                  f"median PR AUC {_cell(b)} − {_cell(a)} |", "|---|---:|---:|---:|---:|"]
        for category, c in comparison.items():
            lines.append(
                f"| {_cell(category)} | {c['n_targets']} | {c['pr_wins']}/{c['n_compared_pr']} "
                f"({pct(c['pr_win_share'])}) | {c['roc_wins']}/{c['n_compared_roc']} "
                f"({pct(c['roc_win_share'])}) | "
                f"{_fmt(c['median_pr_auc_difference'])} |")
        lines.append("")
    recovery = summary.get("motif_recovery") or {}
    if recovery:
        lines += [f"## Planted motifs recovered by first-layer filters (TOMTOM E < "
                  f"{EVALUE_THRESHOLD}, the DanQ paper's criterion)", ""]
        labels = list(recovery)
        # A model whose filters are narrower than every planted motif says so once, in its
        # column's heading; otherwise a cell is marked only where its motif is the wider.
        all_wider = {x: bool(recovery[x]["motifs"]) and all(
            m.get("spannable") is False for m in recovery[x]["motifs"]) for x in labels}
        headings = [_cell(x) + (f" ({recovery[x].get('kernel_width') or '?'}-bp filters, narrower "
                                "than every motif)" if all_wider[x] else "") for x in labels]
        lines.append("| motif | length (bp) | " + " | ".join(headings) + " |")
        lines.append("|---|---:|" + "---:|" * len(labels))
        first = recovery[labels[0]]["motifs"]
        for i, motif in enumerate(first):
            cells = []
            for label in labels:
                m = recovery[label]["motifs"][i]
                n = m["n_filters"]
                cell = f"yes ({n} filter{'' if n == 1 else 's'})" if m["recovered"] else "no"
                wider = m.get("spannable") is False and not all_wider[label]
                cells.append(cell + (" (wider than filter)" if wider else ""))
            lines.append(f"| {_cell(motif['name'])} ({_cell(motif['id'])}) | "
                         f"{motif.get('length') or '?'} | "
                         + " | ".join(cells) + " |")
        lines.append("| **recovered** | | " + " | ".join(
            f"**{recovery[x]['n_recovered']}/{recovery[x]['n_planted']} "
            f"({pct(recovery[x]['share'])})**" for x in labels) + " |")
        lines.append("| filter width (bp) | | " + " | ".join(
            str(recovery[x].get("kernel_width") or "?") for x in labels) + " |")
        rates = [recovery[x].get("decoy_false_match_rate") for x in labels]
        lines.append("| decoy false-match rate | | " + " | ".join(
            "n/a" if r is None else f"{100 * r:.1f} %" for r in rates) + " |")
        lines.append("")
        lines += [f"> {note}" for note in width_confound_note(recovery)]
        lines.append("")
    if summary.get("baselines"):
        from danq.report.baselines import render_baselines

        lines += render_baselines(summary["baselines"])
    if summary.get("dataset"):
        from danq.datasets.build import summary_markdown

        lines += summary_markdown(summary["dataset"])
    if summary.get("variant_effect"):
        from danq.variants.report import summary_markdown as variant_markdown

        lines += variant_markdown(summary["variant_effect"])
    if summary.get("interpretation"):
        from danq.report.interpretation import interpretation_markdown

        lines += interpretation_markdown(summary["interpretation"])
    goals = summary.get("goals") or []
    if goals:
        lines += ["## Goals of the synthetic benchmark", "", "| goal | measured | met |",
                  "|---|---|---|"]
        for g in goals:
            lines.append(f"| {_cell(g['goal'])} | {_cell(g['measured'])} | "
                         f"{'yes' if g['met'] else 'no'} |")
        lines.append("")
    return "\n".join(lines)
