"""The synthetic benchmark's baselines and ceilings in the run summary (``danq report --baselines``).

Reads what ``danq baselines`` wrote (``all_metrics.tsv``, ``decoys.tsv``) and answers, for
people and programs:

* per category, each model's median ROC/PR AUC beside the oracle ceiling, the presence-only,
  marginal and PWM-scan baselines, under the noisy test labels and the clean ones;
* **learned grammar**: on how many grammar targets each model beats the stronger of the
  presence-only and marginal baselines (PR AUC, noisy labels). Beating the other model is not
  enough: a model that only detects which motifs are present, or where each one sits, reaches
  those scores without knowing order or spacing;
* the ceiling and baselines per target, so a low AUC can be told from a low ceiling;
* the decoy breakdown: per grammar negative kind, the median ROC AUC of positives against it.

On a real dataset (``danq baselines --pwm``, no truth) the folder holds the PWM baseline and the
models under the labels as given (``observed``); the section then has the per-category medians
and a per-target table, and no learned-grammar count.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from danq.simulation.baselines import BASELINES, MARGIN_SDS, read_all_metrics, read_decoys

BASELINE_TITLES = {"oracle": "oracle ceiling", "presence": "presence-only",
                   "marginal": "marginal", "pwm_scan": "PWM scan"}
GRAMMAR_BEATS_GOAL = 3  # of the default run's 4 grammar targets (issue 11's goal)
LEARNED_GRAMMAR = (
    "A model has **learned grammar** on a grammar target when it beats the stronger of the "
    "presence-only and marginal baselines (PR AUC); beating the other model is not enough. "
    "Against presence-only the margin must exceed "
    f"{MARGIN_SDS:g} standard deviations of its PR AUC over random orders of its tied "
    "scores (shown as ± sd): a model that knows only presence exceeds the mean by chance half of "
    "the time; against the marginal baseline (no ties) any excess counts.")
DEFINITIONS = [
    "*oracle ceiling*: the true rule applied to the planted instances, scored against the test "
    "labels (held below 1 only by the label noise).",
    "*presence-only*: 1 when all the target's motifs are planted (grammar: A and B, any order, "
    "spacing or strand; combination: at least k of the set, which is the combination rule "
    "itself), else 0. It knows exactly which motifs a sequence holds and nothing else.",
    "*marginal*: a logistic regression, fitted on the training split's truth, over where each "
    "of the target's motifs sits (25-bp start bin x strand), with no term relating one motif to "
    "another: it knows each motif's own position and strand, not order, spacing or strand "
    "agreement. The simulation places decoys so that it should not beat presence-only.",
    "*PWM scan*: the k-th best log-odds over the target's motifs (best window, both strands; "
    "k = 1 single, 2 grammar, min_count combination): a realistic motif detector and a "
    "reference, not a ceiling (a model can beat it).",
    "*noisy* labels are the test labels as written (each label flipped with probability "
    "label_noise, 1 % by default); *clean* labels undo every flip recorded in truth.json.",
]


REAL_DEFINITIONS = [
    "*PWM scan* (real data, `danq baselines --pwm`): per target, the best relative log-odds "
    "score of the named JASPAR PWMs over every window on both strands (0 = the PWM's worst "
    "possible window, 1 = its best), against the dataset's own base composition: what a motif "
    "scanner that knows the factor reaches, a reference for the models' AUCs (not a ceiling).",
    "*observed* labels are the dataset's labels as given.",
]


def _median(values: Any) -> float | None:
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    return float(np.median(arr)) if arr.size else None


def baseline_section(baselines_dir: str | os.PathLike[str],
                     models: Sequence[str]) -> dict[str, Any]:
    """Everything the summary says about baselines, from a ``danq baselines`` output folder.

    ``models`` are the report's model labels; those present in the folder (``--predictions``
    labels of ``danq baselines``) are set beside the baselines.
    """
    folder = Path(baselines_dir)
    metrics = read_all_metrics(folder / "all_metrics.tsv")
    spread: dict[tuple[str, str], float] = {}
    if (folder / "presence_spread.tsv").is_file():
        table = pd.read_csv(folder / "presence_spread.tsv", sep="\t")
        spread = {(r.target, r.labels): float(r.pr_auc_sd_ties) for r in table.itertuples()}
    decoys = read_decoys(folder / "decoys.tsv") if (folder / "decoys.tsv").is_file() \
        else pd.DataFrame(columns=["source", "kind", "n", "mean_score", "roc_auc_vs_positives"])
    present = set(metrics["source"])
    sources = [m for m in models if m in present] + [b for b in BASELINES if b in present]
    categories = list(dict.fromkeys(metrics["category"]))

    label_sets = [lab for lab in ("noisy", "clean", "observed") if lab in set(metrics["labels"])]
    per_category = []
    for labels in label_sets:
        for category in categories:
            row: dict[str, Any] = {"category": category, "labels": labels}
            for source in sources:
                sel = metrics[(metrics["source"] == source) & (metrics["labels"] == labels)
                              & (metrics["category"] == category)]
                row["n_targets"] = int(len(sel))
                row[source] = {"median_roc_auc": _median(sel["roc_auc"]),
                               "median_pr_auc": _median(sel["pr_auc"])}
            per_category.append(row)

    def value(source: str, labels: str, target: str, metric: str) -> float | None:
        sel = metrics[(metrics["source"] == source) & (metrics["labels"] == labels)
                      & (metrics["target"] == target)]
        return float(sel[metric].iloc[0]) if len(sel) and not np.isnan(sel[metric].iloc[0]) \
            else None

    targets = list(dict.fromkeys(metrics["target"]))
    category_of = dict(zip(metrics["target"], metrics["category"], strict=False))
    ceilings = [{
        "target": t, "category": category_of[t],
        **{f"{b}_{labels}_{m}": value(b, labels, t, f"{m}_auc")
           for b in ("oracle", "pwm_scan", "presence", "marginal")
           for labels in ("noisy", "clean")
           for m in ("roc", "pr")},
    } for t in targets]

    if "oracle" not in present:  # a real dataset: the PWM baseline and the models per target
        ceilings = [{"target": t, "category": category_of[t],
                     **{f"{s}_{m}": value(s, "observed", t, f"{m}_auc")
                        for s in sources for m in ("roc", "pr")}} for t in targets]
    grammar = [t for t in targets if category_of[t] == "grammar"] if "presence" in present else []
    learned: dict[str, Any] = {}
    for model in [m for m in models if m in present and grammar]:
        per_target = [_learned_entry(t, value, spread, model) for t in grammar]
        learned[model] = {
            "n_grammar": len(grammar),
            "n_beats_baselines": sum(e["noisy_beats_baselines"] for e in per_target),
            "n_beats_baselines_clean": sum(e["clean_beats_baselines"] for e in per_target),
            "n_beats_presence": sum(e["noisy_beats_presence"] for e in per_target),
            "n_beats_presence_clean": sum(e["clean_beats_presence"] for e in per_target),
            "targets": per_target,
        }

    breakdown = []
    for source in sources:
        rows = decoys[decoys["source"] == source]
        for kind in dict.fromkeys(rows["kind"]):
            sel = rows[rows["kind"] == kind]
            breakdown.append({
                "source": source, "kind": kind, "n_targets": int(len(sel)),
                "n_sequences": int(sel["n"].sum()),
                "median_roc_auc_vs_positives": _median(sel["roc_auc_vs_positives"]),
                "median_mean_score": _median(sel["mean_score"]),
            })
    return {"dir": str(folder), "sources": sources, "label_sets": label_sets,
            "per_category": per_category,
            "ceilings": ceilings, "learned_grammar": learned, "decoys": breakdown,
            "definitions": DEFINITIONS if "oracle" in present else REAL_DEFINITIONS,
            "learned_grammar_definition": LEARNED_GRAMMAR if "oracle" in present else ""}


#: The baselines that decide "learned grammar" (source -> title): a model has learned grammar on
#: a target when it beats the stronger of these (:func:`_learned_entry`); the report names them.
GRAMMAR_BASELINES = {"presence": "presence-only", "marginal": "marginal"}


def _learned_entry(target: str, value: Any, spread: Mapping[tuple[str, str], float],
                   model: str) -> dict[str, Any]:
    """One model on one grammar target: its PR AUC, the two baselines' and whether it beats
    presence-only (by more than MARGIN_SDS tie-order sd) and the stronger of the two."""
    entry: dict[str, Any] = {"target": target}
    for labels in ("noisy", "clean"):
        mine = value(model, labels, target, "pr_auc")
        presence = value("presence", labels, target, "pr_auc")
        marginal = value("marginal", labels, target, "pr_auc")
        sd = spread.get((target, labels), 0.0)
        beats_presence = mine is not None and presence is not None and \
            mine > presence + MARGIN_SDS * sd
        beats_marginal = marginal is None or (mine is not None and mine > marginal)
        entry.update({
            f"{labels}_pr_auc": mine, f"{labels}_presence_pr_auc": presence,
            f"{labels}_presence_pr_auc_sd": sd, f"{labels}_marginal_pr_auc": marginal,
            f"{labels}_beats_presence": beats_presence,
            f"{labels}_beats_baselines": beats_presence and beats_marginal,
        })
    return entry


def grammar_goal(section: Mapping[str, Any], challenger: str | None,
                 baseline: str | None) -> dict[str, Any] | None:
    """Issue 11's grammar goal, against the stronger baseline (issue 22): the challenger beats
    the stronger of presence-only and marginal on >= 3 grammar targets (of 4 by default) while
    the baseline model does not."""
    learned = section.get("learned_grammar", {})
    if challenger not in learned or not learned[challenger]["n_grammar"]:
        return None
    mine = learned[challenger]
    other = learned.get(baseline) if baseline else None
    met = mine["n_beats_baselines"] >= min(GRAMMAR_BEATS_GOAL, mine["n_grammar"])
    measured = f"{challenger} {mine['n_beats_baselines']}/{mine['n_grammar']}"
    if other is not None:
        met = met and other["n_beats_baselines"] < min(GRAMMAR_BEATS_GOAL, other["n_grammar"])
        measured += f", {baseline} {other['n_beats_baselines']}/{other['n_grammar']}"
    return {"goal": f"{challenger} beats the stronger of the presence-only and marginal "
                    f"baselines (PR AUC) on >= {GRAMMAR_BEATS_GOAL} grammar targets"
                    + (f" while {baseline} does not" if other is not None else ""),
            "measured": measured, "met": bool(met)}


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pair(cell: Mapping[str, Any] | None) -> str:
    if not cell:
        return "n/a"
    return f"{_fmt(cell['median_roc_auc'])} / {_fmt(cell['median_pr_auc'])}"


def _title(source: str) -> str:
    return BASELINE_TITLES.get(source, source)


def render_baselines(section: Mapping[str, Any]) -> list[str]:
    """summary.md lines for the baseline section."""
    sources = list(section["sources"])
    lines = ["## Against baselines and ceilings (median ROC AUC / PR AUC)", ""]
    lines += [f"- {d}" for d in section["definitions"]] + ["", section[
        "learned_grammar_definition"], ""]
    lines.append("| category | labels | targets | " + " | ".join(map(_title, sources)) + " |")
    lines.append("|---|---|---:|" + "---:|" * len(sources))
    for row in section["per_category"]:
        cells = " | ".join(_pair(row.get(s)) for s in sources)
        lines.append(f"| {row['category']} | {row['labels']} | {row['n_targets']} | {cells} |")
    lines.append("")

    learned = {m: v for m, v in section["learned_grammar"].items() if v["n_grammar"]}
    if learned:
        models = list(learned)
        lines += ["### Learned grammar: grammar targets where a model beats the stronger of "
                  "presence-only and marginal", ""]
        lines.append("| grammar target | presence-only PR AUC | marginal PR AUC | " + " | ".join(
            f"{m} PR AUC" for m in models) + " | oracle PR AUC |")
        lines.append("|---|---:|---:|" + "---:|" * (len(models) + 1))
        ceiling = {c["target"]: c for c in section["ceilings"]}
        first = learned[models[0]]["targets"]
        for i, entry in enumerate(first):
            cells = []
            for m in models:
                e = learned[m]["targets"][i]
                mark = " (beats)" if e["noisy_beats_baselines"] else ""
                cells.append(f"{_fmt(e['noisy_pr_auc'])}{mark}")
            lines.append(f"| {entry['target']} | {_fmt(entry['noisy_presence_pr_auc'])} ± "
                         f"{entry['noisy_presence_pr_auc_sd']:.3f} | "
                         f"{_fmt(entry.get('noisy_marginal_pr_auc'))} | "
                         + " | ".join(cells)
                         + f" | {_fmt(ceiling[entry['target']]['oracle_noisy_pr'])} |")
        lines.append("| **learned grammar on** | | | " + " | ".join(
            f"**{learned[m]['n_beats_baselines']}/{learned[m]['n_grammar']}** "
            f"(clean labels: {learned[m]['n_beats_baselines_clean']}/{learned[m]['n_grammar']};"
            f" presence-only alone: {learned[m]['n_beats_presence']})"
            for m in models) + " | |")
        lines += ["", f"(noisy test labels; \"beats\" = PR AUC above presence-only by more than "
                      f"{MARGIN_SDS:g} sd and above marginal)", ""]

    if "oracle" not in sources:
        lines += ["### Per target (ROC AUC / PR AUC, labels as given)", "",
                  "| target | category | " + " | ".join(map(_title, sources)) + " |",
                  "|---|---|" + "---:|" * len(sources)]
        for c in section["ceilings"]:
            cells = " | ".join(f"{_fmt(c.get(f'{s}_roc'))} / {_fmt(c.get(f'{s}_pr'))}"
                               for s in sources)
            lines.append(f"| {c['target']} | {c['category']} | {cells} |")
        lines.append("")
        return lines

    lines += ["### Ceiling and baselines per target", "",
              "| target | category | oracle ROC / PR (noisy) | PWM scan ROC / PR (noisy) | "
              "PWM scan ROC / PR (clean) | presence-only PR (noisy) | marginal PR (noisy) |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for c in section["ceilings"]:
        lines.append(
            f"| {c['target']} | {c['category']} | {_fmt(c['oracle_noisy_roc'])} / "
            f"{_fmt(c['oracle_noisy_pr'])} | {_fmt(c['pwm_scan_noisy_roc'])} / "
            f"{_fmt(c['pwm_scan_noisy_pr'])} | {_fmt(c['pwm_scan_clean_roc'])} / "
            f"{_fmt(c['pwm_scan_clean_pr'])} | {_fmt(c['presence_noisy_pr'])} | "
            f"{_fmt(c.get('marginal_noisy_pr'))} |")
    lines.append("")

    if section["decoys"]:
        kinds = list(dict.fromkeys(d["kind"] for d in section["decoys"] if d["kind"] != "positive"))
        lines += ["### How grammar negatives are scored", "",
                  "Median over grammar targets of the ROC AUC of the positives against each kind "
                  "of negative (clean labels): 0.5 = scored like a positive, 1 = always below "
                  "every positive. swapped / close / far are planted decoys (both motifs, wrong "
                  "order or spacing); both_other holds both motifs otherwise (e.g. on opposite "
                  "strands).", ""]
        counts = {d["kind"]: d["n_sequences"] for d in section["decoys"]
                  if d["source"] == sources[0]}
        lines.append("| source | " + " | ".join(f"{k} (n={counts.get(k, 0)})" for k in kinds)
                     + " |")
        lines.append("|---|" + "---:|" * len(kinds))
        table = {(d["source"], d["kind"]): d for d in section["decoys"]}
        for source in sources:
            cells = [_fmt(table[(source, k)]["median_roc_auc_vs_positives"])
                     if (source, k) in table else "n/a" for k in kinds]
            lines.append(f"| {_title(source)} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines
