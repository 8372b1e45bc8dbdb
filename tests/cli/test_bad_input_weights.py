"""Damaged weight files (issue 24, item 4).

``torch.load`` does not check a zip archive's CRC-32s, so bytes overwritten inside a tensor loaded
silently: every ``torch.save`` archive (published weights, danq checkpoints) is now checked against
its checksums first. Published weights holding NaN or infinity are refused at import, naming the
tensor; a danq checkpoint holding them (a diverged run a user may want to inspect) still loads, with
one warning line naming the first such tensor, as before.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from danq.datasets.encode import encode_fasta
from danq.models.checkpoint import save_checkpoint
from tests.cli.conftest import LENGTH, TARGETS
from tests.cli.test_bad_input import one_line_error, random_records, write_fasta
from tests.helpers import run_danq as run
from tests.helpers import tiny_danq
from tests.models.published.reference import kipoi_deepsea, randomise


def damage_largest_entry(path: Path, n_bytes: int = 64) -> str:
    """Overwrite ``n_bytes`` in the middle of the archive's largest entry (a tensor's storage),
    as a bad disk or transfer would; return the entry's name."""
    with zipfile.ZipFile(path) as archive:
        entry = max(archive.infolist(), key=lambda info: info.file_size)
    with open(path, "r+b") as handle:
        handle.seek(entry.header_offset + 26)
        name_len, extra_len = np.frombuffer(handle.read(4), dtype="<u2")
        start = entry.header_offset + 30 + int(name_len) + int(extra_len)
        handle.seek(start + entry.file_size // 2)
        old = handle.read(n_bytes)
        handle.seek(start + entry.file_size // 2)
        handle.write(bytes(b ^ 0xFF for b in old))
    return entry.filename


@pytest.fixture
def deepsea_pth(tmp_path) -> tuple[Path, dict[str, torch.Tensor]]:
    reference = kipoi_deepsea()
    randomise(reference, np.random.default_rng(1), scale=2.0)
    path = tmp_path / "deepsea_cpu.pth"
    state = reference.state_dict()
    torch.save(state, path)
    return path, state


def test_import_refuses_a_damaged_pth(capsys, tmp_path, deepsea_pth):
    path, _ = deepsea_pth
    entry = damage_largest_entry(path)
    out = tmp_path / "model.pt"
    code, _, err = run(capsys, "import-weights", path, "-o", out)
    one_line_error(code, err, f"{path}: corrupt PyTorch weight file: entry {entry} does not match "
                              "its stored checksum")
    assert not out.exists()


def test_import_refuses_a_truncated_zip(capsys, tmp_path, deepsea_pth):
    path, _ = deepsea_pth
    path.write_bytes(path.read_bytes()[:-100])  # the central directory is gone
    out = tmp_path / "model.pt"
    code, _, err = run(capsys, "import-weights", path, "-o", out)
    one_line_error(code, err, f"{path}: not a PyTorch weight file (corrupt or truncated")
    assert not out.exists()


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_import_refuses_non_finite_weights(capsys, tmp_path, deepsea_pth, value):
    path, state = deepsea_pth
    state["4.weight"][1, 2, 0, 3] = value
    torch.save(state, path)
    out = tmp_path / "model.pt"
    code, _, err = run(capsys, "import-weights", path, "-o", out)
    counts = "1 NaN and 0 infinite" if np.isnan(value) else "0 NaN and 1 infinite"
    one_line_error(code, err, f"{path}: tensor 4.weight holds {counts} value(s)")
    assert not out.exists()


def test_import_refuses_non_finite_keras_weights(capsys, tmp_path):
    from tests.models.published.test_keras import random_danq_params, write_keras02

    params = random_danq_params(np.random.default_rng(6), filters=5, width=26, hidden=4, dense=6,
                                targets=919, steps=75)
    params["dense1_b"][2] = np.nan
    path = tmp_path / "DanQ_bestmodel.hdf5"
    write_keras02(path, params, jaspar=False)
    out = tmp_path / "model.pt"
    code, _, err = run(capsys, "import-weights", path, "-o", out)
    one_line_error(code, err, f"{path}: tensor layer_6/param_1 holds 1 NaN")
    assert not out.exists()


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_a_damaged_checkpoint_is_refused(capsys, tmp_path, checkpoint, command):
    """The same check for every checkpoint danq loads (--model of predict, evaluate, ...)."""
    entry = damage_largest_entry(checkpoint)
    fasta = write_fasta(tmp_path / "x.fa", random_records(4))
    labels = tmp_path / "labels.tsv"
    labels.write_text("name\t" + "\t".join(TARGETS) + "\n"
                      + "".join(f"s{i}\t{i % 2}\t1\t0\n" for i in range(4)))
    dataset = tmp_path / "d.h5"
    encode_fasta(fasta, dataset, labels)
    out = tmp_path / "out"
    args = (["predict", fasta, "--model", checkpoint, "-o", out] if command == "predict" else
            ["evaluate", "--model", checkpoint, "--data", dataset, "-o", out, "--no-plots"])
    code, _, err = run(capsys, *args, "--threads", "1")
    one_line_error(code, err, f"{checkpoint}: corrupt danq checkpoint: entry {entry} does not "
                              "match its stored checksum")
    assert not out.exists()


def test_a_checkpoint_with_nan_weights_still_loads_with_one_warning(capsys, tmp_path):
    """Kept as it was: a danq checkpoint may be a diverged run worth inspecting."""
    model = tiny_danq(LENGTH, len(TARGETS))
    with torch.no_grad():
        model.fc2.bias[0] = float("nan")
    path = tmp_path / "diverged.pt"
    save_checkpoint(path, model, {"target_names": TARGETS})
    fasta = write_fasta(tmp_path / "x.fa", random_records(4))
    out = tmp_path / "p.tsv"
    code, _, err = run(capsys, "predict", fasta, "--model", path, "-o", out, "--threads", "1")
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("danq: warning: ")]
    assert len(warnings) == 1 and "fc2.bias" in warnings[0], err


def test_a_legacy_pth_without_checksums_still_imports(capsys, tmp_path, deepsea_pth):
    """PyTorch < 1.6 files (not zip archives, as Kipoi's may be) carry no checksum to check."""
    path, state = deepsea_pth
    torch.save(state, path, _use_new_zipfile_serialization=False)
    out = tmp_path / "model.pt"
    code, _, err = run(capsys, "import-weights", path, "-o", out)
    assert code == 0, err
    assert out.is_file()
