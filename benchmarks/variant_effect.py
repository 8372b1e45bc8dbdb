"""Benchmark `danq variant-effect`: variants/s and peak RSS at growing VCF sizes (memory must stay flat).

A work folder gets a random genome (two chromosomes), a sorted VCF of random SNVs whose REF matches
the genome, and a DanQ checkpoint (random weights): ``--model published`` is the published size
(1 kb input, 320 filters, BiLSTM 2x320, 925 dense, 919 targets); ``--model small`` keeps the 1 kb
input and 919 outputs but shrinks the layers (``tiny`` even more: the pipeline alone), to measure
memory at 100 k variants on a CPU in minutes. Each size runs :func:`danq.variants.effect.run_variant_effect` in a fresh child
process (the first N records of the VCF, all outputs written: one TSV per score, skipped.tsv, the
HDF5), which reports its wall time and peak RSS (``ru_maxrss``).

``--selene-venv PATH`` also runs the same VCF, genome and weights through Selene 0.6's
``AnalyzeSequences.variant_effect_prediction`` with that virtualenv's Python (Selene pins
torch <= 2.3.1, so it lives in its own venv: ``pip install --no-deps selene-sdk==0.6.0`` plus its
runtime dependencies; it is a benchmark peer, never a danq dependency).

Run: ``python benchmarks/variant_effect.py --sizes 1000,10000,100000 --model published``.
Report the machine's load next to any figure: on a shared CPU the throughputs are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

MODEL_SIZES = {
    "published": {},
    "small": {"conv_channels": 32, "lstm_hidden": 16, "dense_hidden": 64},
    "tiny": {"conv_channels": 8, "conv_width": 26, "lstm_hidden": 4, "dense_hidden": 16},
}


def write_genome(path: Path, sizes: dict[str, int], seed: int = 0) -> dict[str, np.ndarray]:
    """Random chromosomes (60 bp lines); returns their tokens."""
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    tokens = {}
    with open(path, "w", encoding="ascii") as handle:
        for name, size in sizes.items():
            seq = rng.integers(0, 4, size=size, dtype=np.uint8)
            tokens[name] = seq
            text = letters[seq].tobytes().decode()
            handle.write(f">{name}\n")
            handle.writelines(text[i : i + 60] + "\n" for i in range(0, size, 60))
    return tokens


def write_vcf(path: Path, genome: dict[str, np.ndarray], n: int, seed: int = 1) -> None:
    """``n`` random SNVs, sorted, REF from the genome, away from the chromosome ends."""
    rng = np.random.default_rng(seed)
    names = list(genome)
    per = np.bincount(rng.integers(0, len(names), size=n), minlength=len(names))
    with open(path, "w", encoding="ascii") as handle:
        handle.write("##fileformat=VCFv4.2\n")
        handle.writelines(f"##contig=<ID={c},length={len(s)}>\n" for c, s in genome.items())
        handle.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for name, count in zip(names, per.tolist(), strict=True):
            seq = genome[name]
            positions = np.sort(rng.integers(1000, len(seq) - 1000, size=count))
            shifts = rng.integers(1, 4, size=count)
            for i, (p, s) in enumerate(zip(positions.tolist(), shifts.tolist(), strict=True)):
                ref = int(seq[p - 1])
                handle.write(f"{name}\t{p}\tv{name}_{i}\t{'ACGT'[ref]}\t{'ACGT'[(ref + s) % 4]}"
                             "\t.\t.\t.\n")


def head_vcf(source: Path, target: Path, n: int) -> None:
    """The header and first ``n`` records of ``source``."""
    with open(source) as src, open(target, "w") as dst:
        records = 0
        for line in src:
            if not line.startswith("#"):
                if records == n:
                    break
                records += 1
            dst.write(line)


CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from danq.variants.effect import run_variant_effect
    args = json.loads(sys.argv[1])
    start = time.perf_counter()
    summary = run_variant_effect(args["vcf"], args["genome"], args["out"], model=args["model"],
                                 scores=args["scores"], batch_size=args["batch_size"],
                                 device=args["device"], precision=args["precision"],
                                 threads=args["threads"], progress=False,
                                 rc_average=args["rc_average"])
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "n_scored": summary["n_scored"],
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")

SELENE_CHILD = textwrap.dedent("""
    # Runs under Selene's own virtualenv: Selene 0.6 + torch <= 2.3.1.
    import json, resource, sys, time
    import torch
    from selene_sdk.predict import AnalyzeSequences
    from selene_sdk.sequences import Genome
    args = json.loads(sys.argv[1])
    sys.path.insert(0, args["danq_src"])
    from danq.models import DanQ  # the same architecture and weights as the danq run

    class Probabilities(torch.nn.Module):  # Selene expects probabilities, danq models give logits
        def __init__(self):
            super().__init__()
            self.net = DanQ(**args["model_args"])
        def forward(self, x):
            return torch.sigmoid(self.net(x))

    model = Probabilities()
    torch.save({"state_dict": {f"net.{k}": v for k, v in torch.load(args["weights"]).items()}},
               args["selene_weights"])
    torch.set_num_threads(args["threads"])
    start = time.perf_counter()
    analysis = AnalyzeSequences(model, args["selene_weights"], sequence_length=1000,
                                features=[f"t{i}" for i in range(919)],
                                batch_size=args["batch_size"], use_cuda=False,
                                reference_sequence=Genome(args["genome"]))
    analysis.variant_effect_prediction(args["vcf"], save_data=args["selene_scores"],
                                       output_dir=args["out"], output_format="tsv")
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def run_child(python: str, code: str, args: dict, env: dict[str, str]) -> dict:
    result = subprocess.run([python, "-c", code, json.dumps(args)], capture_output=True, text=True,
                            env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--model", choices=sorted(MODEL_SIZES), default="published")
    parser.add_argument("--scores", default="diff,logit_diff")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("--rc", action=argparse.BooleanOptionalAction, default=True,
                        help="danq's reverse-complement averaging (Selene 0.6 does none: use "
                             "--no-rc for a like-for-like comparison).")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep files here (default: temp).")
    parser.add_argument("--selene-venv", type=Path, default=None,
                        help="A virtualenv with selene-sdk 0.6 (and torch <= 2.3.1): also time Selene.")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    import torch

    from danq.models import DanQ
    from danq.models.checkpoint import save_checkpoint

    work = args.workdir or Path(tempfile.mkdtemp(prefix="danq-variant-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    genome_path = work / "genome.fa"
    genome = write_genome(genome_path, {"chr1": 3_000_000, "chr2": 2_000_000})
    full_vcf = work / f"variants_{max(sizes)}.vcf"
    write_vcf(full_vcf, genome, max(sizes))
    torch.manual_seed(0)
    model_args = {"sequence_length": 1000, "n_targets": 919, **MODEL_SIZES[args.model]}
    model = DanQ(**model_args).eval()
    checkpoint = work / "danq.pt"
    save_checkpoint(checkpoint, model)
    torch.save(model.state_dict(), work / "weights.pt")
    n_params = sum(p.numel() for p in model.parameters())
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    print(f"# DanQ {args.model} ({n_params / 1e6:.1f} M parameters), {args.precision}, "
          f"{'RC averaging' if args.rc else 'no RC averaging'}, "
          f"scores {args.scores}, batch {args.batch_size}, device {args.device}, "
          f"threads {args.threads or 'all'}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs (shared machine: throughputs are noisy)")
    print("tool\tvariants\tseconds\tvariants_per_s\tpeak_rss_mb")
    for n in sizes:
        vcf = work / f"variants_{n}.vcf"
        if vcf != full_vcf:
            head_vcf(full_vcf, vcf, n)
        result = run_child(sys.executable, CHILD, {
            "vcf": str(vcf), "genome": str(genome_path), "out": str(work / f"out_{n}"),
            "model": str(checkpoint), "scores": args.scores, "batch_size": args.batch_size,
            "device": args.device, "precision": args.precision, "threads": args.threads,
            "rc_average": args.rc,
        }, env)
        print(f"danq\t{n}\t{result['seconds']:.1f}\t{n / result['seconds']:.1f}\t"
              f"{result['peak_rss_mb']:.0f}", flush=True)
        if args.selene_venv is not None:
            selene = run_child(str(args.selene_venv / "bin" / "python"), SELENE_CHILD, {
                "vcf": str(vcf), "genome": str(genome_path), "out": str(work / f"selene_{n}"),
                "weights": str(work / "weights.pt"), "selene_weights": str(work / "selene.pt"),
                "danq_src": env["PYTHONPATH"], "model_args": model_args,
                "batch_size": args.batch_size, "threads": args.threads or os.cpu_count(),
                "selene_scores": ["diffs", "logits"],
            }, env={k: v for k, v in env.items() if k != "PYTHONPATH"})
            print(f"selene\t{n}\t{selene['seconds']:.1f}\t{n / selene['seconds']:.1f}\t"
                  f"{selene['peak_rss_mb']:.0f}", flush=True)
    if args.workdir is None:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"# total {time.perf_counter() - started:.0f} s", file=sys.stderr)
