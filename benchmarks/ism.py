"""Benchmark in-silico mutagenesis: danq incremental vs danq full vs tangermeme (vs Selene 0.6).

For each architecture (published-size DeepSEA and DanQ, random weights, 1 kb, 919 targets, fp32,
no RC averaging) and ``--n`` random sequences, every single-base substitution (3 × 1,000 mutants a
sequence) is scored, in one process and in this order:

* **bare loop**: the 3,000 mutants of each sequence pre-encoded as one-hot tensors, then only
  ``model(batch)`` in a loop: the floor of the full path on this machine;
* **danq full**: :func:`danq.inference.incremental.ism_logits` with ``incremental=False``;
* **danq incremental**: the same function with the architecture's incremental rule (exactness:
  max |Δlogit| against danq full is printed);
* **tangermeme** ``saturation_mutagenesis(raw_outputs=True)`` with ``fast=True`` (its fastISM; it
  falls back to the full path by itself when it judges that faster; ``--tangermeme-slow`` adds
  ``fast=False``); max
  |Δlogit| of its raw outputs against danq full;
* with ``--selene-venv``, Selene 0.6's ``AnalyzeSequences.in_silico_mutagenesis`` (HDF5 logits out),
  a whole child process in its own venv (so it includes interpreter start and imports).

Usage: ``python benchmarks/ism.py [--archs deepsea,danq] [--n 1] [--threads 2]
[--selene-venv /tmp/peers/selene]``. Wall and CPU seconds (user + system of this
process, or of the Selene child) and peak memory (resident memory above the call's start, sampled
every 5 ms; for Selene the child's whole peak) are printed: on a shared machine the CPU-time ratios are the
steadier figure; absolute times are not comparable across runs (the load average is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import torch

from danq.encoders import tokens_to_one_hot
from danq.inference.incremental import ism_logits
from danq.models import DanQ, DeepSEA
from danq.runtime import cpu_name

ARCHS = {"deepsea": DeepSEA, "danq": DanQ}

SELENE_CHILD = textwrap.dedent("""
    # Runs under Selene's own virtualenv (Selene 0.6).
    import json, sys, time
    start = time.perf_counter()
    import torch
    args = json.loads(sys.argv[1])
    sys.path.insert(0, args["danq_src"])
    from selene_sdk.predict import AnalyzeSequences
    from danq.models import DanQ, DeepSEA

    class Probabilities(torch.nn.Module):  # Selene expects probabilities, danq models give logits
        def __init__(self):
            super().__init__()
            self.net = {"danq": DanQ, "deepsea": DeepSEA}[args["arch"]]()
        def forward(self, x):
            return torch.sigmoid(self.net(x))

    torch.set_num_threads(args["threads"])
    torch.save({"state_dict": {f"net.{k}": v for k, v in torch.load(args["weights"]).items()}},
               args["selene_weights"])
    analysis = AnalyzeSequences(Probabilities(), args["selene_weights"], sequence_length=1000,
                                features=[f"t{i}" for i in range(919)],
                                batch_size=args["batch_size"], use_cuda=False)
    for i, seq in enumerate(args["sequences"]):
        analysis.in_silico_mutagenesis(seq, ["logits"], f"{args['out']}/ism{i}",
                                       output_format="hdf5")
    print(json.dumps({"seconds": time.perf_counter() - start}))
""")



def mutant_one_hot(tokens: np.ndarray) -> torch.Tensor:
    """The 3 L single-base mutants of one token row, one-hot ``(3L, 4, L)``."""
    length = len(tokens)
    positions = np.repeat(np.arange(length), 4)
    bases = np.tile(np.arange(4, dtype=np.uint8), length)
    keep = bases != tokens[positions]
    rows = np.repeat(tokens[None], int(keep.sum()), axis=0)
    rows[np.arange(len(rows)), positions[keep]] = bases[keep]
    return torch.from_numpy(tokens_to_one_hot(rows))


CPU: dict[str, float] = {}  # CPU seconds of the last timed call (steadier on a shared machine)
PEAK: dict[str, float] = {}  # peak resident memory of the last timed call above its start, MiB


def resident_mib() -> float:
    """This process's resident set size now (Linux /proc), MiB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(function, *args, **kwargs):
    """Run ``function``: wall seconds and result; CPU seconds and peak extra RSS (sampled every
    5 ms by a thread) in CPU["last"] and PEAK["last"]."""
    import threading

    base = resident_mib()
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], resident_mib())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start, cpu = time.perf_counter(), time.process_time()
    try:
        result = function(*args, **kwargs)
    finally:
        done.set()
        sampler.join()
    CPU["last"] = time.process_time() - cpu
    PEAK["last"] = max(peak[0], resident_mib()) - base
    return time.perf_counter() - start, result


def bare_loop(model: torch.nn.Module, batches: list[torch.Tensor], batch_size: int) -> float:
    def run() -> None:
        with torch.inference_mode():
            for x in batches:
                for i in range(0, len(x), batch_size):
                    model(x[i : i + batch_size])

    return timed(run)[0]


def tangermeme_ism(model: torch.nn.Module, tokens: np.ndarray, batch_size: int, fast: bool):
    import warnings

    from tangermeme.saturation_mutagenesis import saturation_mutagenesis

    x = torch.from_numpy(tokens_to_one_hot(tokens))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seconds, (y0, y_hat) = timed(saturation_mutagenesis, model, x, batch_size=batch_size,
                                     raw_outputs=True, fast=fast, device="cpu")
    notes = sorted({str(w.message).split("\n")[0][:100] for w in caught
                    if "tangermeme" in type(w.message).__name__.lower()})
    return seconds, y0, y_hat, notes


def tangermeme_delta(y0: torch.Tensor, y_hat: torch.Tensor, length: int) -> np.ndarray:
    """Raw outputs as Δlogit ``(N, T, 4, L)``; y_hat is (N, L, 4, T) or (N, 4, L, T)."""
    y_hat = y_hat.float()
    if y_hat.shape[1] == length:
        y_hat = y_hat.permute(0, 2, 1, 3)
    return (y_hat - y0.float()[:, None, None, :]).permute(0, 3, 1, 2).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", default="deepsea,danq")
    parser.add_argument("--n", type=int, default=1, help="Sequences (1 kb each).")
    parser.add_argument("--batch-size", type=int, default=128,
                        help="Mutants per forward call of the full paths and tangermeme.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-tangermeme", action="store_true")
    parser.add_argument("--tangermeme-slow", action="store_true",
                        help="Also tangermeme with fast=False (its full path).")
    parser.add_argument("--selene-venv", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tokens = np.random.default_rng(0).integers(0, 4, (args.n, 1000)).astype(np.uint8)
    mutants = args.n * 3000
    print(f"# {cpu_name()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"{args.threads} threads, fp32, no RC, {args.n} x 1 kb sequences = {mutants} mutants; "
          f"load average {os.getloadavg()[0]:.1f} (shared machine)")
    print("arch\ttool\twall_s\tcpu_s\tmutants_per_s\twall_vs_danq_full\tcpu_vs_danq_full\t"
          "wall_vs_bare\tcpu_vs_bare\tpeak_extra_rss_mib\tmax_abs_dlogit_vs_full")
    for arch in args.archs.split(","):
        torch.manual_seed(0)
        model = ARCHS[arch]().eval()

        cpu: dict[str, float] = {}

        def row(tool: str, seconds: float, bare: float, full: float | None, err: str = "",
                arch: str = arch, cpu: dict[str, float] = cpu) -> None:
            cpu[tool] = CPU["last"]
            vs_full = f"{full / seconds:.2f}x" if full else "-"
            cpu_full = cpu.get("danq full")
            cpu_vs_full = f"{cpu_full / cpu[tool]:.2f}x" if cpu_full else "-"
            print(f"{arch}\t{tool}\t{seconds:.1f}\t{cpu[tool]:.1f}\t{mutants / seconds:.0f}\t"
                  f"{vs_full}\t{cpu_vs_full}\t{seconds / bare:.2f}\t"
                  f"{cpu[tool] / cpu['bare loop (pre-encoded)']:.2f}\t{PEAK['last']:.0f}\t{err}",
                  flush=True)

        batches = [mutant_one_hot(t) for t in tokens]
        bare = bare_loop(model, batches, args.batch_size)
        del batches
        row("bare loop (pre-encoded)", bare, bare, None)
        full_s, full = timed(ism_logits, model, tokens, batch_size=args.batch_size,
                             incremental=False)
        row("danq full", full_s, bare, full_s)
        inc_s, inc = timed(ism_logits, model, tokens)
        row("danq incremental", inc_s, bare, full_s, f"{np.abs(inc - full).max():.2e}")
        if not args.no_tangermeme:
            for fast in (True, False) if args.tangermeme_slow else (True,):
                seconds, y0, y_hat, notes = tangermeme_ism(model, tokens, args.batch_size, fast)
                err = np.abs(tangermeme_delta(y0, y_hat, 1000) - full).max()
                row(f"tangermeme fast={fast}", seconds, bare, full_s,
                    f"{err:.2e}" + (f" ({'; '.join(notes)})" if notes else ""))
        if args.selene_venv is not None:
            with tempfile.TemporaryDirectory() as folder:
                weights = Path(folder) / "weights.pt"
                torch.save(model.state_dict(), weights)
                child = {"arch": arch, "weights": str(weights), "danq_src": str(Path(__file__)
                         .resolve().parents[1]), "selene_weights": str(Path(folder) / "s.pt"),
                         "threads": args.threads, "batch_size": args.batch_size, "out": folder,
                         "sequences": ["".join("ACGT"[b] for b in t) for t in tokens]}
                import resource

                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                result = subprocess.run(
                    [str(args.selene_venv / "bin" / "python"), "-c", SELENE_CHILD,
                     json.dumps(child)], capture_output=True, text=True, check=False,
                    env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
                wall = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                CPU["last"] = (after.ru_utime + after.ru_stime
                               - before.ru_utime - before.ru_stime)
                PEAK["last"] = after.ru_maxrss / 1024  # the child's whole peak RSS (KiB -> MiB)
                if result.returncode:
                    print(f"# selene failed: {result.stderr[-500:]}")
                else:
                    row("selene 0.6 (whole process)", wall, bare, full_s)


if __name__ == "__main__":
    main()
