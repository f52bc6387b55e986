"""The chat's HTML (escaping, citations, links), suggested questions, the rate limiter, the embed
snippet.

Pure functions, no browser and no model: answers are built by hand from a parsed reading.

"""

from __future__ import annotations

import html
import re

import pytest

from qa.answering.answer import NOT_COVERED, Answer, Passage
from qa.cli import main
from qa.errors import UsageError
from qa.readings.records import parse_reading
from qa.web.app import embed_snippet, parse_origins
from qa.web.clients import sign_user
from qa.web.ratelimit import RateLimiter, client_key, retry_text
from qa.web.render import (
    candidate_questions,
    paragraph_anchor,
    reading_href,
    reading_page,
    render_answer,
    render_question,
    render_reading,
    short_title,
    text_fragment_url,
    text_html,
)

READING = """---
title: "Tides <and> Moons"
author: A. Writer
source_url: https://example.org/tides
---

## How & why

The Moon (TM) pulls the sea. <script>alert(1)</script> It makes *two* tides a day, costing $5.

<!-- page 3 -->

## Second Part

Neap tides are weak. Spring tides are strong.
"""


@pytest.fixture
def reading():
    return parse_reading(READING, "tides")


def _answer(reading, abstained=False, question="What makes tides?") -> Answer:
    p = reading.paragraphs[0]
    text = reading.text[p.start : p.end]
    hs = p.start + text.index("It makes")
    he = p.start + len(text)
    passage = Passage(
        rank=1,
        id="tides@0",
        doc="tides",
        title=reading.title,
        section=p.section,
        paragraph=p.number,
        paragraphs=(p.number,),
        page=p.page,
        start=p.start,
        end=p.end,
        text=text,
        score=0.9,
        highlight=reading.text[hs:he],
        highlight_start=hs,
        highlight_end=he,
    )
    q = reading.paragraphs[1]
    second = Passage(
        rank=2,
        id="tides@1",
        doc="tides",
        title=reading.title,
        section=q.section,
        paragraph=q.number,
        paragraphs=(q.number,),
        page=q.page,
        start=q.start,
        end=q.end,
        text=reading.text[q.start : q.end],
        score=0.5,
        highlight="Neap tides are weak.",
        highlight_start=q.start,
        highlight_end=q.start + len("Neap tides are weak."),
    )
    answer_text = NOT_COVERED if abstained else passage.highlight
    return Answer(
        question,
        abstained,
        answer_text,
        "" if abstained else passage.highlight,
        0.8,
        0.5,
        (passage, second),
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ""),
        ("plain", "plain"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("\"quotes\" & 'apostrophes'", "&quot;quotes&quot; &amp; &#x27;apostrophes&#x27;"),
        ("line one\n\nline two", "line one<br><br>line two"),
    ],
)
def test_text_html_escapes_and_keeps_line_breaks(text, expected):
    assert text_html(text) == expected


def test_question_is_shown_as_text_never_markup():
    out = render_question('<img src=x onerror="alert(1)">\n\n**bold**')
    assert "<img" not in out and "&lt;img" in out and "\n" not in out


def test_answer_starts_with_the_quote_and_marker_then_numbered_cited_passages(reading):
    out = render_answer(
        _answer(reading), base="/course", sources={"tides": "https://example.org/tides"}
    )
    assert "\n" not in out  # one raw HTML block for the Markdown renderer
    direct = re.search(
        r'<p class="qa-direct"><q>(.*?)</q> <span class="qa-n">\[1\]</span></p>', out
    )
    assert direct and html.unescape(direct.group(1)).startswith("It makes *two* tides a day")
    assert out.index("qa-direct") < out.index("qa-passages")
    assert "[1]</span> <cite>Tides &lt;and&gt; Moons</cite>" in out and "[2]</span>" in out
    assert "How &amp; why" in out and "¶1" in out and "¶2 · p. 3" in out
    mark = re.search(r"<mark>(.*?)</mark>", out).group(1)
    assert html.unescape(mark).startswith("It makes *two* tides") and "$5." in html.unescape(mark)
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    first = _answer(reading).passages[0]
    href = html.escape(
        reading_href("/course", "tides", 1, (first.highlight_start, first.highlight_end)),
        quote=True,
    )
    assert (
        f'<a class="qa-show" href="{href}"' in out
        and '>show in reading<span class="qa-sr"> (¶1 of Tides &lt;and&gt; Moons)</span></a>' in out
    )
    assert "https://example.org/tides#:~:text=" in out


def test_refusal_says_so_and_offers_questions_the_reading_answers(reading):
    out = render_answer(
        _answer(reading, abstained=True, question="Who won the cup?"),
        suggestions=["What makes <tides>?", "Why neap tides?"],
    )
    assert "The reading does not cover this question." in out
    assert "<li>What makes &lt;tides&gt;?</li>" in out and "Why neap tides?" in out
    assert (
        "qa-direct" not in out
        and "<mark>" not in out
        and "[1]</span> <cite>" in out.split("<details>")[1]
    )


def test_reading_view_has_an_anchor_on_every_paragraph_and_marks_the_sentence(reading):
    s, e = reading.paragraphs[1].start, reading.paragraphs[1].start + len("Neap tides are weak.")
    out = render_reading(reading, highlight=(s, e))
    for p in reading.paragraphs:
        assert f'id="{paragraph_anchor("tides", p.number)}"' in out
    assert out.count('class="qa-para qa-cited"') == 1 and "<mark>Neap tides are weak.</mark>" in out
    assert '<div class="qa-page">p. 3</div>' in out and "<h3>Second Part</h3>" in out
    assert "&lt;script&gt;" in out and "<script>" not in out
    page = reading_page(reading, (s, e), back="/")
    assert page.startswith("<!doctype html>") and "<title>Tides &lt;and&gt; Moons</title>" in page
    assert (
        f'href="#{paragraph_anchor("tides", 1)}"' in page and "http" not in page.split("<main>")[0]
    )


@pytest.mark.parametrize(
    "doc, para, hl, expected",
    [
        ("tides", 4, (1, 9), "/reading/tides?hl=1-9#r-tides-p4"),
        ("week 1/notes", 2, None, "/reading/week%201%2Fnotes#r-week-1-notes-p2"),
    ],
)
def test_reading_href(doc, para, hl, expected):
    assert reading_href("", doc, para, hl) == expected
    assert reading_href("/sub/", doc, para, hl) == "/sub" + expected


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("", "https://x.org/a#old"),
        ("One two, three", "https://x.org/a#:~:text=One%20two%2C%20three"),
        ("a b c d e f g h i j k l", "https://x.org/a#:~:text=a%20b%20c%20d%20e,h%20i%20j%20k%20l"),
    ],
)
def test_text_fragment_url(sentence, expected):
    assert text_fragment_url("https://x.org/a#old", sentence) == expected


def test_candidate_questions_come_from_the_reading():
    r = parse_reading(
        "## The Big Picture\n\nThe United States Forces Korea (USFK) met Gen. Xavier T. "
        "Brunson. The NATO thing (XYZQ).\n",
        "x",
    )
    qs = candidate_questions([r])
    assert "What does USFK stand for?" in qs and "Who is Xavier T. Brunson?" in qs
    assert "What does the section “The Big Picture” discuss?" in qs
    assert not any("XYZQ" in q for q in qs)
    assert candidate_questions([]) == []


def test_rate_limiter_sliding_window_per_client():
    now = [0.0]
    limiter = RateLimiter(3, window=60, clock=lambda: now[0])
    assert [limiter.hit("a") for _ in range(3)] == [None, None, None]
    assert limiter.hit("a") == pytest.approx(60)
    assert limiter.hit("b") is None  # another client is unaffected
    now[0] = 30
    assert limiter.hit("a") == pytest.approx(30)
    now[0] = 60.5
    assert limiter.hit("a") is None
    assert RateLimiter(0).hit("a") is None
    with pytest.raises(ValueError):
        RateLimiter(-1)


@pytest.mark.parametrize(
    "headers, query, host, key",
    [
        ({"x-qa-user": sign_user("s1", "k")}, {"user": sign_user("s2", "k")}, "1.2.3.4", "user:s1"),
        ({}, {"user": sign_user("s2", "k")}, "1.2.3.4", "user:s2"),
        ({"x-qa-user": "s1"}, {"user": "s2"}, "1.2.3.4", "ip:1.2.3.4"),  # unsigned ids are ignored
        ({"x-qa-user": "  "}, {}, "1.2.3.4", "ip:1.2.3.4"),
        (None, None, None, "ip:unknown"),
    ],
)
def test_client_key(headers, query, host, key):
    assert client_key(headers, query, host, "k") == key


def test_retry_text():
    assert retry_text(0.2) == "1 second" and retry_text(12.1) == "13 seconds"


def test_embed_snippet_has_a_titled_lazy_iframe_of_fixed_height():
    out = embed_snippet("https://uni.example.edu/assistant/", height=500, title='Ask "Week 3"')
    assert (
        '<iframe src="https://uni.example.edu/assistant/widget/" title="Ask &quot;Week '
        '3&quot;" loading="lazy"' in out
    )
    assert 'height="500"' in out and "height: 500px" in out
    assert (
        '<script type="module" src="https://uni.example.edu/assistant/gradio.js"></script>' in out
    )
    assert '<gradio-app src="https://uni.example.edu/assistant/widget/"></gradio-app>' in out
    assert "cdn" not in out.replace("no CDN", "").lower()
    assert "<gradio-app" not in embed_snippet("http://127.0.0.1:1", web_component=False)


@pytest.mark.parametrize(
    "url, height", [("ftp://x", 600), ("example.edu", 600), ("https://x.org", 50)]
)
def test_embed_snippet_refuses_bad_input(url, height):
    with pytest.raises(UsageError):
        embed_snippet(url, height)


def test_qa_embed_snippet_cli(capsys):
    assert (
        main(
            [
                "embed-snippet",
                "--url",
                "https://qa.example.edu",
                "--title",
                "Reading help",
                "--iframe-only",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.count("<iframe") == 1 and 'title="Reading help"' in out and "<gradio-app" not in out
    assert main(["embed-snippet", "--url", "nope"]) == 2


@pytest.mark.parametrize(
    "value, expected",
    [
        ("", ()),
        (None, ()),
        (
            "https://canvas.example.edu, http://localhost:8000/",
            ("https://canvas.example.edu", "http://localhost:8000"),
        ),
        ("HTTPS://A.example, https://a.example", ("https://a.example",)),
    ],
)
def test_parse_origins(value, expected):
    assert parse_origins(value) == expected


@pytest.mark.parametrize(
    "value", ["*", "canvas.example.edu", "https://x.org/path", "javascript:alert(1)"]
)
def test_parse_origins_refuses(value):
    with pytest.raises(UsageError):
        parse_origins(value)


@pytest.mark.parametrize(
    "title, expected",
    [
        ("", ""),
        ("Tides", "Tides"),
        (
            "The South Korea-US Alliance Is Due for an Overhaul",
            "The South Korea-US Alliance Is Due for…",
        ),
        ("Antidisestablishmentarianism" * 2, ("Antidisestablishmentarianism" * 2)[:40] + "…"),
        ("  spaced \n  title  ", "spaced title"),
    ],
)
def test_short_title_cuts_long_titles_at_a_word(title, expected):
    assert short_title(title) == expected
