"""Material for the benchmark, made deterministically from the bundled reading.

`synthetic_corpus` writes a larger corpus (several hundred chunks) whose readings are the bundled
article's sentences reshuffled into new paragraphs and sections, so its text has the article's
length statistics and vocabulary. `synthetic_index` builds an in-memory `Index` of any size with
random unit vectors, for the scale test, without embedding anything.
`question_variants` turns the shipped question set into a few hundred distinct questions.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.index.chunk import Chunk, Sentence, split_sentences
from qa.index.manifest import FORMAT_VERSION, BuildSettings, Counts, DataFiles, Manifest
from qa.index.search import choose_search
from qa.index.store import Index, default_calibration
from qa.readings.corpus import read_reading
from qa.readings.records import Paragraph, Reading

__all__ = [
    "Question",
    "load_questions",
    "question_variants",
    "article_sentences",
    "synthetic_corpus",
    "synthetic_index",
]

# Rewordings that keep a question's meaning; every variant is a distinct string, so a cache of
# whole questions would not help.
_TEMPLATES = (
    "{q}",
    "{lower}",
    "Please tell me: {q}",
    "According to the reading, {first_lower}",
    "I would like to know: {q}",
    "{q} Answer from the text.",
)


@dataclass(frozen=True)
class Question:
    """One question to time, with the earlier questions of its conversation."""

    text: str
    history: tuple[str, ...] = ()


def load_questions(path: Path) -> list[Question]:
    """The questions of a JSONL question set (fields `question` and optional `history`)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(Question(row["question"], tuple(row.get("history") or ())))
    return out


def question_variants(questions: list[Question], count: int) -> list[Question]:
    """Up to `count` distinct questions: every question in each template, template by template.

    Example: [Question('Who is he?')], 2 -> [Question('Who is he?'), Question('who is he?')]
    """
    out: list[Question] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for template in _TEMPLATES:
        for q in questions:
            if len(out) >= count:
                return out
            text = template.format(
                q=q.text, lower=q.text.lower(), first_lower=q.text[:1].lower() + q.text[1:]
            )
            if (text, q.history) not in seen:
                seen.add((text, q.history))
                out.append(Question(text, q.history))
    return out


def article_sentences(path: Path) -> list[str]:
    """The sentences of a reading, in order."""
    reading = read_reading(path)
    return [
        reading.text[a:b]
        for p in reading.paragraphs
        for a, b in split_sentences(reading.text[p.start : p.end], p.start)
    ]


def synthetic_corpus(
    source: Path, folder: Path, readings: int = 12, paragraphs: int = 40, seed: int = 7
) -> Path:
    """Write `readings` Markdown readings made of `source`'s sentences reshuffled (same seed, same
    files).

    Each reading has sections of 5 to 10 paragraphs of 2 to 6 sentences.
    """
    sentences = article_sentences(source)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for r in range(readings):
        rng = random.Random(seed * 1000 + r)
        lines = [
            "---",
            f'title: "Synthetic reading {r + 1}: alliance politics, reshuffled"',
            "publisher: bench",
            "date: 2025-01-01",
            "---",
            "",
        ]
        left = paragraphs
        section = 0
        while left > 0:
            section += 1
            lines += [f"## Part {section}", ""]
            for _ in range(min(left, rng.randint(5, 10))):
                lines += [" ".join(rng.sample(sentences, rng.randint(2, 6))), ""]
                left -= 1
        (folder / f"synthetic-{r + 1:02d}.md").write_text("\n".join(lines), encoding="utf-8")
    return folder


def _synthetic_manifest(dim: int, readings: int, chunks: int, sentences: int) -> Manifest:
    """The manifest of an in-memory index, searched the way a build of its size would be (exact,
    or IVF past `qa.index.search.EXACT_UP_TO` sentences)."""
    return Manifest(
        format_version=FORMAT_VERSION,
        build="synthetic",
        settings=BuildSettings("synthetic", "", dim),
        files={},
        readings=(),
        counts=Counts(readings, chunks, sentences),
        data=DataFiles("", "", ""),
        search=choose_search(sentences).as_dict(),
    )


def synthetic_index(
    chunks: int,
    sentences_per_chunk: int,
    dim: int,
    words: list[str],
    seed: int = 0,
    chunks_per_reading: int = 1000,
) -> Index:
    """An in-memory index of `chunks` chunks with random text from `words` and random unit vectors.

    Chunk and sentence offsets are exact, so answers can quote and highlight as in a real index.
    """
    rng = np.random.default_rng(seed)
    readings: dict[str, Reading] = {}
    all_chunks: list[Chunk] = []
    for start in range(0, chunks, chunks_per_reading):
        doc = f"synthetic-{start // chunks_per_reading:04d}"
        parts: list[str] = []
        paras: list[Paragraph] = []
        pending: list[tuple[int, int, list[tuple[int, int]]]] = []
        offset = 0
        for n in range(min(chunks_per_reading, chunks - start)):
            spans, texts, pos = [], [], offset
            for _ in range(sentences_per_chunk):
                sentence = (
                    " ".join(
                        words[i] for i in rng.integers(0, len(words), rng.integers(8, 25))
                    ).capitalize()
                    + "."
                )
                spans.append((pos, pos + len(sentence)))
                texts.append(sentence)
                pos += len(sentence) + 1
            body = " ".join(texts)
            paras.append(Paragraph(n + 1, "Part 1", None, offset, offset + len(body)))
            pending.append((offset, offset + len(body), spans))
            parts.append(body)
            offset += len(body) + 2
        text = "\n\n".join(parts)
        title = f"Synthetic {doc}"
        readings[doc] = Reading(doc, title, text, tuple(paras), f"sha-{doc}", "", {})
        for n, (a, b, spans) in enumerate(pending):
            all_chunks.append(
                Chunk(
                    f"{doc}@{a}",
                    doc,
                    title,
                    "Part 1",
                    (n + 1,),
                    None,
                    a,
                    b,
                    text[a:b],
                    tuple(Sentence(s, e, n + 1) for s, e in spans),
                )
            )

    def unit(rows: int) -> np.ndarray:
        v = rng.standard_normal((rows, dim), dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    chunk_vectors = unit(len(all_chunks))
    sentence_vectors = unit(len(all_chunks) * sentences_per_chunk)
    sentence_chunk = np.repeat(np.arange(len(all_chunks)), sentences_per_chunk).astype(np.int64)
    manifest = _synthetic_manifest(dim, len(readings), len(all_chunks), len(sentence_vectors))
    return Index(
        Path("."),
        manifest,
        readings,
        all_chunks,
        chunk_vectors,
        sentence_vectors,
        sentence_chunk,
        default_calibration(),
    )
