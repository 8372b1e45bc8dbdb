"""Variant effects on a small synthetic genome written here: windows, policies, scores, bad input."""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

import danq
from danq.cli import cli
from danq.errors import DanqError
from danq.models.checkpoint import save_checkpoint
from danq.sequence.genome import Genome
from danq.variants.effect import (
    WindowBuilder,
    compute_scores,
    empirical_pvalues,
    random_snvs,
    read_variants,
    select_targets,
    summarize_pvalues,
    variant_effect,
)
from tests.helpers import tiny_danq
from tests.motif_detector import MotifDetector

LENGTH = 100  # the model's input; the variant's first REF base sits at index 49
CENTER = 49
TARGETS = ["ctcf_a", "ctcf_b", "pol2"]
CATEGORIES = ["TF", "TF", "Pol"]
MOTIF = "GGGACTTTCC"  # an asymmetric motif the hand-set detector looks for


def _random_dna(n: int, seed: int) -> str:
    return "".join(np.random.default_rng(seed).choice(list("ACGT"), n))


def _write_fasta(path: Path, records: dict[str, str]) -> Path:
    with open(path, "w") as handle:
        for name, seq in records.items():
            handle.write(f">{name}\n")
            handle.writelines(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60))
    return path


def _write_vcf(path: Path, rows: list[tuple], contigs: list[str] | None = None) -> Path:
    lines = ["##fileformat=VCFv4.2"]
    lines += [f"##contig=<ID={c}>" for c in contigs or []]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    lines += ["\t".join(str(x) for x in (*row, ".", ".", ".")) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def chr1() -> str:
    return _random_dna(3000, seed=1)


@pytest.fixture(scope="module")
def genome_path(tmp_path_factory, chr1) -> Path:
    folder = tmp_path_factory.mktemp("genome")
    return _write_fasta(folder / "genome.fa", {"chr1": chr1, "chr2": _random_dna(1500, 2),
                                                "chrShort": "ACGTACGTAC"})


@pytest.fixture(scope="module")
def model() -> torch.nn.Module:
    m = tiny_danq(LENGTH, len(TARGETS))
    m.danq_header = {"target_names": TARGETS, "target_categories": CATEGORIES,
                     "sequence_length": LENGTH}
    return m


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, model) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.pt"
    save_checkpoint(path, model, {"target_names": TARGETS, "target_categories": CATEGORIES})
    return path


def _other(base: str) -> str:
    return "A" if base != "A" else "C"


# --------------------------------------------------------------------------------------------------
# Windows: the convention is exact and indels keep length L
# --------------------------------------------------------------------------------------------------


def test_snv_windows_match_hand_built_windows_and_danq_predict(model, genome_path, chr1):
    pos = 1000  # 1-based: genome index 999 lands at window index 49
    ref, alt = chr1[999], _other(chr1[999])
    ref_window = chr1[950:1050]
    alt_window = chr1[950:999] + alt + chr1[1000:1050]
    assert ref_window[CENTER] == ref and len(alt_window) == LENGTH

    result = variant_effect(model, genome_path, [("chr1", pos, ref, alt, "rs1")],
                            scores="ref,alt,diff")
    expected = danq.predict(model, [ref_window, alt_window])
    np.testing.assert_allclose(result.scores["ref"][0], expected[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.scores["alt"][0], expected[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.scores["diff"][0], expected[1] - expected[0], atol=1e-6)
    assert result.variants.loc[0, "ref_match"] and result.variants.loc[0, "padded"] == 0
    assert not np.allclose(expected[0], expected[1])  # the check above could fail


def test_deletion_and_insertion_keep_length_with_genome_flank(genome_path, chr1):
    with Genome(genome_path) as genome:
        builder = WindowBuilder(genome, LENGTH)
        from danq.variants.effect import Variant

        deletion = Variant("chr1", 1000, chr1[999:1002], chr1[999])  # 2 bases deleted
        w = builder.build(deletion)
        assert danq.encoders.from_tokens(w.ref) == chr1[950:1050]
        assert danq.encoders.from_tokens(w.alt) == chr1[950:1000] + chr1[1002:1052]

        insertion = Variant("chr1", 1000, chr1[999], chr1[999] + "GG")
        w = builder.build(insertion)
        assert danq.encoders.from_tokens(w.ref) == chr1[950:1050]
        assert danq.encoders.from_tokens(w.alt) == chr1[950:1000] + "GG" + chr1[1000:1048]
        assert w.ref.shape == w.alt.shape == (LENGTH,)


def test_indel_scores_equal_predict_on_hand_built_windows(model, genome_path, chr1):
    variants = [("chr1", 1000, chr1[999:1002], chr1[999]), ("chr1", 1500, chr1[1499], chr1[1499] + "TA")]
    result = variant_effect(model, genome_path, variants, scores="alt")
    expected = danq.predict(model, [chr1[950:1000] + chr1[1002:1052],
                                    chr1[1450:1500] + "TA" + chr1[1500:1548]])
    np.testing.assert_allclose(result.scores["alt"], expected, rtol=1e-5, atol=1e-6)


def test_windows_off_a_chromosome_end_are_n_padded_and_flagged(genome_path, chr1):
    with Genome(genome_path) as genome:
        from danq.variants.effect import Variant

        w = WindowBuilder(genome, LENGTH).build(Variant("chr1", 10, chr1[9], _other(chr1[9])))
        assert w.padded == 40  # window starts at genome index 9 - 49 = -40
        assert danq.encoders.from_tokens(w.ref) == "N" * 40 + chr1[:60]
        w = WindowBuilder(genome, LENGTH).build(Variant("chr1", 3000, chr1[2999], _other(chr1[2999])))
        assert w.padded == 50 and danq.encoders.from_tokens(w.ref) == chr1[2950:] + "N" * 50


# --------------------------------------------------------------------------------------------------
# Reading variants
# --------------------------------------------------------------------------------------------------


def test_multiallelic_records_split_and_symbolic_alleles_skipped(model, genome_path, chr1, tmp_path):
    ref = chr1[999]
    alts = [b for b in "ACGT" if b != ref][:2]
    vcf = _write_vcf(tmp_path / "v.vcf", [("chr1", 1000, "rs1", ref, ",".join([*alts, "<DEL>", "*"]))])
    result = variant_effect(model, genome_path, vcf, scores="alt")
    assert list(result.variants["alt"]) == alts
    assert list(result.variants["index"]) == [0, 1]
    assert list(result.skipped["alt"]) == ["<DEL>", "*"]
    assert result.skipped["reason"].str.contains("symbolic").iloc[0]
    assert result.skipped["reason"].str.contains(r"\*").iloc[1]
    separately = variant_effect(model, genome_path, [("chr1", 1000, ref, a) for a in alts], scores="alt")
    np.testing.assert_allclose(result.scores["alt"], separately.scores["alt"], rtol=1e-6)


def test_tsv_with_header_id_and_strand(tmp_path):
    path = tmp_path / "v.tsv"
    path.write_text("chrom\tpos\tref\talt\tid\tstrand\n# comment\nchr1\t5\tA\tC,G\tx1\t-\n2\t7\tc\tt\n")
    variants = list(read_variants(path))
    assert [(v.chrom, v.pos, v.ref, v.alt, v.id, v.strand, v.index) for v in variants] == [
        ("chr1", 5, "A", "C", "x1", "-", 0), ("chr1", 5, "A", "G", "x1", "-", 1),
        ("2", 7, "C", "T", ".", "+", 2)]


def test_minus_strand_scores_the_reverse_complement_without_rc_averaging(model, genome_path, chr1):
    ref, alt = chr1[999], _other(chr1[999])
    frame = pd.DataFrame({"chrom": ["chr1"], "pos": [1000], "ref": [ref], "alt": [alt],
                          "strand": ["-"]})
    result = variant_effect(model, genome_path, frame, scores="ref", rc_average=False)
    rc = danq.encoders.reverse_complement(chr1[950:1050])
    expected = danq.predict(model, [rc], rc_average=False)
    np.testing.assert_allclose(result.scores["ref"], expected, rtol=1e-5, atol=1e-6)


def test_chr_prefix_matches_either_way(model, tmp_path, chr1):
    genome = _write_fasta(tmp_path / "plain.fa", {"1": chr1})
    ref, alt = chr1[1999], _other(chr1[1999])
    with_chr = variant_effect(model, genome, [("chr1", 2000, ref, alt)], scores="diff")
    without = variant_effect(model, genome, [("1", 2000, ref, alt)], scores="diff")
    assert len(with_chr.variants) == 1 and with_chr.variants.loc[0, "chrom"] == "chr1"
    np.testing.assert_array_equal(with_chr.scores["diff"], without.scores["diff"])


# --------------------------------------------------------------------------------------------------
# REF mismatches
# --------------------------------------------------------------------------------------------------


def test_ref_mismatch_policies(model, genome_path, chr1):
    genome_base = chr1[999]
    wrong_ref = _other(genome_base)
    alt = next(b for b in "ACGT" if b not in (genome_base, wrong_ref))
    variants = [("chr1", 1000, wrong_ref, alt)]

    warned = variant_effect(model, genome_path, variants, scores="ref", ref_mismatch="warn")
    assert not warned.variants.loc[0, "ref_match"]
    vcf_ref_window = chr1[950:999] + wrong_ref + chr1[1000:1050]  # the VCF's REF is scored
    np.testing.assert_allclose(warned.scores["ref"][0], danq.predict(model, [vcf_ref_window])[0],
                               rtol=1e-5, atol=1e-6)

    skipped = variant_effect(model, genome_path, variants, ref_mismatch="skip")
    assert len(skipped.variants) == 0
    assert skipped.skipped.loc[0, "reason"] == f"REF {wrong_ref} does not match the genome ({genome_base})"

    with pytest.raises(DanqError, match="does not match the genome"):
        variant_effect(model, genome_path, variants, ref_mismatch="error")


# --------------------------------------------------------------------------------------------------
# A motif the model detects: destroying it lowers that target's probability
# --------------------------------------------------------------------------------------------------


def test_destroying_a_planted_motif_lowers_that_targets_probability(tmp_path):
    seq = list(_random_dna(2000, seed=5).replace("GGGA", "GGTA"))
    seq[1000:1010] = MOTIF  # the motif at genome index 1000..1009
    seq = "".join(seq)
    genome = _write_fasta(tmp_path / "motif.fa", {"chr7": seq})
    detector = MotifDetector(MOTIF, LENGTH).eval()
    destroy = ("chr7", 1004, "A", "T")  # 1-based 1004 = motif's 4th base (A)
    neutral = ("chr7", 1500, seq[1499], _other(seq[1499]))
    result = variant_effect(detector, genome, [destroy, neutral], scores="ref,alt,diff")
    assert result.scores["ref"][0, 0] > 0.9  # the motif is seen in the reference window
    assert result.scores["alt"][0, 0] < 0.1
    assert result.scores["diff"][0, 0] < -0.8
    assert abs(result.scores["diff"][1, 0]) < 1e-6  # a variant far from the motif changes nothing
    np.testing.assert_allclose(result.scores["diff"][:, 1], 0.0, atol=1e-7)

    significance = variant_effect(detector, genome, [destroy, neutral], background=50, seed=3)
    assert significance.pvalues[0, 0] < significance.pvalues[1, 0]
    # Every background SNV inside the motif destroys it just as fully (ties count as >=); the
    # other SNVs change nothing, so p = (1 + those inside) / (50 + 1).
    with Genome(genome) as g:
        inside = sum(1001 <= v.pos <= 1010 for v in random_snvs(g, 50, seed=3, min_chrom_length=LENGTH))
    assert significance.min_p[0] == pytest.approx((1 + inside) / 51)
    assert significance.pvalues[1, 0] == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------------
# Scores, targets, significance: hand-computed cases
# --------------------------------------------------------------------------------------------------


def test_scores_from_hand_computed_probabilities():
    p_ref = np.array([[0.5, 0.2, 0.0]], dtype=np.float32)
    p_alt = np.array([[0.75, 0.2, 1.0]], dtype=np.float32)
    s = compute_scores(p_ref, p_alt, ["diff", "abs_diff", "logit_diff", "deepsea_effect"])
    np.testing.assert_allclose(s["diff"], [[0.25, 0.0, 1.0]], atol=1e-7)
    np.testing.assert_allclose(s["abs_diff"], [[0.25, 0.0, 1.0]], atol=1e-7)
    clipped = np.log(1e6 - 1)  # logit(1 - 1e-6) = -logit(1e-6)
    np.testing.assert_allclose(s["logit_diff"], [[np.log(3.0), 0.0, 2 * clipped]], rtol=1e-5)
    np.testing.assert_allclose(s["deepsea_effect"], [[0.25 * np.log(3.0), 0.0, 2 * clipped]],
                               rtol=1e-5)


def test_empirical_pvalues_hand_computed():
    background = np.sort(np.array([[0.1, 1.0], [0.2, 2.0], [0.3, 3.0], [0.4, 4.0]],
                                  dtype=np.float32), axis=0)
    observed = np.array([[0.25, -5.0], [-0.1, 0.0]], dtype=np.float32)
    p = empirical_pvalues(observed, background)
    # |0.25| >= 2 of 4 -> 3/5; |-5| beats all -> 1/5; |-0.1| ties the lowest -> 5/5; 0 -> 5/5
    np.testing.assert_allclose(p, [[3 / 5, 1 / 5], [1.0, 1.0]])
    min_p, bonferroni, best = summarize_pvalues(p)
    np.testing.assert_allclose(min_p, [0.2, 1.0])
    np.testing.assert_allclose(bonferroni, [0.4, 1.0])
    assert best[0] == 1


def test_random_snvs_are_seeded_at_non_n_positions(tmp_path):
    genome_path = _write_fasta(tmp_path / "n.fa", {"a": "N" * 500 + "ACGT" * 25 + "N" * 500,
                                                   "b": "N" * 300})
    with Genome(genome_path) as genome:
        first = random_snvs(genome, 40, seed=7)
        again = random_snvs(genome, 40, seed=7)
        assert first == again and len(first) == 40
        for v in first:
            assert v.chrom == "a" and 501 <= v.pos <= 600
            assert v.ref == "ACGT"[(v.pos - 501) % 4] and v.alt != v.ref


def test_select_targets_by_name_regex_index_category():
    names, categories = TARGETS, CATEGORIES
    assert select_targets("pol2", names, categories).tolist() == [2]
    assert select_targets("^ctcf", names, categories).tolist() == [0, 1]
    assert select_targets("2,0", names, categories).tolist() == [0, 2]
    assert select_targets("TF", names, categories).tolist() == [0, 1]
    with pytest.raises(DanqError, match="matches no target"):
        select_targets("nope", names, categories)
    with pytest.raises(DanqError, match="outside"):
        select_targets("7", names, categories)


# --------------------------------------------------------------------------------------------------
# The CLI: outputs, and bad input as one-line errors or skipped reasons
# --------------------------------------------------------------------------------------------------


def _run(args: list[str]) -> tuple[int, str]:
    """Run ``danq`` in-process through its real entry point; return exit code and stderr."""
    import contextlib
    import io
    import sys

    from danq.cli import main

    err = io.StringIO()
    code = 0
    with contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    sys.stderr.flush()
    return code, err.getvalue()


def test_cli_writes_score_tsvs_skipped_and_hdf5(model_path, genome_path, chr1, tmp_path):
    ref = chr1[999]
    alt = _other(ref)
    vcf = _write_vcf(tmp_path / "v.vcf", [
        ("chr1", 1000, "rs1", ref, alt),
        ("chr1", 1200, "rsN", "N", "A"),
        ("chr1", 1300, "rsSame", chr1[1299], chr1[1299]),
        ("chrShort", 3, "rsShort", "G", "T"),
        ("chrUn", 5, "rsUn", "A", "C"),
        ("chr1", 2000, "rs2", chr1[1999:2001], chr1[1999]),
    ])
    out = tmp_path / "out"
    code, err = _run(["variant-effect", str(vcf), "--genome", str(genome_path), "--model",
                      str(model_path), "-o", str(out), "--targets", "TF", "--no-progress",
                      "--precision", "fp32"])  # compared with the fp32 Python API below
    assert code == 0, err
    assert "2 of 6 variants scored x 2 targets, 4 skipped" in err
    diff = pd.read_csv(out / "diff.tsv", sep="\t")
    assert list(diff.columns) == ["chrom", "pos", "id", "ref", "alt", "ref_match", "ctcf_a", "ctcf_b"]
    assert list(diff["id"]) == ["rs1", "rs2"]
    skipped = pd.read_csv(out / "skipped.tsv", sep="\t").set_index("id")["reason"]
    assert skipped["rsN"] == "REF contains N"
    assert skipped["rsSame"] == "ALT equals REF"
    assert "shorter than the model's input" in skipped["rsShort"]
    assert skipped["rsUn"] == "unknown chromosome chrUn"
    expected = variant_effect(model_path, genome_path, vcf, targets="TF")
    with h5py.File(out / "variant_effects.h5") as f:
        np.testing.assert_allclose(f["scores/logit_diff"][:], expected.scores["logit_diff"],
                                   rtol=1e-6)
        assert [s.decode() for s in f["variants/id"][:]] == ["rs1", "rs2"]
        assert [s.decode() for s in f["target_names"][:]] == ["ctcf_a", "ctcf_b"]
        assert f.attrs["center_index"] == CENTER
    np.testing.assert_allclose(diff[["ctcf_a", "ctcf_b"]].to_numpy(), expected.scores["diff"],
                               rtol=1e-3, atol=1e-6)  # 4 significant digits in the TSV


def test_cli_background_writes_pvalues(model_path, genome_path, chr1, tmp_path):
    vcf = tmp_path / "v.tsv"
    vcf.write_text(f"chr1\t1000\t{chr1[999]}\t{_other(chr1[999])}\n")
    out = tmp_path / "out"
    code, err = _run(["variant-effect", str(vcf), "--genome", str(genome_path), "--model",
                      str(model_path), "-o", str(out), "--background", "30", "--scores", "diff"])
    assert code == 0, err
    pvalues = pd.read_csv(out / "pvalue.tsv", sep="\t")[TARGETS].to_numpy()
    assert ((pvalues >= 1 / 31 - 1e-6) & (pvalues <= 1)).all()
    significance = pd.read_csv(out / "significance.tsv", sep="\t")
    assert significance.loc[0, "min_p"] == pytest.approx(pvalues.min(), rel=1e-3)
    assert significance.loc[0, "min_p_bonferroni"] == pytest.approx(min(1, 3 * pvalues.min()),
                                                                     rel=1e-3)
    with h5py.File(out / "variant_effects.h5") as f:
        assert f["background_abs_logit_diff"].shape == (30, 3)


@pytest.mark.parametrize("body, message", [
    ("chr1\tabc\t.\tA\tC\t.\t.\t.\n", "malformed VCF record"),
    ("chrX\t5\t.\tA\tC\t.\t.\t.\n", "no chromosome in common"),
])
def test_cli_bad_vcf_is_one_line_error_and_no_output(model_path, genome_path, tmp_path, body,
                                                     message):
    vcf = tmp_path / "bad.vcf"
    header = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    good = "chr1\t1000\t.\tA\tC\t.\t.\t.\n" if message == "malformed VCF record" else ""
    vcf.write_text(header + good + body)
    out = tmp_path / "out"
    code, err = _run(["variant-effect", str(vcf), "--genome", str(genome_path), "--model",
                      str(model_path), "-o", str(out)])
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("danq: error:") and message in lines[0]
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def test_cli_vcf_header_contigs_not_in_genome(model_path, genome_path, tmp_path):
    vcf = _write_vcf(tmp_path / "v.vcf", [("1", 5, ".", "A", "C")], contigs=["chrZ", "chrW"])
    code, err = _run(["variant-effect", str(vcf), "--genome", str(genome_path), "--model",
                      str(model_path), "-o", str(tmp_path / "out")])
    assert code == 1 and "none of the VCF's contigs (chrZ, chrW) is in the genome" in err


def test_cli_gzip_genome_that_is_not_bgzip(model_path, chr1, tmp_path):
    fasta = _write_fasta(tmp_path / "g.fa", {"chr1": chr1})
    gz = tmp_path / "g.fa.gz"
    gz.write_bytes(gzip.compress(fasta.read_bytes()))
    variants = tmp_path / "v.tsv"
    variants.write_text("chr1\t1000\tA\tC\n")
    code, err = _run(["variant-effect", str(variants), "--genome", str(gz), "--model",
                      str(model_path), "-o", str(tmp_path / "out")])
    assert code == 1 and "not bgzip" in err and len(err.strip().splitlines()) == 1


def test_missing_and_stale_fai_are_rebuilt(model, chr1, tmp_path):
    fasta = _write_fasta(tmp_path / "g.fa", {"chr1": chr1})
    ref, alt = chr1[999], _other(chr1[999])
    first = variant_effect(model, fasta, [("chr1", 1000, ref, alt)], scores="ref")
    fai = Path(str(fasta) + ".fai")
    assert fai.is_file()  # built when missing
    changed = "T" * 100 + chr1  # every coordinate moves by 100, and the line layout changes
    old = fai.stat().st_mtime
    time.sleep(0.01)
    _write_fasta(fasta, {"chr1": changed})
    os.utime(fasta, (old + 10, old + 10))  # the FASTA is now newer than its index
    second = variant_effect(model, fasta, [("chr1", 1100, ref, alt)], scores="ref")
    assert second.variants.loc[0, "ref_match"]
    np.testing.assert_allclose(second.scores["ref"], first.scores["ref"], rtol=1e-6)


def test_model_longer_than_every_chromosome(tmp_path):
    fasta = _write_fasta(tmp_path / "tiny.fa", {"chr1": "ACGT" * 10})
    with pytest.raises(DanqError, match="every chromosome is shorter than the model's input"):
        variant_effect(tiny_danq(LENGTH, 2), fasta, [("chr1", 5, "A", "C")])


def test_cli_help_lists_variant_effect():
    result = CliRunner().invoke(cli, ["--help"])
    assert "variant-effect" in result.output


def test_gzipped_vcf_and_background_vcf(model_path, genome_path, chr1, tmp_path):
    rows = [("chr1", 1000 + 10 * i, f"b{i}", chr1[999 + 10 * i], _other(chr1[999 + 10 * i]))
            for i in range(5)]
    background = _write_vcf(tmp_path / "background.vcf", rows)
    variants = tmp_path / "v.vcf.gz"
    variants.write_bytes(gzip.compress(_write_vcf(tmp_path / "v.vcf", rows[:1]).read_bytes()))
    out = tmp_path / "out"
    code, err = _run(["variant-effect", str(variants), "--genome", str(genome_path), "--model",
                      str(model_path), "-o", str(out), "--background-vcf", str(background)])
    assert code == 0, err
    pvalues = pd.read_csv(out / "pvalue.tsv", sep="\t")[TARGETS].to_numpy()
    # 5 background variants: p = (1 + k) / 6 with k of them at least as extreme.
    k = np.rint(pvalues * 6) - 1
    np.testing.assert_allclose(pvalues, (1 + k) / 6, atol=1e-3)  # the TSV keeps 4 digits
    assert ((k >= 0) & (k <= 5)).all()
    with h5py.File(out / "variant_effects.h5") as f:
        assert f["background_abs_logit_diff"].shape == (5, 3)


def test_bgzip_genome_gives_the_plain_genomes_scores(model, genome_path, chr1, tmp_path):
    from Bio import bgzf  # biopython writes BGZF blocks, as `bgzip` does

    compressed = tmp_path / "genome.fa.gz"
    with bgzf.BgzfWriter(str(compressed), "wb") as handle:
        handle.write(genome_path.read_bytes())
    variants = [("chr1", 1000, chr1[999], _other(chr1[999])), ("chr2", 700, "A", "C")]
    plain = variant_effect(model, genome_path, variants, scores="ref,alt")
    packed = variant_effect(model, compressed, variants, scores="ref,alt")
    pd.testing.assert_frame_equal(plain.variants, packed.variants)
    np.testing.assert_array_equal(plain.scores["alt"], packed.scores["alt"])
