"""danq.cli.options: one spelling per idea on every command (issue 20), the replaced spellings
still working with one warning each, and counts checked as ranges in one message style."""

from __future__ import annotations

import re
import warnings
from importlib import import_module
from pathlib import Path

import click
import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from danq.cli import SUBCOMMANDS, cli
from danq.cli.options import DanqCommand
from danq.datasets.encode import encode_fasta
from danq.errors import DanqWarning
from danq.models.checkpoint import save_checkpoint
from tests.helpers import run_danq as run
from tests.helpers import tiny_danq

RUNS_A_MODEL = ["predict", "evaluate", "variant-effect", "motifs", "train"]
LENGTH = 40
TARGETS = ["t1", "t2", "t3"]


def command_of(name: str) -> click.Command:
    return import_module(f"danq.cli.{SUBCOMMANDS[name][0]}").command


def options_of(name: str) -> list[click.Option]:
    return [p for p in command_of(name).params if isinstance(p, click.Option)]


def parse(name: str, args: list[str]) -> tuple[dict, list[str]]:
    """The parameters ``danq NAME ARGS`` would run with (callback not run), and the DanqWarnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with command_of(name).make_context(name, list(args)) as ctx:
            params = dict(ctx.params)
    return params, [str(w.message) for w in caught if issubclass(w.category, DanqWarning)]


# ----------------------------------------------------------------------------- the vocabulary


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_every_command_speaks_the_vocabulary(name: str) -> None:
    command = command_of(name)
    assert isinstance(command, DanqCommand)
    text = CliRunner().invoke(cli, [name, "--help"]).output
    assert "--output-dir" not in text and "--rc-average" not in text
    assert not re.search(r"--target\b(?!s)", text)  # export-bed's repeatable --target is --targets
    for option in options_of(name):
        if "-o" in option.opts:  # -o/--outdir for a directory, -o/--output for a file
            assert isinstance(option.type, click.Path)
            expected = "--output" if option.type.file_okay else "--outdir"
            assert option.opts == ["-o", expected], (name, option.opts)
            assert option.name == expected[2:]
            if expected == "--outdir":
                assert "--output" not in text
        if option.name == "model":  # always a checkpoint, never an architecture
            assert isinstance(option.type, click.Path) and not option.type.dir_okay
        if option.name == "rc_average":
            assert (option.opts, option.secondary_opts) == (["--rc"], ["--no-rc"])
        if option.name == "batch_size":
            assert isinstance(option.type, click.IntRange) and option.type.min == 1
        if "--targets" in option.opts:  # a target selection: the one spec, repeatable
            assert option.metavar == "SPEC" and option.multiple
        if isinstance(option.type, click.types.IntParamType) and option.name not in ("seed",):
            assert isinstance(option.type, click.IntRange), (name, option.name)  # counts
    if name == "train":
        assert not re.search(r"--model\b(?!-)", text) and "--arch" in text
    if name == "build-dataset":  # its table of targets and peaks is not a selection
        assert "--targets" not in text and "--peaks" in text


@pytest.mark.parametrize("name", RUNS_A_MODEL)
def test_commands_that_run_a_model_take_the_runtime_options(name: str) -> None:
    from danq.runtime import DEFAULT_DEVICE, DEFAULT_PRECISION, DEFAULT_TRAIN_PRECISION

    options = {option.name: option for option in options_of(name)}
    assert {"device", "precision", "threads", "progress", "batch_size"} <= set(options)
    assert options["device"].default == DEFAULT_DEVICE
    scan_or_train = name in ("train", "motifs")  # autocast only; inference also has auto and int8
    from danq.variants.effect import DEFAULT_VARIANT_PRECISION

    expected = {"variant-effect": DEFAULT_VARIANT_PRECISION}.get(
        name, DEFAULT_TRAIN_PRECISION if scan_or_train else DEFAULT_PRECISION)
    assert options["precision"].default == expected
    assert (options["progress"].opts, options["progress"].secondary_opts) == (
        ["--progress"], ["--no-progress"])


def test_defaults_come_from_the_domain_constants() -> None:
    from danq.inference.predictor import DEFAULT_BATCH_SIZE, DEFAULT_RC_AVERAGE
    from danq.motifs.filters import DEFAULT_BATCH_SIZE as SCAN_BATCH
    from danq.variants.batches import DEFAULT_BATCH_SIZE as VARIANT_BATCH
    from danq.variants.scoring import DEFAULT_SCORES

    def default(name: str, option: str):
        return next(o.default for o in options_of(name) if o.name == option)

    assert default("predict", "batch_size") == default("evaluate", "batch_size") == DEFAULT_BATCH_SIZE
    assert default("variant-effect", "batch_size") == VARIANT_BATCH
    assert default("motifs", "batch_size") == SCAN_BATCH
    for name in ("predict", "evaluate", "variant-effect"):
        assert default(name, "rc_average") is DEFAULT_RC_AVERAGE
    assert default("variant-effect", "scores") == ",".join(DEFAULT_SCORES)


# ------------------------------------------------------------------- replaced spellings


TRAIN = ["--train", "t.h5", "--valid", "v.h5"]
ALIASES = [
    ("train", ["--model", "danq", *TRAIN, "-o", "out"],
     ["--arch", "danq", *TRAIN, "-o", "out"], "--model", "--arch"),
    ("train", ["--arch", "danq", *TRAIN, "--output-dir", "out"],
     ["--arch", "danq", *TRAIN, "--outdir", "out"], "--output-dir", "--outdir"),
    ("motifs", ["-m", "m.pt", "-d", "d.h5", "--output", "out"],
     ["-m", "m.pt", "-d", "d.h5", "--outdir", "out"], "--output", "--outdir"),
    ("tomtom", ["m.meme", "--output=out"], ["m.meme", "--outdir=out"], "--output", "--outdir"),
    ("evaluate", ["-o", "out", "--no-rc-average"], ["-o", "out", "--no-rc"],
     "--no-rc-average", "--no-rc"),
    ("evaluate", ["-o", "out", "--rc-average"], ["-o", "out", "--rc"], "--rc-average", "--rc"),
    ("export-bed", ["d.h5", "-o", "x.bed", "--target", "t1", "--target", "t3"],
     ["d.h5", "-o", "x.bed", "--targets", "t1", "--targets", "t3"], "--target", "--targets"),
    ("build-dataset", ["--genome", "g.fa", "--targets", "p.tsv", "-o", "out"],
     ["--genome", "g.fa", "--peaks", "p.tsv", "-o", "out"], "--targets", "--peaks"),
]


@pytest.mark.parametrize(("name", "old", "new", "old_spelling", "new_spelling"), ALIASES,
                         ids=[f"{a[0]} {a[3]}" for a in ALIASES])
def test_replaced_spellings_still_work_and_warn_once(name, old, new, old_spelling, new_spelling):
    params, warned = parse(name, old)
    expected, none = parse(name, new)
    assert params == expected  # the command runs exactly as with the new spelling
    assert none == []
    assert len(warned) == 1, warned  # once, however often the spelling is given
    assert warned[0].startswith(f"{old_spelling} is deprecated")
    assert warned[0].endswith(f"use {new_spelling}")


def test_replaced_spellings_are_hidden_from_help() -> None:
    for name, _, _, old_spelling, _ in ALIASES:
        help_text = CliRunner().invoke(cli, [name, "--help"]).output
        assert not re.search(rf"{re.escape(old_spelling)}(?![\w-])", help_text), (name, old_spelling)


def test_values_and_arguments_that_read_like_an_old_spelling_are_left_alone() -> None:
    params, warned = parse("train", ["--arch", "danq", *TRAIN, "-o", "out", "--model-arg", "--model"])
    assert params["arch"] == "danq" and params["model_arg"] == ("--model",) and warned == []
    params, warned = parse("export-bed", ["-o", "x.bed", "--", "--target"])
    assert params["dataset"] == "--target" and params["targets"] is None and warned == []


# ------------------------------------------------------------------- real runs, old and new


@pytest.fixture
def dataset(tmp_path) -> Path:
    """A tiny labelled dataset with window coordinates (as `danq build-dataset` writes them)."""
    rng = np.random.default_rng(0)
    fasta, labels = tmp_path / "x.fa", tmp_path / "labels.tsv"
    fasta.write_text("".join(f">s{i}\n{''.join(rng.choice(list('ACGT'), LENGTH))}\n"
                             for i in range(8)))
    labels.write_text("name\t" + "\t".join(TARGETS) + "\n"
                      + "".join(f"s{i}\t{i % 2}\t1\t{1 - i % 2}\n" for i in range(8)))
    path = tmp_path / "d.h5"
    encode_fasta(fasta, path, labels)
    with h5py.File(path, "r+") as f:
        f["chrom"] = np.array([b"chr1"] * 8)
        f["start"] = np.arange(8, dtype=np.int64) * 100
        f["end"] = np.arange(8, dtype=np.int64) * 100 + LENGTH
    return path


def test_export_bed_old_target_and_new_targets_write_the_same_file(capsys, tmp_path, dataset):
    old, new, spec = tmp_path / "old.bed", tmp_path / "new.bed", tmp_path / "spec.bed"
    code, _, err = run(capsys, "export-bed", dataset, "-o", old, "--target", "t1", "--target", "t3")
    assert code == 0, err
    assert err.splitlines()[0] == ("danq: warning: --target is deprecated and will be removed in "
                                   "the next release; use --targets")
    code, _, err = run(capsys, "export-bed", dataset, "-o", new, "--targets", "t1,t3")
    assert code == 0 and "warning" not in err, err
    code, _, err = run(capsys, "export-bed", dataset, "-o", spec, "--targets", "0", "--targets", "3$")
    assert code == 0, err  # an index and a regex: the spec of variant-effect
    assert old.read_text() == new.read_text() == spec.read_text()
    assert "t2" not in old.read_text() and "t1" in old.read_text()
    code, _, err = run(capsys, "export-bed", dataset, "-o", tmp_path / "x.bed", "--targets", "t9")
    assert code == 1 and "--targets: 't9' matches no target name or category" in err


def test_evaluate_old_rc_flag_reaches_the_run(capsys, tmp_path, dataset):
    import json

    checkpoint = tmp_path / "m.pt"
    save_checkpoint(checkpoint, tiny_danq(LENGTH, len(TARGETS)), {"target_names": TARGETS})
    out = tmp_path / "eval"
    code, _, err = run(capsys, "evaluate", "--model", checkpoint, "--data", dataset, "-o", out,
                       "--no-rc-average", "--no-plots", "--threads", "1")
    assert code == 0, err
    assert "danq: warning: --no-rc-average is deprecated" in err and "use --no-rc" in err
    assert json.loads((out / "summary.json").read_text())["rc_average"] is False


def test_train_old_model_and_output_dir_spellings_train(capsys, tmp_path, dataset):
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", "--model", "danq", "--train", dataset, "--valid", dataset,
                       "--output-dir", out, "--epochs", "1", "--threads", "1", "--no-progress",
                       "--model-arg", "conv_channels=4", "--model-arg", "conv_width=5",
                       "--model-arg", "pool_size=4", "--model-arg", "lstm_hidden=4",
                       "--model-arg", "dense_hidden=4")
    assert code == 0, err
    warned = [line for line in err.splitlines() if line.startswith("danq: warning: ")]
    assert [line.split()[2] for line in warned] == ["--model", "--output-dir"]
    assert (out / "best.pt").stat().st_size > 0


def test_motifs_takes_precision_and_progress(capsys, tmp_path, dataset):
    import json

    checkpoint = tmp_path / "m.pt"
    save_checkpoint(checkpoint, tiny_danq(LENGTH, len(TARGETS)), {"target_names": TARGETS})
    args = ["motifs", "-m", checkpoint, "-d", dataset, "--min-sites", "1", "--no-decoys",
            "--no-logos", "--threads", "1", "--device", "cpu"]
    code, _, err = run(capsys, *args, "-o", tmp_path / "bf16", "--precision", "bf16", "--progress")
    assert code == 0, err
    assert "scanning filters" in err  # the bar, though the scan is short: it was asked for
    assert json.loads((tmp_path / "bf16" / "summary.json").read_text())["n_sequences"] == 8
    code, _, err = run(capsys, *args, "-o", tmp_path / "fp16", "--precision", "fp16")
    assert code == 1 and "--precision fp16 needs a CUDA device" in err


def test_summaries_go_to_stderr(capsys, tmp_path):
    code, out, err = run(capsys, "simulate", "-o", tmp_path / "sim", "--n-train", "4",
                         "--n-valid", "2", "--n-test", "2", "--length", "300")
    assert code == 0, err
    assert out == "" and err.startswith(f"wrote {tmp_path / 'sim'}")


# ------------------------------------------------------------------------ counts as ranges


@pytest.mark.parametrize(
    ("args", "option", "value", "bound"),
    [
        (["predict", "x.fa"], "--batch-size", "0", "x>=1"),
        (["evaluate", "-o", "o"], "--batch-size", "-5", "x>=1"),
        (["variant-effect", "v.vcf", "--genome", "g.fa", "-o", "o"], "--background", "-1", "x>=0"),
        (["variant-effect", "v.vcf", "--genome", "g.fa", "-o", "o"], "--batch-size", "0", "x>=1"),
        (["motifs", "-m", "m.pt", "-d", "d.h5", "-o", "o"], "--max-sequences", "0", "x>=1"),
        (["motifs", "-m", "m.pt", "-d", "d.h5", "-o", "o"], "--min-sites", "0", "x>=1"),
        (["tomtom", "m.meme", "-o", "o"], "--top-matches", "0", "x>=1"),
        (["train", "--arch", "danq", *TRAIN, "-o", "o"], "--epochs", "0", "x>=1"),
        (["train", "--arch", "danq", *TRAIN, "-o", "o"], "--patience", "-1", "x>=0"),
        (["simulate", "-o", "o"], "--n-train", "-1", "x>=0"),
        (["simulate-variants", "--truth", "t.json", "-o", "o"], "--n-per-class", "0", "x>=1"),
        (["build-dataset", "--genome", "g", "--peaks", "p", "-o", "o"], "--window", "0", "x>=1"),
        (["encode", "x.fa", "-o", "o.h5"], "--length", "0", "x>=1"),
        (["import-deepsea", "bundle", "-o", "o"], "--chunk-samples", "0", "x>=1"),
    ],
)
def test_counts_out_of_range_are_usage_errors_in_one_style(capsys, tmp_path, args, option, value,
                                                           bound):
    code, _, err = run(capsys, *args, option, value)
    assert code == 2, err
    assert f"Error: Invalid value for '{option}': {value} is not in the range {bound}." in err


def test_documented_command_lines_use_the_new_spellings() -> None:
    """Every `danq ...` line of the READMEs' shell examples parses without a deprecation warning."""
    import shlex

    repo = Path(__file__).resolve().parents[2]
    lines = []
    for readme in (repo / "README.md", repo / "config" / "README.md"):
        blocks = re.findall(r"```bash\n(.*?)```", readme.read_text(), flags=re.S)
        lines += [line for block in blocks for line in block.splitlines()
                  if line.startswith("danq ") and "..." not in line]
    assert len(lines) >= 15
    for line in lines:
        words = shlex.split(line, comments=True)[1:]
        name, args = words[0], words[1:]
        _, warned = parse(name, args)
        assert warned == [], line
