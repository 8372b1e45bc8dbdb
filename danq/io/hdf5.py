"""HDF5 files written through the disk-full guard: a refused write becomes one line, never a
crash inside HDF5."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from danq.io.atomic import TEMP_TAG, storage_error

if TYPE_CHECKING:
    import h5py


class GuardedFile:
    """A binary file for h5py's file-object driver that never lets a failed write reach HDF5.

    HDF5 (2.0) cannot recover from a failed write: every later flush, close or freed object of
    that file fails again, prints a traceback, and closing it crashes the process. So the first
    write error (full disk, I/O error) is recorded, later writes are dropped, HDF5 sees success,
    and :func:`h5_writes` / :func:`close_h5` raise the recorded error as one line once the h5py
    call returns. The file can then be closed normally and removed.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._file = open(path, "w+b", buffering=0)  # noqa: SIM115 - closed by close()
        self.error: OSError | None = None

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def readinto(self, buffer: Any) -> int:
        return self._file.readinto(buffer)

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        total = view.nbytes
        if self.error is None:
            try:
                while view.nbytes:  # a raw write may be partial
                    view = view[self._file.write(view):]
                return total
            except OSError as exc:
                self.error = exc
        self._file.seek(view.nbytes, os.SEEK_CUR)  # dropped: the file is discarded anyway
        return total

    def truncate(self, size: int | None = None) -> int:
        try:
            return self._file.truncate(size)
        except OSError as exc:
            self.error = self.error or exc
            return self.tell() if size is None else size

    def flush(self) -> None:
        pass  # unbuffered

    def close(self) -> None:
        try:
            self._file.close()
        except OSError as exc:
            self.error = self.error or exc

    def raise_error(self) -> None:
        """Raise the first recorded write error as a one-line DanqError (if there was one)."""
        if self.error is not None:
            directory = self.path.parent
            while TEMP_TAG in directory.name:  # name the user's folder, not an atomic temporary
                directory = directory.parent
            error = storage_error(self.error, directory)
            raise error if error is not None else self.error


def create_h5(path: str | os.PathLike[str]) -> Any:
    """Create an h5py file for writing through a :class:`GuardedFile` (see there)."""
    import h5py

    guard = GuardedFile(path)
    try:
        file = h5py.File(guard, "w")
    except BaseException:
        guard.close()
        raise
    file._danq_guard = guard
    return file


@contextlib.contextmanager
def h5_writes(file: Any) -> Iterator[None]:
    """Wrap writes to a file from :func:`create_h5`: a write the storage refused inside the
    block is raised as a one-line DanqError when the block ends."""
    yield
    guard = getattr(file, "_danq_guard", None)
    if guard is not None:
        guard.raise_error()


def close_h5(file: Any, attrs: dict[str, Any] | None = None) -> None:
    """Set final ``attrs`` and close an h5py file being written; raise a refused write (full
    disk) only after the file is closed, so no HDF5 handle outlives the error."""
    guard = getattr(file, "_danq_guard", None)
    try:
        for key, value in (attrs or {}).items():
            file.attrs[key] = value
    finally:
        file.close()
        if guard is not None:
            guard.close()
    if guard is not None:
        guard.raise_error()




class AppendableH5:
    """Datasets that grow by rows, in one HDF5 file written through the disk-full guard.

    Every row-appending writer in danq (datasets, predictions, variant effects) uses this one:
    :meth:`add` declares a resizable dataset, :meth:`append` grows named datasets by a batch of
    rows, :meth:`close` sets the final attributes. A write the storage refuses (full disk)
    becomes a one-line DanqError, never an HDF5 crash (see :class:`GuardedFile`). Fixed datasets
    and attributes go through :attr:`file`.
    """

    file: h5py.File
    n_rows: dict[str, int]  # rows written per dataset

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.file = create_h5(path)
        self.n_rows: dict[str, int] = {}
        self._closed = False

    def add(self, name: str, tail: tuple[int, ...], dtype: Any, *, chunk_rows: int,
            **create_kwargs: Any) -> None:
        """A resizable dataset of shape ``(0, *tail)``, maxshape ``(None, *tail)``, chunks
        ``(chunk_rows, *tail)``.

        HDF5 needs every chunk axis positive: a zero-length axis (no targets) is chunked as 1
        and left unlimited in maxshape, so the dataset keeps its ``(n, ..., 0, ...)`` shape.
        """
        tail = tuple(int(t) for t in tail)
        with h5_writes(self.file):
            self.file.create_dataset(
                name, shape=(0, *tail), maxshape=(None, *(t or None for t in tail)), dtype=dtype,
                chunks=(max(1, int(chunk_rows)), *(max(1, t) for t in tail)), **create_kwargs,
            )
        self.n_rows[name] = 0

    def append(self, rows: Mapping[str, Any]) -> None:
        """Grow every named dataset by ``len(rows[name])`` rows and write them (a list of str
        goes to a string dataset as h5py string data)."""
        import h5py
        import numpy as np

        with h5_writes(self.file):  # a full disk becomes a one-line error after this block
            for name, values in rows.items():
                dataset = self.file[name]
                if h5py.check_string_dtype(dataset.dtype) is not None:
                    data = np.asarray(list(values), dtype=object)
                else:
                    data = np.asarray(values)
                lo = self.n_rows[name]
                hi = lo + len(data)
                if hi == lo:
                    continue
                dataset.resize(hi, axis=0)
                dataset[lo:hi] = data
                self.n_rows[name] = hi

    def close(self, attrs: Mapping[str, Any] | None = None) -> None:
        """Set final ``attrs`` and close the file (once); a refused write is raised after."""
        if not self._closed:
            self._closed = True
            close_h5(self.file, dict(attrs or {}))
