"""`danq modisco` on the command line: a run on synthetic attributions and one-line errors."""

from __future__ import annotations

import json

from tests.helpers import run_danq
from tests.interpret.test_modisco import write_attributions


def test_runs_on_one_target(capsys, tmp_path) -> None:
    path = tmp_path / "attributions.h5"
    write_attributions(path)
    out = tmp_path / "out"
    code, _, err = run_danq(capsys, "modisco", path, "-o", out, "--targets", "rest",
                            "--no-logos", "--no-decoys", "--threads", "1")
    assert code == 0, err
    assert "patterns in 1 targets" in err and "match JASPAR at E < 0.01" in err
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["targets"]) == ["rest"] and summary["n_matched"] >= 1
    assert not (out / "logos").exists() and "decoys" not in summary


def test_bad_inputs_are_one_line_errors(capsys, tmp_path) -> None:
    good = tmp_path / "a.h5"
    write_attributions(good)
    no_hyp = tmp_path / "b.h5"
    write_attributions(no_hyp, hypothetical=False)
    cases = [
        ([tmp_path / "missing.h5"], "missing.h5"),
        ([no_hyp], "no 'hypothetical' dataset"),
        ([good, "--targets", "nothing_like_this"], "matches no target"),
        ([good, "--targets", "rest", "--window", "10000"], "--window 10000: must be in 1..160"),
    ]
    for args, message in cases:
        code, _, err = run_danq(capsys, "modisco", *args, "-o", tmp_path / "o")
        lines = err.strip().splitlines()
        assert code == 1 and len(lines) == 1 and lines[0].startswith("danq: error:"), err
        assert message in lines[0], err
        assert not (tmp_path / "o").exists()
