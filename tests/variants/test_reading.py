"""Reading variants: VCF records split per ALT allele, symbolic alleles skipped, TSV input,
the VCF header's contigs, and why an allele pair cannot be scored."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from danq.errors import DanqError
from danq.variants.effect import variant_effect
from danq.variants.reading import (
    Variant,
    allele_problem,
    is_vcf,
    read_variants,
    variants_from,
    vcf_contigs,
)
from tests.variants.helpers import write_vcf


def test_multiallelic_records_split_and_symbolic_alleles_skipped(model, genome_path, chr1, tmp_path):
    ref = chr1[999]
    alts = [b for b in "ACGT" if b != ref][:2]
    vcf = write_vcf(tmp_path / "v.vcf", [("chr1", 1000, "rs1", ref, ",".join([*alts, "<DEL>", "*"]))])
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


@pytest.mark.parametrize("ref, alt, reason", [
    ("A", "C", None), ("AC", "A", None), ("A", "AGT", None),
    ("A", "", "no ALT allele"), ("A", ".", "no ALT allele"),
    ("A", "*", "ALT '*' (allele of an overlapping deletion) is not a sequence"),
    ("A", "<DEL>", "symbolic ALT allele <DEL>"), ("A", "A[chr2:5[", "symbolic ALT allele A[chr2:5["),
    (".", "C", "no REF allele"), ("AN", "C", "REF contains N"),
    ("AR", "C", "REF AR has letters other than A, C, G, T"), ("A", "N", "ALT contains N"),
    ("A", "Y", "ALT Y has letters other than A, C, G, T"), ("G", "G", "ALT equals REF"),
])
def test_allele_problem(ref, alt, reason):
    assert allele_problem(ref, alt) == reason


def test_vcf_by_content_and_its_contigs(tmp_path):
    vcf = write_vcf(tmp_path / "v.txt", [("chr1", 5, "rs1", "a", "c")], contigs=["chr1", "chr2"])
    packed = tmp_path / "v.vcf.gz"
    packed.write_bytes(gzip.compress(vcf.read_bytes()))
    for path in (vcf, packed):
        assert is_vcf(path) and vcf_contigs(path) == ["chr1", "chr2"]
        assert [(v.chrom, v.pos, v.id, v.ref, v.alt) for v in read_variants(path)] == [
            ("chr1", 5, "rs1", "A", "C")]
    tsv = tmp_path / "v.tsv"
    tsv.write_text("chr1\t5\tA\tC\n")
    assert not is_vcf(tsv) and vcf_contigs(tsv) == []


def test_bad_tsv_rows_are_one_line_errors(tmp_path):
    for body, message in [("chr1\t5\tA\n", "v.tsv:1: expected tab-separated chrom, pos, ref, alt"),
                          ("chr1\tx\tA\tC\n", "v.tsv:1: position 'x' is not an integer"),
                          ("chr1\t5\tA\tC\t.\t*\n", "v.tsv:1: strand '*' is not +, - or .")]:
        path = tmp_path / "v.tsv"
        path.write_text(body)
        with pytest.raises(DanqError, match=message.replace(".", r"\.").replace("+", r"\+")
                           .replace("*", r"\*")):
            list(read_variants(path))


def test_variants_from_tuples_variants_and_frames_are_numbered_in_order():
    import pandas as pd

    given = [("chr1", 5, "A", "C,G", "x"), Variant("chr2", 9, "T", "A", index=7)]
    assert [(v.chrom, v.alt, v.id, v.index) for v in variants_from(given)] == [
        ("chr1", "C", "x", 0), ("chr1", "G", "x", 1), ("chr2", "A", ".", 2)]
    frame = pd.DataFrame({"chrom": ["chr1"], "pos": [5], "ref": ["a"], "alt": ["t"]})
    assert [(v.ref, v.alt, v.strand) for v in variants_from(frame)] == [("A", "T", "+")]
    with pytest.raises(DanqError, match="variants table lacks column"):
        list(variants_from(frame.drop(columns="alt")))
