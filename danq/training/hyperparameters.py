"""Typed training hyperparameters and a run's settings (:class:`TrainConfig`).

:func:`danq.training.recipes.resolve` resolves a run's :class:`Hyperparameters` come from three layers, later ones winning:

1. the architecture's published recipe (:mod:`danq.training.recipes`);
2. when an optimiser is named explicitly, that optimiser's own defaults *replace* every
   optimisation setting of the recipe (learning rate, its decay, rho, eps, momentum, dampening,
   weight decay, max-norm and the L1 penalty): naming an optimiser never silently keeps another
   recipe's regularisers, so ``--optimizer adam`` means the same for every architecture;
3. every value given explicitly.

Nothing here imports torch, so :mod:`danq.training.recipes` stays cheap to import.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SEED = 1337  # DanQ's published seed

#: Settings that belong to the optimiser choice; they reset when an optimiser is named.
OPTIMISATION_FIELDS = (
    "lr", "rho", "eps", "momentum", "dampening", "weight_decay", "lr_decay", "max_norm",
    "l1_logits",
)
#: Settings that shape the trajectory: a resumed run keeps the values it was started with.
FIXED_ON_RESUME = (
    "optimizer", "lr", "rho", "eps", "momentum", "dampening", "weight_decay", "lr_decay",
    "max_norm", "l1_logits", "batch_size", "seed", "validate_every", "monitor", "init",
)
#: Validation metrics early stopping and ``best.pt`` can follow (``--monitor``).
MONITORS = ("loss", "roc_auc", "pr_auc")
#: Initialisations of a fresh model (``--init``): the architecture's published one, or PyTorch's
#: per-layer defaults (:func:`danq.training.init.apply_init`).
INITS = ("published", "torch")
#: Hyperparameters that are text, not numbers.
TEXT_FIELDS = ("optimizer", "monitor", "init")


@dataclass(frozen=True, kw_only=True)
class Hyperparameters:
    """Every setting that decides how a model is trained (not where or on what hardware).

    Attributes
    ----------
    optimizer
        Registry name in :data:`danq.training.optimizers.OPTIMIZERS`.
    lr
        Learning rate at step 0.
    rho, eps
        RMSprop's squared-gradient decay and epsilon (Adam uses ``eps`` too).
    momentum, dampening
        SGD momentum and its dampening (Torch7 default: dampening = momentum).
    weight_decay
        L2 coefficient added to the gradient (``g + weight_decay * p``).
    lr_decay
        Torch7 annealing: the step-``t`` learning rate is ``lr / (1 + t * lr_decay)``.
    max_norm
        Per-output-unit L2 bound on every conv/linear weight, applied before each step; 0 = off.
    l1_logits
        L1 penalty on the output layer's logits, whose gradient reaches only that layer.
    batch_size, epochs
        Samples per step (per process) and the maximum number of epochs.
    patience
        Stop after this many consecutive epochs without a better monitored metric; 0 = never.
    monitor
        Validation metric that decides early stopping and ``best.pt`` (:data:`MONITORS`): the
        loss (lower is better, the published recipes) or the mean ROC / PR AUC (higher is better).
    init
        ``"published"`` (the architecture's own initialisation) or ``"torch"`` (PyTorch's default
        per layer); see :data:`INITS`.
    seed
        Seeds torch, numpy and python at the start, and the data order.
    validate_every
        Optimiser steps per epoch; ``None`` = one pass over the training data.
    valid_samples
        Validate on the first this-many validation samples only; ``None`` = all.
    """

    optimizer: str
    lr: float
    rho: float = 0.9
    eps: float = 1e-6
    momentum: float = 0.0
    dampening: float = 0.0
    weight_decay: float = 0.0
    lr_decay: float = 0.0
    max_norm: float = 0.0
    l1_logits: float = 0.0
    batch_size: int
    epochs: int
    patience: int
    monitor: str = "loss"
    init: str = "published"
    seed: int = DEFAULT_SEED
    validate_every: int | None = None
    valid_samples: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Field name -> value, in declaration order (plain data for JSON and checkpoints)."""
        return dataclasses.asdict(self)

    def record(self, model: str, precision: str) -> dict[str, Any]:
        """The ``training`` settings as checkpoints store them (the key order of danq 0.1)."""
        values = self.as_dict()
        tail = ("seed", "validate_every", "valid_samples")
        record = {k: v for k, v in values.items() if k not in tail}
        record["model"] = model
        record.update({k: values[k] for k in tail})
        record["precision"] = precision
        return record


HYPERPARAMETERS = tuple(f.name for f in dataclasses.fields(Hyperparameters))
_FIELD_DEFAULTS = {
    f.name: f.default for f in dataclasses.fields(Hyperparameters)
    if f.default is not dataclasses.MISSING
}


@dataclass
class TrainConfig:
    """Everything `danq train` needs; ``None`` means "the recipe's value" (see module docstring).

    Parameters
    ----------
    model
        Architecture name: ``deepsea``, ``danq`` or ``danq-jaspar``.
    train, valid
        danq datasets (``danq encode`` / ``danq import-deepsea``), labelled, same targets.
    output_dir
        Receives ``best.pt``, ``last.pt``, ``metrics.csv``, ``settings.json`` and ``train.log``.
    model_args
        Extra constructor arguments (layer sizes...); ``sequence_length`` and ``n_targets`` come
        from the data.
    validate_every
        Optimiser steps per epoch; ``None`` = one pass over the training data per epoch.
    valid_samples
        Validate on the first this-many validation samples only (DeepSEA used 4,000).
    resume
        Continue from ``output_dir/last.pt`` (a fresh start if there is none).
    overwrite
        Allow starting afresh in a directory that already holds a run.
    on_batch
        Test hook ``f(step, rank, x, y)`` called before every optimiser step.
    """

    model: str
    train: str | os.PathLike[str]
    valid: str | os.PathLike[str]
    output_dir: str | os.PathLike[str]
    epochs: int | None = None
    batch_size: int | None = None
    optimizer: str | None = None
    lr: float | None = None
    rho: float | None = None
    eps: float | None = None
    momentum: float | None = None
    dampening: float | None = None
    weight_decay: float | None = None
    lr_decay: float | None = None
    max_norm: float | None = None
    l1_logits: float | None = None
    patience: int | None = None
    monitor: str | None = None
    init: str | None = None
    seed: int | None = None
    model_args: dict[str, Any] = field(default_factory=dict)
    validate_every: int | None = None
    valid_samples: int | None = None
    eval_batch_size: int | None = None
    device: str = "auto"
    precision: str = "fp32"
    threads: int | None = None
    num_workers: int = 0
    resume: bool = False
    overwrite: bool = False
    progress: bool | None = None
    on_batch: Callable[[int, int, Any, Any], None] | None = None

    def given(self) -> dict[str, Any]:
        """The hyperparameters set explicitly (not ``None``)."""
        return {k: getattr(self, k) for k in HYPERPARAMETERS if getattr(self, k) is not None}


def flag(name: str) -> str:
    """The `danq train` option that sets hyperparameter ``name``."""
    return "--l1" if name == "l1_logits" else "--" + name.replace("_", "-")


def typed_hyperparameters(values: Mapping[str, Any]) -> Hyperparameters:
    """Cast every value to its field's type (CLI and YAML give ints where floats are meant)."""
    cast: dict[str, Any] = {}
    for f in dataclasses.fields(Hyperparameters):
        value = values[f.name]
        if value is None or f.name in TEXT_FIELDS:
            cast[f.name] = value
        elif f.type in ("float",):
            cast[f.name] = float(value)
        else:
            cast[f.name] = int(value)
    return Hyperparameters(**cast)


def replace_fixed(hp: Hyperparameters, saved: Mapping[str, Any]) -> Hyperparameters:
    """``hp`` with the trajectory-shaping settings a resumed run was started with."""
    kept = {k: saved[k] for k in FIXED_ON_RESUME if k in saved}
    return typed_hyperparameters(hp.as_dict() | kept)
