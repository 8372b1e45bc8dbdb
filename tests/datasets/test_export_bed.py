"""danq.datasets.export_bed: `danq export-bed` writes a build's coordinates and labels as BED6."""

from __future__ import annotations

import numpy as np

from danq.cli import main
from danq.datasets.build import build_dataset
from danq.datasets.export_bed import export_bed
from tests.datasets.helpers import read_split, small_options


def test_export_bed_writes_coordinates_and_labels(genome_setup) -> None:
    setup = genome_setup
    out = setup["tmp"] / "o"
    build_dataset(setup["fasta"], setup["targets"], out, small_options(both_strands=True))
    data = read_split(out / "train.h5")
    bed = setup["tmp"] / "train.bed"
    main(["export-bed", str(out / "train.h5"), "-o", str(bed)])
    lines = [line.split("\t") for line in bed.read_text().splitlines()]
    forward = np.flatnonzero(data["strand"] == 1)
    assert len(lines) == len(forward)
    names = ["CTCF", "RAD21", "DNase"]
    for line, i in zip(lines, forward, strict=True):
        chrom, start, end, label, score, strand = line
        assert (chrom, int(start), int(end)) == (data["chrom"][i], data["start"][i], data["end"][i])
        positives = [names[t] for t in np.flatnonzero(data["labels"][i])]
        assert label == (",".join(positives) or ".") and int(score) == len(positives)
        assert strand == "+"
    n_dnase = export_bed(out / "train.h5", setup["tmp"] / "d.bed", targets=["DNase"],
                         positives_only=True)
    assert n_dnase == int(data["labels"][forward, 2].sum())
    assert export_bed(out / "train.h5", setup["tmp"] / "all.bed", both_strands=True) == 2 * len(
        forward
    )

