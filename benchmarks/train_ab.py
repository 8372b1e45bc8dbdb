"""A/B of DanQ training-step settings in one process, interleaved (robust on a loaded machine).

Cells (each a full published-recipe DanQ training step on a fixed random batch, as in
``train_throughput.py``):

* ``fp32``: no autocast;
* ``bf16``: bf16 autocast everywhere (danq's setting; the LSTM becomes oneDNN's bf16 LSTM);
* ``bf16, fp32 LSTM``: bf16 autocast with the LSTM taken out of it (fp32 weights and input).

Measured on an AVX512-BF16 CPU (torch 2.13): with the machine quiet the bf16 LSTM wins (bf16
1.45x fp32, bf16 with an fp32 LSTM 1.13x); with the two cores shared by ~6 other jobs the order
reversed, so only quote figures taken on a quiet machine.

The cells are run round-robin ``--rounds`` times and each cell's median step time is reported, so
load changes hit all cells alike; the ratios are the figures to quote from a busy machine.

Usage: ``python benchmarks/train_ab.py [--batch 100] [--rounds 4]`` (under a minute on 2 quiet cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_throughput import train_step_fn  # noqa: E402

from danq.models import build_model  # noqa: E402
from danq.runtime import set_threads  # noqa: E402


class Fp32Lstm(torch.nn.Module):
    """Runs the wrapped LSTM outside CPU autocast, in fp32 (the ``bf16, fp32 LSTM`` cell)."""

    def __init__(self, lstm: torch.nn.LSTM) -> None:
        super().__init__()
        self.lstm = lstm

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, object]:
        with torch.autocast("cpu", enabled=False):
            return self.lstm(x.float())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    threads = set_threads(args.threads)
    torch.manual_seed(0)
    model = build_model("danq")
    lstm, fp32_lstm = model.lstm, Fp32Lstm(model.lstm)
    cells = {
        "fp32": (train_step_fn(model, "danq", "fp32", args.batch, 1000, 919), lstm),
        "bf16": (train_step_fn(model, "danq", "bf16", args.batch, 1000, 919), lstm),
        "bf16, fp32 LSTM": (train_step_fn(model, "danq", "bf16", args.batch, 1000, 919), fp32_lstm),
    }
    times: dict[str, list[float]] = {name: [] for name in cells}
    for round_ in range(args.rounds + 1):  # round 0 warms up
        for name, (step, lstm_module) in cells.items():
            model.lstm = lstm_module
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
