"""A `danq train` epoch against a bare PyTorch loop over the same model and batches (issue 23).

A temporary folder gets a random training set (``--n`` × 1 kb, 919 targets) and a small
validation set. Alternating ``--repeats`` times, in this process:

* **bare loop**: the epoch's batches, read once beforehand from the same stream (same batch size,
  same shuffle) and held as tensors; then only the published recipe's step: max-norm (DeepSEA),
  forward, BCE (+ DeepSEA's L1 on the output), backward, the recipe's optimiser step;
* **danq**: :func:`danq.training.train` for one epoch; the epoch's own time (from its ``samples_per_s``,
  reading and one-hot encoding included; validation and checkpoints excluded) and the whole call
  (validation of ``--n-valid`` samples, ``best.pt``/``last.pt``, metrics) are printed.

The ratio danq / bare is the training loop's overhead (goal: ≤ 1.1). On a shared machine the
steadier figure is the CPU time per step after the first (``on_batch`` marks each step's start in
danq; the same marks in the bare loop), printed with its ratio. Usage:
``python benchmarks/epoch_overhead.py --arch danq --n 500 --threads 2``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from danq.formats.dataset_writer import DatasetWriter
from danq.models import build_model
from danq.runtime import cpu_name
from danq.training import TrainConfig, resolve, train
from danq.training.batches import ChunkedBatches
from danq.training.optimizers import (
    OutputL1Penalty,
    apply_max_norm,
    build_optimizer,
    training_loss,
)


def write_dataset(path: Path, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 4, (n, 1000), dtype=np.uint8)
    labels = (rng.random((n, 919)) < 0.05).astype(np.uint8)
    with DatasetWriter(path, 1000, [f"t{j}" for j in range(919)], ["TF"] * 919,
                       source="benchmark") as writer:
        writer.append(tokens, labels, [f"s{i}" for i in range(n)])


def bare_epoch(arch: str, train_path: Path, threads: int
               ) -> tuple[float, float, tuple[float, float]]:
    """Wall and CPU seconds of the recipe's steps alone over one epoch of pre-read batches, and
    the steady per-step wall and CPU seconds."""
    hp = resolve(TrainConfig(model=arch, train="", valid="", output_dir=""))
    batches = list(ChunkedBatches(train_path, hp.batch_size, shuffle=True, seed=hp.seed))
    torch.manual_seed(hp.seed)
    model = build_model(arch, sequence_length=1000, n_targets=919).train()
    optimizer = build_optimizer(model.parameters(), hp)
    l1 = OutputL1Penalty(model, hp.l1_logits) if hp.l1_logits else None
    torch.set_num_threads(threads)
    start, cpu = time.perf_counter(), time.process_time()
    marks = []
    for x, y in batches:
        marks.append((time.perf_counter(), time.process_time()))
        apply_max_norm(model, hp.max_norm)
        logits = model(x)
        loss, _ = training_loss(logits, y, l1.penalty() if l1 is not None else None)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start, time.process_time() - cpu, steady(marks)


def steady(marks: list[tuple[float, float]]) -> tuple[float, float]:
    """Mean wall and CPU seconds between consecutive steps after the first (warm-up) step."""
    if len(marks) < 3:
        return float("nan"), float("nan")
    n = len(marks) - 2
    return (marks[-1][0] - marks[1][0]) / n, (marks[-1][1] - marks[1][1]) / n


def danq_epoch(arch: str, train_path: Path, valid_path: Path, out: Path, threads: int,
               n: int) -> tuple[float, float, float, tuple[float, float]]:
    """The epoch's own seconds (from its ``samples_per_s``), the whole ``train`` call's wall and
    CPU seconds, and the steady per-step wall and CPU seconds (between the hook's calls before
    each step: the step plus reading and encoding the next batch)."""
    marks: list[tuple[float, float]] = []
    start, cpu = time.perf_counter(), time.process_time()
    result = train(TrainConfig(model=arch, train=train_path, valid=valid_path, output_dir=out,
                               epochs=1, device="cpu", threads=threads, progress=False,
                               overwrite=True, on_batch=lambda *_: marks.append(
                                   (time.perf_counter(), time.process_time()))))
    return (n / result.history[0]["samples_per_s"], time.perf_counter() - start,
            time.process_time() - cpu, steady(marks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", choices=["danq", "deepsea"], default="danq")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--n-valid", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        write_dataset(work / "train.h5", args.n, 0)
        write_dataset(work / "valid.h5", args.n_valid, 1)
        cpu = cpu_name()
        print(f"# {args.arch} published size, {args.n} x 1 kb samples, fp32, {args.threads} "
              f"threads; {cpu}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
              "(shared machine)")
        print("repeat\tbare_loop_s\tdanq_epoch_s\tratio\tbare_cpu_s\tdanq_whole_train_call_s\t"
              "danq_whole_train_call_cpu_s\tsteady_step_cpu_s_bare\tsteady_step_cpu_s_danq\t"
              "steady_cpu_ratio\tsteady_wall_ratio")
        for repeat in range(args.repeats):
            bare, bare_cpu, (bare_wall_step, bare_cpu_step) = bare_epoch(
                args.arch, work / "train.h5", args.threads)
            epoch, whole, whole_cpu, (wall_step, cpu_step) = danq_epoch(
                args.arch, work / "train.h5", work / "valid.h5", work / f"run{repeat}",
                args.threads, args.n)
            print(f"{repeat}\t{bare:.1f}\t{epoch:.1f}\t{epoch / bare:.3f}\t{bare_cpu:.1f}\t"
                  f"{whole:.1f}\t{whole_cpu:.1f}\t{bare_cpu_step:.2f}\t{cpu_step:.2f}\t"
                  f"{cpu_step / bare_cpu_step:.3f}\t{wall_step / bare_wall_step:.3f}", flush=True)


if __name__ == "__main__":
    main()
