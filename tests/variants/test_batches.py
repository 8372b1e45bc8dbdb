"""Scoring in batches: target selection, the REF-mismatch policies, the minus strand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import danq
from danq.errors import DanqError
from danq.variants.effect import variant_effect
from tests.variants.helpers import other


def test_ref_mismatch_policies(model, genome_path, chr1):
    genome_base = chr1[999]
    wrong_ref = other(genome_base)
    alt = next(b for b in "ACGT" if b not in (genome_base, wrong_ref))
    variants = [("chr1", 1000, wrong_ref, alt)]

    warned = variant_effect(model, genome_path, variants, scores="ref", ref_mismatch="warn")
    assert not warned.variants.loc[0, "ref_match"]
    vcf_ref_window = chr1[950:999] + wrong_ref + chr1[1000:1050]  # the VCF's REF is scored
    np.testing.assert_allclose(warned.scores["ref"][0], danq.predict(model, [vcf_ref_window], precision="fp32")[0],
                               rtol=1e-5, atol=1e-6)

    skipped = variant_effect(model, genome_path, variants, ref_mismatch="skip")
    assert len(skipped.variants) == 0
    assert skipped.skipped.loc[0, "reason"] == f"REF {wrong_ref} does not match the genome ({genome_base})"

    with pytest.raises(DanqError, match="does not match the genome"):
        variant_effect(model, genome_path, variants, ref_mismatch="error")


def test_minus_strand_scores_the_reverse_complement_without_rc_averaging(model, genome_path, chr1):
    ref, alt = chr1[999], other(chr1[999])
    frame = pd.DataFrame({"chrom": ["chr1"], "pos": [1000], "ref": [ref], "alt": [alt],
                          "strand": ["-"]})
    result = variant_effect(model, genome_path, frame, scores="ref", rc_average=False)
    rc = danq.encoders.reverse_complement(chr1[950:1050])
    expected = danq.predict(model, [rc], rc_average=False, precision="fp32")
    np.testing.assert_allclose(result.scores["ref"], expected, rtol=1e-5, atol=1e-6)
