"""The evaluation report: one self-contained HTML file, and the two plots it (and the UI) shows.

Everything is inside the file: the style sheet inline, the plots as SVG data URIs drawn by
matplotlib (text as paths, so no font is fetched), no script at all; every piece of text from the
question set or the reading is escaped. The trade-off: a static page cannot sort or filter, but
it opens anywhere, offline, and can be attached to an e-mail or a CI run as it is.
"""

from __future__ import annotations

import base64
import html
import io

from .evaluate import METRICS, EvalRun, QuestionResult, hit_curve

__all__ = [
    "render_report",
    "score_plot_svg",
    "hit_curve_svg",
    "svg_data_uri",
    "format_metric",
    "metric_label",
    "metrics_rows",
]

PASSAGES_SHOWN = 3
LABELS = {
    "hit@1": "hit@1",
    "hit@3": "hit@3",
    "hit@5": "hit@5",
    "mrr@10": "MRR@10",
    "answer_in_highlight": "answer in highlight",
    "oos_refusal_rate": "out-of-scope refused",
    "wrong_refusal_rate": "in-scope wrongly refused",
    "refusal_precision": "refusal precision",
    "refusal_recall": "refusal recall",
    "refusal_f1": "refusal F1",
    "latency_p50_ms": "latency p50 (ms)",
    "latency_p95_ms": "latency p95 (ms)",
}
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:70rem;margin:2rem auto;
padding:0 1rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1rem;margin:.2rem 0}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.25rem .6rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}.meta{color:#555}
.plots{display:flex;flex-wrap:wrap;gap:1rem}.plots figure{margin:0;width:33rem;max-width:100%}
.plots img{width:100%;height:auto;border:1px solid #eee}
.q{border:1px solid #ddd;border-left:6px solid #2e7d32;border-radius:4px;padding:.5rem .8rem;
margin:.8rem 0}
.q.bad{border-left-color:#c62828}
.badge{display:inline-block;font-size:.75rem;font-weight:600;padding:0 .4rem;border-radius:3px;
color:#fff}
.badge.hit{background:#2e7d32}.badge.miss{background:#9e9e9e}.badge.bad{background:#c62828}
ol.passages li{margin:.4rem 0}.passage{white-space:pre-wrap;font-size:.9rem;color:#333}
mark{background:#fff59d}
.reason{color:#c62828}
.warning{border:1px solid #c62828;border-radius:4px;padding:.5rem .8rem;background:#fdecea}
"""


def format_metric(name: str, value: float | None) -> str:
    """A metric as people read it: rates to three decimals, latencies in ms, "–" when not measured.

    Example: ("hit@1", 0.9302) -> "0.930"; ("latency_p50_ms", 41.26) -> "41.3"
    """
    if value is None:
        return "–"
    return f"{value:.1f}" if name.endswith("_ms") else f"{value:.3f}"


def metric_label(key: str) -> str:
    """A metric's name in every table (terminal, app, report): the words, then the key.

    Example: "mrr@10" -> "MRR@10 (mrr@10)"; "hit@1" -> "hit@1"
    """
    label = LABELS[key]
    return key if label.lower() == key else f"{label} ({key})"


def metrics_rows(run: EvalRun) -> tuple[list[str], list[list[str]]]:
    """The metrics table of a run, for `qa eval`, the Evaluate tab and the report alike: headers
    (metric, all, one column a tag) and rows (each metric, then the question counts)."""
    groups = {"all": run.overall, **run.per_tag}
    headers = ["metric", *(name if name == "all" else f"tag: {name}" for name in groups)]
    rows = [
        [metric_label(key), *(format_metric(key, s.values[key]) for s in groups.values())]
        for key in METRICS
    ]
    rows += [
        [key.replace("_", " "), *(str(s.counts[key]) for s in groups.values())]
        for key in ("questions", "in_scope", "out_of_scope", "refused")
    ]
    return headers, rows


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    return svg[
        svg.find("<svg") :
    ]  # without the XML prolog and its DOCTYPE, which names an outside DTD


def _figure(width: float = 6.0, height: float = 3.4):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.add_subplot()


def svg_data_uri(svg: str) -> str:
    """An SVG document as a data: URI, for an <img> that needs no other file."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def score_plot_svg(run: EvalRun) -> str:
    """Histogram of answer confidence for in-scope and out-of-scope questions, with the refusal
    threshold."""
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    inside = [r.confidence for r in run.results if r.item.in_scope and r.passages]
    outside = [r.confidence for r in run.results if not r.item.in_scope and r.passages]
    fig, ax = _figure()
    values = inside + outside + [run.threshold]
    lo, hi = min(values), max(values)
    bins = np.linspace(lo - 0.02, hi + 0.02, 25)
    if inside:
        ax.hist(inside, bins=bins, alpha=0.65, color="#1f77b4", label=f"in scope ({len(inside)})")
    if outside:
        ax.hist(
            outside, bins=bins, alpha=0.65, color="#ff7f0e", label=f"out of scope ({len(outside)})"
        )
    ax.axvline(
        run.threshold,
        color="#c62828",
        linestyle="--",
        linewidth=1.5,
        label=f"refusal threshold {run.threshold:.3f}",
    )
    ax.set_xlabel("answer confidence")
    ax.set_ylabel("questions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Confidence of in-scope and out-of-scope questions")
    ax.legend(fontsize=8)
    return _svg(fig)


def hit_curve_svg(run: EvalRun) -> str:
    """hit@k against k for the in-scope questions."""
    curve = hit_curve(run.results, run.k)
    fig, ax = _figure()
    ks = list(range(1, len(curve) + 1))
    ax.plot(ks, curve, marker="o", color="#1f77b4")
    for k, v in zip(ks, curve, strict=True):
        if k in (1, 3, 5) or k == len(curve):
            # Below the point, unless that would put it on the k axis's labels.
            ax.annotate(
                f"{v:.2f}",
                (k, v),
                textcoords="offset points",
                xytext=(0, -14 if v >= 0.15 else 8),
                ha="center",
                fontsize=8,
            )
    ax.set_xticks(ks or [1])
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("k (passages looked at)")
    ax.set_ylabel("hit@k")
    ax.set_title("Share of in-scope questions with a hit in the top k")
    ax.grid(alpha=0.3)
    return _svg(fig)


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _metrics_table(run: EvalRun) -> str:
    headers, rows = metrics_rows(run)
    out = ["<tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr>"]
    for label, *cells in rows:
        nums = "".join(f'<td class="num">{_e(c)}</td>' for c in cells)
        out.append(f"<tr><td>{_e(label)}</td>{nums}</tr>")
    return "<table>" + "".join(out) + "</table>"


def _marked(text: str, highlight: str) -> str:
    at = text.find(highlight) if highlight else -1
    if at < 0:
        return _e(text)
    return _e(text[:at]) + "<mark>" + _e(highlight) + "</mark>" + _e(text[at + len(highlight) :])


def _question(r: QuestionResult, reasons: list[str], run: EvalRun) -> str:
    item = r.item
    parts = [f'<section class="q{" bad" if reasons else ""}" id="q-{_e(item.id)}">']
    parts.append(f"<h3>{_e(item.id)} · {_e(item.question)}</h3>")
    facts = []
    if item.history:
        facts.append("after: " + " → ".join(f"“{_e(h)}”" for h in item.history))
    if item.tags:
        facts.append("tags: " + ", ".join(_e(t) for t in item.tags))
    if item.in_scope:
        if item.answer:
            facts.append(f"expected answer: “{_e(item.answer)}”")
        facts.extend(f"evidence: “{_e(q)}”" for q in item.evidence)
    else:
        facts.append("out of scope: a refusal is expected")
    verdict = "refused" if r.abstained else "answered"
    facts.append(
        f"{verdict} (confidence {r.confidence:.3f}, threshold {run.threshold:.3f}, "
        f"{r.latency_ms:.0f} ms)"
    )
    parts.append('<div class="meta">' + "<br>".join(facts) + "</div>")
    parts.extend(f'<div class="reason">{_e(reason)}</div>' for reason in reasons)
    parts.append('<ol class="passages">')
    for p in r.passages[:PASSAGES_SHOWN]:
        if item.in_scope:
            badge = (
                '<span class="badge hit">HIT</span>'
                if p.hit
                else '<span class="badge miss">MISS</span>'
            )
        else:
            badge = (
                '<span class="badge miss">look at</span>'
                if r.abstained
                else '<span class="badge bad">ANSWERED</span>'
            )
        parts.append(
            f'<li>{badge} <strong>{_e(p.citation)}</strong> <span class="meta">score '
            f"{p.score:.4f}</span>"
            f'<div class="passage">{_marked(p.text, p.highlight)}</div></li>'
        )
    parts.append("</ol></section>")
    return "".join(parts)


def _count(n: int, noun: str) -> str:
    """Example: (1, "question") -> "1 question"; (2, "question") -> "2 questions" """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _evaluated(run: EvalRun) -> str:
    """The index and corpus evaluated, and the warning when the evidence is in none of the
    readings."""
    where = (
        f'<p class="meta">Index <code>{_e(run.index)}</code>'
        + (f", built from the corpus <code>{_e(run.corpus)}</code>" if run.corpus else "")
        + "</p>"
        if run.index
        else ""
    )
    warning = run.evidence_warning()
    return where + (f'<p class="warning">Warning: {_e(warning)}</p>' if warning else "")


def render_report(run: EvalRun) -> str:
    """The whole report as one HTML document (no outside scripts, styles, images or fonts)."""
    qs = run.questions
    misses = run.misses()
    bad = {id(r): reasons for r, reasons in misses}
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
        'content="width=device-width, initial-scale=1">',
        f"<title>Evaluation: {_e(qs.path)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Evaluation of <code>{_e(qs.path)}</code></h1>",
        _evaluated(run),
        f'<p class="meta">{_count(len(run.results), "question")} '
        f"(SHA-256 {_e(qs.sha256[:12])}…) · model "
        f"{_e(run.model)} · "
        f"refusal threshold {run.threshold:.3f} · {run.k} passages a question · "
        f"{_e(run.created)}<br>"
        "hit@k and MRR@10 are measured on the ranked passages of in-scope questions, whether or "
        "not the answer refused; "
        "a refused in-scope question counts as a miss for answer-in-highlight.</p>",
        "<h2>Metrics</h2>",
        _metrics_table(run),
        "<h2>Plots</h2>",
        '<div class="plots">',
        '<figure><img id="plot-scores" alt="Histogram of answer confidence for in-scope and '
        'out-of-scope questions with the refusal threshold" '
        f'src="{svg_data_uri(score_plot_svg(run))}">'
        "<figcaption>Confidence by kind of question; below the dashed line the assistant "
        "refuses.</figcaption></figure>",
        '<figure><img id="plot-hits" alt="hit@k against k" '
        f'src="{svg_data_uri(hit_curve_svg(run))}">'
        "<figcaption>hit@k against k.</figcaption></figure>",
        "</div>",
        f"<h2>Misses ({len(misses)})</h2>",
    ]
    if misses:
        out.append(
            "<ul>"
            + "".join(
                f'<li><a href="#q-{_e(r.item.id)}">{_e(r.item.id)}</a> {_e(r.item.question)} — '
                f"{_e('; '.join(reasons))}</li>"
                for r, reasons in misses
            )
            + "</ul>"
        )
    else:
        out.append("<p>None.</p>")
    if qs.problems:
        out.append(
            f"<h2>Skipped rows ({len(qs.problems)})</h2><ul>"
            + "".join(f"<li>line {p.line}: {_e(p.message)}</li>" for p in qs.problems)
            + "</ul>"
        )
    out.append("<h2>Questions</h2>")
    out.extend(_question(r, bad.get(id(r), []), run) for r in run.results)
    out.append("</body></html>")
    return "\n".join(out)
