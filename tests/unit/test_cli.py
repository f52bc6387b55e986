"""The `qa` command: help without heavy imports, build, ask (one question, JSON, a stream), errors.

Most tests call `qa.cli.main([...])` in this process, so the real model loads once per session;
only the console-script and `--help` checks start subprocesses.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import qa.answering.assistant
import qa.index.embed
import qa.index.model
from qa.cli import main
from qa.readings.corpus import read_reading
from tests.support.paths import CORPUS, QUESTIONS, ROOT

TITLE = "The South Korea-US Alliance Is Due for an Overhaul"
TROOPS = "How many American troops are stationed in South Korea?"
PASSAGE_FIELDS = {
    "rank",
    "text",
    "doc",
    "title",
    "section",
    "paragraph",
    "page",
    "start",
    "end",
    "score",
    "highlight",
}
ANSWER_FIELDS = {"question", "abstained", "answer", "highlight", "passages"}


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def copy_index(built: Path, parent: Path) -> tuple[Path, Path]:
    """A private copy of a built index and its corpus, keeping the corpus path the manifest records."""
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    corpus = (built / manifest["corpus"]).resolve()
    index_copy = parent / "idx" / built.name
    corpus_copy = (index_copy / manifest["corpus"]).resolve()
    shutil.copytree(built, index_copy)
    shutil.copytree(corpus, corpus_copy)
    return index_copy, corpus_copy


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bees.md").write_text(
        "# Bees\n\n## Hives\n\nBees make honey from nectar. A hive holds one queen.\n",
        encoding="utf-8",
    )
    return corpus


# ---------------------------------------------------------------------------- help, parsing


def test_importing_the_cli_loads_no_heavy_library():
    code = "import sys, qa.cli\nprint(sorted(m for m in ('torch', 'faiss', 'gradio', 'sentence_transformers', 'numpy', 'matplotlib') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    assert out.strip() == "[]"


def test_help_answers_without_heavy_imports():
    code = (
        "import sys\nfrom qa.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    print('exit', e.code)\n"
        "print('torch' in sys.modules, 'faiss' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    assert "build" in out and "ask" in out
    assert out.strip().endswith("exit 0\nFalse False")


def test_python_dash_m_qa_help():
    proc = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0
    for option in ("--json", "--index", "--corpus", "-k"):
        assert option in proc.stdout


def test_no_command_prints_help_and_is_a_usage_error(capsys):
    code, out, _ = run(capsys)
    assert code == 2 and "build" in out and "ask" in out


@pytest.mark.parametrize(
    "argv", [["ask"], ["ask", "q", "-k", "many"], ["build", "--bogus"], ["frobnicate"]]
)
def test_bad_arguments_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize("k", ["0", "51", "-3"])
def test_k_out_of_range_is_a_usage_error(capsys, fake_model, k):
    code, out, err = run(capsys, "ask", "a question", "-k", k)
    assert code == 2 and out == ""
    assert err.startswith(f"error: -k {k}:") and "Traceback" not in err


# ---------------------------------------------------------------------------- build (fake model)


def test_build_then_up_to_date_then_force(capsys, fake_model, small_corpus, tmp_path):
    index = tmp_path / "index"
    code, out, _ = run(capsys, "build", "--corpus", str(small_corpus), "--index", str(index))
    assert code == 0 and re.match(
        r"Indexed 1 reading\(s\): \d+ chunks, \d+ sentences \(1 reading\(s\) embedded", out
    )
    assert (index / "manifest.json").is_file()
    code, out, _ = run(capsys, "build", "--corpus", str(small_corpus), "--index", str(index))
    assert code == 0 and "is up to date" in out
    code, out, _ = run(
        capsys, "build", "--corpus", str(small_corpus), "--index", str(index), "--force"
    )
    assert code == 0 and out.startswith("Indexed 1 reading(s)")


def test_build_reports_skipped_files(capsys, fake_model, small_corpus, tmp_path):
    (small_corpus / "empty.md").write_text("", encoding="utf-8")
    code, _, err = run(
        capsys, "build", "--corpus", str(small_corpus), "--index", str(tmp_path / "index")
    )
    assert code == 4 and "skipped:" in err and "empty.md" in err


def test_build_without_a_corpus_exits_2_without_traceback(capsys, fake_model, tmp_path):
    code, out, err = run(
        capsys, "build", "--corpus", str(tmp_path / "nowhere"), "--index", str(tmp_path / "index")
    )
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "nowhere" in err and "Traceback" not in err


def test_an_unwritable_index_folder_is_one_line(capsys, fake_model, small_corpus, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, _, err = run(
        capsys, "build", "--corpus", str(small_corpus), "--index", str(blocker / "index")
    )
    assert (
        code == 1 and err.startswith("error: ") and str(blocker) in err and "Traceback" not in err
    )


# ---------------------------------------------------------------------------- errors with exit code 3


def test_ask_without_index_or_corpus_exits_3(capsys, fake_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no corpus/ here
    code, out, err = run(capsys, "ask", "anything", "--index", str(tmp_path / "index"))
    assert code == 3 and out == ""
    assert err.startswith("error: ") and "--corpus" in err and "Traceback" not in err


def test_a_damaged_index_without_corpus_exits_3_naming_the_file(
    capsys, fake_model, small_corpus, tmp_path, monkeypatch
):
    index = tmp_path / "index"
    assert run(capsys, "build", "--corpus", str(small_corpus), "--index", str(index))[0] == 0
    (index / "manifest.json").write_text("{", encoding="utf-8")
    shutil.rmtree(small_corpus)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "ask", "honey?", "--index", str(index))
    assert code == 3 and "manifest.json" in err and "--corpus" in err and "Traceback" not in err


def test_a_broken_model_package_exits_3(capsys, tmp_path, monkeypatch, small_corpus):
    monkeypatch.setattr(qa.index.embed, "_LOADED", {})
    monkeypatch.setattr(qa.index.model, "model_dir", lambda: tmp_path / "no-model")
    code, _, err = run(
        capsys, "build", "--corpus", str(small_corpus), "--index", str(tmp_path / "index")
    )
    assert code == 3
    assert "model.safetensors: model file missing" in err and "Traceback" not in err


# ---------------------------------------------------------------------------- ask (fake model): the stream


def test_ask_stream_answers_every_line_in_order_and_reports_bad_lines(
    capsys, fake_model, small_corpus, tmp_path, monkeypatch
):
    lines = [
        "What do bees make?",
        '{"question": "How many queens in a hive?", "history": ["Tell me about bees"], "id": "ignored"}',
        "{not json",
        "",
        '{"history": []}',
        '{"question": "Where is honey made?", "history": "not a list"}',
        '["a", "list"]',
        "Last plain question?",
    ]
    code, out, err = run(
        capsys,
        "ask",
        "--json",
        "-",
        "--corpus",
        str(small_corpus),
        "--index",
        str(tmp_path / "index"),
        stdin="\n".join(lines) + "\n",
        monkeypatch=monkeypatch,
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert "Building the index (there is no index yet)" in err  # built first, from the corpus given
    assert [r.get("question") or r.get("line") for r in rows] == [
        "What do bees make?",
        "How many queens in a hive?",
        3,
        5,
        6,
        '["a", "list"]',
        "Last plain question?",
    ]
    assert [set(r) for r in rows if "error" in r] == [{"error", "line"}] * 3
    assert "line 3: not valid JSON" in err and "line 5:" in err and "line 6:" in err
    for r in rows:
        if "error" not in r:
            assert ANSWER_FIELDS <= set(r)


# ---------------------------------------------------------------------------- ask with the real model


@pytest.fixture(scope="module")
def cli_index(built_index, tmp_path_factory) -> Path:
    """A private copy of the session's index of the bundled reading (and its corpus)."""
    index, _ = copy_index(built_index, tmp_path_factory.mktemp("cli"))
    return index


@pytest.fixture(scope="module")
def article():
    return read_reading(CORPUS / "south-korea-us-alliance.md")


@pytest.mark.model
def test_ask_json_finds_the_troop_number_with_full_citations(capsys, cli_index, article):
    code, out, err = run(capsys, "ask", TROOPS, "--json", "--index", str(cli_index))
    assert code == 0, err
    answer = json.loads(out)
    assert ANSWER_FIELDS <= set(answer) and answer["question"] == TROOPS
    top3 = answer["passages"][:3]
    hits = [p for p in top3 if "28,500" in p["text"]]
    assert hits, [p["text"][:80] for p in top3]
    for p in answer["passages"]:
        assert PASSAGE_FIELDS <= set(p)
        assert p["title"] == TITLE and p["doc"] == "south-korea-us-alliance" and p["page"] is None
        assert p["section"] in (
            None,
            "Recent Signals Raise Concerns in Seoul",
            "Past as Prelude?",
            "Past Echoes in a Transformed Present",
        )
        assert article.text[p["start"] : p["end"]] == p["text"]
        para = article.paragraphs[p["paragraph"] - 1]
        assert para.section == p["section"] and para.start < p["end"] and para.end > p["start"]
        assert isinstance(p["score"], float) and p["highlight"] in p["text"]
    assert [p["rank"] for p in answer["passages"]] == list(range(1, len(answer["passages"]) + 1))
    assert len(answer["passages"]) == 5


@pytest.mark.model
def test_ask_human_output_has_numbered_citations(capsys, cli_index):
    code, out, _ = run(capsys, "ask", TROOPS, "-k", "3", "--index", str(cli_index))
    assert code == 0
    citations = re.findall(
        rf"^\[(\d)\] {re.escape(TITLE)}(?: — ([^,\n]+))?, ¶(\d+)$", out, re.MULTILINE
    )
    assert [int(n) for n, _, _ in citations] == [1, 2, 3]
    assert any(section for _, section, _ in citations)
    assert "28,500" in out


@pytest.mark.model
def test_ask_stream_answers_the_whole_question_set_in_one_process(capsys, cli_index, monkeypatch):
    questions = [
        json.loads(line)
        for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(questions) >= 50 and any(q.get("history") for q in questions)
    # Every other question without history as a plain text line, the rest as the set's JSON lines.
    lines = [
        q["question"] if i % 2 and not q.get("history") else json.dumps(q, ensure_ascii=False)
        for i, q in enumerate(questions)
    ]
    assert any(not line.startswith("{") for line in lines)
    code, out, err = run(
        capsys,
        "ask",
        "--json",
        "-",
        "--index",
        str(cli_index),
        stdin="\n".join(lines) + "\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["question"] for r in rows] == [q["question"] for q in questions]
    for row, q in zip(rows, questions):
        assert ANSWER_FIELDS <= set(row)
        assert row["abstained"] or row["answer"]
    follow_ups = [r for r, q in zip(rows, questions) if q.get("history")]
    assert follow_ups and all(r["passages"] for r in follow_ups)


@pytest.mark.model
def test_a_sentence_added_to_a_reading_is_found_without_a_manual_rebuild(
    capsys, built_index, tmp_path
):
    index, corpus = copy_index(built_index, tmp_path)
    reading = corpus / "south-korea-us-alliance.md"
    added = "The alliance's official mascot is a blue heron named Gomdori, chosen by schoolchildren in Daegu."
    text = reading.read_text(encoding="utf-8")
    reading.write_text(
        text.replace(
            "These questions are now becoming salient again.",
            f"These questions are now becoming salient again. {added}",
        ),
        encoding="utf-8",
    )
    code, out, err = run(
        capsys,
        "ask",
        "What is the official mascot of the alliance?",
        "--json",
        "--index",
        str(index),
    )
    assert code == 0
    assert "Building the index (the readings in the corpus changed)" in err
    answer = json.loads(out)
    assert any(added in p["text"] for p in answer["passages"][:3])
    assert (
        not answer["abstained"]
        and added in answer["passages"][0]["text"]
        and "Gomdori" in answer["answer"]
    )
    code, _, err = run(
        capsys,
        "ask",
        "What is the official mascot of the alliance?",
        "--json",
        "--index",
        str(index),
    )
    assert code == 0 and "Building the index" not in err  # up to date now


@pytest.mark.model
def test_the_console_script_answers_offline_from_the_packaged_model(cli_index, tmp_path):
    """One real subprocess: `qa ask --json` with no hub cache and the hub forced offline."""
    qa_script = Path(sys.executable).with_name("qa")
    assert qa_script.is_file()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf-home"),
        "SENTENCE_TRANSFORMERS_HOME": str(tmp_path / "st-home"),
        "https_proxy": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
    }
    proc = subprocess.run(
        [str(qa_script), "ask", TROOPS, "--json", "-k", "3", "--index", str(cli_index)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    answer = json.loads(proc.stdout)
    assert any("28,500" in p["text"] for p in answer["passages"][:3])
    assert not (tmp_path / "hf-home").exists() or not any(
        (tmp_path / "hf-home").rglob("*.safetensors")
    )
