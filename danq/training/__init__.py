"""`danq train`: fit DeepSEA, DanQ or DanQ-JASPAR on danq datasets, resumably.

Module map:

* :mod:`~danq.training.hyperparameters` — :class:`Hyperparameters` (frozen, typed),
  :class:`TrainConfig` and the resolution rule (recipe → named optimiser's defaults → given);
* :mod:`~danq.training.recipes` — the published recipe per architecture (no torch import);
* :mod:`~danq.training.optimizers` — the optimiser registry (Keras RMSprop, Torch7 SGD, Adam),
  learning-rate annealing, max-norm and DeepSEA's output-layer L1 penalty;
* :mod:`~danq.training.inputs` — dataset checks and model arguments;
* :mod:`~danq.training.init` — ``--init``: the published initialisation or PyTorch's default;
* :mod:`~danq.training.batches` — :class:`ChunkedBatches`, the shuffled batch stream read chunk by
  chunk from a danq dataset and shared across ranks;
* :mod:`~danq.training.state` — run counters, early stopping, RNG capture/restore, run files;
* :mod:`~danq.training.resume` — resuming from ``last.pt``: what must match, restoring the counters;
* :mod:`~danq.training.distributed` — ``torchrun`` process-group helpers;
* :mod:`~danq.training.validation` — validation loss and AUCs;
* :mod:`~danq.training.loop` — the loop itself and :func:`train`.

Importing this package does not import torch.
"""

from __future__ import annotations

from danq.training.hyperparameters import (
    DEFAULT_SEED,
    FIXED_ON_RESUME,
    HYPERPARAMETERS,
    Hyperparameters,
    TrainConfig,
)
from danq.training.inputs import DataInfo, inspect_datasets, model_args_for_data, parse_model_args
from danq.training.loop import TrainResult, train
from danq.training.recipes import RECIPES, recipe, resolve, resolve_with_origins
from danq.training.state import METRIC_COLUMNS, RunState
from danq.training.validation import evaluate_loss_and_auc, mean_aucs

__all__ = [
    "DEFAULT_SEED",
    "FIXED_ON_RESUME",
    "HYPERPARAMETERS",
    "METRIC_COLUMNS",
    "RECIPES",
    "DataInfo",
    "Hyperparameters",
    "RunState",
    "TrainConfig",
    "TrainResult",
    "evaluate_loss_and_auc",
    "inspect_datasets",
    "mean_aucs",
    "model_args_for_data",
    "parse_model_args",
    "recipe",
    "resolve",
    "resolve_with_origins",
    "train",
]
