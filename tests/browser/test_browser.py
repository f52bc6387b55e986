"""The chat in Debian's Chromium: answers with citations, the reading view, safety, offline, small
screens.

One app for the module (uvicorn in a thread on a free 127.0.0.1 port); every request the page
makes is recorded and must stay on 127.0.0.1. Screenshots go to tests/artifacts/ and the ones the
README shows are copied to docs/screenshots/.

"""

from __future__ import annotations

import json
import re

import pytest

from qa.web.app import WebSettings, create_app
from tests.support.web_helpers import (
    chromium,
    outside_requests,
    refused_question,
    save_shot,
    serve_app,
)

# Answered by the bundled reading (the Brunson question now falls under the refusal threshold).
QUESTION = "What did Rumsfeld seek for U.S. forces?"


@pytest.fixture(scope="module")
def feedback_path(tmp_path_factory):
    return tmp_path_factory.mktemp("feedback") / "feedback.jsonl"


@pytest.fixture(scope="module")
def app_url(assistant, feedback_path):
    with serve_app(create_app(assistant, WebSettings(feedback_log=feedback_path))) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


class Recorder:
    def __init__(self):
        self.urls: list[str] = []
        self.dialogs: list[str] = []


@pytest.fixture
def page(browser):
    """A fresh page that records every request and dialog, and refuses to reach past 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    rec = Recorder()
    context.on("request", lambda r: rec.urls.append(r.url))
    context.route(
        re.compile(r"^(?!https?://127\.0\.0\.1[:/]|data:|blob:)"), lambda route: route.abort()
    )
    pg = context.new_page()
    pg.on("dialog", lambda d: (rec.dialogs.append(d.message), d.dismiss()))
    pg.recorder = rec
    yield pg
    context.close()


def ask(pg, question: str):
    """Type a question, press Enter, and return the newest reply."""
    before = pg.locator(".qa-reply").count()
    pg.get_by_label("Your question").fill(question)
    pg.get_by_label("Your question").press("Enter")
    pg.locator(".qa-reply").nth(before).wait_for(timeout=60_000)
    return pg.locator(".qa-reply").nth(before)


def test_answer_shows_the_quote_with_marker_and_the_section(page, app_url, assistant, artifacts):
    page.goto(app_url + "/")
    expected = assistant.ask(QUESTION)
    reply = ask(page, QUESTION)
    direct = reply.locator(".qa-direct")
    assert direct.inner_text().strip().endswith("[1]")
    assert expected.answer in direct.inner_text()
    first = expected.passages[0]
    cite = reply.locator(".qa-passage").first.locator(".qa-cite").inner_text()
    assert cite.startswith("[1]") and f"¶{first.paragraph}" in cite
    if first.section:
        assert first.section in cite
    assert reply.locator(".qa-passage").count() == len(expected.passages)
    assert reply.locator(".qa-passage").first.locator("mark").inner_text() == first.highlight
    reply.evaluate(
        "el => el.scrollIntoView({block: 'start'})"
    )  # the picture shows the answer's top
    save_shot(page, artifacts, "answer.png", readme=True)
    assert not outside_requests(page.recorder.urls)


def test_show_in_reading_lands_on_the_highlighted_paragraph(page, app_url, assistant, artifacts):
    page.goto(app_url + "/")
    reply = ask(page, QUESTION)
    first = assistant.ask(QUESTION).passages[0]
    reply.locator("a.qa-show").first.click()
    target = page.locator(f"#r-{first.doc}-p{first.paragraph}")
    target.wait_for(state="visible")
    page.wait_for_function(
        "id => document.getElementById(id).classList.contains('qa-cited')",
        arg=f"r-{first.doc}-p{first.paragraph}",
    )
    assert page.locator(".qa-para.qa-cited").count() == 1
    assert target.locator("mark").inner_text() == first.highlight
    box, height = target.bounding_box(), page.viewport_size["height"]
    assert box["y"] < height and box["y"] + box["height"] > 0  # scrolled into view
    assert page.get_by_role("tab", name="Reading").get_attribute("aria-selected") == "true"
    save_shot(page, artifacts, "reading-view.png", readme=True)
    # The same link opens the standalone reading page, scrolled to the paragraph.
    href = reply.locator("a.qa-show").first.get_attribute("href")
    page.goto(app_url + href)
    assert (
        page.evaluate("document.querySelector(':target').id") == f"r-{first.doc}-p{first.paragraph}"
    )
    assert page.locator(":target mark").inner_text() == first.highlight
    assert not outside_requests(page.recorder.urls)


def test_show_in_reading_without_a_reading_tab_opens_the_reading_page(page, app_url, assistant):
    """Where the page has no Reading tab to show it in, the link does what it does without script:
    the standalone reading page opens, at the cited paragraph."""
    page.goto(app_url + "/")
    reply = ask(page, QUESTION)
    first = assistant.ask(QUESTION).passages[0]
    page.evaluate(
        """() => document.querySelectorAll('button[role="tab"]').forEach(b => {
            if (b.textContent.trim() === "Reading") b.remove(); })"""
    )
    with page.expect_popup() as opened:
        reply.locator("a.qa-show").first.click()
    reading = opened.value
    reading.wait_for_load_state()
    assert reading.evaluate("document.querySelector(':target').id") == (
        f"r-{first.doc}-p{first.paragraph}"
    )
    reading.close()


# Where the newest question and the start of its reply are, once the chat log has been still for a
# second (Gradio's own autoscroll comes 300 ms after a reply is drawn, so an earlier look could see
# the reply's start before it is scrolled away).
SETTLED_TURN_JS = """async () => {
    const chat = document.querySelector('#qa-chatbot');
    const log = chat.querySelector('[role=log]');
    let moved = performance.now();
    log.addEventListener('scroll', () => { moved = performance.now(); });
    while (performance.now() - moved < 1000) await new Promise(r => setTimeout(r, 100));
    const span = el => [el.getBoundingClientRect().top, el.getBoundingClientRect().bottom];
    const last = selector => Array.from(log.querySelectorAll(selector)).pop();
    const label = chat.querySelector('label[data-testid=block-label]');
    const [top, bottom] = span(log);
    return {
        log: [Math.max(top, 0), Math.min(bottom, window.innerHeight)],  // its part in the window
        question: span(last('.qa-q')),
        direct: span(last('.qa-reply').querySelector('.qa-direct')),
        label_bottom: label ? span(label)[1] : null,
        page_y: window.scrollY,
        focus_in_box: document.activeElement.matches('#qa-question textarea'),
    };
}"""


@pytest.mark.parametrize("width, height", [(1280, 900), (375, 740)], ids=["desktop", "375px"])
def test_a_new_reply_is_shown_from_its_start(browser, app_url, width, height):
    """Each new reply lands with its question at the top of the chat log's part in the window and
    its direct answer in view (not scrolled to its last passage), the chat's label hides no line
    of it, the question box keeps the focus and the page itself does not move."""
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    try:
        pg.goto(app_url + "/")
        pg.get_by_label("Your question").wait_for()
        pg.locator("#qa-chatbot").evaluate("el => el.scrollIntoView({block: 'start'})")
        # The second time the page is scrolled down a little first, so on a small screen the log's
        # top is above the window: the question lands at the top of the part that is in it.
        for question, page_down in ((QUESTION, 0), ("How many US troops are in South Korea?", 200)):
            before = pg.locator(".qa-reply").count()
            pg.evaluate("y => window.scrollBy(0, y)", page_down)
            box = pg.get_by_label("Your question")
            box.fill(question)
            page_y = pg.evaluate("window.scrollY")
            box.press("Enter")
            pg.locator(".qa-reply").nth(before).locator(".qa-direct").wait_for(timeout=60_000)
            turn = pg.evaluate(SETTLED_TURN_JS)
            top, bottom = turn["log"]
            assert top <= turn["question"][0] and turn["direct"][1] <= bottom, (question, turn)
            if turn["label_bottom"] is not None:
                assert turn["label_bottom"] <= turn["question"][0], (question, turn)
            assert turn["focus_in_box"] and turn["page_y"] == page_y, (question, turn)
    finally:
        context.close()


# Gradio copies with the Clipboard API, or without it (a page over plain http) by selecting a hidden
# textarea for document.execCommand("copy"): this takes the API away before the page loads, and
# keeps its getter to read the clipboard with.
NO_CLIPBOARD_API = """(() => {
    const getter = Object.getOwnPropertyDescriptor(Navigator.prototype, 'clipboard').get;
    window.__readClipboard = () => getter.call(navigator).readText();
    delete Navigator.prototype.clipboard;
})();"""


@pytest.mark.parametrize("api", [True, False], ids=["clipboard-api", "exec-command"])
def test_copy_message_puts_the_reply_as_plain_text(browser, app_url, assistant, api):
    """The chat's "Copy message" under a reply copies what the reply says, not its HTML: the
    quoted answer with its marker, then each passage as "[n] Title — Section · ¶N" and its text."""
    expected = assistant.ask(QUESTION)
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    if not api:
        context.add_init_script(NO_CLIPBOARD_API)
    pg = context.new_page()
    try:
        pg.goto(app_url + "/")
        ask(pg, QUESTION)
        assert pg.evaluate("'clipboard' in navigator") == api
        copy = pg.locator("#qa-chatbot .bot-row ~ * button[aria-label='Copy message']").last
        copy.click()
        read = "navigator.clipboard.readText()" if api else "window.__readClipboard()"
        pg.wait_for_function(f"async () => (await {read}).includes('¶')")
        copied = pg.evaluate(f"async () => await {read}")
        assert "<" not in copied and "qa-" not in copied, copied
        lines = copied.splitlines()
        assert lines[0] == f"“{expected.answer}” [1]", copied
        for p in expected.passages:
            where = " · ".join(filter(None, (p.section, f"¶{p.paragraph}")))
            cite = f"[{p.rank}] {p.title} — {where}"
            assert cite in lines, (cite, copied)
            assert " ".join(p.text.split()) in " ".join(copied.split()), (p.text, copied)
        assert "show in reading" not in copied
        # The question's own button copies the question as it was typed.
        pg.locator("#qa-chatbot .user-row ~ * button[aria-label='Copy message']").last.click()
        pg.wait_for_function(f"async q => (await {read}) === q", arg=QUESTION)
    finally:
        context.close()


def test_script_in_a_question_is_shown_as_text_and_never_runs(page, app_url, artifacts):
    page.goto(app_url + "/")
    payload = (
        'What about <img src=x onerror="window.__pwned=1;alert(1)"> Brunson? '
        "<script>window.__pwned=2</script>"
    )
    ask(page, payload)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None and not page.recorder.dialogs
    assert page.locator("#qa-chatbot img").count() == 0
    assert (
        '<img src=x onerror="window.__pwned=1;alert(1)">' in page.locator(".qa-q").last.inner_text()
    )
    assert not [u for u in page.recorder.urls if u.rstrip("/").endswith("/x")]


def test_out_of_scope_reply_suggests_questions_from_the_reading(
    page, app_url, assistant, artifacts
):
    question = refused_question(assistant)
    page.goto(app_url + "/")
    reply = ask(page, question)
    assert "The reading does not cover this question." in reply.inner_text()
    suggestions = reply.locator(".qa-suggest li").all_inner_texts()
    assert suggestions and all(not assistant.ask(s).abstained for s in suggestions)
    assert reply.locator(".qa-direct").count() == 0
    save_shot(page, artifacts, "out-of-scope.png", readme=True)
    # A suggested question is a button: chosen (here with the keyboard), it is asked.
    offered = reply.get_by_role("button", name=suggestions[0], exact=True)
    offered.focus()
    page.keyboard.press("Enter")
    page.locator(".qa-reply").nth(1).wait_for(timeout=60_000)
    assert page.locator(".qa-q").last.inner_text().strip() == suggestions[0]
    answer = page.locator(".qa-reply").nth(1)
    assert answer.locator(".qa-direct").count() == 1
    assert page.evaluate("() => document.activeElement.closest('#qa-question') !== null")
    reply.get_by_role("button", name=suggestions[-1], exact=True).click()  # and with the mouse
    page.locator(".qa-reply").nth(2).wait_for(timeout=60_000)
    assert page.locator(".qa-q").last.inner_text().strip() == suggestions[-1]


def test_examples_follow_up_retry_clear_and_feedback(page, app_url, assistant, feedback_path):
    page.goto(app_url + "/")
    examples = page.locator("#qa-chatbot button[aria-label^='Select example']")
    examples.first.wait_for(timeout=30_000)
    example_text = examples.first.inner_text().strip()
    examples.first.click()
    page.locator(".qa-reply").first.wait_for(timeout=60_000)
    assert example_text in page.locator(".qa-q").first.inner_text()
    follow = ask(page, "Why?")
    expected = assistant.ask("Why?", [example_text])
    assert [p.id for p in expected.passages][0] and follow.locator(".qa-passage").count() == len(
        expected.passages
    )
    page.get_by_label("Comment (optional, sent with your next thumbs up or down)").fill(
        "not the paragraph I needed"
    )
    page.locator("#qa-chatbot button[aria-label='Dislike']").last.click()
    page.get_by_text("Thank you, your feedback was recorded.").wait_for()
    votes = [
        json.loads(x)
        for x in feedback_path.read_text(encoding="utf-8").splitlines()
        if '"vote"' in x
    ]
    assert votes[-1]["vote"] == "down" and votes[-1]["question"] == "Why?"
    assert votes[-1]["comment"] == "not the paragraph I needed" and votes[-1]["passage_ids"] == [
        p.id for p in expected.passages
    ]
    page.get_by_role("button", name="Retry").click()
    page.wait_for_function("document.querySelectorAll('.qa-q').length === 2")
    page.get_by_role("button", name="Clear", exact=True).last.click()
    page.wait_for_function("document.querySelectorAll('.qa-q').length === 0")


def test_keyboard_only_and_labels(page, app_url):
    page.goto(app_url + "/")
    page.get_by_label("Your question").wait_for()
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(
            "document.activeElement && document.activeElement.closest('#qa-question') !== null"
        ):
            break
    else:
        pytest.fail("the question box cannot be reached with Tab")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    page.locator(".qa-reply").first.wait_for(timeout=60_000)
    for label in ("Your question", "Comment (optional, sent with your next thumbs up or down)"):
        assert page.get_by_label(label).count() == 1
    assert page.get_by_role("button", name="Ask").count() == 1


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_narrow_screen_has_no_sideways_scroll(browser, app_url, artifacts, theme):
    context = browser.new_context(viewport={"width": 375, "height": 812}, color_scheme=theme)
    urls: list[str] = []
    context.on("request", lambda r: urls.append(r.url))
    pg = context.new_page()
    try:
        pg.goto(f"{app_url}/?__theme={theme}")
        ask(pg, QUESTION)
        pg.wait_for_timeout(300)
        assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert pg.evaluate(
            "document.body.classList.contains('dark') || "
            "document.documentElement.classList.contains('dark')"
        ) == (theme == "dark")
        save_shot(pg, artifacts, f"chat-375px-{theme}.png", readme=theme == "dark")
        assert not outside_requests(urls)
    finally:
        context.close()


def test_over_the_rate_limit_the_chat_says_so(browser, assistant, tmp_path):
    with serve_app(create_app(assistant, WebSettings(rate_limit=2, feedback_log=None))) as url:
        context = browser.new_context()
        pg = context.new_page()
        try:
            pg.goto(url + "/")
            for _ in range(2):
                assert "[1]" in ask(pg, QUESTION).inner_text()
            limited = ask(pg, QUESTION)
            assert (
                "Please wait" in limited.inner_text()
                and limited.locator(".qa-passage").count() == 0
            )
        finally:
            context.close()
