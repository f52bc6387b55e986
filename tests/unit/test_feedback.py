"""The feedback log: atomic appends under concurrency, the summary, and `qa feedback`."""

from __future__ import annotations

import json
import multiprocessing
import threading

import pytest

from qa.cli import main
from qa.errors import UsageError
from qa.web.feedback import FeedbackLog, format_summary, read_records, summarize


def test_vote_and_question_records_are_one_json_line_each(tmp_path):
    log = FeedbackLog(tmp_path / "sub" / "feedback.jsonl")
    log.question("What is USFK?", ["doc@1", "doc@9"], abstained=False)
    log.vote("What is USFK?", ["doc@1", "doc@9"], "down", comment="  wrong paragraph \n")
    lines = (tmp_path / "sub" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first, second = (json.loads(x) for x in lines)
    assert (
        first["kind"] == "question"
        and first["passage_ids"] == ["doc@1", "doc@9"]
        and first["abstained"] is False
    )
    assert second == {
        **second,
        "kind": "vote",
        "vote": "down",
        "comment": "wrong paragraph",
        "question": "What is USFK?",
    }
    assert "time" in second and "ip" not in second


@pytest.mark.parametrize("vote", ["", "like", "UP", None])
def test_a_vote_must_be_up_or_down(tmp_path, vote):
    with pytest.raises(UsageError, match="up, down"):
        FeedbackLog(tmp_path / "f.jsonl").vote("q", [], vote)


def test_concurrent_appends_from_threads_lose_nothing(tmp_path):
    path = tmp_path / "feedback.jsonl"
    log = FeedbackLog(path)
    comment = "x" * 3000  # longer than a pipe buffer's atomic size on some systems; still one line

    def worker(n: int) -> None:
        for i in range(40):
            log.vote(f"question {n}-{i}", [f"doc@{i}"], "up" if i % 2 else "down", comment=comment)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records, bad = read_records(path)
    assert bad == 0 and len(records) == 8 * 40
    assert {r["question"] for r in records} == {
        f"question {n}-{i}" for n in range(8) for i in range(40)
    }


def _append_many(path: str, n: int) -> None:
    log = FeedbackLog(path)
    for i in range(50):
        log.question(f"process {n} question {i}", ["d@1"], abstained=bool(i % 3 == 0))


def test_concurrent_appends_from_processes_lose_nothing(tmp_path):
    path = tmp_path / "feedback.jsonl"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(str(path), n)) for n in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    records, bad = read_records(path)
    assert bad == 0 and len(records) == 150


def test_an_append_after_a_torn_line_starts_a_fresh_one(tmp_path):
    """A writer killed mid-write leaves half a record: the next record still reads back whole."""
    path = tmp_path / "feedback.jsonl"
    log = FeedbackLog(path)
    log.question("Complete?", ["a@1"], False)
    with path.open("ab") as fh:
        fh.write(b'{"time":"2026-12-03T10:00:00+0000","kind":"vote","question":"cut sh')
    log.question("After the tear?", ["a@2"], False)
    records, bad = read_records(path)
    assert [r["question"] for r in records] == ["Complete?", "After the tear?"] and bad == 1
    assert path.read_bytes().endswith(b"\n")


def test_summary_counts_refusals_and_ranks_down_votes():
    records = [
        {
            "kind": "question",
            "question": "Q one",
            "abstained": False,
            "time": "2026-01-01T10:00:00",
        },
        {
            "kind": "question",
            "question": "q ONE ",
            "abstained": False,
            "time": "2026-01-01T10:01:00",
        },
        {"kind": "question", "question": "Q two", "abstained": True, "time": "2026-01-01T10:02:00"},
        {
            "kind": "question",
            "question": "Q three",
            "abstained": False,
            "time": "2026-01-01T10:03:00",
        },
        {
            "kind": "vote",
            "question": "Q three",
            "passage_ids": ["d@3"],
            "vote": "down",
            "comment": "off topic",
        },
        {"kind": "vote", "question": "Q three", "passage_ids": ["d@3"], "vote": "down"},
        {"kind": "vote", "question": "Q one", "passage_ids": ["d@1"], "vote": "down"},
        {"kind": "vote", "question": "Q one", "passage_ids": ["d@1"], "vote": "up"},
        {"kind": "vote", "question": "Q two", "passage_ids": [], "vote": "up"},
        {"kind": "vote", "question": "ignored", "vote": "sideways"},
    ]
    s = summarize(records, top=5)
    assert (s.questions, s.distinct_questions, s.refused) == (4, 3, 1)
    assert s.share_refused == pytest.approx(0.25)
    assert (s.votes_up, s.votes_down) == (2, 3)
    assert s.most_asked[0] == ("Q one", 2)
    assert [(a.question, a.down, a.up, a.top_passage) for a in s.most_down_voted] == [
        ("Q three", 2, 0, "d@3"),
        ("Q one", 1, 1, "d@1"),
    ]
    assert s.most_down_voted[0].comments == ("off topic",)
    text = format_summary(s)
    assert "Questions asked: 4 (3 distinct)" in text and "25%" in text and "off topic" in text


def test_summary_of_nothing():
    s = summarize([])
    assert (s.questions, s.refused, s.share_refused, s.most_down_voted) == (0, 0, 0.0, ())
    assert "No answer was down-voted." in format_summary(s)


def test_qa_feedback_prints_the_summary_and_skips_bad_lines(tmp_path, capsys):
    path = tmp_path / "feedback.jsonl"
    log = FeedbackLog(path)
    log.question("Why?", ["d@1"], abstained=True)
    log.question("What?", ["d@2"], abstained=False)
    log.vote("What?", ["d@2"], "down", "not it")
    with path.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n[1, 2]\n")
    assert main(["feedback", "--log", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "Questions asked: 2" in out and "Refused (the reading does not cover them): 1 (50%)" in out
    )
    assert "What?" in out.split("Most down-voted answers:")[1] and "2 line(s)" in out
    assert main(["feedback", "--log", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (
        data["share_refused"] == 0.5
        and data["most_down_voted"][0]["question"] == "What?"
        and data["skipped_lines"] == 2
    )


def test_qa_feedback_without_a_log_says_where_it_looked(tmp_path, capsys):
    assert main(["feedback", "--log", str(tmp_path / "none.jsonl")]) == 2
    assert "none.jsonl" in capsys.readouterr().err
