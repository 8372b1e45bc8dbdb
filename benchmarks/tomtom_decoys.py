"""False-match rate of motif comparison settings on motif-free matrices of filter widths.

For each width (DeepSEA's 8 bp, DanQ's 26 bp) and site count, draws background-only matrices
(each column counted from ``sites`` uniform-background bases: what a filter without a motif gives)
and column-shuffled JASPAR motifs cut or padded to the width, compares them to JASPAR CORE
vertebrates with each setting, and prints the share whose best match has E < 0.01:

* ``pearson, trimmed``: danq's default (TOMTOM Pearson, flanks < 0.25 bit trimmed, >= 4 bits);
* ``pearson, untrimmed``: TOMTOM as the DanQ paper ran it;
* ``euclidean, untrimmed``: memelite's TOMTOM, what `danq motifs` used before;
* ``euclidean, trimmed``: memelite with danq's trimming and information filter.

``--trim-grid 0.1,0.5`` adds a Pearson column per extra flank-trimming threshold, and
``--database-size 1748`` computes E = p × 1,748 (the DanQ paper's database) in every column.

Usage: python benchmarks/tomtom_decoys.py [--release JASPAR2024] [--n 50] [--widths 8,26]
    [--sites 20,100] [--seed 0] [--trim-grid 0.1,0.5] [--database-size N]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from danq.motifs.decoys import background_decoy, shuffled_decoy
from danq.motifs.tomtom import Database, MatchSettings, match_motifs

SETTINGS = {
    "pearson, trimmed": MatchSettings(),
    "pearson, untrimmed": MatchSettings(trim_bits=0.0, min_bits=0.0, min_width=1),
    "euclidean, untrimmed": MatchSettings(dist="euclidean", trim_bits=0.0, min_bits=0.0,
                                          min_width=1),
    "euclidean, trimmed": MatchSettings(dist="euclidean"),
}


def shuffled_jaspar(database: Database, width: int, n: int,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` JASPAR motifs, columns shuffled, cut to ``width`` or padded with uniform columns."""
    decoys = {}
    for i in rng.choice(len(database), size=n, replace=False):
        ppm = shuffled_decoy(database.ppms[i], rng)[:, :width]
        pad = width - ppm.shape[1]
        if pad:
            flank = np.full((4, pad // 2), 0.25)
            ppm = np.hstack([flank, ppm, np.full((4, pad - pad // 2), 0.25)])
        decoys[f"{database.ids[i]}~shuffled"] = ppm
    return decoys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default="JASPAR2024")
    parser.add_argument("--n", type=int, default=50, help="decoys per width and kind")
    parser.add_argument("--widths", default="8,26")
    parser.add_argument("--sites", default="20,100")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trim-grid", default="", help="extra Pearson --trim-bits values")
    parser.add_argument("--database-size", type=int, default=None, help="E = p x N")
    args = parser.parse_args()
    settings_by_label = dict(SETTINGS)
    for bits in (float(b) for b in args.trim_grid.split(",") if b):
        settings_by_label[f"pearson, trim {bits:g} bit"] = MatchSettings(trim_bits=bits)
    settings_by_label = {label: replace(settings, database_size=args.database_size)
                         for label, settings in settings_by_label.items()}
    database = Database.from_jaspar(args.release)
    rng = np.random.default_rng(args.seed)
    size = args.database_size or len(database)
    print(f"{len(database)} {args.release} CORE vertebrate motifs; {args.n} decoys per row; "
          f"share matched at E = p x {size} < 0.01")
    print("| decoys | " + " | ".join(settings_by_label) + " |")
    print("|---|" + "---:|" * len(settings_by_label))
    for width in (int(w) for w in args.widths.split(",")):
        sets = {f"background, {width} bp, {sites} sites": {
            f"bg{i}": background_decoy(width, sites, rng) for i in range(args.n)}
            for sites in (int(s) for s in args.sites.split(","))}
        sets[f"shuffled JASPAR, {width} bp"] = shuffled_jaspar(database, width, args.n, rng)
        for label, decoys in sets.items():
            cells = []
            for settings in settings_by_label.values():
                started = time.monotonic()
                table = match_motifs(decoys, database, settings, threads=1).queries
                cells.append(f"{table['matched'].mean():.0%} "
                             f"({time.monotonic() - started:.0f} s)")
            print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
