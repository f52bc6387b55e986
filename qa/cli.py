"""The `qa` command: build the index, ask questions, and the instructor's tools.

Heavy libraries (torch, faiss, gradio) are imported inside the commands that need them, so
`qa --help` answers at once. This module and `ui.py` are the only ones that talk to people:
errors raised anywhere become one line on standard error and an exit code here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import QAError, UsageError, bad_json_line

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INDEX, EXIT_SKIPPED = 0, 1, 2, 3, 4


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _plural(n: int, noun: str) -> str:
    """Example: (1, "question") -> "1 question"; (3, "question") -> "3 questions" """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _choose_index(args: argparse.Namespace):
    """The index folder for --index and --corpus (a corpus other than the one `index/` was built
    from gets a folder of its own, said on standard error); `UsageError` for a corpus that is not
    a folder when no --index is given."""
    from .index.where import choose_index

    choice = choose_index(args.index, args.corpus)
    if note := choice.note():
        _err(note)
    return choice


def _open_assistant(args: argparse.Namespace):
    from .answering.assistant import Assistant
    from .index.where import DEFAULT_CORPUS

    choice = _choose_index(args)
    assistant = Assistant.open(
        choice.folder,
        choice.corpus,
        fallback_corpus=DEFAULT_CORPUS,  # the command works from a project folder, as `make` does
        progress=sys.stderr.isatty(),
        on_rebuild=lambda why: _err(f"Building the index ({why})…"),
    )
    _say_if_stale_calibration(choice.folder)
    return assistant


# ---------------------------------------------------------------------------- build


def _build(corpus: Path, folder: Path, force: bool = False):
    """Build or update the index in `folder` from `corpus`, saying so when it held another
    corpus's readings (only where --index named it: see `qa.index.where`)."""
    from .index.embed import load_embedder
    from .index.store import build_index
    from .index.where import index_corpus, shown

    held = index_corpus(folder, fallback_corpus=None)
    if held is not None and held != corpus.resolve():
        _err(
            f"note: {shown(folder)} holds the index of {shown(held)}; it is rebuilt from "
            f"{shown(corpus)}."
        )
    report = build_index(corpus, folder, load_embedder(), force=force, progress=sys.stderr.isatty())
    for skipped in report.skipped:
        _err(f"skipped: {skipped.reason}")
    return report


def cmd_build(args: argparse.Namespace) -> int:
    from .index.where import DEFAULT_CORPUS, index_corpus, shown

    choice = _choose_index(args)
    # Without --corpus, the index is brought up to date from its own corpus, as `qa ask` does.
    corpus = choice.corpus or index_corpus(choice.folder) or DEFAULT_CORPUS
    report = _build(corpus, choice.folder, force=args.force)
    if report.rebuilt:
        print(
            f"Indexed {report.readings} reading(s): {_plural(report.chunks, 'chunk')}, "
            f"{_plural(report.sentences, 'sentence')} ({report.embedded_readings} reading(s) "
            f"embedded, {_plural(report.embedded_texts, 'text')}) in {report.seconds:.1f} s "
            f"from {shown(corpus)} -> {report.folder}"
        )
        _say_if_stale_calibration(choice.folder)
    else:
        print(
            f"The index in {report.folder} is up to date ({report.readings} reading(s) of "
            f"{shown(corpus)}, {_plural(report.chunks, 'chunk')}); use --force to rebuild."
        )
    # Indexed, but not everything: scripts and CI see it without reading standard error.
    return EXIT_SKIPPED if report.skipped else EXIT_OK


# ---------------------------------------------------------------------------- add, list, remove


def _ask_later(corpus: str) -> str:
    """The `qa ask` that answers from this corpus: plain when `index/` is (or will be) its index,
    else with --corpus (it then has an index of its own, see `qa.index.where`)."""
    from .index.where import DEFAULT_CORPUS, DEFAULT_INDEX, index_corpus

    own = index_corpus(DEFAULT_INDEX) or DEFAULT_CORPUS.resolve()
    return "`qa ask`" if Path(corpus).resolve() == own else f"`qa ask --corpus {corpus}`"


def _rebuild_after(args: argparse.Namespace, changed: int = 1) -> None:
    """Bring the index up to date now (when --index was given), else say how it will be."""
    if not args.index:
        print(
            f"Run `qa build --corpus {args.corpus}` to index {'it' if changed == 1 else 'them'} "
            f"now, or just {_ask_later(args.corpus)}: it rebuilds what changed."
        )
        return
    report = _build(Path(args.corpus), Path(args.index))
    print(
        f"Index updated: {report.readings} reading(s), {_plural(report.chunks, 'chunk')} "
        f"({report.embedded_readings} reading(s) embedded) in {report.seconds:.1f} s "
        f"-> {report.folder}"
    )
    _say_if_stale_calibration(Path(args.index))


def _say_if_stale_calibration(index: Path) -> None:
    from .index.store import stale_auto_calibration

    notice = stale_auto_calibration(index)
    if notice:
        _err(f"note: {notice}")


def cmd_add(args: argparse.Namespace) -> int:
    from .readings.importers import add_reading

    if args.title and len(args.sources) > 1:
        raise UsageError(
            "--title names one reading; add the sources one at a time to give each a title."
        )
    failed = changed = 0
    for source in args.sources:
        try:
            result = add_reading(
                source,
                Path(args.corpus),
                title=args.title,
                replace=args.replace,
                timeout=args.timeout,
            )
        except QAError as exc:
            _err(f"not added: {exc}")
            failed += 1
            continue
        pages = f", {_plural(result.pages, 'page')}" if result.pages else ""
        if result.added:
            changed += 1
            print(
                f"Added “{result.title}” ({result.kind}, "
                f"{_plural(result.paragraphs, 'paragraph')}{pages}) -> {result.path}"
            )
        else:
            print(
                f"Already in the corpus as {result.path} (“{result.title}”); nothing added. "
                "Use --replace to import it again."
            )
        for note in result.notes:
            _err(f"note: {source}: {note}")
    if changed:
        _rebuild_after(args, changed)
    return EXIT_USAGE if failed else EXIT_OK


def _manifest_readings(index: Path) -> tuple[dict, Path | None]:
    """{corpus-relative source path: reading entry} of an index manifest (empty when there is
    none or it is damaged)."""
    from .index.manifest import MANIFEST, Manifest

    path = Path(index) / MANIFEST
    try:
        return {r.source: r for r in Manifest.from_json(path).readings}, path
    except QAError:
        return {}, None


def cmd_list(args: argparse.Namespace) -> int:
    from .errors import ReadingError
    from .readings.corpus import corpus_files, read_reading

    corpus = Path(args.corpus)
    folder = _choose_index(args).folder
    indexed, manifest = _manifest_readings(folder)
    rows = []
    for path in corpus_files(corpus):
        rel = str(path.relative_to(corpus))
        try:
            reading = read_reading(path)
        except ReadingError as exc:
            rows.append(
                {
                    "doc": path.stem,
                    "title": "",
                    "file": rel,
                    "chunks": None,
                    "pages": None,
                    "status": f"skipped: {exc}",
                }
            )
            continue
        entry = indexed.get(rel)
        status = (
            "not indexed yet"
            if entry is None
            else ("indexed" if entry.sha256 == reading.sha256 else "changed since the last build")
        )
        pages = len({p.page for p in reading.paragraphs if p.page is not None}) or None
        rows.append(
            {
                "doc": reading.doc,
                "title": reading.title,
                "file": rel,
                "chunks": entry.chunks if entry else None,
                "pages": pages,
                "source_url": reading.meta.get("source_url", ""),
                "status": status,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        "file (id: its name without the suffix)",
        "title",
        "pages",
        "chunks",
        "status",
        title=f"{len(rows)} reading(s) in {escape(str(corpus))}, index {escape(str(folder))}"
        + ("" if manifest else " (not built yet)"),
    )
    for row in rows:
        table.add_row(  # (a title such as "[libfoo] notes" is text, not rich markup)
            escape(row["file"]),
            escape(row["title"]),
            str(row["pages"] or ""),
            "" if row["chunks"] is None else str(row["chunks"]),
            row["status"],
        )
    Console(highlight=False, width=None if sys.stdout.isatty() else 160).print(table)
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    from .readings.importers import remove_reading

    path, title = remove_reading(Path(args.corpus), args.reading)
    print(f"Removed “{title}” ({path}).")
    if args.index:
        _rebuild_after(args)
    else:
        print(
            f"The next `qa build --corpus {args.corpus}` (or {_ask_later(args.corpus)}, which "
            "rebuilds what changed) drops its passages from the index."
        )
    return EXIT_OK


# ---------------------------------------------------------------------------- ask


def _print_answer(answer, console) -> None:
    from rich.markup import escape

    if answer.notice:
        console.print(f"[yellow]{escape(answer.notice)}[/yellow]")
    if answer.abstained:
        console.print(f"[bold]{escape(answer.answer)}[/bold]")
        if answer.passages:
            console.print("You might look at:")
    else:
        console.print(f"[bold]“{escape(answer.answer)}”[/bold] [1]")
    console.print()
    mark = "reverse" if not answer.abstained else "bold"
    for p in answer.passages:
        console.print(f"[bold][{p.rank}][/bold] {escape(p.citation)}")
        before, sentence, after = (escape(part) for part in p.split_at_highlight())
        console.print(f"    {before}[{mark}]{sentence}[/{mark}]{after}", highlight=False)
        console.print()


def _print_explain(assistant, question: str, history: list[str], k: int, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    from .answering.fusion import shown_score

    retrieval = assistant.retrieve(question, history, k=k)
    verdict = "refused (below the threshold)" if retrieval.abstained else "answered"
    console.print(f"question: {escape(retrieval.question)}")
    if retrieval.query != retrieval.question:
        console.print(f"read as:  {escape(retrieval.query)}")
    console.print(
        f"confidence {retrieval.confidence:.3f}, threshold {retrieval.threshold:.3f}: {verdict}"
    )
    table = Table(
        "#",
        "passage",
        "dense",
        "rank",
        "bm25",
        "rank",
        "sentence",
        "rank",
        "fused",
        "conf",
        "best sentence",
        box=None,
        pad_edge=False,
    )
    texts = assistant.texts
    for i, c in enumerate(retrieval.candidates, 1):
        ch = c.chunk
        para = ch.sentences[c.best_sentence].paragraph if ch.sentences else ch.paragraphs[0]
        where = f"{ch.doc} ¶{para}" + (f" p.{ch.page}" if ch.page is not None else "")
        best = texts[ch.doc][c.highlight[0] : c.highlight[1]]
        table.add_row(
            str(i),
            escape(where),
            f"{c.dense:.3f}",
            str(c.ranks["dense"]),
            f"{c.lexical:.2f}",
            str(c.ranks["lexical"]),
            shown_score(c.sentence),
            str(c.ranks["sentence"]),
            f"{c.fused:.4f}",
            f"{c.confidence:.3f}",
            escape(best[:70] + ("…" if len(best) > 70 else "")),
        )
    from rich.console import Console

    # Not squeezed into 80 columns when piped.
    Console(highlight=False, width=None if sys.stdout.isatty() else 200).print(table)


def _parse_question_line(line: str) -> tuple[str, list[str]]:
    line = line.strip()
    if line.startswith("{"):
        try:
            obj = json.loads(line)
        except RecursionError:
            raise UsageError("not valid JSON: nested too deeply") from None
        except ValueError as exc:
            raise UsageError(bad_json_line(exc, '{"question": "…", "history": ["…"]}')) from exc
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
            raise UsageError('a JSON line must be an object with a "question" string')
        history = obj.get("history") or []
        if not isinstance(history, list):
            raise UsageError('"history" must be a list of earlier questions')
        return obj.get("question", ""), [str(h) for h in history]
    return line, []


def _ask_lines(service, args: argparse.Namespace) -> int:
    """Answer one question a line of standard input (text, or JSON with its history)."""
    from .answering.service import AskRequest

    status = EXIT_OK
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            question, history = _parse_question_line(line)
        except UsageError as exc:
            _err(f"line {number}: {exc}")
            print(json.dumps({"error": str(exc), "line": number}, ensure_ascii=False), flush=True)
            status = EXIT_USAGE
            continue
        answer = service.ask(AskRequest(question, tuple(history), args.doc, k=args.k))
        print(
            json.dumps(answer.to_json(), ensure_ascii=False) if args.json else answer.answer,
            flush=True,
        )
    return status


def cmd_ask(args: argparse.Namespace) -> int:
    from .answering.service import AskRequest, AskService, check_k

    check_k(args.k)  # before the model loads
    history = tuple(args.history or ())
    service = AskService(_open_assistant(args))
    if args.question == "-":
        return _ask_lines(service, args)
    from rich.console import Console

    # No hard line breaks: a citation stays on one line and a quoted passage copies out exactly.
    console = Console(highlight=False, soft_wrap=True)
    if args.explain:
        _print_explain(service.assistant, args.question, list(history), max(args.k, 10), console)
        return EXIT_OK
    answer = service.ask(AskRequest(args.question, history, args.doc, k=args.k))
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer, console)
    return EXIT_OK


# ---------------------------------------------------------------------------- eval, calibrate


def _run_eval(args: argparse.Namespace):
    """Load the question set, open the assistant once, ask every question (a progress bar on a
    terminal)."""
    from .answering.service import check_k
    from .evaluation.evaluate import evaluate, load_questions

    check_k(args.k)  # before the model loads
    questions = load_questions(Path(args.questions))
    for problem in questions.problems:
        _err(f"{args.questions}: line {problem.line}: {problem.message} (skipped)")
    assistant = _open_assistant(args)
    if not sys.stderr.isatty():
        return evaluate(assistant, questions, k=args.k)
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("Asking", total=len(questions.items))
        return evaluate(
            assistant,
            questions,
            k=args.k,
            progress=lambda done, total: bar.update(task, completed=done),
        )


def _print_scores(run, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    from .evaluation.report import metrics_rows

    headers, rows = metrics_rows(run)
    table = Table(
        *headers,
        title=f"{escape(str(run.questions.path))}: {_plural(len(run.results), 'question')}, "
        f"threshold {run.threshold:.3f}",
    )
    for row in rows:
        table.add_row(*row)
    console.print(_evaluated(run), soft_wrap=True)
    console.print(table)
    misses = run.misses()
    console.print(f"[bold]Misses ({len(misses)})[/bold]" if misses else "No misses.")
    for r, reasons in misses:
        console.print(
            f"  {escape(r.item.id)}: {escape(r.item.question)}\n"
            f"      [red]{escape('; '.join(reasons))}[/red]"
        )


def _evaluated(run) -> str:
    """What was evaluated, in rich markup: the index folder and the corpus it was built from."""
    from rich.markup import escape

    from .index.where import shown

    corpus = f", built from the corpus {escape(shown(Path(run.corpus)))}" if run.corpus else ""
    return f"Evaluated on the index {escape(shown(Path(run.index)))}{corpus}"


def _warn_if_evidence_missing(run) -> None:
    if warning := run.evidence_warning():
        _err(f"warning: {warning}")


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation.evaluate import check_floors, parse_floor

    for spec in [*(args.fail_under or []), *(args.fail_over or [])]:
        parse_floor(spec)  # a typo in a floor is a usage error before the model loads
    run = _run_eval(args)
    from rich.console import Console

    _print_scores(run, Console(highlight=False))
    _warn_if_evidence_missing(run)
    if args.json:
        from .files import atomic_write_text

        atomic_write_text(
            Path(args.json), json.dumps(run.to_json(), ensure_ascii=False, indent=2) + "\n"
        )
        print(f"Metrics written to {args.json}")
    if args.report:
        from .evaluation.report import render_report
        from .files import atomic_write_text

        atomic_write_text(Path(args.report), render_report(run))
        print(f"Report written to {args.report}")
    failures = check_floors(run.overall.values, args.fail_under or (), args.fail_over or ())
    for failure in failures:
        _err(f"FAIL: {failure}")
    return EXIT_ERROR if failures else EXIT_OK


def _calibrate_auto(args: argparse.Namespace) -> int:
    """`qa calibrate --auto`: the threshold from general questions and the readings themselves."""
    from rich.console import Console
    from rich.table import Table

    from .evaluation.autocalibrate import calibrate_assistant
    from .index.store import write_calibration

    assistant = _open_assistant(args)
    was = assistant.index.threshold
    result, record = calibrate_assistant(assistant)
    table = Table(
        "threshold",
        f"general questions refused (of {len(result.general)})",
        f"questions made from the readings refused (of {len(result.made)})",
        title="Refusal with no question set: bundled general questions against questions made "
        "from the readings",
    )
    for label, values in (("shipped", record["shipped_metrics"]), ("auto", record["metrics"])):
        threshold = result.shipped if label == "shipped" else result.threshold
        table.add_row(
            f"{'none' if threshold is None else f'{threshold:.4f}'} ({label})",
            *("–" if values[k] is None else f"{values[k]:.2f}" for k in values),
            style="bold reverse" if label == "auto" else None,
        )
    Console(highlight=False).print(table)
    if note := result.language_note():
        print(note)
    if result.made:
        print("Questions made from the readings, e.g.: " + "; ".join(result.made[:3]))
    write_calibration(assistant.index.folder, record)
    print(
        f"Refusal threshold {result.threshold:.4f} (was {was:.4f}) stored in "
        f"{assistant.index.folder / 'calibration.json'}; the assistant uses it from its next "
        "start, until the readings change."
    )
    return EXIT_OK


def cmd_calibrate(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from .evaluation.calibrate import (
        DEFAULT_MAX_WRONG_REFUSAL,
        RULES,
        TRADEOFF_HEADERS,
        calibration_record,
        choose_threshold,
        tradeoff_cells,
    )
    from .index.store import write_calibration

    if args.auto == bool(args.questions):
        raise UsageError(
            "qa calibrate: give a question set (in-scope and out-of-scope questions) or --auto "
            "(no question set: general questions and questions made from the readings), not both."
        )
    if args.auto:
        if args.rule != "f1" or args.max_wrong_refusal != DEFAULT_MAX_WRONG_REFUSAL:
            raise UsageError(
                "--rule and --max-wrong-refusal choose among thresholds on a question set; "
                "--auto takes neither."
            )
        return _calibrate_auto(args)
    if args.rule not in RULES:
        raise UsageError(f"--rule {args.rule}: choose one of {', '.join(RULES)}.")
    if not 0.0 <= args.max_wrong_refusal <= 1.0:
        raise UsageError(
            f"--max-wrong-refusal {args.max_wrong_refusal}: give a share between 0 and 1 "
            "(e.g. 0.03)."
        )
    run = _run_eval(args)
    calibration = choose_threshold(run.results, args.rule, args.max_wrong_refusal)
    table = Table(
        *TRADEOFF_HEADERS,
        "answer in highlight",
        title=f"Refusal trade-off on {run.questions.path} (rule: {RULES[args.rule]}, "
        f"wrong refusals at most {args.max_wrong_refusal:.1%})",
    )
    # Rows far past the wrong-refusal limit only repeat "worse": the limit and a few rows beyond.
    limit = (
        max(
            (
                r.refused_in_scope
                for r in calibration.rows
                if r.values["wrong_refusal_rate"] <= args.max_wrong_refusal + 1e-12
            ),
            default=0,
        )
        + 3
    )
    shown = [r for r in calibration.rows if r.refused_in_scope <= limit]
    for row in shown:
        cells = tradeoff_cells(row, ("answer_in_highlight",))
        table.add_row(*cells, style="bold reverse" if row is calibration.chosen else None)
    console = Console(highlight=False)
    console.print(table)
    _warn_if_evidence_missing(run)
    if len(shown) < len(calibration.rows):
        print(
            f"({len(calibration.rows) - len(shown)} higher thresholds with more wrong refusals "
            "not shown)"
        )
    record = calibration_record(calibration, run)
    write_calibration(Path(run.index), record)
    print(
        f"Refusal threshold {record['threshold']:.4f} (was {run.threshold:.4f}) stored in "
        f"{Path(run.index) / 'calibration.json'}; "
        "the assistant uses it from its next start."
    )
    return EXIT_OK


# ------------------------------------------------------------------------- feedback, embed-snippet


def cmd_feedback(args: argparse.Namespace) -> int:
    from .web.feedback import format_summary, read_records, summarize

    if args.top < 1:
        raise UsageError(f"--top {args.top}: show at least 1 answer.")
    records, bad = read_records(Path(args.log))
    summary = summarize(records, top=args.top, skipped_lines=bad)
    print(
        json.dumps(summary.to_json(), ensure_ascii=False, indent=2)
        if args.json
        else format_summary(summary)
    )
    return EXIT_OK


def cmd_embed_snippet(args: argparse.Namespace) -> int:
    from .web.app import embed_snippet

    print(
        embed_snippet(
            args.url,
            args.height,
            args.title,
            web_component=not args.iframe_only,
            signed_ids=args.signed_ids,
        ),
        end="",
    )
    return EXIT_OK


# ---------------------------------------------------------------------------- parser


_CORPUS_HELP = "folder of readings (default: corpus/)"
_INDEX_NOW_HELP = "also update this index folder now (default: leave it to the next build or ask)"
_CORPUS_OF_INDEX_HELP = "corpus folder (default: the one the index was built from, else corpus/)"
_INDEX_DEFAULT = (
    "default: index/, unless it holds the index of a corpus other than --corpus: that corpus "
    "then has a folder of its own under $QA_CACHE_DIR/indexes, named on standard error)"
)
_INDEX_HELP = "index folder (" + _INDEX_DEFAULT


def _add_build(sub) -> None:
    p = sub.add_parser("build", help="build or update the index of a corpus folder")
    p.add_argument("--corpus", default=None, help=_CORPUS_OF_INDEX_HELP)
    p.add_argument("--index", default=None, help=_INDEX_HELP)
    p.add_argument("--force", action="store_true", help="embed every reading again")
    p.set_defaults(func=cmd_build)


def _add_add(sub) -> None:
    p = sub.add_parser(
        "add",
        help="import readings (HTML pages, PDFs, Word documents, Markdown, text files or "
        "http(s) URLs) into the corpus",
    )
    p.add_argument(
        "sources",
        nargs="+",
        metavar="PATH_OR_URL",
        help="a file (.html .htm .xhtml .pdf .docx .md .markdown .txt) or an http(s) URL; "
        "several may be given",
    )
    p.add_argument("--corpus", default="corpus", help=_CORPUS_HELP)
    p.add_argument(
        "--title", default=None, help="the reading's title (default: the one found in the source)"
    )
    p.add_argument("--index", default=None, help=_INDEX_NOW_HELP)
    p.add_argument(
        "--replace",
        action="store_true",
        help="import a reading again that is already in the corpus (e.g. a page that changed)",
    )
    p.add_argument(
        "--timeout", type=float, default=20.0, help="seconds to wait for a URL (default 20)"
    )
    p.set_defaults(func=cmd_add)


def _add_list_and_remove(sub) -> None:
    p = sub.add_parser(
        "list", help="list the readings of the corpus with their titles, files and chunk counts"
    )
    p.add_argument("--corpus", default="corpus", help=_CORPUS_HELP)
    p.add_argument(
        "--index", default=None, help="index folder whose chunk counts to show (" + _INDEX_DEFAULT
    )
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("remove", help="take a reading out of the corpus")
    p.add_argument(
        "reading", metavar="DOC", help="the reading's id (see `qa list`), file name or title"
    )
    p.add_argument("--corpus", default="corpus", help=_CORPUS_HELP)
    p.add_argument("--index", default=None, help=_INDEX_NOW_HELP)
    p.set_defaults(func=cmd_remove)


def _add_ask(sub) -> None:
    p = sub.add_parser("ask", help="ask a question (or '-' to read questions from standard input)")
    p.add_argument(
        "question",
        help="the question, or '-' for one question a line on standard input (text or JSON)",
    )
    p.add_argument("--json", action="store_true", help="print the JSON answer")
    p.add_argument("--index", default=None, help=_INDEX_HELP)
    p.add_argument("--corpus", default=None, help=_CORPUS_OF_INDEX_HELP)
    p.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    p.add_argument(
        "--history",
        action="append",
        metavar="QUESTION",
        help="an earlier question of the conversation (repeatable, oldest first)",
    )
    p.add_argument("--doc", default=None, help="search only this reading (its id, see `qa list`)")
    p.add_argument(
        "--explain",
        action="store_true",
        help="show every candidate's dense, lexical and sentence scores and ranks",
    )
    p.set_defaults(func=cmd_ask)


def _add_question_set(p, what: str, optional: bool = False) -> None:
    """The arguments `eval` and `calibrate` share: the question set, the index, k."""
    p.add_argument("questions", help=what, **({"nargs": "?"} if optional else {}))
    p.add_argument("--index", default=None, help=_INDEX_HELP)
    p.add_argument("--corpus", default=None, help=_CORPUS_OF_INDEX_HELP)
    p.add_argument("-k", type=int, default=10, help="passages asked for each question (default 10)")


def _add_eval(sub) -> None:
    p = sub.add_parser(
        "eval", help="evaluate on a question set (JSONL or CSV): metrics, misses, report, CI floors"
    )
    _add_question_set(p, "question set file (.jsonl or .csv)")
    p.add_argument(
        "--json", metavar="FILE", help="write the metrics and per-question results as JSON"
    )
    p.add_argument(
        "--report", metavar="FILE.html", help="write a self-contained HTML report with plots"
    )
    p.add_argument(
        "--fail-under",
        action="extend",
        nargs="+",
        metavar="METRIC=VALUE",
        help="exit 1 when METRIC is below VALUE, e.g. hit@1=0.9 (for metrics where higher is "
        "better)",
    )
    p.add_argument(
        "--fail-over",
        action="extend",
        nargs="+",
        metavar="METRIC=VALUE",
        help="exit 1 when METRIC is above VALUE, e.g. wrong_refusal_rate=1/43 latency_p95_ms=500 "
        "(lower is better)",
    )
    p.set_defaults(func=cmd_eval)


def _add_calibrate(sub) -> None:
    p = sub.add_parser(
        "calibrate",
        help="choose the refusal threshold from a question set (or, with --auto, from the "
        "readings alone) and store it with the index",
    )
    _add_question_set(
        p,
        "question set file (.jsonl or .csv) with in-scope and out-of-scope questions",
        optional=True,
    )
    p.add_argument(
        "--auto",
        action="store_true",
        help="no question set: the lowest threshold that refuses every bundled general question "
        "(never above the shipped one), checked on questions made from the readings",
    )
    p.add_argument(
        "--max-wrong-refusal",
        type=float,
        default=0.03,
        metavar="SHARE",
        help="most in-scope questions refused, as a share (default 0.03)",
    )
    p.add_argument(
        "--rule",
        default="f1",
        help="f1 (best refusal F1, default), recall (most out-of-scope refused) or balanced "
        "(refused minus wrongly refused)",
    )
    p.set_defaults(func=cmd_calibrate)


def _add_feedback(sub) -> None:
    p = sub.add_parser(
        "feedback",
        help="summarize the app's feedback log: questions asked, share refused, most down-voted "
        "answers",
    )
    p.add_argument(
        "--log",
        default=os.environ.get("QA_FEEDBACK_LOG", "feedback.jsonl"),
        help="the feedback log (default: $QA_FEEDBACK_LOG, else feedback.jsonl)",
    )
    p.add_argument(
        "--top", type=int, default=10, help="how many questions and answers to list (default 10)"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_feedback)


def _add_embed_snippet(sub) -> None:
    p = sub.add_parser(
        "embed-snippet", help="print the HTML that puts the assistant's widget on a course page"
    )
    p.add_argument(
        "--url",
        required=True,
        help="the app's public address, e.g. https://qa.example.edu (with its sub-path if it has "
        "one)",
    )
    p.add_argument(
        "--height", type=int, default=600, help="height of the widget in pixels (default 600)"
    )
    p.add_argument(
        "--title",
        default="Reading assistant",
        help="title of the frame, read out by screen readers (default: Reading assistant)",
    )
    p.add_argument(
        "--iframe-only",
        action="store_true",
        help="print only the <iframe>, not the <gradio-app> web component alternative",
    )
    p.add_argument(
        "--signed-ids",
        action="store_true",
        help="per-student rate limits: the widget's address takes ?user=SIGNED_ID, and a comment "
        "shows how the course site's server signs ids with the app's QA_USER_SECRET (Python and "
        "JavaScript)",
    )
    p.set_defaults(func=cmd_embed_snippet)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Answer questions about course readings with cited passages quoted from them.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"qa {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (
        _add_build,
        _add_add,
        _add_list_and_remove,
        _add_ask,
        _add_eval,
        _add_calibrate,
        _add_feedback,
        _add_embed_snippet,
    ):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except QAError as exc:
        _err(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # a folder that cannot be written, a full disk: the user can fix these
        _err(
            f"error: {exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}; "
            "check the path and its permissions."
        )
        return EXIT_ERROR


if __name__ == "__main__":  # python -m qa.cli, as python -m qa
    raise SystemExit(main())
