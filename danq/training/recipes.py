"""Where the published training recipes come from (the values live in :mod:`danq.models.registry`).

Importing this module does not import torch.

* **DanQ** (Quang & Xie 2016, Keras 0.2): RMSprop with Keras's update (eps inside the square
  root; :class:`danq.training.optimizers.KerasRMSprop`), lr 1e-3, rho 0.9, eps 1e-6, batch 100,
  at most 60 epochs, early stopping on the validation loss with Keras patience 5. Keras 0.x's
  ``EarlyStopping`` stops only after patience + 1 epochs without improvement (it checks
  ``wait >= patience`` before incrementing ``wait``), so the recipe's patience, which here counts
  epochs without improvement, is :func:`keras_patience` (5) = 6. Seed 1337.
* **DanQ-JASPAR**: DanQ's optimiser and batch, 32 epochs, and no effective early stopping (the
  original passed patience 100 with 32 epochs), so patience 0 (never).
* **DeepSEA** (Zhou & Troyanskaya 2015, Torch7 ``optim.sgd``): lr 1 annealed as
  ``lr / (1 + t * 8e-7)``, momentum 0.9 with Torch7's default dampening (= momentum), weight
  decay 1e-6 added to the gradient, batch 16, max-norm 0.9 per output unit of every conv/linear
  weight applied before each step, and an L1 penalty 1e-8 on the last layer's logits whose
  gradient reaches only that layer. **Ours, not the reference's**: at most 20 epochs with
  patience 5 — the reference code validated every 110,000 samples on 4,000 validation samples
  and stopped only after 300 validations without improvement; set ``validate_every`` 6875 (at
  batch 16) and ``valid_samples`` 4000 to validate as it did (config/deepsea.yaml does).
"""

from __future__ import annotations

from collections.abc import Mapping

from danq.errors import DanqError
from danq.models.registry import ARCHITECTURES, keras_patience
from danq.training.hyperparameters import Hyperparameters

__all__ = ["RECIPES", "keras_patience", "recipe"]

#: Architecture name -> its published recipe (read from the registry).
RECIPES: Mapping[str, Hyperparameters] = {name: arch.recipe for name, arch in ARCHITECTURES.items()}


def recipe(arch: str) -> Hyperparameters:
    """The published recipe of ``arch``; a one-line DanqError for an unknown name."""
    try:
        return RECIPES[arch]
    except KeyError:
        valid = ", ".join(RECIPES)
        raise DanqError(f"--model {arch}: unknown architecture (valid: {valid})") from None
