"""Encoding throughput: FASTA -> tokens -> HDF5, and batch one-hot decoding, against a naive loop.

Prints MB/s (megabytes of sequence, 1 base = 1 byte) for
  * parsing + tokenising a FASTA file (no HDF5),
  * the whole `danq encode` path (FASTA -> tokens -> gzip-chunked HDF5),
  * tokens -> float32 one-hot batches (what the training loader does per batch),
  * a naive per-base Python loop building a one-hot array, measured in the same run.

Usage: python benchmarks/encode.py [--megabases 200] [--record-length 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from danq.datasets.encode import encode_fasta
from danq.encoders import tokens_to_one_hot
from danq.sequence.fasta import read_fasta_tokens


def write_fasta(path: Path, megabases: int, record_length: int, seed: int = 0) -> int:
    """Random ACGT records of ``record_length`` bp, 60-bp lines for long records; return bases."""
    rng = np.random.default_rng(seed)
    n_records = megabases * 1_000_000 // record_length
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    with open(path, "wb") as handle:
        for lo in range(0, n_records, 10_000):
            k = min(10_000, n_records - lo)
            seqs = letters[rng.integers(0, 4, (k, record_length))]
            for i in range(k):
                handle.write(b">seq%d\n" % (lo + i))
                handle.write(seqs[i].tobytes() + b"\n")
    return n_records * record_length


def naive_one_hot(seq: str) -> np.ndarray:
    """The loop the package avoids: one Python step per base."""
    index = {"A": 0, "C": 1, "G": 2, "T": 3}
    out = np.zeros((4, len(seq)), dtype=np.float32)
    for i, base in enumerate(seq):
        j = index.get(base.upper())
        if j is not None:
            out[j, i] = 1.0
    return out


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--megabases", type=int, default=200)
    parser.add_argument("--record-length", type=int, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        fasta = Path(tmp) / "bench.fa"
        bases = write_fasta(fasta, args.megabases, args.record_length)
        mb = bases / 1e6
        timed(lambda: sum(1 for _ in read_fasta_tokens(fasta)))  # warm the page cache

        t_parse = timed(lambda: sum(1 for _ in read_fasta_tokens(fasta)))
        t_encode = {
            c: timed(lambda c=c: encode_fasta(fasta, Path(tmp) / f"{c}.h5", compression=c, progress=False))
            for c in ("none", "gzip")
        }

        rng = np.random.default_rng(1)
        tokens = rng.integers(0, 4, (1000, args.record_length), dtype=np.uint8)
        repeats = 20
        def one_hot_repeatedly() -> None:
            for _ in range(repeats):  # results are dropped, as the loader does per batch
                tokens_to_one_hot(tokens)

        t_onehot = timed(one_hot_repeatedly)
        onehot_mb = repeats * tokens.size / 1e6

        naive_seqs = ["".join("ACGT"[t] for t in row) for row in tokens[:200]]
        t_naive = timed(lambda: [naive_one_hot(s) for s in naive_seqs])
        naive_mb = 200 * args.record_length / 1e6

    rows = [
        ("FASTA parse + tokens", mb / t_parse),
        ("danq encode, HDF5 uncompressed", mb / t_encode["none"]),
        ("danq encode, HDF5 gzip-1 (default)", mb / t_encode["gzip"]),
        ("tokens -> one-hot float32 batch", onehot_mb / t_onehot),
        ("naive per-base Python loop -> one-hot", naive_mb / t_naive),
    ]
    print(f"{mb:.0f} Mb of sequence in {args.record_length}-bp records")
    print(f"{'path':<40} {'MB/s':>10}")
    for name, rate in rows:
        print(f"{name:<40} {rate:>10.1f}")
    naive_rate = rows[-1][1]
    print("speed-up over the naive loop: " + ", ".join(
        f"{name} {rate / naive_rate:.0f}x" for name, rate in rows[:-1]))


if __name__ == "__main__":
    main()
