"""Evaluation: per-target ROC AUC and PR AUC of a model on a labelled danq dataset.

Outputs in ``OUTDIR``:

* ``metrics.tsv`` — one row per target: ``target, category, n_pos, n_neg, roc_auc, pr_auc``
  (PR AUC is scikit-learn's average precision). A target with no positive or no negative test sample
  cannot be scored: its AUCs are ``NaN`` and it is listed in the summary, never given 0.5.
* ``summary.json`` — median and mean ROC/PR AUC per category and overall, ``n_scored``,
  ``n_not_scored`` and the not-scored targets, plus what was evaluated and how.
* ``predictions.h5`` — the probabilities with labels, names and target names (layout:
  :mod:`danq.formats.predictions`), so metrics and plots can be redone without the model
  (:func:`evaluate_predictions`, ``danq evaluate --from-predictions``).
* ``curves.png`` / ``curves.svg`` — ROC and PR curves of the best, median and worst target of each
  category.

Reverse-complement averaging (on by default, as DeepSEA evaluated):

* an ordinary dataset: each sample is scored together with its reverse complement, made in memory, and
  the two probabilities are averaged;
* a dataset that stores both strands as separate samples (``pair_index`` present, as the imported
  DeepSEA bundle): each window is scored once. Only forward-strand rows (``strand == +1``, plus any row
  without a partner) are kept; each is averaged with its stored partner row's prediction (a row without
  partner uses the in-memory reverse complement). With ``rc_average=False`` the same rows are scored
  on the forward strand only, so both settings evaluate the same windows.

Target categories come from the dataset; an empty category is reported as ``"all"``.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from danq.encoders import reverse_complement_tokens
from danq.errors import DanqError
from danq.formats.predictions import H5PredictionWriter, read_predictions
from danq.inference.predictor import DEFAULT_BATCH_SIZE, Predictor, load_predictor
from danq.io import atomic_path
from danq.io.plotting import pyplot, save_figure

UNCATEGORISED = "all"
METRIC_COLUMNS = ["target", "category", "n_pos", "n_neg", "roc_auc", "pr_auc"]

#: ``oracle(record_names, target_names)`` -> (records, targets) scores of the best possible model
#: (a ceiling); it raises DanqError when the records or targets are not the ones it knows.
Oracle = Callable[[Sequence[str], Sequence[str]], np.ndarray]


# --------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------


def category_names(categories: Sequence[str], n_targets: int) -> list[str]:
    """Categories per target with ``''`` (unknown) replaced by :data:`UNCATEGORISED`."""
    cats = list(categories) if categories is not None and len(categories) == n_targets else []
    if not cats:
        cats = [""] * n_targets
    return [c if c else UNCATEGORISED for c in cats]


def per_target_auc(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ROC AUC and PR AUC (average precision) per target column, with scikit-learn.

    A target whose labels are all 0 or all 1 cannot be ranked: it gets ``NaN`` for both, never 0.5.
    Shared by training (validation AUCs) and evaluation, so both use one definition.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels = np.asarray(labels)
    n_pos = labels.sum(axis=0, dtype=np.int64)
    n_neg = labels.shape[0] - n_pos
    roc = np.full(labels.shape[1], np.nan)
    pr = np.full(labels.shape[1], np.nan)
    for j in np.flatnonzero((n_pos > 0) & (n_neg > 0)):
        y = np.ascontiguousarray(labels[:, j]).astype(bool)
        p = np.ascontiguousarray(scores[:, j], dtype=np.float64)
        roc[j] = roc_auc_score(y, p)
        pr[j] = average_precision_score(y, p)
    return roc, pr


def score_targets(
    probabilities: np.ndarray,
    labels: np.ndarray,
    target_names: Sequence[str],
    target_categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per-target ROC AUC and average precision (PR AUC) with scikit-learn.

    A target whose labels are all 0 or all 1 gets ``NaN`` for both (it cannot be ranked).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`METRIC_COLUMNS`, one row per target, in target order.
    """
    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels)
    if probabilities.shape != labels.shape:
        raise DanqError(
            f"predictions of shape {probabilities.shape} do not match labels of shape {labels.shape}"
        )
    n_targets = probabilities.shape[1]
    if len(target_names) != n_targets:
        raise DanqError(f"{len(target_names)} target names for {n_targets} prediction columns")
    n_pos = labels.sum(axis=0, dtype=np.int64)
    n_neg = labels.shape[0] - n_pos
    roc, pr = per_target_auc(labels, probabilities)
    return pd.DataFrame(
        {
            "target": list(target_names),
            "category": category_names(list(target_categories or []), n_targets),
            "n_pos": n_pos,
            "n_neg": n_neg,
            "roc_auc": roc,
            "pr_auc": pr,
        },
        columns=METRIC_COLUMNS,
    )


def _stats(values: pd.Series) -> dict[str, float | None]:
    values = values.dropna()
    if values.empty:
        return {"median": None, "mean": None}
    return {"median": float(values.median()), "mean": float(values.mean())}


def _group_summary(frame: pd.DataFrame) -> dict[str, Any]:
    scored = frame["roc_auc"].notna() & frame["pr_auc"].notna()
    return {
        "n_targets": int(len(frame)),
        "n_scored": int(scored.sum()),
        "roc_auc": _stats(frame["roc_auc"]),
        "pr_auc": _stats(frame["pr_auc"]),
    }


def summarize(metrics: pd.DataFrame) -> dict[str, Any]:
    """Median and mean ROC/PR AUC per category and overall; scored and not-scored targets.

    NaN (not scored) targets are left out of the medians and means and listed by name.
    """
    not_scored = metrics.loc[metrics["roc_auc"].isna() | metrics["pr_auc"].isna(), "target"]
    categories = {
        str(name): _group_summary(group)
        for name, group in metrics.groupby("category", sort=False)
    }
    return {
        "overall": _group_summary(metrics),
        "categories": categories,
        "n_targets": int(len(metrics)),
        "n_scored": int(len(metrics) - len(not_scored)),
        "n_not_scored": int(len(not_scored)),
        "not_scored": [str(t) for t in not_scored],
    }


def read_metrics(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``metrics.tsv`` written by :func:`write_metrics` (checks the columns)."""
    p = Path(path)
    if not p.is_file():
        raise DanqError(f"{p}: metrics file does not exist")
    try:
        frame = pd.read_csv(p, sep="\t", dtype={"target": str, "category": str},
                            keep_default_na=False, na_values=["NaN", "nan", ""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a readable TSV ({str(exc).splitlines()[0]})") from None
    missing = [c for c in ("target", "roc_auc", "pr_auc") if c not in frame.columns]
    if missing:
        raise DanqError(f"{p}: missing column(s) {', '.join(missing)} (expected a danq metrics.tsv)")
    if "category" not in frame.columns:
        frame["category"] = UNCATEGORISED
    frame["category"] = frame["category"].fillna("").replace("", UNCATEGORISED)
    for column in ("roc_auc", "pr_auc"):
        try:
            frame[column] = pd.to_numeric(frame[column])
        except (ValueError, TypeError):
            raise DanqError(f"{p}: column {column} holds non-numeric values") from None
        outside = frame[column].notna() & ~frame[column].between(0, 1)
        if outside.any():
            row = frame[outside].iloc[0]
            raise DanqError(
                f"{p}: target '{row['target']}' has {column} {row[column]:g}; an AUC lies in [0, 1]"
            )
    return frame


def write_metrics(metrics: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the per-target table as TSV (NaN written as ``NaN``), atomically."""
    with atomic_path(path) as tmp:
        metrics.to_csv(tmp, sep="\t", index=False, na_rep="NaN", float_format="%.6f")


def write_json(data: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``data`` as indented JSON, atomically (NaN never appears: it is turned into null)."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if isinstance(value, np.generic):
            return clean(value.item())
        return value

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(clean(data), indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# Curves
# --------------------------------------------------------------------------------------------------


def representative_targets(metrics: pd.DataFrame,
                           metric: str = "roc_auc") -> dict[str, list[tuple[str, int]]]:
    """Per category, the best, median and worst scored target by ``metric`` as ``(role, column)``.

    The median target is the one at the middle rank (lower middle for an even count). ROC and
    PR panels are ranked separately (``roc_auc`` / ``pr_auc``): the best target by one metric is
    not always the best by the other.
    """
    chosen: dict[str, list[tuple[str, int]]] = {}
    for category, group in metrics.groupby("category", sort=False):
        scored = group.dropna(subset=["roc_auc", "pr_auc"]).sort_values(metric, kind="stable")
        if scored.empty:
            continue
        index = list(scored.index)
        picks = [("best", index[-1]), ("median", index[(len(index) - 1) // 2]), ("worst", index[0])]
        seen: set[int] = set()
        chosen[str(category)] = []
        for role, column in picks:
            if column not in seen:
                seen.add(column)
                chosen[str(category)].append((role, int(column)))
    return chosen


def _thin(x: np.ndarray, y: np.ndarray, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Keep at most ``max_points`` evenly spaced points of a curve (ends kept): small SVGs."""
    if len(x) <= max_points:
        return x, y
    keep = np.unique(np.linspace(0, len(x) - 1, max_points).round().astype(np.int64))
    return x[keep], y[keep]


def oracle_point(labels: np.ndarray, calls: np.ndarray) -> tuple[float, float] | None:
    """Recall and precision of 0/1 ``calls`` against boolean ``labels`` (None without calls or
    positives): where a perfect rule lands on a PR panel when labels carry noise."""
    labels, calls = np.asarray(labels, dtype=bool), np.asarray(calls, dtype=bool)
    if not calls.any() or not labels.any():
        return None
    hits = float((calls & labels).sum())
    return hits / float(labels.sum()), hits / float(calls.sum())


def plot_curves(
    probabilities: np.ndarray,
    labels: np.ndarray,
    metrics: pd.DataFrame,
    outdir: str | os.PathLike[str],
    stem: str = "curves",
    formats: Sequence[str] = ("png", "svg"),
    model_label: str = "",
    oracle: np.ndarray | None = None,
) -> list[Path]:
    """ROC (left) and PR (right) curves of each category's best, median and worst targets.

    Each panel ranks the targets by its own metric (ROC AUC left, PR AUC right). Chance is drawn
    dashed: the diagonal for ROC, each target's positive rate for PR (what a random score's
    precision is). ``model_label`` names the model in every title; legends sit beside the axes,
    off the curves (below them). ``oracle`` (rows and columns as ``probabilities``, 0/1: the
    synthetic benchmark's true rule, :func:`danq.simulation.baselines.oracle_scores`) adds each PR target's
    ceiling: the oracle's operating point (its recall and precision against the written labels),
    drawn as a star. Returns the written paths (``OUTDIR/curves.png``, ``.svg``).
    """
    plt = pyplot()
    from sklearn.metrics import precision_recall_curve, roc_curve

    by_metric = {"roc_auc": representative_targets(metrics, "roc_auc"),
                 "pr_auc": representative_targets(metrics, "pr_auc")}
    chosen = by_metric["roc_auc"]
    n_rows = max(1, len(chosen))
    fig, axes = plt.subplots(n_rows, 2, figsize=(11, 6.2 * n_rows), squeeze=False)
    # room below each row for its legends (saved cropped to the drawn content)
    fig.subplots_adjust(left=0.08, right=0.97, top=1 - 0.45 / (6.2 * n_rows),
                        bottom=1.3 / (6.2 * n_rows), hspace=0.42, wspace=0.3)
    colours = {"best": "tab:green", "median": "tab:blue", "worst": "tab:red"}
    prefix = f"{model_label}, " if model_label else ""
    if not chosen:
        for ax in axes[0]:
            ax.text(0.5, 0.5, "no scorable target", ha="center", va="center")
            ax.set_axis_off()
    for row, category in enumerate(chosen):
        ax_roc, ax_pr = axes[row]
        for role, j in by_metric["roc_auc"][category]:
            y = labels[:, j].astype(bool)
            fpr, tpr = _thin(*roc_curve(y, probabilities[:, j].astype(np.float64))[:2])
            ax_roc.plot(fpr, tpr, color=colours[role], lw=1.4,
                        label=f"{role}: {metrics.at[j, 'target']} ({metrics.at[j, 'roc_auc']:.3f})")
        ax_roc.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--", label="chance")
        for role, j in by_metric["pr_auc"].get(category, []):
            y = labels[:, j].astype(bool)
            precision, recall = _thin(
                *precision_recall_curve(y, probabilities[:, j].astype(np.float64))[:2])
            rate = float(y.mean())
            text = f"{role}: {metrics.at[j, 'target']} ({metrics.at[j, 'pr_auc']:.3f}; " \
                   f"chance {rate:.2f}"
            ax_pr.axhline(rate, color=colours[role], lw=0.8, ls="--")
            point = oracle_point(y, oracle[:, j] > 0.5) if oracle is not None else None
            if point is not None:
                ax_pr.plot(*point, marker="*", markersize=13, color=colours[role],
                           markeredgecolor="black", markeredgewidth=0.6, ls="none",
                           clip_on=False, zorder=5)
                text += f"; oracle precision {point[1]:.2f} at recall {point[0]:.2f}"
            ax_pr.step(recall, precision, where="post", color=colours[role], lw=1.4,
                       label=text + ")")
        ax_pr.plot([], [], color="grey", lw=0.8, ls="--",
                   label="chance: the target's positive rate")
        if oracle is not None:
            ax_pr.plot([], [], marker="*", markersize=10, color="grey", markeredgecolor="black",
                       ls="none", label="oracle ceiling (the true rule, noisy labels)")
        n = int((metrics["category"] == category).sum())
        ax_roc.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false positive rate",
                   ylabel="true positive rate",
                   title=f"{prefix}{category} ({n} targets): ROC, ranked by ROC AUC")
        ax_pr.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="recall", ylabel="precision",
                  title=f"{prefix}{category} ({n} targets): PR, ranked by PR AUC")
        for ax in (ax_roc, ax_pr):
            ax.title.set_fontsize(9)
            ax.set_aspect("equal")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=7, frameon=False)
    fig.suptitle(f"{model_label or 'model'}: test-set ROC (left) and precision-recall (right) "
                 "curves of each category's best, median and worst target", fontsize=10)
    return save_figure(fig, Path(outdir) / stem, formats, tight=True)


# --------------------------------------------------------------------------------------------------
# Running the model over a dataset
# --------------------------------------------------------------------------------------------------


def scored_rows(n: int, strand: np.ndarray | None, pair_index: np.ndarray | None) -> np.ndarray:
    """Boolean mask of the rows to score: all rows, or on a paired dataset one row per window.

    Paired datasets keep forward-strand rows (``strand == +1``; without strands, the lower index of
    each pair) and every row that has no partner.
    """
    if pair_index is None:
        return np.ones(n, dtype=bool)
    pair_index = np.asarray(pair_index, dtype=np.int64)
    unpaired = pair_index < 0
    if strand is not None:
        return unpaired | (np.asarray(strand) == 1)
    return unpaired | (np.arange(n) < pair_index)


def gather_tokens(ds: Any, rows: np.ndarray) -> np.ndarray:
    """Tokens of arbitrary ``rows`` of a dataset, read as a few contiguous spans (HDF5-friendly)."""
    rows = np.asarray(rows, dtype=np.int64)
    out = np.empty((len(rows), ds.sequence_length), dtype=np.uint8)
    if len(rows) == 0:
        return out
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    gap = max(1, ds.chunk_rows)
    breaks = np.flatnonzero(np.diff(sorted_rows) > gap) + 1
    for part in np.split(np.arange(len(sorted_rows)), breaks):
        lo, hi = int(sorted_rows[part[0]]), int(sorted_rows[part[-1]]) + 1
        span = ds.tokens(lo, hi)
        out[order[part]] = span[sorted_rows[part] - lo]
    return out


def _dataset_batches(
    ds: Any, keep: np.ndarray, batch_size: int, with_partners: bool
) -> Iterator[tuple[np.ndarray, np.ndarray | None, np.ndarray, list[str]]]:
    """Yield ``(tokens, partner tokens | None, labels, names)`` for the kept rows, in file order."""
    n = len(ds)
    block = max(batch_size, ds.chunk_rows)
    pair_index = ds.pair_index
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        sel = keep[lo:hi]
        if not sel.any():
            continue
        tokens = ds.tokens(lo, hi)[sel]
        labels = ds.labels(lo, hi)[sel]
        names = [name for name, k in zip(ds.names(lo, hi), sel, strict=True) if k]
        partners = None
        if with_partners and pair_index is not None:
            idx = np.asarray(pair_index[lo:hi][sel], dtype=np.int64)
            partners = reverse_complement_tokens(tokens)
            has = idx >= 0
            if has.any():
                partners[has] = gather_tokens(ds, idx[has])
        for b in range(0, len(tokens), batch_size):
            yield (
                tokens[b : b + batch_size],
                None if partners is None else partners[b : b + batch_size],
                labels[b : b + batch_size],
                names[b : b + batch_size],
            )


def _check_compatible(predictor: Predictor, ds: Any, model_where: str) -> None:
    if not ds.has_labels:
        raise DanqError(f"{ds.path}: dataset has no labels; evaluation needs a labelled test set")
    if ds.alphabet.upper() != "ACGT":
        raise DanqError(f"{ds.path}: dataset alphabet {ds.alphabet!r} is not ACGT")
    if ds.sequence_length != predictor.sequence_length:
        raise DanqError(
            f"{ds.path}: sequences are {ds.sequence_length} bp but the model {model_where} takes "
            f"{predictor.sequence_length} bp"
        )
    if ds.n_targets != predictor.n_targets:
        raise DanqError(
            f"{ds.path}: dataset has {ds.n_targets} targets, the model {model_where} predicts "
            f"{predictor.n_targets}"
        )
    if predictor.named_targets and list(ds.target_names) != list(predictor.target_names):
        j = next(i for i, (a, b) in enumerate(zip(ds.target_names, predictor.target_names,
                                                  strict=True)) if a != b)
        raise DanqError(
            f"{ds.path}: target {j + 1} is '{ds.target_names[j]}' in the dataset but "
            f"'{predictor.target_names[j]}' in the model {model_where}"
        )
    if ds.pair_index is not None:
        pi = np.asarray(ds.pair_index)
        if pi.shape[0] != len(ds) or (pi >= len(ds)).any():
            raise DanqError(f"{ds.path}: pair_index points outside the dataset")


def evaluate(
    model: Any,
    data: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    rc_average: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = "auto",
    precision: str = "fp32",
    threads: int | None = None,
    progress: bool | None = None,
    plots: bool = True,
    oracle: Oracle | None = None,
) -> dict[str, Any]:
    """Evaluate ``model`` (checkpoint path or ``nn.Module``) on the labelled dataset ``data``.

    Writes ``metrics.tsv``, ``summary.json``, ``predictions.h5`` and ``curves.png``/``.svg`` into
    ``outdir`` (see the module docstring) and returns the summary dict. ``oracle``: the best
    scores any model could give the evaluated records (for the synthetic benchmark,
    :func:`danq.simulation.baselines.truth_oracle`), drawn as the ceiling of the PR curves.
    """
    from tqdm import tqdm

    from danq.formats.dataset import open_dataset
    from danq.runtime import resolve_runtime

    if batch_size <= 0:
        raise DanqError(f"--batch-size must be positive, got {batch_size}")
    runtime = resolve_runtime(device, precision, threads, progress,
                              set_torch_threads=threads is not None)
    predictor = load_predictor(model, device=runtime.device, precision=runtime.precision,
                               rc_average=rc_average)
    model_where = predictor.source
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    show = runtime.progress

    with open_dataset(data) as ds:
        _check_compatible(predictor, ds, model_where)
        keep = scored_rows(len(ds), ds.strand, ds.pair_index)
        n_keep = int(keep.sum())
        paired = ds.pair_index is not None
        if paired:
            mode = "stored pairs averaged" if rc_average else "forward-strand rows only"
        else:
            mode = "in-memory reverse complement averaged" if rc_average else "forward strand only"
        probabilities = np.empty((n_keep, ds.n_targets), dtype=np.float32)
        labels = np.empty((n_keep, ds.n_targets), dtype=np.uint8)
        attrs = {
            "model": str(model_where),
            "data": str(data),
            "rc_average": rc_average,
            "rc_mode": mode,
            "sequence_length": ds.sequence_length,
            "source": ds.source,
        }
        with atomic_path(out / "predictions.h5") as tmp:
            writer = H5PredictionWriter(
                tmp, ds.target_names, ds.target_categories, with_labels=True, attrs=attrs,
                chunk_rows=max(256, min(4096, batch_size * 8)),
            )
            try:
                row = 0
                record_names: list[str] = []
                with tqdm(total=n_keep, desc="evaluate", unit=" seq", disable=not show,
                          file=sys.stderr, mininterval=1) as bar:
                    for tokens, partners, batch_labels, names in _dataset_batches(
                        ds, keep, batch_size, with_partners=rc_average
                    ):
                        probs = predictor.from_tokens(tokens, partners)
                        k = len(names)
                        record_names.extend(str(n) for n in names)
                        probabilities[row : row + k] = probs
                        labels[row : row + k] = batch_labels
                        writer.append(probs, names, batch_labels)
                        row += k
                        bar.update(k)
            finally:
                writer.close()
        target_names, target_categories = list(ds.target_names), list(ds.target_categories)
        n_samples = len(ds)

    context = {
        "model": str(model_where),
        "model_label": _model_label(predictor),
        "data": str(data),
        "n_samples_in_dataset": n_samples,
        "n_samples_scored": n_keep,
        "rc_average": rc_average,
        "rc_mode": mode,
        "precision": runtime.describe_precision(),
    }
    ceiling = oracle(record_names, target_names) if oracle is not None and plots else None
    return _write_evaluation(probabilities, labels, target_names, target_categories, out, context,
                             plots, ceiling)


def _model_label(predictor: Predictor) -> str:
    """The architecture's display label (``"DanQ"``), '' when the model does not say."""
    from danq.models.registry import ARCHITECTURES

    arch = getattr(getattr(predictor, "info", None), "arch", None)
    return ARCHITECTURES[arch].label if arch in ARCHITECTURES else ""


def _write_evaluation(
    probabilities: np.ndarray,
    labels: np.ndarray,
    target_names: Sequence[str],
    target_categories: Sequence[str],
    outdir: Path,
    context: dict[str, Any],
    plots: bool,
    oracle: np.ndarray | None = None,
) -> dict[str, Any]:
    metrics = score_targets(probabilities, labels, target_names, target_categories)
    summary = {**context, **summarize(metrics)}
    outdir.mkdir(parents=True, exist_ok=True)
    write_metrics(metrics, outdir / "metrics.tsv")
    if plots:
        plot_curves(probabilities, labels, metrics, outdir,
                    model_label=str(context.get("model_label") or ""), oracle=oracle)
    write_json(summary, outdir / "summary.json")
    return summary


def metrics_from_predictions(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Per-target metrics recomputed from a ``predictions.h5`` written by :func:`evaluate`."""
    pred = read_predictions(path)
    if pred["labels"] is None:
        raise DanqError(f"{path}: predictions file has no labels (made by `danq predict`?)")
    return score_targets(pred["probabilities"], pred["labels"], pred["target_names"],
                         pred["target_categories"])


def evaluate_predictions(
    path: str | os.PathLike[str], outdir: str | os.PathLike[str], *, plots: bool = True,
    oracle: Oracle | None = None,
) -> dict[str, Any]:
    """Redo ``metrics.tsv``, ``summary.json`` and the curves from a saved ``predictions.h5``
    (``oracle``: as in :func:`evaluate`)."""
    pred = read_predictions(path)
    if pred["labels"] is None:
        raise DanqError(f"{path}: predictions file has no labels (made by `danq predict`?)")
    attrs = pred["attrs"]
    context = {
        "model": str(attrs.get("model", "")),
        "data": str(attrs.get("data", "")),
        "predictions": str(path),
        "n_samples_scored": int(pred["probabilities"].shape[0]),
        "rc_average": bool(attrs.get("rc_average", True)),
        "rc_mode": str(attrs.get("rc_mode", "")),
    }
    ceiling = (oracle([str(n) for n in pred["names"]], pred["target_names"])
               if oracle is not None and plots else None)
    return _write_evaluation(pred["probabilities"], pred["labels"], pred["target_names"],
                             pred["target_categories"], Path(outdir), context, plots, ceiling)
