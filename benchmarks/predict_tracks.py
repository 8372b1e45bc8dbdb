"""Benchmark `danq predict --tile ... --format bigwig`: peak memory from 1 Mb to a whole chromosome.

A temporary directory gets a random genome with a 1 Mb and a 50 Mb chromosome (about the size of
human chr22) and a tiny 1 kb DanQ with 919 outputs (random weights: memory, not accuracy, is
measured). Each chromosome is tiled in one `danq predict` process writing one bigWig per selected
target; the script prints each process's peak RSS (its own ``ru_maxrss``, read in a fresh wrapper
process so the two runs do not mix) and wall time. Flat memory means the two peaks are about equal.

Run: ``python benchmarks/predict_tracks.py [--step 1000] [--targets all|N] [--big-mb 50]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def write_genome(path: Path, sizes: dict[str, int], seed: int = 0) -> None:
    """Random ACGT chromosomes, 60 bp lines."""
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    with open(path, "wb") as handle:
        for name, size in sizes.items():
            seq = letters[rng.integers(0, 4, size, dtype=np.uint8)].tobytes()
            handle.write(f">{name}\n".encode())
            handle.write(b"\n".join(seq[i : i + 60] for i in range(0, size, 60)) + b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=1000)
    parser.add_argument("--targets", default="all", help="'all' (919 bigWigs) or a count N")
    parser.add_argument("--big-mb", type=int, default=50)
    args = parser.parse_args()

    from danq.models import DanQ
    from danq.models.checkpoint import save_checkpoint

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        sizes = {"chrSmall": 1_000_000, "chrBig": args.big_mb * 1_000_000}
        write_genome(tmp / "genome.fa", sizes)
        model = DanQ(sequence_length=1000, n_targets=919, conv_channels=6, conv_width=5,
                     pool_size=4, lstm_hidden=4, dense_hidden=8).eval()
        save_checkpoint(tmp / "tiny.pt", model, {})
        spec = "target" if args.targets == "all" else ",".join(map(str, range(int(args.targets))))
        for chrom, size in sizes.items():
            command = [
                sys.executable, "-c", WRAPPER, "danq", "predict", "--model", str(tmp / "tiny.pt"),
                "--genome", str(tmp / "genome.fa"), "--tile", chrom, "--step", str(args.step),
                "--format", "bigwig", "--targets", spec, "-o", str(tmp / f"out_{chrom}"),
                "--device", "cpu", "--precision", "fp32", "--threads", "1", "--no-progress",
            ]
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            seconds = time.perf_counter() - started
            peak_kb = int(done.stdout.strip().splitlines()[-1])
            files = len(list((tmp / f"out_{chrom}").iterdir()))
            print(f"{chrom} ({size / 1e6:.0f} Mb), step {args.step}: {files} bigWigs, "
                  f"peak RSS {peak_kb / 1024:.0f} MiB, {seconds:.1f} s wall", flush=True)


if __name__ == "__main__":
    main()
