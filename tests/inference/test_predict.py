"""Prediction: the Python API, RC averaging, length fitting and the `danq predict` command."""

from __future__ import annotations

import dataclasses
import gzip
import subprocess
import sys

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import danq
from danq.cli import cli
from danq.encoders import fit_length, one_hot_batch, reverse_complement
from danq.errors import DanqError
from danq.formats.predictions import format_probabilities, format_rows, read_predictions
from danq.inference.predict import DEFAULT_MODEL, predict_fasta
from danq.models.checkpoint import save_checkpoint
from danq.models.info import ModelInfo

LENGTH = 40
TARGETS = ["DNase|a", "CTCF|b", "H3K4me3|c"]


def random_seqs(n: int, length: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), size=length)) for _ in range(n)]


def forward_probs(model, seqs: list[str]) -> np.ndarray:
    """Reference: sigmoid of the model on one-hot sequences, no RC, no fitting."""
    with torch.no_grad():
        return torch.sigmoid(model(torch.from_numpy(one_hot_batch(seqs)))).numpy()


def danq_cli(*args, stdin: bytes | None = None, cwd=None):
    return subprocess.run([sys.executable, "-m", "danq", *map(str, args)], input=stdin,
                          capture_output=True, cwd=cwd)


# --------------------------------------------------------------------------------------------------
# Python API
# --------------------------------------------------------------------------------------------------


def test_api_matches_model_and_averages_reverse_complement(model):
    seqs = random_seqs(5, LENGTH)
    rcs = [reverse_complement(s) for s in seqs]
    plain = danq.predict(model, seqs, rc_average=False, precision="fp32")
    np.testing.assert_allclose(plain, forward_probs(model, seqs), rtol=1e-5, atol=1e-6)
    averaged = danq.predict(model, seqs, batch_size=2, precision="fp32")
    expected = (forward_probs(model, seqs) + forward_probs(model, rcs)) / 2
    np.testing.assert_allclose(averaged, expected, rtol=1e-5, atol=1e-6)
    assert averaged.shape == (5, len(TARGETS)) and averaged.dtype == np.float32
    # RC averaging makes a prediction strand-symmetric; the bare model is not.
    np.testing.assert_allclose(danq.predict(model, rcs, precision="fp32"), averaged, rtol=1e-5, atol=1e-6)
    assert not np.allclose(plain, danq.predict(model, rcs, rc_average=False, precision="fp32"), atol=1e-4)


def test_api_fits_lengths_and_accepts_one_hot_and_checkpoints(model, checkpoint):
    long_seq, short_seq = random_seqs(1, LENGTH + 7)[0], "acgtNNacgtRY"
    got = danq.predict(model, [long_seq, short_seq], precision="fp32")
    fitted = [fit_length(long_seq, LENGTH), fit_length(short_seq.upper(), LENGTH)]
    np.testing.assert_allclose(got, danq.predict(model, fitted, precision="fp32"), rtol=1e-5, atol=1e-6)
    # a one-hot batch of another length is fitted the same way; a checkpoint path works too
    onehot = one_hot_batch([long_seq])
    np.testing.assert_allclose(danq.predict(checkpoint, onehot, device="cpu", precision="fp32"), got[:1],
                               rtol=1e-5, atol=1e-6)
    assert model.training is False


def test_api_bf16_is_close_to_fp32_and_fp16_needs_cuda(model):
    seqs = random_seqs(4, LENGTH)
    fp32 = danq.predict(model, seqs, device="cpu", precision="fp32")
    np.testing.assert_allclose(danq.predict(model, seqs, device="cpu", precision="bf16"), fp32,
                               atol=0.03)
    with pytest.raises(DanqError, match="fp16 needs a CUDA device"):
        danq.predict(model, seqs, device="cpu", precision="fp16")


def test_python_api_and_cli_share_their_defaults():
    """A notebook and a shell run the same settings unless told otherwise."""
    import inspect

    from danq.cli.predict import command
    from danq.inference.predictor import DEFAULT_BATCH_SIZE, DEFAULT_RC_AVERAGE, load_predictor
    from danq.runtime import DEFAULT_DEVICE, DEFAULT_PRECISION

    cli_defaults = {param.name: param.default for param in command.params}
    assert cli_defaults["precision"] == DEFAULT_PRECISION
    assert cli_defaults["device"] == DEFAULT_DEVICE
    assert cli_defaults["batch_size"] == DEFAULT_BATCH_SIZE
    assert cli_defaults["rc_average"] is DEFAULT_RC_AVERAGE
    for function in (danq.predict, predict_fasta, load_predictor):
        params = inspect.signature(function).parameters
        assert params["precision"].default == DEFAULT_PRECISION, function.__name__
        assert params["rc_average"].default is DEFAULT_RC_AVERAGE, function.__name__
    assert inspect.signature(predict_fasta).parameters["device"].default == DEFAULT_DEVICE


def test_api_restores_training_mode(model):
    model.train()
    a = danq.predict(model, random_seqs(3, LENGTH))
    b = danq.predict(model, random_seqs(3, LENGTH))
    np.testing.assert_array_equal(a, b)  # dropout off during prediction
    assert model.training


def test_api_rejects_unservable_models_and_bad_input(model):
    class NoLength(torch.nn.Module):
        def forward(self, x):
            return x.sum(dim=(1, 2))[:, None]

    with pytest.raises(DanqError, match="NoLength: not a danq model"):
        danq.predict(NoLength(), ["ACGT"])
    model.info = dataclasses.replace(ModelInfo.for_model(model), alphabet="AGCT")
    with pytest.raises(DanqError, match="alphabet 'AGCT'"):
        danq.predict(model, ["ACGT"])
    del model.info
    with pytest.raises(DanqError, match=r"sequences\[1\].*invalid character 'X'"):
        danq.predict(model, ["ACGT", "ACXT"])
    with pytest.raises(DanqError, match="one string"):
        danq.predict(model, "ACGT")


# --------------------------------------------------------------------------------------------------
# danq predict
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def fasta_records():
    seqs = random_seqs(4, LENGTH, seed=3)
    return [
        ("zeta", seqs[0]),                                   # exact length
        ("alpha", seqs[1][:25]),                             # short -> N-padded
        ("mid", seqs[2] + random_seqs(1, 30, seed=9)[0]),   # long -> centre-cropped
        ("low", seqs[3].lower()),                            # lower case
        ("nrich", "N" * 20 + "ACGTACGTAC"),                  # mostly N, short
    ]


def write_fasta(path, records, gz: bool = False) -> None:
    text = "".join(f">{name} description\n{seq[:17]}\n{seq[17:]}\n" for name, seq in records)
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())


def parse_tsv(text: str) -> tuple[list[str], list[str], np.ndarray]:
    lines = text.strip("\n").split("\n")
    header = lines[0].split("\t")
    names = [line.split("\t")[0] for line in lines[1:]]
    values = np.array([[float(v) for v in line.split("\t")[1:]] for line in lines[1:]])
    return header, names, values


def test_cli_tsv_keeps_order_names_and_reports_adjusted(tmp_path, model, checkpoint, fasta_records):
    fasta = tmp_path / "in.fa"
    write_fasta(fasta, fasta_records)
    result = CliRunner().invoke(cli, ["predict", str(fasta), "--model", str(checkpoint),
                                      "--threads", "1", "--batch-size", "2", "--precision", "fp32"])
    assert result.exit_code == 0, result.output
    header, names, values = parse_tsv(result.stdout)
    assert header == ["name", *TARGETS]
    assert names == ["zeta", "alpha", "mid", "low", "nrich"]
    expected = danq.predict(model, [seq for _, seq in fasta_records], precision="fp32")
    np.testing.assert_allclose(values, expected, rtol=1e-3)
    assert "3 centre-cropped/N-padded to 40 bp" in result.stderr
    assert "5 sequences x 3 targets" in result.stderr


def test_predict_fasta_gzip_to_file_h5_and_no_rc(tmp_path, model, checkpoint, fasta_records):
    fasta = tmp_path / "in.fa.gz"
    write_fasta(fasta, fasta_records, gz=True)
    tsv = tmp_path / "out" / "p.tsv"
    summary = predict_fasta(fasta, tsv, model=checkpoint, device="cpu", progress=False, precision="fp32",
                            rc_average=False)
    assert summary["n_sequences"] == 5 and summary["n_adjusted"] == 3
    _, names, values = parse_tsv(tsv.read_text())
    expected = danq.predict(model, [seq for _, seq in fasta_records], rc_average=False,
                            precision="fp32")
    np.testing.assert_allclose(values, expected, rtol=1e-3)

    h5 = tmp_path / "p.h5"
    summary = predict_fasta(fasta, h5, model=checkpoint, device="cpu", progress=False, precision="fp32",
                            batch_size=2)
    assert summary["format"] == "h5"
    pred = read_predictions(h5)
    assert pred["names"] == names and pred["target_names"] == TARGETS
    assert pred["labels"] is None
    np.testing.assert_allclose(pred["probabilities"],
                               danq.predict(model, [seq for _, seq in fasta_records],
                                            precision="fp32"),
                               rtol=1e-5, atol=1e-6)
    # gzip TSV output when the name ends in .gz
    gz_out = tmp_path / "p.tsv.gz"
    predict_fasta(fasta, gz_out, model=checkpoint, device="cpu", progress=False)
    assert parse_tsv(gzip.decompress(gz_out.read_bytes()).decode())[1] == names
    # written at gzip's fastest level (header XFL 4): level 9, gzip.open's default, took 18 s
    # for a 2,000 x 919 table where the rest of a small model's run took 1 s
    assert gz_out.read_bytes()[8] == 4


def test_cli_reads_gzip_from_stdin(tmp_path, checkpoint, fasta_records):
    fasta = tmp_path / "in.fa.gz"
    write_fasta(fasta, fasta_records, gz=True)
    result = danq_cli("predict", "-", "--model", checkpoint, "--threads", "1",
                      stdin=fasta.read_bytes())
    assert result.returncode == 0, result.stderr.decode()
    assert parse_tsv(result.stdout.decode())[1] == ["zeta", "alpha", "mid", "low", "nrich"]


def test_cli_plain_stdin_with_runner(checkpoint):
    result = CliRunner().invoke(cli, ["predict", "-", "--model", str(checkpoint), "--no-rc"],
                                input=">s1\nACGT\n>s2\nTTTT\n")
    assert result.exit_code == 0, result.output
    assert parse_tsv(result.stdout)[1] == ["s1", "s2"]


def test_cli_errors_are_one_line(tmp_path, checkpoint):
    bad = tmp_path / "bad.fa"
    bad.write_text(">ok\nACGT\n>broken\nACGZ\n")
    out = tmp_path / "o.tsv"
    result = danq_cli("predict", bad, "--model", checkpoint, "-o", out)
    assert result.returncode == 1
    err = result.stderr.decode().strip()
    assert err.startswith("danq: error:") and "\n" not in err
    assert "broken" in err and "'Z'" in err
    assert not out.exists() and sorted(tmp_path.iterdir()) == sorted([bad, checkpoint])

    result = CliRunner().invoke(cli, ["predict", str(bad), "--model", str(checkpoint)])
    assert isinstance(result.exception, DanqError)
    assert result.stdout == ""  # nothing printed before the error was found

    good = tmp_path / "good.fa"
    good.write_text(">a\nACGT\n")
    result = CliRunner().invoke(cli, ["predict", str(good), "--model", str(checkpoint),
                                      "--format", "h5"])
    assert isinstance(result.exception, DanqError) and "-o" in str(result.exception)
    result = CliRunner().invoke(cli, ["predict", str(good), "--model", str(tmp_path / "nope.pt")])
    assert isinstance(result.exception, DanqError) and "does not exist" in str(result.exception)


def test_default_model_missing_and_present(tmp_path, monkeypatch, model):
    good = tmp_path / "good.fa"
    good.write_text(">a\nACGT\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["predict", str(good)])
    assert isinstance(result.exception, DanqError)
    message = str(result.exception)
    assert "snakemake" in message and "--model" in message and str(DEFAULT_MODEL) in message
    assert "results/models/danq/best.pt" in CliRunner().invoke(cli, ["predict", "-h"]).output

    save_checkpoint(tmp_path / DEFAULT_MODEL, model, {"target_names": TARGETS})
    result = CliRunner().invoke(cli, ["predict", str(good)])
    assert result.exit_code == 0, result.output
    assert parse_tsv(result.stdout)[1] == ["a"]


def test_checkpoint_with_unservable_alphabet(tmp_path, model):
    path = tmp_path / "agct.pt"
    save_checkpoint(path, model, {"target_names": TARGETS, "alphabet": "AGCT"})
    good = tmp_path / "good.fa"
    good.write_text(">a\nACGT\n")
    result = CliRunner().invoke(cli, ["predict", str(good), "--model", str(path)])
    assert isinstance(result.exception, DanqError)
    assert "agct.pt" in str(result.exception) and "alphabet" in str(result.exception)


def test_fast_formatting_equals_printf():
    rng = np.random.default_rng(5)
    edges = [0.0, 1.0, 0.99995, 0.99994999, 9.9995e-5, 1e-4, 0.5, 1e-12, 9.99949e-13, 3e-30,
             np.nan, np.inf, -0.25, 12345.0]
    values = np.concatenate([10 ** rng.uniform(-14, 0.2, 50_000), rng.random(20_000), edges])
    for dtype in (np.float32, np.float64):
        x = values.astype(dtype).reshape(-1, 2)
        got = format_probabilities(x)
        expected = [[f"{v:.4g}" for v in row] for row in x.astype(np.float64).tolist()]
        assert got.tolist() == expected
    text = format_rows(["a", "b"], np.array([[0.5, 1e-7], [1.0, 0.0]], dtype=np.float32))
    assert text == "a\t0.5\t1e-07\nb\t1\t0\n"
