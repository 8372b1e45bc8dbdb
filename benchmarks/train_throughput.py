"""Training and inference throughput of DanQ and DeepSEA at 1 kb, with achieved GFLOP/s.

Measures, in one process, samples per second of a full training step (forward, BCE + the model's
published penalties, backward, the published optimiser's step, DeepSEA's max-norm) and of
inference (eval mode, ``torch.inference_mode``), in fp32 and bf16 autocast, and converts them to
GFLOP/s with the per-sample FLOP counts below. A square ``torch.matmul`` in fp32 and bf16 is timed
in the same run as the machine's practical peak, so the table shows the fraction of that peak each
configuration reaches.

FLOP counts per 1,000 bp sample with 919 targets (multiply-add = 2 FLOP): DanQ forward ≈ 0.401
GFLOP (BiLSTM 246 M, conv 65 M, dense 89 M), training step ≈ 1.14 GFLOP; DeepSEA forward ≈ 1.10
GFLOP, training ≈ 3.28 GFLOP. The training figure counts forward + backward (the first layer
needs no input gradient, hence a little under 3× forward).

Defaults are short (3 warm-up + 5 timed steps per cell), so it finishes in a few minutes on two
cores; timings on a shared machine are noisy — rerun on a quiet one before quoting them.

Usage::

    python benchmarks/train_throughput.py                      # all cells
    python benchmarks/train_throughput.py --models danq --precisions bf16 --train-batch 64
    python benchmarks/train_throughput.py --json results.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

import torch

from danq.models import build_model
from danq.runtime import autocast, set_threads
from danq.training import TrainConfig, resolve
from danq.training.optimizers import (
    OutputL1Penalty,
    apply_max_norm,
    build_optimizer,
    training_loss,
)

# GFLOP per 1 kb sample (919 targets): (forward, training step)
GFLOP_PER_SAMPLE = {"danq": (0.401, 1.14), "deepsea": (1.10, 3.28)}


def matmul_peak(dtype: torch.dtype, size: int = 1024, seconds: float = 1.0) -> float:
    """Best GFLOP/s of a ``size`` × ``size`` matmul in ``dtype`` (a practical peak).

    Starts at 256 and doubles up to ``size`` while one call takes under ``seconds``, so a dtype
    without hardware support (bf16 on an AVX2-only CPU runs at ~1 GFLOP/s) cannot stall the run.
    """
    best_rate, n = 0.0, 256
    while n <= size:
        a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
        torch.matmul(a, b)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            torch.matmul(a, b)
            best = min(best, time.perf_counter() - start)
        best_rate = max(best_rate, 2 * n**3 / best / 1e9)
        if best > seconds / 3:
            break
        n *= 2
    return best_rate


def random_batch(batch: int, length: int, n_targets: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One-hot sequences (batch, 4, length) and 0/1 labels (batch, n_targets)."""
    bases = torch.randint(0, 4, (batch, length))
    x = torch.nn.functional.one_hot(bases, 4).transpose(1, 2).float().contiguous()
    y = torch.randint(0, 2, (batch, n_targets)).float()
    return x, y


def time_steps(step: Callable[[], None], warmup: int, steps: int) -> float:
    """Median seconds per call of ``step`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def train_step_fn(model: torch.nn.Module, arch: str, precision: str, batch: int, length: int,
                  n_targets: int) -> Callable[[], None]:
    """A closure doing one published-recipe training step on a fixed random batch."""
    hp = resolve(_config(arch))
    optimizer = build_optimizer(model.parameters(), hp)
    l1 = OutputL1Penalty(model, hp.l1_logits) if hp.l1_logits else None
    x, y = random_batch(batch, length, n_targets)
    device = torch.device("cpu")
    model.train()

    def step() -> None:
        apply_max_norm(model, hp.max_norm)
        with autocast(device, precision):
            logits = model(x)
            penalty = l1.penalty() if l1 is not None else None
        loss, _ = training_loss(logits, y, penalty)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def infer_step_fn(model: torch.nn.Module, precision: str, batch: int, length: int,
                  n_targets: int) -> Callable[[], None]:
    """A closure doing one inference batch (eval mode, inference_mode, sigmoid)."""
    x, _ = random_batch(batch, length, n_targets)
    device = torch.device("cpu")
    model.eval()

    def step() -> None:
        with torch.inference_mode(), autocast(device, precision):
            torch.sigmoid(model(x))

    return step


def _config(arch: str) -> Any:
    return TrainConfig(model=arch, train="", valid="", output_dir="")


def run(args: argparse.Namespace) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Measure every (model, precision, mode) cell; return one result row per cell."""
    threads = set_threads(args.threads)
    peaks = {"fp32": matmul_peak(torch.float32), "bf16": matmul_peak(torch.bfloat16)}
    print(f"threads {threads}; matmul peak fp32 {peaks['fp32']:.1f} GFLOP/s, "
          f"bf16 {peaks['bf16']:.1f} GFLOP/s")
    precisions = list(args.precisions)
    if "bf16" in precisions and peaks["bf16"] < peaks["fp32"] / 2 and not args.force_bf16:
        precisions.remove("bf16")
        print(f"bf16 skipped: this CPU ({torch.backends.cpu.get_cpu_capability()}) has no bf16 "
              f"matmul support ({peaks['bf16']:.1f} GFLOP/s); --force-bf16 runs it anyway")
    rows = []
    for arch in args.models:
        torch.manual_seed(0)
        model = build_model(arch, sequence_length=args.length, n_targets=args.n_targets)
        flops_fwd, flops_train = GFLOP_PER_SAMPLE[arch]
        for precision in precisions:
            cells = [("train", args.train_batch or resolve(_config(arch)).batch_size),
                     ("infer", args.infer_batch)]
            for mode, batch in cells:
                if mode == "train":
                    step = train_step_fn(model, arch, precision, batch, args.length, args.n_targets)
                    flops = flops_train
                else:
                    step = infer_step_fn(model, precision, batch, args.length, args.n_targets)
                    flops = flops_fwd
                onednn = (torch.backends.mkldnn.flags(enabled=False) if args.no_mkldnn
                          else contextlib.nullcontext())
                with onednn:
                    seconds = time_steps(step, args.warmup, args.steps)
                rate = batch / seconds
                gflops = rate * flops
                rows.append(dict(model=arch, precision=precision, mode=mode, batch=batch,
                                 samples_per_s=rate, gflop_per_s=gflops,
                                 peak_fraction=gflops / peaks[precision], threads=threads))
                print(f"  {arch:8s} {precision} {mode:5s} batch {batch:4d}: {rate:8.1f} samples/s "
                      f"{gflops:7.1f} GFLOP/s ({100 * gflops / peaks[precision]:.0f}% of peak)",
                      flush=True)
    return rows, peaks


def print_table(rows: list[dict[str, Any]], peaks: dict[str, float]) -> None:
    print()
    print(f"{'model':8s} {'prec':5s} {'mode':5s} {'batch':>5s} {'samples/s':>10s} "
          f"{'GFLOP/s':>8s} {'% peak':>7s}")
    for r in rows:
        print(f"{r['model']:8s} {r['precision']:5s} {r['mode']:5s} {r['batch']:5d} "
              f"{r['samples_per_s']:10.1f} {r['gflop_per_s']:8.1f} "
              f"{100 * r['peak_fraction']:6.0f}%")
    print(f"(peak = timed square matmul: fp32 {peaks['fp32']:.1f}, "
          f"bf16 {peaks['bf16']:.1f} GFLOP/s)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["danq", "deepsea"],
                        choices=sorted(GFLOP_PER_SAMPLE))
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"],
                        choices=["fp32", "bf16"])
    parser.add_argument("--train-batch", type=int, default=None,
                        help="training batch size (default: the model's published one)")
    parser.add_argument("--infer-batch", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="default: all available CPUs")
    parser.add_argument("--length", type=int, default=1000,
                        help="sequence length (the FLOP counts assume 1000)")
    parser.add_argument("--n-targets", type=int, default=919)
    parser.add_argument("--force-bf16", action="store_true",
                        help="measure bf16 even where the CPU lacks bf16 support")
    parser.add_argument("--no-mkldnn", action="store_true", help="disable oneDNN (comparison)")
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    rows, peaks = run(args)
    print_table(rows, peaks)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"peaks": peaks, "rows": rows}, handle, indent=1)


if __name__ == "__main__":
    main()
