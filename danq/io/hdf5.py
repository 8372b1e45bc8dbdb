"""HDF5 files written through the disk-full guard: a refused write becomes one line, never a
crash inside HDF5."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from danq.io.atomic import storage_error


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
            error = storage_error(self.error, self.path.parent)
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


