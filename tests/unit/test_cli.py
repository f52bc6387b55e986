"""The `qa` command: help without heavy imports, build, ask (one question, JSON, a stream), errors.

The tests call `qa.cli.main([...])` in this process with the fake embedder; only the import and
`--help` checks start subprocesses. The real model's answers are in tests/model/test_cli.py.
"""

from __future__ import annotations

import json
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
from tests.support.cli import ask_lines
from tests.support.cli import run_cli as run
from tests.support.paths import ROOT
from tests.support.readings_fixtures import one_reading_corpus

ANSWER_FIELDS = {"question", "abstained", "answer", "highlight", "passages"}


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
    code = (
        "import sys, qa.cli\nprint(sorted(m for m in ('torch', 'faiss', 'gradio', "
        "'sentence_transformers', 'numpy', 'matplotlib') if m in sys.modules))"
    )
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


@pytest.mark.parametrize("module", ["qa", "qa.cli"])
def test_python_dash_m_qa_help(module):
    proc = subprocess.run(
        [sys.executable, "-m", module, "ask", "--help"], capture_output=True, text=True, cwd=ROOT
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
        r"Indexed 1 reading\(s\): 1 chunk, 2 sentences \(1 reading\(s\) embedded, 3 texts\) "
        r"in [\d.]+ s from \S+/corpus/ -> ",
        out,
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


def test_list_shows_titles_with_brackets_as_written(capsys, tmp_path):
    """A title like "[Draft] Week 3" is text: the table does not read "[Draft]" as a style."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "week3.md").write_text(
        '---\ntitle: "[Draft] Week 3 [bold]notes"\n---\n\nBees make honey.\n', encoding="utf-8"
    )
    code, out, _ = run(capsys, "list", "--corpus", str(corpus), "--index", str(tmp_path / "i"))
    assert code == 0 and "[Draft] Week 3 [bold]notes" in out


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


# -------------------------------------------------------------------------- errors with exit code 3


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


# --------------------------------------------------------------------- ask (fake model): the stream


def test_ask_stream_answers_every_line_in_order_and_reports_bad_lines(
    capsys, fake_model, small_corpus, tmp_path, monkeypatch
):
    lines = [
        "What do bees make?",
        '{"question": "How many queens in a hive?", "history": ["Tell me about bees"], "id": '
        '"ignored"}',
        "{not json",
        "",
        '{"history": []}',
        '{"question": "Where is honey made?", "history": "not a list"}',
        '["a", "list"]',
        "Last plain question?",
    ]
    where = ("--corpus", str(small_corpus), "--index", str(tmp_path / "index"))
    code, out, err = ask_lines(capsys, monkeypatch, lines, *where)
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


# -------------------------------------------------------------------------- ask with the real model


def test_ask_explain_shows_each_candidates_scores_and_marks_code(capsys, fake_model, tmp_path):
    corpus = one_reading_corpus(
        tmp_path / "corpus",
        "hive.md",
        "# Hives\n\n## Honey\n\nBees make honey from nectar in the hive.\n\n"
        "## Tools\n\n    honey-extractor --frames 8 --spin hive\n",
    )
    where = ("--corpus", str(corpus), "--index", str(tmp_path / "index"))
    code, out, _ = run(capsys, "ask", "honey hive extractor frames?", "--explain", *where)
    assert code == 0
    assert "confidence" in out and "best sentence" in out
    rows = [line for line in out.splitlines() if "hive ¶" in line]
    assert len(rows) == 2
    assert any(" code " in row and "honey-extractor" in row for row in rows)
    assert any(" code " not in row and "Bees make honey" in row for row in rows)


# ---------------------------------------------------------------------------- add: the counts


def test_add_counts_in_words(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # `qa add` without --index builds nothing
    for name in ("a.md", "b.md", "c.md"):
        (tmp_path / name).write_text(f"# {name}\n\nOne paragraph of {name}.\n", encoding="utf-8")
    code, out, _ = run(capsys, "add", "a.md", "b.md", "--corpus", "readings")
    assert code == 0 and "(markdown, 1 paragraph)" in out and "paragraphs" not in out
    assert "Run `qa build --corpus readings` to index them now" in out
    assert "or just `qa ask --corpus readings`" in out  # index/ is not this corpus's yet
    code, out, _ = run(capsys, "add", "c.md", "--corpus", "readings")
    assert code == 0 and "to index it now" in out
    code, out, _ = run(capsys, "add", "c.md", "--corpus", "corpus")
    assert code == 0 and "or just `qa ask`:" in out  # corpus/: the one a plain `qa ask` reads


def test_a_bad_json_line_says_how_to_write_one(
    capsys, fake_model, small_corpus, tmp_path, monkeypatch
):
    where = ("--corpus", str(small_corpus), "--index", str(tmp_path / "index"))
    code, out, err = ask_lines(
        capsys, monkeypatch, ['{"question": "Honey?" "history": []}'], *where
    )
    assert code == 2
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["line"] == 1 and row["error"].startswith("not valid JSON at column 23 (")
    assert '{"question": "…", "history": ["…"]}' in row["error"]  # as written, not \u2026
    assert "near column 23" in err
