"""The danq dataset reader: round trips, in-order batches, unlabelled sets, files that are not datasets."""

from __future__ import annotations

import numpy as np
import pytest

from danq.encoders import tokens_to_one_hot
from danq.errors import DanqError
from danq.formats.dataset import open_dataset
from danq.formats.dataset_writer import DatasetWriter
from tests.formats.dataset_files import make_dataset


def test_round_trip(tmp_path):
    path = tmp_path / "d.h5"
    tokens, labels = make_dataset(path, pairs=True)
    with open_dataset(path) as ds:
        assert len(ds) == 500 and ds.sequence_length == 20 and ds.n_targets == 3
        assert ds.target_names == ["t0", "t1", "t2"]
        assert ds.target_categories == ["DNase", "TF", "histone"]
        assert ds.alphabet == "ACGT" and ds.source == "test" and ds.has_labels
        x, y = ds[7]
        assert x.shape == (4, 20) and x.dtype == np.float32 and y.dtype == np.uint8
        np.testing.assert_array_equal(x, tokens_to_one_hot(tokens[7]))
        np.testing.assert_array_equal(y, labels[7])
        xb, yb = ds[10:15]
        assert xb.shape == (5, 4, 20) and yb.shape == (5, 3)
        np.testing.assert_array_equal(ds[-1][1], labels[-1])
        assert ds.names(3, 5) == ["s3", "s4"]
        np.testing.assert_array_equal(ds.tokens(), tokens)
        assert ds.pair_index[0] == 250 and ds.strand[300] == -1
        with pytest.raises(IndexError):
            ds[500]


def test_sequential_batches_cover_file_in_order(tmp_path):
    path = tmp_path / "d.h5"
    tokens, labels = make_dataset(path)
    with open_dataset(path) as ds:
        got = list(ds.batches(45))
    np.testing.assert_array_equal(np.concatenate([t for t, _ in got]), tokens)
    np.testing.assert_array_equal(np.concatenate([lab for _, lab in got]), labels)


def test_unlabelled_dataset(tmp_path):
    path = tmp_path / "u.h5"
    with DatasetWriter(path, 4, [], has_labels=False) as writer:
        writer.append(np.zeros((3, 4), np.uint8), None, ["a", "b", "c"])
    with open_dataset(path) as ds:
        assert not ds.has_labels and ds.n_targets == 0
        assert ds[0:3][1].shape == (3, 0)


def test_open_rejects_non_dataset(tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_text("not hdf5")
    with pytest.raises(DanqError, match="not a readable HDF5"):
        open_dataset(junk)
    with pytest.raises(DanqError, match="does not exist"):
        open_dataset(tmp_path / "missing.h5")
