"""What the variant tests share: the tiny model's shape, and writers of small FASTA/VCF files."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import numpy as np

LENGTH = 100  # the model's input; the variant's first REF base sits at index 49
CENTER = 49
TARGETS = ["ctcf_a", "ctcf_b", "pol2"]
CATEGORIES = ["TF", "TF", "Pol"]
MOTIF = "GGGACTTTCC"  # an asymmetric motif the hand-set detector looks for


def random_dna(n: int, seed: int) -> str:
    return "".join(np.random.default_rng(seed).choice(list("ACGT"), n))


def write_fasta(path: Path, records: dict[str, str]) -> Path:
    with open(path, "w") as handle:
        for name, seq in records.items():
            handle.write(f">{name}\n")
            handle.writelines(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60))
    return path


def write_vcf(path: Path, rows: list[tuple], contigs: list[str] | None = None) -> Path:
    lines = ["##fileformat=VCFv4.2"]
    lines += [f"##contig=<ID={c}>" for c in contigs or []]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    lines += ["\t".join(str(x) for x in (*row, ".", ".", ".")) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def other(base: str) -> str:
    return "A" if base != "A" else "C"


def run(args: list[str]) -> tuple[int, str]:
    """Run ``danq`` in-process through its real entry point; return exit code and stderr."""
    from danq.cli import main

    err = io.StringIO()
    code = 0
    with contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    sys.stderr.flush()
    return code, err.getvalue()
