"""The ``danq variant-effect`` output directory: its writers (streamed, batch by batch) and the
reader of its HDF5 file.

Output directory (``danq variant-effect``; written atomically, streamed in batches)::

    <score>.tsv          chrom, pos, id, ref, alt, ref_match, then one column per target
    pvalue.tsv           the same layout, empirical p-values (only with a background)
    significance.tsv     chrom, pos, id, ref, alt, ref_match, min_p, min_p_bonferroni, best_target
    skipped.tsv          chrom, pos, id, ref, alt, reason: every input variant not scored
    variant_effects.h5   /variants/{index,chrom,pos,id,ref,alt,strand,ref_match,padded}
                         /scores/<score> (N, T) float32, /pvalues (N, T), /min_p, /min_p_bonferroni,
                         /background_abs_<statistic> (Nb, T: the background's sorted |logit_diff|
                         or |deepsea_effect|), /target_names, /target_categories,
                         /target_indices (into the model's outputs); attrs: format, settings

The HDF5 file is written through the disk-full guard (:class:`danq.io.hdf5.AppendableH5`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from danq.errors import DanqError
from danq.io import h5_writes, require_file
from danq.io.hdf5 import AppendableH5, open_h5, read_strings
from danq.variants.batches import ScoredBatch
from danq.variants.reading import Skipped
from danq.variants.significance import summarize_pvalues

PathLike = str | os.PathLike[str]

RESULTS_FORMAT = "danq-variant-effects"
RESULTS_FORMAT_VERSION = 1
VARIANT_COLUMNS = ("chrom", "pos", "id", "ref", "alt", "ref_match")
SKIPPED_COLUMNS = ("chrom", "pos", "id", "ref", "alt", "reason")


def _field(value: Any) -> str:
    return str(value).replace("\t", " ").replace("\n", " ")


def format_values(values: np.ndarray) -> np.ndarray:
    """``'%.4g'`` text of every value (signed), as an object array; vectorised for speed."""
    from danq.formats.predictions import format_probabilities

    v = np.asarray(values, dtype=np.float64)
    negative = v < 0
    out = format_probabilities(np.abs(v))
    if negative.any():
        out[negative] = ["-" + s for s in out[negative].tolist()]
    return out



class EffectWriter:
    """Stream scored batches into ``<score>.tsv`` files, ``skipped.tsv`` and the HDF5 file."""

    def __init__(self, folder: Path, scores: Sequence[str], target_names: Sequence[str],
                 target_categories: Sequence[str], target_index: np.ndarray, *,
                 with_pvalues: bool, attrs: dict[str, Any], chunk_rows: int = 256) -> None:
        self._tsv: dict[str, IO[str]] = {}
        self._significance: IO[str] | None = None
        self._skipped: IO[str] | None = None
        self._h5: AppendableH5 | None = None
        self.n_rows = 0
        self.n_skipped = 0
        try:
            self._open(folder, scores, target_names, target_categories, target_index,
                       with_pvalues=with_pvalues, attrs=attrs, chunk_rows=chunk_rows)
        except BaseException:
            with contextlib.suppress(Exception):  # the first error is the one to report
                self.close()
            raise

    def _open(self, folder: Path, scores: Sequence[str], target_names: Sequence[str],
              target_categories: Sequence[str], target_index: np.ndarray, *,
              with_pvalues: bool, attrs: dict[str, Any], chunk_rows: int) -> None:
        import h5py

        self.scores = list(scores)
        self.with_pvalues = with_pvalues
        self.target_names = list(target_names)
        header = "\t".join([*VARIANT_COLUMNS, *map(_field, target_names)]) + "\n"
        for name in [*self.scores, *(["pvalue"] if with_pvalues else [])]:
            handle = open(folder / f"{name}.tsv", "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            handle.write(header)
            self._tsv[name] = handle
        if with_pvalues:
            self._significance = open(folder / "significance.tsv", "w", encoding="utf-8",  # noqa: SIM115
                                      newline="\n")
            self._significance.write("\t".join([*VARIANT_COLUMNS, "min_p", "min_p_bonferroni",
                                                "best_target"]) + "\n")
        self._skipped = open(folder / "skipped.tsv", "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        self._skipped.write("\t".join(SKIPPED_COLUMNS) + "\n")

        self._h5 = AppendableH5(folder / "variant_effects.h5")
        h5 = self._h5
        f = h5.file
        strings = h5py.string_dtype()
        with h5_writes(f):  # a full disk becomes a one-line error after this block
            f.attrs.update(format=RESULTS_FORMAT, format_version=RESULTS_FORMAT_VERSION, **attrs)
            f.create_dataset("target_names", data=np.asarray(self.target_names, dtype=object),
                             dtype=strings)
            f.create_dataset("target_categories",
                             data=np.asarray(list(target_categories), dtype=object), dtype=strings)
            f.create_dataset("target_indices", data=np.asarray(target_index, dtype=np.int64))
        rows = max(1, chunk_rows)
        compress = {"compression": "gzip", "compression_opts": 1, "shuffle": True}
        matrices = [f"scores/{s}" for s in self.scores] + (["pvalues"] if with_pvalues else [])
        for key in matrices:
            h5.add(key, (len(self.target_names),), np.float32, chunk_rows=rows, **compress)
        columns: dict[str, Any] = {
            "index": np.int64, "chrom": strings, "pos": np.int64, "id": strings, "ref": strings,
            "alt": strings, "strand": strings, "ref_match": np.bool_, "padded": np.int32,
        }
        if with_pvalues:
            columns.update(min_p=np.float32, min_p_bonferroni=np.float32)
        for key, dtype in columns.items():
            h5.add(f"variants/{key}", (), dtype, chunk_rows=rows * 4)

    def add_skipped(self, item: Skipped) -> None:
        assert self._skipped is not None
        v = item.variant
        self._skipped.write("\t".join(_field(x) for x in (v.chrom, v.pos, v.id, v.ref, v.alt,
                                                          item.reason)) + "\n")
        self.n_skipped += 1

    def add_batch(self, batch: ScoredBatch, values: dict[str, np.ndarray],
                  pvalues: np.ndarray | None = None) -> None:
        assert self._h5 is not None
        variants = batch.variants
        prefixes = [
            "\t".join(_field(x) for x in (v.chrom, v.pos, v.id, v.ref, v.alt, bool(m)))
            for v, m in zip(variants, batch.ref_match, strict=True)
        ]
        for name in self.scores:
            self._write_rows(self._tsv[name], prefixes, values[name])
        table: dict[str, Any] = {f"scores/{name}": values[name] for name in self.scores}
        table.update({
            "variants/index": [v.index for v in variants],
            "variants/chrom": [v.chrom for v in variants],
            "variants/pos": [v.pos for v in variants], "variants/id": [v.id for v in variants],
            "variants/ref": [v.ref for v in variants], "variants/alt": [v.alt for v in variants],
            "variants/strand": [v.strand for v in variants], "variants/ref_match": batch.ref_match,
            "variants/padded": batch.padded,
        })
        if pvalues is not None and self.with_pvalues:
            self._write_rows(self._tsv["pvalue"], prefixes, pvalues)
            min_p, bonferroni, best = summarize_pvalues(pvalues)
            table.update({"pvalues": pvalues, "variants/min_p": min_p,
                          "variants/min_p_bonferroni": bonferroni})
            assert self._significance is not None
            mp, bp = format_values(min_p), format_values(bonferroni)
            self._significance.write("".join(
                f"{prefix}\t{a}\t{b}\t{_field(self.target_names[t]) if self.target_names else ''}\n"
                for prefix, a, b, t in zip(prefixes, mp, bp, best.tolist(), strict=True)
            ))
        self._h5.append(table)
        self.n_rows += len(variants)

    @staticmethod
    def _write_rows(handle: IO[str], prefixes: Sequence[str], values: np.ndarray) -> None:
        if values.shape[1] == 0:
            handle.write("".join(f"{p}\n" for p in prefixes))
            return
        text = format_values(values).tolist()
        handle.write("".join(f"{p}\t{chr(9).join(row)}\n"
                             for p, row in zip(prefixes, text, strict=True)))

    def add_background(self, background_sorted: np.ndarray, statistic: str = "logit_diff") -> None:
        """Store the background's sorted ``|statistic|`` as ``/background_abs_<statistic>``."""
        assert self._h5 is not None
        f = self._h5.file
        with h5_writes(f):
            f.create_dataset(f"background_abs_{statistic}", data=background_sorted,
                             compression="gzip", compression_opts=1)

    def close(self) -> None:
        """Close every file, then raise the first error (a full disk refusing a TSV's last
        buffer must not leave the HDF5 file open: HDF5 would flush it at exit, after Python has
        gone, and crash the process)."""
        first: BaseException | None = None
        if self._h5 is not None:
            h5, self._h5 = self._h5, None
            try:
                h5.close({"n_variants": self.n_rows, "n_skipped": self.n_skipped})
            except BaseException as exc:
                first = exc
        handles = [*self._tsv.values(), self._skipped, self._significance]
        self._tsv, self._skipped, self._significance = {}, None, None
        for handle in handles:
            if handle is None:
                continue
            try:
                handle.close()
            except BaseException as exc:
                first = first or exc
        if first is not None:
            raise first


def read_effects(path: PathLike, score: str = "logit_diff") -> dict[str, Any]:
    """``score`` matrix ``(N, T)``, variant ids/labels and target names from a results HDF5."""
    p = require_file(path, "variant effects")
    try:
        f = open_h5(p)
    except OSError as exc:
        raise DanqError(f"{p}: not a readable HDF5 file ({exc})") from None
    with f:
        if f.attrs.get("format") != RESULTS_FORMAT:
            raise DanqError(f"{p}: not a `danq variant-effect` results file")
        key = f"scores/{score}"
        if key not in f:
            have = ", ".join(sorted(f["scores"])) if "scores" in f else "none"
            raise DanqError(f"{p}: has no {score} scores (has {have}); rerun with --scores {score}")

        def strings(name: str) -> list[str]:
            return read_strings(f[name])

        ids, chrom, pos = strings("variants/id"), strings("variants/chrom"), f["variants/pos"][:]
        alts = strings("variants/alt")
        labels = [i if i != "." else f"{c}:{q}{a}" for i, c, q, a in
                  zip(ids, chrom, pos.tolist(), alts, strict=True)]
        return {"values": f[key][:], "ids": ids, "labels": labels,
                "targets": strings("target_names")}
