"""RMSprop as Keras 0.2 applied it (eps inside the square root): DanQ's optimiser.

PyTorch's ``RMSprop`` puts eps outside the root (``sqrt(a) + eps``), which makes the first steps of
a full-size DanQ about 400 times larger for the many weights whose gradients are tiny.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch


class KerasRMSprop(torch.optim.Optimizer):
    """RMSprop exactly as Keras 0.2 applied it: eps inside the square root.

    Per parameter ``p`` with gradient ``g`` (plus ``weight_decay * p`` when set) and accumulator
    ``a`` (zeros at the start)::

        a <- rho * a + (1 - rho) * g**2
        p <- p - lr * g / sqrt(a + eps)

    Parameters
    ----------
    params
        Parameters or parameter groups.
    lr, rho, eps
        Keras's defaults are 1e-3, 0.9 and 1e-6.
    weight_decay
        L2 coefficient added to the gradient (Keras had none by default).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        if not lr > 0 or not 0 <= rho < 1 or not eps >= 0 or not weight_decay >= 0:
            raise ValueError(f"bad RMSprop settings lr={lr} rho={rho} eps={eps}")
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay})
        #: Reused storage for ``sqrt(a + eps)``, one per device and dtype, sized for the largest
        #: parameter. Allocating it afresh per parameter and step (DanQ's dense layer: 177 MB)
        #: measured as half of the update's time on a CPU. Not optimiser state: never saved.
        self._scratch: dict[tuple[Any, Any], torch.Tensor] = {}

    def _denominator_buffer(self, like: torch.Tensor) -> torch.Tensor:
        """An uninitialised tensor shaped like ``like``, backed by the reused scratch storage."""
        key = (like.device, like.dtype)
        buffer = self._scratch.get(key)
        if buffer is None or buffer.numel() < like.numel():
            buffer = torch.empty(like.numel(), device=like.device, dtype=like.dtype)
            self._scratch[key] = buffer
        return buffer[: like.numel()].view_as(like)

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, rho, eps, decay = group["lr"], group["rho"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad if not decay else p.grad.add(p, alpha=decay)
                state = self.state[p]
                if not state:
                    state["square_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                square_avg = state["square_avg"]
                square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
                denominator = torch.add(square_avg, eps, out=self._denominator_buffer(p)).sqrt_()
                p.addcdiv_(grad, denominator, value=-lr)
        return loss
