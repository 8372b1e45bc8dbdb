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

Outputs, in one folder: ``report.html`` (the results page a person opens first: the verdict in
three lines, then every table and figure, embedded; :mod:`danq.report.html`), ``summary.md`` (the
same tables as text), ``tables.html`` (summary.md as HTML), ``summary.json`` (the same figures for
programs), ``auc_by_category.tsv`` and ``training_curves.png``.
"""

from __future__ import annotations

import json
import math
import os
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.io import atomic_path, require_file
from danq.io.plotting import pyplot, save_figure

QVALUE_THRESHOLD = 0.05
EVALUE_THRESHOLD = 0.01  # a filter matches a JASPAR motif at TOMTOM E < 0.01 (the DanQ paper)
GRAMMAR_WIN_GOAL = 0.90
SINGLE_PARITY_GOAL = 0.02
MOTIF_RECOVERY_GOAL = 0.80
ALL = "all"

def read_metrics(path: str | os.PathLike[str]) -> Any:
    """A ``danq evaluate`` metrics TSV (see :func:`danq.evaluation.evaluate.read_metrics`), targets unique."""
    from danq.evaluation.evaluate import read_metrics as read_evaluation

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
            "n_compared_roc": int(len(roc_ok)),
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
        return [{"id": str(m["id"]), "name": str(m.get("name", "")),
                 **({"length": int(m["length"])} if m.get("length") else {})}
                for m in truth["motifs"]]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a danq simulate truth.json ({exc.__class__.__name__})") from None


def base_id(matrix_id: str) -> str:
    """``MA0139.2`` -> ``MA0139``: the JASPAR matrix independent of its version."""
    return matrix_id.split(".", 1)[0].strip().upper()


def read_tomtom_matches(path: str | os.PathLike[str],
                        e_threshold: float = EVALUE_THRESHOLD) -> dict[str, list[str]]:
    """Base JASPAR ID -> filters that match it at TOMTOM E < ``e_threshold`` (a ``danq motifs``
    or ``danq tomtom`` TSV: query names in a ``filter`` or ``query`` column)."""
    import pandas as pd

    p = require_file(path, "TOMTOM table")
    try:
        frame = pd.read_csv(p, sep="\t")
    except pd.errors.EmptyDataError:
        return {}
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a readable TSV ({exc})") from None
    name = "filter" if "filter" in frame.columns else "query"
    for column in (name, "target_id", "e_value"):
        if column not in frame.columns:
            raise DanqError(f"{p}: no '{column}' column (not a danq motifs tomtom.tsv?)")
    hits = frame[pd.to_numeric(frame["e_value"], errors="coerce") < e_threshold]
    matches: dict[str, list[str]] = {}
    for filter_name, target_id in zip(hits[name].astype(str), hits["target_id"].astype(str),
                                      strict=True):
        filters = matches.setdefault(base_id(target_id), [])
        if filter_name not in filters:
            filters.append(filter_name)
    return matches


def read_motifs_summary(tomtom_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``summary.json`` beside a ``danq motifs`` tomtom.tsv ({} when there is none)."""
    path = Path(tomtom_path).with_name("summary.json")
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return {}


def motif_recovery(planted: Sequence[Mapping[str, Any]],
                   matches: Mapping[str, Sequence[str]],
                   kernel_width: int | None = None,
                   decoy_rate: float | None = None) -> dict[str, Any]:
    """Which planted motifs at least one filter matches; the recovered share.

    With the model's first-layer ``kernel_width``, each motif also says whether a filter can
    span it (``spannable``): a filter narrower than the motif can match only part of it, so a
    miss there says as much about the width as about what the model learned.
    """
    per_motif = []
    for motif in planted:
        filters = list(matches.get(base_id(motif["id"]), []))
        length = motif.get("length")
        spannable = None if kernel_width is None or length is None else kernel_width >= length
        per_motif.append({"id": motif["id"], "name": motif["name"], "length": length,
                          "spannable": spannable, "recovered": bool(filters),
                          "n_filters": len(filters), "filters": filters[:10]})
    n = len(per_motif)
    recovered = sum(m["recovered"] for m in per_motif)
    return {"n_planted": n, "n_recovered": recovered,
            "share": recovered / n if n else None, "kernel_width": kernel_width,
            "n_wider_than_kernel": sum(m["spannable"] is False for m in per_motif),
            "decoy_false_match_rate": decoy_rate, "motifs": per_motif}


def width_confound_note(recovery: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """One sentence per model whose filters are narrower than some planted motifs."""
    spanning = [f"{label}'s {r['kernel_width']}-bp filters span every motif"
                for label, r in recovery.items()
                if r.get("kernel_width") and r.get("n_wider_than_kernel") == 0
                and all(m.get("spannable") for m in r["motifs"])]
    notes = []
    for label, r in recovery.items():
        wider = [m for m in r["motifs"] if m.get("spannable") is False]
        if not wider:
            continue
        lengths = [m["length"] for m in r["motifs"] if m.get("length")]
        notes.append(
            f"{label}'s {r['kernel_width']}-bp first-layer filters cannot span {len(wider)} of "
            f"the {r['n_planted']} planted motifs ({min(lengths)}–{max(lengths)} bp): they can "
            f"match only part of them, so {label}'s recovery is confounded by filter width"
            + (f" ({'; '.join(spanning)})." if spanning else ".")
        )
    return notes


#: columns of a ``danq train`` metrics.csv that the training curves need
HISTORY_COLUMNS = ("epoch", "train_loss", "valid_loss")


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
    missing = [c for c in HISTORY_COLUMNS if c not in frame.columns]
    if missing:
        raise DanqError(f"{p}: missing column(s) {', '.join(missing)} (not a danq train "
                        f"metrics.csv, which has {', '.join(HISTORY_COLUMNS)}, ...)")
    for column in HISTORY_COLUMNS:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise DanqError(f"{p}: column {column} holds non-numeric values")
    return frame


def read_training_settings(history_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``settings.json`` beside a ``danq train`` metrics.csv: seed, epoch cap and patience
    ({} when there is none or it cannot be read)."""
    path = Path(history_path).with_name("settings.json")
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
        hp = settings.get("hyperparameters") or {}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}
    return {k: hp.get(k) for k in ("seed", "epochs", "patience")}


def training_outcome(frame: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Best epoch (lowest validation loss), epochs run and why training stopped.

    ``stopped`` is ``"epoch cap"`` when the last epoch is the configured cap (the run might have
    improved further), ``"early stopping"`` when it ended before the cap, ``None`` when the cap
    is unknown.
    """
    epochs = frame["epoch"].dropna()
    losses = frame[["epoch", "valid_loss"]].dropna()
    best = int(losses.loc[losses["valid_loss"].idxmin(), "epoch"]) if len(losses) else None
    last = int(epochs.max()) if len(epochs) else None
    cap = settings.get("epochs")
    stopped = None
    if cap is not None and last is not None:
        stopped = "epoch cap" if last >= int(cap) else "early stopping"
    return {"best_epoch": best, "epochs_run": last, "epoch_cap": cap,
            "patience": settings.get("patience"), "seed": settings.get("seed"),
            "stopped": stopped}


def _stop_text(outcome: Mapping[str, Any]) -> str:
    if outcome.get("stopped") == "epoch cap":
        return (f"stopped at the epoch cap ({outcome['epoch_cap']} epochs), not by early "
                "stopping: more epochs might still help")
    if outcome.get("stopped") == "early stopping":
        return (f"early stopping after epoch {outcome['epochs_run']} (no better validation loss "
                f"for {outcome['patience']} epochs)")
    return f"{outcome.get('epochs_run')} epochs run"


def plot_training_curves(path: str | os.PathLike[str], histories: Mapping[str, Any],
                         outcomes: Mapping[str, Mapping[str, Any]] | None = None,
                         n_targets: Mapping[str, int] | None = None) -> None:
    """Per model (one column each): the ``*loss`` columns (top) and ``*auc`` columns (bottom) by
    epoch, the best epoch (lowest validation loss) marked and why the run stopped in the title.

    ``n_targets``: per model, the number of targets the validation AUC is the mean over.
    """
    from matplotlib.ticker import MaxNLocator

    plt = pyplot()
    outcomes = outcomes or {}
    n_targets = n_targets or {}

    n = max(1, len(histories))
    fig, axes = plt.subplots(2, n, figsize=(5.8 * n, 7.6), squeeze=False, layout="constrained")
    try:
        for col, (label, frame) in enumerate(histories.items()):
            outcome = outcomes.get(label, {})
            count = n_targets.get(label)
            auc_label = ("validation AUC (mean over "
                         + (f"{count} targets)" if count else "targets)"))
            for row, (suffix, ylabel) in enumerate((("loss", "loss"), ("auc", auc_label))):
                ax = axes[row, col]
                columns = [c for c in frame.columns if str(c).lower().endswith(suffix)]
                for column in columns:
                    values = frame[["epoch", column]].dropna()
                    ax.plot(values["epoch"], values[column], marker="o", markersize=4,
                            label=column.replace("_", " "))
                best = outcome.get("best_epoch")
                if best is not None:
                    ax.axvline(best, color="grey", ls=":", lw=1.2,
                               label=f"best epoch ({best}, lowest valid loss)")
                if row == 0:
                    ax.set_title(label + "\n" + textwrap.fill(_stop_text(outcome), 62),
                                 fontsize=9)
                ax.set_xlabel("epoch")
                epochs = frame["epoch"].dropna()
                if len(epochs):
                    ax.set_xlim(float(epochs.min()) - 0.5, float(epochs.max()) + 0.5)
                ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
                ax.set_ylabel(ylabel)
                if columns:
                    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, -0.18),
                              ncol=2, frameon=False)
                else:
                    ax.text(0.5, 0.5, f"no *{suffix} columns", ha="center", transform=ax.transAxes)
        if not histories:
            for ax in axes[:, 0]:
                ax.axis("off")
    except BaseException:
        plt.close(fig)
        raise
    save_figure(fig, Path(path).with_suffix(""), ("png",), dpi=100, tight=True)


def _cell(value: Any) -> str:
    """Text for a Markdown table cell: a ``|`` would end the cell, so it is escaped."""
    return str(value).replace("|", "\\|")


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
                    f"(TOMTOM E < {EVALUE_THRESHOLD})",
            "measured": f"{r['n_recovered']}/{r['n_planted']} ({_pct(r['share'])})",
            "met": r["share"] >= MOTIF_RECOVERY_GOAL,
        })
    return goals


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
            f"{_stop_text(t)}" for label, t in training.items())
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
                f"({_pct(c['pr_win_share'])}) | {c['roc_wins']}/{c['n_compared_roc']} "
                f"({_pct(c['roc_win_share'])}) | "
                f"{_fmt(c['median_pr_auc_difference'])} |")
        lines.append("")
    recovery = summary.get("motif_recovery") or {}
    if recovery:
        lines += [f"## Planted motifs recovered by first-layer filters (TOMTOM E < "
                  f"{EVALUE_THRESHOLD}, the DanQ paper's criterion)", ""]
        labels = list(recovery)
        lines.append("| motif | length (bp) | " + " | ".join(map(_cell, labels)) + " |")
        lines.append("|---|---:|" + "---:|" * len(labels))
        first = recovery[labels[0]]["motifs"]
        for i, motif in enumerate(first):
            cells = []
            for label in labels:
                m = recovery[label]["motifs"][i]
                cell = f"yes ({m['n_filters']} filters)" if m["recovered"] else "no"
                cells.append(cell + (" (wider than filter)" if m.get("spannable") is False else ""))
            lines.append(f"| {_cell(motif['name'])} ({_cell(motif['id'])}) | "
                         f"{motif.get('length') or '?'} | "
                         + " | ".join(cells) + " |")
        lines.append("| **recovered** | | " + " | ".join(
            f"**{recovery[x]['n_recovered']}/{recovery[x]['n_planted']} "
            f"({_pct(recovery[x]['share'])})**" for x in labels) + " |")
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
    goals = summary.get("goals") or []
    if goals:
        lines += ["## Goals of the synthetic benchmark", "", "| goal | measured | met |",
                  "|---|---|---|"]
        for g in goals:
            lines.append(f"| {_cell(g['goal'])} | {_cell(g['measured'])} | "
                         f"{'yes' if g['met'] else 'no'} |")
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
    baselines: str | os.PathLike[str] | None = None,
    dataset_summary: str | os.PathLike[str] | None = None,
    variant_summary: str | os.PathLike[str] | None = None,
    scatter: str | os.PathLike[str] | None = None,
    curves: Mapping[str, str | os.PathLike[str]] | None = None,
    logos: Mapping[str, str | os.PathLike[str]] | None = None,
) -> dict[str, Any]:
    """Write summary.md, summary.json, auc_by_category.tsv, training_curves.png, the results
    page report.html (:mod:`danq.report.html`) and tables.html (summary.md as HTML) to ``outdir``.

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
    for label in list(histories) + list(tomtom) + list(curves) + list(logos):
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
    if truth is not None and tomtom:
        planted = read_planted_motifs(truth)
        for label, path in tomtom.items():
            motifs_summary = read_motifs_summary(path)
            decoys = (motifs_summary.get("decoys") or {}).get("all") or {}
            recovery[label] = motif_recovery(planted, read_tomtom_matches(path),
                                             motifs_summary.get("kernel_width"),
                                             decoys.get("rate"))
        summary["motif_recovery"] = recovery
        summary["motif_evalue_threshold"] = EVALUE_THRESHOLD
        summary["motif_width_notes"] = width_confound_note(recovery)
    summary["goals"] = _goals(comparison, recovery, summary.get("challenger"))
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
    history_frames = {label: read_history(path) for label, path in histories.items()}
    outcomes = {label: training_outcome(frame, read_training_settings(histories[label]))
                for label, frame in history_frames.items()}
    if outcomes:
        summary["training"] = outcomes
    summary = _json_safe(summary)

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "auc_by_category.tsv") as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    plot_training_curves(out / "training_curves.png", history_frames, outcomes,
                         {label: len(frame) for label, frame in frames.items()})
    markdown = render_markdown(summary, table)
    page = _results_page(summary, markdown, out / "training_curves.png", scatter, curves, logos)
    with atomic_path(out / "summary.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    with atomic_path(out / "summary.md") as tmp:
        tmp.write_text(markdown + "\n", encoding="utf-8")
    with atomic_path(out / "report.html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    with atomic_path(out / "tables.html") as tmp:
        tmp.write_text(tables_page(markdown), encoding="utf-8")
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
                  logos: Mapping[str, str | os.PathLike[str]]) -> str:
    """report.html: the verdict first, then the summary's sections with their figures."""
    from danq.report.html import Figure, render_html

    models = list(summary.get("models", []))
    figures: dict[str, list[Figure]] = {"comparison": [], "curves": [], "motifs": [],
                                        "training": []}
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
