"""Many readings: re-indexing only what changed (with the real model, the right reading and page
cited: tests/model/test_incremental.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.cli import main
from qa.index.chunk import ChunkSettings, chunk_reading, embedding_text
from qa.index.store import build_index, load_index
from qa.readings.corpus import read_reading
from qa.readings.importers import add_reading
from tests.support.fakes import FakeEmbedder
from tests.support.readings_fixtures import (
    NEWS_HTML,
    NEWS_TITLE,
    NOTES_TEXT,
    PDF_TITLE,
    river_pdf,
)

TOPICS = [
    "volcanoes",
    "tides",
    "lichens",
    "glaciers",
    "monsoons",
    "coral",
    "deserts",
    "peatlands",
    "estuaries",
    "caves",
]


def _reading(topic: str, version: int = 1) -> str:
    paragraphs = [
        f"Paragraph {n} about {topic}: field observations number {n * 7 + version} describe "
        f"how {topic} change over seasons and decades, "
        f"and what the survey of {topic} in region {n} found during visit {version}."
        for n in range(1, 9)
    ]
    return (
        f'---\ntitle: "A reading on {topic}"\n---\n\n## Overview of {topic}\n\n'
        + "\n\n".join(paragraphs)
        + "\n"
    )


@pytest.fixture
def ten_readings(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for topic in TOPICS:
        (corpus / f"{topic}.md").write_text(_reading(topic), encoding="utf-8")
    return corpus


def _texts_for(path: Path, embedder: FakeEmbedder) -> int:
    """How many distinct texts (chunks and their sentences) one reading sends to the embedder."""
    reading = read_reading(path)
    chunks = chunk_reading(reading, embedder.count_tokens, ChunkSettings())
    texts = [embedding_text(c.title, c.section, c.text) for c in chunks]
    texts += [
        embedding_text(c.title, c.section, reading.text[s.start : s.end])
        for c in chunks
        for s in c.sentences
    ]
    return len(set(texts))  # a chunk of one sentence is that sentence: embedded once


def _chunk_ids(index_dir: Path) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for chunk in load_index(index_dir).chunks:
        ids.setdefault(chunk.doc, []).append(chunk.id)
    return ids


def test_changing_one_reading_of_ten_embeds_only_that_one(
    ten_readings: Path, tmp_path: Path, fake_embedder: FakeEmbedder
):
    index_dir = tmp_path / "index"
    full = build_index(ten_readings, index_dir, fake_embedder)
    assert full.embedded_readings == 10 and fake_embedder.texts_embedded == full.embedded_texts
    before = _chunk_ids(index_dir)

    changed = ten_readings / "tides.md"
    changed.write_text(_reading("tides", version=2), encoding="utf-8")
    fake_embedder.texts_embedded = 0
    report = build_index(ten_readings, index_dir, fake_embedder)
    assert report.rebuilt and report.embedded_readings == 1
    assert (
        report.embedded_texts == fake_embedder.texts_embedded == _texts_for(changed, fake_embedder)
    )
    assert report.embedded_texts * 5 < full.embedded_texts  # one tenth of the work, give or take
    after = _chunk_ids(index_dir)
    assert {doc: ids for doc, ids in after.items() if doc != "tides"} == {
        doc: ids for doc, ids in before.items() if doc != "tides"
    }
    assert "visit 2" in " ".join(c.text for c in load_index(index_dir).chunks if c.doc == "tides")


def test_an_unchanged_corpus_is_not_rebuilt(
    ten_readings: Path, tmp_path: Path, fake_embedder: FakeEmbedder
):
    build_index(ten_readings, tmp_path / "index", fake_embedder)
    fake_embedder.texts_embedded = 0
    report = build_index(ten_readings, tmp_path / "index", fake_embedder)
    assert not report.rebuilt and fake_embedder.texts_embedded == 0 and report.readings == 10


def test_removed_reading_is_dropped_and_added_one_embedded_alone(
    ten_readings: Path, tmp_path: Path, fake_embedder: FakeEmbedder
):
    index_dir = tmp_path / "index"
    build_index(ten_readings, index_dir, fake_embedder)
    before = _chunk_ids(index_dir)
    (ten_readings / "caves.md").unlink()
    fake_embedder.texts_embedded = 0
    report = build_index(ten_readings, index_dir, fake_embedder)
    assert report.rebuilt and report.embedded_readings == 0 and fake_embedder.texts_embedded == 0
    index = load_index(index_dir)
    assert "caves" not in index.readings and not [c for c in index.chunks if c.doc == "caves"]
    assert not [p for p in (index_dir / "cache").iterdir() if p.name.startswith("caves-")]
    assert _chunk_ids(index_dir) == {doc: ids for doc, ids in before.items() if doc != "caves"}

    added = add_reading(_write(tmp_path / "notes.txt", NOTES_TEXT), ten_readings)
    report = build_index(ten_readings, index_dir, fake_embedder)
    assert report.embedded_readings == 1 and report.embedded_texts == _texts_for(
        added.path, fake_embedder
    )


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_corpus_files_are_skipped_and_the_rest_indexed(
    ten_readings: Path, tmp_path: Path, fake_embedder: FakeEmbedder
):
    (ten_readings / "empty.md").write_text("")
    (ten_readings / "binary.txt").write_bytes(bytes(range(256)))
    report = build_index(ten_readings, tmp_path / "index", fake_embedder)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert report.readings == 10 and set(reasons) == {"empty.md", "binary.txt"}
    assert "binary" in reasons["binary.txt"] and "no text to index" in reasons["empty.md"]


# ---------------------------------------------------------------------------- the CLI


def test_cli_add_list_remove_with_the_index(
    tmp_path: Path, fake_embedder: FakeEmbedder, monkeypatch, capsys
):
    monkeypatch.setattr("qa.index.embed.load_embedder", lambda *a, **k: fake_embedder)
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    pdf = tmp_path / "deltas.pdf"
    pdf.write_bytes(river_pdf())
    page = _write(tmp_path / "page.html", NEWS_HTML)
    assert (
        main(["add", str(pdf), str(page), "--corpus", str(corpus), "--index", str(index_dir)]) == 0
    )
    assert "Index updated: 2 reading(s)" in capsys.readouterr().out

    assert main(["list", "--corpus", str(corpus), "--index", str(index_dir), "--json"]) == 0
    rows = {row["file"]: row for row in json.loads(capsys.readouterr().out)}
    manifest = json.loads((index_dir / "manifest.json").read_text())
    chunks = {r["source"]: r["chunks"] for r in manifest["readings"]}
    assert (
        rows["field-notes-on-river-deltas.md"]["title"] == PDF_TITLE
        and rows["field-notes-on-river-deltas.md"]["pages"] == 3
    )
    assert {name: row["chunks"] for name, row in rows.items()} == chunks and all(
        n > 0 for n in chunks.values()
    )
    assert {row["status"] for row in rows.values()} == {"indexed"}

    _write(tmp_path / "notes.txt", NOTES_TEXT)
    assert main(["add", str(tmp_path / "notes.txt"), "--corpus", str(corpus)]) == 0
    assert main(["list", "--corpus", str(corpus), "--index", str(index_dir)]) == 0
    table = capsys.readouterr().out
    assert "notes.txt" in table and "not indexed yet" in table and NEWS_TITLE in table

    assert (
        main(
            [
                "remove",
                "field-notes-on-river-deltas",
                "--corpus",
                str(corpus),
                "--index",
                str(index_dir),
            ]
        )
        == 0
    )
    assert f"Removed “{PDF_TITLE}”" in capsys.readouterr().out
    assert set(load_index(index_dir).readings) == {
        "glaciers-of-the-andes-are-retreating-faster",
        "notes",
    }
    assert main(["remove", "no-such-reading", "--corpus", str(corpus)]) == 2
    assert "no reading with that id" in capsys.readouterr().err


# ---------------------------------------------------------------------------- citations, real model
