"""The JSON API for course sites and LMS servers: `POST /api/ask` returns the JSON answer.

A plain HTTP route beside Gradio's own `ask` endpoint, with the same protections: the allowed
origins (CORS, and a refusal of other sites' browsers), the per-client rate limit shared with the
chat, the length limits (a body of 64 kB at most; a question over 2,000 characters is cut with a
notice, as in the chat), and errors as JSON with their HTTP status. Answers run on a pool
of threads, one per CPU core (the encoder and FAISS release the GIL), so requests are answered side
by side while the event loop keeps reading new ones. The trade-off: it skips Gradio's queue, which
costs more server time per call than the answer itself, so it has no queue page or progress
events; one request, one JSON answer.

Request:  {"question": "...", "history": ["earlier question", ...], "doc": "reading-id"}
          (only `question` is required; header `X-QA-User: <id>.<hex HMAC-SHA256>`, signed with
          the app's --user-secret, names the student for the rate limit; unsigned ids are ignored)
Replies:  200 the JSON answer (`Answer.to_json()`);
          400 bad input, 403 a site not allowed, 405 not a POST, 413 a body over 64 kB, 415 not JSON,
          429 over the rate limit (with `Retry-After`), 503 busy or unable to answer (with `Retry-After`),
          500 an unexpected failure; each as {"error": CODE, "message": TEXT}.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..answering.answer import EMPTY_QUESTION
from ..answering.language import with_language_notice
from ..errors import QAError
from .ratelimit import LIMIT_MESSAGE, client_key, retry_text

__all__ = [
    "AskRequest",
    "ApiError",
    "parse_ask",
    "add_api",
    "API_PATH",
    "MAX_BODY_BYTES",
    "MAX_WAITING",
    "FIELDS",
]

log = logging.getLogger(__name__)

API_PATH = "/api/ask"
MAX_BODY_BYTES = 64_000
MAX_WAITING = (
    128  # requests queued for a thread before the API answers 503 (a fraction of a second of work)
)
FIELDS = ("question", "history", "doc")
_NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class AskRequest:
    """One checked request: the question, the conversation's earlier questions, an optional reading."""

    question: str
    history: tuple[str, ...] = ()
    doc: str | None = None


class ApiError(Exception):
    """A refused request: HTTP status, a short code, a message for the integrator."""

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after

    def body(self) -> dict:
        out = {"error": self.code, "message": self.message}
        if self.retry_after is not None:
            out["retry_after"] = round(self.retry_after, 1)
        return out

    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return dict(_NO_STORE)
        return {**_NO_STORE, "Retry-After": str(max(1, math.ceil(self.retry_after)))}


def parse_ask(body: bytes, docs) -> AskRequest:
    """Check a request body; raises `ApiError` (400) naming what is wrong.

    Args:
        body: the raw JSON body.
        docs: the reading ids `doc` may name.

    Example: b'{"question": "Who is Brunson?", "history": []}' -> AskRequest("Who is Brunson?", (), None)
    """
    try:
        data = json.loads(body)
    except (
        ValueError,
        UnicodeDecodeError,
        RecursionError,
    ) as exc:  # RecursionError: nested deeper than the parser goes
        raise ApiError(
            400,
            "bad_request",
            f'the body is not valid JSON ({exc}); send an object such as {{"question": "What does USFK stand for?"}}.',
        ) from None
    if not isinstance(data, dict):
        raise ApiError(
            400,
            "bad_request",
            f'the body is a JSON {type(data).__name__}; send an object such as {{"question": "What does USFK stand for?"}}.',
        )
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ApiError(
            400, "bad_request", f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}."
        )
    question = data.get("question")
    if not isinstance(question, str):
        raise ApiError(400, "bad_request", "`question` is required and must be a string.")
    if not question.strip():
        raise ApiError(400, "bad_request", EMPTY_QUESTION)
    history = data.get("history")
    if history is None:
        history = []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise ApiError(
            400,
            "bad_request",
            "`history` must be a list of the conversation's earlier questions (strings), oldest first.",
        )
    doc = data.get("doc")
    if doc is not None and (not isinstance(doc, str) or doc not in docs):
        known = sorted(docs)
        shown = ", ".join(known[:10]) + (" …" if len(known) > 10 else "")
        raise ApiError(
            400,
            "bad_request",
            f"`doc` {doc!r} is not a reading of this index; leave it out to search every reading, or use one of: {shown}.",
        )
    return AskRequest(question, tuple(history), doc)


def _same_origin(origin: str, host: str | None) -> bool:
    return bool(host) and urlsplit(origin).netloc.lower() == host.lower()


def add_api(
    app,
    assistant,
    *,
    allowed_origins: tuple[str, ...] = (),
    limiter=None,
    feedback=None,
    concurrency: int = 8,
    waiting: int = MAX_WAITING,
    user_secret: str | None = None,
) -> None:
    """Add `POST /api/ask` to a FastAPI/Starlette app (before Gradio is mounted at `/`).

    Args:
        app: the app to add the route to.
        assistant: the `Assistant` that answers.
        allowed_origins: sites whose browsers may call the API; empty for any site.
        limiter: the `RateLimiter` shared with the chat, or None for no limit.
        feedback: the `FeedbackLog` that records each question, or None.
        concurrency: questions answered at the same time, at most one per CPU core: an answer is
            CPU work, and more threads than cores only take turns, which lengthens every answer.
        waiting: requests allowed to wait for a thread beyond those; more get 503.
        user_secret: the course platform's key; a correctly signed `X-QA-User` id is then the
            rate-limit key instead of the client's address.
    """
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import JSONResponse

    threads = max(1, min(concurrency, os.cpu_count() or 1))
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="qa-api")
    most = threads + max(0, waiting)
    in_flight = 0  # changed only on the event loop's thread

    def answer(req: AskRequest) -> dict:
        result = with_language_notice(assistant.ask(req.question, req.history, doc=req.doc))
        if feedback is not None:
            try:
                feedback.question(
                    result.question, [p.id for p in result.passages], result.abstained, req.doc
                )
            except QAError as exc:  # a full disk must not cost the student the answer
                log.warning("%s", exc)
        return result.to_json()

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            raise ApiError(
                413,
                "too_large",
                f"the body is over {MAX_BODY_BYTES:,} bytes; send one question and its conversation's earlier questions.",
            )
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise ApiError(
                    413,
                    "too_large",
                    f"the body is over {MAX_BODY_BYTES:,} bytes; send one question and its conversation's earlier questions.",
                )
            chunks.append(chunk)
        return b"".join(chunks)

    async def ask(request: Request):
        nonlocal in_flight
        try:
            if request.method != "POST":
                raise ApiError(
                    405,
                    "method_not_allowed",
                    f'{API_PATH} answers POST requests with a JSON body such as {{"question": "What does USFK stand for?"}}.',
                )
            origin = request.headers.get("origin")
            if (
                allowed_origins
                and origin
                and origin.rstrip("/").lower() not in allowed_origins
                and not _same_origin(origin, request.headers.get("host"))
            ):
                raise ApiError(
                    403,
                    "origin_not_allowed",
                    f"{origin} is not among the sites allowed to call this API; the app's administrator can add it to --allowed-origins.",
                )
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json":
                raise ApiError(
                    415,
                    "unsupported_media_type",
                    "send the request as JSON with the header Content-Type: application/json.",
                )
            req = parse_ask(
                await read_body(request), assistant.index.readings
            )  # the live index: readings change
            if (
                in_flight >= most
            ):  # before the rate limit: a refused question does not count against the student
                raise ApiError(
                    503,
                    "busy",
                    "the assistant is answering as many questions as it can; ask again in a second.",
                    retry_after=1,
                )
            if limiter is not None:
                host = request.client.host if request.client else None
                wait = limiter.hit(
                    client_key(request.headers, request.query_params, host, user_secret)
                )
                if wait is not None:
                    raise ApiError(
                        429,
                        "rate_limited",
                        LIMIT_MESSAGE.format(wait=retry_text(wait)),
                        retry_after=wait,
                    )
            in_flight += 1
            try:
                result = await asyncio.get_running_loop().run_in_executor(pool, answer, req)
            except (
                QAError
            ) as exc:  # the model or the index cannot be used: nothing the client can fix
                log.error("the answer failed: %s", exc)
                raise ApiError(
                    503,
                    "unavailable",
                    f"the assistant cannot answer right now ({exc}).",
                    retry_after=30,
                ) from None
            except Exception:
                log.exception("the answer failed")
                raise ApiError(
                    500,
                    "internal_error",
                    "the assistant failed to answer this question; the server's log has the details.",
                ) from None
            finally:
                in_flight -= 1
        except ApiError as exc:
            headers = exc.headers() | ({"Allow": "POST"} if exc.status == 405 else {})
            return JSONResponse(exc.body(), status_code=exc.status, headers=headers)
        except ClientDisconnect:
            return JSONResponse(
                {"error": "bad_request", "message": "the request was not received whole."},
                status_code=400,
                headers=_NO_STORE,
            )
        return JSONResponse(result, headers=_NO_STORE)

    # Every method reaches `ask`, so that a wrong one gets a JSON 405 too (CORS preflights never do).
    app.router.add_route(
        API_PATH,
        ask,
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        name="api_ask",
    )
