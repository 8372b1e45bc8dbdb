"""Attributions: ``danq attribute`` and the ``danq.attribute`` Python API.

A method of :mod:`danq.interpret.methods` explains each selected target's **logit** (not the
probability; forward strand, no reverse-complement averaging) for every sequence, in batches. Every
method gives ``attributions`` ``(N, T, 4, L)`` float32, the contribution of the observed base (zero
at the three absent bases, and at N); most also give ``hypothetical`` (every base's contribution,
for TF-MoDISco) and ISM gives ``ism`` (Δlogit of each substitution). Sequences must have the
model's length: an attribution is about your bases, so nothing is cropped or padded. N (and other
ambiguity codes) are all-zero one-hot columns, as everywhere in danq.

``danq attribute`` streams them into ``OUTDIR/attributions.h5`` (:class:`AttributionWriter`) with
``tokens``, ``names``, ``target_names``, ``targets`` and the settings as attributes; the folder is
staged and published whole.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

import numpy as np

from danq.errors import DanqError
from danq.interpret.methods import METHODS, Method, get_method

#: Sequences per batch (ISM: mutant sequences per forward call; IG: path points per call).
DEFAULT_BATCH_SIZE = 128
#: Attributions default to fp32: they are small differences that bf16 can flip.
DEFAULT_PRECISION = "fp32"
#: The file ``danq attribute`` writes into its output folder.
ATTRIBUTIONS_FILE = "attributions.h5"
#: Memory for the arrays of one chunk of sequences (see :func:`rows_per_chunk`).
CHUNK_BYTES = 256 * 2**20
#: Datasets every method writes besides its arrays.
ARRAY_DATASETS = ("attributions", "hypothetical", "ism")
#: With a truth file: attribution accuracy per target (:mod:`danq.interpret.ground_truth`).
ACCURACY_FILE = "accuracy.tsv"


@dataclass
class Attributions:
    """What a method computed for N sequences and T targets (arrays, in input order).

    Attributes
    ----------
    attributions
        ``(N, T, 4, L)`` float32: the observed base's contribution to each target's logit.
    hypothetical
        ``(N, T, 4, L)`` float32 contribution of every base, or ``None`` (see the method's module).
    ism
        ISM only: ``(N, T, 4, L)`` logit(base b at i) − logit(sequence), 0 at the reference base.
    tokens
        ``(N, L)`` uint8 (A,C,G,T,N = 0..4).
    names, target_names, targets
        Sequence names, the selected targets' names and their 0-based model indices.
    method, settings
        The method's name and its settings (as written to the HDF5 attributes).
    """

    attributions: np.ndarray
    hypothetical: np.ndarray | None
    ism: np.ndarray | None
    tokens: np.ndarray
    names: list[str]
    target_names: list[str]
    targets: np.ndarray
    method: str
    settings: dict[str, Any] = field(default_factory=dict)


def method_options(method: Method, batch_size: int, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The method's defaults with ``overrides`` (``None`` values ignored) and the batch size; a
    setting the method does not take is a one-line error."""
    if batch_size < 1:
        raise DanqError(f"--batch-size must be positive, got {batch_size}")
    options = dict(method.defaults)
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in options:
            raise DanqError(f"--method {method.name} takes no setting {key!r} "
                            f"(its settings: {', '.join(method.defaults) or 'none'})")
        options[key] = value
    for key in ("n_steps", "n_shuffles"):
        if key in options and int(options[key]) < 1:
            raise DanqError(f"{key} must be at least 1, got {options[key]}")
    options["batch_size"] = int(batch_size)
    return options


def check_method(method: Method, predictor: Any) -> None:
    """Refuse, before any input is read, a method that cannot explain this model or precision."""
    refuse = getattr(method.implementation(), "refuse", None)
    reason = refuse(predictor.model) if refuse is not None else None
    if reason is not None:
        raise DanqError(f"--method {method.name}: {reason}")
    if predictor.precision == "int8" and method.name != "ism":
        raise DanqError(f"--method {method.name}: needs gradients, which --precision int8 (a "
                        "quantized model) does not give; use fp32")


def run_batch(method: Method, predictor: Any, tokens: np.ndarray, targets: np.ndarray,
              options: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The method's arrays for one batch of token rows, float32 ``(B, T, 4, L)`` each."""
    out = method.implementation().run(predictor, tokens, targets, options)
    return {name: np.asarray(value, dtype=np.float32) for name, value in out.items()}


def rows_per_chunk(batch_size: int, n_targets: int, length: int, n_arrays: int = 3) -> int:
    """Sequences explained together: ``batch_size``, fewer when their ``(T, 4, L)`` float32 arrays
    would pass :data:`CHUNK_BYTES` (919 targets x 1 kb is 15 MB per sequence and array)."""
    per_row = max(1, n_targets * 4 * length * 4 * n_arrays)
    return max(1, min(batch_size, CHUNK_BYTES // per_row))


def batches_of_length(
    records: Iterable[tuple[str, np.ndarray]], length: int, batch_size: int, where: str
) -> Iterator[tuple[list[str], np.ndarray]]:
    """``(names, tokens (B, L))`` batches; a record of another length than ``length`` is a one-line
    error (attributions are not cropped or padded)."""
    names: list[str] = []
    rows: list[np.ndarray] = []
    for name, tokens in records:
        if tokens.shape[0] != length:
            raise DanqError(f"{where}: sequence '{name}' is {tokens.shape[0]} bp but the model takes "
                            f"{length} bp; attributions need sequences of exactly the model's length")
        names.append(name)
        rows.append(np.asarray(tokens, dtype=np.uint8))
        if len(rows) == batch_size:
            yield names, np.stack(rows)
            names, rows = [], []
    if rows:
        yield names, np.stack(rows)


def selected_targets(predictor: Any, spec: str | Sequence[Any] | None) -> np.ndarray:
    """0-based indices picked by a ``--targets`` spec (:func:`danq.formats.targets.select_targets`)."""
    from danq.formats.targets import select_targets

    names = predictor.target_names
    categories = predictor.target_categories or [""] * len(names)
    return select_targets(spec, names, categories)


def settings_attrs(method: Method, options: Mapping[str, Any], predictor: Any) -> dict[str, Any]:
    """The HDF5 attributes that say how the attributions were made."""
    attrs: dict[str, Any] = {
        "method": method.name,
        "method_summary": method.summary,
        "output": "logit",
        "rc_average": False,
        "precision": predictor.settings.describe_precision(),
        "model": predictor.source,
        "sequence_length": predictor.sequence_length,
        "alphabet": "ACGT",
    }
    attrs.update({key: value for key, value in options.items()})
    return attrs


# --------------------------------------------------------------------------------------------------
# Python API
# --------------------------------------------------------------------------------------------------


def _tokens_of(sequences: Sequence[str] | np.ndarray | Any) -> tuple[np.ndarray | list, list[str]]:
    """Token rows (or a list of rows) and names for the API's inputs."""
    from danq.encoders import one_hot_to_tokens, to_tokens

    if isinstance(sequences, str):
        raise DanqError("sequences: expected a list of sequences, got one string")
    if hasattr(sequences, "shape"):
        array = np.asarray(sequences.detach().cpu() if hasattr(sequences, "detach") else sequences)
        if array.ndim == 3 and array.shape[1] == 4:  # one-hot (N, 4, L): argmax, all-zero -> N
            tokens = one_hot_to_tokens(array)
        elif array.ndim == 2:
            tokens = array.astype(np.uint8)
            if tokens.size and tokens.max() > 4:
                raise DanqError("sequences: token rows must hold 0..4 (A,C,G,T,N)")
        else:
            raise DanqError(f"sequences: expected (N, L) tokens or a (N, 4, L) one-hot array, got "
                            f"shape {array.shape}")
        return tokens, [f"seq{i}" for i in range(len(tokens))]
    rows = []
    for i, seq in enumerate(sequences):
        try:
            rows.append(to_tokens(str(seq)))
        except ValueError as exc:
            raise DanqError(f"sequences[{i}]: {exc}") from None
    return rows, [f"seq{i}" for i in range(len(rows))]


def attribute(
    model: Any,
    sequences: Sequence[str] | np.ndarray | Any,
    method: str = "ism",
    *,
    targets: str | Sequence[Any] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = None,
    precision: str = DEFAULT_PRECISION,
    n_steps: int | None = None,
    n_shuffles: int | None = None,
    seed: int | None = None,
) -> Attributions:
    """Explain a model's logits for sequences of its length, base by base.

    Parameters
    ----------
    model
        ``nn.Module`` returning logits, or a checkpoint path.
    sequences
        DNA strings (N and IUPAC codes are all-zero columns), ``(N, L)`` uint8 tokens or a
        ``(N, 4, L)`` one-hot array; every sequence must have the model's length.
    method
        ``"ism"``, ``"saliency"``, ``"ig"`` or ``"deeplift-shap"`` (not for models with an LSTM:
        DanQ is refused with a reason naming ISM and IG).
    targets
        A ``--targets`` spec (names, 0-based indices, categories, regular expressions) or ``None``
        for all.
    batch_size
        Sequences (ISM: mutants; IG: path points; DeepLIFT/SHAP: sequence–reference pairs) per
        forward call.
    device, precision
        Where and how the model runs; fp32 by default (``"bf16"``/``"fp16"`` autocast).
    n_steps, n_shuffles, seed
        IG's quadrature points (50); DeepLIFT/SHAP's number of dinucleotide-shuffled references
        (20) and their seed (0).

    Returns
    -------
    Attributions
        ``attributions`` ``(N, T, 4, L)`` float32 (observed base), ``hypothetical``, ``ism`` (ISM),
        ``tokens``, ``names``, ``target_names``, ``targets``, ``settings``.

    Examples
    --------
    >>> import danq
    >>> from danq.models import DanQ
    >>> model = DanQ(sequence_length=40, n_targets=3, conv_channels=6, conv_width=5, pool_size=4,
    ...              lstm_hidden=4, dense_hidden=8)
    >>> result = danq.attribute(model, ["AAACCGTTGA" * 4], method="ism", targets="0,2")
    >>> result.attributions.shape, result.ism.shape, result.target_names
    ((1, 2, 4, 40), (1, 2, 4, 40), ['target_0', 'target_2'])

    ``ism[n, t, b, i]`` is the change of the logit when base b replaces position i (here A -> C at
    position 0), as a prediction of the mutated sequence says:

    >>> import numpy as np
    >>> mutant = "C" + ("AAACCGTTGA" * 4)[1:]
    >>> p = danq.predict(model, ["AAACCGTTGA" * 4, mutant], rc_average=False, precision="fp32")
    >>> logits = np.log(p / (1 - p))
    >>> bool(np.allclose(result.ism[0, :, 1, 0], (logits[1] - logits[0])[[0, 2]], atol=1e-4))
    True
    """
    from danq.inference.predictor import load_predictor

    chosen = get_method(method)
    options = method_options(chosen, batch_size,
                             {"n_steps": n_steps, "n_shuffles": n_shuffles, "seed": seed})
    was_training = bool(getattr(model, "training", False))
    predictor = load_predictor(model, device=device, precision=precision, rc_average=False)
    try:
        check_method(chosen, predictor)
        picked = selected_targets(predictor, targets)
        rows, names = _tokens_of(sequences)
        parts: dict[str, list[np.ndarray]] = {}
        token_parts = []
        chunk = rows_per_chunk(batch_size, len(picked), predictor.sequence_length)
        for _, tokens in batches_of_length(zip(names, rows, strict=True),
                                           predictor.sequence_length, chunk, "sequences"):
            for key, value in run_batch(chosen, predictor, tokens, picked, options).items():
                parts.setdefault(key, []).append(value)
            token_parts.append(tokens)
    finally:
        predictor.model.train(was_training)
    length, n_targets = predictor.sequence_length, len(picked)
    empty = np.zeros((0, n_targets, 4, length), dtype=np.float32)
    arrays = {key: np.concatenate(value) for key, value in parts.items()}
    return Attributions(
        attributions=arrays.get("attributions", empty),
        hypothetical=arrays.get("hypothetical"),
        ism=arrays.get("ism"),
        tokens=np.concatenate(token_parts) if token_parts else np.zeros((0, length), np.uint8),
        names=names,
        target_names=[predictor.target_names[i] for i in picked],
        targets=picked,
        method=chosen.name,
        settings=settings_attrs(chosen, options, predictor),
    )


# --------------------------------------------------------------------------------------------------
# The `danq attribute` stage
# --------------------------------------------------------------------------------------------------


class AttributionWriter:
    """``attributions.h5``, grown batch by batch (one row per sequence) through danq's one
    appendable HDF5 writer; ``close`` sets the settings as file attributes."""

    def __init__(self, path: str | os.PathLike[str], datasets: Sequence[str], n_targets: int,
                 length: int, target_names: Sequence[str], targets: np.ndarray) -> None:
        import h5py

        from danq.io.hdf5 import AppendableH5, h5_writes

        self.h5 = AppendableH5(path)
        self.datasets = tuple(datasets)
        self.h5.add("tokens", (length,), np.uint8, chunk_rows=256, compression="gzip")
        self.h5.add("names", (), h5py.string_dtype(), chunk_rows=256)
        for name in self.datasets:  # one chunk per sequence and target: either axis reads fast
            self.h5.add(name, (n_targets, 4, length), np.float32, chunk_rows=1,
                        chunk_tail=(1, 4, length), compression="gzip", compression_opts=1,
                        shuffle=True)
        with h5_writes(self.h5.file):
            self.h5.file.create_dataset("target_names", data=np.asarray(list(target_names),
                                                                        dtype=object),
                                        dtype=h5py.string_dtype())
            self.h5.file.create_dataset("targets", data=np.asarray(targets, dtype=np.int64))

    def append(self, names: list[str], tokens: np.ndarray, arrays: Mapping[str, np.ndarray]) -> None:
        self.h5.append({"names": names, "tokens": tokens,
                        **{name: arrays[name] for name in self.datasets}})

    def close(self, attrs: Mapping[str, Any]) -> None:
        self.h5.close(attrs)


def _records(path: str | os.PathLike[str], length: int, genome: Any) -> Iterable[tuple[str, np.ndarray]]:
    """``(name, tokens)`` of a FASTA file, a danq HDF5 dataset or BED + genome (not fitted)."""
    from danq.formats.sources import bed_records, dataset_records, is_bed, is_hdf5
    from danq.sequence.fasta import read_fasta_tokens

    if is_hdf5(path):
        return dataset_records(path)
    if is_bed(path):
        if genome is None:
            raise DanqError(f"{path}: a BED file needs --genome to read its sequences from")
        return bed_records(path, genome, length)
    return read_fasta_tokens(path)


def attribute_file(
    sequences: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    model: Any = None,
    method: str = "ism",
    targets: str | None = None,
    genome: str | os.PathLike[str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = "auto",
    precision: str = DEFAULT_PRECISION,
    threads: int | None = None,
    progress: bool | None = None,
    plot: int = 0,
    sites: Mapping[str, Sequence[tuple[int, int, str]]] | None = None,
    options: Mapping[str, Any] | None = None,
    limit: int | None = None,
    truth: str | os.PathLike[str] | None = None,
    incremental: bool = True,
) -> dict[str, Any]:
    """The ``danq attribute`` stage: ``OUTDIR/attributions.h5`` (and ``logos/`` with ``plot``).

    Parameters
    ----------
    sequences
        FASTA (plain, gzip or ``-``), a danq HDF5 dataset, or BED with ``genome`` (the window of the
        model's length centred on each interval, as ``danq predict --genome`` reads it).
    outdir
        Output folder, staged and published whole.
    plot, sites
        Logos of the ``plot`` highest-scoring windows per target; ``sites`` (sequence name ->
        ``(start, end, label)``) marks planted or known motifs on them.
    options
        Method settings (``n_steps``, ``n_shuffles``, ``seed``); ``None`` values keep the defaults.
    limit
        Explain only the first ``limit`` sequences (``None``: all).
    truth
        A ``danq simulate`` truth.json holding the sequences: also write ``accuracy.tsv``, the
        attribution AUROC per target on the planted instances
        (:func:`danq.interpret.ground_truth.accuracy_table`).
    incremental
        ISM: score the mutants from the reference's saved activations where the model has a rule
        (:mod:`danq.inference.incremental`); ``False`` runs every mutant through the full model.

    Returns
    -------
    dict
        ``n_sequences``, ``n_targets``, ``method``, ``precision``, ``output``, ``logos``,
        ``accuracy`` (the table's path, or ``None``).
    """
    from tqdm import tqdm

    from danq.inference.predictor import load_predictor
    from danq.io import atomic_directory
    from danq.runtime import InferenceSettings

    chosen = get_method(method)
    options = method_options(chosen, batch_size, options or {})
    if plot < 0 or (limit is not None and limit < 1):
        raise DanqError(f"--plot {plot}: must be 0 (no logos) or more" if plot < 0
                        else f"--limit {limit}: must be at least 1")
    settings = InferenceSettings.resolve(device, precision, threads, progress)
    predictor = load_predictor(model, settings, rc_average=False, incremental=incremental)
    check_method(chosen, predictor)
    picked = selected_targets(predictor, targets)
    reference = None
    if genome is not None:
        from danq.sequence.genome import Genome

        reference = Genome(genome)
    where = "<stdin>" if str(sequences) == "-" else str(sequences)
    chunk = rows_per_chunk(batch_size, len(picked), predictor.sequence_length)
    records = islice(_records(sequences, predictor.sequence_length, reference), limit)
    batches = batches_of_length(records, predictor.sequence_length, chunk, where)
    first = next(batches, None)  # read (and check) the first batch before writing anything
    if first is None:
        raise DanqError(f"{where}: no sequences to explain")
    datasets = ("attributions", *(d for d in chosen.datasets if d != "attributions"))
    n = 0
    logos: list[str] = []
    with atomic_directory(outdir) as stage:
        writer = AttributionWriter(stage / ATTRIBUTIONS_FILE, datasets, len(picked),
                                   predictor.sequence_length,
                                   [predictor.target_names[i] for i in picked], picked)
        try:
            with tqdm(desc=f"attribute ({chosen.name})", unit=" seq", disable=not settings.progress,
                      file=sys.stderr, mininterval=1) as bar:
                for names, tokens in chain([first], batches):
                    arrays = run_batch(chosen, predictor, tokens, picked, options)
                    writer.append(names, tokens, arrays)
                    n += len(names)
                    bar.update(len(names))
        finally:
            writer.close({**settings_attrs(chosen, options, predictor), "source": where})
        if plot:
            from danq.interpret.logos import write_attribution_logos

            written = write_attribution_logos(stage / ATTRIBUTIONS_FILE, stage / "logos", plot,
                                              sites=sites)
            logos = [str(Path(outdir) / "logos" / p.name) for p in written]
        if truth is not None:
            from danq.interpret.ground_truth import accuracy_table

            table = accuracy_table(stage / ATTRIBUTIONS_FILE, truth)
            table.to_csv(stage / ACCURACY_FILE, sep="\t", index=False, float_format="%.4f")
    return {"n_sequences": n, "n_targets": len(picked), "method": chosen.name,
            "precision": settings.describe_precision(),
            "output": str(Path(outdir) / ATTRIBUTIONS_FILE), "logos": logos,
            "accuracy": None if truth is None else str(Path(outdir) / ACCURACY_FILE)}


__all__ = ["ACCURACY_FILE", "ATTRIBUTIONS_FILE", "METHODS", "Attributions", "attribute", "attribute_file"]
