"""Small file helpers shared by every stage: atomic outputs, path checks and storage errors.

Every output is written under a recognisable temporary name next to its final path
(``.NAME.danq-tmp-HOST-PID-XXXXXXXX.tmp``) and renamed only when complete. A process killed with
``kill -9`` cannot remove its temporary files, so the next run into the same directory removes
those left by dead processes of this host (never one still running, never another host's).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from danq.errors import DanqError

TEMP_TAG = ".danq-tmp-"
_HOST = re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname()) or "host"
_STARTED = time.time()
_TEMP_RE = re.compile(r"^\..*\.danq-tmp-(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp$")
# errno values meaning "the storage refused the write": full, over quota, failing, read-only
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG}


def _umask_mode(base: int) -> int:
    umask = os.umask(0)
    os.umask(umask)
    return base & ~umask


def _temp_prefix(target: Path) -> str:
    return f".{target.name}{TEMP_TAG}{_HOST}-{os.getpid()}-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_temps(directory: str | os.PathLike[str]) -> list[Path]:
    """Remove danq temporary files and folders in ``directory`` left by dead processes.

    Only entries named by this module's pattern, made on this host by a process that no longer
    runs, and last modified before this process started are removed (a kill -9 leaves them).
    Returns the removed paths.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_RE.match(entry.name)
        if match is None or match["host"] != _HOST:
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or _pid_alive(pid):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime >= _STARTED:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def storage_error(
    exc: BaseException, directory: str | os.PathLike[str], *, permission: bool = False
) -> DanqError | None:
    """A one-line DanqError if ``exc`` says the storage under ``directory`` refused a write.

    Recognises OSError errno values (full disk, quota, I/O error, read-only file system) and the
    same failures as h5py and torch.save report them (in their message text); with
    ``permission``, also "permission denied" (for creating files, not for reading inputs).
    None otherwise.
    """
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code in (errno.ENOSPC, errno.EDQUOT) or "No space left" in text or "errno = 28" in text:
        return DanqError(f"no space left on {directory}")
    if code == errno.EROFS or "Read-only file system" in text or "errno = 30" in text:
        return DanqError(f"{directory}: read-only file system, cannot write there")
    if code == errno.EIO or "errno = 5," in text:
        return DanqError(f"{directory}: input/output error while writing (failing disk?)")
    if code == errno.EFBIG:
        return DanqError(f"{directory}: file too large for this file system")
    if permission and code in (errno.EACCES, errno.EPERM):
        return DanqError(f"{directory}: permission denied, cannot write there")
    if isinstance(exc, RuntimeError) and ("unexpected pos" in text or "file write failed" in text):
        # torch.save's zip writer on a full or failing disk
        usage = shutil.disk_usage(directory) if os.path.isdir(directory) else None
        if usage is not None and usage.free < (1 << 20):
            return DanqError(f"no space left on {directory}")
        return DanqError(f"{directory}: writing failed ({text.splitlines()[0][:200]})")
    return None


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


@contextlib.contextmanager
def storage_errors(
    directory: str | os.PathLike[str], *, permission: bool = False
) -> Iterator[None]:
    """Turn storage failures (full disk, read-only, I/O error) inside the block into DanqError."""
    try:
        yield
    except (OSError, RuntimeError) as exc:
        error = storage_error(exc, directory, permission=permission)
        if error is None:
            raise
        raise error from None


def _make_parent(target: Path) -> Path:
    parent = target.parent
    with storage_errors(parent, permission=True):
        parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(parent)
    return parent


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` only if the block succeeds.

    A crash, an exception, Ctrl-C or SIGTERM never leaves a half-written ``path`` behind; a full
    or read-only disk becomes a one-line DanqError naming the directory.
    """
    target = Path(path)
    parent = _make_parent(target)
    with storage_errors(parent, permission=True):
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=parent)
        os.close(fd)
    tmp = Path(tmp_name)
    try:
        with storage_errors(parent):
            yield tmp
            if tmp.exists():  # mkstemp makes 0600 files; give the output the usual umask-based mode
                os.chmod(tmp, _umask_mode(0o666))
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary directory that replaces the directory ``path`` only on success."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise DanqError(f"{target}: exists and is not a directory")
    parent = _make_parent(target)
    with storage_errors(parent, permission=True):
        tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".tmp", dir=parent))
    try:
        with storage_errors(parent):
            yield tmp
            os.chmod(tmp, _umask_mode(0o777))
            old = None
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".tmp", dir=parent))
                os.replace(target, old / "previous")
            os.replace(tmp, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def output_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Create the folder ``path`` for outputs; if the block fails, remove it again when this call
    created it and it is still empty (a failed command leaves no empty output folder)."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise DanqError(f"{target}: exists and is not a directory")
    created = not target.exists()
    try:
        yield target
    except BaseException:
        if created and target.is_dir():
            with contextlib.suppress(OSError):
                target.rmdir()  # only succeeds while empty
        raise


def require_file(path: str | os.PathLike[str], what: str = "input file") -> Path:
    """Return ``path`` as a Path, or raise DanqError if it is not an existing, readable file."""
    p = Path(path)
    if not p.exists():
        raise DanqError(f"{p}: {what} does not exist")
    if not p.is_file():
        raise DanqError(f"{p}: {what} is not a regular file")
    if not os.access(p, os.R_OK):
        raise DanqError(f"{p}: {what} is not readable")
    return p


@contextlib.contextmanager
def utf8_text(
    path: str | os.PathLike[str], what: str = "file", newline: str | None = None
) -> Iterator[TextIO]:
    """Open a text input as UTF-8 (a leading byte-order mark is dropped); bytes that are not
    UTF-8 (a Latin-1 or binary file) become a one-line DanqError with the byte's offset."""
    with open(path, encoding="utf-8-sig", newline=newline) as handle:
        try:
            yield handle
        except UnicodeDecodeError as exc:
            raise DanqError(
                f"{path}: {what} is not UTF-8 text (it holds the byte "
                f"0x{exc.object[exc.start]:02x}); save it as UTF-8"
            ) from None


def _given(paths: Iterable[str | os.PathLike[str] | None]) -> list[Path]:
    return [Path(p) for p in paths if p is not None and str(p) != "-"]


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _inside(inner: Path, outer: Path) -> bool:
    try:
        inner_real, outer_real = inner.resolve(), outer.resolve()
    except OSError:
        return False
    return inner_real == outer_real or outer_real in inner_real.parents


def refuse_overwriting_inputs(
    inputs: Iterable[str | os.PathLike[str] | None],
    outputs: Iterable[str | os.PathLike[str] | None] = (),
    replaced_dirs: Iterable[str | os.PathLike[str] | None] = (),
) -> None:
    """Refuse outputs that would overwrite an input, before anything is read or written.

    Parameters
    ----------
    inputs
        Files (or folders) the command reads; ``None`` and ``-`` (stdin) are skipped.
    outputs
        Files the command will write. One that is the same file as an input (same path, a
        symbolic link to it or a hard link of it) is refused.
    replaced_dirs
        Output folders replaced as a whole: an input inside one (or the folder itself) is refused.

    Raises
    ------
    DanqError
        Naming the output and the input it would destroy.
    """
    ins = _given(inputs)
    for out in _given(outputs):
        for inp in ins:
            if _same(out, inp):
                raise DanqError(
                    f"{out}: output is the same file as the input {inp}; choose another output path"
                )
    for folder in _given(replaced_dirs):
        for inp in ins:
            if _inside(inp, folder):
                raise DanqError(
                    f"{folder}: output folder would be replaced, but it holds the input {inp}; "
                    "choose another output folder"
                )


GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: str | os.PathLike[str]) -> bool:
    """Whether a file is gzip-compressed, by its first two bytes (whatever its name says)."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def open_text(path: str | os.PathLike[str]) -> TextIO:
    """Open a plain or gzip text file (detected by content) as UTF-8, undecodable bytes replaced.

    One opener for every line-based input (BED/peak files, variant TSVs); FASTA has its own
    block reader in :mod:`danq.fasta`.
    """
    import gzip
    import io

    if is_gzip(path):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")
