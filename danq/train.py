"""`danq train`: fit DeepSEA, DanQ or DanQ-JASPAR on danq datasets, resumably.

The training run is a sequence of *epochs*. By default an epoch is one pass over the training data;
with ``validate_every=N`` an epoch is N optimiser steps instead and the data stream simply carries
on where the previous epoch stopped (so a 4.4 M-sample DeepSEA set can be validated every 110,000
samples as in the original code, and every sample is still seen once per data pass). After each
epoch the model is validated (loss, mean ROC AUC, mean PR AUC), early stopping counts epochs
without a better validation loss, ``best.pt`` is written when the loss improves, and ``last.pt``
(weights plus everything needed to resume) and ``metrics.csv`` are rewritten atomically.

Resuming: ``last.pt`` holds the optimiser state, the global step, the data position (data epoch and
batch within it), the torch/numpy/python RNG states of every process, the best-so-far loss, the
patience counter and the metric rows. A run killed at any moment restarts from the last epoch end
and — on the CPU — finishes with bit-identical weights and metrics to an uninterrupted run.

Published optimisers (each setting can be overridden):

* DanQ / DanQ-JASPAR: RMSprop (Keras 1 defaults: lr 1e-3, rho 0.9, eps 1e-6), batch 100, early
  stopping on validation loss with patience 5; up to 60 epochs (DanQ) or 32 (DanQ-JASPAR).
* DeepSEA (Torch7 ``optim.sgd``): lr 1 decayed as ``lr / (1 + step * 8e-7)``, momentum 0.9 with
  Torch7's default dampening (= momentum), weight decay 1e-6 added to the gradient, batch 16,
  after every step each conv/linear weight is renormalised so that every output unit's incoming
  weight vector has L2 norm at most 0.9 (``Tensor:renorm(2, 1, 0.9)`` in Torch7), and an L1
  penalty ``1e-8 * sum(|logits|)`` on the last layer's output is added to the loss.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.io import atomic_path, storage_errors

METRIC_COLUMNS = (
    "epoch", "step", "train_loss", "valid_loss", "valid_roc_auc", "valid_pr_auc", "lr", "seconds",
    "samples_per_s",
)
OPTIMIZERS = ("rmsprop", "sgd", "adam")
STATE_FORMAT = "danq-training-state"
DEFAULT_SEED = 1337  # DanQ's published seed

# Published settings per architecture (see the module docstring). Keys match TrainConfig fields.
MODEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "danq": dict(
        optimizer="rmsprop", lr=1e-3, rho=0.9, eps=1e-6, momentum=0.0, dampening=0.0,
        weight_decay=0.0, lr_decay=0.0, max_norm=0.0, l1_logits=0.0, batch_size=100, epochs=60,
        patience=5,
    ),
    "deepsea": dict(
        optimizer="sgd", lr=1.0, rho=0.9, eps=1e-6, momentum=0.9, dampening=0.9,
        weight_decay=1e-6, lr_decay=8e-7, max_norm=0.9, l1_logits=1e-8, batch_size=16,
        epochs=20, patience=5,
    ),
}
MODEL_DEFAULTS["danq-jaspar"] = {**MODEL_DEFAULTS["danq"], "epochs": 32}
HYPERPARAMETERS = tuple(MODEL_DEFAULTS["danq"])
# Settings that shape the trajectory: a resumed run must use the values it was started with.
FIXED_ON_RESUME = (
    "optimizer", "lr", "rho", "eps", "momentum", "dampening", "weight_decay", "lr_decay",
    "max_norm", "l1_logits", "batch_size", "seed", "validate_every",
)


@dataclass
class TrainConfig:
    """Everything `danq train` needs; ``None`` means "the model's published default".

    Parameters
    ----------
    model
        Architecture name: ``deepsea``, ``danq`` or ``danq-jaspar``.
    train, valid
        danq datasets (``danq encode`` / ``danq import-deepsea``), labelled, same targets.
    output_dir
        Receives ``best.pt``, ``last.pt``, ``metrics.csv`` and ``train.log``.
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


@dataclass
class TrainResult:
    """What a finished run produced."""

    output_dir: Path
    best_checkpoint: Path
    last_checkpoint: Path
    metrics_csv: Path
    best_epoch: int
    best_valid_loss: float
    epochs_run: int
    steps: int
    stopped_early: bool
    history: list[dict[str, Any]]


@dataclass
class RunState:
    """Counters that advance during training; saved in ``last.pt`` to resume exactly."""

    epoch: int = 0  # epochs finished
    step: int = 0  # optimiser steps taken
    data_epoch: int = 0  # position of the next batch: pass over the data ...
    data_batch: int = 0  # ... and batch index within it
    best_valid_loss: float = math.inf
    best_epoch: int = 0
    bad_epochs: int = 0  # epochs since the last improvement (the patience counter)
    stopped_early: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DistInfo:
    """Process-group facts: this process's rank, how many there are, and who set the group up."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    initialized_here: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


@dataclass
class DataInfo:
    """What the datasets say about the model the run needs."""

    sequence_length: int
    target_names: list[str]
    target_categories: list[str]
    alphabet: str
    n_train: int
    n_valid: int


# --------------------------------------------------------------------------- settings


def parse_model_args(pairs: Sequence[str]) -> dict[str, Any]:
    """Turn ``["conv_channels=64", "dropout=0.1,0.1,0.3"]`` into constructor keyword arguments.

    Values become int, float or bool where they parse as such; a comma makes a list.
    """
    parsed: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise DanqError(f"--model-arg {pair!r}: expected KEY=VALUE, e.g. lstm_hidden=32")
        parts = [_parse_scalar(v.strip()) for v in text.split(",")]
        parsed[key] = parts if "," in text else parts[0]
    return parsed


def _parse_scalar(text: str) -> Any:
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return text


def resolve_settings(config: TrainConfig) -> dict[str, Any]:
    """The run's hyperparameters: the model's published defaults overridden by ``config``."""
    if config.model not in MODEL_DEFAULTS:
        valid = ", ".join(MODEL_DEFAULTS)
        raise DanqError(f"--model {config.model}: unknown architecture (valid: {valid})")
    settings = dict(MODEL_DEFAULTS[config.model])
    for key in HYPERPARAMETERS:
        value = getattr(config, key)
        if value is not None:
            settings[key] = value
    settings.update(
        model=config.model,
        seed=DEFAULT_SEED if config.seed is None else int(config.seed),
        validate_every=config.validate_every,
        valid_samples=config.valid_samples, precision=config.precision,
    )
    _check_settings(settings)
    return settings


def _check_settings(s: dict[str, Any]) -> None:
    if s["optimizer"] not in OPTIMIZERS:
        raise DanqError(f"--optimizer {s['optimizer']}: expected one of {', '.join(OPTIMIZERS)}")
    for key in ("batch_size", "epochs"):
        if int(s[key]) < 1:
            raise DanqError(f"--{key.replace('_', '-')} must be at least 1, got {s[key]}")
    if int(s["patience"]) < 0:
        raise DanqError(f"--patience must be 0 or more, got {s['patience']}")
    if not float(s["lr"]) > 0:
        raise DanqError(f"--lr must be positive, got {s['lr']}")
    if s["valid_samples"] is not None and int(s["valid_samples"]) < 1:
        raise DanqError(f"--valid-samples must be at least 1, got {s['valid_samples']}")
    if s["validate_every"] is not None and int(s["validate_every"]) < 1:
        raise DanqError(f"--validate-every must be at least 1, got {s['validate_every']}")


# --------------------------------------------------------------------------- data and model


def inspect_datasets(
    train_path: str | os.PathLike[str], valid_path: str | os.PathLike[str]
) -> DataInfo:
    """Check that both datasets are labelled, non-empty and agree; return what the model needs."""
    from danq.data import open_dataset

    with open_dataset(train_path) as tr, open_dataset(valid_path) as va:
        for ds in (tr, va):
            if not ds.has_labels or ds.n_targets == 0:
                raise DanqError(f"{ds.path}: dataset has no labels; training needs labelled data")
            if len(ds) == 0:
                raise DanqError(f"{ds.path}: dataset is empty")
        if va.sequence_length != tr.sequence_length:
            raise DanqError(
                f"{va.path}: sequences are {va.sequence_length} bp but the training set "
                f"{tr.path} has {tr.sequence_length} bp"
            )
        if va.target_names != tr.target_names:
            raise DanqError(
                f"{va.path}: target names differ from the training set {tr.path} "
                f"({va.n_targets} vs {tr.n_targets} targets{_first_difference(tr, va)})"
            )
        if va.alphabet != tr.alphabet:
            raise DanqError(
                f"{va.path}: alphabet {va.alphabet} differs from {tr.path} ({tr.alphabet})"
            )
        return DataInfo(
            sequence_length=tr.sequence_length, target_names=list(tr.target_names),
            target_categories=list(tr.target_categories), alphabet=tr.alphabet,
            n_train=len(tr), n_valid=len(va),
        )


def _first_difference(tr: Any, va: Any) -> str:
    for i, (a, b) in enumerate(zip(tr.target_names, va.target_names, strict=False)):
        if a != b:
            return f"; first difference at target {i}: {a!r} vs {b!r}"
    return ""


def model_args_for_data(
    arch: str, model_args: dict[str, Any], info: DataInfo, train_path: Any, seed: int
) -> dict[str, Any]:
    """Constructor arguments with the data's length and target count; a conflict is an error."""
    args = dict(model_args)
    for key, value in (("sequence_length", info.sequence_length),
                       ("n_targets", len(info.target_names))):
        if key in args and int(args[key]) != value:
            raise DanqError(
                f"{train_path}: the data has {key} {value} but the model expects {args[key]}"
            )
        args[key] = value
    if arch == "danq-jaspar":
        args.setdefault("seed", seed)
    return args


def build_optimizer(parameters: Any, settings: dict[str, Any]) -> Any:
    """The optimiser named in ``settings`` (see :data:`MODEL_DEFAULTS` for what each maps to)."""
    import torch

    name, lr = settings["optimizer"], float(settings["lr"])
    if name == "rmsprop":
        return torch.optim.RMSprop(
            parameters, lr=lr, alpha=float(settings["rho"]), eps=float(settings["eps"]),
            weight_decay=float(settings["weight_decay"]), momentum=float(settings["momentum"]),
        )
    if name == "sgd":
        momentum = float(settings["momentum"])
        return torch.optim.SGD(
            parameters, lr=lr, momentum=momentum,
            dampening=float(settings["dampening"]) if momentum else 0.0,
            weight_decay=float(settings["weight_decay"]),
        )
    return torch.optim.Adam(
        parameters, lr=lr, eps=float(settings["eps"]), weight_decay=float(settings["weight_decay"])
    )


def learning_rate_at(step: int, settings: dict[str, Any]) -> float:
    """Torch7's annealing: ``lr / (1 + step * lr_decay)`` (``step`` = updates taken so far)."""
    return float(settings["lr"]) / (1.0 + step * float(settings["lr_decay"]))


def set_learning_rate(optimizer: Any, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def apply_max_norm(model: Any, max_norm: float) -> None:
    """Renormalise every conv/linear weight so each output unit's weights have L2 norm ≤ max_norm.

    This is Torch7's ``weight:renorm(2, 1, max_norm)`` as DeepSEA's training script applied it
    after each update: the constraint is per output unit (row of a Linear weight, output channel
    of a Conv1d weight), not on the whole matrix. Biases and LSTM weights are left alone.
    """
    import torch
    from torch import nn

    if not max_norm:
        return
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv1d, nn.Linear)):
                module.weight.renorm_(2, 0, max_norm)


def training_loss(logits: Any, targets: Any, l1_logits: float) -> tuple[Any, Any]:
    """Mean binary cross-entropy, plus ``l1_logits * sum|logits|`` (Torch7 ``nn.L1Penalty``).

    Returns ``(loss to minimise, BCE alone)``; the BCE is what the metrics report.
    """
    import torch.nn.functional as F

    bce = F.binary_cross_entropy_with_logits(logits.float(), targets)
    if l1_logits:
        return bce + l1_logits * logits.float().abs().sum(), bce
    return bce, bce


# --------------------------------------------------------------------------- evaluation


def mean_aucs(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float, int]:
    """Mean ROC AUC and mean PR AUC (average precision) over targets with both classes present.

    Returns ``(roc_auc, pr_auc, n_scored)``; the means are NaN when no target can be scored.
    """
    from danq.evaluate import per_target_auc

    roc, pr = per_target_auc(labels, scores)
    scored = ~np.isnan(roc)
    if not scored.any():
        return math.nan, math.nan, 0
    return float(roc[scored].mean()), float(pr[scored].mean()), int(scored.sum())


def evaluate_loss_and_auc(
    model: Any,
    path: str | os.PathLike[str],
    *,
    device: Any,
    precision: str = "fp32",
    batch_size: int = 256,
    max_samples: int | None = None,
) -> dict[str, float]:
    """Mean BCE, mean ROC AUC and mean PR AUC of ``model`` on a labelled dataset, in file order.

    Only the first ``max_samples`` samples are used when given. The model is put in eval mode and
    left there.
    """
    import torch
    import torch.nn.functional as F

    from danq.data import open_dataset
    from danq.encoders import tokens_to_one_hot
    from danq.runtime import autocast

    model.eval()
    loss_sum, count = 0.0, 0
    all_scores, all_labels = [], []
    with open_dataset(path) as ds, torch.inference_mode():
        stop = len(ds) if max_samples is None else min(len(ds), max_samples)
        for tokens, labels in ds.batches(batch_size, 0, stop):
            x = torch.from_numpy(tokens_to_one_hot(tokens)).to(device, non_blocking=True)
            y = torch.from_numpy(labels.astype(np.float32)).to(device, non_blocking=True)
            with autocast(device, precision):
                logits = model(x)
            logits = logits.float()
            loss_sum += float(F.binary_cross_entropy_with_logits(logits, y, reduction="sum"))
            count += y.numel()
            all_scores.append(torch.sigmoid(logits).cpu().numpy())
            all_labels.append(labels)
    roc, pr, n_scored = mean_aucs(np.concatenate(all_labels), np.concatenate(all_scores))
    return {"loss": loss_sum / max(count, 1), "roc_auc": roc, "pr_auc": pr, "n_scored": n_scored}


# --------------------------------------------------------------------------- state


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
    return RunState(**state["run"])


def write_metrics_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write the per-epoch metric rows, atomically (the file is rewritten whole each epoch)."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=METRIC_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _format_metric(row[k]) for k in METRIC_COLUMNS})


def _format_metric(value: Any) -> Any:
    return repr(value) if isinstance(value, float) else value


def params_finite(model: Any) -> bool:
    """True when every parameter is finite (a NaN/inf weight must never reach ``last.pt``)."""
    import torch

    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


# --------------------------------------------------------------------------- distributed


def init_distributed(device_name: str) -> DistInfo:
    """Join the process group that ``torchrun`` describes in the environment (if any).

    NCCL on CUDA, gloo on the CPU. Without ``WORLD_SIZE`` > 1 this is a single-process run.
    """
    import torch.distributed as dist

    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistInfo()
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    if dist.is_initialized():
        return DistInfo(dist.get_rank(), dist.get_world_size(), local_rank, False)
    import torch

    use_cuda = device_name.startswith("cuda") or (
        device_name == "auto" and torch.cuda.is_available()
    )
    if use_cuda:
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return DistInfo(rank, world_size, local_rank, True)


_CONTINUE, _STOP, _NOT_FINITE = 0, 1, 2  # end-of-epoch decisions rank 0 sends to every rank


def _broadcast_int(value: int, dist_info: DistInfo, device: Any) -> int:
    """Rank 0's ``value`` on every rank (identity in a single-process run)."""
    if not dist_info.enabled:
        return value
    import torch
    import torch.distributed as dist

    tensor = torch.tensor([value], device=device)
    dist.broadcast(tensor, src=0)
    return int(tensor.item())


def _gather_rng(dist_info: DistInfo) -> list[dict[str, Any]]:
    state = capture_rng()
    if not dist_info.enabled:
        return [state]
    import torch.distributed as dist

    gathered: list[Any] = [None] * dist_info.world_size
    dist.all_gather_object(gathered, state)
    return gathered


def _cpu_lacks_bf16() -> bool:
    """True on CPUs whose best torch kernels are AVX2 or older (bf16 is emulated, very slow)."""
    import torch

    return torch.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2")


# --------------------------------------------------------------------------- the run


class _Trainer:
    """One training run: holds the model, optimiser, data stream and counters."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.out = Path(config.output_dir)
        self.last_path, self.best_path = self.out / "last.pt", self.out / "best.pt"
        self.metrics_path, self.log_path = self.out / "metrics.csv", self.out / "train.log"
        self.dist = DistInfo()

    def setup(self) -> None:
        """Join the process group, pick device and threads, check settings, data and outputs."""
        from danq.runtime import autocast, available_cpus, resolve_device, set_threads

        config = self.config
        self.dist = init_distributed(config.device)
        device = resolve_device(config.device)
        if device.type == "cuda" and self.dist.enabled:
            import torch

            device = torch.device("cuda", self.dist.local_rank)
        self.device = device
        local_world = int(os.environ.get("LOCAL_WORLD_SIZE", self.dist.world_size))
        default_threads = max(1, available_cpus() // max(1, local_world))
        self.threads = set_threads(config.threads or default_threads)
        if config.num_workers not in (0, 1):
            raise DanqError(
                f"--num-workers {config.num_workers}: the chunked loader is one ordered stream; "
                "use 0 (read in the training process) or 1 (read ahead in a background process)"
            )
        autocast(self.device, config.precision)  # rejects fp16 on the CPU before any work
        self.settings = resolve_settings(config)
        self.info = inspect_datasets(config.train, config.valid)
        self.checkpoint = self._prepare_output()

    # ---- setup

    def _prepare_output(self) -> dict[str, Any] | None:
        """Read ``last.pt`` when resuming; refuse to silently replace a previous run."""
        from danq.checkpoint import read_checkpoint

        if self.config.resume and self.last_path.exists():
            payload = read_checkpoint(self.last_path)
            if not payload.get("training_state"):
                raise DanqError(f"{self.last_path}: holds no training state to resume from")
            self._check_resumable(payload["header"])
            return payload
        if not self.config.resume and not self.config.overwrite and self.last_path.exists():
            raise DanqError(
                f"{self.last_path}: the output directory already holds a training run; "
                "use --resume to continue it or --overwrite to start again"
            )
        return None

    def _check_resumable(self, header: dict[str, Any]) -> None:
        saved = header.get("training", {})
        if header.get("arch") != self.config.model:
            raise DanqError(
                f"{self.last_path}: the run being resumed trains {header.get('arch')}, "
                f"not {self.config.model}"
            )
        if header.get("target_names") != self.info.target_names:
            raise DanqError(f"{self.config.train}: targets differ from the run in {self.last_path}")
        if header.get("sequence_length") != self.info.sequence_length:
            raise DanqError(
                f"{self.config.train}: sequences are {self.info.sequence_length} bp but the run in "
                f"{self.last_path} trains on {header.get('sequence_length')} bp"
            )
        for key in FIXED_ON_RESUME:
            explicit = getattr(self.config, key, None)
            if key in saved and explicit is not None and explicit != saved[key]:
                raise DanqError(
                    f"{self.last_path}: {key} = {saved[key]} in the run being resumed, "
                    f"not {explicit}"
                )
        for key in FIXED_ON_RESUME:
            if key in saved:
                self.settings[key] = saved[key]
        asked = self.config.model_args
        stored = header.get("model_args", {})
        for key, value in asked.items():
            if key in stored and stored[key] != value and key != "jaspar_init":
                raise DanqError(
                    f"{self.last_path}: model argument {key} = {stored[key]} in the run being "
                    f"resumed, not {value}"
                )

    def _build(self) -> None:
        import torch

        from danq.data import ChunkedBatches
        from danq.models import build_model

        cfg, s = self.config, self.settings
        seed_everything(s["seed"])
        if self.checkpoint is not None:
            args = dict(self.checkpoint["header"]["model_args"])
            if cfg.model == "danq-jaspar":
                args["jaspar_init"] = False
        else:
            args = model_args_for_data(cfg.model, cfg.model_args, self.info, cfg.train, s["seed"])
        self.model = build_model(cfg.model, **args).to(self.device)
        if self.checkpoint is not None:
            self.model.load_state_dict(self.checkpoint["state_dict"])
            if "jaspar_motif_ids" in self.checkpoint["header"]:
                self.model.jaspar_motif_ids = list(self.checkpoint["header"]["jaspar_motif_ids"])
        if self.dist.rank:  # distinct dropout masks per process; rank 0 matches a 1-process run
            torch.manual_seed(s["seed"] + self.dist.rank)
        self.net = self.model
        if self.dist.enabled:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = DistributedDataParallel(self.model, device_ids=ids)
        self.optimizer = build_optimizer(self.model.parameters(), s)
        fp16 = cfg.precision == "fp16"
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=fp16) if fp16 else None
        self.data = ChunkedBatches(
            cfg.train, int(s["batch_size"]), shuffle=True, seed=int(s["seed"]),
            rank=self.dist.rank, world_size=self.dist.world_size,
        )
        self.batches_per_epoch = len(self.data)
        if self.batches_per_epoch == 0:
            raise DanqError(
                f"{cfg.train}: too few samples for {self.dist.world_size} processes "
                f"(rank {self.dist.rank} gets no data)"
            )
        self.run = RunState()
        if self.checkpoint is not None:
            state = self.checkpoint["training_state"]
            self.run = restore_state(state, self.optimizer, self.scaler)
            rng = state["rng"]
            if len(rng) != self.dist.world_size:
                self._log(f"note: resuming with {self.dist.world_size} processes, saved with "
                          f"{len(rng)}: the data order and dropout masks will differ")
            restore_rng(rng[min(self.dist.rank, len(rng) - 1)])
            self.checkpoint = None  # free the memory

    # ---- logging

    def _log(self, message: str) -> None:
        if not self.dist.is_main:
            return
        print(f"danq train: {message}", file=sys.stderr, flush=True)
        with storage_errors(self.out, permission=True):  # full disk: one line naming the folder
            self.out.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "a") as handle:
                handle.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")

    def _progress(self, total: int, epoch: int) -> Any:
        from tqdm import tqdm

        show = self.config.progress
        if show is None:
            show = sys.stderr.isatty()
        return tqdm(
            total=total, unit="seq", unit_scale=True, desc=f"epoch {epoch}", file=sys.stderr,
            disable=not (show and self.dist.is_main), leave=False, dynamic_ncols=True,
        )

    # ---- data

    def _stream(self) -> Iterator[tuple[int, int, Any, Any]]:
        """Batches from the saved position on, forever: ``(data_epoch, batch_index, x, y)``."""
        epoch, skip = self.run.data_epoch, self.run.data_batch
        while True:
            self.data.set_epoch(epoch, skip_batches=skip)
            for index, (x, y) in enumerate(self._iterate(), start=skip):
                yield epoch, index, x, y
            epoch, skip = epoch + 1, 0

    def _iterate(self) -> Iterator[tuple[Any, Any]]:
        if self.config.num_workers == 0:
            return iter(self.data)
        import torch
        from torch.utils.data import DataLoader

        loader = DataLoader(
            self.data, batch_size=None, num_workers=self.config.num_workers,
            pin_memory=self.device.type == "cuda", generator=torch.Generator(),
        )
        return iter(loader)

    # ---- one epoch

    def _train_epoch(self, stream: Iterator[tuple[int, int, Any, Any]]) -> dict[str, float]:
        """Train until the epoch's end; return the mean training loss and the throughput."""

        from danq.runtime import autocast

        s, run = self.settings, self.run
        steps_wanted = s["validate_every"]
        remaining = steps_wanted or (self.batches_per_epoch - run.data_batch)
        bar = self._progress(remaining * int(s["batch_size"]), run.epoch + 1)
        self.net.train()
        loss_sum, n_steps, n_samples = 0.0, 0, 0
        start = time.perf_counter()
        for data_epoch, index, x, y in stream:
            if self.config.on_batch is not None:
                self.config.on_batch(run.step, self.dist.rank, x, y)
            x = x.to(self.device, non_blocking=True)
            y = y.to(self.device, non_blocking=True)
            bce = self._step(x, y, autocast)
            loss_sum += bce
            n_steps += 1
            n_samples += len(x)
            run.step += 1
            run.data_epoch, run.data_batch = data_epoch, index + 1
            if run.data_batch >= self.batches_per_epoch:
                run.data_epoch, run.data_batch = data_epoch + 1, 0
            bar.update(len(x))
            if (steps_wanted and n_steps >= steps_wanted) or (
                not steps_wanted and run.data_batch == 0
            ):
                break
        bar.close()
        seconds = time.perf_counter() - start
        samples = n_samples * self.dist.world_size
        return {
            "train_loss": loss_sum / max(n_steps, 1),
            "train_seconds": seconds,
            "samples_per_s": samples / seconds if seconds > 0 else math.nan,
        }

    def _step(self, x: Any, y: Any, autocast: Any) -> float:
        """One optimiser step; returns the (all-rank mean) BCE, raising on a non-finite loss."""
        s, run = self.settings, self.run
        set_learning_rate(self.optimizer, learning_rate_at(run.step, s))
        with autocast(self.device, self.config.precision):
            logits = self.net(x)
        loss, bce = training_loss(logits, y, float(s["l1_logits"]))
        value = bce.detach().double()
        if self.dist.enabled:
            import torch.distributed as dist

            dist.all_reduce(value)
            value /= self.dist.world_size
        bce_value = float(value)
        if not math.isfinite(bce_value):
            self._nan_stop(f"training loss became {bce_value} at step {run.step + 1}")
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            self.optimizer.step()
        apply_max_norm(self.model, float(s["max_norm"]))
        return bce_value

    def _nan_stop(self, what: str) -> None:
        kept = f"; the last good checkpoint is {self.last_path}" if self.last_path.exists() else ""
        raise DanqError(
            f"{self.config.train}: {what} (epoch {self.run.epoch + 1}); training stopped{kept}. "
            "Try a lower --lr or --precision fp32"
        )

    # ---- end of epoch

    def _finish_epoch(self, train_stats: dict[str, float], started: float) -> None:
        """Validate, update early stopping, write checkpoints and metrics (rank 0)."""
        run = self.run
        run.epoch += 1
        improved, status = False, _CONTINUE
        if self.dist.is_main:
            improved, status = self._validate(train_stats, started)
        status = _broadcast_int(status, self.dist, self.device)
        if status == _NOT_FINITE:  # every rank stops; last.pt keeps the previous epoch
            self._nan_stop("the validation loss or a weight became nan/inf")
        run.stopped_early = status == _STOP
        rng_states = _gather_rng(self.dist)
        if self.dist.is_main:
            header = self._header(run.history[-1])
            if improved:
                from danq.checkpoint import save_checkpoint

                save_checkpoint(self.best_path, self.model, header)
            self._save_last(header, rng_states)
            self._log(self._epoch_line(run.history[-1], improved))

    def _validate(self, train_stats: dict[str, float], started: float) -> tuple[bool, int]:
        """Rank 0: score the validation set, record the row, update the patience counter."""
        run, s = self.run, self.settings
        valid = evaluate_loss_and_auc(
            self.model, self.config.valid, device=self.device, precision=self.config.precision,
            batch_size=self.config.eval_batch_size or max(int(s["batch_size"]), 256),
            max_samples=s["valid_samples"],
        )
        if not math.isfinite(valid["loss"]) or not params_finite(self.model):
            return False, _NOT_FINITE
        improved = valid["loss"] < run.best_valid_loss
        run.history.append({
            "epoch": run.epoch, "step": run.step, "train_loss": train_stats["train_loss"],
            "valid_loss": valid["loss"], "valid_roc_auc": valid["roc_auc"],
            "valid_pr_auc": valid["pr_auc"], "lr": learning_rate_at(run.step, s),
            "seconds": time.perf_counter() - started,
            "samples_per_s": train_stats["samples_per_s"],
        })
        if improved:
            run.best_valid_loss, run.best_epoch, run.bad_epochs = valid["loss"], run.epoch, 0
        else:
            run.bad_epochs += 1
        patience = int(s["patience"])
        stop = patience > 0 and run.bad_epochs >= patience and run.epoch < int(s["epochs"])
        return improved, _STOP if stop else _CONTINUE

    def _save_last(self, header: dict[str, Any], rng_states: list[dict[str, Any]]) -> None:
        from danq.checkpoint import save_checkpoint

        state = save_state(self.run, self.optimizer, self.scaler, rng_states)
        save_checkpoint(self.last_path, self.model, header, training_state=state)
        write_metrics_csv(self.metrics_path, self.run.history)

    def _header(self, metrics: dict[str, Any]) -> dict[str, Any]:
        cfg = self.config
        training = {
            **self.settings, "train": str(cfg.train), "valid": str(cfg.valid),
            "n_train": self.info.n_train, "n_valid": self.info.n_valid,
            "world_size": self.dist.world_size, "device": str(self.device),
            "epochs_run": self.run.epoch, "steps": self.run.step,
            "best_epoch": self.run.best_epoch, "best_valid_loss": self.run.best_valid_loss,
        }
        return {
            "target_names": self.info.target_names,
            "target_categories": self.info.target_categories,
            "alphabet": self.info.alphabet,
            "sequence_length": self.info.sequence_length,
            "training": training,
            "metrics": dict(metrics),
        }

    def _epoch_line(self, row: dict[str, Any], improved: bool) -> str:
        return (
            f"epoch {row['epoch']}/{self.settings['epochs']} step {row['step']}: "
            f"train_loss {row['train_loss']:.4f} valid_loss {row['valid_loss']:.4f} "
            f"roc_auc {row['valid_roc_auc']:.4f} pr_auc {row['valid_pr_auc']:.4f} "
            f"lr {row['lr']:.3g} {row['samples_per_s']:.1f} samples/s {row['seconds']:.1f} s"
            + (" (best)" if improved else "")
        )

    # ---- main loop

    def run_training(self) -> TrainResult:
        self._build()
        s, run = self.settings, self.run
        if run.epoch == 0:
            self._log(
                f"{s['model']} on {self.info.n_train} training / {self.info.n_valid} validation "
                f"samples of {self.info.sequence_length} bp, {len(self.info.target_names)} "
                f"targets; {s['optimizer']} lr {s['lr']} batch {s['batch_size']}; device "
                f"{self.device}, {self.threads} threads, {self.dist.world_size} process(es), "
                f"{self.config.precision}"
            )
        else:
            self._log(f"resuming after epoch {run.epoch} (step {run.step}) from {self.last_path}")
        if self.device.type == "cpu" and self.config.precision == "bf16" and _cpu_lacks_bf16():
            self._log("note: this CPU has no bf16 matrix units (AVX2 only); bf16 autocast will be "
                      "much slower than fp32 here")
            if self.dist.is_main:
                write_metrics_csv(self.metrics_path, run.history)
        stream = self._stream()
        try:
            while run.epoch < int(s["epochs"]) and not run.stopped_early:
                started = time.perf_counter()
                stats = self._train_epoch(stream)
                self._finish_epoch(stats, started)
        finally:
            stream.close()
        if run.stopped_early:
            self._log(f"early stop: no better validation loss for {s['patience']} epochs")
        self._log(
            f"best epoch {run.best_epoch}: valid_loss {run.best_valid_loss:.4f} -> {self.best_path}"
        )
        return TrainResult(
            output_dir=self.out, best_checkpoint=self.best_path, last_checkpoint=self.last_path,
            metrics_csv=self.metrics_path, best_epoch=run.best_epoch,
            best_valid_loss=run.best_valid_loss, epochs_run=run.epoch, steps=run.step,
            stopped_early=run.stopped_early, history=list(run.history),
        )

    def close(self) -> None:
        if self.dist.initialized_here:
            import torch.distributed as dist

            dist.destroy_process_group()


def train(config: TrainConfig) -> TrainResult:
    """Train a model as ``config`` says; see the module docstring for the schedule and resume rules.

    Raises
    ------
    DanqError
        Bad or mismatching input data, bad settings, or a loss that became NaN/inf (the last
        good ``last.pt`` is kept).
    """
    trainer = _Trainer(config)
    try:
        trainer.setup()
        return trainer.run_training()
    finally:
        trainer.close()
