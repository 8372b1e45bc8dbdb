"""`danq encode`: FASTA + labels -> dataset, through the real command line."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest

from danq.datasets.encode import encode_fasta
from danq.errors import DanqError
from danq.formats.dataset import open_dataset


def danq(*args, stdin: bytes | None = None):
    return subprocess.run(
        [sys.executable, "-m", "danq", *map(str, args)], input=stdin, capture_output=True
    )


@pytest.fixture
def inputs(tmp_path):
    fasta = tmp_path / "s.fa"
    fasta.write_text(">b\nACGTAC\n>a\nacgtnn\n>c\nTTTTGG\n")
    labels = tmp_path / "l.tsv"
    labels.write_text("name\tDNase_x\tCTCF\na\t1\t0\nb\t0\t1\nc\t1\t1\n")
    return fasta, labels


def test_encode_with_labels_follows_fasta_order(tmp_path, inputs):
    fasta, labels = inputs
    out = tmp_path / "d.h5"
    result = danq("encode", fasta, "--labels", labels, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "3 sequences of 6 bp, 2 targets" in result.stderr.decode()
    with open_dataset(out) as ds:
        assert ds.names() == ["b", "a", "c"]
        assert ds.target_names == ["DNase_x", "CTCF"]
        np.testing.assert_array_equal(ds.labels(), [[0, 1], [1, 0], [1, 1]])
        np.testing.assert_array_equal(ds.tokens(1, 2), [[0, 1, 2, 3, 4, 4]])


def test_encode_without_labels_and_length_fitting(tmp_path):
    fasta = tmp_path / "s.fa.gz"
    fasta.write_bytes(gzip.compress(b">x\nACGTACGT\n>y\nAC\n"))
    summary = encode_fasta(fasta, tmp_path / "p.h5", length=4, progress=False)
    assert summary == {"n_sequences": 2, "n_targets": 0, "n_adjusted": 2, "sequence_length": 4}
    with open_dataset(tmp_path / "p.h5") as ds:
        assert not ds.has_labels
        np.testing.assert_array_equal(ds.tokens(), [[2, 3, 0, 1], [4, 0, 1, 4]])


def test_encode_categories(tmp_path, inputs):
    fasta, labels = inputs
    cats = tmp_path / "c.tsv"
    cats.write_text("target\tcategory\nCTCF\tTF\n")
    encode_fasta(fasta, tmp_path / "d.h5", labels, categories=cats, progress=False)
    with open_dataset(tmp_path / "d.h5") as ds:
        assert ds.target_categories == ["", "TF"]


def test_encode_from_stdin(tmp_path):
    out = tmp_path / "d.h5"
    result = danq("encode", "-", "-o", out, stdin=b">x\nACGT\n")
    assert result.returncode == 0, result.stderr
    with open_dataset(out) as ds:
        assert ds.names() == ["x"]


@pytest.mark.parametrize(
    "fasta_text, labels_text, message",
    [
        (">a\nACGT\n>b\nACGT\n", "name\tt\na\t1\n", "record 'b' has no row in"),
        (">a\nACGT\n", "name\tt\na\t1\nb\t0\n", "1 labelled names have no FASTA record"),
        (">a\nACGT\n", "name\tt\na\tyes\n", "label 'yes' is not 0 or 1"),
        (">a\nACGT\n", "name\tt\tu\na\t1\n", "row 'a' has 1 labels, the header names 2"),
        (">a\nACGT\n", "id\tt\na\t1\n", "first column of the header must be 'name'"),
        (">a\nACGT\n>a\nACGT\n", "name\tt\na\t1\n", "record name 'a' appears twice"),
        (">a\nACGT\n>b\nACG\n", "name\tt\na\t1\nb\t1\n", "pass --length"),
        (">a\nAC*T\n", "name\tt\na\t1\n", r"invalid character '\*' at position 3"),
    ],
)
def test_bad_input_gives_one_line_error_and_no_output(tmp_path, fasta_text, labels_text, message):
    fasta, labels, out = tmp_path / "s.fa", tmp_path / "l.tsv", tmp_path / "d.h5"
    fasta.write_text(fasta_text)
    labels.write_text(labels_text)
    with pytest.raises(DanqError, match=message):
        encode_fasta(fasta, out, labels, progress=False)
    result = danq("encode", fasta, "--labels", labels, "-o", out)
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert stderr.startswith("danq: error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_missing_labels_file(tmp_path, inputs):
    fasta, _ = inputs
    result = danq("encode", fasta, "--labels", tmp_path / "none.tsv", "-o", tmp_path / "d.h5")
    assert result.returncode == 1
    assert "none.tsv: labels file does not exist" in result.stderr.decode()


def test_cli_help_and_version():
    result = danq("--help")
    assert result.returncode == 0
    for name in ("encode", "train", "evaluate", "predict", "motifs", "simulate"):
        assert name in result.stdout.decode()
    assert danq("--version").stdout.decode().startswith("danq, version")
    assert "--labels" in danq("encode", "--help").stdout.decode()
