"""Encoders: golden cases, invalid input and property tests."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from danq import encoders as E

dna = st.text(alphabet="ACGTN", min_size=1, max_size=300)
acgt = st.text(alphabet="ACGT", min_size=1, max_size=300)
alphabets = st.permutations("ACGT").map("".join)


def test_one_hot_golden():
    expected = np.array(
        [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0]], dtype=np.float32
    )
    out = E.one_hot("ACGTN")
    assert out.dtype == np.float32 and out.shape == (4, 5)
    np.testing.assert_array_equal(out, expected)


def test_one_hot_lower_case_equals_upper_case():
    np.testing.assert_array_equal(E.one_hot("acgtnacg"), E.one_hot("ACGTNACG"))


@pytest.mark.parametrize("code", list("NRYSWKMBDHVnryswkmbdhv"))
def test_ambiguity_codes_give_zero_column(code):
    assert not E.one_hot(f"A{code}T")[:, 1].any()


@pytest.mark.parametrize(
    "seq, char, position", [("ACG1T", "1", 4), ("-ACGT", "-", 1), ("ACGT*", "*", 5), ("AC GT", " ", 3)]
)
def test_invalid_character_names_character_and_position(seq, char, position):
    with pytest.raises(ValueError, match=rf"{char!r} at position {position}\b"):
        E.one_hot(seq)


def test_non_ascii_character_is_rejected():
    with pytest.raises(ValueError, match="position 2"):
        E.to_tokens("Aé")


def test_alphabet_order_and_dtype():
    out = E.one_hot("AGCT", alphabet="AGCT", dtype=np.uint8)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.eye(4, dtype=np.uint8))
    with pytest.raises(ValueError, match="permutation"):
        E.one_hot("ACGT", alphabet="ACGU")


def test_one_hot_batch_shape_and_unequal_lengths():
    batch = E.one_hot_batch(["ACGT", "TTTT", "NNNA"])
    assert batch.shape == (3, 4, 4)
    np.testing.assert_array_equal(batch[1], E.one_hot("TTTT"))
    with pytest.raises(ValueError, match="unequal lengths"):
        E.one_hot_batch(["ACGT", "ACG"])
    with pytest.raises(ValueError, match="sequence 1"):
        E.one_hot_batch(["ACGT", "AC-G"])


def test_tokens_golden():
    np.testing.assert_array_equal(E.to_tokens("ACGTNacgtr"), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4])
    assert E.to_tokens("ACGT").dtype == np.uint8
    assert E.from_tokens(np.array([3, 2, 1, 0, 4], dtype=np.uint8)) == "TGCAN"
    with pytest.raises(ValueError):
        E.from_tokens([5])


def test_reverse_complement_golden():
    assert E.reverse_complement("AACGTN") == "NACGTT"
    assert E.reverse_complement("acgR") == "Ycgt"
    x = E.one_hot("AACG")
    np.testing.assert_array_equal(E.reverse_complement(x), E.one_hot("CGTT"))
    batch = E.one_hot_batch(["AACG", "TTTG"])
    rc = E.reverse_complement(batch)
    np.testing.assert_array_equal(rc[1], E.one_hot("CAAA"))
    assert batch[0, 0, 0] == 1  # input untouched


def test_reverse_complement_torch_tensor():
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(E.one_hot_batch(["AACG", "GATC"]))
    np.testing.assert_array_equal(E.reverse_complement(x).numpy(), E.one_hot_batch(["CGTT", "GATC"]))


def test_reorder_deepsea_order():
    agct = E.one_hot("ACGTN", alphabet="AGCT")
    np.testing.assert_array_equal(E.reorder(agct, "AGCT", "ACGT"), E.one_hot("ACGTN"))


def test_decode_batch_and_zero_column():
    assert E.decode(E.one_hot("ACNGT")) == "ACNGT"
    assert E.decode(E.one_hot_batch(["AC", "GT"])) == ["AC", "GT"]
    assert E.decode(E.one_hot("AGCT", alphabet="AGCT"), alphabet="AGCT") == "AGCT"


@pytest.mark.parametrize(
    "seq, length, expected",
    [("ACGTAC", 4, "CGTA"), ("ACGTA", 4, "ACGT"), ("AC", 6, "NNACNN"), ("ACG", 6, "NACGNN"), ("AC", 2, "AC")],
)
def test_fit_length(seq, length, expected):
    assert E.fit_length(seq, length) == expected
    assert E.from_tokens(E.fit_tokens(E.to_tokens(seq), length)) == expected


@pytest.mark.parametrize(
    "n, length, margins",
    [(6, 4, (1, 1)), (5, 4, (0, 1)), (2, 6, (2, 2)), (3, 6, (1, 2)), (2, 2, (0, 0)), (0, 3, (1, 2))],
)
def test_fit_margins_put_an_odd_extra_on_the_right(n, length, margins):
    assert E.fit_margins(n, length) == margins


@pytest.mark.parametrize("fit", [E.fit_length, E.fit_tokens, E.fit_one_hot])
def test_fit_rejects_a_length_below_one(fit):
    value = {E.fit_length: "ACGT", E.fit_tokens: E.to_tokens("ACGT"), E.fit_one_hot: E.one_hot("ACGT")}[fit]
    with pytest.raises(ValueError, match="length must be positive"):
        fit(value, 0)


@given(dna, st.integers(min_value=1, max_value=60))
def test_fit_one_hot_and_tokens_follow_fit_length(seq, length):
    expected = E.fit_length(seq, length)
    np.testing.assert_array_equal(E.fit_one_hot(E.one_hot(seq), length), E.one_hot(expected))
    assert E.from_tokens(E.fit_tokens(E.to_tokens(seq), length)) == expected


@given(dna)
def test_decode_inverts_one_hot(seq):
    assert E.decode(E.one_hot(seq)) == seq


@given(dna)
def test_double_reverse_complement_is_identity(seq):
    assert E.reverse_complement(E.reverse_complement(seq)) == seq
    x = E.one_hot(seq)
    np.testing.assert_array_equal(E.reverse_complement(E.reverse_complement(x)), x)


@given(acgt)
def test_string_and_array_reverse_complement_agree(seq):
    np.testing.assert_array_equal(E.reverse_complement(E.one_hot(seq)), E.one_hot(E.reverse_complement(seq)))


@given(dna)
def test_token_round_trip(seq):
    assert E.from_tokens(E.to_tokens(seq)) == seq


@given(dna, alphabets, alphabets)
def test_reorder_round_trip(seq, a, b):
    x = E.one_hot(seq, alphabet=a)
    y = E.reorder(x, a, b)
    np.testing.assert_array_equal(y, E.one_hot(seq, alphabet=b))
    np.testing.assert_array_equal(E.reorder(y, b, a), x)


@given(dna, st.integers(min_value=1, max_value=400))
def test_fit_length_keeps_centre(seq, length):
    out = E.fit_length(seq, length)
    assert len(out) == length
    if len(seq) <= length:
        assert seq in out
    else:
        assert out in seq


def test_one_hot_to_tokens_inverts_tokens_to_one_hot() -> None:
    tokens = E.tokens_batch(["ACGTN", "NNTGA"])
    assert np.array_equal(E.one_hot_to_tokens(E.tokens_to_one_hot(tokens)), tokens)
    soft = np.array([[0.1, 0.0], [0.7, 0.0], [0.1, 0.0], [0.1, 0.0]])  # (4, L): C, then N
    assert E.one_hot_to_tokens(soft).tolist() == [1, 4]
