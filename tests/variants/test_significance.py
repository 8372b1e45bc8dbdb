"""Significance: empirical p-values, their summary and the seeded background SNVs."""

from __future__ import annotations

import gzip

import h5py
import numpy as np
import pandas as pd

from danq.sequence.genome import Genome
from danq.variants.significance import empirical_pvalues, random_snvs, summarize_pvalues
from tests.variants.helpers import TARGETS, other, run, write_fasta, write_vcf


def test_empirical_pvalues_hand_computed():
    background = np.sort(np.array([[0.1, 1.0], [0.2, 2.0], [0.3, 3.0], [0.4, 4.0]],
                                  dtype=np.float32), axis=0)
    observed = np.array([[0.25, -5.0], [-0.1, 0.0]], dtype=np.float32)
    p = empirical_pvalues(observed, background)
    # |0.25| >= 2 of 4 -> 3/5; |-5| beats all -> 1/5; |-0.1| ties the lowest -> 5/5; 0 -> 5/5
    np.testing.assert_allclose(p, [[3 / 5, 1 / 5], [1.0, 1.0]])
    min_p, bonferroni, best = summarize_pvalues(p)
    np.testing.assert_allclose(min_p, [0.2, 1.0])
    np.testing.assert_allclose(bonferroni, [0.4, 1.0])
    assert best[0] == 1


def test_random_snvs_are_seeded_at_non_n_positions(tmp_path):
    genome_path = write_fasta(tmp_path / "n.fa", {"a": "N" * 500 + "ACGT" * 25 + "N" * 500,
                                                   "b": "N" * 300})
    with Genome(genome_path) as genome:
        first = random_snvs(genome, 40, seed=7)
        again = random_snvs(genome, 40, seed=7)
        assert first == again and len(first) == 40
        for v in first:
            assert v.chrom == "a" and 501 <= v.pos <= 600
            assert v.ref == "ACGT"[(v.pos - 501) % 4] and v.alt != v.ref


def test_gzipped_vcf_and_background_vcf(model_path, genome_path, chr1, tmp_path):
    rows = [("chr1", 1000 + 10 * i, f"b{i}", chr1[999 + 10 * i], other(chr1[999 + 10 * i]))
            for i in range(5)]
    background = write_vcf(tmp_path / "background.vcf", rows)
    variants = tmp_path / "v.vcf.gz"
    variants.write_bytes(gzip.compress(write_vcf(tmp_path / "v.vcf", rows[:1]).read_bytes()))
    out = tmp_path / "out"
    code, err = run(["variant-effect", str(variants), "--genome", str(genome_path), "--model",
                     str(model_path), "-o", str(out), "--background-vcf", str(background)])
    assert code == 0, err
    pvalues = pd.read_csv(out / "pvalue.tsv", sep="\t")[TARGETS].to_numpy()
    # 5 background variants: p = (1 + k) / 6 with k of them at least as extreme.
    k = np.rint(pvalues * 6) - 1
    np.testing.assert_allclose(pvalues, (1 + k) / 6, atol=1e-3)  # the TSV keeps 4 digits
    assert ((k >= 0) & (k <= 5)).all()
    with h5py.File(out / "variant_effects.h5") as f:
        assert f["background_abs_logit_diff"].shape == (5, 3)


def test_deepsea_effect_as_the_background_statistic(model_path, genome_path, chr1, tmp_path):
    from danq.variants.effect import variant_effect

    rows = [("chr1", 1000 + 10 * i, f"b{i}", chr1[999 + 10 * i], other(chr1[999 + 10 * i]))
            for i in range(6)]
    background = write_vcf(tmp_path / "background.vcf", rows)
    variants = write_vcf(tmp_path / "v.vcf", rows[:2])
    out = tmp_path / "out"
    code, err = run(["variant-effect", str(variants), "--genome", str(genome_path), "--model",
                     str(model_path), "-o", str(out), "--background-vcf", str(background),
                     "--background-score", "deepsea_effect", "--scores", "diff"])
    assert code == 0, err
    scored = variant_effect(model_path, genome_path, [(c, p, r, a, i) for c, p, i, r, a in rows],
                            scores="deepsea_effect,logit_diff")
    effect = scored.scores["deepsea_effect"]
    expected = empirical_pvalues(effect[:2], np.sort(np.abs(effect), axis=0))
    pvalues = pd.read_csv(out / "pvalue.tsv", sep="\t")[TARGETS].to_numpy()
    np.testing.assert_allclose(pvalues, expected, atol=1e-3)
    with h5py.File(out / "variant_effects.h5") as f:
        stored = f["background_abs_deepsea_effect"][:]
        assert f.attrs["background_score"] == "deepsea_effect"
    np.testing.assert_allclose(stored, np.sort(np.abs(effect), axis=0), rtol=1e-4, atol=1e-9)
    assert not np.allclose(stored, np.sort(np.abs(scored.scores["logit_diff"]), axis=0))
