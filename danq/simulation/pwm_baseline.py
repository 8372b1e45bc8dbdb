"""A PWM baseline for a real dataset: how far a motif scanner that knows the factor gets.

Why it exists
-------------
On a user's own data nothing says what AUC is achievable; the synthetic benchmark's oracle and
presence baselines need a truth.json. ``danq baselines --pwm`` gives a reference instead: each
target is scored by the best match of the JASPAR PWMs named for it (the best window on either
strand, :func:`danq.simulation.pwm_scan.best_log_odds`), and that score's ROC/PR AUC is reported
in the same table as the models'. It is a reference, not a ceiling: a model that also reads
co-factors, flanks or chromatin context can beat it, and a PWM that fits the factor badly can
score below a model.

Which PWMs score which target (``--pwm``, repeatable):

* ``ID[,ID...]`` — these PWMs score every target not named otherwise (e.g. one TF's ChIP-seq in
  several cell types);
* ``TARGET=ID[,ID...]`` — these PWMs score that target only (the dataset's target name).

With several PWMs a sequence's score is the largest *relative* score among them: the best window's
log-odds mapped to [0, 1] between the PWM's worst and best possible windows, so PWMs of different
lengths compare. Log-odds use JASPAR frequencies plus
:data:`~danq.simulation.pwm_scan.PSEUDO_FREQUENCY` per base, against the dataset's own base
composition. Targets with no PWM are left out of the table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from danq.errors import DanqError
from danq.simulation.pwm_scan import PSEUDO_FREQUENCY, best_log_odds, log_odds_matrix

PWM_SOURCE = "pwm_scan"
LABEL_SET = "observed"
_BLOCK = 4096


def parse_pwm_specs(specs: Sequence[str], target_names: Sequence[str]) -> dict[str, list[str]]:
    """``--pwm`` values -> {target: [JASPAR IDs]} for the targets that get a PWM, in dataset order.

    ``TARGET=ID,...`` names one target; a value without ``=`` applies to every other target.
    Unknown targets, empty IDs and a target named twice are one-line errors.
    """
    names = list(target_names)
    general: list[str] = []
    named: dict[str, list[str]] = {}
    for spec in specs:
        target, sep, ids = spec.rpartition("=")
        pwms = [i.strip() for i in ids.split(",")]
        if not all(pwms):
            raise DanqError(f"--pwm {spec!r}: expected ID[,ID...] or TARGET=ID[,ID...]")
        if not sep:
            general += [p for p in pwms if p not in general]
            continue
        if target not in names:
            raise DanqError(f"--pwm {spec!r}: the dataset has no target {target!r}")
        if target in named:
            raise DanqError(f"--pwm: target {target!r} is given twice")
        named[target] = pwms
    chosen = {t: named.get(t, general) for t in names}
    return {t: ids for t, ids in chosen.items() if ids}


def relative_log_odds(pfm: np.ndarray, background: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The (w, 5) log-odds matrix and its worst and best possible window scores (ACGT only)."""
    lo = log_odds_matrix(pfm, background)
    return lo, float(lo[:, :4].min(axis=1).sum()), float(lo[:, :4].max(axis=1).sum())


def base_composition(ds: Any) -> np.ndarray:
    """ACGT frequencies over every base of a dataset (N left out), read in blocks."""
    counts = np.zeros(5)
    for start in range(0, len(ds), _BLOCK):
        counts += np.bincount(ds.tokens(start, start + _BLOCK).ravel(), minlength=5)[:5]
    if counts[:4].sum() == 0:
        return np.full(4, 0.25)
    freq = np.maximum(counts[:4] / counts[:4].sum(), 1e-3)  # no base impossible
    return freq / freq.sum()


def pwm_scores(data_path: str | os.PathLike[str], assignment: Mapping[str, Sequence[str]],
               release: str) -> tuple[np.ndarray, Any]:
    """(n, n_targets) relative PWM scores (NaN for targets without a PWM) and the dataset's
    names, labels, target names and categories (as a dict)."""
    from danq.formats.dataset import open_dataset
    from danq.simulation.jaspar import load_motifs

    ids = list(dict.fromkeys(i for pwms in assignment.values() for i in pwms))
    motifs = {m.requested_id: m for m in load_motifs(ids, release, source="--pwm")}
    with open_dataset(data_path) as ds:
        if not ds.has_labels:
            raise DanqError(f"{data_path}: dataset has no labels")
        background = base_composition(ds)
        matrices = {i: relative_log_odds(motifs[i].counts, background) for i in ids}
        best = {i: np.empty(len(ds)) for i in ids}
        for start in range(0, len(ds), _BLOCK):
            tokens = ds.tokens(start, start + _BLOCK)
            for i, (lo, worst, top) in matrices.items():
                best[i][start : start + len(tokens)] = (best_log_odds(tokens, lo) - worst) / (
                    top - worst)
        scores = np.full((len(ds), ds.n_targets), np.nan)
        for t, name in enumerate(ds.target_names):
            if name in assignment:
                scores[:, t] = np.max(np.stack([best[i] for i in assignment[name]]), axis=0)
        info = {"names": ds.names(0, len(ds)), "labels": ds.labels(0, len(ds)),
                "target_names": list(ds.target_names),
                "categories": list(ds.target_categories), "background": background,
                "motif_names": {i: motifs[i].name for i in ids},
                "matrix_ids": {i: motifs[i].matrix_id for i in ids}}
    return scores, info


def _model_scores(label: str, path: str | os.PathLike[str], info: Mapping[str, Any]) -> np.ndarray:
    """A model's probabilities from ``danq evaluate``'s predictions.h5, in the dataset's order."""
    from danq.evaluation.metrics import check_probabilities
    from danq.formats.predictions import read_predictions

    pred = read_predictions(path)
    check_probabilities(pred["probabilities"], path, pred["names"], pred["target_names"])
    if list(pred["target_names"]) != info["target_names"]:
        raise DanqError(f"{path}: targets of model {label} differ from the dataset's")
    row = {name: i for i, name in enumerate(pred["names"])}
    missing = [n for n in info["names"] if n not in row]
    if missing:
        raise DanqError(f"{path}: no prediction for record '{missing[0]}' of the dataset "
                        f"({len(missing)} missing)")
    return pred["probabilities"][[row[n] for n in info["names"]]].astype(np.float64)


def run_pwm_baselines(
    data_path: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    specs: Sequence[str],
    predictions: Mapping[str, str | os.PathLike[str]] | None = None,
    release: str = "JASPAR2024",
) -> dict[str, Any]:
    """Score every target that has a PWM, and each model beside it, on a real dataset.

    Writes ``pwm_scan/metrics.tsv`` and ``<model>/metrics.tsv`` (``danq evaluate``'s columns,
    the dataset's labels), ``all_metrics.tsv`` (``source``, ``labels`` = ``observed`` + those
    columns), ``pwm_targets.tsv`` (target, JASPAR IDs, TF names) and ``summary.json``; returns
    summary.json's content. Only targets with a PWM are scored, for the models too.
    """
    from danq.evaluation.metrics import score_targets
    from danq.formats.dataset import open_dataset
    from danq.formats.metrics import write_metrics
    from danq.io.tables import write_json
    from danq.simulation.baselines import BASELINES, median_summary, write_tsv

    with open_dataset(data_path) as ds:
        assignment = parse_pwm_specs(specs, ds.target_names)
    if not assignment:
        raise DanqError("--pwm: no PWM given")
    scores, info = pwm_scores(data_path, assignment, release)
    sources = {PWM_SOURCE: scores}
    for label, path in (predictions or {}).items():
        if label in BASELINES:
            raise DanqError(f"--predictions {label}=...: label must be a word other than "
                            f"{', '.join(BASELINES)}")
        sources[label] = _model_scores(label, path, info)
    keep = [t for t, name in enumerate(info["target_names"]) if name in assignment]
    names = [info["target_names"][t] for t in keep]
    categories = [info["categories"][t] for t in keep]
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {
        "data": str(data_path), "n": len(info["names"]), "release": release,
        "pseudo_frequency": PSEUDO_FREQUENCY, "labels": LABEL_SET,
        "background": dict(zip("ACGT", np.round(info["background"], 6).tolist(), strict=True)),
        "pwms": {t: [info["matrix_ids"][i] for i in assignment[t]] for t in names},
        "baselines": [PWM_SOURCE], "models": list(predictions or {}), "sources": {},
    }
    long = []
    for source, score in sources.items():
        metrics = score_targets(score[:, keep], info["labels"][:, keep], names, categories)
        folder = out / source
        folder.mkdir(exist_ok=True)
        write_metrics(metrics, folder / "metrics.tsv")
        long.append(metrics.assign(source=source, labels=LABEL_SET))
        summary["sources"][source] = {LABEL_SET: median_summary(metrics)}
    table = pd.concat(long, ignore_index=True)
    write_tsv(table[["source", "labels", *table.columns[:-2]]], out / "all_metrics.tsv")
    write_tsv(pd.DataFrame([
        {"target": t, "pwms": ",".join(info["matrix_ids"][i] for i in assignment[t]),
         "tf_names": ",".join(info["motif_names"][i] for i in assignment[t])} for t in names]),
        out / "pwm_targets.tsv")
    write_json(summary, out / "summary.json")
    return summary
