"""Benchmark `danq build-dataset` on a synthetic genome and peak set of realistic size.

The genome (default 310 Mb: a 200 Mb chr1, so the largest-chromosome memory is close to hg19's
249 Mb chr1, plus chr7 (40 Mb, holding DeepSEA's validation region), chr8 and chr9 (test, 35 Mb
each)) is random sequence with N gaps.
Targets (default 50: 10 DNase, 30 TF, 10 histone) get tens of thousands of peaks each:

* TF and DNase peaks (narrowPeak-like, 150-600 bp) are drawn around a shared pool of "open" sites, so
  peaks of different targets overlap as real ones do (co-binding, open chromatin);
* histone peaks (broadPeak-like, 1-5 kb) are placed at random.

The build runs in a child process (``danq build-dataset`` with DeepSEA's defaults and
``--both-strands``), timed, with its peak RSS from ``getrusage(RUSAGE_CHILDREN)``. The summary's
per-step seconds and the merged-peak counts are used to extrapolate to hg19 (3.1 Gb) with 919 targets
(125 DNase, 690 TF, 104 histone; ~40 k peaks each) and DeepSEA's ~2.4 M windows. Usage::

    python benchmarks/build_dataset.py                     # 310 Mb, 50 targets x 30 k peaks
    python benchmarks/build_dataset.py --scale 0.1 --json out.json   # a quick run

Files go under a temporary folder (``--workdir``), removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HG19_BASES = 3.1e9  # the genome index (pyfaidx .fai) is built once per FASTA: timed apart
DEEPSEA_TARGETS = 919
DEEPSEA_PEAKS_PER_TARGET = 40_000
DEEPSEA_WINDOWS = 2_200_000 + 4_000 + 227_512  # unique windows in the bundle's three splits
LETTERS = np.frombuffer(b"ACGT", dtype=np.uint8)


def write_genome(path: Path, sizes: dict[str, int], rng: np.random.Generator) -> None:
    """Random ACGT with a few N gaps, 60 bases per line, written a block at a time."""
    line = 60
    with open(path, "wb") as handle:
        for name, size in sizes.items():
            handle.write(f">{name}\n".encode())
            gaps = [(int(s), int(s) + int(g)) for s, g in zip(
                rng.integers(0, size, size=max(1, size // 20_000_000)),
                rng.integers(10_000, 500_000, size=max(1, size // 20_000_000)), strict=True)]
            block_lines = 100_000
            for lo in range(0, size, line * block_lines):
                hi = min(lo + line * block_lines, size)
                seq = LETTERS[rng.integers(0, 4, size=hi - lo)]
                for g_lo, g_hi in gaps:
                    a, b = max(g_lo, lo), min(g_hi, hi)
                    if b > a:
                        seq[a - lo : b - lo] = ord("N")
                full = (hi - lo) // line
                body = np.empty((full, line + 1), dtype=np.uint8)
                body[:, :line] = seq[: full * line].reshape(full, line)
                body[:, line] = ord("\n")
                handle.write(body.tobytes())
                if (hi - lo) % line:
                    handle.write(seq[full * line :].tobytes() + b"\n")


def write_peaks(path: Path, chroms: list[str], sizes: np.ndarray, starts: np.ndarray,
                widths: np.ndarray, rng: np.random.Generator) -> None:
    """A narrowPeak-like file (10 columns) of the given peaks, sorted, with a track line."""
    order = np.lexsort((starts, chroms_idx := np.searchsorted(np.cumsum(sizes), starts, "right")))
    with open(path, "w") as handle:
        handle.write('track type=narrowPeak name="synthetic"\n')
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        for i in order:
            c = chroms_idx[i]
            s = int(starts[i] - offsets[c])
            e = min(s + int(widths[i]), int(sizes[c]))
            handle.write(f"{chroms[c]}\t{s}\t{e}\tp{i}\t100\t.\t5.0\t-1\t-1\t{(e - s) // 2}\n")


def make_inputs(workdir: Path, scale: float, n_targets: int, peaks_per_target: int,
                seed: int) -> tuple[Path, Path, int]:
    rng = np.random.default_rng(seed)
    sizes = {name: int(size * scale) for name, size in (
        ("chr1", 200_000_000), ("chr7", 40_000_000), ("chr8", 35_000_000), ("chr9", 35_000_000))}
    genome = workdir / "genome.fa"
    write_genome(genome, sizes, rng)
    total = sum(sizes.values())
    names, lengths = list(sizes), np.array(list(sizes.values()), dtype=np.int64)
    # a pool of open sites, ~1 per 2.5 kb, shared by TF and DNase targets
    pool = np.sort(rng.integers(0, total, size=int(total / 2500)))
    n_dnase, n_histone = n_targets // 5, n_targets // 5
    rows = []
    peaks = max(1, round(peaks_per_target * min(1.0, scale)))
    for t in range(n_targets):
        category = "DNase" if t < n_dnase else "Histone" if t >= n_targets - n_histone else "TF"
        if category == "Histone":
            starts = rng.integers(0, total, size=peaks // 2)
            widths = rng.integers(1_000, 5_000, size=len(starts))
        else:
            chosen = rng.choice(pool, size=min(peaks, len(pool)), replace=False)
            starts = np.clip(chosen + rng.integers(-150, 150, size=len(chosen)), 0, total - 1)
            widths = rng.integers(150, 600, size=len(starts))
        path = workdir / f"t{t:03d}.narrowPeak"
        write_peaks(path, names, lengths, starts, widths, rng)
        rows.append(f"t{t:03d}\t{category}\t{path.name}\n")
    targets = workdir / "targets.tsv"
    targets.write_text("name\tcategory\tpeaks\n" + "".join(rows))
    return genome, targets, total


def child(command: list[str]) -> tuple[float, float]:
    """Run a child process; return its wall seconds and the children's peak RSS so far (GiB)."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env)
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20


def run_build(genome: Path, targets: Path, outdir: Path) -> tuple[float, float, float, dict]:
    """Index the genome, then build; return index seconds, build seconds, peak RSS, summary."""
    index_seconds, _ = child([sys.executable, "-c",
                              f"from danq.sequence.genome import Genome; Genome({str(genome)!r})"])
    command = [sys.executable, "-m", "danq", "build-dataset", "--genome", str(genome),
               "--peaks", str(targets), "-o", str(outdir), "--both-strands", "--no-progress"]
    seconds, rss_gib = child(command)
    summary = json.loads((outdir / "summary.json").read_text())
    return index_seconds, seconds, rss_gib, summary


def extrapolate(summary: dict, genome_bases: int, seconds: float, rss_gib: float,
                largest_chrom: int, window: int = 1000) -> dict:
    """Scale each step by what drives it.

    Peaks (read, merged, turned into positive bins and labels) scale with the number of peaks;
    reading the genome with its bases; filtering with the windows; writing with the bytes written,
    windows x (window + targets). What the steps do not cover (start-up, imports) is fixed.
    Memory: the measured peak plus 8 bytes per extra merged peak (int32 pairs), plus the larger
    chr1's tokens and its windows x extra targets of labels.
    """
    steps = summary["seconds_by_step"]
    n_targets = len(summary["targets"])
    n_peaks = sum(p["peaks"] for p in summary["peaks"].values())
    n_merged = sum(p["merged"] for p in summary["peaks"].values())
    windows = sum(s["windows"] for s in summary["splits"].values())
    peaks_full = DEEPSEA_TARGETS * DEEPSEA_PEAKS_PER_TARGET
    peak_ratio = peaks_full / n_peaks
    write_ratio = DEEPSEA_WINDOWS * (window + DEEPSEA_TARGETS) / (windows * (window + n_targets))
    full = {
        "read_peaks": steps["read_peaks"] * peak_ratio,
        "positives": steps["positives"] * peak_ratio,
        "labels": steps["labels"] * peak_ratio,
        "read_genome": steps["read_genome"] * HG19_BASES / genome_bases,
        "samples": steps["samples"] * DEEPSEA_WINDOWS / windows,
        "write": (steps["write"] + steps.get("reverse_complements", 0.0)) * write_ratio,
        "fixed (start-up)": max(0.0, seconds - sum(steps.values())),
    }
    chr1 = 249_250_621
    chr1_windows = DEEPSEA_WINDOWS * chr1 / HG19_BASES
    extra_gib = (
        8 * n_merged * (peak_ratio - 1)
        + max(0, chr1 - largest_chrom)
        + chr1_windows * DEEPSEA_TARGETS - windows * largest_chrom / genome_bases * n_targets
    ) / 2**30
    return {"seconds_by_step": {k: round(v, 1) for k, v in full.items()},
            "minutes": round(sum(full.values()) / 60, 1),
            "peak_rss_gib": round(rss_gib + extra_gib, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="genome size factor (1 = 310 Mb)")
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--peaks", type=int, default=30_000, help="peaks per TF/DNase target")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="danq-build-bench-", dir=args.workdir))
    try:
        started = time.perf_counter()
        genome, targets, bases = make_inputs(workdir, args.scale, args.targets, args.peaks, args.seed)
        print(f"inputs: {bases / 1e6:.0f} Mb genome, {args.targets} targets "
              f"({time.perf_counter() - started:.0f} s to write)", file=sys.stderr)
        index_seconds, seconds, rss, summary = run_build(genome, targets, workdir / "out")
        windows = sum(s["windows"] for s in summary["splits"].values())
        result = {
            "genome_mb": round(bases / 1e6, 1),
            "targets": args.targets,
            "peaks": sum(p["peaks"] for p in summary["peaks"].values()),
            "windows": windows,
            "samples": sum(s["samples"] for s in summary["splits"].values()),
            "index_genome_seconds": round(index_seconds, 1),
            "seconds": round(seconds, 1),
            "peak_rss_gib": round(rss, 2),
            "seconds_by_step": summary["seconds_by_step"],
            "output_mb": round(sum(f.stat().st_size for f in (workdir / "out").glob("*.h5")) / 1e6),
            "hg19_919_targets_extrapolated": extrapolate(
                summary, bases, seconds, rss, int(200_000_000 * args.scale)),
            "cpu": os.cpu_count(),
            "note": "shared machine: other jobs ran at the same time; figures are upper bounds",
        }
        text = json.dumps(result, indent=2)
        print(text)
        if args.json:
            args.json.write_text(text + "\n")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
