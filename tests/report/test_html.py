"""`danq report`'s results page (report.html): the three-line verdict from hand-made inputs, every
figure embedded; and, where Chromium is installed, the page as a browser renders it
(benchmarks/report_browser.py)."""

from __future__ import annotations

import base64
import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.report.test_baselines import write_inputs

ROOT = Path(__file__).resolve().parents[2]


def tiny_png(path: Path) -> Path:
    """A real 2 x 1 PNG drawn by matplotlib (the report checks the PNG signature)."""
    from danq.io.plotting import pyplot

    plt = pyplot()
    fig = plt.figure(figsize=(0.2, 0.1))
    fig.savefig(path, format="png", dpi=10)
    plt.close(fig)
    return path


def history(path: Path, epochs: int, cap: int, patience: int = 2, seed: int = 7) -> Path:
    """A metrics.csv of `epochs` epochs (valid loss lowest at epoch 2) and its settings.json."""
    losses = [0.6, 0.5, 0.55, 0.56, 0.57][:epochs]
    frame = pd.DataFrame({"epoch": range(1, epochs + 1), "train_loss": losses,
                          "valid_loss": losses, "valid_roc_auc": [0.6] * epochs})
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    path.with_name("settings.json").write_text(
        f'{{"hyperparameters": {{"epochs": {cap}, "patience": {patience}, "seed": {seed}}}}}')
    return path


def build(tmp_path: Path) -> tuple[dict, Path]:
    from danq.report.build import build_report

    metrics, folder = write_inputs(tmp_path)
    histories = {"DeepSEA": history(tmp_path / "a" / "metrics.csv", 4, cap=4),
                 "DanQ": history(tmp_path / "b" / "metrics.csv", 4, cap=10)}
    out = tmp_path / "out"
    summary = build_report(out, {"DeepSEA": metrics["DeepSEA"], "DanQ": metrics["DanQ"]},
                           histories, baselines=folder,
                           scatter=tiny_png(tmp_path / "scatter.png"),
                           curves={"DanQ": tiny_png(tmp_path / "curves.png")},
                           logos={"DanQ": tiny_png(tmp_path / "logos.png")})
    return summary, out / "report.html"


def test_verdict_says_who_wins_against_baselines_and_ceilings(tmp_path: Path) -> None:
    from danq.report.build import SINGLE_PARITY_GOAL
    from danq.report.html import verdict_lines

    summary, _ = build(tmp_path)
    who, baselines, ceilings = verdict_lines(summary, SINGLE_PARITY_GOAL)
    # grammar: DanQ's PR AUC 0.8/0.7/0.43/0.41 beats DeepSEA's 0.405/0.41/0.39/0.30 on all 4;
    # medians 0.565 vs 0.3975. single: both 0.7 -> on par, DanQ higher on 0 of 1.
    assert "**DanQ** wins on grammar (DanQ 0.565 vs DeepSEA" in who
    assert "DanQ higher on 4/4" in who
    assert "on par on single (" in who and "higher on 0/1" in who
    # g4 is within presence-only's margin (2 sd = 0.02): DanQ 3/4; DeepSEA only by chance: 0/4
    assert "DeepSEA on 0/4, DanQ on 3/4 grammar targets" in baselines
    assert "PWM scan: median PR AUC grammar 0.350, single 0.900" in baselines
    assert "median PR AUC grammar 0.950, single 0.900" in ceilings
    assert "targets per category grammar 4, single 1" in ceilings
    assert "DeepSEA seed 7, DanQ seed 7" in ceilings


def test_the_page_opens_with_the_answer_and_the_goals(tmp_path: Path) -> None:
    import copy

    from danq.report.html import grammar_answer

    summary, page = build(tmp_path)
    answer = grammar_answer(summary)
    assert answer.startswith("**Grammar learned** (beats the ")
    assert "DeepSEA on 0/4, DanQ on 3/4 grammar targets" in answer
    # the evidence names the stronger baseline's median beside the models' (grammar, PR AUC)
    assert "median PR AUC on grammar targets: DeepSEA 0.398, DanQ 0.565, " in answer
    none = copy.deepcopy(summary)
    for entry in none["baselines"]["learned_grammar"].values():
        entry["n_beats_baselines"] = entry["n_beats_presence"] = 0
    assert grammar_answer(none).startswith("**Neither model has learned grammar.** On none of "
                                           "the 4 grammar targets does either model beat the ")
    assert grammar_answer({"models": ["DanQ"]}) == ""  # no baselines, no answer line

    text = page.read_text(encoding="utf-8")
    verdict, end = text.index('id="verdict"'), text.index("</section>")
    assert verdict < text.index('class="answer"') < text.index("Goals of the synthetic") < end
    assert text.count("Goals of the synthetic") == 1 and end < text.index("Test-set AUC")
    # the same first screen, as a fragment, is the start page of `snakemake --report`
    fragment = (page.parent / "verdict.html").read_text(encoding="utf-8")
    assert "<html" not in fragment and 'class="danq-verdict"' in fragment
    assert "Grammar learned" in fragment and "Goals of the synthetic" in fragment
    assert "Who wins" not in fragment  # short: the details are on report.html


def test_page_embeds_every_figure_and_loads_nothing(tmp_path: Path) -> None:
    _, page = build(tmp_path)
    text = page.read_text(encoding="utf-8")
    sources = re.findall(r'<img src="([^"]+)"', text)
    # scatter, DanQ curves, DanQ logos, training curves
    assert len(sources) == 4
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")
    assert not re.search(r"""(src|href)=["']https?:""", text)
    verdict = text.index('id="verdict"')
    assert verdict < text.index("<img") and verdict < text.index("<table")
    assert "<title>DanQ vs DeepSEA" in text
    assert (page.parent / "tables.html").read_text().count("<table>") >= 3


def _browser_module():
    spec = importlib.util.spec_from_file_location("report_browser",
                                                  ROOT / "benchmarks" / "report_browser.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["report_browser"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not any(shutil.which(b) for b in ("chromium", "chromium-browser",
                                                        "google-chrome", "chrome")),
                    reason="no Chromium on PATH")
def test_page_renders_in_a_headless_browser(tmp_path: Path) -> None:
    browser = _browser_module()
    _, page = build(tmp_path)
    shot = tmp_path / "first_screen.png"
    assert browser.check(page, shot, 1280, 800) == []
    assert shot.read_bytes().startswith(b"\x89PNG")
    # The check can fail: a broken image and a script error are both caught.
    broken = tmp_path / "broken.html"
    broken.write_text(page.read_text().replace("base64,iVBOR", "base64,AAAA", 1)
                      .replace("</body>", "<script>undefinedFunction();</script></body>"))
    failures = browser.check(broken, None, 1280, 800)
    assert any("not decoded" in f for f in failures), failures
    assert any("undefinedFunction" in f for f in failures), failures


def test_planted_matches_are_recognised_whatever_the_matrix_version() -> None:
    from danq.motifs.logos import is_planted

    assert is_planted("MA0139.2", ["MA0139.1", "MA0138.3"])
    assert not is_planted("MA0140.1", ["MA0139.1"])
    assert not is_planted("MA0139.2", None)


def test_a_figure_that_is_not_a_png_is_a_one_line_error_and_nothing_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from danq.cli import main

    metrics, _ = write_inputs(tmp_path)
    not_png = tmp_path / "scatter.png"
    not_png.write_text("{}")
    out = tmp_path / "report"
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--metrics", f"DanQ={metrics['DanQ']}", "--scatter", str(not_png),
              "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code != 0
    assert err == f"danq: error: {not_png}: not a PNG image"
    assert not out.exists()
