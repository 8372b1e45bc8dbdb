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
  equals the oracle). It knows exactly which motifs a sequence holds and nothing else, so it is
  the best any presence-only model can do. **A model has "learned grammar" on a grammar target
  when it beats this baseline**, not when it beats another model.
* ``pwm_scan`` — a realistic motif scanner: for each of the target's motifs the best log-odds
  score over every window of the sequence on both strands (JASPAR frequencies plus
  :data:`PSEUDO_FREQUENCY` per base, against the simulation's background base composition); the
  target's score is the k-th largest of them, k = 1 for single, 2 for grammar, ``min_count`` for
  combination (a PWM-scan presence score). On single targets it is the ceiling a motif detector can
  reach when chance sites in the background are labelled 0 (issue 11.4).

PR AUC is average precision; for the baselines it is :func:`tie_averaged_precision` (the
expectation over random orders of tied scores), because scikit-learn's value for a 0/1 score is
below what a model that ranks the same blocks in random order gets by chance. Models keep
scikit-learn's value, as in ``danq evaluate``. ROC AUC already counts ties as one half.

``presence_spread.tsv`` gives, per grammar target, the standard deviation of presence-only's PR AUC over
random orders of its ties (:func:`tie_order_spread`): a model that knows only presence and ranks
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

Outputs in ``OUTDIR``: per source (``oracle``, ``presence``, ``pwm_scan`` and each model label) a
folder with ``metrics.tsv`` (noisy labels; the columns of ``danq evaluate``'s metrics.tsv),
``metrics_clean.tsv`` and ``decoys.tsv``; the same in long form over all sources in
``all_metrics.tsv`` (``source, labels`` + the metric columns) and ``decoys.tsv``;
``presence_spread.tsv``; ``summary.json``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from danq.encoders import COMPLEMENT_TOKEN
from danq.errors import DanqError
from danq.io import atomic_path, require_file

BASELINES = ("oracle", "presence", "pwm_scan")
LABEL_SETS = ("noisy", "clean")
PSEUDO_FREQUENCY = 0.01
TIE_REPEATS = 200
MARGIN_SDS = 2.0
DECOY_COLUMNS = ["target", "kind", "n", "mean_score", "roc_auc_vs_positives"]
_SOURCE_NAME_RE = re.compile(r"^[A-Za-z0-9_.+-]+$")


@dataclass
class SplitTruth:
    """What truth.json says about one split, with motifs as indices into ``motif_ids``."""

    path: Path
    names: list[str]
    target_names: list[str]
    categories: list[str]
    targets: list[dict[str, Any]]  # truth.json target entries, motifs as indices
    motif_ids: list[str]
    motif_lengths: list[int]
    pfms: list[np.ndarray]  # (4, w) counts, ACGT rows
    background: np.ndarray  # (4,) base composition, ACGT
    length: int
    instances: dict[str, np.ndarray]  # seq, motif (index), start, strand (+1/-1)
    flips: np.ndarray  # (n_flips, 2)
    kind_names: list[str]
    grammar_kinds: dict[str, np.ndarray]  # grammar target name -> (n,) kind index

    @property
    def n(self) -> int:
        return len(self.names)


def read_truth(path: str | os.PathLike[str], split: str = "test") -> SplitTruth:
    """Read one split of a ``danq simulate`` truth.json (format version 2, strand-symmetric)."""
    p = require_file(path, "truth file")
    try:
        truth = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DanqError(f"{p}: not a readable JSON file ({exc.__class__.__name__})") from None
    if not isinstance(truth, dict) or truth.get("format") != "danq-simulate-truth":
        raise DanqError(f"{p}: not a danq simulate truth.json")
    if truth.get("format_version", 1) < 2:
        raise DanqError(f"{p}: truth.json format {truth.get('format_version', 1)} predates "
                        "strand-symmetric rules and decoy kinds; rerun `danq simulate`")
    try:
        info = truth["splits"][split]
        ids = [str(m["id"]) for m in truth["motifs"]]
        index = {m: i for i, m in enumerate(ids)}
        targets = []
        for t in truth["targets"]:
            entry = dict(t)
            entry["motifs"] = [index[m] for m in t["motifs"]]
            targets.append(entry)
        raw = info["instances"]
        instances = {
            "seq": np.asarray(raw["seq"], dtype=np.int64),
            "motif": np.asarray([index[m] for m in raw["motif"]], dtype=np.int64),
            "start": np.asarray(raw["start"], dtype=np.int64),
            "strand": np.asarray([1 if d == "+" else -1 for d in raw["strand"]], dtype=np.int64),
        }
        flips = np.asarray(info["flips"], dtype=np.int64).reshape(-1, 2)
        kinds = {k: np.asarray(v, dtype=np.int64) for k, v in info["grammar_kinds"].items()}
        return SplitTruth(
            path=p,
            names=[str(n) for n in info["names"]],
            target_names=[str(t["name"]) for t in truth["targets"]],
            categories=[str(t["category"]) for t in truth["targets"]],
            targets=targets,
            motif_ids=ids,
            motif_lengths=[int(m["length"]) for m in truth["motifs"]],
            pfms=[np.asarray(m["pfm"], dtype=np.float64) for m in truth["motifs"]],
            background=_background(truth["background"]),
            length=int(truth["params"]["length"]),
            instances=instances,
            flips=flips,
            kind_names=[str(k) for k in truth["grammar_kind_names"]],
            grammar_kinds=kinds,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DanqError(f"{p}: truth.json lacks or garbles {exc} (split {split!r})") from None


def _background(entry: Mapping[str, Any]) -> np.ndarray:
    """The simulation's base composition (ACGT): the Markov chain's stationary law, or iid GC."""
    if entry.get("model") == "iid":
        gc = float(entry["gc_content"])
        return np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])
    initial = np.asarray(entry["initial"], dtype=np.float64)
    return initial / initial.sum()


# --------------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------------


def clean_labels(noisy: np.ndarray, flips: np.ndarray) -> np.ndarray:
    """Undo the recorded label flips: ``noisy`` XOR the flip mask."""
    clean = np.array(noisy, dtype=np.uint8, copy=True)
    if len(flips):
        clean[flips[:, 0], flips[:, 1]] ^= 1
    return clean


def _present(truth: SplitTruth) -> np.ndarray:
    from danq.simulation.simulate import motif_presence

    return motif_presence(truth.n, truth.instances["seq"], truth.instances["motif"],
                          len(truth.motif_ids))


def oracle_scores(truth: SplitTruth) -> np.ndarray:
    """The true rule on the planted instances: (n, n_targets) float, 0 or 1."""
    from danq.simulation.simulate import Target, grammar_hits

    present = _present(truth)
    scores = np.zeros((truth.n, len(truth.targets)))
    for t, target in enumerate(truth.targets):
        motifs = target["motifs"]
        if target["category"] == "single":
            scores[:, t] = present[:, motifs[0]]
        elif target["category"] == "combination":
            scores[:, t] = present[:, motifs].sum(axis=1) >= int(target["min_count"])
        else:
            rule = Target(target["name"], "grammar", tuple(motifs), 0.0, 0.0,
                          int(target["min_gap"]), int(target["max_gap"]))
            scores[:, t] = grammar_hits(truth.n, truth.instances, rule, truth.motif_lengths)
    return scores


def truth_oracle(path: str | os.PathLike[str]) -> Callable[[Sequence[str], Sequence[str]], np.ndarray]:
    """The oracle ceiling of a truth.json's test split, for :func:`danq.evaluation.evaluate.evaluate`.

    The file is read now (a bad one fails before any model runs); the returned
    ``oracle(record_names, target_names)`` gives :func:`oracle_scores` for those records, in their
    order, and refuses records or targets that are not the test split's.
    """
    split = read_truth(path, "test")
    row = {name: i for i, name in enumerate(split.names)}
    scores: list[np.ndarray] = []

    def oracle(names: Sequence[str], target_names: Sequence[str]) -> np.ndarray:
        if list(target_names) != split.target_names:
            raise DanqError(f"{path}: targets differ from the evaluated data's (not the "
                            "truth.json of this dataset?)")
        missing = [n for n in names if n not in row]
        if missing:
            raise DanqError(f"{path}: no record '{missing[0]}' in the test split "
                            f"({len(missing)} evaluated records missing)")
        if not scores:
            scores.append(oracle_scores(split))
        return scores[0][[row[n] for n in names]]

    return oracle


def presence_scores(truth: SplitTruth) -> np.ndarray:
    """Presence only, from the planted instances: all of single's / grammar's motifs, or at least
    ``min_count`` of a combination's, present anywhere on either strand (0 or 1)."""
    present = _present(truth)
    scores = np.zeros((truth.n, len(truth.targets)))
    for t, target in enumerate(truth.targets):
        motifs = target["motifs"]
        needed = int(target["min_count"]) if target["category"] == "combination" else len(motifs)
        scores[:, t] = present[:, motifs].sum(axis=1) >= needed
    return scores


def log_odds_matrix(pfm: np.ndarray, background: np.ndarray,
                    pseudo: float = PSEUDO_FREQUENCY) -> np.ndarray:
    """(w, 5) log2-odds of each base (ACGT, then N) per motif column against ``background``.

    Frequencies are the PFM's column frequencies plus ``pseudo`` per base, renormalised; N scores
    the column's worst base (an unknown base is never evidence for the motif).
    """
    counts = np.asarray(pfm, dtype=np.float64)
    freq = counts / counts.sum(axis=0, keepdims=True) + pseudo
    freq /= freq.sum(axis=0, keepdims=True)
    lo = np.log2(freq.T / np.asarray(background)[None, :])
    return np.concatenate([lo, lo.min(axis=1, keepdims=True)], axis=1)


def best_log_odds(tokens: np.ndarray, lo: np.ndarray, block: int = 2048) -> np.ndarray:
    """Per sequence, the best window score of ``lo`` (w, 5) over both strands: (n,) float.

    The reverse strand is scanned with the reverse-complemented matrix on the forward tokens.
    """
    tokens = np.asarray(tokens, dtype=np.uint8)
    n, length = tokens.shape
    w = lo.shape[0]
    if length < w:
        return np.full(n, -np.inf)
    lo_rc = lo[::-1][:, COMPLEMENT_TOKEN]  # columns indexed by token: A,C,G,T,N -> T,G,C,A,N
    n_windows = length - w + 1
    best = np.empty(n)
    for lo_row in range(0, n, block):
        chunk = tokens[lo_row : lo_row + block]
        forward = np.zeros((len(chunk), n_windows))
        reverse = np.zeros((len(chunk), n_windows))
        for j in range(w):
            window = chunk[:, j : j + n_windows]
            forward += lo[j][window]
            reverse += lo_rc[j][window]
        best[lo_row : lo_row + block] = np.maximum(forward, reverse).max(axis=1)
    return best


def pwm_scan_scores(tokens: np.ndarray, truth: SplitTruth) -> np.ndarray:
    """PWM-scan presence score per target: the k-th largest best log-odds of its motifs
    (k = 1 single, 2 grammar, ``min_count`` combination)."""
    used = sorted({m for t in truth.targets for m in t["motifs"]})
    best = {m: best_log_odds(tokens, log_odds_matrix(truth.pfms[m], truth.background))
            for m in used}
    scores = np.zeros((len(tokens), len(truth.targets)))
    for t, target in enumerate(truth.targets):
        k = {"single": 1, "grammar": 2}.get(target["category"], int(target.get("min_count", 1)))
        stacked = np.sort(np.stack([best[m] for m in target["motifs"]], axis=1), axis=1)
        scores[:, t] = stacked[:, -k]
    return scores


def tie_averaged_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Average precision expected when tied scores are put in a uniformly random order.

    scikit-learn's average precision scores a block of tied samples at the block's final
    precision, which any continuous score that orders the block at random beats on average; a
    0/1 baseline would then be "beaten" by chance. Here a positive inside a block of ``n`` tied
    samples holding ``p`` positives, after ``m`` higher-ranked samples of which ``q`` are positive,
    has expected precision ``mean over y = 0..n-1 of (q + 1 + y (p - 1) / (n - 1)) / (m + 1 + y)``
    (``y`` block members ranked before it, of which ``y (p - 1) / (n - 1)`` are positive on
    average). Without ties this equals scikit-learn's average precision. NaN without positives.
    """
    y = np.asarray(labels).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    total = int(y.sum())
    if total == 0:
        return float("nan")
    values, inverse = np.unique(-s, return_inverse=True)
    sizes = np.bincount(inverse, minlength=len(values))
    positives = np.bincount(inverse, weights=y, minlength=len(values))
    before = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos_before = np.concatenate([[0.0], np.cumsum(positives)[:-1]])
    result = 0.0
    for n, p, m, q in zip(sizes.tolist(), positives.tolist(), before.tolist(),
                          pos_before.tolist(), strict=True):
        if p == 0:
            continue
        ahead = np.arange(n, dtype=np.float64)
        share = (p - 1) / (n - 1) if n > 1 else 0.0
        result += p * float(np.mean((q + 1 + ahead * share) / (m + 1 + ahead)))
    return result / total


def tie_order_spread(labels: np.ndarray, scores: np.ndarray, repeats: int = TIE_REPEATS,
                     seed: int = 0) -> float:
    """Standard deviation of average precision over ``repeats`` random orders of tied scores.

    A model that knows no more than a 0/1 baseline, ranking its tied blocks at random, lands
    within about this much of :func:`tie_averaged_precision`; "beating" the baseline by less is
    chance. 0 for a score without ties.
    """
    from sklearn.metrics import average_precision_score

    y = np.asarray(labels).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    if not y.any() or len(np.unique(s)) == len(s):
        return 0.0
    rng = np.random.default_rng(seed)
    gaps = np.diff(np.unique(s))
    jitter = (gaps.min() if gaps.size else 1.0) / 2
    values = [average_precision_score(y, s + rng.random(len(s)) * jitter)
              for _ in range(repeats)]
    return float(np.std(values))


def score_baseline(scores: np.ndarray, labels: np.ndarray, truth: SplitTruth) -> pd.DataFrame:
    """Per-target metrics of a baseline (``danq evaluate``'s columns), PR AUC tie-averaged."""
    from danq.evaluation.evaluate import score_targets

    metrics = score_targets(scores, labels, truth.target_names, truth.categories)
    for t in range(scores.shape[1]):
        if not np.isnan(metrics.at[t, "pr_auc"]):
            metrics.at[t, "pr_auc"] = tie_averaged_precision(labels[:, t], scores[:, t])
    return metrics


# --------------------------------------------------------------------------------------------------
# Breakdown by kind of negative
# --------------------------------------------------------------------------------------------------


def decoy_breakdown(scores: np.ndarray, clean: np.ndarray, truth: SplitTruth) -> pd.DataFrame:
    """Per grammar target and sequence kind: n, mean score, ROC AUC of positives vs that kind.

    Columns :data:`DECOY_COLUMNS`; the ``positive`` row has no AUC. A kind absent from the test
    split gets no row; an AUC that cannot be computed (no positive) is NaN.
    """
    from sklearn.metrics import roc_auc_score

    rows = []
    for t, name in enumerate(truth.target_names):
        if name not in truth.grammar_kinds:
            continue
        kinds = truth.grammar_kinds[name]
        positives = clean[:, t] > 0
        for k, kind in enumerate(truth.kind_names):
            members = kinds == k
            if kind == "positive":
                members = positives
            if not members.any():
                continue
            auc = float("nan")
            if kind != "positive" and positives.any():
                pair = members | positives
                auc = float(roc_auc_score(positives[pair], scores[pair, t]))
            rows.append({"target": name, "kind": kind, "n": int(members.sum()),
                         "mean_score": float(scores[members, t].mean()),
                         "roc_auc_vs_positives": auc})
    return pd.DataFrame(rows, columns=DECOY_COLUMNS)


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
    if list(pred["target_names"]) != truth.target_names:
        raise DanqError(f"{path}: targets of model {label} differ from {truth.path}'s")
    row = {name: i for i, name in enumerate(pred["names"])}
    missing = [n for n in truth.names if n not in row]
    if missing:
        raise DanqError(f"{path}: no prediction for record '{missing[0]}' of the test split "
                        f"({len(missing)} missing)")
    return pred["probabilities"][[row[n] for n in truth.names]].astype(np.float64)


def compute_baselines(
    truth_path: str | os.PathLike[str],
    data_path: str | os.PathLike[str],
    predictions: Mapping[str, str | os.PathLike[str]] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, SplitTruth]:
    """Scores of every baseline and model, the noisy and clean labels, and the parsed truth.

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
    scores = {"oracle": oracle, "presence": presence_scores(truth),
              "pwm_scan": pwm_scan_scores(tokens, truth)}
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
    from danq.evaluation.evaluate import score_targets, write_json, write_metrics

    scores, noisy, clean, truth = compute_baselines(truth_path, data_path, predictions)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    long_metrics, long_decoys = [], []
    summary: dict[str, Any] = {
        "truth": str(truth_path), "data": str(data_path), "n_test": truth.n,
        "n_flips": int(len(truth.flips)), "baselines": list(BASELINES),
        "models": list(predictions or {}), "pseudo_frequency": PSEUDO_FREQUENCY,
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
            summary["sources"][source][label_set] = _medians(metrics)
        if source == "presence":
            spread = [{"target": name, "labels": label_set,
                       "pr_auc_sd_ties": tie_order_spread(labels[:, t], score[:, t])}
                      for label_set, labels in (("noisy", noisy), ("clean", clean))
                      for t, name in enumerate(truth.target_names)
                      if truth.categories[t] == "grammar"]
            _write_tsv(pd.DataFrame(spread), out / "presence_spread.tsv")
        decoys = decoy_breakdown(score, clean, truth)
        _write_tsv(decoys, folder / "decoys.tsv")
        long_decoys.append(decoys.assign(source=source))
    all_metrics = pd.concat(long_metrics, ignore_index=True)
    all_metrics = all_metrics[["source", "labels", *all_metrics.columns[:-2]]]
    _write_tsv(all_metrics, out / "all_metrics.tsv")
    decoys = pd.concat(long_decoys, ignore_index=True)
    _write_tsv(decoys[["source", *DECOY_COLUMNS]], out / "decoys.tsv")
    write_json(summary, out / "summary.json")
    return summary


def _medians(metrics: pd.DataFrame) -> dict[str, Any]:
    per_target = {r.target: {"roc_auc": r.roc_auc, "pr_auc": r.pr_auc}
                  for r in metrics.itertuples()}
    categories = {str(c): {"n_targets": int(len(g)),
                           "median_roc_auc": float(g["roc_auc"].median()),
                           "median_pr_auc": float(g["pr_auc"].median())}
                  for c, g in metrics.groupby("category", sort=False)}
    return {"targets": per_target, "categories": categories}


def _write_tsv(frame: pd.DataFrame, path: Path) -> None:
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
