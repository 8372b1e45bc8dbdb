"""FASTA reading: formats, edge cases and clear errors."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from danq.errors import DanqError
from danq.sequence.fasta import read_fasta, read_fasta_tokens


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_multi_line_crlf_blank_lines(tmp_path):
    path = write(tmp_path, "a.fa", b">r1 some description\r\nACGT\r\nacgt\r\n\r\n>r2\n\nNNAC\nGT\n\n")
    assert list(read_fasta(path)) == [("r1", "ACGTACGT"), ("r2", "NNACGT")]


def test_gzip_detected_by_content_not_name(tmp_path):
    path = write(tmp_path, "plain_name.fa", gzip.compress(b">x\nACGT\n>y\nTT\n"))
    assert list(read_fasta(path)) == [("x", "ACGT"), ("y", "TT")]


def test_ambiguity_codes_read_as_n(tmp_path):
    path = write(tmp_path, "a.fa", b">x\nACRYgt\n")
    assert list(read_fasta(path)) == [("x", "ACNNGT")]


def test_streaming_yields_before_reading_everything(tmp_path):
    path = write(tmp_path, "a.fa", b">ok\nACGT\n>bad\nAC!T\n")
    records = read_fasta_tokens(path)
    name, tokens = next(records)
    assert name == "ok" and tokens.tolist() == [0, 1, 2, 3]
    with pytest.raises(DanqError, match=r"record 'bad': invalid character '!' at position 3"):
        next(records)


def test_stdin_dash():
    code = "from danq.sequence.fasta import read_fasta; print(list(read_fasta('-')))"
    out = subprocess.run(
        [sys.executable, "-c", code], input=gzip.compress(b">s\nAC\nGT\n"), capture_output=True, check=True
    )
    assert out.stdout.decode().strip() == "[('s', 'ACGT')]"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "no FASTA records"),
        (b"\n\n", "no FASTA records"),
        (b"ACGT\n>x\nACGT\n", "text before the first '>'"),
        (b">x\n>y\nACGT\n", "record 'x' has no sequence"),
        (b">x\nACGT\n>y\n", "record 'y' has no sequence"),
        (b">\nACGT\n", "header without a name"),
        (b">x\nAC GT\n", "invalid character ' ' at position 3"),
        (b">x\nACGT\nAC-T\n", "invalid character '-' at position 7"),
    ],
)
def test_bad_input_names_file_and_problem(tmp_path, data, message):
    path = write(tmp_path, "bad.fa", data)
    with pytest.raises(DanqError, match=message) as info:
        list(read_fasta(path))
    assert str(path) in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DanqError, match="does not exist"):
        list(read_fasta(tmp_path / "nope.fa"))
    with pytest.raises(DanqError, match="is a directory"):
        list(read_fasta(tmp_path))


def test_truncated_gzip(tmp_path):
    data = gzip.compress(b">x\n" + b"ACGT" * 10000 + b"\n")
    path = write(tmp_path, "t.fa.gz", data[: len(data) // 2])
    with pytest.raises(DanqError, match="cannot read"):
        list(read_fasta(path))


records = st.lists(
    st.tuples(
        st.text(alphabet="abcXYZ019_", min_size=1, max_size=8),
        st.text(alphabet="ACGTNacgtn", min_size=1, max_size=200),
        st.integers(min_value=1, max_value=70),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(records, st.sampled_from([b"\n", b"\r\n"]), st.integers(min_value=1, max_value=64))
def test_block_boundaries_do_not_change_records(tmp_path_factory, recs, newline, block_bytes):
    """Parsing in tiny blocks gives the same records as Biopython does on the whole file."""
    from Bio import SeqIO

    lines = []
    for name, seq, width in recs:
        lines.append(f">{name} desc")
        lines.extend(seq[i : i + width] for i in range(0, len(seq), width))
    path = tmp_path_factory.mktemp("fa") / "r.fa"
    path.write_bytes(newline.join(s.encode() for s in lines) + newline)
    expected = [(r.id, str(r.seq).upper()) for r in SeqIO.parse(str(path), "fasta")]
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    got = [(n, letters[t].tobytes().decode()) for n, t in read_fasta_tokens(path, block_bytes)]
    assert got == expected
