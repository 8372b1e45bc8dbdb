"""Calibrate `danq tomtom` against a published MEME-suite TOMTOM run.

The DanQ authors published the first-layer filters of the DeepSEA model as a MEME file and the
TOMTOM 4.11 run on them (``-dist pearson -min-overlap 5 -evalue -thresh 0.01``, against JASPAR
CORE 2016 vertebrates + Jolma 2013 + UniPROBE mouse: 1,748 motifs). This script runs danq's
comparison on the same MEME file against JASPAR CORE 2016 vertebrates (what pyjaspar ships) and
reports agreement on the JASPAR (``MA…``) part of the published run:

* filters matched: published, ours, both (recall), ours only (matches the published run did
  not make);
* (filter, JASPAR ID) pairs at E < threshold: the same four counts;
* for the published pairs we miss, our rank and E-value.

Both files are read from the paths given; nothing of them is copied. E-values differ by the
database size (ours p × 519, theirs p × 1,748) and p-values by the database's columns, which form
TOMTOM's null distribution. Usage::

    python benchmarks/tomtom_calibration.py MEME PUBLISHED_TOMTOM_TXT [--release JASPAR2016]
        [--trim-bits 0.25] [--min-bits 4] [--min-width 4] [--dist pearson] [--evalue 0.01]
        [--compare-settings]

``--compare-settings`` also runs the untrimmed Pearson comparison (as the paper ran it) and
memelite's Euclidean TOMTOM, each with its decoy false-match rate.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from typing import Any

import pandas as pd

from danq.tomtom import Database, MatchSettings, decoy_false_match_rate, match_motifs, read_meme


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
    }


def run(meme: str, published_path: str, release: str, settings: MatchSettings) -> dict[str, Any]:
    motifs = read_meme(meme)
    database = Database.from_jaspar(release)
    queries = {m.name: m.ppm for m in motifs}
    started = time.monotonic()
    result = match_motifs(queries, database, replace(settings, top=len(database)), threads=1)
    seconds = time.monotonic() - started
    published = read_published(published_path, settings.evalue_threshold)
    report = {
        "settings": settings.as_dict(), "release": release, "n_database": len(database),
        "n_queries": len(motifs),
        "n_uninformative": int((result.queries["status"] == "uninformative").sum()),
        "seconds": round(seconds, 1),
        **agreement(result.matches, published, settings.evalue_threshold),
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
    args = parser.parse_args()
    default = MatchSettings(dist=args.dist, trim_bits=args.trim_bits, min_bits=args.min_bits,
                            min_width=args.min_width, evalue_threshold=args.evalue)
    runs = {"danq default": default}
    if args.compare_settings:
        untrimmed = replace(default, trim_bits=0.0, min_bits=0.0, min_width=1)
        runs["pearson, untrimmed (as published)"] = replace(untrimmed, dist="pearson")
        runs["euclidean (memelite), untrimmed"] = replace(untrimmed, dist="euclidean")
        runs["euclidean (memelite), trimmed"] = replace(default, dist="euclidean")
    for label, settings in runs.items():
        report = run(args.meme, args.published, args.release, settings)
        f, p, d = report["filters"], report["pairs"], report["decoys"]
        print(f"== {label}: {json.dumps(report['settings'])}")
        print(f"filters matched: published {f['published']}, ours {f['ours']}, both {f['both']} "
              f"(recall {f['recall']:.0%}); ours only {len(f['ours_only'])}: "
              f"{' '.join(f['ours_only'])}; missed: {' '.join(f['missed'])}")
        print(f"(filter, JASPAR) pairs: published {p['published']}, ours {p['ours']}, both "
              f"{p['both']} (recall {p['recall']:.0%}); ours only {p['ours_only']}")
        print(f"uninformative: {report['n_uninformative']} of {report['n_queries']}; "
              f"decoy false matches: shuffled {d['shuffled']['n_matched']}/{d['shuffled']['n']}, "
              f"background {d['background']['n_matched']}/{d['background']['n']} "
              f"({d['all']['rate']:.1%} overall); {report['seconds']} s")
        print("published pairs we miss: " + "; ".join(p["missed"]))
        print()


if __name__ == "__main__":
    main()
