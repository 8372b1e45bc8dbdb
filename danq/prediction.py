"""Prediction: run a trained model over sequences, with reverse-complement averaging, in bounded memory.

This module holds the one inference path of danq; ``danq evaluate`` reuses it.

* :class:`Predictor` wraps a model (logits out) with its target names, input length, device and
  precision. It turns token batches (or one-hot batches) into probabilities under
  ``torch.inference_mode()`` and autocast. With reverse-complement averaging each batch of ``B``
  sequences and its ``B`` reverse complements go through the model as **one** batch of ``2B`` and the
  two sigmoid outputs are averaged, as DeepSEA did.
* :func:`predict` is the Python API (``danq.predict(model, sequences)``).
* :func:`predict_fasta` is the ``danq predict`` stage: FASTA in (plain, gzip, ``-``), one row per record
  out (TSV or HDF5), streamed batch by batch so memory does not grow with the number of sequences.

Prediction file layout (``format = "danq-predictions"``; ``danq evaluate`` writes the same plus
``labels``)::

    /probabilities      (N, T) float32   sigmoid outputs (RC-averaged unless disabled)
    /names              (N,)   str       record names, input order
    /target_names       (T,)   str
    /target_categories  (T,)   str
    /labels             (N, T) uint8     only in evaluation outputs
    attrs: format, format_version, model, rc_average, sequence_length, source
"""

from __future__ import annotations

import gzip
import itertools
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import h5py
import numpy as np

from danq.encoders import ACGT, N_TOKEN, fit_tokens, to_tokens, tokens_to_one_hot
from danq.errors import DanqError
from danq.io import atomic_path, close_h5, create_h5, h5_writes

DEFAULT_MODEL = Path("results") / "models" / "danq" / "best.pt"
"""The DanQ trained by the default workflow (``snakemake --cores 8``), relative to the working dir."""

PREDICTIONS_FORMAT = "danq-predictions"
PREDICTIONS_FORMAT_VERSION = 1
FORMATS = ("tsv", "h5")
DEFAULT_BATCH_SIZE = 128
PROBABILITY_FORMAT = "%.4g"

# Token of each base's complement: A<->T, C<->G, N stays N.
_COMPLEMENT_TOKEN = np.array([3, 2, 1, 0, N_TOKEN], dtype=np.uint8)


def reverse_complement_tokens(tokens: np.ndarray) -> np.ndarray:
    """Reverse complement token arrays ``(..., L)`` (A,C,G,T,N = 0..4)."""
    return _COMPLEMENT_TOKEN[np.asarray(tokens, dtype=np.uint8)[..., ::-1]]


# --------------------------------------------------------------------------------------------------
# The model and what it can serve
# --------------------------------------------------------------------------------------------------


@dataclass
class Predictor:
    """A model ready for inference: target names, input length, device, precision, RC averaging.

    Build one with :func:`load_predictor`. The model must return logits ``(B, T)`` for one-hot input
    ``(B, 4, L)`` in ACGT order; probabilities are the sigmoid of the logits, computed in float32.
    """

    model: Any
    target_names: list[str]
    target_categories: list[str]
    sequence_length: int
    device: Any
    precision: str = "fp32"
    rc_average: bool = True
    source: str = ""
    named_targets: bool = True
    _channels: Any = field(default=None, repr=False)

    @property
    def n_targets(self) -> int:
        return len(self.target_names)

    def _logits_to_probabilities(self, x: Any, n: int, paired: bool) -> np.ndarray:
        """Run ``x`` (``n`` rows, or ``2n`` when ``paired``) and return averaged probabilities."""
        import torch

        from danq.runtime import autocast

        with torch.inference_mode(), autocast(self.device, self.precision):
            logits = self.model(x)
        probs = torch.sigmoid(logits.float())
        if paired:
            probs = (probs[:n] + probs[n:]) * 0.5
        return probs.detach().cpu().numpy()

    def from_tokens(self, tokens: np.ndarray, partner: np.ndarray | None = None) -> np.ndarray:
        """Probabilities ``(B, T)`` float32 for token rows ``(B, L)``.

        With ``rc_average`` the reverse complements (or ``partner``, the stored reverse-complement
        rows of a paired dataset) are scored in the same forward call and averaged in.
        """
        import torch

        tokens = np.ascontiguousarray(tokens, dtype=np.uint8)
        n = tokens.shape[0]
        paired = self.rc_average
        if paired:
            other = reverse_complement_tokens(tokens) if partner is None else partner
            tokens = np.concatenate([tokens, np.asarray(other, dtype=np.uint8)])
        if self.device.type == "cpu":  # numpy's broadcast compare is far faster than torch's here
            x = torch.from_numpy(tokens_to_one_hot(tokens))
        else:  # ship 1 byte per base and one-hot on the accelerator
            if self._channels is None:
                self._channels = torch.arange(4, dtype=torch.uint8, device=self.device).view(1, 4, 1)
            t = torch.from_numpy(tokens).to(self.device, non_blocking=True)
            x = (t.unsqueeze(1) == self._channels).float()  # N -> all-zero column
        return self._logits_to_probabilities(x, n, paired)

    def from_one_hot(self, x: Any) -> np.ndarray:
        """Probabilities ``(B, T)`` for a one-hot (or soft) batch ``(B, 4, L)``, numpy or tensor."""
        import torch

        x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
        x = x.to(self.device, dtype=torch.float32)
        n = x.shape[0]
        if self.rc_average:
            x = torch.cat([x, x.flip(dims=(-2, -1))])
        return self._logits_to_probabilities(x, n, self.rc_average)


def _model_header(model: Any) -> dict[str, Any]:
    header = getattr(model, "danq_header", None)
    return dict(header) if isinstance(header, dict) else {}


def check_servable(header: dict[str, Any], where: str) -> int:
    """Return the model's input length, or raise DanqError if danq cannot feed this model.

    A model is servable when its alphabet is ACGT (the one-hot order danq encodes) and its input
    sequence length is known.
    """
    alphabet = str(header.get("alphabet") or ACGT).upper()
    if alphabet != ACGT:
        raise DanqError(
            f"{where}: model expects one-hot alphabet {alphabet!r}; danq predicts only for ACGT "
            "models (re-export the model with ACGT input order)"
        )
    length = header.get("sequence_length")
    try:
        length = int(length)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        length = 0
    if length <= 0:
        raise DanqError(
            f"{where}: the model's input sequence length is unknown "
            "(no 'sequence_length' in its header); cannot fit sequences to it"
        )
    return length


def default_model_path() -> Path:
    """The default model (:data:`DEFAULT_MODEL`), or a DanqError saying how to get one."""
    if not DEFAULT_MODEL.is_file():
        raise DanqError(
            f"{DEFAULT_MODEL}: no --model given and the default DanQ model does not exist here; "
            "run `snakemake --cores 8` first (it trains it) or pass --model CHECKPOINT"
        )
    return DEFAULT_MODEL


def load_predictor(
    model: Any = None,
    *,
    device: Any = None,
    precision: str = "fp32",
    rc_average: bool = True,
) -> Predictor:
    """Wrap a model (``nn.Module``, checkpoint path, or ``None`` for :data:`DEFAULT_MODEL`).

    Parameters
    ----------
    model
        An ``nn.Module`` returning logits, a checkpoint path (loaded with
        :func:`danq.checkpoint.load_model`), or ``None`` for the workflow's default DanQ.
        A module's metadata comes from its ``danq_header`` attribute when present, otherwise from its
        ``sequence_length`` / ``n_targets`` attributes.
    device
        ``"auto"``, ``"cpu"``, ``"cuda"``, a ``torch.device``, or ``None``: a module stays on its
        current device, a checkpoint goes to ``"auto"``.
    precision
        ``"fp32"``, ``"bf16"`` or ``"fp16"`` (autocast).
    rc_average
        Average each sequence's prediction with its reverse complement's.
    """
    import torch

    from danq.runtime import PRECISIONS, autocast, resolve_device

    if precision not in PRECISIONS:
        raise DanqError(f"--precision {precision}: expected one of {', '.join(PRECISIONS)}")
    if model is None or isinstance(model, (str, os.PathLike)):
        path = default_model_path() if model is None else Path(model)
        if not path.is_file():
            raise DanqError(f"{path}: model checkpoint does not exist")
        from danq.checkpoint import load_model

        module = load_model(path, map_location="cpu")
        where = str(path)
        if device is None:
            device = "auto"
    elif isinstance(model, torch.nn.Module):
        module = model
        where = type(model).__name__
    else:
        raise DanqError(f"model must be an nn.Module or a checkpoint path, got {type(model).__name__}")

    header = _model_header(module)
    header.setdefault("sequence_length", getattr(module, "sequence_length", None))
    length = check_servable(header, where)

    if device is None:  # a module given without a device stays where it is
        first = next(module.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
    else:
        if not isinstance(device, torch.device):
            device = resolve_device(str(device))
        module = module.to(device)
    module.eval()
    autocast(device, precision)  # fails early (DanqError) for fp16 on a CPU

    names = header.get("target_names")
    named_targets = bool(names)
    if not names:
        n_targets = getattr(module, "n_targets", None)
        if n_targets is None:  # ask the model itself: one all-N sequence
            with torch.inference_mode():
                probe = torch.zeros(1, 4, length, device=device)
                n_targets = int(module(probe).shape[-1])
        names = [f"target_{i}" for i in range(int(n_targets))]
    names = [str(n) for n in names]
    categories = [str(c) for c in (header.get("target_categories") or [""] * len(names))]
    if len(categories) != len(names):
        categories = [""] * len(names)
    return Predictor(
        model=module,
        target_names=names,
        target_categories=categories,
        sequence_length=length,
        device=device,
        precision=precision,
        rc_average=rc_average,
        source=where,
        named_targets=named_targets,
    )


# --------------------------------------------------------------------------------------------------
# Python API
# --------------------------------------------------------------------------------------------------


def _fit_one_hot(x: Any, length: int) -> Any:
    """Centre-crop or zero-pad (= N-pad) a one-hot batch ``(N, 4, L)`` along its last axis."""
    import torch

    n = x.shape[-1]
    if n > length:
        start = (n - length) // 2
        return x[..., start : start + length]
    if n < length:
        left = (length - n) // 2
        return torch.nn.functional.pad(x, (left, length - n - left))
    return x


def predict(
    model: Any,
    sequences: Sequence[str] | np.ndarray | Any,
    *,
    rc_average: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = None,
    precision: str = "fp32",
) -> np.ndarray:
    """Predict target probabilities for sequences.

    Parameters
    ----------
    model
        ``nn.Module`` returning logits, or a checkpoint path.
    sequences
        A list of DNA strings (any case; N and IUPAC codes allowed) or a one-hot batch ``(N, 4, L)``
        in ACGT order (numpy or torch). Sequences of another length than the model's are
        centre-cropped or N-padded (zero columns) to it.
    rc_average
        Average each prediction with the reverse complement's (default, as DeepSEA).
    batch_size
        Sequences per forward call (``2 * batch_size`` rows with RC averaging).
    device, precision
        See :func:`load_predictor`.

    Returns
    -------
    numpy.ndarray
        ``(N, T)`` float32 probabilities, in input order.
    """
    import torch

    was_training = bool(getattr(model, "training", False))
    predictor = load_predictor(model, device=device, precision=precision, rc_average=rc_average)
    module = predictor.model
    try:
        if isinstance(sequences, (np.ndarray, torch.Tensor)):
            x = torch.as_tensor(sequences)
            if x.ndim != 3 or x.shape[1] != 4:
                raise DanqError(f"sequences: expected a (N, 4, L) one-hot array, got {tuple(x.shape)}")
            x = _fit_one_hot(x.float(), predictor.sequence_length)
            parts = [
                predictor.from_one_hot(x[i : i + batch_size]) for i in range(0, len(x), batch_size)
            ]
        else:
            if isinstance(sequences, str):
                raise DanqError("sequences: expected a list of sequences, got one string")
            parts = []
            batch: list[np.ndarray] = []
            for i, seq in enumerate(sequences):
                try:
                    tokens = to_tokens(str(seq))
                except ValueError as exc:
                    raise DanqError(f"sequences[{i}]: {exc}") from None
                batch.append(fit_tokens(tokens, predictor.sequence_length))
                if len(batch) == batch_size:
                    parts.append(predictor.from_tokens(np.stack(batch)))
                    batch = []
            if batch:
                parts.append(predictor.from_tokens(np.stack(batch)))
    finally:
        module.train(was_training)
    if not parts:
        return np.zeros((0, predictor.n_targets), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)


# --------------------------------------------------------------------------------------------------
# Batching FASTA records
# --------------------------------------------------------------------------------------------------


@dataclass
class FastaBatch:
    names: list[str]
    tokens: np.ndarray  # (B, L) uint8, fitted to the model's length


def fasta_batches(
    records: Iterable[tuple[str, np.ndarray]], length: int, batch_size: int, counts: dict[str, int]
) -> Iterator[FastaBatch]:
    """Group ``(name, tokens)`` records into fitted batches; count records and length changes.

    ``counts`` gets ``n_sequences`` and ``n_adjusted`` (records centre-cropped or N-padded).
    """
    buffer = np.empty((batch_size, length), dtype=np.uint8)
    names: list[str] = []
    counts.setdefault("n_sequences", 0)
    counts.setdefault("n_adjusted", 0)
    for name, tokens in records:
        if tokens.shape[0] != length:
            tokens = fit_tokens(tokens, length)
            counts["n_adjusted"] += 1
        buffer[len(names)] = tokens
        names.append(name)
        counts["n_sequences"] += 1
        if len(names) == batch_size:
            yield FastaBatch(names, buffer.copy())
            names = []
    if names:
        yield FastaBatch(names, buffer[: len(names)].copy())


# --------------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------------


_LUT_MIN_EXP, _LUT_MAX_EXP = -12, 0
_lut_cache: list[np.ndarray] = []


def _four_digit_strings() -> np.ndarray:
    """``'%.4g'`` of every 4-significant-digit number from 1e-12 to 9.999 (117,000 strings)."""
    if not _lut_cache:
        exponents = np.arange(_LUT_MIN_EXP, _LUT_MAX_EXP + 1, dtype=np.float64)
        mantissas = np.arange(1000, 10000, dtype=np.float64)
        values = (mantissas[None, :] * 10.0 ** (exponents[:, None] - 3.0)).ravel()
        _lut_cache.append(np.array([f"{v:.4g}" for v in values.tolist()], dtype=object))
    return _lut_cache[0]


def format_probabilities(probs: np.ndarray) -> np.ndarray:
    """``'%.4g' % p`` for every element, as an object array of str, about 5x faster than a loop.

    Each value is rounded to 4 significant digits with vectorised arithmetic and its text is looked
    up in a precomputed table; values outside 1e-12..9.999 (0, NaN, tiny) are formatted one by one.
    """
    p = np.asarray(probs, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exponent = np.floor(np.log10(p))
        scaled = p * 10.0 ** (3.0 - exponent)
        mantissa = np.rint(scaled)
        # within float error of a half: rounding could go either way, so let printf decide
        near_tie = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-9
        carry = mantissa >= 10000  # 9.9996 rounds up to 10.00
        exponent[carry] += 1
        mantissa[carry] = 1000
        ok = (
            (p > 0) & np.isfinite(p) & (exponent >= _LUT_MIN_EXP) & (exponent <= _LUT_MAX_EXP)
            & (mantissa >= 1000) & (mantissa < 10000) & ~near_tie
        )
        keys = np.where(ok, (exponent - _LUT_MIN_EXP) * 9000 + (mantissa - 1000), 0)
    out = _four_digit_strings()[keys.astype(np.int64)]
    if not ok.all():
        rest = ~ok
        out[rest] = [f"{v:.4g}" for v in p[rest].tolist()]
    return out


def format_rows(names: Sequence[str], probs: np.ndarray, fmt: str = PROBABILITY_FORMAT) -> str:
    """TSV text for a batch: one line per row, ``name`` then one formatted probability per target."""
    if probs.shape[0] == 0:
        return ""
    tab = "\t"
    if fmt == "%.4g":
        rows = format_probabilities(probs).tolist()
        return "".join(f"{name}{tab}{tab.join(row)}\n" for name, row in zip(names, rows, strict=True))
    template = tab.join([fmt] * probs.shape[1])
    return "".join(
        f"{name}{tab}{template % tuple(row)}\n"
        for name, row in zip(names, probs.tolist(), strict=True)
    )


def _safe_field(value: str) -> str:
    return value.replace("\t", " ").replace("\n", " ")


class TsvPredictionWriter:
    """Write prediction rows as TSV to a text handle; formatting runs in a background thread.

    The thread overlaps string formatting with the next forward pass (torch releases the GIL while it
    computes); at most ``max_pending`` batches wait, so memory stays bounded.
    """

    def __init__(self, handle: IO[str], target_names: Sequence[str], max_pending: int = 2) -> None:
        self.handle = handle
        self.handle.write("\t".join(["name", *map(_safe_field, target_names)]) + "\n")
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="danq-tsv")
        self._pending: deque[Future[None]] = deque()
        self.max_pending = max_pending

    def _write(self, names: list[str], probs: np.ndarray) -> None:
        self.handle.write(format_rows([_safe_field(n) for n in names], probs))

    def append(self, probs: np.ndarray, names: Sequence[str], labels: np.ndarray | None = None) -> None:
        while len(self._pending) >= self.max_pending:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(self._write, list(names), probs))

    def close(self) -> None:
        try:
            while self._pending:
                self._pending.popleft().result()
            self.handle.flush()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


class H5PredictionWriter:
    """Append prediction rows to an HDF5 file with resizable datasets (layout: module docstring).

    ``path`` should be a temporary path (the caller renames it); ``with_labels`` adds a ``labels``
    dataset (evaluation outputs).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        target_names: Sequence[str],
        target_categories: Sequence[str] | None = None,
        *,
        with_labels: bool = False,
        attrs: dict[str, Any] | None = None,
        chunk_rows: int = 1024,
    ) -> None:
        n_targets = len(target_names)
        categories = list(target_categories) if target_categories is not None else [""] * n_targets
        strings = h5py.string_dtype()
        self._file = create_h5(path)  # a full disk: one-line error, no HDF5 crash
        f = self._file
        f.attrs.update(format=PREDICTIONS_FORMAT, format_version=PREDICTIONS_FORMAT_VERSION)
        for key, value in (attrs or {}).items():
            f.attrs[key] = value
        f.create_dataset("target_names", data=np.asarray(list(target_names), dtype=object), dtype=strings)
        f.create_dataset("target_categories", data=np.asarray(categories, dtype=object), dtype=strings)
        rows = max(1, chunk_rows)
        compress = {"compression": "gzip", "compression_opts": 1, "shuffle": True}
        f.create_dataset(
            "probabilities", shape=(0, n_targets), maxshape=(None, n_targets), dtype=np.float32,
            chunks=(rows, max(1, n_targets)), **compress,
        )
        if with_labels:
            f.create_dataset(
                "labels", shape=(0, n_targets), maxshape=(None, n_targets), dtype=np.uint8,
                chunks=(rows, max(1, n_targets)), **compress,
            )
        f.create_dataset("names", shape=(0,), maxshape=(None,), dtype=strings, chunks=(rows,))
        self.n_rows = 0

    def append(self, probs: np.ndarray, names: Sequence[str], labels: np.ndarray | None = None) -> None:
        lo, hi = self.n_rows, self.n_rows + len(names)
        f = self._file
        with h5_writes(f):  # a full disk becomes a one-line error after this block
            f["probabilities"].resize(hi, axis=0)
            f["probabilities"][lo:hi] = probs
            if "labels" in f:
                f["labels"].resize(hi, axis=0)
                f["labels"][lo:hi] = labels
            f["names"].resize(hi, axis=0)
            f["names"][lo:hi] = np.asarray(list(names), dtype=object)
        self.n_rows = hi

    def close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            close_h5(file, {"n_samples": self.n_rows})


def _infer_format(output: str | os.PathLike[str] | None, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise DanqError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
        return fmt
    if output is not None and str(output) != "-" and Path(output).suffix.lower() in (".h5", ".hdf5"):
        return "h5"
    return "tsv"


# --------------------------------------------------------------------------------------------------
# The `danq predict` stage
# --------------------------------------------------------------------------------------------------


def _run_batches(
    predictor: Predictor,
    batches: Iterable[FastaBatch],
    writer: TsvPredictionWriter | H5PredictionWriter,
    progress: bool,
) -> None:
    from tqdm import tqdm

    with tqdm(desc="predict", unit=" seq", disable=not progress, file=sys.stderr, mininterval=1) as bar:
        for batch in batches:
            writer.append(predictor.from_tokens(batch.tokens), batch.names)
            bar.update(len(batch.names))


def predict_fasta(
    fasta: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    model: Any = None,
    fmt: str | None = None,
    rc_average: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = "auto",
    precision: str = "fp32",
    threads: int | None = None,
    progress: bool | None = None,
    stdout: IO[str] | None = None,
) -> dict[str, Any]:
    """Predict every record of a FASTA file and write one row per record, in input order.

    Parameters
    ----------
    fasta
        FASTA path (plain or gzip, detected by content) or ``"-"`` for stdin.
    output
        Output path, written atomically; ``None`` or ``"-"`` writes TSV to ``stdout``.
        A TSV path ending in ``.gz`` is gzip-compressed.
    model
        Checkpoint path or ``nn.Module``; ``None`` uses :data:`DEFAULT_MODEL`.
    fmt
        ``"tsv"`` or ``"h5"``; ``None`` picks ``h5`` for ``.h5``/``.hdf5`` outputs and TSV otherwise.
    rc_average, batch_size, device, precision
        Inference settings (see :class:`Predictor`).
    threads
        Torch threads (capped at the available CPUs); ``None`` leaves torch's setting alone.
    progress
        Progress bar on stderr; ``None`` shows it when stderr is a terminal.

    Returns
    -------
    dict
        ``n_sequences``, ``n_adjusted`` (records cropped or padded), ``n_targets``,
        ``sequence_length``, ``format``, ``output``.
    """
    from danq.fasta import read_fasta_tokens
    from danq.runtime import set_threads

    if batch_size <= 0:
        raise DanqError(f"--batch-size must be positive, got {batch_size}")
    to_stdout = output is None or str(output) == "-"
    fmt = _infer_format(None if to_stdout else output, fmt)
    if fmt == "h5" and to_stdout:
        raise DanqError("--format h5 needs an output file (-o PATH); stdout takes TSV only")
    if threads is not None:
        set_threads(threads)
    predictor = load_predictor(model, device=device, precision=precision, rc_average=rc_average)
    show = sys.stderr.isatty() if progress is None else progress
    counts: dict[str, int] = {}
    records = read_fasta_tokens(fasta)
    batches = fasta_batches(records, predictor.sequence_length, batch_size, counts)
    # Read the first batch before writing anything, so a bad FASTA leaves stdout empty.
    first = next(batches, None)
    batches = itertools.chain([first] if first is not None else [], batches)
    writer: TsvPredictionWriter | H5PredictionWriter

    if to_stdout:
        handle = stdout if stdout is not None else sys.stdout
        writer = TsvPredictionWriter(handle, predictor.target_names)
        try:
            _run_batches(predictor, batches, writer, show)
        finally:
            writer.close()
    else:
        with atomic_path(output) as tmp:  # type: ignore[arg-type]
            if fmt == "h5":
                attrs = {
                    "model": predictor.source,
                    "rc_average": rc_average,
                    "sequence_length": predictor.sequence_length,
                    "source": str(fasta),
                }
                writer = H5PredictionWriter(
                    tmp, predictor.target_names, predictor.target_categories, attrs=attrs,
                    chunk_rows=max(batch_size, 256),
                )
                try:
                    _run_batches(predictor, batches, writer, show)
                finally:
                    writer.close()
            else:
                opener = gzip.open if str(output).endswith(".gz") else open
                with opener(tmp, "wt", encoding="utf-8", newline="\n") as handle:  # type: ignore[operator]
                    writer = TsvPredictionWriter(handle, predictor.target_names)
                    try:
                        _run_batches(predictor, batches, writer, show)
                    finally:
                        writer.close()
    return {
        "n_sequences": counts.get("n_sequences", 0),
        "n_adjusted": counts.get("n_adjusted", 0),
        "n_targets": predictor.n_targets,
        "sequence_length": predictor.sequence_length,
        "format": fmt,
        "output": "-" if to_stdout else str(output),
    }


def read_predictions(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a prediction HDF5 file (from ``danq predict --format h5`` or ``danq evaluate``).

    Returns a dict with ``probabilities`` (N, T) float32, ``names``, ``target_names``,
    ``target_categories``, ``labels`` ((N, T) uint8 or ``None``) and ``attrs``.
    """
    p = Path(path)
    if not p.is_file():
        raise DanqError(f"{p}: predictions file does not exist")
    try:
        f = h5py.File(p, "r")
    except OSError as exc:
        raise DanqError(f"{p}: not a readable HDF5 file ({exc})") from None
    with f:
        if f.attrs.get("format") != PREDICTIONS_FORMAT or "probabilities" not in f:
            raise DanqError(f"{p}: not a danq predictions file")

        def strings(key: str) -> list[str]:
            return [s.decode() if isinstance(s, bytes) else str(s) for s in f[key][:]]

        return {
            "probabilities": f["probabilities"][:].astype(np.float32, copy=False),
            "names": strings("names"),
            "target_names": strings("target_names"),
            "target_categories": strings("target_categories"),
            "labels": f["labels"][:] if "labels" in f else None,
            "attrs": dict(f.attrs),
        }
