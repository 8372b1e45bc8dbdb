"""The training loop: epochs of optimiser steps, validation, early stopping and checkpoints.

The run is a sequence of *epochs*. By default an epoch is one pass over the training data; with
``validate_every=N`` an epoch is N optimiser steps instead and the data stream simply carries on
where the previous epoch stopped (so a 4.4 M-sample DeepSEA set can be validated every 110,000
samples as in the original code, and every sample is still seen once per data pass). After each
epoch the model is validated (loss, mean ROC AUC, mean PR AUC), early stopping counts epochs
without a better validation loss (or the metric ``monitor`` names: mean ROC or PR AUC),
``best.pt`` is written when it improves, and ``last.pt``
(weights plus everything needed to resume) and ``metrics.csv`` are rewritten atomically.
``settings.json`` holds the fully resolved settings and where each came from.

Resuming: see :mod:`danq.training.state` (what ``last.pt`` holds) and :mod:`danq.training.resume`. A run killed at any moment restarts from the last
epoch end and — on the CPU — finishes with bit-identical weights and metrics to an uninterrupted
run. What the model itself must save (e.g. DanQ-JASPAR's motif ids) it provides through
``extra_checkpoint_state()`` / ``load_extra_checkpoint_state()`` (called by danq.models.checkpoint).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from danq.errors import DanqError
from danq.runtime import native_bf16
from danq.training.distributed import (
    CONTINUE,
    NOT_FINITE,
    STOP,
    DistInfo,
    all_ranks_mean,
    broadcast_int,
    gather_objects,
    init_distributed,
    leave,
    local_world_size,
)
from danq.training.hyperparameters import TrainConfig
from danq.training.inputs import inspect_datasets, model_args_for_data
from danq.training.recipes import resolve_with_origins
from danq.training.resume import read_resumable, restore_run
from danq.training.state import (
    RunState,
    capture_rng,
    monitored_score,
    params_finite,
    patience_exhausted,
    save_state,
    seed_everything,
    write_metrics_csv,
    write_settings_json,
)
from danq.training.validation import evaluate_loss_and_auc


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


class _Trainer:
    """One training run: holds the model, optimiser, data stream and counters."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.out = Path(config.output_dir)
        self.last_path, self.best_path = self.out / "last.pt", self.out / "best.pt"
        self.metrics_path, self.log_path = self.out / "metrics.csv", self.out / "train.log"
        self.settings_path = self.out / "settings.json"
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
        default_threads = max(1, available_cpus() // max(1, local_world_size(self.dist)))
        self.threads = set_threads(config.threads or default_threads)
        if config.num_workers not in (0, 1):
            raise DanqError(
                f"--num-workers {config.num_workers}: the chunked loader is one ordered stream; "
                "use 0 (read in the training process) or 1 (read ahead in a background process)"
            )
        autocast(self.device, config.precision)  # rejects fp16 on the CPU before any work
        self.hp, self.origins = resolve_with_origins(config.model, config.given())
        self.info = inspect_datasets(config.train, config.valid)
        self.checkpoint, self.hp = read_resumable(config, self.last_path, self.info, self.hp)

    def _build(self) -> None:
        import torch

        from danq.models import build_model
        from danq.models.checkpoint import restore_model
        from danq.training.batches import ChunkedBatches
        from danq.training.init import apply_init
        from danq.training.optimizers import OutputL1Penalty, build_optimizer

        cfg, hp = self.config, self.hp
        seed_everything(hp.seed)
        if self.checkpoint is not None:  # the model rebuilds itself and restores its own extras
            self.model, _ = restore_model(self.checkpoint, str(self.last_path))
            self.model.to(self.device)
        else:
            args = model_args_for_data(cfg.model, cfg.model_args, self.info, cfg.train, hp.seed)
            self.model = build_model(cfg.model, **args)
            apply_init(self.model, hp.init)
            self.model.to(self.device)
        if self.dist.rank:  # distinct dropout masks per process; rank 0 matches a 1-process run
            torch.manual_seed(hp.seed + self.dist.rank)
        self.net = self.model
        if self.dist.enabled:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = DistributedDataParallel(self.model, device_ids=ids)
        self.optimizer = build_optimizer(self.model.parameters(), hp)
        self.l1 = OutputL1Penalty(self.model, hp.l1_logits) if hp.l1_logits else None
        fp16 = cfg.precision == "fp16"
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=fp16) if fp16 else None
        self.data = ChunkedBatches(
            cfg.train, hp.batch_size, shuffle=True, seed=hp.seed,
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
            self.run = restore_run(self.checkpoint, self.optimizer, self.scaler, self.dist, self._log)
            self.checkpoint = None  # free the memory

    # ---- logging

    def _log(self, message: str) -> None:
        if not self.dist.is_main:
            return
        print(f"danq train: {message}", file=sys.stderr, flush=True)
        self.out.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a") as handle:
            handle.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")

    def _progress(self, total: int, epoch: int) -> Any:
        from tqdm import tqdm

        from danq.runtime import resolve_progress

        show = resolve_progress(self.config.progress)
        return tqdm(
            total=total, unit="seq", unit_scale=True, desc=f"epoch {epoch}", file=sys.stderr,
            disable=not (show and self.dist.is_main), leave=False, dynamic_ncols=True,
        )

    def _write_settings(self) -> None:
        """``settings.json``: every resolved setting of this run and where each came from."""
        cfg = self.config
        write_settings_json(self.settings_path, {
            "model": cfg.model,
            "hyperparameters": self.hp.as_dict(),
            "origins": self.origins,
            "model_args": dict(self.model.model_args),
            "precision": cfg.precision,
            "device": str(self.device),
            "world_size": self.dist.world_size,
            "train": str(cfg.train),
            "valid": str(cfg.valid),
            "n_train": self.info.n_train,
            "n_valid": self.info.n_valid,
        })

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
        hp, run = self.hp, self.run
        steps_wanted = hp.validate_every
        remaining = steps_wanted or (self.batches_per_epoch - run.data_batch)
        bar = self._progress(remaining * hp.batch_size, run.epoch + 1)
        self.net.train()
        loss_sum, n_steps, n_samples = 0.0, 0, 0
        start = time.perf_counter()
        for data_epoch, index, x, y in stream:
            if self.config.on_batch is not None:
                self.config.on_batch(run.step, self.dist.rank, x, y)
            x = x.to(self.device, non_blocking=True)
            y = y.to(self.device, non_blocking=True)
            loss_sum += self._step(x, y)
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

    def _step(self, x: Any, y: Any) -> float:
        """One optimiser step; returns the (all-rank mean) BCE, raising on a non-finite loss.

        Order as in DeepSEA's Torch7 closure: max-norm, forward, loss (+ L1 on the output
        layer), backward, update.
        """
        from danq.runtime import autocast
        from danq.training.optimizers import (
            apply_max_norm,
            learning_rate_at,
            set_learning_rate,
            training_loss,
        )

        hp, run = self.hp, self.run
        set_learning_rate(self.optimizer, learning_rate_at(run.step, hp))
        apply_max_norm(self.model, hp.max_norm)
        with autocast(self.device, self.config.precision):
            logits = self.net(x)
            penalty = self.l1.penalty() if self.l1 is not None else None
        loss, bce = training_loss(logits, y, penalty)
        bce_value = float(all_ranks_mean(bce.detach().double(), self.dist))
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
        improved, status = False, CONTINUE
        if self.dist.is_main:
            improved, status = self._validate(train_stats, started)
        status = broadcast_int(status, self.dist, self.device)
        if status == NOT_FINITE:  # every rank stops; last.pt keeps the previous epoch
            self._nan_stop("the validation loss or a weight became nan/inf")
        run.stopped_early = status == STOP
        rng_states = gather_objects(capture_rng(), self.dist)
        if self.dist.is_main:
            header = self._header(run.history[-1])
            if improved:
                from danq.models.checkpoint import save_checkpoint

                save_checkpoint(self.best_path, self.model, header)
            self._save_last(header, rng_states)
            self._log(self._epoch_line(run.history[-1], improved))

    def _validate(self, train_stats: dict[str, float], started: float) -> tuple[bool, int]:
        """Rank 0: score the validation set, record the row, update the patience counter."""
        from danq.training.optimizers import learning_rate_at

        run, hp = self.run, self.hp
        valid = evaluate_loss_and_auc(
            self.model, self.config.valid, device=self.device, precision=self.config.precision,
            batch_size=self.config.eval_batch_size or max(hp.batch_size, 256),
            max_samples=hp.valid_samples,
        )
        if not math.isfinite(valid["loss"]) or not params_finite(self.model):
            return False, NOT_FINITE
        run.history.append({
            "epoch": run.epoch, "step": run.step, "train_loss": train_stats["train_loss"],
            "valid_loss": valid["loss"], "valid_roc_auc": valid["roc_auc"],
            "valid_pr_auc": valid["pr_auc"], "lr": learning_rate_at(run.step, hp),
            "seconds": time.perf_counter() - started,
            "samples_per_s": train_stats["samples_per_s"],
        })
        improved = run.record_validation(valid["loss"], monitored_score(valid, hp.monitor))
        stop = patience_exhausted(run.bad_epochs, hp.patience) and run.epoch < hp.epochs
        return improved, STOP if stop else CONTINUE

    def _save_last(self, header: dict[str, Any], rng_states: list[dict[str, Any]]) -> None:
        from danq.models.checkpoint import save_checkpoint

        state = save_state(self.run, self.optimizer, self.scaler, rng_states)
        save_checkpoint(self.last_path, self.model, header, training_state=state)
        write_metrics_csv(self.metrics_path, self.run.history)

    def _header(self, metrics: dict[str, Any]) -> dict[str, Any]:
        cfg = self.config
        training = {
            **self.hp.record(cfg.model, cfg.precision), "train": str(cfg.train),
            "valid": str(cfg.valid), "n_train": self.info.n_train, "n_valid": self.info.n_valid,
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
            f"epoch {row['epoch']}/{self.hp.epochs} step {row['step']}: "
            f"train_loss {row['train_loss']:.4f} valid_loss {row['valid_loss']:.4f} "
            f"roc_auc {row['valid_roc_auc']:.4f} pr_auc {row['valid_pr_auc']:.4f} "
            f"lr {row['lr']:.3g} {row['samples_per_s']:.1f} samples/s {row['seconds']:.1f} s"
            + (" (best)" if improved else "")
        )

    # ---- main loop

    def run_training(self) -> TrainResult:
        self._build()
        hp, run = self.hp, self.run
        if self.dist.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            self._write_settings()
        if run.epoch == 0:
            self._log(
                f"{self.config.model} on {self.info.n_train} training / {self.info.n_valid} "
                f"validation samples of {self.info.sequence_length} bp, "
                f"{len(self.info.target_names)} targets; {hp.optimizer} lr {hp.lr} batch "
                f"{hp.batch_size}; device {self.device}, {self.threads} threads, "
                f"{self.dist.world_size} process(es), {self.config.precision}"
            )
        else:
            self._log(f"resuming after epoch {run.epoch} (step {run.step}) from {self.last_path}")
        if (self.device.type == "cpu" and self.config.precision == "bf16"
                and not native_bf16(self.device)):
            self._log("note: this CPU has no bf16 matrix units (no AVX512-BF16 or AMX); bf16 "
                      "autocast will be much slower than fp32 here")
        if self.dist.is_main:  # a fresh run's header, or a resumed run's history so far
            write_metrics_csv(self.metrics_path, run.history)
        stream = self._stream()
        try:
            while run.epoch < hp.epochs and not run.stopped_early:
                started = time.perf_counter()
                stats = self._train_epoch(stream)
                self._finish_epoch(stats, started)
        finally:
            stream.close()
        if run.stopped_early:
            self._log(f"early stop: no better validation {hp.monitor} for {hp.patience} epochs")
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
        leave(self.dist)


def train(config: TrainConfig) -> TrainResult:
    """Train a model as ``config`` says (see :mod:`danq.training` for the schedule and resume).

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
