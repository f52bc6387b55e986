"""The Evaluate tab in Chromium: a question set uploaded, evaluated, its metrics, plots and report
shown."""

from __future__ import annotations

import pytest

from qa.web.evaluate_tab import add_evaluate_tab
from tests.support.fakes import fake_assistant_over
from tests.support.paths import ROOT
from tests.support.web_helpers import chromium

FIXTURES = ROOT / "tests" / "fixtures" / "eval"


@pytest.fixture(scope="module")
def fake_assistant(tmp_path_factory):
    return fake_assistant_over(FIXTURES / "corpus", tmp_path_factory.mktemp("ui-eval-index"))


def _app(assistant):
    import gradio as gr

    with gr.Blocks() as demo:
        with gr.Tabs():
            with gr.Tab("Chat"):
                gr.Markdown("chat")
            add_evaluate_tab(assistant)
    return demo


def test_uploading_a_question_set_in_the_browser(fake_assistant, artifacts):
    from playwright.sync_api import expect

    demo = _app(fake_assistant)
    demo.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(demo.local_url)
            page.get_by_role("tab", name="Evaluate").click()
            page.locator("#qa-eval-file input[type=file]").set_input_files(
                str(FIXTURES / "questions.csv")
            )
            page.locator("#qa-eval-file").get_by_text("questions.csv").first.wait_for(
                timeout=30_000
            )
            page.locator("#qa-eval-run").click()
            expect(page.locator("#qa-eval-status")).to_contain_text(
                "Evaluated 8 questions", timeout=60_000
            )
            expect(page.locator("#qa-eval-metrics")).to_contain_text("wrong_refusal_rate")
            expect(page.locator("#qa-eval-download")).to_be_visible()
            sizes = page.locator("#qa-eval-plots img").evaluate_all(
                "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)"
            )
            assert len(sizes) == 2 and all(s > 100 for s in sizes), sizes
            page.screenshot(path=str(artifacts / "evaluate-tab.png"), full_page=True)
    finally:
        demo.close()
