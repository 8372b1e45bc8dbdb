"""bigWig and bedGraph tracks: file names, order checks, values read back."""

from __future__ import annotations

import numpy as np
import pytest

from danq.errors import DanqError
from danq.formats.tracks import TrackWriter, track_file_names, track_format_of

SIZES = [("chr1", 1000), ("chr2", 500)]


def test_file_names_are_safe_unique_and_keep_the_target():
    names = ["8988T|DNase|None", "a/b", "A/B", "", "..", "x y", "a_b"]
    assert track_file_names(names, "bigwig") == [
        "8988T_DNase_None.bw", "a_b.bw", "A_B_2.bw", "target_3.bw", "target_4.bw", "x_y.bw",
        "a_b_3.bw",
    ]
    assert track_file_names(["H3K4me3"], "bedgraph") == ["H3K4me3.bedGraph"]
    assert [track_format_of(p) for p in ("x.bw", "x.BigWig", "x.bedGraph", "x.bg", "x.tsv")] == [
        "bigwig", "bigwig", "bedgraph", "bedgraph", None]


def test_bigwig_values_and_header(tmp_path):
    import pyBigWig

    paths = [tmp_path / "a.bw", tmp_path / "b.bw"]
    writer = TrackWriter(paths, "bigwig", SIZES, ["a", "b"])
    values = np.array([[0.1, 0.9], [0.2, 0.8], [0.4, 0.6], [0.5, 0.5], [0.3, 0.7]], dtype=np.float32)
    # abutting bins, a gap, a narrower bin, then another chromosome
    writer.append(["chr1"] * 4 + ["chr2"], np.array([0, 200, 600, 800, 10]),
                  np.array([200, 400, 800, 900, 20]), values)
    writer.close()
    bw = pyBigWig.open(str(paths[1]))
    assert bw.chroms() == dict(SIZES)
    assert bw.intervals("chr1") == ((0, 200, pytest.approx(0.9)), (200, 400, pytest.approx(0.8)),
                                    (600, 800, pytest.approx(0.6)), (800, 900, pytest.approx(0.5)))
    assert bw.values("chr2", 15, 16)[0] == pytest.approx(0.7)
    bw.close()


def test_intervals_out_of_order_or_outside_are_refused(tmp_path):
    writer = TrackWriter([tmp_path / "a.bedGraph"], "bedgraph", SIZES, ["a"])
    one = np.array([[0.5]], dtype=np.float32)
    writer.append(["chr2"], np.array([0]), np.array([10]), one)
    for chrom, start, end, message in (("chr1", 0, 10, "out of order"), ("chr2", 5, 15, "overlaps"),
                                       ("chr2", 490, 510, "outside"), ("chr3", 0, 1, "not in")):
        with pytest.raises(DanqError, match=message):
            writer.append([chrom], np.array([start]), np.array([end]), one)
    writer.append(["chr2"], np.array([10]), np.array([20]), one)
    writer.close()
    assert (tmp_path / "a.bedGraph").read_text().splitlines()[1:] == [
        "chr2\t0\t10\t0.5", "chr2\t10\t20\t0.5"]


def _write_tracks_under_ulimit(tmp_path, limit: str, n: int):
    import subprocess
    import sys

    code = (
        "import numpy as np, sys\n"
        "from danq.errors import DanqError\n"
        "from danq.formats.tracks import TrackWriter\n"
        f"paths = [{str(tmp_path)!r} + f'/t{{i}}.bedGraph' for i in range({n})]\n"
        "try:\n"
        "    w = TrackWriter(paths, 'bedgraph', [('c', 10)], [str(i) for i in range(len(paths))])\n"
        "except DanqError as e:\n"
        "    sys.exit(str(e))\n"
        "w.append(['c'], np.array([0]), np.array([5]), np.ones((1, len(paths)), np.float32))\n"
        "w.close()\n"
    )
    return subprocess.run(["bash", "-c", f"ulimit {limit}; exec {sys.executable} -c \"$0\"", code],
                          capture_output=True, text=True)


def test_one_open_file_per_track_raises_the_soft_limit_or_says_what_to_do(tmp_path):
    done = _write_tracks_under_ulimit(tmp_path, "-Sn 100", 150)  # soft 100, hard above: raised
    assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.glob("*.bedGraph"))) == 150
    refused = _write_tracks_under_ulimit(tmp_path, "-n 100", 150)  # hard 100: a clear error
    assert refused.returncode == 1
    assert "150 tracks need 214 open files but this system allows 100" in refused.stderr
