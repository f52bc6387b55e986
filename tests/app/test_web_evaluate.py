"""The Evaluate tab of the served app: an upload within the limit taken and a larger one refused;
without the tab, no Evaluate and no upload."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from qa.readings.convert import MAX_IMPORT_BYTES
from qa.web.app import WebSettings, create_app
from tests.support.paths import ROOT
from tests.support.web_helpers import serve_app

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
    """POST one file to the upload route of the app at `base`, as Gradio's front end does
    (multipart, field `files`)."""
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
