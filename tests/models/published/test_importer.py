"""`danq import-weights` as a whole: unreadable or mismatching files, and the target names."""

from __future__ import annotations

import h5py
import numpy as np

from danq.models.checkpoint import read_checkpoint
from tests.models.published.reference import assert_one_line_error, run_cli


def test_bad_files(deepsea_file, tmp_path):
    out = tmp_path / "o.pt"
    text = tmp_path / "notes.txt"
    text.write_text("not weights\n")
    assert_one_line_error(run_cli(text, "-o", out), "not a PyTorch weight file", out=out)

    data = deepsea_file[0].read_bytes()
    truncated = tmp_path / "deepsea_cpu.pth"
    truncated.write_bytes(data[: len(data) // 2])
    assert_one_line_error(run_cli(truncated, "-o", out), "corrupt or truncated", out=out)

    other_hdf5 = tmp_path / "other.h5"
    with h5py.File(other_hdf5, "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    assert_one_line_error(run_cli(other_hdf5, "-o", out), "not a Keras 0.2 save_weights file", out=out)

    # the right file, the wrong --format
    assert_one_line_error(run_cli(deepsea_file[0], "-o", out, "--format", "danq-keras"),
                          "expects a Keras 0.2 HDF5 file", out=out)
    assert_one_line_error(run_cli(deepsea_file[0], "-o", out, "--format", "beluga"),
                          "missing key 'model.0.0.weight'", out=out)
    assert_one_line_error(run_cli(tmp_path / "absent.pth", "-o", out), "does not exist", out=out)


def test_names_file_of_wrong_length(deepsea_file, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("a|DNase|None\n" * 918)
    out = tmp_path / "o.pt"
    assert_one_line_error(run_cli(deepsea_file[0], "-o", out, "--names", names),
                          "918 names, but the model has 919 targets", out=out)


def test_names_file_overrides_shipped_names(deepsea_file, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("".join(f"cell{i}|CTCF|None\n" for i in range(919)))
    out = tmp_path / "o.pt"
    assert run_cli(deepsea_file[0], "-o", out, "--names", names).exit_code == 0
    header = read_checkpoint(out)["header"]
    assert header["target_names"][576] == "cell576|CTCF|None"
