"""danq.datasets.windows: N runs, the N-fraction and blacklist filters, the background draw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from danq.datasets.build import build_dataset
from danq.datasets.windows import n_runs, select_chromosomes
from danq.errors import DanqError
from danq.sequence.genome import Genome
from tests.datasets.helpers import (
    WINDOW,
    expected_samples,
    random_seq,
    read_split,
    small_options,
    write_bed,
    write_fasta,
    write_targets,
)


def test_n_runs_finds_every_run_across_pieces() -> None:
    tokens = np.array([4, 4, 0, 1, 4, 4, 4, 2, 4], dtype=np.uint8)
    for piece in (1, 2, 3, 100):
        starts, ends = n_runs(tokens, piece=piece)
        assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == [(0, 2), (4, 7), (8, 9)]



def test_windows_with_too_many_n_are_dropped(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    seq = list(random_seq(rng, 1000))
    seq[500:506] = "NNNNNN"  # six Ns
    fasta = write_fasta(tmp_path / "g.fa", {"chr1": "".join(seq)})
    write_bed(tmp_path / "p.bed", [("chr1", 0, 1000)])
    targets = write_targets(tmp_path, [("A", "TF", "p.bed")])
    # windows [s, s+60) with s = 20k - 20 for k = 1..48; those touching [500, 506) hold 6 Ns
    touching = [k for k in range(1, 49) if 20 * k - 20 < 506 and 20 * k + 40 > 500]
    s1 = build_dataset(fasta, targets, tmp_path / "a", small_options(max_n_fraction=0.0))
    assert s1["dropped_windows"]["n_fraction"] == len(touching)
    assert s1["splits"]["train"]["windows"] == 48 - len(touching)
    s2 = build_dataset(fasta, targets, tmp_path / "b", small_options(max_n_fraction=0.1))
    assert s2["dropped_windows"]["n_fraction"] == 0  # 6 of 60 bases is not more than 10 %
    data = read_split(tmp_path / "a" / "train.h5")
    assert (data["tokens"] != 4).all()



def test_blacklist_drops_overlapping_windows(genome_setup) -> None:
    setup = genome_setup
    expected = expected_samples(setup)
    base = min(s for c, s in expected if c == "chr1") + WINDOW // 2  # inside a kept window
    black = write_bed(setup["tmp"] / "black.bed", [("1", base, base + 1)])  # chr-less name
    summary = build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "o",
                            small_options(blacklist=str(black)))
    data = read_split(setup["tmp"] / "o" / "train.h5")
    ones = data["chrom"] == "chr1"
    assert not ((data["start"][ones] <= base) & (data["end"][ones] > base)).any()
    hits = [(c, s) for c, s in expected if c == "chr1" and s <= base < s + WINDOW]
    assert summary["dropped_windows"]["blacklist"] == len(hits) > 0



def test_background_is_seeded_and_avoids_kept_bins(genome_setup) -> None:
    setup = genome_setup
    runs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        summary = build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / name,
                                small_options(background_ratio=1.0, seed=seed))
        runs.append((summary, read_split(setup["tmp"] / name / "train.h5")))
    (s_a, a), (_, b), (_, c) = runs
    assert np.array_equal(a["start"], b["start"]) and np.array_equal(a["tokens"], b["tokens"])
    assert not np.array_equal(a["start"], c["start"])
    kept = set(expected_samples(setup))
    coords = list(zip(a["chrom"].tolist(), a["start"].tolist(), strict=True))
    background = [x for x in coords if x not in kept]
    assert len(background) == s_a["splits"]["train"]["background"] > 0
    assert len(set(coords)) == len(coords)  # no bin twice
    # background bins carry no TF positive (they may be DNase-positive)
    is_bg = np.array([x not in kept for x in coords])
    assert a["labels"][is_bg][:, :2].sum() == 0
    assert s_a["splits"]["train"]["background"] + s_a["background_shortfall"] == len(kept)



def test_match_gc_draws_background_like_the_kept_windows(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    gc_rich = "".join(rng.choice(list("GC"), size=3000))
    at_rich = "".join(rng.choice(list("AT"), size=3000))
    fasta = write_fasta(tmp_path / "g.fa", {"chr1": gc_rich + at_rich + gc_rich})
    write_bed(tmp_path / "p.bed", [("chr1", 1000, 1200)])  # peak in GC-rich sequence
    targets = write_targets(tmp_path, [("A", "TF", "p.bed")])
    build_dataset(fasta, targets, tmp_path / "o",
                  small_options(background_ratio=2.0, match_gc=True))
    data = read_split(tmp_path / "o" / "train.h5")
    gc = np.isin(data["tokens"], (1, 2)).mean(axis=1)
    assert len(gc) == 30 and (gc > 0.9).all()



def test_select_chromosomes_primary_by_default_or_the_named_ones(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    fasta = write_fasta(tmp_path / "g.fa", {name: random_seq(rng, 50)
                                            for name in ("chr1", "chrM", "chrUn_x", "chrX", "2")})
    with Genome(fasta) as genome:
        assert select_chromosomes(genome, None) == ["chr1", "chrX", "2"]
        assert select_chromosomes(genome, "M,chr2,1,chr1") == ["chrM", "2", "chr1"]
        with pytest.raises(DanqError, match="--chroms: chromosome 'chr3' is not in"):
            select_chromosomes(genome, "chr3")
    only_contigs = write_fasta(tmp_path / "c.fa", {"chrUn_x": random_seq(rng, 50)})
    with Genome(only_contigs) as genome, pytest.raises(DanqError, match="no primary chromosome"):
        select_chromosomes(genome, None)
