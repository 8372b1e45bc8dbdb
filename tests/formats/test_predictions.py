"""Prediction files: the HDF5 writer's layout and its reader, and the TSV writer."""

from __future__ import annotations

import io

import h5py
import numpy as np
import pytest

from danq.errors import DanqError
from danq.formats.predictions import H5PredictionWriter, TsvPredictionWriter, read_predictions


def write_h5(path, with_labels=True, batches=3, rows=25):
    rng = np.random.default_rng(0)
    writer = H5PredictionWriter(path, ["a", "b", "c"], ["DNase", "TF", "histone"], with_labels=with_labels,
                                attrs={"model": "m.pt", "rc_average": True}, chunk_rows=32)
    probs, labels, names = [], [], []
    for block in range(batches):
        probs.append(rng.random((rows, 3)).astype(np.float32))
        labels.append(rng.integers(0, 2, (rows, 3)).astype(np.uint8))
        names += [f"p{block}_{i}" for i in range(rows)]
        writer.append(probs[-1], names[-rows:], labels[-1] if with_labels else None)
    writer.close()
    writer.close()  # closing twice is harmless
    return np.concatenate(probs), np.concatenate(labels), names


def test_h5_round_trip_and_layout(tmp_path):
    path = tmp_path / "p.h5"
    probs, labels, names = write_h5(path)
    got = read_predictions(path)
    np.testing.assert_array_equal(got["probabilities"], probs)
    np.testing.assert_array_equal(got["labels"], labels)
    assert got["names"] == names and got["target_names"] == ["a", "b", "c"]
    assert got["target_categories"] == ["DNase", "TF", "histone"]
    assert got["attrs"]["format"] == "danq-predictions" and got["attrs"]["format_version"] == 1
    assert got["attrs"]["model"] == "m.pt" and got["attrs"]["n_samples"] == 75
    with h5py.File(path) as f:
        for name, dtype in (("probabilities", np.float32), ("labels", np.uint8)):
            data = f[name]
            assert data.dtype == dtype and data.chunks == (32, 3) and data.maxshape == (None, 3)
            assert (data.compression, data.compression_opts, data.shuffle) == ("gzip", 1, True)
        assert f["names"].chunks == (32,) and f["names"].compression is None


def test_h5_without_labels_and_a_closed_writer(tmp_path):
    path = tmp_path / "p.h5"
    write_h5(path, with_labels=False, batches=1)
    assert read_predictions(path)["labels"] is None
    writer = H5PredictionWriter(tmp_path / "q.h5", ["a"])
    writer.close()
    with pytest.raises(DanqError, match="closed"):
        writer.append(np.zeros((1, 1), np.float32), ["x"])


def test_reader_rejects_other_files(tmp_path):
    with pytest.raises(DanqError, match="does not exist"):
        read_predictions(tmp_path / "missing.h5")
    text = tmp_path / "text.h5"
    text.write_text("not hdf5")
    with pytest.raises(DanqError, match="not a readable HDF5 file"):
        read_predictions(text)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["probabilities"] = np.zeros((1, 1))
    with pytest.raises(DanqError, match="not a danq predictions file"):
        read_predictions(other)


def test_tsv_writer_keeps_order_and_flattens_tabs():
    handle = io.StringIO()
    writer = TsvPredictionWriter(handle, ["t\t1", "t2"], max_pending=1)
    for block in range(5):
        writer.append(np.full((2, 2), block / 10, np.float32), [f"r{block}a", f"r{block}\tb"])
    writer.close()
    lines = handle.getvalue().splitlines()
    assert lines[0] == "name\tt 1\tt2"
    assert lines[1:3] == ["r0a\t0\t0", "r0 b\t0\t0"] and lines[-1] == "r4 b\t0.4\t0.4"
