"""The danq dataset writer: its HDF5 layout (dtypes, chunks, compression, attributes) and atomic output."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from danq.errors import DanqError
from danq.formats.dataset_writer import (
    COMPRESSIONS,
    DatasetWriter,
    compression_options,
    default_chunk_rows,
)


def test_writer_error_leaves_no_file(tmp_path):
    path = tmp_path / "d.h5"
    with pytest.raises(DanqError, match="length"):
        with DatasetWriter(path, 10, ["t"]) as writer:
            writer.append(np.zeros((2, 10), np.uint8), np.zeros((2, 1), np.uint8), ["a", "b"])
            writer.append(np.zeros((2, 9), np.uint8), np.zeros((2, 1), np.uint8), ["c", "d"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_layout_chunks_and_compression(tmp_path, compression):
    path = tmp_path / "d.h5"
    with DatasetWriter(path, 20, ["t0", "t1"], ["DNase", "TF"], source="here", chunk_rows=32,
                       with_pairs=True, with_coordinates=True, compression=compression) as writer:
        for lo in (0, 40):
            writer.append(np.full((40, 20), 2, np.uint8), np.ones((40, 2), np.uint8),
                          [f"s{lo + i}" for i in range(40)], strand=np.ones(40),
                          pair_index=np.arange(lo, lo + 40),
                          coordinates=(["chr1"] * 40, np.arange(40), np.arange(40) + 20))
    options = compression_options(compression)
    with h5py.File(path) as f:
        assert dict(f.attrs) == {
            "format": "danq-dataset", "format_version": 1, "alphabet": "ACGT", "sequence_length": 20,
            "n_targets": 2, "source": "here", "has_labels": True, "n_samples": 80,
        }
        expected = {  # name: (dtype, shape, chunks, compressed)
            "sequences": (np.uint8, (80, 20), (32, 20), True),
            "labels": (np.uint8, (80, 2), (32, 2), True),
            "names": (object, (80,), (32,), False),
            "strand": (np.int8, (80,), (32,), False),
            "pair_index": (np.int64, (80,), (32,), False),
            "chrom": (object, (80,), (32,), False),
            "start": (np.int64, (80,), (32,), False),
            "end": (np.int64, (80,), (32,), False),
        }
        assert set(f) == {*expected, "target_names", "target_categories"}
        for name, (dtype, shape, chunks, compressed) in expected.items():
            data = f[name]
            assert data.dtype == dtype and data.shape == shape and data.chunks == chunks, name
            assert data.maxshape == (None, *shape[1:]), name
            assert data.compression == (options.get("compression") if compressed else None), name
            assert data.compression_opts == (options.get("compression_opts") if compressed else None)
        assert f["names"].asstr()[79] == "s79" and f["pair_index"][79] == 79
        assert f["target_categories"].asstr()[:].tolist() == ["DNase", "TF"]


def test_default_chunk_rows_hold_about_a_mebibyte_of_tokens():
    assert default_chunk_rows(1000) == 1048 and default_chunk_rows(1 << 21) == 1
    with pytest.raises(DanqError, match="unknown compression 'zstd'"):
        compression_options("zstd")


@pytest.mark.parametrize(
    "kwargs, append, message",
    [
        ({}, dict(labels=None), "labels missing for a labelled dataset"),
        ({}, dict(labels=np.zeros((2, 2), np.uint8)), r"labels of shape \(2, 2\), expected \(2, 1\)"),
        ({}, dict(names=["a"]), "1 names for 2 sequences"),
        ({"with_pairs": True}, {}, "strand and pair_index are required"),
        ({"with_coordinates": True}, {}, "coordinates are required"),
    ],
)
def test_bad_blocks_are_one_line_errors_and_leave_no_file(tmp_path, kwargs, append, message):
    path = tmp_path / "d.h5"
    block = dict(tokens=np.zeros((2, 10), np.uint8), labels=np.zeros((2, 1), np.uint8), names=["a", "b"])
    with pytest.raises(DanqError, match=message):
        with DatasetWriter(path, 10, ["t"], **kwargs) as writer:
            writer.append(**{**block, **append})
    assert list(tmp_path.iterdir()) == []


def test_bad_settings_and_a_closed_writer(tmp_path):
    with pytest.raises(DanqError, match="target names are not unique"):
        DatasetWriter(tmp_path / "a.h5", 10, ["t", "t"])
    with pytest.raises(DanqError, match="1 categories for 2 targets"):
        DatasetWriter(tmp_path / "a.h5", 10, ["t", "u"], ["TF"])
    with pytest.raises(DanqError, match="sequence length must be positive"):
        DatasetWriter(tmp_path / "a.h5", 0, ["t"])
    writer = DatasetWriter(tmp_path / "c.h5", 20, [], has_labels=False)
    writer.close()
    with pytest.raises(DanqError, match="the dataset writer is closed"):
        writer.append(np.zeros((1, 20), np.uint8), None, ["x"])
    assert [p.name for p in tmp_path.iterdir()] == ["c.h5"]  # the failed ones left nothing
