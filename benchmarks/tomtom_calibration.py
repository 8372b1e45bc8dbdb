"""Calibrate `danq tomtom` against a published MEME-suite TOMTOM run.

The DanQ authors published the first-layer filters of the DeepSEA model as a MEME file and the
TOMTOM 4.11 run on them (``-dist pearson -min-overlap 5 -evalue -thresh 0.01``, against JASPAR
CORE 2016 vertebrates + Jolma 2013 + UniPROBE mouse: 1,748 motifs). This script runs danq's
comparison on the same MEME file against JASPAR CORE 2016 vertebrates (what pyjaspar ships) and
reports agreement on the JASPAR (``MA…``) part of the published run:

* filters matched: published, ours, both (recall), ours only (matches the published run did
  not make);
* (filter, JASPAR ID) pairs at E < threshold: the same four counts;
* for the published pairs we miss, our rank and E-value;
* the median ratio of our p-value to the published one over the published pairs.

Both files are read from the paths given; nothing of them is copied. E-values differ by the
database size (ours p × 519, theirs p × 1,748) and p-values by the database's columns, which form
TOMTOM's null distribution. Usage::

    python benchmarks/tomtom_calibration.py MEME PUBLISHED_TOMTOM_TXT [--release JASPAR2016]
        [--trim-bits 0.25] [--min-bits 4] [--min-width 4] [--dist pearson] [--evalue 0.01]
        [--compare-settings]

``--database-size 1748`` computes E = p × 1,748 as the published run did (like for like).
``--trim-grid 0,0.1,0.25,0.5`` runs the Pearson comparison once per flank-trimming threshold (the
information filter kept, and once more untrimmed and unfiltered, as the paper ran it) and prints one
table row each: filter and pair recall of the published JASPAR matches, matches only we make, the
decoy false-match rate, and the median ratio of our q-value to the published one (Storey's π0
in both) — the figures behind danq's default ``--trim-bits``.

``--compare-settings`` also runs the untrimmed Pearson comparison (as the paper ran it) and
memelite's Euclidean TOMTOM, each with its decoy false-match rate. ``--extra-collections
PBM,PBM_HOMEO,PBM_HLH`` adds JASPAR collections (the PBM ones derive from UniPROBE) to the
compared database, to see how much of the p-value difference the null's columns explain; only
matches to CORE vertebrate motifs are scored, with E = p × the enlarged database's size.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from danq.motifs.decoys import decoy_false_match_rate
from danq.motifs.matrices import as_ppm
from danq.motifs.meme import read_meme
from danq.motifs.tomtom import Database, MatchSettings, match_motifs


def load_database(release: str, extra_collections: list[str]) -> tuple[Database, set[str]]:
    """JASPAR CORE vertebrates plus any extra collections; also the CORE IDs."""
    from pyjaspar import jaspardb

    core = Database.from_jaspar(release)
    ids, names, ppms = list(core.ids), list(core.names), list(core.ppms)
    for collection in extra_collections:
        for motif in jaspardb(release=release).fetch_motifs(collection=collection,
                                                            all_versions=False):
            counts = np.array([motif.counts[letter] for letter in "ACGT"], dtype=float)
            ids.append(str(motif.matrix_id))
            names.append(str(motif.name))
            ppms.append(as_ppm(counts, str(motif.matrix_id)))
    return Database(ids, names, ppms), set(core.ids)


def read_published(path: str, evalue: float) -> pd.DataFrame:
    """The published tomtom.txt rows against JASPAR (``MA`` IDs) at E < ``evalue``."""
    frame = pd.read_csv(path, sep="\t")
    frame.columns = [c.lstrip("#").strip() for c in frame.columns]
    frame = frame[frame["Target ID"].astype(str).str.startswith("MA")]
    return frame[frame["E-value"].astype(float) < evalue]


def agreement(ours: pd.DataFrame, published: pd.DataFrame, evalue: float) -> dict[str, Any]:
    """Filter- and pair-level recall of the published matches, and matches only we made."""
    hits = ours[ours["e_value"] < evalue]
    our_pairs = set(zip(hits["query"], hits["target_id"], strict=True))
    pub_pairs = set(zip(published["Query ID"], published["Target ID"], strict=True))
    our_filters, pub_filters = {q for q, _ in our_pairs}, {q for q, _ in pub_pairs}
    ranked = ours.set_index(["query", "target_id"])
    ratios = [float(ranked.loc[(q, t), "p_value"]) / p for q, t, p in zip(
        published["Query ID"], published["Target ID"], published["p-value"].astype(float),
        strict=True) if (q, t) in ranked.index]
    missed = []
    for query, target in sorted(pub_pairs - our_pairs):
        if (query, target) in ranked.index:
            row = ranked.loc[(query, target)]
            missed.append(f"{query}->{target} (our rank {int(row['rank'])}, "
                          f"E {float(row['e_value']):.3g})")
        else:
            missed.append(f"{query}->{target} (not compared: uninformative)")
    return {
        "filters": {"published": len(pub_filters), "ours": len(our_filters),
                    "both": len(our_filters & pub_filters),
                    "recall": len(our_filters & pub_filters) / max(1, len(pub_filters)),
                    "ours_only": sorted(our_filters - pub_filters, key=lambda s: (len(s), s)),
                    "missed": sorted(pub_filters - our_filters, key=lambda s: (len(s), s))},
        "pairs": {"published": len(pub_pairs), "ours": len(our_pairs),
                  "both": len(our_pairs & pub_pairs),
                  "recall": len(our_pairs & pub_pairs) / max(1, len(pub_pairs)),
                  "ours_only": len(our_pairs - pub_pairs), "missed": missed},
        "median_p_ratio": float(np.median(ratios)) if ratios else None,
        "median_q_ratio": median_ratio(ranked, published, "q_value", "q-value"),
    }


def median_ratio(ranked: pd.DataFrame, published: pd.DataFrame, ours: str, theirs: str) -> float | None:
    """Median of our ``ours`` column over the published ``theirs`` column, over the published pairs."""
    ratios = [float(ranked.loc[(q, t), ours]) / v for q, t, v in zip(
        published["Query ID"], published["Target ID"], published[theirs].astype(float),
        strict=True) if (q, t) in ranked.index and v > 0]
    return float(np.median(ratios)) if ratios else None


def run(meme: str, published_path: str, release: str, settings: MatchSettings,
        extra_collections: list[str]) -> dict[str, Any]:
    motifs = read_meme(meme)
    database, core_ids = load_database(release, extra_collections)
    queries = {m.name: m.ppm for m in motifs}
    started = time.monotonic()
    result = match_motifs(queries, database, replace(settings, top=len(database)), threads=1)
    seconds = time.monotonic() - started
    published = read_published(published_path, settings.evalue_threshold)
    matches = result.matches[result.matches["target_id"].isin(core_ids)]
    report = {
        "settings": settings.as_dict(), "release": release, "n_database": len(database),
        "n_queries": len(motifs),
        "n_uninformative": int((result.queries["status"] == "uninformative").sum()),
        "seconds": round(seconds, 1),
        **agreement(matches, published, settings.evalue_threshold),
    }
    report["decoys"] = decoy_false_match_rate(
        queries, {m.name: m.nsites for m in motifs}, database, settings, threads=1)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("meme")
    parser.add_argument("published")
    parser.add_argument("--release", default="JASPAR2016")
    parser.add_argument("--dist", default="pearson")
    parser.add_argument("--trim-bits", type=float, default=MatchSettings.trim_bits)
    parser.add_argument("--min-bits", type=float, default=MatchSettings.min_bits)
    parser.add_argument("--min-width", type=int, default=MatchSettings.min_width)
    parser.add_argument("--evalue", type=float, default=0.01)
    parser.add_argument("--compare-settings", action="store_true")
    parser.add_argument("--database-size", type=int, default=None,
                        help="E = p x N (the published run: 1748); default the motifs compared")
    parser.add_argument("--trim-grid", default="",
                        help="Comma-separated --trim-bits values: one table row each")
    parser.add_argument("--extra-collections", default="",
                        help="Comma-separated JASPAR collections to add, e.g. PBM,PBM_HOMEO")
    args = parser.parse_args()
    extra = [c for c in args.extra_collections.split(",") if c]
    default = MatchSettings(dist=args.dist, trim_bits=args.trim_bits, min_bits=args.min_bits,
                            min_width=args.min_width, evalue_threshold=args.evalue,
                            database_size=args.database_size)
    if args.trim_grid:
        grid(args, default, extra)
        return
    runs = {"danq default": default}
    if args.compare_settings:
        untrimmed = replace(default, trim_bits=0.0, min_bits=0.0, min_width=1)
        runs["pearson, untrimmed (as published)"] = replace(untrimmed, dist="pearson")
        runs["euclidean (memelite), untrimmed"] = replace(untrimmed, dist="euclidean")
        runs["euclidean (memelite), trimmed"] = replace(default, dist="euclidean")
    for label, settings in runs.items():
        report = run(args.meme, args.published, args.release, settings, extra)
        f, p, d = report["filters"], report["pairs"], report["decoys"]
        print(f"== {label}: {json.dumps(report['settings'])}; {report['n_database']} database "
              f"motifs ({args.release} CORE vertebrates{' + ' + ', '.join(extra) if extra else ''})")
        print(f"filters matched: published {f['published']}, ours {f['ours']}, both {f['both']} "
              f"(recall {f['recall']:.0%}); ours only {len(f['ours_only'])}: "
              f"{' '.join(f['ours_only'])}; missed: {' '.join(f['missed'])}")
        print(f"(filter, JASPAR) pairs: published {p['published']}, ours {p['ours']}, both "
              f"{p['both']} (recall {p['recall']:.0%}); ours only {p['ours_only']}; median p "
              f"ours / published {report['median_p_ratio']:.2g}")
        print(f"uninformative: {report['n_uninformative']} of {report['n_queries']}; "
              f"decoy false matches: shuffled {d['shuffled']['n_matched']}/{d['shuffled']['n']}, "
              f"background {d['background']['n_matched']}/{d['background']['n']} "
              f"({d['all']['rate']:.1%} overall); {report['seconds']} s")
        print("published pairs we miss: " + "; ".join(p["missed"]))
        print()


def grid(args: argparse.Namespace, default: MatchSettings, extra: list[str]) -> None:
    """One row per --trim-bits value (and the paper's untrimmed, unfiltered run)."""
    runs = {f"trim {float(t):g} bit": replace(default, trim_bits=float(t))
            for t in args.trim_grid.split(",")}
    runs["as published (no trim, no filter)"] = replace(
        default, trim_bits=0.0, min_bits=0.0, min_width=1)
    size = args.database_size or "the motifs compared"
    print(f"{args.release} CORE vertebrates, {default.dist}, E = p x {size}, E < {args.evalue}; "
          f"information filter >= {default.min_bits:g} bits and >= {default.min_width} columns")
    print("| setting | filters recall | pairs recall | ours only (filters) | uninformative | "
          "decoy false matches | median q ours/published | s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, settings in runs.items():
        r = run(args.meme, args.published, args.release, settings, extra)
        f, p, d = r["filters"], r["pairs"], r["decoys"]["all"]
        q = r["median_q_ratio"]
        print(f"| {label} | {f['both']}/{f['published']} ({f['recall']:.0%}) | "
              f"{p['both']}/{p['published']} ({p['recall']:.0%}) | {len(f['ours_only'])} | "
              f"{r['n_uninformative']}/{r['n_queries']} | {d['n_matched']}/{d['n']} "
              f"({d['rate']:.1%}) | {'n/a' if q is None else f'{q:.2g}'} | {r['seconds']} |",
              flush=True)


if __name__ == "__main__":
    main()
