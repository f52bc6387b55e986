"""The invariants every list of chunks keeps, checked by the unit tests (fake tokenizer) and the
model tests (the real one)."""

from __future__ import annotations

from qa.index.chunk import ChunkSettings, embedding_text


def check_chunks(reading, chunks, count_tokens, chunk_settings: ChunkSettings) -> None:
    """Every invariant a chunk list must keep; raises AssertionError on the first broken one."""
    text = reading.text
    by_number = {p.number: p for p in reading.paragraphs}
    assert chunks, "a reading with text has chunks"
    previous_end = 0
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text
        assert c.start >= previous_end, "chunks are in reading order and do not overlap"
        previous_end = c.end
        assert (
            c.doc == reading.doc and c.title == reading.title and c.id == f"{reading.doc}@{c.start}"
        )
        assert c.paragraphs == tuple(sorted(c.paragraphs)) and c.paragraphs
        for n in c.paragraphs:
            p = by_number[n]
            assert (p.section, p.page) == (c.section, c.page), (
                "a chunk never crosses a heading or a page marker"
            )
            assert p.start < c.end and p.end > c.start
        assert "<!--" not in c.text and not any(
            line.lstrip().startswith("#") and line.lstrip("#")[:1] == " "
            for line in c.text.split("\n")
        )
        for s in c.sentences:
            assert c.start <= s.start < s.end <= c.end
            assert text[s.start : s.end] in c.text
            assert s.paragraph in c.paragraphs
            p = by_number[s.paragraph]
            assert p.start <= s.start and s.end <= p.end
        sentence_chars = " ".join(text[s.start : s.end] for s in c.sentences)
        assert sentence_chars.split() == c.text.split(), (
            "the sentences of a chunk are its whole text"
        )
        tokens = count_tokens(embedding_text(c.title, c.section, c.text))
        assert tokens + 2 <= chunk_settings.model_max_tokens, (
            f"chunk {c.id} has {tokens} word pieces + [CLS]/[SEP]"
        )
    for p in reading.paragraphs:
        for pos in range(p.start, p.end):
            if not text[pos].isspace():
                assert any(c.start <= pos < c.end for c in chunks), (
                    f"paragraph {p.number}: character {pos} is in no chunk"
                )
