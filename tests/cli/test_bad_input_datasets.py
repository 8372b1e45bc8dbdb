"""Bad input to `danq build-dataset`, `danq export-bed` and `danq predict` on BED (issue 24, items 9
and 10): each case is a one-line ``danq: error: ...`` with a non-zero exit and no output, where it
used to exit 0 with empty or wrong output."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from danq.models.checkpoint import save_checkpoint
from tests.datasets.helpers import random_seq, write_bed, write_fasta, write_targets
from tests.helpers import run_danq, tiny_danq

SMALL = ["--bin-size", "20", "--window", "60", "--valid", "", "--test", ""]


def one_line_error(code: int, err: str, *expected: str) -> str:
    """Exactly one ``danq: error:`` line (one-line warnings before it are allowed), containing
    every ``expected`` text; return it."""
    lines = [line for line in err.strip().splitlines() if not line.startswith("danq: warning: ")]
    assert code == 1, err
    assert len(lines) == 1 and lines[0].startswith("danq: error: "), err
    for text in expected:
        assert text in lines[0], err
    return lines[0]


@pytest.fixture()
def genome(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    return write_fasta(tmp_path / "g.fa", {"chr1": random_seq(rng, 1000),
                                           "chr2": random_seq(rng, 1000)})


def build(capsys, tmp_path: Path, fasta: Path, bed_text: str, *extra: str) -> tuple[int, str]:
    (tmp_path / "p.bed").write_text(bed_text)
    targets = write_targets(tmp_path, [("A", "TF", "p.bed")])
    code, _, err = run_danq(capsys, "build-dataset", "--genome", fasta, "--peaks", targets,
                            "-o", tmp_path / "out", *SMALL, *extra)
    return code, err


# ------------------------------------------------------------------------------ build-dataset


def test_every_peak_on_chromosomes_the_genome_lacks_is_refused(capsys, tmp_path, genome):
    code, err = build(capsys, tmp_path, genome, "chrZ\t100\t300\nchrQ\t10\t500\n")
    line = one_line_error(code, err, "p.bed", "no peak is on a chromosome", "chr1, chr2",
                          "chrQ, chrZ")
    assert str(genome) in line
    assert not (tmp_path / "out").exists()


def test_peaks_named_without_chr_still_match_a_chr_genome(capsys, tmp_path, genome):
    code, err = build(capsys, tmp_path, genome, "1\t100\t300\n2\t400\t600\n")
    assert code == 0, err
    assert (tmp_path / "out" / "train.h5").is_file()


def test_a_genome_of_only_n_is_refused(capsys, tmp_path):
    fasta = write_fasta(tmp_path / "n.fa", {"chr1": "N" * 1000})
    for allowed in ("0.05", "1"):  # even when N windows are allowed
        code, err = build(capsys, tmp_path, fasta, "chr1\t100\t300\nchr1\t500\t700\n",
                          "--max-n-fraction", allowed)
        one_line_error(code, err, "n.fa: no usable window", "only N")
        assert not (tmp_path / "out").exists()


def test_a_float_coordinate_on_the_first_line_is_an_error_naming_the_line(
    capsys, tmp_path, genome
):
    code, err = build(capsys, tmp_path, genome, "chr1\t100.5\t300\nchr1\t500\t700\n")
    one_line_error(code, err, "p.bed: line 1:", "100.5")
    code, err = build(capsys, tmp_path, genome, "chr1\t1,000\t300\nchr1\t500\t700\n")
    one_line_error(code, err, "p.bed: line 1:", "1,000")
    assert not (tmp_path / "out").exists()


def test_a_column_name_line_is_still_skipped(capsys, tmp_path, genome):
    code, err = build(capsys, tmp_path, genome, "chrom\tchromStart\tchromEnd\nchr1\t100\t300\n")
    assert code == 0, err


def test_no_usable_chromosome_is_refused_not_three_empty_splits(capsys, tmp_path):
    rng = np.random.default_rng(0)
    fasta = write_fasta(tmp_path / "g.fa", {"chr1": random_seq(rng, 1000),
                                            "chrM": random_seq(rng, 500)})
    code, err = build(capsys, tmp_path, fasta, "chr1\t100\t300\n", "--chroms", "chrM")
    one_line_error(code, err, "g.fa: no usable window", "chrM", "positive")
    assert not (tmp_path / "out").exists()


def test_every_window_dropped_is_refused(capsys, tmp_path, genome):
    (tmp_path / "black.bed").write_text("chr1\t0\t1000\nchr2\t0\t1000\n")
    code, err = build(capsys, tmp_path, genome, "chr1\t100\t300\n", "--blacklist",
                      tmp_path / "black.bed")
    one_line_error(code, err, "no usable window", "blacklist")


def test_peaks_clipped_at_the_genome_end_are_counted_in_a_warning(capsys, tmp_path, genome):
    code, err = build(capsys, tmp_path, genome,
                      "chr1\t100\t300\nchr1\t900\t1500\nchr2\t1200\t1300\n")
    assert code == 0, err
    warnings = [line for line in err.splitlines()
                if line.startswith("danq: warning: ") and "clipped to it" in line]
    assert len(warnings) == 1, err
    assert "2 peaks in 1 file(s)" in warnings[0] and "1 of them start at or past" in warnings[0]


# ---------------------------------------------------------------------------------- export-bed


@pytest.fixture()
def built(capsys, tmp_path, genome) -> Path:
    code, err = build(capsys, tmp_path, genome, "chr1\t100\t300\nchr2\t400\t600\n")
    assert code == 0, err
    return tmp_path / "out" / "train.h5"


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("start", 500, "start 500 is after end"),
    ("start", -5, "negative start -5"),
    ("chrom", "chr\t1", "holds a tab"),
    ("chrom", "chr1\nchr2", "line break"),
])
def test_export_bed_refuses_coordinates_bed_cannot_hold(capsys, tmp_path, built, column, value,
                                                        expected):
    with h5py.File(built, "r+") as f:
        if column == "start":
            f["end"][2] = 400
        f[column][2] = value
    out = tmp_path / "x.bed"
    code, _, err = run_danq(capsys, "export-bed", built, "-o", out)
    one_line_error(code, err, str(built), "row 2", expected)
    assert not out.exists()


# ------------------------------------------------------------------------------- predict on BED


def test_predict_refuses_a_bed_interval_past_the_chromosome_end(capsys, tmp_path, genome):
    model = tmp_path / "m.pt"
    save_checkpoint(model, tiny_danq(60, 2), {"target_names": ["t1", "t2"]})
    bed = write_bed(tmp_path / "q.bed", [("chr1", 100, 200), ("chr2", 5000, 5100)])
    out = tmp_path / "pred.tsv"
    code, _, err = run_danq(capsys, "predict", bed, "--model", model, "--genome", genome,
                            "-o", out)
    one_line_error(code, err, "q.bed: line 2:", "chr2:5000-5100", "past the end", "1000 bp")
    assert not out.exists()
    bed.write_text("chr1\t100\t200\nchrZ\t5\t50\n")
    code, _, err = run_danq(capsys, "predict", bed, "--model", model, "--genome", genome,
                            "-o", out)
    one_line_error(code, err, "q.bed: line 2:", "'chrZ' is not in")
    bed.write_text("chr1\t100\t200\nchr2\t950\t1100\n")  # partly past the end: N-padded, scored
    code, _, err = run_danq(capsys, "predict", bed, "--model", model, "--genome", genome,
                            "-o", out)
    assert code == 0, err


def test_predict_refuses_a_float_coordinate_on_the_first_bed_line(capsys, tmp_path, genome):
    model = tmp_path / "m.pt"
    save_checkpoint(model, tiny_danq(60, 2), {"target_names": ["t1", "t2"]})
    bed = tmp_path / "q.bed"
    bed.write_text("chr1\t100.5\t200\nchr1\t300\t400\n")
    code, _, err = run_danq(capsys, "predict", bed, "--model", model, "--genome", genome,
                            "-o", tmp_path / "pred.tsv")
    one_line_error(code, err, "q.bed: line 1:")
    bed.write_text("chrom\tstart\tend\nchr1\t300\t400\n")  # a header is still skipped
    code, _, err = run_danq(capsys, "predict", bed, "--model", model, "--genome", genome,
                            "-o", tmp_path / "pred.tsv")
    assert code == 0, err
