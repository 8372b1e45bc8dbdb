"""Run state: counters, early stopping, RNG capture/restore, ``last.pt`` state and run files.

``last.pt`` holds the optimiser state, the global step, the data position (data epoch and batch
within it), the torch/numpy/python RNG states of every process, the best-so-far loss, the
patience counter and the metric rows, so a killed run restarts from its last epoch end and, on
the CPU, finishes bit-identical to an uninterrupted run.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from danq.io import atomic_path

METRIC_COLUMNS = (
    "epoch", "step", "train_loss", "valid_loss", "valid_roc_auc", "valid_pr_auc", "lr", "seconds",
    "samples_per_s",
)
STATE_FORMAT = "danq-training-state"


@dataclass
class RunState:
    """Counters that advance during training; saved in ``last.pt`` to resume exactly."""

    epoch: int = 0  # epochs finished
    step: int = 0  # optimiser steps taken
    data_epoch: int = 0  # position of the next batch: pass over the data ...
    data_batch: int = 0  # ... and batch index within it
    best_valid_loss: float = math.inf  # the validation loss of the best epoch
    best_epoch: int = 0
    bad_epochs: int = 0  # epochs since the last improvement (the patience counter)
    stopped_early: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    best_score: float = math.inf  # the best epoch's monitored metric, lower is better

    def record_validation(self, loss: float, score: float | None = None) -> bool:
        """Count one validated epoch; True when its ``score`` (lower is better; the loss when
        None, see :func:`monitored_score`) is the best so far."""
        score = loss if score is None else score
        if score < self.best_score:
            self.best_score, self.best_valid_loss = score, loss
            self.best_epoch, self.bad_epochs = self.epoch, 0
            return True
        self.bad_epochs += 1
        return False


def monitored_score(valid: dict[str, float], monitor: str) -> float:
    """The validation metric ``monitor`` as a lower-is-better score: the loss, or minus an AUC.

    A NaN metric (no target with both classes) scores infinity, so it never counts as better.
    """
    value = valid[monitor]
    if not math.isfinite(value):
        return math.inf
    return value if monitor == "loss" else -value


def patience_exhausted(bad_epochs: int, patience: int) -> bool:
    """True once ``patience`` consecutive epochs brought no better monitored metric (0 = never).

    Keras 0.x's ``EarlyStopping(patience=p)`` corresponds to ``patience = p + 1`` here
    (:func:`danq.training.recipes.keras_patience`).
    """
    return patience > 0 and bad_epochs >= patience


def capture_rng() -> dict[str, Any]:
    """This process's torch (CPU and CUDA), numpy and python RNG states as checkpointable data."""
    import torch

    np_state = np.random.get_state(legacy=False)
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {
            "key": np_state["state"]["key"].tolist(), "pos": int(np_state["state"]["pos"]),
            "has_gauss": int(np_state["has_gauss"]), "gauss": float(np_state["gauss"]),
        },
        "python": random.getstate(),
    }


def restore_rng(state: dict[str, Any]) -> None:
    """Inverse of :func:`capture_rng`."""
    import torch

    torch.set_rng_state(state["torch"].cpu())
    if state.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])
    n = state["numpy"]
    np.random.set_state({
        "bit_generator": "MT19937",
        "state": {"key": np.asarray(n["key"], dtype=np.uint32), "pos": n["pos"]},
        "has_gauss": n["has_gauss"], "gauss": n["gauss"],
    })
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))


def seed_everything(seed: int) -> None:
    """Seed torch, numpy's global generator and python's ``random``."""
    import torch

    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def save_state(
    run: RunState, optimizer: Any, scaler: Any, rng_states: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ``training_state`` stored in ``last.pt``: everything :func:`restore_state` needs."""
    return {
        "format": STATE_FORMAT,
        "run": dataclasses.asdict(run),
        "optimizer": optimizer.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None and scaler.is_enabled() else None,
        "rng": rng_states,
        "world_size": len(rng_states),
    }


def restore_state(state: dict[str, Any], optimizer: Any, scaler: Any) -> RunState:
    """Load optimiser and scaler state; return the run counters (RNGs are restored separately)."""
    optimizer.load_state_dict(state["optimizer"])
    if scaler is not None and state.get("scaler"):
        scaler.load_state_dict(state["scaler"])
    run = dict(state["run"])
    run.setdefault("best_score", run["best_valid_loss"])  # saved before --monitor: the loss
    return RunState(**run)


def write_metrics_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write the per-epoch metric rows, atomically (the file is rewritten whole each epoch)."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=METRIC_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _format_metric(row[k]) for k in METRIC_COLUMNS})


def _format_metric(value: Any) -> Any:
    return repr(value) if isinstance(value, float) else value


def write_settings_json(path: Path, settings: dict[str, Any]) -> None:
    """Write the run's fully resolved settings as indented JSON, atomically."""
    with atomic_path(path) as tmp, open(tmp, "w") as handle:
        json.dump(settings, handle, indent=2)
        handle.write("\n")


def params_finite(model: Any) -> bool:
    """True when every parameter is finite (a NaN/inf weight must never reach ``last.pt``)."""
    import torch

    return all(bool(torch.isfinite(p).all()) for p in model.parameters())
