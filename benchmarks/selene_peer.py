"""`danq predict` against Selene 0.6, whole processes, same FASTA and same DanQ weights.

Selene (``selene-sdk`` 0.6.0) pins ``torch<=2.3.1``, so it lives in its own virtual environment,
created on first use (``--venv``, default ``~/.cache/danq-benchmarks/selene-0.6``): torch from
``--torch`` (default ``torch==2.13.0``, the same CPU build as danq's), Selene's runtime
dependencies, then ``selene-sdk`` itself with ``--no-deps --no-build-isolation`` (its Cython parts
are built against that venv's numpy). Selene is never a dependency of danq.

A temporary directory gets ``--n`` random ``--length`` bp sequences (FASTA, 60 bp lines) and a
DanQ of the published size with random weights (seeded). The same tensors are written twice: as a
danq checkpoint, and renamed into the layout of Selene's own DanQ (``nnet`` conv block,
``bdlstm`` BiLSTM, ``classifier`` dense block ending in a sigmoid; flatten step-major), which a
small model file in the temporary directory declares for Selene's YAML loader. The two
architectures are the same computation (conv 4→320 k26, ReLU, max-pool 13, BiLSTM 320+320 with
logistic gates, dense 925, ReLU, dense 919, sigmoid).

Each repeat runs, interleaved so that load changes hit all alike:

* ``python -m selene_sdk config.yml`` (``analyze`` → ``get_predictions`` on the FASTA, TSV out);
* ``danq predict --precision fp32`` and ``danq predict`` with its default precision (``auto``),
  TSV out, ``--no-rc`` unless ``--rc`` (then Selene runs its ``NonStrandSpecific`` mean).

Times are whole processes (interpreter start, imports, weight load, FASTA parse, forward passes,
writing): wall seconds and CPU seconds (user + system; steadier when other jobs share the cores). The accuracy check runs each tool once more with exact float outputs (Selene's
TSV has 3 significant digits): HDF5 from both, max |Δp| of danq fp32 and danq auto against Selene.

``--baseline DIR`` also times another danq checkout (``PYTHONPATH=DIR``), e.g. main before a change.

Usage: ``python benchmarks/selene_peer.py [--n 2000] [--repeats 2] [--baseline /path/to/main]``. On a 2-core machine a repeat
of all three processes at n=2000 takes ~30-60 s; the venv is built once (a few minutes).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from predict import write_random_fasta  # noqa: E402

from danq.models import DanQ  # noqa: E402
from danq.models.checkpoint import save_checkpoint  # noqa: E402

SELENE_SPEC = "selene-sdk==0.6.0"
#: Selene 0.6's install_requires minus torch (installed separately, unpinned from <=2.3.1).
SELENE_RUNTIME_DEPS = [
    "cython>=0.29.24", "numpy", "click", "h5py", "matplotlib", "pandas", "plotly", "pyfaidx",
    "pytabix", "pyyaml>=5.1", "ruamel.yaml", "scikit-learn", "scipy", "seaborn", "statsmodels",
    "six", "setuptools<81", "wheel",  # selene imports pkg_resources (gone from setuptools 81)
]

#: Selene's DanQ layout, written for its YAML model loader (``model: path/class/class_args``).
SELENE_MODEL_FILE = '''"""DanQ in the module layout Selene's DanQ uses (state-dict keys nnet/bdlstm/classifier)."""
import torch
from torch import nn


class SeleneLayoutDanQ(nn.Module):
    def __init__(self, sequence_length, n_genomic_features):
        super().__init__()
        steps = (sequence_length - 25) // 13
        self.steps = steps
        self.nnet = nn.Sequential(nn.Conv1d(4, 320, 26), nn.ReLU(inplace=True),
                                  nn.MaxPool1d(13, 13), nn.Dropout(0.2))
        self.bdlstm = nn.Sequential(nn.LSTM(320, 320, batch_first=True, bidirectional=True))
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(steps * 640, 925),
                                        nn.ReLU(inplace=True), nn.Linear(925, n_genomic_features),
                                        nn.Sigmoid())

    def forward(self, x):
        features = self.nnet(x).transpose(1, 2)          # (B, steps, 320)
        states, _ = self.bdlstm(features)                # (B, steps, 640)
        return self.classifier(states.reshape(states.shape[0], -1))


def criterion():
    return nn.BCELoss()


def get_optimizer(lr):
    return (torch.optim.RMSprop, {"lr": lr})
'''

SELENE_CONFIG = """ops: [analyze]
model: {{
    path: {model_file},
    class: SeleneLayoutDanQ,
    class_args: {{ sequence_length: {length}, n_genomic_features: {n_targets} }},
{non_strand_specific}}}
analyze_sequences: !obj:selene_sdk.predict.AnalyzeSequences {{
    trained_model_path: {weights},
    sequence_length: {length},
    features: !obj:selene_sdk.utils.load_features_list {{ input_path: {features} }},
    batch_size: {batch_size},
    use_cuda: False,
}}
prediction: {{
    input_path: {fasta},
    output_dir: {output_dir},
    output_format: {output_format},
}}
random_seed: 0
"""

#: danq's DanQ parameter names → Selene layout names.
SELENE_KEYS = {"conv": "nnet.0", "lstm": "bdlstm.0", "fc1": "classifier.1", "fc2": "classifier.3"}


def selene_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_selene_venv(venv: Path, torch_spec: str) -> Path:
    """Create (once) a venv with Selene 0.6 on ``torch_spec``; return its python."""
    python = selene_python(venv)
    check = [str(python), "-c", "import selene_sdk, selene_sdk.sequences._sequence"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"building Selene venv in {venv} (once) ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, torch_spec], check=True)
    subprocess.run([*pip, *SELENE_RUNTIME_DEPS], check=True)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", SELENE_SPEC], check=True)
    subprocess.run(check, check=True)
    return python


def selene_state_dict(model: DanQ) -> dict[str, torch.Tensor]:
    """``model``'s tensors under the parameter names of Selene's DanQ layout."""
    renamed = {}
    for name, tensor in model.state_dict().items():
        module, _, leaf = name.partition(".")
        renamed[f"{SELENE_KEYS[module]}.{leaf}"] = tensor.clone()
    return renamed


def write_selene_inputs(tmp: Path, fasta: Path, weights: Path, args: argparse.Namespace,
                        output_format: str, n_targets: int) -> Path:
    """Model file, features list and YAML config for one Selene run; return the config path."""
    model_file = tmp / "selene_layout_danq.py"
    model_file.write_text(SELENE_MODEL_FILE)
    features = tmp / "features.txt"
    features.write_text("".join(f"t{i}\n" for i in range(n_targets)))
    out = tmp / f"selene-{output_format}"
    config = tmp / f"selene-{output_format}.yml"
    config.write_text(SELENE_CONFIG.format(
        model_file=model_file, length=args.length, n_targets=n_targets, weights=weights,
        features=features, batch_size=args.batch_size, fasta=fasta, output_dir=out,
        output_format=output_format,
        non_strand_specific="    non_strand_specific: mean,\n" if args.rc else "",
    ))
    return config


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU (user + system) seconds of ``command`` as a whole process, and its stderr.

    Fails loudly on a non-zero exit. CPU seconds move less than wall time when other processes
    share the cores, so both are reported.
    """
    cpu_before = _children_cpu_seconds()
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return elapsed, _children_cpu_seconds() - cpu_before, result.stderr


def selene_h5_probabilities(out_dir: Path) -> np.ndarray:
    """Selene's HDF5 predictions (rows in FASTA order)."""
    (path,) = out_dir.glob("*_predictions.h5")
    with h5py.File(path, "r") as handle:
        return handle["data"][()]


def danq_h5_probabilities(path: Path) -> np.ndarray:
    with h5py.File(path, "r") as handle:
        return handle["probabilities"][()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="sequences (default 2000)")
    parser.add_argument("--length", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=128, help="both tools (default 128)")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per tool (default 2)")
    parser.add_argument("--rc", action="store_true", help="reverse-complement averaging in both")
    parser.add_argument("--venv", type=Path,
                        default=Path.home() / ".cache" / "danq-benchmarks" / "selene-0.6")
    parser.add_argument("--torch", default="torch==2.13.0", help="torch for the Selene venv")
    parser.add_argument("--danq", default=None,
                        help="danq executable (default: this interpreter's `-m danq`)")
    parser.add_argument("--no-accuracy", action="store_true", help="skip the HDF5 accuracy runs")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another danq checkout (e.g. main) timed too, via PYTHONPATH")
    args = parser.parse_args()

    selene = ensure_selene_venv(args.venv, args.torch)
    danq_cmd = args.danq.split() if args.danq else [sys.executable, "-m", "danq"]
    env = dict(os.environ)
    rc_flag = "--rc" if args.rc else "--no-rc"
    n_targets = 919
    with tempfile.TemporaryDirectory(prefix="danq-vs-selene-") as tmpname:
        tmp = Path(tmpname)
        fasta = tmp / "seqs.fa"
        write_random_fasta(fasta, args.n, args.length)
        torch.manual_seed(0)
        model = DanQ(sequence_length=args.length, n_targets=n_targets)
        ckpt = tmp / "danq.pt"
        save_checkpoint(ckpt, model, {"target_names": [f"t{i}" for i in range(n_targets)]})
        weights = tmp / "selene_danq.pth.tar"
        torch.save(selene_state_dict(model), weights)

        def danq(precision: str | None, fmt: str) -> list[str]:
            out = tmp / f"danq-{precision or 'default'}.{fmt}"
            command = [*danq_cmd, "predict", str(fasta), "--model", str(ckpt), "-o", str(out),
                       rc_flag, "--batch-size", str(args.batch_size), "--no-progress"]
            return command + (["--precision", precision] if precision else [])

        runs = {
            "selene": ([str(selene), "-m", "selene_sdk",
                        str(write_selene_inputs(tmp, fasta, weights, args, "tsv", n_targets))], env),
            "danq fp32": (danq("fp32", "tsv"), env),
            "danq default": (danq(None, "tsv"), env),
        }
        if args.baseline is not None:
            baseline_env = {**env, "PYTHONPATH": str(args.baseline.resolve())}
            runs["base fp32"] = (danq("fp32", "tsv"), baseline_env)
            runs["base default"] = (danq(None, "tsv"), baseline_env)
        times: dict[str, list[float]] = {name: [] for name in runs}
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        stderr: dict[str, str] = {}
        for _ in range(args.repeats):
            for name, (command, run_env) in runs.items():
                seconds, cpu_seconds, stderr[name] = timed(command, run_env)
                times[name].append(seconds)
                cpu[name].append(cpu_seconds)
        load = os.getloadavg()

        deltas = {}
        if not args.no_accuracy:  # not timed
            config = write_selene_inputs(tmp, fasta, weights, args, "hdf5", n_targets)
            timed([str(selene), "-m", "selene_sdk", str(config)], env)
            reference = selene_h5_probabilities(tmp / "selene-hdf5")
            for label, precision in (("danq fp32", "fp32"), ("danq default", None)):
                timed(danq(precision, "h5"), env)
                probs = danq_h5_probabilities(tmp / f"danq-{precision or 'default'}.h5")
                deltas[label] = float(np.abs(probs - reference).max())

        precision_line = next(
            (line for line in stderr["danq default"].splitlines() if "precision" in line), "")

    selene_median = statistics.median(times["selene"])
    selene_cpu = statistics.median(cpu["selene"])
    print(f"\n{args.n} x {args.length} bp, DanQ 919 targets, batch {args.batch_size}, "
          f"rc={'yes' if args.rc else 'no'}, {os.cpu_count()} CPUs, torch "
          f"{torch.__version__}, cpu capability {torch.backends.cpu.get_cpu_capability()}")
    print(f"load average during the timed runs: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if precision_line:
        print(f"danq default precision: {precision_line.strip()}")
    print(f"{'tool':<14}{'wall runs (s)':<22}{'median s':>9}{'seq/s':>8}{'vs Selene':>10}"
          f"{'cpu s':>8}{'cpu vs Selene':>14}{'max |dp|':>10}")
    for name, values in times.items():
        median = statistics.median(values)
        cpu_median = statistics.median(cpu[name])
        delta = f"{deltas[name]:.2e}" if name in deltas else "-"
        runs_text = " ".join(f"{v:.1f}" for v in values)
        print(f"{name:<14}{runs_text:<22}{median:>9.2f}{args.n / median:>8.1f}"
              f"{selene_median / median:>9.2f}x{cpu_median:>8.1f}{selene_cpu / cpu_median:>13.2f}x"
              f"{delta:>10}")


if __name__ == "__main__":
    main()
