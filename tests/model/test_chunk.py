"""Chunks measured with the real model's own tokenizer: every chunk of the bundled reading and of
long paragraphs fits the model."""

from __future__ import annotations

import pytest

from qa.index.chunk import (
    ChunkSettings,
    chunk_reading,
    embedding_text,
)
from qa.readings.corpus import read_reading
from qa.readings.records import parse_reading
from tests.support.chunk_checks import check_chunks
from tests.support.paths import CORPUS


@pytest.fixture(scope="module")
def bundled():
    return read_reading(CORPUS / "south-korea-us-alliance.md")


def _real_budget_ok(embedder, chunks) -> list[tuple[str, int]]:
    tokenizer = embedder._model.tokenizer
    over = []
    for c in chunks:
        ids = tokenizer(
            embedding_text(c.title, c.section, c.text),
            add_special_tokens=True,
            truncation=False,
            verbose=False,
        )["input_ids"]
        assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
        if len(ids) > 256:
            over.append((c.id, len(ids)))
    return over


def test_bundled_chunks_fit_the_model_with_its_own_tokenizer(
    real_embedder, torch_embedder, bundled
):
    assert real_embedder.max_tokens == 256
    chunks = chunk_reading(bundled, real_embedder.count_tokens)
    check_chunks(bundled, chunks, real_embedder.count_tokens, ChunkSettings())
    assert _real_budget_ok(torch_embedder, chunks) == []
    assert {n for c in chunks for n in c.paragraphs} == set(range(1, 37))


def test_long_paragraphs_and_a_very_long_sentence_fit_the_model(
    real_embedder, torch_embedder, bundled
):
    body = [bundled.text[p.start : p.end] for p in bundled.paragraphs]
    huge_paragraph = " ".join(body[:12])  # a dozen paragraphs run together, ~2,000 word pieces
    huge_sentence = (
        " ".join(s.rstrip(".") for s in body[12:20]).replace(". ", ", ") + "."
    )  # one sentence, no stops
    unicode_run = "서울과 워싱턴은 동맹을 재검토해야 한다 " * 120 + "끝."
    raw = (
        "---\ntitle: A Very Long Reading Title That Takes Many Word Pieces Of The Budget "
        "Away\n---\n\n"
        "## A rather long section heading about alliance transformation on the Korean Peninsula\n\n"
        f"{huge_paragraph}\n\n{huge_sentence}\n\n<!-- page 2 -->\n\n{unicode_run}\n"
    )
    reading = parse_reading(raw, "long")
    chunks = chunk_reading(reading, real_embedder.count_tokens)
    check_chunks(reading, chunks, real_embedder.count_tokens, ChunkSettings())
    assert _real_budget_ok(torch_embedder, chunks) == []
    assert len(chunks) >= 12
