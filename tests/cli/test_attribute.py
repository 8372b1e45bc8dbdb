"""`danq attribute` on the command line: inputs, outputs, logos with planted sites, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from danq.io.hdf5 import open_h5
from tests.cli.conftest import LENGTH
from tests.helpers import run_danq


def _fasta(path, sequences) -> str:
    path.write_text("".join(f">r{i}\n{s}\n" for i, s in enumerate(sequences)))
    return str(path)


def _random(n: int, length: int = LENGTH, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def test_defaults_match_the_package() -> None:
    from danq.cli import attribute as cli
    from danq.interpret import attribute as api

    assert cli.DEFAULT_BATCH_SIZE == api.DEFAULT_BATCH_SIZE
    assert cli.DEFAULT_PRECISION == api.DEFAULT_PRECISION == "fp32"


def test_fasta_in_attributions_out(capsys, tmp_path, checkpoint) -> None:
    fasta = _fasta(tmp_path / "s.fa", _random(3))
    code, out, err = run_danq(capsys, "attribute", fasta, "--model", checkpoint, "--method", "ig",
                              "--n-steps", "8", "--targets", "t2", "-o", tmp_path / "out",
                              "--no-progress")
    assert code == 0, err
    assert out == "" and "3 sequences x 1 targets, ig" in err
    with open_h5(tmp_path / "out" / "attributions.h5") as h5:
        assert h5["attributions"].shape == h5["hypothetical"].shape == (3, 1, 4, LENGTH)
        assert "ism" not in h5 and h5.attrs["n_steps"] == 8 and h5.attrs["method"] == "ig"
        assert [n.decode() for n in h5["target_names"][:]] == ["t2"]


def test_bed_input_reads_model_length_windows_from_the_genome(capsys, tmp_path, checkpoint) -> None:
    chrom = _random(1, 200, seed=5)[0]
    genome = tmp_path / "g.fa"
    genome.write_text(f">chr1\n{chrom}\n")
    bed = tmp_path / "r.bed"
    bed.write_text("chr1\t90\t110\tpeak\n")
    code, _, err = run_danq(capsys, "attribute", bed, "--genome", genome, "--model", checkpoint,
                            "-o", tmp_path / "out", "--no-progress")
    assert code == 0, err
    with open_h5(tmp_path / "out" / "attributions.h5") as h5:
        from danq.encoders import from_tokens

        assert from_tokens(h5["tokens"][0]) == chrom[100 - LENGTH // 2:100 + LENGTH // 2]
        assert h5["names"][0].decode() == "peak" and h5["ism"].shape == (1, 3, 4, LENGTH)


def test_plot_marks_the_planted_motifs_of_a_truth_file(capsys, tmp_path, checkpoint) -> None:
    code, _, err = run_danq(capsys, "simulate", "-o", tmp_path / "sim", "--n-train", "0",
                            "--n-valid", "0", "--n-test", "6", "--length", "300")
    assert code == 0, err
    from danq.cli.attribute import planted_sites

    sites = planted_sites(str(tmp_path / "sim" / "truth.json"))
    assert sites and all(0 <= lo < hi <= 300 for v in sites.values() for lo, hi, _ in v)
    # the tiny checkpoint takes 40 bp: a 300 bp FASTA is refused, naming the lengths
    code, _, err = run_danq(capsys, "attribute", tmp_path / "sim" / "test.fa", "--model",
                            checkpoint, "-o", tmp_path / "out", "--plot", "2", "--truth",
                            tmp_path / "sim" / "truth.json")
    assert code == 1 and "is 300 bp but the model takes 40 bp" in err
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()
    # a model of the simulation's length: the truth.json beside the FASTA marks the logos
    from danq.models.checkpoint import save_checkpoint
    from tests.helpers import tiny_danq

    save_checkpoint(tmp_path / "m300.pt", tiny_danq(300, 2), {"target_names": ["a", "b"]})
    code, _, err = run_danq(capsys, "attribute", tmp_path / "sim" / "test.fa", "--model",
                            tmp_path / "m300.pt", "--method", "saliency", "--targets", "a",
                            "-o", tmp_path / "out", "--plot", "2")
    assert code == 0, err
    n_sites = sum(map(len, sites.values()))
    assert f"1 logo page(s) marking {n_sites} planted motif sites" in err
    assert (tmp_path / "out" / "logos" / "000_a.png").is_file()


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--method", "deeplift-shap"], 1, "use --method ism (exact) or --method ig"),
    (["--method", "occlusion"], 2, "'occlusion' is not one of"),
    (["--targets", "nothing"], 1, "'nothing' matches no target"),
    (["--n-shuffles", "3"], 1, "--method ism: does not take --n-shuffles"),
    (["--truth", "missing.json"], 1, "missing.json"),
    (["--limit", "0"], 2, "--limit"),
])
def test_bad_input(capsys, tmp_path, checkpoint, args, code, message) -> None:
    fasta = _fasta(tmp_path / "s.fa", _random(2))
    status, _, err = run_danq(capsys, "attribute", fasta, "--model", checkpoint, *args,
                              "-o", tmp_path / "out")
    assert status == code and message in err
    assert not (tmp_path / "out").exists()


def test_wrong_length_is_one_line(capsys, tmp_path, checkpoint) -> None:
    fasta = _fasta(tmp_path / "s.fa", [*_random(1), "ACGT"])
    code, _, err = run_danq(capsys, "attribute", fasta, "--model", checkpoint, "-o", tmp_path / "o")
    assert code == 1
    assert err == (f"danq: error: {fasta}: sequence 'r1' is 4 bp but the model takes {LENGTH} bp; "
                   "attributions need sequences of exactly the model's length\n")


def test_a_danq_dataset_is_an_input_too(capsys, tmp_path, checkpoint) -> None:
    from tests.formats.dataset_files import make_dataset

    make_dataset(tmp_path / "d.h5", n=5, length=LENGTH, n_targets=3)
    code, _, err = run_danq(capsys, "attribute", tmp_path / "d.h5", "--model", checkpoint,
                            "--method", "saliency", "-o", tmp_path / "out")
    assert code == 0, err
    with open_h5(tmp_path / "out" / "attributions.h5") as h5, open_h5(tmp_path / "d.h5") as data:
        np.testing.assert_array_equal(h5["tokens"][:], data["sequences"][:])
        assert h5["attributions"].shape == (5, 3, 4, LENGTH)


def test_limit_and_truth_write_the_first_sequences_and_their_accuracy(capsys, tmp_path) -> None:
    import pandas as pd

    from danq.interpret.ground_truth import score_attributions
    from danq.models.checkpoint import save_checkpoint
    from danq.simulation.truth import read_truth
    from tests.helpers import tiny_danq

    code, _, err = run_danq(capsys, "simulate", "-o", tmp_path / "sim", "--n-train", "0",
                            "--n-valid", "3", "--n-test", "12", "--length", "300")
    assert code == 0, err
    truth = tmp_path / "sim" / "truth.json"
    test = read_truth(truth, "test")
    save_checkpoint(tmp_path / "m.pt", tiny_danq(300, len(test.target_names)),
                    {"target_names": list(test.target_names)})
    code, _, err = run_danq(capsys, "attribute", tmp_path / "sim" / "test.fa", "--model",
                            tmp_path / "m.pt", "--method", "saliency", "--limit", "5",
                            "--truth", truth, "-o", tmp_path / "out", "--no-progress")
    assert code == 0, err
    assert "5 sequences x 12 targets" in err and "attribution AUROC" in err
    out = tmp_path / "out"
    with open_h5(out / "attributions.h5") as h5:
        assert [n.decode() for n in h5["names"][:]] == list(test.names[:5])
    table = pd.read_csv(out / "accuracy.tsv", sep="\t")
    assert list(table.columns[:2]) == ["method", "split"]
    assert set(table["method"]) == {"saliency"} and set(table["split"]) == {"test"}
    expected = score_attributions(out / "attributions.h5", truth, "test")
    assert table["target"].tolist() == expected["target"].tolist() == list(test.target_names)
    assert (table["sequences"] <= 5).all() and table["sequences"].sum() > 0
    np.testing.assert_allclose(table["auroc"], expected["auroc"], atol=1e-4)
    # the validation records are found in their own split
    code, _, err = run_danq(capsys, "attribute", tmp_path / "sim" / "valid.fa", "--model",
                            tmp_path / "m.pt", "--method", "saliency", "--truth", truth,
                            "-o", tmp_path / "valid", "--no-progress")
    assert code == 0, err
    assert set(pd.read_csv(tmp_path / "valid" / "accuracy.tsv", sep="\t")["split"]) == {"valid"}
    # records the truth does not hold: one line, nothing published
    fasta = _fasta(tmp_path / "other.fa", _random(2, 300))
    code, _, err = run_danq(capsys, "attribute", fasta, "--model", tmp_path / "m.pt", "--method",
                            "saliency", "--truth", truth, "-o", tmp_path / "bad")
    assert code == 1 and "no split holds every explained sequence" in err
    assert err.count("\n") == 1 and not (tmp_path / "bad").exists()



def test_no_incremental_gives_the_same_ism(capsys, tmp_path, checkpoint) -> None:
    """--no-incremental runs every mutant through the full model: the same ISM within 1e-5."""
    fasta = _fasta(tmp_path / "s.fa", _random(2, seed=3))
    ism = {}
    for flag in ("--incremental", "--no-incremental"):
        out = tmp_path / flag.strip("-")
        code, _, err = run_danq(capsys, "attribute", fasta, "--model", checkpoint, flag,
                                "-o", out, "--no-progress")
        assert code == 0, err
        with open_h5(out / "attributions.h5") as h5:
            ism[flag] = h5["ism"][()]
    assert np.abs(ism["--incremental"]).max() > 0
    np.testing.assert_allclose(ism["--incremental"], ism["--no-incremental"], atol=1e-5)
