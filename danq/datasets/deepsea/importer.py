"""`danq import-deepsea`: every requested split of the bundle -> ``OUTDIR/<split>.h5``, checked, atomically.

Pairs: a few evenly spaced pairs are checked exactly before anything is written (an error if the second
half is not the reverse complement of the first: a wrong layout), and every pair is then checked with a
64-bit hash while streaming (mismatches are counted and reported as a warning).

Targets: names come from ``--names`` (one per line, e.g. ``8988T|DNase|None``; repeated names get a
``#2``, ``#3`` suffix because danq needs unique names) or are ``t000``, ``t001``, ... Categories: with 919
targets, DeepSEA's index ranges (0-124 DNase, 125-814 TF, 815-918 histone); with another count and a names
file of ``cell|factor|treatment`` lines, from the factor (``DNase``; histone marks ``H2A*``, ``H2B*``,
``H3*``, ``H4*``; else ``TF``); otherwise '' (with a warning). See :mod:`danq.formats.targets`.

Samples are named ``<split>:<window>:+`` and ``<split>:<window>:-`` (window = index in the first half).

Order: the bundle lists windows in genome order with all reverse complements in the second half, and the
training loader mixes only a few contiguous HDF5 chunks per batch (:mod:`danq.training.batches`), so a
batch would hold neighbouring windows of one chromosome and one strand. The training split is therefore
permuted once, seeded (``shuffle_seed``, default 1337), while importing: every row keeps its name, strand
and labels, and ``pair_index`` points at its partner's new row. The permutation is an external shuffle
(:class:`RowShuffler`: rows go to bucket files on disk by their new position, then each bucket is put in
order), so memory stays bounded; it needs temporary disk about the size of the uncompressed rows. The
validation and test splits keep the bundle's order.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from danq.datasets.deepsea.mat import SplitSource, open_split
from danq.datasets.deepsea.onehot import row_hashes
from danq.datasets.splits import SPLITS
from danq.encoders import reverse_complement_tokens
from danq.errors import DanqError
from danq.formats.dataset_writer import DatasetWriter, default_chunk_rows
from danq.formats.targets import (
    DEEPSEA_N_TARGETS,
    category_from_name,
    deepsea_categories,
    read_target_names,
    unique_names,
)
from danq.io import atomic_directory
from danq.runtime import resolve_progress

BLOCK_BYTES = 64 << 20  # raw one-hot bytes read per block (the conversion needs a few times this)
PAIRS_CHECKED_EXACTLY = 8
#: Seed of the one-off permutation of the training rows (DanQ's published seed).
DEFAULT_SHUFFLE_SEED = 1337
#: Splits permuted at import by default.
SHUFFLED_SPLITS = ("train",)


class RowShuffler:
    """Put rows at seeded random positions with bounded memory: an external (bucket) shuffle.

    Source row ``i`` goes to output row ``position[i]``; :meth:`add` appends rows to the bucket
    file of their output range, :meth:`buckets` yields each bucket's rows in output order.
    """

    def __init__(self, n: int, seed: int, bucket_rows: int, workdir: Path) -> None:
        order = np.random.default_rng(seed).permutation(n)  # output row j holds source row order[j]
        self.position = np.empty(n, dtype=np.int64)
        self.position[order] = np.arange(n)
        self.bucket_rows = max(1, bucket_rows)
        self.paths = [workdir / f"bucket{b:06d}.bin" for b in range(-(-n // self.bucket_rows))]
        self.dtype: np.dtype | None = None

    def add(self, tokens: np.ndarray, labels: np.ndarray, idx: np.ndarray) -> None:
        """Append source rows ``idx`` (with their tokens and labels) to their buckets."""
        if self.dtype is None:
            self.dtype = np.dtype([
                ("idx", np.int64), ("tokens", tokens.dtype, tokens.shape[1:]),
                ("labels", labels.dtype, labels.shape[1:]),
            ])
        records = np.empty(len(idx), dtype=self.dtype)
        records["idx"], records["tokens"], records["labels"] = idx, tokens, labels
        bucket = self.position[idx] // self.bucket_rows
        order = np.argsort(bucket, kind="stable")
        records, bucket = records[order], bucket[order]
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        for lo, hi in zip(starts, np.r_[starts[1:], len(bucket)], strict=True):
            with open(self.paths[bucket[lo]], "ab") as handle:
                records[lo:hi].tofile(handle)

    def buckets(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """``(source idx, tokens, labels)`` per bucket, rows in output order; each file removed after."""
        for path in self.paths:
            records = np.fromfile(path, dtype=self.dtype)
            path.unlink()
            records = records[np.argsort(self.position[records["idx"]])]
            yield records["idx"], records["tokens"], records["labels"]


def deepsea_targets(
    n_targets: int, names_file: str | os.PathLike[str] | None, warn: Callable[[str], None]
) -> tuple[list[str], list[str]]:
    """Target names and categories for ``n_targets`` targets (see the module docstring)."""
    if names_file is not None:
        raw = read_target_names(names_file)
        if len(raw) != n_targets:
            raise DanqError(f"{names_file}: {len(raw)} names, the bundle has {n_targets} targets")
        names = unique_names(raw)
    else:
        raw = []
        width = max(3, len(str(n_targets - 1)))
        names = [f"t{i:0{width}d}" for i in range(n_targets)]
    if n_targets == DEEPSEA_N_TARGETS:
        return names, deepsea_categories()
    derived = [category_from_name(n) for n in raw]
    if raw and all(derived):
        return names, derived
    warn(
        f"{n_targets} targets, not DeepSEA's {DEEPSEA_N_TARGETS}: target categories left empty "
        "(give --names with cell|factor|treatment lines to derive them)"
    )
    return names, [""] * n_targets



def check_pairs_sample(source: SplitSource, count: int = PAIRS_CHECKED_EXACTLY) -> None:
    """Check exactly that a few evenly spaced second-half samples are the reverse complements of theirs.

    Raises
    ------
    DanqError
        ``wrong layout`` when a pair does not match.
    """
    half = source.n // 2
    for i in np.unique(np.linspace(0, half - 1, num=min(count, half)).astype(np.int64)):
        i = int(i)
        forward = source.tokens(i, i + 1)
        reverse = source.tokens(half + i, half + i + 1)
        if not np.array_equal(reverse_complement_tokens(forward), reverse):
            raise DanqError(
                f"{source.path}: wrong layout: sample {half + i} is not the reverse complement of "
                f"sample {i} (expected N/2 forward sequences, then their reverse complements in the "
                "same order)"
            )


def default_block(source: SplitSource, writer_rows: int) -> int:
    """Samples per read block: about ``BLOCK_BYTES`` of one-hot, in whole chunks of the source file
    along the sample axis (so each compressed chunk is inflated once), else in whole output chunks."""
    per_sample = 4 * source.length * source.x_itemsize
    unit = source.sample_chunk if source.sample_chunk > 1 else writer_rows
    if unit * per_sample > 4 * BLOCK_BYTES:  # huge source chunks: accept partial-chunk reads
        unit = writer_rows
    block = max(unit, BLOCK_BYTES // per_sample // unit * unit)
    return min(block, source.n)


def sample_names(split: str, idx: np.ndarray, half: int) -> list[str]:
    """``<split>:<window>:+`` for the forward half, ``<split>:<window>:-`` for the reverse half."""
    return [f"{split}:{i}:+" if i < half else f"{split}:{i - half}:-" for i in idx.tolist()]


def append_rows(
    writer: DatasetWriter, split: str, half: int, tokens: np.ndarray, labels: np.ndarray,
    idx: np.ndarray, position: np.ndarray | None = None,
) -> None:
    """Append source rows ``idx``: names and strands from their source index, ``pair_index`` the
    partner's output row (``position`` maps source to output rows when the rows were permuted)."""
    strand = np.where(idx < half, 1, -1).astype(np.int8)
    pair = np.where(idx < half, idx + half, idx - half)
    if position is not None:
        pair = position[pair]
    writer.append(tokens, labels, sample_names(split, idx, half), strand, pair)


def import_split(
    source: SplitSource,
    split: str,
    output: Path,
    target_names: list[str],
    categories: list[str],
    *,
    chunk_samples: int | None = None,
    show: bool = False,
    warn: Callable[[str], None] = warnings.warn,
    shuffle_seed: int | None = None,
) -> dict[str, Any]:
    """Stream one opened bundle file into a danq dataset at ``output``; return a summary dict.

    ``shuffle_seed``: permute the rows once with this seed (:class:`RowShuffler`); None keeps the
    bundle's order.
    """
    start = time.perf_counter()
    n, half = source.n, source.n // 2
    rows = default_chunk_rows(source.length)
    block = chunk_samples or default_block(source, rows)
    with tempfile.TemporaryDirectory(prefix=f".{split}.", dir=output.parent) as work:
        source.prepare(Path(work), show)
        check_pairs_sample(source)
        shuffler = None if shuffle_seed is None else RowShuffler(n, shuffle_seed, block, Path(work))
        forward_hash = np.zeros(half, dtype=np.uint64)
        mismatches, first_bad = 0, -1
        with DatasetWriter(
            output, source.length, target_names, categories,
            source=f"DeepSEA bundle {source.path.name} (MATLAB {source.kind})", with_pairs=True,
            chunk_rows=rows,
        ) as writer, tqdm(
            total=n, desc=f"import {split}", unit=" seq", unit_scale=True, disable=not show,
            file=sys.stderr, mininterval=1,
        ) as bar:
            for lo in range(0, n, block):
                hi = min(lo + block, n)
                tokens, labels = source.tokens(lo, hi), source.labels(lo, hi)
                idx = np.arange(lo, hi)
                k = max(0, min(hi, half) - lo)  # rows of this block in the forward half
                if k:
                    forward_hash[lo : lo + k] = row_hashes(reverse_complement_tokens(tokens[:k]))
                if k < hi - lo:
                    bad = np.flatnonzero(row_hashes(tokens[k:]) != forward_hash[idx[k:] - half])
                    if bad.size and first_bad < 0:
                        first_bad = int(idx[k + bad[0]])
                    mismatches += int(bad.size)
                if shuffler is None:
                    append_rows(writer, split, half, tokens, labels, idx)
                else:
                    shuffler.add(tokens, labels, idx)
                bar.update(hi - lo)
            if shuffler is not None:
                for idx, tokens, labels in shuffler.buckets():
                    append_rows(writer, split, half, tokens, labels, idx, shuffler.position)
    if mismatches:
        warn(
            f"{source.path}: {mismatches} of {half} second-half samples are not the reverse complement "
            f"of their first-half partner (first: sample {first_bad}); pair_index still links i and "
            "i + N/2"
        )
    seconds = time.perf_counter() - start
    return {
        "split": split, "input": str(source.path), "output": str(output), "format": source.kind,
        "n_samples": n, "sequence_length": source.length, "n_targets": source.n_targets,
        "pair_mismatches": mismatches, "seconds": seconds, "shuffle_seed": shuffle_seed,
    }


def import_deepsea(
    deepsea_dir: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    names: str | os.PathLike[str] | None = None,
    chunk_samples: int | None = None,
    splits: Sequence[str] = SPLITS,
    progress: bool | None = None,
    warn: Callable[[str], None] | None = None,
    shuffle_seed: int | None = DEFAULT_SHUFFLE_SEED,
) -> list[dict[str, Any]]:
    """Convert ``DEEPSEA_DIR/{train,valid,test}.mat`` into ``OUTDIR/{train,valid,test}.h5``.

    All requested files are opened and checked (shapes, matching target counts and sequence lengths)
    before anything is written; each output appears atomically. Returns one summary dict per split.

    Parameters
    ----------
    deepsea_dir
        Folder holding the bundle's ``.mat`` files (``deepsea_train/``).
    outdir
        Output folder (created if needed).
    names
        Optional target names file, one per line; must list as many names as the bundle has targets.
    chunk_samples
        Samples read and converted per block (default: about 64 MiB of one-hot, aligned to chunks).
    splits
        Which of train, valid, test to convert.
    progress
        Progress bars on stderr (default: when stderr is a terminal).
    warn
        Called with warning messages (default :func:`warnings.warn`).
    shuffle_seed
        Seed of the one-off permutation of the training rows (see the module docstring); None keeps
        the bundle's genome order.
    """
    warn = warn or (lambda message: warnings.warn(message, stacklevel=3))
    folder = Path(deepsea_dir)
    if not folder.is_dir():
        raise DanqError(f"{folder}: DeepSEA bundle folder does not exist")
    unknown = [s for s in splits if s not in SPLITS]
    if unknown or not splits:
        raise DanqError(f"unknown split {unknown[0] if unknown else '(none)'}; choose from {SPLITS}")
    if chunk_samples is not None and chunk_samples <= 0:
        raise DanqError(f"--chunk-samples must be positive, got {chunk_samples}")
    show = resolve_progress(progress)
    sources: list[SplitSource] = []
    try:
        for split in splits:
            sources.append(open_split(folder / f"{split}.mat", split))
        first = sources[0]
        for other in sources[1:]:
            if other.n_targets != first.n_targets:
                raise DanqError(
                    f"{other.path}: {other.n_targets} targets, {first.path.name} has {first.n_targets}"
                )
            if other.length != first.length:
                raise DanqError(
                    f"{other.path}: sequences of {other.length} bp, {first.path.name} has {first.length}"
                )
        target_names, categories = deepsea_targets(first.n_targets, names, warn)
        out = Path(outdir)
        written = [f"{split}.h5" for split in splits]
        # the splits are published together, so a failure in a later split never leaves a new
        # train.h5 next to an older import's valid.h5 (other files in the folder are left alone)
        with atomic_directory(out) as tmp:
            summaries = [
                import_split(
                    source, split, tmp / f"{split}.h5", target_names, categories,
                    chunk_samples=chunk_samples, show=show, warn=warn,
                    shuffle_seed=shuffle_seed if split in SHUFFLED_SPLITS else None,
                )
                for split, source in zip(splits, sources, strict=True)
            ]
        for summary, name in zip(summaries, written, strict=True):
            summary["output"] = str(out / name)
        return summaries
    finally:
        for source in sources:
            source.close()
