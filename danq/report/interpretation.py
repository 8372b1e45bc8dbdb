"""Ground truth on the synthetic benchmark: the interpretation stage's section of the report.

The workflow's interpretation stage (workflow/rules/interpret.smk) leaves, per model, a folder::

    attribute/<method>/accuracy.tsv   `danq attribute --truth`: AUROC per target of |attribution|
                                      separating the planted instances' positions from the rest
    modisco/summary.json, tomtom.tsv  `danq modisco --truth`: TF-MoDISco patterns vs JASPAR
    marginalize/<target>/summary.json, marginalize.tsv   `danq marginalize`: the grammar experiment

This module reads those folders (:func:`read_interpretation`), puts the numbers side by side
(:func:`interpretation_section`: attribution AUROC per model x method x category; the planted motifs
TF-MoDISco recovers, counted exactly as the filters' recovery is (:mod:`danq.report.motif_recovery`),
beside the filters'; per grammar target the response to the pair inside and outside the rule's
window), states what they show from those numbers (:func:`statement`), and draws the three figures
(:func:`plot_interpretation`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from danq.errors import DanqError
from danq.report.motif_recovery import motif_recovery, read_tomtom_matches

#: Category order of the tables and figures (others follow in the order met).
CATEGORIES = ("single", "grammar", "combination")
#: A grammar target's response counts as higher inside the rule's window when the difference
#: exceeds this many standard errors (over the grid's cells), about a 95 % one-sided bar.
CLEAR_SE = 2.0
#: The figures :func:`plot_interpretation` writes into the report folder.
FIGURES = ("interpretation_accuracy.png", "interpretation_recovery.png",
           "interpretation_grammar.png")


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DanqError(f"{path}: not a readable summary.json ({exc})") from None
    if not isinstance(data, dict):
        raise DanqError(f"{path}: not a summary.json (expected a mapping)")
    return data


def read_accuracy(folder: Path) -> pd.DataFrame:
    """Every ``attribute/<method>/accuracy.tsv`` of a folder, one frame (method a column)."""
    frames = []
    for path in sorted(folder.glob("attribute/*/accuracy.tsv")):
        frame = pd.read_csv(path, sep="\t")
        missing = {"target", "category", "auroc"} - set(frame.columns)
        if missing:
            raise DanqError(f"{path}: no {', '.join(sorted(missing))} column (not a `danq "
                            "attribute --truth` accuracy.tsv?)")
        if "method" not in frame.columns:
            frame.insert(0, "method", path.parent.name)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["method", "target", "category", "auroc"])
    return pd.concat(frames, ignore_index=True)


def rule_curves(table: pd.DataFrame, window: Sequence[Any] | None) -> dict[str, Any]:
    """Mean ``delta_ab`` vs spacing (over orientations) of the rule's arrangement (its order, same
    strand) and of the same pair in the other order, from a ``marginalize.tsv``."""
    first = str(window[2]) if window is not None and len(window) > 2 else "A"
    rule_order = "AB" if first == "A" else "BA"
    other_order = "BA" if rule_order == "AB" else "AB"
    curves: dict[str, Any] = {}
    for key, order in (("rule", rule_order), ("swapped", other_order)):
        rows = table[(table["order"] == order) & (table["strand"] == "same")]
        mean = rows.groupby("spacing")["delta_ab_mean"].mean()
        curves[key] = {"spacing": [int(s) for s in mean.index],
                       "delta_ab": [float(v) for v in mean.to_numpy()]}
    return curves


def read_marginalization(folder: Path) -> dict[str, Any]:
    """Per grammar target: motifs, rule window, the summary's responses and the rule curves."""
    out: dict[str, Any] = {}
    for summary_path in sorted(folder.glob("marginalize/*/summary.json")):
        summary = _json(summary_path)
        table = pd.read_csv(summary_path.with_name("marginalize.tsv"), sep="\t")
        for target in summary.get("targets", []):
            window = (summary.get("rule_windows") or {}).get(target)
            rows = table[table["target"] == target]
            response = (summary.get("responses") or {}).get(target, {})
            out[str(target)] = {
                "motifs": [summary.get("motif_a", {}).get("name"),
                           summary.get("motif_b", {}).get("name")],
                "window": window, "responses": response,
                **dict(zip(("contrast", "contrast_se"), _contrast(rows, window), strict=True)),
                "curves": rule_curves(rows, window) if len(rows) else {},
            }
    return out


def _contrast(rows: pd.DataFrame, window: Sequence[Any] | None) -> tuple[float | None, float | None]:
    """Mean Δlogit of the pair over the cells inside the rule minus over all other cells, and
    its standard error from the spread of the cells' means (None, None without a window)."""
    if window is None or "in_rule" not in rows.columns or not len(rows):
        return None, None
    inside = rows["in_rule"].astype(str).str.lower() == "true"
    if not inside.any() or inside.all():
        return None, None
    a, b = rows.loc[inside, "delta_ab_mean"], rows.loc[~inside, "delta_ab_mean"]
    variance = sum(float(x.var(ddof=1)) / len(x) if len(x) > 1 else 0.0 for x in (a, b))
    return float(a.mean() - b.mean()), float(np.sqrt(variance))


def clearly_higher(contrast: float | None, se: float | None) -> bool:
    """Inside the rule above outside by more than :data:`CLEAR_SE` standard errors."""
    if contrast is None or se is None:
        return False
    return contrast > CLEAR_SE * se if se > 0 else contrast > 0


def read_modisco(folder: Path, planted: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """TF-MoDISco's recovery of the planted motifs, counted as the filters' is, or None."""
    path = folder / "modisco" / "summary.json"
    if not path.is_file():
        return None
    summary = _json(path)
    rate = ((summary.get("decoys") or {}).get("all") or {}).get("rate")
    recovery = motif_recovery(planted, read_tomtom_matches(folder / "modisco" / "tomtom.tsv"),
                              None, rate)
    recovery["n_patterns"] = summary.get("n_patterns")
    return recovery


def read_interpretation(folder: str | os.PathLike[str],
                        planted: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One model's interpretation folder: accuracy rows, MoDISco recovery, marginalization."""
    path = Path(folder)
    if not path.is_dir():
        raise DanqError(f"{path}: no such interpretation folder (workflow: results/interpret/RUN)")
    return {"accuracy": read_accuracy(path).to_dict("records"),
            "modisco": read_modisco(path, planted),
            "marginalize": read_marginalization(path)}


def accuracy_medians(models: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Median AUROC per model x method x category (and ``all``), with the number of targets."""
    rows = []
    for label, section in models.items():
        frame = pd.DataFrame.from_records(section.get("accuracy") or [])
        if frame.empty:
            continue
        for method, part in frame.groupby("method", sort=False):
            known = [c for c in CATEGORIES if c in set(part["category"])]
            others = [c for c in dict.fromkeys(part["category"]) if c not in CATEGORIES]
            for category in [*known, *others, "all"]:
                sub = part if category == "all" else part[part["category"] == category]
                values = pd.to_numeric(sub["auroc"], errors="coerce").dropna()
                rows.append({"model": label, "method": str(method), "category": category,
                             "median_auroc": float(values.median()) if len(values) else None,
                             "n_targets": int(len(values))})
    return rows


def _median(rows: Sequence[Mapping[str, Any]], model: str, method: str) -> float | None:
    for row in rows:
        if row["model"] == model and row["method"] == method and row["category"] == "all":
            return row["median_auroc"]
    return None


def statement(section: Mapping[str, Any]) -> str:
    """One paragraph saying what the three figures show, built from their numbers."""
    models = section["models"]
    rows = section["accuracy_medians"]
    parts = []
    methods = list(dict.fromkeys(r["method"] for r in rows))
    for method in methods:
        values = [(label, _median(rows, label, method)) for label in models]
        values = [(label, v) for label, v in values if v is not None]
        if values:
            text = ", ".join(f"{label} {v:.2f}" for label, v in values)
            parts.append(f"{method.upper()} {text}")
    sentences = []
    if parts:
        sentences.append("Attribution accuracy (median AUROC over targets of |attribution| "
                         "separating planted-instance positions from the rest; 0.5 is chance): "
                         + "; ".join(parts) + ".")
    recovered = []
    for label, model in models.items():
        modisco, filters = model.get("modisco"), model.get("filters")
        if modisco is None:
            continue
        rate = modisco.get("decoy_false_match_rate")
        text = (f"{label} {modisco['n_recovered']} of {modisco['n_planted']}"
                + (f" (decoy false-match rate {100 * rate:.1f} %)" if rate is not None else ""))
        if filters:
            text += f" against {filters['n_recovered']} by its first-layer filters"
        recovered.append(text)
    if recovered:
        sentences.append("TF-MoDISco on the attributions recovers " + "; ".join(recovered) + ".")
    grammar = []
    for label, model in models.items():
        targets = [t for t in model.get("marginalize", {}).values() if t.get("contrast") is not None]
        if targets:
            higher = sum(clearly_higher(t["contrast"], t.get("contrast_se")) for t in targets)
            pair = np.mean([(t.get("responses") or {}).get("delta_ab_all") or 0.0 for t in targets])
            grammar.append(f"{label} responds more to the pair inside the rule's window than "
                           f"outside on {higher} of {len(targets)} grammar targets (inside − "
                           f"outside {np.mean([t['contrast'] for t in targets]):+.3f} logit on "
                           f"average, against a mean response of {pair:+.3f} to the pair itself)")
    if grammar:
        sentences.append("In the grammar experiment " + "; ".join(grammar) + f" (higher: by more "
                         f"than {CLEAR_SE:g} standard errors over the grid's cells); a model "
                         "that learned only the motifs' presence would show no difference.")
    return " ".join(sentences) or "The interpretation stage wrote no results."


def interpretation_section(folders: Mapping[str, str | os.PathLike[str]],
                           planted: Sequence[Mapping[str, Any]],
                           filters: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The report's section: per model label its folder's numbers, the accuracy medians, the
    filters' recovery beside MoDISco's (``filters``: the report's ``motif_recovery``) and the
    statement."""
    models: dict[str, Any] = {}
    for label, folder in folders.items():
        models[label] = read_interpretation(folder, planted)
        if filters and label in filters:
            models[label]["filters"] = {k: filters[label].get(k) for k in
                                        ("n_planted", "n_recovered", "decoy_false_match_rate")}
    section = {"models": models, "accuracy_medians": accuracy_medians(models)}
    section["statement"] = statement(section)
    return section


def _fmt(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and np.isnan(value)) \
        else f"{value:.{digits}f}"


def interpretation_markdown(section: Mapping[str, Any]) -> list[str]:
    """The section's Markdown: statement, then the accuracy, recovery and grammar tables."""
    lines = ["## Explaining the predictions: ground truth", "", section["statement"], ""]
    rows = section["accuracy_medians"]
    categories = list(dict.fromkeys(r["category"] for r in rows))
    if rows:
        lines += ["Median attribution AUROC per category (targets in brackets):", "",
                  "| model | method | " + " | ".join(categories) + " |",
                  "|---|---|" + "---|" * len(categories)]
        for key in dict.fromkeys((r["model"], r["method"]) for r in rows):
            cells = {r["category"]: r for r in rows if (r["model"], r["method"]) == key}
            lines.append(f"| {key[0]} | {key[1]} | " + " | ".join(
                f"{_fmt(cells[c]['median_auroc'])} ({cells[c]['n_targets']})" if c in cells
                else "" for c in categories) + " |")
        lines.append("")
    models = section["models"]
    if any(m.get("modisco") for m in models.values()):
        lines += ["| planted motifs recovered | filters | filters' false-match rate | TF-MoDISco "
                  "| TF-MoDISco's false-match rate | patterns |", "|---|---|---|---|---|---|"]
        for label, m in models.items():
            f, d = m.get("filters") or {}, m.get("modisco") or {}
            lines.append(
                f"| {label} | {_count(f)} | {_pct(f.get('decoy_false_match_rate'))} | "
                f"{_count(d)} | {_pct(d.get('decoy_false_match_rate'))} | "
                f"{d.get('n_patterns', 'n/a')} |")
        lines.append("")
    grammar = [(label, name, t) for label, m in models.items()
               for name, t in m.get("marginalize", {}).items()]
    if grammar:
        lines += ["| model | grammar target | rule window (bp) | Δlogit inside the rule | "
                  "outside | inside − outside (± s.e.) |", "|---|---|---|---|---|---|"]
        for label, name, t in grammar:
            r, w = t.get("responses") or {}, t.get("window")
            window = f"{w[0]}–{w[1]}" if w else "n/a"
            lines.append(f"| {label} | {name} | {window} | {_fmt(r.get('delta_ab_in_rule'))} | "
                         f"{_fmt(r.get('delta_ab_outside_rule'))} | {_fmt(t.get('contrast'))} "
                         f"(± {_fmt(t.get('contrast_se'))}) |")
        lines.append("")
    return lines


def _count(recovery: Mapping[str, Any]) -> str:
    if not recovery or recovery.get("n_recovered") is None:
        return "n/a"
    return f"{recovery['n_recovered']}/{recovery['n_planted']}"


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{100 * rate:.1f} %"


def plot_interpretation(section: Mapping[str, Any], outdir: str | os.PathLike[str]) -> list[Path]:
    """Draw the figures that have numbers (of :data:`FIGURES`) into ``outdir``; their paths."""
    from danq.io.plotting import pyplot, save_figure

    plt = pyplot()
    out, written = Path(outdir), []
    models = section["models"]
    rows = [r for r in section["accuracy_medians"] if r["category"] != "all"]
    if rows:
        keys = list(dict.fromkeys((r["model"], r["method"]) for r in rows))
        categories = list(dict.fromkeys(r["category"] for r in rows))
        fig, ax = plt.subplots(figsize=(7.5, 4.0))
        width = 0.8 / len(keys)
        for k, key in enumerate(keys):
            frame = pd.DataFrame.from_records(models[key[0]]["accuracy"])
            frame = frame[frame["method"] == key[1]]
            x = np.arange(len(categories)) + (k - (len(keys) - 1) / 2) * width
            heights = [next((r["median_auroc"] for r in rows if (r["model"], r["method"]) == key
                             and r["category"] == c), None) for c in categories]
            ax.bar(x, [np.nan if h is None else h for h in heights], width * 0.9,
                   label=f"{key[0]} {key[1]}", color=f"C{k}", alpha=0.75)
            for xi, c in zip(x, categories, strict=True):
                points = pd.to_numeric(frame.loc[frame["category"] == c, "auroc"], errors="coerce")
                ax.plot([xi] * len(points), points, "k.", markersize=4)
        ax.axhline(0.5, color="0.4", linestyle="--", linewidth=0.8)
        ax.set_xticks(np.arange(len(categories)), categories)
        ax.set_ylabel("attribution AUROC (bar: median; dots: targets)")
        ax.set_ylim(0.0, 1.0)
        ax.legend(fontsize=8, frameon=False, ncol=min(4, len(keys)), loc="lower center",
                  bbox_to_anchor=(0.5, 1.0))
        fig.tight_layout()
        written += save_figure(fig, out / Path(FIGURES[0]).stem, ("png",), dpi=100, tight=True)
    recovery = [(label, m) for label, m in models.items() if m.get("modisco")]
    if recovery:
        fig, ax = plt.subplots(figsize=(6.0, 3.5))
        x = np.arange(len(recovery))
        for offset, key, name in ((-0.2, "filters", "first-layer filters"),
                                  (0.2, "modisco", "TF-MoDISco patterns")):
            values = [(m.get(key) or {}).get("n_recovered") for _, m in recovery]
            bars = ax.bar(x + offset, [np.nan if v is None else v for v in values], 0.38, label=name)
            for bar, (_, m) in zip(bars, recovery, strict=True):
                if (m.get(key) or {}).get("n_recovered") is None:
                    continue
                rate = (m.get(key) or {}).get("decoy_false_match_rate")
                ax.annotate(f"FMR {_pct(rate)}", (bar.get_x() + bar.get_width() / 2,
                            np.nan_to_num(bar.get_height())), ha="center", va="bottom", fontsize=7)
        n = recovery[0][1]["modisco"]["n_planted"]
        ax.axhline(n, color="0.4", linestyle="--", linewidth=0.8)
        ax.set_xticks(x, [label for label, _ in recovery])
        ax.set_ylabel(f"planted motifs recovered (of {n})")
        ax.legend(fontsize=8, frameon=False, loc="lower right")
        fig.tight_layout()
        written += save_figure(fig, out / Path(FIGURES[1]).stem, ("png",), dpi=100, tight=True)
    targets = list(dict.fromkeys(t for m in models.values() for t in m.get("marginalize", {})))
    if targets:
        cols = min(2, len(targets))
        nrows = int(np.ceil(len(targets) / cols))
        fig, axes = plt.subplots(nrows, cols, figsize=(5.0 * cols, 3.2 * nrows), squeeze=False)
        for ax, target in zip(axes.ravel(), targets, strict=False):
            window = None
            for k, (label, m) in enumerate(models.items()):
                entry = m.get("marginalize", {}).get(target)
                if not entry or not entry.get("curves"):
                    continue
                window = window or entry.get("window")
                for key, style in (("rule", "-"), ("swapped", ":")):
                    curve = entry["curves"][key]
                    ax.plot(curve["spacing"], curve["delta_ab"], color=f"C{k}", linestyle=style,
                            label=f"{label}, {'rule order' if key == 'rule' else 'swapped order'}")
            if window:
                ax.axvspan(window[0], window[1], color="0.88", zorder=0)
            ax.axhline(0, color="0.4", linewidth=0.6)
            ax.set_title(target, fontsize=9, loc="left")
            ax.set_xlabel("gap between the motifs (bp)")
            ax.set_ylabel("Δ logit, pair vs background")
        for ax in axes.ravel()[len(targets):]:
            ax.set_visible(False)
        axes[0, 0].legend(fontsize=7, frameon=False)
        fig.tight_layout()
        written += save_figure(fig, out / Path(FIGURES[2]).stem, ("png",), dpi=100, tight=True)
    return written


#: Title and caption of each figure in report.html.
CAPTIONS = {
    FIGURES[0]: ("Attribution accuracy on the planted motifs",
                 "Per category, the median over targets (bars) and each target (dots) of the "
                 "AUROC of |attribution| separating the positions of planted motif instances "
                 "from all other positions, on the test sequences the target's rule calls "
                 "positive. Dashed: 0.5, an attribution that ignores the motifs."),
    FIGURES[1]: ("Planted motifs recovered: first-layer filters vs TF-MoDISco",
                 "Planted JASPAR motifs matched at TOMTOM E < 0.01 by at least one first-layer "
                 "filter or TF-MoDISco pattern; FMR: the false-match rate of the same criterion "
                 "on decoy motifs. Dashed: all planted motifs."),
    FIGURES[2]: ("The grammar experiment: response to the pair vs the gap between the motifs",
                 "Mean Δlogit of the pair over the background alone (averaged over backgrounds "
                 "and orientations), in the rule's order on the same strand (solid) and in the "
                 "swapped order (dotted); the rule's window is shaded. A model that learned the "
                 "rule responds more inside the window on the solid line; a presence-only "
                 "model responds the same everywhere."),
}


def interpretation_figures(section: Mapping[str, Any], outdir: str | os.PathLike[str]) -> list[Any]:
    """:func:`plot_interpretation` into ``outdir``, as report.html figures with captions."""
    from danq.report.html import Figure

    return [Figure(path, *CAPTIONS[path.name]) for path in plot_interpretation(section, outdir)]


__all__ = ["CAPTIONS", "CLEAR_SE", "clearly_higher", "interpretation_figures", "FIGURES", "interpretation_markdown", "interpretation_section", "plot_interpretation",
           "read_interpretation", "statement"]
