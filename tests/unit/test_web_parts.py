"""The small web pieces that issue 16 split out: the scratch folder, the question-set check shared
by the Evaluate and Calibrate tabs, the marked span of render, the rate limiter's window, and the
checked `--root-path`. No model, no server.
"""

from __future__ import annotations

import json

import pytest

from qa.errors import QuestionSetError, UsageError
from qa.web import evaluate_tab
from qa.web.app import _root_prefix
from qa.web.ratelimit import RateLimiter
from qa.web.render import _marked_html
from qa.web.scratch import job_folder, scratch_folder, uploaded_file


def test_job_folders_are_new_and_inside_the_one_scratch_folder():
    first, second = job_folder("qa-eval-"), job_folder("qa-eval-")
    assert first != second
    assert first.parent == second.parent == scratch_folder()
    assert first.name.startswith("qa-eval-") and not any(first.iterdir())


def test_an_upload_is_a_file_of_its_own_name_removed_after_the_block():
    with uploaded_file("chapter 3.md", b"# Title\n\ntext") as path:
        assert path.name == "chapter 3.md" and path.read_bytes() == b"# Title\n\ntext"
        assert scratch_folder() in path.parents
    assert not path.exists() and not path.parent.exists()


def _question_set(tmp_path, count: int):
    path = tmp_path / "questions.jsonl"
    lines = [json.dumps({"question": f"What is item {i}?", "answer": "x"}) for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_question_set_within_the_limits_is_loaded(tmp_path):
    assert len(evaluate_tab.check_question_set(_question_set(tmp_path, 3), "eval").items) == 3


@pytest.mark.parametrize("command", ["eval", "calibrate"])
def test_too_many_questions_are_refused_naming_the_command(tmp_path, monkeypatch, command):
    monkeypatch.setattr(evaluate_tab, "MAX_QUESTIONS", 2)
    with pytest.raises(QuestionSetError, match=rf"has 3 questions.*`qa {command}`"):
        evaluate_tab.check_question_set(_question_set(tmp_path, 3), command)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(evaluate_tab, "MAX_UPLOAD_BYTES", 10)
    path = tmp_path / "big.csv"
    path.write_bytes(b"\xff" * 11)  # not UTF-8: reading it would fail with another message
    with pytest.raises(QuestionSetError, match="big.csv is larger than"):
        evaluate_tab.check_question_set(path, "eval")


def test_a_missing_upload_names_the_file_only(tmp_path):
    with pytest.raises(QuestionSetError, match="^gone.csv cannot be read"):
        evaluate_tab.check_question_set(tmp_path / "gone.csv", "eval")


@pytest.mark.parametrize(
    "text, start, end, html",
    [
        ("one two three", 4, 7, "one <mark>two</mark> three"),
        ("a<b", 0, 3, "<mark>a&lt;b</mark>"),
        ("", 0, 0, "<mark></mark>"),
    ],
)
def test_marked_html(text, start, end, html):
    assert _marked_html(text, start, end) == html


def test_the_rate_limiter_waits_until_the_oldest_hit_leaves_the_window():
    now = [0.0]
    limiter = RateLimiter(2, 60.0, clock=lambda: now[0])
    assert limiter.wait("a") is None  # nothing counted yet
    assert limiter.hit("a") is None and limiter.hit("a") is None
    now[0] = 10.0
    assert limiter.wait("a") == pytest.approx(50.0)
    assert limiter.hit("a") == pytest.approx(50.0)  # refused, and not counted
    assert limiter.hit("b") is None  # another client is limited on its own
    now[0] = 60.0
    assert limiter.wait("a") is None and limiter.hit("a") is None


@pytest.mark.parametrize(
    "given, prefix",
    [
        ("", ""),
        ("/", ""),
        ("/assistant/", "/assistant"),
        ("https://example.edu/assistant", "/assistant"),
    ],
)
def test_root_prefix(given, prefix):
    assert _root_prefix(given) == prefix


def test_a_root_path_without_a_slash_is_refused():
    with pytest.raises(UsageError, match="--root-path 'assistant'"):
        _root_prefix("assistant")
