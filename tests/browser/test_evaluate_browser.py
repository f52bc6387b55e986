"""The evaluation report opens in headless Chromium with its plots drawn, fetching nothing."""

from __future__ import annotations

import pytest

from tests.support.fakes import fake_assistant_over
from tests.support.paths import ROOT
from tests.support.web_helpers import chromium

FIXTURES = ROOT / "tests" / "fixtures" / "eval"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    from qa.evaluation.evaluate import evaluate, load_questions
    from qa.evaluation.report import render_report

    folder = tmp_path_factory.mktemp("report")
    run = evaluate(
        fake_assistant_over(FIXTURES / "corpus", folder / "index"),
        load_questions(FIXTURES / "questions.jsonl"),
        k=5,
    )
    path = folder / "report.html"
    path.write_text(render_report(run), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def page():
    with chromium() as browser:
        yield browser.new_page(viewport={"width": 1280, "height": 1000})


def test_the_report_renders_its_plots(page, report_file, artifacts):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report_file.as_uri())
    page.wait_for_load_state("load")
    plots = page.evaluate(
        """() => [...document.querySelectorAll('.plots img')].map(img => ({
            id: img.id, complete: img.complete, natural: img.naturalWidth,
            width: img.getBoundingClientRect().width,
            height: img.getBoundingClientRect().height}))"""
    )
    assert [p["id"] for p in plots] == ["plot-scores", "plot-hits"]
    for plot in plots:
        assert plot["complete"] and plot["natural"] > 100, plot  # a broken SVG has no natural size
        assert plot["width"] > 200 and plot["height"] > 100, plot
    assert page.locator("h1").inner_text().startswith("Evaluation of")
    assert page.locator("section.q").count() == 8
    assert page.locator("table").first.inner_text().count("hit@1") >= 1
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    page.locator(".plots").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "evaluate-report.png"), full_page=False)
    assert (artifacts / "evaluate-report.png").stat().st_size > 10_000
