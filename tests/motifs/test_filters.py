"""Tests for danq.motifs.filters: first-layer filters scanned, sites counted, motifs extracted."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from danq.errors import DanqError
from danq.motifs.filters import (
    extract_motifs,
    filter_activations,
    model_first_conv,
    site_counts,
    site_thresholds,
)
from danq.motifs.matrices import pfm_to_ppm
from danq.motifs.tomtom import tomtom
from tests.motifs.helpers import MOTIF_OFFSET, N_FILTERS, WIDTH, ctcf_model, random_tokens, to_text

# --------------------------------------------------------------------------------------------
# Scanning and counting


def test_filter_activations_equal_a_full_convolution_in_any_batching():
    rng = np.random.default_rng(0)
    conv = nn.Conv1d(4, 5, 7, padding=3)  # the layer's padding is ignored: whole windows only
    tokens = random_tokens(rng, 23, 40)
    tokens[3, 10:15] = 4  # N
    max_values, positions = filter_activations(conv, tokens, batch_size=6)

    from danq.encoders import tokens_to_one_hot

    x = torch.from_numpy(tokens_to_one_hot(tokens))
    with torch.no_grad():
        full = torch.nn.functional.conv1d(x, conv.weight, conv.bias).numpy()
    np.testing.assert_allclose(max_values, full.max(axis=2), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(positions, full.argmax(axis=2))

    # one-hot input and a model trained on another channel order give the same answer
    agct = nn.Conv1d(4, 5, 7)
    with torch.no_grad():
        agct.weight.copy_(conv.weight[:, [0, 2, 1, 3], :])
        agct.bias.copy_(conv.bias)
    again, where = filter_activations(agct, tokens_to_one_hot(tokens), alphabet="AGCT")
    np.testing.assert_allclose(again, max_values, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(where, positions)


def test_site_counts_count_exactly_the_windows_of_passing_maxima():
    """A filter that scores +1 per matching base with bias -5.5 fires only on exact ACGTAC."""
    word = "ACGTAC"
    conv = nn.Conv1d(4, 1, len(word))
    with torch.no_grad():
        conv.weight.zero_()
        for j, letter in enumerate(word):
            conv.weight[0, "ACGT".index(letter), j] = 1.0
        conv.bias.fill_(-5.5)
    rng = np.random.default_rng(3)
    tokens = random_tokens(rng, 60, 50)
    for i in range(0, 60, 3):
        start = int(rng.integers(0, 50 - len(word)))
        tokens[i, start : start + len(word)] = [("ACGT".index(c)) for c in word]
    texts = [to_text(t) for t in tokens]

    max_values, positions = filter_activations(conv, tokens)
    pfms, nsites = site_counts(tokens, max_values, positions, len(word), 0.0)

    carriers = [i for i, text in enumerate(texts) if word in text]
    assert nsites[0] == len(carriers) >= 20
    expected = np.zeros((4, len(word)))
    for j, letter in enumerate(word):
        expected["ACGT".index(letter), j] = len(carriers)
    np.testing.assert_array_equal(pfms[0], expected)
    for i in carriers:  # the first best window is the first occurrence
        assert positions[i, 0] == texts[i].find(word)


def test_thresholds_absolute_and_fraction_of_the_filters_maximum():
    max_values = np.array([[0.5, -1.0, 4.0], [2.0, -0.5, 1.0], [1.0, -2.0, 3.0]])
    np.testing.assert_array_equal(site_thresholds(max_values), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(site_thresholds(max_values, fraction=0.5), [1.0, 0.0, 2.0])
    tokens = np.zeros((3, 10), dtype=np.uint8)
    positions = np.zeros((3, 3), dtype=np.int32)
    _, nsites = site_counts(tokens, max_values, positions, 4, site_thresholds(max_values, 0.0, 0.5))
    np.testing.assert_array_equal(nsites, [1, 0, 2])  # strictly above: 2.0 | none | 4.0, 3.0
    with pytest.raises(DanqError, match="threshold"):
        site_thresholds(max_values, -1.0)
    with pytest.raises(DanqError, match="fraction"):
        site_thresholds(max_values, fraction=1.5)


def test_n_inside_a_window_adds_nothing_to_its_column():
    tokens = np.array([[0, 4, 2, 3], [0, 1, 2, 3]], dtype=np.uint8)
    pfms, nsites = site_counts(tokens, np.ones((2, 1)), np.zeros((2, 1), dtype=np.int32), 4)
    assert nsites[0] == 2
    np.testing.assert_array_equal(pfms[0].sum(axis=0), [2, 1, 2, 2])
    np.testing.assert_allclose(pfm_to_ppm(pfms[0])[:, 1], [0, 1, 0, 0])


# --------------------------------------------------------------------------------------------
# Every filter, and its JASPAR match


def test_log_odds_filter_recovers_its_jaspar_motif_and_random_filters_mostly_do_not(
    ctcf, planted, jaspar
):
    matrix_id, ppm = ctcf
    tokens, has_site = planted
    model = ctcf_model(ppm)
    motifs = extract_motifs(model.conv, tokens)
    assert 20 <= motifs[0].nsites <= has_site.sum()  # only (strong) planted instances pass
    queries = {m.name: m.ppm for m in motifs}
    matches = tomtom(queries, jaspar, top=3)
    n_database = len(jaspar)
    assert n_database == 519
    per_filter = matches.groupby("query").size()
    assert "filter_000" in per_filter.index and (per_filter == 3).all()

    best = matches[matches["rank"] == 1].set_index("query")
    top = best.loc["filter_000"]
    assert top["target_id"] == matrix_id
    assert top["q_value"] < 0.05 and top["e_value"] < 0.01
    assert top["offset"] == -MOTIF_OFFSET and top["strand"] == "+"
    np.testing.assert_allclose(top["e_value"], top["p_value"] * n_database)

    # Random (DanQ-initialised) filters still give weak motifs; memelite's Euclidean TOMTOM
    # matched some of them to long low-information JASPAR motifs. With the paper's Pearson
    # TOMTOM and trimmed flanks none matches at E < 0.01.
    random_best = best.drop(index="filter_000")
    assert len(random_best) >= N_FILTERS // 2
    assert (random_best["target_id"] != matrix_id).all()
    assert (random_best["e_value"] >= 0.01).all()
    assert (random_best["p_value"] > top["p_value"] * 1e10).all()


def test_extract_motifs_takes_the_model_or_its_first_convolution(ctcf, planted):
    tokens, _ = planted
    model = ctcf_model(ctcf[1])
    from_model = extract_motifs(model, tokens[:50])
    from_conv = extract_motifs(model_first_conv(model), tokens[:50])
    assert [m.nsites for m in from_model] == [m.nsites for m in from_conv]
    for a, b in zip(from_model, from_conv, strict=True):
        np.testing.assert_array_equal(a.pfm, b.pfm)
    assert from_model[0].name == "filter_000" and from_model[0].pfm.shape == (4, WIDTH)


# --------------------------------------------------------------------------------------------
# Inputs


def test_bad_inputs_give_clear_errors(tmp_path):
    conv = nn.Conv1d(4, 3, 8)
    with pytest.raises(DanqError, match="no sequences"):
        filter_activations(conv, np.zeros((0, 20), dtype=np.uint8))
    with pytest.raises(DanqError, match="shorter than the first-layer kernel"):
        filter_activations(conv, np.zeros((4, 5), dtype=np.uint8))
    with pytest.raises(DanqError, match=r"^m\.pt: .*no Conv1d"):
        model_first_conv(nn.Sequential(nn.Flatten(), nn.Linear(400, 2)), "m.pt")
    with pytest.raises(DanqError, match="Conv1d"):
        filter_activations(nn.Linear(4, 2), np.zeros((2, 20), dtype=np.uint8))
