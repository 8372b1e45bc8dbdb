"""Benchmark `danq import-deepsea` and the training loader on a synthetic bundle at realistic scale.

Writes ``train.mat`` (MATLAB v7.3 layout: HDF5, h5py axes (L, 4, N) uint8, chunked + gzip, 512-byte MATLAB
user block), ``valid.mat`` and ``test.mat`` (MATLAB v5, written column by column so the generator streams
too) with forward windows first and their reverse complements second, ~2 % positive labels. Then, each in
a child process so its peak RSS is its own:

1. the import (``danq.datasets.deepsea.importer.import_deepsea``): wall time, peak RSS, MB/s of one-hot input;
2. the training loader alone (``danq.training.batches.ChunkedBatches``, batch 100, shuffled) over ``train.h5``:
   samples/s and peak RSS;

and extrapolates the import to DeepSEA's 4.4 M training samples. Usage::

    python benchmarks/deepsea_import.py                    # 400,000 training samples
    python benchmarks/deepsea_import.py --n-train 40000 --compress-v5 --json out.json

Everything is written under a temporary folder (``--workdir`` to choose where), removed at the end
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import h5py
import numpy as np

TOKEN_OF_AGCT_CHANNEL = np.array([0, 2, 1, 3], dtype=np.uint8)  # A, G, C, T -> tokens A,C,G,T = 0..3
RC = np.array([3, 2, 1, 0, 4], dtype=np.uint8)
FULL_TRAIN = 4_400_000


def random_windows(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    """Random token windows (n, L) with ~1 % N."""
    tokens = rng.integers(0, 4, size=(n, length), dtype=np.uint8)
    tokens[rng.random((n, length)) < 0.01] = 4
    return tokens


def with_reverse_complements(tokens: np.ndarray) -> np.ndarray:
    return np.concatenate([tokens, RC[tokens[:, ::-1]]])


def onehot_lcb(tokens: np.ndarray) -> np.ndarray:
    """Tokens (B, L) -> one-hot uint8 in AGCT order laid out (L, 4, B), as h5py sees MATLAB v7.3."""
    return (tokens.T[:, None, :] == TOKEN_OF_AGCT_CHANNEL[None, :, None]).astype(np.uint8)


def sparse_labels(rng: np.random.Generator, n: int, n_targets: int, rate: float = 0.02) -> np.ndarray:
    return (rng.random((n, n_targets), dtype=np.float32) < rate).astype(np.uint8)


def write_train_v73(path: Path, n: int, length: int, n_targets: int, rng: np.random.Generator,
                    chunk: int, block: int) -> None:
    """Stream a v7.3-style train.mat of n samples (n/2 windows + their reverse complements)."""
    half = n // 2
    with h5py.File(path, "w", userblock_size=512) as f:
        x = f.create_dataset("trainxdata", shape=(length, 4, n), dtype=np.uint8,
                             chunks=(length, 4, chunk), compression="gzip", compression_opts=3)
        y = f.create_dataset("traindata", shape=(n_targets, n), dtype=np.uint8,
                             chunks=(n_targets, chunk), compression="gzip", compression_opts=3)
        x.attrs["MATLAB_class"] = np.bytes_("uint8")
        y.attrs["MATLAB_class"] = np.bytes_("uint8")
        for lo in range(0, half, block):
            hi = min(lo + block, half)
            tokens = random_windows(rng, hi - lo, length)
            labels = sparse_labels(rng, hi - lo, n_targets)
            x[:, :, lo:hi] = onehot_lcb(tokens)
            x[:, :, half + lo : half + hi] = onehot_lcb(RC[tokens[:, ::-1]])
            y[:, lo:hi] = labels.T
            y[:, half + lo : half + hi] = labels.T
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: synthetic HDF5 schema 1.00 ."
    with open(path, "r+b") as handle:
        handle.write(text.ljust(116) + bytes(8) + struct.pack("<H", 0x0200) + b"IM")


def _element(mtype: int, payload: bytes) -> bytes:
    return struct.pack("<II", mtype, len(payload)) + payload + bytes((-len(payload)) % 8)


def _matrix_head(name: str, shape: tuple[int, ...], data_nbytes: int) -> bytes:
    """A uint8 miMATRIX element up to (and including) its data tag."""
    body = (
        _element(6, struct.pack("<II", 9, 0))  # array flags: class uint8
        + _element(5, struct.pack(f"<{len(shape)}i", *shape))
        + _element(1, name.encode())
        + struct.pack("<II", 2, data_nbytes)  # miUINT8 data tag
    )
    total = len(body) + data_nbytes + (-data_nbytes) % 8
    return struct.pack("<II", 14, total) + body


def write_v5(path: Path, variables: dict[str, tuple[tuple[int, ...], object]], compress: bool) -> None:
    """Write uint8 variables as MATLAB v5, streaming: each value is (MATLAB shape, column iterator)."""
    with open(path, "wb") as out:
        out.write(b"MATLAB 5.0 MAT-file, synthetic DeepSEA bundle".ljust(116) + bytes(8)
                  + struct.pack("<H", 0x0100) + b"IM")
        for name, (shape, columns) in variables.items():
            nbytes = int(np.prod(shape))
            pieces = [_matrix_head(name, shape, nbytes)]
            if not compress:
                out.write(pieces[0])
                for column in columns:
                    out.write(column.tobytes())
                out.write(bytes((-nbytes) % 8))
                continue
            tag_at = out.tell()
            out.write(bytes(8))
            packer = zlib.compressobj(3)
            out.write(packer.compress(pieces[0]))
            for column in columns:
                out.write(packer.compress(column.tobytes()))
            out.write(packer.compress(bytes((-nbytes) % 8)) + packer.flush())
            end = out.tell()
            out.seek(tag_at)
            out.write(struct.pack("<II", 15, end - tag_at - 8))
            out.seek(end)


def write_split_v5(path: Path, split: str, n: int, length: int, n_targets: int,
                   rng: np.random.Generator, compress: bool) -> None:
    tokens = with_reverse_complements(random_windows(rng, n // 2, length))
    labels = sparse_labels(rng, n // 2, n_targets)
    labels = np.concatenate([labels, labels])

    def x_columns():  # column-major (N, 4, L): column c + 4 l holds channel c at position l
        for pos in range(length):
            column = tokens[:, pos]
            for channel in range(4):
                yield (column == TOKEN_OF_AGCT_CHANNEL[channel]).astype(np.uint8)

    def y_columns():
        for t in range(n_targets):
            yield np.ascontiguousarray(labels[:, t])

    write_v5(path, {f"{split}xdata": ((n, 4, length), x_columns()),
                    f"{split}data": ((n, n_targets), y_columns())}, compress)


CHILD_PRELUDE = """
import json, resource, sys, time

def peak_rss_kib():  # VmHWM: this process's own peak (ru_maxrss also counts the parent's before exec)
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

CHILD_IMPORT = CHILD_PRELUDE + """from danq.datasets.deepsea.importer import import_deepsea
t = time.perf_counter()
summaries = import_deepsea(sys.argv[1], sys.argv[2], progress=False)
print(json.dumps({"seconds": time.perf_counter() - t, "splits": summaries,
                  "maxrss_kib": peak_rss_kib()}))
"""

CHILD_LOADER = CHILD_PRELUDE + """import torch
torch.set_num_threads(1)
from danq.training.batches import ChunkedBatches
loader = ChunkedBatches(sys.argv[1], batch_size=100, shuffle=True, seed=1)
limit = int(sys.argv[2])
seen = 0
t = time.perf_counter()
for x, y in loader:
    seen += x.shape[0]
    if seen >= limit:
        break
seconds = time.perf_counter() - t
print(json.dumps({"samples": seen, "seconds": seconds, "samples_per_s": seen / seconds,
                  "maxrss_kib": peak_rss_kib()}))
"""

CHILD_LOADER_PARTS = """
import json, sys, time
import h5py, numpy as np
from danq.encoders import tokens_to_one_hot
f = h5py.File(sys.argv[1], "r")
seq, lab = f["sequences"], f["labels"]
rows = seq.chunks[0]
n = min(seq.shape[0], int(sys.argv[2]))
t = time.perf_counter(); toks = [seq[lo:lo + rows] for lo in range(0, n, rows)]; read_seq = time.perf_counter() - t
t = time.perf_counter(); labs = [lab[lo:lo + rows] for lo in range(0, n, rows)]; read_lab = time.perf_counter() - t
t = time.perf_counter()
for tok in toks:
    for b in range(0, len(tok), 100):
        tokens_to_one_hot(tok[b:b + 100])
one_hot = time.perf_counter() - t
t = time.perf_counter()
for l in labs:
    l.astype(np.float32)
cast = time.perf_counter() - t
print(json.dumps({"samples": n, "gunzip_sequences_s": read_seq, "gunzip_labels_s": read_lab,
                  "one_hot_s": one_hot, "labels_float_s": cast}))
"""


def run_child(code: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"child failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-train", type=int, default=400_000, help="training samples (even)")
    parser.add_argument("--n-valid", type=int, default=8_000)
    parser.add_argument("--n-test", type=int, default=100_000)
    parser.add_argument("--length", type=int, default=1000)
    parser.add_argument("--targets", type=int, default=919)
    parser.add_argument("--h5-chunk", type=int, default=256,
                        help="samples per HDF5 chunk of the synthetic train.mat")
    parser.add_argument("--compress-v5", action="store_true", help="write test.mat compressed")
    parser.add_argument("--loader-samples", type=int, default=200_000,
                        help="samples the loader benchmark reads (capped at n-train)")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    for name in ("n_train", "n_valid", "n_test"):
        if getattr(args, name) % 2:
            parser.error(f"--{name.replace('_', '-')} must be even (windows + reverse complements)")
    work = Path(tempfile.mkdtemp(prefix="danq-deepsea-bench-", dir=args.workdir))
    try:
        bundle, out = work / "deepsea_train", work / "out"
        bundle.mkdir()
        rng = np.random.default_rng(0)
        t = time.perf_counter()
        write_train_v73(bundle / "train.mat", args.n_train, args.length, args.targets, rng,
                        args.h5_chunk, block=max(args.h5_chunk, 8192))
        write_split_v5(bundle / "valid.mat", "valid", args.n_valid, args.length, args.targets, rng,
                       False)
        write_split_v5(bundle / "test.mat", "test", args.n_test, args.length, args.targets, rng,
                       args.compress_v5)
        generate_s = time.perf_counter() - t
        sizes = {p.name: p.stat().st_size for p in bundle.iterdir()}
        print(f"generated bundle in {generate_s:.0f} s: {sizes}", file=sys.stderr)

        imported = run_child(CHILD_IMPORT, str(bundle), str(out))
        per_sample = 4 * args.length
        splits = {s["split"]: s for s in imported["splits"]}
        train = splits["train"]
        train_rate = train["n_samples"] / train["seconds"]
        loader_limit = min(args.loader_samples, args.n_train)
        loader = run_child(CHILD_LOADER, str(out / "train.h5"), str(loader_limit))
        parts = run_child(CHILD_LOADER_PARTS, str(out / "train.h5"), str(min(50_000, loader_limit)))
        out_sizes = {p.name: p.stat().st_size for p in out.glob("*.h5")}
        results = {
            "n_train": args.n_train, "n_valid": args.n_valid, "n_test": args.n_test,
            "length": args.length, "targets": args.targets, "test_compressed": args.compress_v5,
            "input_bytes": sizes, "output_bytes": out_sizes, "generate_s": generate_s,
            "import_total_s": imported["seconds"],
            "import_peak_rss_mib": imported["maxrss_kib"] / 1024,
            "per_split": {
                name: {
                    "seconds": s["seconds"], "format": s["format"],
                    "samples_per_s": s["n_samples"] / s["seconds"],
                    "onehot_mb_per_s": s["n_samples"] * per_sample / s["seconds"] / 1e6,
                    "file_mb_per_s": sizes[f"{name}.mat"] / s["seconds"] / 1e6,
                }
                for name, s in splits.items()
            },
            "extrapolated_train_4p4M_import_min": FULL_TRAIN / train_rate / 60,
            "extrapolated_train_4p4M_output_gb": out_sizes["train.h5"] * FULL_TRAIN / args.n_train / 1e9,
            "loader": loader, "loader_peak_rss_mib": loader["maxrss_kib"] / 1024,
            "loader_parts_s": parts,
        }
        print(json.dumps(results, indent=2))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
        return results
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
