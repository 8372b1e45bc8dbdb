"""Shared by the build-dataset tests: a random genome, peak files, targets tables, brute-force references."""

from __future__ import annotations

import gzip
from pathlib import Path

import h5py
import numpy as np

from danq.datasets.build import BuildOptions

BIN, WINDOW = 20, 60  # small numbers keep the genome tiny; the rule is the same as 200 / 1000


def write_fasta(path: Path, chroms: dict[str, str]) -> Path:
    with open(path, "w") as handle:
        for name, seq in chroms.items():
            handle.write(f">{name}\n")
            for i in range(0, len(seq), 50):
                handle.write(seq[i : i + 50] + "\n")
    return path



def random_seq(rng: np.random.Generator, n: int) -> str:
    return "".join(rng.choice(list("ACGT"), size=n))



def write_bed(path: Path, rows: list[tuple[str, int, int]], header: str = "") -> Path:
    text = header + "".join(f"{c}\t{s}\t{e}\tpeak{i}\t0\t.\n" for i, (c, s, e) in enumerate(rows))
    if path.suffix == ".gz":
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path



def write_targets(folder: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = folder / "targets.tsv"
    path.write_text("name\tcategory\tpeaks\n" + "".join("\t".join(r) + "\n" for r in rows))
    return path



def brute_force_label(peaks: list[tuple[int, int]], bin_start: int, bin_size: int) -> int:
    """1 when more than half of the bin is covered by the union of the peaks (base by base)."""
    covered = np.zeros(bin_size, dtype=bool)
    for s, e in peaks:
        lo, hi = max(s, bin_start), min(e, bin_start + bin_size)
        if hi > lo:
            covered[lo - bin_start : hi - bin_start] = True
    return int(2 * covered.sum() > bin_size)



def small_options(**kwargs: object) -> BuildOptions:
    base = dict(bin_size=BIN, window=WINDOW, valid="", test="", max_n_fraction=0.0)
    base.update(kwargs)
    return BuildOptions(**base)  # type: ignore[arg-type]



def read_split(path: Path) -> dict[str, np.ndarray]:
    with h5py.File(path, "r") as f:
        return {
            "tokens": f["sequences"][:], "labels": f["labels"][:],
            "chrom": np.array([c.decode() if isinstance(c, bytes) else c for c in f["chrom"][:]]),
            "start": f["start"][:], "end": f["end"][:],
            "strand": f["strand"][:] if "strand" in f else None,
            "pair_index": f["pair_index"][:] if "pair_index" in f else None,
            "names": np.array([n.decode() if isinstance(n, bytes) else n for n in f["names"][:]]),
        }



def expected_samples(
    setup: dict, required: tuple[str, ...] = ("ctcf", "rad21"), edges: list | None = None
) -> dict:
    """Brute force: every bin of the primary chromosomes, labelled base by base.

    Kept bins whose window runs past a chromosome end are appended to ``edges`` instead.
    """
    out = {}
    names = ("ctcf", "rad21", "dnase")
    for chrom, seq in setup["chroms"].items():
        if chrom == "chrUn_contig":
            continue
        for k in range(len(seq) // BIN):
            labels = tuple(
                brute_force_label(
                    [(s, e) for c, s, e in setup["peaks"][n] if c == chrom], k * BIN, BIN
                )
                for n in names
            )
            start = k * BIN + (BIN - WINDOW) // 2
            if not any(labels[names.index(r)] for r in required):
                continue
            if start < 0 or start + WINDOW > len(seq):
                if edges is not None:
                    edges.append((chrom, start))
                continue
            out[(chrom, start)] = labels
    return out

