"""variant_effect and `danq variant-effect` end to end: a planted motif, genomes, bad input."""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from danq.cli import cli
from danq.errors import DanqError
from danq.sequence.genome import Genome
from danq.variants.effect import variant_effect
from danq.variants.significance import random_snvs
from tests.helpers import tiny_danq
from tests.motif_detector import MotifDetector
from tests.variants.helpers import LENGTH, MOTIF, other, random_dna, run, write_fasta, write_vcf


def test_destroying_a_planted_motif_lowers_that_targets_probability(tmp_path):
    seq = list(random_dna(2000, seed=5).replace("GGGA", "GGTA"))
    seq[1000:1010] = MOTIF  # the motif at genome index 1000..1009
    seq = "".join(seq)
    genome = write_fasta(tmp_path / "motif.fa", {"chr7": seq})
    detector = MotifDetector(MOTIF, LENGTH).eval()
    destroy = ("chr7", 1004, "A", "T")  # 1-based 1004 = motif's 4th base (A)
    neutral = ("chr7", 1500, seq[1499], other(seq[1499]))
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


def test_chr_prefix_matches_either_way(model, tmp_path, chr1):
    genome = write_fasta(tmp_path / "plain.fa", {"1": chr1})
    ref, alt = chr1[1999], other(chr1[1999])
    with_chr = variant_effect(model, genome, [("chr1", 2000, ref, alt)], scores="diff")
    without = variant_effect(model, genome, [("1", 2000, ref, alt)], scores="diff")
    assert len(with_chr.variants) == 1 and with_chr.variants.loc[0, "chrom"] == "chr1"
    np.testing.assert_array_equal(with_chr.scores["diff"], without.scores["diff"])


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
    code, err = run(["variant-effect", str(vcf), "--genome", str(genome_path), "--model",
                     str(model_path), "-o", str(out)])
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("danq: error:") and message in lines[0]
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def test_cli_vcf_header_contigs_not_in_genome(model_path, genome_path, tmp_path):
    vcf = write_vcf(tmp_path / "v.vcf", [("1", 5, ".", "A", "C")], contigs=["chrZ", "chrW"])
    code, err = run(["variant-effect", str(vcf), "--genome", str(genome_path), "--model",
                     str(model_path), "-o", str(tmp_path / "out")])
    assert code == 1 and "none of the VCF's contigs (chrZ, chrW) is in the genome" in err


def test_cli_gzip_genome_that_is_not_bgzip(model_path, chr1, tmp_path):
    fasta = write_fasta(tmp_path / "g.fa", {"chr1": chr1})
    gz = tmp_path / "g.fa.gz"
    gz.write_bytes(gzip.compress(fasta.read_bytes()))
    variants = tmp_path / "v.tsv"
    variants.write_text("chr1\t1000\tA\tC\n")
    code, err = run(["variant-effect", str(variants), "--genome", str(gz), "--model",
                     str(model_path), "-o", str(tmp_path / "out")])
    assert code == 1 and "not bgzip" in err and len(err.strip().splitlines()) == 1


def test_missing_and_stale_fai_are_rebuilt(model, chr1, tmp_path):
    fasta = write_fasta(tmp_path / "g.fa", {"chr1": chr1})
    ref, alt = chr1[999], other(chr1[999])
    first = variant_effect(model, fasta, [("chr1", 1000, ref, alt)], scores="ref")
    fai = Path(str(fasta) + ".fai")
    assert fai.is_file()  # built when missing
    changed = "T" * 100 + chr1  # every coordinate moves by 100, and the line layout changes
    old = fai.stat().st_mtime
    time.sleep(0.01)
    write_fasta(fasta, {"chr1": changed})
    os.utime(fasta, (old + 10, old + 10))  # the FASTA is now newer than its index
    second = variant_effect(model, fasta, [("chr1", 1100, ref, alt)], scores="ref")
    assert second.variants.loc[0, "ref_match"]
    np.testing.assert_allclose(second.scores["ref"], first.scores["ref"], rtol=1e-6)


def test_model_longer_than_every_chromosome(tmp_path):
    fasta = write_fasta(tmp_path / "tiny.fa", {"chr1": "ACGT" * 10})
    with pytest.raises(DanqError, match="every chromosome is shorter than the model's input"):
        variant_effect(tiny_danq(LENGTH, 2), fasta, [("chr1", 5, "A", "C")])


def test_cli_help_lists_variant_effect():
    result = CliRunner().invoke(cli, ["--help"])
    assert "variant-effect" in result.output


def test_bgzip_genome_gives_the_plain_genomes_scores(model, genome_path, chr1, tmp_path):
    from Bio import bgzf  # biopython writes BGZF blocks, as `bgzip` does

    compressed = tmp_path / "genome.fa.gz"
    with bgzf.BgzfWriter(str(compressed), "wb") as handle:
        handle.write(genome_path.read_bytes())
    variants = [("chr1", 1000, chr1[999], other(chr1[999])), ("chr2", 700, "A", "C")]
    plain = variant_effect(model, genome_path, variants, scores="ref,alt")
    packed = variant_effect(model, compressed, variants, scores="ref,alt")
    pd.testing.assert_frame_equal(plain.variants, packed.variants)
    np.testing.assert_array_equal(plain.scores["alt"], packed.scores["alt"])


def test_variant_effects_default_to_fp32_and_centred_windows():
    import inspect

    from danq.cli.variant_effect import command
    from danq.variants.effect import run_variant_effect

    defaults = {o.name: o.default for o in command.params}
    assert defaults["precision"] == "fp32" and defaults["window"] == "centered"
    assert defaults["background_score"] == "logit_diff"
    for function in (variant_effect, run_variant_effect):
        parameters = inspect.signature(function).parameters
        assert parameters["precision"].default == "fp32"
        assert parameters["window"].default == "centered"
