"""The training batch stream: every sample once per epoch, reshuffled, resumable, split across ranks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from danq.training.batches import ChunkedBatches
from tests.formats.dataset_files import make_dataset


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
