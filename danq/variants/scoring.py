"""The variant scores: one registry, name -> function + one-line description.

Scores per variant and target, from the model's **logits** of the reference and alternative
windows on each strand scored (the forward strand, and its reverse complement with ``--rc``):

* ``ref``, ``alt``: sigmoid probabilities, averaged over the strands (as DeepSEA averaged);
  ``diff = alt - ref`` and ``abs_diff`` of those averages;
* ``logit_diff = logit(alt) - logit(ref)`` (natural log) straight from the logits, in float64, per
  strand, then averaged over the strands (Kipoi's order); no probability is clipped;
* ``deepsea_effect = |logit_diff| * |diff|`` (Kipoi's ``DeepSEA_effect``), also per strand and then
  averaged.

``diff`` is the same in either order (an average of differences); ``logit_diff`` and
``deepsea_effect`` are not. Probabilities alone (no logits) still work: their logits are taken with
a clip at :data:`LOGIT_EPS`, one strand.

Adding a score to ``danq variant-effect`` touches this file only (and its test): decorate a
function of :class:`Outputs` with :func:`score`; :data:`SCORES`, ``--scores``' check and
:func:`compute_scores` follow from the registry. Each score is written as float32.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from danq.errors import DanqError

LOGIT_EPS = 1e-6
"""Probabilities given without logits are clipped to ``[LOGIT_EPS, 1 - LOGIT_EPS]`` for their logit."""


def logit(p: np.ndarray, eps: float = LOGIT_EPS) -> np.ndarray:
    """Natural-log logit of probabilities clipped to ``[eps, 1 - eps]`` (float64 inside)."""
    q = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    return np.log(q) - np.log1p(-q)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function in float64 (exact for large ``|x|``, no overflow warning)."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _strands(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return a[None] if a.ndim == 2 else a


class Outputs:
    """Logits ``(S, B, T)`` (or ``(B, T)``: one strand) of the reference and alternative windows
    of a batch; the terms several scores share are computed once, in float64, when first asked for.
    """

    def __init__(self, logit_ref: np.ndarray, logit_alt: np.ndarray) -> None:
        self.logit_ref = _strands(logit_ref)
        self.logit_alt = _strands(logit_alt)
        if self.logit_ref.shape != self.logit_alt.shape:
            raise ValueError(f"ref logits {self.logit_ref.shape} and alt logits "
                             f"{self.logit_alt.shape} differ in shape")

    @classmethod
    def from_probabilities(cls, p_ref: np.ndarray, p_alt: np.ndarray) -> Outputs:
        """One strand's outputs from probabilities (kept as given; their logits clipped at
        :data:`LOGIT_EPS`)."""
        outputs = cls(logit(p_ref), logit(p_alt))
        outputs.strand_ref = _strands(p_ref)  # fills the cached properties
        outputs.strand_alt = _strands(p_alt)
        return outputs

    @cached_property
    def strand_ref(self) -> np.ndarray:
        return sigmoid(self.logit_ref)

    @cached_property
    def strand_alt(self) -> np.ndarray:
        return sigmoid(self.logit_alt)

    @cached_property
    def ref(self) -> np.ndarray:
        return self.strand_ref.mean(axis=0)

    @cached_property
    def alt(self) -> np.ndarray:
        return self.strand_alt.mean(axis=0)

    @cached_property
    def diff(self) -> np.ndarray:
        return self.alt - self.ref

    @cached_property
    def strand_logit_diff(self) -> np.ndarray:
        return self.logit_alt - self.logit_ref

    @cached_property
    def logit_diff(self) -> np.ndarray:
        return self.strand_logit_diff.mean(axis=0)

    @cached_property
    def deepsea_effect(self) -> np.ndarray:
        strand_diff = self.strand_alt - self.strand_ref
        return (np.abs(self.strand_logit_diff) * np.abs(strand_diff)).mean(axis=0)


@dataclass(frozen=True)
class Score:
    """One registered score: its ``--scores`` name, what it is, how it is computed."""

    name: str
    description: str
    compute: Callable[[Outputs], np.ndarray]


REGISTRY: dict[str, Score] = {}
"""Every score, in the order ``--scores`` lists them."""


def score(name: str, description: str) -> Callable[[Callable[[Outputs], np.ndarray]],
                                                   Callable[[Outputs], np.ndarray]]:
    """Register the decorated function as the score ``name``."""

    def register(compute: Callable[[Outputs], np.ndarray]) -> Callable[[Outputs], np.ndarray]:
        REGISTRY[name] = Score(name, description, compute)
        return compute

    return register


@score("ref", "probability of the reference window (mean over strands)")
def _ref(p: Outputs) -> np.ndarray:
    return p.ref


@score("alt", "probability of the alternative window (mean over strands)")
def _alt(p: Outputs) -> np.ndarray:
    return p.alt


@score("diff", "alt - ref")
def _diff(p: Outputs) -> np.ndarray:
    return p.diff


@score("abs_diff", "|alt - ref|")
def _abs_diff(p: Outputs) -> np.ndarray:
    return np.abs(p.diff)


@score("logit_diff", "logit(alt) - logit(ref) from the logits, natural log, mean over strands")
def _logit_diff(p: Outputs) -> np.ndarray:
    return p.logit_diff


@score("deepsea_effect", "|logit_diff| * |diff| per strand, mean over strands (Kipoi's DeepSEA_effect)")
def _deepsea_effect(p: Outputs) -> np.ndarray:
    return p.deepsea_effect


SCORES = tuple(REGISTRY)
DEFAULT_SCORES = ("diff", "logit_diff")


def _unknown(name: str) -> DanqError:
    return DanqError(f"--scores: unknown score {name!r}; choose from {', '.join(SCORES)}")


def compute_scores(p_ref: np.ndarray | None, p_alt: np.ndarray | None, names: Iterable[str], *,
                   logit_ref: np.ndarray | None = None,
                   logit_alt: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The requested scores (see :data:`SCORES`), float32 ``(B, T)`` each.

    From the logits ``(S, B, T)`` when given (the probabilities are then not used), else from the
    probabilities ``(B, T)`` as one strand.
    """
    outputs = (Outputs(logit_ref, logit_alt) if logit_ref is not None and logit_alt is not None
               else Outputs.from_probabilities(p_ref, p_alt))
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name not in REGISTRY:
            raise _unknown(name)
        out[name] = np.asarray(REGISTRY[name].compute(outputs), dtype=np.float32)
    return out


def batch_scores(batch: Any, names: Iterable[str]) -> dict[str, np.ndarray]:
    """:func:`compute_scores` of a :class:`danq.variants.batches.ScoredBatch` (its logits if any)."""
    return compute_scores(batch.p_ref, batch.p_alt, names,
                          logit_ref=getattr(batch, "logit_ref", None),
                          logit_alt=getattr(batch, "logit_alt", None))


def parse_scores(spec: str | Sequence[str] | None) -> list[str]:
    """``"diff,logit_diff"`` (or a list) to a checked, de-duplicated list of score names."""
    if spec is None:
        return list(DEFAULT_SCORES)
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    names: list[str] = []
    for item in (s.strip() for s in items):
        if not item:
            continue
        if item not in SCORES:
            raise _unknown(item)
        if item not in names:
            names.append(item)
    if not names:
        raise DanqError("--scores: no score named")
    return names
