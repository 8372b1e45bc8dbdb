"""Sequence sources: FASTA, a danq HDF5 dataset, or BED intervals + a genome, as fitted token rows.

``danq predict``, ``danq motifs`` and the genome-based commands read their input here, so every
stage accepts the same three kinds of input and fits records to the model's length the same way
(centre-crop or N-pad, :func:`danq.encoders.fit_tokens`):

* FASTA (plain, gzip, or ``-`` for stdin): one row per record, named by the header's first word;
* a danq HDF5 dataset (recognised by content): its rows and names;
* BED (``.bed`` / ``.bed.gz``, needs ``genome=``): the window of the model's length centred on each
  interval, fetched from the genome (N past chromosome ends), named ``chrom:start-end`` or by the
  BED name column.
"""

from __future__ import annotations

import gzip
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from danq.encoders import fit_tokens
from danq.errors import DanqError
from danq.io import open_text

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
BED_SUFFIXES = (".bed", ".bed.gz", ".narrowpeak", ".narrowpeak.gz", ".broadpeak", ".broadpeak.gz")


@dataclass
class SequenceBatch:
    """A batch of named token rows, fitted to one length."""

    names: list[str]
    tokens: np.ndarray  # (B, L) uint8


def is_hdf5(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an HDF5 file (by its signature, not its name)."""
    if str(path) == "-":
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(8) == HDF5_MAGIC
    except OSError:
        return False


def is_bed(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is named like a BED/narrowPeak/broadPeak file."""
    return str(path).lower().endswith(BED_SUFFIXES)


def fitted_batches(
    records: Iterable[tuple[str, np.ndarray]], length: int, batch_size: int, counts: dict[str, int]
) -> Iterator[SequenceBatch]:
    """Group ``(name, tokens)`` records into batches fitted to ``length``.

    ``counts`` gets ``n_sequences`` and ``n_adjusted`` (records centre-cropped or N-padded).
    """
    buffer = np.empty((batch_size, length), dtype=np.uint8)
    names: list[str] = []
    counts.setdefault("n_sequences", 0)
    counts.setdefault("n_adjusted", 0)
    for name, tokens in records:
        if tokens.shape[0] != length:
            tokens = fit_tokens(tokens, length)
            counts["n_adjusted"] += 1
        buffer[len(names)] = tokens
        names.append(name)
        counts["n_sequences"] += 1
        if len(names) == batch_size:
            yield SequenceBatch(names, buffer.copy())
            names = []
    if names:
        yield SequenceBatch(names, buffer[: len(names)].copy())


# --------------------------------------------------------------------------------------------------
# Record sources
# --------------------------------------------------------------------------------------------------


def dataset_records(path: str | os.PathLike[str]) -> Iterator[tuple[str, np.ndarray]]:
    """``(name, tokens)`` of every row of a danq HDF5 dataset, read chunk by chunk."""
    from danq.formats.dataset import open_dataset

    with open_dataset(path) as ds:
        step = max(1, int(ds.chunk_rows))
        for lo in range(0, len(ds), step):
            hi = min(lo + step, len(ds))
            yield from zip(ds.names(lo, hi), ds.tokens(lo, hi), strict=True)


def read_bed_intervals(path: str | os.PathLike[str]) -> Iterator[tuple[str, int, int, str | None]]:
    """``(chrom, start, end, name)`` of each BED line; header, ``track`` and ``browser`` lines and
    comments are skipped, and a malformed line is a one-line error naming its line number."""
    for _, chrom, start, end, name in _bed_lines(path):
        yield chrom, start, end, name


def _bed_lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, str, int, int, str | None]]:
    """:func:`read_bed_intervals` with each interval's line number first."""
    p = Path(path)
    try:
        with open_text(p) as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                fields = line.rstrip("\r\n").split("\t")
                if len(fields) < 3:
                    fields = line.split()
                try:
                    chrom, start, end = fields[0], int(fields[1]), int(fields[2])
                except (IndexError, ValueError):
                    if number == 1 and _column_names(fields):  # a header (``chrom start end``)
                        continue
                    raise DanqError(f"{p}: line {number}: expected chrom, start, end") from None
                if start < 0 or end < start:
                    raise DanqError(f"{p}: line {number}: interval {start}-{end} is invalid")
                name = fields[3] if len(fields) > 3 and fields[3] not in ("", ".") else None
                yield number, chrom, start, end, name
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise DanqError(f"{p}: cannot read BED file: {error}") from None


def _column_names(fields: list[str]) -> bool:
    """Whether a first BED line names its columns: start and end hold no digit. ``chr1 100.5 300``
    is a malformed interval (an error naming the line), not a header to skip."""
    return len(fields) >= 3 and not any(ch.isdigit() for ch in fields[1] + fields[2])


def bed_records(
    path: str | os.PathLike[str], genome: Any, length: int
) -> Iterator[tuple[str, np.ndarray]]:
    """``(name, tokens)`` of the ``length``-bp window centred on each BED interval of ``genome``.

    An interval on a chromosome the genome lacks, or starting at or past its chromosome's end, is a
    one-line error naming the BED line: its window would be all N, and scoring it (exit 0) would
    hide a BED file of another assembly. (``variant-effect`` skips such variants with a reason in
    ``skipped.tsv``; ``predict`` has no such table and writes one row per input line, so it
    refuses.) An interval that only runs partly past the end is N-padded, as near any chromosome
    end.
    """
    for number, chrom, start, end, name in _bed_lines(path):
        resolved = genome.resolve(chrom)
        if resolved is None:
            raise DanqError(f"{path}: line {number}: chromosome {chrom!r} is not in {genome.path}")
        size = genome.lengths[resolved]
        if start >= size:
            raise DanqError(
                f"{path}: line {number}: interval {chrom}:{start}-{end} lies past the end of "
                f"{resolved} ({size} bp in {genome.path}); another assembly?"
            )
        centre = (start + end) // 2
        lo = centre - length // 2
        yield name or f"{chrom}:{start}-{end}", genome.fetch_tokens(resolved, lo, lo + length)


def sequence_batches(
    path: str | os.PathLike[str],
    length: int,
    batch_size: int,
    counts: dict[str, int],
    *,
    genome: Any = None,
) -> Iterator[SequenceBatch]:
    """Fitted batches from FASTA, a danq HDF5 dataset or BED + ``genome`` (see the module doc)."""
    from danq.sequence.fasta import read_fasta_tokens

    if is_hdf5(path):
        records: Iterable[tuple[str, np.ndarray]] = dataset_records(path)
    elif is_bed(path):
        if genome is None:
            raise DanqError(f"{path}: a BED file needs --genome to read its sequences from")
        records = bed_records(path, genome, length)
    else:
        records = read_fasta_tokens(path)
    return fitted_batches(records, length, batch_size, counts)


# --------------------------------------------------------------------------------------------------
# Sampling sequences to scan (motifs)
# --------------------------------------------------------------------------------------------------


def _target_column(ds: Any, target: str, where: str) -> int:
    if not ds.has_labels:
        raise DanqError(f"{where}: --positives-of {target}: the dataset has no labels")
    if target in ds.target_names:
        return ds.target_names.index(target)
    if target.isdigit() and int(target) < ds.n_targets:
        return int(target)
    raise DanqError(f"{where}: --positives-of {target}: no such target (name or 0-based index)")


def sample_dataset_tokens(
    path: str | os.PathLike[str],
    max_sequences: int,
    *,
    positives_of: str | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Up to ``max_sequences`` token rows ``(N, L)`` from a danq HDF5 dataset.

    Whole storage chunks are read in a seeded random order until enough rows are collected,
    so a large file is sampled across its length (not only its first, say, chromosome 1
    windows) while every read stays chunk-aligned. ``positives_of`` (a target name or index)
    keeps only the rows labelled 1 for that target, as the DanQ paper scanned positives.
    """
    from danq.formats.dataset import open_dataset

    where = str(path)
    with open_dataset(path) as ds:
        n = len(ds)
        if n == 0:
            raise DanqError(f"{where}: the dataset holds no sequences")
        column = _target_column(ds, positives_of, where) if positives_of is not None else None
        chunk = max(1, int(ds.chunk_rows))
        blocks = np.random.default_rng(seed).permutation(math.ceil(n / chunk))
        if max_sequences >= n and column is None:
            blocks = np.sort(blocks)
        kept: list[np.ndarray] = []
        total = 0
        for block in blocks:
            start, stop = int(block) * chunk, min(n, (int(block) + 1) * chunk)
            tokens = ds.tokens(start, stop)
            if column is not None:
                tokens = tokens[ds.labels(start, stop)[:, column] > 0]
            tokens = tokens[: max_sequences - total]
            kept.append(tokens)
            total += len(tokens)
            if total >= max_sequences:
                break
    if total == 0:
        raise DanqError(f"{where}: no sequence is positive for target {positives_of}")
    return np.concatenate(kept)


def sample_tokens(
    path: str | os.PathLike[str],
    *,
    sequence_length: int,
    min_length: int,
    max_sequences: int,
    positives_of: str | None = None,
    seed: int = 0,
    genome: Any = None,
) -> np.ndarray:
    """Tokens ``(N, L)`` to scan: a seeded sample of a danq HDF5 dataset, or the first
    ``max_sequences`` records of a FASTA file / ``-`` / BED + genome, fitted to the model's length.

    A record shorter than ``min_length`` (e.g. the first-layer kernel) cannot hold a site and is an
    error.
    """
    if max_sequences < 1:
        raise DanqError(f"--max-sequences {max_sequences}: must be at least 1")
    p = Path(path)
    if str(path) != "-" and not p.is_file():
        raise DanqError(f"{p}: sequence file does not exist")
    if is_hdf5(p):
        tokens = sample_dataset_tokens(p, max_sequences, positives_of=positives_of, seed=seed)
    else:
        if positives_of is not None:
            raise DanqError(f"{p}: --positives-of needs a labelled danq HDF5 dataset")
        where = "<stdin>" if str(path) == "-" else str(path)
        rows: list[np.ndarray] = []
        if is_bed(p):
            if genome is None:
                raise DanqError(f"{p}: a BED file needs --genome to read its sequences from")
            records: Iterable[tuple[str, np.ndarray]] = bed_records(p, genome, sequence_length)
        else:
            from danq.sequence.fasta import read_fasta_tokens

            records = read_fasta_tokens(path)
        for name, record in records:
            if record.size < min_length:
                raise DanqError(
                    f"{where}: record '{name}' is {record.size} bp, shorter than the model's "
                    f"first-layer kernel ({min_length} bp)"
                )
            rows.append(fit_tokens(record, sequence_length))
            if len(rows) >= max_sequences:
                break
        if not rows:
            raise DanqError(f"{where}: no sequences to scan")
        tokens = np.stack(rows)
    if tokens.shape[1] < min_length:
        raise DanqError(
            f"{p}: sequences are {tokens.shape[1]} bp, shorter than the model's first-layer "
            f"kernel ({min_length} bp)"
        )
    return tokens
