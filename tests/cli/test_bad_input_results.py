"""Bad inputs to the result stages (issue 24, items 7 and 10): a genome index of another layout,
probabilities that are not probabilities, comparisons with nothing to compare, reports from empty
or truncated files.

Each case ends in one ``danq: error: <file>: ...`` line, exit 1, no traceback and no output.
Commands run in-process through ``danq.cli.main``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from danq.evaluation.metrics import score_targets
from danq.formats.metrics import write_metrics
from danq.formats.predictions import H5PredictionWriter
from danq.models.checkpoint import save_checkpoint
from tests.datasets.helpers import write_bed, write_targets
from tests.helpers import run_danq as run
from tests.helpers import tiny_danq
from tests.simulation.hand_case import TARGETS as CASE_TARGETS
from tests.simulation.hand_case import write_case

LENGTH = 40
TARGETS = ["t1", "t2"]


def one_line_error(code: int, err: str, *expected: str) -> str:
    """Exit 1 with exactly one line, ``danq: error: ...``, containing every ``expected``."""
    lines = [line for line in err.strip().splitlines() if not line.startswith("danq: warning: ")]
    assert code == 1, err
    assert len(lines) == 1, err
    assert lines[0].startswith("danq: error: "), err
    for text in expected:
        assert text in lines[0], err
    return lines[0]


# ------------------------------------------------- a .fai index of another layout (item 7)


def _write_genome(path: Path, sequences: dict[str, str], width: int) -> Path:
    with open(path, "w") as handle:
        for name, seq in sequences.items():
            handle.write(f">{name}\n")
            handle.writelines(seq[i:i + width] + "\n" for i in range(0, len(seq), width))
    return path


@pytest.fixture
def stale_index_genome(tmp_path: Path) -> Path:
    """A FASTA of 60-base lines whose .fai, newer than it, was made for 50-base lines."""
    import pyfaidx

    rng = np.random.default_rng(0)
    sequences = {c: "".join(rng.choice(list("ACGT"), size=3000)) for c in ("chr1", "chr2")}
    genome = _write_genome(tmp_path / "genome.fa", sequences, 60)
    other = _write_genome(tmp_path / "other.fa", sequences, 50)
    pyfaidx.Faidx(str(other)).close()
    os.replace(f"{other}.fai", f"{genome}.fai")
    later = time.time() + 60
    os.utime(f"{genome}.fai", (later, later))
    return genome


def test_predict_with_a_stale_genome_index(capsys, tmp_path, stale_index_genome):
    checkpoint = tmp_path / "model.pt"
    save_checkpoint(checkpoint, tiny_danq(LENGTH, len(TARGETS)), {"target_names": TARGETS})
    bed = tmp_path / "regions.bed"
    bed.write_text("chr1\t1000\t1040\nchr2\t2500\t2600\n")
    out = tmp_path / "out.tsv"
    code, _, err = run(capsys, "predict", bed, "--genome", stale_index_genome, "--model",
                       checkpoint, "-o", out)
    one_line_error(code, err, f"{stale_index_genome}.fai", "does not match", "delete")
    assert not out.exists()
    os.unlink(f"{stale_index_genome}.fai")  # as the message says: then it works
    code, _, err = run(capsys, "predict", bed, "--genome", stale_index_genome, "--model",
                       checkpoint, "-o", out)
    assert code == 0, err
    assert len(out.read_text().splitlines()) == 3


def test_build_dataset_with_a_stale_genome_index(capsys, tmp_path, stale_index_genome):
    write_bed(tmp_path / "ctcf.bed", [("chr1", 1000, 1100), ("chr2", 200, 260)])
    targets = write_targets(tmp_path, [("CTCF", "TF", "ctcf.bed")])
    out = tmp_path / "built"
    code, _, err = run(capsys, "build-dataset", "--genome", stale_index_genome, "--peaks",
                       targets, "-o", out, "--window", "200")
    one_line_error(code, err, f"{stale_index_genome}.fai", "does not match", "delete")
    assert not out.exists()


def test_an_index_naming_other_records_is_refused(tmp_path):
    from danq.errors import DanqError
    from danq.sequence.genome import Genome

    genome = _write_genome(tmp_path / "g.fa", {"chrA": "ACGT" * 30}, 60)
    Path(f"{genome}.fai").write_text("chrB\t120\t6\t60\t61\n")
    later = time.time() + 60
    os.utime(f"{genome}.fai", (later, later))
    with pytest.raises(DanqError, match="does not follow the header line >chrB"):
        Genome(genome)
    Path(f"{genome}.fai").write_text("chrA\t500\t6\t60\t61\n")  # longer than the file
    os.utime(f"{genome}.fai", (later, later))
    with pytest.raises(DanqError, match="500 bases do not fit"):
        Genome(genome)


# ------------------------------------------- probabilities that are not (items 7 and 10)


def _predictions(path: Path, probabilities, labels=None, names=None, targets=TARGETS) -> Path:
    probabilities = np.asarray(probabilities, dtype=np.float32)
    names = names or [f"s{i}" for i in range(len(probabilities))]
    writer = H5PredictionWriter(path, targets, with_labels=labels is not None)
    writer.append(probabilities, names, None if labels is None else np.asarray(labels, np.uint8))
    writer.close()
    return path


@pytest.mark.parametrize("bad, problem", [
    (float("nan"), "NaN or infinite"),
    (float("inf"), "NaN or infinite"),
    (1.7, "outside [0, 1]"),
    (-0.2, "outside [0, 1]"),
])
def test_evaluate_from_predictions_that_are_not_probabilities(capsys, tmp_path, bad, problem):
    probs = [[0.1, 0.2], [0.9, bad], [0.3, 0.4], [0.8, 0.7]]
    labels = [[0, 0], [1, 1], [0, 0], [1, 1]]
    path = _predictions(tmp_path / "predictions.h5", probs, labels)
    out = tmp_path / "eval"
    code, _, err = run(capsys, "evaluate", "--from-predictions", path, "-o", out)
    line = one_line_error(code, err, str(path), problem, "row 's1'", "target 't2'")
    assert "Input contains" not in line
    assert not out.exists()


def test_evaluate_from_predictions_with_labels_other_than_0_1(capsys, tmp_path):
    path = _predictions(tmp_path / "predictions.h5", [[0.1, 0.2], [0.9, 0.8]],
                        [[0, 2], [1, 1]])
    code, _, err = run(capsys, "evaluate", "--from-predictions", path, "-o", tmp_path / "eval")
    one_line_error(code, err, str(path), "labels are not 0 or 1")


def test_evaluate_a_model_that_predicts_nan(capsys, tmp_path):
    """The sibling in `evaluate --model`: NaN weights gave scikit-learn's traceback."""
    import torch

    from danq.formats.dataset_writer import DatasetWriter

    model = tiny_danq(LENGTH, len(TARGETS))
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.fill_(float("nan"))
    checkpoint = tmp_path / "nan.pt"
    save_checkpoint(checkpoint, model, {"target_names": TARGETS})
    rng = np.random.default_rng(0)
    data = tmp_path / "test.h5"
    with DatasetWriter(data, LENGTH, TARGETS) as writer:
        writer.append(rng.integers(0, 4, (6, LENGTH)), rng.integers(0, 2, (6, len(TARGETS))),
                      [f"s{i}" for i in range(6)])
    out = tmp_path / "eval"
    code, _, err = run(capsys, "evaluate", "--model", checkpoint, "--data", data, "-o", out,
                       "--no-plots")
    one_line_error(code, err, str(checkpoint), "NaN or infinite", "row 's0'")
    assert not out.exists()


def test_baselines_with_nan_model_predictions(capsys, tmp_path):
    truth, data = write_case(tmp_path)
    probs = np.full((6, len(CASE_TARGETS)), 0.5)
    probs[3, 1] = np.nan
    path = _predictions(tmp_path / "model.h5", probs, names=[f"test_{i}" for i in range(6)],
                        targets=CASE_TARGETS)
    out = tmp_path / "baselines"
    code, _, err = run(capsys, "baselines", "--truth", truth, "--data", data, "--predictions",
                       f"M={path}", "-o", out)
    one_line_error(code, err, str(path), "NaN", "row 'test_3'")
    assert not out.exists()


# ------------------------------------------------------------ nothing to compare (item 10)


def _metrics(path: Path, labels) -> Path:
    labels = np.asarray(labels)
    write_metrics(score_targets(np.full(labels.shape, 0.5), labels, TARGETS, ["TF", "TF"]), path)
    return path


def test_compare_with_every_auc_nan(capsys, tmp_path):
    a = _metrics(tmp_path / "a.tsv", [[0, 0], [0, 0]])  # no positives: every AUC NaN
    b = _metrics(tmp_path / "b.tsv", [[0, 1], [1, 0]])
    out = tmp_path / "cmp"
    code, _, err = run(capsys, "compare", a, b, "-o", out)
    one_line_error(code, err, str(a), "nothing to compare")
    assert not out.exists()


def test_compare_with_some_aucs_nan_still_compares(capsys, tmp_path):
    a = _metrics(tmp_path / "a.tsv", [[0, 0], [1, 0]])  # t1 scored, t2 NaN
    b = _metrics(tmp_path / "b.tsv", [[0, 1], [1, 0]])
    code, _, err = run(capsys, "compare", a, b, "-o", tmp_path / "cmp", "--no-plots")
    assert code == 0, err
    assert "1 targets excluded" in err


# ------------------------------------------------ reports from empty or truncated files (item 10)


def test_report_with_an_empty_tomtom_table(capsys, tmp_path):
    truth, _ = write_case(tmp_path)
    metrics = _metrics(tmp_path / "metrics.tsv", [[0, 1], [1, 0]])
    empty = tmp_path / "tomtom.tsv"
    empty.write_text("")
    out = tmp_path / "report"
    code, _, err = run(capsys, "report", "--metrics", f"A={metrics}", "--tomtom", f"A={empty}",
                       "--truth", truth, "-o", out)
    one_line_error(code, err, str(empty), "empty")
    assert not out.exists()


def test_report_with_a_truncated_truth_and_no_tomtom(capsys, tmp_path):
    truth, _ = write_case(tmp_path)
    text = truth.read_text()
    truth.write_text(text[: len(text) // 2])
    metrics = _metrics(tmp_path / "metrics.tsv", [[0, 1], [1, 0]])
    out = tmp_path / "report"
    code, _, err = run(capsys, "report", "--metrics", f"A={metrics}", "--truth", truth, "-o", out)
    one_line_error(code, err, str(truth), "not a readable JSON")
    assert not out.exists()
