"""Benchmark `danq variant-effect`: variants/s and peak RSS at growing VCF sizes (memory must stay flat).

A work folder gets a random genome (two chromosomes), a sorted VCF of random SNVs whose REF matches
the genome, and a DanQ checkpoint (random weights): ``--model published`` is the published size
(1 kb input, 320 filters, BiLSTM 2x320, 925 dense, 919 targets); ``--model small`` keeps the 1 kb
input and 919 outputs but shrinks the layers (``tiny`` even more: the pipeline alone), to measure
memory at 100 k variants on a CPU in minutes. Each size runs the ``danq variant-effect`` command a
user types (``python -m danq variant-effect``: the first N records of the VCF, all outputs written:
one TSV per score, skipped.tsv, the HDF5) as a whole process, whose wall and CPU seconds and own
peak RSS (``ru_maxrss`` from ``wait4``) a small launcher process reports.

``--selene-venv PATH`` also runs the same VCF, genome and weights through Selene 0.6's
``AnalyzeSequences.variant_effect_prediction`` with that virtualenv's Python (Selene pins
torch <= 2.3.1, so it lives in its own venv: ``pip install --no-deps selene-sdk==0.6.0`` plus its
runtime dependencies; it is a benchmark peer, never a danq dependency).

``--compare`` (issue 23) runs, for each size, danq with its incremental path (the default),
danq ``--no-incremental`` (every window through the full model) and, with ``--selene-venv``, Selene,
each a whole child process, plus a **bare loop** in this process: the same REF/ALT windows
pre-encoded as one-hot tensors, then only ``model(batch)`` (2 windows a variant, no RC): the floor
of the full path. It prints each tool's ratio to the bare loop and the max |Δ| between danq's two
paths (every score of the HDF5). ``--arch deepsea`` uses the published-size DeepSEA instead.

Run: ``python benchmarks/variant_effect.py --sizes 1000,10000,100000 --model published``;
``python benchmarks/variant_effect.py --sizes 2000 --no-rc --scores diff --compare
--selene-venv /tmp/peers/selene``.
Report the machine's load next to any figure: on a shared CPU the throughputs are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from danq.runtime import cpu_name

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


def danq_command(args: dict) -> list[str]:
    """The ``danq variant-effect`` command line a user types, for this run's settings."""
    command = [sys.executable, "-m", "danq", "variant-effect", args["vcf"], "--genome",
               args["genome"], "--model", args["model"], "-o", args["out"], "--scores",
               args["scores"], "--batch-size", str(args["batch_size"]), "--device", args["device"],
               "--precision", args["precision"], "--threads", str(args["threads"]), "--no-progress",
               "--rc" if args["rc_average"] else "--no-rc",
               "--incremental" if args["incremental"] else "--no-incremental"]
    return command


SELENE_CHILD = textwrap.dedent("""
    # Runs under Selene's own virtualenv: Selene 0.6 + torch <= 2.3.1.
    import json, sys, time
    import torch
    from selene_sdk.predict import AnalyzeSequences
    from selene_sdk.sequences import Genome
    args = json.loads(sys.argv[1])
    sys.path.insert(0, args["danq_src"])
    from danq.models import DanQ, DeepSEA  # the same architecture and weights as the danq run

    class Probabilities(torch.nn.Module):  # Selene expects probabilities, danq models give logits
        def __init__(self):
            super().__init__()
            self.net = {"danq": DanQ, "deepsea": DeepSEA}[args.get("arch", "danq")](
                **args["model_args"])
        def forward(self, x):
            return torch.sigmoid(self.net(x))

    model = Probabilities()
    torch.set_num_threads(args["threads"])
    start = time.perf_counter()
    analysis = AnalyzeSequences(model, args["selene_weights"], sequence_length=1000,
                                features=[f"t{i}" for i in range(919)],
                                batch_size=args["batch_size"], use_cuda=False,
                                reference_sequence=Genome(args["genome"]))
    analysis.variant_effect_prediction(args["vcf"], save_data=args["selene_scores"],
                                       output_dir=args["out"], output_format="tsv")
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds}))
""")


LAUNCHER = textwrap.dedent("""
    # Runs the command from this small process and writes its wall and CPU seconds and peak RSS.
    # (Linux carries a process's peak RSS across exec: a child forked straight from the benchmark,
    # which holds the model and the bare loop's batches, would report the benchmark's own.)
    import json, os, subprocess, sys, time
    start = time.perf_counter()
    child = subprocess.Popen(sys.argv[2:])
    _, status, usage = os.wait4(child.pid, 0)
    with open(sys.argv[1], "w") as handle:
        json.dump({"wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
                   "rss_kb": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status)}, handle)
""")


def run_process(command: list[str], env: dict[str, str]) -> dict:
    """Run ``command``: its wall and CPU seconds and its own peak RSS, and the JSON its last
    stdout line holds, if any."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "usage.json"
        result = subprocess.run([sys.executable, "-c", LAUNCHER, str(report), *command],
                                capture_output=True, text=True, env=env, check=False)
        usage = json.loads(report.read_text()) if report.exists() else {"code": result.returncode}
    if usage["code"] != 0 or result.returncode != 0:
        raise SystemExit(f"{command[:4]} failed:\n{result.stderr[-3000:]}")
    lines = result.stdout.strip().splitlines()
    out: dict = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    out.update(process_seconds=usage["wall"], process_cpu_seconds=usage["cpu"],
               peak_rss_mb=usage["rss_kb"] / 1024)
    out.setdefault("seconds", usage["wall"])
    return out


def read_vcf_snvs(path: Path) -> list[tuple[str, int, str, str]]:
    with open(path) as handle:
        return [(f[0], int(f[1]), f[3], f[4]) for f in
                (line.split("\t") for line in handle if not line.startswith("#"))]


def bare_loop(model, genome: dict[str, np.ndarray], vcf: Path, batch_size: int,
              rc: bool) -> tuple[float, float]:
    """Wall and CPU seconds of ``model(batch)`` alone over the variants' REF and ALT windows, pre-encoded (REF
    centred at ``L // 2``, as danq and Selene place an SNV)."""
    import torch

    from danq.encoders import reverse_complement_tokens, tokens_to_one_hot

    length, half = 1000, 500
    rows = []
    for chrom, pos, _, alt in read_vcf_snvs(vcf):
        ref = genome[chrom][pos - 1 - half : pos - 1 - half + length].copy()
        mutant = ref.copy()
        mutant[half] = "ACGT".index(alt)
        rows.append((ref, mutant))
    batches = []
    for i in range(0, len(rows), batch_size):
        chunk = rows[i : i + batch_size]
        tokens = np.stack([r for r, _ in chunk] + [m for _, m in chunk])
        if rc:
            tokens = np.concatenate([tokens, reverse_complement_tokens(tokens)])
        batches.append(torch.from_numpy(tokens_to_one_hot(tokens)))
    start, cpu = time.perf_counter(), time.process_time()
    with torch.inference_mode():
        for x in batches:
            model(x)
    return time.perf_counter() - start, time.process_time() - cpu


def h5_scores(folder: Path) -> dict[str, np.ndarray]:
    import h5py

    with h5py.File(folder / "variant_effects.h5") as h5:
        return {k: h5["scores"][k][()] for k in h5["scores"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--arch", choices=["danq", "deepsea"], default="danq")
    parser.add_argument("--model", choices=sorted(MODEL_SIZES), default="published",
                        help="DanQ's size (DeepSEA is always the published size).")
    parser.add_argument("--scores", default="diff,logit_diff")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("--rc", action=argparse.BooleanOptionalAction, default=True,
                        help="danq's reverse-complement averaging (Selene 0.6 does none: use "
                             "--no-rc for a like-for-like comparison).")
    parser.add_argument("--compare", action="store_true",
                        help="Also danq --no-incremental and the bare loop (see the module doc).")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep files here (default: temp).")
    parser.add_argument("--selene-venv", type=Path, default=None,
                        help="A virtualenv with selene-sdk 0.6 (and torch <= 2.3.1): also time Selene.")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    import torch

    from danq.models import DanQ, DeepSEA
    from danq.models.checkpoint import save_checkpoint

    work = args.workdir or Path(tempfile.mkdtemp(prefix="danq-variant-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    genome_path = work / "genome.fa"
    genome = write_genome(genome_path, {"chr1": 3_000_000, "chr2": 2_000_000})
    full_vcf = work / f"variants_{max(sizes)}.vcf"
    write_vcf(full_vcf, genome, max(sizes))
    torch.manual_seed(0)
    if args.arch == "deepsea":
        model_args: dict = {"sequence_length": 1000, "n_targets": 919}
        model = DeepSEA(**model_args).eval()
    else:
        model_args = {"sequence_length": 1000, "n_targets": 919, **MODEL_SIZES[args.model]}
        model = DanQ(**model_args).eval()
    checkpoint = work / "model.pt"
    save_checkpoint(checkpoint, model)
    # Selene's checkpoint of the same weights (its model wraps ours as .net), written here so
    # that Selene's timed process only loads it, as danq's loads model.pt
    torch.save({"state_dict": {f"net.{k}": v for k, v in model.state_dict().items()}},
               work / "selene.pt")
    n_params = sum(p.numel() for p in model.parameters())
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    threads = args.threads or os.cpu_count()
    torch.set_num_threads(threads)
    print(f"# {args.arch} {args.model if args.arch == 'danq' else 'published'} "
          f"({n_params / 1e6:.1f} M parameters), {args.precision}, "
          f"{'RC averaging' if args.rc else 'no RC averaging'}, "
          f"scores {args.scores}, batch {args.batch_size}, device {args.device}, "
          f"threads {threads}; {cpu_name()}, load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs (shared machine: throughputs are noisy); random genome, SNVs")
    print("tool\tvariants\tseconds\twhole_process_s\twhole_process_cpu_s\tvariants_per_s\t"
          "peak_rss_mb\tvs_bare_loop\twhole_cpu_vs_bare_cpu\tnote")
    for n in sizes:
        vcf = work / f"variants_{n}.vcf"
        if vcf != full_vcf:
            head_vcf(full_vcf, vcf, n)
        bare, bare_cpu = (bare_loop(model, genome, vcf, args.batch_size, args.rc) if args.compare
                          else (None, None))

        def row(tool: str, result: dict, note: str = "", n: int = n, bare: float | None = bare,
                bare_cpu: float | None = bare_cpu) -> None:
            ratio = f"{result['seconds'] / bare:.2f}" if bare else "-"
            process = result.get("process_seconds")
            cpu = result.get("process_cpu_seconds")
            cpu_ratio = f"{cpu / bare_cpu:.2f}" if bare_cpu and cpu else "-"
            print(f"{tool}\t{n}\t{result['seconds']:.1f}\t"
                  f"{process if process is None else round(process, 1)}\t"
                  f"{cpu if cpu is None else round(cpu, 1)}\t{n / result['seconds']:.1f}\t"
                  f"{result.get('peak_rss_mb', 0):.0f}\t{ratio}\t{cpu_ratio}\t{note}", flush=True)

        if bare is not None:
            row("bare loop (pre-encoded, full path)", {"seconds": bare,
                                                       "process_cpu_seconds": bare_cpu})
        paths = [("danq", True)] + ([("danq --no-incremental", False)] if args.compare else [])
        outs = {}
        for tool, incremental in paths:
            outs[tool] = work / f"out_{n}_{int(incremental)}"
            shutil.rmtree(outs[tool], ignore_errors=True)  # this benchmark's own earlier output
            result = run_process(danq_command({
                "vcf": str(vcf), "genome": str(genome_path), "out": str(outs[tool]),
                "model": str(checkpoint), "scores": args.scores, "batch_size": args.batch_size,
                "device": args.device, "precision": args.precision, "threads": threads,
                "rc_average": args.rc, "incremental": incremental,
            }), env)
            note = ""
            if not incremental:
                fast, slow = h5_scores(outs["danq"]), h5_scores(outs[tool])
                note = "max |d| vs incremental " + ", ".join(
                    f"{k} {np.abs(fast[k] - slow[k]).max():.1e}" for k in sorted(fast))
            row(tool, result, note)
        if args.selene_venv is not None:
            selene = run_process([str(args.selene_venv / "bin" / "python"), "-c", SELENE_CHILD, json.dumps({
                "vcf": str(vcf), "genome": str(genome_path), "out": str(work / f"selene_{n}"),
                "selene_weights": str(work / "selene.pt"),
                "danq_src": env["PYTHONPATH"], "model_args": model_args, "arch": args.arch,
                "batch_size": args.batch_size, "threads": threads,
                "selene_scores": ["diffs"] if args.scores == "diff" else ["diffs", "logits"],
            })], env={k: v for k, v in env.items() if k != "PYTHONPATH"})
            row("selene", selene, "seconds: the variant_effect_prediction call")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"# total {time.perf_counter() - started:.0f} s", file=sys.stderr)
