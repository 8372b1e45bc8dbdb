"""Bad variant files given to ``danq variant-effect`` and bad results given to ``danq
variant-report`` (issue 24, items 5, 8 and the variant-report part of 7).

cyvcf2 (htslib) crashes on malformed VCF text, so every VCF is checked before it sees it: each
malformed file is a one-line ``danq: error: <file>: line <n>: ...`` and exit 1. The cases that
crashed the process run in a real process (a crash is then an exit code, not a dead pytest).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from danq.models.checkpoint import save_checkpoint
from tests.helpers import run_danq, tiny_danq
from tests.variants.helpers import CATEGORIES, LENGTH, TARGETS, random_dna, write_fasta

REPO = Path(__file__).resolve().parents[2]
HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
GOOD = "chr1\t200\trs1\tA\tG\t.\t.\t.\n"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("vcf_inputs")
    model = tiny_danq(LENGTH, len(TARGETS))
    save_checkpoint(folder / "model.pt", model,
                    {"target_names": TARGETS, "target_categories": CATEGORIES})
    write_fasta(folder / "genome.fa", {"chr1": random_dna(3000, 1), "chr2": random_dna(1500, 2)})
    return {"model": folder / "model.pt", "genome": folder / "genome.fa"}


def danq_process(*args: object, cwd: Path | None = None) -> tuple[int, str]:
    """``python -m danq ARGS`` in a real process: (exit status, stderr)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "danq", *map(str, args)], env=env, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=300)
    return done.returncode, done.stderr


def one_line_error(code: int, err: str, *expected: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1, f"exit {code}: {err[-2000:]}"
    assert len(lines) == 1 and lines[0].startswith("danq: error: "), err[-2000:]
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def variant_effect(inputs: dict[str, Path], variants: Path, out: Path, *extra: object) -> list:
    return ["variant-effect", variants, "--genome", inputs["genome"], "--model", inputs["model"],
            "-o", out, *extra]


# --------------------------------------------------------------------------------------------
# item 5: malformed VCFs crashed the process (exit 139) or gave a traceback
# --------------------------------------------------------------------------------------------

BINARY = bytes(range(256)) * 8

MALFORMED = {
    # name: (file name, content, what the one line says)
    "three_columns_first_record": ("v.vcf", HEADER + "chr1\t200\trs1\n",
                                   "v.vcf: line 3: malformed VCF record: 3 tab-separated column(s)"),
    "three_columns_later_record": ("v.vcf", HEADER + GOOD + "chr1\t201\trs2\n",
                                   "v.vcf: line 4: malformed VCF record: 3 tab-separated column(s)"),
    "malformed_first_record": ("v.vcf", HEADER + "chr1\tabc\trs1\tA\tG\t.\t.\t.\n",
                               "v.vcf: line 3: malformed VCF record: POS 'abc' is not a positive"),
    "binary_named_vcf": ("v.vcf", HEADER.encode() + BINARY, "v.vcf: line 3: malformed VCF record"),
    "blank_line_after_records_with_samples": (
        "v.vcf", "##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
        "chr1\t200\trs1\tA\tG\t.\t.\t.\tGT\t0/1\n\n", "v.vcf: line 5: malformed VCF record: a blank"),
    "space_separated": ("v.vcf", HEADER.replace("\t", " ") + GOOD.replace("\t", " "),
                        "v.vcf: line 2: the #CHROM line has 1 tab-separated column(s)"),
    "truncated_gz": ("v.vcf.gz", gzip.compress(
        (HEADER + "".join(f"chr1\t{i}\trs{i}\tA\tG\t.\t.\t.\n" for i in range(1, 3000))).encode()
    )[:4000], "v.vcf.gz: the gzip file is truncated"),
    "no_chrom_line": ("v.vcf", "##fileformat=VCFv4.2\n" + GOOD,
                      "v.vcf: line 2: a record before the #CHROM line"),
    "wrapping_position_64bit": ("v.vcf", HEADER + "chr1\t4294967497\trs1\tA\tG\t.\t.\t.\n",
                                "v.vcf: line 3: malformed VCF record: POS 4,294,967,497 is beyond"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_vcf_is_one_line_error_not_a_crash(inputs, tmp_path, case):
    name, content, expected = MALFORMED[case]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, err = danq_process(*variant_effect(inputs, path, tmp_path / "out"))
    one_line_error(code, err, expected)
    assert not (tmp_path / "out").exists()


def test_malformed_background_vcf_is_one_line_error_not_a_crash(inputs, tmp_path):
    variants = tmp_path / "v.vcf"
    variants.write_text(HEADER + GOOD)
    background = tmp_path / "bg.vcf"
    background.write_text(HEADER + "chr1\t200\trs1\n")
    code, err = danq_process(*variant_effect(inputs, variants, tmp_path / "out",
                                             "--background-vcf", background))
    one_line_error(code, err, "bg.vcf: line 3: malformed VCF record: 3 tab-separated column(s)")
    assert not (tmp_path / "out").exists()


def test_full_disk_during_variant_effect_is_one_line_error(inputs, tmp_path, small_tmpfs):
    """A full disk left the HDF5 results file open (a TSV's failed close skipped its close):
    HDF5 flushed it at exit, after Python was gone, and crashed (exit 139)."""
    variants = tmp_path / "many.tsv"
    variants.write_text("".join(f"chr1\t{i}\tA\tG\trs{i}\n" for i in range(100, 2100)))
    code, err = danq_process(*variant_effect(inputs, variants, small_tmpfs / "out"))
    one_line_error(code, err, "no space left on")
    assert not list(small_tmpfs.iterdir())  # nothing half-written left behind


# --------------------------------------------------------------------------------------------
# item 8: bad variant files were accepted (exit 0)
# --------------------------------------------------------------------------------------------

ACCEPTED = {
    "empty_vcf": ("v.vcf", HEADER, "v.vcf: no variants"),
    "zero_byte_vcf": ("v.vcf", "", "v.vcf: the variants file is empty (no variants)"),
    "empty_tsv": ("v.tsv", "chrom\tpos\tref\talt\n", "v.tsv: no variants"),
    "vcf_body_without_header": ("v.vcf", GOOD, "v.vcf: line 1: not a VCF"),
    "vcf_body_without_header_not_named_vcf": ("v.txt", GOOD, "v.txt:1: 8 tab-separated fields"),
    "position_beyond_int_range": ("v.vcf", HEADER + "chr1\t4294967497\trs1\tA\tG\t.\t.\t.\n",
                                  "v.vcf: line 3: malformed VCF record: POS 4,294,967,497"),
    "tsv_position_beyond_int_range": ("v.tsv", "chr1\t4294967497\tA\tG\n",
                                      "v.tsv:1: position 4294967497 is not between 1 and"),
    "tsv_position_zero": ("v.tsv", "chr1\t0\tA\tG\n", "v.tsv:1: position 0 is not between 1"),
    "vcf_without_fileformat": ("v.vcf", HEADER.split("\n", 1)[1] + GOOD,
                               "v.vcf: line 1: not a VCF (its first line must be ##fileformat"),
    "vcf_without_fileformat_not_named_vcf": ("v.txt", HEADER.split("\n", 1)[1] + GOOD,
                                             "v.txt: line 1: not a VCF"),
    "tsv_with_id_in_ref_column": ("v.tsv", "chr1\t200\trs1\tA\tG\n",
                                  "v.tsv:1: REF 'rs1' is not a sequence of bases"),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_bad_variants_file_is_refused(inputs, tmp_path, capsys, case):
    name, content, expected = ACCEPTED[case]
    path = tmp_path / name
    path.write_text(content)
    code, _, err = run_danq(capsys, *variant_effect(inputs, path, tmp_path / "out"))
    one_line_error(code, err, expected)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content, expected", [
    (HEADER, "bg.vcf: no variants"),
    (GOOD, "bg.vcf: line 1: not a VCF"),
])
def test_bad_background_vcf_is_refused(inputs, tmp_path, capsys, content, expected):
    variants = tmp_path / "v.vcf"
    variants.write_text(HEADER + GOOD)
    background = tmp_path / "bg.vcf"
    background.write_text(content)
    code, _, err = run_danq(capsys, *variant_effect(inputs, variants, tmp_path / "out",
                                                    "--background-vcf", background))
    one_line_error(code, err, expected)
    assert not (tmp_path / "out").exists()


def test_good_vcf_and_tsv_still_scored(inputs, tmp_path, capsys):
    for name, content in (("v.vcf", HEADER + GOOD), ("v.tsv", "chr1\t200\tA\tG\trs1\n")):
        path = tmp_path / name
        path.write_text(content)
        out = tmp_path / f"out_{name}"
        code, _, err = run_danq(capsys, *variant_effect(inputs, path, out))
        assert code == 0, err
        assert (out / "variant_effects.h5").is_file()


# --------------------------------------------------------------------------------------------
# item 7 (variant-report): NaN scores gave a traceback (`Input contains NaN`)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nan_effects(inputs, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("nan_effects")
    variants = folder / "v.vcf"
    variants.write_text(HEADER + "".join(f"chr1\t{200 + i}\trs{i}\tA\tG\t.\t.\t.\n"
                                          for i in range(6)))
    from danq.cli import main

    try:
        main([str(a) for a in variant_effect(inputs, variants, folder / "out")])
    except SystemExit as exc:
        assert not exc.code
    effects = folder / "nan.h5"
    effects.write_bytes((folder / "out" / "variant_effects.h5").read_bytes())
    with h5py.File(effects, "r+") as f:
        values = f["scores/logit_diff"][:]
        values[2, 1] = np.nan
        f["scores/logit_diff"][...] = values
    truth = folder / "truth.tsv"
    truth.write_text("id\tclass\n" + "".join(
        f"rs{i}\t{('destroy', 'neutral', 'create')[i % 3]}\n" for i in range(6)))
    return {"effects": effects, "truth": truth}


@pytest.mark.parametrize("with_truth", [True, False], ids=["truth_auc", "heatmap_only"])
def test_variant_report_nan_scores_are_one_line_error(nan_effects, tmp_path, capsys, with_truth):
    truth = ["--truth", nan_effects["truth"]] if with_truth else []
    code, _, err = run_danq(capsys, "variant-report", "--effects", f"M={nan_effects['effects']}",
                            *truth, "-o", tmp_path / "report")
    one_line_error(code, err, f"{nan_effects['effects']}: 1 of 6 variants have NaN",
                   "(first: rs2)")
    assert not (tmp_path / "report").exists()
