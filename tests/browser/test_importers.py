"""A PDF printed by headless Chromium imports with its pages and paragraphs."""

from __future__ import annotations

from pathlib import Path

from qa.readings.convert import convert_pdf
from tests.support.readings_fixtures import (
    PDF_PAGE1,
    PDF_PAGE2,
    PDF_PAGE3,
    PDF_TITLE,
)
from tests.support.web_helpers import chromium


def read_reading_text(text: str):
    from qa.readings.records import parse_reading

    return parse_reading(text, "doc")


def test_pdf_printed_by_chromium_keeps_pages_and_paragraphs(tmp_path: Path):
    """Headless Chromium's print-to-PDF: proportional fonts, no blank lines between paragraphs."""
    pages = [PDF_PAGE1, PDF_PAGE2, PDF_PAGE3]
    html = "".join(
        f"<div style='page-break-before:{'always' if i else 'auto'}'>"
        + (f"<h1>{PDF_TITLE}</h1>" if i == 0 else "")
        + "".join(f"<p>{p}</p>" for p in paras)
        + "</div>"
        for i, paras in enumerate(pages)
    )
    with chromium() as browser:
        page = browser.new_page()
        page.set_content(
            f"<html><head><title>{PDF_TITLE}</title></head>"
            f"<body style='font: 12pt serif; width: 15cm'>{html}</body></html>"
        )
        data = page.pdf(format="A4")
    imported = convert_pdf(data, "printed.pdf")
    reading = read_reading_text(imported.file_text())
    by_text = {reading.text[p.start : p.end]: p.page for p in reading.paragraphs}
    assert imported.title == PDF_TITLE
    assert {text: by_text.get(text) for paras in pages for text in paras} == {
        text: n for n, paras in enumerate(pages, 1) for text in paras
    }
