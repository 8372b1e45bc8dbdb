"""`danq build-dataset`: a genome FASTA and one peak file per target -> DeepSEA-style danq datasets.

DeepSEA's preprocessing was never published as code; its paper and the training bundle describe it, and
this module follows that description:

* each chromosome is cut into ``bin_size`` (200) bp bins from position 0 (a last, partial bin is not
  used); a target is 1 for a bin when **more than half** of the bin lies inside the target's peaks
  (101 of 200 bp is 1, 100 of 200 bp is 0);
* a target's peaks are **merged first** (overlapping or touching peaks become one interval), as DeepSEA
  did: so "inside one of its peaks" means inside the union of the target's peaks, and two peaks of the
  same target covering 60 bp each of one bin give 120 bp, a positive;
* the sample is the ``window`` (1000) bp centred on the bin (``start = bin_start + (bin_size - window)
  // 2``); windows that would run past a chromosome end are dropped (``chromosome_edge``);
* a bin is kept when it is positive for at least one target of the required categories (default: TF
  when a target has that category, else any target);
* ``background_ratio`` R adds round(R x kept) random bins per chromosome and split, drawn (seeded) from
  the bins of that chromosome and split that are positive for no required target and pass the same
  filters, optionally matched to the kept windows' GC content (20 GC strata);
* splits: ``valid`` and ``test`` are lists of whole chromosomes (``chr8``) or regions
  (``chr7:30508751-35296850``, 1-based inclusive like samtools, i.e. 0-based ``[30508750, 35296850)``).
  A window belongs to a region only when it lies entirely inside it; a window that straddles a region's
  edge is dropped (``split_boundary``), so no base of one split's windows is seen by another split.
  Everything else is training.
* filters (ours; DeepSEA does not describe any): ``--chroms`` (default the primary 1-22, X, Y;
  contigs and chrM skipped), a window overlapping a ``--blacklist`` interval by one base is dropped
  (``blacklist``), and one with more than ``max_n_fraction`` (default 0.05) N bases (``n_fraction``);
* a build with nothing to train on is refused (a one-line error saying why), not written as three
  empty splits: no peak on a genome chromosome, no positive bin on the chromosomes used, every
  window dropped, or only N bases where the peaks are; peaks clipped at a chromosome's end are
  counted in a warning;
* ``both_strands`` stores each window's reverse complement too, linked by ``strand`` / ``pair_index``
  (written block by block: B forward rows, then their B reverse complements).

Labels are computed per chromosome from the merged peaks with cumulative sums
(:func:`danq.datasets.peaks.covered_bases`), and only for the sampled bins, so memory is bounded by one
chromosome's sampled bins x targets (plus the chromosome's tokens and the merged peaks).

The steps live in their own modules: :mod:`~danq.datasets.peaks` (targets table, peak files, positive
bins), :mod:`~danq.datasets.windows` (bins -> windows, filters, background),
:mod:`~danq.datasets.splits` (``--valid`` / ``--test``); this module runs them and writes the outputs.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from danq.datasets.peaks import (
    Target,
    positive_bins,
    read_peaks,
    read_targets,
    required_targets,
    sorted_unique,
)
from danq.datasets.splits import DEEPSEA_TEST, DEEPSEA_VALID, SPLITS, split_loci
from danq.datasets.windows import WindowSampler, read_chromosome, select_chromosomes
from danq.encoders import reverse_complement_tokens
from danq.errors import DanqError
from danq.io import atomic_directory, require_file
from danq.sequence.genome import Genome

BLOCK_ROWS = 4096  # windows gathered and written per block

Warn = Callable[[str], None]


@dataclass
class BuildOptions:
    """Everything `danq build-dataset` can be told; the defaults are DeepSEA's recipe."""

    bin_size: int = 200
    window: int = 1000
    require_category: str | None = None
    background_ratio: float = 0.0
    match_gc: bool = False
    seed: int = 0
    valid: str = DEEPSEA_VALID
    test: str = DEEPSEA_TEST
    chroms: str | None = None
    blacklist: str | None = None
    max_n_fraction: float = 0.05
    both_strands: bool = False
    compression: str = "gzip"

    def check(self) -> None:
        if self.bin_size <= 0 or self.window <= 0:
            raise DanqError("--bin-size and --window must be positive")
        if self.window < self.bin_size:
            raise DanqError(f"--window {self.window} is shorter than --bin-size {self.bin_size}")
        if self.background_ratio < 0:
            raise DanqError("--background-ratio must not be negative")
        if not 0 <= self.max_n_fraction <= 1:
            raise DanqError("--max-n-fraction must be between 0 and 1")


class Builder:
    """One build: holds the merged peaks, walks the chromosomes, writes the splits."""

    def __init__(
        self, genome: Genome, targets: Sequence[Target], options: BuildOptions, warn: Warn
    ) -> None:
        options.check()
        self.genome, self.targets, self.options, self.warn = genome, list(targets), options, warn
        self.chromosomes = select_chromosomes(genome, options.chroms)
        self.required, self.required_categories = required_targets(
            targets, options.require_category
        )
        loci = split_loci(options.valid, options.test)
        self.timings = dict.fromkeys(
            ("read_peaks", "positives", "read_genome", "samples", "labels", "write"), 0.0
        )
        clock = time.perf_counter()
        peaks = read_peaks(self.targets, genome, self.chromosomes, warn)
        self.peaks, self.peak_counts = peaks.merged, peaks.counts
        self.unknown_peak_rows = peaks.unknown_rows
        self.timings["read_peaks"] = time.perf_counter() - clock
        self.windows = WindowSampler(
            genome, self.chromosomes, loci, bin_size=options.bin_size, window=options.window,
            max_n_fraction=options.max_n_fraction, blacklist=options.blacklist,
            background_ratio=options.background_ratio, match_gc=options.match_gc,
        )
        self.offset = self.windows.offset
        self.kept_bins = 0  # bins positive for a required target, before the window filters
        self.chromosomes_read = 0  # chromosomes with kept bins (whose sequence was read)

    def _check_usable(self, per_split: dict[str, Any]) -> None:
        """Refuse a build whose splits are all empty, or whose windows are all N (a DanqError
        saying why): it could train nothing."""
        only_n = bool(self.windows.all_n) and len(self.windows.all_n) == self.chromosomes_read
        if only_n or not any(per_split[s]["windows"] for s in SPLITS):
            raise DanqError(f"{self.genome.path}: no usable window: {self._why_empty()}")

    def _why_empty(self) -> str:
        """Why the build has no usable window (for the one-line error)."""
        chroms = ", ".join(self.chromosomes[:5]) + (", ..." if len(self.chromosomes) > 5 else "")
        if self.kept_bins == 0:
            return (f"no bin of the chromosomes used ({chroms}) is positive for a target of "
                    f"category {', '.join(self.required_categories)} (check the peaks, --chroms "
                    "and --require-category)")
        if len(self.windows.all_n) == self.chromosomes_read:
            shown = ", ".join(self.windows.all_n[:5])
            return f"every chromosome with peaks ({shown}) holds only N bases"
        dropped = ", ".join(f"{k} {v}" for k, v in self.windows.dropped.items() if v)
        return (f"all {self.kept_bins} candidate windows were dropped ({dropped}; see "
                "--max-n-fraction, --blacklist, --valid, --test)")

    def _why_split_empty(self, split: str) -> str:
        """Why one split got no window (the others did): for the warning."""
        loci = {"valid": self.options.valid, "test": self.options.test}
        if split == "train":
            return "every usable window lies in --valid or --test"
        if not loci[split]:
            return f"--{split} names no chromosome or region"
        chroms = ", ".join(self.chromosomes[:5]) + (", ..." if len(self.chromosomes) > 5 else "")
        return (f"no usable window of the chromosomes used ({chroms}) lies inside --{split} "
                f"{loci[split]}")

    def labels(self, chrom: str, bins: np.ndarray, positives: list[np.ndarray]) -> np.ndarray:
        """``(len(bins), T)`` uint8 labels of sorted ``bins`` from each target's positive bins."""
        out = np.zeros((len(bins), len(self.targets)), dtype=np.uint8)
        for t, pos in enumerate(positives):
            if len(pos) == 0 or len(bins) == 0:
                continue
            where = np.searchsorted(bins, pos)
            hit = where < len(bins)
            hit[hit] = bins[where[hit]] == pos[hit]
            out[where[hit], t] = 1
        return out

    # ----------------------------------------------------------------------------------------------
    def run(self, outdir: Path, progress: bool = False) -> dict[str, Any]:
        """Write ``outdir/{train,valid,test}.h5`` and ``summary.json``; return the summary."""
        from danq.formats.dataset_writer import DatasetWriter

        opts = self.options
        started = time.perf_counter()
        names = [t.name for t in self.targets]
        categories = [t.category for t in self.targets]
        per_split = {
            s: {"windows": 0, "kept": 0, "background": 0,
                "positives": np.zeros(len(self.targets), dtype=np.int64)}
            for s in SPLITS
        }
        source = f"danq build-dataset: genome {self.genome.path}"
        with atomic_directory(outdir) as tmp:
            writers = {
                s: DatasetWriter(
                    tmp / f"{s}.h5", opts.window, names, categories, source=source,
                    with_pairs=opts.both_strands, with_coordinates=True,
                    compression=opts.compression,
                )
                for s in SPLITS
            }
            ok = False
            try:
                for index, chrom in enumerate(_progress(self.chromosomes, progress)):
                    self._chromosome(index, chrom, writers, per_split)
                ok = True
            finally:
                for writer in writers.values():
                    writer.close(ok=ok)
            self._check_usable(per_split)
            for s in SPLITS:
                if per_split[s]["windows"] == 0:
                    self.warn(f"the {s} split is empty: {self._why_split_empty(s)}")
            if self.windows.background_shortfall:
                self.warn(
                    f"{self.windows.background_shortfall} background bins could not be drawn (too few "
                    "eligible bins on their chromosome and split)"
                )
            summary = self._summary(per_split, time.perf_counter() - started)
            with open(tmp / "summary.json", "w") as handle:
                json.dump(summary, handle, indent=2)
                handle.write("\n")
        return summary

    def _chromosome(
        self, index: int, chrom: str, writers: dict[str, Any], per_split: dict[str, Any]
    ) -> None:
        opts = self.options
        clock = time.perf_counter()
        n_bins = self.genome.lengths[chrom] // opts.bin_size
        positives = [
            positive_bins(p[chrom], opts.bin_size, n_bins) if chrom in p else np.zeros(0, np.int64)
            for p in self.peaks
        ]
        required = [positives[i] for i in self.required]
        kept = sorted_unique(np.concatenate(required)) if required else np.zeros(0, np.int64)
        if len(kept) == 0:
            return
        self.kept_bins += len(kept)
        self.chromosomes_read += 1
        self.timings["positives"] += time.perf_counter() - clock
        clock = time.perf_counter()
        tokens = read_chromosome(self.genome, chrom)
        self.timings["read_genome"] += time.perf_counter() - clock
        clock = time.perf_counter()
        rng = np.random.default_rng([opts.seed, index])
        samples = self.windows.chromosome_samples(chrom, tokens, kept, rng)
        self.timings["samples"] += time.perf_counter() - clock
        clock = time.perf_counter()
        labels = self.labels(chrom, samples.bins, positives)
        self.timings["labels"] += time.perf_counter() - clock
        clock = time.perf_counter()
        windows = np.lib.stride_tricks.sliding_window_view(tokens, opts.window)
        for code, split in enumerate(SPLITS):
            rows = np.flatnonzero(samples.splits == code)
            stats = per_split[split]
            stats["windows"] += len(rows)
            stats["background"] += int(samples.background[rows].sum())
            stats["kept"] += int(len(rows) - samples.background[rows].sum())
            stats["positives"] += labels[rows].sum(axis=0, dtype=np.int64)
            for lo in range(0, len(rows), BLOCK_ROWS):
                block = rows[lo : lo + BLOCK_ROWS]
                starts = samples.bins[block] * opts.bin_size + self.offset
                self._write_block(
                    writers[split], chrom, np.ascontiguousarray(windows[starts]), labels[block],
                    starts,
                )
        self.timings["write"] += time.perf_counter() - clock

    def _write_block(
        self, writer: Any, chrom: str, tokens: np.ndarray, labels: np.ndarray, starts: np.ndarray
    ) -> None:
        """Append a block of windows; with both strands, then their reverse complements.

        Pairs are linked by ``strand`` (+1 / -1) and ``pair_index`` as in the imported DeepSEA
        bundle, but block by block (B forward rows, then their B reverse complements) rather than
        the bundle's all-forward-then-all-reverse halves: that layout needs a second pass over the
        written file, which cost a third of the build time.
        """
        ends = starts + self.options.window
        spans = [f"{chrom}:{s}-{e}" for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        coordinates = ([chrom] * len(starts), starts, ends)
        if not self.options.both_strands:
            writer.append(tokens, labels, [f"{s}:+" for s in spans], coordinates=coordinates)
            return
        n, first = len(starts), writer.n_rows
        forward_rows = first + np.arange(n, dtype=np.int64)
        writer.append(
            tokens, labels, [f"{s}:+" for s in spans], coordinates=coordinates,
            strand=np.ones(n, dtype=np.int8), pair_index=forward_rows + n,
        )
        writer.append(
            reverse_complement_tokens(tokens), labels, [f"{s}:-" for s in spans],
            coordinates=coordinates, strand=np.full(n, -1, dtype=np.int8), pair_index=forward_rows,
        )

    def _summary(self, per_split: dict[str, Any], seconds: float) -> dict[str, Any]:
        opts = self.options
        strands = 2 if opts.both_strands else 1
        splits = {}
        for s in SPLITS:
            stats = per_split[s]
            splits[s] = {
                "windows": stats["windows"], "samples": stats["windows"] * strands,
                "kept": stats["kept"], "background": stats["background"],
                "positives": dict(zip([t.name for t in self.targets],
                                      stats["positives"].tolist(), strict=True)),
            }
        return {
            "format": "danq-build-dataset-summary",
            "genome": str(self.genome.path),
            "chromosomes": self.chromosomes,
            "targets": [{"name": t.name, "category": t.category, "peaks": str(t.peaks)}
                        for t in self.targets],
            "options": {
                "bin_size": opts.bin_size, "window": opts.window,
                "require_category": self.required_categories,
                "background_ratio": opts.background_ratio, "match_gc": opts.match_gc,
                "seed": opts.seed, "valid": opts.valid, "test": opts.test,
                "blacklist": opts.blacklist, "max_n_fraction": opts.max_n_fraction,
                "both_strands": opts.both_strands,
            },
            "splits": splits,
            "dropped_windows": dict(self.windows.dropped),
            "background_shortfall": self.windows.background_shortfall,
            "peaks": self.peak_counts,
            "peaks_on_unknown_chromosomes": self.unknown_peak_rows,
            "seconds": round(seconds + self.timings["read_peaks"], 1),
            "seconds_by_step": {k: round(v, 2) for k, v in self.timings.items()},
        }


def _progress(items: Sequence[str], show: bool) -> Iterator[str]:
    if not show:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc="chromosomes", unit="chrom")


def check_output_folder(out: Path, inputs: Sequence[Path]) -> None:
    """Refuse an output folder that holds an input or other files: it is replaced as a whole."""
    resolved = out.resolve()
    for path in inputs:
        if resolved in path.resolve().parents:
            raise DanqError(f"{out}: the output folder holds the input {path}; choose another -o")
    if out.is_dir() and any(out.iterdir()) and not (out / "summary.json").is_file():
        raise DanqError(
            f"{out}: exists and is not an earlier build (no summary.json); the output folder is "
            "replaced as a whole, so choose a new or empty one"
        )


def build_dataset(
    genome: str | os.PathLike[str],
    targets: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    options: BuildOptions | None = None,
    *,
    warn: Warn | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Build ``outdir/{train,valid,test}.h5`` + ``summary.json`` from a genome and TARGETS.tsv.

    The output folder appears only when everything succeeded (:func:`danq.io.atomic_directory`).
    Returns the summary written to ``summary.json``.
    """
    options = options or BuildOptions()
    warn = warn or (lambda message: None)
    target_list = read_targets(targets)
    out = Path(outdir)
    inputs = [Path(genome), Path(targets), *(t.peaks for t in target_list)]
    if options.blacklist:
        inputs.append(Path(options.blacklist))
    check_output_folder(out, inputs)
    with Genome(genome) as handle:
        return Builder(handle, target_list, options, warn).run(out, progress=progress)


def read_summary(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a build's ``summary.json`` (a :class:`DanqError` when it is not one)."""
    file = require_file(path, "dataset summary")
    try:
        summary = json.loads(file.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DanqError(f"{file}: not a readable JSON file ({error})") from None
    if not isinstance(summary, dict) or summary.get("format") != "danq-build-dataset-summary":
        raise DanqError(f"{file}: not a `danq build-dataset` summary.json")
    return summary


def summary_markdown(summary: dict[str, Any]) -> list[str]:
    """Markdown lines describing a build (for ``danq report``): windows per split, drops, targets."""
    lines = ["## Dataset (danq build-dataset)", "",
             "| split | windows | kept | background | samples | targets without positives |",
             "|---|---:|---:|---:|---:|---:|"]
    for split, stats in summary["splits"].items():
        empty = sum(1 for v in stats["positives"].values() if v == 0)
        lines.append(f"| {split} | {stats['windows']} | {stats['kept']} | {stats['background']} | "
                     f"{stats['samples']} | {empty} |")
    dropped = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary["dropped_windows"].items())
    options = summary["options"]
    lines += ["", f"Targets: {len(summary['targets'])}; kept bins need a positive for "
              f"{', '.join(options['require_category'])}; valid {options['valid'] or 'none'}, "
              f"test {options['test'] or 'none'}. Dropped windows: {dropped}.", ""]
    return lines


