"""Hostile and odd questions typed into the served chat in Chromium come back as plain text."""

from __future__ import annotations

import pytest

from qa.answering.answer import EMPTY_QUESTION
from qa.answering.language import ENGLISH_NOTICE
from qa.answering.retrieve import MAX_QUESTION_CHARS
from tests.support.web_helpers import chromium, outside_requests, serve_with_feedback

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


def test_hostile_and_odd_questions_in_the_browser(app_url, artifacts):
    """Markup never runs or clicks through; blank, long and foreign questions get their messages."""
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        urls, dialogs = [], []
        context.on("request", lambda r: urls.append(r.url))
        context.route(
            lambda url: not url.startswith(("http://127.0.0.1", "data:", "blob:")),
            lambda route: route.abort(),
        )
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(app_url + "/")
        box = page.locator("#qa-question textarea")

        def ask(question: str):
            before = page.locator(".qa-reply").count()
            box.fill(question)
            box.press("Enter")
            page.locator(".qa-reply").nth(before).wait_for(timeout=60_000)
            return page.locator(".qa-reply").nth(before)

        payloads = [
            "What is USFK? <script>window.__pwned = 1; alert('script')</script>",
            "Who is Brunson? [click me](javascript:window.__pwned=2) and "
            "[x](javascript:alert('md'))",
            'Why? <a href="javascript:alert(\'a\')" id="qa-evil">evil</a> <iframe '
            'srcdoc="<script>parent.__pwned=3</script>"></iframe>',
            'What is USFK? <svg onload="window.__pwned=4"></svg> <details open '
            'ontoggle="window.__pwned=5">',
        ]
        for payload in payloads:
            ask(payload)
            assert page.locator(".qa-q").last.inner_text().strip() == payload
        page.wait_for_timeout(500)
        chat = page.locator("#qa-chatbot")
        assert page.evaluate("window.__pwned") is None and not dialogs
        for selector in (
            "script",
            "iframe",
            "svg[onload]",
            "details[ontoggle]",
            "#qa-evil",
            "a[href^='javascript:' i]",
            "[onload]",
            "[onerror]",
        ):
            assert chat.locator(selector).count() == 0, selector
        hrefs = chat.locator("a").evaluate_all("els => els.map(a => a.href)")
        assert all(h.startswith("http://127.0.0.1") for h in hrefs), hrefs
        page.locator(".qa-q").nth(1).click()
        page.wait_for_timeout(300)
        assert (
            page.evaluate("window.__pwned") is None and not dialogs and page.url.startswith(app_url)
        )

        long = ask(
            "How many American troops are stationed in South Korea? " + "Please answer. " * 200
        )
        assert (
            f"longer than {MAX_QUESTION_CHARS} characters"
            in long.locator(".qa-notice").inner_text()
        )
        foreign = ask(KOREAN)
        assert ENGLISH_NOTICE in foreign.locator(".qa-notice").inner_text()
        odd = ask("\x07\x1b")
        assert EMPTY_QUESTION in odd.inner_text()
        replies = page.locator(".qa-reply").count()
        box.fill("   ")
        box.press("Enter")
        page.get_by_text(EMPTY_QUESTION).last.wait_for(timeout=30_000)
        assert page.locator(".qa-reply").count() == replies  # the prompt is a toast, not a turn
        page.screenshot(path=str(artifacts / "hostile-questions.png"))
        assert not outside_requests(urls)
        context.close()
