"""The instructor area's pages (Gradio, the chat's look): Readings, Feedback, Evaluate, Calibrate.

Everything `qa add`/`list`/`remove`, `qa feedback`, `qa eval` and `qa calibrate` do, without a
shell. The Readings tab goes through the same `CorpusManager` as the JSON API, so the running
app answers from a new reading as soon as its progress bar ends. The page is served under
`/instructor/` behind `InstructorGuard`; every event is private (no public API endpoint). The
trade-off: the tabs show what the log and the index hold when opened or refreshed, not live.
"""

from __future__ import annotations

import html
from pathlib import Path

import gradio as gr

from ..errors import QAError, ReadingError
from ..evaluation.calibrate import TRADEOFF_HEADERS, tradeoff_cells
from ..evaluation.report import svg_data_uri
from ..files import atomic_write_text
from ..readings.convert import IMPORT_SUFFIXES, MAX_IMPORT_BYTES
from .evaluate_tab import (
    NO_FILE,
    ONE_QUESTION_SET_AT_A_TIME,
    add_evaluate_tab,
    check_question_set,
    question_set_file,
)
from .feedback import format_summary, read_records
from .feedback_report import feedback_report, per_day_svg, records_csv
from .scratch import scratch_folder

__all__ = ["build_instructor_app", "READING_HEADERS", "INSTRUCTOR_CSS", "INSTRUCTOR_HEAD"]

READING_HEADERS = ["title", "file", "pages", "chunks", "index status", "id"]
REFUSED_HEADERS = ["question", "times refused"]
DOWN_VOTED_HEADERS = ["question", "down", "up", "top passage", "comments"]
CALIBRATION_HEADERS = [*TRADEOFF_HEADERS, ""]
_PRIVATE = {"api_visibility": "private"}
# Gradio spots a progress bar by this default value and gives every call a tracker of its own.
_PROGRESS = gr.Progress(track_tqdm=True)
# Added to the chat's CSS: Gradio's red "stop" button is 3.8:1 with white text; red-700 is 6.5:1.
INSTRUCTOR_CSS = """
#qa-reading-remove { background: #b91c1c !important; border-color: #b91c1c !important;
  color: #fff !important; }
#qa-reading-remove:hover { background: #991b1b !important; }
"""
# Gradio's upload area is a button named "Click to upload or drop files" while it shows "Drop File
# Here - or - Click to Upload": speech users say what they see (WCAG 2.5.3), so the name is the
# field's label and the visible words.
INSTRUCTOR_HEAD = """<script>
(function () {
  function name(zone) {
    const block = zone.closest('.block');
    const label = block && block.querySelector('[data-testid=block-label]');
    const seen = zone.innerText.replace(/\\s+/g, ' ').trim();
    const want = (label ? label.innerText.trim() + ': ' : '') + seen;
    if (seen && zone.getAttribute('aria-label') !== want) zone.setAttribute('aria-label', want);
  }
  new MutationObserver(function () {
    document.querySelectorAll('button.upload-container').forEach(name);
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
</script>"""
READINGS_INTRO = (
    "Add a reading as a file (**HTML, PDF, Markdown or text**, up to "
    f"{MAX_IMPORT_BYTES // 1_000_000} MB) or by the address of a web page or PDF. The index is "
    "updated at once (only the new reading is embedded) and students' next questions use it; "
    "nothing needs a restart."
)


def _alert(message: str, ok: bool) -> str:
    cls = "qa-admin-ok" if ok else "qa-admin-error"
    return f'<p class="{cls}" role="{"status" if ok else "alert"}">{html.escape(message)}</p>'


def _table(headers: list[str], label: str, elem_id: str, wrap: bool = True):
    """A read-only table of the area."""
    return gr.Dataframe(headers=headers, interactive=False, wrap=wrap, label=label, elem_id=elem_id)


def _readings_view(manager):
    rows = [[r.title, r.file, r.pages, r.chunks, r.status, r.doc] for r in manager.readings()]
    choices = [(f"{r[0]} ({r[1]})", r[5]) for r in rows]
    return rows, choices


def _change_text(change) -> str:
    notes = "".join(f" {n}" for n in change.notes)
    if change.removed:
        return f"Removed “{change.title}” ({change.file}); the index is updated.{notes}"
    if not change.added:
        return f"“{change.title}” is already in the corpus as {change.file}; nothing changed."
    pages = f", {change.pages} pages" if change.pages else ""
    return (
        f"Added “{change.title}” as {change.file} ({change.chunks} passages{pages}); "
        f"the index was updated in {change.seconds:.1f} s.{notes}"
    )


def _readings_tab(manager):
    """The Readings tab; returns (show, outputs) for the page load, or (None, []) with no corpus."""
    with gr.Tab("Readings", id="readings", elem_id="qa-readings-tab"):
        if manager is None:
            gr.Markdown(
                "This index has no corpus folder the app can write to; "
                "start the app with `--corpus DIR`."
            )
            return None, []
        gr.Markdown(READINGS_INTRO)
        with gr.Row(equal_height=True):
            upload = gr.File(
                label="Reading file",
                file_types=list(IMPORT_SUFFIXES),
                type="filepath",
                scale=2,
                elem_id="qa-reading-file",
            )
            with gr.Column(scale=2):
                url = gr.Textbox(
                    label="Or its web address", placeholder="https://…", elem_id="qa-reading-url"
                )
                add_btn = gr.Button("Add reading", variant="primary", elem_id="qa-reading-add")
        status = gr.HTML("", elem_id="qa-readings-status")
        table = _table(READING_HEADERS, "Readings", "qa-readings-list")
        with gr.Row(equal_height=True):
            which = gr.Dropdown(
                label="Reading to remove", choices=[], scale=3, elem_id="qa-reading-which"
            )
            remove_btn = gr.Button("Remove", variant="stop", scale=1, elem_id="qa-reading-remove")
        shown, on_add, on_remove = _readings_events(manager)
        outs = [status, table, which]
        # One change at a time, the adds and removes of every instructor in one queue.
        one_at_a_time = dict(concurrency_limit=1, concurrency_id="qa-readings", **_PRIVATE)
        add_btn.click(on_add, [upload, url], [*outs, upload, url], **one_at_a_time)
        remove_btn.click(on_remove, [which], outs, **one_at_a_time)
        return shown, outs


def _readings_events(manager):
    """The Readings tab's handlers: (show the list, add a reading, remove a reading)."""
    import pandas as pd

    def shown(message: str = "", ok: bool = True):
        rows, choices = _readings_view(manager)
        return (
            _alert(message, ok) if message else "",
            pd.DataFrame(rows, columns=READING_HEADERS),
            gr.Dropdown(choices=choices, value=None),
        )

    def on_add(path, address, progress=_PROGRESS):
        try:
            if path:
                progress(0, desc="Importing the reading…")
                change = manager.add_upload(Path(path).name, Path(path).read_bytes(), progress=True)
            elif (address or "").strip():
                progress(0, desc="Fetching the reading…")
                change = manager.add(address.strip(), progress=True)
            else:
                message = "Choose a file or give a web address first."
                return (*shown(message, False), path, address)
        except QAError as exc:
            return (*shown(f"{exc} The readings are as they were.", False), None, address)
        return (*shown(_change_text(change)), None, "")

    def on_remove(doc, progress=_PROGRESS):
        if not doc:
            return shown("Choose the reading to remove first.", False)
        try:
            progress(0, desc="Updating the index…")
            return shown(_change_text(manager.remove(doc, progress=True)))
        except (ReadingError, QAError) as exc:
            return shown(str(exc), False)

    return shown, on_add, on_remove


def _feedback_view(log: Path | None):
    """(summary text, plots HTML, most refused rows, most down-voted rows, CSV path) of the log."""
    if log is None:
        return (
            "The app keeps no feedback log (it was started with --feedback-log '').",
            "",
            [],
            [],
            None,
        )
    records, bad = read_records(log) if Path(log).is_file() else ([], 0)
    report = feedback_report(records, skipped_lines=bad)
    plots = "".join(
        f'<img id="{i}" alt="{alt}" style="width:30rem;max-width:100%" '
        f'src="{svg_data_uri(per_day_svg(report.days, s))}">'
        for i, alt, s in (
            ("qa-fb-per-day", "Questions per day", False),
            ("qa-fb-refused-day", "Share of questions refused per day", True),
        )
    )
    refused = [[q, n] for q, n in report.most_refused]
    down = [
        [a.question, a.down, a.up, a.top_passage or "", " | ".join(a.comments[:3])]
        for a in report.summary.most_down_voted
    ]
    # One copy, replaced at each refresh (not one per visit).
    csv_path = scratch_folder() / "feedback.csv"
    atomic_write_text(csv_path, records_csv(records))
    return format_summary(report.summary), plots, refused, down, str(csv_path)


def _feedback_tab(log: Path | None):
    """The Feedback tab; returns (show, outputs) for the page load."""
    import pandas as pd

    with gr.Tab("Feedback", id="feedback", elem_id="qa-feedback-tab"):
        gr.Markdown(
            "What students asked, what the assistant refused (the gaps in the readings) and the "
            "answers they voted down. `qa feedback` prints the same summary."
        )
        refresh = gr.Button("Refresh", size="sm", elem_id="qa-fb-refresh")
        summary = gr.Code(  # wrapped: a region that scrolls sideways is out of the keyboard's reach
            label="Summary",
            language=None,
            interactive=False,
            wrap_lines=True,
            elem_id="qa-fb-summary",
        )
        plots = gr.HTML("", elem_id="qa-fb-plots")
        refused = _table(REFUSED_HEADERS, "Most often refused questions", "qa-fb-refused")
        down = _table(DOWN_VOTED_HEADERS, "Most down-voted answers", "qa-fb-down")
        download = gr.DownloadButton("Download the log (CSV)", elem_id="qa-fb-csv")

        def show():
            text, html_plots, refused_rows, down_rows, path = _feedback_view(log)
            return (
                text,
                html_plots,
                pd.DataFrame(refused_rows, columns=REFUSED_HEADERS),
                pd.DataFrame(down_rows, columns=DOWN_VOTED_HEADERS),
                gr.DownloadButton(value=path, visible=path is not None),
            )

        outs = [summary, plots, refused, down, download]
        refresh.click(show, None, outs, **_PRIVATE)
        return show, outs


def _calibration_rows(calibration) -> list[list[str]]:
    return [
        [*tradeoff_cells(row), "◀ chosen" if row is calibration.chosen else ""]
        for row in calibration.rows
    ]


def run_calibration(assistant, path: str | None, max_wrong_refusal: float, rule: str = "f1"):
    """Evaluate a question set and choose a threshold; returns (message, rows, record or None)."""
    from ..evaluation.calibrate import calibration_record, choose_threshold
    from ..evaluation.evaluate import evaluate

    if not path:
        return NO_FILE, [], None
    name = Path(path).name
    if not 0.0 <= float(max_wrong_refusal) <= 1.0:
        return "Wrong refusals at most: give a share between 0 and 1 (e.g. 0.03).", [], None
    try:
        questions = check_question_set(Path(path), "calibrate")
        run = evaluate(assistant, questions)
        calibration = choose_threshold(run.results, rule, float(max_wrong_refusal))
    except QAError as exc:
        return str(exc).replace(str(path), name), [], None
    record = calibration_record(calibration, run)
    record["questions"] = name
    message = (
        f"On {len(run.results)} questions of {name}, the best threshold is "
        f"{record['threshold']:.4f} (now {run.threshold:.4f}). "
        "Press “Use this threshold” to answer with it from now on."
    )
    return message, _calibration_rows(calibration), record


def run_auto_calibration(assistant) -> tuple[str, dict | None]:
    """`qa calibrate --auto` for the Calibrate tab: (message, record or None)."""
    from ..evaluation.autocalibrate import calibrate_assistant

    try:
        result, record = calibrate_assistant(assistant)
    except QAError as exc:
        return str(exc), None
    shares = {k: "–" if v is None else f"{v:.0%}" for k, v in record["metrics"].items()}
    note = result.language_note()
    message = (
        f"With no question set, the threshold is {record['threshold']:.4f} "
        f"(now {assistant.index.threshold:.4f}): it refuses {shares['general_refused']} of "
        f"{len(result.general)} general questions no course reading answers and "
        f"{shares['reading_questions_refused']} of {len(result.made)} questions made from the "
        "readings."
        + (f" {note}" if note else "")
        + " Press “Use this threshold” to answer with it from now on."
    )
    return message, record


def _calibrate_tab(assistant, manager) -> None:
    """The Calibrate tab: choose the refusal threshold from a question set and store it."""
    with gr.Tab("Calibrate", id="calibrate", elem_id="qa-calibrate-tab"):
        gr.Markdown(
            "Choose the refusal threshold from a question set with in-scope and out-of-scope "
            "questions (the Evaluate tab's format), as `qa calibrate` does; or, with no question "
            "set, from general questions and questions made from the readings "
            "(`qa calibrate --auto`)."
        )
        with gr.Row(equal_height=True):
            upload = question_set_file("qa-cal-file")
            limit = gr.Number(
                value=0.03,
                minimum=0,
                maximum=1,
                step=0.01,
                label="Wrong refusals at most (share)",
                scale=1,
                elem_id="qa-cal-limit",
            )
            run_btn = gr.Button("Calibrate", variant="primary", scale=1, elem_id="qa-cal-run")
            auto_btn = gr.Button("From the readings alone", scale=1, elem_id="qa-cal-auto")
        status = gr.HTML("", elem_id="qa-cal-status")
        table = _table(CALIBRATION_HEADERS, "Refusal trade-off", "qa-cal-table", wrap=False)
        use_btn = gr.Button("Use this threshold", visible=False, elem_id="qa-cal-use")
        record = gr.State(None)
        on_run, on_auto, on_use = _calibrate_events(assistant, manager)
        outputs = [status, table, use_btn, record]
        run_btn.click(on_run, [upload, limit], outputs, **ONE_QUESTION_SET_AT_A_TIME)
        auto_btn.click(on_auto, None, outputs, **ONE_QUESTION_SET_AT_A_TIME)
        use_btn.click(on_use, [record], [status, use_btn], **_PRIVATE)


def _calibrate_events(assistant, manager):
    """The Calibrate tab's handlers: (calibrate on a set, calibrate --auto, use the threshold)."""
    import pandas as pd

    from ..index.store import fits_readings, write_calibration

    def on_run(path, share):
        message, rows, rec = run_calibration(assistant, path, share if share is not None else 0.03)
        return (
            _alert(message, rec is not None),
            pd.DataFrame(rows, columns=CALIBRATION_HEADERS),
            gr.Button(visible=rec is not None and manager is not None),
            rec,
        )

    def on_auto():
        message, rec = run_auto_calibration(assistant)
        return (
            _alert(message, rec is not None),
            pd.DataFrame([], columns=CALIBRATION_HEADERS),
            gr.Button(visible=rec is not None and manager is not None),
            rec,
        )

    def on_use(rec):
        if not rec:
            return _alert("Calibrate first.", False), gr.Button(visible=False)
        if not fits_readings(rec, assistant.index.manifest.files):
            return _alert(
                "The readings changed after this threshold was chosen from them; press “From the "
                "readings alone” again.",
                False,
            ), gr.Button(visible=False)
        try:
            write_calibration(Path(assistant.index.folder), rec)
            manager.reload()
        except (OSError, QAError) as exc:
            return _alert(f"The threshold could not be stored ({exc}).", False), gr.Button()
        return _alert(
            f"Students' questions are now answered with the threshold {rec['threshold']:.4f}.",
            True,
        ), gr.Button(visible=False)

    return on_run, on_auto, on_use


def build_instructor_app(
    assistant, manager, feedback_log: Path | None, root_path: str = "", evaluate: bool = True
) -> gr.Blocks:
    """The Blocks of the instructor area: Readings, Feedback and (`evaluate`) Evaluate, Calibrate.

    Args:
        assistant: the app's `Assistant` (shared with the students' chat).
        manager: the `CorpusManager`, or None when the index has no corpus folder.
        feedback_log: the feedback log's path, or None.
        root_path: the app's sub-path behind a proxy, for the links.
        evaluate: add the Evaluate and Calibrate tabs (they run question sets on this server).
    """
    base = html.escape(root_path.rstrip("/"))
    with gr.Blocks(title="Instructor area · Reading assistant", analytics_enabled=False) as demo:
        with gr.Row(elem_id="qa-admin-head"):
            gr.Markdown(
                "# Instructor area\n"
                "Readings, what students asked, and how well the assistant answers."
            )
            gr.HTML(
                f'<p style="text-align:right"><a href="{base}/" target="_blank">'
                "Students' chat</a>"
                f' · <a href="{base}/instructor/logout" id="qa-logout">Log out</a></p>'
            )
        with gr.Tabs():
            show_readings, reading_outs = _readings_tab(manager)
            show_feedback, feedback_outs = _feedback_tab(feedback_log)
            if evaluate:
                add_evaluate_tab(assistant)
                if manager is not None:
                    _calibrate_tab(assistant, manager)
        if show_readings is not None:
            demo.load(show_readings, None, reading_outs, **_PRIVATE)
        demo.load(show_feedback, None, feedback_outs, **_PRIVATE)
    demo.queue(default_concurrency_limit=2)
    return demo
