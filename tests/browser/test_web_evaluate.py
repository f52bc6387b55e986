"""An instructor evaluates a question set in the served app, in Chromium."""

from __future__ import annotations

import pytest

from qa.web.app import WebSettings, create_app
from qa.web.evaluate_tab import MAX_UPLOAD_BYTES
from tests.support.paths import ROOT
from tests.support.web_helpers import chromium, outside_requests, serve_app

FIXTURE = ROOT / "tests" / "fixtures" / "eval" / "questions.jsonl"


PASSWORD = "evaluate-password"


@pytest.fixture(scope="module")
def app_url(assistant):
    with serve_app(
        create_app(assistant, WebSettings(rate_limit=0, instructor_password=PASSWORD))
    ) as url:
        yield url


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
