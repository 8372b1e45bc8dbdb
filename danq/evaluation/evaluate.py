"""Evaluation: per-target ROC AUC and PR AUC of a model on a labelled danq dataset.

Outputs in ``OUTDIR``:

* ``metrics.tsv`` — one row per target: ``target, category, n_pos, n_neg, roc_auc, pr_auc``
  (PR AUC is scikit-learn's average precision). A target with no positive or no negative test sample
  cannot be scored: its AUCs are ``NaN`` and it is listed in the summary, never given 0.5.
  Scores: :mod:`danq.evaluation.metrics`; the file format: :mod:`danq.formats.metrics`.
* ``summary.json`` — median and mean ROC/PR AUC per category and overall, ``n_scored``,
  ``n_not_scored`` and the not-scored targets, plus what was evaluated and how.
* ``predictions.h5`` — the probabilities with labels, names and target names (layout:
  :mod:`danq.formats.predictions`), so metrics and plots can be redone without the model
  (:func:`evaluate_predictions`, ``danq evaluate --from-predictions``).
* ``curves.png`` / ``curves.svg`` — ROC and PR curves of the best, median and worst target of each
  category (:mod:`danq.evaluation.curves`).

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

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from danq.encoders import reverse_complement_tokens
from danq.errors import DanqError
from danq.evaluation.curves import plot_curves
from danq.evaluation.metrics import check_probabilities, score_targets, summarize
from danq.formats.metrics import write_metrics
from danq.formats.predictions import H5PredictionWriter, read_predictions
from danq.inference.predictor import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_RC_AVERAGE,
    Predictor,
    load_predictor,
)
from danq.io import atomic_path
from danq.io.tables import write_json
from danq.runtime import DEFAULT_DEVICE, DEFAULT_PRECISION, InferenceSettings

#: ``oracle(record_names, target_names)`` -> (records, targets) scores of the best possible model
#: (a ceiling); it raises DanqError when the records or targets are not the ones it knows.
Oracle = Callable[[Sequence[str], Sequence[str]], np.ndarray]


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
    rc_average: bool = DEFAULT_RC_AVERAGE,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = DEFAULT_DEVICE,
    precision: str = DEFAULT_PRECISION,
    threads: int | None = None,
    progress: bool | None = None,
    plots: bool = True,
    oracle: Oracle | None = None,
) -> dict[str, Any]:
    """Evaluate ``model`` (checkpoint path or ``nn.Module``) on the labelled dataset ``data``.

    Writes ``metrics.tsv``, ``summary.json``, ``predictions.h5`` and ``curves.png``/``.svg`` into
    ``outdir`` (see the module docstring) and returns the summary dict. ``oracle``: the best
    scores any model could give the evaluated records (for the synthetic benchmark,
    :func:`danq.simulation.oracle.truth_oracle`), drawn as the ceiling of the PR curves.
    ``device``, ``precision``, ``threads`` and ``progress`` are resolved once into
    :class:`danq.runtime.InferenceSettings`; the defaults are the command line's.
    """
    from tqdm import tqdm

    from danq.formats.dataset import open_dataset

    if batch_size <= 0:
        raise DanqError(f"--batch-size must be positive, got {batch_size}")
    settings = InferenceSettings.resolve(device, precision, threads, progress)
    predictor = load_predictor(model, settings, rc_average=rc_average)
    model_where = predictor.source
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    show = settings.progress

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

    # a model with NaN weights predicts NaN: one line, not scikit-learn's traceback
    check_probabilities(probabilities, f"{model_where} (its predictions on {data})",
                        record_names, target_names)
    context = {
        "model": str(model_where),
        "model_label": _model_label(predictor),
        "data": str(data),
        "n_samples_in_dataset": n_samples,
        "n_samples_scored": n_keep,
        "rc_average": rc_average,
        "rc_mode": mode,
        "precision": settings.describe_precision(),
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
    check_probabilities(pred["probabilities"], path, pred["names"], pred["target_names"],
                        pred["labels"])
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
    check_probabilities(pred["probabilities"], path, pred["names"], pred["target_names"],
                        pred["labels"])
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
