"""Tests for ``danq simulate``: determinism, truth, label rules, rates, formats, errors, CLI."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from Bio import SeqIO
from click.testing import CliRunner

from danq.errors import DanqError
from danq.simulation.simulate import (
    SPLITS,
    SimulationParams,
    load_config,
    load_motifs,
    params_from_mapping,
    sample_background,
    simulate,
)

SMALL = {"n_train": 300, "n_valid": 60, "n_test": 60}
COMPLEMENT = str.maketrans("ACGT", "TGCA")


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One small default simulation with extra label noise so flips exist in a few hundred rows."""
    out = tmp_path_factory.mktemp("sim")
    params = SimulationParams(label_noise=0.03)
    summary = simulate(out, seed=11, params=params, **SMALL)
    return out, summary


def read_truth(out: Path) -> dict:
    return json.loads((out / "truth.json").read_text())


def read_fasta(path: Path) -> list[tuple[str, str]]:
    return [(rec.id, str(rec.seq)) for rec in SeqIO.parse(str(path), "fasta")]


def read_labels(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    header, body = rows[0], rows[1:]
    names = [r[0] for r in body]
    labels = np.array([[int(v) for v in r[1:]] for r in body], dtype=np.uint8).reshape(
        len(body), len(header) - 1
    )
    return header, names, labels


def output_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def site_at(seq: str, start: int, length: int, strand: str) -> str:
    site = seq[start : start + length]
    return site.translate(COMPLEMENT)[::-1] if strand == "-" else site


def log_odds(site: str, pfm: list[list[float]]) -> float:
    """Log2-odds of a site under the PFM (pseudocount 0.25 per base) against uniform background."""
    counts = np.asarray(pfm, dtype=float) + 0.25
    probs = counts / counts.sum(axis=0)
    return float(sum(np.log2(probs["ACGT".index(b), i] / 0.25) for i, b in enumerate(site)))


def expected_labels(truth: dict, split: str) -> np.ndarray:
    """Labels re-derived from the recorded instances by the recorded rules (own implementation)."""
    info = truth["splits"][split]
    lengths = {m["id"]: m["length"] for m in truth["motifs"]}
    per_seq: list[list[tuple[str, int, str]]] = [[] for _ in range(info["n"])]
    inst = info["instances"]
    for s, m, p, d in zip(inst["seq"], inst["motif"], inst["start"], inst["strand"], strict=True):
        per_seq[s].append((m, p, d))
    labels = np.zeros((info["n"], len(truth["targets"])), dtype=np.uint8)
    for t, target in enumerate(truth["targets"]):
        for s, found in enumerate(per_seq):
            ids = {m for m, _, _ in found}
            if target["category"] == "single":
                labels[s, t] = target["motifs"][0] in ids
            elif target["category"] == "combination":
                labels[s, t] = sum(m in ids for m in target["motifs"]) >= target["min_count"]
            else:
                a, b = target["motifs"]
                # Read in the pair's orientation: on '-' mirror both ends so B must follow A.
                labels[s, t] = any(
                    da == db
                    and target["min_gap"]
                    <= (pb - (pa + lengths[a]) if da == "+" else pa - (pb + lengths[b]))
                    <= target["max_gap"]
                    for ma, pa, da in found
                    if ma == a
                    for mb, pb, db in found
                    if mb == b
                )
    return labels


# ----------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    sizes = {"n_train": 40, "n_valid": 10, "n_test": 10}
    simulate(tmp_path / "a", seed=5, **sizes)
    simulate(tmp_path / "b", seed=5, **sizes)
    simulate(tmp_path / "c", seed=6, **sizes)
    a, b, c = (output_bytes(tmp_path / d) for d in "abc")
    assert sorted(a) == sorted(
        [f"{s}.fa" for s in SPLITS] + [f"{s}.labels.tsv" for s in SPLITS]
        + ["targets.tsv", "truth.json"]
    )
    assert a == b
    for name in ("train.fa", "test.fa", "truth.json"):
        assert a[name] != c[name]


def test_a_split_does_not_depend_on_the_size_of_another(tmp_path: Path) -> None:
    simulate(tmp_path / "a", seed=2, n_train=30, n_valid=5, n_test=5)
    simulate(tmp_path / "b", seed=2, n_train=30, n_valid=5, n_test=25)
    assert (tmp_path / "a/train.fa").read_bytes() == (tmp_path / "b/train.fa").read_bytes()


def test_outputs_are_readable_with_matching_names(small_run: tuple[Path, dict]) -> None:
    out, summary = small_run
    truth = read_truth(out)
    target_names = [t["name"] for t in truth["targets"]]
    with open(out / "targets.tsv", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    assert rows[0] == ["target", "category"]
    assert rows[1:] == [[t["name"], t["category"]] for t in truth["targets"]]
    assert {t["category"] for t in truth["targets"]} == {"single", "grammar", "combination"}
    for split in SPLITS:
        records = read_fasta(out / f"{split}.fa")
        header, names, labels = read_labels(out / f"{split}.labels.tsv")
        assert header == ["name", *target_names]
        assert [n for n, _ in records] == names == truth["splits"][split]["names"]
        assert len(names) == SMALL[f"n_{split}"] == len(set(names))
        assert all(len(s) == 500 and set(s) <= set("ACGT") for _, s in records)
        assert set(np.unique(labels)) <= {0, 1}
    assert summary["n"] == {s: SMALL[f"n_{s}"] for s in SPLITS}


def test_planted_sites_are_pfm_samples_at_the_recorded_position_and_strand(
    small_run: tuple[Path, dict],
) -> None:
    out, _ = small_run
    truth = read_truth(out)
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
    truth = read_truth(out)
    lengths = {m["id"]: m["length"] for m in truth["motifs"]}
    inst = truth["splits"]["train"]["instances"]
    spans: dict[int, list[tuple[int, int]]] = {}
    for s, m, p in zip(inst["seq"], inst["motif"], inst["start"], strict=True):
        spans.setdefault(s, []).append((p, p + lengths[m]))
    for intervals in spans.values():
        intervals.sort()
        assert all(e1 <= s2 for (_, e1), (s2, _) in zip(intervals, intervals[1:], strict=False))


def test_every_label_follows_its_rule_except_the_recorded_flips(
    small_run: tuple[Path, dict],
) -> None:
    out, _ = small_run
    truth = read_truth(out)
    total_flips = 0
    for split in SPLITS:
        _, _, labels = read_labels(out / f"{split}.labels.tsv")
        expected = expected_labels(truth, split)
        flips = np.zeros_like(expected)
        for i, t in truth["splits"][split]["flips"]:
            flips[i, t] = 1
        total_flips += int(flips.sum())
        np.testing.assert_array_equal(labels, expected ^ flips)
    assert total_flips > 0  # label_noise 0.03 over ~5,000 labels


def test_grammar_targets_cannot_be_predicted_from_presence_alone(
    small_run: tuple[Path, dict],
) -> None:
    out, _ = small_run
    truth = read_truth(out)
    clean = expected_labels(truth, "train")
    inst = truth["splits"]["train"]["instances"]
    roles = truth["roles"]
    for t, target in enumerate(truth["targets"]):
        if target["category"] != "grammar":
            continue
        a, b = target["motifs"]
        with_a = {s for s, m in zip(inst["seq"], inst["motif"], strict=True) if m == a}
        with_b = {s for s, m in zip(inst["seq"], inst["motif"], strict=True) if m == b}
        both = sorted(with_a & with_b)
        positives = int(clean[both, t].sum())
        negatives = len(both) - positives
        assert positives >= 10 and negatives >= 10, target["name"]
        # All three kinds of decoy (wrong order, too close, too far) are used.
        used = {roles[r] for r in inst["role"] if roles[r].startswith("grammar_decoy")}
        assert used == {"grammar_decoy_swapped", "grammar_decoy_close", "grammar_decoy_far"}


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


def test_default_motifs_resolve_in_an_older_release() -> None:
    motifs = load_motifs(SimulationParams().motifs, "JASPAR2016")
    assert len({m.matrix_id for m in motifs}) == 16
    gata = next(m for m in motifs if m.requested_id == "MA0035.4")
    assert gata.matrix_id.startswith("MA0035.") and gata.matrix_id != "MA0035.4"


def test_config_file_overrides_motifs_and_targets(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text(
        "n_train: 50\nn_valid: 5\nn_test: 5\nlength: 300\nlabel_noise: 0\n"
        "motifs: [MA0139.2, MA0148.4, MA0114.4]\n"
        "targets:\n"
        "  - {name: ctcf, category: single, motifs: [CTCF]}\n"
        "  - {name: fox_hnf, category: grammar, motifs: [FOXA1, MA0114.4], min_gap: 20,"
        " max_gap: 80, plant_rate: 0.3}\n"
        "  - {name: any2, category: combination, motifs: [CTCF, FOXA1, HNF4A], min_count: 2}\n"
    )
    params = params_from_mapping(load_config(config), source=str(config))
    simulate(tmp_path / "out", params=params, n_test=8)
    truth = read_truth(tmp_path / "out")
    assert [m["id"] for m in truth["motifs"]] == ["MA0139.2", "MA0148.4", "MA0114.4"]
    assert [t["name"] for t in truth["targets"]] == ["ctcf", "fox_hnf", "any2"]
    assert truth["targets"][1]["min_gap"] == 20 and truth["targets"][1]["plant_rate"] == 0.3
    assert truth["splits"]["test"]["n"] == 8 and truth["splits"]["train"]["n"] == 50
    assert truth["splits"]["train"]["flips"] == []
    _, _, labels = read_labels(tmp_path / "out/train.labels.tsv")
    np.testing.assert_array_equal(labels, expected_labels(truth, "train"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"n_train": -1}, "n_train must be >= 0"),
        ({"n_train": 0, "n_valid": 0, "n_test": 0}, "all splits are empty"),
        ({"length": 150}, "shorter than target"),
        ({"motifs": ["MA0139.2", "MA9999.1"]}, "'MA9999.1' is not in JASPAR2024"),
        ({"motifs": ["MA0139.2", "MA0139.2"]}, "listed twice"),
        ({"release": "JASPAR1999"}, "unknown JASPAR release"),
        ({"label_noise": 1.5}, "label_noise must be between 0 and 1"),
        ({"targets": [{"name": "x", "category": "single", "motifs": ["NOPE"]}]}, "not among"),
        ({"targets": [{"name": "x", "category": "order", "motifs": ["CTCF"]}]}, "category"),
        (
            {"targets": [{"name": "x", "category": "grammar", "motifs": ["CTCF", "REST"],
                          "min_gap": 30, "max_gap": 10}]},
            "min_gap <= max_gap",
        ),
        (
            {"targets": [{"name": "x", "category": "single", "motifs": ["CTCF"], "k": 1}]},
            "unknown key",
        ),
    ],
)
def test_bad_parameters_raise_danq_error(tmp_path: Path, overrides: dict, message: str) -> None:
    params = params_from_mapping({"n_train": 5, "n_valid": 1, "n_test": 1, **overrides})
    with pytest.raises(DanqError, match=message):
        simulate(tmp_path / "out", params=params)
    assert not (tmp_path / "out" / "truth.json").exists()


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", "{n_train: 3", "invalid JSON"),
        ("bad.yaml", "n_train: [1, 2\n", "invalid YAML"),
        ("list.yaml", "- 1\n- 2\n", "must be a mapping"),
        ("unknown.yaml", "n_trian: 3\n", "unknown simulation parameter 'n_trian'"),
        ("type.json", '{"length": "long"}', "'length' must be an integer"),
        ("bool.json", '{"seed": true}', "'seed' must be an integer"),
        ("targets.json", '{"targets": {"name": "x"}}', "'targets' must be a list"),
    ],
)
def test_malformed_config_raises_danq_error(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(DanqError, match=message) as info:
        params_from_mapping(load_config(path), source=str(path))
    assert str(path) in str(info.value)
    with pytest.raises(DanqError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")


def test_cli_help_and_run_with_config(tmp_path: Path) -> None:
    from danq.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["simulate", "--help"])
    assert result.exit_code == 0
    for option in ("--outdir", "--seed", "--n-train", "--n-valid", "--n-test", "--length",
                   "--config", "--release"):
        assert option in result.output
    config = tmp_path / "sim.json"
    config.write_text(json.dumps({"n_train": 40, "n_valid": 9, "label_noise": 0.02}))
    result = runner.invoke(
        cli, ["simulate", "-o", str(tmp_path / "out"), "--config", str(config),
              "--n-train", "25", "--n-test", "7", "--seed", "4"],
    )
    assert result.exit_code == 0, result.output
    assert "grammar_FOXA1_HNF4A" in result.output
    truth = read_truth(tmp_path / "out")
    assert [truth["splits"][s]["n"] for s in SPLITS] == [25, 9, 7]  # CLI beats config
    assert truth["params"]["label_noise"] == 0.02 and truth["params"]["seed"] == 4
    assert len(read_fasta(tmp_path / "out/train.fa")) == 25


def test_cli_bad_input_exits_1_with_one_line_message(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text("motifs: [MA0139.2, MA0000.9]\n")
    code = "from danq.cli import main; import sys; main(sys.argv[1:])"
    for args in (["--n-valid", "-3"], ["--config", str(config)]):
        proc = subprocess.run(
            [sys.executable, "-c", code, "simulate", "-o", str(tmp_path / "o"), *args],
            capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode == 1, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("danq: error: "), proc.stderr
        assert "Traceback" not in proc.stderr
    assert str(config) in lines[0]


# ------------------------------------------------------------------------------ strand symmetry


def reverse_instances(instances: dict[str, np.ndarray], lengths: list[int], length: int) -> dict:
    """The same instances seen on the reverse complement of each sequence of ``length`` bp."""
    widths = np.asarray(lengths)[instances["motif"]]
    return {
        "seq": instances["seq"],
        "motif": instances["motif"],
        "start": length - instances["start"] - widths,
        "strand": -instances["strand"],
    }


def random_instances(rng: np.random.Generator, n: int, n_motifs: int, length: int,
                     lengths: list[int]) -> dict[str, np.ndarray]:
    """Dense random instances (overlaps allowed: the rules do not care) on both strands."""
    count = n * 4
    motif = rng.integers(n_motifs, size=count)
    return {
        "seq": rng.integers(n, size=count),
        "motif": motif,
        "start": rng.integers(0, length - np.asarray(lengths)[motif] + 1),
        "strand": rng.choice([-1, 1], size=count),
    }


def test_every_rule_gives_a_sequence_and_its_reverse_complement_the_same_label() -> None:
    from danq.simulation.simulate import Motif, Target, compute_labels

    lengths = [6, 9, 12]
    motifs = [Motif(f"M{i}", f"m{i}", f"M{i}", np.ones((4, w)), np.full((w, 4), 0.25))
              for i, w in enumerate(lengths)]
    targets = [
        Target("s", "single", (2,), 0.1, 0.0),
        Target("g01", "grammar", (0, 1), 0.1, 0.1, min_gap=3, max_gap=20),
        Target("g21", "grammar", (2, 1), 0.1, 0.1, min_gap=0, max_gap=40),
        Target("c", "combination", (0, 1, 2), 0.1, 0.1, min_count=2),
    ]
    rng = np.random.default_rng(7)
    n, length = 3000, 80
    inst = random_instances(rng, n, 3, length, lengths)
    forward = compute_labels(n, inst, targets, motifs)
    reverse = compute_labels(n, reverse_instances(inst, lengths, length), targets, motifs)
    np.testing.assert_array_equal(forward, reverse)
    # Not vacuous: every target has positives and negatives, and the grammar rule is not just
    # presence (pairs in the wrong order, spacing or on opposite strands are negative).
    assert (forward.mean(axis=0) > 0.02).all() and (forward.mean(axis=0) < 0.98).all()
    has = [np.isin(np.arange(n), inst["seq"][inst["motif"] == m]) for m in range(3)]
    both = has[0] & has[1]
    assert forward[both, 1].mean() < 0.9 and forward[~both, 1].sum() == 0


@pytest.mark.parametrize(
    ("a_start", "a_strand", "b_start", "b_strand", "label"),
    [
        (0, 1, 8, 1, 1),     # +: A at 0..4, B at 8: gap 3
        (0, 1, 7, 1, 0),     # +: gap 2, too close
        (0, 1, 16, 1, 1),    # +: gap 11 = max_gap
        (0, 1, 17, 1, 0),    # +: gap 12, too far
        (20, -1, 10, -1, 1), # -: B at 10..15 left of A: gap 20 - 16 = 4
        (20, -1, 30, -1, 0), # -: B right of A is upstream in the minus orientation: swapped
        (10, 1, 0, 1, 0),    # +: B left of A: swapped
        (0, 1, 8, -1, 0),    # opposite strands never count
    ],
)
def test_grammar_rule_on_hand_placed_pairs(a_start, a_strand, b_start, b_strand, label) -> None:
    from danq.simulation.simulate import Target, grammar_hits

    target = Target("g", "grammar", (0, 1), 0.1, 0.1, min_gap=3, max_gap=11)
    inst = {"seq": np.array([0, 0]), "motif": np.array([0, 1]),
            "start": np.array([a_start, b_start]), "strand": np.array([a_strand, b_strand])}
    assert grammar_hits(1, inst, target, [5, 6]).tolist() == [bool(label)]


def test_simulated_labels_are_strand_symmetric_in_every_split(
    small_run: tuple[Path, dict],
) -> None:
    from danq.simulation.simulate import Motif, Target, compute_labels

    out, _ = small_run
    truth = read_truth(out)
    ids = [m["id"] for m in truth["motifs"]]
    lengths = [m["length"] for m in truth["motifs"]]
    motifs = [Motif(i, i, i, np.ones((4, w)), np.full((w, 4), 0.25))
              for i, w in zip(ids, lengths, strict=True)]
    targets = [Target(t["name"], t["category"], tuple(ids.index(m) for m in t["motifs"]), 0, 0,
                      t.get("min_gap", 0), t.get("max_gap", 0), t.get("min_count", 0))
               for t in truth["targets"]]
    length = truth["params"]["length"]
    for split in SPLITS:
        info = truth["splits"][split]
        raw = info["instances"]
        inst = {"seq": np.array(raw["seq"]), "motif": np.array([ids.index(m) for m in raw["motif"]]),
                "start": np.array(raw["start"]),
                "strand": np.array([1 if d == "+" else -1 for d in raw["strand"]])}
        forward = compute_labels(info["n"], inst, targets, motifs)
        np.testing.assert_array_equal(forward, expected_labels(truth, split))
        reverse = compute_labels(info["n"], reverse_instances(inst, lengths, length), targets,
                                 motifs)
        np.testing.assert_array_equal(forward, reverse)
    # Plants and decoys of grammar targets put both motifs on one strand, and both strands occur.
    raw = truth["splits"]["train"]["instances"]
    roles = truth["roles"]
    pairs: dict[tuple[int, int], set[str]] = {}
    for s, d, r in zip(raw["seq"], raw["strand"], raw["role"], strict=True):
        if roles[r].startswith("grammar"):
            pairs.setdefault((s, r), set()).add(d)
    assert any(v == {"+"} for v in pairs.values()) and any(v == {"-"} for v in pairs.values())


def test_grammar_kinds_are_recorded_per_sequence(small_run: tuple[Path, dict]) -> None:
    out, _ = small_run
    truth = read_truth(out)
    names = truth["grammar_kind_names"]
    assert names == ["positive", "swapped", "close", "far", "both_other", "one_motif", "none"]
    seen: set[str] = set()
    for split in SPLITS:
        info = truth["splits"][split]
        clean = expected_labels(truth, split)
        raw = info["instances"]
        roles = truth["roles"]
        for t, target in enumerate(truth["targets"]):
            if target["category"] != "grammar":
                assert target["name"] not in info["grammar_kinds"]
                continue
            kinds = [names[k] for k in info["grammar_kinds"][target["name"]]]
            assert len(kinds) == info["n"]
            a, b = target["motifs"]
            has_a = {s for s, m in zip(raw["seq"], raw["motif"], strict=True) if m == a}
            has_b = {s for s, m in zip(raw["seq"], raw["motif"], strict=True) if m == b}
            decoy_of = {}
            for s, m, r in zip(raw["seq"], raw["motif"], raw["role"], strict=True):
                if roles[r].startswith("grammar_decoy_") and m in (a, b):
                    decoy_of[s] = roles[r].removeprefix("grammar_decoy_")
            for s, kind in enumerate(kinds):
                seen.add(kind)
                if clean[s, t]:
                    assert kind == "positive"
                elif kind in ("swapped", "close", "far"):
                    assert decoy_of.get(s) == kind
                else:
                    n_present = (s in has_a) + (s in has_b)
                    assert kind == {2: "both_other", 1: "one_motif", 0: "none"}[n_present]
    assert {"positive", "swapped", "close", "far", "one_motif", "none"} <= seen
