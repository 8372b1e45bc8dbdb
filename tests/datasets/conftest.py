"""The small random genome with three targets' peak files that the build-dataset tests share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.datasets.helpers import random_seq, write_bed, write_fasta, write_targets


@pytest.fixture()
def genome_setup(tmp_path: Path) -> dict[str, object]:
    rng = np.random.default_rng(1)
    chroms = {f"chr{c}": random_seq(rng, 4000) for c in ("1", "2", "7", "8")}
    chroms["chrUn_contig"] = random_seq(rng, 500)
    fasta = write_fasta(tmp_path / "genome.fa", chroms)
    peaks: dict[str, list[tuple[str, int, int]]] = {}
    for name in ("ctcf", "rad21", "dnase"):
        rows = []
        for chrom in ("chr1", "chr2", "chr7", "chr8"):
            for s in rng.integers(0, 3900, size=12):
                rows.append((chrom, int(s), int(s + rng.choice([9, 10, 11, 25, 60]))))
        peaks[name] = rows
    write_bed(tmp_path / "ctcf.bed", peaks["ctcf"], header="track name=ctcf\n")
    # chr-less names and a column-name header, gzip
    write_bed(
        tmp_path / "rad21.narrowPeak.gz",
        [(c.removeprefix("chr"), s, e) for c, s, e in peaks["rad21"]],
        header="chrom\tstart\tend\tname\tscore\tstrand\n",
    )
    write_bed(tmp_path / "dnase.bed", peaks["dnase"], header="# comment\nbrowser position chr1\n")
    targets = write_targets(
        tmp_path,
        [("CTCF", "TF", "ctcf.bed"), ("RAD21", "TF", "rad21.narrowPeak.gz"),
         ("DNase", "DNase", "dnase.bed")],
    )
    return {"fasta": fasta, "targets": targets, "peaks": peaks, "chroms": chroms,
            "tmp": tmp_path}

