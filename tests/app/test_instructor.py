"""The instructor area over HTTP: the door (404 without a password, 401 without a session or the
bearer password on every route, the Gradio routes of the area included), login and logout with the
cookie's attributes, brute force slowed, cross-site changes refused, and the readings API: an
uploaded PDF answered from with its page and gone after DELETE, bad uploads refused with the
corpus and the index as they were.

The served apps use an index of a copy of the bundled corpus built with the fake embedder (the
plumbing, not the model, is under test here); they listen on 127.0.0.1 only.
"""

from __future__ import annotations

import itertools
import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from qa.answering.assistant import Assistant
from qa.web.app import WebSettings, create_app
from qa.web.clients import parse_networks
from qa.web.instructor import MAX_FAILED_LOGINS
from tests.support.fakes import fake_assistant_over
from tests.support.paths import CORPUS
from tests.support.pdf_helpers import make_pdf
from tests.support.web_helpers import serve_app

PASSWORD = "correct horse battery"
BEARER = {"Authorization": f"Bearer {PASSWORD}"}
PDF_LINES = [
    [
        "Glacier retreat in the Andes",
        "The Quelccaya ice cap has lost a fifth of its area since 1978.",
    ],
    [
        "Meltwater and farming",
        "Farmers of the Vilcanota valley depend on meltwater from Quelccaya in the dry season.",
    ],
]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)
_ADDRESSES = itertools.count()


def call(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None):
    """(status, headers, body bytes) of one request; redirects are not followed."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=120) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def multipart(name: str, content: bytes, field: str = "file") -> tuple[bytes, dict]:
    boundary = "qa-instructor-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def make_assistant(root: Path) -> Assistant:
    shutil.copytree(CORPUS, root / "corpus")
    return fake_assistant_over(root / "corpus", root / "index")


@pytest.fixture(scope="module")
def area(tmp_path_factory):
    """(base URL, assistant, corpus folder) of an app with the instructor area."""
    root = tmp_path_factory.mktemp("area")
    assistant = make_assistant(root)
    settings = WebSettings(
        instructor_password=PASSWORD, feedback_log=root / "feedback.jsonl", rate_limit=0
    )
    with serve_app(create_app(assistant, settings)) as url:
        yield url, assistant, root / "corpus"


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """An app behind a trusted proxy (127.0.0.1): X-Forwarded-For names the client."""
    root = tmp_path_factory.mktemp("proxied")
    settings = WebSettings(
        instructor_password=PASSWORD, rate_limit=0, trusted_proxies=parse_networks("127.0.0.1")
    )
    with serve_app(create_app(make_assistant(root), settings)) as url:
        yield url


def login(url: str, password: str = PASSWORD, headers: dict | None = None):
    data = urllib.parse.urlencode({"password": password}).encode()
    return call(
        url + "/instructor/login",
        "POST",
        data,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": url.split("/instructor")[0],
            **(headers or {}),
        },
    )


def session(url: str) -> dict:
    status, headers, _ = login(url)
    assert status == 303, status
    cookie = headers["set-cookie"].split(";")[0]
    return {"Cookie": cookie, "Origin": url}


def snapshot(corpus: Path, assistant) -> tuple:
    return (
        sorted((p.name, p.read_bytes()) for p in corpus.iterdir() if p.is_file()),
        assistant.index.manifest.build,
    )


# ---------------------------------------------------------------------------- without a password


AREA_ROUTES = [
    ("GET", "/instructor"),
    ("GET", "/instructor/"),
    ("GET", "/instructor/login"),
    ("POST", "/instructor/login"),
    ("GET", "/instructor/logout"),
    ("GET", "/instructor/config"),
    ("GET", "/instructor/gradio_api/info"),
    ("POST", "/instructor/gradio_api/queue/join"),
    ("GET", "/instructor/gradio_api/queue/data?session_hash=x"),
    ("POST", "/instructor/gradio_api/upload"),
    ("GET", "/instructor/gradio_api/upload_progress?upload_id=x"),
    ("POST", "/instructor/gradio_api/run/predict"),
    ("GET", "/instructor/theme.css"),
    ("GET", "/instructor/gradio_api/file=/etc/passwd"),
    ("GET", "/instructor/api/readings"),
    ("POST", "/instructor/api/readings"),
    ("DELETE", "/instructor/api/readings/south-korea-us-alliance"),
    ("GET", "/instructor/api/feedback"),
    ("GET", "/instructor/anything/else"),
]


def test_without_a_password_there_is_no_area_no_evaluate_tab_and_no_upload(tmp_path):
    assistant = make_assistant(tmp_path)
    with serve_app(create_app(assistant, WebSettings(rate_limit=0))) as url:
        for method, path in AREA_ROUTES:
            status, _, body = call(url + path, method, b"" if method != "GET" else None, BEARER)
            assert status == 404, (method, path, status, body[:200])
        status, _, body = call(url + "/config")
        tabs = [
            c["props"]["label"]
            for c in json.loads(body)["components"]
            if c.get("type") == "tabitem"
        ]
        assert tabs == ["Chat", "Reading"]
        for base in ("", "/widget"):
            upload, head = multipart("questions.jsonl", b'{"question": "x"}\n', field="files")
            status, _, _ = call(url + base + "/gradio_api/upload", "POST", upload, head)
            assert status == 404, base
        status, _, _ = call(url + "/", "GET")
        assert status == 200  # the students' chat is served as before


# ---------------------------------------------------------------------------- the door


@pytest.mark.parametrize(
    ("method", "path"), [r for r in AREA_ROUTES if not r[1].startswith("/instructor/log")]
)
@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"Authorization": "Bearer not the password"},
        {"Authorization": f"Basic {PASSWORD}"},
        {"Cookie": "qa_instructor=forged-session-token"},
    ],
)
def test_every_area_route_refuses_a_request_without_a_session_or_the_password(
    proxied, method, path, credentials
):
    # Each request from its own address, so that the wrong passwords never add up to the login
    # limit.
    client = {"X-Forwarded-For": f"198.18.{next(_ADDRESSES) // 250}.{next(_ADDRESSES) % 250 + 1}"}
    status, headers, body = call(
        proxied + path, method, b"" if method != "GET" else None, {**credentials, **client}
    )
    if (
        method == "GET"
        and path in ("/instructor", "/instructor/")
        and not credentials.get("Authorization")
    ):
        assert status in (303, 307) and "/instructor" in headers["location"]
        if path == "/instructor/":
            assert headers["location"].endswith("/instructor/login")
    else:
        assert status == 401, (status, body[:200])
        assert json.loads(body)["error"] == "unauthorized"


def test_login_sets_a_strict_http_only_cookie_and_logout_ends_the_session(area):
    url = area[0]
    status, _, body = login(url, "wrong password")
    assert status == 401 and b"Wrong password." in body
    status, headers, _ = login(url)
    assert status == 303 and headers["location"] == "/instructor/"
    cookie = headers["set-cookie"]
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert {
        "httponly",
        "path",
        "samesite",
    } <= attributes and "secure" not in attributes  # plain http here
    assert "samesite=strict" in cookie.lower() and "path=/instructor" in cookie.lower()
    jar = {"Cookie": cookie.split(";")[0]}
    status, _, body = call(url + "/instructor/", headers=jar)
    assert status == 200 and b"gradio" in body.lower()
    status, _, body = call(url + "/instructor/config", headers=jar)
    tabs = [
        c["props"]["label"] for c in json.loads(body)["components"] if c.get("type") == "tabitem"
    ]
    assert tabs == ["Readings", "Feedback", "Evaluate", "Calibrate"]
    status, headers, _ = call(url + "/instructor/logout", headers=jar)
    assert status == 303 and "max-age=0" in headers["set-cookie"].lower()
    assert call(url + "/instructor/config", headers=jar)[0] == 401


def test_the_cookie_is_secure_behind_an_https_proxy(proxied):
    status, headers, _ = login(
        proxied, headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    )
    assert status == 303 and "secure" in headers["set-cookie"].lower()


def test_brute_force_is_slowed_per_client(proxied):
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    for n in range(MAX_FAILED_LOGINS):
        assert login(proxied, f"guess number {n}", attacker)[0] == 401
    status, headers, body = login(proxied, PASSWORD, attacker)  # even the right password waits now
    assert (
        status == 429 and int(headers["retry-after"]) >= 1 and b"Too many wrong passwords" in body
    )
    wrong_bearer = {**attacker, "Authorization": "Bearer still guessing"}
    assert call(proxied + "/instructor/api/readings", headers=wrong_bearer)[0] == 429
    # Another client is not locked out, and a spoofed address from an untrusted peer is not
    # believed.
    assert login(proxied, PASSWORD, {"X-Forwarded-For": "203.0.113.67"})[0] == 303


def test_bearer_guesses_count_as_failed_logins(proxied):
    guesser = {"X-Forwarded-For": "203.0.113.90"}
    for n in range(MAX_FAILED_LOGINS):
        assert (
            call(
                proxied + "/instructor/api/feedback",
                headers={**guesser, "Authorization": f"Bearer {n}"},
            )[0]
            == 401
        )
    assert call(proxied + "/instructor/api/feedback", headers={**guesser, **BEARER})[0] == 429


@pytest.mark.parametrize(
    "origin",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {},
        {"Referer": "https://evil.example/page"},
    ],
)
def test_a_cross_site_change_with_the_cookie_is_refused(area, origin):
    url, assistant, corpus = area
    jar = {"Cookie": session(url)["Cookie"], **origin}
    before = snapshot(corpus, assistant)
    body, head = multipart("notes.md", b"# Notes\n\nA paragraph that must never be added.\n")
    status, _, text = call(url + "/instructor/api/readings", "POST", body, {**jar, **head})
    assert status == 403 and json.loads(text)["error"] == "cross_origin"
    status, _, _ = call(
        url + "/instructor/api/readings/south-korea-us-alliance", "DELETE", None, jar
    )
    assert status == 403
    status, _, _ = call(
        url + "/instructor/gradio_api/queue/join",
        "POST",
        b"{}",
        {**jar, "Content-Type": "application/json"},
    )
    assert status == 403
    assert snapshot(corpus, assistant) == before
    assert call(url + "/instructor/api/readings", headers=jar)[0] == 200  # reading is fine


# ---------------------------------------------------------------------------- readings


def ask(url: str, question: str) -> dict:
    status, _, body = call(
        url + "/api/ask",
        "POST",
        json.dumps({"question": question}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200, body[:300]
    return json.loads(body)


def test_an_uploaded_pdf_is_answered_from_with_its_page_then_gone_after_delete(area):
    url, assistant, corpus = area
    jar = session(url)
    body, head = multipart("andes.pdf", make_pdf(PDF_LINES, title="Glaciers of the Andes"))
    status, _, text = call(url + "/instructor/api/readings", "POST", body, {**jar, **head})
    assert status == 201, text
    added = json.loads(text)
    assert added["added"] and added["pages"] == 2 and added["chunks"] >= 1
    doc = added["doc"]
    listed = json.loads(call(url + "/instructor/api/readings", headers=BEARER)[2])["readings"]
    row = next(r for r in listed if r["doc"] == doc)
    assert row == {
        **row,
        "title": "Glaciers of the Andes",
        "file": f"{doc}.md",
        "pages": 2,
        "status": "indexed",
    }
    answer = ask(url, "Who depends on meltwater from Quelccaya in the dry season?")
    cited = [p for p in answer["passages"] if p["doc"] == doc]
    assert cited and cited[0]["page"] == 2, answer["passages"]
    status, _, text = call(url + "/instructor/api/readings/" + doc, "DELETE", None, BEARER)
    assert status == 200 and json.loads(text)["removed"]
    assert not (corpus / f"{doc}.md").exists() and doc not in assistant.index.readings
    answer = ask(url, "Who depends on meltwater from Quelccaya in the dry season?")
    assert all(p["doc"] != doc for p in answer["passages"])
    assert call(url + f"/reading/{doc}")[0] == 404
    status, _, text = call(url + "/instructor/api/readings/" + doc, "DELETE", None, BEARER)
    assert status == 404 and json.loads(text)["error"] == "not_found"


BAD_UPLOADS = {
    "pdf without text": ("scan.pdf", make_pdf([None, None]), 400, "no extractable text"),
    "a path in the name": ("../../evil.md", b"# Evil\n\nText.\n", 400, "plain file name"),
    "a hidden name": (".bashrc.md", b"# Hidden\n\nText.\n", 400, "plain file name"),
    "an executable": ("run.exe", b"MZ\x90\x00", 400, "unsupported file type"),
    "an empty file": ("empty.md", b"", 400, "empty"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_a_bad_upload_is_refused_with_a_clear_message_and_nothing_changes(area, case):
    url, assistant, corpus = area
    name, content, status_wanted, message = BAD_UPLOADS[case]
    before = snapshot(corpus, assistant)
    body, head = multipart(name, content)
    status, _, text = call(url + "/instructor/api/readings", "POST", body, {**BEARER, **head})
    assert status == status_wanted, text
    error = json.loads(text)
    assert error["error"] == "bad_reading" and message in error["message"]
    assert "qa-upload-" not in error["message"]  # the server's temporary folder is not shown
    assert snapshot(corpus, assistant) == before
    assert (
        not (corpus.parent / "evil.md").exists() and not (corpus.parent.parent / "evil.md").exists()
    )


def test_a_60_mb_upload_is_refused_before_it_is_imported(area):
    url, assistant, corpus = area
    before = snapshot(corpus, assistant)
    body, head = multipart("huge.pdf", b"%PDF-1.4\n" + b"0" * 60_000_000)
    status, _, text = call(url + "/instructor/api/readings", "POST", body, {**BEARER, **head})
    error = json.loads(text)
    assert status == 413 and error["error"] == "too_large" and "50 MB" in error["message"]
    assert snapshot(corpus, assistant) == before


def test_an_html_page_with_scripts_is_added_without_them(area):
    url, assistant, corpus = area
    page = (
        b"<html><head><title>Salt marshes</title><script>window.__pwned = 1; "
        b"alert('x')</script></head>"
        b"<body><article><h1>Salt marshes</h1><p>Salt marshes store carbon in their peat for "
        b"centuries, "
        b"which makes them worth protecting from "
        b"drainage.</p><script>document.write('injected')</script>"
        b"<p onclick=\"alert('y')\">Cordgrass traps the sediment that builds the marsh "
        b"up.</p></article></body></html>"
    )
    body, head = multipart("marsh.html", page)
    status, _, text = call(url + "/instructor/api/readings", "POST", body, {**BEARER, **head})
    assert status == 201, text
    doc = json.loads(text)["doc"]
    stored = (corpus / f"{doc}.md").read_text(encoding="utf-8")
    assert "Cordgrass traps the sediment" in stored
    assert not any(bad in stored for bad in ("__pwned", "alert(", "injected", "<script", "onclick"))
    status, _, served = call(url + f"/reading/{doc}")
    assert (
        status == 200
        and b"Cordgrass" in served
        and b"__pwned" not in served
        and b"alert(" not in served
    )
    assert call(url + "/instructor/api/readings/" + doc, "DELETE", None, BEARER)[0] == 200


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (
            b'{"url": "ftp://example.edu/x.pdf"}',
            {"Content-Type": "application/json"},
            400,
            "bad_request",
        ),
        (b'{"url": 3}', {"Content-Type": "application/json"}, 400, "bad_request"),
        (b"[not json", {"Content-Type": "application/json"}, 400, "bad_request"),
        (b"text", {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
    ],
)
def test_bad_requests_get_json_errors(area, body, headers, status, code):
    got, _, text = call(area[0] + "/instructor/api/readings", "POST", body, {**BEARER, **headers})
    assert got == status and json.loads(text)["error"] == code


def test_the_feedback_api_summarises_the_log(area):
    url = area[0]
    ask(url, "What is the capital of Australia and its population?")
    ask(url, "Who is Xavier Brunson?")
    status, _, text = call(url + "/instructor/api/feedback", headers=BEARER)
    report = json.loads(text)
    assert status == 200 and report["questions"] >= 2 and report["per_day"]
    assert sum(d["questions"] for d in report["per_day"]) == report["questions"]
    assert {"most_refused", "most_down_voted", "share_refused"} <= set(report)


# ---------------------------------------------------------------------------- app.py's switches
