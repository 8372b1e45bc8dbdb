"""Open a ``danq report`` report.html in headless Chromium: screenshot it and check what a reader sees.

Usage::

    python benchmarks/report_browser.py results/report/report.html --screenshot first_screen.png

Checks (each failure is printed; the exit status is 1 when any check fails, 2 when no browser):

1. the page loads nothing from the network: no ``http(s)://`` in any ``src`` or ``href``;
2. after Chromium has loaded the page, the verdict section (``#verdict``) holds the answer to
   the benchmark's question (on the synthetic benchmark) and then three lines, the first starting
   with "Who wins" or "Result";
3. every ``<img>`` decoded: ``complete`` and ``naturalWidth > 0`` in the browser, counted against
   the ``<img>`` tags of the file;
4. no error in the console: no JavaScript error, no failed resource load, no ``console.error``.

How (robust without a DevTools client): the page is copied to a temporary folder with a small
probe added — an ``error`` listener (capture phase, so failed image loads count too) and a
``console.error`` hook at the top of ``<head>``, and, at the ``load`` event, a ``<pre
id="browser-probe">`` holding JSON of what it saw. Chromium's ``--dump-dom`` prints the DOM after
load, which this script parses. Chromium's own console log (``--enable-logging=stderr``) is
scanned as well for ``CONSOLE`` lines at error level (Chromium's own log lines, e.g. that no
D-Bus is running in a container, are not the page's and are ignored). The screenshot is taken of
the original file, unmodified.

``--snakemake-report`` also screenshots the page as the Snakemake report shows it: the report's
own app opens the results page (as a click on it under "1. Results" would), inline in an iframe.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]

PROBE_HEAD = """<script>
window.__probe = {errors: []};
window.addEventListener("error", function (e) {
  var t = e.target;
  window.__probe.errors.push(t && t.tagName ? "failed to load <" + t.tagName.toLowerCase() + ">"
                                            : String(e.message));
}, true);
(function () { var original = console.error; console.error = function () {
  window.__probe.errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
  return original.apply(console, arguments); }; })();
</script>"""

PROBE_TAIL = """<script>
window.addEventListener("load", function () {
  var images = Array.prototype.map.call(document.images, function (img) {
    return {alt: img.alt, complete: img.complete, width: img.naturalWidth,
            height: img.naturalHeight};
  });
  var verdict = document.getElementById("verdict");
  var lines = verdict ? Array.prototype.map.call(verdict.querySelectorAll("p"),
                                                function (p) { return p.textContent; }) : [];
  var pre = document.createElement("pre");
  pre.id = "browser-probe";
  pre.textContent = JSON.stringify({images: images, verdict: lines, errors: window.__probe.errors});
  document.body.appendChild(pre);
});
</script>"""


SNAKEMAKE_VIEW = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var key = Object.keys(results).filter(function (k) { return k.endsWith("report.html"); })[0];
  app.setView({content: "html", contentPath: results[key].data_uri, resultPath: key});
}, 500); });
</script>"""


#: The answer line that opens the verdict on the synthetic benchmark (danq.report.html).
ANSWER = r"^(Neither model has|Grammar learned|\S+ has not learned)"


def find_browser() -> str | None:
    """The first Chromium-like browser on PATH, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def run_browser(browser: str, args: list[str], profile: Path, timeout: float) -> subprocess.CompletedProcess:
    """One headless Chromium run with a throw-away profile."""
    return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=timeout, check=False)


def with_probe(page: str) -> str:
    """The page with the probe's scripts at the top of <head> and the end of <body>."""
    head = re.search(r"<head[^>]*>", page, flags=re.IGNORECASE)
    page = (page[:head.end()] + PROBE_HEAD + page[head.end():]) if head else PROBE_HEAD + page
    end = page.lower().rfind("</body>")
    return page[:end] + PROBE_TAIL + page[end:] if end >= 0 else page + PROBE_TAIL


def console_errors(stderr: str) -> list[str]:
    """Chromium log lines that report a console or JavaScript error from the page."""
    return [line for line in stderr.splitlines()
            if "CONSOLE" in line and re.search(r"ERROR|Uncaught|error", line)]


def check(report: Path, screenshot: Path | None, width: int, height: int,
          timeout: float = 90.0) -> list[str]:
    """Every failed check as a sentence (empty: the page passed). Raises FileNotFoundError when no
    browser is installed."""
    browser = find_browser()
    if browser is None:
        raise FileNotFoundError("no chromium on PATH")
    page = report.read_text(encoding="utf-8")
    failures = []
    remote = re.findall(r"""(?:src|href)\s*=\s*["'](https?:)?//""", page, flags=re.IGNORECASE)
    if remote:
        failures.append(f"{len(remote)} src/href attribute(s) point to the network")
    n_tags = len(re.findall(r"<img\b", page, flags=re.IGNORECASE))

    with tempfile.TemporaryDirectory(prefix="danq-browser-") as tmp:
        tmpdir = Path(tmp)
        probed = tmpdir / "probed.html"
        probed.write_text(with_probe(page), encoding="utf-8")
        run = run_browser(browser, ["--virtual-time-budget=10000", "--dump-dom",
                                    probed.as_uri()], tmpdir / "profile-dom", timeout)
        match = re.search(r'<pre id="browser-probe">(.*?)</pre>', run.stdout, flags=re.DOTALL)
        if not match:
            failures.append(f"the probe did not report (chromium exit {run.returncode}): "
                            + run.stderr.strip()[-300:])
        else:
            import html

            probe = json.loads(html.unescape(match.group(1)))
            images = probe["images"]
            broken = [i["alt"] or "(no alt)" for i in images
                      if not i["complete"] or i["width"] <= 0]
            if len(images) != n_tags:
                failures.append(f"{len(images)} images in the browser, {n_tags} <img> in the file")
            if not images:
                failures.append("no image on the page")
            if broken:
                failures.append(f"{len(broken)} image(s) not decoded: {', '.join(broken)}")
            verdict = [v.strip() for v in probe["verdict"]]
            lines = verdict[1:] if verdict and re.match(ANSWER, verdict[0]) else verdict
            if len(lines) != 3:
                failures.append(f"the verdict has {len(lines)} lines after the answer, not 3")
            elif not re.match(r"^(Who wins|Result)\b", lines[0]):
                failures.append(f"the verdict starts with {lines[0][:40]!r}")
            failures += [f"page error: {e}" for e in probe["errors"]]
            sizes = ", ".join(f"{i['width']}x{i['height']}" for i in images)
            print(f"{len(images)} images in the browser ({sizes})")
            print("verdict:\n  " + "\n  ".join(verdict))
        failures += [f"console: {line}" for line in console_errors(run.stderr)]

        if screenshot is not None:
            shot = run_browser(browser, [f"--window-size={width},{height}",
                                         f"--screenshot={screenshot.resolve()}",
                                         report.resolve().as_uri()], tmpdir / "profile-shot",
                               timeout)
            if not screenshot.is_file():
                failures.append(f"no screenshot written (chromium exit {shot.returncode})")
            failures += [f"console: {line}" for line in console_errors(shot.stderr)]
    return failures


def snakemake_view(snakemake_report: Path, screenshot: Path, width: int, height: int,
                   timeout: float = 120.0, open_results: bool = True) -> list[str]:
    """Screenshot of the results page as the Snakemake report shows it (its first category's
    report.html opened through the report app's own ``app.setView``, as a click would)."""
    browser = find_browser()
    if browser is None:
        raise FileNotFoundError("no chromium on PATH")
    page = snakemake_report.read_text(encoding="utf-8")
    if "report.html" not in page:
        return [f"{snakemake_report}: no report.html among the Snakemake report's results"]
    end = page.lower().rfind("</body>")
    with tempfile.TemporaryDirectory(prefix="danq-browser-") as tmp:
        tmpdir = Path(tmp)
        viewed = tmpdir / "snakemake_view.html"
        view = SNAKEMAKE_VIEW if open_results else ""  # else: the start page, as it opens
        viewed.write_text(page[:end] + view + page[end:], encoding="utf-8")
        run_browser(browser, [f"--window-size={width},{height}", "--virtual-time-budget=10000",
                              f"--screenshot={screenshot.resolve()}", viewed.as_uri()],
                    tmpdir / "profile", timeout)
    return [] if screenshot.is_file() else ["no screenshot of the Snakemake report written"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="report.html written by `danq report`")
    parser.add_argument("--screenshot", type=Path, default=None,
                        help="PNG of the first screen (window size --width x --height)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--snakemake-report", type=Path, default=None,
                        help="also screenshot the results page inside this `snakemake --report` "
                             "HTML (to --snakemake-screenshot)")
    parser.add_argument("--snakemake-screenshot", type=Path,
                        default=Path("snakemake_report_view.png"))
    parser.add_argument("--snakemake-start-screenshot", type=Path, default=None,
                        help="also screenshot the Snakemake report's start page as it opens")
    args = parser.parse_args(argv)
    try:
        failures = check(args.report, args.screenshot, args.width, args.height)
        if args.snakemake_report is not None:
            failures += snakemake_view(args.snakemake_report, args.snakemake_screenshot,
                                       args.width + 280, args.height)
            if args.snakemake_start_screenshot is not None:
                failures += snakemake_view(args.snakemake_report, args.snakemake_start_screenshot,
                                           args.width + 280, args.height, open_results=False)
    except FileNotFoundError as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return 2
    for failure in failures:
        print(f"FAIL: {failure}")
    print("browser check: " + ("passed" if not failures else f"{len(failures)} failure(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
