"""Outputs that must not destroy anything (issue 24, items 1, 2, 6, 11 and 12).

* An existing output folder keeps the files the user put in it: a command's folder is staged and
  published file by file into it, replacing only its own names.
* SIGTERM right after the first output file appeared leaves no partial output folder.
* A device, a FIFO or a ``/dev/stdout``-style link given as an output file is written, never
  replaced by a regular file; ``/dev/full`` is the one-line disk-full error.
* variant-report's bad inputs are one line and leave no folder.
* A file name holding a newline is shown whole, on one line.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from danq.errors import DanqError
from danq.io import TEMP_TAG, atomic_directory, atomic_path
from danq.models.checkpoint import save_checkpoint
from tests.cli.conftest import LENGTH, TARGETS
from tests.helpers import run_danq as run
from tests.helpers import tiny_danq

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")


def one_line_error(code: int, err: str, expected: str) -> None:
    lines = [line for line in err.strip().splitlines() if not line.startswith("danq: warning: ")]
    assert code == 1, err
    assert len(lines) == 1, err
    assert lines[0].startswith("danq: error: "), err
    assert expected in lines[0], err


def write_fasta(path: Path, n: int = 6, length: int = LENGTH, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    path.write_text("".join(f">s{i}\n{''.join(rng.choice(list('ACGT'), size=length))}\n"
                            for i in range(n)))
    return path


@pytest.fixture
def fasta(tmp_path) -> Path:
    return write_fasta(tmp_path / "x.fa")


def mine(folder: Path) -> Path:
    """An existing output folder holding a file of the user's."""
    folder.mkdir()
    (folder / "mine.txt").write_text("mine\n")
    return folder


def no_temporaries(folder: Path) -> None:
    left = [p.name for p in folder.rglob("*") if TEMP_TAG in p.name]
    assert left == [], left


# ------------------------------------------------------------ existing output folders (item 1)


def test_atomic_directory_publishes_into_an_existing_folder(tmp_path):
    out = mine(tmp_path / "out")
    (out / "sub").mkdir()
    (out / "sub" / "keep.txt").write_text("keep")
    (out / "a.txt").write_text("old")
    with atomic_directory(out) as stage:
        assert stage != out and TEMP_TAG in stage.name and not (stage / "mine.txt").exists()
        (stage / "a.txt").write_text("new")
        (stage / "sub").mkdir()
        (stage / "sub" / "x.txt").write_text("x")
        (stage / "logos").mkdir()
        (stage / "logos" / "f1.png").write_text("png")
    assert (out / "mine.txt").read_text() == "mine\n"
    assert (out / "a.txt").read_text() == "new"
    assert sorted(p.name for p in (out / "sub").iterdir()) == ["keep.txt", "x.txt"]
    assert (out / "logos" / "f1.png").read_text() == "png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_directory_publishes_nothing_on_failure(tmp_path):
    out = mine(tmp_path / "out")
    with pytest.raises(RuntimeError), atomic_directory(out) as stage:
        (stage / "a.txt").write_text("half")
        raise RuntimeError("boom")
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    with pytest.raises(RuntimeError), atomic_directory(tmp_path / "new") as stage:
        (stage / "a.txt").write_text("half")
        raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_directory_refuses_a_name_taken_by_a_folder_before_moving_anything(tmp_path):
    out = mine(tmp_path / "out")
    (out / "b.txt").mkdir()  # the command writes a file b.txt
    with pytest.raises(DanqError, match="b.txt: exists and is a directory"), \
            atomic_directory(out) as stage:
        (stage / "a.txt").write_text("a")
        (stage / "b.txt").write_text("b")
    assert sorted(p.name for p in out.iterdir()) == ["b.txt", "mine.txt"]
    no_temporaries(tmp_path)


def test_tomtom_keeps_the_users_files(capsys, tmp_path):
    from danq.motifs.meme import write_meme

    meme = tmp_path / "m.meme"
    ppm = np.eye(4)[[0, 1, 2, 3, 0, 1, 2, 3]].T * 0.9 + 0.025
    write_meme(meme, [("m1", ppm, 20)])
    out = mine(tmp_path / "mydir")
    code, _, err = run(capsys, "tomtom", meme, "-o", out, "--release", "JASPAR2016",
                       "--no-decoys", "--threads", "1")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt", "queries.tsv", "summary.json",
                                                     "tomtom.tsv"]
    assert (out / "mine.txt").read_text() == "mine\n"


def test_motifs_keeps_the_users_files(capsys, tmp_path, fasta, checkpoint):
    out = mine(tmp_path / "mydir")
    code, _, err = run(capsys, "motifs", "-m", checkpoint, "-d", fasta, "-o", out,
                       "--release", "JASPAR2016", "--no-decoys", "--no-logos", "--threads", "1")
    assert code == 0, err
    assert (out / "mine.txt").read_text() == "mine\n"
    assert (out / "summary.json").is_file()


def test_variant_effect_keeps_the_users_files(capsys, tmp_path, checkpoint):
    rng = np.random.default_rng(3)
    chrom = "".join(rng.choice(list("ACGT"), size=400))
    genome = tmp_path / "g.fa"
    genome.write_text(f">chr1\n{chrom}\n")
    vcf = tmp_path / "v.vcf"
    ref = chrom[199]
    alt = "A" if ref != "A" else "C"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   f"chr1\t200\trs1\t{ref}\t{alt}\t.\t.\t.\n")
    out = mine(tmp_path / "mydir")
    code, _, err = run(capsys, "variant-effect", vcf, "--genome", genome, "--model", checkpoint,
                       "-o", out, "--no-progress", "--precision", "fp32")
    assert code == 0, err
    assert (out / "mine.txt").read_text() == "mine\n"
    assert (out / "variant_effects.h5").is_file()


# ------------------------------------------------- SIGTERM leaves no partial folder (item 6)


HOLD = """
import sys, time
from pathlib import Path
import {module} as target
def held(*args, **kwargs):
    print("written", flush=True)  # an output file of the folder is complete by now
    time.sleep(60)
target.{name} = held
from danq.cli import main
main(sys.argv[1:])
"""


def _metrics(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    rows = "".join(f"t{i}\tTF\t{rng.random():.4f}\t{rng.random():.4f}\t5\t5\n" for i in range(4))
    path.write_text("target\tcategory\troc_auc\tpr_auc\tn_positive\tn_negative\n" + rows)
    return path


def _effects(tmp_path: Path) -> Path:
    from danq.variants.batches import ScoredBatch
    from danq.variants.reading import Variant
    from danq.variants.results import EffectWriter

    writer = EffectWriter(tmp_path, ["logit_diff"], TARGETS, ["TF"] * 3, np.arange(3),
                          with_pvalues=False, attrs={"model": "m.pt"}, chunk_rows=2)
    rng = np.random.default_rng(0)
    batch = ScoredBatch(
        variants=[Variant("chr1", 100 + i, "A", "C", f"v{i}", "+", i) for i in range(4)],
        ref_match=np.ones(4, dtype=bool), padded=np.zeros(4, dtype=np.int32),
        p_ref=rng.random((4, 3), dtype=np.float32), p_alt=rng.random((4, 3), dtype=np.float32))
    writer.add_batch(batch, {"logit_diff": batch.p_alt - batch.p_ref})
    writer.close()
    return tmp_path / "variant_effects.h5"


def _truth(path: Path, ids: list[str]) -> Path:
    classes = ["destroy", "neutral", "create", "neutral"]
    path.write_text("id\tclass\n" + "".join(f"{i}\t{c}\n" for i, c in zip(ids, classes,
                                                                          strict=True)))
    return path


def _sigterm_case(case: str, tmp_path: Path, fasta: Path, checkpoint: Path):
    """(module, function to hold, arguments): the function runs after a first output is written."""
    out = str(tmp_path / "out")
    if case == "compare":
        a, b = _metrics(tmp_path / "a.tsv", 1), _metrics(tmp_path / "b.tsv", 2)
        return "danq.evaluation.compare", "plot_comparison", ["compare", a, b, "-o", out]
    if case == "evaluate":
        from danq.datasets.encode import encode_fasta

        labels = tmp_path / "labels.tsv"
        labels.write_text("name\t" + "\t".join(TARGETS) + "\n"
                          + "".join(f"s{i}\t{i % 2}\t1\t0\n" for i in range(6)))
        data = tmp_path / "d.h5"
        encode_fasta(fasta, data, labels)
        return "danq.evaluation.evaluate", "plot_curves", [
            "evaluate", "--model", checkpoint, "--data", data, "-o", out, "--precision", "fp32"]
    if case == "variant-report":
        (tmp_path / "effects").mkdir()
        effects = _effects(tmp_path / "effects")
        truth = _truth(tmp_path / "truth.tsv", ["v0", "v1", "v2", "v3"])
        return "danq.variants.report", "truth_auc", [
            "variant-report", "--effects", f"M={effects}", "--truth", truth, "-o", out]
    from tests.datasets.helpers import random_seq, small_options, write_bed, write_targets
    from tests.datasets.helpers import write_fasta as write_genome

    rng = np.random.default_rng(0)
    chroms = {name: random_seq(rng, 2000) for name in ("chr1", "chr2", "chr3")}
    genome = write_genome(tmp_path / "genome.fa", chroms)
    beds = [write_bed(tmp_path / f"p{i}.bed", [(c, 100 + 300 * i, 400 + 300 * i)
                                               for c in chroms]) for i in range(2)]
    targets = write_targets(tmp_path, [("a", "TF", str(beds[0])), ("b", "TF", str(beds[1]))])
    options = small_options()
    return "danq.datasets.build", "Builder._summary", [
        "build-dataset", "--genome", genome, "--peaks", targets, "-o", out,
        "--bin-size", options.bin_size, "--window", options.window,
        "--valid", "chr2", "--test", "chr3", "--max-n-fraction", "0"]


@pytest.mark.parametrize("case", ["compare", "evaluate", "variant-report", "build-dataset"])
def test_sigterm_after_the_first_file_leaves_no_partial_folder(tmp_path, fasta, checkpoint, case):
    module, name, args = _sigterm_case(case, tmp_path, fasta, checkpoint)
    script = HOLD.format(module=module, name=name)
    before = set(os.listdir(tmp_path))
    proc = subprocess.Popen([sys.executable, "-c", script, *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    line = proc.stdout.readline().strip()
    if line != b"written":
        proc.kill()
        pytest.fail(f"never reached the held step: {proc.communicate()[1].decode()[-2000:]}")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err.decode()
    assert err.decode().strip().splitlines()[-1] == "danq: terminated"
    after = {name for name in os.listdir(tmp_path) if not name.endswith(".fai")}
    assert after == before  # no out/, no staging folder


def test_sigterm_into_an_existing_folder_adds_nothing(tmp_path):
    a, b = _metrics(tmp_path / "a.tsv", 1), _metrics(tmp_path / "b.tsv", 2)
    out = mine(tmp_path / "out")
    script = HOLD.format(module="danq.evaluation.compare", name="plot_comparison")
    proc = subprocess.Popen([sys.executable, "-c", script, "compare", str(a), str(b), "-o",
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    assert proc.stdout.readline().strip() == b"written"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    no_temporaries(tmp_path)


# ------------------------------------------------------ variant-report bad inputs (item 11)


def test_variant_report_effects_not_a_results_file(capsys, tmp_path, fasta):
    out = tmp_path / "out"
    code, _, err = run(capsys, "variant-report", "--effects", f"M={fasta}", "-o", out)
    one_line_error(code, err, "not a readable HDF5 file")
    assert not out.exists()


def test_variant_report_second_model_without_the_score_leaves_no_heatmap(capsys, tmp_path):
    (tmp_path / "e").mkdir()
    effects = _effects(tmp_path / "e")
    other = tmp_path / "other.h5"
    import h5py

    with h5py.File(other, "w") as f:
        f.attrs["format"] = "nothing"
    out = mine(tmp_path / "out")
    code, _, err = run(capsys, "variant-report", "--effects", f"A={effects}", "--effects",
                       f"B={effects}", "--score", "absent", "-o", out)
    one_line_error(code, err, "has no absent scores")
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    code, _, err = run(capsys, "variant-report", "--effects", f"A={effects}", "--effects",
                       f"B={other}", "-o", out)
    one_line_error(code, err, "not a `danq variant-effect` results file")
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    no_temporaries(tmp_path)


def test_variant_report_truth_matching_nothing(capsys, tmp_path):
    (tmp_path / "e").mkdir()
    effects = _effects(tmp_path / "e")
    truth = _truth(tmp_path / "truth.tsv", ["x0", "x1", "x2", "x3"])
    out = tmp_path / "out"
    code, _, err = run(capsys, "variant-report", "--effects", f"M={effects}", "--truth", truth,
                       "-o", out)
    one_line_error(code, err, "no scored variant id is in the truth table")
    assert not out.exists()
    no_temporaries(tmp_path)


def test_variant_report_unreadable_truth_is_one_line(capsys, tmp_path):
    (tmp_path / "e").mkdir()
    effects = _effects(tmp_path / "e")
    truth = tmp_path / "truth.tsv"
    truth.write_bytes(b"id\tclass\n\xff\xfe\x00binary\n")
    out = tmp_path / "out"
    code, _, err = run(capsys, "variant-report", "--effects", f"M={effects}", "--truth", truth,
                       "-o", out)
    one_line_error(code, err, "truth.tsv")
    assert not out.exists()


# ----------------------------------------------- devices, FIFOs and links as outputs (item 2)


def _mknod(path: Path, major: int, minor: int) -> Path:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
    except (OSError, AttributeError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return path


def _is_char_device(path: Path) -> bool:
    return stat.S_ISCHR(os.lstat(path).st_mode)


def test_predict_into_a_character_device_writes_it(capsys, tmp_path, fasta, checkpoint):
    node = _mknod(tmp_path / "nulldev", 1, 3)
    code, _, err = run(capsys, "predict", fasta, "--model", checkpoint, "-o", node)
    assert code == 0, err
    assert _is_char_device(node)
    no_temporaries(tmp_path)


def test_predict_into_a_link_to_dev_null_keeps_the_link(capsys, tmp_path, fasta, checkpoint):
    link = tmp_path / "sink"
    link.symlink_to("/dev/null")
    code, _, err = run(capsys, "predict", fasta, "--model", checkpoint, "-o", link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == "/dev/null"
    assert _is_char_device(Path("/dev/null"))


def test_predict_into_a_fifo_feeds_its_reader(capsys, tmp_path, fasta, checkpoint):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text()), daemon=True)
    reader.start()
    code, _, err = run(capsys, "predict", fasta, "--model", checkpoint, "-o", pipe)
    reader.join(30)
    assert code == 0, err
    assert pipe.is_fifo()
    lines = received[0].splitlines()
    assert len(lines) == 7 and lines[0].split("\t")[1:] == TARGETS
    no_temporaries(tmp_path)


def test_predict_into_a_link_to_proc_self_fd_1_writes_stdout(tmp_path, fasta, checkpoint):
    link = tmp_path / "so"
    link.symlink_to("/proc/self/fd/1")
    done = subprocess.run([sys.executable, "-m", "danq", "predict", str(fasta), "--model",
                           str(checkpoint), "-o", str(link)], env=ENV, capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert len(done.stdout.decode().splitlines()) == 7
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


def test_a_link_to_a_regular_file_stays_a_link(tmp_path):
    real = tmp_path / "real.tsv"
    real.write_text("old\n")
    link = tmp_path / "out.tsv"
    link.symlink_to("real.tsv")
    with atomic_path(link) as tmp:
        tmp.write_text("new\n")
    assert link.is_symlink() and real.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tsv", "real.tsv"]


@pytest.mark.parametrize("command", ["encode", "predict-h5"])
def test_hdf5_into_a_device_is_one_line_and_keeps_the_node(capsys, tmp_path, fasta, checkpoint,
                                                           command):
    node = _mknod(tmp_path / "nulldev", 1, 3)
    args = (["encode", fasta, "-o", node] if command == "encode" else
            ["predict", fasta, "--model", checkpoint, "-o", node, "--format", "h5"])
    code, _, err = run(capsys, *args)
    one_line_error(code, err, "nulldev")
    assert _is_char_device(node)


def test_hdf5_into_a_fifo_is_one_line_and_keeps_the_fifo(capsys, tmp_path, fasta):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    reader = threading.Thread(target=lambda: pipe.read_bytes(), daemon=True)
    reader.start()
    code, _, err = run(capsys, "encode", fasta, "-o", pipe)
    one_line_error(code, err, "needs a regular file")
    assert pipe.is_fifo()
    reader.join(30)


@pytest.mark.parametrize("command", ["encode", "predict"])
def test_dev_full_like_node_is_the_disk_full_error(capsys, tmp_path, fasta, checkpoint, command):
    node = _mknod(tmp_path / "full", 1, 7)
    args = (["encode", fasta, "-o", node] if command == "encode" else
            ["predict", fasta, "--model", checkpoint, "-o", node])
    code, _, err = run(capsys, *args)
    one_line_error(code, err, "no space left on")
    assert _is_char_device(node)
    no_temporaries(tmp_path)


def test_dev_full_through_a_link(capsys, tmp_path, fasta):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    link = tmp_path / "full"
    link.symlink_to("/dev/full")
    code, _, err = run(capsys, "encode", fasta, "-o", link)
    one_line_error(code, err, "no space left on")
    assert link.is_symlink()


def test_checkpoints_into_devices_and_fifos_keep_the_node(tmp_path):
    model = tiny_danq(LENGTH, len(TARGETS))
    node = _mknod(tmp_path / "nulldev", 1, 3)
    save_checkpoint(node, model, {"target_names": TARGETS})
    assert _is_char_device(node)
    full = _mknod(tmp_path / "full", 1, 7)
    with pytest.raises(DanqError, match="no space left on"):
        save_checkpoint(full, model, {"target_names": TARGETS})
    assert _is_char_device(full)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    save_checkpoint(pipe, model, {"target_names": TARGETS})
    reader.join(30)
    assert pipe.is_fifo() and received and received[0][:2] == b"PK"
    no_temporaries(tmp_path)


# ------------------------------------------------------------ names with a newline (item 12)


def test_a_name_with_a_newline_is_shown_whole_on_one_line(capsys, tmp_path):
    good = _metrics(tmp_path / "b.tsv", 1)
    bad = tmp_path / "evil\nb.tsv"
    code, _, err = run(capsys, "compare", bad, good, "-o", tmp_path / "out")
    one_line_error(code, err, "evil\\nb.tsv")
    assert str(tmp_path) in err


def test_a_worker_traceback_still_shows_the_original_message():
    from danq.cli import _one_line

    wrapped = DanqError(
        "Caught DanqError in DataLoader worker process 0.\n"
        "Original Traceback (most recent call last):\n"
        '  File "/x/worker.py", line 309, in _worker_loop\n'
        "    data = fetcher.fetch(index)\n"
        "danq.errors.DanqError: d.h5: sequences hold the token 9\n")
    assert _one_line(wrapped) == "d.h5: sequences hold the token 9"
    assert _one_line(DanqError("plain message")) == "plain message"


def test_summary_paths_name_the_published_folder(capsys, tmp_path):
    (tmp_path / "e").mkdir()
    effects = _effects(tmp_path / "e")
    truth = _truth(tmp_path / "truth.tsv", ["v0", "v1", "v2", "v3"])
    out = tmp_path / "out"
    code, _, err = run(capsys, "variant-report", "--effects", f"M={effects}", "--truth", truth,
                       "-o", out)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["truth_auc"] == str(out / "truth_auc.tsv")
    assert all(TEMP_TAG not in p for p in summary["models"]["M"]["heatmap"])
    assert all(Path(p).is_file() for p in summary["models"]["M"]["heatmap"])


def test_publishing_waits_for_no_signal_handler_in_a_thread(tmp_path):
    """atomic_directory works outside the main thread (no signal handlers to hold)."""
    done: list[bool] = []

    def work() -> None:
        with atomic_directory(tmp_path / "t") as stage:
            (stage / "a").write_text("a")
        done.append(True)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(10)
    assert done and (tmp_path / "t" / "a").is_file()
