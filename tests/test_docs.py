"""The documentation site: it builds with no warnings, and every tutorial's commands run.

Each ``bash`` block of ``docs/tutorials/<page>.md`` runs, in order, in one fresh folder, with
``bash -euo pipefail``; a block preceded by ``<!-- skip-test: reason -->`` is skipped (its output
is supplied by the page's setup below, which says what it stands in for).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
TUTORIALS = REPO / "docs" / "tutorials"
BLOCK = re.compile(r"(<!--\s*skip-test:[^>]*-->\s*\n)?```bash\n(.*?)```", re.S)


def shell_blocks(page: Path) -> list[str]:
    """The ``bash`` blocks of a page that are not marked skip-test."""
    return [body for skip, body in BLOCK.findall(page.read_text()) if not skip]


def run_blocks(page: Path, folder: Path, timeout: float = 900) -> str:
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    output = []
    for body in shell_blocks(page):
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", body], cwd=folder, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                timeout=timeout)
        assert result.returncode == 0, f"{page.name}: block failed:\n{body}\n{result.stdout}"
        output.append(result.stdout)
    return "\n".join(output)


def link_workflow(folder: Path) -> None:
    """What a repository checkout has that the workflow tutorials use."""
    for name in ("workflow", "config"):
        (folder / name).symlink_to(REPO / name)


def write_peaks_inputs(folder: Path) -> None:
    """A tiny genome with three targets' peaks (as tests/datasets uses), for own-peaks.md."""
    from tests.datasets.helpers import random_seq, write_bed, write_fasta, write_targets

    rng = np.random.default_rng(1)
    chroms = {f"chr{c}": random_seq(rng, 6000) for c in ("1", "2", "7", "8")}
    write_fasta(folder / "genome.fa", chroms)
    rows = []
    for name, file in (("CTCF", "ctcf.bed"), ("RAD21", "rad21.narrowPeak.gz"), ("DNase", "dnase.bed")):
        peaks = [(chrom, int(s), int(s) + 40) for chrom in chroms
                 for s in rng.integers(0, 5900, size=25)]
        write_bed(folder / file, peaks)
        rows.append((name, "DNase" if name == "DNase" else "TF", file))
    write_targets(folder, rows)


def write_variant_inputs(folder: Path) -> None:
    """A genome, a VCF of its bases, and a tiny checkpoint standing in for the imported
    published model (variants.md skips the import: the weight file is not shipped)."""
    from danq.models.checkpoint import save_checkpoint
    from tests.helpers import tiny_danq
    from tests.variants.helpers import CATEGORIES, LENGTH, TARGETS, random_dna, write_fasta

    chrom = random_dna(3000, seed=1)
    write_fasta(folder / "genome.fa", {"chr1": chrom})
    lines = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for i, pos in enumerate((500, 1200, 2000)):
        ref = chrom[pos - 1]
        alt = "A" if ref != "A" else "C"
        lines.append(f"chr1\t{pos}\tv{i}\t{ref}\t{alt}\t.\tPASS\t.")
    (folder / "variants.vcf").write_text("\n".join(lines) + "\n")
    model = tiny_danq(LENGTH, len(TARGETS))
    save_checkpoint(folder / "deepsea.pt", model,
                    {"target_names": TARGETS, "target_categories": CATEGORIES})


def test_every_tutorial_is_tested_and_marks_what_it_skips() -> None:
    pages = sorted(p.stem for p in TUTORIALS.glob("*.md"))
    assert pages == ["cluster", "own-peaks", "quickstart", "variants"]
    for page in TUTORIALS.glob("*.md"):
        assert shell_blocks(page), page  # something runs on every page
        for reason in re.findall(r"<!--\s*skip-test:([^>]*)-->", page.read_text()):
            assert reason.strip(), page


@pytest.mark.slow
def test_quickstart(tiny_workflow_run) -> None:
    # The folder where the session's tiny run already ran the page's own `snakemake` command
    # (tests/conftest.py): the page's blocks run there, the workflow finding nothing left to do.
    folder, result = tiny_workflow_run
    assert result.returncode == 0, result.stdout[-5000:]
    output = run_blocks(TUTORIALS / "quickstart.md", folder)
    assert (folder / "results" / "report" / "verdict.html").exists()
    assert "'goals'" in output and "run summary" in output  # what the page prints


def test_own_peaks(tmp_path: Path) -> None:
    write_peaks_inputs(tmp_path)
    run_blocks(TUTORIALS / "own-peaks.md", tmp_path)
    assert (tmp_path / "eval" / "danq" / "metrics.tsv").read_text().count("\n") == 4  # 3 targets
    assert (tmp_path / "motifs" / "danq" / "tomtom.tsv").exists()


def test_published_weights_and_variants(tmp_path: Path) -> None:
    write_variant_inputs(tmp_path)
    output = run_blocks(TUTORIALS / "variants.md", tmp_path)
    assert "logit_diff.tsv" in output
    assert (tmp_path / "effects" / "logit_diff.tsv").read_text().count("\n") == 4  # header + 3


@pytest.mark.skipif(importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
                    reason="snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]')")
def test_cluster(tmp_path: Path) -> None:
    link_workflow(tmp_path)
    output = run_blocks(TUTORIALS / "cluster.md", tmp_path)
    assert "slurm_account: \"mylab\"" in output
    assert "rule train:" in output  # the dry run planned the jobs


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None
                    or importlib.util.find_spec("mkdocs_click") is None,
                    reason="the docs extra is not installed (pip install -e '.[docs]')")
def test_the_site_builds_with_no_warnings(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                             str(tmp_path / "site")], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=300,
                            env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert result.returncode == 0, result.stdout
    cli = (tmp_path / "site" / "reference" / "cli" / "index.html").read_text()
    from danq.cli import SUBCOMMANDS

    for name in SUBCOMMANDS:  # every subcommand of the lazy group is in the generated reference
        assert f'id="danq-{name}"' in cli, name


def test_the_api_page_documents_every_name_of_the_notebook_api() -> None:
    import danq

    page = (REPO / "docs" / "reference" / "api.md").read_text()
    for name, (module, attribute) in danq.API.items():
        assert f"::: {module}.{attribute}\n" in page, name
