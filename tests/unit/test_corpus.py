"""The bundled reading: the whole article, verbatim, and nothing of the web page around it.

The reference is `tests/fixtures/scraped-page.txt`, the article's page as it was scraped (menus,
share buttons, related posts and footer included). The article body is cut out of it here, by its
landmarks, and compared paragraph by paragraph with what `qa.readings.records` parses from the
corpus file.

"""

from __future__ import annotations

import re

import pytest

from qa.readings.corpus import read_reading
from tests.support.paths import CORPUS, FIXTURES

FIXTURE = FIXTURES / "scraped-page.txt"
READING = CORPUS / "south-korea-us-alliance.md"
TITLE = "The South Korea-US Alliance Is Due for an Overhaul"
SECTIONS = (
    "Recent Signals Raise Concerns in Seoul",
    "Past as Prelude?",
    "Past Echoes in a Transformed Present",
)

# Lines of the scraped page that belong to the site, not the article.
FURNITURE = (
    "World News",
    "Share on Facebook",
    "Share on Twitter",
    "Related Posts",
    "Recent News",
    "Previous Post",
    "Next Post",
    "© 2024 Todayheadline.co",
    "Todayheadline",
    "Today Headline",
    "Login to your account",
    "Forgotten Password?",
    "View All Result",
    "Reading Time",
    "Browse by Category",
    "Follow Us",
    "Vance gives Pope Leo",
)


def scraped_blocks() -> list[str]:
    """The article's non-empty lines in the scraped page: between the share buttons and "Previous
    Post"."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Share on Facebook"))
    end = lines.index("Previous Post", start)
    return [line.strip() for line in lines[start + 1 : end] if line.strip()]


def is_heading(block: str) -> bool:
    # In the scraped text a section heading is a short line that is not a sentence.
    return len(block) < 60 and not block.endswith(".")


def scraped_article() -> tuple[list[str], list[str]]:
    """(body paragraphs, section headings) of the article in the scraped page, in page order."""
    blocks = scraped_blocks()
    return [b for b in blocks if not is_heading(b)], [b for b in blocks if is_heading(b)]


@pytest.fixture(scope="module")
def reading():
    return read_reading(READING)


@pytest.fixture(scope="module")
def raw() -> str:
    return READING.read_text(encoding="utf-8")


def test_the_fixture_holds_the_article_and_its_page():
    paragraphs, headings = scraped_article()
    assert len(paragraphs) == 36
    assert headings == list(SECTIONS)
    page = FIXTURE.read_text(encoding="utf-8")
    assert all(
        f in page
        for f in ("World News", "Related Posts", "© 2024 Todayheadline.co", "Login to your account")
    )


def test_front_matter_has_title_publisher_and_date_and_nothing_invented(raw, reading):
    block = re.match(r"---\n(.*?)\n---\n", raw, re.DOTALL)
    assert block, "the reading opens with a front-matter block"
    keys = [line.split(":", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert sorted(keys) == ["date", "publisher", "title"]
    assert reading.title == TITLE
    assert reading.meta == {"publisher": "The Diplomat", "date": "2025-05-19"}
    assert "author" not in reading.meta and "source_url" not in reading.meta


def test_section_headings_are_markdown_headings_in_order(raw):
    assert re.findall(r"^## (.+)$", raw, re.MULTILINE) == list(SECTIONS)
    assert re.findall(r"^#{1,6} ", raw, re.MULTILINE) == ["## "] * 3


def test_every_paragraph_of_the_article_is_there_verbatim_and_in_order(reading):
    expected, _ = scraped_article()
    got = [reading.text[p.start : p.end] for p in reading.paragraphs]
    assert len(got) == len(expected) == 36
    for number, (want, have) in enumerate(zip(expected, got, strict=True), 1):
        assert have == want, f"paragraph {number} differs from the article"
    assert [p.number for p in reading.paragraphs] == list(range(1, 37))


def test_paragraphs_carry_their_sections(reading):
    sections = [p.section for p in reading.paragraphs]
    assert sections[:3] == [None, None, None]  # the introduction comes before the first heading
    assert (
        sections.count(SECTIONS[0]) > 0
        and sections.count(SECTIONS[1]) > 0
        and sections.count(SECTIONS[2]) > 0
    )
    order = [s for i, s in enumerate(sections) if s and (i == 0 or sections[i - 1] != s)]
    assert order == list(SECTIONS)
    assert all(p.page is None for p in reading.paragraphs)
    assert (
        reading.paragraphs[23].section == "Past Echoes in a Transformed Present"
    )  # the citation in the issue


@pytest.mark.parametrize("furniture", FURNITURE)
def test_no_page_furniture_in_the_corpus_file(raw, furniture):
    assert furniture not in raw


def test_no_line_of_the_page_outside_the_article_is_in_the_corpus(raw):
    article = set(scraped_blocks())
    page = {line.strip(" •\t") for line in FIXTURE.read_text(encoding="utf-8").splitlines()}
    outside = {line for line in page if line and line not in article}
    assert len(outside) > 100  # the fixture really has its menus, related posts and footer
    corpus_lines = {line.strip() for line in raw.splitlines()}
    assert not outside & corpus_lines


def test_nothing_beyond_the_article(reading):
    body_lines = [line.strip() for line in reading.text.splitlines() if line.strip()]
    assert body_lines == [f"## {b}" if is_heading(b) else b for b in scraped_blocks()]
