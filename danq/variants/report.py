"""Reading variant-effect results: a top-variants heatmap and, against ground truth, ROC AUCs.

* :func:`danq.variants.results.read_effects` loads ``variant_effects.h5`` (written by
  ``danq variant-effect``).
* :func:`plot_top_variants` draws the variants with the largest ``|score|`` against the targets
  they move most (a diverging heatmap centred on 0).
* :func:`truth_auc` asks how well ``max over targets |logit_diff|`` separates variants that hit a
  planted motif (``destroy``/``create`` in ``danq simulate-variants``' ``truth.tsv``) from neutral
  ones: scikit-learn's ROC AUC, overall and per class.
* :func:`variant_report` does both for several models and writes ``truth_auc.tsv``,
  ``heatmap_<label>.png`` and ``summary.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.io import atomic_directory, require_file
from danq.io.tables import write_json
from danq.variants.results import read_effects

PathLike = str | os.PathLike[str]


def read_finite_effects(path: PathLike, score: str = "logit_diff") -> dict[str, Any]:
    """:func:`danq.variants.results.read_effects`, refusing NaN or infinite scores in one line.

    A NaN effect comes from NaN predictions (a broken model or file), never from one variant:
    dropping those rows would rank, plot and score a silently biased subset, so the file is
    refused, naming how many variants and the first one.
    """
    data = read_effects(path, score)
    values = np.asarray(data["values"])
    bad = ~np.isfinite(values).all(axis=1) if values.size else np.zeros(0, dtype=bool)
    if bad.any():
        first = data["labels"][int(np.argmax(bad))]
        raise DanqError(
            f"{path}: {int(bad.sum())} of {len(bad)} variants have NaN or infinite {score} scores "
            f"(first: {first}); the model gave NaN predictions? Check it with danq predict and "
            "rerun danq variant-effect"
        )
    return data


def plot_top_variants(path: PathLike, stem: PathLike, *, score: str = "logit_diff",
                      n_variants: int = 25, n_targets: int = 25, title: str = "") -> list[Path]:
    """Heatmap of the ``n_variants`` largest-effect variants x their ``n_targets`` top targets.

    Variants are ranked by ``max |score|`` over targets; targets by ``max |score|`` over the chosen
    variants. Writes ``<stem>.png`` and returns the written paths.
    """
    from danq.io.plotting import pyplot, save_figure

    data = read_finite_effects(path, score)
    values = data["values"]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 6))
    if values.size == 0:
        ax.text(0.5, 0.5, "no variant scored", ha="center", va="center")
        ax.set_axis_off()
        return save_figure(fig, stem)
    strength = np.abs(values)
    rows = np.argsort(-strength.max(axis=1), kind="stable")[:n_variants]
    cols = np.argsort(-strength[rows].max(axis=0), kind="stable")[:n_targets]
    shown = values[np.ix_(rows, cols)]
    limit = float(np.abs(shown).max()) or 1.0
    image = ax.imshow(shown, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto",
                      interpolation="nearest")
    ax.set_yticks(range(len(rows)), [data["labels"][i] for i in rows], fontsize=6)
    ax.set_xticks(range(len(cols)), [data["targets"][j] for j in cols], rotation=90, fontsize=6)
    ax.set_title(title or f"Top variants by |{score}|", fontsize=9)
    fig.colorbar(image, ax=ax, label=score)
    fig.tight_layout()
    return save_figure(fig, stem)


def read_truth(path: PathLike) -> dict[str, str]:
    """``id -> class`` of a ``danq simulate-variants`` truth.tsv."""
    import pandas as pd

    p = require_file(path, "variant truth table")
    try:
        table = pd.read_csv(p, sep="\t", dtype=str)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DanqError(f"{p}: not a `danq simulate-variants` truth.tsv ({message})") from None
    if not {"id", "class"} <= set(table.columns):
        raise DanqError(f"{p}: expected columns id and class (a `danq simulate-variants` truth.tsv)")
    return dict(zip(table["id"], table["class"], strict=True))


def truth_auc(path: PathLike, truth: PathLike | Mapping[str, str]) -> dict[str, Any]:
    """ROC AUC of ``max_t |logit_diff|`` for motif-hitting vs neutral variants (overall, per class).

    ``None`` where a class is missing (an AUC needs both kinds).
    """
    from sklearn.metrics import roc_auc_score

    classes = read_truth(truth) if not isinstance(truth, Mapping) else dict(truth)
    data = read_finite_effects(path, "logit_diff")
    strength = np.abs(data["values"]).max(axis=1) if data["values"].size else np.zeros(0)
    kinds = np.array([classes.get(i, "") for i in data["ids"]])
    known = kinds != ""
    if not known.any():
        raise DanqError(f"{path}: no scored variant id is in the truth table")
    result: dict[str, Any] = {"n_scored": int(known.sum())}
    neutral = kinds == "neutral"
    for name, hit in (("auc", (kinds == "destroy") | (kinds == "create")),
                      ("auc_destroy", kinds == "destroy"), ("auc_create", kinds == "create")):
        keep = hit | neutral
        labels = hit[keep]
        result[name] = (float(roc_auc_score(labels, strength[keep]))
                        if labels.any() and not labels.all() else None)
    for kind in ("destroy", "create", "neutral"):
        result[f"n_{kind}"] = int((kinds == kind).sum())
        result[f"median_{kind}"] = (float(np.median(strength[kinds == kind]))
                                    if (kinds == kind).any() else None)
    return result


def variant_report(effects: Mapping[str, PathLike], outdir: PathLike, *,
                   truth: PathLike | None = None, score: str = "logit_diff") -> dict[str, Any]:
    """Heatmap per model and, with ``truth``, ``truth_auc.tsv``; ``summary.json`` in ``outdir``.

    The folder's files are published together, only when all of them are complete
    (:func:`danq.io.atomic_directory`): a bad input leaves nothing behind.
    """
    if not effects:
        raise DanqError("variant report: give at least one LABEL=variant_effects.h5")
    out = Path(outdir)
    classes = read_truth(truth) if truth is not None else None  # a bad table fails first
    summary: dict[str, Any] = {"models": {}}
    rows = []
    with atomic_directory(out) as stage:
        for label, path in effects.items():
            figure = plot_top_variants(path, stage / f"heatmap_{label}", score=score,
                                       title=f"{label}: top variants by |{score}|")
            entry: dict[str, Any] = {"heatmap": [str(out / p.name) for p in figure]}
            if classes is not None:
                entry.update(truth_auc(path, classes))
                rows.append((label, entry))
            summary["models"][label] = entry
        if classes is not None:
            columns = ["auc", "auc_destroy", "auc_create", "n_destroy", "n_create", "n_neutral",
                       "median_destroy", "median_create", "median_neutral"]
            lines = ["model\t" + "\t".join(columns)]
            for label, entry in rows:
                lines.append(label + "\t" + "\t".join(
                    "NA" if entry[c] is None else (f"{entry[c]:.4f}" if isinstance(entry[c], float)
                                                   else str(entry[c])) for c in columns))
            (stage / "truth_auc.tsv").write_text("\n".join(lines) + "\n")
            summary["truth_auc"] = str(out / "truth_auc.tsv")
        write_json(summary, stage / "summary.json")
    return summary


def read_summary(path: PathLike) -> dict[str, Any]:
    """A ``danq variant-report`` summary.json; an unreadable one is a one-line error."""
    try:
        summary = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DanqError(f"{path}: not a danq variant-report summary ({error})") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("models"), dict):
        raise DanqError(f"{path}: not a danq variant-report summary (no 'models')")
    return summary


def summary_markdown(summary: Mapping[str, Any]) -> list[str]:
    """Markdown lines for ``danq report``: how well each model's |effect| finds the variants that
    destroy or create a planted motif (ground truth of the synthetic run)."""
    lines = ["## Variant effects (danq variant-effect)", ""]
    models = summary["models"]
    if not any("auc" in entry for entry in models.values()):
        return lines + [f"Scored by {', '.join(models)}; no ground truth to measure against.", ""]

    def cell(value: Any) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines += ["ROC AUC of each variant's largest |logit_diff| over the targets, separating variants "
              "that destroy or create a planted motif instance from neutral ones (0.5 = chance, "
              "1 = perfect).", "",
              "| model | all | destroy | create | variants (destroy / create / neutral) |",
              "|---|---:|---:|---:|---|"]
    for label, entry in models.items():
        lines.append(f"| {label} | {cell(entry.get('auc'))} | {cell(entry.get('auc_destroy'))} | "
                     f"{cell(entry.get('auc_create'))} | {entry.get('n_destroy')} / "
                     f"{entry.get('n_create')} / {entry.get('n_neutral')} |")
    return lines + [""]
