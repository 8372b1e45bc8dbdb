"""A/B of DanQ training-step settings in one process, interleaved (robust on a loaded machine).

Cells (each a full published-recipe DanQ training step on a fixed random batch, as in
``train_throughput.py``):

* ``fp32``: no autocast;
* ``bf16``: bf16 autocast with the LSTM kept in fp32 under gradients (danq's default, see
  :func:`danq.models.danq.lstm_needs_fp32`);
* ``bf16, bf16 LSTM``: the same with the LSTM left to autocast (oneDNN bf16 LSTM; the old path).

The cells are run round-robin ``--rounds`` times and each cell's median step time is reported, so
load changes hit all cells alike; the ratios are the figures to quote from a busy machine.

Usage: ``python benchmarks/train_ab.py [--batch 32] [--rounds 3]`` (about 2-3 min on 2 loaded cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_throughput import train_step_fn  # noqa: E402

import danq.models.danq as danq_module  # noqa: E402
from danq.models import build_model  # noqa: E402
from danq.runtime import set_threads  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    threads = set_threads(args.threads)
    torch.manual_seed(0)
    model = build_model("danq")
    cells = {
        "fp32": (train_step_fn(model, "danq", "fp32", args.batch, 1000, 919), True),
        "bf16": (train_step_fn(model, "danq", "bf16", args.batch, 1000, 919), True),
        "bf16, bf16 LSTM": (train_step_fn(model, "danq", "bf16", args.batch, 1000, 919), False),
    }
    times: dict[str, list[float]] = {name: [] for name in cells}
    for round_ in range(args.rounds + 1):  # round 0 warms up
        for name, (step, fp32_lstm) in cells.items():
            with mock.patch.object(danq_module, "lstm_needs_fp32",
                                   danq_module.lstm_needs_fp32 if fp32_lstm else lambda x: False):
                start = time.perf_counter()
                step()
                elapsed = time.perf_counter() - start
            if round_:
                times[name].append(elapsed)
    load = os.getloadavg()
    print(f"DanQ training step, batch {args.batch}, {threads} threads, cpu capability "
          f"{torch.backends.cpu.get_cpu_capability()}, load average {load[0]:.2f}")
    print(f"{'cell':<18}{'median s/step':>14}{'samples/s':>11}{'vs fp32':>9}")
    fp32 = statistics.median(times["fp32"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<18}{median:>14.3f}{args.batch / median:>11.1f}{fp32 / median:>8.2f}x")


if __name__ == "__main__":
    main()
