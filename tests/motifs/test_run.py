"""Tests for danq.motifs.run: the `danq motifs` and `danq tomtom` stages and their outputs."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from danq.errors import DanqError
from danq.motifs.meme import write_meme
from danq.motifs.run import check_motif_options
from tests.motifs.helpers import LENGTH, N_FILTERS, N_SEQUENCES, RELEASE, one_hot, to_text

# --------------------------------------------------------------------------------------------
# `danq motifs`


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
    from danq.formats.dataset_writer import DatasetWriter

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
        "--database-size", "1748",
    ])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["database_size"] == 1748
    assert summary["n_sequences"] == int(has_site.sum())
    assert summary["n_tested"] == 0 and summary["n_matched_evalue"] == 0
    filters = pd.read_csv(out / "filters.tsv", sep="\t")
    assert set(filters["status"]) <= {"too_few_sites", "no_sites"}  # reported, not dropped
    assert len(filters) == N_FILTERS
    assert (out / "stale.txt").exists() and not (out / "logos").exists()  # never deleted (#24)

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


def test_motif_options_that_select_nothing_are_refused_before_reading_anything():
    check_motif_options(0.01, None, 1, 1)
    for args, message in [((0, None, 1, 1), "--evalue 0: must be positive"),
                          ((0.01, 1.5, 1, 1), "--threshold-fraction 1.5"),
                          ((0.01, None, 0, 1), "--max-sequences 0"),
                          ((0.01, None, 1, 0), "--top-matches 0")]:
        with pytest.raises(DanqError, match=message):
            check_motif_options(*args)


# --------------------------------------------------------------------------------------------
# `danq tomtom`


def test_cli_tomtom_writes_the_motifs_columns(tmp_path, jaspar):
    from danq.cli import cli

    ctcf = jaspar.ppms[jaspar.names.index("CTCF")]
    meme = tmp_path / "query.meme"
    write_meme(meme, [("ctcf", ctcf, 50), ("flat", np.full((4, 10), 0.25), 50)])
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["tomtom", str(meme), "-o", str(out), "--release", RELEASE,
                                      "--top-matches", "3", "--database-size", "1748"])
    assert result.exit_code == 0, result.output
    matches = pd.read_csv(out / "tomtom.tsv", sep="\t")
    np.testing.assert_allclose(matches["e_value"], matches["p_value"] * 1748, rtol=1e-5)
    assert list(matches.columns) == ["query", "rank", "target_id", "target_name", "p_value",
                                     "e_value", "q_value", "offset", "strand", "overlap", "score"]
    assert list(matches["query"]) == ["ctcf"] * 3  # the flat motif is not compared
    assert matches.loc[0, "target_id"] == jaspar.ids[jaspar.names.index("CTCF")]
    queries = pd.read_csv(out / "queries.tsv", sep="\t").set_index("query")
    assert queries.loc["flat", "status"] == "uninformative" and not queries.loc["flat", "matched"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_matched"] == 1 and summary["n_uninformative"] == 1
    assert summary["n_database_motifs"] == 519 and summary["dist"] == "pearson"
    assert summary["database_size"] == 1748
    assert summary["decoys"]["all"]["n"] == 4


def test_cli_tomtom_bad_input_exits_1_with_one_line(tmp_path):
    fasta = tmp_path / "seqs.fa"
    fasta.write_text(">s\nACGT\n")
    run = subprocess.run(
        [sys.executable, "-c", "from danq.cli import main; main()", "tomtom", str(fasta),
         "-o", str(tmp_path / "out"), "--release", RELEASE],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("danq: error: ")
    assert "not a MEME motif file" in lines[0]
    assert not (tmp_path / "out").exists()

    inside = tmp_path / "run" / "query.meme"
    inside.parent.mkdir()
    write_meme(inside, [("m", one_hot("ACGTAC"), 5)])
    result = CliRunner().invoke(cli_group(), ["tomtom", str(inside), "-o", str(inside.parent)])
    assert isinstance(result.exception, DanqError) and "inside the output" in str(result.exception)
    assert inside.exists()


def cli_group():
    from danq.cli import cli

    return cli
