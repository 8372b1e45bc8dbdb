"""A small danq dataset whose rows can be traced back (shared by the dataset, writer and batch tests)."""

from __future__ import annotations

import numpy as np

from danq.formats.dataset_writer import DatasetWriter


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
