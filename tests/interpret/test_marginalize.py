"""The grammar experiment on a hand-set model whose logit is a known function of the planted pair."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import danq
from danq.errors import DanqError
from danq.interpret.marginalize import marginalize, run_marginalize
from danq.interpret.planting import (
    PlantMotif,
    grid,
    layout,
    load_backgrounds,
    parse_spacings,
    resolve_motif,
    satisfies_rule,
)
from danq.models.info import ModelInfo
from danq.simulation.rules import Target, grammar_hits

A, B = "GATCCTTAGCAA", "CCATGGTACTTG"
LO, HI = 50, 200
LENGTH = 300
SPACINGS = [0, 40, 49, 50, 60, 200, 201, 210]


class PairModel(torch.nn.Module):
    """Target 0: logit = 1·[A anywhere] + 2·[B anywhere] + 4·[A then B, same strand, gap in
    LO..HI] (written here from the rule's text, not from danq's code); target 1 is flat.

    Exact-match detectors of both motifs on both strands (a convolution set by hand)."""

    def __init__(self) -> None:
        super().__init__()
        words = [A, danq.reverse_complement(A), B, danq.reverse_complement(B)]
        self.conv = torch.nn.Conv1d(4, 4, len(A))
        with torch.no_grad():
            self.conv.weight.copy_(2 * torch.as_tensor(np.stack([danq.one_hot(w) for w in words])) - 1)
            self.conv.bias.fill_(-(len(A) - 1))
        self.info = ModelInfo(arch="pair", model_args={}, target_names=("grammar", "flat"),
                              target_categories=(), sequence_length=LENGTH)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hits = torch.relu(self.conv(x)) > 0.5  # (n, 4, positions)
        w = len(A)
        out = []
        for h in hits:
            a_fwd, a_rev, b_fwd, b_rev = (torch.nonzero(row).flatten().tolist() for row in h)
            rule = any(LO <= j - (i + w) <= HI for i in a_fwd for j in b_fwd) or any(
                LO <= i - (j + w) <= HI for i in a_rev for j in b_rev)
            out.append(1.0 * bool(a_fwd or a_rev) + 2.0 * bool(b_fwd or b_rev) + 4.0 * rule)
        score = torch.tensor(out, dtype=torch.float32)
        return torch.stack([score, torch.zeros_like(score) - 1], dim=1)


def _rule_by_simulation(row: object) -> bool:
    """The benchmark's own labelling function on the planted coordinates."""
    instances = {"seq": np.array([0, 0]), "motif": np.array([0, 1]),
                 "start": np.array([row.a_start, row.b_start]),
                 "strand": np.array([row.a_strand, row.b_strand])}
    target = Target("g", "grammar", (0, 1), 1.0, 0.0, LO, HI)
    return bool(grammar_hits(1, instances, target, [len(A), len(B)])[0])


@pytest.mark.parametrize("rc", [False, True])
def test_hand_set_model_gives_the_exact_grid(rc: bool) -> None:
    result = marginalize(PairModel(), 4, _word(A), _word(B), spacings=SPACINGS,
                         rc_average=rc, device="cpu")
    assert np.allclose(result.background[:, 0], 0, atol=1e-5)  # no chance match in the backgrounds
    table = result.table({"grammar": (LO, HI, "A")})
    rows = table[table["target"] == "grammar"]
    assert len(rows) == 2 * 2 * 2 * len(SPACINGS)
    for row in rows.itertuples():
        expected = _rule_by_simulation(row)
        assert bool(row.in_rule) == expected
        assert row.delta_a_mean == pytest.approx(1, abs=1e-4)
        assert row.delta_b_mean == pytest.approx(2, abs=1e-4)
        assert row.delta_ab_mean == pytest.approx(3 + 4 * expected, abs=1e-4)
        assert row.interaction_mean == pytest.approx(4 * expected, abs=1e-4)
        assert row.interaction_sd == pytest.approx(0, abs=1e-4)
    flat = table[table["target"] == "flat"]
    assert np.allclose(flat[["delta_ab_mean", "interaction_mean"]].to_numpy(), 0)
    # spot cells, stated from the rule's text
    cell = rows.set_index(["order", "strand", "orientation", "spacing"])["interaction_mean"]
    assert cell[("AB", "same", "+", 60)] == pytest.approx(4, abs=1e-4)
    assert cell[("AB", "same", "-", 50)] == pytest.approx(4, abs=1e-4)
    assert cell[("AB", "same", "+", 200)] == pytest.approx(4, abs=1e-4)
    for key in [("AB", "same", "+", 49), ("AB", "same", "-", 201), ("BA", "same", "+", 60),
                ("AB", "opposite", "+", 60), ("BA", "opposite", "-", 60)]:
        assert cell[key] == pytest.approx(0, abs=1e-4)


def _word(text: str) -> PlantMotif:
    return PlantMotif(text, text, danq.one_hot(text).astype(np.float64))


def test_grid_agrees_with_the_simulation_rule_everywhere() -> None:
    cells = grid(9, 14, 400, range(0, 300, 7))
    expected = [_rule_by_simulation_widths(row, 9, 14) for row in cells.itertuples()]
    got = satisfies_rule(cells["order"], cells["strand"], cells["spacing"], LO, HI)
    assert got.tolist() == expected
    assert sum(expected) > 10
    # a rule naming B first is satisfied by the BA cells
    swapped = satisfies_rule(cells["order"], cells["strand"], cells["spacing"], LO, HI, first="B")
    assert set(cells.loc[swapped, "order"]) == {"BA"}


def _rule_by_simulation_widths(row: object, wa: int, wb: int) -> bool:
    instances = {"seq": np.array([0, 0]), "motif": np.array([0, 1]),
                 "start": np.array([row.a_start, row.b_start]),
                 "strand": np.array([row.a_strand, row.b_strand])}
    return bool(grammar_hits(1, instances, Target("g", "grammar", (0, 1), 1.0, 0.0, LO, HI),
                             [wa, wb])[0])


def test_layout_is_centred_and_measures_the_gap() -> None:
    a_start, a_strand, b_start, b_strand = layout("AB", "same", "+", 10, 5, 7, 100)
    assert (a_start, a_strand, b_start, b_strand) == (39, 1, 54, 1)
    assert b_start - (a_start + 5) == 10
    a_start, a_strand, b_start, b_strand = layout("AB", "same", "-", 10, 5, 7, 100)
    assert a_strand == b_strand == -1 and a_start - (b_start + 7) == 10


def test_outputs_and_truth_windows(tmp_path) -> None:
    summary = run_marginalize(PairModel(), tmp_path / "out", _word(A), _word(B),
                              backgrounds=3, rule_window=(LO, HI), spacings=[40, 60],
                              orientations=["+"], rc_average=False, device="cpu")
    assert summary["responses"]["grammar"]["interaction_in_rule"] == pytest.approx(4, abs=1e-4)
    assert summary["responses"]["grammar"]["interaction_outside_rule"] == pytest.approx(0, abs=1e-4)
    out = tmp_path / "out"
    assert (out / "plots" / "grammar.png").stat().st_size > 0
    raw = np.load(out / "marginalize.npz")
    assert raw["ab"].shape == (8, 3, 2) and raw["background"].shape == (3, 2)


def test_spacings_parse() -> None:
    assert parse_spacings("0:20:10,55") == [0, 10, 20, 55]
    with pytest.raises(DanqError, match="START:STOP:STEP"):
        parse_spacings("a")


def test_bad_inputs_are_one_line_errors(tmp_path) -> None:
    with pytest.raises(DanqError, match="unknown motif"):
        resolve_motif("MA9999.1")
    with pytest.raises(DanqError, match="unknown motif"):
        resolve_motif("NOT_A_TF_NAME")
    with pytest.raises(DanqError, match="does not fit"):
        marginalize(PairModel(), 2, _word(A), _word(B), spacings=[277], device="cpu")
    empty = tmp_path / "empty.fa"
    empty.write_text("")
    with pytest.raises(DanqError, match="empty.fa"):
        load_backgrounds(str(empty), LENGTH)


def test_motifs_from_jaspar_and_meme(tmp_path) -> None:
    rest = resolve_motif("rest", release="JASPAR2024")  # a TF name, any case
    assert rest.motif_id.startswith("MA0138") and rest.ppm.shape[0] == 4
    assert resolve_motif("MA0138", release="JASPAR2024").motif_id == rest.motif_id
    assert resolve_motif("MA0139.1", release="JASPAR2024").motif_id == "MA0139.1"  # older version
    with pytest.raises(DanqError, match="ambiguous.*MA0139.2"):
        resolve_motif("CTCF", release="JASPAR2024")
    from danq.motifs.meme import write_meme

    meme = tmp_path / "m.meme"
    write_meme(meme, [("mine", danq.one_hot("ACGTAC"), 5)])
    assert resolve_motif("mine", meme=meme).consensus == "ACGTAC"


def test_shuffled_backgrounds_keep_dinucleotides(tmp_path) -> None:
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), LENGTH)) for _ in range(3)]
    fasta = tmp_path / "bg.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
    shuffled = load_backgrounds(str(fasta), LENGTH, n=2, seed=1)
    assert shuffled.shape == (2, LENGTH)
    original = danq.encoders.tokens_batch(seqs[:2])
    for before, after in zip(original, shuffled, strict=True):
        assert not np.array_equal(before, after)
        pairs = lambda t: sorted(zip(t[:-1].tolist(), t[1:].tolist(), strict=True))  # noqa: E731
        assert pairs(before) == pairs(after)


def test_sampled_sites_follow_the_matrix_and_are_seeded() -> None:
    ppm = np.array([[1.0, 0.5], [0.0, 0.5], [0.0, 0.0], [0.0, 0.0]])  # A, then A or C
    motif = PlantMotif("m", "m", ppm)
    sites = motif.sites(400, "sampled", np.random.default_rng(3))
    assert set(sites[:, 0].tolist()) == {0} and set(sites[:, 1].tolist()) == {0, 1}
    assert 150 < int((sites[:, 1] == 1).sum()) < 250
    again = motif.sites(400, "sampled", np.random.default_rng(3))
    assert np.array_equal(sites, again)
    assert motif.sites(2, "consensus", np.random.default_rng(0)).tolist() == [[0, 0], [0, 0]]


def test_truth_windows_follow_each_grammar_targets_order(tmp_path) -> None:
    import json

    from danq.interpret.marginalize import truth_windows

    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"format": "danq-simulate-truth", "targets": [
        {"name": "g1", "category": "grammar", "motifs": ["MA0001.2", "MA0002.1"],
         "min_gap": 50, "max_gap": 200},
        {"name": "g2", "category": "grammar", "motifs": ["MA0002.1", "MA0001.1"],
         "min_gap": 20, "max_gap": 80},
        {"name": "g3", "category": "grammar", "motifs": ["MA0001.1", "MA0003.1"],
         "min_gap": 1, "max_gap": 2},
        {"name": "s", "category": "single", "motifs": ["MA0001.1"]}]}))
    a = PlantMotif("MA0001.3", "a", np.full((4, 3), 0.25))
    b = PlantMotif("MA0002.1", "b", np.full((4, 3), 0.25))
    assert truth_windows(truth, a, b) == {"g1": (50, 200, "A"), "g2": (20, 80, "B")}
