"""`danq marginalize` on the command line: outputs and one-line errors."""

from __future__ import annotations

import json

import pandas as pd

import danq
from danq.motifs.meme import write_meme
from tests.cli.conftest import TARGETS
from tests.helpers import run_danq


def _meme(tmp_path):
    path = tmp_path / "m.meme"
    write_meme(path, [("ap1", danq.one_hot("TGACTCA"), 10), ("ebox", danq.one_hot("CACGTG"), 10)])
    return path


def test_writes_table_npz_plots_and_summary(capsys, tmp_path, checkpoint) -> None:
    out = tmp_path / "out"
    code, _, err = run_danq(capsys, "marginalize", "--model", checkpoint, "--motifs", "ap1,ebox",
                            "--meme", _meme(tmp_path), "--spacings", "0:20:10", "--background",
                            "3", "--rule-window", "5,15", "-o", out, "--no-progress")
    assert code == 0, err
    assert "planted in 3 backgrounds over 24 cells, 3 targets (fp32, RC-averaged)" in err
    table = pd.read_csv(out / "marginalize.tsv", sep="\t")
    assert len(table) == len(TARGETS) * 24
    assert table.loc[table["in_rule"], ["order", "strand", "spacing"]].drop_duplicates() \
        .values.tolist() == [["AB", "same", 10]]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rule_windows"]["t1"] == [5, 15, "A"]
    assert sorted(p.name for p in (out / "plots").iterdir()) == [f"{t}.png" for t in TARGETS]


def test_bad_inputs_are_one_line_errors(capsys, tmp_path, checkpoint) -> None:
    meme = _meme(tmp_path)
    empty = tmp_path / "empty.fa"
    empty.write_text("")
    cases = [
        (["--motifs", "ap1,NOPE_NOT_A_TF"], "--motifs NOPE_NOT_A_TF: unknown motif"),
        (["--motifs", "ap1"], "--motifs ap1: expected two motifs"),
        (["--motifs", "ap1,ebox", "--spacings", "40"], "--spacings: 40 does not fit"),
        (["--motifs", "ap1,ebox", "--background", str(empty)], "empty.fa"),
        (["--motifs", "ap1,ebox", "--rule-window", "5"], "--rule-window 5: expected MIN,MAX"),
        (["--motifs", "ap1,ebox", "--orders", "AB,XY"], "--orders AB,XY: choose from AB, BA"),
    ]
    for args, message in cases:
        code, _, err = run_danq(capsys, "marginalize", "--model", checkpoint, "--meme", meme,
                                "--background", "2", *args, "-o", tmp_path / "o")
        lines = err.strip().splitlines()
        assert code == 1 and len(lines) == 1 and lines[0].startswith("danq: error:"), err
        assert message in lines[0], err
        assert not (tmp_path / "o").exists()
