"""The run's results page: one self-contained ``report.html`` that a biologist reads first.

``danq report`` writes it beside ``summary.md``. The first screen answers the benchmark's
question (:func:`grammar_answer`: has either model learned grammar, i.e. beaten the stronger
baseline on grammar targets?), with the goals table beside it, then three lines computed from the
summary the report already holds:

1. who wins on which kind of target and by how much (per category: the challenger's share of
   targets with the higher PR AUC and the difference of the median PR AUCs; "on par" within
   :data:`danq.report.goals.SINGLE_PARITY_GOAL`);
2. against which baselines (synthetic benchmark: on how many grammar targets each model beats the
   stronger of the presence-only and marginal baselines, i.e. has learned grammar);
3. against which ceilings (the oracle's median PR AUC per category beside each model's), and how
   uncertain all this is (targets per category, training seeds).

Then the sections of ``summary.md`` (converted by :func:`markdown_to_html`, a converter for the
small Markdown subset that :func:`danq.report.markdown.render_markdown` writes) with the figures placed
where they belong: the comparison scatter after the head-to-head table, the test-set curves, the
decoy breakdown, motif recovery with the filter logos, the training curves, the dataset summary.

Figures are embedded as ``data:`` URIs and the page loads nothing from the network, so it can be
mailed, opened offline and rendered inside the Snakemake report.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from danq.errors import DanqError
from danq.report.baselines import GRAMMAR_BASELINES

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1.2em 1.6em 4em; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.55em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin-top: 1.5em; }
.verdict { background: #f3f7fb; border-left: 5px solid #2b6cb0; padding: 0.7em 1.1em;
           margin: 0.6em 0 1em; font-size: 1.08em; }
.verdict p { margin: 0.35em 0; }
.verdict p.answer { font-size: 1.15em; }
.verdict h3 { font-size: 1.0em; margin: 0.8em 0 0.3em; }
.note { color: #555; font-style: italic; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #d0d0d0; padding: 0.25em 0.6em; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f5f5f5; }
blockquote { margin: 0.6em 0; padding: 0.2em 1em; border-left: 3px solid #ccc; color: #444; }
figure { margin: 1em 0 1.6em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
nav { font-size: 0.9em; color: #555; }
nav a { margin-right: 0.9em; }
"""


@dataclass(frozen=True)
class Figure:
    """A PNG to embed: where it is, a title and a caption (plain text)."""

    path: Path
    title: str
    caption: str = ""


def data_uri(path: str | Path) -> str:
    """The PNG at ``path`` as a ``data:image/png;base64,...`` URI."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise DanqError(f"{p}: cannot read figure ({exc.strerror or exc})") from None
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise DanqError(f"{p}: not a PNG image")
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


# ------------------------------------------------------------------------------------------------
# Markdown (the subset summary.md uses) -> HTML

_INLINE = [
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
]


def inline(text: str) -> str:
    """Escape ``text`` for HTML, then render ``**bold**``, ``*italic*`` and ```code```."""
    out = html.escape(text, quote=False)
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def split_cells(row: str) -> list[str]:
    r"""The cells of a Markdown pipe-table row; ``\|`` is a literal bar inside a cell."""
    body = row.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells = re.split(r"(?<!\\)\|", body)
    return [c.strip().replace("\\|", "|") for c in cells]


def _table(lines: Sequence[str]) -> str:
    header = split_cells(lines[0])
    aligns = split_cells(lines[1]) if len(lines) > 1 else []
    numeric = [a.endswith(":") for a in aligns] + [False] * len(header)
    cls = [' class="num"' if n else "" for n in numeric]
    out = ["<table>", "<thead><tr>"
           + "".join(f"<th{cls[i]}>{inline(h)}</th>" for i, h in enumerate(header))
           + "</tr></thead>", "<tbody>"]
    for row in lines[2:]:
        cells = split_cells(row)
        out.append("<tr>" + "".join(f"<td{cls[i] if i < len(cls) else ''}>{inline(c)}</td>"
                                    for i, c in enumerate(cells)) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def markdown_to_html(text: str) -> str:
    """Headings, pipe tables, ``>`` quotes, ``-`` lists and paragraphs, as ``render_markdown``
    writes them, to HTML (``#`` headings become one level lower: the page has its own title)."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        heading = re.match(r"^(#{1,5})\s+(.*)$", line)
        if heading:
            level = min(6, len(heading.group(1)) + 1)
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
            i += 1
            continue
        block: list[str] = []
        if line.lstrip().startswith("|"):
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                block.append(lines[i])
                i += 1
            out.append(_table(block))
        elif line.startswith(">"):
            while i < len(lines) and lines[i].startswith(">"):
                block.append(lines[i][1:].strip())
                i += 1
            out.append("<blockquote><p>" + inline(" ".join(block)) + "</p></blockquote>")
        elif line.startswith("- "):
            while i < len(lines) and lines[i].startswith("- "):
                block.append(lines[i][2:])
                i += 1
            out.append("<ul>" + "".join(f"<li>{inline(b)}</li>" for b in block) + "</ul>")
        else:
            while (i < len(lines) and lines[i].strip()
                   and not re.match(r"^(#|\||>|- )", lines[i].lstrip())):
                block.append(lines[i])
                i += 1
            out.append("<p>" + inline(" ".join(block)) + "</p>")
    return "\n".join(out)


def markdown_sections(text: str) -> list[tuple[str, str]]:
    """``summary.md`` cut at its ``## `` headings: ``(heading, markdown)`` in order (the part
    before the first ``##`` has heading ``''``)."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in text.splitlines():
        if line.startswith("## "):
            sections.append((line[3:].strip(), [line]))
        else:
            sections[-1][1].append(line)
    return [(h, "\n".join(body)) for h, body in sections]


# ------------------------------------------------------------------------------------------------
# The verdict


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _categories(summary: Mapping[str, Any]) -> list[str]:
    """The target categories in table order, ``all`` only when it is the only one."""
    cats = list(dict.fromkeys(r["category"] for r in summary.get("auc_by_category", [])))
    named = [c for c in cats if c != "all"]
    return named or cats


def _median_pr(summary: Mapping[str, Any], model: str, category: str) -> float | None:
    for row in summary.get("auc_by_category", []):
        if row["model"] == model and row["category"] == category:
            return row["median_pr_auc"]
    return None


def _n_targets(summary: Mapping[str, Any], category: str) -> int:
    for row in summary.get("auc_by_category", []):
        if row["category"] == category:
            return int(row["n_targets"])
    return 0


def verdict_lines(summary: Mapping[str, Any], parity: float) -> list[str]:
    """The three sentences of the first screen (Markdown-inline text).

    ``parity``: a difference of median PR AUCs at most this large counts as "on par".
    """
    models = list(summary.get("models", []))
    categories = _categories(summary)
    comparison = summary.get("comparison") or {}
    baseline, challenger = summary.get("baseline"), summary.get("challenger")

    # 1. who wins, where, by how much
    if comparison and baseline and challenger:
        won: dict[str, list[str]] = {}
        for cat in categories:
            c = comparison.get(cat)
            if not c or c["median_pr_auc_difference"] is None:
                continue
            diff = c["median_pr_auc_difference"]
            a, b = _median_pr(summary, baseline, cat), _median_pr(summary, challenger, cat)
            winner = "par" if abs(diff) <= parity else (challenger if diff > 0 else baseline)
            lead, trail = ((challenger, b), (baseline, a)) if winner == challenger else (
                (baseline, a), (challenger, b))
            won.setdefault(winner, []).append(
                f"{cat} ({lead[0]} {_fmt(lead[1])} vs {trail[0]} {_fmt(trail[1])}; "
                f"{challenger} higher on {c['pr_wins']}/{c['n_compared_pr']})")
        parts = [f"**{w}** wins on " + " and ".join(p) for w, p in won.items() if w != "par"]
        if "par" in won:
            parts.append("on par on " + " and ".join(won["par"]))
        first_line = ("**Who wins** (median PR AUC per kind of target): " + "; ".join(parts)
                      + ".") if parts else (
            f"**Who wins.** {challenger} and {baseline} have no comparable targets.")
    elif models:
        m = models[0]
        cells = ", ".join(f"{cat} {_fmt(_median_pr(summary, m, cat))}" for cat in categories)
        first_line = f"**Result.** {m} alone (no second model to compare): median PR AUC {cells}."
    else:
        first_line = "**Result.** No model was evaluated."

    # 2. baselines
    section = summary.get("baselines") or {}
    learned = section.get("learned_grammar") or {}
    if learned:
        counts = ", ".join(f"{m} on {v['n_beats_baselines']}/{v['n_grammar']}"
                           for m, v in learned.items())
        pwm = _baseline_medians(section, "pwm_scan")
        second = ("**Against baselines.** Learned grammar (beats the stronger of presence-only "
                  "and marginal, which know which motifs are present and where each sits, not "
                  f"their order or spacing): {counts} grammar targets."
                  + (f" PWM scan: median PR AUC {pwm}." if pwm else ""))
    elif "observed" in section.get("label_sets", []):  # real data: `danq baselines --pwm`
        pwm = ", ".join(f"{r['category'] or 'all'} {r['pwm_scan']['median_pr_auc']:.2f}"
                        for r in section["per_category"] if r["labels"] == "observed"
                        and r["pwm_scan"]["median_pr_auc"] is not None)
        second = ("**Against baselines.** PWM baseline (best match of the named JASPAR PWMs, "
                  f"both strands; a reference, not a ceiling): median PR AUC {pwm}.")
    else:
        second = ("**Against baselines.** No baselines in this run (they exist only for the "
                  "synthetic benchmark, where the truth is known).")

    # 3. ceilings and uncertainty
    oracle = _baseline_medians(section, "oracle") if section else ""
    n_per = ", ".join(f"{cat} {_n_targets(summary, cat)}" for cat in categories)
    seeds = summary.get("training") or {}
    seed_text = ", ".join(f"{m} seed {v['seed']}" for m, v in seeds.items()
                          if v.get("seed") is not None)
    runs = f"one training run per model ({seed_text})" if seed_text else "one run per model"
    uncertainty = (f"Uncertainty: targets per category {n_per}; {runs}, so a few targets or "
                   "hundredths of AUC are within noise.")
    if oracle:
        third = (f"**Ceilings.** Oracle (the true rule, noisy test labels): median PR AUC "
                 f"{oracle}. {uncertainty}")
    else:
        third = (f"**Ceilings.** None in this run (the oracle ceiling comes with the synthetic "
                 f"benchmark's baselines). {uncertainty}")
    return [first_line, second, third]


def stronger_grammar_baseline(section: Mapping[str, Any]) -> tuple[str, float] | None:
    """The grammar-deciding baseline with the higher median PR AUC on the grammar targets
    (noisy labels): ``(title, value)``, or None without baselines."""
    for row in section.get("per_category", []):
        if row.get("category") == "grammar" and row.get("labels") == "noisy":
            values = [(title, row[source]["median_pr_auc"])
                      for source, title in GRAMMAR_BASELINES.items()
                      if isinstance(row.get(source), Mapping)
                      and row[source].get("median_pr_auc") is not None]
            return max(values, key=lambda v: v[1]) if values else None
    return None


def grammar_answer(summary: Mapping[str, Any]) -> str:
    """The answer to the benchmark's question, first on the page: has either model learned
    grammar, i.e. beaten the stronger baseline on grammar targets? '' without baselines."""
    section = summary.get("baselines") or {}
    learned = {m: v for m, v in (section.get("learned_grammar") or {}).items()
               if v.get("n_grammar")}
    if not learned:
        return ""
    counts = {m: v["n_beats_baselines"] for m, v in learned.items()}
    n = max(v["n_grammar"] for v in learned.values())
    names = [GRAMMAR_BASELINES[s] for s in GRAMMAR_BASELINES
             if s in section.get("sources", GRAMMAR_BASELINES)]
    against = (f"the stronger of the {' and '.join(names)} baselines" if len(names) > 1
               else f"the {names[0] if names else 'presence-only'} baseline")
    medians = [f"{m} {_fmt(_median_pr(summary, m, 'grammar'))}" for m in learned]
    stronger = stronger_grammar_baseline(section)
    if stronger is not None:
        medians.append(f"{stronger[0]} {_fmt(stronger[1])}")
    evidence = f"median PR AUC on grammar targets: {', '.join(medians)}"
    if not any(counts.values()):
        who = "Neither model has" if len(learned) > 1 else f"{next(iter(learned))} has not"
        subject = "either model" if len(learned) > 1 else next(iter(learned))
        return (f"**{who} learned grammar.** On none of the {n} grammar targets does {subject} "
                f"beat {against}, so any lead on grammar targets is motif detection, not order "
                f"or spacing ({evidence}).")
    parts = ", ".join(f"{m} on {k}/{learned[m]['n_grammar']}" for m, k in counts.items())
    return (f"**Grammar learned** (beats {against} on a grammar target): {parts} grammar "
            f"targets ({evidence}).")


def _baseline_medians(section: Mapping[str, Any], source: str) -> str:
    """``grammar 0.91, single 0.97`` for a baseline source (noisy labels), '' when absent."""
    cells = []
    for row in section.get("per_category", []):
        if row.get("labels") == "noisy" and source in row:
            value = row[source].get("median_pr_auc")
            if value is not None:
                cells.append(f"{row['category']} {_fmt(value)}")
    return ", ".join(cells)


# ------------------------------------------------------------------------------------------------
# The page


def _figure_html(fig: Figure) -> str:
    caption = f"<figcaption>{inline(fig.caption)}</figcaption>" if fig.caption else ""
    return (f'<figure><h3>{inline(fig.title)}</h3>'
            f'<img src="{data_uri(fig.path)}" alt="{html.escape(fig.title)}">{caption}</figure>')


def first_screen(summary: Mapping[str, Any], markdown: str, parity: float,
                 details: bool = True) -> str:
    """The verdict box: the answer to the benchmark's question, the goals table beside it, then
    (``details``) who wins, against which baselines and ceilings (:func:`verdict_lines`)."""
    answer = grammar_answer(summary)
    goals = [markdown_to_html(body) for heading, body in markdown_sections(markdown)
             if heading.startswith("Goals")]
    lines = verdict_lines(summary, parity) if details or not (answer or goals) else []
    return ('<section class="verdict" id="verdict">'
            + (f'<p class="answer">{inline(answer)}</p>' if answer else "")
            + "".join(goals)
            + "".join(f"<p>{inline(line)}</p>" for line in lines)
            + "</section>")


#: Styles of :func:`verdict_fragment`, scoped to its box (it sits inside another page).
FRAGMENT_STYLE = """
.danq-verdict { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d1d1f;
  background: #f3f7fb; border-left: 5px solid #2b6cb0; padding: 0.7em 1.1em; line-height: 1.45; }
.danq-verdict p { margin: 0.45em 0; } .danq-verdict p.answer { font-size: 1.15em; }
.danq-verdict h3 { font-size: 1.05em; font-weight: 600; margin: 0.8em 0 0.3em; }
.danq-verdict table { border-collapse: collapse; margin: 0.4em 0 0.8em; font-size: 0.92em; }
.danq-verdict th, .danq-verdict td { border: 1px solid #d0d0d0; padding: 0.25em 0.6em; }
.danq-verdict th { background: #f5f5f5; text-align: left; }
"""


def verdict_fragment(summary: Mapping[str, Any], markdown: str, parity: float) -> str:
    """The answer and the goals as an HTML fragment (no <html>, scoped styles; without them, the
    three verdict lines): the start page of ``snakemake --report`` includes it
    (workflow/report/workflow.rst), short enough for its first screen."""
    box = first_screen(summary, markdown, parity, details=False).replace(
        '<section class="verdict" id="verdict">', '<section class="danq-verdict">', 1)
    return f"<style>{FRAGMENT_STYLE}</style>\n{box}\n"


def render_html(summary: Mapping[str, Any], markdown: str, parity: float,
                figures: Mapping[str, Sequence[Figure]]) -> str:
    """The whole page.

    ``figures`` maps a slot to its figures: ``comparison`` (after the head-to-head table),
    ``curves`` (per-model test curves), ``motifs`` (logos, after motif recovery),
    ``interpretation`` (attributions, TF-MoDISco, grammar experiment) and ``training``
    (training curves).
    """
    models = list(summary.get("models", []))
    title = (f"{models[1]} vs {models[0]}: test-set results" if len(models) == 2
             else f"{models[0] if models else 'danq'}: test-set results")
    sections = markdown_sections(markdown)
    by_heading = {h: body for h, body in sections if h}
    used: set[str] = set()

    def take(prefix: str) -> list[str]:
        """The sections whose heading starts with ``prefix`` (or, for ``*``, ends the head-to-head
        heading), each once."""
        out = []
        for heading, body in by_heading.items():
            wanted = (heading.endswith(", target by target") if prefix == "*"
                      else heading.startswith(prefix))
            if wanted and heading not in used:
                used.add(heading)
                out.append(markdown_to_html(body))
        return out

    body: list[str] = [f"<h1>{inline(title)}</h1>"]
    if summary.get("note"):
        body.append(f'<p class="note">{inline(str(summary["note"]))}</p>')
    body.append(first_screen(summary, markdown, parity))
    used.update(h for h in by_heading if h.startswith("Goals"))
    body.append('<nav>Below: <a href="#auc">AUC per category</a><a href="#figures">figures</a>'
                '<a href="#baselines">baselines and decoys</a><a href="#motifs">motifs</a>'
                '<a href="#training">training</a></nav>')
    body.append('<div id="auc">')
    body += take("Test-set AUC")
    body += take("*")
    body.append('</div><div id="figures">')
    body += [_figure_html(f) for f in figures.get("comparison", ())]
    body += [_figure_html(f) for f in figures.get("curves", ())]
    body.append('</div><div id="baselines">')
    body += take("Against baselines")
    body.append('</div><div id="motifs">')
    body += take("Planted motifs")
    body += [_figure_html(f) for f in figures.get("motifs", ())]
    body.append('</div><div id="interpretation">')
    body += take("Explaining the predictions")
    body += [_figure_html(f) for f in figures.get("interpretation", ())]
    body.append('</div><div id="training">')
    body += [_figure_html(f) for f in figures.get("training", ())]
    body.append("</div>")
    body += take("Variant effects")
    body += take("Dataset")
    body += [markdown_to_html(b) for h, b in sections if h and h not in used]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")
