"""The science summary of a workflow run: AUCs per category, who wins, motif recovery, training curves.

``danq report`` reads what the other stages wrote and answers the questions the DanQ paper asks:

* **AUC per category.** Median ROC AUC and PR AUC of each model over the targets of each category
  (from each ``danq evaluate`` ``metrics.tsv``).
* **Wins.** With two models, the second (the challenger, DanQ) against the first (the baseline,
  DeepSEA): the share of targets, per category, where the challenger's PR AUC (and ROC AUC) is
  higher, and the difference of the median PR AUCs. On the synthetic benchmark DanQ should win on
  *grammar* targets (order and spacing of two motifs) and be on par on *single* targets.
* **Motif recovery** (synthetic benchmark, when ``truth.json`` is given): the share of planted
  JASPAR motifs matched by at least one first-layer filter of each model at TOMTOM E < 0.01, the
  DanQ paper's criterion (from each ``danq motifs`` ``tomtom.tsv``), beside the false-match rate
  of that criterion on decoys and the filter width (from the ``summary.json`` next to it): a
  filter narrower than a planted motif (DeepSEA's 8 bp against 9–20 bp motifs) can match only
  part of it, a width confound the table states. Matrix IDs are compared by base ID
  (``MA0139.2`` counts as ``MA0139``), so a newer version of the same matrix in the comparison
  release still counts.
* **Training curves** from each ``danq train`` ``metrics.csv``: every ``*loss`` and ``*auc``
  column per epoch, the best epoch (lowest validation loss) marked, and, from the ``settings.json``
  beside it, the seed and whether the run stopped by early stopping or at the epoch cap.

Outputs, in one folder: ``report.html`` (the results page a person opens first: the answer to the
benchmark's question and the goals, then every table and figure, embedded;
:mod:`danq.report.html`), ``verdict.html`` (that first screen as a fragment, the start page of
``snakemake --report``), ``summary.md`` (the
same tables as text), ``tables.html`` (summary.md as HTML), ``summary.json`` (the same figures for
programs), ``auc_by_category.tsv`` and ``training_curves.png``.

This module reads the inputs and writes the outputs; the sections are computed by
:mod:`danq.report.comparison` (AUC per category, wins), :mod:`danq.report.motif_recovery`,
:mod:`danq.report.training` (curves), :mod:`danq.report.goals` and
:mod:`danq.report.baselines`, and rendered by :mod:`danq.report.markdown` and
:mod:`danq.report.html`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from danq.errors import DanqError
from danq.io import atomic_path
from danq.io.tables import json_safe, write_json
from danq.report.comparison import auc_by_category, head_to_head, read_metrics
from danq.report.goals import SINGLE_PARITY_GOAL, benchmark_goals
from danq.report.markdown import render_markdown
from danq.report.motif_recovery import (
    EVALUE_THRESHOLD,
    motif_recovery,
    read_motifs_summary,
    read_tomtom_matches,
    width_confound_note,
)
from danq.report.training import (
    plot_training_curves,
    read_history,
    read_training_settings,
    training_outcome,
)


def read_planted_motifs(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The planted motifs of a ``danq simulate`` truth.json: matrix ID and TF name each."""
    from danq.simulation.truth import read_truth_motifs

    motifs, _ = read_truth_motifs(path)
    return [{"id": m.matrix_id, "name": m.name, **({"length": m.length} if m.length else {})}
            for m in motifs]


def build_report(
    outdir: str | os.PathLike[str],
    metrics: Mapping[str, str | os.PathLike[str]],
    histories: Mapping[str, str | os.PathLike[str]] | None = None,
    tomtom: Mapping[str, str | os.PathLike[str]] | None = None,
    truth: str | os.PathLike[str] | None = None,
    note: str = "",
    baselines: str | os.PathLike[str] | None = None,
    dataset_summary: str | os.PathLike[str] | None = None,
    variant_summary: str | os.PathLike[str] | None = None,
    scatter: str | os.PathLike[str] | None = None,
    curves: Mapping[str, str | os.PathLike[str]] | None = None,
    logos: Mapping[str, str | os.PathLike[str]] | None = None,
    interpretation: Mapping[str, str | os.PathLike[str]] | None = None,
) -> dict[str, Any]:
    """Write summary.md, summary.json, auc_by_category.tsv, training_curves.png, the results
    page report.html (:mod:`danq.report.html`), tables.html (summary.md as HTML) and
    verdict.html (the first screen, a fragment) to ``outdir``.

    Parameters
    ----------
    outdir
        Output folder (created if needed).
    metrics
        Model label -> ``danq evaluate`` metrics.tsv, in order: with two models the first is the
        baseline (DeepSEA) and the second the challenger (DanQ).
    histories
        Model label -> ``danq train`` metrics.csv (training curves).
    tomtom
        Model label -> ``danq motifs`` tomtom.tsv (motif recovery; needs ``truth``).
    truth
        ``danq simulate`` truth.json naming the planted motifs.
    note
        A sentence shown at the top of the summary (e.g. why the layer sizes are reduced).
    baselines
        A ``danq baselines`` output folder: oracle ceiling, presence-only and PWM-scan baselines
        beside each model, noisy and clean labels, decoy breakdown (:mod:`danq.report.baselines`);
        its "learned grammar" count replaces the head-to-head grammar goal.
    dataset_summary
        ``danq build-dataset`` summary.json, listed in the summary when the data came from peaks.
    variant_summary
        ``danq variant-report`` summary.json: each model's ground-truth ROC AUC of its variant
        effects, listed in the summary when that stage ran.
    scatter
        ``danq compare`` comparison.png, embedded in report.html.
    curves
        Model label -> ``danq evaluate`` curves.png, embedded in report.html.
    logos
        Model label -> ``danq motifs`` logos_overview.png, embedded in report.html.
    interpretation
        Model label -> the workflow's interpretation folder (attribution accuracy, TF-MoDISco,
        grammar experiment; :mod:`danq.report.interpretation`; needs ``truth``).

    Returns
    -------
    dict
        The content of summary.json.
    """
    if not metrics:
        raise DanqError("danq report: give at least one --metrics LABEL=PATH")
    if len(metrics) > 2:
        raise DanqError("danq report: at most two models (baseline and challenger)")
    histories = dict(histories or {})
    tomtom = dict(tomtom or {})
    curves, logos = dict(curves or {}), dict(logos or {})
    for label in list(histories) + list(tomtom) + list(curves) + list(logos) + list(interpretation or {}):
        if label not in metrics:
            raise DanqError(f"danq report: model '{label}' has no --metrics file")
    from danq.report.html import data_uri

    for figure in [scatter, *curves.values(), *logos.values()]:
        if figure is not None:
            data_uri(figure)  # a missing or non-PNG figure fails before anything is written
    frames = {label: read_metrics(path) for label, path in metrics.items()}
    table = auc_by_category(frames)
    labels = list(frames)
    summary: dict[str, Any] = {"note": note, "models": labels,
                               "metrics": {k: str(v) for k, v in metrics.items()}}
    comparison = None
    if len(labels) == 2:
        summary["baseline"], summary["challenger"] = labels
        comparison = head_to_head(frames[labels[0]], frames[labels[1]],
                                  str(metrics[labels[0]]), str(metrics[labels[1]]))
        summary["comparison"] = comparison
    summary["auc_by_category"] = table.to_dict("records")
    recovery: dict[str, Any] = {}
    planted = read_planted_motifs(truth) if truth is not None else None  # a bad file fails alone
    if planted is not None and tomtom:
        for label, path in tomtom.items():
            motifs_summary = read_motifs_summary(path)
            decoys = (motifs_summary.get("decoys") or {}).get("all") or {}
            recovery[label] = motif_recovery(planted, read_tomtom_matches(path),
                                             motifs_summary.get("kernel_width"),
                                             decoys.get("rate"))
        summary["motif_recovery"] = recovery
        summary["motif_evalue_threshold"] = EVALUE_THRESHOLD
        summary["motif_width_notes"] = width_confound_note(recovery)
    summary["goals"] = benchmark_goals(comparison, recovery, summary.get("challenger"))
    if baselines is not None:
        from danq.report.baselines import baseline_section, grammar_goal

        summary["baselines"] = baseline_section(baselines, labels)
        goal = grammar_goal(summary["baselines"], summary.get("challenger"),
                            summary.get("baseline"))
        if goal is not None:
            summary["goals"] = [goal] + [g for g in summary["goals"]
                                         if "of grammar targets" not in g["goal"]]
    if dataset_summary is not None:
        from danq.datasets.build import read_summary

        summary["dataset"] = read_summary(dataset_summary)
    if variant_summary is not None:
        from danq.variants.report import read_summary as read_variant_summary

        summary["variant_effect"] = read_variant_summary(variant_summary)
    if interpretation:
        from danq.report.interpretation import interpretation_section

        if planted is None:
            raise DanqError("danq report: --interpretation needs --truth (the planted motifs)")
        summary["interpretation"] = interpretation_section(interpretation, planted, recovery)
    history_frames = {label: read_history(path) for label, path in histories.items()}
    outcomes = {label: training_outcome(frame, read_training_settings(histories[label]))
                for label, frame in history_frames.items()}
    if outcomes:
        summary["training"] = outcomes
    summary = json_safe(summary)

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "auc_by_category.tsv") as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    plot_training_curves(out / "training_curves.png", history_frames, outcomes,
                         {label: len(frame) for label, frame in frames.items()})
    markdown = render_markdown(summary, table)
    page = _results_page(summary, markdown, out / "training_curves.png", scatter, curves, logos,
                         _interpretation_figures(summary, out))
    write_json(summary, out / "summary.json")
    with atomic_path(out / "summary.md") as tmp:
        tmp.write_text(markdown + "\n", encoding="utf-8")
    with atomic_path(out / "report.html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    with atomic_path(out / "tables.html") as tmp:
        tmp.write_text(tables_page(markdown), encoding="utf-8")
    from danq.report.html import verdict_fragment

    with atomic_path(out / "verdict.html") as tmp:
        tmp.write_text(verdict_fragment(summary, markdown, SINGLE_PARITY_GOAL), encoding="utf-8")
    return summary


def tables_page(markdown: str) -> str:
    """summary.md as a standalone HTML page (the Snakemake report shows HTML inline)."""
    from danq.report.html import STYLE, markdown_to_html

    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>danq tables"
            f"</title><style>{STYLE}</style></head>\n<body>\n{markdown_to_html(markdown)}\n"
            "</body></html>\n")


def _results_page(summary: Mapping[str, Any], markdown: str, training_png: Path,
                  scatter: str | os.PathLike[str] | None,
                  curves: Mapping[str, str | os.PathLike[str]],
                  logos: Mapping[str, str | os.PathLike[str]],
                  interpretation: list[Any] | None = None) -> str:
    """report.html: the verdict first, then the summary's sections with their figures."""
    from danq.report.html import Figure, render_html

    models = list(summary.get("models", []))
    figures: dict[str, list[Figure]] = {"comparison": [], "curves": [], "motifs": [],
                                        "training": [], "interpretation": interpretation or []}
    if scatter is not None:
        b, a = (models[1], models[0]) if len(models) == 2 else ("the challenger", "the baseline")
        figures["comparison"].append(Figure(
            Path(scatter), f"{b} vs {a}, one point per test target",
            f"x: {a}, y: {b}; points above the diagonal are targets where {b} scores higher. "
            f"The legend gives, per category, on how many targets (n/N) {b} is higher."))
    for label, path in curves.items():
        figures["curves"].append(Figure(
            Path(path), f"{label}: ROC and precision-recall curves on the test set",
            "Per category, the best, median and worst target, ranked separately for each metric "
            "(ROC panels by ROC AUC, PR panels by PR AUC). Dashed: chance (the diagonal for ROC, "
            "the target's positive rate for PR); stars: the oracle ceiling's operating point, "
            "when the truth is known."))
    for label, path in logos.items():
        figures["motifs"].append(Figure(
            Path(path), f"{label}: first-layer filters (left) and their best JASPAR match (right)",
            f"Information-content logos aligned at the TOMTOM offset and strand; a match counts "
            f"at TOMTOM E < {EVALUE_THRESHOLD}. Planted motifs are marked when the truth is "
            "known."))
    figures["training"].append(Figure(
        training_png, "Training curves",
        "Loss (top) and mean validation AUC over the targets (bottom) per epoch; the dotted line "
        "is the best epoch (lowest validation loss), whose checkpoint was evaluated; the title "
        "says whether the run stopped by early stopping or at the epoch cap."))
    return render_html(summary, markdown, SINGLE_PARITY_GOAL, figures)


def _interpretation_figures(summary: Mapping[str, Any], out: Path) -> list[Any]:
    """The interpretation section's figures (drawn into ``out``), for report.html."""
    if not summary.get("interpretation"):
        return []
    from danq.report.interpretation import interpretation_figures

    return interpretation_figures(summary["interpretation"], out)
