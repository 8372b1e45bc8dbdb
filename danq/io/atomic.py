"""Small file helpers shared by every stage: atomic outputs, path checks and storage errors.

Every output is written under a recognisable temporary name next to its final path
(``.NAME.danq-tmp-HOST-PID-XXXXXXXX.tmp``) and renamed only when complete. A process killed with
``kill -9`` cannot remove its temporary files, so the next run into the same directory removes
those left by dead processes of this host (never one still running, never another host's).

An output folder is staged the same way (:func:`atomic_directory`) and published only when every
file in it is complete: a new folder appears whole; into an existing folder each of the command's
files is renamed, replacing only those names, never deleting anything else in it. An output file
that is not a regular file (a device, a FIFO, ``/dev/stdout``) is written directly, never
replaced (:func:`atomic_path`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from danq.errors import DanqError
from danq.io.signals import deferred

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


def _special_target(target: Path) -> bool:
    """Whether ``target`` (its symbolic links followed) exists and is not a regular file or a
    folder: a device, a FIFO, a socket or a terminal (``/dev/null``, ``/dev/stdout``, a pipe)."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _link_into_system(target: Path) -> bool:
    """Whether ``target`` is a chain of symbolic links through a file descriptor (``/dev/stdout``,
    a link to ``/proc/self/fd/1``): written as given, even when the shell sent it to a file."""
    current = target
    for _ in range(40):
        if not current.is_symlink():
            return False
        try:
            current = current.parent / os.readlink(current)
        except OSError:
            return False
        absolute = os.path.abspath(current)
        if absolute.startswith(("/proc/", "/dev/fd/")) or absolute in ("/dev/stdout", "/dev/stderr"):
            return True
    return False


def _resolved_output(target: Path) -> Path:
    """Where a regular output goes: through a symbolic link, the file it names (the link stays)."""
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def _probe_write(target: Path) -> OSError | None:
    """The error an empty write to ``target`` gives (``/dev/full``: no space), if any: what
    torch.save's zip writer hides behind "unexpected pos"."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        os.write(fd, b"")
    except OSError as exc:
        return exc
    finally:
        os.close(fd)
    return None


def _kind(target: Path) -> str:
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return "special file"
    if stat.S_ISFIFO(mode):
        return "pipe"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "block device" if stat.S_ISBLK(mode) else "special file"


@contextlib.contextmanager
def _direct_path(target: Path) -> Iterator[Path]:
    """Yield ``target`` itself (a device or pipe): written in place, never renamed over. A write
    it refuses is a one-line DanqError naming it."""
    try:
        yield target
    except (OSError, RuntimeError) as exc:
        if getattr(exc, "filename", None) not in (None, str(target)):
            raise  # about another file (an input)
        cause = _probe_write(target) if isinstance(exc, RuntimeError) else None
        error = storage_error(cause or exc, target)
        if error is not None:
            raise error from None
        text, code = str(exc), getattr(exc, "errno", None)
        if code == errno.ESPIPE or "Illegal seek" in text or "errno = 29" in text:
            raise DanqError(f"{target}: a {_kind(target)} cannot be rewound; this output needs a "
                            "regular file") from None
        if isinstance(exc, OSError):  # h5py's errors name no file: HDF5 reads back, seeks
            raise DanqError(f"{target}: cannot write this output to a {_kind(target)} "
                            f"({exc.strerror or text.splitlines()[0][:200]})") from None
        raise


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, seekable: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` only if the block succeeds.

    A crash, an exception, Ctrl-C or SIGTERM never leaves a half-written ``path`` behind; a full
    or read-only disk becomes a one-line DanqError naming the directory. A ``path`` that is not a
    regular file (a device, a FIFO, a symbolic link to ``/proc/self/fd/1``) is yielded itself and
    written directly; a symbolic link to a regular file stays and the file it names is replaced.
    ``seekable``: the writer reads back and rewinds (HDF5), so such a ``path`` is refused with a
    one-line DanqError before anything is written (HDF5 on a device can crash the process).
    """
    target = Path(path)
    if _special_target(target) or _link_into_system(target):
        if seekable and (_special_target(target) or not Path(os.path.realpath(target)).is_file()):
            refused = _probe_write(target)  # /dev/full: the usual disk-full error
            error = storage_error(refused, target) if refused is not None else None
            raise error or DanqError(f"{target}: is a {_kind(target)}; this output (HDF5) needs a "
                                     "regular file")
        with _direct_path(target) as direct:
            yield direct
        return
    target = _resolved_output(target)
    parent = _make_parent(target)
    shown = display_path(parent)
    with storage_errors(shown, permission=True):
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=parent)
        os.close(fd)
    tmp = Path(tmp_name)
    try:
        with storage_errors(shown):
            yield tmp
            if tmp.exists():  # mkstemp makes 0600 files; give the output the usual umask-based mode
                os.chmod(tmp, _umask_mode(0o666))
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def display_path(path: Path) -> Path:
    """``path`` as the user knows it: a staging folder's name replaced by its output folder's."""
    parts = [part[1:part.index(TEMP_TAG)] if _TEMP_RE.match(part) else part for part in path.parts]
    return Path(*parts) if parts else path


def _plan(stage: Path, target: Path, moves: list[tuple[Path, Path]]) -> None:
    """The renames that publish ``stage`` into the existing folder ``target``: each staged entry
    whose name is free moves as a whole, a staged folder whose name is a folder is merged into it.
    A name taken by another kind of entry (a file where a folder goes, or the reverse) refuses the
    whole publication before anything moves."""
    for entry in sorted(stage.iterdir()):
        there = target / entry.name
        staged_dir = entry.is_dir() and not entry.is_symlink()
        if not os.path.lexists(there):
            moves.append((entry, there))
        elif staged_dir and there.is_dir():
            _plan(entry, there, moves)
        elif staged_dir or there.is_dir():
            raise DanqError(f"{there}: exists and is {'not ' if staged_dir else ''}a directory; "
                            "move it away, this command writes a "
                            f"{'folder' if staged_dir else 'file'} there")
        else:
            moves.append((entry, there))


def _publish(stage: Path, target: Path) -> None:
    """Move the complete staging folder ``stage`` into place as ``target``."""
    os.chmod(stage, _umask_mode(0o777))  # mkdtemp makes 0700 folders
    with deferred():  # a folder is never left half published
        if not target.is_dir():
            try:
                os.rename(stage, target)  # a new folder appears whole, in one step
                return
            except OSError as exc:  # made meanwhile by someone else: merge into it
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR):
                    raise
        moves: list[tuple[Path, Path]] = []
        _plan(stage, target, moves)
        for source, destination in moves:  # each replaces only a name this command writes
            os.replace(source, destination)


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty staging folder for the output folder ``path``; publish it when the block
    succeeds, discard it otherwise (an exception, Ctrl-C, SIGTERM: nothing appears).

    Publication: a ``path`` that does not exist is the staging folder renamed (it appears whole);
    into an existing ``path`` each staged file (and folder whose name is free) is renamed, each
    rename atomic, replacing only the names the command wrote; nothing else in ``path`` is touched.
    Write every output of the folder into the yielded folder (under the names it will have).
    """
    target = Path(path)
    if os.path.lexists(target) and not target.is_dir():
        raise DanqError(f"{target}: exists and is not a directory")
    parent = _make_parent(target)
    with storage_errors(parent, permission=True):
        stage = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".tmp", dir=parent))
    try:
        with storage_errors(parent):
            yield stage
            _publish(stage, target)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


output_directory = atomic_directory
"""The same as :func:`atomic_directory` (the name the multi-file stages used for their folder)."""
