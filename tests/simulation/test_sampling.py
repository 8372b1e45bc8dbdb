"""Tests for drawing a split: background composition, PFM-sampled sites at the recorded place and
strand, no overlaps, positive rates, and one random stream per split."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from danq.simulation.sampling import sample_background
from danq.simulation.simulate import simulate
from tests.simulation.helpers import COMPLEMENT, read_fasta, truth_json


def site_at(seq: str, start: int, length: int, strand: str) -> str:
    site = seq[start : start + length]
    return site.translate(COMPLEMENT)[::-1] if strand == "-" else site


def log_odds(site: str, pfm: list[list[float]]) -> float:
    """Log2-odds of a site under the PFM (pseudocount 0.25 per base) against uniform background."""
    counts = np.asarray(pfm, dtype=float) + 0.25
    probs = counts / counts.sum(axis=0)
    return float(sum(np.log2(probs["ACGT".index(b), i] / 0.25) for i, b in enumerate(site)))



def test_a_split_does_not_depend_on_the_size_of_another(tmp_path: Path) -> None:
    simulate(tmp_path / "a", seed=2, n_train=30, n_valid=5, n_test=5)
    simulate(tmp_path / "b", seed=2, n_train=30, n_valid=5, n_test=25)
    assert (tmp_path / "a/train.fa").read_bytes() == (tmp_path / "b/train.fa").read_bytes()


def test_planted_sites_are_pfm_samples_at_the_recorded_position_and_strand(
    small_run: tuple[Path, dict],
) -> None:
    out, _ = small_run
    truth = truth_json(out)
    motifs = {m["id"]: m for m in truth["motifs"]}
    seqs = [s for _, s in read_fasta(out / "train.fa")]
    inst = truth["splits"]["train"]["instances"]
    rng = np.random.default_rng(0)
    for motif_id, motif in motifs.items():
        rows = [i for i, m in enumerate(inst["motif"]) if m == motif_id]
        assert len(rows) >= 20, motif_id
        width = motif["length"]
        located = [(seqs[inst["seq"][i]], inst["start"][i], inst["strand"][i]) for i in rows]
        sites = [site_at(seq, p, width, strand) for seq, p, strand in located]
        other = {"+": "-", "-": "+"}
        flipped = [site_at(seq, p, width, other[strand]) for seq, p, strand in located]
        planted = np.array([log_odds(s, motif["pfm"]) for s in sites])
        opposite = np.array([log_odds(s, motif["pfm"]) for s in flipped])
        starts = rng.integers(0, 500 - width, 200)
        background = np.array([
            log_odds(seq[p : p + width], motif["pfm"])
            for seq, p in zip(rng.choice(seqs, 200), starts, strict=True)
        ])
        assert np.mean(planted > 0) >= 0.95, motif_id
        assert planted.mean() > background.mean() + 10, motif_id
        if motif["consensus"] != motif["consensus"].translate(COMPLEMENT)[::-1]:
            assert planted.mean() > opposite.mean(), motif_id  # the strand is recorded correctly
        # Sampled from the PFM, not written as the consensus: the consensus is no more frequent
        # than the matrix makes it, and the base composition per column follows the matrix.
        pfm = np.asarray(motif["pfm"], dtype=float)
        probs = pfm / pfm.sum(axis=0)
        p_consensus = float(np.prod(probs.max(axis=0)))
        assert np.mean([s == motif["consensus"] for s in sites]) < p_consensus + 0.2, motif_id
        observed = np.array([[s[j] == b for j in range(width)] for s in sites for b in "ACGT"])
        freq = observed.reshape(len(sites), 4, width).mean(axis=0)
        assert np.corrcoef(freq.ravel(), probs.ravel())[0, 1] > 0.9, motif_id


def test_planted_instances_do_not_overlap(small_run: tuple[Path, dict]) -> None:
    out, _ = small_run
    truth = truth_json(out)
    lengths = {m["id"]: m["length"] for m in truth["motifs"]}
    inst = truth["splits"]["train"]["instances"]
    spans: dict[int, list[tuple[int, int]]] = {}
    for s, m, p in zip(inst["seq"], inst["motif"], inst["start"], strict=True):
        spans.setdefault(s, []).append((p, p + lengths[m]))
    for intervals in spans.values():
        intervals.sort()
        assert all(e1 <= s2 for (_, e1), (s2, _) in zip(intervals, intervals[1:], strict=False))


def test_default_positive_rates_and_gc_content(tmp_path: Path) -> None:
    summary = simulate(tmp_path, seed=3, n_train=2000, n_valid=0, n_test=0)
    rates = summary["positive_rate"]["train"]
    assert len(rates) == 12
    for name, rate in rates.items():
        assert 0.05 <= rate <= 0.30, (name, rate)
    text = "".join(s for _, s in read_fasta(tmp_path / "train.fa"))
    gc = (text.count("G") + text.count("C")) / len(text)
    assert 0.38 <= gc <= 0.45


def test_background_models_have_the_requested_composition() -> None:
    rng = np.random.default_rng(1)
    markov = sample_background(400, 500, rng)
    gc = np.isin(markov, (1, 2)).mean()
    assert abs(gc - 0.41) < 0.01
    pairs = markov[:, :-1] * 4 + markov[:, 1:]
    assert (pairs == 1 * 4 + 2).mean() < 0.02  # CpG depleted, as in the human genome
    iid = sample_background(400, 500, rng, model="iid", gc_content=0.6)
    assert abs(np.isin(iid, (1, 2)).mean() - 0.6) < 0.01



def _grammar_only_split(n: int, seed: int):
    """One grammar target planted or decoyed in most sequences, plus random instances."""
    from danq.simulation.config import SimulationParams
    from danq.simulation.jaspar import load_motifs
    from danq.simulation.rules import build_targets
    from danq.simulation.sampling import simulate_split

    params = SimulationParams(
        seed=seed, motifs=["MA0148.4", "MA0114.4", "MA0139.2"], random_instances_mean=1.5,
        targets=[{"name": "g", "category": "grammar", "motifs": ["FOXA1", "HNF4A"],
                  "plant_rate": 0.45, "decoy_rate": 0.45}])
    motifs = load_motifs(params.motifs, params.release)
    targets = build_targets(params, motifs)
    return simulate_split("test", n, params, motifs, targets)


def test_decoys_place_each_motif_as_positives_do() -> None:
    """Positives and decoys share each motif's (position, strand) law: a chi-square test over
    100-bp bins x strand finds no difference (decoys drawn as swapped / close / far pairs fail it
    with p < 1e-6 at this size)."""
    from scipy.stats import chi2_contingency

    data = _grammar_only_split(3000, seed=5)
    kinds = data.grammar_kinds[0]
    inst = data.instances
    for motif in (0, 1):
        chosen = inst["motif"] == motif
        cell = (inst["start"][chosen] // 100) * 2 + (inst["strand"][chosen] < 0)
        kind = kinds[inst["seq"][chosen]]
        table = np.stack([np.bincount(cell[kind == 0], minlength=10),
                          np.bincount(cell[(kind >= 1) & (kind <= 4)], minlength=10)])
        table = table[:, table.sum(axis=0) > 0]
        assert table[1].sum() > 1000
        assert chi2_contingency(table)[1] > 1e-3, motif


def test_plants_and_decoys_hold_exactly_one_a_and_one_b() -> None:
    """Random instances never add A or B where the pair was planted: an extra one would turn some
    decoys into positives and make the count of instances predictive."""
    data = _grammar_only_split(1500, seed=6)
    inst = data.instances
    from danq.simulation.sampling import ROLES

    roles = [i for i, role in enumerate(ROLES) if role.startswith("grammar")]
    planted = np.isin(inst["role"], roles)  # grammar plants and decoys
    holders = np.unique(inst["seq"][planted])
    for motif in (0, 1):
        counts = np.bincount(inst["seq"][inst["motif"] == motif], minlength=1500)
        assert np.all(counts[holders] == 1)
    others = np.setdiff1d(np.arange(1500), holders)
    random_ab = np.isin(inst["seq"], others) & (inst["motif"] < 2)
    assert random_ab.sum() > 20  # elsewhere A and B still occur by chance
