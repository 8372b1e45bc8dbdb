"""Threads, devices, precision and progress: the settings every torch-running stage shares.

A command (or a Python call) resolves them once, with :meth:`InferenceSettings.resolve`, and hands
the resulting frozen :class:`InferenceSettings` down to the :class:`~danq.inference.predictor.Predictor`;
nothing else in danq reads ``isatty``, sets torch's thread count or decides what ``auto`` means.
The defaults below are shared by the Python API and the command line.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from danq.errors import DanqError

PRECISIONS = ("fp32", "bf16", "fp16")
#: Inference also takes "auto" (bf16 where the hardware has it natively, else fp32) and "int8"
#: (dynamic quantization of the LSTM and linear layers, CPU only).
INFERENCE_PRECISIONS = ("auto", *PRECISIONS, "int8")
DEVICES = ("auto", "cpu", "cuda")

#: The device every model-running command and Python call uses unless told otherwise.
DEFAULT_DEVICE = "auto"
#: Inference precision of ``danq predict/evaluate/variant-effect`` and their Python functions.
DEFAULT_PRECISION = "auto"
#: Training's autocast precision (``danq train``): fp32 unless asked.
DEFAULT_TRAIN_PRECISION = "fp32"
#: ``--threads 0``: every CPU this process may use (what the command line passes by default).
ALL_CPUS = 0


def available_cpus() -> int:
    """CPUs this process may really run on (affinity mask / cgroup-aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def set_threads(requested: int | None = None) -> int:
    """Set torch's intra-op threads to ``requested`` capped at the available CPUs; return the count.

    Snakemake's ``--cores 8`` on a 2-core machine exports OMP_NUM_THREADS=8; without this cap every
    job would oversubscribe the machine. ``None`` or 0 means "all available CPUs"; a negative count
    is an error.
    """
    import torch

    if requested is not None and requested < 0:
        raise DanqError(f"--threads {requested}: must be 0 (all CPUs) or more")
    cpus = available_cpus()
    n = cpus if not requested else min(int(requested), cpus)
    torch.set_num_threads(n)
    with contextlib.suppress(RuntimeError):  # may only be set once per process
        torch.set_num_interop_threads(min(n, 2))
    return n


def resolve_device(name: str = "auto") -> Any:
    """Turn ``auto|cpu|cuda|cuda:N`` into a ``torch.device``; error clearly if CUDA is missing."""
    import torch

    if isinstance(name, torch.device):
        return name
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DanqError(f"--device {name}: CUDA is not available on this machine (use cpu or auto)")
        return torch.device(name)
    if name == "cpu":
        return torch.device("cpu")
    raise DanqError(f"--device {name}: expected one of auto, cpu, cuda, cuda:N")


def _cpuinfo_field(name: str) -> str | None:
    """The first ``name`` line of /proc/cpuinfo, or None (no such file, e.g. macOS, or no line)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(name):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_flags() -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none, e.g. macOS)."""
    return set((_cpuinfo_field("flags") or "").split())


def cpu_name() -> str:
    """The CPU's model name, for naming the machine of every measured figure."""
    import platform

    return _cpuinfo_field("model name") or platform.processor() or "unknown CPU"


def native_bf16(device: Any) -> bool:
    """Whether ``device`` computes bf16 natively: a CUDA GPU with bf16, or a CPU with
    AVX512-BF16 or AMX. On other CPUs bf16 is emulated and several times slower than fp32.

    danq's one bf16 detector (``--precision auto`` and training's slow-bf16 note both ask it). It
    reads the CPU's flags, not ``torch.backends.cpu.get_cpu_capability()``: that names the vector
    kernels torch dispatches to (``AVX512`` on any AVX512 CPU) and so cannot tell an AVX512 CPU
    that has the bf16 dot-product instructions from one that emulates them.
    """
    import torch

    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})
    return False


def resolve_precision(device: Any, precision: str) -> str:
    """The precision ``auto`` means on ``device`` (bf16 where native, else fp32); others pass."""
    if precision == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    return precision


def check_precision(device: Any, precision: str) -> str:
    """``precision`` if it can run on ``device``; a one-line DanqError otherwise."""
    if precision not in INFERENCE_PRECISIONS or precision == "auto":
        raise DanqError(f"--precision {precision}: expected one of {', '.join(INFERENCE_PRECISIONS)}")
    if precision == "fp16" and device.type == "cpu":
        raise DanqError("--precision fp16 needs a CUDA device; use bf16 on the CPU")
    if precision == "int8" and device.type != "cpu":
        raise DanqError("--precision int8 is CPU inference only; use bf16 or fp16 on a GPU")
    return precision


def _autocast_context(device: Any, precision: str) -> contextlib.AbstractContextManager:
    """The autocast context of an already checked ``precision`` (a no-op for fp32 and int8)."""
    import torch

    if precision in ("fp32", "int8"):
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def autocast(device: Any, precision: str = "fp32") -> contextlib.AbstractContextManager:
    """Autocast context for ``precision`` on ``device`` (a no-op for fp32 and int8), checked."""
    check_precision(device, precision)
    return _autocast_context(device, precision)


def resolve_progress(progress: bool | None) -> bool:
    """Show a progress bar? ``None`` means: when stderr is a terminal."""
    if progress is not None:
        return bool(progress)
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # closed or replaced stderr
        return False


@dataclass(frozen=True)
class InferenceSettings:
    """Where and how a model runs: resolved once per command (or Python call), then handed down.

    Build one with :meth:`resolve`; every instance is checked when it is made, so the
    :class:`~danq.inference.predictor.Predictor` that holds it never checks again.

    Attributes
    ----------
    device
        A ``torch.device``.
    precision
        ``fp32``, ``bf16``, ``fp16`` (autocast) or ``int8`` (dynamic quantization), valid on
        ``device``; ``auto`` has been resolved.
    threads
        torch intra-op threads in use (``None``: torch's setting was left alone).
    progress
        Whether to draw progress bars on stderr.
    auto_precision
        Whether ``precision`` was chosen by ``auto`` (reported by :meth:`describe_precision`).
    """

    device: Any
    precision: str = "fp32"
    threads: int | None = None
    progress: bool = False
    auto_precision: bool = False

    def __post_init__(self) -> None:
        check_precision(self.device, self.precision)

    @classmethod
    def resolve(
        cls,
        device: Any = DEFAULT_DEVICE,
        precision: str = DEFAULT_PRECISION,
        threads: int | None = None,
        progress: bool | None = None,
    ) -> InferenceSettings:
        """Resolve a command's (or a Python call's) settings; an unusable one is a one-line error.

        Parameters
        ----------
        device
            ``auto``, ``cpu``, ``cuda``, ``cuda:N`` or a ``torch.device``.
        precision
            One of :data:`INFERENCE_PRECISIONS`; ``auto`` becomes bf16 where :func:`native_bf16`,
            else fp32.
        threads
            torch intra-op threads, capped at the CPUs this process may use and applied to torch;
            0 (:data:`ALL_CPUS`, the command line's default) means all of them; ``None`` leaves
            torch's setting alone (a notebook's own choice stands).
        progress
            Progress bars on stderr; ``None``: when stderr is a terminal.
        """
        torch_device = resolve_device(device)
        chosen = check_precision(torch_device, resolve_precision(torch_device, precision))
        n_threads = None if threads is None else set_threads(threads)
        return cls(torch_device, chosen, n_threads, resolve_progress(progress), precision == "auto")

    def autocast(self) -> contextlib.AbstractContextManager:
        """The autocast context of :attr:`precision` on :attr:`device` (no re-check)."""
        return _autocast_context(self.device, self.precision)

    def describe_precision(self) -> str:
        """``"bf16"``, or ``"bf16 (auto: native bf16 on cpu)"`` when ``auto`` chose it: commands
        put it in the summary line they print at the end (an error stays a single line)."""
        if not self.auto_precision:
            return self.precision
        why = "native bf16" if self.precision == "bf16" else "no native bf16"
        return f"{self.precision} (auto: {why} on {self.device.type})"


# --------------------------------------------------------------------------------------------
# numba's on-disk cache for memelite


def _user_cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "danq" / "numba"


def _writable_dir(path: Path) -> bool:
    """True if files can be created in ``path`` (creating it first when it is missing)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError:
        return False
    return True


def configure_numba_cache() -> str | None:
    """Point numba's cache somewhere writable before memelite is imported; return the choice.

    memelite's kernels are ``numba.njit(cache=True)``: the first call in an environment compiles
    them (about a minute on two cores) and stores the machine code; later processes load it in
    milliseconds. numba stores it beside the package (``memelite/__pycache__``), which fails on a
    read-only site-packages (a system or container install); numba would then fall back to its
    own user directory, but only if that is writable too. So, in this order:

    * ``NUMBA_CACHE_DIR`` already set by the user: respected as is;
    * ``memelite/__pycache__`` writable: numba's default is left alone (shared by every user
      of that environment, so it compiles once per environment);
    * otherwise ``$XDG_CACHE_HOME/danq/numba`` (``~/.cache/danq/numba``), or a per-user folder
      in the temporary directory when the home directory is read-only too.

    This must run before the first ``import memelite`` (numba picks a function's cache location
    when the function is decorated); calling it later is harmless but has no effect.

    Returns
    -------
    str or None
        The ``NUMBA_CACHE_DIR`` now in force, or None when numba's in-tree default is used.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    spec = importlib.util.find_spec("memelite")
    if spec is not None and spec.submodule_search_locations:
        in_tree = Path(next(iter(spec.submodule_search_locations))) / "__pycache__"
        if _writable_dir(in_tree):
            return None
    user = getattr(os, "getuid", lambda: "user")()
    candidates = [_user_cache_root(), Path(tempfile.gettempdir()) / f"danq-numba-{user}"]
    for candidate in candidates:
        if _writable_dir(candidate):
            os.environ["NUMBA_CACHE_DIR"] = str(candidate)
            with contextlib.suppress(ImportError):
                import numba.core.config as numba_config  # numba may be imported already

                numba_config.CACHE_DIR = str(candidate)
            return str(candidate)
    return None
