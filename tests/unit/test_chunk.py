"""Chunking: exact offsets, no chunk across a heading or page break, every word covered, token
budget.

Unit tests run on generated Markdown with the fake embedder's token counter; the word-piece budget
with the real model's own tokenizer is checked in tests/model/test_chunk.py.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.errors import ReadingError
from qa.index.chunk import ChunkSettings, chunk_reading, embedding_text, split_sentences
from qa.readings.records import parse_reading
from tests.support.chunk_checks import check_chunks
from tests.support.fakes import FakeEmbedder

COUNT = FakeEmbedder().count_tokens

# ---------------------------------------------------------------------------- generated documents

WORDS = st.sampled_from(
    "the alliance U.S. Adm. Gen. Dr. e.g. i.e. 28,500 3.5 Seoul Washington OPCON troops "
    "naïve Zürich 서울 東京 — – “quoted” ‘single’ (aside) ROK-U.S. J. p.m. no. etc. a b".split()
)


@st.composite
def sentences(draw) -> str:
    words = draw(st.lists(WORDS, min_size=1, max_size=25))
    first = draw(st.sampled_from(["The", "U.S.", "Adm.", "“We", "In", "28,500", "Kim", "Ünal"]))
    end = draw(st.sampled_from([".", "?", "!", ".”", ".)", "…", ""]))
    return " ".join([first, *words]) + end


@st.composite
def paragraphs(draw) -> str:
    parts = draw(st.lists(sentences(), min_size=1, max_size=8))
    glue = draw(st.sampled_from([" ", "  ", "\n"]))  # a paragraph may wrap over several lines
    return glue.join(parts)


@st.composite
def documents(draw) -> str:
    blocks: list[str] = []
    for _ in range(draw(st.integers(1, 14))):
        kind = draw(st.sampled_from(["para", "para", "para", "heading", "page", "long", "rule"]))
        if kind == "rule":
            blocks.append("---")  # a Markdown rule: kept as text, never taken for front matter
        elif kind == "heading":
            blocks.append("#" * draw(st.integers(2, 4)) + " " + draw(sentences()).rstrip(".?!…”)"))
        elif kind == "page":
            blocks.append(f"<!-- page {draw(st.integers(1, 400))} -->")
        elif kind == "long":
            blocks.append(" ".join(draw(st.lists(sentences(), min_size=20, max_size=40))))
        else:
            blocks.append(draw(paragraphs()))
    blocks.append(draw(paragraphs()))  # at least one paragraph of text
    front = draw(st.sampled_from(["", "---\ntitle: Generated\n---\n", "# A Title\n\n"]))
    sep = draw(st.sampled_from(["\n\n", "\n\n\n", "\n \n"]))
    return front + sep.join(blocks) + draw(st.sampled_from(["", "\n", "\n\n"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_documents_chunk_exactly(raw):
    reading = parse_reading(raw, "generated")
    chunks = chunk_reading(reading, COUNT)
    check_chunks(reading, chunks, COUNT, ChunkSettings())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(20, 120), st.integers(0, 15))
def test_generated_documents_chunk_exactly_with_other_settings(raw, max_tokens, overlap):
    reading = parse_reading(raw, "generated")
    chunk_settings = ChunkSettings(max_tokens=max_tokens, overlap_tokens=overlap)
    chunks = chunk_reading(reading, COUNT, chunk_settings)
    text = reading.text
    starts = [c.start for c in chunks]
    assert starts == sorted(set(starts)), "chunks start in reading order, each after the last"
    if overlap == 0:
        assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:], strict=False))
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert all(
            {(reading.paragraphs[n - 1].section, reading.paragraphs[n - 1].page)}
            == {(c.section, c.page)}
            for n in c.paragraphs
        )
        assert (
            COUNT(embedding_text(c.title, c.section, c.text)) + 2 <= chunk_settings.model_max_tokens
        )


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400))
def test_any_text_either_chunks_exactly_or_is_refused(raw):
    try:
        reading = parse_reading(raw, "any")
    except ReadingError:
        assert not raw.replace("\x00", "").strip() or all(
            not line.strip()
            or line.strip().startswith("#")
            or line.strip().startswith("<!--")
            or line.strip() == "---"
            for line in raw.replace("\r", "\n").split("\n")
        )
        return
    for c in chunk_reading(reading, COUNT):
        assert reading.text[c.start : c.end] == c.text


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   \n\n  ",
        "---\ntitle: Only a title\n---\n",
        "# Just a heading\n",
        "## One\n\n## Two\n",
        "<!-- page 3 -->\n",
    ],
    ids=["empty", "blank", "front-matter-only", "title-only", "headings-only", "page-marker-only"],
)
def test_a_document_without_text_is_refused(raw):
    with pytest.raises(ReadingError, match="no text to index"):
        parse_reading(raw, "empty")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("One paragraph.", [("One paragraph.", None, None)]),
        (
            "Intro.\n\n## Part A\n\nFirst.\n\nSecond.\n\n## Part B\n\nThird.",
            [
                ("Intro.", None, None),
                ("First.\n\nSecond.", "Part A", None),
                ("Third.", "Part B", None),
            ],
        ),
        (
            "<!-- page 1 -->\nOn one.\n\n<!-- page 2 -->\nOn two.\n\nStill two.",
            [("On one.", None, 1), ("On two.\n\nStill two.", None, 2)],
        ),
        ("## S\n\n<!-- page 4 -->\n\nA.\n\n## T\n\nB.", [("A.", "S", 4), ("B.", "T", 4)]),
        (
            "## Notes\n\nOne.\n\n## Notes\n\nTwo.",
            [("One.", "Notes", None), ("Two.", "Notes", None)],
        ),
        ("<!-- page 2 -->\nOne.\n\n<!-- page 2 -->\nTwo.", [("One.", None, 2), ("Two.", None, 2)]),
    ],
    ids=[
        "single",
        "sections",
        "pages",
        "section-and-page",
        "repeated-heading",
        "repeated-page-marker",
    ],
)
def test_chunks_of_small_documents(raw, expected):
    reading = parse_reading(raw, "small")
    chunks = chunk_reading(reading, COUNT)
    assert [(c.text, c.section, c.page) for c in chunks] == expected
    check_chunks(reading, chunks, COUNT, ChunkSettings())


def test_a_long_paragraph_is_cut_at_sentences_and_a_long_sentence_at_words():
    # Repeated sentences: each chunk must keep its own place, not the first occurrence of its text.
    sentence = "The alliance is ironclad and both allies work in lockstep on defense posture."
    long_paragraph = " ".join([sentence] * 40)
    long_sentence = " ".join(["word"] * 700) + "."
    reading = parse_reading(f"## S\n\n{long_paragraph}\n\n{long_sentence}", "long")
    chunk_settings = ChunkSettings()
    chunks = chunk_reading(reading, COUNT, chunk_settings)
    check_chunks(reading, chunks, COUNT, chunk_settings)
    first = [c for c in chunks if c.paragraphs == (1,)]
    assert len(first) > 1 and all(c.text.endswith(".") for c in first), (
        "a long paragraph is cut between sentences"
    )
    assert len([c for c in chunks if c.paragraphs == (2,)]) >= 3


# ---------------------------------------------------------------------------- sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("   ", []),
        ("No final stop", ["No final stop"]),
        (
            "Adm. Samuel J. Paparo spoke. U.S. forces stay.",
            ["Adm. Samuel J. Paparo spoke.", "U.S. forces stay."],
        ),
        (
            "Gen. Xavier T. Brunson said so. Dr. Kim agreed.",
            ["Gen. Xavier T. Brunson said so.", "Dr. Kim agreed."],
        ),
        (
            "U.S. forces would remain at 28,500. In a context of growth.",
            ["U.S. forces would remain at 28,500.", "In a context of growth."],
        ),
        ("It cost 3.5 billion won. Then more.", ["It cost 3.5 billion won.", "Then more."]),
        (
            "A regional conflict (i.e., over Taiwan). Conservatives disagree.",
            ["A regional conflict (i.e., over Taiwan).", "Conservatives disagree."],
        ),
        (
            "The ROK-U.S. alliance is ironclad. Next.",
            ["The ROK-U.S. alliance is ironclad.", "Next."],
        ),
        (
            "He called it “unacceptable.” Others agreed.",
            ["He called it “unacceptable.”", "Others agreed."],
        ),
        ("He said “no.” Then he left.", ["He said “no.”", "Then he left."]),
        ("See No. 5 of the list. Then stop.", ["See No. 5 of the list.", "Then stop."]),
        ("Is it? Yes! Sure.", ["Is it?", "Yes!", "Sure."]),
        ("Past as Prelude? Maybe not.", ["Past as Prelude?", "Maybe not."]),
        (
            "Kim Jong Un’s suite. “Quoted start.” Done.",
            ["Kim Jong Un’s suite.", "“Quoted start.”", "Done."],
        ),
        ("e.g. this and that. Then the rest.", ["e.g. this and that.", "Then the rest."]),
        (
            "lower case. after a stop stays one sentence.",
            ["lower case. after a stop stays one sentence."],
        ),
    ],
)
def test_split_sentences(text, expected):
    assert [text[a:b] for a, b in split_sentences(text)] == expected


def test_split_sentences_of_a_long_paragraph_are_those_of_its_parts():
    """The word before each full stop is read from a short window before it (a paragraph of
    130,000 characters took 13 s when it was searched for from the start): splitting a long run
    of sentences gives the same sentences as splitting each alone, abbreviations, initials, a
    "No. 5" and a word longer than the window included."""
    parts = [
        "Adm. Samuel J. Paparo spoke in Seoul.",
        "See No. 5 of the list, e.g. the last one.",
        "The word " + "x" * 100 + ". Then a sentence after it.",
        "U.S. forces stay at 28,500.",
    ] * 300
    text = " ".join(parts)
    expected = [part[a:b] for part in parts for a, b in split_sentences(part)]
    assert len(expected) == 5 * 300
    assert [text[a:b] for a, b in split_sentences(text)] == expected


def test_split_sentences_shifts_by_offset():
    text = "First one. Second one."
    assert split_sentences(text, 100) == [(100, 110), (111, 122)]


# ---------------------------------------------------------------------------- the real tokenizer


# ---------------------------------------------------------------- awkward shapes never stop a build

from qa.index.chunk import _PieceSplitter  # noqa: E402

# Text of any shape: indents, blank lines, runs of words without a full stop, numbers, symbols.
AWKWARD = st.lists(
    st.sampled_from(
        list("ab Z9.,;:>|-_=()\t\n ")
        + ["   >>> ", "\n\n", "    ", "1,024", "word", "A. ", "x" * 90]
    ),
    max_size=300,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(AWKWARD, st.integers(1, 40))
def test_the_splitters_pieces_join_back_to_the_exact_text(text, budget):
    pieces = _PieceSplitter(budget, 0, COUNT)._pieces(text)
    assert "".join(pieces) == text
    assert all(pieces)


def test_a_word_longer_than_the_budget_is_cut_and_joins_back():
    word = "x" * 5000
    pieces = _PieceSplitter(8, 0, COUNT)._pieces("Lead in: " + word + " tail")
    assert "".join(pieces) == "Lead in: " + word + " tail"
    assert all(COUNT(p) <= 8 for p in pieces)


def _listing() -> str:
    items = "\n".join(f"    'item-{i}', 'value {i}'," for i in range(400))
    return f"The interpreter shows the names it knows.\n   >>> names = list_all()\n{items}\n"


def _unstopped(words: int) -> str:
    return " ".join(f"word{i % 97}" for i in range(words))


def _table() -> str:
    return "\n".join("  ".join(f"{r * c:>6}" for c in range(1, 12)) for r in range(1, 300))


AWKWARD_READINGS = {
    "interpreter listing": "# Listing\n\n" + _listing(),
    "5,000 words without a full stop": "# Long\n\n" + _unstopped(5000),
    "table of numbers": "# Table\n\nThe products, row by row.\n\n" + _table(),
    "leading and trailing whitespace": "\n\n   \n    indented first line of prose that goes on\n"
    + "  more indented words\n" * 80
    + "\n\n   ",
}


@pytest.mark.parametrize("raw", AWKWARD_READINGS.values(), ids=AWKWARD_READINGS.keys())
@pytest.mark.parametrize("max_tokens,overlap", [(200, 0), (40, 0), (60, 10)])
def test_readings_of_awkward_shapes_chunk_exactly(raw, max_tokens, overlap):
    reading = parse_reading(raw, "awkward")
    chunk_settings = ChunkSettings(max_tokens=max_tokens, overlap_tokens=overlap)
    chunks = chunk_reading(reading, COUNT, chunk_settings)
    assert chunks
    for c in chunks:
        assert reading.text[c.start : c.end] == c.text
        assert (
            COUNT(embedding_text(c.title, c.section, c.text)) + 2 <= chunk_settings.model_max_tokens
        )
    if overlap == 0:
        check_chunks(reading, chunks, COUNT, chunk_settings)
