"""SIGTERM and Ctrl-C while an HDF5 file is being written (issue 24, item 6).

A signal must end the command with 143 ("danq: terminated") or 130 ("danq: interrupted"), one
line, no traceback, no crash (exit 139 / 134 when the handler raised inside an HDF5 callback) and no
temporary file. Real processes, a ~20 MB FASTA, the signal sent at several moments of the write.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import pytest

from danq.io import TEMP_TAG

REPO = Path(__file__).resolve().parents[2]
N_RECORDS, RECORD_LENGTH = 20_000, 1000  # ~20 MB


@pytest.fixture(scope="module")
def big_fasta(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "big.fa"
    record = ("ACGTTGCAAC" * (RECORD_LENGTH // 10) + "\n").encode()
    with open(path, "wb") as handle:
        handle.write(b"".join(b">r%d\n" % i + record for i in range(N_RECORDS)))
    return path


def _interrupt(fasta: Path, out: Path, signum: int, delay: float) -> tuple[int, str]:
    """Start ``danq encode``, wait for its temporary file, sleep ``delay``, send ``signum``."""
    out.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "danq", "encode", str(fasta), "-o",
                             str(out / "out.h5")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 30
    while not any(TEMP_TAG in p.name for p in out.iterdir()) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(delay)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err.decode()


@pytest.mark.parametrize("signum, code, message", [
    (signal.SIGTERM, 143, "danq: terminated"),
    (signal.SIGINT, 130, "danq: interrupted"),
])
def test_a_signal_during_an_hdf5_write_is_one_line_and_leaves_nothing(
    tmp_path, big_fasta, signum, code, message
):
    interrupted = 0
    for trial, delay in enumerate((0.02, 0.1)):
        out = tmp_path / f"trial{trial}"
        rc, err = _interrupt(big_fasta, out, signum, delay)
        left = sorted(p.name for p in out.iterdir())
        assert not any(TEMP_TAG in name for name in left), (delay, left)
        # finished before the signal came (rc 0), or it came while Python was exiting, after
        # danq's handlers were gone (the default action, -signum): a complete output either way
        if rc == 0 or (rc == -signum and "danq:" not in err):
            assert left == ["out.h5"], (delay, rc, err)
            with h5py.File(out / "out.h5", "r") as f:
                assert f["sequences"].shape == (N_RECORDS, RECORD_LENGTH)
            continue
        interrupted += 1
        assert rc == code, (delay, rc, err)
        assert err.strip() == message, (delay, err)
        if left:  # the signal came after the output was published: it is complete
            assert left == ["out.h5"]
            with h5py.File(out / "out.h5", "r") as f:
                assert f["sequences"].shape == (N_RECORDS, RECORD_LENGTH)
    assert interrupted >= 1


def test_a_signal_inside_a_critical_section_is_raised_when_it_ends():
    from danq.io import signals
    from danq.io.signals import Terminated

    with signals.handled():
        with pytest.raises(Terminated):
            with signals.deferred():
                signal.raise_signal(signal.SIGTERM)  # recorded, not raised here
                reached = True
        assert reached
        signal.raise_signal(signal.SIGINT)  # after the first signal, only recorded: clean-up runs
    with signals.handled(), pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)  # outside any section: raised at once


SIGNAL_IN_WRITE = """
import os, signal, sys
import danq.io.hdf5 as hdf5
original, calls = hdf5.GuardedFile.write, [0]
def write(self, data):  # HDF5 calls this back; the signal arrives while it runs
    calls[0] += 1
    if calls[0] == int(sys.argv[1]):
        os.kill(os.getpid(), int(sys.argv[2]))
    return original(self, data)
hdf5.GuardedFile.write = write
try:
    from danq.io.signals import register_callbacks
    register_callbacks(write)  # it replaces a registered callback
except ImportError:  # the code before the fix
    pass
from danq.cli import main
main(sys.argv[3:])
"""


@pytest.mark.parametrize("signum, code, message", [
    (signal.SIGTERM, 143, "danq: terminated"),
    (signal.SIGINT, 130, "danq: interrupted"),
])
@pytest.mark.parametrize("at_write", [1, 10])
def test_a_signal_inside_an_hdf5_write_callback(tmp_path, big_fasta, signum, code, message,
                                                at_write):
    """Deterministic: the signal arrives inside HDF5's call of the guard's write (before: a
    traceback "ignored in ObjectID.__dealloc__", a segmentation fault, even a published file)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", SIGNAL_IN_WRITE, str(at_write), str(int(signum)),
                           "encode", str(big_fasta), "-o", str(out / "x.h5")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=60)
    err = done.stderr.decode()
    assert done.returncode == code, err
    assert err.strip() == message
    assert sorted(out.iterdir()) == []
