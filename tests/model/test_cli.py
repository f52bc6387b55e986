"""The `qa` command with the real model: cited answers as JSON and as text, the whole question set
in one process, an edited reading found without a rebuild, the console script offline."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa.readings.corpus import read_reading
from tests.support.cli import ask_lines
from tests.support.cli import run_cli as run
from tests.support.paths import CORPUS, QUESTIONS

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


def copy_index(built: Path, parent: Path) -> tuple[Path, Path]:
    """A private copy of a built index and its corpus, with the corpus path the manifest records."""
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    corpus = (built / manifest["corpus"]).resolve()
    index_copy = parent / "idx" / built.name
    corpus_copy = (index_copy / manifest["corpus"]).resolve()
    shutil.copytree(built, index_copy)
    shutil.copytree(corpus, corpus_copy)
    return index_copy, corpus_copy


@pytest.fixture(scope="module")
def cli_index(built_index, tmp_path_factory) -> Path:
    """A private copy of the session's index of the bundled reading (and its corpus)."""
    index, _ = copy_index(built_index, tmp_path_factory.mktemp("cli"))
    return index


@pytest.fixture(scope="module")
def article():
    return read_reading(CORPUS / "south-korea-us-alliance.md")


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


def test_who_someone_is_is_answered_with_the_sentence_that_names_him(capsys, cli_index):
    # The README's follow-up example opens with this question; the reading writes "Gen. Xavier T.
    # Brunson, commander of the United Nations Command…", and the model alone scored it 0.48.
    code, out, err = run(
        capsys, "ask", "Who is Gen. Xavier Brunson?", "--json", "--index", str(cli_index)
    )
    assert code == 0, err
    answer = json.loads(out)
    assert not answer["abstained"] and answer["confidence"] >= 0.5
    assert "Xavier T. Brunson, commander of the United Nations Command" in answer["highlight"]
    code, out, err = run(capsys, "ask", "Who is Jane Marlowe?", "--json", "--index", str(cli_index))
    assert json.loads(out)["abstained"]


def test_ask_human_output_has_numbered_citations(capsys, cli_index):
    code, out, _ = run(capsys, "ask", TROOPS, "-k", "3", "--index", str(cli_index))
    assert code == 0
    citations = re.findall(
        rf"^\[(\d)\] {re.escape(TITLE)}(?: — ([^,\n]+))?, ¶(\d+)$", out, re.MULTILINE
    )
    assert [int(n) for n, _, _ in citations] == [1, 2, 3]
    assert any(section for _, section, _ in citations)
    assert "28,500" in out


@pytest.mark.parametrize("question", ["주한미군은 몇 명입니까?", "🇰🇷🇺🇸❓"])
def test_a_question_it_cannot_read_is_refused_after_english_ones_as_when_alone(
    capsys, cli_index, question
):
    """The reported case: after an English question (typos and all), the Korean one was answered
    at 0.991 with a sentence about Lee Jae-myung's election, matched on the earlier question's
    topic; alone it is refused with the English note. Now it is read as when asked alone; an
    English follow-up is still filled in and answered."""
    from qa.answering.language import ENGLISH_NOTICE

    def ask(question: str, *history: str) -> dict:
        earlier = [arg for h in history for arg in ("--history", h)]
        code, out, err = run(capsys, "ask", question, *earlier, "--json", "--index", str(cli_index))
        assert code == 0, err
        return json.loads(out)

    alone = ask(question)
    after = ask(
        question, "Who is Gen. Xavier Brunson?", "How many US trooops are statoined in Suoth Korea?"
    )
    assert after["abstained"] and after["notice"] == ENGLISH_NOTICE, after
    assert after["confidence"] == alone["confidence"] and after["passages"] == alone["passages"]
    followup = ask("What did he say about the number of US troops?", "Who is Gen. Xavier Brunson?")
    assert not followup["abstained"] and "manpower floor" in followup["answer"], followup["answer"]


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
    code, out, err = ask_lines(capsys, monkeypatch, lines, "--index", str(cli_index))
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["question"] for r in rows] == [q["question"] for q in questions]
    for row in rows:
        assert ANSWER_FIELDS <= set(row)
        assert row["abstained"] or row["answer"]
    follow_ups = [r for r, q in zip(rows, questions, strict=True) if q.get("history")]
    assert follow_ups and all(r["passages"] for r in follow_ups)


def test_a_sentence_added_to_a_reading_is_found_without_a_manual_rebuild(
    capsys, built_index, tmp_path
):
    index, corpus = copy_index(built_index, tmp_path)
    reading = corpus / "south-korea-us-alliance.md"
    added = (
        "The alliance's official mascot is a blue heron named Gomdori, chosen by "
        "schoolchildren in Daegu."
    )
    text = reading.read_text(encoding="utf-8")
    reading.write_text(
        text.replace(
            "These questions are now becoming salient again.",
            f"These questions are now becoming salient again. {added}",
        ),
        encoding="utf-8",
    )
    question = "What is the official mascot of the alliance?"
    mascot = ("ask", question, "--json", "--index", str(index))
    code, out, err = run(capsys, *mascot)
    assert code == 0
    assert "Building the index (the readings in the corpus changed)" in err
    answer = json.loads(out)
    assert any(added in p["text"] for p in answer["passages"][:3])
    assert (
        not answer["abstained"]
        and added in answer["passages"][0]["text"]
        and "Gomdori" in answer["answer"]
    )
    code, _, err = run(capsys, *mascot)
    assert code == 0 and "Building the index" not in err  # up to date now


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
