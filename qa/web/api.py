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
          400 bad input, 403 a site not allowed, 405 not a POST, 413 a body over 64 kB,
          415 not JSON, 429 over the rate limit (with `Retry-After`), 503 busy or unable to
          answer (with `Retry-After`), 500 an unexpected failure;
          each as {"error": CODE, "message": TEXT}.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from ..answering.answer import EMPTY_QUESTION
from ..answering.service import (
    AskRequest,
    AskService,
    FeedbackSink,
    IndexedAnswerer,
    Limiter,
    RateLimited,
)
from ..errors import QAError
from .ratelimit import client_key

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
# Requests queued for a thread before the API answers 503 (a fraction of a second of work).
MAX_WAITING = 128
FIELDS = ("question", "history", "doc")
_NO_STORE = {"Cache-Control": "no-store"}
_EXAMPLE = '{"question": "What does USFK stand for?"}'


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

    Example: b'{"question": "Who is Brunson?", "history": []}'
        -> AskRequest("Who is Brunson?", (), None)
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # Recursion: nested too deep
        raise _bad(
            f"the body is not valid JSON ({exc}); send an object such as {_EXAMPLE}."
        ) from None
    if not isinstance(data, dict):
        raise _bad(f"the body is a JSON {type(data).__name__}; send an object such as {_EXAMPLE}.")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise _bad(f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}.")
    question = data.get("question")
    if not isinstance(question, str):
        raise _bad("`question` is required and must be a string.")
    if not question.strip():
        raise _bad(EMPTY_QUESTION)
    history = data.get("history")
    if history is None:
        history = []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise _bad(
            "`history` must be a list of the conversation's earlier questions (strings), "
            "oldest first."
        )
    doc = data.get("doc")
    if doc is not None and (not isinstance(doc, str) or doc not in docs):
        known = sorted(docs)
        shown = ", ".join(known[:10]) + (" …" if len(known) > 10 else "")
        raise _bad(
            f"`doc` {doc!r} is not a reading of this index; leave it out to search every "
            f"reading, or use one of: {shown}."
        )
    return AskRequest(question, tuple(history), doc)


def _bad(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def _same_origin(origin: str, host: str | None) -> bool:
    return bool(host) and urlsplit(origin).netloc.lower() == host.lower()


def _check_headers(request, allowed_origins: tuple[str, ...]) -> None:
    """Refuse a wrong method, another site's browser, or a body that is not JSON (`ApiError`)."""
    if request.method != "POST":
        raise ApiError(
            405,
            "method_not_allowed",
            f"{API_PATH} answers POST requests with a JSON body such as {_EXAMPLE}.",
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
            f"{origin} is not among the sites allowed to call this API; "
            "the app's administrator can add it to --allowed-origins.",
        )
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ApiError(
            415,
            "unsupported_media_type",
            "send the request as JSON with the header Content-Type: application/json.",
        )


async def _read_body(request) -> bytes:
    """The body, refused (413) past `MAX_BODY_BYTES` whatever its declared length says."""
    too_large = ApiError(
        413,
        "too_large",
        f"the body is over {MAX_BODY_BYTES:,} bytes; "
        "send one question and its conversation's earlier questions.",
    )
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


class _AskRoute:
    """The endpoint: checks, the busy and rate limits, then the answer on a thread of the pool."""

    def __init__(
        self,
        service: AskService,
        assistant: IndexedAnswerer,
        allowed_origins: tuple[str, ...],
        threads: int,
        waiting: int,
        user_secret: str | None,
    ):
        self.service, self.assistant = service, assistant
        self.allowed_origins, self.user_secret = allowed_origins, user_secret
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="qa-api")
        self.most = threads + max(0, waiting)
        self.in_flight = 0  # changed only on the event loop's thread

    async def handle(self, request):
        """One request, one JSON reply (an answer, or an error with its HTTP status)."""
        from starlette.requests import ClientDisconnect
        from starlette.responses import JSONResponse

        try:
            result = await self._answer(request)
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

    async def _answer(self, request) -> dict:
        _check_headers(request, self.allowed_origins)
        # the live index: readings change
        req = parse_ask(await _read_body(request), self.assistant.index.readings)
        if self.in_flight >= self.most:  # before the rate limit: a refused question does not count
            raise ApiError(
                503,
                "busy",
                "the assistant is answering as many questions as it can; ask again in a second.",
                retry_after=1,
            )
        host = request.client.host if request.client else None
        try:
            self.service.admit(
                client_key(request.headers, request.query_params, host, self.user_secret)
            )
        except RateLimited as exc:
            raise ApiError(429, "rate_limited", exc.message, retry_after=exc.wait) from None
        self.in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, self._json, req)
        except QAError as exc:  # the model or the index cannot be used: nothing the client can fix
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
            self.in_flight -= 1

    def _json(self, req: AskRequest) -> dict:
        return self.service.answer(req).to_json()  # admitted already, on the event loop


def add_api(
    app,
    assistant: IndexedAnswerer,
    *,
    allowed_origins: tuple[str, ...] = (),
    limiter: Limiter | None = None,
    feedback: FeedbackSink | None = None,
    concurrency: int = 8,
    waiting: int = MAX_WAITING,
    user_secret: str | None = None,
) -> None:
    """Add `POST /api/ask` to a FastAPI/Starlette app (before Gradio is mounted at `/`).

    Args:
        app: the app to add the route to.
        assistant: the `Assistant` (or any `IndexedAnswerer`) that answers.
        allowed_origins: sites whose browsers may call the API; empty for any site.
        limiter: the `RateLimiter` shared with the chat, or None for no limit.
        feedback: the `FeedbackLog` that records each question, or None.
        concurrency: questions answered at the same time, at most one per CPU core: an answer is
            CPU work, and more threads than cores only take turns, which lengthens every answer.
        waiting: requests allowed to wait for a thread beyond those; more get 503.
        user_secret: the course platform's key; a correctly signed `X-QA-User` id is then the
            rate-limit key instead of the client's address.
    """
    service = AskService(assistant, limiter=limiter, feedback=feedback)
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    route = _AskRoute(service, assistant, allowed_origins, threads, waiting, user_secret)
    # Every method reaches the route, so that a wrong one gets a JSON 405 too (CORS preflights
    # never do). A bound method, so that Starlette calls it with the request, not as an ASGI app.
    app.router.add_route(
        API_PATH,
        route.handle,
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        name="api_ask",
    )
