"""Variant effects: how a model's predictions change when a variant replaces the reference allele.

For each variant (VCF, VCF.gz or a simple TSV) danq builds two windows of the model's input
length ``L`` from the reference genome and scores both in the same forward call:

* **Window convention** (DeepSEA's server, ExPecto, Selene, Kipoi): the variant's first REF base sits
  at 0-based index ``L // 2 - 1`` (499 for 1 kb). The left flank is the same in both windows.
* **Reference window**: the genome with the VCF's REF written in at that index (so a REF that does
  not match the genome is scored as the VCF states it, as Selene does; ``ref_match`` says whether it
  matched).
* **Alternative window**: left flank, then ALT, then the genome after REF, cut at ``L``: an indel keeps
  the length ``L`` by taking more (deletion) or less (insertion) right flank from the genome.
* Windows running off a chromosome end are N-padded; the ``padded`` column counts the N bases.

Scores per variant and target (``p`` are sigmoid probabilities, reverse-complement averaged by
default as DeepSEA did): ``ref``, ``alt``, ``diff = alt - ref``, ``abs_diff``,
``logit_diff = logit(alt) - logit(ref)`` (natural log; probabilities clipped to
``[LOGIT_EPS, 1 - LOGIT_EPS]``) and ``deepsea_effect = |logit_diff| * |diff|`` (Kipoi's
``DeepSEA_effect``).

Significance (``background=N``): N random SNVs drawn from non-N genome positions (seeded) are scored
the same way; each variant gets, per target, the empirical p-value of its ``|logit_diff|`` against
the background's, ``(1 + #{background >= observed}) / (N + 1)``, plus the smallest p across targets
and that minimum Bonferroni-adjusted for the number of targets.

Output directory (``danq variant-effect``; written atomically, streamed in batches)::

    <score>.tsv          chrom, pos, id, ref, alt, ref_match, then one column per target
    pvalue.tsv           the same layout, empirical p-values (only with a background)
    significance.tsv     chrom, pos, id, ref, alt, ref_match, min_p, min_p_bonferroni, best_target
    skipped.tsv          chrom, pos, id, ref, alt, reason: every input variant not scored
    variant_effects.h5   /variants/{index,chrom,pos,id,ref,alt,strand,ref_match,padded}
                         /scores/<score> (N, T) float32, /pvalues (N, T), /min_p, /min_p_bonferroni,
                         /background_abs_logit_diff (Nb, T), /target_names, /target_categories,
                         /target_indices (into the model's outputs); attrs: format, settings
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from danq.encoders import N_TOKEN, reverse_complement_tokens, tokens_from_bytes
from danq.errors import DanqError
from danq.io import atomic_directory, is_gzip, open_text, require_file

PathLike = str | os.PathLike[str]

SCORES = ("ref", "alt", "diff", "abs_diff", "logit_diff", "deepsea_effect")
DEFAULT_SCORES = ("diff", "logit_diff")
MISMATCH_POLICIES = ("warn", "skip", "error")
LOGIT_EPS = 1e-6
"""Probabilities are clipped to ``[LOGIT_EPS, 1 - LOGIT_EPS]`` before the logit (float32-safe)."""
DEFAULT_BATCH_SIZE = 64
"""Variants per forward call: ``2 * batch`` windows, ``4 * batch`` rows with RC averaging."""
RESULTS_FORMAT = "danq-variant-effects"
RESULTS_FORMAT_VERSION = 1
VARIANT_COLUMNS = ("chrom", "pos", "id", "ref", "alt", "ref_match")
SKIPPED_COLUMNS = ("chrom", "pos", "id", "ref", "alt", "reason")
_ACGT = frozenset("ACGT")


# --------------------------------------------------------------------------------------------------
# Variants and why some are not scored
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One biallelic variant; ``pos`` is 1-based (VCF), alleles are on the + strand.

    ``strand="-"`` asks for both windows to be reverse-complemented before scoring (it matters only
    without reverse-complement averaging). ``index`` is the variant's rank in the input after
    multi-allelic records are split.
    """

    chrom: str
    pos: int
    ref: str
    alt: str
    id: str = "."
    strand: str = "+"
    index: int = 0


@dataclass(frozen=True)
class Skipped:
    """A variant that was not scored, and why."""

    variant: Variant
    reason: str


def allele_problem(ref: str, alt: str) -> str | None:
    """Why a REF/ALT pair cannot be scored as sequence (None when it can).

    Symbolic alleles (``<DEL>``), breakends, the overlapping-deletion ``*``, missing alleles,
    ``N``/IUPAC letters and ALT equal to REF are all reasons to skip.
    """
    if not alt or alt == ".":
        return "no ALT allele"
    if alt == "*":
        return "ALT '*' (allele of an overlapping deletion) is not a sequence"
    if alt.startswith("<") or "[" in alt or "]" in alt or alt.startswith(".") or alt.endswith("."):
        return f"symbolic ALT allele {alt}"
    if not ref or ref == ".":
        return "no REF allele"
    if not set(ref) <= _ACGT:
        return "REF contains N" if "N" in ref else f"REF {ref} has letters other than A, C, G, T"
    if not set(alt) <= _ACGT:
        return "ALT contains N" if "N" in alt else f"ALT {alt} has letters other than A, C, G, T"
    if alt == ref:
        return "ALT equals REF"
    return None


# --------------------------------------------------------------------------------------------------
# Reading variants: VCF / VCF.gz (cyvcf2) or TSV
# --------------------------------------------------------------------------------------------------


def _first_bytes(path: Path, n: int = 64) -> bytes:
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rb") as handle:  # type: ignore[operator]
            return handle.read(n)
    except (OSError, EOFError) as exc:
        raise DanqError(f"{path}: cannot read the variants file ({exc})") from None


def is_vcf(path: PathLike) -> bool:
    """True when the file (plain or gzip) starts with a VCF ``##fileformat=VCF`` line."""
    return _first_bytes(Path(path)).startswith(b"##fileformat=VCF")


def _quiet_htslib() -> None:
    """Silence htslib's own stderr lines (danq reports problems itself, in one line)."""
    with contextlib.suppress(Exception):
        import ctypes

        from cyvcf2 import cyvcf2 as _module

        ctypes.CDLL(_module.__file__).hts_set_log_level(0)


def vcf_contigs(path: PathLike) -> list[str]:
    """Contig names declared in a VCF's header (empty when it declares none, or for a TSV)."""
    path = Path(path)
    if not is_vcf(path):
        return []
    import cyvcf2

    _quiet_htslib()
    try:
        reader = cyvcf2.VCF(str(path), lazy=True)
    except OSError as exc:
        raise DanqError(f"{path}: not a readable VCF ({exc})") from None
    try:
        return list(reader.seqnames)
    finally:
        reader.close()


def _split_alts(chrom: str, pos: int, vid: str, ref: str, alts: Sequence[str], strand: str,
                counter: list[int]) -> Iterator[Variant]:
    """One :class:`Variant` per ALT allele (multi-allelic records are split)."""
    for alt in alts or [""]:
        yield Variant(chrom, pos, ref.upper(), alt.upper() if not alt.startswith("<") else alt,
                      vid or ".", strand, counter[0])
        counter[0] += 1


def _read_vcf(path: Path) -> Iterator[Variant]:
    import cyvcf2

    _quiet_htslib()
    try:
        reader = cyvcf2.VCF(str(path), lazy=True)
    except OSError as exc:
        raise DanqError(f"{path}: not a readable VCF ({exc})") from None
    counter = [0]
    n_records = 0
    try:
        iterator = iter(reader)
        while True:
            try:
                record = next(iterator)
            except StopIteration:
                break
            except Exception as exc:  # htslib's parse failure
                detail = " ".join(str(exc).split())
                detail = detail.split("]", 1)[-1].strip() if "[E::" in detail else detail
                raise DanqError(
                    f"{path}: malformed VCF record after {n_records} good records: {detail}"
                ) from None
            n_records += 1
            yield from _split_alts(record.CHROM, int(record.POS), record.ID or ".",
                                   record.REF or "", list(record.ALT), "+", counter)
    finally:
        reader.close()


_TSV_HEADER_NAMES = {"chrom", "#chrom", "chr", "chromosome", "#chr"}


def _read_tsv(path: Path) -> Iterator[Variant]:
    """``chrom, pos, ref, alt[, id][, strand]`` rows; ``#`` lines and a ``chrom`` header skipped."""
    counter = [0]
    with open_text(path) as handle:
        for lineno, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            fields = line.split("\t")
            if fields[0].lower() in _TSV_HEADER_NAMES:
                continue
            if line.startswith("#"):
                continue
            if len(fields) < 4:
                raise DanqError(
                    f"{path}:{lineno}: expected tab-separated chrom, pos, ref, alt[, id][, strand]; "
                    f"got {len(fields)} field(s)"
                )
            chrom, pos_text, ref, alt = (f.strip() for f in fields[:4])
            try:
                pos = int(pos_text)
            except ValueError:
                raise DanqError(f"{path}:{lineno}: position {pos_text!r} is not an integer") from None
            vid = fields[4].strip() if len(fields) > 4 and fields[4].strip() else "."
            strand = fields[5].strip() if len(fields) > 5 and fields[5].strip() else "+"
            if strand not in ("+", "-", "."):
                raise DanqError(f"{path}:{lineno}: strand {strand!r} is not +, - or .")
            yield from _split_alts(chrom, pos, vid, ref, alt.split(","), strand.replace(".", "+"),
                                   counter)


def read_variants(path: PathLike) -> Iterator[Variant]:
    """Variants of a VCF/VCF.gz (by content) or a TSV, one per ALT allele, in input order."""
    p = require_file(path, "variants file")
    return _read_vcf(p) if is_vcf(p) else _read_tsv(p)


def variants_from(source: Any) -> Iterator[Variant]:
    """Variants from a path, a DataFrame (chrom, pos, ref, alt[, id][, strand]) or an iterable.

    An iterable may hold :class:`Variant` objects or ``(chrom, pos, ref, alt[, id])`` tuples.
    """
    if isinstance(source, (str, os.PathLike)):
        yield from read_variants(source)
        return
    counter = [0]
    if hasattr(source, "itertuples") and hasattr(source, "columns"):
        missing = {"chrom", "pos", "ref", "alt"} - set(source.columns)
        if missing:
            raise DanqError(f"variants table lacks column(s): {', '.join(sorted(missing))}")
        for row in source.itertuples(index=False):
            row_dict = row._asdict()
            yield from _split_alts(
                str(row_dict["chrom"]), int(row_dict["pos"]), str(row_dict.get("id", ".") or "."),
                str(row_dict["ref"]), str(row_dict["alt"]).split(","),
                str(row_dict.get("strand", "+") or "+"), counter,
            )
        return
    for item in source:
        if isinstance(item, Variant):
            yield Variant(item.chrom, item.pos, item.ref, item.alt, item.id, item.strand, counter[0])
            counter[0] += 1
        else:
            chrom, pos, ref, alt, *rest = item
            vid = str(rest[0]) if rest else "."
            yield from _split_alts(str(chrom), int(pos), vid, str(ref), str(alt).split(","), "+",
                                   counter)


# --------------------------------------------------------------------------------------------------
# Windows
# --------------------------------------------------------------------------------------------------


def center_index(length: int) -> int:
    """0-based index of the variant's first REF base in a window of ``length`` (499 for 1,000)."""
    return length // 2 - 1


def _tokens(allele: str) -> np.ndarray:
    return tokens_from_bytes(allele.encode("ascii"))


@dataclass
class Windows:
    """The reference and alternative windows of one variant."""

    ref: np.ndarray  # (L,) uint8
    alt: np.ndarray  # (L,) uint8
    ref_match: bool
    padded: int  # N bases added past a chromosome end
    genome_ref: str  # the genome's bases where the VCF says REF


class WindowBuilder:
    """Build reference/alternative token windows of one length from a genome.

    Parameters
    ----------
    genome
        A :class:`danq.sequence.genome.Genome`.
    length
        The model's input length ``L``.
    """

    def __init__(self, genome: Any, length: int) -> None:
        self.genome = genome
        self.length = int(length)
        self.center = center_index(self.length)
        if self.center < 0:
            raise DanqError(f"model input length {length} is too short for variant windows")

    def problem(self, variant: Variant) -> str | None:
        """Why this variant cannot be placed in a window (None when it can)."""
        reason = allele_problem(variant.ref, variant.alt)
        if reason:
            return reason
        name = self.genome.resolve(variant.chrom)
        if name is None:
            return f"unknown chromosome {variant.chrom}"
        size = self.genome.lengths[name]
        if size < self.length:
            return (f"chromosome {variant.chrom} ({size} bp) is shorter than the model's input "
                    f"({self.length} bp)")
        if variant.pos < 1 or variant.pos - 1 + len(variant.ref) > size:
            return f"position outside chromosome {variant.chrom} ({size} bp)"
        room = self.length - self.center
        if len(variant.ref) > room or len(variant.alt) > room:
            return f"allele longer than the {room} bp right of the window's variant position"
        return None

    def build(self, variant: Variant) -> Windows:
        """Windows for a variant that :meth:`problem` accepted."""
        n_ref, n_alt = len(variant.ref), len(variant.alt)
        start = variant.pos - 1 - self.center
        end = start + self.length + max(0, n_ref - n_alt)
        span = self.genome.fetch_tokens(variant.chrom, start, end)
        c = self.center
        ref_tokens = _tokens(variant.ref)
        genome_ref = span[c : c + n_ref]
        ref = span[: self.length].copy()
        ref[c : c + n_ref] = ref_tokens
        alt = np.empty(self.length, dtype=np.uint8)
        alt[:c] = span[:c]
        alt[c : c + n_alt] = _tokens(variant.alt)
        rest = self.length - c - n_alt
        alt[c + n_alt :] = span[c + n_ref : c + n_ref + rest]
        return Windows(
            ref=ref,
            alt=alt,
            ref_match=bool(np.array_equal(genome_ref, ref_tokens)),
            padded=self.genome.padding(variant.chrom, start, end),
            genome_ref="".join("ACGTN"[t] for t in genome_ref),
        )


# --------------------------------------------------------------------------------------------------
# Scores and targets
# --------------------------------------------------------------------------------------------------


def logit(p: np.ndarray, eps: float = LOGIT_EPS) -> np.ndarray:
    """Natural-log logit of probabilities clipped to ``[eps, 1 - eps]`` (float64 inside)."""
    q = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    return np.log(q) - np.log1p(-q)


def compute_scores(p_ref: np.ndarray, p_alt: np.ndarray, names: Iterable[str]) -> dict[str, np.ndarray]:
    """The requested scores (see :data:`SCORES`) from reference and alternative probabilities."""
    out: dict[str, np.ndarray] = {}
    diff = p_alt.astype(np.float64) - p_ref.astype(np.float64)
    logit_diff = None
    for name in names:
        if name == "ref":
            value = p_ref
        elif name == "alt":
            value = p_alt
        elif name == "diff":
            value = diff
        elif name == "abs_diff":
            value = np.abs(diff)
        elif name in ("logit_diff", "deepsea_effect"):
            if logit_diff is None:
                logit_diff = logit(p_alt) - logit(p_ref)
            value = logit_diff if name == "logit_diff" else np.abs(logit_diff) * np.abs(diff)
        else:
            raise DanqError(f"--scores: unknown score {name!r}; choose from {', '.join(SCORES)}")
        out[name] = np.asarray(value, dtype=np.float32)
    return out


def parse_scores(spec: str | Sequence[str] | None) -> list[str]:
    """``"diff,logit_diff"`` (or a list) to a checked, de-duplicated list of score names."""
    if spec is None:
        return list(DEFAULT_SCORES)
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    names: list[str] = []
    for item in (s.strip() for s in items):
        if not item:
            continue
        if item not in SCORES:
            raise DanqError(f"--scores: unknown score {item!r}; choose from {', '.join(SCORES)}")
        if item not in names:
            names.append(item)
    if not names:
        raise DanqError("--scores: no score named")
    return names


def select_targets(spec: str | Sequence[Any] | None, names: Sequence[str],
                   categories: Sequence[str]) -> np.ndarray:
    """0-based indices of the targets picked by ``spec``, in model order.

    ``spec`` is comma-separated (or a list); each item is a 0-based index, an exact target name, a
    category (every target of it), or else a regular expression searched in the names. An item that
    picks nothing is an error, so a typo never silently yields an empty output.
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return np.arange(len(names))
    items = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    chosen: set[int] = set()
    for item in items:
        if isinstance(item, (int, np.integer)) or (isinstance(item, str) and item.isdigit()):
            index = int(item)
            if not 0 <= index < len(names):
                raise DanqError(f"--targets: index {index} is outside 0..{len(names) - 1}")
            chosen.add(index)
            continue
        item = str(item)
        if not item:
            continue
        exact = [i for i, n in enumerate(names) if n == item]
        if not exact:
            exact = [i for i, c in enumerate(categories) if c == item]
        if not exact:
            try:
                pattern = re.compile(item)
            except re.error as exc:
                raise DanqError(f"--targets: {item!r} is no target, category or valid regex "
                                f"({exc})") from None
            exact = [i for i, n in enumerate(names) if pattern.search(n)]
        if not exact:
            raise DanqError(f"--targets: {item!r} matches no target name or category")
        chosen.update(exact)
    return np.array(sorted(chosen), dtype=np.int64)


# --------------------------------------------------------------------------------------------------
# Scoring in batches
# --------------------------------------------------------------------------------------------------


@dataclass
class ScoredBatch:
    """Probabilities of a batch of variants for the selected targets."""

    variants: list[Variant]
    ref_match: np.ndarray  # (B,) bool
    padded: np.ndarray  # (B,) int32
    p_ref: np.ndarray  # (B, T) float32
    p_alt: np.ndarray  # (B, T) float32


@dataclass
class Tally:
    """Counts gathered while scoring, for the summary line and the no-common-chromosome check."""

    n_input: int = 0
    n_scored: int = 0
    n_skipped: int = 0
    n_mismatch: int = 0
    n_padded: int = 0
    n_unknown_chrom: int = 0
    unknown_chroms: list[str] = field(default_factory=list)


def _score_batch(predictor: Any, windows: list[Windows], variants: list[Variant],
                 target_index: np.ndarray) -> ScoredBatch:
    b = len(windows)
    tokens = np.empty((2 * b, len(windows[0].ref)), dtype=np.uint8)
    for i, w in enumerate(windows):
        tokens[i] = w.ref
        tokens[b + i] = w.alt
    minus = np.array([v.strand == "-" for v in variants])
    if minus.any():
        both = np.concatenate([minus, minus])
        tokens[both] = reverse_complement_tokens(tokens[both])
    probs = predictor.from_tokens(tokens)  # ref and alt windows of the batch in one call
    probs = probs[:, target_index] if len(target_index) != probs.shape[1] else probs
    return ScoredBatch(
        variants=variants,
        ref_match=np.array([w.ref_match for w in windows], dtype=bool),
        padded=np.array([w.padded for w in windows], dtype=np.int32),
        p_ref=np.ascontiguousarray(probs[:b], dtype=np.float32),
        p_alt=np.ascontiguousarray(probs[b:], dtype=np.float32),
    )


def score_stream(
    predictor: Any,
    genome: Any,
    variants: Iterable[Variant],
    *,
    target_index: np.ndarray,
    ref_mismatch: str = "warn",
    batch_size: int = DEFAULT_BATCH_SIZE,
    tally: Tally | None = None,
    where: str = "variants",
) -> Iterator[ScoredBatch | Skipped]:
    """Score variants batch by batch; yield :class:`ScoredBatch` es and :class:`Skipped` rows.

    Memory holds one batch of windows at a time, whatever the number of variants.
    """
    if ref_mismatch not in MISMATCH_POLICIES:
        raise DanqError(f"--ref-mismatch {ref_mismatch}: expected one of "
                        f"{', '.join(MISMATCH_POLICIES)}")
    if batch_size <= 0:
        raise DanqError(f"--batch-size must be positive, got {batch_size}")
    tally = tally if tally is not None else Tally()
    builder = WindowBuilder(genome, predictor.sequence_length)
    windows: list[Windows] = []
    batch: list[Variant] = []
    for variant in variants:
        tally.n_input += 1
        reason = builder.problem(variant)
        if reason is None:
            w = builder.build(variant)
            if not w.ref_match:
                tally.n_mismatch += 1
                detail = f"REF {variant.ref} does not match the genome ({w.genome_ref})"
                if ref_mismatch == "error":
                    raise DanqError(f"{where}: {variant.chrom}:{variant.pos}: {detail} "
                                    "(--ref-mismatch error)")
                if ref_mismatch == "skip":
                    reason = detail
        elif reason.startswith("unknown chromosome"):
            tally.n_unknown_chrom += 1
            if variant.chrom not in tally.unknown_chroms and len(tally.unknown_chroms) < 5:
                tally.unknown_chroms.append(variant.chrom)
        if reason is not None:
            tally.n_skipped += 1
            yield Skipped(variant, reason)
            continue
        tally.n_padded += int(w.padded > 0)
        windows.append(w)
        batch.append(variant)
        if len(batch) == batch_size:
            tally.n_scored += len(batch)
            yield _score_batch(predictor, windows, batch, target_index)
            windows, batch = [], []
    if batch:
        tally.n_scored += len(batch)
        yield _score_batch(predictor, windows, batch, target_index)
    if tally.n_input and tally.n_unknown_chrom == tally.n_input:
        some = ", ".join(tally.unknown_chroms)
        known = ", ".join(genome.chromosomes[:5])
        raise DanqError(
            f"{where}: no chromosome in common with the genome {genome.path} "
            f"(variants on {some}; genome has {known}{', ...' if len(genome.chromosomes) > 5 else ''})"
        )


# --------------------------------------------------------------------------------------------------
# Significance against random SNVs
# --------------------------------------------------------------------------------------------------


def random_snvs(genome: Any, n: int, *, seed: int = 0, min_chrom_length: int = 1) -> list[Variant]:
    """``n`` random SNVs at non-N positions, chromosomes drawn in proportion to their length.

    The ALT base is drawn uniformly among the three other bases. Reproducible for a given ``seed``.
    """
    names = [c for c in genome.chromosomes if genome.lengths[c] >= min_chrom_length]
    if not names or n <= 0:
        return []
    sizes = np.array([genome.lengths[c] for c in names], dtype=np.float64)
    rng = np.random.default_rng(seed)
    out: list[Variant] = []
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 100 * n + 1000:
            raise DanqError(f"{genome.path}: found too few non-N positions for {n} background SNVs")
        chrom = names[int(rng.choice(len(names), p=sizes / sizes.sum()))]
        position = int(rng.integers(0, genome.lengths[chrom]))
        base = int(genome.fetch_tokens(chrom, position, position + 1)[0])
        if base == N_TOKEN:
            continue
        alt = int((base + rng.integers(1, 4)) % 4)
        out.append(Variant(chrom, position + 1, "ACGT"[base], "ACGT"[alt], f"background_{len(out)}",
                           "+", len(out)))
    return out


def background_abs_logit_diff(predictor: Any, genome: Any, variants: Iterable[Variant], *,
                              target_index: np.ndarray, batch_size: int,
                              where: str = "background") -> np.ndarray:
    """``|logit_diff|`` ``(N, T)`` of background variants, each column sorted ascending."""
    parts = []
    for item in score_stream(predictor, genome, variants, target_index=target_index,
                             ref_mismatch="skip", batch_size=batch_size, where=where):
        if isinstance(item, ScoredBatch):
            parts.append(np.abs(compute_scores(item.p_ref, item.p_alt, ["logit_diff"])["logit_diff"]))
    if not parts:
        raise DanqError(f"{where}: no background variant could be scored")
    return np.sort(np.concatenate(parts), axis=0)


def empirical_pvalues(observed: np.ndarray, background_sorted: np.ndarray) -> np.ndarray:
    """``(1 + #{background >= |observed|}) / (N + 1)`` per variant and target.

    ``background_sorted`` is ``(N, T)`` with each column sorted ascending (see
    :func:`background_abs_logit_diff`). The +1 keeps p-values above zero, as an empirical
    permutation p-value should be.
    """
    obs = np.abs(np.asarray(observed, dtype=np.float32))
    n = background_sorted.shape[0]
    out = np.empty(obs.shape, dtype=np.float64)
    for t in range(obs.shape[1]):
        below = np.searchsorted(background_sorted[:, t], obs[:, t], side="left")
        out[:, t] = (1 + n - below) / (n + 1)
    return out.astype(np.float32)


def summarize_pvalues(pvalues: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per variant: smallest p, that p times the number of targets (capped at 1), its target."""
    if pvalues.shape[1] == 0:
        empty = np.ones(pvalues.shape[0], dtype=np.float32)
        return empty, empty, np.zeros(pvalues.shape[0], dtype=np.int64)
    best = np.argmin(pvalues, axis=1)
    min_p = pvalues[np.arange(pvalues.shape[0]), best]
    return min_p, np.minimum(min_p * pvalues.shape[1], 1.0).astype(np.float32), best


# --------------------------------------------------------------------------------------------------
# Python API
# --------------------------------------------------------------------------------------------------


@dataclass
class VariantEffects:
    """What :func:`variant_effect` returns.

    ``variants`` (a DataFrame: index, chrom, pos, id, ref, alt, strand, ref_match, padded) lines up
    with the rows of every ``scores[name]`` ``(N, T)`` matrix; ``skipped`` lists the variants not
    scored with their reason.
    """

    variants: Any
    scores: dict[str, np.ndarray]
    target_names: list[str]
    skipped: Any
    pvalues: np.ndarray | None = None
    min_p: np.ndarray | None = None
    min_p_bonferroni: np.ndarray | None = None

    def frame(self, score: str = "logit_diff") -> Any:
        """A wide DataFrame: the variant columns, then one column per target for ``score``."""
        import pandas as pd

        values = pd.DataFrame(self.scores[score], columns=self.target_names)
        return pd.concat([self.variants.reset_index(drop=True), values], axis=1)


def _open_genome(genome: Any) -> Any:
    from danq.sequence.genome import Genome

    return genome if isinstance(genome, Genome) else Genome(genome)


def _check_genome_fits(genome: Any, length: int) -> None:
    if max(genome.lengths.values()) < length:
        raise DanqError(
            f"{genome.path}: every chromosome is shorter than the model's input ({length} bp); "
            "variant windows cannot be built"
        )


def variant_effect(
    model: Any,
    genome: Any,
    variants: Any,
    *,
    scores: str | Sequence[str] | None = None,
    targets: str | Sequence[Any] | None = None,
    rc_average: bool = True,
    ref_mismatch: str = "warn",
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = None,
    precision: str = "fp32",
    background: int = 0,
    background_variants: Any = None,
    seed: int = 0,
) -> VariantEffects:
    """Score variants with a model: the Python API of ``danq variant-effect``.

    Parameters
    ----------
    model
        ``nn.Module`` returning logits, or a checkpoint path.
    genome
        A FASTA path (plain or bgzip, indexed on first use) or a :class:`danq.sequence.genome.Genome`.
    variants
        A VCF/VCF.gz/TSV path, a DataFrame (chrom, pos, ref, alt[, id][, strand]) or an iterable of
        :class:`Variant` or ``(chrom, pos, ref, alt[, id])`` tuples; ``pos`` is 1-based.
    scores
        Which of :data:`SCORES` to compute (default ``diff, logit_diff``).
    targets
        Names, a regex, 0-based indices or a category (see :func:`select_targets`); default all.
    rc_average, batch_size, device, precision
        Inference settings (see :func:`danq.inference.predictor.load_predictor`).
    ref_mismatch
        ``warn`` (score the VCF's REF, ``ref_match=False``), ``skip`` or ``error``.
    background, background_variants, seed
        ``background=N`` random SNVs (seeded) or explicit ``background_variants`` give empirical
        p-values of ``|logit_diff|``.

    Returns
    -------
    VariantEffects
        The scored variant table, score matrices (variants in input order), skipped variants.
    """
    import pandas as pd

    from danq.inference.predictor import load_predictor

    names = parse_scores(scores)
    predictor = load_predictor(model, device=device, precision=precision, rc_average=rc_average)
    genome = _open_genome(genome)
    _check_genome_fits(genome, predictor.sequence_length)
    index = select_targets(targets, predictor.target_names, predictor.target_categories)
    wanted = list(names)
    if (background or background_variants is not None) and "logit_diff" not in wanted:
        wanted.append("logit_diff")
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    parts: dict[str, list[np.ndarray]] = {name: [] for name in wanted}
    for item in score_stream(predictor, genome, variants_from(variants), target_index=index,
                             ref_mismatch=ref_mismatch, batch_size=batch_size):
        if isinstance(item, Skipped):
            v = item.variant
            skipped.append({"chrom": v.chrom, "pos": v.pos, "id": v.id, "ref": v.ref, "alt": v.alt,
                            "reason": item.reason})
            continue
        for v, match, pad in zip(item.variants, item.ref_match, item.padded, strict=True):
            rows.append({"index": v.index, "chrom": v.chrom, "pos": v.pos, "id": v.id, "ref": v.ref,
                         "alt": v.alt, "strand": v.strand, "ref_match": bool(match),
                         "padded": int(pad)})
        for name, value in compute_scores(item.p_ref, item.p_alt, wanted).items():
            parts[name].append(value)
    n_targets = len(index)
    matrices = {
        name: (np.concatenate(parts[name]) if parts[name]
               else np.zeros((0, n_targets), dtype=np.float32))
        for name in wanted
    }
    result = VariantEffects(
        variants=pd.DataFrame(rows, columns=["index", "chrom", "pos", "id", "ref", "alt", "strand",
                                             "ref_match", "padded"]),
        scores={name: matrices[name] for name in names},
        target_names=[predictor.target_names[i] for i in index],
        skipped=pd.DataFrame(skipped, columns=list(SKIPPED_COLUMNS)),
    )
    if background or background_variants is not None:
        source = (variants_from(background_variants) if background_variants is not None
                  else random_snvs(genome, int(background), seed=seed,
                                   min_chrom_length=predictor.sequence_length))
        bg = background_abs_logit_diff(predictor, genome, source, target_index=index,
                                       batch_size=batch_size)
        result.pvalues = empirical_pvalues(matrices["logit_diff"], bg)
        result.min_p, result.min_p_bonferroni, _ = summarize_pvalues(result.pvalues)
    return result


# --------------------------------------------------------------------------------------------------
# Writing the output directory
# --------------------------------------------------------------------------------------------------


def _field(value: Any) -> str:
    return str(value).replace("\t", " ").replace("\n", " ")


def format_values(values: np.ndarray) -> np.ndarray:
    """``'%.4g'`` text of every value (signed), as an object array; vectorised for speed."""
    from danq.formats.predictions import format_probabilities

    v = np.asarray(values, dtype=np.float64)
    negative = v < 0
    out = format_probabilities(np.abs(v))
    if negative.any():
        out[negative] = ["-" + s for s in out[negative].tolist()]
    return out


class EffectWriter:
    """Stream scored batches into ``<score>.tsv`` files, ``skipped.tsv`` and the HDF5 file."""

    def __init__(self, folder: Path, scores: Sequence[str], target_names: Sequence[str],
                 target_categories: Sequence[str], target_index: np.ndarray, *,
                 with_pvalues: bool, attrs: dict[str, Any], chunk_rows: int = 256) -> None:
        import h5py

        self.scores = list(scores)
        self.with_pvalues = with_pvalues
        self.target_names = list(target_names)
        header = "\t".join([*VARIANT_COLUMNS, *map(_field, target_names)]) + "\n"
        self._tsv: dict[str, IO[str]] = {}
        for name in [*self.scores, *(["pvalue"] if with_pvalues else [])]:
            handle = open(folder / f"{name}.tsv", "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            handle.write(header)
            self._tsv[name] = handle
        self._significance: IO[str] | None = None
        if with_pvalues:
            self._significance = open(folder / "significance.tsv", "w", encoding="utf-8",  # noqa: SIM115
                                      newline="\n")
            self._significance.write("\t".join([*VARIANT_COLUMNS, "min_p", "min_p_bonferroni",
                                                "best_target"]) + "\n")
        self._skipped = open(folder / "skipped.tsv", "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        self._skipped.write("\t".join(SKIPPED_COLUMNS) + "\n")

        self._h5 = h5py.File(folder / "variant_effects.h5", "w")
        f = self._h5
        f.attrs.update(format=RESULTS_FORMAT, format_version=RESULTS_FORMAT_VERSION, **attrs)
        strings = h5py.string_dtype()
        f.create_dataset("target_names", data=np.asarray(self.target_names, dtype=object),
                         dtype=strings)
        f.create_dataset("target_categories", data=np.asarray(list(target_categories), dtype=object),
                         dtype=strings)
        f.create_dataset("target_indices", data=np.asarray(target_index, dtype=np.int64))
        n_targets = max(1, len(self.target_names))
        rows = max(1, chunk_rows)
        compress = {"compression": "gzip", "compression_opts": 1, "shuffle": True}
        matrices = [f"scores/{s}" for s in self.scores] + (["pvalues"] if with_pvalues else [])
        for key in matrices:
            f.create_dataset(key, shape=(0, len(self.target_names)),
                             maxshape=(None, len(self.target_names)), dtype=np.float32,
                             chunks=(rows, n_targets), **compress)
        columns: dict[str, Any] = {
            "index": np.int64, "chrom": strings, "pos": np.int64, "id": strings, "ref": strings,
            "alt": strings, "strand": strings, "ref_match": np.bool_, "padded": np.int32,
        }
        if with_pvalues:
            columns.update(min_p=np.float32, min_p_bonferroni=np.float32)
        for key, dtype in columns.items():
            f.create_dataset(f"variants/{key}", shape=(0,), maxshape=(None,), dtype=dtype,
                             chunks=(rows * 4,))
        self.n_rows = 0
        self.n_skipped = 0

    def add_skipped(self, item: Skipped) -> None:
        v = item.variant
        self._skipped.write("\t".join(_field(x) for x in (v.chrom, v.pos, v.id, v.ref, v.alt,
                                                          item.reason)) + "\n")
        self.n_skipped += 1

    def add_batch(self, batch: ScoredBatch, values: dict[str, np.ndarray],
                  pvalues: np.ndarray | None = None) -> None:
        variants = batch.variants
        prefixes = [
            "\t".join(_field(x) for x in (v.chrom, v.pos, v.id, v.ref, v.alt, bool(m)))
            for v, m in zip(variants, batch.ref_match, strict=True)
        ]
        for name in self.scores:
            self._write_rows(self._tsv[name], prefixes, values[name])
        lo, hi = self.n_rows, self.n_rows + len(variants)
        for name in self.scores:
            self._append(f"scores/{name}", lo, hi, values[name])
        table = {
            "index": [v.index for v in variants], "chrom": [v.chrom for v in variants],
            "pos": [v.pos for v in variants], "id": [v.id for v in variants],
            "ref": [v.ref for v in variants], "alt": [v.alt for v in variants],
            "strand": [v.strand for v in variants], "ref_match": batch.ref_match,
            "padded": batch.padded,
        }
        if pvalues is not None and self.with_pvalues:
            self._write_rows(self._tsv["pvalue"], prefixes, pvalues)
            self._append("pvalues", lo, hi, pvalues)
            min_p, bonferroni, best = summarize_pvalues(pvalues)
            table.update(min_p=min_p, min_p_bonferroni=bonferroni)
            assert self._significance is not None
            mp, bp = format_values(min_p), format_values(bonferroni)
            self._significance.write("".join(
                f"{prefix}\t{a}\t{b}\t{_field(self.target_names[t]) if self.target_names else ''}\n"
                for prefix, a, b, t in zip(prefixes, mp, bp, best.tolist(), strict=True)
            ))
        for key, column in table.items():
            data = np.asarray(column, dtype=object) if isinstance(column, list) and isinstance(
                column[0], str) else np.asarray(column)
            self._append(f"variants/{key}", lo, hi, data)
        self.n_rows = hi

    def _append(self, key: str, lo: int, hi: int, data: np.ndarray) -> None:
        dataset = self._h5[key]
        dataset.resize(hi, axis=0)
        dataset[lo:hi] = data

    @staticmethod
    def _write_rows(handle: IO[str], prefixes: Sequence[str], values: np.ndarray) -> None:
        if values.shape[1] == 0:
            handle.write("".join(f"{p}\n" for p in prefixes))
            return
        text = format_values(values).tolist()
        handle.write("".join(f"{p}\t{chr(9).join(row)}\n"
                             for p, row in zip(prefixes, text, strict=True)))

    def add_background(self, background_sorted: np.ndarray) -> None:
        self._h5.create_dataset("background_abs_logit_diff", data=background_sorted,
                                compression="gzip", compression_opts=1)

    def close(self) -> None:
        for handle in [*self._tsv.values(), self._skipped,
                       *([self._significance] if self._significance else [])]:
            handle.close()
        if self._h5 is not None:
            self._h5.attrs["n_variants"] = self.n_rows
            self._h5.attrs["n_skipped"] = self.n_skipped
            self._h5.close()
            self._h5 = None  # type: ignore[assignment]


def run_variant_effect(
    variants: PathLike,
    genome: PathLike,
    outdir: PathLike,
    *,
    model: Any = None,
    scores: str | Sequence[str] | None = None,
    targets: str | Sequence[Any] | None = None,
    rc_average: bool = True,
    ref_mismatch: str = "warn",
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: Any = "auto",
    precision: str = "fp32",
    threads: int | None = None,
    progress: bool | None = None,
    background: int = 0,
    background_vcf: PathLike | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """The ``danq variant-effect`` stage: score a variants file and write ``outdir`` atomically.

    Parameters are those of :func:`variant_effect` (``threads``: torch CPU threads, capped at the
    available CPUs; ``progress``: a bar on stderr, default when stderr is a terminal).

    Returns
    -------
    dict
        Counts (``n_input``, ``n_scored``, ``n_skipped``, ``n_mismatch``, ``n_padded``,
        ``n_background``), ``n_targets``, ``scores`` and ``outdir``.
    """
    from tqdm import tqdm

    from danq.inference.predictor import load_predictor
    from danq.runtime import resolve_runtime

    names = parse_scores(scores)
    variants_path = require_file(variants, "variants file")
    if background < 0:
        raise DanqError(f"--background must be >= 0, got {background}")
    runtime = resolve_runtime(device, precision, threads, progress,
                              set_torch_threads=threads is not None)
    predictor = load_predictor(model, device=runtime.device, precision=runtime.precision,
                               rc_average=rc_average)
    genome_obj = _open_genome(genome)
    length = predictor.sequence_length
    _check_genome_fits(genome_obj, length)
    contigs = vcf_contigs(variants_path)
    if contigs and all(genome_obj.resolve(c) is None for c in contigs):
        raise DanqError(
            f"{variants_path}: none of the VCF's contigs ({', '.join(contigs[:5])}"
            f"{', ...' if len(contigs) > 5 else ''}) is in the genome {genome_obj.path} "
            f"({', '.join(genome_obj.chromosomes[:5])}{', ...' if len(genome_obj.chromosomes) > 5 else ''})"
        )
    index = select_targets(targets, predictor.target_names, predictor.target_categories)
    with_p = bool(background) or background_vcf is not None
    wanted = names + (["logit_diff"] if with_p and "logit_diff" not in names else [])
    show = runtime.progress

    background_sorted = None
    n_background = 0
    if with_p:
        source = (read_variants(background_vcf) if background_vcf is not None
                  else random_snvs(genome_obj, background, seed=seed, min_chrom_length=length))
        background_sorted = background_abs_logit_diff(
            predictor, genome_obj, source, target_index=index, batch_size=batch_size,
            where=str(background_vcf or "background"),
        )
        n_background = background_sorted.shape[0]

    tally = Tally()
    attrs = {
        "model": predictor.source, "genome": str(genome_obj.path), "variants": str(variants_path),
        "sequence_length": length, "center_index": center_index(length),
        "rc_average": rc_average, "ref_mismatch": ref_mismatch,
        "precision": runtime.describe_precision(),
        "logit_eps": LOGIT_EPS, "n_background": n_background, "background_seed": seed,
        "background_source": str(background_vcf) if background_vcf else "random_snvs",
    }
    with atomic_directory(outdir) as folder:
        writer = EffectWriter(
            folder, names, [predictor.target_names[i] for i in index],
            [predictor.target_categories[i] for i in index], index, with_pvalues=with_p,
            attrs=attrs, chunk_rows=max(batch_size, 256),
        )
        try:
            if background_sorted is not None:
                writer.add_background(background_sorted)
            stream = score_stream(predictor, genome_obj, read_variants(variants_path),
                                  target_index=index, ref_mismatch=ref_mismatch,
                                  batch_size=batch_size, tally=tally, where=str(variants_path))
            with tqdm(desc="variant-effect", unit=" variants", disable=not show, file=sys.stderr,
                      mininterval=1) as bar:
                for item in stream:
                    if isinstance(item, Skipped):
                        writer.add_skipped(item)
                        bar.update(1)
                        continue
                    values = compute_scores(item.p_ref, item.p_alt, wanted)
                    pvalues = (empirical_pvalues(values["logit_diff"], background_sorted)
                               if background_sorted is not None else None)
                    writer.add_batch(item, values, pvalues)
                    bar.update(len(item.variants))
        finally:
            writer.close()
    return {
        "n_input": tally.n_input, "n_scored": tally.n_scored, "n_skipped": tally.n_skipped,
        "n_mismatch": tally.n_mismatch, "n_padded": tally.n_padded, "n_background": n_background,
        "n_targets": len(index), "scores": names, "outdir": str(outdir),
        "precision": runtime.describe_precision(),
    }
