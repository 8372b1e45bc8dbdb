"""`danq report --baselines`: models beside the oracle, presence-only and PWM-scan baselines, the
"learned grammar" count (with its margin) and the decoy table, from hand-written baseline tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

GRAMMAR = ["g1", "g2", "g3", "g4"]


def write_inputs(tmp_path: Path, marginal: dict[str, float] | None = None
                 ) -> tuple[dict[str, Path], Path]:
    """Two models' metrics.tsv and a hand-made `danq baselines` folder (4 grammar, 1 single);
    the marginal baseline at 0.38 on every grammar target unless ``marginal`` says otherwise."""
    presence = {"g1": 0.40, "g2": 0.40, "g3": 0.40, "g4": 0.40}
    marginal = {"g1": 0.38, "g2": 0.38, "g3": 0.38, "g4": 0.38, **(marginal or {})}
    # DanQ: clearly above presence on g1-g3, within the margin (2 x 0.01) on g4.
    # DeepSEA: above presence only by tie-order chance (0.405, 0.41 < 0.42) or below.
    pr = {"DanQ": {"g1": 0.8, "g2": 0.7, "g3": 0.43, "g4": 0.41},
          "DeepSEA": {"g1": 0.405, "g2": 0.41, "g3": 0.39, "g4": 0.30}}
    rows = []
    metrics = {}
    for model, values in pr.items():
        frame = pd.DataFrame(
            [{"target": t, "category": "grammar", "n_pos": 10, "n_neg": 90, "roc_auc": 0.8,
              "pr_auc": v} for t, v in values.items()]
            + [{"target": "s1", "category": "single", "n_pos": 10, "n_neg": 90, "roc_auc": 0.9,
                "pr_auc": 0.7}])
        path = tmp_path / f"{model}.tsv"
        frame.to_csv(path, sep="\t", index=False)
        metrics[model] = path
        rows += [{"source": model, "labels": lab, **r} for lab in ("noisy", "clean")
                 for r in frame.to_dict("records")]
    for source, value in (("oracle", 0.95), ("presence", presence), ("marginal", marginal),
                          ("pwm_scan", 0.35)):
        for lab in ("noisy", "clean"):
            for t in GRAMMAR:
                rows.append({"source": source, "labels": lab, "target": t, "category": "grammar",
                             "n_pos": 10, "n_neg": 90, "roc_auc": 0.9,
                             "pr_auc": value[t] if isinstance(value, dict) else value})
            rows.append({"source": source, "labels": lab, "target": "s1", "category": "single",
                         "n_pos": 10, "n_neg": 90, "roc_auc": 0.95, "pr_auc": 0.9})
    folder = tmp_path / "baselines"
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "all_metrics.tsv", sep="\t", index=False)
    pd.DataFrame([{"target": t, "labels": lab, "pr_auc_sd_ties": 0.01} for t in GRAMMAR
                  for lab in ("noisy", "clean")]).to_csv(folder / "presence_spread.tsv",
                                                          sep="\t", index=False)
    decoys = [{"source": s, "target": t, "kind": k, "n": 5, "mean_score": 0.5,
               "roc_auc_vs_positives": auc}
              for s, auc in (("DanQ", 0.9), ("DeepSEA", 0.5), ("oracle", 1.0),
                             ("presence", 0.5), ("marginal", 0.5), ("pwm_scan", 0.5))
              for t in GRAMMAR for k in ("swapped", "none")]
    pd.DataFrame(decoys).to_csv(folder / "decoys.tsv", sep="\t", index=False)
    return metrics, folder


def test_report_counts_learned_grammar_against_presence_with_its_margin(tmp_path: Path) -> None:
    from danq.report.build import build_report

    metrics, folder = write_inputs(tmp_path)
    summary = build_report(tmp_path / "out", {"DeepSEA": metrics["DeepSEA"],
                                              "DanQ": metrics["DanQ"]}, baselines=folder)
    learned = summary["baselines"]["learned_grammar"]
    assert learned["DanQ"]["n_beats_presence"] == 3  # g4: 0.41 is within 0.40 + 2 x 0.01
    assert learned["DeepSEA"]["n_beats_presence"] == 0
    goal = summary["goals"][0]
    assert goal["measured"] == "DanQ 3/4, DeepSEA 0/4" and goal["met"] is True
    assert not any("of grammar targets" in g["goal"] for g in summary["goals"])
    grammar = next(r for r in summary["baselines"]["per_category"]
                   if r["category"] == "grammar" and r["labels"] == "noisy")
    assert grammar["oracle"]["median_pr_auc"] == 0.95
    assert grammar["DanQ"]["median_pr_auc"] == (0.7 + 0.43) / 2
    text = (tmp_path / "out" / "summary.md").read_text()
    assert "learned grammar" in text and "presence-only" in text and "oracle ceiling" in text
    assert "| grammar | clean | 4 |" in text
    decoy_rows = [line for line in text.splitlines() if line.startswith("| DanQ | 0.900")]
    assert decoy_rows  # the decoy table: DanQ's median AUC against swapped decoys


def test_goal_not_met_when_the_baseline_model_also_beats_presence(tmp_path: Path) -> None:
    from danq.report.build import build_report

    metrics, folder = write_inputs(tmp_path)
    # Swap the roles: the challenger now is the presence-level model.
    summary = build_report(tmp_path / "out", {"DanQ": metrics["DanQ"],
                                              "DeepSEA": metrics["DeepSEA"]}, baselines=folder)
    assert summary["goals"][0]["met"] is False


def test_learned_grammar_needs_the_stronger_of_presence_and_marginal(tmp_path: Path) -> None:
    """DanQ beats presence-only on g1-g3, but the marginal baseline is higher on g2 (0.72 > 0.7):
    it has learned grammar on 2 targets only, and the goal (>= 3) is not met."""
    from danq.report.build import build_report

    metrics, folder = write_inputs(tmp_path, marginal={"g2": 0.72})
    summary = build_report(tmp_path / "out", {"DeepSEA": metrics["DeepSEA"],
                                              "DanQ": metrics["DanQ"]}, baselines=folder)
    learned = summary["baselines"]["learned_grammar"]["DanQ"]
    assert learned["n_beats_presence"] == 3 and learned["n_beats_baselines"] == 2
    g2 = next(e for e in learned["targets"] if e["target"] == "g2")
    assert g2["noisy_beats_presence"] and not g2["noisy_beats_baselines"]
    assert g2["noisy_marginal_pr_auc"] == 0.72
    goal = summary["goals"][0]
    assert goal["measured"] == "DanQ 2/4, DeepSEA 0/4" and goal["met"] is False
    assert "stronger of the presence-only and marginal" in goal["goal"]
    text = (tmp_path / "out" / "summary.md").read_text()
    assert "| g2 | 0.400 ± 0.010 | 0.720 | 0.410 | 0.700 | 0.950 |" in text


def test_a_real_datasets_pwm_baseline_sits_beside_the_models(tmp_path: Path) -> None:
    """`danq baselines --pwm` output (labels as given, no truth): per-category medians, a per-target
    table and the verdict's baseline line; no learned-grammar count, no goal from it."""
    from danq.report.build import build_report

    rows, metrics = [], {}
    for source, pr in (("DanQ", 0.6), ("DeepSEA", 0.5), ("pwm_scan", 0.3)):
        frame = pd.DataFrame([{"target": t, "category": "TF", "n_pos": 10, "n_neg": 90,
                               "roc_auc": 0.8, "pr_auc": pr} for t in ("K562|CTCF", "HepG2|CTCF")])
        if source != "pwm_scan":
            metrics[source] = tmp_path / f"{source}.tsv"
            frame.to_csv(metrics[source], sep="\t", index=False)
        rows += [{"source": source, "labels": "observed", **r} for r in frame.to_dict("records")]
    folder = tmp_path / "baselines"
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "all_metrics.tsv", sep="\t", index=False)
    summary = build_report(tmp_path / "out", metrics, baselines=folder)
    section = summary["baselines"]
    assert section["sources"] == ["DanQ", "DeepSEA", "pwm_scan"]
    assert section["learned_grammar"] == {}
    assert not any("presence-only" in g["goal"] for g in summary["goals"])
    text = (tmp_path / "out" / "summary.md").read_text()
    assert "| TF | observed | 2 | 0.800 / 0.600 | 0.800 / 0.500 | 0.800 / 0.300 |" in text
    assert "| K562|CTCF | TF | 0.800 / 0.600 | 0.800 / 0.500 | 0.800 / 0.300 |" in text
    page = (tmp_path / "out" / "report.html").read_text()
    assert "PWM baseline" in page and "TF 0.30" in page
