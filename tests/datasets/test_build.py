"""danq.datasets.build: DeepSEA's bin labelling, splits, filters, background draw; export-bed."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from danq.cli import main
from danq.datasets.build import (
    BuildOptions,
    build_dataset,
    covered_bases,
    export_bed,
    n_runs,
    parse_loci,
    positive_bins,
    read_intervals,
    read_targets,
)
from danq.encoders import from_tokens, reverse_complement_tokens
from danq.errors import DanqError
from danq.formats.dataset import open_dataset
from danq.sequence.genome import Genome

BIN, WINDOW = 20, 60  # small numbers keep the genome tiny; the rule is the same as 200 / 1000


# --------------------------------------------------------------------------------------------------
# helpers: a random genome, peak files, and brute-force references
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# the overlap rule
# --------------------------------------------------------------------------------------------------


def test_half_a_bin_is_not_enough_but_one_base_more_is() -> None:
    bins = 10
    # bin 1 = [200, 400): 100 bp covered -> 0; bin 3 = [600, 800): 101 bp covered -> 1
    peaks = (np.array([300, 699]), np.array([400, 800]))
    assert positive_bins(peaks, 200, bins).tolist() == [3]
    # two merged touching peaks of 60 + 60 bp in bin 5 = [1000, 1200): 120 bp -> 1
    peaks = (np.array([1000]), np.array([1120]))
    assert positive_bins(peaks, 200, bins).tolist() == [5]
    # a long peak covers all of bins 2..4 and 101 bp of bin 5
    peaks = (np.array([400]), np.array([1101]))
    assert positive_bins(peaks, 200, bins).tolist() == [2, 3, 4, 5]


def test_labels_equal_a_brute_force_count_on_random_intervals() -> None:
    rng = np.random.default_rng(7)
    bin_size, n_bins = 200, 300
    for _ in range(30):
        n = int(rng.integers(1, 40))
        starts = rng.integers(0, bin_size * n_bins, size=n)
        lengths = rng.choice([1, 99, 100, 101, 150, 199, 200, 201, 450, 1000], size=n)
        raw = sorted(zip(starts.tolist(), (starts + lengths).tolist(), strict=True))
        # merge like bioframe does (overlapping or touching)
        merged: list[list[int]] = []
        for s, e in raw:
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        intervals = (np.array([m[0] for m in merged]), np.array([m[1] for m in merged]))
        got = set(positive_bins(intervals, bin_size, n_bins).tolist())
        truth = {k for k in range(n_bins) if brute_force_label(raw, k * bin_size, bin_size)}
        assert got == truth


def test_covered_bases_counts_each_base_once() -> None:
    intervals = (np.array([5, 20]), np.array([10, 30]))
    x = np.arange(0, 40)
    truth = [sum(1 for b in range(v) if 5 <= b < 10 or 20 <= b < 30) for v in x]
    assert covered_bases(intervals, x).tolist() == truth


def test_n_runs_finds_every_run_across_pieces() -> None:
    tokens = np.array([4, 4, 0, 1, 4, 4, 4, 2, 4], dtype=np.uint8)
    for piece in (1, 2, 3, 100):
        starts, ends = n_runs(tokens, piece=piece)
        assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == [(0, 2), (4, 7), (8, 9)]


# --------------------------------------------------------------------------------------------------
# end to end on a small random genome
# --------------------------------------------------------------------------------------------------


@pytest.fixture()
def genome_setup(tmp_path: Path) -> dict[str, object]:
    rng = np.random.default_rng(1)
    chroms = {f"chr{c}": random_seq(rng, 4000) for c in ("1", "2", "7", "8")}
    chroms["chrUn_contig"] = random_seq(rng, 500)
    fasta = write_fasta(tmp_path / "genome.fa", chroms)
    peaks: dict[str, list[tuple[str, int, int]]] = {}
    for name in ("ctcf", "rad21", "dnase"):
        rows = []
        for chrom in ("chr1", "chr2", "chr7", "chr8"):
            for s in rng.integers(0, 3900, size=12):
                rows.append((chrom, int(s), int(s + rng.choice([9, 10, 11, 25, 60]))))
        peaks[name] = rows
    write_bed(tmp_path / "ctcf.bed", peaks["ctcf"], header="track name=ctcf\n")
    # chr-less names and a column-name header, gzip
    write_bed(
        tmp_path / "rad21.narrowPeak.gz",
        [(c.removeprefix("chr"), s, e) for c, s, e in peaks["rad21"]],
        header="chrom\tstart\tend\tname\tscore\tstrand\n",
    )
    write_bed(tmp_path / "dnase.bed", peaks["dnase"], header="# comment\nbrowser position chr1\n")
    targets = write_targets(
        tmp_path,
        [("CTCF", "TF", "ctcf.bed"), ("RAD21", "TF", "rad21.narrowPeak.gz"),
         ("DNase", "DNase", "dnase.bed")],
    )
    return {"fasta": fasta, "targets": targets, "peaks": peaks, "chroms": chroms,
            "tmp": tmp_path}


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


def test_build_matches_brute_force_and_coordinates_give_back_the_sequence(genome_setup) -> None:
    setup = genome_setup
    out = setup["tmp"] / "out"
    summary = build_dataset(setup["fasta"], setup["targets"], out, small_options())
    data = read_split(out / "train.h5")
    edges: list = []
    expected = expected_samples(setup, edges=edges)
    got = {
        (c, int(s)): tuple(int(v) for v in lab)
        for c, s, lab in zip(data["chrom"], data["start"], data["labels"], strict=True)
    }
    assert got == expected
    assert set(data["chrom"]) <= {"chr1", "chr2", "chr7", "chr8"}  # the contig is skipped
    genome = Genome(setup["fasta"])
    for i in range(len(data["start"])):
        assert data["end"][i] - data["start"][i] == WINDOW
        seq = genome.fetch(data["chrom"][i], int(data["start"][i]), int(data["end"][i]))
        assert from_tokens(data["tokens"][i]) == seq
    assert summary["splits"]["train"]["windows"] == len(expected)
    assert summary["splits"]["train"]["positives"]["DNase"] == sum(v[2] for v in expected.values())
    assert json.loads((out / "summary.json").read_text())["splits"]["valid"]["windows"] == 0
    with open_dataset(out / "train.h5") as ds:
        assert ds.target_names == ["CTCF", "RAD21", "DNase"]
        assert ds.target_categories == ["TF", "TF", "DNase"]
    # windows of the first and last bins run past the chromosome's ends: dropped and counted
    assert summary["dropped_windows"]["chromosome_edge"] == len(edges)


def test_require_category_any_keeps_dnase_only_bins(genome_setup) -> None:
    setup = genome_setup
    build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "o",
                  small_options(require_category="any"))
    data = read_split(setup["tmp"] / "o" / "train.h5")
    assert len(data["start"]) == len(expected_samples(setup, ("ctcf", "rad21", "dnase")))
    with pytest.raises(DanqError, match="no target has category 'histone'"):
        build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "p",
                      small_options(require_category="histone"))


def test_splits_by_chromosome_and_by_region(genome_setup) -> None:
    setup = genome_setup
    out = setup["tmp"] / "out"
    # region chr7:1001-2000 (1-based) is [1000, 2000): windows entirely inside go to valid
    summary = build_dataset(
        setup["fasta"], setup["targets"], out,
        small_options(valid="chr7:1001-2000", test="8"),
    )
    test = read_split(out / "test.h5")
    valid = read_split(out / "valid.h5")
    train = read_split(out / "train.h5")
    assert set(test["chrom"]) == {"chr8"}
    assert (valid["chrom"] == "chr7").all()
    assert (valid["start"] >= 1000).all() and (valid["end"] <= 2000).all()
    seven = train["chrom"] == "chr7"
    assert ((train["end"][seven] <= 1000) | (train["start"][seven] >= 2000)).all()
    assert "chr8" not in set(train["chrom"])
    expected = expected_samples(setup)
    straddling = [
        (c, s) for c, s in expected
        if c == "chr7" and s < 2000 and s + WINDOW > 1000 and not (s >= 1000 and s + WINDOW <= 2000)
    ]
    assert summary["dropped_windows"]["split_boundary"] == len(straddling)
    total = sum(summary["splits"][s]["windows"] for s in ("train", "valid", "test"))
    assert total == len(expected) - len(straddling)


def test_split_lists_parse_and_conflicts_are_errors(genome_setup) -> None:
    loci = parse_loci("chr7:30508751-35296850,chr8", "--valid")
    assert (loci[0].chrom, loci[0].start, loci[0].end) == ("7", 30508750, 35296850)
    assert loci[1].start is None and loci[1].chrom == "8"
    with pytest.raises(DanqError, match="not a chromosome or a region"):
        parse_loci("chr7:20-10", "--valid")
    setup = genome_setup
    with pytest.raises(DanqError, match="both --valid and --test"):
        build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "o",
                      small_options(valid="chr8:1-100", test="chr8"))


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


def test_both_strands_are_linked_pairs(genome_setup) -> None:
    setup = genome_setup
    build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "o",
                  small_options(both_strands=True))
    data = read_split(setup["tmp"] / "o" / "train.h5")
    build_dataset(setup["fasta"], setup["targets"], setup["tmp"] / "single", small_options())
    single = read_split(setup["tmp"] / "single" / "train.h5")
    forward = np.flatnonzero(data["strand"] == 1)
    partner = data["pair_index"][forward]
    assert len(forward) == len(single["start"]) > 0 and len(data["strand"]) == 2 * len(forward)
    assert (data["strand"][partner] == -1).all()
    assert np.array_equal(data["pair_index"][partner], forward)
    # the forward rows are the single-strand dataset, in the same order
    assert np.array_equal(data["tokens"][forward], single["tokens"])
    assert np.array_equal(data["labels"][forward], single["labels"])
    assert np.array_equal(data["tokens"][partner], reverse_complement_tokens(single["tokens"]))
    assert np.array_equal(data["labels"][partner], single["labels"])
    assert np.array_equal(data["start"][partner], single["start"])
    assert data["names"][forward[0]].endswith(":+") and data["names"][partner[0]].endswith(":-")


# --------------------------------------------------------------------------------------------------
# inputs: peak files, the targets table, bad input
# --------------------------------------------------------------------------------------------------


def test_peak_files_with_headers_track_lines_and_gzip(tmp_path: Path) -> None:
    rows = [("chr1", 5, 10), ("1", 20, 30)]
    for header in ("", "track name=x\n", "browser hide all\n# c\n", "chrom\tstart\tend\tn\ts\tst\n"):
        for suffix in (".bed", ".bed.gz"):
            path = write_bed(tmp_path / f"p{len(header)}{suffix}", rows, header=header)
            frame = read_intervals(path)
            assert frame["chrom"].tolist() == ["chr1", "1"]
            assert frame["start"].tolist() == [5, 20] and frame["end"].tolist() == [10, 30]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("chr1\t5\t10\nchr1\tx\t10\n", "line 2: start and end must be integers"),
        ("chr1\t5\t10\nchr1\t10\t5\n", "line 2: end 5 is before start 10"),
        ("chr1\t-5\t10\n", "line 1: negative start"),
        ("chr1 5 10\n", "line 1: 1 tab-separated field"),
        ("", "has no intervals"),
        ("track name=x\n", "has no intervals"),
    ],
)
def test_bad_peak_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.bed"
    path.write_text(text)
    with pytest.raises(DanqError, match=message):
        read_intervals(path)


def test_targets_table_errors(tmp_path: Path) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("name\tpeaks\nA\ta.bed\n")
    with pytest.raises(DanqError, match="lacks column"):
        read_targets(table)
    table.write_text("name\tcategory\tpeaks\nA\tTF\ta.bed\nA\tTF\tb.bed\n")
    with pytest.raises(DanqError, match="line 3: target 'A' is listed twice"):
        read_targets(table)
    table.write_text("name\tcategory\tpeaks\nA\tTF\n")
    with pytest.raises(DanqError, match="line 2: 2 fields"):
        read_targets(table)
    table.write_text("# comment\nname\tcategory\tpeaks\nA\tTF\tsub/a.bed\n")
    assert read_targets(table)[0].peaks == tmp_path / "sub" / "a.bed"


def test_cli_errors_are_one_line_and_leave_no_output(genome_setup, capsys) -> None:
    setup = genome_setup
    tmp = setup["tmp"]
    targets = write_targets(tmp, [("A", "TF", "missing.bed")])
    out = tmp / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["build-dataset", "--genome", str(setup["fasta"]), "--targets", str(targets),
              "-o", str(out)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("danq: error: ") and "missing.bed" in err and "\n" not in err
    assert not out.exists()


def test_an_output_folder_holding_inputs_or_other_files_is_refused(genome_setup) -> None:
    setup = genome_setup
    with pytest.raises(DanqError, match="holds the input"):
        build_dataset(setup["fasta"], setup["targets"], setup["tmp"], small_options())
    other = setup["tmp"] / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(DanqError, match="not an earlier build"):
        build_dataset(setup["fasta"], setup["targets"], other, small_options())
    assert (other / "notes.txt").read_text() == "mine"
    out = setup["tmp"] / "out"
    build_dataset(setup["fasta"], setup["targets"], out, small_options())
    build_dataset(setup["fasta"], setup["targets"], out, small_options(test="chr8"))  # rebuild
    assert json.loads((out / "summary.json").read_text())["options"]["test"] == "chr8"


def test_peaks_on_unknown_chromosomes_warn_once(genome_setup, capsys) -> None:
    setup = genome_setup
    tmp = setup["tmp"]
    write_bed(tmp / "a.bed", [("chr1", 100, 300), ("chr22", 5, 50), ("chrZ", 5, 50)])
    write_bed(tmp / "b.bed", [("chr1", 100, 300), ("chr22", 5, 50)])
    targets = write_targets(tmp, [("A", "TF", "a.bed"), ("B", "TF", "b.bed")])
    main_args = ["build-dataset", "--genome", str(setup["fasta"]), "--targets", str(targets),
                 "-o", str(tmp / "o"), "--bin-size", "20", "--window", "60", "--valid", "",
                 "--test", ""]
    main(main_args)
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "lacks" in line]
    assert len(warnings) == 1 and "3 peaks in 2 file(s)" in warnings[0]
    summary = json.loads((tmp / "o" / "summary.json").read_text())
    assert summary["peaks_on_unknown_chromosomes"] == 3
    assert summary["peaks"]["A"]["unknown_chromosome"] == 2


# --------------------------------------------------------------------------------------------------
# export-bed
# --------------------------------------------------------------------------------------------------


def test_export_bed_writes_coordinates_and_labels(genome_setup) -> None:
    setup = genome_setup
    out = setup["tmp"] / "o"
    build_dataset(setup["fasta"], setup["targets"], out, small_options(both_strands=True))
    data = read_split(out / "train.h5")
    bed = setup["tmp"] / "train.bed"
    main(["export-bed", str(out / "train.h5"), "-o", str(bed)])
    lines = [line.split("\t") for line in bed.read_text().splitlines()]
    forward = np.flatnonzero(data["strand"] == 1)
    assert len(lines) == len(forward)
    names = ["CTCF", "RAD21", "DNase"]
    for line, i in zip(lines, forward, strict=True):
        chrom, start, end, label, score, strand = line
        assert (chrom, int(start), int(end)) == (data["chrom"][i], data["start"][i], data["end"][i])
        positives = [names[t] for t in np.flatnonzero(data["labels"][i])]
        assert label == (",".join(positives) or ".") and int(score) == len(positives)
        assert strand == "+"
    n_dnase = export_bed(out / "train.h5", setup["tmp"] / "d.bed", targets=["DNase"],
                         positives_only=True)
    assert n_dnase == int(data["labels"][forward, 2].sum())
    assert export_bed(out / "train.h5", setup["tmp"] / "all.bed", both_strands=True) == 2 * len(
        forward
    )


# --------------------------------------------------------------------------------------------------
# the run report lists the dataset summary
# --------------------------------------------------------------------------------------------------


def test_report_lists_the_dataset_summary(genome_setup) -> None:
    from danq.report.build import build_report

    setup = genome_setup
    out = setup["tmp"] / "o"
    summary = build_dataset(setup["fasta"], setup["targets"], out,
                            small_options(test="chr8", background_ratio=0.5))
    metrics = setup["tmp"] / "metrics.tsv"
    metrics.write_text("target\tcategory\tn_pos\tn_neg\troc_auc\tpr_auc\n"
                       "CTCF\tTF\t10\t90\t0.9\t0.5\n")
    build_report(setup["tmp"] / "report", {"DanQ": metrics}, dataset_summary=out / "summary.json")
    markdown = (setup["tmp"] / "report" / "summary.md").read_text()
    train, test = summary["splits"]["train"], summary["splits"]["test"]
    assert "## Dataset (danq build-dataset)" in markdown
    assert (f"| train | {train['windows']} | {train['kept']} | {train['background']} | "
            f"{train['samples']} |") in markdown
    assert f"| test | {test['windows']} | {test['kept']} |" in markdown and test["windows"] > 0
    bad = setup["tmp"] / "bad.json"
    bad.write_text("{}")
    with pytest.raises(DanqError, match="not a `danq build-dataset` summary"):
        build_report(setup["tmp"] / "r2", {"DanQ": metrics}, dataset_summary=bad)


def test_unreadable_peak_files_are_one_line_errors(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.bed.gz"
    truncated.write_bytes(gzip.compress(b"chr1\t5\t10\n" * 1000)[:60])
    with pytest.raises(DanqError, match="cut.bed.gz: cannot read"):
        read_intervals(truncated)
    with pytest.raises(DanqError, match="does not exist"):
        read_intervals(tmp_path / "missing.bed")
    (tmp_path / "folder.bed").mkdir()
    with pytest.raises(DanqError, match="is not a regular file"):
        read_intervals(tmp_path / "folder.bed")
