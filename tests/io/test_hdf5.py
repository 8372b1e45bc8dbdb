"""The appendable HDF5 writer: rows appended per dataset, string columns, and a full disk that
becomes one DanqError line (never an HDF5 crash)."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from danq.errors import DanqError
from danq.io.hdf5 import AppendableH5


def test_append_grows_every_named_dataset_and_counts_rows(tmp_path):
    path = tmp_path / "rows.h5"
    writer = AppendableH5(path)
    writer.add("matrix", (3,), np.float32, chunk_rows=4, compression="gzip", compression_opts=1)
    writer.add("index", (), np.int64, chunk_rows=8)
    writer.add("empty", (0,), np.float32, chunk_rows=2)  # zero targets: still a valid chunking
    writer.file.create_dataset("fixed", data=np.arange(5))
    first = np.arange(6, dtype=np.float32).reshape(2, 3)
    writer.append({"matrix": first, "index": [10, 11], "empty": np.zeros((2, 0), np.float32)})
    second = -np.arange(9, dtype=np.float32).reshape(3, 3)
    writer.append({"matrix": second, "index": np.array([12, 13, 14])})
    writer.append({"matrix": np.zeros((0, 3), np.float32)})  # an empty batch changes nothing
    assert writer.n_rows == {"matrix": 5, "index": 5, "empty": 2}
    writer.close({"n_rows": 5})
    writer.close()  # closing twice is harmless
    with h5py.File(path) as f:
        np.testing.assert_array_equal(f["matrix"][:], np.concatenate([first, second]))
        assert f["matrix"].dtype == np.float32 and f["matrix"].maxshape == (None, 3)
        assert f["matrix"].chunks == (4, 3) and f["matrix"].compression == "gzip"
        assert f["index"][:].tolist() == [10, 11, 12, 13, 14] and f["index"].dtype == np.int64
        assert f["empty"].shape == (2, 0) and f["empty"].chunks == (2, 1)
        assert f["empty"].maxshape == (None, None)  # HDF5 cannot chunk a fixed 0-length axis
        assert f["fixed"][:].tolist() == list(range(5))
        assert f.attrs["n_rows"] == 5


def test_string_columns_take_lists_of_str(tmp_path):
    path = tmp_path / "strings.h5"
    writer = AppendableH5(path)
    writer.add("names", (), h5py.string_dtype(), chunk_rows=2)
    writer.append({"names": ["chr1", "rs1"]})
    writer.append({"names": ("é-utf8", "x" * 300)})
    writer.append({"names": np.array(["u"])})
    writer.close()
    with h5py.File(path) as f:
        assert h5py.check_string_dtype(f["names"].dtype) is not None
        assert [s.decode() for s in f["names"][:]] == ["chr1", "rs1", "é-utf8", "x" * 300, "u"]


def test_append_holds_rows_until_a_chunk_is_full_and_copies_them(tmp_path):
    """Rows reach the file a chunk at a time (the rest at close), from a copy of the batch."""
    path = tmp_path / "held.h5"
    writer = AppendableH5(path)
    writer.add("matrix", (2,), np.float32, chunk_rows=4)
    buffer = np.ones((3, 2), np.float32)
    writer.append({"matrix": buffer})
    assert writer.file["matrix"].shape == (0, 2) and writer.n_rows["matrix"] == 3
    buffer[:] = 7  # the caller reuses its buffer: the held rows keep the appended values
    writer.append({"matrix": buffer[:2]})
    assert writer.file["matrix"].shape == (5, 2)  # a chunk's worth: written
    writer.append({"matrix": np.zeros((1, 2), np.float32)})
    writer.close()
    with h5py.File(path) as f:
        np.testing.assert_array_equal(f["matrix"][:, 0], [1, 1, 1, 7, 7, 0])


class _RefusingFile:
    """A raw file that accepts ``room`` bytes, then fails every write as a full disk does."""

    def __init__(self, raw, room: int) -> None:
        self._raw, self._room = raw, room

    def write(self, data) -> int:
        size = memoryview(data).nbytes
        if self._raw.tell() + size > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._raw.write(data)

    def __getattr__(self, name):
        return getattr(self._raw, name)


def test_refused_write_is_one_danq_error_line(tmp_path):
    path = tmp_path / "full.h5"
    writer = AppendableH5(path)
    guard = writer.file._danq_guard
    guard._file = _RefusingFile(guard._file, room=4096)
    writer.add("matrix", (64,), np.float32, chunk_rows=16)
    rows = np.random.default_rng(0).random((16, 64), dtype=np.float32)
    with pytest.raises(DanqError) as caught:  # the chunk cache overflows into refused writes
        for _ in range(100):
            writer.append({"matrix": rows})
        writer.close()
    assert str(caught.value) == f"no space left on {tmp_path}"
    with contextlib.suppress(DanqError):
        writer.close()  # the recorded error is raised again if the file was still open
    assert not writer.file  # closed either way: no HDF5 handle outlives the error
    writer.close()  # and then nothing is left to do


def test_full_disk_is_one_danq_error_line(small_tmpfs: Path):
    writer = AppendableH5(small_tmpfs / "rows.h5")
    writer.add("matrix", (256,), np.float32, chunk_rows=64)
    writer.add("names", (), h5py.string_dtype(), chunk_rows=64)
    rows = np.random.default_rng(1).random((64, 256), dtype=np.float32)  # 64 KiB a batch
    with pytest.raises(DanqError) as caught:
        for i in range(8):
            writer.append({"matrix": rows, "names": [f"row{i}_{j}" for j in range(64)]})
        writer.close()
    assert str(caught.value) == f"no space left on {small_tmpfs}"
    with contextlib.suppress(DanqError):
        writer.close()  # the recorded error is raised again if the file was still open
    assert not writer.file  # closed either way: no HDF5 handle outlives the error
    (small_tmpfs / "rows.h5").unlink()


def test_read_strings_gives_str_for_bytes_and_str_datasets(tmp_path) -> None:
    import h5py
    import numpy as np

    from danq.io.hdf5 import open_h5, read_strings

    path = tmp_path / "s.h5"
    with h5py.File(path, "w") as h5:
        h5["fixed"] = np.array(["a", "bc"], dtype="S")
        h5["variable"] = np.array(["é", "d"], dtype=h5py.string_dtype())
    with open_h5(path) as h5:
        assert read_strings(h5["fixed"]) == ["a", "bc"]
        assert read_strings(h5["variable"]) == ["é", "d"]
        assert read_strings(h5["fixed"][:]) == ["a", "bc"]  # an array read already
