"""The Evaluate tab in the served app's instructor area: on, its upload works through `qa.web.app` (behind
the instructor password) up to the size limit; off (`--no-evaluate`, `QA_EVALUATE=0`), the tab is
not built. The students' page never has it, and never takes an upload.

The app with the tab is launched once for the module (uvicorn in a thread, free 127.0.0.1 port)
over the session's real index, the way `app.py` serves it; the app without it is launched for its
one test. Every request stays on this machine.
"""

from __future__ import annotations

import json
import types
import urllib.error
import urllib.request

import pytest

from qa.errors import UsageError
from qa.readings.convert import MAX_IMPORT_BYTES
from qa.web.app import EVALUATE_ENV, WebSettings, create_app, env_flag
from qa.web.evaluate_tab import MAX_UPLOAD_BYTES
from tests.support.paths import ROOT
from tests.support.web_helpers import chromium, outside_requests, serve_app

FIXTURE = ROOT / "tests" / "fixtures" / "eval" / "questions.jsonl"
PASSWORD = "evaluate-password"
BEARER = {"Authorization": f"Bearer {PASSWORD}"}


@pytest.fixture(scope="module")
def app_url(assistant):
    with serve_app(
        create_app(assistant, WebSettings(rate_limit=0, instructor_password=PASSWORD))
    ) as url:
        yield url


def _request(
    url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None
) -> tuple[int, str]:
    req = urllib.request.Request(
        url, headers={**BEARER, **(headers or {})}, method=method, data=data
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _upload(base: str, name: str, content: bytes) -> tuple[int, str]:
    """POST one file to the upload route of the app at `base`, as Gradio's front end does (multipart, field `files`)."""
    boundary = "qa-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return _request(
        base + "/gradio_api/upload",
        "POST",
        body,
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def _tab_labels(url: str) -> list[str]:
    status, body = _request(url + "/config")
    assert status == 200, body[:200]
    return [
        c["props"]["label"] for c in json.loads(body)["components"] if c.get("type") == "tabitem"
    ]


# ---------------------------------------------------------------------------- the switch


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", True),
        ("1", True),
        ("true", True),
        (" On ", True),
        ("0", False),
        ("false", False),
        ("NO", False),
    ],
)
def test_the_environment_flag(monkeypatch, value, expected):
    monkeypatch.setenv(EVALUATE_ENV, value)
    assert env_flag(EVALUATE_ENV, True) is expected


def test_an_unknown_environment_value_is_named_in_the_error(monkeypatch):
    monkeypatch.setenv(EVALUATE_ENV, "maybe")
    with pytest.raises(UsageError, match="QA_EVALUATE='maybe'"):
        env_flag(EVALUATE_ENV, True)


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        ([], None, True),
        (["--no-evaluate"], None, False),
        ([], "0", False),
        ([], "true", True),
        (["--evaluate"], "0", True),  # the flag wins over the environment
        (["--no-evaluate"], "1", False),
    ],
)
def test_app_py_passes_the_switch_to_the_server(monkeypatch, tmp_path, argv, env, expected):
    import uvicorn

    import qa.web.app
    from qa.answering.assistant import Assistant

    if env is None:
        monkeypatch.delenv(EVALUATE_ENV, raising=False)
    else:
        monkeypatch.setenv(EVALUATE_ENV, env)
    seen = []
    monkeypatch.setattr(
        Assistant,
        "open",
        classmethod(
            lambda cls, *a, **k: types.SimpleNamespace(
                index=types.SimpleNamespace(corpus=None, manifest={})
            )
        ),
    )
    monkeypatch.setattr(
        qa.web.app, "create_app", lambda assistant, settings: seen.append(settings) or object()
    )
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    assert (
        qa.web.app.main(["--index", str(tmp_path), "--feedback-log", "", "--port", "8125", *argv])
        == 0
    )
    assert [s.evaluate for s in seen] == [expected]


def test_app_py_refuses_an_unknown_environment_value(monkeypatch, tmp_path, capsys):
    import qa.web.app

    monkeypatch.setenv(EVALUATE_ENV, "sometimes")
    assert qa.web.app.main(["--index", str(tmp_path), "--port", "8126"]) == 2
    assert "QA_EVALUATE='sometimes'" in capsys.readouterr().err


# ---------------------------------------------------------------------------- served, with the tab


@pytest.mark.app
@pytest.mark.model
def test_an_upload_within_the_limit_is_taken_a_larger_one_refused(app_url):
    area = app_url + "/instructor"
    assert "Evaluate" in _tab_labels(area) and "Evaluate" not in _tab_labels(app_url)
    status, body = _upload(area, "questions.jsonl", FIXTURE.read_bytes())
    assert status == 200 and json.loads(body)[0].endswith("questions.jsonl"), body[:200]
    status, body = _upload(area, "at-limit.jsonl", b"x" * MAX_IMPORT_BYTES)
    assert status == 200, (status, body[:200])
    status, body = _upload(area, "big.jsonl", b"x" * (MAX_IMPORT_BYTES + 1))
    assert status == 413 and f"{MAX_IMPORT_BYTES} bytes" in body, (status, body[:200])
    for base in (
        app_url,
        app_url + "/widget",
    ):  # the students' pages take no upload, password or not
        status, body = _upload(base, "questions.jsonl", FIXTURE.read_bytes())
        assert status == 404 and "not served" in body


@pytest.mark.browser
@pytest.mark.app
@pytest.mark.model
def test_an_instructor_evaluates_a_question_set_in_the_served_app(app_url, artifacts, tmp_path):
    from playwright.sync_api import expect

    big = tmp_path / "big.jsonl"
    big.write_bytes(b"x" * (MAX_UPLOAD_BYTES + 1))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(app_url + "/instructor/")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#qa-readings-list")).to_contain_text(
            "indexed", timeout=60_000
        )  # the area has loaded
        page.get_by_role("tab", name="Evaluate").click()
        expect(page.locator("#qa-eval-run")).to_be_visible()
        page.locator("#qa-eval-file input[type=file]").set_input_files(str(big))
        page.locator("#qa-eval-run").click()  # the tab refuses a question set over its own limit
        expect(page.locator("#qa-eval-status")).to_contain_text("larger than 2 MB", timeout=30_000)
        page.reload()  # an empty file box again
        page.get_by_role("tab", name="Evaluate").click()
        expect(page.locator("#qa-eval-run")).to_be_visible(timeout=60_000)
        with page.expect_response(
            lambda r: "/gradio_api/upload" in r.url and r.request.method == "POST", timeout=30_000
        ) as upload:
            page.locator("#qa-eval-file input[type=file]").set_input_files(str(FIXTURE))
        assert upload.value.status == 200
        expect(page.locator("#qa-eval-file")).to_contain_text(FIXTURE.stem, timeout=30_000)
        page.locator("#qa-eval-run").click()
        expect(page.locator("#qa-eval-status")).to_contain_text(
            "Evaluated 8 questions", timeout=120_000
        )
        metrics = page.locator("#qa-eval-metrics")
        expect(metrics).to_be_visible()
        expect(metrics).to_contain_text("wrong_refusal_rate")
        expect(metrics).to_contain_text("tag: numbers")
        page.screenshot(path=str(artifacts / "evaluate-served.png"), full_page=True)
        assert not outside_requests(requested)


# ---------------------------------------------------------------------------- served, without the tab


@pytest.mark.app
@pytest.mark.model
def test_without_the_tab_there_is_no_evaluate_and_no_upload(assistant):
    settings = WebSettings(rate_limit=0, evaluate=False, instructor_password=PASSWORD)
    with serve_app(create_app(assistant, settings)) as url:
        labels = _tab_labels(url)
        assert "Reading" in labels and "Evaluate" not in labels
        assert _tab_labels(url + "/instructor") == ["Readings", "Feedback"]
        for page in (url, url + "/instructor"):
            _, config = _request(page + "/config")
            assert "qa-eval-file" not in config
        for base in (url, url + "/widget"):
            status, body = _upload(base, "questions.jsonl", FIXTURE.read_bytes())
            assert status == 404 and "not served" in body, (base, status, body[:200])
        status, body = _request(url + "/gradio_api/upload_progress?upload_id=abc")
        assert status == 404 and "not served" in body
