"""danq.datasets.splits: --valid / --test chromosomes and regions, windows straddling a region's edge."""

from __future__ import annotations

import numpy as np
import pytest

from danq.datasets.build import build_dataset
from danq.datasets.splits import SPLIT_CODE, STRADDLE, parse_loci, split_loci, window_splits
from danq.errors import DanqError
from tests.datasets.helpers import WINDOW, expected_samples, read_split, small_options


def test_splits_by_chromosome_and_by_region(genome_setup) -> None:
    setup = genome_setup
    out = setup["tmp"] / "out"
    # region chr7:1001-2000 (1-based) is [1000, 2000): windows entirely inside go to valid
    summary = build_dataset(
        setup["fasta"], setup["targets"], out,
        small_options(valid="chr7:1001-2000", test="8"),
    )
    test = read_split(out / "test.h5")
    valid = read_split(out / "valid.h5")
    train = read_split(out / "train.h5")
    assert set(test["chrom"]) == {"chr8"}
    assert (valid["chrom"] == "chr7").all()
    assert (valid["start"] >= 1000).all() and (valid["end"] <= 2000).all()
    seven = train["chrom"] == "chr7"
    assert ((train["end"][seven] <= 1000) | (train["start"][seven] >= 2000)).all()
    assert "chr8" not in set(train["chrom"])
    expected = expected_samples(setup)
    straddling = [
        (c, s) for c, s in expected
        if c == "chr7" and s < 2000 and s + WINDOW > 1000 and not (s >= 1000 and s + WINDOW <= 2000)
    ]
    assert summary["dropped_windows"]["split_boundary"] == len(straddling)
    total = sum(summary["splits"][s]["windows"] for s in ("train", "valid", "test"))
    assert total == len(expected) - len(straddling)



def test_split_lists_parse_and_conflicts_are_errors(genome_setup) -> None:
    loci = parse_loci("chr7:30508751-35296850,chr8", "--valid")
    assert (loci[0].chrom, loci[0].start, loci[0].end) == ("7", 30508750, 35296850)
    assert loci[1].start is None and loci[1].chrom == "8"
    with pytest.raises(DanqError, match="not a chromosome or a region"):
        parse_loci("chr7:20-10", "--valid")
    setup = genome_setup
    with pytest.raises(DanqError, match="both --valid and --test"):
        build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "o",
                      small_options(valid="chr8:1-100", test="chr8"))



def test_window_splits_codes_inside_straddling_and_whole_chromosomes() -> None:
    loci = split_loci("chr7:101-200", "chr8")
    starts = np.array([100, 95, 140, 190, 300])  # region [100, 200); [95, 105) straddles its edge
    codes = window_splits("chr7", starts, starts + 10, loci)
    assert codes.tolist() == [SPLIT_CODE["valid"], STRADDLE, SPLIT_CODE["valid"], SPLIT_CODE["valid"], 0]
    assert window_splits("8", starts, starts + 10, loci).tolist() == [SPLIT_CODE["test"]] * 5
    assert window_splits("chr1", starts, starts + 10, loci).tolist() == [0] * 5
    with pytest.raises(DanqError, match="a locus is in twice"):
        split_loci("chr7:1-100,chr7:50-60", "")
