"""Bad input and faults, as a careless or unlucky user meets them (issue 15).

Each case must end in a one-line ``danq: error: ...`` (or a one-line warning), a non-zero exit, no
traceback, nothing half-written and no input overwritten. Commands run in-process through
``danq.cli.main`` unless the case needs a real process (signals, closed stdout, crashes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import scipy.io
import torch

from danq.datasets.encode import encode_fasta
from danq.encoders import one_hot, reverse_complement
from danq.io import TEMP_TAG, remove_stale_temps
from danq.models.checkpoint import save_checkpoint
from danq.sequence.fasta import read_fasta
from tests.cli.conftest import LENGTH, TARGETS
from tests.helpers import mount_tmpfs, tiny_danq
from tests.helpers import run_danq as run

REPO = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------------- helpers


def one_line_error(code: int, err: str, expected: str) -> None:
    """The command failed with exactly one line, ``danq: error: ...`` containing ``expected``
    (one-line warnings before it are allowed)."""
    lines = [line for line in err.strip().splitlines() if not line.startswith("danq: warning: ")]
    assert code == 1, err
    assert len(lines) == 1, err
    assert lines[0].startswith("danq: error: "), err
    assert expected in lines[0], err


def danq_process(*args, stdout=subprocess.PIPE, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m danq ARGS`` in a child process (stderr captured)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "danq", *map(str, args)], env=env,
                          stdout=stdout, stderr=subprocess.PIPE, timeout=120, **kwargs)


def random_records(n: int, length: int = LENGTH, seed: int = 0) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    return [(f"s{i}", "".join(rng.choice(list("ACGT"), size=length))) for i in range(n)]


def write_fasta(path: Path, records: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in records))
    return path


@pytest.fixture
def fasta(tmp_path) -> Path:
    return write_fasta(tmp_path / "x.fa", random_records(6))


@pytest.fixture
def labels(tmp_path) -> Path:
    path = tmp_path / "labels.tsv"
    rows = "".join(f"s{i}\t{i % 2}\t1\t0\n" for i in range(6))
    path.write_text("name\t" + "\t".join(TARGETS) + "\n" + rows)
    return path


@pytest.fixture
def dataset(tmp_path, fasta, labels) -> Path:
    path = tmp_path / "d.h5"
    encode_fasta(fasta, path, labels)
    return path


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------- outputs that are an input


def test_encode_refuses_to_write_over_its_fasta(capsys, fasta):
    before = fasta.read_bytes()
    code, _, err = run(capsys, "encode", fasta, "-o", fasta)
    one_line_error(code, err, "output is the same file as the input")
    assert fasta.read_bytes() == before


def test_predict_refuses_to_write_over_its_fasta(capsys, fasta, checkpoint):
    before = fasta.read_bytes()
    code, _, err = run(capsys, "predict", fasta, "--model", checkpoint, "-o", fasta)
    one_line_error(code, err, f"same file as the input {fasta}")
    assert fasta.read_bytes() == before


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_links_to_an_input_are_the_same_file(capsys, tmp_path, fasta, checkpoint, link):
    alias = tmp_path / "alias.fa"
    (os.symlink if link == "symlink" else os.link)(fasta, alias)
    before = fasta.read_bytes()
    code, _, err = run(capsys, "predict", fasta, "--model", checkpoint, "-o", alias)
    one_line_error(code, err, "output is the same file as the input")
    assert fasta.read_bytes() == before


def test_encode_refuses_to_write_over_its_labels(capsys, fasta, labels):
    code, _, err = run(capsys, "encode", fasta, "--labels", labels, "-o", labels)
    one_line_error(code, err, f"same file as the input {labels}")


def test_evaluate_refuses_an_output_that_is_its_dataset(capsys, tmp_path, dataset, checkpoint):
    out = tmp_path / "eval"
    out.mkdir()
    os.link(dataset, out / "predictions.h5")
    before = dataset.read_bytes()
    code, _, err = run(capsys, "evaluate", "--model", checkpoint, "--data", dataset, "-o", out)
    one_line_error(code, err, "output is the same file as the input")
    assert dataset.read_bytes() == before


def test_motifs_refuses_to_replace_the_folder_holding_its_input(capsys, tmp_path, checkpoint,
                                                                 fasta):
    out = tmp_path / "motifs"
    out.mkdir()
    data = write_fasta(out / "seqs.fa", random_records(4))
    code, _, err = run(capsys, "motifs", "-m", checkpoint, "-d", data, "-o", out)
    one_line_error(code, err, "the output folder holds the input")
    assert data.is_file()


def test_import_deepsea_refuses_its_own_bundle_folder(capsys, tmp_path):
    bundle = make_bundle(tmp_path / "bundle")
    code, _, err = run(capsys, "import-deepsea", bundle, "-o", bundle)
    one_line_error(code, err, "the output folder holds the input")
    assert entries(bundle) == ["test.mat", "train.mat", "valid.mat"]


@pytest.mark.parametrize("command", ["compare", "report", "train", "simulate"])
def test_other_commands_refuse_an_output_that_is_an_input(capsys, tmp_path, dataset, command):
    """The input is hard-linked to the name one of the command's outputs will take."""
    out = tmp_path / "out"
    out.mkdir()
    metrics = _metrics(tmp_path / "m.tsv", 0.6)
    source, written, args = {
        "compare": (metrics, "comparison.tsv", ["compare", out / "comparison.tsv", metrics]),
        "report": (metrics, "summary.md", ["report", "--metrics", f"A={out / 'summary.md'}"]),
        "train": (dataset, "last.pt", ["train", "--arch", "danq", "--train", out / "last.pt",
                                       "--valid", dataset]),
        "simulate": (metrics, "truth.json", ["simulate", "--config", out / "truth.json"]),
    }[command]
    os.link(source, out / written)
    before = source.read_bytes()
    code, _, err = run(capsys, *args, "-o", out)
    one_line_error(code, err, f"{out / written}: output is the same file as the input")
    assert source.read_bytes() == before


# ------------------------------------------------------------------------- FASTA edge cases


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b">s1\nACGT\nAC\n", [("s1", "ACGTAC")]),
        (b">s1\rACGT\rAC\r>s2\rGGNN\r", [("s1", "ACGTAC"), ("s2", "GGNN")]),  # CR only
        (b">s1\r\nAC\r\nGT\r\n>s2\r\nA", [("s1", "ACGT"), ("s2", "A")]),  # CRLF, no final end
        (b"\xef\xbb\xbf>s1\nACGT\n", [("s1", "ACGT")]),  # UTF-8 byte-order mark
    ],
    ids=["lf", "cr-only", "crlf-no-final-newline", "bom"],
)
def test_fasta_line_ends_and_bom_are_read(tmp_path, content, expected):
    path = tmp_path / "in.fa"
    path.write_bytes(content)
    assert list(read_fasta(path)) == expected


def test_cr_only_fasta_split_over_read_blocks(tmp_path):
    """Record boundaries are found after CR-only line ends are normalised, whatever the block size."""
    from danq.sequence.fasta import read_fasta_tokens

    records = random_records(50, length=37)
    path = tmp_path / "mac.fa"
    path.write_bytes("".join(f">{n}\r{s[:20]}\r{s[20:]}\r" for n, s in records).encode())
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    got = [(n, letters[t].tobytes().decode()) for n, t in read_fasta_tokens(path, block_bytes=64)]
    assert got == records


@pytest.mark.parametrize("content", [b">s1", b">s1\n", b">s1\r\n\r\n>s2\nACGT\n"],
                         ids=["no-newline", "header-only", "empty-first-record"])
def test_header_without_sequence_is_one_line(capsys, tmp_path, content):
    path = tmp_path / "in.fa"
    path.write_bytes(content)
    code, _, err = run(capsys, "encode", path, "-o", tmp_path / "o.h5")
    one_line_error(code, err, "record 's1' has no sequence")
    assert not (tmp_path / "o.h5").exists()


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ("name\tcaf\xe9\ns0\t1\n".encode("latin-1"), "labels"),
        (b"name\tt1\n\x00\xff\xfe\x81binary\n", "labels"),
        ("t1\tDNase\xa0\n".encode("latin-1"), "categories"),
    ],
    ids=["latin1-labels", "binary-labels", "latin1-categories"],
)
def test_non_utf8_tables_are_one_line(capsys, tmp_path, fasta, labels, content, what):
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(content)
    args = ["--labels", bad] if what == "labels" else ["--labels", labels, "--categories", bad]
    code, _, err = run(capsys, "encode", fasta, *args, "-o", tmp_path / "o.h5")
    one_line_error(code, err, f"{bad}: {what} file is not UTF-8 text")
    assert not (tmp_path / "o.h5").exists()


def test_labels_with_a_byte_order_mark_are_accepted(capsys, tmp_path, fasta, labels):
    bom = tmp_path / "bom.tsv"
    bom.write_bytes(b"\xef\xbb\xbf" + labels.read_bytes())
    code, _, err = run(capsys, "encode", fasta, "--labels", bom, "-o", tmp_path / "o.h5")
    assert code == 0, err
    with h5py.File(tmp_path / "o.h5") as f:
        assert [t.decode() for t in f["target_names"][:]] == TARGETS


# ----------------------------------------------------- full and read-only file systems


@pytest.fixture
def readonly_tmpfs(tmp_path):
    yield from mount_tmpfs(tmp_path / "ro", "size=64k,ro")


@pytest.fixture
def big_fasta(tmp_path) -> Path:
    return write_fasta(tmp_path / "big.fa", random_records(3000, seed=3))


@pytest.mark.parametrize(
    "command",
    [["encode", "{fa}", "--compression", "none", "-o", "{out}/x.h5"],
     ["predict", "{fa}", "--model", "{model}", "-o", "{out}/x.h5"],
     ["predict", "{fa}", "--model", "{model}", "-o", "{out}/x.tsv"]],
    ids=["encode-h5", "predict-h5", "predict-tsv"],
)
def test_disk_full_is_one_line_and_leaves_nothing(small_tmpfs, big_fasta, checkpoint, command):
    """A real process: HDF5 used to print tracebacks and then crash (exit 139) here."""
    args = [a.format(fa=big_fasta, model=checkpoint, out=small_tmpfs) for a in command]
    done = danq_process(*args)
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert err.strip().splitlines() == [f"danq: error: no space left on {small_tmpfs}"]
    assert entries(small_tmpfs) == []


def test_train_on_a_full_disk_is_one_line(capsys, small_tmpfs, tmp_path, big_fasta):
    data = tmp_path / "train.h5"
    encode_fasta(big_fasta, data, write_labels(tmp_path / "l.tsv", 3000))
    code, _, err = run(capsys, "train", "--arch", "danq", "--train", data, "--valid", data,
                       "-o", small_tmpfs / "run", "--epochs", "1", "--threads", "1",
                       "--model-arg", "conv_channels=64", "--model-arg", "lstm_hidden=64",
                       "--model-arg", "dense_hidden=64")
    errors = [line for line in err.splitlines() if line.startswith("danq: error")]
    assert code == 1, err
    assert errors == [f"danq: error: no space left on {small_tmpfs / 'run'}"]
    assert "Traceback" not in err
    assert not [p for p in (small_tmpfs / "run").iterdir() if p.suffix in (".pt", ".tmp")]


def write_labels(path: Path, n: int) -> Path:
    rng = np.random.default_rng(1)
    rows = "".join(f"s{i}\t" + "\t".join(map(str, rng.integers(0, 2, 3))) + "\n" for i in range(n))
    path.write_text("name\t" + "\t".join(TARGETS) + "\n" + rows)
    return path


@pytest.mark.parametrize("where", ["x.h5", "sub/x.h5"], ids=["in-root", "new-folder"])
def test_read_only_file_system_is_one_line(capsys, readonly_tmpfs, fasta, where):
    target = readonly_tmpfs / where
    code, _, err = run(capsys, "encode", fasta, "-o", target)
    one_line_error(code, err, f"{target.parent}: read-only file system, cannot write there")


# ------------------------------------------------------------- malformed danq datasets


def _drop(name):
    def edit(f):
        del f[name]
    return edit


def _replace(name, data):
    def edit(f):
        new = data(f)
        del f[name]
        f.create_dataset(name, data=new)
    return edit


def _del_attr(f):
    del f.attrs["sequence_length"]


def _label_seven(f):
    labels = f["labels"][:]
    labels[2, 1] = 7
    f["labels"][:] = labels


def _token_nine(f):
    seqs = f["sequences"][:]
    seqs[4, 10] = 9
    f["sequences"][:] = seqs


MALFORMED = {
    "no-target-names": (_drop("target_names"), "the /target_names dataset is missing"),
    "no-names": (_drop("names"), "the /names dataset is missing"),
    "no-length-attr": (_del_attr, "the 'sequence_length' attribute is missing"),
    "float-sequences": (_replace("sequences", lambda f: f["sequences"][:].astype(np.float32)),
                        "/sequences are float32, expected uint8 tokens"),
    "token-above-4": (_token_nine, "/sequences row 4 holds the token 9; expected 0..4"),
    "fewer-label-rows": (_replace("labels", lambda f: f["labels"][:3]),
                         "/labels has 3 rows for 6 sequences"),
    "1d-sequences": (_replace("sequences", lambda f: f["sequences"][:, 0]),
                     "/sequences has shape (6,), expected (samples, 40)"),
    "label-seven": (_label_seven, "/labels row 2 holds the label 7; expected 0 or 1"),
}


@pytest.fixture(params=list(MALFORMED), ids=list(MALFORMED))
def malformed(request, dataset):
    edit, message = MALFORMED[request.param]
    with h5py.File(dataset, "r+") as f:
        edit(f)
    return dataset, message


def test_evaluate_rejects_a_malformed_dataset_and_leaves_no_folder(capsys, tmp_path, malformed,
                                                                   checkpoint):
    data, message = malformed
    out = tmp_path / "eval"
    code, _, err = run(capsys, "evaluate", "--model", checkpoint, "--data", data, "-o", out)
    one_line_error(code, err, f"{data}: {message}")
    assert not out.exists()


@pytest.mark.parametrize("case", ["label-seven", "float-sequences", "no-target-names"])
def test_train_rejects_a_malformed_dataset_before_making_a_run(capsys, tmp_path, dataset, case):
    edit, message = MALFORMED[case]
    with h5py.File(dataset, "r+") as f:
        edit(f)
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", "--arch", "danq", "--train", dataset, "--valid", dataset,
                       "-o", out, "--epochs", "1")
    one_line_error(code, err, message)
    assert not out.exists()


def test_motifs_rejects_a_malformed_dataset(capsys, tmp_path, dataset, checkpoint):
    with h5py.File(dataset, "r+") as f:
        _token_nine(f)
    out = tmp_path / "motifs"
    code, _, err = run(capsys, "motifs", "-m", checkpoint, "-d", dataset, "-o", out)
    one_line_error(code, err, "holds the token 9")
    assert not out.exists()


def test_large_datasets_check_values_as_blocks_are_read(monkeypatch, dataset):
    """Above the full-check size a bad label is caught by the read that meets it."""
    import danq.formats.dataset
    from danq.errors import DanqError

    with h5py.File(dataset, "r+") as f:
        _label_seven(f)
    monkeypatch.setattr(danq.formats.dataset, "FULL_CHECK_BYTES", 0)
    with danq.formats.dataset.open_dataset(dataset) as ds:
        assert ds.labels(0, 2).tolist() == [[0, 1, 0], [1, 1, 0]]  # rows before the bad one
        with pytest.raises(DanqError, match="row 2 holds the label 7"):
            ds.labels(0, 6)


# --------------------------------------------------------------------------- stdout faults


@pytest.fixture
def many_records(tmp_path) -> Path:
    """Enough predictions (~110 KB of TSV) to fill a 64 KiB pipe buffer."""
    return write_fasta(tmp_path / "many.fa", random_records(4000, seed=5))


def test_predict_into_head_exits_zero_quietly(many_records, checkpoint):
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "danq", "predict", str(many_records), "--model", str(checkpoint)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    header = proc.stdout.readline()
    proc.stdout.close()  # what `head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert header.decode().split("\t")[0] == "name"
    assert err == ""


def test_predict_to_a_closed_stdout_is_one_line(fasta, checkpoint):
    done = danq_process("predict", fasta, "--model", checkpoint, stdout=None,
                        preexec_fn=lambda: os.close(1))  # as `danq predict x.fa >&-`
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert err.strip() == ("danq: error: <stdout>: standard output is closed; write to a file "
                           "with -o PATH")


def test_predict_to_dev_full_is_one_line(fasta, checkpoint):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        done = danq_process("predict", fasta, "--model", checkpoint, stdout=full)
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert err.strip() == "danq: error: <stdout>: cannot write (no space left on device)"


# --------------------------------------------------------------- signals and temporary files


SLOW_ENCODE = """
import sys, time
import danq.formats.dataset_writer
def slow_append(self, *args, **kwargs):
    print("writing", flush=True)
    time.sleep(60)
danq.formats.dataset_writer.DatasetWriter.append = slow_append
from danq.cli import main
main(sys.argv[1:])
"""


def test_sigterm_removes_the_temporary_file(tmp_path, fasta):
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_ENCODE, "encode", str(fasta), "-o", str(out / "x.h5")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    assert proc.stdout.readline().strip() == b"writing"
    temps = [p.name for p in out.iterdir()]
    assert len(temps) == 1 and TEMP_TAG in temps[0]  # the output exists, under its temporary name
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert err.decode().strip() == "danq: terminated"
    assert entries(out) == []


def _temp_name(target: str, pid: int) -> str:
    from danq.io.atomic import _HOST

    return f".{target}{TEMP_TAG}{_HOST}-{pid}-abc123.tmp"


def test_stale_temporary_files_of_dead_processes_are_removed(capsys, tmp_path, fasta):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out / _temp_name("x.h5", dead.pid)
    stale.write_bytes(b"half a file")
    stale_dir = out / _temp_name("motifs", dead.pid)
    stale_dir.mkdir()
    live = out / _temp_name("y.h5", os.getppid())  # a running process: never touched
    live.write_bytes(b"in progress")
    other = out / ".notes.tmp"  # not danq's
    other.write_bytes(b"keep")
    old = time.time() - 3600
    for path in (stale, stale_dir, live, other):
        os.utime(path, (old, old))
    code, _, err = run(capsys, "encode", fasta, "-o", out / "x.h5")
    assert code == 0, err
    assert entries(out) == sorted([live.name, other.name, "x.h5"])


def test_recent_temporary_files_are_kept(tmp_path):
    """A file newer than this process may belong to a run that started after it: kept."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    fresh = tmp_path / _temp_name("x.h5", dead.pid)
    fresh.write_bytes(b"")
    assert remove_stale_temps(tmp_path) == []
    assert fresh.exists()


# ------------------------------------------------------------------------- import-deepsea


def _bundle_split(folder: Path, split: str, n: int, rng, label_value: int = 1) -> None:
    seqs = ["".join(rng.choice(list("ACGT"), size=LENGTH)) for _ in range(n)]
    everything = seqs + [reverse_complement(s) for s in seqs]
    x = np.stack([one_hot(s, alphabet="AGCT", dtype=np.uint8) for s in everything])
    y = (rng.random((n, 4)) < 0.3).astype(np.uint8)
    y = np.concatenate([y, y])
    y[-1, -1] = label_value
    scipy.io.savemat(folder / f"{split}.mat", {f"{split}xdata": x, f"{split}data": y})


def make_bundle(folder: Path, bad_valid: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    for split, n in (("train", 8), ("valid", 4), ("test", 4)):
        _bundle_split(folder, split, n, rng, label_value=7 if bad_valid and split == "valid" else 1)
    return folder


def test_import_failing_on_valid_keeps_the_previous_import_whole(capsys, tmp_path):
    out = tmp_path / "data"
    code, _, err = run(capsys, "import-deepsea", make_bundle(tmp_path / "good"), "-o", out)
    assert code == 0, err
    before = {name: (out / name).read_bytes() for name in entries(out)}
    assert sorted(before) == ["test.h5", "train.h5", "valid.h5"]

    bad = make_bundle(tmp_path / "bad", bad_valid=True)
    code, _, err = run(capsys, "import-deepsea", bad, "-o", out)
    one_line_error(code, err, "holds labels other than 0 and 1")
    assert {name: (out / name).read_bytes() for name in entries(out)} == before
    assert entries(tmp_path) == ["bad", "data", "good"]  # no temporary folder left


def test_import_of_one_split_keeps_the_others(capsys, tmp_path):
    out = tmp_path / "data"
    bundle = make_bundle(tmp_path / "bundle")
    assert run(capsys, "import-deepsea", bundle, "-o", out)[0] == 0
    valid_before = (out / "valid.h5").read_bytes()
    code, _, err = run(capsys, "import-deepsea", bundle, "-o", out, "--split", "train")
    assert code == 0, err
    assert entries(out) == ["test.h5", "train.h5", "valid.h5"]
    assert (out / "valid.h5").read_bytes() == valid_before


# ------------------------------------------------------------------- options and checkpoints


def test_negative_threads_is_a_usage_error(capsys, fasta, checkpoint):
    code, _, err = run(capsys, "predict", fasta, "--model", checkpoint, "--threads", "-1")
    assert code == 2
    assert "Invalid value for '--threads': -1 is not in the range x>=0" in err


@pytest.mark.parametrize(("arg", "expected"),
                         [("dense_hidden=0", "dense_hidden=0: must be a whole number of at least 1"),
                          ("conv_channels=big", "conv_channels='big': must be a whole number"),
                          ("lstm_dropout=1.5", "lstm_dropout=1.5: dropout must be a number in [0, 1)")])
def test_bad_model_args_are_rejected_before_a_run_folder(capsys, tmp_path, dataset, arg, expected):
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", "--arch", "danq", "--train", dataset, "--valid", dataset,
                       "-o", out, "--model-arg", arg)
    one_line_error(code, err, f"--model-arg {expected}")
    assert not out.exists()


def test_resume_with_overwrite_is_rejected(capsys, tmp_path, dataset):
    code, _, err = run(capsys, "train", "--arch", "danq", "--train", dataset, "--valid", dataset,
                       "-o", tmp_path / "run", "--resume", "--overwrite")
    one_line_error(code, err, "give one of them")
    assert not (tmp_path / "run").exists()


def test_zero_validation_samples_leaves_no_run_folder(capsys, tmp_path, dataset):
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", "--arch", "danq", "--train", dataset, "--valid", dataset,
                       "-o", out, "--valid-samples", "0")
    assert code == 2  # a count below its range is a usage error, in click's one style
    assert "Invalid value for '--valid-samples': 0 is not in the range x>=1" in err
    assert not out.exists()


@pytest.mark.parametrize(("option", "value", "expected"),
                         [("--evalue", "-1", "--evalue -1: must be positive"),
                          ("--threshold-fraction", "1.5", "must be in (0, 1]")])
def test_motifs_options_are_checked_first(capsys, tmp_path, checkpoint, fasta, option, value,
                                          expected):
    out = tmp_path / "motifs"
    code, _, err = run(capsys, "motifs", "-m", checkpoint, "-d", fasta, "-o", out, option, value)
    one_line_error(code, err, expected)
    assert not out.exists()


def _metrics(path: Path, roc: float) -> Path:
    path.write_text("target\tcategory\troc_auc\tpr_auc\n"
                    f"a\tTF\t{roc}\t0.5\nb\tTF\t0.7\t0.4\n")
    return path


@pytest.mark.parametrize("roc", [2.5, -1])
def test_compare_rejects_aucs_outside_zero_one(capsys, tmp_path, roc):
    bad, good = _metrics(tmp_path / "a.tsv", roc), _metrics(tmp_path / "b.tsv", 0.6)
    out = tmp_path / "cmp"
    code, _, err = run(capsys, "compare", bad, good, "-o", out, "--no-plots")
    one_line_error(code, err, f"{bad}: target 'a' has roc_auc {roc:g}; an AUC lies in [0, 1]")
    assert not out.exists()


def test_report_rejects_a_history_without_loss_columns(capsys, tmp_path):
    metrics = _metrics(tmp_path / "m.tsv", 0.6)
    history = tmp_path / "history.csv"
    history.write_text("epoch,loss_total\n1,0.5\n2,0.4\n")
    out = tmp_path / "report"
    code, _, err = run(capsys, "report", "--metrics", f"DanQ={metrics}",
                       "--history", f"DanQ={history}", "-o", out)
    one_line_error(code, err, f"{history}: missing column(s) train_loss, valid_loss")
    assert not out.exists()


def test_report_tomtom_needs_truth(capsys, tmp_path):
    metrics = _metrics(tmp_path / "m.tsv", 0.6)
    tomtom = tmp_path / "tomtom.tsv"
    tomtom.write_text("filter\ttarget_id\n")
    code, _, err = run(capsys, "report", "--metrics", f"DanQ={metrics}",
                       "--tomtom", f"DanQ={tomtom}", "-o", tmp_path / "report")
    one_line_error(code, err, "--tomtom needs --truth")


def test_checkpoint_with_invalid_header_args_is_one_line(capsys, tmp_path, fasta):
    path = tmp_path / "bad.pt"
    save_checkpoint(path, tiny_danq(LENGTH, len(TARGETS)), {"target_names": TARGETS})
    payload = torch.load(path, weights_only=True)
    payload["header"]["model_args"]["conv_channels"] = -4
    torch.save(payload, path)
    code, _, err = run(capsys, "predict", fasta, "--model", path)
    one_line_error(code, err, "conv_channels=-4: must be a whole number of at least 1")


def test_checkpoint_with_nan_weights_warns_in_one_line(capsys, tmp_path, fasta):
    model = tiny_danq(LENGTH, len(TARGETS))
    with torch.no_grad():
        next(model.parameters()).fill_(float("nan"))
    path = tmp_path / "nan.pt"
    save_checkpoint(path, model, {"target_names": TARGETS})
    code, out, err = run(capsys, "predict", fasta, "--model", path)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"danq: warning: {path}: ")
    assert "NaN or infinite" in warnings[0]
    assert "nan" in out.splitlines()[1].lower()  # the predictions really are NaN


def test_bad_label_met_by_a_loader_worker_is_one_line(capsys, monkeypatch, tmp_path, dataset):
    """A large dataset is checked as it is read, here in the background loader process."""
    import danq.formats.dataset

    with h5py.File(dataset, "r+") as f:
        _label_seven(f)
    monkeypatch.setattr(danq.formats.dataset, "FULL_CHECK_BYTES", 0)
    code, _, err = run(capsys, "train", "--arch", "danq", "--train", dataset, "--valid", dataset,
                       "-o", tmp_path / "run", "--epochs", "1", "--num-workers", "1",
                       "--model-arg", "conv_channels=4", "--model-arg", "lstm_hidden=4",
                       "--model-arg", "dense_hidden=4", "--model-arg", "conv_width=5",
                       "--model-arg", "pool_size=4")
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    assert code == 1, err
    assert errors == [f"danq: error: {dataset}: /labels row 2 holds the label 7; expected 0 or 1"]
    assert "Traceback" not in err
