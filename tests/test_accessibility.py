"""Accessibility in Debian's Chromium: axe-core's WCAG 2.0/2.1 A and AA rules on every page and state,
in light and dark themes at 375 and 1280 px; the announcement of answers; the keyboard-only flow;
200% zoom and 320 px; reduced motion.

axe-core comes from npm (tests/js, `make node-deps`); the checks skip without it or without Chromium.
Every finding is saved to tests/artifacts/axe/ (see tests/a11y_helpers.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from a11y_helpers import assert_no_serious_axe_violations, assert_none_blocking, axe_violations
from conftest import ROOT, FakeEmbedder

from qa.web import WebSettings, create_app
from web_helpers import chromium, outside_requests, refused_question, serve_app, serve_folder

pytestmark = [pytest.mark.browser, pytest.mark.app, pytest.mark.model]

QUESTION = "Who is Xavier T. Brunson?"
THEMES = ["light", "dark"]
WIDTHS = [375, 1280]
EVAL_FIXTURES = ROOT / "tests" / "fixtures" / "eval"


@pytest.fixture(scope="module")
def app_url(assistant, tmp_path_factory):
    folder = tmp_path_factory.mktemp("a11y-app")
    with serve_app(create_app(assistant, WebSettings(feedback_log=folder / "feedback.jsonl", rate_limit=0))) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def new_context(browser, width: int = 1280, height: int = 900, theme: str = "light", **kw):
    """A browser context that records requests and never reaches past 127.0.0.1."""
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=theme, **kw)
    context.urls = []
    context.on("request", lambda r: context.urls.append(r.url))
    context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]|data:|blob:)"), lambda route: route.abort())
    return context


def ask(scope, question: str):
    """Type a question into the box, press Enter, and return the newest reply."""
    before = scope.locator(".qa-reply").count()
    box = scope.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    scope.locator(".qa-reply").nth(before).wait_for(timeout=60_000)
    return scope.locator(".qa-reply").nth(before)


def open_chat(page, url: str, theme: str) -> None:
    page.goto(f"{url}/?__theme={theme}")
    page.locator("#qa-chatbot button[aria-label^='Select example']").first.wait_for(timeout=30_000)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("theme", THEMES)
def test_chat_states_pass_axe(browser, app_url, assistant, theme, width):
    context = new_context(browser, width, theme=theme)
    page = context.new_page()
    try:
        open_chat(page, app_url, theme)
        found = {f"chat empty {theme} {width}": axe_violations(page, f"chat-empty-{theme}-{width}")}
        ask(page, QUESTION)
        found[f"chat answer {theme} {width}"] = axe_violations(page, f"chat-answer-{theme}-{width}")
        ask(page, refused_question(assistant))
        found[f"chat out-of-scope {theme} {width}"] = axe_violations(page, f"chat-out-of-scope-{theme}-{width}")
        page.locator(".qa-reply").first.locator("a.qa-show").first.click()
        page.locator(".qa-para.qa-cited mark").wait_for()
        found[f"reading tab {theme} {width}"] = axe_violations(page, f"reading-tab-{theme}-{width}")
        assert not outside_requests(context.urls)
    finally:
        context.close()
    assert_none_blocking(found)


@pytest.mark.parametrize("theme", THEMES)
def test_widget_in_a_400_by_600_frame_passes_axe(browser, app_url, tmp_path, theme):
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course page</title></head><body><main>'
        f'<h1>Week 6</h1><iframe src="{app_url}/widget/?__theme={theme}" title="Ask the reading" width="400" height="600"></iframe>'
        "</main></body></html>",
        encoding="utf-8",
    )
    with serve_folder(tmp_path) as course:
        context = new_context(browser, 1280, theme=theme)
        page = context.new_page()
        try:
            page.goto(course + "/index.html")
            frame = page.frame_locator("iframe")
            ask(frame, QUESTION)
            widget = next(f for f in page.frames if "/widget/" in f.url)
            assert_no_serious_axe_violations(widget, f"widget-answer-{theme}-400x600")
            assert not outside_requests(context.urls)
        finally:
            context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("theme", THEMES)
def test_standalone_reading_page_passes_axe(browser, app_url, assistant, theme, width):
    first = assistant.ask(QUESTION).passages[0]
    context = new_context(browser, width, theme=theme)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/reading/{first.doc}?hl={first.highlight_start}-{first.highlight_end}#r-{first.doc}-p{first.paragraph}")
        assert page.locator(":target mark").inner_text() == first.highlight
        assert_no_serious_axe_violations(page, f"reading-page-{theme}-{width}")
    finally:
        context.close()


@pytest.fixture(scope="module")
def evaluate_url(tmp_path_factory):
    """The app over the small evaluation corpus with the fake embedder: where the Evaluate results are shown."""
    from qa.assistant import Assistant
    from qa.store import build_index

    folder = tmp_path_factory.mktemp("a11y-eval")
    embedder = FakeEmbedder()
    build_index(EVAL_FIXTURES / "corpus", folder / "index", embedder)
    fake = Assistant.open(folder / "index", EVAL_FIXTURES / "corpus", embedder=embedder)
    with serve_app(create_app(fake, WebSettings(feedback_log=None, rate_limit=0))) as url:
        yield url


def show_evaluate_results(page, url: str, questions: Path = EVAL_FIXTURES / "questions.csv") -> None:
    """Open the Evaluate tab at `url`, upload a question set and wait for its results."""
    page.goto(url)
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#qa-eval-file input[type=file]").set_input_files(str(questions))
    page.locator("#qa-eval-file").get_by_text(questions.name).first.wait_for(timeout=30_000)
    page.locator("#qa-eval-run").click()
    page.locator("#qa-eval-status").get_by_text(re.compile(r"Evaluated \d+ questions")).wait_for(timeout=60_000)
    page.locator("#qa-eval-download").wait_for(state="visible")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("theme", THEMES)
def test_evaluate_results_pass_axe(browser, evaluate_url, theme, width):
    context = new_context(browser, width, theme=theme)
    page = context.new_page()
    try:
        show_evaluate_results(page, f"{evaluate_url}/?__theme={theme}")
        assert_no_serious_axe_violations(page, f"evaluate-results-{theme}-{width}")
    finally:
        context.close()
