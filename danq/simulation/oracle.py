"""The baselines read off the planted instances: the oracle ceiling and presence only.

Both apply a rule to the instances truth.json records for a split (no sequence is read): the
oracle the target's true rule (:func:`danq.simulation.rules.grammar_hits` for grammar), presence
only whether the target's motifs are there. :func:`truth_oracle` hands the oracle to
``danq evaluate --truth`` as the ceiling of its PR curves.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

from danq.errors import DanqError
from danq.simulation.rules import Target, grammar_hits, motif_presence
from danq.simulation.truth import SplitTruth, read_truth


def _present(truth: SplitTruth) -> np.ndarray:
    return motif_presence(truth.n, truth.instances["seq"], truth.instances["motif"],
                          len(truth.motif_ids))


def oracle_scores(truth: SplitTruth) -> np.ndarray:
    """The true rule on the planted instances: (n, n_targets) float, 0 or 1."""
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
