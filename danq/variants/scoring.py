"""The variant scores: one registry, name -> function + one-line description.

Scores per variant and target (``p`` are sigmoid probabilities, reverse-complement averaged by
default as DeepSEA did): ``ref``, ``alt``, ``diff = alt - ref``, ``abs_diff``,
``logit_diff = logit(alt) - logit(ref)`` (natural log; probabilities clipped to
``[LOGIT_EPS, 1 - LOGIT_EPS]``) and ``deepsea_effect = |logit_diff| * |diff|`` (Kipoi's
``DeepSEA_effect``).

Adding a score to ``danq variant-effect`` touches this file only (and its test): decorate a
function of :class:`Probabilities` with :func:`score`; :data:`SCORES`, ``--scores``' check and
:func:`compute_scores` follow from the registry. Each score is written as float32.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from danq.errors import DanqError

LOGIT_EPS = 1e-6
"""Probabilities are clipped to ``[LOGIT_EPS, 1 - LOGIT_EPS]`` before the logit (float32-safe)."""


def logit(p: np.ndarray, eps: float = LOGIT_EPS) -> np.ndarray:
    """Natural-log logit of probabilities clipped to ``[eps, 1 - eps]`` (float64 inside)."""
    q = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    return np.log(q) - np.log1p(-q)


class Probabilities:
    """Reference and alternative probabilities ``(B, T)`` of a batch; the terms several scores
    share (``diff``, ``logit_diff``, float64) are computed once, when first asked for."""

    def __init__(self, p_ref: np.ndarray, p_alt: np.ndarray) -> None:
        self.ref = p_ref
        self.alt = p_alt

    @cached_property
    def diff(self) -> np.ndarray:
        return self.alt.astype(np.float64) - self.ref.astype(np.float64)

    @cached_property
    def logit_diff(self) -> np.ndarray:
        return logit(self.alt) - logit(self.ref)


@dataclass(frozen=True)
class Score:
    """One registered score: its ``--scores`` name, what it is, how it is computed."""

    name: str
    description: str
    compute: Callable[[Probabilities], np.ndarray]


REGISTRY: dict[str, Score] = {}
"""Every score, in the order ``--scores`` lists them."""


def score(name: str, description: str) -> Callable[[Callable[[Probabilities], np.ndarray]],
                                                   Callable[[Probabilities], np.ndarray]]:
    """Register the decorated function as the score ``name``."""

    def register(compute: Callable[[Probabilities], np.ndarray]) -> Callable[[Probabilities], np.ndarray]:
        REGISTRY[name] = Score(name, description, compute)
        return compute

    return register


@score("ref", "probability of the reference window")
def _ref(p: Probabilities) -> np.ndarray:
    return p.ref


@score("alt", "probability of the alternative window")
def _alt(p: Probabilities) -> np.ndarray:
    return p.alt


@score("diff", "alt - ref")
def _diff(p: Probabilities) -> np.ndarray:
    return p.diff


@score("abs_diff", "|alt - ref|")
def _abs_diff(p: Probabilities) -> np.ndarray:
    return np.abs(p.diff)


@score("logit_diff", "logit(alt) - logit(ref), natural log, probabilities clipped to LOGIT_EPS")
def _logit_diff(p: Probabilities) -> np.ndarray:
    return p.logit_diff


@score("deepsea_effect", "|logit_diff| * |diff| (Kipoi's DeepSEA_effect)")
def _deepsea_effect(p: Probabilities) -> np.ndarray:
    return np.abs(p.logit_diff) * np.abs(p.diff)


SCORES = tuple(REGISTRY)
DEFAULT_SCORES = ("diff", "logit_diff")


def _unknown(name: str) -> DanqError:
    return DanqError(f"--scores: unknown score {name!r}; choose from {', '.join(SCORES)}")


def compute_scores(p_ref: np.ndarray, p_alt: np.ndarray, names: Iterable[str]) -> dict[str, np.ndarray]:
    """The requested scores (see :data:`SCORES`) from reference and alternative probabilities."""
    probabilities = Probabilities(p_ref, p_alt)
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name not in REGISTRY:
            raise _unknown(name)
        out[name] = np.asarray(REGISTRY[name].compute(probabilities), dtype=np.float32)
    return out


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
