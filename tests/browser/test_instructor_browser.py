"""The instructor area in Debian's Chromium, with the real model: log in, add a PDF in the Readings
tab and see the students' chat cite it with its page (no restart), remove it, read the feedback,
evaluate and calibrate, log out.

One app for the module over a copy of the bundled corpus (the session's index is never changed);
every request stays on 127.0.0.1. `make screenshots` copies the tab pictures to docs/screenshots/.
"""

from __future__ import annotations

import re
import shutil

import pytest

from qa.answering.assistant import Assistant
from qa.index.store import build_index, load_index
from qa.web.app import WebSettings, create_app
from qa.web.feedback import FeedbackLog
from tests.support.paths import CORPUS, QUESTIONS, ROOT
from tests.support.pdf_helpers import make_pdf
from tests.support.web_helpers import chromium, outside_requests, save_shot, serve_app

PASSWORD = "a browser test passphrase"
PDF_QUESTION = "Who depends on meltwater from Quelccaya in the dry season?"
FIXTURE = ROOT / "tests" / "fixtures" / "eval" / "questions.jsonl"


def _seed_feedback(log: FeedbackLog) -> None:
    """A few days of a course's questions, so that the Feedback tab has something to show."""
    asked = [
        ("2026-11-28", "What does USFK stand for?", False),
        ("2026-11-28", "Who is Xavier T. Brunson?", False),
        ("2026-11-29", "What is the capital of Australia?", True),
        ("2026-11-30", "What does USFK stand for?", False),
        ("2026-11-30", "How many troops does the US keep in Japan?", True),
        ("2026-12-01", "How many troops does the US keep in Japan?", True),
        ("2026-12-01", "When does the next South Korean administration take office?", False),
    ]
    for n, (day, question, refused) in enumerate(asked):
        log.append(
            {
                "time": f"{day}T1{n}:00:00+0000",
                "kind": "question",
                "question": question,
                "passage_ids": [],
                "abstained": refused,
                "doc": None,
            }
        )
    log.append(
        {
            "time": "2026-12-01T12:00:00+0000",
            "kind": "vote",
            "question": "Who is Xavier T. Brunson?",
            "passage_ids": ["south-korea-us-alliance-3"],
            "vote": "down",
            "comment": "Say what his role is.",
            "abstained": False,
        }
    )


@pytest.fixture(scope="module")
def app_url(real_embedder, tmp_path_factory):
    root = tmp_path_factory.mktemp("instructor-browser")
    shutil.copytree(CORPUS, root / "corpus")
    build_index(root / "corpus", root / "index", real_embedder)
    assistant = Assistant(load_index(root / "index"), real_embedder)
    log = FeedbackLog(root / "feedback.jsonl")
    _seed_feedback(log)
    settings = WebSettings(
        instructor_password=PASSWORD, feedback_log=root / "feedback.jsonl", rate_limit=0
    )
    with serve_app(create_app(assistant, settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1200, "height": 1000})
    ctx.requested = []
    ctx.on("request", lambda r: ctx.requested.append(r.url))
    ctx.route(
        re.compile(r"^(?!https?://127\.0\.0\.1[:/]|data:|blob:)"), lambda route: route.abort()
    )
    yield ctx
    assert not outside_requests(ctx.requested)
    ctx.close()


def log_in(page, url: str) -> None:
    from playwright.sync_api import expect

    page.goto(url + "/instructor/")
    expect(page).to_have_url(re.compile(r"/instructor/login$"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("tab", name="Readings")).to_be_visible(timeout=60_000)


def student_reply(page, url: str, question: str):
    page.goto(url + "/")
    before = page.locator(".qa-reply").count()
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")
    page.locator(".qa-reply").nth(before).wait_for(timeout=60_000)
    return page.locator(".qa-reply").nth(before)


def test_login_refuses_a_wrong_password_and_logout_closes_the_area(context, app_url):
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(app_url + "/instructor/")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong password.")
    log_in(page, app_url)
    for tab in ("Readings", "Feedback", "Evaluate", "Calibrate"):
        expect(page.get_by_role("tab", name=tab)).to_be_visible()
    page.locator("#qa-logout").click()
    expect(page).to_have_url(re.compile(r"/instructor/login$"))
    page.goto(app_url + "/instructor/")
    expect(page).to_have_url(re.compile(r"/instructor/login$"))
    # The students' page shows no instructor feature.
    page.goto(app_url + "/")
    expect(page.get_by_role("tab", name="Chat")).to_be_visible(timeout=60_000)
    assert (
        page.get_by_role("tab", name="Evaluate").count() == 0
        and page.locator("#qa-logout").count() == 0
    )


def test_a_pdf_added_in_the_browser_is_cited_with_its_page_then_removed(
    context, app_url, artifacts, tmp_path
):
    from playwright.sync_api import expect

    pdf = tmp_path / "andes-glaciers.pdf"
    pdf.write_bytes(
        make_pdf(
            [
                [
                    "Glacier retreat in the Andes",
                    "The Quelccaya ice cap has lost a fifth of its area since 1978.",
                ],
                [
                    "Meltwater and farming",
                    "Farmers of the Vilcanota valley depend on meltwater from Quelccaya in "
                    "the dry season.",
                ],
            ],
            title="Glaciers of the Andes",
        )
    )
    area = context.new_page()
    log_in(area, app_url)
    listing = area.locator("#qa-readings-list")
    expect(listing).to_contain_text("The South Korea-US Alliance", timeout=30_000)
    expect(listing).to_contain_text("indexed")
    area.locator("#qa-reading-file input[type=file]").set_input_files(str(pdf))
    expect(area.locator("#qa-reading-file")).to_contain_text("andes-glaciers", timeout=30_000)
    area.locator("#qa-reading-add").click()
    expect(area.locator("#qa-readings-status")).to_contain_text(
        "Added “Glaciers of the Andes”", timeout=120_000
    )
    expect(listing).to_contain_text("Glaciers of the Andes")
    save_shot(area, artifacts, "instructor-readings.png", readme=True)

    student = context.new_page()
    reply = student_reply(student, app_url, PDF_QUESTION)
    expect(reply).to_contain_text("Glaciers of the Andes")
    expect(reply).to_contain_text("p. 2")
    expect(reply).to_contain_text("Vilcanota valley")
    # The page, opened after the upload, lists the new reading in its reading view and "Search in".
    student.get_by_label("Search in").click()
    expect(student.get_by_role("option", name="Glaciers of the Andes")).to_be_visible()
    student.keyboard.press("Escape")
    student.get_by_role("tab", name="Reading").click()
    expect(student.locator("#qa-reading-view")).to_contain_text("Farmers of the Vilcanota valley")

    area.locator("#qa-reading-which input").click()
    area.get_by_role("option", name=re.compile("Glaciers of the Andes")).click()
    area.locator("#qa-reading-remove").click()
    expect(area.locator("#qa-readings-status")).to_contain_text(
        "Removed “Glaciers of the Andes”", timeout=120_000
    )
    expect(listing).not_to_contain_text("Glaciers of the Andes")
    reply = student_reply(student, app_url, PDF_QUESTION)
    expect(reply).not_to_contain_text("Glaciers of the Andes")
    expect(student.get_by_label("Search in")).to_be_hidden()  # one reading again: no menu
    student.get_by_role("tab", name="Reading").click()
    expect(student.locator("#qa-reading-view")).to_contain_text("The South Korea-US Alliance")
    expect(student.locator("#qa-reading-view")).not_to_contain_text("Vilcanota")


def test_a_bad_upload_shows_a_clear_message(context, app_url, tmp_path):
    from playwright.sync_api import expect

    scan = tmp_path / "scanned-chapter.pdf"
    scan.write_bytes(make_pdf([None, None]))
    page = context.new_page()
    log_in(page, app_url)
    page.locator("#qa-reading-file input[type=file]").set_input_files(str(scan))
    expect(page.locator("#qa-reading-file")).to_contain_text("scanned-chapter", timeout=30_000)
    page.locator("#qa-reading-add").click()
    status = page.locator("#qa-readings-status")
    expect(status).to_contain_text("no extractable text", timeout=60_000)
    expect(status).to_contain_text("The readings are as they were.")
    expect(status).not_to_contain_text("/tmp")  # the server's temporary path is not shown


def test_feedback_evaluate_and_calibrate_tabs(context, app_url, artifacts):
    from playwright.sync_api import expect

    page = context.new_page()
    page.set_viewport_size({"width": 1200, "height": 1400})
    log_in(page, app_url)
    page.get_by_role("tab", name="Feedback").click()
    # 7 seeded, and those the other tests asked in the students' chat
    expect(page.locator("#qa-fb-summary")).to_contain_text(
        re.compile(r"Questions asked: ([7-9]|\d\d)"), timeout=30_000
    )
    expect(page.locator("#qa-fb-refused")).to_contain_text(
        "How many troops does the US keep in Japan?"
    )
    expect(page.locator("#qa-fb-down")).to_contain_text("Say what his role is.")
    sizes = page.locator("#qa-fb-plots img").evaluate_all(
        "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)"
    )
    assert len(sizes) == 2 and all(sizes)
    with page.expect_download() as download:
        page.locator("#qa-fb-csv").click()
    assert download.value.suggested_filename == "feedback.csv"
    save_shot(page, artifacts, "instructor-feedback.png", readme=True)

    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#qa-eval-file input[type=file]").set_input_files(str(FIXTURE))
    expect(page.locator("#qa-eval-file")).to_contain_text(FIXTURE.stem, timeout=30_000)
    page.locator("#qa-eval-run").click()
    expect(page.locator("#qa-eval-status")).to_contain_text(
        "Evaluated 8 questions", timeout=120_000
    )
    save_shot(page, artifacts, "instructor-evaluate.png", readme=True)

    page.get_by_role("tab", name="Calibrate").click()
    page.locator("#qa-cal-file input[type=file]").set_input_files(str(QUESTIONS))
    expect(page.locator("#qa-cal-file")).to_contain_text(QUESTIONS.stem, timeout=30_000)
    page.locator("#qa-cal-run").click()
    expect(page.locator("#qa-cal-status")).to_contain_text("the best threshold is", timeout=180_000)
    expect(page.locator("#qa-cal-table")).to_contain_text("chosen")
    save_shot(page, artifacts, "instructor-calibrate.png", readme=True)
    page.locator("#qa-cal-use").click()
    expect(page.locator("#qa-cal-status")).to_contain_text(
        "now answered with the threshold", timeout=60_000
    )
    # With no question set: general questions and questions made from the readings
    page.locator("#qa-cal-auto").click()
    expect(page.locator("#qa-cal-status")).to_contain_text(
        "With no question set, the threshold is", timeout=180_000
    )
    expect(page.locator("#qa-cal-status")).to_contain_text("questions made from the readings")
    page.locator("#qa-cal-use").click()
    expect(page.locator("#qa-cal-status")).to_contain_text(
        "now answered with the threshold", timeout=60_000
    )
