"""The JSON API `POST /api/ask` (qa/api.py): the answer, bad input, origins, the rate limit, busy
and failing servers.

Two layers: the route alone on a bare Starlette app over an index built with the fake embedder
(fast), and the whole served app (`qa.web.app.create_app`) with the real model: the same answers as
`Assistant.ask`, CORS for allowed and other sites, the limit shared with the chat, and answers
under concurrency equal to those given one by one. Servers listen on 127.0.0.1 only.

"""

from __future__ import annotations

import json
import shutil
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from qa.errors import ModelError
from qa.web.api import API_PATH, MAX_BODY_BYTES, add_api
from qa.web.clients import sign_user
from qa.web.ratelimit import USER_HEADER, RateLimiter
from tests.support.fakes import fake_assistant_over
from tests.support.paths import CORPUS, QUESTIONS
from tests.support.web_helpers import serve_app

LMS = "https://lms.example.edu"
OTHER = "https://evil.example"
SECRET = "api-tests-secret"


def signed(user: str) -> str:
    """A student id signed as a course platform signs it (the app ignores unsigned ones)."""
    return sign_user(user, SECRET)


def post(
    url: str, body, headers: dict | None = None, raw: bytes | None = None, method: str = "POST"
):
    """(status, lower-cased headers, parsed JSON body) of one request to the API."""
    data = raw if raw is not None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(
        url + API_PATH,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, head, text = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        status, head, text = exc.code, exc.headers, exc.read()
    return status, {k.lower(): v for k, v in head.items()}, json.loads(text)


# ------------------------------------------------------------------ the request body


# ------------------------------------------------------------------ the route alone, fake embedder


@pytest.fixture(scope="module")
def fake_assistant(tmp_path_factory):
    corpus, folder = tmp_path_factory.mktemp("corpus"), tmp_path_factory.mktemp("index")
    shutil.copy(CORPUS / "south-korea-us-alliance.md", corpus)
    return fake_assistant_over(corpus, folder)


class Stand:
    """An assistant stand-in over a real index: answers like `inner`, or blocks, or fails, on
    demand."""

    def __init__(self, inner):
        self.inner, self.index = inner, inner.index
        self.release = threading.Event()
        self.entered = threading.Event()
        self.mode = "answer"

    def ask(self, question, history=(), k=5, doc=None):
        if self.mode == "block":
            self.entered.set()
            assert self.release.wait(60)
        elif self.mode == "model":
            raise ModelError("model file missing; reinstall the model with `make install`")
        elif self.mode == "crash":
            raise RuntimeError("an unexpected failure")
        return self.inner.ask(question, history, k=k, doc=doc)


@pytest.fixture(scope="module")
def bare(fake_assistant):
    """The route on a bare Starlette app: allowed origin LMS, 3 questions a minute, one thread,
    nobody waiting."""
    from starlette.applications import Starlette

    stand = Stand(fake_assistant)
    app = Starlette()
    add_api(
        app,
        stand,
        allowed_origins=(LMS,),
        limiter=RateLimiter(3),
        concurrency=1,
        waiting=0,
        user_secret=SECRET,
    )
    with serve_app(app) as url:
        yield url, stand


def test_the_answer_is_the_json_answer(bare, fake_assistant):
    url, _ = bare
    status, headers, body = post(
        url, {"question": "Who is Xavier T. Brunson?"}, {USER_HEADER: signed("happy")}
    )
    assert (
        status == 200
        and headers["content-type"] == "application/json"
        and headers["cache-control"] == "no-store"
    )
    assert body == json.loads(json.dumps(fake_assistant.ask("Who is Xavier T. Brunson?").to_json()))


@pytest.mark.parametrize(
    "raw, content_type, status, code",
    [
        (b'{"question": ""}', "application/json", 400, "bad_request"),
        (b"not json", "application/json", 400, "bad_request"),
        (b"[" * 30_000 + b"]" * 30_000, "application/json", 400, "bad_request"),
        (b'{"question": "Who is Brunson?"}', "text/plain", 415, "unsupported_media_type"),
        (b'{"question": "Who is Brunson?"}', "", 415, "unsupported_media_type"),
        (b'{"question": "' + b"x" * MAX_BODY_BYTES + b'"}', "application/json", 413, "too_large"),
    ],
)
def test_bad_requests_get_json_errors_and_cost_no_question(bare, raw, content_type, status, code):
    url, _ = bare
    user = {USER_HEADER: signed(f"bad-{status}-{len(raw)}-{content_type}")}
    for _ in range(4):  # more than the limit of 3: refused requests are not counted
        got, headers, body = post(url, None, {"Content-Type": content_type, **user}, raw=raw)
        assert (got, body["error"]) == (status, code) and body["message"]
    assert post(url, {"question": "Who is Brunson?"}, user)[0] == 200


def test_a_long_question_is_cut_with_a_notice_as_in_the_chat(bare):
    from qa.answering.retrieve import MAX_QUESTION_CHARS

    url, _ = bare
    question = "Who is Xavier T. Brunson? " * (MAX_QUESTION_CHARS // 20)
    status, _, body = post(url, {"question": question}, {USER_HEADER: signed("long")})
    assert status == 200 and len(body["question"]) <= MAX_QUESTION_CHARS < len(question)
    assert f"longer than {MAX_QUESTION_CHARS} characters" in body["notice"]


def test_a_body_streamed_without_length_is_cut_at_the_limit(bare):
    import http.client
    from urllib.parse import urlsplit

    url, _ = bare
    conn = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
    body = (b'{"question": "' + b"y" * (MAX_BODY_BYTES + 10) + b'"}' for _ in range(1))
    conn.request(
        "POST",
        API_PATH,
        body=body,
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    resp = conn.getresponse()
    assert resp.status == 413 and json.loads(resp.read())["error"] == "too_large"
    conn.close()


def test_rate_limit_429_with_retry_after_per_student(bare):
    url, _ = bare
    for _ in range(3):
        assert (
            post(url, {"question": "Who is Brunson?"}, {USER_HEADER: signed("busy-student")})[0]
            == 200
        )
    status, headers, body = post(
        url, {"question": "Who is Brunson?"}, {USER_HEADER: signed("busy-student")}
    )
    assert status == 429 and body["error"] == "rate_limited" and "Please wait" in body["message"]
    assert 1 <= int(headers["retry-after"]) <= 60 and 0 < body["retry_after"] <= 60
    assert (
        post(url, {"question": "Who is Brunson?"}, {USER_HEADER: signed("calm-student")})[0] == 200
    )


@pytest.mark.parametrize(
    "origin, status",
    [(None, 200), (LMS, 200), (LMS + "/", 200), (OTHER, 403), ("null", 403), ("same", 200)],
)
def test_only_allowed_sites_and_the_app_itself_may_ask_from_a_browser(bare, origin, status):
    url, _ = bare
    headers = {USER_HEADER: signed(f"origin-{origin}")}
    if origin:
        headers["Origin"] = url if origin == "same" else origin
    got, _, body = post(url, {"question": "Who is Brunson?"}, headers)
    assert got == status, body
    if status == 403:
        assert body["error"] == "origin_not_allowed" and origin in body["message"]


def test_busy_server_503_with_retry_after_then_answers_again(bare):
    url, stand = bare
    stand.mode = "block"
    stand.entered.clear()
    stand.release.clear()
    try:
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(
                post, url, {"question": "Who is Brunson?"}, {USER_HEADER: signed("first-in")}
            )
            assert stand.entered.wait(30)
            status, headers, body = post(
                url, {"question": "Who is Brunson?"}, {USER_HEADER: signed("second-in")}
            )
            assert (status, body["error"], headers["retry-after"]) == (503, "busy", "1")
            stand.release.set()
            assert first.result(timeout=60)[0] == 200
    finally:
        stand.mode = "answer"
        stand.release.set()
    for _ in range(3):  # the 503 did not count against the student
        assert (
            post(url, {"question": "Who is Brunson?"}, {USER_HEADER: signed("second-in")})[0] == 200
        )


@pytest.mark.parametrize(
    "mode, status, code", [("model", 503, "unavailable"), ("crash", 500, "internal_error")]
)
def test_failures_while_answering_are_json_errors(bare, mode, status, code):
    url, stand = bare
    stand.mode = mode
    try:
        got, headers, body = post(
            url, {"question": "Who is Brunson?"}, {USER_HEADER: signed(f"failing-{mode}")}
        )
    finally:
        stand.mode = "answer"
    assert (got, body["error"]) == (status, code)
    assert "Traceback" not in body["message"] and "unexpected failure" not in body["message"]
    assert ("retry-after" in headers) == (status == 503)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_get_a_json_405(bare, method):
    url, _ = bare
    status, headers, body = post(url, None, raw=b"", method=method)
    assert (status, body["error"], headers["allow"]) == (405, "method_not_allowed", "POST")


# ------------------------------------------------------------------ the whole app, real model


@pytest.fixture(scope="module")
def served(assistant, tmp_path_factory):
    from qa.web.app import WebSettings, create_app

    feedback = tmp_path_factory.mktemp("api-feedback") / "feedback.jsonl"
    app = create_app(
        assistant,
        WebSettings(
            allowed_origins=(LMS,), rate_limit=30, feedback_log=feedback, user_secret=SECRET
        ),
    )
    with serve_app(app) as url:
        yield url, feedback, app


def test_app_answers_like_the_assistant_and_logs_the_question(served, assistant):
    url, feedback, _ = served
    history = ["What did Rumsfeld seek for U.S. forces on the peninsula?"]
    cases = [
        ("What does USFK stand for?", [], None),
        ("Why did he want it?", history, None),
        ("Who is Xavier T. Brunson?", [], "south-korea-us-alliance"),
    ]
    for question, hist, doc in cases:
        status, _, body = post(
            url,
            {"question": question, "history": hist, "doc": doc},
            {USER_HEADER: signed("app-happy")},
        )
        assert status == 200
        assert body == json.loads(json.dumps(assistant.ask(question, hist, doc=doc).to_json()))
    logged = [json.loads(line) for line in feedback.read_text(encoding="utf-8").splitlines()]
    assert any(
        r["kind"] == "question"
        and r["question"] == "Who is Xavier T. Brunson?"
        and r.get("doc") == "south-korea-us-alliance"
        for r in logged
    )


def test_app_cors_for_an_allowed_and_another_site(served):
    url, _, _ = served
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": f"content-type, {USER_HEADER}",
    }
    for origin, allowed in ((LMS, True), (OTHER, False)):
        req = urllib.request.Request(
            url + API_PATH, method="OPTIONS", headers={"Origin": origin, **preflight}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, headers = resp.status, {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as exc:
            status, headers = exc.code, {k.lower(): v for k, v in exc.headers.items()}
        assert (status == 200) == allowed and (
            headers.get("access-control-allow-origin") == origin
        ) == allowed
        status, headers, body = post(
            url,
            {"question": "Who is Xavier T. Brunson?"},
            {"Origin": origin, USER_HEADER: signed("cors")},
        )
        assert (status, headers.get("access-control-allow-origin")) == (
            (200, LMS) if allowed else (403, None)
        )
        assert headers["x-content-type-options"] == "nosniff"


def test_app_rate_limit_is_shared_with_the_gradio_api(served):
    from gradio_client import Client

    url, _, _ = served
    student = {USER_HEADER: signed("both-ways")}
    gradio = Client(url + "/", verbose=False, headers=student)
    for i in range(30):
        if i % 2:
            assert "passages" in gradio.predict(
                question="Who is Xavier T. Brunson?", api_name="/ask"
            )
        else:
            assert post(url, {"question": "Who is Xavier T. Brunson?"}, student)[0] == 200
    status, headers, body = post(url, {"question": "Who is Xavier T. Brunson?"}, student)
    assert status == 429 and int(headers["retry-after"]) >= 1
    assert (
        gradio.predict(question="Who is Xavier T. Brunson?", api_name="/ask")["error"]
        == "rate_limited"
    )


def test_app_concurrent_answers_equal_the_ones_given_one_by_one(served):
    url, _, _ = served
    rows = [
        json.loads(line)
        for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    asks = [(r["question"], r.get("history") or []) for r in rows][:32]
    alone = [
        post(url, {"question": q, "history": h}, {USER_HEADER: signed(f"alone-{i // 25}")})
        for i, (q, h) in enumerate(asks)
    ]
    assert all(status == 200 for status, _, _ in alone)

    def student(n: int):
        mine = asks[n::16]
        return [
            (
                n + 16 * j,
                post(url, {"question": q, "history": h}, {USER_HEADER: signed(f"student-{n}")}),
            )
            for j, (q, h) in enumerate(mine)
        ]

    with ThreadPoolExecutor(16) as pool:
        together = dict(pair for batch in pool.map(student, range(16)) for pair in batch)
    assert sorted(together) == list(range(len(asks)))
    assert all(together[i][0] == 200 and together[i][2] == alone[i][2] for i in range(len(asks)))


def test_gradio_keeps_a_bounded_number_of_sessions(served):
    """Each call of Gradio's HTTP API opens a session of ~70 kB; the chat and the widget keep
    SESSION_CAPACITY at most."""
    from qa.web.app import SESSION_CAPACITY

    _, _, app = served
    holders = [
        route.app.state_holder
        for route in app.routes
        if hasattr(getattr(route, "app", None), "state_holder")
    ]
    assert len(holders) == 2 and all(h.capacity == SESSION_CAPACITY < 10_000 for h in holders)
