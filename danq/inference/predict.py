"""Prediction: the ``danq predict`` stage and the ``danq.predict`` Python API.

* :func:`predict` is the Python API (``danq.predict(model, sequences)``).
* :func:`predict_fasta` is the ``danq predict`` stage: FASTA in (plain, gzip, ``-``), one row per record
  out (TSV or HDF5), streamed batch by batch so memory does not grow with the number of sequences.

Models run through :class:`danq.inference.predictor.Predictor`; the output files are written and read by
:mod:`danq.formats.predictions`.
"""

from __future__ import annotations

import gzip
import itertools
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from danq.encoders import fit_one_hot, fit_tokens, to_tokens
from danq.errors import DanqError
from danq.formats.predictions import H5PredictionWriter, TsvPredictionWriter
from danq.formats.sources import SequenceBatch
from danq.inference.predictor import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MODEL,
    DEFAULT_RC_AVERAGE,
    Predictor,
    load_predictor,
)
from danq.io import atomic_path
from danq.runtime import DEFAULT_DEVICE, DEFAULT_PRECISION, InferenceSettings

__all__ = ["DEFAULT_MODEL", "FORMATS", "predict", "predict_fasta"]

FORMATS = ("tsv", "h5")

# --------------------------------------------------------------------------------------------------
# Python API
# --------------------------------------------------------------------------------------------------


def predict(
    model: Any,
    sequences: Sequence[str] | np.ndarray | Any,
    *,
    rc_average: bool = DEFAULT_RC_AVERAGE,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = None,
    precision: str = DEFAULT_PRECISION,
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
    device
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or a ``torch.device``; ``None`` (default):
        a module stays on its device, a checkpoint goes to ``"auto"``.
    precision
        ``"auto"`` (the default, as ``danq predict``: bf16 where the hardware computes it natively,
        else fp32), ``"fp32"``, ``"bf16"``, ``"fp16"`` (CUDA) or ``"int8"`` (CPU); see
        :func:`load_predictor`. Pass ``"fp32"`` for results that do not depend on the machine.

    Returns
    -------
    numpy.ndarray
        ``(N, T)`` float32 probabilities, in input order.

    Examples
    --------
    >>> import danq
    >>> from danq.models import DanQ
    >>> model = DanQ(sequence_length=40, n_targets=3, conv_channels=6, conv_width=5, pool_size=4,
    ...              lstm_hidden=4, dense_hidden=8)
    >>> probabilities = danq.predict(model, ["AAACCGTTGA" * 4, "GATTACA"], precision="fp32")
    >>> probabilities.shape, probabilities.dtype
    ((2, 3), dtype('float32'))
    >>> bool(((0 < probabilities) & (probabilities < 1)).all())
    True

    With reverse-complement averaging (the default) a sequence and its reverse complement get the
    same prediction:

    >>> backward = danq.predict(model, [danq.reverse_complement("AAACCGTTGA" * 4)],
    ...                         precision="fp32")
    >>> bool(abs(backward[0] - probabilities[0]).max() < 1e-6)
    True
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
            x = fit_one_hot(x.float(), predictor.sequence_length)
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
    batches: Iterable[SequenceBatch],
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
    rc_average: bool = DEFAULT_RC_AVERAGE,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = DEFAULT_DEVICE,
    precision: str = DEFAULT_PRECISION,
    threads: int | None = None,
    progress: bool | None = None,
    stdout: IO[str] | None = None,
    genome: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Predict every record of a FASTA file (or dataset, or BED + genome) and write one row per
    record, in input order.

    Parameters
    ----------
    fasta
        FASTA path (plain or gzip, detected by content) or ``"-"`` for stdin; a danq HDF5 dataset;
        or a BED file with ``genome`` (see :mod:`danq.formats.sources`).
    output
        Output path, written atomically; ``None`` or ``"-"`` writes TSV to ``stdout``.
        A TSV path ending in ``.gz`` is gzip-compressed.
    model
        Checkpoint path or ``nn.Module``; ``None`` uses :data:`DEFAULT_MODEL`.
    fmt
        ``"tsv"`` or ``"h5"``; ``None`` picks ``h5`` for ``.h5``/``.hdf5`` outputs and TSV otherwise.
    rc_average, batch_size
        Inference settings (see :class:`Predictor`).
    device, precision, threads, progress
        Resolved once into :class:`danq.runtime.InferenceSettings` (see
        :meth:`~danq.runtime.InferenceSettings.resolve`): ``threads`` 0 is all the CPUs this
        process may use, ``None`` leaves torch's setting alone; ``progress`` ``None`` draws a
        bar on stderr when it is a terminal.
    genome
        Reference FASTA the windows of a BED input are read from.

    Returns
    -------
    dict
        ``n_sequences``, ``n_adjusted`` (records cropped or padded), ``n_targets``,
        ``sequence_length``, ``format``, ``output``.
    """
    from danq.formats.sources import sequence_batches

    if batch_size <= 0:
        raise DanqError(f"--batch-size must be positive, got {batch_size}")
    to_stdout = output is None or str(output) == "-"
    fmt = _infer_format(None if to_stdout else output, fmt)
    if fmt == "h5" and to_stdout:
        raise DanqError("--format h5 needs an output file (-o PATH); stdout takes TSV only")
    settings = InferenceSettings.resolve(device, precision, threads, progress)
    predictor = load_predictor(model, settings, rc_average=rc_average)
    show = settings.progress
    counts: dict[str, int] = {}
    reference = None
    if genome is not None:
        from danq.sequence.genome import Genome

        reference = Genome(genome)
    batches = sequence_batches(fasta, predictor.sequence_length, batch_size, counts,
                               genome=reference)
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
        with atomic_path(output, seekable=fmt == "h5") as tmp:  # type: ignore[arg-type]
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
        "precision": settings.describe_precision(),
    }
