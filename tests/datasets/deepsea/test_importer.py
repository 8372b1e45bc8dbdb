"""`danq import-deepsea` (danq.datasets.deepsea.importer) on small synthetic bundles in the exact DeepSEA layout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import scipy.io
from click.testing import CliRunner

from danq.cli import cli
from danq.datasets.deepsea.importer import import_deepsea
from danq.encoders import one_hot, reverse_complement_tokens, to_tokens
from danq.errors import DanqError
from danq.formats.dataset import open_dataset
from danq.training.batches import ChunkedBatches
from tests.datasets.deepsea.helpers import LENGTH, WINDOWS, make_bundle, write_v5


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("bundle") / "deepsea_train"
    return folder, make_bundle(folder)



@pytest.fixture(scope="module")
def imported(bundle, tmp_path_factory) -> tuple[Path, list[dict]]:
    folder, _ = bundle
    out = tmp_path_factory.mktemp("out")
    return out, import_deepsea(folder, out, progress=False, shuffle_seed=None)  # bundle order



def test_sequences_labels_pairs_round_trip(bundle, imported):
    _, truth = bundle
    out, summaries = imported
    assert [s["format"] for s in summaries] == ["v7.3 (HDF5)", "v5", "v5 (compressed)"]
    for split, (seqs, labels) in truth.items():
        n = 2 * WINDOWS[split]
        with open_dataset(out / f"{split}.h5") as ds:
            assert len(ds) == n and ds.sequence_length == LENGTH and ds.alphabet == "ACGT"
            np.testing.assert_array_equal(ds.tokens(), np.stack([to_tokens(s) for s in seqs]))
            np.testing.assert_array_equal(ds.labels(), labels)
            half = n // 2
            np.testing.assert_array_equal(ds.strand, [1] * half + [-1] * half)
            np.testing.assert_array_equal(ds.pair_index, np.r_[np.arange(half, n), np.arange(half)])
            assert ds.names(0, 1) == [f"{split}:0:+"] and ds.names(n - 1, n) == [f"{split}:{half - 1}:-"]
            one_hot_first, _ = ds[0]
            np.testing.assert_array_equal(one_hot_first, one_hot(seqs[0]))
    assert all(s["pair_mismatches"] == 0 for s in summaries)



def test_targets_default_names_and_deepsea_categories(imported):
    out, _ = imported
    with open_dataset(out / "valid.h5") as ds:
        assert ds.n_targets == 919
        assert ds.target_names[:2] == ["t000", "t001"] and ds.target_names[-1] == "t918"
        cats = ds.target_categories
        assert cats[:125] == ["DNase"] * 125 and cats[125:815] == ["TF"] * 690
        assert cats[815:] == ["histone"] * 104



def test_block_size_does_not_change_the_result(bundle, imported, tmp_path):
    folder, _ = bundle
    out, _ = imported
    # 7 straddles every boundary
    import_deepsea(folder, tmp_path, chunk_samples=7, progress=False, shuffle_seed=None)
    for split in WINDOWS:
        with open_dataset(out / f"{split}.h5") as a, open_dataset(tmp_path / f"{split}.h5") as b:
            np.testing.assert_array_equal(a.tokens(), b.tokens())
            np.testing.assert_array_equal(a.labels(), b.labels())
            assert a.names(0, len(a)) == b.names(0, len(b))



def test_train_rows_are_permuted_once_seeded_with_pairs_kept(bundle, imported, tmp_path):
    folder, _ = bundle
    ordered, _ = imported
    summaries = import_deepsea(folder, tmp_path / "a", progress=False)  # the default: seed 1337
    assert [s["shuffle_seed"] for s in summaries] == [1337, None, None]
    import_deepsea(folder, tmp_path / "b", chunk_samples=7, progress=False, splits=["train"])
    import_deepsea(folder, tmp_path / "c", progress=False, splits=["train"], shuffle_seed=2)
    with open_dataset(ordered / "train.h5") as base, open_dataset(tmp_path / "a" / "train.h5") as a:
        n = len(base)
        names = base.names(0, n)
        source_row = np.array([names.index(name) for name in a.names(0, n)])
        assert sorted(source_row) == list(range(n))
        assert not np.array_equal(source_row, np.arange(n))  # permuted ...
        assert np.any(a.strand[: n // 2] == -1)  # ... and the strands mixed
        np.testing.assert_array_equal(a.tokens(), base.tokens()[source_row])
        np.testing.assert_array_equal(a.labels(), base.labels()[source_row])
        np.testing.assert_array_equal(a.strand, base.strand[source_row])
        pair = a.pair_index
        np.testing.assert_array_equal(pair[pair], np.arange(n))  # pairs still linked
        np.testing.assert_array_equal(source_row[pair], base.pair_index[source_row])
        tokens = a.tokens()
        np.testing.assert_array_equal(tokens[pair], reverse_complement_tokens(tokens))
        with open_dataset(tmp_path / "b" / "train.h5") as b:  # block size changes nothing
            assert b.names(0, n) == a.names(0, n)
            np.testing.assert_array_equal(b.tokens(), tokens)
        with open_dataset(tmp_path / "c" / "train.h5") as c:  # another seed, another order
            assert c.names(0, n) != a.names(0, n)
    with open_dataset(ordered / "valid.h5") as base, open_dataset(tmp_path / "a" / "valid.h5") as v:
        assert v.names(0, len(v)) == base.names(0, len(base))  # valid keeps the bundle's order


def test_training_loader_reads_imported_train(imported):
    out, _ = imported
    loader = ChunkedBatches(out / "train.h5", batch_size=16, seed=3)
    seen = 0
    for x, y in loader:
        assert x.shape[1:] == (4, LENGTH) and y.shape[1] == 919
        seen += x.shape[0]
    assert seen == 2 * WINDOWS["train"]



def test_names_file_duplicates_and_count(bundle, tmp_path):
    folder, _ = bundle
    names = [f"cell{i}|{'DNase' if i < 125 else 'CTCF'}|None" for i in range(919)]
    names[700] = names[699]  # DeepSEA's list repeats some cell|factor|treatment names
    names_file = tmp_path / "predictor.names"
    names_file.write_text("\n".join(names) + "\n")
    import_deepsea(folder, tmp_path / "out", names=names_file, splits=["valid"], progress=False)
    with open_dataset(tmp_path / "out" / "valid.h5") as ds:
        assert ds.target_names[0] == "cell0|DNase|None"
        assert ds.target_names[699] == names[699] and ds.target_names[700] == names[699] + "#2"
        assert ds.target_categories[124] == "DNase" and ds.target_categories[918] == "histone"
    names_file.write_text("\n".join(names[:-1]) + "\n")
    with pytest.raises(DanqError, match=r"predictor\.names: 918 names, the bundle has 919"):
        import_deepsea(folder, tmp_path / "out2", names=names_file, splits=["valid"])



def test_other_target_counts(tmp_path):
    folder = tmp_path / "bundle"
    make_bundle(folder, n_targets=4)
    warned: list[str] = []
    import_deepsea(folder, tmp_path / "a", splits=["valid"], warn=warned.append, progress=False)
    assert len(warned) == 1 and "categories left empty" in warned[0]
    with open_dataset(tmp_path / "a" / "valid.h5") as ds:
        assert ds.target_categories == [""] * 4 and ds.target_names == ["t000", "t001", "t002", "t003"]
    names = tmp_path / "names.txt"
    names.write_text("K562|DNase|None\nK562|CTCF|None\nK562|H3K4me3|None\nHeLa|H2A.Z|None\n")
    import_deepsea(folder, tmp_path / "b", names=names, splits=["valid"], progress=False)
    with open_dataset(tmp_path / "b" / "valid.h5") as ds:
        assert ds.target_categories == ["DNase", "TF", "histone", "histone"]



def test_second_half_mismatch_outside_the_sample_is_reported(tmp_path):
    folder = tmp_path / "bundle"
    make_bundle(folder)
    with h5py.File(folder / "train.mat", "r+") as f:  # break pair 2 <-> 42 (not an exactly-checked one)
        x = f["trainxdata"]
        x[:, :, 42] = x[:, :, 42][::-1]
    warned: list[str] = []
    summary = import_deepsea(folder, tmp_path / "out", splits=["train"], warn=warned.append,
                             chunk_samples=16, progress=False)[0]
    assert summary["pair_mismatches"] == 1
    assert len(warned) == 1 and "1 of 40 second-half samples" in warned[0] and "sample 42" in warned[0]



def _truncate(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])



def _garble(path: Path, where: float) -> None:
    data = bytearray(path.read_bytes())
    at = int(len(data) * where)
    data[at : at + 16] = bytes(16)
    path.write_bytes(bytes(data))



def _rewrite_valid(folder: Path, change) -> None:
    data = scipy.io.loadmat(folder / "valid.mat")
    x, y = change(data["validxdata"], data["validdata"])
    write_v5(folder / "valid.mat", "valid", x, y, compress=False)



def _rename_variable(folder: Path) -> None:
    data = scipy.io.loadmat(folder / "valid.mat")
    scipy.io.savemat(folder / "valid.mat", {"validx": data["validxdata"], "validdata": data["validdata"]})



def _swap_halves_order(x, y):
    half = x.shape[0] // 2
    x = x.copy()
    x[half:] = x[half:][::-1]  # reverse complements present but in the wrong order
    return x, y



CORRUPTIONS = {
    "missing file": (lambda f: (f / "test.mat").unlink(), "test.mat: file does not exist"),
    "not a MAT file": (lambda f: (f / "valid.mat").write_text("hello\n" * 50),
                       "valid.mat: not a MATLAB file"),
    "missing variable": (_rename_variable, "valid.mat: no variable 'validxdata'"),
    "three channels": (lambda f: _rewrite_valid(f, lambda x, y: (x[:, :3], y)),
                       r"valid.mat: variable 'validxdata' has shape \(12, 3, 50\)"),
    "label count": (lambda f: _rewrite_valid(f, lambda x, y: (x, y[:-2])),
                    "valid.mat: 'validdata' has labels for 10 samples, 'validxdata' has 12"),
    "odd N": (lambda f: _rewrite_valid(f, lambda x, y: (x[:-1], y[:-1])),
              "valid.mat: odd number of samples"),
    "wrong layout": (lambda f: _rewrite_valid(f, _swap_halves_order),
                     "valid.mat: wrong layout: sample 6 is not the reverse complement of sample 0"),
    "labels not 0/1": (lambda f: _rewrite_valid(f, lambda x, y: (x, y * 2)),
                       "valid.mat: variable 'validdata' holds labels other than 0 and 1"),
    "truncated v5": (lambda f: _truncate(f / "valid.mat", 0.9), "valid.mat: truncated"),
    "truncated compressed v5": (lambda f: _truncate(f / "test.mat", 0.95), "test.mat: truncated"),
    "corrupt compressed v5": (lambda f: _garble(f / "test.mat", 0.3),
                              "test.mat: corrupt compressed variable"),
    "truncated v7.3": (lambda f: _truncate(f / "train.mat", 0.5), "train.mat: cannot open as HDF5"),
    "target counts differ": (lambda f: _rewrite_valid(f, lambda x, y: (x, y[:, :5])),
                             "valid.mat: 5 targets, train.mat has 919"),
}



@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_bad_bundles_fail_clearly(bundle, tmp_path, case):
    source_folder, _ = bundle
    folder = tmp_path / "deepsea_train"
    folder.mkdir()
    for name in ("train.mat", "valid.mat", "test.mat"):
        (folder / name).write_bytes((source_folder / name).read_bytes())
    corrupt, message = CORRUPTIONS[case]
    corrupt(folder)
    with pytest.raises(DanqError, match=message) as info:
        import_deepsea(folder, tmp_path / "out", progress=False)
    assert "\n" not in str(info.value)
    bad_split = next(s for s in WINDOWS if f"{s}.mat" in str(info.value))
    assert not (tmp_path / "out" / f"{bad_split}.h5").exists()



def test_missing_folder(tmp_path):
    with pytest.raises(DanqError, match="bundle folder does not exist"):
        import_deepsea(tmp_path / "nowhere", tmp_path / "out")



def test_cli_imports_and_summarises(bundle, tmp_path):
    folder, _ = bundle
    result = CliRunner().invoke(
        cli, ["import-deepsea", str(folder), "-o", str(tmp_path), "--chunk-samples", "16"]
    )
    assert result.exit_code == 0, result.output
    assert "train.h5: 80 samples (40 windows x 2 strands) of 50 bp, 919 targets" in result.output
    assert {p.name for p in tmp_path.glob("*.h5")} == {"train.h5", "valid.h5", "test.h5"}



def test_cli_bad_input_is_one_line_error(tmp_path):
    (tmp_path / "train.mat").write_text("not a mat file")
    proc = subprocess.run(
        [sys.executable, "-m", "danq", "import-deepsea", str(tmp_path), "-o", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("danq: error: ")
    assert "train.mat: not a MATLAB file" in lines[0]

