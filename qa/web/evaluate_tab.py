"""The Evaluate tab: upload a question set, see the metrics, plots and misses, download the report.

It runs the same evaluation as `qa eval` with the app's own `Assistant` (the model is already
loaded), so an instructor can check the assistant on their own questions without a terminal.
The trade-off: an evaluation holds one worker for a few seconds to a minute, so the tab runs one
evaluation at a time and caps the size of what it accepts.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import QAError, QuestionSetError
from ..evaluation.evaluate import EvalRun, QuestionSet, evaluate, load_questions
from ..evaluation.report import (
    hit_curve_svg,
    metrics_rows,
    render_report,
    score_plot_svg,
    svg_data_uri,
)
from .scratch import job_folder

__all__ = [
    "add_evaluate_tab",
    "run_evaluation",
    "EvaluationView",
    "MAX_UPLOAD_BYTES",
    "MAX_QUESTIONS",
    "question_set_file",
    "check_question_set",
]

MAX_UPLOAD_BYTES = 2_000_000
MAX_QUESTIONS = 2000
INTRO = (
    "Upload a question set to measure the assistant on it: **JSONL** (one object a line with "
    "`question` and optionally `id`, `answer`, `evidence` (a list of quotes), `history`, `tags`) "
    "or **CSV** with a header row naming the same columns (several quotes, tags or earlier "
    "questions in one cell separated by `|`). A question with neither answer nor evidence "
    "expects a refusal. The format, the metrics and the command-line version (`qa eval`) are "
    "described in the README."
)
MISSES_HEADERS = ["id", "question", "what went wrong"]
NO_FILE = "Choose a question set file (.jsonl or .csv) first."
# Evaluate and Calibrate share one queue: one question set at a time runs on this server, and
# neither is a public API endpoint.
ONE_QUESTION_SET_AT_A_TIME = {
    "concurrency_limit": 1,
    "concurrency_id": "qa-evaluate",
    "api_visibility": "private",
}


@dataclass(frozen=True)
class EvaluationView:
    """What the tab shows after an evaluation (or an error)."""

    status_html: str
    metrics: list[list[str]]
    metric_headers: list[str]
    plots_html: str
    misses: list[list[str]]
    report_path: str | None


def _plots_html(run: EvalRun) -> str:
    return (
        '<div class="qa-eval-plots" style="display:flex;flex-wrap:wrap;gap:1rem">'
        '<img id="qa-eval-plot-scores" style="width:32rem;max-width:100%" '
        'alt="Confidence of in-scope and out-of-scope questions with the refusal threshold" '
        f'src="{svg_data_uri(score_plot_svg(run))}">'
        '<img id="qa-eval-plot-hits" style="width:32rem;max-width:100%" alt="hit@k against k" '
        f'src="{svg_data_uri(hit_curve_svg(run))}">'
        "</div>"
    )


def _error(message: str) -> EvaluationView:
    return EvaluationView(
        f'<p class="qa-eval-error" role="alert">{html.escape(message)}</p>',
        [],
        ["metric"],
        "",
        [],
        None,
    )


def check_question_set(path: Path, command: str) -> QuestionSet:
    """The questions of an uploaded set, within the app's limits of size and count.

    Example: (a 3 MB file, 'eval') -> QuestionSetError('big.csv is larger than 2 MB; use `qa eval`
    instead.')

    Args:
        path: the uploaded file.
        command: the `qa` command that takes larger sets (`eval`, `calibrate`), for the message.
    """
    name = path.name
    try:
        too_big = path.stat().st_size > MAX_UPLOAD_BYTES
    except OSError as exc:
        raise QuestionSetError(f"{name} cannot be read ({exc.strerror or exc}).") from None
    if too_big:
        raise QuestionSetError(
            f"{name} is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB; use `qa {command}` instead."
        )
    questions = load_questions(path)
    if len(questions.items) > MAX_QUESTIONS:
        raise QuestionSetError(
            f"{name} has {len(questions.items)} questions; the app takes at most {MAX_QUESTIONS} "
            f"(use `qa {command}` for more)."
        )
    return questions


def question_set_file(elem_id: str):
    """The upload field of a question set (the Evaluate and Calibrate tabs)."""
    import gradio as gr

    return gr.File(
        label="Question set (.jsonl or .csv)",
        file_types=[".jsonl", ".csv"],
        type="filepath",
        scale=3,
        elem_id=elem_id,
    )


def run_evaluation(assistant, path: str | Path | None, k: int = 10) -> EvaluationView:
    """Evaluate the assistant on an uploaded question set and prepare everything the tab shows.

    Args:
        assistant: the app's `Assistant`.
        path: the uploaded file (None when nothing was uploaded).
        k: passages asked for each question.

    Returns:
        The view; on a bad file, a view holding only the error message.
    """
    if not path:
        return _error(NO_FILE)
    path = Path(path)
    name = path.name
    try:
        questions = check_question_set(path, "eval")
        started = time.perf_counter()
        run = evaluate(assistant, questions, k=k)
    except QAError as exc:
        return _error(str(exc).replace(str(path), name))
    seconds = time.perf_counter() - started
    report = job_folder("qa-eval-") / f"{path.stem}-report.html"
    report.write_text(render_report(run), encoding="utf-8")
    headers, rows = metrics_rows(run)
    skipped = "".join(
        f"<li>line {p.line}: {html.escape(p.message)}</li>" for p in questions.problems
    )
    status = (
        f"<p>Evaluated {len(run.results)} questions of <code>{html.escape(name)}</code> "
        f"in {seconds:.1f} s (refusal threshold {run.threshold:.3f}, {k} passages a question).</p>"
        + (
            f"<p>{len(questions.problems)} row(s) skipped:</p><ul>{skipped}</ul>"
            if questions.problems
            else ""
        )
    )
    misses = [[r.item.id, r.item.question, "; ".join(reasons)] for r, reasons in run.misses()]
    return EvaluationView(status, rows, headers, _plots_html(run), misses, str(report))


def add_evaluate_tab(assistant) -> None:
    """Add the Evaluate tab; call it inside a `gr.Tabs()` block of a `gr.Blocks` app."""
    import gradio as gr
    import pandas as pd

    with gr.Tab("Evaluate", id="evaluate", elem_id="qa-evaluate-tab"):
        gr.Markdown(INTRO)
        with gr.Row(equal_height=True):
            upload = question_set_file("qa-eval-file")
            run_btn = gr.Button("Evaluate", variant="primary", scale=1, elem_id="qa-eval-run")
        status = gr.HTML("", elem_id="qa-eval-status")
        metrics = gr.Dataframe(
            label="Metrics", interactive=False, visible=False, elem_id="qa-eval-metrics"
        )
        plots = gr.HTML("", elem_id="qa-eval-plots")
        misses = gr.Dataframe(
            label="Misses",
            headers=MISSES_HEADERS,
            interactive=False,
            wrap=True,
            visible=False,
            elem_id="qa-eval-misses",
        )
        download = gr.DownloadButton(
            "Download the report (HTML)", visible=False, elem_id="qa-eval-download"
        )

        def on_run(path):
            view = run_evaluation(assistant, path)
            has_run = view.report_path is not None
            return (
                view.status_html,
                gr.Dataframe(
                    value=pd.DataFrame(view.metrics, columns=view.metric_headers), visible=has_run
                ),
                view.plots_html,
                gr.Dataframe(
                    value=pd.DataFrame(view.misses, columns=MISSES_HEADERS),
                    visible=has_run,
                ),
                gr.DownloadButton(value=view.report_path, visible=has_run),
            )

        outputs = [status, metrics, plots, misses, download]
        run_btn.click(on_run, [upload], outputs, **ONE_QUESTION_SET_AT_A_TIME)
