"""Students as HTTP clients of the running app: asyncio + httpx, in a process of their own.

Each simulated student is its own `httpx.AsyncClient` (its own connection and its own user id
header, as a course platform sends), all asking at once from one event loop, the way an LMS
server or many browsers would: the clients' CPU is theirs, not the app's. Two documented
protocols:
  rest    `POST /api/ask` with {"question": ...} -> the JSON answer (qa/api.py);
  gradio  Gradio's HTTP API: `POST /gradio_api/call/ask` with {"data": [question, null]} -> an
          event id, then `GET /gradio_api/call/ask/EVENT_ID`, a server-sent event stream whose
          `complete` event carries [the JSON answer].
Every reply is checked (HTTP status, JSON, the answer's shape, the question echoed back);
anything else is counted as an error with its reason.

    python bench/load_client.py URL --protocol rest --clients 16 --per-client 8 --questions FILE \\
        [--user-header X-QA-User] [--wait]

prints one JSON object: the lone client's latencies, the concurrent ones, errors, wall time and
this process's CPU seconds during the concurrent part.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable

__all__ = ["check_answer", "ask_rest", "ask_gradio", "run_load", "main"]

PROTOCOLS = ("rest", "gradio")
_ANSWER_KEYS = (
    "question",
    "abstained",
    "answer",
    "highlight",
    "confidence",
    "threshold",
    "notice",
    "passages",
)
_PASSAGE_KEYS = ("rank", "id", "text", "doc", "citation", "highlight_start", "highlight_end")


def user_value(user: str) -> str:
    """A student id as the app takes it: signed with `QA_USER_SECRET` when the app has one (as a
    course platform signs it), since the app ignores unsigned ids.

    Example: 'bench-student-3' -> 'bench-student-3.<hex HMAC-SHA256>' with QA_USER_SECRET set
    """
    import hashlib
    import hmac

    secret = os.environ.get("QA_USER_SECRET", "")
    if not secret:
        return user
    return f"{user}.{hmac.new(secret.encode(), user.encode(), hashlib.sha256).hexdigest()}"


def check_answer(answer, question: str) -> None:
    """Raise ValueError unless `answer` is the JSON answer to `question`.

    Example:
        check_answer({"error": "rate_limited", ...}, "Who?")
        -> ValueError("the app answered with an error: rate_limited ...")
    """
    if not isinstance(answer, dict):
        raise ValueError(f"the answer is a JSON {type(answer).__name__}, not an object")
    if answer.get("error"):
        raise ValueError(
            f"the app answered with an error: {answer.get('error')}: "
            f"{str(answer.get('message', ''))[:120]}"
        )
    missing = [k for k in _ANSWER_KEYS if k not in answer]
    if missing:
        raise ValueError(f"the answer lacks {', '.join(missing)}")
    if " ".join(str(answer["question"]).split()) != " ".join(question.split()):
        raise ValueError(f"the answer is to another question: {str(answer['question'])[:80]!r}")
    passages = answer["passages"]
    if not isinstance(passages, list) or (not answer["abstained"] and not passages):
        raise ValueError("an answer without passages")
    for p in passages:
        if not isinstance(p, dict) or any(k not in p for k in _PASSAGE_KEYS):
            raise ValueError("a passage lacks its citation fields")


async def ask_rest(client, question: str) -> dict:
    """One question through `POST /api/ask`; returns the JSON answer (raises on any HTTP error)."""
    reply = await client.post("api/ask", json={"question": question})
    if reply.status_code != 200:
        raise ValueError(f"HTTP {reply.status_code}: {reply.text[:160]}")
    return reply.json()


async def ask_gradio(client, question: str) -> dict:
    """One question through Gradio's HTTP API (call, then read the event stream); returns the JSON
    answer."""
    reply = await client.post("gradio_api/call/ask", json={"data": [question, None]})
    if reply.status_code != 200:
        raise ValueError(f"HTTP {reply.status_code}: {reply.text[:160]}")
    event_id = reply.json()["event_id"]
    event = None
    async with client.stream("GET", f"gradio_api/call/ask/{event_id}") as stream:
        if stream.status_code != 200:
            raise ValueError(f"HTTP {stream.status_code} on the event stream")
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                if event == "error":
                    raise ValueError(f"the app sent an error event: {line[5:].strip()[:160]}")
                data = json.loads(line[5:])
                return data[0] if isinstance(data, list) and data else data
    raise ValueError(f"the event stream ended without a result (last event: {event})")


async def run_load(
    url: str,
    protocol: str,
    questions: list[str],
    clients: int,
    per_client: int,
    user_header: str | None = None,
    timeout: float = 120.0,
    between: Callable[[], None] | None = None,
) -> dict:
    """A lone client's `per_client` round trips, then `clients` clients asking `per_client`
    questions each at once.

    Client c asks questions[c * per_client + i]; the lone client asks the `per_client` after those.
    `between` is called (and may block) after the lone client, before the others start.
    """
    import httpx

    ask = ask_rest if protocol == "rest" else ask_gradio
    base = url.rstrip("/") + "/"
    latencies: list[float] = []
    alone: list[float] = []
    errors: list[str] = []

    def make(user: str):
        headers = {user_header: user_value(user)} if user_header else None
        return httpx.AsyncClient(base_url=base, headers=headers, timeout=timeout)

    async def one(client, question: str, who: str, into: list[float]) -> None:
        started = time.perf_counter()
        try:
            check_answer(await ask(client, question), question)
            into.append(time.perf_counter() - started)
        except Exception as exc:  # every failure mode of a request counts as one error
            errors.append(f"{who}: {type(exc).__name__}: {str(exc)[:200]}")

    n = clients * per_client
    async with make("bench-alone") as lone:
        for i in range(per_client):
            await one(
                lone, questions[(n + i) % len(questions)], f"client alone question {i}", alone
            )

    if between is not None:
        between()
    students = [make(f"bench-student-{c}") for c in range(clients)]
    try:

        async def student(c: int) -> None:
            for i in range(per_client):
                await one(
                    students[c],
                    questions[(c * per_client + i) % len(questions)],
                    f"client {c} question {i}",
                    latencies,
                )

        cpu, started = sum(os.times()[:2]), time.perf_counter()
        await asyncio.gather(*(student(c) for c in range(clients)))
        wall, cpu = time.perf_counter() - started, sum(os.times()[:2]) - cpu
    finally:
        for s in students:
            await s.aclose()
    return {
        "protocol": protocol,
        "alone_s": alone,
        "latencies_s": latencies,
        "errors": errors,
        "wall_s": wall,
        "cpu_s": cpu,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("url", help="the app's address, e.g. http://127.0.0.1:7860/")
    p.add_argument("--protocol", choices=PROTOCOLS, default="rest")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--per-client", type=int, default=8)
    p.add_argument(
        "--questions", required=True, help="a JSON file holding a list of question strings"
    )
    p.add_argument(
        "--user-header", default=None, help="the header naming each student (e.g. X-QA-User)"
    )
    p.add_argument(
        "--wait",
        action="store_true",
        help='after the lone client, print {"ready": true} and wait for a line on stdin '
        "before the load",
    )
    args = p.parse_args(argv)
    with open(args.questions, encoding="utf-8") as f:
        questions = json.load(f)

    def between() -> None:
        print(json.dumps({"ready": True}), flush=True)
        sys.stdin.readline()

    result = asyncio.run(
        run_load(
            args.url,
            args.protocol,
            questions,
            args.clients,
            args.per_client,
            args.user_header,
            between=between if args.wait else None,
        )
    )
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
