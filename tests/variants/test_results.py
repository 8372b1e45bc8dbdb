"""The output directory of `danq variant-effect`: score TSVs, skipped.tsv, p-values, the HDF5
file written through the disk-full guard, and its reader."""

from __future__ import annotations

import contextlib
import errno
import os

import h5py
import numpy as np
import pandas as pd
import pytest

from danq.errors import DanqError
from danq.variants.batches import ScoredBatch
from danq.variants.effect import variant_effect
from danq.variants.reading import Variant
from danq.variants.results import EffectWriter, read_effects
from tests.variants.helpers import CATEGORIES, CENTER, TARGETS, other, run, write_vcf


def test_cli_writes_score_tsvs_skipped_and_hdf5(model_path, genome_path, chr1, tmp_path):
    ref = chr1[999]
    alt = other(ref)
    vcf = write_vcf(tmp_path / "v.vcf", [
        ("chr1", 1000, "rs1", ref, alt),
        ("chr1", 1200, "rsN", "N", "A"),
        ("chr1", 1300, "rsSame", chr1[1299], chr1[1299]),
        ("chrShort", 3, "rsShort", "G", "T"),
        ("chrUn", 5, "rsUn", "A", "C"),
        ("chr1", 2000, "rs2", chr1[1999:2001], chr1[1999]),
    ])
    out = tmp_path / "out"
    code, err = run(["variant-effect", str(vcf), "--genome", str(genome_path), "--model",
                     str(model_path), "-o", str(out), "--targets", "TF", "--no-progress",
                     "--precision", "fp32"])  # compared with the fp32 Python API below
    assert code == 0, err
    assert "2 of 6 variants scored x 2 targets, 4 skipped" in err
    diff = pd.read_csv(out / "diff.tsv", sep="\t")
    assert list(diff.columns) == ["chrom", "pos", "id", "ref", "alt", "ref_match", "ctcf_a", "ctcf_b"]
    assert list(diff["id"]) == ["rs1", "rs2"]
    skipped = pd.read_csv(out / "skipped.tsv", sep="\t").set_index("id")["reason"]
    assert skipped["rsN"] == "REF contains N"
    assert skipped["rsSame"] == "ALT equals REF"
    assert "shorter than the model's input" in skipped["rsShort"]
    assert skipped["rsUn"] == "unknown chromosome chrUn"
    expected = variant_effect(model_path, genome_path, vcf, targets="TF", precision="fp32")
    with h5py.File(out / "variant_effects.h5") as f:
        np.testing.assert_allclose(f["scores/logit_diff"][:], expected.scores["logit_diff"],
                                   rtol=1e-6)
        assert [s.decode() for s in f["variants/id"][:]] == ["rs1", "rs2"]
        assert [s.decode() for s in f["target_names"][:]] == ["ctcf_a", "ctcf_b"]
        assert f.attrs["center_index"] == CENTER
    np.testing.assert_allclose(diff[["ctcf_a", "ctcf_b"]].to_numpy(), expected.scores["diff"],
                               rtol=1e-3, atol=1e-6)  # 4 significant digits in the TSV


def test_cli_background_writes_pvalues(model_path, genome_path, chr1, tmp_path):
    vcf = tmp_path / "v.tsv"
    vcf.write_text(f"chr1\t1000\t{chr1[999]}\t{other(chr1[999])}\n")
    out = tmp_path / "out"
    code, err = run(["variant-effect", str(vcf), "--genome", str(genome_path), "--model",
                     str(model_path), "-o", str(out), "--background", "30", "--scores", "diff"])
    assert code == 0, err
    pvalues = pd.read_csv(out / "pvalue.tsv", sep="\t")[TARGETS].to_numpy()
    assert ((pvalues >= 1 / 31 - 1e-6) & (pvalues <= 1)).all()
    significance = pd.read_csv(out / "significance.tsv", sep="\t")
    assert significance.loc[0, "min_p"] == pytest.approx(pvalues.min(), rel=1e-3)
    assert significance.loc[0, "min_p_bonferroni"] == pytest.approx(min(1, 3 * pvalues.min()),
                                                                     rel=1e-3)
    with h5py.File(out / "variant_effects.h5") as f:
        assert f["background_abs_logit_diff"].shape == (30, 3)


def _batch(n: int, start: int = 0) -> ScoredBatch:
    rng = np.random.default_rng(start)
    return ScoredBatch(
        variants=[Variant("chr1", 100 + i, "A", "C", f"v{i}" if i % 2 else ".", "+", i)
                  for i in range(start, start + n)],
        ref_match=np.ones(n, dtype=bool), padded=np.zeros(n, dtype=np.int32),
        p_ref=rng.random((n, 3), dtype=np.float32), p_alt=rng.random((n, 3), dtype=np.float32),
    )


def test_effect_writer_round_trips_through_read_effects(tmp_path):
    writer = EffectWriter(tmp_path, ["diff"], TARGETS, CATEGORIES, np.arange(3),
                          with_pvalues=False, attrs={"model": "m.pt"}, chunk_rows=2)
    batches = [_batch(3), _batch(2, start=3)]
    for batch in batches:
        writer.add_batch(batch, {"diff": batch.p_alt - batch.p_ref})
    writer.close()
    data = read_effects(tmp_path / "variant_effects.h5", "diff")
    expected = np.concatenate([b.p_alt - b.p_ref for b in batches])
    np.testing.assert_array_equal(data["values"], expected)
    assert data["ids"] == [".", "v1", ".", "v3", "."]
    assert data["labels"] == ["chr1:100C", "v1", "chr1:102C", "v3", "chr1:104C"]
    assert data["targets"] == TARGETS
    with h5py.File(tmp_path / "variant_effects.h5") as f:
        assert f.attrs["n_variants"] == 5 and f.attrs["model"] == "m.pt"
        assert f["variants/index"][:].tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(DanqError, match=r"has no logit_diff scores \(has diff\); rerun with"):
        read_effects(tmp_path / "variant_effects.h5")
    (tmp_path / "other.h5").write_bytes(b"not hdf5")
    with pytest.raises(DanqError, match="not a readable HDF5 file"):
        read_effects(tmp_path / "other.h5")


def test_effect_writer_refused_write_is_one_danq_error(tmp_path):
    """The HDF5 results go through the disk-full guard: a refused write is one DanqError line
    (when the rows are written: HDF5 gets them a chunk at a time, the rest at close)."""
    writer = EffectWriter(tmp_path, ["diff"], TARGETS, CATEGORIES, np.arange(3),
                          with_pvalues=False, attrs={})
    guard = writer._h5.file._danq_guard  # type: ignore[union-attr]
    guard.error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as a full disk records it
    batch = _batch(4)
    with pytest.raises(DanqError) as caught:
        writer.add_batch(batch, {"diff": batch.p_alt - batch.p_ref})
        writer.close()
    assert str(caught.value) == f"no space left on {tmp_path}"
    with contextlib.suppress(DanqError):
        writer.close()
    assert writer._h5 is None


def test_cli_on_a_full_disk_is_one_line_and_leaves_nothing(small_tmpfs, model_path, genome_path,
                                                           chr1, tmp_path):
    variants = tmp_path / "v.tsv"
    variants.write_text("".join(f"chr1\t{p}\t{chr1[p - 1]}\t{other(chr1[p - 1])}\n"
                                for p in range(60, 2940)))
    code, err = run(["variant-effect", str(variants), "--genome", str(genome_path), "--model",
                     str(model_path), "-o", str(small_tmpfs / "out"), "--no-progress",
                     "--scores", "ref,alt,diff,abs_diff,logit_diff,deepsea_effect"])
    assert code == 1, err
    # the output folder as the user named it, whichever writer (TSV or HDF5) hit the full disk
    assert err.strip().splitlines() == [f"danq: error: no space left on {small_tmpfs / 'out'}"]
    assert list(small_tmpfs.iterdir()) == []
