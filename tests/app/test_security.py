"""Exposure and hostile input against a served app: bad questions through the API, path traversal
on every route that serves files, index and feedback files, the relay routes.

The app is launched once for the module (uvicorn in a thread, free 127.0.0.1 port) over the
session's real index, with a feedback log and the corpus folder blocked as `app.py` does; every
request stays on this machine. That `app.py` itself binds 127.0.0.1 is checked in test_load.py,
which launches it as a process; bad questions in the browser are in tests/browser/test_security.py.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from qa.answering.answer import EMPTY_QUESTION
from qa.answering.language import ENGLISH_NOTICE
from qa.answering.retrieve import MAX_QUESTION_CHARS
from qa.web.ratelimit import USER_HEADER
from tests.support.paths import ROOT
from tests.support.web_helpers import serve_with_feedback

TROOPS = "How many American troops are stationed in South Korea?"
KOREAN = "주한미군은 몇 명입니까?"


@pytest.fixture(scope="module")
def served(assistant, tmp_path_factory):
    """(base URL, feedback log path) of the app; the log has a record before any test runs."""
    feedback = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    with serve_with_feedback(assistant, feedback, TROOPS) as url:
        yield url, feedback


@pytest.fixture(scope="module")
def app_url(served):
    return served[0]


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url + "/", verbose=False, headers={USER_HEADER: "security-tests"})


def _get(url: str) -> tuple[int, str]:
    """GET a URL exactly as written (no normalisation of '..' or %-escapes); (status, body)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


# -------------------------------------------------------------------- bad questions through the API


def test_empty_blank_and_control_only_questions_get_the_prompt(client):
    for question in ("", "   \n\t ", "\x00\x01\x1b\u200b"):
        result = client.predict(question=question, api_name="/ask")
        assert (
            result["abstained"] is True
            and result["answer"] == EMPTY_QUESTION
            and result["passages"] == []
        ), repr(question)


def test_a_question_that_is_not_a_string_gets_the_prompt(client):
    for value in (None, 42, ["a", "list"]):
        result = client.predict(question=value, history="not a list", api_name="/ask")
        assert result["answer"] == EMPTY_QUESTION, repr(value)


def test_an_overlong_question_is_cut_with_a_notice_and_answered(client, assistant):
    question = TROOPS + " " + "and what else " * 600
    assert len(question) > MAX_QUESTION_CHARS
    result = client.predict(question=question, api_name="/ask")
    assert (
        str(MAX_QUESTION_CHARS) in result["notice"]
        and len(result["question"]) <= MAX_QUESTION_CHARS
    )
    assert result["passages"] and result["question"].startswith(TROOPS)


def test_a_long_history_is_answered(client):
    history = ["What did Rumsfeld seek? " + "word " * 2000] * 40
    result = client.predict(question="Why did he want it?", history=history, api_name="/ask")
    assert "passages" in result and "error" not in result


def test_control_characters_and_nul_bytes_are_stripped(client, assistant):
    dirty = "How many\x00 American\x07 troops are\x1b stationed in South\u200b Korea?\x7f"
    result = client.predict(question=dirty, api_name="/ask")
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in result["question"])
    assert "\x00" not in json.dumps(result, ensure_ascii=False)
    clean = assistant.ask("How many American troops are stationed in South Korea?")
    assert [p["id"] for p in result["passages"]][:3] == [p.id for p in clean.passages][:3]


def test_markup_in_a_question_comes_back_as_plain_text(client):
    question = (
        "What is USFK? <script>alert(1)</script> [x](javascript:alert(2)) <img src=x "
        "onerror=alert(3)>"
    )
    result = client.predict(question=question, api_name="/ask")
    assert result["question"] == question  # data, not markup: the JSON carries the text as typed


@pytest.mark.parametrize(
    "question", [KOREAN, "¿Cuántos soldados estadounidenses hay en Corea del Sur?", "🇰🇷🇺🇸🪖❓"]
)
def test_other_languages_and_emoji_are_answered_with_the_english_note(client, question):
    result = client.predict(question=question, api_name="/ask")
    assert result["notice"] == ENGLISH_NOTICE and "error" not in result


def test_an_english_question_has_no_note(client):
    assert client.predict(question=TROOPS, api_name="/ask")["notice"] is None


# ---------------------------------------------------------------------------- exposure


def _rel(target: Path) -> str:
    return os.path.relpath(target, ROOT)


def _file_routes(target: Path) -> list[str]:
    """Every way of naming `target` on the routes that serve files (absolute, relative, encoded)."""
    absolute, relative = str(target), _rel(target)
    enc_abs, enc_rel = absolute.replace("/", "%2F"), relative.replace("/", "%2F")
    dotted = relative.replace("..", "%2e%2e")
    return [
        f"/gradio_api/file={absolute}",
        f"/gradio_api/file={enc_abs}",
        f"/gradio_api/file={relative}",
        f"/gradio_api/file={enc_rel}",
        f"/gradio_api/file={dotted}",
        f"/gradio_api/file/{absolute.lstrip('/')}",
        f"/gradio_api/file/{relative}",
        f"/widget/gradio_api/file={absolute}",
        f"/widget/gradio_api/file={enc_rel}",
        f"/file={absolute}",
        f"/file={relative}",
        *(
            f"/{route}/{'..%2F' * 12}{enc_abs.lstrip('%2F')}"
            for route in ("static", "assets", "svelte", "widget/static", "widget/assets")
        ),
        *(
            f"/{route}/{'%2e%2e/' * 12}{absolute.lstrip('/')}"
            for route in ("static", "assets", "svelte")
        ),
        f"/reading/{'..%2F' * 8}{enc_abs.lstrip('%2F')}",
        f"/reading/{enc_rel}",
        f"/gradio_api/custom_component/x/client/{'..%2F' * 8}/{enc_abs.lstrip('%2F')}",
    ]


SECRETS = {  # a file outside what the app serves -> a string only that file holds
    "passwd": (Path("/etc/passwd"), "root:"),
    "pyproject": (ROOT / "pyproject.toml", "[project]"),
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_no_route_serves_files_outside_the_app(app_url, name):
    target, marker = SECRETS[name]
    if not target.is_file():
        pytest.skip(f"{target} is not on this machine")
    assert marker in target.read_text(encoding="utf-8", errors="replace")
    served = [
        (route, status)
        for route in _file_routes(target)
        for status, body in [_get(app_url + route)]
        if status == 200 or marker in body
    ]
    assert not served, served


def test_index_feedback_and_corpus_files_are_not_downloadable(served, assistant):
    app_url, feedback = served
    folder = Path(assistant.index.folder)
    files = [
        *folder.glob("manifest.json"),
        *folder.glob("*.faiss"),
        *folder.glob("data-*.json"),
        *folder.glob("calibration.json"),
        feedback,
        Path(str(feedback) + ".lock"),
    ]
    corpus = assistant.index.corpus
    if corpus:
        files += [p for p in Path(corpus).iterdir() if p.is_file()]
    assert any(p.suffix == ".faiss" for p in files) and any(
        p.name.startswith("data-") for p in files
    )
    leaks = []
    for target in files:
        if not target.exists():
            continue
        head = target.read_bytes()[:64]
        for route in _file_routes(target):
            status, body = _get(app_url + route)
            if status == 200 or (head.strip() and head.decode("utf-8", "replace")[:40] in body):
                leaks.append((route, status))
    assert not leaks, leaks


def test_the_app_manifest_route_is_not_the_index_manifest(app_url):
    for route in ("/manifest.json", "/widget/manifest.json"):
        status, body = _get(app_url + route)
        assert "format_version" not in body and "chunks" not in body, route


def test_the_config_names_no_server_path(served, assistant):
    app_url, feedback = served
    for route in ("/config", "/widget/config"):
        status, body = _get(app_url + route)
        assert status == 200
        for secret in (
            str(Path(assistant.index.folder).resolve()),
            str(feedback.parent),
            "feedback.jsonl",
        ):
            assert secret not in body, (route, secret)


@pytest.mark.parametrize(
    "route",
    [
        "/gradio_api/file=http://example.invalid/x.html",
        "/gradio_api/file=HTTPS://example.invalid/x.html",
        "/gradio_api/file=https%3A%2F%2Fexample.invalid%2Fx",
        "/gradio_api/file/http://example.invalid/x",
        "/widget/gradio_api/file=http://example.invalid/x",
        "/gradio_api/proxy=https://example.invalid/x",
    ],
)
def test_the_app_relays_no_other_site(app_url, route):
    status, body = _get(app_url + route)
    assert status == 404 and "not served by this app" in body


# --------------------------------------------------------------------- bad questions in the browser
