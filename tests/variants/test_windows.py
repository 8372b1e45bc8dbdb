"""Variant windows: the convention is exact, indels keep length L, chromosome ends are N-padded."""

from __future__ import annotations

import numpy as np
import pytest

import danq
from danq.errors import DanqError
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


def _text(tokens: np.ndarray) -> str:
    return danq.encoders.from_tokens(tokens)


def test_centered_windows_centre_ref_and_alt_like_selene(genome_path, chr1):
    # L = 100: REF's first base at (L - 1) // 2 - len(REF) // 2 = 49 - len(REF) // 2
    with Genome(genome_path) as genome:
        builder = WindowBuilder(genome, LENGTH)  # default: centered
        deletion = Variant("chr1", 1000, chr1[999:1004], chr1[999] + "G")  # 5 -> 2 bases
        w = builder.build(deletion)
        assert _text(w.ref) == chr1[952:1052]  # REF at 49 - 5 // 2 = 47: starts at 999 - 47
        assert _text(w.ref)[47:52] == chr1[999:1004]
        # ALT at 49 - 2 // 2 = 48, both flanks from the genome around the deleted bases
        assert _text(w.alt) == chr1[951:999] + chr1[999] + "G" + chr1[1004:1054]

        insertion = Variant("chr1", 1000, chr1[999], chr1[999] + "GG")  # 1 -> 3 bases
        w = builder.build(insertion)
        assert _text(w.ref) == chr1[950:1050]
        # REF replaced by ALT at 49, then (3 - 1) // 2 = 1 base trimmed left and 1 right
        assert _text(w.alt) == chr1[951:999] + chr1[999] + "GG" + chr1[1000:1049]
        assert w.ref.shape == w.alt.shape == (LENGTH,)

        mnv = Variant("chr1", 1000, chr1[999:1001], "AC")
        w = builder.build(mnv)
        assert _text(w.ref) == chr1[951:1051]  # REF at 49 - 2 // 2 = 48
        assert _text(w.alt) == chr1[951:999] + "AC" + chr1[1001:1051]


def test_selene_convention_reproduces_selene_06_deletion_flanks(genome_path, chr1):
    # Selene 0.6: lhs = genome[start - k//2 + m//2 : pos + 1], rhs = genome[pos + 1 + k :
    # end + ceil(k/2) - ceil(m/2)] with pos 1-based, start = pos + k//2 - L/2, end = start + L
    with Genome(genome_path) as genome:
        selene = WindowBuilder(genome, LENGTH, "selene")
        centered = WindowBuilder(genome, LENGTH, "centered")
        deletion = Variant("chr1", 1000, chr1[999:1002], chr1[999])  # k = 3, m = 1
        w = selene.build(deletion)
        assert _text(w.alt) == chr1[950:1001] + chr1[999] + chr1[1004:1052]
        assert _text(w.ref) == _text(centered.build(deletion).ref) == chr1[951:1051]
        assert _text(centered.build(deletion).alt) == chr1[950:999] + chr1[999] + chr1[1002:1052]
        for other_kind in (Variant("chr1", 1000, chr1[999], chr1[999] + "TT"),
                           Variant("chr1", 1000, chr1[999], other(chr1[999]))):
            a, b = selene.build(other_kind), centered.build(other_kind)
            assert np.array_equal(a.ref, b.ref) and np.array_equal(a.alt, b.alt)


def test_left_convention_keeps_the_left_flank_and_shifts_the_right(genome_path, chr1):
    with Genome(genome_path) as genome:
        builder = WindowBuilder(genome, LENGTH, "left")
        deletion = Variant("chr1", 1000, chr1[999:1002], chr1[999])  # 2 bases deleted
        w = builder.build(deletion)
        assert _text(w.ref) == chr1[950:1050]
        assert _text(w.alt) == chr1[950:1000] + chr1[1002:1052]

        insertion = Variant("chr1", 1000, chr1[999], chr1[999] + "GG")
        w = builder.build(insertion)
        assert _text(w.ref) == chr1[950:1050]
        assert _text(w.alt) == chr1[950:1000] + "GG" + chr1[1000:1048]


def test_odd_length_centres_at_l_minus_1_over_2(genome_path, chr1):
    with Genome(genome_path) as genome:
        snv = Variant("chr1", 1000, chr1[999], other(chr1[999]))
        assert _text(WindowBuilder(genome, 101).build(snv).ref) == chr1[949:1050]  # index 50
        assert _text(WindowBuilder(genome, 101, "left").build(snv).ref) == chr1[950:1051]  # 49


def test_unknown_window_convention_is_a_one_line_error(genome_path):
    with Genome(genome_path) as genome, pytest.raises(DanqError, match="--window middle"):
        WindowBuilder(genome, LENGTH, "middle")


def test_indel_scores_equal_predict_on_hand_built_windows(model, genome_path, chr1):
    variants = [("chr1", 1000, chr1[999:1004], chr1[999] + "G"),
                ("chr1", 1500, chr1[1499], chr1[1499] + "TA")]
    result = variant_effect(model, genome_path, variants, scores="ref,alt")
    expected = danq.predict(model, [chr1[952:1052], chr1[951:999] + chr1[999] + "G" + chr1[1004:1054],
                                    chr1[1450:1550], chr1[1451:1500] + "TA" + chr1[1500:1549]],
                            precision="fp32")
    np.testing.assert_allclose(result.scores["ref"], expected[[0, 2]], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.scores["alt"], expected[[1, 3]], rtol=1e-5, atol=1e-6)
    left = variant_effect(model, genome_path, variants, scores="alt", window="left")
    assert not np.allclose(left.scores["alt"][0], result.scores["alt"][0])


def test_windows_off_a_chromosome_end_are_n_padded_and_flagged(genome_path, chr1):
    with Genome(genome_path) as genome:
        w = WindowBuilder(genome, LENGTH).build(Variant("chr1", 10, chr1[9], other(chr1[9])))
        assert w.padded == 40  # window starts at genome index 9 - 49 = -40
        assert danq.encoders.from_tokens(w.ref) == "N" * 40 + chr1[:60]
        w = WindowBuilder(genome, LENGTH).build(Variant("chr1", 3000, chr1[2999], other(chr1[2999])))
        assert w.padded == 50 and danq.encoders.from_tokens(w.ref) == chr1[2950:] + "N" * 50
