"""The Snakemake workflow: config validation, dry runs of every data source, a tiny end-to-end run,
and the `danq report` summary it ends with."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from danq.errors import DanqError

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "workflow" / "Snakefile"
DEFAULT_CONFIG = REPO / "config" / "config.yaml"
TEST_CONFIG = REPO / "config" / "test.yaml"


def snakemake(workdir: Path, configfile: Path, *args: str,
              timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the repository's workflow in ``workdir`` with ``configfile``; stdout+stderr in .stdout."""
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE),
        "--directory", str(workdir), "--configfile", str(configfile), *args,
    ]
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, cwd=workdir)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def write_config(tmp_path: Path, config: dict, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a Snakemake dry run as {rule: count}."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Job stats"))
    counts: dict[str, int] = {}
    for line in lines[start + 3:]:
        fields = line.split()
        if len(fields) != 2 or not fields[1].isdigit():
            break
        counts[fields[0]] = int(fields[1])
    return counts


# ------------------------------------------------------------------------------------ dry runs


@pytest.mark.parametrize("configfile", [DEFAULT_CONFIG, TEST_CONFIG], ids=["default", "test"])
def test_dry_run_plans_every_stage_as_thin_cli_calls(tmp_path: Path, configfile: Path) -> None:
    result = snakemake(tmp_path, configfile, "-n", "-p", "--cores", "8")
    assert result.returncode == 0, result.stdout
    counts = job_counts(result.stdout)
    assert counts == {"simulate": 1, "encode": 3, "train": 2, "evaluate": 2, "motifs": 2,
                      "compare": 1, "baselines": 1, "report": 1, "simulate_variants": 1,
                      "variant_effect": 2, "variant_report": 1, "attribute": 4, "modisco": 2,
                      "marginalize": 8, "all": 1, "total": 32}
    baselines = next(line for line in result.stdout.splitlines() if "danq baselines" in line)
    assert "--predictions DeepSEA=results/evaluate/deepsea/predictions.h5" in baselines
    report_line = next(line for line in result.stdout.splitlines() if "danq report" in line)
    assert "--baselines results/baselines" in report_line
    assert "--interpretation DanQ=results/interpret/danq" in report_line
    config = load(configfile)
    lines = result.stdout.splitlines()
    train = [line for line in lines if "danq train --arch danq" in line]
    assert len(train) == 1
    assert f"--threads {config['threads']}" in train[0]
    assert "> logs/train/danq.log 2>&1" in train[0]
    channels = config["models"]["danq"]["model_args"]["conv_channels"]
    assert f"--model-arg conv_channels={channels}" in train[0]
    assert f"--epochs {config['models']['danq']['epochs']}" in train[0]
    assert "-o results/models/danq" in train[0]  # where `danq predict` looks by default
    for command in ("danq evaluate", "danq motifs"):
        assert any(command in line and f"--threads {config['threads']}" in line for line in lines)
    evaluate = [line for line in lines if "danq evaluate" in line]
    assert evaluate and all(" --rc " in line for line in evaluate)  # the CLI's new spellings


@pytest.mark.parametrize("configfile", [DEFAULT_CONFIG, TEST_CONFIG], ids=["default", "test"])
def test_workflow_lints_clean(tmp_path: Path, configfile: Path) -> None:
    """`snakemake --lint`: functions live in rules/common.smk, every rule has a log."""
    result = snakemake(tmp_path, configfile, "--lint")
    assert result.returncode == 0, result.stdout
    assert "Lints for" not in result.stdout, result.stdout


def test_a_rerun_after_an_interrupted_run_remakes_the_incomplete_outputs(tmp_path: Path) -> None:
    """Ctrl-C leaves outputs marked incomplete; the default profile (used without naming it)
    has rerun-incomplete, so the next plain `snakemake` remakes them (issue 24, item 13)."""
    import base64

    assert load(REPO / "workflow" / "profiles" / "default" / "config.yaml")["rerun-incomplete"]
    truth = "results/data/simulated/truth.json"  # an output of `simulate`, cut short
    (tmp_path / truth).parent.mkdir(parents=True)
    (tmp_path / truth).write_text("{")
    marks = tmp_path / ".snakemake" / "incomplete"
    marks.mkdir(parents=True)
    (marks / base64.urlsafe_b64encode(truth.encode()).decode()).write_text('{"external_jobid": null}')
    result = snakemake(tmp_path, TEST_CONFIG, "-n", "--cores", "2")
    assert result.returncode == 0, result.stdout
    assert "workflow/profiles/default" in result.stdout  # picked up with no --workflow-profile
    assert "IncompleteFilesException" not in result.stdout
    assert job_counts(result.stdout)["simulate"] == 1


def test_several_gpus_train_through_torchrun(tmp_path: Path) -> None:
    config = load(TEST_CONFIG)
    config["device"] = "cuda"
    config["models"]["danq"]["gpus"] = 4
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n", "-p")
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert any("torchrun --standalone --nproc_per_node 4 -m danq train --arch danq" in line
               for line in lines)
    deepsea = [line for line in lines if "danq train --arch deepsea" in line]
    assert deepsea and "torchrun" not in deepsea[0]


def test_runs_are_a_map_each_naming_its_architecture(tmp_path: Path) -> None:
    config = load(TEST_CONFIG)
    small = dict(config["models"]["danq"])
    config["models"]["danq_wide"] = {**small, "model_args": {**small["model_args"], "lstm_hidden": 16},
                                     "label": "DanQ wide"}
    config["models"]["jaspar"] = {**small, "arch": "danq-jaspar"}
    config["compare"] = ["danq", "danq_wide"]
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n", "-p")
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert any("danq train --arch danq-jaspar" in line and "-o results/models/jaspar" in line
               for line in lines)
    assert any("-o results/models/danq_wide" in line and "lstm_hidden=16" in line for line in lines)
    compare = [line for line in lines if "danq compare" in line]
    assert compare and "evaluate/danq/metrics.tsv" in compare[0]
    assert "evaluate/danq_wide/metrics.tsv" in compare[0] and "'DanQ wide'" in compare[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["models"]["danq"].update(arch="transformer"), "not an architecture"),
        (lambda c: c.update(compare=["danq", "nope"]), "not an enabled run"),
        (lambda c: c["models"]["danq"].update(optimizer="lbfgs"), "not an optimiser"),
    ],
)
def test_bad_runs_are_refused_before_any_job(tmp_path: Path, change, message: str) -> None:
    config = load(TEST_CONFIG)
    change(config)
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n")
    assert result.returncode != 0
    assert message in result.stdout


def test_variants_section_scores_the_users_vcf_with_every_model(tmp_path: Path) -> None:
    config = load(TEST_CONFIG)
    vcf, genome = tmp_path / "my.vcf", tmp_path / "my.fa"
    vcf.write_text("##fileformat=VCFv4.2\n")
    genome.write_text(">chr1\nACGT\n")
    config["variants"] = {"enabled": False, "vcf": str(vcf), "genome": str(genome),
                          "targets": "single", "background": 100}
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n", "-p")
    assert result.returncode == 0, result.stdout
    counts = job_counts(result.stdout)
    assert counts["variant_effect"] == 2 and counts["variant_report"] == 1
    assert "simulate_variants" not in counts  # the user's variants have no ground truth
    lines = [line for line in result.stdout.splitlines() if "danq variant-effect" in line]
    assert len(lines) == 2
    assert all(f"{vcf} --genome {genome}" in line and "--targets single" in line
               and "--background 100" in line and "> logs/variant_effect/" in line
               for line in lines)
    off = load(TEST_CONFIG)
    off["variants"] = {"enabled": False}
    result = snakemake(tmp_path, write_config(tmp_path, off, "off.yaml"), "-n")
    assert result.returncode == 0 and "variant_effect" not in job_counts(result.stdout)


def test_fasta_source_encodes_the_users_files(tmp_path: Path) -> None:
    config = load(TEST_CONFIG)
    files = {}
    for split in ("train", "valid", "test"):
        fasta, labels = tmp_path / f"my_{split}.fa", tmp_path / f"my_{split}.tsv"
        fasta.write_text(">s1\nACGTACGTAC\n")
        labels.write_text("name\tt1\ns1\t1\n")
        files[split] = {"fasta": str(fasta), "labels": str(labels)}
    config["data"] = {"source": "fasta", "length": 300, **files}
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n", "-p")
    assert result.returncode == 0, result.stdout
    assert "simulate" not in job_counts(result.stdout)
    encode = [line for line in result.stdout.splitlines() if "danq encode" in line]
    assert len(encode) == 3
    assert any(f"{tmp_path}/my_valid.fa --labels {tmp_path}/my_valid.tsv" in line
               and "--length 300" in line for line in encode)


def test_deepsea_source_imports_the_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "deepsea_train"
    bundle.mkdir()
    config = load(REPO / "config" / "deepsea.yaml")
    config["data"]["deepsea_dir"] = str(bundle)
    config["device"] = "cpu"
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n", "-p")
    assert result.returncode == 0, result.stdout
    counts = job_counts(result.stdout)
    assert counts["import_deepsea"] == 1 and "encode" not in counts and "simulate" not in counts
    assert f"danq import-deepsea {bundle} -o results/deepsea/data" in result.stdout
    lines = result.stdout.splitlines()
    deepsea = [line for line in lines if "danq train --arch deepsea" in line]
    assert "--validate-every 6875 --valid-samples 4000" in deepsea[0]  # 110,000 samples of 16
    danq = [line for line in lines if "danq train --arch danq " in line]
    assert "--validate-every" not in danq[0] and "--patience 6" in danq[0]  # Keras patience 5


def planned_train_configs(stdout: str, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Every `danq train` command a dry run printed, parsed by the real CLI into its TrainConfig."""
    from click.testing import CliRunner

    import danq.training
    from danq.cli import cli

    configs = {}

    def capture(config):
        configs[config.model] = config
        return SimpleNamespace(history=[], best_epoch=0)

    monkeypatch.setattr(danq.training, "train", capture)
    for line in stdout.splitlines():
        if "danq train --arch" in line:
            words = shlex.split(line)
            words = words[words.index("train") + 1 : words.index(">")]
            result = CliRunner().invoke(cli, ["train", *words])
            assert result.exit_code == 0, result.output
    return configs


def test_default_config_trains_both_models_with_identical_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from danq.training import resolve

    result = snakemake(tmp_path, DEFAULT_CONFIG, "-n", "-p", "--cores", "8")
    assert result.returncode == 0, result.stdout
    configs = planned_train_configs(result.stdout, monkeypatch)
    assert set(configs) == {"deepsea", "danq"}
    deepsea, danq = resolve(configs["deepsea"]), resolve(configs["danq"])
    assert deepsea == danq, (deepsea, danq)
    assert deepsea.max_norm == deepsea.l1_logits == deepsea.weight_decay == 0  # not DeepSEA's

    def run_options(config):
        skip = ("model", "model_args", "output_dir")
        return {k: v for k, v in vars(config).items() if k not in skip}

    assert run_options(configs["deepsea"]) == run_options(configs["danq"])


def test_peaks_source_builds_the_splits_from_the_genome_and_peaks(tmp_path: Path) -> None:
    genome, targets = tmp_path / "hg.fa", tmp_path / "targets.tsv"
    genome.write_text(">chr1\nACGT\n")
    targets.write_text("name\tcategory\tpeaks\n")
    config = load(REPO / "config" / "peaks.yaml")
    config["data"].update(genome=str(genome), targets=str(targets))
    config["data"]["build"].update(background_ratio=1.5, test="chr8")
    config["device"] = "cpu"
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n", "-p")
    assert result.returncode == 0, result.stdout
    counts = job_counts(result.stdout)
    assert counts["build_dataset"] == 1 and "encode" not in counts and "simulate" not in counts
    line = next(x for x in result.stdout.splitlines() if "danq build-dataset" in x)
    assert f"--genome {genome} --peaks {targets} -o results/peaks/data" in line
    assert "--background-ratio 1.5" in line and "--test chr8" in line and "--both-strands" in line
    assert "--window" not in line  # unset options keep the CLI's DeepSEA defaults
    report = next(x for x in result.stdout.splitlines() if "danq report" in x)
    assert "--dataset-summary results/peaks/data/summary.json" in report


# ---------------------------------------------------------------------------------- validation

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def validate(config: dict) -> None:
    """The Snakefile's own check, in-process (fast): snakemake.utils.validate against the schema."""
    from snakemake.utils import validate as snakemake_validate

    snakemake_validate(config, str(SCHEMA), set_default=True)


@pytest.mark.parametrize("name", ["config", "test", "benchmark", "deepsea", "peaks"])
def test_shipped_configs_are_valid(name: str) -> None:
    config = load(REPO / "config" / f"{name}.yaml")
    validate(config)
    assert config["models"]["danq"]["gpus"] >= 1  # defaults filled in


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda c: c["models"]["danq"].update(epocs=3), "epocs"),
        (lambda c: c["models"]["deepsea"].update(epochs="ten"), "'ten' is not of type 'integer'"),
        (lambda c: c["data"].update(source="bam"), "'bam' is not one of"),
        (lambda c: c["motifs"].update(max_sequences=0), "0 is less than the minimum of 1"),
        (lambda c: c.update(data={"source": "fasta"}), "'train' is a required property"),
        (lambda c: c.update(device="gpu"), "'gpu' does not match"),
        (lambda c: c["models"]["danq"]["model_args"].update(conv_channels="big"), "'big'"),
        (lambda c: c["models"]["danq"]["model_args"].update(dense_hidden=0), "minimum of 1"),
        (lambda c: c["models"]["danq"]["model_args"].update(conv_channel=8), "conv_channel"),
    ],
    ids=["unknown-key", "wrong-type", "unknown-source", "out-of-range", "fasta-without-files",
         "bad-device", "model-arg-string", "model-arg-zero", "model-arg-unknown"],
)
def test_invalid_config_is_rejected(edit, expected: str) -> None:
    from snakemake.exceptions import WorkflowError

    config = load(TEST_CONFIG)
    edit(config)
    with pytest.raises(WorkflowError, match="Error validating config file") as caught:
        validate(config)
    assert expected in str(caught.value)


def test_snakemake_stops_on_a_wrong_key_with_a_clear_message(tmp_path: Path) -> None:
    config = load(TEST_CONFIG)
    config["models"]["danq"]["epocs"] = 3
    result = snakemake(tmp_path, write_config(tmp_path, config), "-n")
    assert result.returncode != 0
    assert "Error validating config file" in result.stdout
    assert "'epocs' was unexpected" in result.stdout
    assert not (tmp_path / "results").exists()


# -------------------------------------------------------------------------------- end to end


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("danq") is None, reason="the danq console script is not on PATH")
def test_tiny_end_to_end_run(tiny_workflow_run) -> None:
    tmp_path, result = tiny_workflow_run  # one run per session (tests/conftest.py)
    assert result.returncode == 0, result.stdout[-5000:]
    out = tmp_path / "results"
    for model in ("deepsea", "danq"):
        for path in (f"models/{model}/best.pt", f"models/{model}/metrics.csv",
                     f"evaluate/{model}/metrics.tsv", f"motifs/{model}/tomtom.tsv",
                     f"motifs/{model}/logos_overview.png"):
            assert (out / path).stat().st_size > 0, path
        assert (tmp_path / "logs" / "train" / f"{model}.log").exists()
        assert (out / "benchmarks" / "train" / f"{model}.tsv").exists()
    assert (out / "compare" / "comparison.png").exists()
    summary = json.loads((out / "report" / "summary.json").read_text())
    assert summary["models"] == ["DeepSEA", "DanQ"]
    assert set(summary["comparison"]) == {"single", "grammar", "combination", "all"}
    assert summary["comparison"]["all"]["n_targets"] == 12
    assert summary["motif_recovery"]["DanQ"]["n_planted"] == 16
    assert summary["baselines"]["sources"] == ["DeepSEA", "DanQ", "oracle", "presence", "marginal",
                                                  "pwm_scan"]
    assert set(summary["baselines"]["learned_grammar"]) == {"DeepSEA", "DanQ"}
    for model in ("DeepSEA", "DanQ", "oracle"):
        assert (out / "baselines" / model / "decoys.tsv").stat().st_size > 0
    assert (out / "report" / "training_curves.png").stat().st_size > 0
    auc = (out / "variant_effect" / "report" / "truth_auc.tsv").read_text().splitlines()
    assert [line.split("\t")[0] for line in auc[1:]] == ["DeepSEA", "DanQ"]
    assert (out / "variant_effect" / "report" / "heatmap_DanQ.png").stat().st_size > 0
    page = (out / "report" / "report.html").read_text()
    # the verdict first; scatter, two curves, two logo sheets, the training curves and the
    # interpretation's three figures embedded
    assert page.index('id="verdict"') < page.index("<img")
    assert page.count('<img src="data:image/png;base64,') == 9
    interpretation = summary["interpretation"]["models"]
    assert set(interpretation) == {"DeepSEA", "DanQ"}
    for label in ("DeepSEA", "DanQ"):
        assert {r["method"] for r in interpretation[label]["accuracy"]} == {"ism", "ig"}
        assert interpretation[label]["modisco"]["n_planted"] == 16
        assert len(interpretation[label]["marginalize"]) == 4  # the four grammar targets
    # Nothing left to do: a second dry run plans no job.
    again = snakemake(tmp_path, TEST_CONFIG, "-n")
    assert again.returncode == 0 and "Nothing to be done" in again.stdout


# ---------------------------------------------------------------------------------- danq report


def write_metrics(path: Path, rows: list[tuple[str, str, float, float]]) -> Path:
    text = "target\tcategory\tn_pos\tn_neg\troc_auc\tpr_auc\n" + "".join(
        f"{t}\t{c}\t10\t90\t{roc}\t{pr}\n" for t, c, roc, pr in rows)
    path.write_text(text)
    return path


def test_report_counts_wins_parity_and_motif_recovery(tmp_path: Path) -> None:
    from danq.report.build import build_report

    baseline = write_metrics(tmp_path / "a.tsv", [
        ("g1", "grammar", 0.80, 0.40), ("g2", "grammar", 0.70, 0.30),
        ("s1", "single", 0.90, 0.60), ("s2", "single", 0.95, 0.70),
    ])
    challenger = write_metrics(tmp_path / "b.tsv", [
        ("g1", "grammar", 0.90, 0.55), ("g2", "grammar", 0.65, 0.20),
        ("s1", "single", 0.91, 0.61), ("s2", "single", 0.95, 0.70),
    ])
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"motifs": [{"id": "MA0139.2", "name": "CTCF"},
                                            {"id": "MA0138.3", "name": "REST"}]}))
    tomtom = tmp_path / "tomtom.tsv"
    tomtom.write_text(
        "filter\trank\ttarget_id\ttarget_name\tp_value\te_value\tq_value\n"
        "filter_000\t1\tMA0139.1\tCTCF\t1e-9\t1e-6\t0.001\n"  # another version: still CTCF
        "filter_001\t1\tMA0138.3\tREST\t0.01\t9\t0.2\n"  # not significant
    )
    history = tmp_path / "metrics.csv"
    history.write_text("epoch,train_loss,valid_loss,valid_pr_auc\n1,0.6,0.5,0.3\n2,0.4,0.45,0.4\n")
    summary = build_report(tmp_path / "out", {"DeepSEA": baseline, "DanQ": challenger},
                           {"DanQ": history}, {"DanQ": tomtom}, truth, note="reduced sizes")
    grammar, single = summary["comparison"]["grammar"], summary["comparison"]["single"]
    assert (grammar["pr_wins"], grammar["n_compared_pr"]) == (1, 2)
    assert single["pr_wins"] == 1  # a tie is not a win
    assert single["median_pr_auc_difference"] == pytest.approx(0.005)
    recovery = summary["motif_recovery"]["DanQ"]
    assert (recovery["n_recovered"], recovery["n_planted"]) == (1, 2)
    assert [g["met"] for g in summary["goals"]] == [False, True, False]
    markdown = (tmp_path / "out" / "summary.md").read_text()
    assert "reduced sizes" in markdown and "| grammar | 2 | 1/2 (50 %)" in markdown
    table = (tmp_path / "out" / "auc_by_category.tsv").read_text().splitlines()
    assert table[0].split("\t")[:3] == ["model", "category", "n_targets"]
    assert len(table) == 1 + 2 * 3  # two categories + all, per model
    assert (tmp_path / "out" / "training_curves.png").stat().st_size > 0


def test_report_rejects_mismatched_targets(tmp_path: Path) -> None:
    from danq.report.build import build_report

    a = write_metrics(tmp_path / "a.tsv", [("t1", "single", 0.9, 0.5)])
    b = write_metrics(tmp_path / "b.tsv", [("t2", "single", 0.9, 0.5)])
    with pytest.raises(DanqError, match="missing"):
        build_report(tmp_path / "out", {"A": a, "B": b})


def test_report_cli_bad_pair_is_a_one_line_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from danq.cli.report import command

    result = CliRunner().invoke(command, ["--metrics", "no-equals-sign", "-o", str(tmp_path)])
    assert isinstance(result.exception, DanqError)
    assert "LABEL=PATH" in str(result.exception)
