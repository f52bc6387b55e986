"""The widget on a course page of another origin: the `qa embed-snippet` output pasted into
examples/course-page.html, served from a second local port; and the same page refused when the
app names other allowed origins.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from qa.web.app import WebSettings, create_app
from tests.support.paths import ROOT
from tests.support.web_helpers import chromium, outside_requests, serve_app, serve_folder

COURSE_PAGE = ROOT / "examples" / "course-page.html"
DOCS_SHOTS = ROOT / "docs" / "screenshots"
# Each answered by the bundled reading; the first one's reply is checked for its [1] marker.
QUESTIONS = [
    "How many US troops are in South Korea?",
    "What does USFK stand for?",
    "What did Rumsfeld seek for U.S. forces?",
]
SNIPPET = re.compile(r"<!-- qa-snippet:start.*?-->.*?<!-- qa-snippet:end -->", re.S)


def snippet(url: str, *extra: str) -> str:
    """The output of `qa embed-snippet`, as an instructor would paste it."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa",
            "embed-snippet",
            "--url",
            url,
            "--title",
            "Ask the reading",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return run.stdout


def course_site(folder: Path, html: str) -> Path:
    page = SNIPPET.sub(
        lambda _: "<!-- qa-snippet:start -->\n" + html + "<!-- qa-snippet:end -->",
        COURSE_PAGE.read_text(encoding="utf-8"),
    )
    assert html in page
    (folder / "index.html").write_text(page, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def app_url(assistant, tmp_path_factory):
    folder = tmp_path_factory.mktemp("widget-app")
    with serve_app(
        create_app(assistant, WebSettings(feedback_log=folder / "feedback.jsonl"))
    ) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def new_page(browser, width=1100, height=900):
    context = browser.new_context(viewport={"width": width, "height": height})
    urls: list[str] = []
    context.on("request", lambda r: urls.append(r.url))
    context.route(
        re.compile(r"^(?!https?://127\.0\.0\.1[:/]|data:|blob:)"), lambda route: route.abort()
    )
    page = context.new_page()
    return context, page, urls


def ask_in(scope, question: str) -> None:
    before = scope.locator(".qa-reply").count()
    box = scope.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    scope.locator(".qa-reply").nth(before).wait_for(timeout=60_000)


def test_iframe_widget_on_a_course_page_of_another_origin(browser, app_url, tmp_path, artifacts):
    site = course_site(tmp_path, snippet(app_url, "--iframe-only"))
    with serve_folder(site) as course:
        assert course.split(":")[-1] != app_url.split(":")[-1]  # another port, so another origin
        context, page, urls = new_page(browser)
        try:
            page.goto(course + "/index.html")
            frame = page.frame_locator("iframe[title='Ask the reading']")
            frame.get_by_label("Your question").wait_for(timeout=60_000)
            start_height = page.evaluate("document.documentElement.scrollHeight")
            iframe_height = page.locator("iframe").bounding_box()["height"]
            for q in QUESTIONS:
                ask_in(frame, q)
            page.wait_for_timeout(500)
            reply = frame.locator(".qa-reply").first
            assert reply.locator(".qa-direct").inner_text().strip().endswith("[1]")
            assert (
                reply.locator(".qa-passage mark").count() >= 1
                and "¶" in reply.locator(".qa-cite").first.inner_text()
            )
            assert page.evaluate("document.documentElement.scrollHeight") == start_height
            assert (
                page.locator("iframe").bounding_box()["height"] == iframe_height <= 600 + 2
            )  # 600 px and its border
            assert frame.locator("body").evaluate(
                "b => document.documentElement.scrollWidth <= window.innerWidth"
            )
            page.locator("aside").scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / "widget-course-page.png"))
            if (
                os.environ.get("QA_UPDATE_SCREENSHOTS") == "1"
            ):  # `make screenshots` refreshes the README's
                DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(
                    artifacts / "widget-course-page.png", DOCS_SHOTS / "widget-course-page.png"
                )
            # "show in reading" inside the widget opens the reading at the cited paragraph.
            with context.expect_page() as opened:
                frame.locator("a.qa-show").first.click()
            reading = opened.value
            reading.wait_for_load_state()
            assert reading.evaluate(
                "document.querySelector(':target').classList.contains('qa-cited')"
            )
            assert reading.locator(":target mark").count() == 1
            assert not outside_requests(urls)
        finally:
            context.close()


@contextmanager
def web_component_page(browser, app_url: str, tmp_path: Path):
    """The course page with the snippet's web component (no iframe) pasted in, served from a
    second port and opened, its question box drawn: (context, page, the <gradio-app>, the URLs
    the page requested)."""
    full = snippet(app_url)
    web_component = full[full.index("<!-- Or,") :]
    assert "<gradio-app" in web_component and "<iframe" not in web_component
    site = course_site(tmp_path, web_component)
    with serve_folder(site) as course:
        context, page, urls = new_page(browser)
        try:
            page.goto(course + "/index.html")
            app = page.locator("gradio-app")
            app.get_by_label("Your question").wait_for(timeout=60_000)
            yield context, page, app, urls
        finally:
            context.close()


def test_web_component_widget_needs_no_cdn(browser, app_url, tmp_path):
    with web_component_page(browser, app_url, tmp_path) as (_, page, app, urls):
        for q in QUESTIONS[:2]:
            ask_in(app, q)
        assert app.locator(".qa-direct").first.inner_text().strip().endswith("[1]")
        region = page.get_by_role("region", name="Ask the reading").bounding_box()
        assert region["height"] <= 600
        assert not outside_requests(urls)


def test_web_component_show_in_reading_opens_the_reading_on_the_app(
    browser, app_url, assistant, tmp_path
):
    """On the course page the widget's links are the app's, not the course site's: "show in
    reading" opens the app's reading page at the cited paragraph, with the sentence marked (a
    link relative to the page would be the course site's /reading/…, which does not exist)."""
    first = assistant.ask(QUESTIONS[0]).passages[0]
    with web_component_page(browser, app_url, tmp_path) as (context, _, app, urls):
        ask_in(app, QUESTIONS[0])
        link = app.locator(".qa-reply").first.locator("a.qa-show").first
        with context.expect_page() as opened:
            link.click()
        reading = opened.value
        reading.wait_for_load_state()
        assert reading.url.startswith(app_url + "/reading/"), reading.url
        assert reading.evaluate("document.querySelector(':target').classList.contains('qa-cited')")
        assert reading.locator(":target mark").inner_text() == first.highlight
        # The link itself is the app's too (opened in a new tab, or copied, without the script).
        assert link.evaluate("a => a.href") == reading.url
        assert not outside_requests(urls)


def test_a_site_not_allowed_cannot_frame_the_widget_or_call_the_api(browser, assistant, tmp_path):
    app = create_app(
        assistant, WebSettings(allowed_origins=("https://canvas.example.edu",), feedback_log=None)
    )
    with serve_app(app) as url:
        site = course_site(tmp_path, snippet(url, "--iframe-only"))
        with serve_folder(site) as course:
            context, page, urls = new_page(browser)
            responses = []
            context.on("response", lambda r: responses.append(r) if "/widget/" in r.url else None)
            try:
                page.goto(course + "/index.html")
                page.wait_for_timeout(3000)
                served = [
                    r
                    for r in responses
                    if r.status == 200 and r.request.resource_type == "document"
                ]
                assert (
                    served
                    and "frame-ancestors 'self' https://canvas.example.edu"
                    in served[0].headers["content-security-policy"]
                )
                frame = page.frame_locator("iframe[title='Ask the reading']")
                assert (
                    frame.locator("#qa-question").count() == 0
                )  # the browser refused to show the app
                result = page.evaluate(
                    """async (url) => {
                        try {
                            const r = await fetch(url + "/gradio_api/call/ask", {method: "POST",
                                headers: {"Content-Type": "application/json"},
                                body: JSON.stringify({data: ["What is USFK?"]})});
                            return "answered " + r.status;
                        } catch (err) { return "refused: " + err.name; }
                    }""",
                    url,
                )
                assert result == "refused: TypeError"
                assert not outside_requests(urls)
            finally:
                context.close()
