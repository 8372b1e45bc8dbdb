"""Optimisers (a registry: adding one = one entry in :data:`OPTIMIZERS`) and the update's extras.

* ``rmsprop``: :class:`danq.training.keras_rmsprop.KerasRMSprop`, the update of Keras 0.2 that DanQ was trained with,
  ``a = rho a + (1 - rho) g²; p -= lr g / sqrt(a + eps)``. PyTorch's ``RMSprop`` puts eps
  outside the root (``sqrt(a) + eps``), which makes the first steps of a full-size DanQ about
  400 times larger for the many weights whose gradients are tiny.
* ``sgd``: Torch7's ``optim.sgd`` as DeepSEA used it — PyTorch's SGD matches it step for step
  (first momentum buffer = the gradient, then ``m = mu m + (1 - dampening) g``; weight decay added
  to the gradient); Torch7's default dampening equals the momentum.
* ``adam``: PyTorch's Adam (betas 0.9, 0.999).

Every optimiser also gets the run-wide extras applied by the loop: Torch7 learning-rate
annealing (:func:`learning_rate_at`), per-unit max-norm before each step (:func:`apply_max_norm`)
and DeepSEA's L1 penalty on the output layer (:class:`OutputL1Penalty`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from danq.errors import DanqError
from danq.training.hyperparameters import Hyperparameters

if TYPE_CHECKING:  # the registry is read without torch (CLI choices, workflow checks)
    import torch
    from torch import nn


def _rmsprop(params: Iterable[Any], hp: Hyperparameters) -> torch.optim.Optimizer:
    from danq.training.keras_rmsprop import KerasRMSprop

    return KerasRMSprop(params, lr=hp.lr, rho=hp.rho, eps=hp.eps, weight_decay=hp.weight_decay)


def _sgd(params: Iterable[Any], hp: Hyperparameters) -> torch.optim.Optimizer:
    import torch

    return torch.optim.SGD(
        params, lr=hp.lr, momentum=hp.momentum,
        dampening=hp.dampening if hp.momentum else 0.0, weight_decay=hp.weight_decay,
    )


def _adam(params: Iterable[Any], hp: Hyperparameters) -> torch.optim.Optimizer:
    import torch

    return torch.optim.Adam(params, lr=hp.lr, eps=hp.eps, weight_decay=hp.weight_decay)


@dataclass(frozen=True)
class OptimizerSpec:
    """One registry entry.

    Attributes
    ----------
    build
        ``f(parameters, hyperparameters) -> torch optimiser``.
    defaults
        The optimiser's own values of the settings it uses; they replace the recipe's when the
        optimiser is named explicitly (every other optimisation setting becomes 0).
    uses
        Optimiser-specific settings it reads (``rho``, ``eps``, ``momentum``, ``dampening``);
        giving another one is an error.
    description
        One line for documentation.
    """

    build: Callable[[Iterable[Any], Hyperparameters], torch.optim.Optimizer]
    defaults: Mapping[str, float]
    uses: frozenset[str]
    description: str


OPTIMIZERS: Mapping[str, OptimizerSpec] = MappingProxyType({
    "rmsprop": OptimizerSpec(
        _rmsprop, {"lr": 1e-3, "rho": 0.9, "eps": 1e-6}, frozenset({"rho", "eps"}),
        "Keras 0.2 RMSprop (eps inside the square root), DanQ's optimiser",
    ),
    "sgd": OptimizerSpec(
        _sgd, {"lr": 1e-3, "momentum": 0.0}, frozenset({"momentum", "dampening"}),
        "Torch7 optim.sgd (dampening defaults to the momentum), DeepSEA's optimiser",
    ),
    "adam": OptimizerSpec(
        _adam, {"lr": 1e-3, "eps": 1e-8}, frozenset({"eps"}), "PyTorch Adam (betas 0.9, 0.999)",
    ),
})


def optimizer_spec(name: str) -> OptimizerSpec:
    """The registry entry ``name``; a one-line DanqError listing the valid names otherwise."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise DanqError(f"--optimizer {name}: expected one of {', '.join(OPTIMIZERS)}") from None


def build_optimizer(parameters: Iterable[Any], hp: Hyperparameters) -> torch.optim.Optimizer:
    """The optimiser ``hp.optimizer`` over ``parameters``."""
    return optimizer_spec(hp.optimizer).build(parameters, hp)


def learning_rate_at(step: int, hp: Hyperparameters) -> float:
    """Torch7's annealing: ``lr / (1 + step * lr_decay)`` (``step`` = updates taken so far)."""
    return hp.lr / (1.0 + step * hp.lr_decay)


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set every parameter group's learning rate."""
    for group in optimizer.param_groups:
        group["lr"] = lr


def apply_max_norm(model: nn.Module, max_norm: float) -> None:
    """Renormalise every conv/linear weight so each output unit's weights have L2 norm ≤ max_norm.

    Torch7's ``weight:renorm(2, 1, max_norm)``: the bound is per output unit (row of a Linear
    weight, output channel of a Conv1d weight), not on the whole matrix. Biases and LSTM weights
    are left alone. DeepSEA's script ran it inside the loss closure, i.e. *before* the forward
    pass and the update of each step, so the loop calls it there too.
    """
    if not max_norm:
        return
    import torch
    from torch import nn

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv1d, nn.Linear)):
                module.weight.renorm_(2, 0, max_norm)


def output_layer(model: nn.Module) -> nn.Linear:
    """The model's output layer: its last ``nn.Linear`` (``fc2`` in every danq architecture)."""
    from torch import nn

    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise DanqError(f"{type(model).__name__}: no Linear output layer for the L1 penalty")
    return linears[-1]


class OutputL1Penalty:
    """DeepSEA's ``nn.L1Penalty`` on the logits, whose gradient reaches every layer.

    Torch7's ``nn.L1Penalty`` passes its input through and adds ``weight * sign(input)`` to
    ``gradInput``, so the penalty's gradient flows back through the output layer into every
    layer below it (an activity regulariser, not a weight penalty). A forward hook keeps the
    output layer's input; :meth:`penalty` recomputes the logits from it (not detached), so
    ``weight * sum|logits|`` has exactly that gradient.
    """

    def __init__(self, model: nn.Module, weight: float) -> None:
        self.weight = float(weight)
        self.layer = output_layer(model)
        self._input: torch.Tensor | None = None
        self._handle = self.layer.register_forward_hook(self._keep_input)

    def _keep_input(self, module: nn.Module, inputs: tuple[torch.Tensor, ...], output: Any) -> None:
        self._input = inputs[0]

    def penalty(self) -> torch.Tensor:
        """``weight * sum|W h + b|`` for the last forward pass (its gradient reaches ``h`` too)."""
        import torch.nn.functional as F

        if self._input is None:
            raise RuntimeError("OutputL1Penalty.penalty() before any forward pass")
        logits = F.linear(self._input, self.layer.weight, self.layer.bias)
        self._input = None
        return self.weight * logits.float().abs().sum()

    def remove(self) -> None:
        """Detach the hook from the model."""
        self._handle.remove()


def training_loss(
    logits: torch.Tensor, targets: torch.Tensor, penalty: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean binary cross-entropy plus an optional penalty term.

    Returns ``(loss to minimise, BCE alone)``; the BCE is what the metrics report.
    """
    import torch.nn.functional as F

    bce = F.binary_cross_entropy_with_logits(logits.float(), targets)
    return (bce if penalty is None else bce + penalty), bce
