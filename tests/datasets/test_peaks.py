"""danq.datasets.peaks: DeepSEA's bin labelling rule, peak files, the targets table, required targets."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from danq.cli import main
from danq.datasets.build import build_dataset
from danq.datasets.peaks import covered_bases, positive_bins, read_intervals, read_targets
from danq.errors import DanqError
from tests.datasets.helpers import (
    brute_force_label,
    expected_samples,
    read_split,
    small_options,
    write_bed,
    write_targets,
)


def test_half_a_bin_is_not_enough_but_one_base_more_is() -> None:
    bins = 10
    # bin 1 = [200, 400): 100 bp covered -> 0; bin 3 = [600, 800): 101 bp covered -> 1
    peaks = (np.array([300, 699]), np.array([400, 800]))
    assert positive_bins(peaks, 200, bins).tolist() == [3]
    # two merged touching peaks of 60 + 60 bp in bin 5 = [1000, 1200): 120 bp -> 1
    peaks = (np.array([1000]), np.array([1120]))
    assert positive_bins(peaks, 200, bins).tolist() == [5]
    # a long peak covers all of bins 2..4 and 101 bp of bin 5
    peaks = (np.array([400]), np.array([1101]))
    assert positive_bins(peaks, 200, bins).tolist() == [2, 3, 4, 5]



def test_labels_equal_a_brute_force_count_on_random_intervals() -> None:
    rng = np.random.default_rng(7)
    bin_size, n_bins = 200, 300
    for _ in range(30):
        n = int(rng.integers(1, 40))
        starts = rng.integers(0, bin_size * n_bins, size=n)
        lengths = rng.choice([1, 99, 100, 101, 150, 199, 200, 201, 450, 1000], size=n)
        raw = sorted(zip(starts.tolist(), (starts + lengths).tolist(), strict=True))
        # merge like bioframe does (overlapping or touching)
        merged: list[list[int]] = []
        for s, e in raw:
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        intervals = (np.array([m[0] for m in merged]), np.array([m[1] for m in merged]))
        got = set(positive_bins(intervals, bin_size, n_bins).tolist())
        truth = {k for k in range(n_bins) if brute_force_label(raw, k * bin_size, bin_size)}
        assert got == truth



def test_covered_bases_counts_each_base_once() -> None:
    intervals = (np.array([5, 20]), np.array([10, 30]))
    x = np.arange(0, 40)
    truth = [sum(1 for b in range(v) if 5 <= b < 10 or 20 <= b < 30) for v in x]
    assert covered_bases(intervals, x).tolist() == truth



def test_require_category_any_keeps_dnase_only_bins(genome_setup) -> None:
    setup = genome_setup
    build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "o",
                  small_options(require_category="any"))
    data = read_split(setup["tmp"] / "o" / "train.h5")
    assert len(data["start"]) == len(expected_samples(setup, ("ctcf", "rad21", "dnase")))
    with pytest.raises(DanqError, match="no target has category 'histone'"):
        build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "p",
                      small_options(require_category="histone"))



def test_peak_files_with_headers_track_lines_and_gzip(tmp_path: Path) -> None:
    rows = [("chr1", 5, 10), ("1", 20, 30)]
    for header in ("", "track name=x\n", "browser hide all\n# c\n", "chrom\tstart\tend\tn\ts\tst\n"):
        for suffix in (".bed", ".bed.gz"):
            path = write_bed(tmp_path / f"p{len(header)}{suffix}", rows, header=header)
            frame = read_intervals(path)
            assert frame["chrom"].tolist() == ["chr1", "1"]
            assert frame["start"].tolist() == [5, 20] and frame["end"].tolist() == [10, 30]



@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("chr1\t5\t10\nchr1\tx\t10\n", "line 2: start and end must be integers"),
        ("chr1\t5\t10\nchr1\t10\t5\n", "line 2: end 5 is before start 10"),
        ("chr1\t-5\t10\n", "line 1: negative start"),
        ("chr1 5 10\n", "line 1: 1 tab-separated field"),
        ("", "has no intervals"),
        ("track name=x\n", "has no intervals"),
    ],
)
def test_bad_peak_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.bed"
    path.write_text(text)
    with pytest.raises(DanqError, match=message):
        read_intervals(path)



def test_targets_table_errors(tmp_path: Path) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("name\tpeaks\nA\ta.bed\n")
    with pytest.raises(DanqError, match="lacks column"):
        read_targets(table)
    table.write_text("name\tcategory\tpeaks\nA\tTF\ta.bed\nA\tTF\tb.bed\n")
    with pytest.raises(DanqError, match="line 3: target 'A' is listed twice"):
        read_targets(table)
    table.write_text("name\tcategory\tpeaks\nA\tTF\n")
    with pytest.raises(DanqError, match="line 2: 2 fields"):
        read_targets(table)
    table.write_text("# comment\nname\tcategory\tpeaks\nA\tTF\tsub/a.bed\n")
    assert read_targets(table)[0].peaks == tmp_path / "sub" / "a.bed"



def test_unreadable_peak_files_are_one_line_errors(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.bed.gz"
    truncated.write_bytes(gzip.compress(b"chr1\t5\t10\n" * 1000)[:60])
    with pytest.raises(DanqError, match="cut.bed.gz: cannot read"):
        read_intervals(truncated)
    with pytest.raises(DanqError, match="does not exist"):
        read_intervals(tmp_path / "missing.bed")
    (tmp_path / "folder.bed").mkdir()
    with pytest.raises(DanqError, match="is not a regular file"):
        read_intervals(tmp_path / "folder.bed")



def test_peaks_on_unknown_chromosomes_warn_once(genome_setup, capsys) -> None:
    setup = genome_setup
    tmp = setup["tmp"]
    write_bed(tmp / "a.bed", [("chr1", 100, 300), ("chr22", 5, 50), ("chrZ", 5, 50)])
    write_bed(tmp / "b.bed", [("chr1", 100, 300), ("chr22", 5, 50)])
    targets = write_targets(tmp, [("A", "TF", "a.bed"), ("B", "TF", "b.bed")])
    main_args = ["build-dataset", "--genome", str(setup["fasta"]), "--peaks", str(targets),
                 "-o", str(tmp / "o"), "--bin-size", "20", "--window", "60", "--valid", "",
                 "--test", ""]
    main(main_args)
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "lacks" in line]
    assert len(warnings) == 1 and "3 peaks in 2 file(s)" in warnings[0]
    summary = json.loads((tmp / "o" / "summary.json").read_text())
    assert summary["peaks_on_unknown_chromosomes"] == 3
    assert summary["peaks"]["A"]["unknown_chromosome"] == 2

