"""Bad MEME files given to `danq tomtom` (issue 24, item 10): a MOTIF without a letter-probability
line, a row summing to 1.5, counts instead of probabilities. Each is a one-line ``danq: error:``
naming the file, its line and the motif, with no output folder; they used to exit 0 (the motif
skipped, or its rows silently normalised)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_danq

HEADER = ("MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"
          "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n")
GOOD = ["0.9 0.05 0.05 0", "0 1 0 0", "0 0 1 0", "0 0 0 1", "1 0 0 0", "0.1 0.8 0.05 0.05"]


def motif(name: str, rows: list[str], matrix_line: bool = True) -> str:
    line = f"letter-probability matrix: alength= 4 w= {len(rows)} nsites= 20 E= 0\n"
    return f"MOTIF {name}\n" + (line if matrix_line else "") + "".join(r + "\n" for r in rows) + "\n"


def one_line_error(code: int, err: str, *expected: str) -> None:
    lines = [line for line in err.strip().splitlines() if not line.startswith("danq: warning: ")]
    assert code == 1, err
    assert len(lines) == 1 and lines[0].startswith("danq: error: "), err
    for text in expected:
        assert text in lines[0], err


def tomtom(capsys, tmp_path: Path, text: str) -> tuple[int, str]:
    meme = tmp_path / "m.meme"
    meme.write_text(HEADER + text)
    code, _, err = run_danq(capsys, "tomtom", meme, "-o", tmp_path / "out",
                            "--release", "JASPAR2016")
    assert not (tmp_path / "out").exists()
    return code, err


@pytest.mark.parametrize("first", [True, False])
def test_a_motif_without_a_letter_probability_line_is_an_error(capsys, tmp_path, first):
    others = [motif("good", GOOD)]
    bad = motif("nolp", GOOD, matrix_line=False)
    text = "".join([bad, *others] if first else [*others, bad])
    code, err = tomtom(capsys, tmp_path, text)
    one_line_error(code, err, "m.meme:", "motif nolp", "no 'letter-probability matrix' line")


def test_a_row_summing_to_one_and_a_half_is_an_error(capsys, tmp_path):
    rows = [*GOOD[:2], "0 0 1.5 0", *GOOD[3:]]
    code, err = tomtom(capsys, tmp_path, motif("good", GOOD) + motif("s15", rows))
    one_line_error(code, err, "m.meme:23:", "motif s15", "row 3 sums to 1.5")


def test_counts_instead_of_probabilities_are_refused_with_a_hint(capsys, tmp_path):
    rows = ["18 1 1 0", "0 20 0 0", "0 0 20 0", "0 0 0 20", "20 0 0 0", "0 20 0 0"]
    code, err = tomtom(capsys, tmp_path, motif("cnt", rows))
    one_line_error(code, err, "m.meme:12:", "motif cnt", "row 1 sums to 20", "counts")


def test_rows_within_the_tolerance_are_normalised_and_accepted(capsys, tmp_path):
    meme = tmp_path / "m.meme"
    rows = [*GOOD[:5], "0.1 0.8 0.04 0.04"]  # sums to 0.98: a rounded file
    meme.write_text(HEADER + motif("rounded", rows))
    code, _, err = run_danq(capsys, "tomtom", meme, "-o", tmp_path / "out", "--release", "JASPAR2016")
    assert code == 0, err
