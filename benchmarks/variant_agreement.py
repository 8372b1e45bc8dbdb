"""`danq variant-effect` against Selene 0.6's variant effect prediction: same weights, same genome.

A temporary folder gets a random genome (two chromosomes, seeded), a VCF of ``--n`` SNVs, ``--n``
insertions and ``--n`` deletions per chromosome (VCF style: REF from the genome, indels anchored on
their first base, 1-9 bases inserted or deleted, away from the chromosome ends, so that neither
tool pads), and a DanQ of the published size with random weights (seeded), written as a danq
checkpoint and in Selene's DanQ layout (:mod:`selene_peer` holds the layout and the venv recipe).

Selene runs ``AnalyzeSequences.variant_effect_prediction`` (``save_data`` diffs and logits, HDF5)
in its own virtual environment (``--venv``; built as :func:`selene_peer.ensure_selene_venv` does
when missing). danq runs ``danq variant-effect --precision fp32 --scores diff,logit_diff`` with
each window convention (``--window centered|selene|left``), ``--no-rc`` unless ``--rc`` (then
Selene's ``NonStrandSpecific`` mean: Selene averages the *probabilities* of the two strands and
takes its logit score of the averages; danq averages per-strand ``logit_diff``\\s, so only
``diff`` is comparable there).

Printed per convention and per kind of variant (SNV, insertion, deletion): max |Δ diff| and max
|Δ logit_diff| between danq and Selene, next to the median |diff| (the size of what is compared).
Selene's logit score clips probabilities at 1e-24 and 0.999999 in float32; danq's comes from the
logits in float64, so ``logit_diff`` can differ where probabilities are extreme.

``--output-scale S`` multiplies the last layer's weights and bias: random weights put every
probability near 0.5, a scale of 20 spreads them toward 0 and 1 (larger effects, extreme logits).

Usage: ``python benchmarks/variant_agreement.py [--n 40] [--rc] [--output-scale 20]
[--venv PATH]``.
About a minute per tool at the defaults on 2 cores (published-size DanQ, 1 kb windows).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from selene_peer import (  # noqa: E402
    SELENE_MODEL_FILE,
    ensure_selene_venv,
    selene_state_dict,
)

from danq.models import DanQ  # noqa: E402
from danq.models.checkpoint import save_checkpoint  # noqa: E402

KINDS = ("snv", "insertion", "deletion")
CONVENTIONS = ("centered", "selene", "left")

SELENE_RUNNER = '''
import sys
import torch
sys.path.insert(0, sys.argv[1])
from selene_layout_danq import SeleneLayoutDanQ
from selene_sdk.predict import AnalyzeSequences
from selene_sdk.sequences import Genome
from selene_sdk.utils import NonStrandSpecific

length, n_targets, weights, fasta, vcf, out, rc = sys.argv[2:9]
torch.set_num_threads(int(sys.argv[9]))
model = SeleneLayoutDanQ(int(length), int(n_targets))
if rc == "1":
    model = NonStrandSpecific(model, mode="mean")
analysis = AnalyzeSequences(model, weights, int(length), [f"t{i}" for i in range(int(n_targets))],
                            batch_size=64, reference_sequence=Genome(fasta))
analysis.variant_effect_prediction(vcf, save_data=["diffs", "logits"], output_dir=out,
                                   output_format="hdf5")
'''


def write_genome(path: Path, sizes: dict[str, int], rng: np.random.Generator) -> dict[str, str]:
    """Random chromosomes, 60 bp lines; returns their sequences."""
    genome = {}
    with open(path, "w", encoding="ascii") as handle:
        for name, size in sizes.items():
            seq = "".join(np.array(list("ACGT"))[rng.integers(0, 4, size)])
            genome[name] = seq
            handle.write(f">{name}\n" + "".join(seq[i : i + 60] + "\n" for i in range(0, size, 60)))
    return genome


def make_variants(genome: dict[str, str], n: int, margin: int,
                  rng: np.random.Generator) -> list[tuple[str, int, str, str, str, str]]:
    """``n`` SNVs, insertions and deletions per chromosome: (chrom, pos, id, ref, alt, kind)."""
    rows = []
    for chrom, seq in genome.items():
        positions = np.sort(rng.choice(np.arange(margin, len(seq) - margin), size=3 * n,
                                       replace=False))
        for i, pos0 in enumerate(positions.tolist()):
            kind = KINDS[i % 3]
            size = int(rng.integers(1, 10))
            if kind == "snv":
                ref = seq[pos0]
                alt = "ACGT"[("ACGT".index(ref) + int(rng.integers(1, 4))) % 4]
            elif kind == "insertion":
                ref = seq[pos0]
                alt = ref + "".join(np.array(list("ACGT"))[rng.integers(0, 4, size)])
            else:
                ref = seq[pos0 : pos0 + 1 + size]
                alt = ref[0]
            rows.append((chrom, pos0 + 1, f"{kind}_{chrom}_{i}", ref, alt, kind))
    return rows


def write_vcf(path: Path, rows: list[tuple[str, int, str, str, str, str]]) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        handle.writelines(f"{c}\t{p}\t{i}\t{r}\t{a}\t.\t.\t.\n" for c, p, i, r, a, _ in rows)


def selene_scores(out: Path) -> dict[str, dict[str, np.ndarray]]:
    """Selene's diffs and logits by variant id (its HDF5 ``data`` rows, row labels alongside)."""
    (labels,) = out.glob("*_row_labels.txt")
    lines = labels.read_text().splitlines()
    header = lines[0].split("\t")
    ids = [line.split("\t")[header.index("name")] for line in lines[1:]]
    scores = {}
    for name in ("diffs", "logits"):
        (path,) = out.glob(f"*_{name}.h5")
        with h5py.File(path, "r") as handle:
            data = handle["data"][()]
        scores[name] = dict(zip(ids, data, strict=True))
    return scores


def danq_scores(out: Path) -> dict[str, dict[str, np.ndarray]]:
    """danq's diff and logit_diff by variant id, from its HDF5."""
    with h5py.File(out / "variant_effects.h5", "r") as handle:
        ids = [s.decode() for s in handle["variants/id"][:]]
        return {name: dict(zip(ids, handle[f"scores/{name}"][()], strict=True))
                for name in ("diff", "logit_diff")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="variants of each kind per chromosome")
    parser.add_argument("--length", type=int, default=1000)
    parser.add_argument("--rc", action="store_true", help="both strands (Selene: NonStrandSpecific mean)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output-scale", type=float, default=1.0,
                        help="multiply the last layer's weights and bias (random weights give "
                             "probabilities near 0.5; e.g. 20 spreads them toward 0 and 1)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of each tool")
    parser.add_argument("--venv", type=Path,
                        default=Path.home() / ".cache" / "danq-benchmarks" / "selene-0.6",
                        help="Selene's virtual environment (built there when missing)")
    parser.add_argument("--torch", default="torch==2.13.0", help="torch for a new Selene venv")
    args = parser.parse_args()

    selene = ensure_selene_venv(args.venv, args.torch)
    rng = np.random.default_rng(args.seed)
    n_targets = 919
    with tempfile.TemporaryDirectory(prefix="danq-variant-agreement-") as tmpname:
        tmp = Path(tmpname)
        fasta = tmp / "genome.fa"
        genome = write_genome(fasta, {"chr1": 30_000, "chr2": 20_000}, rng)
        rows = make_variants(genome, args.n, margin=args.length, rng=rng)
        vcf = tmp / "variants.vcf"
        write_vcf(vcf, rows)
        kind_of = {r[2]: r[5] for r in rows}
        torch.manual_seed(args.seed)
        model = DanQ(sequence_length=args.length, n_targets=n_targets)
        with torch.no_grad():
            model.fc2.weight.mul_(args.output_scale)
            model.fc2.bias.mul_(args.output_scale)
        ckpt = tmp / "danq.pt"
        save_checkpoint(ckpt, model, {"target_names": [f"t{i}" for i in range(n_targets)]})
        weights = tmp / "selene_danq.pth.tar"
        torch.save(selene_state_dict(model), weights)
        (tmp / "selene_layout_danq.py").write_text(SELENE_MODEL_FILE)

        env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
        subprocess.run([str(selene), "-c", SELENE_RUNNER, str(tmp), str(args.length),
                        str(n_targets), str(weights), str(fasta), str(vcf), str(tmp / "selene"),
                        "1" if args.rc else "0", str(args.threads)],
                       check=True, env=env, capture_output=True)
        reference = selene_scores(tmp / "selene")
        results = {}
        for convention in CONVENTIONS:
            out = tmp / f"danq-{convention}"
            subprocess.run([sys.executable, "-m", "danq", "variant-effect", str(vcf), "--genome",
                            str(fasta), "--model", str(ckpt), "-o", str(out), "--precision",
                            "fp32", "--scores", "diff,logit_diff", "--window", convention,
                            "--rc" if args.rc else "--no-rc", "--threads", str(args.threads),
                            "--no-progress"], check=True, env=env, capture_output=True)
            results[convention] = danq_scores(out)

    print(f"{len(rows)} variants ({args.n} of each kind per chromosome, 1-9 bp indels), DanQ "
          f"published size, random weights (seed {args.seed}, last layer x{args.output_scale:g}), "
          f"{args.length} bp, {n_targets} "
          f"targets, rc={'yes (Selene: NonStrandSpecific mean)' if args.rc else 'no'}, fp32, "
          f"torch {torch.__version__}")
    print(f"{'window':<10}{'kind':<11}{'n':>4}{'median |diff|':>15}{'max |d diff|':>14}"
          f"{'max |d logit_diff|':>20}")
    for convention, scores in results.items():
        for kind in KINDS:
            ids = [i for i in scores["diff"] if kind_of[i] == kind]
            ours = np.stack([scores["diff"][i] for i in ids])
            theirs = np.stack([reference["diffs"][i] for i in ids])
            logit_ours = np.stack([scores["logit_diff"][i] for i in ids])
            logit_theirs = np.stack([reference["logits"][i] for i in ids])
            print(f"{convention:<10}{kind:<11}{len(ids):>4}{np.median(np.abs(theirs)):>15.2e}"
                  f"{np.abs(ours - theirs).max():>14.2e}"
                  f"{np.abs(logit_ours - logit_theirs).max():>20.2e}")


if __name__ == "__main__":
    main()
