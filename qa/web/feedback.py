"""The feedback log: one JSON line per question asked and per thumbs up/down, and its summary.

Each record is appended with a single `write` on a file opened with `O_APPEND`, under a lock
shared by the threads of this process and (through a lock file) by other processes, so lines
never interleave or get lost when many students click at once. A process killed in the middle of
its write (Linux ends a write short when SIGKILL arrives between the pages of a long line) leaves
half a line: the next append ends that line first, so the half record is one line the reader
skips (and counts as bad) and no later record is joined to it. The trade-off: one tiny lock per
append instead of a database; the log is plain JSONL an instructor can read or grep.
No IP address or user id is ever written.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from ..errors import UsageError

__all__ = [
    "FeedbackLog",
    "FeedbackSummary",
    "AnswerVotes",
    "summarize",
    "read_records",
    "format_summary",
    "VOTES",
]

VOTES = ("up", "down")
MAX_COMMENT_CHARS = 2000


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class FeedbackLog:
    """Appends question and vote records to a JSONL file, atomically, safely from many threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._thread_lock = threading.Lock()
        self._file_lock = FileLock(str(self.path) + ".lock")

    def append(self, record: dict) -> None:
        """Append one record (a JSON object) as one line, with a `time` field added if missing."""
        record = {"time": _now(), **record}
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode(
            "utf-8"
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._thread_lock, self._file_lock:
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
                try:
                    size = os.fstat(fd).st_size
                    torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"  # a writer was killed
                    payload = b"\n" + line if torn else line
                    written = os.write(fd, payload)
                    if written != len(payload):  # a short write on a full disk: say so
                        raise OSError(f"only {written} of {len(payload)} bytes written")
                finally:
                    os.close(fd)
        except OSError as exc:
            raise UsageError(
                f"{self.path}: cannot append to the feedback log ({exc}); check the folder "
                "exists and is writable, or pass --feedback-log."
            ) from exc

    def question(
        self, question: str, passage_ids: list[str], abstained: bool, doc: str | None = None
    ) -> None:
        """Record a question that was answered (or refused)."""
        self.append(
            {
                "kind": "question",
                "question": question,
                "passage_ids": passage_ids,
                "abstained": abstained,
                "doc": doc,
            }
        )

    def vote(
        self,
        question: str,
        passage_ids: list[str],
        vote: str,
        comment: str | None = None,
        abstained: bool = False,
    ) -> None:
        """Record a thumbs up (`"up"`) or down (`"down"`) on the answer to `question`."""
        if vote not in VOTES:
            raise UsageError(f"vote {vote!r}: use one of {', '.join(VOTES)}.")
        comment = (comment or "").strip()[:MAX_COMMENT_CHARS] or None
        self.append(
            {
                "kind": "vote",
                "question": question,
                "passage_ids": passage_ids,
                "vote": vote,
                "comment": comment,
                "abstained": abstained,
            }
        )


def read_records(path: Path) -> tuple[list[dict], int]:
    """The records of a feedback log, and how many lines were not valid JSON objects (skipped)."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(
            f"{path}: no feedback log there yet (the app writes it when students ask); "
            "pass --log PATH."
        )
    records, bad = [], 0
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                bad += 1
                continue
            if isinstance(obj, dict):
                records.append(obj)
            else:
                bad += 1
    return records, bad


@dataclass(frozen=True)
class AnswerVotes:
    """The votes on one answer: a question and the passages it was answered with."""

    question: str
    top_passage: str | None
    down: int
    up: int
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedbackSummary:
    """What an instructor wants from the log."""

    questions: int
    distinct_questions: int
    refused: int
    votes_up: int
    votes_down: int
    most_asked: tuple[tuple[str, int], ...]
    most_down_voted: tuple[AnswerVotes, ...]
    skipped_lines: int = 0
    first: str | None = None
    last: str | None = None

    @property
    def share_refused(self) -> float:
        return self.refused / self.questions if self.questions else 0.0

    def to_json(self) -> dict:
        return {
            "questions": self.questions,
            "distinct_questions": self.distinct_questions,
            "refused": self.refused,
            "share_refused": round(self.share_refused, 4),
            "votes_up": self.votes_up,
            "votes_down": self.votes_down,
            "most_asked": [{"question": q, "count": n} for q, n in self.most_asked],
            "most_down_voted": [
                {
                    "question": a.question,
                    "top_passage": a.top_passage,
                    "down": a.down,
                    "up": a.up,
                    "comments": list(a.comments),
                }
                for a in self.most_down_voted
            ],
            "skipped_lines": self.skipped_lines,
            "first": self.first,
            "last": self.last,
        }


def _key(question: str) -> str:
    return " ".join(str(question).lower().split())


def summarize(records: list[dict], top: int = 10, skipped_lines: int = 0) -> FeedbackSummary:
    """Count questions, refusals and votes; rank answers by down-votes (then fewest up-votes).

    Example: [{"kind": "question", "question": "Q", "abstained": True}] -> questions=1, refused=1
    """
    asked = [r for r in records if r.get("kind") == "question"]
    votes = [r for r in records if r.get("kind") == "vote" and r.get("vote") in VOTES]
    counts = Counter(_key(r.get("question", "")) for r in asked)
    shown = {}
    for r in asked:
        shown.setdefault(_key(r.get("question", "")), str(r.get("question", "")))
    per_answer: dict[tuple[str, str | None], dict] = defaultdict(
        lambda: {"up": 0, "down": 0, "comments": [], "question": ""}
    )
    for r in votes:
        ids = r.get("passage_ids") or []
        top_passage = str(ids[0]) if ids else None
        entry = per_answer[(_key(r.get("question", "")), top_passage)]
        entry[r["vote"]] += 1
        entry["question"] = entry["question"] or str(r.get("question", ""))
        if r.get("comment"):
            entry["comments"].append(str(r["comment"]))
    ranked = sorted(
        (
            AnswerVotes(e["question"], top_passage, e["down"], e["up"], tuple(e["comments"]))
            for (_, top_passage), e in per_answer.items()
            if e["down"]
        ),
        key=lambda a: (-a.down, a.up, a.question),
    )
    times = sorted(str(r["time"]) for r in records if r.get("time"))
    return FeedbackSummary(
        questions=len(asked),
        distinct_questions=len(counts),
        refused=sum(1 for r in asked if r.get("abstained")),
        votes_up=sum(1 for r in votes if r["vote"] == "up"),
        votes_down=sum(1 for r in votes if r["vote"] == "down"),
        most_asked=tuple((shown[k], n) for k, n in counts.most_common(top)),
        most_down_voted=tuple(ranked[:top]),
        skipped_lines=skipped_lines,
        first=times[0] if times else None,
        last=times[-1] if times else None,
    )


def format_summary(summary: FeedbackSummary) -> str:
    """The summary as plain text for the terminal."""
    s = summary
    lines = [
        f"Questions asked: {s.questions} ({s.distinct_questions} distinct)"
        + (f", {s.first} to {s.last}" if s.first else ""),
        f"Refused (the reading does not cover them): {s.refused} ({s.share_refused:.0%})",
        f"Votes: {s.votes_up} up, {s.votes_down} down",
    ]
    if s.most_asked:
        lines += ["", "Most asked:"]
        lines += [f"  {n:>4}  {q}" for q, n in s.most_asked]
    lines += ["", "Most down-voted answers:" if s.most_down_voted else "No answer was down-voted."]
    for a in s.most_down_voted:
        lines.append(
            f"  {a.down:>4} down, {a.up} up  {a.question}"
            + (f"  [{a.top_passage}]" if a.top_passage else "")
        )
        lines += [f"          “{c}”" for c in a.comments[:3]]
    if s.skipped_lines:
        lines += [
            "",
            f"({s.skipped_lines} line(s) of the log were not valid JSON and were skipped.)",
        ]
    return "\n".join(lines)
