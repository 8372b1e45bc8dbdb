"""The science summary of a workflow run: AUCs per category, who wins, motif recovery, training curves.

``danq report`` reads what the other stages wrote and answers the questions the DanQ paper asks:

* **AUC per category.** Median ROC AUC and PR AUC of each model over the targets of each category
  (from each ``danq evaluate`` ``metrics.tsv``).
* **Wins.** With two models, the second (the challenger, DanQ) against the first (the baseline,
  DeepSEA): the share of targets, per category, where the challenger's PR AUC (and ROC AUC) is
  higher, and the difference of the median PR AUCs. On the synthetic benchmark DanQ should win on
  *grammar* targets (order and spacing of two motifs) and be on par on *single* targets.
* **Motif recovery** (synthetic benchmark, when ``truth.json`` is given): the share of planted
  JASPAR motifs matched by at least one first-layer filter of each model at TOMTOM q < 0.05
  (from each ``danq motifs`` ``tomtom.tsv``). Matrix IDs are compared by base ID (``MA0139.2``
  counts as ``MA0139``), so a newer version of the same matrix in the comparison release still
  counts.
* **Training curves** from each ``danq train`` ``metrics.csv``: every ``*loss`` column per epoch.

Outputs, in one folder: ``summary.md`` (for people), ``summary.json`` (the same figures for programs),
``auc_by_category.tsv`` and ``training_curves.png``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.io import atomic_path, require_file
from danq.plotting import pyplot, save_figure

QVALUE_THRESHOLD = 0.05
GRAMMAR_WIN_GOAL = 0.90
SINGLE_PARITY_GOAL = 0.02
MOTIF_RECOVERY_GOAL = 0.80
ALL = "all"

def read_metrics(path: str | os.PathLike[str]) -> Any:
    """A ``danq evaluate`` metrics TSV (see :func:`danq.evaluate.read_metrics`), targets unique."""
    from danq.evaluate import read_metrics as read_evaluation

    frame = read_evaluation(path)
    duplicated = frame["target"][frame["target"].duplicated()]
    if len(duplicated):
        raise DanqError(f"{path}: target '{duplicated.iloc[0]}' twice")
    return frame


def _category_groups(frame: Any) -> list[tuple[str, Any]]:
    """Each category's rows, then all rows as ``all`` (once: an uncategorised set is already all)."""
    groups = [(str(c), g) for c, g in frame.groupby("category", sort=True)]
    return groups if [c for c, _ in groups] == [ALL] else [*groups, (ALL, frame)]


def _median(values: Any) -> float | None:
    clean = np.asarray(values, dtype=float)
    clean = clean[~np.isnan(clean)]
    return float(np.median(clean)) if clean.size else None


def auc_by_category(metrics: Mapping[str, Any]) -> Any:
    """One row per (model, category) plus an ``all`` row per model: n targets, median ROC/PR AUC."""
    import pandas as pd

    rows = []
    for label, frame in metrics.items():
        for category, group in _category_groups(frame):
            rows.append({
                "model": label, "category": category, "n_targets": int(len(group)),
                "median_roc_auc": _median(group["roc_auc"]),
                "median_pr_auc": _median(group["pr_auc"]),
                "mean_pr_auc": (float(group["pr_auc"].mean()) if group["pr_auc"].notna().any()
                                else None),
            })
    return pd.DataFrame(rows)


def head_to_head(baseline: Any, challenger: Any, baseline_path: str = "baseline",
                 challenger_path: str = "challenger") -> dict[str, dict[str, Any]]:
    """Per category (and ``all``): targets compared, challenger's wins by PR and ROC AUC, shares.

    Targets are paired by name; the two evaluations must cover the same targets.
    """
    merged = baseline.merge(challenger, on="target", suffixes=("_a", "_b"), how="outer",
                            indicator=True)
    missing = merged[merged["_merge"] != "both"]
    if len(missing):
        side = challenger_path if (missing["_merge"] == "left_only").iloc[0] else baseline_path
        raise DanqError(f"{side}: target '{missing['target'].iloc[0]}' is missing, the two "
                        "evaluations must cover the same targets")
    merged["category"] = merged["category_a"]
    result: dict[str, dict[str, Any]] = {}
    for category, group in _category_groups(merged):
        pr_ok = group[group["pr_auc_a"].notna() & group["pr_auc_b"].notna()]
        roc_ok = group[group["roc_auc_a"].notna() & group["roc_auc_b"].notna()]
        pr_wins = int((pr_ok["pr_auc_b"] > pr_ok["pr_auc_a"]).sum())
        roc_wins = int((roc_ok["roc_auc_b"] > roc_ok["roc_auc_a"]).sum())
        med_a, med_b = _median(group["pr_auc_a"]), _median(group["pr_auc_b"])
        result[str(category)] = {
            "n_targets": int(len(group)),
            "n_compared_pr": int(len(pr_ok)),
            "pr_wins": pr_wins,
            "pr_win_share": pr_wins / len(pr_ok) if len(pr_ok) else None,
            "roc_wins": roc_wins,
            "roc_win_share": roc_wins / len(roc_ok) if len(roc_ok) else None,
            "median_pr_auc_difference": (med_b - med_a if med_a is not None and med_b is not None
                                         else None),
            "median_abs_pr_auc_difference": _median(
                (pr_ok["pr_auc_b"] - pr_ok["pr_auc_a"]).abs()),
        }
    return result


def read_planted_motifs(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The planted motifs of a ``danq simulate`` truth.json: matrix ID and TF name each."""
    p = require_file(path, "truth file")
    try:
        truth = json.loads(p.read_text(encoding="utf-8"))
        return [{"id": str(m["id"]), "name": str(m.get("name", ""))} for m in truth["motifs"]]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a danq simulate truth.json ({exc.__class__.__name__})") from None


def base_id(matrix_id: str) -> str:
    """``MA0139.2`` -> ``MA0139``: the JASPAR matrix independent of its version."""
    return matrix_id.split(".", 1)[0].strip().upper()


def read_tomtom_matches(path: str | os.PathLike[str],
                        q_threshold: float = QVALUE_THRESHOLD) -> dict[str, list[str]]:
    """Base JASPAR ID -> filters that match it at TOMTOM q < ``q_threshold`` (a ``danq motifs`` TSV)."""
    import pandas as pd

    p = require_file(path, "TOMTOM table")
    try:
        frame = pd.read_csv(p, sep="\t")
    except pd.errors.EmptyDataError:
        return {}
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a readable TSV ({exc})") from None
    for column in ("filter", "target_id", "q_value"):
        if column not in frame.columns:
            raise DanqError(f"{p}: no '{column}' column (not a danq motifs tomtom.tsv?)")
    hits = frame[pd.to_numeric(frame["q_value"], errors="coerce") < q_threshold]
    matches: dict[str, list[str]] = {}
    for filter_name, target_id in zip(hits["filter"].astype(str), hits["target_id"].astype(str),
                                      strict=True):
        filters = matches.setdefault(base_id(target_id), [])
        if filter_name not in filters:
            filters.append(filter_name)
    return matches


def motif_recovery(planted: Sequence[Mapping[str, str]],
                   matches: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Which planted motifs at least one filter matches; the recovered share."""
    per_motif = []
    for motif in planted:
        filters = list(matches.get(base_id(motif["id"]), []))
        per_motif.append({"id": motif["id"], "name": motif["name"], "recovered": bool(filters),
                          "n_filters": len(filters), "filters": filters[:10]})
    n = len(per_motif)
    recovered = sum(m["recovered"] for m in per_motif)
    return {"n_planted": n, "n_recovered": recovered,
            "share": recovered / n if n else None, "motifs": per_motif}


def read_history(path: str | os.PathLike[str]) -> Any:
    """A ``danq train`` metrics.csv (one row per epoch) as a frame."""
    import pandas as pd

    p = require_file(path, "training history")
    try:
        frame = pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a readable CSV ({exc})") from None
    if "epoch" not in frame.columns:
        raise DanqError(f"{p}: no 'epoch' column (not a danq train metrics.csv?)")
    return frame


def plot_training_curves(path: str | os.PathLike[str], histories: Mapping[str, Any]) -> None:
    """Per model (one column each): the ``*loss`` columns (top) and ``*auc`` columns (bottom) by epoch."""
    from matplotlib.ticker import MaxNLocator

    plt = pyplot()

    n = max(1, len(histories))
    fig, axes = plt.subplots(2, n, figsize=(5.5 * n, 7), squeeze=False)
    panels = (("loss", "loss"), ("auc", "validation AUC"))
    try:
        for col, (label, frame) in enumerate(histories.items()):
            for row, (suffix, ylabel) in enumerate(panels):
                ax = axes[row, col]
                columns = [c for c in frame.columns if str(c).lower().endswith(suffix)]
                for column in columns:
                    values = frame[["epoch", column]].dropna()
                    ax.plot(values["epoch"], values[column], marker="o", markersize=3,
                            label=column)
                ax.set_title(label if row == 0 else "")
                ax.set_xlabel("epoch")
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
                ax.set_ylabel(ylabel)
                if columns:
                    ax.legend(fontsize=8)
                else:
                    ax.text(0.5, 0.5, f"no *{suffix} columns", ha="center", transform=ax.transAxes)
        if not histories:
            for ax in axes[:, 0]:
                ax.axis("off")
        fig.tight_layout()
    except BaseException:
        plt.close(fig)
        raise
    save_figure(fig, Path(path).with_suffix(""), ("png",), dpi=100)


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f} %"


def _goals(comparison: Mapping[str, Any] | None, recovery: Mapping[str, Any],
           challenger: str | None) -> list[dict[str, Any]]:
    """The synthetic benchmark's three goals, each with the measured figure and met / not met."""
    goals: list[dict[str, Any]] = []
    if comparison is not None:
        grammar = comparison.get("grammar")
        if grammar is not None and grammar["pr_win_share"] is not None:
            goals.append({
                "goal": f"{challenger} ahead by PR AUC on >= {GRAMMAR_WIN_GOAL:.0%} of grammar targets",
                "measured": f"{grammar['pr_wins']}/{grammar['n_compared_pr']} "
                            f"({_pct(grammar['pr_win_share'])})",
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
                    f"(TOMTOM q < {QVALUE_THRESHOLD})",
            "measured": f"{r['n_recovered']}/{r['n_planted']} ({_pct(r['share'])})",
            "met": r["share"] >= MOTIF_RECOVERY_GOAL,
        })
    return goals


def render_markdown(summary: Mapping[str, Any], table: Any) -> str:
    """The human-readable summary.md."""
    lines = ["# danq run summary", ""]
    if summary.get("note"):
        lines += [f"> {summary['note']}", ""]
    lines += ["## Test-set AUC per target category", "",
              "| model | category | targets | median ROC AUC | median PR AUC |",
              "|---|---|---:|---:|---:|"]
    for row in table.to_dict("records"):
        lines.append(f"| {row['model']} | {row['category']} | {row['n_targets']} | "
                     f"{_fmt(row['median_roc_auc'])} | {_fmt(row['median_pr_auc'])} |")
    lines.append("")
    comparison = summary.get("comparison")
    if comparison:
        a, b = summary["baseline"], summary["challenger"]
        lines += [f"## {b} against {a}, target by target", "",
                  f"| category | targets | {b} wins by PR AUC | {b} wins by ROC AUC | "
                  f"median PR AUC {b} − {a} |", "|---|---:|---:|---:|---:|"]
        for category, c in comparison.items():
            lines.append(
                f"| {category} | {c['n_targets']} | {c['pr_wins']}/{c['n_compared_pr']} "
                f"({_pct(c['pr_win_share'])}) | {c['roc_wins']} ({_pct(c['roc_win_share'])}) | "
                f"{_fmt(c['median_pr_auc_difference'])} |")
        lines.append("")
    recovery = summary.get("motif_recovery") or {}
    if recovery:
        lines += [f"## Planted motifs recovered by first-layer filters (TOMTOM q < "
                  f"{QVALUE_THRESHOLD})", ""]
        labels = list(recovery)
        lines.append("| motif | " + " | ".join(labels) + " |")
        lines.append("|---|" + "---:|" * len(labels))
        first = recovery[labels[0]]["motifs"]
        for i, motif in enumerate(first):
            cells = []
            for label in labels:
                m = recovery[label]["motifs"][i]
                cells.append(f"yes ({m['n_filters']} filters)" if m["recovered"] else "no")
            lines.append(f"| {motif['name']} ({motif['id']}) | " + " | ".join(cells) + " |")
        lines.append("| **recovered** | " + " | ".join(
            f"**{recovery[x]['n_recovered']}/{recovery[x]['n_planted']} "
            f"({_pct(recovery[x]['share'])})**" for x in labels) + " |")
        lines.append("")
    if summary.get("dataset"):
        from danq.build_dataset import summary_markdown

        lines += summary_markdown(summary["dataset"])
    goals = summary.get("goals") or []
    if goals:
        lines += ["## Goals of the synthetic benchmark", "", "| goal | measured | met |",
                  "|---|---|---|"]
        for g in goals:
            lines.append(f"| {g['goal']} | {g['measured']} | {'yes' if g['met'] else 'no'} |")
        lines.append("")
    return "\n".join(lines)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    return value


def build_report(
    outdir: str | os.PathLike[str],
    metrics: Mapping[str, str | os.PathLike[str]],
    histories: Mapping[str, str | os.PathLike[str]] | None = None,
    tomtom: Mapping[str, str | os.PathLike[str]] | None = None,
    truth: str | os.PathLike[str] | None = None,
    note: str = "",
    dataset_summary: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Write summary.md, summary.json, auc_by_category.tsv and training_curves.png to ``outdir``.

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
    dataset_summary
        ``danq build-dataset`` summary.json, listed in the summary when the data came from peaks.

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
    for label in list(histories) + list(tomtom):
        if label not in metrics:
            raise DanqError(f"danq report: model '{label}' has no --metrics file")
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
    if truth is not None and tomtom:
        planted = read_planted_motifs(truth)
        for label, path in tomtom.items():
            recovery[label] = motif_recovery(planted, read_tomtom_matches(path))
        summary["motif_recovery"] = recovery
        summary["motif_qvalue_threshold"] = QVALUE_THRESHOLD
    summary["goals"] = _goals(comparison, recovery, summary.get("challenger"))
    if dataset_summary is not None:
        from danq.build_dataset import read_summary

        summary["dataset"] = read_summary(dataset_summary)
    history_frames = {label: read_history(path) for label, path in histories.items()}
    summary = _json_safe(summary)

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "auc_by_category.tsv") as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    plot_training_curves(out / "training_curves.png", history_frames)
    with atomic_path(out / "summary.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    with atomic_path(out / "summary.md") as tmp:
        tmp.write_text(render_markdown(summary, table) + "\n", encoding="utf-8")
    return summary
