"""What every incremental rule shares: the rule registry, span arithmetic and window patching.

A *mutant* is a reference window with the one-hot columns ``[start, start + w)`` replaced. A rule
(one per architecture) scores many mutants of a few references by recomputing only what the
replaced columns reach (their receptive-field cone) and reusing everything else from the
reference's saved activations. Rules are registered by exact model class; a model without one (or
in a state a rule does not cover: training mode, quantized layers) gets ``None`` and callers take
the full path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import torch


class Rule(Protocol):
    """An architecture's incremental computation (see :mod:`danq.inference.incremental`)."""

    def reference(self, x: torch.Tensor, start: np.ndarray, width: int) -> Any:
        """Run references ``x`` ``(R, 4, L)`` once, keeping what the mutants (columns
        ``[start, start + width)`` replaced) will reuse; the result has ``.logits`` ``(R, T)``."""

    def mutants(self, state: Any, ref_index: np.ndarray, start: np.ndarray,
                values: torch.Tensor) -> torch.Tensor:
        """Logits ``(M, T)`` of mutants: reference ``ref_index`` (of the state) with ``values``
        ``(M, 4, w)`` written at columns ``[start, start + w)``."""


#: Exact model class -> factory returning a rule, or ``None`` when that model cannot use one.
RULES: dict[type, Callable[[Any], Rule | None]] = {}


def register(cls: type) -> Callable[[Callable[[Any], Rule | None]], Callable[[Any], Rule | None]]:
    """Decorator: ``factory`` builds the rule for models of exactly ``cls`` (not subclasses)."""

    def wrap(factory: Callable[[Any], Rule | None]) -> Callable[[Any], Rule | None]:
        RULES[cls] = factory
        return factory

    return wrap


def rule_for(model: Any) -> Rule | None:
    """The incremental rule for ``model``, or ``None`` (no rule, or not applicable): silent."""
    factory = RULES.get(type(model))
    if factory is None or getattr(model, "training", True):
        return None
    return factory(model)


# --------------------------------------------------------------------------------------------------
# span arithmetic: inclusive ranges [lo, hi] of changed positions, vectorised over mutants; an empty
# range is carried by a mask (a convolution would otherwise widen lo > hi into a non-empty range)
Spans = tuple[np.ndarray, np.ndarray, np.ndarray]  # lo, hi, empty


def through_conv(spans: Spans, kernel: int, out_length: int) -> Spans:
    """Outputs of a stride-1 'valid' convolution that read a changed input."""
    lo, hi, empty = spans
    lo = np.maximum(lo - kernel + 1, 0)
    hi = np.minimum(hi, out_length - 1)
    return lo, hi, empty | (lo > hi)


def through_pool(spans: Spans, pool: int, out_length: int) -> Spans:
    """Outputs of a max pooling (window = stride = ``pool``, remainder dropped) with a changed input."""
    lo, hi, empty = spans
    lo = lo // pool
    hi = np.minimum(hi // pool, out_length - 1)
    return lo, hi, empty | (lo > hi)


def window_starts(spans: Spans, width: int, length: int) -> np.ndarray:
    """Start of a ``width``-long window covering each span, kept inside ``[0, length)``."""
    lo, _, _ = spans
    return np.clip(lo, 0, max(length - width, 0))


def common_width(spans: Spans) -> int:
    """The widest non-empty span (at least 1): the one window width a dense batch uses."""
    lo, hi, empty = spans
    widths = np.where(empty, 1, hi - lo + 1)
    return int(widths.max()) if widths.size else 1


def patch_window(
    base: torch.Tensor, ref_index: torch.Tensor, window_start: torch.Tensor, width: int,
    new: torch.Tensor, new_start: torch.Tensor,
) -> torch.Tensor:
    """Windows of the references' activations with recomputed columns written over them.

    Parameters
    ----------
    base
        Reference activations ``(R, C, N)``.
    ref_index, window_start
        ``(M,)``: each mutant's reference and window start (in ``base``'s positions).
    width
        Window length.
    new, new_start
        Recomputed columns ``(M, C, n)`` and their first position: they replace the reference's
        where the two overlap.

    Returns
    -------
    torch.Tensor
        ``(M, C, width)``.
    """
    out = take_window(base, ref_index, window_start, width)
    positions = window_start[:, None] + torch.arange(width, device=base.device)
    local = positions - new_start[:, None]
    inside = (local >= 0) & (local < new.shape[2])
    index = local.clamp(0, new.shape[2] - 1)[:, None, :].expand(-1, new.shape[1], -1)
    return torch.where(inside[:, None, :], new.gather(2, index), out)


def take_window(base: torch.Tensor, ref_index: torch.Tensor, window_start: torch.Tensor,
                width: int) -> torch.Tensor:
    """``base[ref_index[m], :, window_start[m] : window_start[m] + width]`` for every m: ``(M, C, W)``."""
    positions = window_start[:, None] + torch.arange(width, device=base.device)  # (M, W)
    return base[ref_index[:, None], :, positions].permute(0, 2, 1)


def as_long(values: np.ndarray, device: Any) -> torch.Tensor:
    """An int64 tensor on ``device``."""
    return torch.as_tensor(np.asarray(values, dtype=np.int64), device=device)
