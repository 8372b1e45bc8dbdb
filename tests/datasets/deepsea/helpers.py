"""Small synthetic bundles in the exact DeepSEA layout, shared by the import-deepsea tests.

train.mat is written like MATLAB v7.3 (HDF5 with a 512-byte MATLAB user block; h5py axes (L, 4, N) and
(T, N)); valid.mat and test.mat are MATLAB v5 written by scipy.io.savemat, test.mat compressed. Sequences
are random strings with a few N, one-hot encoded in the bundle's A,G,C,T order by danq.encoders.
"""

from __future__ import annotations

import struct
from pathlib import Path

import h5py
import numpy as np
import scipy.io

from danq.encoders import one_hot, reverse_complement

LENGTH = 50
WINDOWS = {"train": 40, "valid": 6, "test": 9}


def random_windows(rng: np.random.Generator, n: int, length: int = LENGTH) -> list[str]:
    seqs = []
    for _ in range(n):
        s = rng.choice(list("ACGT"), size=length)
        s[rng.random(length) < 0.03] = "N"
        seqs.append("".join(s))
    return seqs



def bundle_arrays(
    seqs: list[str], n_targets: int, rng: np.random.Generator, dtype=np.uint8
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Forward windows then their reverse complements: (all sequences, one-hot AGCT (N,4,L), labels)."""
    everything = seqs + [reverse_complement(s) for s in seqs]
    x = np.stack([one_hot(s, alphabet="AGCT", dtype=dtype) for s in everything])
    forward_labels = (rng.random((len(seqs), n_targets)) < 0.1).astype(dtype)
    return everything, x, np.concatenate([forward_labels, forward_labels])



def write_v73(path: Path, split: str, x: np.ndarray, y: np.ndarray, chunk: int = 4) -> None:
    """Write like MATLAB -v7.3: HDF5 after a 512-byte MATLAB header, axes reversed."""
    with h5py.File(path, "w", userblock_size=512) as f:
        f.create_dataset(f"{split}xdata", data=x.transpose(2, 1, 0), chunks=(x.shape[2], 4, chunk),
                         compression="gzip")
        f.create_dataset(f"{split}data", data=y.T, chunks=(y.shape[1], chunk), compression="gzip")
        f[f"{split}xdata"].attrs["MATLAB_class"] = np.bytes_("uint8")
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created by danq tests HDF5 schema 1.00 ."
    with open(path, "r+b") as handle:
        handle.write(text.ljust(116) + bytes(8) + struct.pack("<H", 0x0200) + b"IM")



def write_v5(path: Path, split: str, x: np.ndarray, y: np.ndarray, compress: bool) -> None:
    scipy.io.savemat(path, {f"{split}xdata": x, f"{split}data": y}, do_compression=compress)



def make_bundle(
    folder: Path, n_targets: int = 919, seed: int = 0, test_dtype=np.float64
) -> dict[str, tuple[list[str], np.ndarray]]:
    """train.mat (v7.3), valid.mat (v5), test.mat (v5 compressed, float64); returns (seqs, labels)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    truth = {}
    for split, n in WINDOWS.items():
        dtype = test_dtype if split == "test" else np.uint8
        seqs, x, y = bundle_arrays(random_windows(rng, n), n_targets, rng, dtype)
        if split == "train":
            write_v73(folder / "train.mat", split, x, y)
        else:
            write_v5(folder / f"{split}.mat", split, x, y, compress=split == "test")
        truth[split] = (seqs, y.astype(np.uint8))
    return truth

