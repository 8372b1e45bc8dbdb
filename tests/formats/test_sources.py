"""danq.formats.sources: FASTA, danq HDF5 and BED + genome inputs as fitted token rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from danq.encoders import from_tokens, to_tokens
from danq.errors import DanqError
from danq.formats.dataset_writer import DatasetWriter
from danq.formats.sources import sample_tokens, sequence_batches
from danq.sequence.genome import Genome


def collect(path: Path, length: int, batch_size: int = 2, genome=None):
    counts: dict[str, int] = {}
    batches = list(sequence_batches(path, length, batch_size, counts, genome=genome))
    names = [n for b in batches for n in b.names]
    rows = [from_tokens(r) for b in batches for r in b.tokens]
    return names, rows, counts, [len(b.names) for b in batches]


def test_fasta_records_are_fitted_and_batched(tmp_path: Path) -> None:
    path = tmp_path / "s.fa"
    path.write_text(">a one\n" + "A" * 12 + "\n>b\nCCCC\n>c\nGGGGGGGG\n")
    names, rows, counts, sizes = collect(path, 8)
    assert names == ["a", "b", "c"] and sizes == [2, 1]
    assert rows == ["A" * 8, "NNCCCCNN", "G" * 8]
    assert counts == {"n_sequences": 3, "n_adjusted": 2}


def test_dataset_rows_are_read_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "data.fa"  # an HDF5 dataset under a FASTA-looking name
    seqs = ["ACGTACGT", "TTTTGGGG", "CCCCAAAA"]
    with DatasetWriter(path, sequence_length=8, target_names=["t"], chunk_rows=2) as writer:
        writer.append(np.stack([to_tokens(s) for s in seqs]), np.zeros((3, 1), np.uint8),
                      ["r1", "r2", "r3"])
    names, rows, counts, _ = collect(path, 8)
    assert names == ["r1", "r2", "r3"] and rows == seqs and counts["n_adjusted"] == 0


def test_bed_intervals_give_centred_windows_from_the_genome(tmp_path: Path) -> None:
    chrom = "ACGT" * 5 + "TTTTTGGGGG" + "ACGT" * 5  # 50 bp
    (tmp_path / "g.fa").write_text(">chr1\n" + chrom + "\n")
    bed = tmp_path / "peaks.bed"
    bed.write_text("track name=x\n#comment\nchr1\t20\t30\tpeakA\n1\t0\t2\n")
    genome = Genome(tmp_path / "g.fa")
    names, rows, _, _ = collect(bed, 10, genome=genome)
    assert names == ["peakA", "1:0-2"]
    assert rows[0] == chrom[20:30]
    assert rows[1] == "NNNN" + chrom[0:6]  # centre 1, window [-4, 6): N-padded on the left
    with pytest.raises(DanqError, match="needs --genome"):
        collect(bed, 10)


def test_malformed_bed_line_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "g.fa").write_text(">chr1\nACGTACGTAC\n")
    bed = tmp_path / "bad.bed"
    bed.write_text("chr1\t1\t5\nchr1\tx\t7\n")
    with pytest.raises(DanqError, match=r"bad\.bed: line 2: expected chrom, start, end"):
        collect(bed, 4, genome=Genome(tmp_path / "g.fa"))


def test_sample_tokens_refuses_what_cannot_be_scanned(tmp_path: Path) -> None:
    empty = tmp_path / "empty.fa"
    empty.write_text("")
    with pytest.raises(DanqError, match="empty.fa"):
        sample_tokens(empty, sequence_length=100, min_length=8, max_sequences=10)
    short = tmp_path / "short.fa"
    short.write_text(">ok\n" + "ACGT" * 10 + "\n>tiny\nACGTA\n")
    with pytest.raises(DanqError, match=r"short\.fa: record 'tiny' is 5 bp, shorter than"):
        sample_tokens(short, sequence_length=100, min_length=8, max_sequences=10)
    with pytest.raises(DanqError, match="positives-of"):
        sample_tokens(short, sequence_length=100, min_length=8, max_sequences=10,
                      positives_of="x")
    with pytest.raises(DanqError, match="does not exist"):
        sample_tokens(tmp_path / "missing.fa", sequence_length=100, min_length=8,
                      max_sequences=10)
    with pytest.raises(DanqError, match="max-sequences"):
        sample_tokens(short, sequence_length=100, min_length=8, max_sequences=0)


def test_sample_tokens_fits_fasta_records_to_the_model_length(tmp_path: Path) -> None:
    path = tmp_path / "s.fa"
    path.write_text(">a\n" + "A" * 30 + "\n>b\n" + "C" * 10 + "\n>c\nGGGG\n")
    tokens = sample_tokens(path, sequence_length=20, min_length=4, max_sequences=2)
    assert tokens.shape == (2, 20)
    assert from_tokens(tokens[0]) == "A" * 20
    assert from_tokens(tokens[1]) == "N" * 5 + "C" * 10 + "N" * 5
