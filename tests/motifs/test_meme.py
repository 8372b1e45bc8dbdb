"""Tests for danq.motifs.meme: MEME files written, read back (by memelite too), and bad files."""

from __future__ import annotations

import re

import numpy as np
import pytest

from danq.errors import DanqError
from danq.motifs.meme import read_meme, write_meme
from tests.motifs.helpers import one_hot


def test_meme_file_round_trips_through_memelite(tmp_path):
    from memelite.io import read_meme as memelite_read_meme

    rng = np.random.default_rng(5)
    motifs = [(f"filter_{i:03d}", rng.dirichlet(np.ones(4), size=w).T, 10 * i + 3)
              for i, w in enumerate([8, 26, 5])]
    path = tmp_path / "motifs.meme"
    write_meme(path, motifs)
    back = memelite_read_meme(str(path))
    assert list(back) == [name for name, _, _ in motifs]
    for name, ppm, _ in motifs:
        np.testing.assert_allclose(back[name], ppm, atol=1e-6)
    text = path.read_text()
    assert text.startswith("MEME version 4")
    assert re.findall(r"nsites= (\d+)", text) == ["3", "13", "23"]


def test_read_meme_round_trip_and_errors(tmp_path):
    rng = np.random.default_rng(1)
    motifs = [("m1", rng.dirichlet(np.ones(4), size=6).T, 12), ("m2", one_hot("ACGTA"), 0)]
    path = tmp_path / "x.meme"
    write_meme(path, motifs)
    back = read_meme(path)
    assert [m.name for m in back] == ["m1", "m2"] and [m.nsites for m in back] == [12, 0]
    np.testing.assert_allclose(back[0].ppm, motifs[0][1], atol=1e-6)

    bad = tmp_path / "bad.meme"
    bad.write_text("MEME version 4\n\nMOTIF a\nletter-probability matrix: alength= 4 w= 2\n"
                   "0.25 0.25 0.5\n0.1 0.2 0.3 0.4\n")
    with pytest.raises(DanqError, match=r"bad\.meme:5: motif a: expected 4 numbers"):
        read_meme(bad)
    protein = tmp_path / "p.meme"
    protein.write_text("MEME version 4\nALPHABET= ACDEFGHIKLMNPQRSTVWY\n")
    with pytest.raises(DanqError, match="not DNA"):
        read_meme(protein)
    fasta = tmp_path / "t.fa"
    fasta.write_text(">seq\nACGT\n")
    with pytest.raises(DanqError, match="not a MEME motif file"):
        read_meme(fasta)
