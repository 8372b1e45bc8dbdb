"""Genome-scale prediction: tiles over regions, BED coordinates, and bigWig/bedGraph tracks."""

from __future__ import annotations

import numpy as np
import pytest

import danq
from danq.encoders import from_tokens
from danq.errors import DanqError
from danq.formats.predictions import read_predictions
from danq.inference.predict import predict_fasta
from danq.inference.tiling import (
    Region,
    parse_region,
    read_regions,
    tile_batches,
    tile_bins,
    window_starts,
)
from danq.sequence.genome import Genome
from tests.helpers import run_danq

LENGTH = 40
TARGETS = ["8988T|DNase|None", "GM12878|CTCF|None", "K562|H3K4me3|None"]
SIZES = {"chr1": 1003, "chr2": 517}


@pytest.fixture
def genome_fa(tmp_path):
    rng = np.random.default_rng(3)
    path = tmp_path / "genome.fa"
    with open(path, "w") as handle:
        for chrom, size in SIZES.items():
            seq = "".join(rng.choice(list("ACGT"), size=size))
            lines = "\n".join(seq[i:i + 60] for i in range(0, size, 60))
            handle.write(f">{chrom}\n{lines}\n")
    return path


@pytest.fixture
def genome(genome_fa):
    with Genome(genome_fa) as g:
        yield g


def expected(model, genome, chrom, starts, step):
    """Reference: danq.predict on the windows centred on each bin, fetched one by one."""
    seqs = [genome.fetch(chrom, s + step // 2 - LENGTH // 2, s + step // 2 - LENGTH // 2 + LENGTH)
            for s in starts]
    return danq.predict(model, seqs, precision="fp32")


# --------------------------------------------------------------------------------------------------
# Regions and bins


def test_regions_are_browser_style_and_bed_files_are_sorted(tmp_path, genome):
    assert parse_region("chr2", genome) == Region("chr2", 0, 517)
    assert parse_region("1:101-1,000", genome) == Region("chr1", 100, 1000)  # 1-based inclusive
    for bad, message in (("chr3", "not in"), ("chr1:0-10", "at least 1"),
                         ("chr1:1-2000", "ends past"), ("chr1:5", "expected CHROM")):
        with pytest.raises(DanqError, match=message):
            parse_region(bad, genome)
    bed = tmp_path / "regions.bed"
    bed.write_text("chr2\t0\t100\nchr1\t500\t600\nchr1\t0\t100\n")
    assert read_regions(bed, genome) == [Region("chr1", 0, 100), Region("chr1", 500, 600),
                                         Region("chr2", 0, 100)]
    bed.write_text("chr1\t0\t100\nchr1\t99\t200\n")
    with pytest.raises(DanqError, match="overlap"):
        read_regions(bed, genome)


def test_bins_skip_windows_past_chromosome_ends():
    # 40 bp windows centred on 10 bp bins: bin b's window is [b + 5 - 20, b + 25)
    starts, ends = tile_bins(Region("c", 0, 100), 100, LENGTH, 10)
    assert starts.tolist() == [20, 30, 40, 50, 60, 70]  # 0 and 10 start before 0; 80, 90 end past 100
    assert (ends - starts == 10).all()
    # the region's last bin is cut at the region's end, and its window is centred on what is left
    starts, ends = tile_bins(Region("c", 30, 55), 1000, LENGTH, 10)
    assert starts.tolist() == [30, 40, 50] and ends.tolist() == [40, 50, 55]
    assert window_starts(starts, ends, LENGTH).tolist() == [15, 25, 32]


def test_tile_batches_stream_every_bin_in_order(genome):
    counts: dict[str, int] = {}
    batches = list(tile_batches(genome, [Region("chr1", 0, 1003), Region("chr2", 0, 517)], LENGTH,
                                7, 16, counts))
    assert all(len(b.names) <= 16 for b in batches)
    chroms = [c for b in batches for c in b.chroms]
    starts = np.concatenate([b.starts for b in batches])
    tokens = np.concatenate([b.tokens for b in batches])
    assert chroms == sorted(chroms) and counts["n_sequences"] == len(starts)
    for chrom, start, row in zip(chroms, starts.tolist(), tokens, strict=True):
        lo = start + 3 - 20
        assert 0 <= lo and lo + LENGTH <= SIZES[chrom]
        assert from_tokens(row) == genome.fetch(chrom, lo, lo + LENGTH)
    n_bins = -(-1003 // 7) + -(-517 // 7)
    assert counts["n_skipped"] == n_bins - len(starts) > 0


# --------------------------------------------------------------------------------------------------
# Outputs


def test_bigwig_per_target_holds_the_predictions_at_window_centres(tmp_path, model, checkpoint,
                                                                   genome_fa, genome, capsys):
    import pyBigWig

    out = tmp_path / "tracks"
    code, _, err = run_danq(capsys, "predict", "--model", checkpoint, "--genome", genome_fa,
                            "--tile", "chr1", "--step", "25", "--format", "bigwig", "-o", out,
                            "--device", "cpu", "--precision", "fp32")
    assert code == 0, err
    files = sorted(p.name for p in out.iterdir())
    assert files == ["8988T_DNase_None.bw", "GM12878_CTCF_None.bw", "K562_H3K4me3_None.bw"]
    starts, _ = tile_bins(Region("chr1", 0, 1003), 1003, LENGTH, 25)
    want = expected(model, genome, "chr1", starts, 25)
    for column, name in enumerate(files):
        bw = pyBigWig.open(str(out / name))
        try:
            assert bw.chroms() == SIZES
            centres = starts + 12  # the window centre, inside its 25 bp interval
            got = np.array([bw.values("chr1", int(c), int(c) + 1)[0] for c in centres])
            np.testing.assert_allclose(got, want[:, column], atol=1e-6)
            intervals = bw.intervals("chr1")
            assert [(s, e) for s, e, _ in intervals] == [(s, s + 25) for s in starts.tolist()]
            assert bw.intervals("chr2") is None
        finally:
            bw.close()
    assert "bins skipped" in err


def test_tracks_without_output_go_to_the_tracks_folder(tmp_path, checkpoint, genome_fa, capsys,
                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_danq(capsys, "predict", "--genome", genome_fa, "--tile", "chr2", "--format",
                            "bigwig", "--model", checkpoint, "--device", "cpu", "--targets", "0")
    assert code == 0 and "-> tracks (bigwig" in err, err
    assert [p.name for p in (tmp_path / "tracks").iterdir()] == ["8988T_DNase_None.bw"]


def test_one_track_file_bedgraph_and_target_selection(tmp_path, model, checkpoint, genome_fa, genome):
    bw_path = tmp_path / "ctcf.bw"
    with pytest.raises(DanqError, match="one bigwig file holds one target, 3 are selected"):
        predict_fasta(None, bw_path, model=checkpoint, genome=genome_fa, tile="chr2", step=50,
                      device="cpu", precision="fp32", progress=False)
    assert not bw_path.exists()
    summary = predict_fasta(None, bw_path, model=checkpoint, genome=genome_fa, tile="chr2",
                            step=50, targets="CTCF", device="cpu", precision="fp32",
                            progress=False)
    assert summary["format"] == "bigwig" and summary["n_targets"] == 1
    bedgraph = tmp_path / "bg"
    predict_fasta(None, bedgraph, fmt="bedgraph", model=checkpoint, genome=genome_fa,
                  tile="chr2:101-400", step=50, targets="histone,DNase", device="cpu",
                  precision="fp32", progress=False)
    assert sorted(p.name for p in bedgraph.iterdir()) == ["8988T_DNase_None.bedGraph",
                                                          "K562_H3K4me3_None.bedGraph"]
    lines = (bedgraph / "K562_H3K4me3_None.bedGraph").read_text().splitlines()
    assert lines[0].startswith("track type=bedGraph")
    rows = [line.split("\t") for line in lines[1:]]
    starts = np.array([int(r[1]) for r in rows])
    assert starts.tolist() == list(range(100, 400, 50)) and rows[-1][2] == "400"
    want = expected(model, genome, "chr2", starts, 50)[:, 2]
    np.testing.assert_allclose([float(r[3]) for r in rows], want, rtol=1e-3)


def test_tsv_and_h5_carry_coordinates_for_bed_and_tiles(tmp_path, model, checkpoint, genome_fa,
                                                        genome):
    bed = tmp_path / "peaks.bed"
    bed.write_text("chr2\t100\t300\tpeak_a\nchr1\t0\t10\n")
    tsv = tmp_path / "bed.tsv"
    predict_fasta(bed, tsv, model=checkpoint, genome=genome_fa, device="cpu", precision="fp32",
                  progress=False, targets="CTCF")
    rows = [line.split("\t") for line in tsv.read_text().splitlines()]
    assert rows[0] == ["chrom", "start", "end", "name", "GM12878|CTCF|None"]
    assert [r[:4] for r in rows[1:]] == [["chr2", "100", "300", "peak_a"],
                                         ["chr1", "0", "10", "chr1:0-10"]]
    h5 = tmp_path / "tiles.h5"
    summary = predict_fasta(None, h5, model=checkpoint, genome=genome_fa, tile="chr1:1-300",
                            step=30, device="cpu", precision="fp32", progress=False)
    data = read_predictions(h5)
    starts, ends = tile_bins(Region("chr1", 0, 300), 1003, LENGTH, 30)
    assert data["chrom"] == ["chr1"] * len(starts) and summary["n_sequences"] == len(starts)
    assert data["start"].tolist() == starts.tolist() and data["end"].tolist() == ends.tolist()
    np.testing.assert_allclose(data["probabilities"], expected(model, genome, "chr1", starts, 30),
                               atol=1e-6)
    assert data["attrs"]["step"] == 30
    # --tile BED: every region tiled, in genome order, to stdout-like TSV
    regions = tmp_path / "regions.bed"
    regions.write_text("chr2\t200\t260\nchr1\t500\t530\n")
    tiles = tmp_path / "tiles.tsv"
    predict_fasta(None, tiles, model=checkpoint, genome=genome_fa, tile=regions, step=30,
                  device="cpu", precision="fp32", progress=False)
    rows = [line.split("\t")[:4] for line in tiles.read_text().splitlines()[1:]]
    assert rows == [["chr1", "500", "530", "chr1:500-530"], ["chr2", "200", "230", "chr2:200-230"],
                    ["chr2", "230", "260", "chr2:230-260"]]


def test_bad_combinations_are_one_line_errors(tmp_path, checkpoint, genome_fa, capsys):
    fa = tmp_path / "x.fa"
    fa.write_text(">a\nACGT\n")
    cases = [
        (["--tile", "chr1", "-o", tmp_path / "t.tsv"], "--tile needs --genome"),
        ([fa, "--genome", genome_fa, "--tile", "chr1"], "give no input file"),
        ([fa, "--step", "10"], "--step goes with --tile"),
        ([fa, "--format", "bigwig", "-o", tmp_path / "d"], "needs --tile"),
        (["--genome", genome_fa, "--tile", "chr1", "--format", "bedgraph", "-o", "-"], "not stdout"),
        ([fa, "--targets", "nothing_like_this"], "matches no target"),
        (["--genome", genome_fa, "--tile", "chr1", "--format", "bedgraph", "-o", tmp_path / "a.bw"],
         "named like a bigwig file, but the format is bedgraph"),
        ([], "no input"),
    ]
    for args, message in cases:
        code, _, err = run_danq(capsys, "predict", "--model", checkpoint, "--device", "cpu", *args)
        assert code == 1 and message in err, (args, err)
        assert err.count("\n") == 1


def test_batches_are_full_and_made_lazily(genome):
    """The first batch of a long region reads about one batch (not the region), and pieces cut
    short by chromosome ends or small regions are packed into full batches."""
    counts: dict[str, int] = {}
    batches = tile_batches(genome, [Region("chr1", 0, 1003)], LENGTH, 1, 8, counts)
    first = next(batches)
    assert len(first.names) == 8 and counts["n_sequences"] < 16
    regions = [Region("chr1", s, s + 3) for s in range(100, 900, 10)]  # 80 regions of 3 bins
    sizes = [len(b.names) for b in tile_batches(genome, regions, LENGTH, 1, 16, {})]
    assert sizes == [16] * 15
