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
from danq.simulate import (
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
    per_seq: list[list[tuple[str, int]]] = [[] for _ in range(info["n"])]
    inst = info["instances"]
    for s, m, p in zip(inst["seq"], inst["motif"], inst["start"], strict=True):
        per_seq[s].append((m, p))
    labels = np.zeros((info["n"], len(truth["targets"])), dtype=np.uint8)
    for t, target in enumerate(truth["targets"]):
        for s, found in enumerate(per_seq):
            ids = {m for m, _ in found}
            if target["category"] == "single":
                labels[s, t] = target["motifs"][0] in ids
            elif target["category"] == "combination":
                labels[s, t] = sum(m in ids for m in target["motifs"]) >= target["min_count"]
            else:
                a, b = target["motifs"]
                labels[s, t] = any(
                    pa < pb and target["min_gap"] <= pb - pa - lengths[a] <= target["max_gap"]
                    for ma, pa in found
                    if ma == a
                    for mb, pb in found
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
