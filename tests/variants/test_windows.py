"""Variant windows: the convention is exact, indels keep length L, chromosome ends are N-padded."""

from __future__ import annotations

import numpy as np

import danq
from danq.sequence.genome import Genome
from danq.variants.effect import variant_effect
from danq.variants.reading import Variant
from danq.variants.windows import WindowBuilder
from tests.variants.helpers import CENTER, LENGTH, other


def test_snv_windows_match_hand_built_windows_and_danq_predict(model, genome_path, chr1):
    pos = 1000  # 1-based: genome index 999 lands at window index 49
    ref, alt = chr1[999], other(chr1[999])
    ref_window = chr1[950:1050]
    alt_window = chr1[950:999] + alt + chr1[1000:1050]
    assert ref_window[CENTER] == ref and len(alt_window) == LENGTH

    result = variant_effect(model, genome_path, [("chr1", pos, ref, alt, "rs1")],
                            scores="ref,alt,diff")
    expected = danq.predict(model, [ref_window, alt_window], precision="fp32")
    np.testing.assert_allclose(result.scores["ref"][0], expected[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.scores["alt"][0], expected[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.scores["diff"][0], expected[1] - expected[0], atol=1e-6)
    assert result.variants.loc[0, "ref_match"] and result.variants.loc[0, "padded"] == 0
    assert not np.allclose(expected[0], expected[1])  # the check above could fail


def test_deletion_and_insertion_keep_length_with_genome_flank(genome_path, chr1):
    with Genome(genome_path) as genome:
        builder = WindowBuilder(genome, LENGTH)
        deletion = Variant("chr1", 1000, chr1[999:1002], chr1[999])  # 2 bases deleted
        w = builder.build(deletion)
        assert danq.encoders.from_tokens(w.ref) == chr1[950:1050]
        assert danq.encoders.from_tokens(w.alt) == chr1[950:1000] + chr1[1002:1052]

        insertion = Variant("chr1", 1000, chr1[999], chr1[999] + "GG")
        w = builder.build(insertion)
        assert danq.encoders.from_tokens(w.ref) == chr1[950:1050]
        assert danq.encoders.from_tokens(w.alt) == chr1[950:1000] + "GG" + chr1[1000:1048]
        assert w.ref.shape == w.alt.shape == (LENGTH,)


def test_indel_scores_equal_predict_on_hand_built_windows(model, genome_path, chr1):
    variants = [("chr1", 1000, chr1[999:1002], chr1[999]), ("chr1", 1500, chr1[1499], chr1[1499] + "TA")]
    result = variant_effect(model, genome_path, variants, scores="alt")
    expected = danq.predict(model, [chr1[950:1000] + chr1[1002:1052],
                                    chr1[1450:1500] + "TA" + chr1[1500:1548]], precision="fp32")
    np.testing.assert_allclose(result.scores["alt"], expected, rtol=1e-5, atol=1e-6)


def test_windows_off_a_chromosome_end_are_n_padded_and_flagged(genome_path, chr1):
    with Genome(genome_path) as genome:
        w = WindowBuilder(genome, LENGTH).build(Variant("chr1", 10, chr1[9], other(chr1[9])))
        assert w.padded == 40  # window starts at genome index 9 - 49 = -40
        assert danq.encoders.from_tokens(w.ref) == "N" * 40 + chr1[:60]
        w = WindowBuilder(genome, LENGTH).build(Variant("chr1", 3000, chr1[2999], other(chr1[2999])))
        assert w.padded == 50 and danq.encoders.from_tokens(w.ref) == chr1[2950:] + "N" * 50
