"""What the gradient methods (saliency, integrated gradients) share: the differentiable forward
function handed to captum and the one-hot input batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def forward_function(predictor: Any) -> Callable[[Any], Any]:
    """``x (B, 4, L) -> logits (B, T_model)`` with autograd on, at the predictor's precision."""

    def forward(x: Any) -> Any:
        return predictor.logits(x, grad=True)

    return forward


def one_hot_input(predictor: Any, tokens: np.ndarray) -> Any:
    """Token rows as a float32 one-hot tensor ``(B, 4, L)`` on the model's device (N = zeros)."""
    import torch

    return predictor.one_hot(tokens).to(predictor.device, dtype=torch.float32).requires_grad_()


def per_target(attribute: Callable[[Any, int], Any], x: Any, targets: np.ndarray) -> np.ndarray:
    """``attribute(x, target)`` for every selected target, stacked as ``(B, T, 4, L)`` float32."""
    parts = [attribute(x, int(t)).detach().float().cpu().numpy() for t in targets]
    if not parts:
        return np.zeros((x.shape[0], 0, *x.shape[1:]), dtype=np.float32)
    return np.stack(parts, axis=1).astype(np.float32, copy=False)
