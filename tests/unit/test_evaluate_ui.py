"""The Evaluate tab: its handler without Gradio and the tab inside a Blocks app (an upload in
Chromium is in tests/browser/test_evaluate_ui.py)."""

from __future__ import annotations

import pytest

from qa.web.evaluate_tab import add_evaluate_tab, run_evaluation
from tests.support.fakes import fake_assistant_over
from tests.support.paths import ROOT
from tests.support.report_checks import assert_self_contained

FIXTURES = ROOT / "tests" / "fixtures" / "eval"


@pytest.fixture(scope="module")
def fake_assistant(tmp_path_factory):
    return fake_assistant_over(FIXTURES / "corpus", tmp_path_factory.mktemp("ui-eval-index"))


def test_the_handler_prepares_metrics_plots_misses_and_the_report(fake_assistant):
    view = run_evaluation(fake_assistant, FIXTURES / "bad.jsonl")
    assert (
        "Evaluated 2 questions" in view.status_html and "line 3: not valid JSON" in view.status_html
    )
    assert (
        view.metric_headers == ["metric", "all"]
        and len(view.metrics) == 16
        and view.metrics[0][0] == "hit@1"
    )
    assert view.plots_html.count('src="data:image/svg+xml;base64,') == 2
    assert [m[0] for m in view.misses] == ["line-8"]
    assert len(assert_self_contained(open(view.report_path, encoding="utf-8").read())) == 2


@pytest.mark.parametrize("content", [None, b"", b"not json\n"])
def test_the_handler_reports_a_bad_file_by_its_name(fake_assistant, tmp_path, content):
    path = None
    if content is not None:
        path = tmp_path / "mine.jsonl"
        path.write_bytes(content)
    view = run_evaluation(fake_assistant, path)
    assert view.report_path is None and view.metrics == [] and view.plots_html == ""
    assert 'role="alert"' in view.status_html
    assert str(tmp_path) not in view.status_html and (
        "mine.jsonl" in view.status_html or path is None
    )


def _app(assistant):
    import gradio as gr

    with gr.Blocks() as demo:
        with gr.Tabs():
            with gr.Tab("Chat"):
                gr.Markdown("chat")
            add_evaluate_tab(assistant)
    return demo


def test_the_tab_builds_inside_tabs_and_exposes_no_api(fake_assistant):
    config = _app(fake_assistant).get_config_file()
    labels = [c.get("props", {}).get("label") for c in config["components"]]
    assert "Evaluate" in labels and "Metrics" in labels
    assert not [
        d
        for d in config["dependencies"]
        if d.get("api_visibility", "public") == "public" and d.get("api_name")
    ]


def test_the_instructor_area_has_the_evaluate_tab_and_the_students_page_not(fake_assistant):
    from qa.web.instructor_ui import build_instructor_app
    from qa.web.ui import build_chat_app

    def tabs(config):
        return [c["props"].get("label") for c in config["components"] if c.get("type") == "tabitem"]

    assert "Evaluate" not in tabs(build_chat_app(fake_assistant).get_config_file())
    config = build_instructor_app(fake_assistant, None, None).get_config_file()
    assert "Evaluate" in tabs(config)
    public = [
        d.get("api_name")
        for d in config["dependencies"]
        if d.get("api_visibility", "public") == "public" and d.get("api_name")
    ]
    assert public == []  # every event of the area is private
