"""The one ask flow (`qa.answering.service`): rate limit, the notice once, the feedback line, JSON.

A stub answerer stands in for the model wherever the flow, not the answer, is under test; the
notice and the README's library example run a real `Assistant` on the fake embedder.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from qa.answering.answer import Answer, Passage
from qa.answering.language import ENGLISH_NOTICE
from qa.answering.service import (
    LIMIT_MESSAGE,
    LOCAL_CLIENT,
    MAX_PASSAGES,
    AskRequest,
    AskService,
    RateLimited,
    check_k,
    retry_text,
)
from qa.errors import IndexStoreError, QAError, UsageError

ROOT = Path(__file__).resolve().parents[2]
KOREAN = "주한미군은 몇 명입니까?"


def _passage(rank: int, doc: str = "tides") -> Passage:
    text = "Tides rise. The Moon pulls the sea. Seas move."
    return Passage(
        rank=rank,
        id=f"{doc}@{rank}",
        doc=doc,
        title="Tides",
        section=None,
        paragraph=rank,
        paragraphs=(rank,),
        page=None,
        start=100,
        end=100 + len(text),
        text=text,
        score=0.5,
        highlight="The Moon pulls the sea.",
        highlight_start=112,
        highlight_end=135,
    )


class StubAnswerer:
    """Answers every question with two passages; records what it was asked."""

    def __init__(self, fail: QAError | None = None):
        self.asked: list[tuple] = []
        self.fail = fail

    def ask(self, question, history=(), k=5, doc=None) -> Answer:
        self.asked.append((question, tuple(history), k, doc))
        if self.fail is not None:
            raise self.fail
        passages = (_passage(1), _passage(2))
        abstained = question.startswith("?")
        return Answer(question, abstained, "The Moon pulls the sea.", "", 0.9, 0.5, passages)


class StubLimiter:
    """Allows `limit` questions a client, then asks it to wait 12.34 seconds."""

    def __init__(self, limit: int):
        self.limit, self.counts = limit, {}

    def hit(self, key: str) -> float | None:
        self.counts[key] = self.counts.get(key, 0) + 1
        return None if self.counts[key] <= self.limit else 12.34


class StubFeedback:
    def __init__(self, fail: bool = False):
        self.lines: list[tuple] = []
        self.fail = fail

    def question(self, question, passage_ids, abstained, doc=None) -> None:
        if self.fail:
            raise UsageError("feedback.jsonl: cannot append to the feedback log (disk full)")
        self.lines.append((question, passage_ids, abstained, doc))


def test_a_request_reaches_the_answerer_whole():
    stub = StubAnswerer()
    answer = AskService(stub).ask(AskRequest("Why?", ("Who?",), "tides", "ip:1", k=3))
    assert stub.asked == [("Why?", ("Who?",), 3, "tides")]
    assert answer.question == "Why?"


def test_the_rate_limit_refuses_past_the_limit_without_asking():
    stub, limiter = StubAnswerer(), StubLimiter(2)
    service = AskService(stub, limiter=limiter)
    for _ in range(2):
        service.ask(AskRequest("Why?", client="ip:1"))
    with pytest.raises(RateLimited) as refused:
        service.ask(AskRequest("Why?", client="ip:1"))
    assert len(stub.asked) == 2  # the refused question never reached the model
    assert refused.value.wait == 12.34
    assert refused.value.message == LIMIT_MESSAGE.format(wait="13 seconds")
    assert str(refused.value) == refused.value.message
    service.ask(AskRequest("Why?", client="ip:2"))  # another client is counted apart
    assert limiter.counts == {"ip:1": 3, "ip:2": 1}


def test_without_a_limiter_nobody_is_limited():
    service = AskService(StubAnswerer())
    for _ in range(50):
        service.ask(AskRequest("Why?"))


def test_answer_alone_does_not_count_against_the_limit():
    limiter = StubLimiter(0)
    service = AskService(StubAnswerer(), limiter=limiter)
    service.answer(AskRequest("Why?", client="ip:1"))
    assert limiter.counts == {}
    with pytest.raises(RateLimited):
        service.admit("ip:1")


def test_each_answered_question_is_logged_once_with_its_passages_and_reading():
    feedback = StubFeedback()
    service = AskService(StubAnswerer(), feedback=feedback)
    service.ask(AskRequest("Why?", doc="tides"))
    service.ask(AskRequest("?Unknown"))
    assert feedback.lines == [
        ("Why?", ["tides@1", "tides@2"], False, "tides"),
        ("?Unknown", ["tides@1", "tides@2"], True, None),
    ]


def test_an_empty_question_and_a_refused_one_are_not_logged():
    feedback = StubFeedback()
    service = AskService(StubAnswerer(), limiter=StubLimiter(1), feedback=feedback)
    service.ask(AskRequest(""))
    with pytest.raises(RateLimited):
        service.ask(AskRequest("Why?"))
    assert feedback.lines == []


def test_a_feedback_log_that_fails_does_not_cost_the_answer(caplog):
    service = AskService(StubAnswerer(), feedback=StubFeedback(fail=True))
    assert service.ask(AskRequest("Why?")).answer == "The Moon pulls the sea."
    assert "cannot append to the feedback log" in caplog.text


def test_the_json_form_is_the_answers_own():
    stub = StubAnswerer()
    service = AskService(stub)
    assert service.ask_json(AskRequest("Why?")) == stub.ask("Why?").to_json()


def test_the_json_form_of_a_refusal_names_the_wait():
    service = AskService(StubAnswerer(), limiter=StubLimiter(0))
    assert service.ask_json(AskRequest("Why?")) == {
        "error": "rate_limited",
        "message": LIMIT_MESSAGE.format(wait="13 seconds"),
        "retry_after": 12.3,
    }


def test_the_json_form_of_a_failed_answer_carries_its_message():
    failing = StubAnswerer(fail=IndexStoreError("index/manifest.json is damaged"))
    assert AskService(failing).ask_json(AskRequest("Why?")) == {
        "error": "bad_request",
        "message": "index/manifest.json is damaged",
    }
    with pytest.raises(IndexStoreError):
        AskService(failing).ask(AskRequest("Why?"))


@pytest.mark.parametrize("k", [0, -1, MAX_PASSAGES + 1])
def test_a_k_out_of_range_is_a_usage_error(k):
    with pytest.raises(UsageError, match=rf"^-k {k}: ask for between 1 and 50 passages\.$"):
        check_k(k)
    with pytest.raises(UsageError):
        AskRequest("Why?", k=k)


@pytest.mark.parametrize("k", [1, 5, MAX_PASSAGES])
def test_a_k_in_range_is_kept(k):
    assert check_k(k) == k and AskRequest("Why?", k=k).k == k


def test_a_request_defaults_to_a_local_client_and_five_passages():
    assert AskRequest("Why?") == AskRequest("Why?", (), None, LOCAL_CLIENT, 5)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.0, "1 second"), (1.0, "1 second"), (1.2, "2 seconds")]
)
def test_retry_text(seconds, text):
    assert retry_text(seconds) == text


def test_a_passage_splits_round_its_answering_sentence():
    p = _passage(1)
    before, sentence, after = p.split_at_highlight()
    assert (before, sentence, after) == ("Tides rise. ", "The Moon pulls the sea.", " Seas move.")
    assert before + sentence + after == p.text


@pytest.mark.parametrize(("start", "end"), [(0, 5), (90, 300), (140, 120), (150, 160), (100, 100)])
def test_a_highlight_outside_the_passage_is_kept_inside_it(start, end):
    from dataclasses import replace

    p = replace(_passage(1), highlight_start=start, highlight_end=end)
    parts = p.split_at_highlight()
    assert "".join(parts) == p.text


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(ROOT / "corpus" / "south-korea-us-alliance.md", folder)
    return folder


def test_the_language_notice_comes_once_through_the_service(fake_embedder, corpus, tmp_path):
    from qa.answering.assistant import Assistant

    assistant = Assistant.open(tmp_path / "index", corpus, embedder=fake_embedder)
    feedback = StubFeedback()
    service = AskService(assistant, feedback=feedback)
    answer = service.ask(AskRequest(KOREAN))
    assert answer.notice == ENGLISH_NOTICE
    assert service.ask_json(AskRequest(KOREAN))["notice"] == ENGLISH_NOTICE
    assert service.ask(AskRequest("How many troops are in Korea?")).notice is None
    assert [line[0] for line in feedback.lines] == [KOREAN, KOREAN, "How many troops are in Korea?"]


def test_the_readme_library_example_runs(fake_model, corpus, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use as a library", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(corpus.parent)  # the example names index/ and corpus/ beside each other
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert (corpus.parent / "index" / "manifest.json").is_file()
    assert fake_model.calls > 0  # the example ran on the fake model, not the real one
    assert "[1] The South Korea-US Alliance Is Due for an Overhaul" in printed


def test_the_json_api_takes_a_stub_and_asks_through_the_service():
    from types import SimpleNamespace

    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from qa.web.api import API_PATH, add_api

    stub, feedback = StubAnswerer(), StubFeedback()
    stub.index = SimpleNamespace(readings={"tides": None})  # the readings `doc` may name
    app = Starlette()
    add_api(app, stub, limiter=StubLimiter(1), feedback=feedback, concurrency=1)
    with TestClient(app) as client:
        answered = client.post(API_PATH, json={"question": "Why?", "doc": "tides"})
        limited = client.post(API_PATH, json={"question": "Why?"})
    assert answered.status_code == 200
    assert answered.json() == StubAnswerer().ask("Why?").to_json()
    assert limited.status_code == 429 and limited.headers["retry-after"] == "13"
    assert limited.json() == AskService(stub, limiter=StubLimiter(0)).ask_json(AskRequest("Why?"))
    assert feedback.lines == [("Why?", ["tides@1", "tides@2"], False, "tides")]
