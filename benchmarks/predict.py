"""Benchmark `danq predict`: end-to-end sequences/s versus the model's bare forward pass.

A temporary directory gets a FASTA of random 1 kb sequences and a DanQ checkpoint of the published
size (random weights). For fp32 and bf16, with and without reverse-complement averaging, the script
times

* model-only: forward passes over pre-encoded one-hot batches (with RC averaging each call carries
  the batch and its reverse complements, 2B rows), under ``torch.inference_mode()``;
* end-to-end: :func:`danq.predict.predict_fasta` on the FASTA, writing a TSV (parsing, length
  fitting, one-hot encoding, inference, sigmoid, averaging, formatting and writing included; the
  one-time checkpoint load is timed separately).

The goal is end-to-end >= 0.9 x model-only. A last line times the pipeline alone (a null model
that costs nothing): its per-sequence time is what end-to-end adds to the model, a figure that
stays meaningful on a busy machine where the two throughputs are noisy. Run: ``python benchmarks/predict.py [--n 1000]``;
``--cli`` also times the ``danq predict`` command in a subprocess (process start-up included).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from danq.inference.predict import predict_fasta
from danq.models import DanQ
from danq.models.checkpoint import load_model, save_checkpoint
from danq.runtime import autocast, resolve_device, set_threads


def write_random_fasta(path: Path, n: int, length: int, seed: int = 0) -> np.ndarray:
    """Write ``n`` random sequences of ``length`` bp (60 bp lines); return their tokens."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 4, size=(n, length), dtype=np.uint8)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    with open(path, "w", encoding="ascii") as handle:
        for i, row in enumerate(tokens):
            seq = letters[row].tobytes().decode()
            lines = "\n".join(seq[j : j + 60] for j in range(0, length, 60))
            handle.write(f">seq{i}\n{lines}\n")
    return tokens


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def model_only(
    model, tokens: np.ndarray, batch_size: int, precision: str, rc: bool, device: torch.device
) -> float:
    """Sequences/s of bare forward passes over pre-encoded batches (already on the device)."""
    batches = []
    for i in range(0, len(tokens), batch_size):
        t = torch.from_numpy(tokens[i : i + batch_size])
        x = (t.unsqueeze(1) == torch.arange(4, dtype=torch.uint8).view(1, 4, 1)).float()
        batches.append((torch.cat([x, x.flip(dims=(-2, -1))]) if rc else x).to(device))
    with torch.inference_mode(), autocast(device, precision):
        model(batches[0][:8])  # warm-up
        _sync(device)
        start = time.perf_counter()
        for x in batches:
            model(x)
        _sync(device)
        elapsed = time.perf_counter() - start
    return len(tokens) / elapsed


def end_to_end(
    model, fasta: Path, out: Path, batch_size: int, precision: str, rc: bool, device: torch.device
) -> float:
    """Sequences/s of predict_fasta (FASTA in, TSV out) with an already loaded model."""
    start = time.perf_counter()
    summary = predict_fasta(fasta, out, model=model, rc_average=rc, batch_size=batch_size,
                            device=device, precision=precision, progress=False)
    elapsed = time.perf_counter() - start
    return summary["n_sequences"] / elapsed


class NullModel(torch.nn.Module):
    """Returns constant logits at almost no cost: end-to-end with it measures the pipeline alone."""

    def __init__(self, sequence_length: int, n_targets: int = 919) -> None:
        super().__init__()
        self.sequence_length = sequence_length
        self.n_targets = n_targets
        self.register_buffer("bias", torch.zeros(n_targets))
        # danq serves only models that carry their record: this one says "DanQ-shaped input"
        from danq.models.info import ModelInfo

        self.info = ModelInfo(arch="danq", model_args={}, sequence_length=sequence_length,
                              target_names=tuple(f"target_{i}" for i in range(n_targets)),
                              target_categories=())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bias.expand(x.shape[0], -1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="sequences (default 500)")
    parser.add_argument("--length", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = all CPUs)")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, auto")
    parser.add_argument("--cli", action="store_true", help="also time `danq predict` (subprocess)")
    args = parser.parse_args()

    threads = set_threads(args.threads)
    device = resolve_device(args.device)
    with tempfile.TemporaryDirectory(prefix="danq-bench-") as tmp:
        tmpdir = Path(tmp)
        fasta = tmpdir / "seqs.fa"
        tokens = write_random_fasta(fasta, args.n, args.length)
        ckpt = tmpdir / "danq.pt"
        torch.manual_seed(0)
        save_checkpoint(ckpt, DanQ(sequence_length=args.length),
                        {"target_names": [f"t{i}" for i in range(919)]})
        start = time.perf_counter()
        model = load_model(ckpt, map_location=device)
        load_s = time.perf_counter() - start
        n_params = sum(p.numel() for p in model.parameters())
        print(f"DanQ {n_params / 1e6:.1f} M parameters, {args.n} x {args.length} bp, batch "
              f"{args.batch_size}, {device}, {threads} threads; "
              f"checkpoint load {load_s:.2f} s (not in e2e)", flush=True)
        print(f"{'precision':<10}{'rc':<5}{'model-only seq/s':>18}{'end-to-end seq/s':>18}"
              f"{'ratio':>8}")
        for precision in args.precisions.split(","):
            for rc in (False, True):
                bare = model_only(model, tokens, args.batch_size, precision, rc, device)
                e2e = end_to_end(model, fasta, tmpdir / "out.tsv", args.batch_size, precision, rc,
                                 device)
                print(f"{precision:<10}{'yes' if rc else 'no':<5}{bare:>18.1f}{e2e:>18.1f}"
                      f"{e2e / bare:>8.2f}", flush=True)
        null = NullModel(args.length).to(device)
        rc_pipeline = end_to_end(null, fasta, tmpdir / "out.tsv", args.batch_size, "fp32", True,
                                 device)
        print(f"pipeline alone (null model, rc, TSV out): {rc_pipeline:.0f} seq/s, i.e. "
              f"{1000 / rc_pipeline:.2f} ms per sequence of non-model work", flush=True)
        if args.cli:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "danq", "predict", str(fasta), "--model",
                            str(ckpt), "-o", str(tmpdir / "cli.tsv"), "--device", str(device),
                            "--threads", str(threads)], check=True, capture_output=True)
            elapsed = time.perf_counter() - start
            print(f"danq predict (CLI, fp32, rc, start-up and load included): "
                  f"{args.n / elapsed:.1f} seq/s")


if __name__ == "__main__":
    main()
