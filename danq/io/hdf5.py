"""HDF5 files written through the disk-full guard: a refused write becomes one line, never a
crash inside HDF5; and read only when every byte of their data is inside the file itself
(:func:`open_h5`, the one way danq opens an HDF5 file for reading)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from danq.errors import DanqError
from danq.io.atomic import display_path, storage_error
from danq.io.signals import deferred, register_callbacks

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
            error = storage_error(self.error, display_path(self.path.parent))
            raise error if error is not None else self.error


# HDF5 calls these back while it writes, flushes or frees an object: never raise a signal there
register_callbacks(GuardedFile.seek, GuardedFile.tell, GuardedFile.read, GuardedFile.readinto,
                   GuardedFile.write, GuardedFile.truncate, GuardedFile.flush, GuardedFile.close)


def create_h5(path: str | os.PathLike[str]) -> Any:
    """Create an h5py file for writing through a :class:`GuardedFile` (see there)."""
    import h5py

    guard = GuardedFile(path)
    file = None
    try:
        with deferred():  # SIGTERM / Ctrl-C are raised after HDF5 returns, never inside it
            file = h5py.File(guard, "w")
            file._danq_guard = guard
    except BaseException:
        with deferred():
            if file is not None:
                file.close()
            guard.close()
        raise
    return file


@contextlib.contextmanager
def h5_writes(file: Any) -> Iterator[None]:
    """Wrap writes to a file from :func:`create_h5`: a write the storage refused inside the
    block is raised as a one-line DanqError when the block ends. SIGTERM and Ctrl-C arriving
    inside the block are raised when it ends (:mod:`danq.io.signals`), never inside HDF5."""
    with deferred():
        yield
        guard = getattr(file, "_danq_guard", None)
        if guard is not None:
            guard.raise_error()


def close_h5(file: Any, attrs: dict[str, Any] | None = None) -> None:
    """Set final ``attrs`` and close an h5py file being written; raise a refused write (full
    disk) only after the file is closed, so no HDF5 handle outlives the error."""
    guard = getattr(file, "_danq_guard", None)
    with deferred():  # a signal meanwhile is raised once the file is closed
        try:
            for key, value in (attrs or {}).items():
                file.attrs[key] = value
        finally:
            file.close()
            if guard is not None:
                guard.close()
        if guard is not None:
            guard.raise_error()


#: At most this many soft links are followed, by name, to say which link a soft link leads to.
_SOFT_LINK_HOPS = 16


def read_strings(dataset: Any) -> list[str]:
    """A string dataset (or a numpy array of its values) as a list of ``str``: h5py reads strings
    as ``bytes``."""
    return [s.decode() if isinstance(s, bytes) else str(s) for s in dataset[()]]


def open_h5(path: str | os.PathLike[str], **kwargs: Any) -> h5py.File:
    """Open an HDF5 file read-only, refusing one whose data is not all stored inside it.

    The file is checked (:func:`check_self_contained`) before any of its objects is read, so an
    external link, a virtual dataset or external raw storage never makes danq read another file
    (``/etc/passwd`` behind a dataset name). ``kwargs`` go to ``h5py.File`` (e.g. ``rdcc_nbytes``);
    an unreadable file raises h5py's ``OSError`` for the caller to word.

    h5py has no per-file switch that stops HDF5 following such references once reached: the
    external-link, external-file and virtual-dataset prefixes (``set_elink_prefix``,
    ``set_efile_prefix``, ``set_virtual_prefix``) only add a folder to search (HDF5 still tries
    the target's own name and the file's folder), ``set_nlinks`` cannot go below one traversal,
    and the link-access list h5py uses for every lookup is one global for the whole process.
    The check at open is therefore the defence: after it, every name resolves inside this file.
    """
    import h5py

    file = h5py.File(path, "r", **kwargs)
    try:
        check_self_contained(file, path)
    except BaseException:
        file.close()
        raise
    return file


def check_self_contained(file: h5py.File, path: str | os.PathLike[str]) -> None:
    """Raise a one-line DanqError naming ``path`` and the object when any link or dataset of
    ``file`` reaches outside it: an external (or other user-defined) link, a soft link leading to
    one, a virtual dataset, or a dataset whose raw data lives in external files.

    Links are walked at the link level (``H5Lvisit``, link info only): no link is ever followed
    to find out. Objects are then visited through hard links only, which stay in the file.
    """
    import h5py

    soft: dict[str, str] = {}
    outside: dict[str, str] = {}

    def link(name: bytes, info: Any) -> None:
        text = name.decode("utf-8", "replace")
        if info.type == h5py.h5l.TYPE_HARD:
            return
        if info.type == h5py.h5l.TYPE_SOFT:
            soft["/" + text] = file.id.links.get_val(name).decode("utf-8", "replace")
        elif info.type == h5py.h5l.TYPE_EXTERNAL:
            target_file, target = file.id.links.get_val(name)
            outside["/" + text] = (
                f"an external link (to {target_file.decode('utf-8', 'replace')}:"
                f"{target.decode('utf-8', 'replace')})"
            )
        else:
            outside["/" + text] = f"a user-defined link (class {info.type})"

    file.id.links.visit(link, info=True)
    for name, target in soft.items():  # a soft link leading to an external link: name the soft one
        reached = _soft_link_end(name, target, soft, outside)
        if reached is not None:
            _refuse(path, name, f"a soft link to {reached}, which is {outside[reached]}")
    for name, what in outside.items():
        _refuse(path, name, what)

    def dataset(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset):
            if obj.is_virtual:
                sources = sorted({source.file_name for source in obj.virtual_sources()})
                _refuse(path, "/" + name, f"a virtual dataset (of {', '.join(sources)})")
            if obj.external:
                files = sorted({os.fsdecode(entry[0]) for entry in obj.external})
                _refuse(path, "/" + name, f"stored in external raw files ({', '.join(files)})")

    file.visititems(dataset)


def _soft_link_end(name: str, target: str, soft: Mapping[str, str],
                   outside: Mapping[str, str]) -> str | None:
    """The external link a soft link's target path passes through (by name), if any."""
    for _ in range(_SOFT_LINK_HOPS):
        if not target.startswith("/"):  # relative to the group holding the link
            target = name.rsplit("/", 1)[0] + "/" + target
        parts = [part for part in target.split("/") if part not in ("", ".")]
        target = "/" + "/".join(parts)
        prefixes = ["/" + "/".join(parts[:k]) for k in range(1, len(parts) + 1)]
        hit = next((p for p in prefixes if p in outside), None)
        if hit is not None:
            return hit
        via = next((p for p in prefixes if p in soft), None)
        if via is None:
            return None
        name, target = via, soft[via] + target[len(via):]
    return None


def _refuse(path: str | os.PathLike[str], name: str, what: str) -> None:
    raise DanqError(f"{path}: {name} is {what}; danq reads only data stored inside the file itself")


class AppendableH5:
    """Datasets that grow by rows, in one HDF5 file written through the disk-full guard.

    Every row-appending writer in danq (datasets, predictions, variant effects) uses this one:
    :meth:`add` declares a resizable dataset, :meth:`append` grows named datasets by a batch of
    rows, :meth:`close` sets the final attributes. A write the storage refuses (full disk)
    becomes a one-line DanqError, never an HDF5 crash (see :class:`GuardedFile`). Fixed datasets
    and attributes go through :attr:`file`.
    """

    file: h5py.File
    n_rows: dict[str, int]  # rows appended per dataset (written, or held until a chunk is full)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.file = create_h5(path)
        self.n_rows: dict[str, int] = {}
        self._written: dict[str, int] = {}  # rows in the file; the rest wait in _pending
        self._pending: dict[str, list[Any]] = {}
        self._chunk_rows: dict[str, int] = {}  # rows held before a write
        self._closed = False

    def add(self, name: str, tail: tuple[int, ...], dtype: Any, *, chunk_rows: int,
            chunk_tail: tuple[int, ...] | None = None, **create_kwargs: Any) -> None:
        """A resizable dataset of shape ``(0, *tail)``, maxshape ``(None, *tail)``, chunks
        ``(chunk_rows, *chunk_tail)`` (``chunk_tail`` defaults to ``tail``: whole rows).

        HDF5 needs every chunk axis positive: a zero-length axis (no targets) is chunked as 1
        and left unlimited in maxshape, so the dataset keeps its ``(n, ..., 0, ...)`` shape.
        """
        tail = tuple(int(t) for t in tail)
        chunk_rows = max(1, int(chunk_rows))
        chunk_tail = tail if chunk_tail is None else tuple(int(t) for t in chunk_tail)
        with h5_writes(self.file):
            self.file.create_dataset(
                name, shape=(0, *tail), maxshape=(None, *(t or None for t in tail)), dtype=dtype,
                chunks=(chunk_rows, *(max(1, t) for t in chunk_tail)), **create_kwargs,
            )
        self.n_rows[name] = self._written[name] = 0
        self._chunk_rows[name] = chunk_rows

    def append(self, rows: Mapping[str, Any]) -> None:
        """Grow every named dataset by ``len(rows[name])`` rows (a list of str goes to a string
        dataset as h5py string data).

        Rows are held until a dataset has a chunk's worth (its first chunk axis), then written
        together, and the rest at :meth:`close`: one resize and one write per chunk instead of
        per batch (h5py's fixed cost per call was 13 ms for a variant-effect batch of 13
        datasets, a tenth of the run).
        """
        import numpy as np

        for name, values in rows.items():
            # a copy: the caller may reuse its buffers for the next batch
            held = list(values) if isinstance(values, (list, tuple)) else np.array(values)
            self._pending.setdefault(name, []).append(held)
            self.n_rows[name] += len(values)
            if self.n_rows[name] - self._written[name] >= self._chunk_rows[name]:
                self._flush(name)

    def _flush(self, name: str) -> None:
        """Write ``name``'s held rows."""
        import h5py
        import numpy as np

        parts = self._pending.pop(name, [])
        lo, hi = self._written[name], self.n_rows[name]
        if hi == lo:
            return
        with h5_writes(self.file):  # a full disk becomes a one-line error after this block
            dataset = self.file[name]
            if h5py.check_string_dtype(dataset.dtype) is not None:
                data = np.asarray([v for part in parts for v in part], dtype=object)
            else:
                data = np.concatenate([np.asarray(part) for part in parts])
            dataset.resize(hi, axis=0)
            dataset[lo:hi] = data
        self._written[name] = hi

    def close(self, attrs: Mapping[str, Any] | None = None) -> None:
        """Set final ``attrs`` and close the file (once); a refused write is raised after."""
        if not self._closed:
            self._closed = True
            try:
                for name in list(self._pending):
                    self._flush(name)
            finally:
                close_h5(self.file, dict(attrs or {}))
