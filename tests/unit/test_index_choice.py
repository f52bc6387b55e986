"""Pointing a command at another corpus never rebuilds the course's index from it.

`qa ask`, `qa eval`, `qa calibrate` and `qa build` given a --corpus other than the one `index/` was
built from, and no --index, use a folder of that corpus's own under $QA_CACHE_DIR/indexes and say
so on standard error; `qa.index.where.choose_index` is the rule, tested first on its own. Run in a
temporary project folder with the fake embedder.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from qa.errors import UsageError
from qa.index.where import DEFAULT_INDEX, choose_index, index_corpus, own_index_folder
from tests.support.cli import run_cli as run

BEES = "# Bees\n\n## Hives\n\nBees make honey from nectar. A hive holds one queen.\n"
CURL = (
    "# curl FAQ\n\n## Philosophy\n\ncURL is the name of the project. It transfers data with "
    "URLs, and libcurl is its library.\n"
)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project folder (the current folder) with the course's corpus/ and another corpus,
    other/, and a cache folder of its own."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    for folder, name, text in (("corpus", "bees.md", BEES), ("other", "curl-faq.md", CURL)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def course_index(project, fake_model, capsys) -> dict:
    """index/ built from corpus/ by a plain `qa build`; its manifest as built."""
    assert run(capsys, "build")[0] == 0
    return json.loads((project / "index" / "manifest.json").read_text(encoding="utf-8"))


def _manifest(project: Path) -> dict:
    return json.loads((project / "index" / "manifest.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- the rule


def test_a_new_index_folder_is_left_for_the_project_corpus(project):
    # `make run` builds index/ from corpus/: on a fresh clone, another corpus must not take it.
    choice = choose_index(None, "other")
    assert choice.folder == own_index_folder(Path("other")) and choice.corpus == Path("other")
    assert choice.kept == DEFAULT_INDEX and choice.note()
    assert choose_index(None, "corpus").folder == DEFAULT_INDEX


def test_a_new_index_folder_goes_to_the_corpus_given_where_there_is_no_corpus_folder(project):
    shutil.rmtree(project / "corpus")
    choice = choose_index(None, "other")
    assert choice.folder == DEFAULT_INDEX and choice.corpus == Path("other")
    assert choice.note() is None


def test_the_index_of_another_corpus_is_left_alone(project, course_index):
    assert index_corpus(DEFAULT_INDEX) == (project / "corpus").resolve()
    same = choose_index(None, "corpus")
    assert same.folder == DEFAULT_INDEX and same.note() is None
    other = choose_index(None, "other")
    assert other.folder == own_index_folder(Path("other"))
    assert other.folder.parent == project / "cache" / "indexes"
    assert re.fullmatch(r"[a-z0-9-]+-other-[0-9a-f]{12}", other.folder.name)  # named, hashed
    note = other.note()
    assert note and "other/" in note and "index/ is the index of corpus/" in note
    assert "--index DIR" in note and str(other.folder.relative_to(project)) in note


def test_each_corpus_gets_its_own_folder(project, tmp_path):
    assert own_index_folder(Path("other")) == own_index_folder(project / "other")
    assert own_index_folder(Path("other")) != own_index_folder(Path("corpus"))


def test_index_given_is_used_as_it_is(project, course_index):
    choice = choose_index("index", "other")
    assert choice.folder == Path("index") and choice.note() is None


def test_an_index_whose_corpus_is_gone_belongs_to_corpus(project, course_index, capsys):
    assert run(capsys, "build", "--corpus", "other", "--index", "elsewhere")[0] == 0
    (project / "other" / "curl-faq.md").rename(project / "curl-faq.md")
    (project / "other").rmdir()
    assert index_corpus(Path("elsewhere")) == (project / "corpus").resolve()  # rebuilt from it


@pytest.mark.parametrize("corpus", ["nowhere", "corpus/bees.md"])
def test_a_corpus_that_is_not_a_folder_is_a_usage_error(project, corpus, capsys, fake_model):
    with pytest.raises(UsageError, match=f"--corpus {corpus}: .*folder"):
        choose_index(None, corpus)
    code, out, err = run(capsys, "ask", "Who?", "--corpus", corpus)
    assert code == 2 and out == "" and err.startswith(f"error: --corpus {corpus}: ")
    assert not (project / "index").exists()  # nothing built


# ---------------------------------------------------------------------------- the commands


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "What is cURL?", "--json"],
        ["eval", "questions.jsonl"],
        ["calibrate", "--auto"],
        ["build"],
    ],
    ids=["ask", "eval", "calibrate", "build"],
)
def test_another_corpus_leaves_the_course_index_as_it_was(project, course_index, capsys, argv):
    (project / "questions.jsonl").write_text(
        '{"question": "What is cURL?", "evidence": ["cURL is the name of the project."]}\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, *argv, "--corpus", "other")
    assert code == 0, err
    assert _manifest(project) == course_index  # not rebuilt
    assert not (project / "index" / "calibration.json").exists()
    own = own_index_folder(Path("other"))
    assert index_corpus(own) == (project / "other").resolve()  # built there, from other/
    assert f"Using the index {own.relative_to(project)}/ for other/" in err
    assert "index/ is the index of corpus/" in err
    assert "the readings in the corpus changed" not in err
    if argv[0] == "ask":
        assert json.loads(out)["passages"][0]["doc"] == "curl-faq"
    if argv[0] == "calibrate":
        assert (own / "calibration.json").is_file()


def test_the_app_given_another_corpus_leaves_the_course_index_as_it_was(
    project, course_index, capsys
):
    from qa.web.app import _open_assistant, build_parser

    args = build_parser().parse_args(["--corpus", "other"])
    assistant = _open_assistant(args)
    err = capsys.readouterr().err
    assert _manifest(project) == course_index  # not rebuilt
    own = own_index_folder(Path("other"))
    assert f"Using the index {own.relative_to(project)}/ for other/" in err
    assert assistant.ask("What is cURL?").passages[0].doc == "curl-faq"
    assistant = _open_assistant(build_parser().parse_args([]))  # and the course's index serves
    assert assistant.ask("What do bees make?").passages[0].doc == "bees"


def test_the_course_index_still_answers_and_lists_after_another_corpus(
    project, course_index, capsys
):
    assert run(capsys, "ask", "What is cURL?", "--corpus", "other")[0] == 0
    code, out, err = run(capsys, "ask", "What do bees make?", "--json")
    assert code == 0 and "Building the index" not in err and err == ""
    assert json.loads(out)["passages"][0]["doc"] == "bees"
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0 and [r["status"] for r in json.loads(out)] == ["indexed"]
    code, out, err = run(capsys, "list", "--json", "--corpus", "other")  # its own index, listed
    assert code == 0 and [r["status"] for r in json.loads(out)] == ["indexed"]
    assert "Using the index" in err


def test_an_index_named_with_another_corpus_says_whose_it_was(project, course_index, capsys):
    """--index names the folder, so it is rebuilt, and the reason says why (not 'changed')."""
    code, out, err = run(
        capsys, "ask", "What is cURL?", "--json", "--corpus", "other", "--index", "index"
    )
    assert code == 0 and json.loads(out)["passages"][0]["doc"] == "curl-faq"
    assert f"it holds the readings of {project / 'corpus'}, not of {project / 'other'}" in err
    assert "the readings in the corpus changed" not in err
    assert _manifest(project)["corpus"] == "../other"
    code, out, err = run(capsys, "build", "--corpus", "corpus", "--index", "index")
    assert code == 0 and "note: index/ holds the index of other/; it is rebuilt from corpus/" in err


def test_build_names_the_corpus_it_indexed(project, fake_model, capsys):
    code, out, _ = run(capsys, "build")
    assert code == 0 and " s from corpus/ -> " in out
    code, out, _ = run(capsys, "build")
    assert code == 0 and "is up to date (1 reading(s) of corpus/, 1 chunk)" in out


def test_build_without_corpus_updates_the_index_from_its_own_corpus(project, fake_model, capsys):
    """index/ built from other/ (it was new, and there is no corpus/): a plain `qa build` keeps it
    other/'s."""
    shutil.rmtree(project / "corpus")
    assert run(capsys, "build", "--corpus", "other")[0] == 0
    code, out, err = run(capsys, "build")
    assert code == 0 and "is up to date" in out and "of other/" in out and err == ""
    assert _manifest(project)["corpus"] == "../other"


def test_a_cache_folder_that_cannot_be_made_names_the_ways_out(project, course_index, monkeypatch):
    (project / "afile").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("QA_CACHE_DIR", str(project / "afile" / "cache"))
    with pytest.raises(
        UsageError, match=r"set QA_CACHE_DIR to a folder you can write, or give --index DIR"
    ):
        choose_index(None, "other")
