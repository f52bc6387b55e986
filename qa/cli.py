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

from .errors import QAError, UsageError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INDEX = 0, 1, 2, 3


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _open_assistant(args: argparse.Namespace):
    from .assistant import Assistant

    corpus = Path(args.corpus) if getattr(args, "corpus", None) else None
    return Assistant.open(Path(args.index), corpus, progress=sys.stderr.isatty(), on_rebuild=lambda why: _err(f"Building the index ({why})…"))


# ---------------------------------------------------------------------------- build


def cmd_build(args: argparse.Namespace) -> int:
    from .embed import load_embedder
    from .store import build_index

    report = build_index(Path(args.corpus), Path(args.index), load_embedder(), force=args.force, progress=sys.stderr.isatty())
    for skipped in report.skipped:
        _err(f"skipped: {skipped.reason}")
    if report.rebuilt:
        print(
            f"Indexed {report.readings} reading(s): {report.chunks} chunks, {report.sentences} sentences "
            f"({report.embedded_readings} reading(s) embedded, {report.embedded_texts} texts) in {report.seconds:.1f} s -> {report.folder}"
        )
    else:
        print(f"The index in {report.folder} is up to date ({report.readings} reading(s), {report.chunks} chunks); use --force to rebuild.")
    return EXIT_OK


# ---------------------------------------------------------------------------- add, list, remove


def _rebuild_after(args: argparse.Namespace) -> None:
    """Bring the index up to date now (when --index was given), else say how it will be."""
    if not args.index:
        print(f"Run `qa build --corpus {args.corpus}` to index it now, or just `qa ask`: it rebuilds what changed.")
        return
    from .embed import load_embedder
    from .store import build_index

    report = build_index(Path(args.corpus), Path(args.index), load_embedder(), progress=sys.stderr.isatty())
    for skipped in report.skipped:
        _err(f"skipped: {skipped.reason}")
    print(f"Index updated: {report.readings} reading(s), {report.chunks} chunks ({report.embedded_readings} reading(s) embedded) in {report.seconds:.1f} s -> {report.folder}")


def cmd_add(args: argparse.Namespace) -> int:
    from .importers import add_reading

    if args.title and len(args.sources) > 1:
        raise UsageError("--title names one reading; add the sources one at a time to give each a title.")
    failed = changed = 0
    for source in args.sources:
        try:
            result = add_reading(source, Path(args.corpus), title=args.title, replace=args.replace, timeout=args.timeout)
        except QAError as exc:
            _err(f"not added: {exc}")
            failed += 1
            continue
        pages = f", {result.pages} pages" if result.pages else ""
        if result.added:
            changed += 1
            print(f"Added “{result.title}” ({result.kind}, {result.paragraphs} paragraphs{pages}) -> {result.path}")
        else:
            print(f"Already in the corpus as {result.path} (“{result.title}”); nothing added. Use --replace to import it again.")
        for note in result.notes:
            _err(f"note: {source}: {note}")
    if changed:
        _rebuild_after(args)
    return EXIT_USAGE if failed else EXIT_OK


def _manifest_readings(index: str | None) -> tuple[dict[str, dict], Path | None]:
    """{corpus-relative source path: reading entry} of an index manifest (empty when there is none)."""
    from .store import MANIFEST

    if not index:
        return {}, None
    path = Path(index) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        return {r["source"]: r for r in manifest.get("readings", [])}, path
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, None


def cmd_list(args: argparse.Namespace) -> int:
    from .errors import ReadingError
    from .readings import corpus_files, read_reading

    corpus = Path(args.corpus)
    indexed, manifest = _manifest_readings(args.index)
    rows = []
    for path in corpus_files(corpus):
        rel = str(path.relative_to(corpus))
        try:
            reading = read_reading(path)
        except ReadingError as exc:
            rows.append({"doc": path.stem, "title": "", "file": rel, "chunks": None, "pages": None, "status": f"skipped: {exc}"})
            continue
        entry = indexed.get(rel)
        status = "not indexed yet" if entry is None else ("indexed" if entry.get("sha256") == reading.sha256 else "changed since the last build")
        pages = len({p.page for p in reading.paragraphs if p.page is not None}) or None
        rows.append({"doc": reading.doc, "title": reading.title, "file": rel, "chunks": entry.get("chunks") if entry else None, "pages": pages, "source_url": reading.meta.get("source_url", ""), "status": status})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table("file (id: its name without the suffix)", "title", "pages", "chunks", "status", title=f"{len(rows)} reading(s) in {corpus}" + (f", index {manifest.parent}" if manifest else ""))
    for row in rows:
        table.add_row(row["file"], row["title"], str(row["pages"] or ""), "" if row["chunks"] is None else str(row["chunks"]), row["status"])
    Console(highlight=False, width=None if sys.stdout.isatty() else 160).print(table)
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    from .importers import remove_reading

    path, title = remove_reading(Path(args.corpus), args.reading)
    print(f"Removed “{title}” ({path}).")
    if args.index:
        _rebuild_after(args)
    else:
        print("The next `qa build` (or `qa ask`, which rebuilds what changed) drops its passages from the index.")
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
    for p in answer.passages:
        console.print(f"[bold][{p.rank}][/bold] {escape(p.citation)}")
        before = p.text[: max(0, p.highlight_start - p.start)]
        after = p.text[p.highlight_end - p.start :]
        mark = "reverse" if not answer.abstained else "bold"
        console.print(f"    {escape(before)}[{mark}]{escape(p.highlight)}[/{mark}]{escape(after)}", highlight=False)
        console.print()


def _print_explain(assistant, question: str, history: list[str], k: int, console) -> None:
    from rich.table import Table

    retrieval = assistant.retrieve(question, history, k=k)
    console.print(f"query: {retrieval.query!r}  confidence {retrieval.confidence:.3f} / threshold {retrieval.threshold:.3f}" + ("  -> refused" if retrieval.abstained else ""))
    table = Table("fused rank", "chunk", "citation", "dense", "(rank)", "bm25", "(rank)", "sentence", "(rank)", "fused", "conf")
    for i, c in enumerate(retrieval.candidates, 1):
        ch = c.chunk
        from .readings import citation_label

        table.add_row(
            str(i), ch.id, citation_label(ch.title, ch.section, ch.sentences[c.best_sentence].paragraph if ch.sentences else ch.paragraphs[0], ch.page),
            f"{c.dense:.3f}", str(c.ranks["dense"]), f"{c.lexical:.2f}", str(c.ranks["lexical"]),
            f"{c.sentence:.3f}", str(c.ranks["sentence"]), f"{c.fused:.4f}", f"{c.confidence:.3f}",
        )
    console.print(table)


def _parse_question_line(line: str) -> tuple[str, list[str]]:
    line = line.strip()
    if line.startswith("{"):
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"not valid JSON: {exc}") from exc
        if not isinstance(obj, dict) or not isinstance(obj.get("question", ""), str):
            raise UsageError('a JSON line must be an object with a "question" string')
        history = obj.get("history") or []
        if not isinstance(history, list):
            raise UsageError('"history" must be a list of earlier questions')
        return obj.get("question", ""), [str(h) for h in history]
    return line, []


def cmd_ask(args: argparse.Namespace) -> int:
    if args.k < 1 or args.k > 50:
        raise UsageError(f"-k {args.k}: ask for between 1 and 50 passages.")
    history = list(args.history or [])
    if args.question == "-":
        assistant = _open_assistant(args)
        status = EXIT_OK
        for number, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                question, hist = _parse_question_line(line)
            except UsageError as exc:
                _err(f"line {number}: {exc}")
                print(json.dumps({"error": str(exc), "line": number}), flush=True)
                status = EXIT_USAGE
                continue
            answer = assistant.ask(question, hist, k=args.k, doc=args.doc)
            print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else answer.answer, flush=True)
        return status
    assistant = _open_assistant(args)
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=False)
    if args.explain:
        _print_explain(assistant, args.question, history, max(args.k, 10), console)
        return EXIT_OK
    answer = assistant.ask(args.question, history, k=args.k, doc=args.doc)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer, console)
    return EXIT_OK


# ---------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Answer questions about course readings with cited passages quoted from them.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"qa {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("build", help="build or update the index of a corpus folder")
    p.add_argument("--corpus", default="corpus", help="folder of readings (default: corpus/)")
    p.add_argument("--index", default="index", help="index folder (default: index/)")
    p.add_argument("--force", action="store_true", help="embed every reading again")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("add", help="import readings (HTML pages, PDFs, Markdown, text files or http(s) URLs) into the corpus")
    p.add_argument("sources", nargs="+", metavar="PATH_OR_URL", help="a file (.html .htm .xhtml .pdf .md .markdown .txt) or an http(s) URL; several may be given")
    p.add_argument("--corpus", default="corpus", help="folder of readings (default: corpus/)")
    p.add_argument("--title", default=None, help="the reading's title (default: the one found in the source)")
    p.add_argument("--index", default=None, help="also update this index folder now (default: leave it to the next build or ask)")
    p.add_argument("--replace", action="store_true", help="import a reading again that is already in the corpus (e.g. a page that changed)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for a URL (default 20)")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("list", help="list the readings of the corpus with their titles, files and chunk counts")
    p.add_argument("--corpus", default="corpus", help="folder of readings (default: corpus/)")
    p.add_argument("--index", default="index", help="index folder whose chunk counts to show (default: index/)")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("remove", help="take a reading out of the corpus")
    p.add_argument("reading", metavar="DOC", help="the reading's id (see `qa list`), file name or title")
    p.add_argument("--corpus", default="corpus", help="folder of readings (default: corpus/)")
    p.add_argument("--index", default=None, help="also update this index folder now (default: leave it to the next build or ask)")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("ask", help="ask a question (or '-' to read questions from standard input)")
    p.add_argument("question", help="the question, or '-' for one question a line on standard input (text or JSON)")
    p.add_argument("--json", action="store_true", help="print the JSON answer")
    p.add_argument("--index", default="index", help="index folder (default: index/)")
    p.add_argument("--corpus", default=None, help="corpus folder (default: the one the index was built from, else corpus/)")
    p.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    p.add_argument("--history", action="append", metavar="QUESTION", help="an earlier question of the conversation (repeatable, oldest first)")
    p.add_argument("--doc", default=None, help="search only this reading (its id, see `qa list`)")
    p.add_argument("--explain", action="store_true", help="show every candidate's dense, lexical and sentence scores and ranks")
    p.set_defaults(func=cmd_ask)
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
