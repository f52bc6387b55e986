"""One way to ask: the CLI, the chat, the widget and both APIs ask through `AskService`.

A request goes in (the question, the conversation's earlier questions, an optional reading, the
client's rate-limit key, how many passages) and an `Answer` comes out. In between, in this one
place: the client's rate limit, the answer (which carries the language notice `make_answer`
adds), and the question's line in the feedback log. `Answer.to_json()` is the JSON answer and
`RateLimited.to_json()` the JSON refusal. The trade-off: the service sits in `answering`, below
the web layer, so the rate limiter and the feedback log come in through two one-method protocols
rather than as their classes; each front end keeps what is its own (reading its request, working
out a client's key, writing HTML, HTTP statuses or terminal text).

Example:
    service = AskService(assistant, limiter=RateLimiter(30), feedback=FeedbackLog(path))
    service.ask(AskRequest("Who commands USFK?", client="ip:10.0.0.1")).to_json()
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..errors import QAError, UsageError

if TYPE_CHECKING:  # types only: the service itself imports nothing heavy
    from ..index.store import Index
    from .answer import Answer

__all__ = [
    "Answerer",
    "IndexedAnswerer",
    "Limiter",
    "FeedbackSink",
    "AskRequest",
    "AskService",
    "RateLimited",
    "check_k",
    "retry_text",
    "LIMIT_MESSAGE",
    "MAX_PASSAGES",
    "LOCAL_CLIENT",
]

log = logging.getLogger(__name__)

MAX_PASSAGES = 50
LOCAL_CLIENT = "local"  # the key of a question asked in this process (the CLI, a test, a notebook)
LIMIT_MESSAGE = (
    "You have asked a lot of questions in a short time. Please wait {wait} and ask again."
)


class Answerer(Protocol):
    """What the service needs of an assistant: `ask` (an `Assistant`, or a test's stub)."""

    def ask(
        self, question: str, history: Sequence[str] = (), k: int = 5, doc: str | None = None
    ) -> Answer: ...


class IndexedAnswerer(Answerer, Protocol):
    """An answerer that also shows its index (the front ends list its readings and link to them)."""

    @property
    def index(self) -> Index: ...


class Limiter(Protocol):
    """Counts a question for a client: None when it may be asked, else the seconds to wait."""

    def hit(self, key: str) -> float | None: ...


class FeedbackSink(Protocol):
    """Records a question that was answered or refused (`qa.web.feedback.FeedbackLog` is one)."""

    def question(
        self, question: str, passage_ids: list[str], abstained: bool, doc: str | None = None
    ) -> None: ...


def check_k(k: int) -> int:
    """`k` when it is a number of passages one may ask for, else a `UsageError` saying the range.

    Example: 5 -> 5; 0 -> UsageError('-k 0: ask for between 1 and 50 passages.')
    """
    if not 1 <= k <= MAX_PASSAGES:
        raise UsageError(f"-k {k}: ask for between 1 and {MAX_PASSAGES} passages.")
    return k


def retry_text(seconds: float) -> str:
    """Seconds to wait, for people. Example: 12.2 -> '13 seconds'"""
    n = max(1, math.ceil(seconds))
    return f"{n} second{'s' if n != 1 else ''}"


class RateLimited(QAError):
    """A question refused because its client asked too many too fast; `wait` seconds to go."""

    exit_code = 2

    def __init__(self, wait: float):
        self.wait = wait
        self.message = LIMIT_MESSAGE.format(wait=retry_text(wait))
        super().__init__(self.message)

    def to_json(self) -> dict:
        return {
            "error": "rate_limited",
            "message": self.message,
            "retry_after": round(self.wait, 1),
        }


@dataclass(frozen=True)
class AskRequest:
    """One question to answer.

    Args:
        question: the question as the student typed it.
        history: the conversation's earlier questions, oldest first (for follow-ups).
        doc: search only this reading (its id), or None for every reading.
        client: the rate-limit key of whoever asks (an address or a signed student id).
        k: how many passages to cite, 1 to `MAX_PASSAGES`.
    """

    question: str
    history: tuple[str, ...] = ()
    doc: str | None = None
    client: str = LOCAL_CLIENT
    k: int = 5

    def __post_init__(self) -> None:
        check_k(self.k)


class AskService:
    """Rate limit, answer, feedback log: the ask flow of every front end.

    Args:
        assistant: what answers (an `Assistant`, or any `Answerer`).
        limiter: the per-client rate limit shared by the front ends, or None for none.
        feedback: where each answered question is recorded, or None.
    """

    def __init__(
        self,
        assistant: Answerer,
        *,
        limiter: Limiter | None = None,
        feedback: FeedbackSink | None = None,
    ):
        self.assistant = assistant
        self.limiter = limiter
        self.feedback = feedback

    def admit(self, client: str) -> None:
        """Count a question for `client`; raises `RateLimited` when it is over the limit."""
        if self.limiter is None:
            return
        wait = self.limiter.hit(client)
        if wait is not None:
            raise RateLimited(wait)

    def answer(self, request: AskRequest) -> Answer:
        """Answer without counting against the rate limit (the caller has admitted the client)."""
        answer = self.assistant.ask(request.question, request.history, k=request.k, doc=request.doc)
        if self.feedback is not None and answer.question:
            ids = [p.id for p in answer.passages]
            try:
                self.feedback.question(answer.question, ids, answer.abstained, request.doc)
            except QAError as exc:  # a full disk must not cost the student the answer
                log.warning("%s", exc)
        return answer

    def ask(self, request: AskRequest) -> Answer:
        """Admit the client, then answer; raises `RateLimited`, or the `QAError` of a failure."""
        self.admit(request.client)
        return self.answer(request)

    def ask_json(self, request: AskRequest) -> dict:
        """`ask` as JSON: the answer, or {"error": CODE, "message": TEXT} (and `retry_after`)."""
        try:
            return self.ask(request).to_json()
        except RateLimited as exc:
            return exc.to_json()
        except QAError as exc:
            return {"error": "bad_request", "message": str(exc)}
