"""Prediction: the ``danq predict`` stage and the ``danq.predict`` Python API.

* :func:`predict` is the Python API (``danq.predict(model, sequences)``).
* :func:`predict_fasta` is the ``danq predict`` stage: FASTA in (plain, gzip, ``-``), one row per record
  out (TSV or HDF5), streamed batch by batch so memory does not grow with the number of sequences;
  BED intervals (``--genome``) and tiles over genome regions (``--tile``, :mod:`danq.inference.tiling`)
  carry their coordinates, and tiles can be written as genome-browser tracks (bigWig or bedGraph,
  one per target, :mod:`danq.formats.tracks`).

Models run through :class:`danq.inference.predictor.Predictor`; the output files are written and read by
:mod:`danq.formats.predictions` and :mod:`danq.formats.tracks`.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from danq.encoders import fit_one_hot, fit_tokens, to_tokens
from danq.errors import DanqError
from danq.formats.predictions import H5PredictionWriter, TsvPredictionWriter
from danq.formats.sources import SequenceBatch, is_bed
from danq.formats.targets import select_targets
from danq.formats.tracks import TRACK_FORMATS, TrackWriter, track_file_names, track_format_of
from danq.inference.predictor import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MODEL,
    DEFAULT_RC_AVERAGE,
    Predictor,
    load_predictor,
)
from danq.inference.tiling import LocatedBatch, bed_batches, read_regions, tile_batches
from danq.io import atomic_directory, atomic_path
from danq.runtime import DEFAULT_DEVICE, DEFAULT_PRECISION, InferenceSettings

__all__ = ["DEFAULT_MODEL", "DEFAULT_STEP", "FORMATS", "predict", "predict_fasta"]

FORMATS = ("tsv", "h5", *TRACK_FORMATS)
DEFAULT_STEP = 200
"""``--step`` of ``--tile``: DeepSEA's 200 bp bin."""
DEFAULT_TRACK_DIR = "tracks"
"""Where tracks go without ``-o``: one file per target in this folder."""
GZIP_LEVEL = 1
"""Compression level of ``.gz`` TSV outputs: the fastest (see :func:`_sink`)."""

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
# Inputs and outputs
# --------------------------------------------------------------------------------------------------


def _infer_format(output: str | os.PathLike[str] | None, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise DanqError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
        return fmt
    if output is None or str(output) == "-":
        return "tsv"
    if Path(output).suffix.lower() in (".h5", ".hdf5"):
        return "h5"
    return track_format_of(output) or "tsv"


def _batches(fasta: Any, genome: Any, tile: Any, step: int | None, length: int, batch_size: int,
             counts: dict[str, int]) -> Iterator[SequenceBatch]:
    """The input's batches: tiles over ``tile``, BED intervals + genome (both located), or records."""
    from danq.formats.sources import sequence_batches

    if tile is not None:
        if fasta is not None:
            raise DanqError(f"{fasta}: --tile reads its sequences from --genome; give no input file")
        if genome is None:
            raise DanqError("--tile needs --genome, the FASTA the tiles are read from")
        return tile_batches(genome, read_regions(tile, genome), length,
                            DEFAULT_STEP if step is None else step, batch_size, counts)
    if step is not None:
        raise DanqError("--step goes with --tile")
    if fasta is None:
        raise DanqError("no input: give a FASTA, dataset or BED file, or --tile with --genome")
    if genome is not None and is_bed(fasta):
        return bed_batches(fasta, genome, length, batch_size, counts)
    return sequence_batches(fasta, length, batch_size, counts, genome=genome)


Emit = Callable[[np.ndarray, SequenceBatch], None]


def _table_emit(writer: TsvPredictionWriter | H5PredictionWriter, located: bool) -> Emit:
    def emit(probs: np.ndarray, batch: SequenceBatch) -> None:
        coords = None
        if located:
            assert isinstance(batch, LocatedBatch)
            coords = (batch.chroms, batch.starts, batch.ends)
        writer.append(probs, batch.names, coordinates=coords)
    return emit


@contextlib.contextmanager
def _track_sink(output: Any, fmt: str, genome: Any, names: list[str]) -> Iterator[Emit]:
    """Tracks, one per target: ``output`` is the file when named like ``fmt`` (one target only),
    else a folder of ``<target>.bw`` / ``<target>.bedGraph`` files (published whole)."""
    sizes = list(genome.lengths.items())

    def emit_to(writer: TrackWriter) -> Emit:
        def emit(probs: np.ndarray, batch: SequenceBatch) -> None:
            assert isinstance(batch, LocatedBatch)
            writer.append(batch.chroms, batch.starts, batch.ends, probs)
        return emit

    named = track_format_of(output)
    if named not in (None, fmt):
        raise DanqError(f"{output}: named like a {named} file, but the format is {fmt}")
    if named == fmt:
        if len(names) != 1:
            raise DanqError(f"{output}: one {fmt} file holds one target, {len(names)} are selected; "
                            "select one with --targets, or give a folder (-o DIR) for one file "
                            "per target")
        with atomic_path(output, seekable=fmt == "bigwig") as tmp:
            writer = TrackWriter([tmp], fmt, sizes, names)
            try:
                yield emit_to(writer)
            finally:
                writer.close()
        return
    with atomic_directory(output) as stage:
        writer = TrackWriter([stage / n for n in track_file_names(names, fmt)], fmt, sizes, names)
        try:
            yield emit_to(writer)
        finally:
            writer.close()


@contextlib.contextmanager
def _sink(output: Any, fmt: str, predictor: Predictor, columns: np.ndarray, located: bool,
          attrs: dict[str, Any], genome: Any, stdout: IO[str] | None) -> Iterator[Emit]:
    """A function writing each batch's probabilities (only ``columns``) to the output."""
    names = [predictor.target_names[i] for i in columns]
    categories = [predictor.target_categories[i] for i in columns]
    if fmt in TRACK_FORMATS:
        with _track_sink(output, fmt, genome, names) as emit:
            yield emit
        return
    if output is None or str(output) == "-":
        writer: TsvPredictionWriter | H5PredictionWriter = TsvPredictionWriter(
            stdout if stdout is not None else sys.stdout, names, with_coordinates=located)
        try:
            yield _table_emit(writer, located)
        finally:
            writer.close()
        return
    with atomic_path(output, seekable=fmt == "h5") as tmp:
        if fmt == "h5":
            writer = H5PredictionWriter(tmp, names, categories, attrs=attrs, with_coordinates=located,
                                        chunk_rows=max(256, int(attrs.get("batch_size", 256))))
            try:
                yield _table_emit(writer, located)
            finally:
                writer.close()
            return
        # gzip level 1: 0.5 s for a 2,000 x 919 table where level 9 (gzip.open's default) took
        # 18 s, against under 1 s for the rest of a small model's run, for a file 21 % smaller
        opener = functools.partial(gzip.open, compresslevel=GZIP_LEVEL) if str(output).endswith(
            ".gz") else open
        with opener(tmp, "wt", encoding="utf-8", newline="\n") as handle:  # type: ignore[operator]
            writer = TsvPredictionWriter(handle, names, with_coordinates=located)
            try:
                yield _table_emit(writer, located)
            finally:
                writer.close()


# --------------------------------------------------------------------------------------------------
# The `danq predict` stage
# --------------------------------------------------------------------------------------------------


def _run_batches(predictor: Predictor, batches: Iterable[SequenceBatch], emit: Emit,
                 columns: np.ndarray | None, progress: bool) -> None:
    from tqdm import tqdm

    with tqdm(desc="predict", unit=" seq", disable=not progress, file=sys.stderr, mininterval=1) as bar:
        for batch in batches:
            probs = predictor.from_tokens(batch.tokens)
            emit(probs if columns is None else probs[:, columns], batch)
            bar.update(len(batch.names))


def predict_fasta(
    fasta: str | os.PathLike[str] | None,
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
    tile: str | os.PathLike[str] | None = None,
    step: int | None = None,
    targets: str | Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Predict every record of a FASTA file (or dataset, or BED + genome, or tiles over genome
    regions) and write one row per record, in input order (or one track per target).

    Parameters
    ----------
    fasta
        FASTA path (plain or gzip, detected by content) or ``"-"`` for stdin; a danq HDF5 dataset;
        or a BED file with ``genome`` (see :mod:`danq.formats.sources`): rows then start with the
        interval's ``chrom``, ``start``, ``end`` as given. ``None`` with ``tile``.
    output
        Output path, written atomically; ``None`` or ``"-"`` writes TSV to ``stdout``.
        A TSV path ending in ``.gz`` is gzip-compressed. Tracks: a ``.bw``/``.bedGraph`` file
        (one target) or a folder with one file per target, named by target (``None``:
        :data:`DEFAULT_TRACK_DIR`).
    model
        Checkpoint path or ``nn.Module``; ``None`` uses :data:`DEFAULT_MODEL`.
    fmt
        ``"tsv"``, ``"h5"``, ``"bigwig"`` or ``"bedgraph"``; ``None`` picks by the output's suffix
        (``.h5``/``.hdf5``, ``.bw``/``.bigWig``, ``.bedGraph``/``.bg``), else TSV. Tracks need
        ``tile``.
    rc_average, batch_size
        Inference settings (see :class:`Predictor`).
    device, precision, threads, progress
        Resolved once into :class:`danq.runtime.InferenceSettings` (see
        :meth:`~danq.runtime.InferenceSettings.resolve`): ``threads`` 0 is all the CPUs this
        process may use, ``None`` leaves torch's setting alone; ``progress`` ``None`` draws a
        bar on stderr when it is a terminal.
    genome
        Reference FASTA the windows of a BED input or of ``tile`` are read from; its ``.fai``
        gives the tracks' chromosome sizes.
    tile, step
        A region (``chr22``, ``chr22:1,000,001-2,000,000``, 1-based inclusive) or a BED file of
        regions, scored in bins of ``step`` bp (default :data:`DEFAULT_STEP`), each by the
        model-length window centred on it; bins whose window does not fit in the chromosome are
        skipped (:mod:`danq.inference.tiling`).
    targets
        Targets to write (:func:`danq.formats.targets.select_targets`); ``None``: all.

    Returns
    -------
    dict
        ``n_sequences``, ``n_adjusted`` (records cropped or padded), ``n_skipped`` (tiles past a
        chromosome end), ``n_targets`` (written), ``sequence_length``, ``format``, ``output``,
        ``precision``.
    """
    if batch_size <= 0:
        raise DanqError(f"--batch-size must be positive, got {batch_size}")
    to_stdout = output is None or str(output) == "-"
    fmt = _infer_format(None if to_stdout else output, fmt)
    if fmt in TRACK_FORMATS and output is None:
        output, to_stdout = DEFAULT_TRACK_DIR, False
    if fmt == "h5" and to_stdout:
        raise DanqError("--format h5 needs an output file (-o PATH); stdout takes TSV only")
    if fmt in TRACK_FORMATS and (to_stdout or tile is None):
        raise DanqError(f"--format {fmt} needs --tile (sorted, disjoint bins) and a file or folder "
                        "to write (-o FILE or -o DIR; not stdout)")
    settings = InferenceSettings.resolve(device, precision, threads, progress)
    predictor = load_predictor(model, settings, rc_average=rc_average)
    columns = select_targets(targets, predictor.target_names, predictor.target_categories)
    counts: dict[str, int] = {}
    with contextlib.ExitStack() as stack:
        reference = None
        if genome is not None:
            from danq.sequence.genome import Genome

            reference = stack.enter_context(Genome(genome))
        located = tile is not None or (reference is not None and fasta is not None and is_bed(fasta))
        batches = _batches(fasta, reference, tile, step, predictor.sequence_length, batch_size,
                           counts)
        # Read the first batch before writing anything, so a bad input leaves stdout empty.
        first = next(batches, None)
        batches = itertools.chain([first] if first is not None else [], batches)
        attrs = {"model": predictor.source, "rc_average": rc_average,
                 "sequence_length": predictor.sequence_length,
                 "source": str(fasta if tile is None else tile), "batch_size": batch_size}
        if tile is not None:
            attrs["step"] = DEFAULT_STEP if step is None else step
        emit = stack.enter_context(
            _sink(output, fmt, predictor, columns, located, attrs, reference, stdout))
        everything = len(columns) == predictor.n_targets
        _run_batches(predictor, batches, emit, None if everything else columns, settings.progress)
    return {
        "n_sequences": counts.get("n_sequences", 0),
        "n_adjusted": counts.get("n_adjusted", 0),
        "n_skipped": counts.get("n_skipped", 0),
        "n_targets": len(columns),
        "sequence_length": predictor.sequence_length,
        "format": fmt,
        "output": "-" if to_stdout else str(output),
        "precision": settings.describe_precision(),
    }
