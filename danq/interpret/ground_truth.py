"""Attribution accuracy on the synthetic benchmark: do attributions sit on the planted motifs?

The simulation knows where every motif instance lies (truth.json). For a target and a sequence
that the target's true rule calls positive, the positions covered by an instance of one of the
target's motifs are the ones a faithful attribution should single out. The score of a position is
the absolute contribution of its observed base (``attributions`` of ``danq attribute`` holds the
observed base's contribution and zero at the absent bases, so the sum over bases is that
contribution); :func:`attribution_auroc` is the ROC AUC of that score separating instance
positions from all other positions, pooled over the target's rule-positive sequences. 0.5 is an
attribution that ignores the motifs; 1.0 puts every instance base above every other base.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from danq.errors import DanqError
from danq.io.hdf5 import open_h5, read_strings
from danq.simulation.oracle import oracle_scores
from danq.simulation.truth import SplitTruth, read_truth


def instance_mask(truth: SplitTruth, target: int, rows: Sequence[int], length: int) -> np.ndarray:
    """(len(rows), length) bool: positions covered by an instance of ``target``'s motifs.

    ``rows`` index the split's records; every instance of one of the target's motifs counts,
    planted for the rule or placed at random, on either strand.
    """
    motifs = np.asarray(truth.targets[target]["motifs"], dtype=np.int64)
    where = {int(r): i for i, r in enumerate(rows)}
    mask = np.zeros((len(rows), length), dtype=bool)
    inst = truth.instances
    for seq, motif, start in zip(inst["seq"], inst["motif"], inst["start"], strict=True):
        i = where.get(int(seq))
        if i is None or motif not in motifs:
            continue
        end = min(int(start) + truth.motif_lengths[int(motif)], length)
        mask[i, max(int(start), 0):end] = True
    return mask


def attribution_auroc(contribution: np.ndarray, mask: np.ndarray) -> float:
    """ROC AUC of ``|contribution|`` (n, L) separating ``mask``'s positions from the rest.

    NaN when the mask holds only one class (no instance, or nothing else).
    """
    labels = np.asarray(mask, dtype=bool).ravel()
    if labels.all() or not labels.any():
        return float("nan")
    return float(roc_auc_score(labels, np.abs(np.asarray(contribution, dtype=np.float64)).ravel()))


def score_attributions(
    attributions: str | os.PathLike[str],
    truth: str | os.PathLike[str],
    split: str = "test",
) -> pd.DataFrame:
    """Attribution AUROC per target of an ``attributions.h5`` against a simulation's truth.json.

    Returns one row per target in the file: ``target``, ``category``, ``sequences`` (rule-positive
    sequences scored), ``positions`` (instance positions among them) and ``auroc``.
    """
    split_truth = read_truth(truth, split)
    row_of = {name: i for i, name in enumerate(split_truth.names)}
    target_of = {name: t for t, name in enumerate(split_truth.target_names)}
    with open_h5(attributions) as h5:
        try:
            names, target_names = read_strings(h5["names"]), read_strings(h5["target_names"])
            dataset = h5["attributions"]
            n, n_targets, _, length = dataset.shape
        except (KeyError, ValueError) as exc:
            raise DanqError(f"{attributions}: not a danq attributions file ({exc})") from None
        missing = [name for name in names if name not in row_of]
        if missing:
            raise DanqError(f"{attributions}: record '{missing[0]}' is not in the {split} split of "
                            f"{truth} ({len(missing)} records missing)")
        unknown = [t for t in target_names if t not in target_of]
        if unknown:
            raise DanqError(f"{attributions}: target '{unknown[0]}' is not in {truth}")
        rows = np.asarray([row_of[name] for name in names], dtype=np.int64)
        positive = oracle_scores(split_truth)[rows] > 0
        records = []
        for column, target_name in enumerate(target_names):
            target = target_of[target_name]
            chosen = np.flatnonzero(positive[:, target])
            if len(chosen):
                contribution = dataset[sorted(chosen.tolist()), column].sum(axis=1)
                mask = instance_mask(split_truth, target, rows[np.sort(chosen)], length)
                auroc = attribution_auroc(contribution, mask)
                covered = int(mask.sum())
            else:
                auroc, covered = float("nan"), 0
            records.append({
                "target": target_name,
                "category": split_truth.categories[target],
                "sequences": int(len(chosen)),
                "positions": covered,
                "auroc": auroc,
            })
    return pd.DataFrame.from_records(records)


def accuracy_table(attributions: str | os.PathLike[str], truth: str | os.PathLike[str]) -> pd.DataFrame:
    """Attribution AUROC per target (:func:`score_attributions`) in
    the split of ``truth`` that holds the explained sequences, with the method as a column."""
    import json
    from pathlib import Path

    with open_h5(attributions) as h5:
        if "names" not in h5:
            raise DanqError(f"{attributions}: not a danq attributions file (no 'names')")
        names = set(read_strings(h5["names"]))
        method = str(h5.attrs.get("method", ""))
    try:
        splits = list(json.loads(Path(truth).read_text(encoding="utf-8")).get("splits", {}))
    except (OSError, ValueError, AttributeError):
        splits = ["test"]  # read_truth names the problem
    for split in splits or ["test"]:
        if names <= set(read_truth(truth, split).names):
            table = score_attributions(attributions, truth, split)
            table.insert(0, "method", method)
            table.insert(1, "split", split)
            return table
    raise DanqError(f"{truth}: no split holds every explained sequence (e.g. "
                    f"'{sorted(names)[0]}'); attribution accuracy needs `danq simulate` records")

