"""danq.datasets.build: a whole build against brute force, both strands, output folder, errors, report."""

from __future__ import annotations

import json

import numpy as np
import pytest

from danq.cli import main
from danq.datasets.build import build_dataset
from danq.encoders import from_tokens, reverse_complement_tokens
from danq.errors import DanqError
from danq.formats.dataset import open_dataset
from danq.sequence.genome import Genome
from tests.datasets.helpers import (
    WINDOW,
    expected_samples,
    read_split,
    small_options,
    write_targets,
)


def test_build_matches_brute_force_and_coordinates_give_back_the_sequence(genome_setup) -> None:
    setup = genome_setup
    out = setup["tmp"] / "out"
    summary = build_dataset(setup["fasta"], setup["targets"], out, small_options())
    data = read_split(out / "train.h5")
    edges: list = []
    expected = expected_samples(setup, edges=edges)
    got = {
        (c, int(s)): tuple(int(v) for v in lab)
        for c, s, lab in zip(data["chrom"], data["start"], data["labels"], strict=True)
    }
    assert got == expected
    assert set(data["chrom"]) <= {"chr1", "chr2", "chr7", "chr8"}  # the contig is skipped
    genome = Genome(setup["fasta"])
    for i in range(len(data["start"])):
        assert data["end"][i] - data["start"][i] == WINDOW
        seq = genome.fetch(data["chrom"][i], int(data["start"][i]), int(data["end"][i]))
        assert from_tokens(data["tokens"][i]) == seq
    assert summary["splits"]["train"]["windows"] == len(expected)
    assert summary["splits"]["train"]["positives"]["DNase"] == sum(v[2] for v in expected.values())
    assert json.loads((out / "summary.json").read_text())["splits"]["valid"]["windows"] == 0
    with open_dataset(out / "train.h5") as ds:
        assert ds.target_names == ["CTCF", "RAD21", "DNase"]
        assert ds.target_categories == ["TF", "TF", "DNase"]
    # windows of the first and last bins run past the chromosome's ends: dropped and counted
    assert summary["dropped_windows"]["chromosome_edge"] == len(edges)



def test_both_strands_are_linked_pairs(genome_setup) -> None:
    setup = genome_setup
    build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "o",
                  small_options(both_strands=True))
    data = read_split(setup["tmp"] / "o" / "train.h5")
    build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "single", small_options())
    single = read_split(setup["tmp"] / "single" / "train.h5")
    forward = np.flatnonzero(data["strand"] == 1)
    partner = data["pair_index"][forward]
    assert len(forward) == len(single["start"]) > 0 and len(data["strand"]) == 2 * len(forward)
    assert (data["strand"][partner] == -1).all()
    assert np.array_equal(data["pair_index"][partner], forward)
    # the forward rows are the single-strand dataset, in the same order
    assert np.array_equal(data["tokens"][forward], single["tokens"])
    assert np.array_equal(data["labels"][forward], single["labels"])
    assert np.array_equal(data["tokens"][partner], reverse_complement_tokens(single["tokens"]))
    assert np.array_equal(data["labels"][partner], single["labels"])
    assert np.array_equal(data["start"][partner], single["start"])
    assert data["names"][forward[0]].endswith(":+") and data["names"][partner[0]].endswith(":-")



def test_cli_errors_are_one_line_and_leave_no_output(genome_setup, capsys) -> None:
    setup = genome_setup
    tmp = setup["tmp"]
    targets = write_targets(tmp, [("A", "TF", "missing.bed")])
    out = tmp / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["build-dataset", "--genome", str(setup["fasta"]), "--peaks", str(targets),
              "-o", str(out)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("danq: error: ") and "missing.bed" in err and "\n" not in err
    assert not out.exists()



def test_an_output_folder_holding_inputs_or_other_files_is_refused(genome_setup) -> None:
    setup = genome_setup
    with pytest.raises(DanqError, match="holds the input"):
        build_dataset(setup["fasta"], setup["targets"], setup["tmp"], small_options())
    other = setup["tmp"] / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(DanqError, match="not an earlier build"):
        build_dataset(setup["fasta"], setup["targets"], other, small_options())
    assert (other / "notes.txt").read_text() == "mine"
    out = setup["tmp"] / "out"
    build_dataset(setup["fasta"], setup["targets"], out, small_options())
    build_dataset(setup["fasta"], setup["targets"], out, small_options(test="chr8"))  # rebuild
    assert json.loads((out / "summary.json").read_text())["options"]["test"] == "chr8"



def test_report_lists_the_dataset_summary(genome_setup) -> None:
    from danq.report.build import build_report

    setup = genome_setup
    out = setup["tmp"] / "o"
    summary = build_dataset(setup["fasta"], setup["targets"], out,
                            small_options(test="chr8", background_ratio=0.5))
    metrics = setup["tmp"] / "metrics.tsv"
    metrics.write_text("target\tcategory\tn_pos\tn_neg\troc_auc\tpr_auc\n"
                       "CTCF\tTF\t10\t90\t0.9\t0.5\n")
    build_report(setup["tmp"] / "report", {"DanQ": metrics}, dataset_summary=out / "summary.json")
    markdown = (setup["tmp"] / "report" / "summary.md").read_text()
    train, test = summary["splits"]["train"], summary["splits"]["test"]
    assert "## Dataset (danq build-dataset)" in markdown
    assert (f"| train | {train['windows']} | {train['kept']} | {train['background']} | "
            f"{train['samples']} |") in markdown
    assert f"| test | {test['windows']} | {test['kept']} |" in markdown and test["windows"] > 0
    bad = setup["tmp"] / "bad.json"
    bad.write_text("{}")
    with pytest.raises(DanqError, match="not a `danq build-dataset` summary"):
        build_report(setup["tmp"] / "r2", {"DanQ": metrics}, dataset_summary=bad)



def test_an_empty_split_is_named_with_the_reason(genome_setup) -> None:
    """A build where one split gets nothing warns, saying why (the build itself is usable)."""
    setup = genome_setup
    messages: list[str] = []
    summary = build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "out",
                            small_options(valid="chr7", test="chr8:1-20", chroms="chr1,chr7,chr8"),
                            warn=messages.append)
    assert summary["splits"]["train"]["windows"] and summary["splits"]["valid"]["windows"]
    assert messages == ["the test split is empty: no usable window of the chromosomes used "
                        "(chr1, chr7, chr8) lies inside --test chr8:1-20"]
    messages.clear()
    build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "out2",
                  small_options(valid="chr1", test="chr2", chroms="chr1,chr2"),
                  warn=messages.append)
    assert messages == ["the train split is empty: every usable window lies in --valid or --test"]
