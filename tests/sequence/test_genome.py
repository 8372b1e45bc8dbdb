"""danq.sequence.genome: indexed FASTA access with N-padding, chr-name matching and bgzip."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from danq.encoders import from_tokens
from danq.errors import DanqError
from danq.sequence.genome import Genome, canonical_chrom

CHR1 = "ACGTACGTNNacgtRYAC" * 7  # 126 bp, mixed case and IUPAC
CHR2 = "GGGGCCCCAT"
MITO = "TTTTAAAA"


def write_genome(folder: Path, line: int = 60) -> Path:
    path = folder / "genome.fa"
    with open(path, "w") as handle:
        for name, seq in (("chr1", CHR1), ("chr2", CHR2), ("chrM", MITO)):
            handle.write(f">{name} some description\n")
            for i in range(0, len(seq), line):
                handle.write(seq[i : i + line] + "\n")
    return path


def expected_tokens(seq: str) -> str:
    """What fetch gives: upper case, every non-ACGT letter as N."""
    return "".join(c if c in "ACGT" else "N" for c in seq.upper())


def test_fetch_matches_the_sequence_everywhere(tmp_path: Path) -> None:
    genome = Genome(write_genome(tmp_path, line=7))
    truth = expected_tokens(CHR1)
    for start, end in [(0, 10), (5, 60), (60, 126), (123, 126), (40, 40)]:
        assert genome.fetch("chr1", start, end) == truth[start:end]
    assert genome.lengths == {"chr1": 126, "chr2": 10, "chrM": 8}
    assert genome.chromosomes == ["chr1", "chr2", "chrM"]


def test_windows_past_the_ends_are_n_padded(tmp_path: Path) -> None:
    genome = Genome(write_genome(tmp_path))
    assert genome.fetch("chr2", -3, 4) == "NNN" + "GGGG"
    assert genome.fetch("chr2", 8, 14) == "AT" + "NNNN"
    assert genome.fetch("chr2", -2, 12) == "NN" + CHR2 + "NN"
    assert genome.padding("chr2", -2, 12) == 4
    assert genome.padding("chr2", 0, 10) == 0
    tokens = genome.fetch_tokens("chr2", 20, 25)  # entirely outside: all N
    assert tokens.dtype == np.uint8 and from_tokens(tokens) == "NNNNN"


@pytest.mark.parametrize(
    ("asked", "found"),
    [("chr1", "chr1"), ("1", "chr1"), ("MT", "chrM"), ("M", "chrM"), ("chrMT", "chrM"), ("3", None)],
)
def test_chromosome_names_match_with_or_without_chr(tmp_path: Path, asked: str, found: str) -> None:
    genome = Genome(write_genome(tmp_path))
    assert genome.resolve(asked) == found


def test_unknown_chromosome_and_reversed_interval_are_one_line_errors(tmp_path: Path) -> None:
    genome = Genome(write_genome(tmp_path))
    with pytest.raises(DanqError, match="'chrZ' is not in the genome"):
        genome.fetch_tokens("chrZ", 0, 5)
    with pytest.raises(DanqError, match="end is before start"):
        genome.fetch_tokens("chr1", 10, 5)


def test_canonical_names() -> None:
    assert [canonical_chrom(n) for n in ("chr1", "1", "chrX", "MT", "chrM", "chr")] == [
        "1", "1", "X", "M", "M", "chr"]


def test_plain_gzip_is_refused_with_advice(tmp_path: Path) -> None:
    plain = write_genome(tmp_path)
    packed = tmp_path / "genome.fa.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(DanqError, match="not bgzip"):
        Genome(packed)


@pytest.mark.skipif(shutil.which("bgzip") is None, reason="bgzip (htslib) not installed")
def test_bgzip_genome(tmp_path: Path) -> None:
    plain = write_genome(tmp_path)
    subprocess.run(["bgzip", "-k", str(plain)], check=True)
    genome = Genome(tmp_path / "genome.fa.gz")
    assert genome.fetch("chr1", 3, 30) == expected_tokens(CHR1)[3:30]


def test_bgzip_genome_written_by_biopython(tmp_path: Path) -> None:
    from Bio import bgzf

    plain = write_genome(tmp_path)
    packed = tmp_path / "genome.fa.gz"
    with bgzf.BgzfWriter(str(packed), "wb") as handle:
        handle.write(plain.read_bytes())
    genome = Genome(packed)
    assert genome.fetch("chrM", 0, 8) == MITO


def test_stale_index_is_rebuilt(tmp_path: Path) -> None:
    path = write_genome(tmp_path)
    Genome(path).close()
    path.write_text(">chr1\nCCCCGGGG\n")
    old = os.stat(path.with_suffix(".fa.fai")).st_mtime - 100
    os.utime(path.with_suffix(".fa.fai"), (old, old))
    assert Genome(path).fetch("chr1", 0, 8) == "CCCCGGGG"


def test_index_goes_to_the_cache_when_the_folder_is_read_only(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = write_genome(folder)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    real_access = os.access
    # root may write anywhere, so pretend the folder is read-only the way os.access would report it
    monkeypatch.setattr("danq.sequence.genome.os.access",
                        lambda p, mode: False if Path(p) == folder else real_access(p, mode))
    assert Genome(path).fetch("chr2", 0, 4) == "GGGG"
    assert list((tmp_path / "cache").rglob("genome.fa.fai"))
    assert not (folder / "genome.fa.fai").exists()
