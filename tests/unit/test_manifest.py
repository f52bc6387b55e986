"""The typed index manifest: round trip, manifests written before it load, damage names the file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from qa.errors import IndexStoreError
from qa.index.chunk import ChunkSettings
from qa.index.manifest import FORMAT_VERSION, Manifest
from qa.index.store import build_index, load_index, staleness
from qa.readings.records import SkippedFile

# A manifest as the release before the typed record wrote it (same keys, same order), in the
# current format.
OLD_MANIFEST = {
    "format_version": FORMAT_VERSION,
    "package_version": "0.9.0",
    "build": "20260101T120000-a1b2c3",
    "built_at": "2026-01-01T12:00:00+0000",
    "corpus": "../corpus",
    "settings": {
        "model": "all-MiniLM-L6-v2",
        "model_sha256": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "dim": 384,
        "chunking": {"max_tokens": 200, "overlap_tokens": 40},
    },
    "files": {"bees.md": "0" * 64, "wasps.txt": "1" * 64},
    "readings": [
        {
            "doc": "bees",
            "title": "Bees",
            "source": "bees.md",
            "sha256": "2" * 64,
            "chunks": 3,
            "cache": "bees-0123456789abcdef.npz",
        }
    ],
    "skipped": [{"path": "odd.pdf", "reason": "odd.pdf: the PDF is damaged"}],
    "counts": {"readings": 1, "chunks": 3, "sentences": 9},
    "data": {
        "chunks": "chunks-20260101T120000-a1b2c3.faiss",
        "sentences": "sentences-20260101T120000-a1b2c3.faiss",
        "data": "data-20260101T120000-a1b2c3.json",
    },
}


def _write(path: Path, obj: object) -> Path:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def test_a_manifest_written_before_the_typed_record_loads(tmp_path):
    path = _write(tmp_path / "manifest.json", OLD_MANIFEST)
    manifest = Manifest.from_json(path)
    assert manifest.format_version == FORMAT_VERSION
    assert manifest.settings.model == "all-MiniLM-L6-v2" and manifest.settings.dim == 384
    assert manifest.readings[0].source == "bees.md" and manifest.readings[0].chunks == 3
    assert manifest.skipped == (SkippedFile("odd.pdf", "odd.pdf: the PDF is damaged"),)
    assert manifest.counts.sentences == 9
    assert manifest.data.chunks == "chunks-20260101T120000-a1b2c3.faiss"
    assert manifest.search is None


def test_round_trip_writes_the_same_json(tmp_path):
    old = _write(tmp_path / "old.json", OLD_MANIFEST)
    Manifest.from_json(old).to_json(tmp_path / "new.json")
    assert (tmp_path / "new.json").read_text(encoding="utf-8") == old.read_text(encoding="utf-8")


def test_the_search_entry_is_kept_when_there_is_one(tmp_path):
    manifest = replace(Manifest.from_dict(OLD_MANIFEST), search={"kind": "flat"})
    manifest.to_json(tmp_path / "manifest.json")
    again = Manifest.from_json(tmp_path / "manifest.json")
    assert again == manifest and again.search == {"kind": "flat"}
    assert "search" not in Manifest.from_dict(OLD_MANIFEST).to_dict()


@pytest.mark.parametrize(
    "text, what",
    [
        ('{"format_version": 2, "settings": {', "not valid JSON"),
        ("[1, 2]", "a JSON list, not an object"),
        (json.dumps({k: v for k, v in OLD_MANIFEST.items() if k != "data"}), "data is missing"),
        (json.dumps({**OLD_MANIFEST, "counts": {"readings": "one"}}), "counts.readings"),
        (
            json.dumps({**OLD_MANIFEST, "readings": [{"doc": "bees"}]}),
            "readings[0].sha256 is missing",
        ),
    ],
)
def test_a_malformed_manifest_names_the_file_and_the_fix(tmp_path, text, what):
    path = tmp_path / "index" / "manifest.json"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IndexStoreError) as info:
        Manifest.from_json(path)
    message = str(info.value)
    assert str(path) in message and what in message, message
    assert "qa build --force --corpus DIR" in message


def test_a_manifest_of_another_format_is_read_for_its_version_and_corpus(fake_embedder):
    older = Manifest.from_dict({"format_version": 1, "corpus": "../readings"})
    assert older.format_version == 1 and older.corpus == "../readings"
    assert (
        staleness(older, fake_embedder, ChunkSettings(), None)
        == f"index format 1 is not {FORMAT_VERSION}"
    )


def test_an_index_built_and_loaded_has_the_typed_manifest(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bees.md").write_text("# Bees\n\nBees make honey from nectar.\n", encoding="utf-8")
    build_index(corpus, tmp_path / "index", fake_embedder)
    index = load_index(tmp_path / "index")
    raw = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert index.manifest == Manifest.from_dict(raw) and index.manifest.to_dict() == raw
    assert index.manifest.settings.model == fake_embedder.name
    assert index.corpus == corpus.resolve()
