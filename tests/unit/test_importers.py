"""Importing readings: web pages without their furniture, PDFs with pages, text, URLs, bad files."""

from __future__ import annotations

import http.server
import io
import re
import threading
from pathlib import Path

import pytest

from qa.cli import main
from qa.errors import ReadingError
from qa.readings.convert import (
    convert_docx,
    convert_file,
    convert_html,
    convert_pdf,
    slugify,
)
from qa.readings.corpus import read_reading
from qa.readings.importers import add_reading, find_reading, remove_reading
from tests.support.pdf_helpers import make_pdf, wrap_paragraphs
from tests.support.readings_fixtures import (
    FURNITURE,
    NEWS_FACT,
    NEWS_HTML,
    NEWS_TITLE,
    NOTES_TEXT,
    PDF_PAGE1,
    PDF_PAGE2,
    PDF_PAGE3,
    PDF_TITLE,
    RUNNING_HEADER,
    river_pdf,
)


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A folder with the news page, the 3-page PDF and a text file."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "andes-glaciers.html").write_text(NEWS_HTML, encoding="utf-8")
    (folder / "river-deltas.pdf").write_bytes(river_pdf())
    (folder / "week3_notes.txt").write_text(NOTES_TEXT, encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------- HTML


def test_html_keeps_the_article_its_sections_and_metadata():
    imported = convert_html(NEWS_HTML.encode(), "page.html")
    assert imported.title == NEWS_TITLE
    assert imported.meta["author"] == "Marta Quispe"
    assert imported.meta["date"] == "2024-03-12"
    assert imported.meta["publisher"] == "The Valley Courier"
    assert imported.meta["source_url"] == "https://courier.example/science/andes-glaciers"
    body = imported.body
    assert "## Why the ice is thinning\n" in body and "## What the valley can do\n" in body
    assert NEWS_FACT in body
    assert f"# {NEWS_TITLE}" not in body  # the title lives in the front matter, not as a section


def test_html_drops_menus_banners_related_links_footers_and_scripts():
    assert all(word in NEWS_HTML for word in FURNITURE)
    body = convert_html(NEWS_HTML.encode(), "page.html").body
    leaked = [word for word in FURNITURE if word.lower() in body.lower()]
    assert leaked == []


_PARAGRAPH = (
    "<p>The build reads its input files, works out which outputs are out of date, and runs the "
    "commands that bring them up to date, as few of them as it can.</p>"
)


def _docs_page(head: str, mark_html: str) -> bytes:
    """A documentation page: several <h1>, each heading with its permalink (`mark_html`)."""
    sections = "".join(
        f'<h1>{name}<a class="headerlink" href="#{name.lower()}">{mark_html}</a></h1>'
        + _PARAGRAPH * 3
        for name in ("Abstract", "Installing", "Upgrading")
    )
    return f"<html><head>{head}</head><body><main>{sections}</main></body></html>".encode()


@pytest.mark.parametrize("mark", ["¶", "#", "§"])
def test_html_heading_permalinks_are_dropped(mark: str):
    imported = convert_html(_docs_page("<title>Build Guide 1.2 documentation</title>", mark), "p")
    headings = [line for line in imported.body.splitlines() if line.startswith("## ")]
    assert headings == ["## Abstract", "## Installing", "## Upgrading"]
    assert mark not in imported.title


def test_html_page_with_several_h1_takes_its_title_element():
    """A page whose headings each name a section is titled by its <title>, dots and all (where
    trafilatura would take the first heading)."""
    imported = convert_html(_docs_page("<title>Build Guide 1.2 documentation</title>", "¶"), "p")
    assert imported.title == "Build Guide 1.2 documentation"
    untitled = convert_html(_docs_page("", "¶"), "p")
    assert untitled.title == "Abstract"  # no <title>: the first heading is all there is
    news = (  # a site's name in an <h1> too: the <title> holds the headline, which stays
        "<html><head><title>Glaciers retreat | The Courier</title></head><body><h1>The Courier"
        f"</h1><h1 class='entry-title'>Glaciers retreat</h1>{_PARAGRAPH * 3}</body></html>"
    )
    assert convert_html(news, "n").title == "Glaciers retreat"


def _manual_page() -> bytes:
    """A generated manual: no <main> or <article>, each heading wrapped in divs and holding a named
    anchor (as DocBook and Texinfo write them), a list whose items hold inline code, and a <br> in
    the title heading."""
    sections = "".join(
        f'<div class="section"><div class="titlepage"><div><div><h2 class="title">'
        f'<a name="s{i}"></a>{name}</h2></div></div></div>{_PARAGRAPH * 2}'
        "<ul><li>Use <code>-j 4</code> to run four commands at once when the machine has the "
        "cores for it.</li><li>Use <code>-n</code> to print the commands without running them "
        "at all.</li></ul></div>"
        for i, name in enumerate(("Introduction", "Running builds", "Writing rules"))
    )
    return (
        "<html><head><title>The Build Manual</title></head><body>"
        f'<div class="book"><h1 class="title">The Build<br>Manual</h1>{sections}</div>'
        "</body></html>"
    ).encode()


def test_html_manual_keeps_its_headings_and_whole_list_items():
    """Without the preparation trafilatura dropped every heading (a named anchor read as an empty
    link) and, finding no main element, gathered loose paragraphs: the lists were lost and their
    inline code came out as blocks of its own ("-j 4")."""
    imported = convert_html(_manual_page(), "manual.html")
    lines = imported.body.splitlines()
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == ["## Introduction", "## Running builds", "## Writing rules"]
    assert imported.title == "The Build Manual"  # (the <br> parts the words)
    item = "- Use -j 4 to run four commands at once when the machine has the cores for it."
    assert lines.count(item) == 3 and "-j 4" not in [line.strip() for line in lines]


def _hand_written_page() -> str:
    """A page written by hand, as course notes and older manuals are: its text stands loose in
    <body> after each heading, paragraphs parted by two line breaks, a <pre> and a <p> between."""
    return (
        "<html><head><title>Heat Engines</title></head><body>"
        "<h1>Heat Engines</h1>\n"
        "These notes cover the first law. Energy is conserved in every closed system, and heat"
        " is <b>one form</b> of it.\n<br><br>\n"
        "The second law says the entropy of an isolated system never decreases, and Carnot"
        "<br>showed the limit on the efficiency of engines.\n"
        "<h2>Cycles</h2>\n"
        "A heat engine turns heat into work between two reservoirs at different temperatures.\n"
        "<pre>W = Q_hot - Q_cold</pre>\n"
        "Its efficiency is bounded by the temperatures of the reservoirs it works between.\n"
        "<p>The Otto cycle models a petrol engine, and the Diesel cycle a diesel engine.\n"
        "<div>Both cycles are drawn on a pressure-volume chart in every textbook on them.</div>\n"
        "</body></html>"
    )


def test_html_text_standing_loose_after_headings_is_kept_as_paragraphs():
    """trafilatura keeps no text that is not in an element of its own: the introduction and every
    paragraph written straight after a heading were lost, and a page kept only its <p>."""
    imported = convert_html(_hand_written_page(), "heat.html")
    paragraphs = [block.strip() for block in imported.body.split("\n\n") if block.strip()]
    assert paragraphs == [
        "These notes cover the first law. Energy is conserved in every closed system, and heat"
        " is one form of it.",
        "The second law says the entropy of an isolated system never decreases, and Carnot"
        " showed the limit on the efficiency of engines.",  # (one line break: same paragraph)
        "## Cycles",
        "A heat engine turns heat into work between two reservoirs at different temperatures.",
        "W = Q_hot - Q_cold",
        "Its efficiency is bounded by the temperatures of the reservoirs it works between.",
        "The Otto cycle models a petrol engine, and the Diesel cycle a diesel engine.",
        "Both cycles are drawn on a pressure-volume chart in every textbook on them.",
    ]


def test_html_preformatted_text_keeps_its_lines():
    """trafilatura reads a <pre> as code only when it sees code words in it; a poem, a table or
    `#include` lines were read as a quotation and ran together on one line. Now each keeps its
    lines: the poem, lines of prose, as text; the `#include` lines as a code block."""
    poem = "Whose woods these are I think I know.\nHis house is in the village, though;"
    table = "#include <stdio.h>\n#include <string.h>"
    page = (
        "<html><head><title>Preformatted</title></head><body><main>"
        f"{_PARAGRAPH}<pre><b>{poem}</b></pre>{_PARAGRAPH}"
        f"<pre>{table.replace('<', '&lt;').replace('>', '&gt;')}</pre></main></body></html>"
    )
    body = convert_html(page, "pre.html").body
    assert f"\n\n{poem}\n\n" in body and _indented(table) in body


def test_html_preformatted_commands_are_code_though_made_of_words():
    """Install steps are words, but no sentence: no word of grammar in them, or a comment or a
    prompt mark opening the line."""
    steps = "sudo apt update\nsudo apt install nginx\nsudo systemctl enable nginx"
    script = "# read the file\nwith open(path) as f:\n    data = f.read()"
    page = (
        "<html><head><title>Install</title></head><body><main>"
        f"{_PARAGRAPH}<pre>{steps}</pre>{_PARAGRAPH}<pre>{script}</pre></main></body></html>"
    )
    body = convert_html(page, "install.html").body
    assert _indented(steps) in body and _indented(script) in body


def _indented(text: str) -> str:
    return "\n".join("    " + line for line in text.split("\n"))


def test_html_preformatted_text_is_written_as_a_code_block_the_reader_keeps_as_code():
    """A <pre> is written indented four columns, Markdown's code block: read back, its `#` lines
    are no headings, and retrieval's code test sees it as code (below prose in the ranking)."""
    from qa.readings.records import parse_reading

    page = (
        "<html><head><title>Building</title></head><body><main>"
        f"{_PARAGRAPH}<pre># build it\nmake install PREFIX=/usr</pre>{_PARAGRAPH}"
        "</main></body></html>"
    )
    body = convert_html(page, "build.html").body
    assert "    # build it\n    make install PREFIX=/usr" in body
    reading = parse_reading(body, "build")
    assert all(p.section is None for p in reading.paragraphs)  # (no "# build it" heading)
    texts = [reading.text[p.start : p.end] for p in reading.paragraphs]
    assert "# build it\n    make install PREFIX=/usr" in texts
    assert [p.code for p in reading.paragraphs] == ["make install" in t for t in texts]


def test_html_preformatted_text_after_a_list_is_code_not_the_items_content():
    from qa.readings.records import parse_reading

    page = (
        "<html><head><title>Building</title></head><body><main>"
        f"{_PARAGRAPH}<ol><li>Unpack the sources.</li><li>Run the build:</li></ol>"
        f"<pre>make install PREFIX=/usr</pre>{_PARAGRAPH}"
        "</main></body></html>"
    )
    reading = parse_reading(convert_html(page, "build.html").body, "build")
    code = {reading.text[p.start : p.end]: p.code for p in reading.paragraphs}
    assert code["make install PREFIX=/usr"]


def test_html_preformatted_page_marker_is_text_not_a_page():
    """A `<!-- page 2 -->` shown in a `<pre>` is code's text: the passages after it cite no page."""
    from qa.readings.records import parse_reading

    page = (
        "<html><head><title>Markers</title></head><body><main>"
        f"{_PARAGRAPH}<pre>&lt;!-- page 2 --&gt;\ncat notes.md</pre>{_PARAGRAPH}"
        "</main></body></html>"
    )
    reading = parse_reading(convert_html(page, "markers.html").body, "markers")
    assert [p.page for p in reading.paragraphs] == [None] * len(reading.paragraphs)


def test_html_inline_element_holding_blocks_keeps_them_in_order():
    """A mistyped tag left open (`<pi>` for `<p>`) or a `<span>` around paragraphs holds blocks:
    it is read as a container, not made part of a paragraph (which ran its headings and text
    together out of order)."""
    page = (
        "<html><head><title>json-c</title></head><body><h1>json-c</h1>"
        f"{_PARAGRAPH}<h3>Mailing List</h3><pi>Send email to <code>json-c at googlegroups</code>"
        "</p><h3>License</h3><p>This program is free software under the terms of the MIT License."
        "</p><span><p>Alpha paragraph is long enough to be kept by the extractor.</p><h3>Sub</h3>"
        "<p>Beta paragraph is long enough to be kept by the extractor.</p></span></body></html>"
    )
    body = convert_html(page, "r.html").body
    assert body.index("## Mailing List") < body.index("Send email to json-c at googlegroups")
    assert body.index("Send email to") < body.index("## License") < body.index("MIT License.")
    assert body.index("Alpha paragraph") < body.index("## Sub") < body.index("Beta paragraph")


def test_html_loose_text_keeps_a_sentence_whole_around_an_icon():
    page = (
        "<html><head><title>Saving</title></head><body><h1>Saving</h1>Click the "
        '<svg><path d="M0"/></svg> button to save the file you are working on, as always.'
        f"{_PARAGRAPH}</body></html>"
    )
    body = convert_html(page, "s.html").body
    assert "Click the button to save the file you are working on, as always." in body


def test_html_preformatted_synopsis_keeps_every_line():
    """A <code> around part of a <pre> (a function's name) no longer keeps only that part, and a
    <br> in a <pre> is a new line."""
    page = (
        f"<html><head><title>API</title></head><body><main>{_PARAGRAPH}"
        "<pre>int\n<code>xsltInit</code> (void);\nint <code>xsltCleanup</code> (void);</pre>"
        f"{_PARAGRAPH}<pre>line one<br>line two</pre>{_PARAGRAPH}</main></body></html>"
    )
    body = convert_html(page, "api.html").body
    assert _indented("int\nxsltInit (void);\nint xsltCleanup (void);") in body
    assert _indented("line one\nline two") in body


def test_html_page_without_loose_text_is_left_as_it_is():
    """Only loose text is wrapped: a page of elements is prepared exactly as before."""
    import lxml.html

    from qa.readings.htmltext import prepare_page

    page = (
        '<html><body><main><h2>A</h2><img src="f.png"><p>One <b>two</b>.</p>\n<div>Three.</div>'
        '<div><span>Four</span> five.</div><section><span id="s2"></span><h2>B</h2><p>Six.</p>'
        "</section></main></body></html>"
    )
    tree = lxml.html.fromstring(page)
    prepare_page(tree)
    assert lxml.html.tostring(tree).decode() == page


def test_html_without_main_text_is_refused():
    page = (
        "<html><head><title>Index</title><script>var a = 1;</script></head><body><nav><a "
        "href='/'>Home</a> <a href='/b'>Blog</a></nav></body></html>"
    )
    with pytest.raises(ReadingError, match=r"menu\.html: no main text found"):
        convert_html(page.encode(), "menu.html")


# ---------------------------------------------------------------------------- PDF


def test_pdf_pages_paragraphs_and_headings():
    imported = convert_pdf(river_pdf(), "deltas.pdf")
    assert imported.title == PDF_TITLE
    reading = read_reading_text(imported.file_text())
    by_text = {reading.text[p.start : p.end]: p for p in reading.paragraphs}
    for page, paragraphs in ((1, PDF_PAGE1), (2, PDF_PAGE2), (3, PDF_PAGE3)):
        for text in paragraphs:  # whole paragraphs back, hyphenation undone, on their own page
            assert by_text[text].page == page, text
    assert by_text[PDF_PAGE2[0]].section == "Sediment budgets"
    assert by_text[PDF_PAGE3[0]].section == "Mangrove belts"
    assert RUNNING_HEADER not in reading.text
    assert not re.search(r"^\d+$", reading.text, re.MULTILINE)  # page-number footers dropped
    assert len(reading.paragraphs) == 6


def test_pdf_numbered_section_headings_are_headings_and_numbered_lists_stay_lists():
    from qa.readings.pdftext import pdf_pages

    page = "\n".join(
        [
            "Valley Survey Notes",
            "1. Introduction",
            "1.1. Scope",
            "This note says how the survey was run and what it found in the valley.",
            "Of the plots, the wettest were counted first and the driest last, as in 2019;",
            "3 of them were flooded.",
            "2. Method",
            "The steps were these:",
            "1. Walk the transect",
            "2. Count the plants",
            "Then the counts were added up for every plot of the survey.",
        ]
    )
    (only,), _ = pdf_pages([page], [1])
    assert [text for kind, text in only.blocks if kind == "heading"] == [
        "1. Introduction",
        "1.1. Scope",
        "2. Method",
    ]
    assert ("text", "1. Walk the transect") in only.blocks  # a sibling follows: a list item
    # a sibling precedes: a list item too (its wrapped line joined on, as any item's)
    assert any(kind == "text" and text.startswith("2. Count") for kind, text in only.blocks)


def test_pdf_numbered_list_item_after_a_blank_line_has_its_sibling_before_it():
    """The line before a line is the last non-blank one: a blank line between two items of a
    numbered list does not make the second a section heading."""
    from qa.readings.pdftext import pdf_pages

    page = "\n".join(
        [
            "The steps were these, in the order the survey took them:",
            "1. Walk the transect",
            "",
            "2. Count the plants",
            "Then the counts were added up for every plot of the survey.",
        ]
    )
    (only,), _ = pdf_pages([page], [1])
    assert not [text for kind, text in only.blocks if kind == "heading"]


def test_pdf_running_heads_with_their_page_number_are_dropped():
    """A book chapter's running heads alternate (even pages one, odd pages another), so neither
    fills most pages; carrying their page's number on two pages or more gives them away."""
    from qa.readings.pdftext import pdf_pages

    bodies = {
        n: f"On page {word} the delta grows where the river slows and drops its sediment."
        for n, word in enumerate(("one", "two", "three", "four", "five", "six"), start=36)
    }
    texts = [
        f"{n} Rivers of the World\n{body}" if n % 2 == 0 else f"Deltas and Estuaries {n}\n{body}"
        for n, body in bodies.items()
    ]
    pages, _ = pdf_pages(texts, list(bodies))
    assert [page.blocks for page in pages] == [(("text", body),) for body in bodies.values()]
    once, _ = pdf_pages([f"{bodies[36]}\nSee figure 36", f"{bodies[37]}\nNotes"], [36, 37])
    assert "See figure 36" in once[0].blocks[-1][1]  # on one page only: kept


GLACIER_HEADER = "Journal of Andean Studies, Vol. 3, 2019, pp. 1-20"
GLACIER_BODY = wrap_paragraphs(
    [
        "Most of the small glaciers of the Andes have lost half of their area since 1980, and "
        "the survey team measured the fastest losses on the slopes that face north.",
        "The meltwater feeds the rivers of the dry coast for most of the year, so the towns "
        "below the glaciers will have less water in the dry season as the ice retreats.",
    ]
)


def _glacier_pdf(*title: str | tuple[str, float], meta: str | None = None) -> bytes:
    """Page 1 as a journal sets it: a small running header, the title line(s), a byline, prose."""
    return make_pdf([[(GLACIER_HEADER, 8), *title, "A. Author", *GLACIER_BODY]], title=meta)


def _headings(imported) -> list[str]:
    return [line[3:] for line in imported.body.splitlines() if line.startswith("## ")]


def test_pdf_title_is_the_large_type_below_a_small_running_header():
    imported = convert_pdf(_glacier_pdf(("Glaciers of the Andes", 20)), "andes.pdf")
    assert imported.title == "Glaciers of the Andes"
    assert "Glaciers of the Andes" not in _headings(imported)
    assert GLACIER_BODY[0] in imported.body  # the text is read as before


def test_pdf_title_wrapped_over_two_large_lines_is_one_title_and_no_section():
    pdf = _glacier_pdf(("Glaciers of the Andes", 20), ("Are Retreating Faster", 20))
    imported = convert_pdf(pdf, "andes.pdf")
    assert imported.title == "Glaciers of the Andes Are Retreating Faster"
    assert not {"Glaciers of the Andes", "Are Retreating Faster"} & set(_headings(imported))
    assert "Retreating Faster" not in imported.body


def test_pdf_title_is_the_first_line_when_all_text_is_one_size():
    imported = convert_pdf(make_pdf([["Glaciers of the Andes", "A. Author", *GLACIER_BODY]]), "a")
    assert imported.title == "Glaciers of the Andes"
    assert "Glaciers of the Andes" not in imported.body  # the title is no section either
    assert _headings(imported) == ["A. Author"]


def test_pdf_title_metadata_wins_over_large_type():
    pdf = _glacier_pdf(("Glaciers of the Andes", 20), meta="Andean Glaciers, 1980-2019")
    assert convert_pdf(pdf, "andes.pdf").title == "Andean Glaciers, 1980-2019"


def test_pdf_title_is_the_first_line_when_the_type_sizes_cannot_be_read(monkeypatch):
    """The sizes serve the title only: a page pypdf cannot walk with a visitor is still read."""
    from pypdf import PageObject

    extract_text = PageObject.extract_text

    def failing_visitor_pass(self, *args, **kwargs):
        if kwargs.get("visitor_text") is not None:
            raise KeyError("/Font")  # as pypdf does on a damaged font dictionary
        return extract_text(self, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", failing_visitor_pass)
    imported = convert_pdf(_glacier_pdf(("Glaciers of the Andes", 20)), "andes.pdf")
    assert imported.title == GLACIER_HEADER  # the first line, as when sizes were not read
    assert _headings(imported) == ["Glaciers of the Andes", "A. Author"]
    assert GLACIER_BODY[0] in imported.body


@pytest.mark.parametrize(
    "runs, title",
    [
        ([("Ice in the\n", 24), ("Andes\n", 24.02), (GLACIER_BODY[0], 11)], "Ice in the Andes"),
        ([("Inter-\n", 24), ("national Ice\n", 24), (GLACIER_BODY[0], 11)], "International Ice"),
        ([("Ice\n", 12), (GLACIER_BODY[0], 11)], ""),  # not clearly larger than the body
        ([("12\n", 24), (GLACIER_BODY[0], 11)], ""),  # a page number
        ([("xii\n", 24), (GLACIER_BODY[0], 11)], ""),
        ([("T", 30), ("he ice retreats.", 11)], ""),  # a drop cap
        ([(" ".join(GLACIER_BODY), 24), ("Page 1", 11)], ""),  # too long for a title
        ([("Ice\n", 24), ("(c) 2019\n", 8), ("Andes\n", 24), (GLACIER_BODY[0], 11)], "Ice"),
        ([("\n", 11), ("   ", 24)], ""),
        # a drop cap or a page number set larger than the title gives way to the title
        (
            [("M", 36), ("Ice in the Andes\n", 20), ("ost glaciers retreat.", 11)],
            "Ice in the Andes",
        ),
        ([("7\n", 30), ("Ice in the Andes\n", 20), (GLACIER_BODY[0], 11)], "Ice in the Andes"),
    ],
)
def test_large_type_title(runs, title):
    from qa.readings.pdftext import large_type_title

    assert large_type_title(runs) == title


def _word_document(title: str = "Week 3: River Deltas") -> bytes:
    """A .docx as an instructor writes one: a Title, headings, prose, a bulleted list, a table."""
    import docx

    document = docx.Document()
    document.core_properties.author = "A. Instructor"
    document.add_heading(title, 0)
    document.add_paragraph("Deltas form where a river slows and drops the sediment it carries.")
    document.add_heading("Sediment budgets", 1)
    document.add_paragraph("The Mekong delta received about 160 million tonnes of sediment a year.")
    document.add_paragraph("Dams upstream", style="List Bullet")
    document.add_paragraph("Sand mining in the channels", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(
        table.rows, (("River", "Tonnes"), ("Mekong", "160 million")), strict=True
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_heading("Mangrove belts", 1)
    document.add_paragraph("Mangroves trap sediment and shield the coast from storm surges.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_documents_keep_title_sections_lists_and_tables(tmp_path: Path):
    imported = convert_docx(_word_document(), "week3.docx")
    assert imported.kind == "docx" and imported.title == "Week 3: River Deltas"
    assert imported.meta["author"] == "A. Instructor"
    reading = read_reading_text(imported.file_text())
    by_text = {reading.text[p.start : p.end]: p.section for p in reading.paragraphs}
    assert by_text == {
        "Deltas form where a river slows and drops the sediment it carries.": None,
        "The Mekong delta received about 160 million tonnes of sediment a year.": (
            "Sediment budgets"
        ),
        "- Dams upstream\n- Sand mining in the channels": "Sediment budgets",
        "River | Tonnes\nMekong | 160 million": "Sediment budgets",
        "Mangroves trap sediment and shield the coast from storm surges.": "Mangrove belts",
    }
    path = tmp_path / "corpus" / "week3.docx"  # dropped into the corpus, read as qa add reads it
    path.parent.mkdir()
    path.write_bytes(_word_document())
    assert read_reading(path).title == "Week 3: River Deltas"
    added = add_reading(tmp_path / "corpus" / "week3.docx", tmp_path / "other")
    assert added.added and added.path.suffix == ".md"


def _word_handout_with_code() -> bytes:
    """A handout with commands set in Courier New (one with a line break inside), a listing in a
    "Code" style, a list after it, and a verse in Courier that reads as prose."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    document.add_heading("Building the tools", 1)
    document.add_paragraph("Install the tools from the source directory with make.")
    for command in ("./configure --prefix=$HOME/tools", "make && make install"):
        document.add_paragraph().add_run(command).font.name = "Courier New"
    document.paragraphs[-1].runs[0].add_break()
    document.paragraphs[-1].add_run("make check").font.name = "Courier New"
    document.add_paragraph("Then put the tools on your path in your profile.")
    document.styles.add_style("Code", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph('export PATH="$HOME/tools/bin:$PATH"', style="Code")
    document.add_paragraph("Check the compiler", style="List Bullet")
    verse = document.add_paragraph().add_run(
        "The rain in the plain falls on the roofs of the town."
    )
    verse.font.name = "Courier New"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_code_is_read_as_code_and_ranked_below_prose():
    imported = convert_docx(_word_handout_with_code(), "tools.docx")
    assert (
        "\n\n    ./configure --prefix=$HOME/tools\n    make && make install\n    make check\n\n"
        in imported.body
    )
    assert (
        '\n\n    export PATH="$HOME/tools/bin:$PATH"\n\n- Check the compiler\n\n' in imported.body
    )
    reading = read_reading_text(imported.file_text())
    code = {reading.text[p.start : p.end]: p.code for p in reading.paragraphs}
    assert code["./configure --prefix=$HOME/tools\n    make && make install\n    make check"]
    assert code['export PATH="$HOME/tools/bin:$PATH"']
    assert not code["Install the tools from the source directory with make."]
    assert not code["- Check the compiler"]
    assert not code["The rain in the plain falls on the roofs of the town."]


def _saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _paragraphs_of(data: bytes) -> tuple[str, list[tuple[str, str | None, bool]]]:
    """(title, [(paragraph text, section, code)]) of a .docx as imported and read back."""
    imported = convert_docx(data, "handout.docx")
    reading = read_reading_text(imported.file_text())
    return imported.title, [
        (reading.text[p.start : p.end], p.section, p.code) for p in reading.paragraphs
    ]


def test_a_word_document_typed_in_courier_throughout_keeps_its_title_sections_and_prose():
    import docx

    document = docx.Document()
    document.styles["Normal"].font.name = "Courier New"
    document.add_heading("Thermodynamics notes", 0)
    document.add_heading("Entropy", 1)
    for line in ("Entropy measures disorder.", "Q1. Define entropy.", "Due Friday."):
        document.add_paragraph(line)
    for paragraph in document.paragraphs:  # as "select all, then Courier New" leaves it
        for run in paragraph.runs:
            run.font.name = "Courier New"
    title, paragraphs = _paragraphs_of(_saved(document))
    assert title == "Thermodynamics notes"
    assert paragraphs == [
        ("Entropy measures disorder.", "Entropy", False),
        ("Q1. Define entropy.", "Entropy", False),
        ("Due Friday.", "Entropy", False),
    ]


def test_a_word_lab_sheet_mostly_of_code_keeps_its_code():
    """Code set in Consolas makes most of the sheet's text; its prose is in the body's type, so
    the monospaced type still marks the code."""
    import docx

    document = docx.Document()
    document.add_paragraph("Compile the program and run it on the sample input.")
    listing = (
        "gcc -Wall -O2 -o sorter sorter.c quicksort.c heap.c util.c",
        "./sorter --input data/sample-10000.txt --output out/sorted.txt --verbose",
        "diff -u out/sorted.txt expected/sorted-10000.txt && echo identical",
    )
    for line in listing:
        document.add_paragraph().add_run(line).font.name = "Consolas"
    document.add_paragraph("Hand in the output file.")
    _, paragraphs = _paragraphs_of(_saved(document))
    assert [code for _, _, code in paragraphs] == [False, True, False]


@pytest.mark.parametrize("font", ["SFMono-Regular", "JetBrainsMono", "RobotoMono"])
def test_word_code_in_a_mono_family_named_in_one_word_is_code(font: str):
    """Word gives a font's name as it is written; its capitals part it into words (sf mono
    regular), as a PDF's do, so a family named in one word is known."""
    import docx

    document = docx.Document()
    document.add_paragraph("Compile the program and run it on the sample input.")
    for line in ("gcc -Wall -o sorter sorter.c", "./sorter --input sample.txt"):
        document.add_paragraph().add_run(line).font.name = font
    document.add_paragraph("Hand in the output file.")
    _, paragraphs = _paragraphs_of(_saved(document))
    assert [code for _, _, code in paragraphs] == [False, True, False]


def test_a_word_document_of_code_alone_is_added():
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    document.styles.add_style("Code", WD_STYLE_TYPE.PARAGRAPH)
    for line in ("#include <stdio.h>", "int main(void) {", '  puts("hi");', "}"):
        document.add_paragraph(line, style="Code")
    _, paragraphs = _paragraphs_of(_saved(document))
    assert paragraphs == [
        ('#include <stdio.h>\n    int main(void) {\n      puts("hi");\n    }', None, True)
    ]


def test_word_code_after_a_list_is_code_not_the_last_items_content():
    """Markdown reads a block indented four columns after a list item as the item's content; the
    commands are indented four past it, code in the item, and a fence among them opens nothing."""
    import docx

    document = docx.Document()
    document.add_heading("Building", 1)
    document.add_paragraph("Go to the source directory", style="List Bullet")
    document.add_paragraph("Run the build:", style="List Number")
    for command in ("make -j4 all", "```sh", "./run_tests --verbose"):
        document.add_paragraph().add_run(command).font.name = "Consolas"
    document.add_heading("Grading", 1)
    document.add_paragraph("The build must pass every test before you hand it in.")
    _, paragraphs = _paragraphs_of(_saved(document))
    assert paragraphs == [
        ("- Go to the source directory\n- Run the build:", "Building", False),
        # (code in the last item: four columns past its content, which starts at column 2)
        ("make -j4 all\n      ```sh\n      ./run_tests --verbose", "Building", True),
        ("The build must pass every test before you hand it in.", "Grading", False),
    ]


def test_word_styles_named_like_code_but_not_code_stay_text_and_inherited_code_fonts_count():
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    styles = document.styles
    for name in ("Course Code", "Postal Code", "Code of Conduct"):
        styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    console = styles.add_style("Console", WD_STYLE_TYPE.PARAGRAPH)
    console.font.name = "Consolas"
    based = styles.add_style("Shell Lines", WD_STYLE_TYPE.PARAGRAPH)
    based.base_style = console
    character = styles.add_style("HTML Code", WD_STYLE_TYPE.CHARACTER)
    character.font.name = "Courier New"
    document.add_paragraph("CS 201 Data Structures", style="Course Code")
    document.add_paragraph("Cambridge, MA 02139", style="Postal Code")
    document.add_paragraph("Be kind to one another in the lab.", style="Code of Conduct")
    document.add_paragraph("Read the chapter on trees before the lab.")
    document.add_paragraph("ls -la /tmp", style="Shell Lines")
    document.add_paragraph("Then list the rest of the files in the folder.")
    document.add_paragraph().add_run("git status --short", style="HTML Code")
    _, paragraphs = _paragraphs_of(_saved(document))
    assert [(text, code) for text, _, code in paragraphs] == [
        ("CS 201 Data Structures", False),
        ("Cambridge, MA 02139", False),
        ("Be kind to one another in the lab.", False),
        ("Read the chapter on trees before the lab.", False),
        ("ls -la /tmp", True),
        ("Then list the rest of the files in the folder.", False),
        ("git status --short", True),
    ]


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("notes.docx", b"PK\x03\x04 not really a zip", "is not a Word document that can be read"),
        ("notes.doc", b"\xd0\xcf\x11\xe0 an old Word file", "save it as .docx or PDF"),
    ],
)
def test_unreadable_word_files_are_refused_with_the_fix(tmp_path: Path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadingError, match=re.escape(reason)) as error:
        convert_file(path)
    assert str(path) in str(error.value)


def read_reading_text(text: str):
    from qa.readings.records import parse_reading

    return parse_reading(text, "doc")


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(river_pdf())))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------------------- bad readings


BAD_READINGS = [
    ("empty.txt", b"", "the file is empty"),
    ("blank.md", b"\n  \n\n", "the file is empty"),
    ("only-headings.md", b"# Title\n\n## Part\n", "no text to index"),
    ("binary.txt", bytes(range(256)) * 4, "looks like a binary file"),
    ("latin1.txt", "Caf\u00e9 cr\u00e8me".encode("latin-1"), "is not UTF-8 text"),
    ("broken.pdf", river_pdf()[:400], "the PDF is damaged"),
    ("fake.pdf", b"<html>not a pdf</html>", "is not a PDF"),
    ("scan.pdf", make_pdf([None, None]), "no extractable text; OCR it first"),
    ("locked.pdf", None, "password-protected"),
    (
        "menu.html",
        b"<html><body><nav><a href='/'>Home</a></nav><footer>(c) 2024</footer></body></html>",
        "no main text found",
    ),
    ("slides.pptx", b"PK\x03\x04", "unsupported file type"),
]


@pytest.mark.parametrize("name,data,reason", BAD_READINGS, ids=[b[0] for b in BAD_READINGS])
def test_bad_readings_are_refused_naming_the_file_and_reason(
    tmp_path: Path, name: str, data: bytes | None, reason: str
):
    path = tmp_path / name
    path.write_bytes(_encrypted_pdf() if data is None else data)
    with pytest.raises(ReadingError) as error:
        add_reading(path, tmp_path / "corpus")
    assert str(path) in str(error.value) and reason in str(error.value)
    assert not any((tmp_path / "corpus").glob("*")) if (tmp_path / "corpus").exists() else True


def test_huge_files_are_refused_before_reading(tmp_path: Path):
    path = tmp_path / "huge.pdf"
    with path.open("wb") as fh:  # sparse: takes no disk space
        fh.truncate(60 * 1024 * 1024)
    with pytest.raises(ReadingError, match=r"huge\.pdf: 62\.9 MB is over the 50 MB limit"):
        convert_file(path)
    text = tmp_path / "huge.txt"
    text.write_text("word " * 2000)
    with pytest.raises(ReadingError, match="over the"):
        add_reading(text, tmp_path / "corpus", max_bytes=1000)


def test_cli_add_skips_bad_sources_and_adds_the_rest(sources: Path, tmp_path: Path, capsys):
    (sources / "empty.txt").write_bytes(b"")
    (sources / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")
    corpus = tmp_path / "corpus"
    paths = [str(p) for p in sorted(sources.iterdir())]
    assert main(["add", *paths, "--corpus", str(corpus)]) == 2
    out, err = capsys.readouterr()
    assert f"not added: {sources / 'empty.txt'}: the file is empty" in err
    assert f"not added: {sources / 'broken.pdf'}: the PDF is damaged" in err
    assert sorted(p.name for p in corpus.iterdir()) == [
        "field-notes-on-river-deltas.md",
        "glaciers-of-the-andes-are-retreating-faster.md",
        "week3-notes.txt",
    ]
    assert out.count("Added “") == 3 and "qa build" in out


# ---------------------------------------------------------------------------- the corpus


def test_added_readings_read_back_with_front_matter_and_pages(sources: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    html = add_reading(sources / "andes-glaciers.html", corpus)
    pdf = add_reading(sources / "river-deltas.pdf", corpus)
    text = add_reading(sources / "week3_notes.txt", corpus)
    assert (html.added, pdf.added, text.added) == (True, True, True)
    assert html.path.name == "glaciers-of-the-andes-are-retreating-faster.md"
    page = read_reading(html.path)
    assert (
        page.title == NEWS_TITLE
        and page.meta["publisher"] == "The Valley Courier"
        and page.meta["source_file"] == "andes-glaciers.html"
    )
    deltas = read_reading(pdf.path)
    assert pdf.pages == 3 and {p.page for p in deltas.paragraphs} == {1, 2, 3}
    assert pdf.path.read_text().count("<!-- page ") == 3
    assert text.path.read_bytes() == NOTES_TEXT.encode()  # plain text copied as it is
    assert not [p for p in corpus.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_adding_the_same_reading_twice_does_not_duplicate_it(sources: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    first = add_reading(sources / "river-deltas.pdf", corpus)
    copy = tmp_path / "copy-of-deltas.pdf"
    copy.write_bytes((sources / "river-deltas.pdf").read_bytes())
    again = add_reading(copy, corpus)
    assert not again.added and again.path == first.path and again.title == PDF_TITLE
    titled = add_reading(sources / "week3_notes.txt", corpus, title="Watersheds")
    assert not add_reading(sources / "week3_notes.txt", corpus, title="Watersheds").added
    assert read_reading(titled.path).title == "Watersheds"
    assert len(list(corpus.iterdir())) == 2


def test_replace_rewrites_the_same_file(sources: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    first = add_reading(sources / "andes-glaciers.html", corpus)
    again = add_reading(
        sources / "andes-glaciers.html", corpus, replace=True, title="Andes glaciers"
    )
    assert (
        again.added
        and again.path == first.path
        and read_reading(first.path).title == "Andes glaciers"
    )
    assert len(list(corpus.iterdir())) == 1


def test_same_titles_get_distinct_file_names(tmp_path: Path):
    corpus = tmp_path / "corpus"
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("# Notes\n\nOne thing.\n")
    b.write_text("# Notes\n\nAnother thing.\n")
    assert add_reading(a, corpus, title="Notes").path.name == "notes.md"
    assert add_reading(b, corpus, title="Notes").path.name == "notes-2.md"


def test_find_and_remove_by_id_file_or_title(sources: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    pdf = add_reading(sources / "river-deltas.pdf", corpus)
    add_reading(sources / "week3_notes.txt", corpus)
    assert find_reading(corpus, "field-notes-on-river-deltas") == pdf.path
    assert find_reading(corpus, "FIELD NOTES ON RIVER DELTAS") == pdf.path
    assert find_reading(corpus, "week3-notes.txt").name == "week3-notes.txt"
    with pytest.raises(ReadingError, match="no reading with that id"):
        find_reading(corpus, "nothing-here")
    path, title = remove_reading(corpus, PDF_TITLE)
    assert title == PDF_TITLE and not path.exists()


@pytest.mark.parametrize(
    "title,slug",
    [
        ("Glaciers: Retreating Faster?", "glaciers-retreating-faster"),
        ("Über Flüsse", "uber-flusse"),
        ("", "reading"),
        ("???", "reading"),
    ],
)
def test_slugify(title: str, slug: str):
    assert slugify(title) == slug


# ---------------------------------------------------------------------------- URLs


class _Pages(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes]] = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        status, ctype, body = self.routes.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    """A local web server (127.0.0.1, free port) serving the test readings."""
    _Pages.routes = {
        "/science/andes-glaciers": (200, "text/html; charset=utf-8", NEWS_HTML.encode()),
        "/deltas.pdf": (200, "application/pdf", river_pdf()),
        "/notes.txt": (200, "text/plain; charset=utf-8", NOTES_TEXT.encode()),
        "/week3.docx": (
            200,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            _word_document(),
        ),
        "/logo.png": (200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(100)),
        "/menu": (200, "text/html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>"),
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_url_html_is_fetched_converted_and_records_its_address(
    server: str, tmp_path: Path, sources: Path
):
    corpus = tmp_path / "corpus"
    url = f"{server}/science/andes-glaciers"
    result = add_reading(url, corpus)
    reading = read_reading(result.path)
    assert result.added and reading.title == NEWS_TITLE and reading.meta["source_url"] == url
    assert NEWS_FACT in reading.text and not [
        w for w in FURNITURE if w.lower() in reading.text.lower()
    ]
    assert not add_reading(url, corpus).added  # same address
    assert not add_reading(sources / "andes-glaciers.html", corpus).added  # same page, saved


def test_url_pdf_and_text(server: str, tmp_path: Path):
    corpus = tmp_path / "corpus"
    pdf = add_reading(f"{server}/deltas.pdf", corpus)
    assert pdf.pages == 3 and read_reading(pdf.path).meta["source_url"] == f"{server}/deltas.pdf"
    notes = add_reading(f"{server}/notes.txt", corpus)
    reading = read_reading(notes.path)
    assert notes.path.suffix == ".txt" and reading.meta["source_url"] == f"{server}/notes.txt"
    assert NOTES_TEXT in notes.path.read_text()  # the words as they are, after the front matter
    word = add_reading(f"{server}/week3.docx", corpus)
    assert word.kind == "docx" and read_reading(word.path).title == "Week 3: River Deltas"


@pytest.mark.parametrize(
    "path,reason",
    [
        ("/logo.png", "content type 'image/png' is not a reading"),
        ("/missing", "HTTP 404"),
        ("/menu", "no main text found"),
        ("/deltas.pdf", "over the"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(server: str, tmp_path: Path, path: str, reason: str):
    with pytest.raises(ReadingError, match=re.escape(reason)) as error:
        add_reading(
            server + path, tmp_path / "corpus", max_bytes=1000 if path == "/deltas.pdf" else 10**6
        )
    assert str(error.value).startswith(server + path)


def test_unreachable_url_and_other_schemes(tmp_path: Path):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ReadingError, match="cannot be fetched"):
        add_reading(f"http://127.0.0.1:{port}/page", tmp_path, timeout=2)
    with pytest.raises(ReadingError, match=r"ftp://127\.0\.0\.1/file: not an http\(s\) URL"):
        add_reading("ftp://127.0.0.1/file", tmp_path)


# ---------------------------------------------------------------------------- a browser-made PDF
