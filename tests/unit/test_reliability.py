"""Reliability at the command line: bad questions, bad readings, broken indexes, crashes mid-write.

The `qa` command runs in this process with the fake embedder (the behaviour under test is the
plumbing, not the model); the console script run as a process, where a traceback on standard
error is what would show, is in tests/model/test_reliability.py (the process loads the model).
The feedback log is appended to by processes that are killed at random moments.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from qa.answering.answer import EMPTY_QUESTION
from qa.answering.language import ENGLISH_NOTICE
from qa.answering.retrieve import MAX_QUESTION_CHARS
from qa.index.store import FORMAT_VERSION
from qa.readings.records import MAX_READING_BYTES
from qa.web.feedback import FeedbackLog
from tests.support.cli import ask_lines
from tests.support.cli import run_cli as run
from tests.support.paths import ROOT
from tests.support.pdf_helpers import make_pdf
from tests.support.readings_fixtures import HONEY, bees_corpus


@pytest.fixture
def corpus(tmp_path) -> Path:
    return bees_corpus(tmp_path / "corpus")


def ask_json(capsys, index: Path, question: str, *extra: str) -> dict:
    code, out, err = run(capsys, "ask", question, "--json", "--index", str(index), *extra)
    assert code == 0, err
    return json.loads(out)


# ---------------------------------------------------------------- bad questions at the command line


@pytest.fixture
def index(capsys, fake_model, corpus, tmp_path) -> Path:
    folder = tmp_path / "index"
    assert run(capsys, "build", "--corpus", str(corpus), "--index", str(folder))[0] == 0
    return folder


@pytest.mark.parametrize("question", ["", "   ", "\t\n", "\x00\x07\x1b"])
def test_empty_questions_get_the_prompt(capsys, index, question):
    answer = ask_json(capsys, index, question)
    assert (
        answer["abstained"] is True
        and answer["answer"] == EMPTY_QUESTION
        and answer["passages"] == []
    )
    code, out, _ = run(capsys, "ask", question, "--index", str(index))
    assert code == 0 and EMPTY_QUESTION in out


def test_an_overlong_question_is_cut_with_a_notice(capsys, index):
    answer = ask_json(capsys, index, HONEY + " " + "tell me more " * 400)
    assert (
        str(MAX_QUESTION_CHARS) in answer["notice"]
        and len(answer["question"]) <= MAX_QUESTION_CHARS
    )
    assert answer["passages"][0]["doc"] == "bees"
    code, out, _ = run(capsys, "ask", HONEY + " x" * 1500, "--index", str(index))
    assert code == 0 and f"longer than {MAX_QUESTION_CHARS} characters" in out


def test_control_characters_and_nul_bytes_are_stripped(capsys, index):
    answer = ask_json(capsys, index, "What do\x00 bees\x07 make\x1b honey from?\x7f")
    assert answer["question"] == HONEY and answer["passages"][0]["doc"] == "bees"


def test_markup_is_printed_as_text(capsys, index):
    question = "[bold red]honey[/] <script>alert(1)</script> [x](javascript:alert(1))"
    assert ask_json(capsys, index, question)["question"] == question
    code, out, _ = run(capsys, "ask", question, "--index", str(index))
    assert code == 0 and "\x1b[" not in out  # rich did not read the question as its markup


@pytest.mark.parametrize(
    "question", ["주한미군은 몇 명입니까?", "Wie viele Bienen leben in einem Stock?", "🐝🍯❓"]
)
def test_other_languages_and_emoji_get_the_english_note(capsys, index, question):
    assert ask_json(capsys, index, question)["notice"] == ENGLISH_NOTICE
    code, out, _ = run(capsys, "ask", question, "--index", str(index))
    assert code == 0 and ENGLISH_NOTICE in out.replace("\n", " ")
    assert ask_json(capsys, index, HONEY)["notice"] is None


def test_the_question_stream_survives_bad_lines(capsys, index, monkeypatch):
    lines = [
        HONEY,
        '{"question": "' + "\\u0000" * 3 + 'What do bees make?"}',
        '{"question": ' + "[" * 5000,
        "\x00\x01",
        '{"question": "Wer ist die Königin?", "history": ["' + "x" * 5000 + '"]}',
        json.dumps({"question": "honey " * 1000}),
    ]
    code, out, err = ask_lines(capsys, monkeypatch, lines, "--index", str(index))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and len(rows) == 6 and "line 3: not valid JSON" in err
    assert (
        rows[0]["passages"]
        and rows[1]["question"] == "What do bees make?"
        and rows[2] == {"error": "not valid JSON: nested too deeply", "line": 3}
    )
    assert (
        rows[3]["answer"] == EMPTY_QUESTION
        and rows[4]["notice"] == ENGLISH_NOTICE
        and str(MAX_QUESTION_CHARS) in rows[5]["notice"]
    )


# ----------------------------------------------------------------------- bad readings at build time


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(
        clone_from=PdfReader(io.BytesIO(make_pdf([["Bees dance to show the way to flowers."]])))
    )
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as fh:  # takes no disk space
        fh.truncate(size)


NO_MAIN_TEXT = (
    b"<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a> <a "
    b"href='/a'>About</a></nav><footer>(c) 2025</footer></body></html>"
)

BAD_FILES = {  # name -> (write it, words the reason must contain)
    "empty.md": (lambda p: p.write_bytes(b""), "no text to index"),
    "blank.txt": (lambda p: p.write_bytes(b"\n \n\t\n"), "no text to index"),
    "binary.txt": (lambda p: p.write_bytes(bytes(range(256)) * 16), "binary file"),
    "latin1.md": (
        lambda p: p.write_bytes("Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e".encode("latin-1")),
        "not UTF-8",
    ),
    "broken.pdf": (lambda p: p.write_bytes(make_pdf([["Bees fly."]])[:300]), "PDF is damaged"),
    "locked.pdf": (lambda p: p.write_bytes(_encrypted_pdf()), "password-protected"),
    "scan.pdf": (lambda p: p.write_bytes(make_pdf([None])), "no extractable text"),
    "menu.html": (lambda p: p.write_bytes(NO_MAIN_TEXT), "no main text"),
    "huge.md": (lambda p: _sparse(p, MAX_READING_BYTES + 1), "limit"),
    "huge.pdf": (lambda p: _sparse(p, 60 * 1024 * 1024), "limit"),
}


def test_qa_build_skips_each_bad_reading_naming_it_and_indexes_the_rest(
    capsys, fake_model, corpus, tmp_path
):
    for name, (write, _) in BAD_FILES.items():
        write(corpus / name)
    index = tmp_path / "index"
    code, out, err = run(capsys, "build", "--corpus", str(corpus), "--index", str(index))
    assert code == 4 and out.startswith("Indexed 1 reading(s)")  # done, with readings skipped
    skipped = [line for line in err.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == len(BAD_FILES), err
    for name, (_, reason) in BAD_FILES.items():
        line = next((s for s in skipped if f"{corpus / name}:" in s), None)
        assert line is not None and reason in line, (name, err)
    answer = ask_json(capsys, index, HONEY)
    assert answer["abstained"] is False and answer["passages"][0]["doc"] == "bees"
    assert "nectar" in answer["answer"]
    # nothing of the bad files was indexed, and `qa list` names them too
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert [r["doc"] for r in manifest["readings"]] == ["bees"]
    code, out, _ = run(capsys, "list", "--corpus", str(corpus), "--index", str(index), "--json")
    statuses = {row["file"]: row["status"] for row in json.loads(out)}
    assert statuses["bees.md"] == "indexed" and all(
        statuses[name].startswith("skipped: ") for name in BAD_FILES
    )


def test_a_reading_the_chunker_fails_on_is_skipped_and_the_rest_indexed(
    capsys, fake_model, corpus, tmp_path, monkeypatch
):
    import qa.index.store

    real_chunk = qa.index.store.chunk_reading

    def chunk_or_fail(reading, *args, **kwargs):
        if reading.doc == "odd":
            raise RuntimeError("chunker lost its place in odd")
        return real_chunk(reading, *args, **kwargs)

    monkeypatch.setattr(qa.index.store, "chunk_reading", chunk_or_fail)
    (corpus / "odd.md").write_text(
        "# Odd\n\nA reading the chunker cannot take.\n", encoding="utf-8"
    )
    index = tmp_path / "index"
    code, out, err = run(capsys, "build", "--corpus", str(corpus), "--index", str(index))
    assert code == 4 and out.startswith("Indexed 1 reading(s)"), (out, err)
    line = next(s for s in err.splitlines() if s.startswith("skipped: "))
    assert (
        f"{corpus / 'odd.md'}:" in line
        and "could not be cut into passages" in line
        and "lost its place" in line
    )
    assert ask_json(capsys, index, HONEY)["passages"][0]["doc"] == "bees"


def test_a_reading_the_model_fails_on_is_skipped_and_the_rest_indexed(
    capsys, fake_model, corpus, tmp_path, monkeypatch
):
    real_embed = fake_model.embed

    def embed_or_fail(texts):
        if any("unembeddable" in t for t in texts):
            raise ValueError("input too strange for the model")
        return real_embed(texts)

    monkeypatch.setattr(fake_model, "embed", embed_or_fail)
    (corpus / "odd.md").write_text("# Odd\n\nAn unembeddable reading.\n", encoding="utf-8")
    (corpus / "wasps.md").write_text("# Wasps\n\nWasps build paper nests.\n", encoding="utf-8")
    index = tmp_path / "index"
    code, out, err = run(capsys, "build", "--corpus", str(corpus), "--index", str(index))
    assert code == 4 and out.startswith("Indexed 2 reading(s)"), (out, err)
    skipped = [s for s in err.splitlines() if s.startswith("skipped: ")]
    assert len(skipped) == 1 and "odd.md" in skipped[0] and "could not be embedded" in skipped[0]
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(r["doc"] for r in manifest["readings"]) == ["bees", "wasps"]
    assert ask_json(capsys, index, "What do wasps build?")["passages"][0]["doc"] == "wasps"


def test_a_corpus_of_only_bad_readings_is_one_line_exit_2(capsys, fake_model, tmp_path):
    corpus = tmp_path / "bad"
    corpus.mkdir()
    for name in ("empty.md", "binary.txt", "locked.pdf"):
        BAD_FILES[name][0](corpus / name)
    code, out, err = run(
        capsys, "build", "--corpus", str(corpus), "--index", str(tmp_path / "index")
    )
    assert (
        code == 2
        and out == ""
        and err.startswith("error: ")
        and "no reading could be indexed" in err
    )
    assert all(name in err for name in ("empty.md", "binary.txt", "locked.pdf"))


def test_qa_add_refuses_each_bad_file_naming_it_and_adds_the_rest(capsys, fake_model, tmp_path):
    sources, corpus = tmp_path / "downloads", tmp_path / "corpus"
    sources.mkdir()
    for name in ("locked.pdf", "scan.pdf", "menu.html", "huge.pdf", "binary.txt", "broken.pdf"):
        BAD_FILES[name][0](sources / name)
    good = sources / "notes.txt"
    good.write_text("Bees make honey from nectar in the hive.\n", encoding="utf-8")
    paths = sorted(str(p) for p in sources.iterdir())
    code, out, err = run(capsys, "add", *paths, "--corpus", str(corpus))
    assert code == 2 and out.count("Added “") == 1
    refused = [line for line in err.splitlines() if line.startswith("not added: ")]
    assert len(refused) == 6
    for name in ("locked.pdf", "scan.pdf", "menu.html", "huge.pdf", "binary.txt", "broken.pdf"):
        assert any(line.startswith(f"not added: {sources / name}: ") for line in refused), (
            name,
            err,
        )
    assert [p.name for p in corpus.iterdir()] == ["notes.md"] or len(list(corpus.iterdir())) == 1


# --------------------------------------------------------------- broken indexes at the command line


def _data(folder: Path, key: str) -> Path:
    return folder / json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["data"][key]


def _edit_manifest(folder: Path, **changes) -> Path:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if key == "model":
            manifest["settings"]["model"] = value
        else:
            manifest[key] = value
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


def _truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def _drop_chunk(folder: Path) -> Path:
    path = _data(folder, "data")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["chunks"].pop()
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# what breaks -> (break it and return the file to name, or None where the folder is named)
BREAKS = {
    "missing-manifest": lambda f: (f / "manifest.json").unlink() or None,
    "empty-manifest": lambda f: (f / "manifest.json").write_text("") or f / "manifest.json",
    "truncated-manifest": lambda f: _truncate(f / "manifest.json"),
    "truncated-chunk-vectors": lambda f: _truncate(_data(f, "chunks")),
    "truncated-sentence-vectors": lambda f: _truncate(_data(f, "sentences")),
    "truncated-data": lambda f: _truncate(_data(f, "data")),
    "missing-data": lambda f: _data(f, "data").unlink() or _data(f, "data"),
    "chunk-count": _drop_chunk,
    "other-model": lambda f: _edit_manifest(f, model="some-other-model") and None,
    "other-format": lambda f: _edit_manifest(f, format_version=FORMAT_VERSION - 1) and None,
}


@pytest.mark.parametrize("damage", sorted(BREAKS))
def test_a_broken_index_is_rebuilt_from_the_corpus(capsys, index, corpus, damage):
    BREAKS[damage](index)
    code, out, err = run(
        capsys, "ask", HONEY, "--json", "--index", str(index), "--corpus", str(corpus)
    )
    assert code == 0 and err.startswith("Building the index (") and len(err.splitlines()) == 1
    assert json.loads(out)["passages"][0]["doc"] == "bees"
    assert (
        run(capsys, "ask", HONEY, "--index", str(index), "--corpus", str(corpus))[2] == ""
    )  # repaired for good


@pytest.mark.parametrize("damage", sorted(BREAKS))
def test_a_broken_index_without_its_corpus_is_one_line_naming_the_file_and_fix(
    capsys, index, corpus, damage, tmp_path, monkeypatch
):
    named = BREAKS[damage](index)
    corpus.rename(tmp_path / "moved")
    monkeypatch.chdir(tmp_path)  # and no corpus/ here
    code, out, err = run(capsys, "ask", HONEY, "--index", str(index))
    assert (
        code == 3 and out == "" and len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    )
    assert str(named.name if named else index.name) in err and (
        "--corpus" in err or "qa build" in err
    ), err


# ------------------------------------------------------------------- the feedback log under crashes


APPENDER = textwrap.dedent(
    """
    import sys
    from qa.web.feedback import FeedbackLog
    log, who = FeedbackLog(sys.argv[1]), sys.argv[2]
    comment = "é" * 3000  # long lines: a torn write would show
    n = 0
    while True:
        log.vote(f"{who} question {n}", [f"{who}-{n}"], "down", comment)
        n += 1
    """
)


def test_the_feedback_log_survives_appenders_killed_mid_write(tmp_path):
    """Several processes append at once and are killed at random moments. A kill can land between
    the pages of a long line's write (Linux then ends the write short): that half record stays
    one line of its own, the next append starts a fresh line, and no other record is lost."""
    path = tmp_path / "feedback.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(8)
    for round_no in range(4):
        start = path.stat().st_size if path.exists() else 0
        names = [f"p{round_no}-{i}" for i in range(3)]
        procs = [
            subprocess.Popen([sys.executable, "-c", APPENDER, str(path), name], env=env)
            for name in names
        ]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until every writer of this round has written
            written = b""
            if path.exists():
                with path.open("rb") as fh:
                    fh.seek(start)
                    written = fh.read()
            if all(f'"{name} question '.encode() in written for name in names):
                break
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.3))
        for proc in procs:
            proc.send_signal(signal.SIGKILL)
            time.sleep(rng.uniform(0.0, 0.02))
        for proc in procs:
            proc.wait(timeout=30)
    FeedbackLog(path).vote("last question 0", ["last-0"], "down", "é" * 2000)  # a writer that lives
    data = path.read_bytes()
    assert data.endswith(b"\n")
    records, torn = [], []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            torn.append(line)
    assert len(torn) <= 12  # at most the one record each killed writer was writing
    assert all(line.startswith('{"time":') for line in torn)  # each a record's start, cut short
    assert len(records) > 12
    by_writer: dict[str, list[int]] = {}
    for record in records:
        who, _, n = record["question"].partition(" question ")
        by_writer.setdefault(who, []).append(int(n))
        assert record["comment"] == "é" * 2000 and record["passage_ids"] == [f"{who}-{n}"]
    assert len(by_writer) == 13
    for who, numbers in by_writer.items():
        assert numbers == list(range(len(numbers))), f"{who} lost or repeated a record"


def test_the_app_says_at_start_which_readings_were_skipped(
    capsys, fake_model, corpus, tmp_path, monkeypatch
):
    import uvicorn

    import qa.web.app

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)  # start, but do not serve
    (corpus / "empty.md").write_bytes(b"")
    assert qa.web.app.main(["--index", str(tmp_path / "index"), "--corpus", str(corpus)]) == 0
    err = capsys.readouterr().err
    assert any(line.startswith("skipped: ") and "empty.md" in line for line in err.splitlines()), (
        err
    )
