"""danq.inference.incremental: mutant logits from the reference's saved activations equal the full
model's (1e-5, fp32, random weights) at every position, edges included; non-local changes and
models without a rule take the full path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from danq.encoders import reverse_complement_tokens, tokens_to_one_hot
from danq.inference.incremental import MutantScorer, ism_logits, pair_logits, rule_for
from danq.inference.predictor import load_predictor
from danq.models import Beluga, DanQ, DeepSEA

TOL = 1e-5


def small_deepsea(**kw) -> DeepSEA:
    torch.manual_seed(1)
    # length 131: conv/pool remainders drop columns at the right edge (changes there do nothing)
    args = {"sequence_length": 131, "n_targets": 5, "conv_channels": (6, 7, 8), "conv_width": 4,
            "pool_size": 4, "dense_hidden": 9, "init_std": 0.5, **kw}
    return DeepSEA(**args).eval()


def small_danq(**kw) -> DanQ:
    torch.manual_seed(2)
    args = {"sequence_length": 70, "n_targets": 3, "conv_channels": 6, "conv_width": 6,
            "pool_size": 5, "lstm_hidden": 4, "dense_hidden": 8, "init_scale": 0.6, **kw}
    return DanQ(**args).eval()


MODELS = {
    "deepsea-relu": lambda: small_deepsea(),
    "deepsea-threshold": lambda: small_deepsea(activation="threshold", sequence_length=120,
                                               pool_size=3, conv_width=5),
    "danq": lambda: small_danq(),
    "danq-hard-sigmoid": lambda: small_danq(gate_activation="hard_sigmoid", sequence_length=67,
                                            pool_size=4, conv_width=5),
    "danq-seya-forward": lambda: small_danq(gate_activation="hard_sigmoid",
                                            lstm_second_direction="forward"),
    "danq-sigmoid-forward": lambda: small_danq(lstm_second_direction="forward"),
    "beluga": lambda: small_beluga(),
}


def small_beluga() -> Beluga:
    torch.manual_seed(3)
    model = Beluga(sequence_length=97, n_targets=4, conv_channels=(5, 5, 6, 6, 7, 7),
                   conv_width=3, pool_size=3, dense_hidden=9).eval()
    with torch.no_grad():  # larger weights than PyTorch's default init: clearly visible effects
        for parameter in model.parameters():
            parameter.mul_(3.0)
    return model


def full_logits(model: torch.nn.Module, tokens: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(tokens_to_one_hot(tokens))).numpy()


def brute_force_ism(model: torch.nn.Module, tokens: np.ndarray) -> np.ndarray:
    """(T, 4, L) Δlogit by running every single-base mutant through a float64 copy of the model.

    float64, because the fp32 full path is itself only good to a few 1e-6 (its kernels round
    differently with the batch's size): the engine is held to the exact values, not to that noise.
    """
    import copy

    exact = copy.deepcopy(model).double()
    length = len(tokens)
    mutants = np.repeat(tokens[None], 4 * length, axis=0)
    mutants[np.arange(4 * length), np.repeat(np.arange(length), 4)] = np.tile(np.arange(4), length)

    def logits(rows: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return exact(torch.from_numpy(tokens_to_one_hot(rows)).double()).numpy()

    delta = logits(mutants) - logits(tokens[None])
    return delta.reshape(length, 4, -1).transpose(2, 1, 0)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_ism_equals_brute_force_at_every_position(name) -> None:
    model = MODELS[name]()
    assert rule_for(model) is not None
    tokens = np.random.default_rng(0).integers(0, 4, model.sequence_length).astype(np.uint8)
    tokens[[0, 7]] = 4  # N at the left edge and inside: its four substitutions are all mutants
    expected = brute_force_ism(model, tokens)
    got = ism_logits(model, tokens[None], batch_size=29)[0]  # batches cut across positions
    assert got.shape == expected.shape
    assert np.abs(expected).max() > 1e-3  # the mutants do change the outputs
    np.testing.assert_allclose(got, expected, atol=TOL, rtol=0)
    own = tokens < 4
    assert np.all(got[:, tokens[own], np.flatnonzero(own)] == 0)


def test_ism_targets_and_full_path_agree() -> None:
    model = MODELS["danq"]()
    tokens = np.random.default_rng(1).integers(0, 4, (2, model.sequence_length)).astype(np.uint8)
    fast = ism_logits(model, tokens, targets=[2, 0])
    slow = ism_logits(model, tokens, targets=[2, 0], incremental=False)
    assert fast.shape == (2, 2, 4, model.sequence_length)
    np.testing.assert_allclose(fast, slow, atol=TOL, rtol=0)


@pytest.mark.parametrize("name", ["deepsea-relu", "danq", "danq-hard-sigmoid",
                                  "danq-sigmoid-forward", "beluga"])
@pytest.mark.parametrize("rc", [False, True])
def test_pair_logits_snvs_mnps_and_indels(name, rc) -> None:
    model = MODELS[name]()
    length = model.sequence_length
    rng = np.random.default_rng(3)
    ref = rng.integers(0, 4, (length + 6, length)).astype(np.uint8)
    ref[1] = ref[0]  # two ALTs at one site share their REF window
    alt = ref.copy()
    for i in range(length):  # an SNV at every position, edges included
        alt[i, i] = (ref[i, i] + 1) % 4
    alt[length, 10:13] = (ref[length, 10:13] + 2) % 4  # an MNP
    alt[length + 1, 40:] = ref[length + 1, 39:-1]  # an insertion: the right flank shifts
    alt[length + 2, length // 2 :] = rng.integers(0, 4, length - length // 2)  # non-local
    alt[length + 3, -1] = 4  # an N at the right edge
    # row length + 4 stays equal to its reference; length + 5: a change at both ends
    alt[length + 5, [0, -1]] = (ref[length + 5, [0, -1]] + 1) % 4
    scorer = MutantScorer(model, batch_size=17)
    assert scorer.incremental
    ref_logits, alt_logits = (t.numpy() for t in pair_logits(scorer, ref, alt, rc=rc))
    rows_ref, rows_alt = ref, alt
    if rc:
        rows_ref = np.concatenate([ref, reverse_complement_tokens(ref)])
        rows_alt = np.concatenate([alt, reverse_complement_tokens(alt)])
    np.testing.assert_allclose(ref_logits, full_logits(model, rows_ref), atol=TOL, rtol=0)
    np.testing.assert_allclose(alt_logits, full_logits(model, rows_alt), atol=TOL, rtol=0)


def test_published_sizes_at_the_edges_and_centre() -> None:
    """Published DeepSEA and DanQ (1 kb, 919 targets): SNVs at both edges and the centre."""
    rng = np.random.default_rng(4)
    tokens = rng.integers(0, 4, (1, 1000)).astype(np.uint8)
    positions = np.array([0, 1, 2, 499, 500, 997, 998, 999])
    bases = ((tokens[0, positions] + 1) % 4).astype(np.uint8)
    mutants = np.repeat(tokens, len(positions), axis=0)
    mutants[np.arange(len(positions)), positions] = bases
    for cls in (DeepSEA, DanQ):
        torch.manual_seed(0)
        model = cls().eval()
        ref_logits, mut_logits = MutantScorer(model).score(tokens, np.zeros(len(positions)),
                                                           positions, bases[:, None])
        np.testing.assert_allclose(ref_logits.numpy(), full_logits(model, tokens), atol=TOL, rtol=0)
        np.testing.assert_allclose(mut_logits.numpy(), full_logits(model, mutants), atol=TOL, rtol=0)


class Unknown(torch.nn.Module):
    """A model danq has no incremental rule for."""

    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Conv1d(4, 3, 5), torch.nn.Flatten(),
                                       torch.nn.Linear(3 * 36, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def test_models_without_a_rule_fall_back_silently() -> None:
    torch.manual_seed(5)
    unknown = Unknown().eval()
    assert rule_for(unknown) is None
    assert rule_for(small_danq().train()) is None  # dropout active: no rule
    scorer = MutantScorer(unknown)
    assert not scorer.incremental
    tokens = np.random.default_rng(6).integers(0, 4, (1, 40)).astype(np.uint8)
    got = ism_logits(unknown, tokens)[0]
    np.testing.assert_allclose(got, brute_force_ism(unknown, tokens[0]), atol=TOL, rtol=0)


@pytest.mark.parametrize("rc", [False, True])
def test_predictor_pair_strand_logits_incremental_or_not(rc) -> None:
    model = small_danq()
    rng = np.random.default_rng(7)
    ref = rng.integers(0, 4, (5, model.sequence_length)).astype(np.uint8)
    alt = ref.copy()
    alt[:, 35] = (ref[:, 35] + 1) % 4
    fast = load_predictor(model, precision="fp32", rc_average=rc)
    slow = load_predictor(model, precision="fp32", rc_average=rc, incremental=False)
    assert fast._incremental_scorer() is not None and slow._incremental_scorer() is None
    a, b = fast.pair_strand_logits(ref, alt), slow.pair_strand_logits(ref, alt)
    assert a.shape == b.shape == (2 if rc else 1, 10, 3)
    np.testing.assert_allclose(a, b, atol=TOL, rtol=0)
    # bf16 never goes incremental: effects stay what the full path computes
    assert load_predictor(model, precision="bf16")._incremental_scorer() is None


def test_cli_no_incremental_gives_the_same_effects(tmp_path, capsys) -> None:
    from danq.models.checkpoint import save_checkpoint
    from tests.helpers import run_danq

    rng = np.random.default_rng(8)
    chrom = "".join(rng.choice(list("ACGT"), 600))
    (tmp_path / "g.fa").write_text(">chr1\n" + chrom + "\n")
    lines = []
    for i, pos in enumerate(range(60, 540, 40)):
        ref = chrom[pos - 1]
        lines.append(f"chr1\t{pos}\t{ref}\t{'ACGT'[('ACGT'.index(ref) + 1) % 4]}\tv{i}\n")
    lines.append(f"chr1\t300\t{chrom[299:302]}\t{chrom[299]}\tdel\n")  # an indel: full path
    (tmp_path / "v.tsv").write_text("".join(lines))
    save_checkpoint(tmp_path / "m.pt", small_danq())
    outputs = []
    for flag in ("--incremental", "--no-incremental"):
        out = tmp_path / flag.strip("-")
        code, _, err = run_danq(capsys, "variant-effect", tmp_path / "v.tsv", "--genome",
                                tmp_path / "g.fa", "--model", tmp_path / "m.pt", "-o", out,
                                "--scores", "diff,logit_diff", flag, "--no-progress")
        assert code == 0, err
        import h5py

        with h5py.File(out / "variant_effects.h5") as h5:
            outputs.append({k: h5["scores"][k][()] for k in h5["scores"]})
            assert h5["variants/id"].shape == (13,)
    assert sorted(outputs[0]) == sorted(outputs[1]) == ["diff", "logit_diff"]
    for key in outputs[0]:
        np.testing.assert_allclose(outputs[0][key], outputs[1][key], atol=TOL, rtol=0)
