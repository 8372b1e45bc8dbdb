"""Baselines and ceilings of the synthetic benchmark, next to each model, under noisy and clean labels.

Why it exists
-------------
A model's AUC on a ``danq simulate`` target means little alone: "DanQ beats DeepSEA on grammar
targets" can be co-occurrence, not grammar, and a low AUC on a short motif can be the ceiling, not
the model. Because the simulation's truth is known, each target gets reference scores computed
from ``truth.json`` (and, for the PWM scan, the test sequences):

* ``oracle`` — the ceiling: the target's true rule applied to the planted instances (a 0/1 score).
  Against the written (noisy) labels it is held below 1 only by the label noise.
* ``presence`` — presence only, from the planted instances (0/1): all the target's motifs present
  (single: the motif; grammar: both A and B, whatever their order, spacing and strands;
  combination: at least ``min_count`` of the set, which *is* the combination rule, so there it
  equals the oracle). It knows exactly which motifs a sequence holds and nothing else.
* ``marginal`` — each motif's own placement, no interaction
  (:mod:`danq.simulation.marginal`): a logistic regression over presence features per
  (25-bp start-position bin x strand) of each of the target's motifs, fitted on the *training*
  split's instances and clean labels. It sees where each motif sits but cannot relate A to B, so
  it cannot know order, spacing or strand agreement. The simulation places decoys so that it
  gains nothing over presence-only on grammar targets (:mod:`danq.simulation.decoys`); it is
  reported so that this can be checked. **A model has "learned grammar" on a grammar target when
  it beats the stronger of presence-only and marginal**, not when it beats another model.
* ``pwm_scan`` — a realistic motif scanner: for each of the target's motifs the best log-odds
  score over every window of the sequence on both strands (JASPAR frequencies plus
  :data:`~danq.simulation.pwm_scan.PSEUDO_FREQUENCY` per base, against the simulation's background base composition); the
  target's score is the k-th largest of them, k = 1 for single, 2 for grammar, ``min_count`` for
  combination (a PWM-scan presence score). It is a reference, not a ceiling: on single targets a
  model can beat it (it scores one window with fixed log-odds and knows nothing of the
  background's chance sites beyond their score), and it ignores grammar altogether.

PR AUC is average precision; for the baselines it is :func:`~danq.simulation.scoring.tie_averaged_precision` (the
expectation over random orders of tied scores), because scikit-learn's value for a 0/1 score is
below what a model that ranks the same blocks in random order gets by chance. Models keep
scikit-learn's value, as in ``danq evaluate``. ROC AUC already counts ties as one half.

``presence_spread.tsv`` gives, per grammar target, the standard deviation of presence-only's PR AUC over
random orders of its ties (:func:`~danq.simulation.scoring.tie_order_spread`): a model that knows only presence and ranks
the tied blocks at random beats the mean half of the time, so the report counts a model as
beating presence-only only when it is more than :data:`MARGIN_SDS` such deviations above it.

Every score (baselines and each model's ``danq evaluate`` ``predictions.h5``) is scored against the
labels as written (``noisy``: the test labels carry the simulation's label noise) and against the
clean labels (the written labels with every flip recorded in truth.json undone).

For grammar targets, each score is broken down by the kind of each test sequence (truth.json
``grammar_kinds``): positive, and negatives that are swapped / too close / too far decoys, hold both
motifs otherwise (``both_other``), one motif or none. Per kind: the count, the mean score and the
ROC AUC of the positives against that kind (0.5: the kind is scored like a positive; 1: always
below every positive). Kinds and positives come from the clean labels.

Outputs in ``OUTDIR``: per source (``oracle``, ``presence``, ``marginal``, ``pwm_scan`` and each
model label) a folder with ``metrics.tsv`` (noisy labels; the columns of ``danq evaluate``'s metrics.tsv),
``metrics_clean.tsv`` and ``decoys.tsv``; the same in long form over all sources in
``all_metrics.tsv`` (``source, labels`` + the metric columns) and ``decoys.tsv``;
``presence_spread.tsv``; ``summary.json``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from danq.errors import DanqError
from danq.evaluation.metrics import check_probabilities, score_targets
from danq.formats.metrics import write_metrics
from danq.io import atomic_path, require_file
from danq.io.tables import write_json
from danq.simulation.marginal import BIN_WIDTH, marginal_scores
from danq.simulation.oracle import oracle_scores, presence_scores
from danq.simulation.pwm_scan import PSEUDO_FREQUENCY, pwm_scan_scores
from danq.simulation.scoring import DECOY_COLUMNS, decoy_breakdown, score_baseline, tie_order_spread
from danq.simulation.truth import SplitTruth, clean_labels, read_truth

BASELINES = ("oracle", "presence", "marginal", "pwm_scan")
LABEL_SETS = ("noisy", "clean")
MARGIN_SDS = 2.0
_SOURCE_NAME_RE = re.compile(r"^[A-Za-z0-9_.+-]+$")


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------


def _read_dataset(path: str | os.PathLike[str], truth: SplitTruth) -> tuple[np.ndarray, np.ndarray]:
    """Tokens and labels of the test dataset, checked against truth.json (names, targets, rule)."""
    from danq.formats.dataset import open_dataset

    with open_dataset(path) as ds:
        if not ds.has_labels:
            raise DanqError(f"{path}: dataset has no labels")
        if list(ds.target_names) != truth.target_names:
            raise DanqError(f"{path}: targets differ from {truth.path}'s")
        if ds.names(0, len(ds)) != truth.names:
            raise DanqError(f"{path}: record names differ from {truth.path}'s test split")
        return ds.tokens(0, len(ds)), ds.labels(0, len(ds))


def _read_model(label: str, path: str | os.PathLike[str], truth: SplitTruth) -> np.ndarray:
    """A model's probabilities from ``danq evaluate``'s predictions.h5, in truth.json's order."""
    from danq.formats.predictions import read_predictions

    pred = read_predictions(path)
    check_probabilities(pred["probabilities"], path, pred["names"], pred["target_names"])
    if list(pred["target_names"]) != truth.target_names:
        raise DanqError(f"{path}: targets of model {label} differ from {truth.path}'s")
    row = {name: i for i, name in enumerate(pred["names"])}
    missing = [n for n in truth.names if n not in row]
    if missing:
        raise DanqError(f"{path}: no prediction for record '{missing[0]}' of the test split "
                        f"({len(missing)} missing)")
    return pred["probabilities"][[row[n] for n in truth.names]].astype(np.float64)


def _training_truth(path: str | os.PathLike[str]) -> SplitTruth | None:
    """The training split the marginal baseline is fitted on; None (no marginal baseline) when
    truth.json has no readable, non-empty one (e.g. ``danq simulate --n-train 0``)."""
    try:
        train = read_truth(path, "train")
    except DanqError:
        return None
    return train if train.n else None


def compute_baselines(
    truth_path: str | os.PathLike[str],
    data_path: str | os.PathLike[str],
    predictions: Mapping[str, str | os.PathLike[str]] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, SplitTruth]:
    """Scores of every baseline and model, the noisy and clean labels, and the parsed truth.

    ``marginal`` is left out when truth.json has no training split to fit it on.

    Raises DanqError when the dataset's labels are not the truth's rule with its recorded flips
    (the truth.json then describes another simulation).
    """
    truth = read_truth(truth_path)
    tokens, noisy = _read_dataset(data_path, truth)
    oracle = oracle_scores(truth)
    clean = clean_labels(noisy, truth.flips)
    if not np.array_equal(clean, oracle.astype(np.uint8)):
        raise DanqError(f"{data_path}: labels are not {truth.path}'s rule with its recorded flips "
                        "(truth.json from another simulation?)")
    scores = {"oracle": oracle, "presence": presence_scores(truth)}
    train = _training_truth(truth_path)
    if train is not None:
        scores["marginal"] = marginal_scores(train, truth, oracle_scores(train))
    scores["pwm_scan"] = pwm_scan_scores(tokens, truth)
    for label, path in (predictions or {}).items():
        if label in scores or not _SOURCE_NAME_RE.match(label):
            raise DanqError(f"--predictions {label}=...: label must be a word other than "
                            f"{', '.join(BASELINES)}")
        scores[label] = _read_model(label, path, truth)
    return scores, noisy, clean, truth


def run_baselines(
    truth_path: str | os.PathLike[str],
    data_path: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    predictions: Mapping[str, str | os.PathLike[str]] | None = None,
) -> dict[str, Any]:
    """Write every source's metrics (noisy and clean labels) and decoy breakdown to ``outdir``.

    Parameters
    ----------
    truth_path
        ``danq simulate`` truth.json.
    data_path
        The test split as a danq dataset (``danq encode`` of test.fa + test.labels.tsv).
    outdir
        Output folder (see the module docstring).
    predictions
        Model label -> ``danq evaluate`` predictions.h5.

    Returns
    -------
    dict
        The content of summary.json: per source and label set, the per-target ROC/PR AUC and
        each category's medians.
    """
    scores, noisy, clean, truth = compute_baselines(truth_path, data_path, predictions)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    long_metrics, long_decoys = [], []
    summary: dict[str, Any] = {
        "truth": str(truth_path), "data": str(data_path), "n_test": truth.n,
        "n_flips": int(len(truth.flips)),
        "baselines": [b for b in BASELINES if b in scores],
        "models": list(predictions or {}), "pseudo_frequency": PSEUDO_FREQUENCY,
        "marginal_bin_width": BIN_WIDTH,
        "positive_rate": dict(zip(truth.target_names, noisy.mean(axis=0).tolist(), strict=True)),
        "clean_positive_rate": dict(zip(truth.target_names, clean.mean(axis=0).tolist(),
                                        strict=True)),
        "sources": {},
    }
    for source, score in scores.items():
        folder = out / source
        folder.mkdir(exist_ok=True)
        summary["sources"][source] = {}
        for label_set, labels in (("noisy", noisy), ("clean", clean)):
            if source in BASELINES:
                metrics = score_baseline(score, labels, truth)
            else:
                metrics = score_targets(score, labels, truth.target_names, truth.categories)
            name = "metrics.tsv" if label_set == "noisy" else "metrics_clean.tsv"
            write_metrics(metrics, folder / name)
            long_metrics.append(metrics.assign(source=source, labels=label_set))
            summary["sources"][source][label_set] = median_summary(metrics)
        if source == "presence":
            spread = [{"target": name, "labels": label_set,
                       "pr_auc_sd_ties": tie_order_spread(labels[:, t], score[:, t])}
                      for label_set, labels in (("noisy", noisy), ("clean", clean))
                      for t, name in enumerate(truth.target_names)
                      if truth.categories[t] == "grammar"]
            write_tsv(pd.DataFrame(spread), out / "presence_spread.tsv")
        decoys = decoy_breakdown(score, clean, truth)
        write_tsv(decoys, folder / "decoys.tsv")
        long_decoys.append(decoys.assign(source=source))
    all_metrics = pd.concat(long_metrics, ignore_index=True)
    all_metrics = all_metrics[["source", "labels", *all_metrics.columns[:-2]]]
    write_tsv(all_metrics, out / "all_metrics.tsv")
    decoys = pd.concat(long_decoys, ignore_index=True)
    write_tsv(decoys[["source", *DECOY_COLUMNS]], out / "decoys.tsv")
    write_json(summary, out / "summary.json")
    return summary


def median_summary(metrics: pd.DataFrame) -> dict[str, Any]:
    """Per-target ROC/PR AUC and each category's count and medians (summary.json's entries)."""
    per_target = {r.target: {"roc_auc": r.roc_auc, "pr_auc": r.pr_auc}
                  for r in metrics.itertuples()}
    categories = {str(c): {"n_targets": int(len(g)),
                           "median_roc_auc": float(g["roc_auc"].median()),
                           "median_pr_auc": float(g["pr_auc"].median())}
                  for c, g in metrics.groupby("category", sort=False)}
    return {"targets": per_target, "categories": categories}


def write_tsv(frame: pd.DataFrame, path: Path) -> None:
    """A table as TSV, atomically (floats to 6 digits, NaN written as NaN)."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=False, na_rep="NaN", float_format="%.6f")


def read_all_metrics(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read ``all_metrics.tsv`` (the long table over sources and label sets)."""
    return _read_tsv(path, ("source", "labels", "target", "category", "roc_auc", "pr_auc"))


def read_decoys(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the long ``decoys.tsv``."""
    return _read_tsv(path, ("source", *DECOY_COLUMNS))


def _read_tsv(path: str | os.PathLike[str], columns: Sequence[str]) -> pd.DataFrame:
    p = require_file(path, "baselines table")
    try:
        frame = pd.read_csv(p, sep="\t", keep_default_na=False, na_values=["NaN", "nan", ""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a readable TSV ({str(exc).splitlines()[0]})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DanqError(f"{p}: missing column(s) {', '.join(missing)} (not a danq baselines table)")
    return frame
