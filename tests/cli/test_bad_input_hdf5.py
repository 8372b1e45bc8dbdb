"""HDF5 inputs whose data is not inside the file itself (issue 24, item 3).

An external link, a soft link to an external link, a virtual dataset or external raw storage makes
HDF5 read another file (``/etc/passwd`` behind ``/sequences``). Every danq reader of an HDF5 file
refuses such a file with one line naming the file and the object, before reading anything, and
writes no output. Each case rewrites one dataset of a good file so that its values (the same ones)
lie in another file: the commands accepted them before.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from danq.datasets.encode import encode_fasta
from danq.formats.predictions import PREDICTIONS_FORMAT
from danq.variants.results import RESULTS_FORMAT
from tests.cli.conftest import LENGTH, TARGETS
from tests.cli.test_bad_input import one_line_error, random_records, write_fasta
from tests.helpers import run_danq as run

KINDS = ("external-link", "soft-link", "virtual", "external-storage")
#: What the one line says of each kind, after "<file>: /<name> is ".
SAYS = {
    "external-link": "an external link (to ",
    "soft-link": "a soft link to /outside, which is an external link (to ",
    "virtual": "a virtual dataset (of ",
    "external-storage": "stored in external raw files (",
}


def move_outside(path: Path, name: str, kind: str) -> str:
    """Put dataset ``name`` of ``path``'s values in another file, reached by ``kind``; return
    the start of the error line expected for it."""
    raw = path.with_name(path.stem + "_raw.bin")
    elsewhere = path.with_name(path.stem + "_elsewhere.h5")
    with h5py.File(path, "a") as f:
        data = f[name][()]
        attrs = dict(f[name].attrs)
        del f[name]
        if kind == "external-storage":
            np.ascontiguousarray(data).tofile(raw)
            f.create_dataset(name, shape=data.shape, dtype=data.dtype,
                             external=[(str(raw), 0, data.nbytes)])
        else:
            with h5py.File(elsewhere, "w") as other:
                other["data"] = data
            if kind == "external-link":
                f[name] = h5py.ExternalLink(str(elsewhere), "/data")
            elif kind == "soft-link":
                f["outside"] = h5py.ExternalLink(str(elsewhere), "/data")
                f[name] = h5py.SoftLink("/outside")
            else:
                layout = h5py.VirtualLayout(shape=data.shape, dtype=data.dtype)
                layout[...] = h5py.VirtualSource(str(elsewhere), "data", shape=data.shape)
                f.create_virtual_dataset(name, layout)
        if kind in ("external-storage", "virtual"):
            f[name].attrs.update(attrs)
    return f"{path}: /{name} is {SAYS[kind]}"


@pytest.fixture
def dataset(tmp_path) -> Path:
    fasta = write_fasta(tmp_path / "x.fa", random_records(6))
    labels = tmp_path / "labels.tsv"
    labels.write_text("name\t" + "\t".join(TARGETS) + "\n"
                      + "".join(f"s{i}\t{i % 2}\t1\t0\n" for i in range(6)))
    path = tmp_path / "d.h5"
    encode_fasta(fasta, path, labels)
    return path


# ------------------------------------------------------------------------------- datasets


@pytest.mark.parametrize("kind", KINDS)
def test_evaluate_refuses_a_dataset_reaching_outside(capsys, tmp_path, dataset, checkpoint, kind):
    expected = move_outside(dataset, "sequences", kind)
    out = tmp_path / "eval"
    code, _, err = run(capsys, "evaluate", "--model", checkpoint, "--data", dataset, "-o", out,
                       "--threads", "1", "--no-plots")
    one_line_error(code, err, expected)
    assert not out.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_predict_refuses_a_dataset_reaching_outside(capsys, tmp_path, dataset, checkpoint, kind):
    expected = move_outside(dataset, "sequences", kind)
    out = tmp_path / "p.tsv"
    code, _, err = run(capsys, "predict", dataset, "--model", checkpoint, "-o", out,
                       "--threads", "1")
    one_line_error(code, err, expected)
    assert not out.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_train_refuses_a_dataset_reaching_outside(capsys, tmp_path, dataset, kind):
    valid = tmp_path / "valid.h5"
    valid.write_bytes(dataset.read_bytes())
    expected = move_outside(dataset, "labels", kind)
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", "--arch", "danq", "--train", dataset, "--valid", valid,
                       "-o", out, "--epochs", "1", "--threads", "1", "--batch-size", "6")
    one_line_error(code, err, expected)
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("kind", KINDS)
def test_export_bed_refuses_coordinates_reaching_outside(capsys, tmp_path, dataset, kind):
    with h5py.File(dataset, "a") as f:
        f["chrom"] = np.array([b"chr1"] * 6, dtype="S4")
        f["start"] = np.arange(6, dtype=np.int64) * 100
        f["end"] = np.arange(6, dtype=np.int64) * 100 + LENGTH
    expected = move_outside(dataset, "start", kind)
    out = tmp_path / "d.bed"
    code, _, err = run(capsys, "export-bed", dataset, "-o", out)
    one_line_error(code, err, expected)
    assert not out.exists()


# ------------------------------------------------------------------- other danq HDF5 files


def write_predictions(path: Path) -> Path:
    rng = np.random.default_rng(3)
    with h5py.File(path, "w") as f:
        f.attrs["format"] = PREDICTIONS_FORMAT
        f["probabilities"] = rng.random((8, 2)).astype(np.float32)
        f["labels"] = np.array([[0, 1], [1, 0]] * 4, dtype=np.uint8)
        f["names"] = [f"s{i}".encode() for i in range(8)]
        f["target_names"] = [b"DNase|A", b"CTCF|B"]
        f["target_categories"] = [b"DNase", b"TF"]
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_evaluate_from_predictions_refuses_data_outside(capsys, tmp_path, kind):
    predictions = write_predictions(tmp_path / "predictions.h5")
    expected = move_outside(predictions, "probabilities", kind)
    out = tmp_path / "eval"
    code, _, err = run(capsys, "evaluate", "--from-predictions", predictions, "-o", out,
                       "--no-plots")
    one_line_error(code, err, expected)
    assert not out.exists()


def write_effects(path: Path) -> Path:
    rng = np.random.default_rng(4)
    with h5py.File(path, "w") as f:
        f.attrs["format"] = RESULTS_FORMAT
        f["scores/logit_diff"] = rng.normal(size=(3, 2)).astype(np.float32)
        f["variants/id"] = [b"v1", b"v2", b"."]
        f["variants/chrom"] = [b"chr1"] * 3
        f["variants/pos"] = np.array([10, 20, 30], dtype=np.int64)
        f["variants/alt"] = [b"A", b"C", b"G"]
        f["target_names"] = [b"DNase|A", b"CTCF|B"]
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_variant_report_refuses_effects_outside(capsys, tmp_path, kind):
    effects = write_effects(tmp_path / "variant_effects.h5")
    expected = move_outside(effects, "scores/logit_diff", kind)
    out = tmp_path / "report"
    code, _, err = run(capsys, "variant-report", "--effects", f"m={effects}", "-o", out)
    one_line_error(code, err, expected)
    assert not out.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_import_weights_refuses_keras_weights_outside(capsys, tmp_path, kind):
    from tests.models.published.test_keras import random_danq_params, write_keras02

    params = random_danq_params(np.random.default_rng(6), filters=5, width=26, hidden=4, dense=6,
                                targets=919, steps=75)
    weights = tmp_path / "DanQ_bestmodel.hdf5"
    write_keras02(weights, params, jaspar=False)
    expected = move_outside(weights, "layer_0/param_0", kind)
    out = tmp_path / "model.pt"
    code, _, err = run(capsys, "import-weights", weights, "-o", out)
    one_line_error(code, err, expected)
    assert not out.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_import_deepsea_refuses_a_v73_mat_reaching_outside(capsys, tmp_path, kind):
    """The DeepSEA bundle's MATLAB v7.3 files are HDF5 too."""
    from tests.datasets.deepsea.helpers import bundle_arrays, random_windows, write_v73

    bundle = tmp_path / "bundle"
    bundle.mkdir()
    rng = np.random.default_rng(8)
    _, x, y = bundle_arrays(random_windows(rng, 4), 3, rng)
    train = bundle / "train.mat"
    write_v73(train, "train", x, y)
    expected = move_outside(train, "trainxdata", kind)
    out = tmp_path / "data"
    code, _, err = run(capsys, "import-deepsea", bundle, "-o", out, "--split", "train")
    one_line_error(code, err, expected)
    assert not (out / "train.h5").exists()


def test_soft_links_inside_the_file_are_still_read(capsys, tmp_path, dataset, checkpoint):
    """Only what leaves the file is refused: a soft link to a dataset of the same file is fine."""
    with h5py.File(dataset, "a") as f:
        f.move("sequences", "kept/sequences")
        f["sequences"] = h5py.SoftLink("/kept/sequences")
    out = tmp_path / "p.tsv"
    code, _, err = run(capsys, "predict", dataset, "--model", checkpoint, "-o", out,
                       "--threads", "1")
    assert code == 0, err
    assert len(out.read_text().splitlines()) == 7
