"""`danq train --model-arg`: the help shows the form the parser accepts (one KEY=VALUE per flag)."""

from __future__ import annotations

import re

from tests.helpers import run_danq


def test_model_arg_help_shows_the_repeated_form_and_that_form_parses(capsys, tmp_path):
    code, out, _ = run_danq(capsys, "train", "--help")
    assert code == 0
    help_text = " ".join(out.split())
    example = re.search(r"--model-arg conv_channels=64 --model-arg lstm_hidden=32", help_text)
    assert example is not None, help_text
    base = ["train", "--arch", "danq", "--train", tmp_path / "t.h5", "--valid", tmp_path / "v.h5",
            "-o", tmp_path / "out"]
    code, _, err = run_danq(capsys, *base, *example.group(0).split())
    assert code == 1 and "t.h5" in err  # parsed; stops at the missing dataset
    code, _, err = run_danq(capsys, *base, "--model-arg", "conv_channels=64", "lstm_hidden=32")
    assert code == 2 and "lstm_hidden=32" in err  # two pairs after one flag: a usage error
