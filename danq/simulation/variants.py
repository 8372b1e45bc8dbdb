"""Ground truth for variant effects: a small genome with planted motifs and variants that hit them.

``danq simulate`` writes a benchmark whose labels follow rules over planted JASPAR motifs and records
those motifs in ``truth.json``. This module builds, from that ``truth.json``, a genome and a VCF
whose variants are known to matter or not, so the report can say how well each trained model's
``|effect|`` separates them:

* the genome is drawn from the same background model as the benchmark (``truth["background"]``:
  first-order Markov or i.i.d.), in chromosomes split into *slots* wider than a model window, so
  each variant's window holds at most one planted site;
* a **destroy** slot holds an instance sampled from a motif's PFM (either strand); its variant puts
  the least likely base at the motif's most informative column;
* a **create** slot holds the same kind of instance with that column already broken (the least
  likely base); its variant restores the most likely base, creating the motif;
* a **neutral** slot holds background only; its SNV lies at the slot's centre.

Only motifs that some target's rule uses are planted (a model has no reason to learn the others).
Variant positions are at the slot's centre (the instance is placed so the hit column lands there),
so every variant sits at the same place in its window.

Outputs (one folder): ``genome.fa`` (+ ``.fai`` on first use), ``variants.vcf`` and ``truth.tsv``
(``id, chrom, pos, ref, alt, class, motif_id, motif_name, strand, targets, categories``; ``class`` is
``destroy``, ``create`` or ``neutral``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from danq.encoders import COMPLEMENT_TOKEN, reverse_complement_tokens
from danq.errors import DanqError
from danq.io import atomic_path
from danq.simulation.truth import BackgroundModel, read_truth_motifs

CLASSES = ("destroy", "create", "neutral")
TRUTH_COLUMNS = ("id", "chrom", "pos", "ref", "alt", "class", "motif_id", "motif_name", "strand",
                 "targets", "categories")


@dataclass(frozen=True)
class PlantedMotif:
    """A motif from truth.json: probabilities ``(W, 4)`` in A,C,G,T order and the targets using it."""

    matrix_id: str
    name: str
    probabilities: np.ndarray
    targets: tuple[str, ...]
    categories: tuple[str, ...]

    @property
    def key_column(self) -> int:
        """The most informative column: the one whose most likely base is most probable."""
        return int(np.argmax(self.probabilities.max(axis=1)))


def load_truth_motifs(
    truth_path: str | os.PathLike[str],
) -> tuple[list[PlantedMotif], BackgroundModel]:
    """The motifs some target uses (with those targets), and the background model, of truth.json."""
    motifs, background = read_truth_motifs(truth_path)
    planted = []
    for motif in motifs:
        if not motif.targets:
            continue
        if motif.pfm is None:
            raise DanqError(f"{truth_path}: motif {motif.matrix_id} has no valid PFM "
                            "(4 rows A, C, G, T)")
        counts = motif.pfm.T  # (W, 4)
        planted.append(PlantedMotif(
            matrix_id=motif.matrix_id, name=motif.name or motif.matrix_id,
            probabilities=counts / counts.sum(axis=1, keepdims=True),
            targets=motif.targets, categories=motif.categories,
        ))
    if not planted:
        raise DanqError(f"{truth_path}: no target uses any of the motifs; nothing to plant")
    return planted, background


def sample_background(n: int, background: BackgroundModel, rng: np.random.Generator) -> np.ndarray:
    """``n`` background tokens from truth.json's model (first-order Markov, else i.i.d. by GC)."""
    if background.initial is not None and background.transitions is not None:
        initial, transitions = background.initial, background.transitions
        cumulative = np.cumsum(transitions / transitions.sum(axis=1, keepdims=True), axis=1)
        draws = rng.random(n)
        out = np.empty(n, dtype=np.uint8)
        state = int(rng.choice(4, p=initial / initial.sum()))
        for i in range(n):  # a Python loop: about 0.1 s per 100 kb, fine for a small genome
            out[i] = state
            state = min(int(np.searchsorted(cumulative[state], draws[i], side="right")), 3)
        return out
    gc = background.gc_content
    return rng.choice(4, size=n, p=[(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]).astype(np.uint8)


def _sample_instance(motif: PlantedMotif, rng: np.random.Generator) -> np.ndarray:
    cumulative = np.cumsum(motif.probabilities, axis=1)
    draws = rng.random(len(cumulative))
    return np.minimum((draws[:, None] > cumulative).sum(axis=1), 3).astype(np.uint8)


def simulate_variants(
    truth: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    n_per_class: int = 100,
    slot: int = 1200,
    n_chromosomes: int = 2,
    seed: int = 0,
) -> dict[str, Any]:
    """Write ``genome.fa``, ``variants.vcf`` and ``truth.tsv`` (see the module docstring).

    Parameters
    ----------
    truth
        ``truth.json`` of ``danq simulate``: motifs (PFMs), targets, background model.
    outdir
        Output folder (created); every file is written atomically.
    n_per_class
        Variants of each class (destroy, create, neutral).
    slot
        Bases per slot; at least the model's input length keeps one site per window.
    n_chromosomes
        Chromosomes (``chr1`` ...) the slots are spread over.
    seed
        Random seed: the same seed gives byte-identical files.

    Returns
    -------
    dict
        ``outdir``, ``files``, ``n_variants`` per class, ``motifs`` planted, genome size.
    """
    if n_per_class <= 0 or n_chromosomes <= 0:
        raise DanqError("--n-per-class and --chromosomes must be positive")
    motifs, background = load_truth_motifs(truth)
    widest = max(len(m.probabilities) for m in motifs)
    if slot < 2 * widest + 10:
        raise DanqError(f"--slot {slot}: too small for motifs up to {widest} bp")
    rng = np.random.default_rng(seed)
    n_slots = 3 * n_per_class
    kinds = np.repeat(np.arange(3), n_per_class)
    rng.shuffle(kinds)
    per_chrom = -(-n_slots // n_chromosomes)
    chromosomes = {}
    rows: list[dict[str, Any]] = []
    slot_index = 0
    for c in range(n_chromosomes):
        name = f"chr{c + 1}"
        n_here = min(per_chrom, n_slots - slot_index)
        seq = sample_background(max(n_here, 1) * slot, background, rng)
        for k in range(n_here):
            kind = CLASSES[int(kinds[slot_index])]
            centre = k * slot + slot // 2  # 0-based genome index of the variant
            row: dict[str, Any] = {"id": f"{kind}_{slot_index}", "chrom": name, "pos": centre + 1,
                                   "class": kind, "motif_id": ".", "motif_name": ".",
                                   "strand": ".", "targets": ".", "categories": "."}
            if kind == "neutral":
                ref = int(seq[centre])
                alt = int((ref + rng.integers(1, 4)) % 4)
            else:
                motif = motifs[slot_index % len(motifs)]
                instance = _sample_instance(motif, rng)
                column = motif.key_column
                probs = motif.probabilities[column]
                likely, unlikely = int(np.argmax(probs)), int(np.argmin(probs))
                instance[column] = likely if kind == "destroy" else unlikely
                strand = "+" if rng.random() < 0.5 else "-"
                width = len(instance)
                if strand == "+":
                    written, offset = instance, column
                else:  # the reverse complement: column j lands at width - 1 - j
                    written, offset = reverse_complement_tokens(instance), width - 1 - column
                start = centre - offset
                seq[start : start + width] = written
                ref = int(seq[centre])
                wanted = unlikely if kind == "destroy" else likely
                alt = wanted if strand == "+" else int(COMPLEMENT_TOKEN[wanted])
                row.update(motif_id=motif.matrix_id, motif_name=motif.name, strand=strand,
                           targets=",".join(motif.targets), categories=",".join(motif.categories))
            row.update(ref="ACGT"[ref], alt="ACGT"[alt])
            rows.append(row)
            slot_index += 1
        chromosomes[name] = seq
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise DanqError(f"{out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    files = _write_outputs(out, chromosomes, rows)
    counts = {kind: sum(r["class"] == kind for r in rows) for kind in CLASSES}
    return {"outdir": str(out), "files": files, "n_variants": counts,
            "motifs": [m.name for m in motifs],
            "genome_bp": int(sum(len(s) for s in chromosomes.values()))}


def _write_outputs(out: Path, chromosomes: dict[str, np.ndarray],
                   rows: list[dict[str, Any]]) -> list[str]:
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    genome = out / "genome.fa"
    with atomic_path(genome) as tmp, open(tmp, "w", encoding="ascii") as handle:
        for name, seq in chromosomes.items():
            text = letters[seq].tobytes().decode("ascii")
            handle.write(f">{name}\n")
            handle.writelines(text[i : i + 60] + "\n" for i in range(0, len(text), 60))
    for stale in (out / "genome.fa.fai",):  # the genome changed: its old index must not be reused
        stale.unlink(missing_ok=True)
    vcf = out / "variants.vcf"
    with atomic_path(vcf) as tmp, open(tmp, "w", encoding="ascii") as handle:
        handle.write("##fileformat=VCFv4.2\n##source=danq simulate-variants\n")
        handle.writelines(f"##contig=<ID={n},length={len(s)}>\n" for n, s in chromosomes.items())
        handle.write("##INFO=<ID=CLASS,Number=1,Type=String,Description=\"destroy, create or "
                     "neutral\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        handle.writelines(f"{r['chrom']}\t{r['pos']}\t{r['id']}\t{r['ref']}\t{r['alt']}\t.\t.\t"
                          f"CLASS={r['class']}\n" for r in rows)
    table = out / "truth.tsv"
    with atomic_path(table) as tmp, open(tmp, "w", encoding="ascii") as handle:
        handle.write("\t".join(TRUTH_COLUMNS) + "\n")
        handle.writelines("\t".join(str(r[c]) for c in TRUTH_COLUMNS) + "\n" for r in rows)
    return [str(genome), str(vcf), str(table)]
