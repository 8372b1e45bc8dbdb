"""FASTA (+ labels TSV) -> danq HDF5 dataset: the `danq encode` stage."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from danq.encoders import fit_tokens
from danq.errors import DanqError
from danq.formats.dataset_writer import DatasetWriter, default_chunk_rows
from danq.io import require_file, utf8_text
from danq.runtime import resolve_progress
from danq.sequence.fasta import read_fasta_tokens


@dataclass
class LabelTable:
    """Labels read from a TSV: ``name`` column plus one 0/1 column per target."""

    target_names: list[str]
    row_of: dict[str, int]
    values: np.ndarray  # (n_rows, T) uint8


def read_labels(path: str | os.PathLike[str]) -> LabelTable:
    """Read and validate a labels TSV (header ``name<TAB>target...``; values 0 or 1).

    Raises
    ------
    DanqError
        Missing file, a header not starting with ``name``, duplicate names or targets, a row with the
        wrong number of fields, or a value other than 0/1 (naming the row and the column).
    """
    p = require_file(path, "labels file")
    with utf8_text(p, "labels file", newline="") as handle:
        header = handle.readline().rstrip("\r\n").split("\t")
        if not header or header[0].strip().lower() != "name":
            raise DanqError(f"{p}: first column of the header must be 'name', got {header[0]!r}")
        targets = [t.strip() for t in header[1:]]
        if not targets:
            raise DanqError(f"{p}: no target columns after 'name'")
        if len(set(targets)) != len(targets):
            raise DanqError(f"{p}: duplicate target names in the header")
        names: list[str] = []
        rows: list[str] = []
        for line in handle:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            name, _, rest = line.partition("\t")
            names.append(name.strip())
            rows.append(rest)
    n_targets = len(targets)
    values = np.empty((len(rows), n_targets), dtype=np.uint8)
    for i, rest in enumerate(rows):
        fields = rest.split("\t")
        if len(fields) != n_targets:
            raise DanqError(
                f"{p}: row '{names[i]}' has {len(fields)} labels, the header names {n_targets} targets"
            )
        row = np.asarray(fields)
        ok = (row == "0") | (row == "1")
        if not ok.all():
            j = int(np.flatnonzero(~ok)[0])
            raise DanqError(
                f"{p}: row '{names[i]}', target '{targets[j]}': label {fields[j]!r} is not 0 or 1"
            )
        values[i] = row == "1"
    row_of: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in row_of:
            raise DanqError(f"{p}: name '{name}' appears twice")
        row_of[name] = i
    return LabelTable(targets, row_of, values)


def read_categories(path: str | os.PathLike[str], target_names: list[str]) -> list[str]:
    """Read a two-column TSV ``target<TAB>category`` and return a category per target ('' if absent)."""
    p = require_file(path, "categories file")
    category: dict[str, str] = {}
    with utf8_text(p, "categories file") as handle:
        for line in handle:
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) >= 2 and fields[0] not in ("target", "name"):
                category[fields[0]] = fields[1]
    unknown = set(category) - set(target_names)
    if unknown:
        raise DanqError(f"{p}: categories for unknown targets, e.g. '{sorted(unknown)[0]}'")
    return [category.get(t, "") for t in target_names]


def encode_fasta(
    fasta: str | os.PathLike[str],
    output: str | os.PathLike[str],
    labels: str | os.PathLike[str] | None = None,
    *,
    length: int | None = None,
    categories: str | os.PathLike[str] | None = None,
    source: str | None = None,
    batch_rows: int | None = None,
    compression: str = "gzip",
    progress: bool | None = None,
) -> dict[str, int]:
    """Encode a FASTA file (and optionally its labels) into a danq dataset at ``output``.

    Without ``length`` every record must have the first record's length; with it, records are
    centre-cropped or N-padded to ``length``. Returns counts: ``n_sequences``, ``n_targets``,
    ``n_adjusted`` (records whose length was changed), ``sequence_length``.
    """
    table = read_labels(labels) if labels is not None else None
    target_names = table.target_names if table else []
    target_categories = read_categories(categories, target_names) if categories else None
    if length is not None and length <= 0:
        raise DanqError(f"--length must be positive, got {length}")
    show = resolve_progress(progress)
    records = read_fasta_tokens(fasta)
    try:
        first_name, first_tokens = next(records)
    except StopIteration:  # pragma: no cover - read_fasta_tokens raises on empty input
        raise DanqError(f"{fasta}: no FASTA records") from None
    seq_len = int(length or first_tokens.shape[0])
    rows = batch_rows or default_chunk_rows(seq_len)
    seen: set[str] = set()
    n_adjusted = 0
    n = 0
    buf_tok = np.empty((rows, seq_len), dtype=np.uint8)
    buf_lab = np.empty((rows, len(target_names)), dtype=np.uint8)
    buf_names: list[str] = []

    def records_with_first():
        yield first_name, first_tokens
        yield from records

    with DatasetWriter(
        output, seq_len, target_names, target_categories,
        source=source or f"danq encode {Path(str(fasta)).name}", has_labels=table is not None,
        chunk_rows=rows, compression=compression,
    ) as writer, tqdm(
        desc="encode", unit=" seq", disable=not show, file=sys.stderr, mininterval=1
    ) as bar:
        for name, tokens in records_with_first():
            if tokens.shape[0] != seq_len:
                if length is None:
                    raise DanqError(
                        f"{fasta}: record '{name}' has length {tokens.shape[0]}, the first record "
                        f"{seq_len}; pass --length to crop/pad every record to one length"
                    )
                tokens = fit_tokens(tokens, seq_len)
                n_adjusted += 1
            k = len(buf_names)
            buf_tok[k] = tokens
            if table is not None:
                if name in seen:
                    raise DanqError(f"{fasta}: record name '{name}' appears twice")
                seen.add(name)
                row = table.row_of.get(name)
                if row is None:
                    raise DanqError(f"{fasta}: record '{name}' has no row in {labels}")
                buf_lab[k] = table.values[row]
            buf_names.append(name)
            if len(buf_names) == rows:
                writer.append(buf_tok, buf_lab if table else None, buf_names)
                n += rows
                bar.update(rows)
                buf_names = []
        if buf_names:
            k = len(buf_names)
            writer.append(buf_tok[:k], buf_lab[:k] if table else None, buf_names)
            n += k
            bar.update(k)
        if table is not None and len(seen) != len(table.row_of):
            missing = [nm for nm in table.row_of if nm not in seen]
            raise DanqError(
                f"{labels}: {len(missing)} labelled names have no FASTA record in {fasta}, "
                f"e.g. '{missing[0]}'"
            )
    return {
        "n_sequences": n,
        "n_targets": len(target_names),
        "n_adjusted": n_adjusted,
        "sequence_length": seq_len,
    }
