"""Imported readings answered with the real model: the right reading and page cited, no site
furniture in any passage."""

from __future__ import annotations

import shutil

import pytest

from qa.index.store import build_index, load_index
from qa.readings.importers import add_reading
from tests.support.paths import CORPUS
from tests.support.readings_fixtures import (
    FURNITURE,
    NEWS_HTML,
    NEWS_TITLE,
    NOTES_TEXT,
    PDF_TITLE,
    river_pdf,
)


@pytest.fixture(scope="module")
def library(tmp_path_factory, real_embedder):
    """The bundled reading plus an imported web page, PDF and text file, indexed with the real
    model."""
    from qa.answering.assistant import Assistant

    root = tmp_path_factory.mktemp("library")
    corpus = root / "corpus"
    corpus.mkdir()
    for p in CORPUS.glob("*.md"):
        shutil.copy(p, corpus / p.name)
    (root / "andes.html").write_text(NEWS_HTML, encoding="utf-8")
    (root / "deltas.pdf").write_bytes(river_pdf())
    (root / "notes.txt").write_text(NOTES_TEXT, encoding="utf-8")
    for name in ("andes.html", "deltas.pdf", "notes.txt"):
        add_reading(root / name, corpus)
    build_index(corpus, root / "index", real_embedder)
    return Assistant(load_index(root / "index"), real_embedder)


@pytest.mark.parametrize(
    "question,title,page,words",
    [
        (
            "How much sediment did the Mekong delta receive before the dams were built?",
            PDF_TITLE,
            2,
            "160 million tonnes",
        ),
        ("By how much did the mangrove belt reduce storm waves?", PDF_TITLE, 3, "two thirds"),
        ("What are qochas?", NEWS_TITLE, None, "small reservoirs called qochas"),
        ("Which terraces does the course visit in week five?", "Notes", None, "Moray terraces"),
    ],
)
def test_the_right_reading_and_page_are_cited(
    library, question: str, title: str, page: int | None, words: str
):
    answer = library.ask(question)
    top = answer.passages[0]
    assert not answer.abstained, answer.to_json()
    assert top.title == title and top.page == page and words in top.text
    if page is not None:
        assert f"p. {page}" in top.citation and top.citation.startswith(title)


def test_no_furniture_in_any_passage(library):
    texts = [c.text.lower() for c in library.index.chunks]
    assert [w for w in FURNITURE if any(w.lower() in t for t in texts)] == []
    assert [c for c in library.index.chunks if "Delta Studies Reader" in c.text] == []
