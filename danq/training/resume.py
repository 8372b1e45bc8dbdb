"""Resuming a run: read ``last.pt``, refuse what differs from the run being resumed, restore its counters.

What ``last.pt`` holds is :mod:`danq.training.state`'s; this module decides whether an output directory
may be trained into (``--resume`` / ``--overwrite``), checks that the resumed run trains the same model on
the same data with the same fixed settings, and puts its optimiser, scaler, counters and RNG back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from danq.errors import DanqError
from danq.training.distributed import DistInfo
from danq.training.hyperparameters import (
    FIXED_ON_RESUME,
    Hyperparameters,
    TrainConfig,
    replace_fixed,
)
from danq.training.inputs import DataInfo
from danq.training.state import RunState, restore_rng, restore_state


def read_resumable(
    config: TrainConfig, last_path: Path, info: DataInfo, hp: Hyperparameters
) -> tuple[dict[str, Any] | None, Hyperparameters]:
    """Read ``last.pt`` when resuming; refuse to silently replace a previous run.

    Returns the checkpoint payload (``None`` for a fresh run) and the hyperparameters, with the
    settings a resumed run must keep (:data:`FIXED_ON_RESUME`) taken from the saved run.
    """
    from danq.models.checkpoint import read_checkpoint

    if config.resume and last_path.exists():
        payload = read_checkpoint(last_path)
        if not payload.get("training_state"):
            raise DanqError(f"{last_path}: holds no training state to resume from")
        return payload, check_resumable(payload["header"], config, last_path, info, hp)
    if not config.resume and not config.overwrite and last_path.exists():
        raise DanqError(
            f"{last_path}: the output directory already holds a training run; "
            "use --resume to continue it or --overwrite to start again"
        )
    return None, hp


def check_resumable(
    header: dict[str, Any], config: TrainConfig, last_path: Path, info: DataInfo, hp: Hyperparameters
) -> Hyperparameters:
    """Check that ``config`` continues the run saved with ``header``; return its fixed settings."""
    from danq.models.registry import get_architecture

    saved = header.get("training", {})
    if header.get("arch") != config.model:
        raise DanqError(
            f"{last_path}: the run being resumed trains {header.get('arch')}, "
            f"not {config.model}"
        )
    if header.get("target_names") != info.target_names:
        raise DanqError(f"{config.train}: targets differ from the run in {last_path}")
    if header.get("sequence_length") != info.sequence_length:
        raise DanqError(
            f"{config.train}: sequences are {info.sequence_length} bp but the run in "
            f"{last_path} trains on {header.get('sequence_length')} bp"
        )
    for key in FIXED_ON_RESUME:
        explicit = getattr(config, key, None)
        if key in saved and explicit is not None and explicit != saved[key]:
            raise DanqError(
                f"{last_path}: {key} = {saved[key]} in the run being resumed, "
                f"not {explicit}"
            )
    hp = replace_fixed(hp, saved)
    # compare what was asked with what was stored, both as a rebuild from weights sees them
    asked = get_architecture(config.model).model_class.restore_args(config.model_args)
    stored = header.get("model_args", {})
    for key, value in asked.items():
        if key in stored and stored[key] != value:
            raise DanqError(
                f"{last_path}: model argument {key} = {stored[key]} in the run being "
                f"resumed, not {value}"
            )
    return hp


def restore_run(
    checkpoint: dict[str, Any], optimizer: Any, scaler: Any, dist: DistInfo, log: Callable[[str], None]
) -> RunState:
    """Put the saved optimiser, scaler, counters and this rank's RNG state back; return the counters."""
    state = checkpoint["training_state"]
    run = restore_state(state, optimizer, scaler)
    rng = state["rng"]
    if len(rng) != dist.world_size:
        log(f"note: resuming with {dist.world_size} processes, saved with "
            f"{len(rng)}: the data order and dropout masks will differ")
    restore_rng(rng[min(dist.rank, len(rng) - 1)])
    return run
