"""The HDF5 dataset format and the chunked training loader."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from danq.encoders import tokens_to_one_hot
from danq.errors import DanqError
from danq.formats.dataset import ChunkedBatches, DatasetWriter, open_dataset


def make_dataset(path, n=500, length=20, n_targets=3, chunk_rows=32, seed=0, pairs=False):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 5, (n, length), dtype=np.uint8)
    labels = rng.integers(0, 2, (n, n_targets), dtype=np.uint8)
    # the sample's own index in the first two bases (base 4) so the loader's output can be traced back
    tokens[:, 0], tokens[:, 1] = np.arange(n) // 4 % 4, np.arange(n) % 4
    names = [f"s{i}" for i in range(n)]
    extra = {}
    if pairs:
        half = n // 2
        extra = dict(
            strand=np.r_[np.ones(half), -np.ones(half)],
            pair_index=np.r_[np.arange(half, n), np.arange(half)],
        )
    with DatasetWriter(
        path, length, [f"t{j}" for j in range(n_targets)], ["DNase", "TF", "histone"][:n_targets],
        source="test", chunk_rows=chunk_rows, with_pairs=pairs,
    ) as writer:
        for lo in range(0, n, 77):  # appends not aligned with chunks on purpose
            hi = min(lo + 77, n)
            writer.append(
                tokens[lo:hi], labels[lo:hi], names[lo:hi],
                **{k: v[lo:hi] for k, v in extra.items()},
            )
    return tokens, labels


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


def test_writer_error_leaves_no_file(tmp_path):
    path = tmp_path / "d.h5"
    with pytest.raises(DanqError, match="length"):
        with DatasetWriter(path, 10, ["t"]) as writer:
            writer.append(np.zeros((2, 10), np.uint8), np.zeros((2, 1), np.uint8), ["a", "b"])
            writer.append(np.zeros((2, 9), np.uint8), np.zeros((2, 1), np.uint8), ["c", "d"])
    assert list(tmp_path.iterdir()) == []


def test_open_rejects_non_dataset(tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_text("not hdf5")
    with pytest.raises(DanqError, match="not a readable HDF5"):
        open_dataset(junk)
    with pytest.raises(DanqError, match="does not exist"):
        open_dataset(tmp_path / "missing.h5")


@pytest.mark.parametrize("batch_size, drop_last", [(16, False), (50, False), (16, True)])
def test_loader_visits_every_sample_once_per_epoch(tmp_path, batch_size, drop_last):
    path = tmp_path / "d.h5"
    n = 500
    tokens, labels = make_dataset(path, n=n)
    loader = ChunkedBatches(path, batch_size, seed=3, drop_last=drop_last)
    lookup = {tokens[i].tobytes(): i for i in range(n)}
    orders = []
    for epoch in range(2):
        loader.set_epoch(epoch)
        seen = []
        batches = list(loader)
        assert len(batches) == len(loader)
        for x, y in batches:
            assert x.dtype == torch.float32 and x.shape[1:] == (4, 20)
            tok = np.where(x.numpy().any(1), x.numpy().argmax(1), 4).astype(np.uint8)
            idx = [lookup[t.tobytes()] for t in tok]
            np.testing.assert_array_equal(y.numpy(), labels[idx])
            seen.extend(idx)
        if drop_last:
            assert len(seen) == n // batch_size * batch_size and len(set(seen)) == len(seen)
        else:
            assert sorted(seen) == list(range(n))
        orders.append(seen)
    assert orders[0] != orders[1]  # reshuffled between epochs
    assert orders[0] != sorted(orders[0])  # actually shuffled


def test_loader_is_deterministic_and_resumable(tmp_path):
    path = tmp_path / "d.h5"
    make_dataset(path)
    a = ChunkedBatches(path, 32, seed=1)
    b = ChunkedBatches(path, 32, seed=1)
    a.set_epoch(2)
    b.set_epoch(2, skip_batches=5)
    full = [x for x, _ in a]
    resumed = [x for x, _ in b]
    assert len(resumed) == len(full) - 5
    for x, y in zip(full[5:], resumed, strict=True):
        assert torch.equal(x, y)


def test_loader_shards_disjointly_across_ranks(tmp_path):
    path = tmp_path / "d.h5"
    tokens, _ = make_dataset(path, n=500, chunk_rows=32)
    lookup = {tokens[i].tobytes(): i for i in range(500)}
    shares = []
    for rank in range(2):
        loader = ChunkedBatches(path, 10, seed=0, rank=rank, world_size=2)
        ids = []
        for x, _ in loader:
            tok = np.where(x.numpy().any(1), x.numpy().argmax(1), 4).astype(np.uint8)
            ids.extend(lookup[t.tobytes()] for t in tok)
        shares.append(ids)
    assert len(shares[0]) == len(shares[1]) > 200
    assert not set(shares[0]) & set(shares[1])
