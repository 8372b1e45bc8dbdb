"""Attribution logos: the best windows, and the pages drawn with planted sites marked."""

from __future__ import annotations

import numpy as np

import danq
from danq.interpret.attribute import attribute_file
from danq.interpret.logos import best_windows, top_windows
from tests.motif_detector import MotifDetector


def test_best_windows_finds_the_largest_window_sum() -> None:
    contribution = np.zeros((2, 20))
    contribution[0, 5:8] = 1.0
    contribution[1, 15:18] = 2.0
    starts, scores = best_windows(contribution, 3)
    assert starts.tolist() == [5, 15] and scores.tolist() == [3.0, 6.0]
    attributions = np.zeros((2, 1, 4, 20))
    attributions[:, 0, 0] = contribution
    assert top_windows(attributions, 0, 1, 3) == [(1, 15, 6.0)]


def test_logos_put_the_motif_sequence_first_and_mark_its_site(tmp_path) -> None:
    motif, length = "GATTACAGG", 60
    model = MotifDetector(motif, length)
    rng = np.random.default_rng(0)
    background = ["".join(rng.choice(list("ACGT"), length)) for _ in range(4)]
    background[2] = background[2][:30] + motif + background[2][39:]
    fasta = tmp_path / "s.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(background)))
    summary = attribute_file(fasta, tmp_path / "out", model=model, method="ism", targets="motif",
                             device="cpu", progress=False, plot=2,
                             sites={"s2": [(30, 39, "GATTACA+")]})
    assert [p.rsplit("/", 1)[-1] for p in summary["logos"]] == ["000_motif.png"]
    assert (tmp_path / "out" / "logos" / "000_motif.png").stat().st_size > 1000
    result = danq.attribute(model, background, method="ism", targets="motif")
    best = top_windows(result.attributions, 0, 2, 24)
    assert best[0][0] == 2 and best[0][1] <= 30 and best[0][1] + 24 >= 39
