"""Tests for danq.motifs.filters / danq.formats.jaspar / `danq motifs`: sites, matrices, MEME, TOMTOM, CLI.

The TOMTOM tests call memelite, whose numba kernels compile once per environment (about a
minute) and are then loaded from the on-disk cache (see danq.runtime.configure_numba_cache).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from torch import nn

from danq.errors import DanqError
from danq.formats.jaspar import load_jaspar, normalise_release
from danq.motifs.filters import (
    benjamini_hochberg,
    extract_motifs,
    filter_activations,
    information_content,
    model_first_conv,
    pfm_to_ppm,
    site_counts,
    site_thresholds,
    tomtom_against_jaspar,
    write_meme,
)
from danq.runtime import configure_numba_cache

RELEASE = "JASPAR2016"  # smallest bundled CORE vertebrate set (519 motifs): fastest to compare
LENGTH = 120
WIDTH = 24
N_FILTERS = 12
N_SEQUENCES = 300
MOTIF_OFFSET = 2  # where the CTCF log-odds sit inside filter 0's kernel


def random_tokens(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    return rng.integers(0, 4, size=(n, length)).astype(np.uint8)


def to_text(tokens: np.ndarray) -> str:
    return "".join("ACGTN"[t] for t in tokens)


@pytest.fixture(scope="module")
def ctcf() -> tuple[str, np.ndarray]:
    motif = next(m for m in load_jaspar(RELEASE) if m.name == "CTCF")
    return motif.matrix_id, pfm_to_ppm(motif.pfm)


@pytest.fixture(scope="module")
def planted(ctcf) -> tuple[np.ndarray, np.ndarray]:
    """Random sequences; half carry one CTCF instance drawn from its PPM, on either strand."""
    _, ppm = ctcf
    rng = np.random.default_rng(1)
    tokens = random_tokens(rng, N_SEQUENCES, LENGTH)
    has_site = rng.random(N_SEQUENCES) < 0.5
    width = ppm.shape[1]
    for i in np.flatnonzero(has_site):
        site = np.array([rng.choice(4, p=ppm[:, j]) for j in range(width)], dtype=np.uint8)
        if rng.random() < 0.5:
            site = (3 - site)[::-1]  # reverse complement: A<->T, C<->G is 3 - token
        start = rng.integers(0, LENGTH - width)
        tokens[i, start : start + width] = site
    return tokens, has_site


def ctcf_model(ppm: np.ndarray) -> nn.Module:
    """A tiny DanQ whose filter 0 is CTCF's log-odds (bias: 60 % of the best score); others random."""
    from danq.models import DanQ

    torch.manual_seed(0)
    model = DanQ(sequence_length=LENGTH, n_targets=2, conv_channels=N_FILTERS, conv_width=WIDTH,
                 lstm_hidden=4, dense_hidden=6)
    log_odds = np.log2((ppm + 0.01) / 0.25)
    with torch.no_grad():
        model.conv.weight[0] = 0.0
        model.conv.weight[0, :, MOTIF_OFFSET : MOTIF_OFFSET + ppm.shape[1]] = torch.tensor(log_odds)
        model.conv.bias[0] = -0.6 * float(log_odds.max(axis=0).sum())
    return model.eval()


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


def test_probabilities_and_information_content():
    pfm = np.array([[10, 0, 5, 0], [0, 0, 5, 0], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=float)
    ppm = pfm_to_ppm(pfm)
    np.testing.assert_allclose(ppm[:, 1], 0.25)  # no counts: uniform
    np.testing.assert_allclose(ppm.sum(axis=0), 1.0)
    np.testing.assert_allclose(information_content(ppm), [2.0, 0.0, 1.0, 0.0])


# --------------------------------------------------------------------------------------------
# MEME output


def test_meme_file_round_trips_through_memelite(tmp_path):
    from memelite.io import read_meme

    rng = np.random.default_rng(5)
    motifs = [(f"filter_{i:03d}", rng.dirichlet(np.ones(4), size=w).T, 10 * i + 3)
              for i, w in enumerate([8, 26, 5])]
    path = tmp_path / "motifs.meme"
    write_meme(path, motifs)
    back = read_meme(str(path))
    assert list(back) == [name for name, _, _ in motifs]
    for name, ppm, _ in motifs:
        np.testing.assert_allclose(back[name], ppm, atol=1e-6)
    text = path.read_text()
    assert text.startswith("MEME version 4")
    assert re.findall(r"nsites= (\d+)", text) == ["3", "13", "23"]


# --------------------------------------------------------------------------------------------
# TOMTOM


def test_benjamini_hochberg_matches_scipy():
    from scipy.stats import false_discovery_control

    rng = np.random.default_rng(2)
    p = rng.random((3, 50)) ** 3
    expected = np.stack([false_discovery_control(row, method="bh") for row in p])
    np.testing.assert_allclose(benjamini_hochberg(p), expected, rtol=1e-12)


def test_log_odds_filter_recovers_its_jaspar_motif_and_random_filters_mostly_do_not(
    ctcf, planted
):
    matrix_id, ppm = ctcf
    tokens, has_site = planted
    model = ctcf_model(ppm)
    motifs = extract_motifs(model.conv, tokens)
    assert 20 <= motifs[0].nsites <= has_site.sum()  # only (strong) planted instances pass
    queries = {m.name: m.ppm for m in motifs}
    matches, n_database = tomtom_against_jaspar(queries, RELEASE, top=3)
    assert n_database == 519
    per_filter = matches.groupby("filter").size()
    assert "filter_000" in per_filter.index and (per_filter == 3).all()

    best = matches[matches["rank"] == 1].set_index("filter")
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


def test_tomtom_reports_reverse_strand_matches(ctcf):
    matrix_id, ppm = ctcf
    matches, _ = tomtom_against_jaspar({"rc": ppm[::-1, ::-1]}, RELEASE, top=1)
    assert matches.loc[0, "target_id"] == matrix_id
    assert matches.loc[0, "strand"] == "-"


def test_unknown_release_is_a_clear_error():
    assert normalise_release("2016") == "JASPAR2016"
    with pytest.raises(DanqError, match="unknown JASPAR release"):
        load_jaspar("JASPAR1999")


def test_numba_cache_goes_to_a_user_dir_when_memelite_is_read_only(tmp_path, monkeypatch):
    import importlib.util
    from types import SimpleNamespace

    import numba.core.config

    monkeypatch.setattr(numba.core.config, "CACHE_DIR", numba.core.config.CACHE_DIR)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert configure_numba_cache() == str(tmp_path / "mine")  # the user's choice wins

    monkeypatch.delenv("NUMBA_CACHE_DIR")
    blocker = tmp_path / "site-packages"
    blocker.write_text("a file, so nothing can be created below it")
    spec = SimpleNamespace(submodule_search_locations=[str(blocker / "memelite")])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    chosen = configure_numba_cache()
    assert chosen == str(tmp_path / "cache" / "danq" / "numba")
    assert Path(chosen).is_dir()
    import os

    assert os.environ["NUMBA_CACHE_DIR"] == chosen


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


# --------------------------------------------------------------------------------------------
# The command


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, ctcf) -> Path:
    from danq.models.checkpoint import save_checkpoint

    path = tmp_path_factory.mktemp("model") / "ctcf.pt"
    save_checkpoint(path, ctcf_model(ctcf[1]), {"target_names": ["ctcf", "other"]})
    return path


def test_cli_writes_every_output_from_fasta(tmp_path, checkpoint, planted, ctcf):
    from danq.cli import cli

    tokens, _ = planted
    fasta = tmp_path / "seqs.fa"
    fasta.write_text("".join(f">s{i}\n{to_text(t)}\n" for i, t in enumerate(tokens)))
    out = tmp_path / "motifs"
    result = CliRunner().invoke(cli, ["motifs", "-m", str(checkpoint), "-d", str(fasta),
                                      "-o", str(out), "--release", RELEASE, "--threads", "1"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_filters"] == N_FILTERS and summary["n_sequences"] == N_SEQUENCES
    assert summary["release"] == RELEASE and summary["n_database_motifs"] == 519
    assert 1 <= summary["n_matched_evalue"] < N_FILTERS / 2
    assert summary["dist"] == "pearson" and summary["min_overlap"] == 5
    compared = summary["n_tested"] + summary["n_uninformative"]
    assert summary["decoys"]["all"]["n"] == 2 * compared  # one shuffled, one background each
    assert 0 <= summary["decoys"]["all"]["rate"] <= 0.5

    filters = pd.read_csv(out / "filters.tsv", sep="\t")
    assert len(filters) == N_FILTERS
    assert filters.loc[0, "best_target_id"] == ctcf[0] and bool(filters.loc[0, "matched"])
    assert summary["n_matched_evalue"] == int(filters["matched"].sum())
    assert set(filters["status"]) <= {"tested", "uninformative", "too_few_sites", "no_sites"}
    assert (filters.loc[filters["status"] == "uninformative", "best_target_id"].isna()).all()
    tomtom = pd.read_csv(out / "tomtom.tsv", sep="\t")
    assert set(tomtom["rank"]) == {1, 2, 3, 4, 5}

    from memelite.io import read_meme

    assert set(read_meme(str(out / "motifs.meme"))) == set(filters.loc[filters.nsites > 0, "name"])
    logos = sorted(p.name for p in (out / "logos").iterdir())
    assert logos == sorted(f"{name}.png" for name in filters.loc[filters.matched, "name"])
    assert (out / "logos_overview.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob(".motifs.*"))  # no temporary directory left behind


def test_cli_positives_of_a_target_in_an_hdf5_dataset(tmp_path, checkpoint, planted):
    from danq.cli import cli
    from danq.formats.dataset import DatasetWriter

    tokens, has_site = planted
    data = tmp_path / "train.h5"
    labels = np.stack([has_site, ~has_site], axis=1).astype(np.uint8)
    with DatasetWriter(data, LENGTH, ["ctcf", "other"]) as writer:
        writer.append(tokens, labels, [f"s{i}" for i in range(len(tokens))])
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("from an earlier run")
    result = CliRunner().invoke(cli, [
        "motifs", "-m", str(checkpoint), "-d", str(data), "-o", str(out), "--release", RELEASE,
        "--positives-of", "ctcf", "--min-sites", "1000", "--no-logos", "--threads", "1",
    ])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_sequences"] == int(has_site.sum())
    assert summary["n_tested"] == 0 and summary["n_matched_evalue"] == 0
    filters = pd.read_csv(out / "filters.tsv", sep="\t")
    assert set(filters["status"]) <= {"too_few_sites", "no_sites"}  # reported, not dropped
    assert len(filters) == N_FILTERS
    assert not (out / "stale.txt").exists() and not (out / "logos").exists()

    bad = CliRunner().invoke(cli, ["motifs", "-m", str(checkpoint), "-d", str(data),
                                   "-o", str(tmp_path / "x"), "--positives-of", "nope"])
    assert isinstance(bad.exception, DanqError) and "no such target" in str(bad.exception)


def test_cli_bad_input_exits_1_with_one_line(tmp_path, checkpoint):
    fasta = tmp_path / "short.fa"
    fasta.write_text(">tiny\nACGTACGT\n")
    run = subprocess.run(
        [sys.executable, "-c", "from danq.cli import main; main()", "motifs", "-m",
         str(checkpoint), "-d", str(fasta), "-o", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("danq: error: ")
    assert "shorter than the model's first-layer kernel (24 bp)" in lines[0]
    assert not (tmp_path / "out").exists()
