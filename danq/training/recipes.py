"""The published training recipes: their values and where each comes from.

Each architecture of :mod:`danq.models.registry` names its recipe here (Beluga reuses DeepSEA's).

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
  gradient, as Torch7's ``nn.L1Penalty`` adds it to ``gradInput``, reaches every layer. **Ours, not the reference's**: at most 20 epochs with
  patience 5 — the reference code validated every 110,000 samples on 4,000 validation samples
  and stopped only after 300 validations without improvement; set ``validate_every`` 6875 (at
  batch 16) and ``valid_samples`` 4000 to validate as it did (config/deepsea.yaml does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from danq.errors import DanqError
from danq.models.registry import ARCHITECTURES
from danq.training.hyperparameters import (
    _FIELD_DEFAULTS,
    INITS,
    MONITORS,
    OPTIMISATION_FIELDS,
    Hyperparameters,
    TrainConfig,
    flag,
    typed_hyperparameters,
)

__all__ = ["PUBLISHED", "RECIPES", "keras_patience", "recipe", "resolve", "resolve_with_origins"]


def keras_patience(patience: int) -> int:
    """Epochs without improvement after which Keras 0.x's ``EarlyStopping(patience)`` stops."""
    return patience + 1


_DANQ = Hyperparameters(
    optimizer="rmsprop", lr=1e-3, rho=0.9, eps=1e-6, batch_size=100, epochs=60,
    patience=keras_patience(5),
)

#: Recipe name -> the published settings (the names the registry's records use).
PUBLISHED: Mapping[str, Hyperparameters] = MappingProxyType({
    "danq": _DANQ,
    "danq-jaspar": replace(_DANQ, epochs=32, patience=0),  # no effective early stopping
    "deepsea": Hyperparameters(
        optimizer="sgd", lr=1.0, momentum=0.9, dampening=0.9, weight_decay=1e-6, lr_decay=8e-7,
        max_norm=0.9, l1_logits=1e-8, batch_size=16, epochs=20, patience=5,
    ),
})

#: Architecture name -> its published recipe (the registry names which one).
RECIPES: Mapping[str, Hyperparameters] = MappingProxyType(
    {name: PUBLISHED[arch.recipe] for name, arch in ARCHITECTURES.items()}
)


def recipe(arch: str) -> Hyperparameters:
    """The published recipe of ``arch``; a one-line DanqError for an unknown name."""
    try:
        return RECIPES[arch]
    except KeyError:
        valid = ", ".join(RECIPES)
        raise DanqError(f"--arch {arch}: unknown architecture (valid: {valid})") from None


def resolve(config: TrainConfig) -> Hyperparameters:
    """The run's hyperparameters: recipe, then the named optimiser's defaults, then ``config``."""
    return resolve_with_origins(config.model, config.given())[0]


def resolve_with_origins(
    arch: str, given: Mapping[str, Any]
) -> tuple[Hyperparameters, dict[str, str]]:
    """Resolve ``given`` over ``arch``'s recipe; also say where each value came from.

    Returns
    -------
    hyperparameters
        The validated settings.
    origins
        Field -> ``"given"``, ``"optimizer default"`` or ``"recipe"``.

    Raises
    ------
    DanqError
        Unknown architecture or optimiser, out-of-range values, or a setting the chosen
        optimiser does not use (e.g. ``--momentum`` with Adam).
    """
    from danq.training.optimizers import optimizer_spec

    values = recipe(arch).as_dict()
    origins = dict.fromkeys(values, "recipe")
    if "optimizer" in given:
        spec = optimizer_spec(str(given["optimizer"]))
        defaults = {name: _FIELD_DEFAULTS.get(name, 0.0) for name in OPTIMISATION_FIELDS}
        defaults.update(spec.defaults)
        if "dampening" in spec.uses and "dampening" not in spec.defaults:
            # Torch7's optim.sgd: dampening defaults to the momentum actually used
            defaults["dampening"] = float(given.get("momentum", defaults["momentum"]))
        values.update(defaults)
        origins.update(dict.fromkeys(defaults, "optimizer default"))
    values.update(given)
    origins.update(dict.fromkeys(given, "given"))
    hyperparameters = typed_hyperparameters(values)
    _check(hyperparameters, given)
    return hyperparameters, origins


def _check(hp: Hyperparameters, given: Mapping[str, Any]) -> None:
    from danq.training.optimizers import optimizer_spec

    spec = optimizer_spec(hp.optimizer)
    for name in ("batch_size", "epochs"):
        if getattr(hp, name) < 1:
            raise DanqError(f"{flag(name)} must be at least 1, got {getattr(hp, name)}")
    if hp.patience < 0:
        raise DanqError(f"--patience must be 0 or more, got {hp.patience}")
    if hp.monitor not in MONITORS:
        raise DanqError(f"--monitor {hp.monitor}: expected one of {', '.join(MONITORS)}")
    if hp.init not in INITS:
        raise DanqError(f"--init {hp.init}: expected one of {', '.join(INITS)}")
    if not hp.lr > 0:
        raise DanqError(f"--lr must be positive, got {hp.lr}")
    if hp.validate_every is not None and hp.validate_every < 1:
        raise DanqError(f"--validate-every must be at least 1, got {hp.validate_every}")
    if hp.valid_samples is not None and hp.valid_samples < 1:
        raise DanqError(f"--valid-samples must be at least 1, got {hp.valid_samples}")
    for name in ("rho", "eps", "momentum", "dampening"):
        harmless = name in ("momentum", "dampening") and float(given.get(name, 0.0)) == 0.0
        if name in given and name not in spec.uses and not harmless:
            raise DanqError(
                f"{flag(name)} {given[name]}: the {hp.optimizer} optimiser does not use {name}"
            )
    for name in ("weight_decay", "lr_decay", "max_norm", "l1_logits", "momentum", "dampening"):
        if getattr(hp, name) < 0:
            raise DanqError(f"{flag(name)} must be 0 or more, got {getattr(hp, name)}")


