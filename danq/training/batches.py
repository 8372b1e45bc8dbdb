"""The training batch stream: shuffled batches read from a danq dataset chunk by chunk, shared across ranks.

``danq train`` reads its data only through :class:`ChunkedBatches` (the dataset format itself is
:mod:`danq.formats.dataset`). Memory is bounded by a few HDF5 chunks whatever the dataset's size, and an
epoch's order is a function of (seed, epoch, rank), so a resumed run sees the same batches.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from danq.encoders import tokens_to_one_hot
from danq.errors import DanqError
from danq.formats.dataset import open_dataset


def _rank_shares(chunks: list[tuple[int, int]], world_size: int) -> list[list[tuple[int, int]]]:
    return [chunks[r::world_size] for r in range(world_size)]


try:  # torch is a dependency, but keep this module importable without it
    from torch.utils.data import IterableDataset as _IterableBase
except ImportError:  # pragma: no cover
    _IterableBase = object  # type: ignore[assignment,misc]


class ChunkedBatches(_IterableBase):  # type: ignore[misc,valid-type]
    """Shuffled training batches streamed from a danq dataset, chunk by chunk.

    Each epoch permutes the order of the HDF5 chunks, reads ``buffer_chunks`` chunks at a time, permutes
    the rows inside that buffer and emits batches; leftover rows carry over so every batch but the last is
    full. Every sample is visited exactly once per epoch and memory is bounded by the buffer, whatever N.

    With ``world_size > 1`` (DistributedDataParallel) each rank reads its own share of the chunks and
    all ranks stop after the same number of samples (the smallest share), so no rank waits forever; the
    few samples above that (at most one chunk per rank) change every epoch.

    Yields ``(x float32 (B, 4, L), y float32 (B, T))`` torch tensors.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        drop_last: bool = False,
        buffer_chunks: int = 8,
    ) -> None:
        if batch_size <= 0:
            raise DanqError(f"batch size must be positive, got {batch_size}")
        self.path = str(path)
        with open_dataset(path) as ds:
            self.n_samples = len(ds)
            self.chunk_rows = ds.chunk_rows
            self.sequence_length = ds.sequence_length
            self.n_targets = ds.n_targets
            self.target_names = ds.target_names
            self.target_categories = ds.target_categories
            self.has_labels = ds.has_labels
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.drop_last = drop_last
        self.buffer_chunks = max(1, buffer_chunks)
        self.epoch = 0
        self.skip_batches = 0

    def set_epoch(self, epoch: int, skip_batches: int = 0) -> None:
        """Select the epoch's permutation; ``skip_batches`` resumes part-way through it."""
        self.epoch = epoch
        self.skip_batches = skip_batches

    def _chunks(self) -> list[tuple[int, int]]:
        bounds = [
            (lo, min(lo + self.chunk_rows, self.n_samples))
            for lo in range(0, self.n_samples, self.chunk_rows)
        ]
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(len(bounds))
            bounds = [bounds[i] for i in order]
        return bounds

    def samples_per_epoch(self) -> int:
        """Samples this rank sees per epoch (equal on every rank)."""
        shares = _rank_shares(self._chunks(), self.world_size)
        return min(sum(hi - lo for lo, hi in share) for share in shares)

    def __len__(self) -> int:
        n = self.samples_per_epoch()
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        import torch

        quota = self.samples_per_epoch()
        share = _rank_shares(self._chunks(), self.world_size)[self.rank]
        rng = np.random.default_rng([self.seed, self.epoch, self.rank, 1])
        emitted = 0
        skip = self.skip_batches
        pending_tok: list[np.ndarray] = []
        pending_lab: list[np.ndarray] = []

        def emit(tok: np.ndarray, lab: np.ndarray) -> tuple[Any, Any]:
            x = torch.from_numpy(tokens_to_one_hot(tok))
            y = torch.from_numpy(lab.astype(np.float32))
            return x, y

        with open_dataset(self.path) as ds:
            for g in range(0, len(share), self.buffer_chunks):
                group = share[g : g + self.buffer_chunks]
                toks = pending_tok + [ds.tokens(lo, hi) for lo, hi in group]
                labs = pending_lab + [ds.labels(lo, hi) for lo, hi in group]
                tok, lab = np.concatenate(toks), np.concatenate(labs)
                if self.shuffle:
                    perm = rng.permutation(len(tok))
                    tok, lab = tok[perm], lab[perm]
                room = quota - emitted
                tok, lab = tok[:room], lab[:room]
                n_full = len(tok) // self.batch_size * self.batch_size
                for b in range(0, n_full, self.batch_size):
                    emitted += self.batch_size
                    if skip:
                        skip -= 1
                        continue
                    yield emit(tok[b : b + self.batch_size], lab[b : b + self.batch_size])
                pending_tok, pending_lab = [tok[n_full:]], [lab[n_full:]]
                if emitted >= quota:
                    break
            rest = pending_tok[0] if pending_tok else np.zeros((0, self.sequence_length), np.uint8)
            if len(rest) and not self.drop_last and not skip:
                yield emit(rest, pending_lab[0])
