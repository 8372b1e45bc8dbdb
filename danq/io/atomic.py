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
from collections.abc import Iterator
from pathlib import Path

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


