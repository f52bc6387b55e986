"""The index store: manifest, staleness, incremental builds, damage, killed and concurrent builds.

Store mechanics run with the fake embedder (instant); builds that must die or race run in
subprocesses with a slowed-down fake embedder, so the tests never wait on the real model.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

import qa
import qa.index.store
from qa.answering.assistant import Assistant
from qa.errors import IndexStoreError
from qa.index.chunk import ChunkSettings, chunk_reading, embedding_text
from qa.index.store import (
    CONFIDENCE_SCALE,
    FORMAT_VERSION,
    atomic_write_text,
    build_index,
    default_calibration,
    load_index,
    open_index,
    staleness,
    write_calibration,
)
from qa.readings.corpus import read_reading
from tests.support.fakes import FakeEmbedder
from tests.support.paths import ROOT
from tests.support.readings_fixtures import one_reading_corpus

READINGS = {
    "apples.md": "---\ntitle: Apples\n---\n\n## Orchards\n\nApple trees grow in orchards. "
    "Farmers prune them in winter.\n\n"
    "## Harvest\n\nThe apple harvest starts in September. Pickers fill wooden crates.\n",
    "bees.md": "# Bees\n\nBees make honey from nectar. A hive holds one queen.\n\nWorker bees "
    "live for six weeks in summer.\n",
    "canals.txt": "Canals carried coal to the cities.\n\nLocks raise boats between levels of "
    "water.\n",
}


def make_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in READINGS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def corpus(tmp_path) -> Path:
    return make_corpus(tmp_path / "corpus")


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "index"


def texts_of(reading, embedder) -> int:
    """How many texts embedding one reading takes: its chunks and their sentences."""
    chunks = chunk_reading(reading, embedder.count_tokens)
    return len(chunks) + sum(len(c.sentences) for c in chunks)


# ---------------------------------------------------------------------------- build and manifest


def test_build_writes_a_complete_manifest(corpus, index_dir, fake_embedder):
    report = build_index(corpus, index_dir, fake_embedder)
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["package_version"] == qa.__version__
    assert manifest["settings"]["model"] == fake_embedder.name
    assert manifest["settings"]["dim"] == 64
    assert (
        manifest["settings"]["chunking"]
        == ChunkSettings().as_dict()
        == {"max_tokens": 250, "overlap_tokens": 0, "model_max_tokens": 256}
    )
    hashes = {name: hashlib.sha256((corpus / name).read_bytes()).hexdigest() for name in READINGS}
    assert manifest["files"] == hashes
    assert {r["doc"]: r["sha256"] for r in manifest["readings"]} == {
        Path(n).stem: h for n, h in hashes.items()
    }
    assert (index_dir / manifest["corpus"]).resolve() == corpus.resolve()
    assert all((index_dir / name).is_file() for name in manifest["data"].values())
    assert manifest["counts"] == {
        "readings": 3,
        "chunks": report.chunks,
        "sentences": report.sentences,
    }
    assert (report.readings, report.embedded_readings, report.rebuilt) == (3, 3, True)
    assert report.embedded_texts == fake_embedder.texts_embedded == report.chunks + report.sentences
    assert sorted(p.name for p in corpus.iterdir()) == sorted(READINGS), (
        "a build never writes into the corpus"
    )


def test_load_index_round_trips_chunks_readings_and_vectors(corpus, index_dir, fake_embedder):
    build_index(corpus, index_dir, fake_embedder)
    index = load_index(index_dir)
    readings = {p.stem: read_reading(p) for p in corpus.iterdir()}
    assert set(index.readings) == set(readings)
    for doc, reading in readings.items():
        assert index.readings[doc] == reading
    expected = [
        c
        for doc in sorted(readings)
        for c in chunk_reading(readings[doc], fake_embedder.count_tokens)
    ]
    assert index.chunks == expected
    for c in index.chunks:
        assert index.readings[c.doc].text[c.start : c.end] == c.text
    want = FakeEmbedder().embed([embedding_text(c.title, c.section, c.text) for c in index.chunks])
    assert np.allclose(index.chunk_vectors, want, atol=1e-6)
    assert index.sentence_vectors.shape == (sum(len(c.sentences) for c in index.chunks), 64)
    assert list(index.sentence_chunk) == [
        i for i, c in enumerate(index.chunks) for _ in c.sentences
    ]
    assert index.corpus == corpus.resolve()


def test_faiss_search_agrees_with_numpy(corpus, index_dir, fake_embedder):
    build_index(corpus, index_dir, fake_embedder)
    index = load_index(index_dir)
    queries = FakeEmbedder().embed(
        ["apple harvest crates", "honey bees queen", "coal canal locks water"]
    )
    scores, ids = index.chunk_faiss.search(queries, 3)
    reference = queries @ index.chunk_vectors.T
    for row in range(len(queries)):
        assert list(ids[row]) == list(np.argsort(-reference[row], kind="stable")[:3])
        assert np.allclose(scores[row], np.sort(reference[row])[::-1][:3], atol=1e-5)


def test_an_unchanged_corpus_is_not_embedded_again(corpus, index_dir, fake_embedder):
    build_index(corpus, index_dir, fake_embedder)
    fake_embedder.texts_embedded = 0
    report = build_index(corpus, index_dir, fake_embedder)
    assert (report.rebuilt, report.embedded_readings, fake_embedder.texts_embedded) == (False, 0, 0)
    report = build_index(corpus, index_dir, fake_embedder, force=True)
    assert (
        report.rebuilt
        and report.embedded_readings == 3
        and fake_embedder.texts_embedded == report.chunks + report.sentences
    )


def test_changing_one_reading_embeds_only_that_reading(corpus, index_dir, fake_embedder):
    build_index(corpus, index_dir, fake_embedder)
    old = load_index(index_dir)
    with (corpus / "bees.md").open("a", encoding="utf-8") as fh:
        fh.write("\nDrones do not sting. They leave the hive in autumn.\n")
    fake_embedder.texts_embedded = 0
    report = build_index(corpus, index_dir, fake_embedder)
    assert report.rebuilt and report.embedded_readings == 1
    assert (
        fake_embedder.texts_embedded
        == report.embedded_texts
        == texts_of(read_reading(corpus / "bees.md"), fake_embedder)
    )
    new = load_index(index_dir)
    assert any("Drones do not sting." in c.text for c in new.chunks)
    for doc in ("apples", "canals"):  # the untouched readings keep their vectors
        rows_old = [i for i, c in enumerate(old.chunks) if c.doc == doc]
        rows_new = [i for i, c in enumerate(new.chunks) if c.doc == doc]
        assert np.array_equal(old.chunk_vectors[rows_old], new.chunk_vectors[rows_new])
    assert len(list((index_dir / "cache").iterdir())) == 3, "the old cache entry of bees is removed"
    assert (
        len(list(index_dir.glob("data-*.json"))) == 1 and len(list(index_dir.glob("*.faiss"))) == 2
    )


def test_adding_and_removing_readings(corpus, index_dir, fake_embedder):
    build_index(corpus, index_dir, fake_embedder)
    (corpus / "dunes.md").write_text("Dunes move with the wind.\n", encoding="utf-8")
    (corpus / "canals.txt").unlink()
    fake_embedder.texts_embedded = 0
    report = build_index(corpus, index_dir, fake_embedder)
    assert report.embedded_readings == 1
    assert set(load_index(index_dir).readings) == {"apples", "bees", "dunes"}


def test_a_damaged_cache_entry_is_embedded_again(corpus, index_dir, fake_embedder):
    build_index(corpus, index_dir, fake_embedder)
    for entry in (index_dir / "cache").iterdir():
        entry.write_bytes(b"not an npz file")
    fake_embedder.texts_embedded = 0
    report = build_index(corpus, index_dir, fake_embedder, force=False)
    assert not report.rebuilt  # the manifest is current: nothing to do
    (corpus / "bees.md").write_text(READINGS["bees.md"] + "\nOne more line.\n", encoding="utf-8")
    report = build_index(corpus, index_dir, fake_embedder)
    assert report.embedded_readings == 3  # every damaged entry was embedded again
    assert len(load_index(index_dir).chunks) == report.chunks


def test_a_build_shows_progress_when_asked(corpus, index_dir, fake_embedder, capsys):
    build_index(corpus, index_dir, fake_embedder, progress=True)
    assert "Embedding" in capsys.readouterr().err
    build_index(corpus, index_dir, fake_embedder, force=True)
    assert capsys.readouterr().err == ""


def test_bad_files_in_the_corpus_are_skipped_and_reported(corpus, index_dir, fake_embedder):
    (corpus / "empty.md").write_text("", encoding="utf-8")
    report = build_index(corpus, index_dir, fake_embedder)
    assert report.readings == 3 and [s.path for s in report.skipped] == [
        str(corpus.resolve() / "empty.md")
    ]
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["skipped"][0]["reason"].endswith("add text or remove the file.")


# ---------------------------------------------------------------------------- staleness


def test_staleness(corpus, index_dir, fake_embedder):
    build_index(corpus, index_dir, fake_embedder)
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert staleness(manifest, fake_embedder, ChunkSettings(), corpus) is None
    assert staleness(manifest, fake_embedder, ChunkSettings(), None) is None

    assert "chunking" in staleness(manifest, fake_embedder, ChunkSettings(max_tokens=120), corpus)
    assert "chunking" in staleness(
        manifest, fake_embedder, ChunkSettings(overlap_tokens=10), corpus
    )

    other = FakeEmbedder()
    other.name = "another-model"
    assert "model" in staleness(manifest, other, ChunkSettings(), corpus)
    wider = FakeEmbedder()
    wider.dim = 128
    assert "dim" in staleness(manifest, wider, ChunkSettings(), corpus)

    assert "index format" in staleness(
        {**manifest, "format_version": FORMAT_VERSION + 1}, fake_embedder, ChunkSettings(), corpus
    )
    assert "index format" in staleness(
        {k: v for k, v in manifest.items() if k != "format_version"},
        fake_embedder,
        ChunkSettings(),
        corpus,
    )

    (corpus / "apples.md").write_text(
        READINGS["apples.md"].replace("winter", "spring"), encoding="utf-8"
    )
    assert "readings in the corpus changed" in staleness(
        manifest, fake_embedder, ChunkSettings(), corpus
    )
    (corpus / "apples.md").write_text(READINGS["apples.md"], encoding="utf-8")
    assert staleness(manifest, fake_embedder, ChunkSettings(), corpus) is None
    (corpus / "new.md").write_text("New text.", encoding="utf-8")
    assert staleness(manifest, fake_embedder, ChunkSettings(), corpus) is not None


def test_open_index_rebuilds_a_stale_index(corpus, index_dir, fake_embedder):
    build_index(corpus, index_dir, fake_embedder)
    reasons: list[str] = []
    (corpus / "canals.txt").write_text(
        READINGS["canals.txt"] + "\nThe Erie Canal opened in 1825.\n", encoding="utf-8"
    )
    index = open_index(index_dir, fake_embedder, corpus, on_rebuild=reasons.append)
    assert reasons == ["the readings in the corpus changed"]
    assert any("Erie Canal" in c.text for c in index.chunks)
    reasons.clear()
    index = open_index(
        index_dir, fake_embedder, None, on_rebuild=reasons.append
    )  # the corpus recorded in the manifest
    assert reasons == [] and any("Erie Canal" in c.text for c in index.chunks)


def test_open_index_rebuilds_for_other_settings_and_format(corpus, index_dir, fake_embedder):
    build_index(corpus, index_dir, fake_embedder)
    index = open_index(index_dir, fake_embedder, corpus, ChunkSettings(max_tokens=40))
    assert index.manifest.settings.chunking["max_tokens"] == 40
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 0
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    reasons: list[str] = []
    index = open_index(index_dir, fake_embedder, corpus, on_rebuild=reasons.append)
    assert index.manifest.format_version == FORMAT_VERSION and "index format 0" in reasons[0]


def test_open_index_builds_a_missing_index_from_the_fallback_corpus(
    tmp_path, monkeypatch, fake_embedder
):
    make_corpus(tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    index = open_index(Path("index"), fake_embedder, fallback_corpus=Path("corpus"))
    assert set(index.readings) == {"apples", "bees", "canals"}


def test_open_index_guesses_no_corpus_from_the_current_directory(
    tmp_path, monkeypatch, fake_embedder
):
    """A library call without a corpus never reads `./corpus`: nothing depends on the cwd."""
    make_corpus(tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(IndexStoreError, match="no corpus folder was found"):
        open_index(Path("index"), fake_embedder)
    assert not (tmp_path / "index" / "manifest.json").exists()


# ---------------------------------------------------------------------------- damage


def _damage_manifest(folder: Path) -> Path:
    (folder / "manifest.json").write_text('{"format_version": 1, "settings": {', encoding="utf-8")
    return folder / "manifest.json"


def _truncate_faiss(folder: Path) -> Path:
    path = (
        folder
        / json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["data"]["chunks"]
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _drop_a_chunk(folder: Path) -> Path:
    path = (
        folder / json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["data"]["data"]
    )
    data = json.loads(path.read_text(encoding="utf-8"))
    data["chunks"].pop()
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _delete_data(folder: Path) -> Path:
    path = (
        folder
        / json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["data"]["sentences"]
    )
    path.unlink()
    return path


DAMAGE = {
    "manifest": _damage_manifest,
    "truncated-faiss": _truncate_faiss,
    "chunk-count": _drop_a_chunk,
    "missing-file": _delete_data,
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_index_is_rebuilt_from_the_corpus(corpus, index_dir, fake_embedder, damage):
    build_index(corpus, index_dir, fake_embedder)
    good = load_index(index_dir)
    DAMAGE[damage](index_dir)
    with pytest.raises(IndexStoreError):
        load_index(index_dir)
    reasons: list[str] = []
    index = open_index(index_dir, fake_embedder, corpus, on_rebuild=reasons.append)
    assert reasons, "the rebuild is announced"
    assert index.chunks == good.chunks and np.allclose(index.chunk_vectors, good.chunk_vectors)
    assert load_index(index_dir).chunks == good.chunks


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_index_without_a_corpus_is_a_clear_error(
    tmp_path, monkeypatch, fake_embedder, damage
):
    corpus = make_corpus(tmp_path / "readings")
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, fake_embedder)
    damaged = DAMAGE[damage](index_dir)
    shutil.rmtree(corpus)
    monkeypatch.chdir(tmp_path)  # no corpus/ here either
    with pytest.raises(IndexStoreError) as info:
        open_index(index_dir, fake_embedder)
    message = str(info.value)
    assert damaged.name in message, message
    assert "--corpus" in message


def test_a_missing_index_without_a_corpus_is_a_clear_error(tmp_path, monkeypatch, fake_embedder):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(IndexStoreError, match="no corpus folder was found; pass --corpus DIR"):
        open_index(tmp_path / "index", fake_embedder)
    with pytest.raises(
        IndexStoreError, match=r"manifest\.json: missing; build the index with `qa build"
    ):
        load_index(tmp_path / "index")


def test_a_corpus_that_vanished_keeps_the_index_usable(
    corpus, index_dir, fake_embedder, tmp_path, monkeypatch
):
    build_index(corpus, index_dir, fake_embedder)
    shutil.rmtree(corpus)
    monkeypatch.chdir(tmp_path)
    assert len(open_index(index_dir, fake_embedder).chunks) > 0


# -------------------------------------------------------------------- calibration and atomic writes


def test_calibration_is_kept_across_rebuilds_and_a_damaged_one_falls_back(
    corpus, index_dir, fake_embedder
):
    build_index(corpus, index_dir, fake_embedder)
    # The shipped threshold belongs to the real model's scores; an index of another model refuses
    # nothing.
    assert default_calibration()["model"] != fake_embedder.name
    assert load_index(index_dir).calibration == {
        "threshold": 0.0,
        "rule": "uncalibrated",
        "model": fake_embedder.name,
    }
    write_calibration(
        index_dir, {"threshold": 0.42, "model": fake_embedder.name, "scale": CONFIDENCE_SCALE}
    )
    build_index(corpus, index_dir, fake_embedder, force=True)
    assert load_index(index_dir).threshold == 0.42
    (index_dir / "calibration.json").write_text("{broken", encoding="utf-8")
    assert load_index(index_dir).threshold == 0.0
    write_calibration(
        index_dir, {"threshold": 0.9, "model": "some-other-model", "scale": CONFIDENCE_SCALE}
    )
    assert load_index(index_dir).threshold == 0.0
    # a threshold chosen on an older release's confidence scale means nothing on this one
    write_calibration(index_dir, {"threshold": 0.42, "model": fake_embedder.name})
    assert load_index(index_dir).threshold == 0.0


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "file.json"
    atomic_write_text(path, "old")

    def fail(fd):
        raise OSError("disk full")

    monkeypatch.setattr(qa.index.store.os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]


def test_a_held_lock_times_out_with_a_clear_error(corpus, index_dir, fake_embedder, monkeypatch):
    monkeypatch.setattr(qa.index.store, "BUILD_LOCK_TIMEOUT_S", 0.2)
    index_dir.mkdir()
    with FileLock(str(index_dir / ".build.lock")):
        with pytest.raises(IndexStoreError, match=r"\.build\.lock: another build"):
            build_index(corpus, index_dir, fake_embedder)


# --------------------------------------------------------------------- killed and concurrent builds

BUILDER = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {root!r})
    from pathlib import Path
    import qa.index.store
    from tests.support.fakes import FakeEmbedder

    mode, corpus, index, log = sys.argv[1:5]

    class SlowFake(FakeEmbedder):
        def embed(self, texts):
            if mode == "kill-embedding":
                print("embedding", flush=True)
                time.sleep(60)
            if mode == "race" and not self.calls:
                time.sleep(1.0)  # hold the lock long enough for the other build to be waiting
            return super().embed(texts)

    if mode == "kill-manifest":
        import qa.index.manifest
        write = qa.index.manifest.atomic_write_text
        def slow_write(path, text):
            if Path(path).name == "manifest.json":
                print("writing manifest", flush=True)
                time.sleep(60)
            write(path, text)
        qa.index.manifest.atomic_write_text = slow_write

    locked = qa.index.store._build_locked
    def logged(*args):
        with open(log, "a") as fh:
            fh.write(f"enter {{os.getpid()}}\\n")
        try:
            return locked(*args)
        finally:
            with open(log, "a") as fh:
                fh.write(f"exit {{os.getpid()}}\\n")
    qa.index.store._build_locked = logged

    if mode == "race":  # start both builds together: wait until both processes are ready
        with open(log, "a") as fh:
            fh.write(f"ready {{os.getpid()}}\\n")
        for _ in range(1200):
            if open(log).read().count("ready") >= 2:
                break
            time.sleep(0.05)

    report = qa.index.store.build_index(Path(corpus), Path(index), SlowFake(), force=True)
    print("built", report.chunks, flush=True)
    """
)


@pytest.fixture
def builder(tmp_path) -> Path:
    script = tmp_path / "builder.py"
    script.write_text(BUILDER.format(root=str(ROOT)), encoding="utf-8")
    return script


def _start(builder: Path, mode: str, corpus: Path, index_dir: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(builder), mode, str(corpus), str(index_dir), str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=str(ROOT),
    )


@pytest.mark.parametrize(
    "mode, signal_line", [("kill-embedding", "embedding"), ("kill-manifest", "writing manifest")]
)
def test_a_build_killed_half_way_leaves_the_previous_index_usable(
    corpus, index_dir, fake_embedder, builder, tmp_path, mode, signal_line
):
    build_index(corpus, index_dir, fake_embedder)
    before = load_index(index_dir)
    (corpus / "bees.md").write_text(
        READINGS["bees.md"] + "\nA changed line the killed build never finishes.\n",
        encoding="utf-8",
    )
    proc = _start(builder, mode, corpus, index_dir, tmp_path / "log")
    try:
        line = proc.stdout.readline()
        assert line.strip() == signal_line, proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    after = load_index(index_dir)
    assert after.manifest.build == before.manifest.build and after.chunks == before.chunks
    answer = Assistant(after, fake_embedder).ask("When does the apple harvest start?")
    assert answer.passages and "September" in answer.passages[0].text
    # The killed build released its lock: the next build runs at once and brings the index up to
    # date.
    report = build_index(corpus, index_dir, fake_embedder)
    assert report.rebuilt and any("never finishes" in c.text for c in load_index(index_dir).chunks)
    assert (
        len(list(index_dir.glob("data-*.json"))) == 1 and len(list(index_dir.glob("*.faiss"))) == 2
    ), "the killed build's files are cleaned up"


def test_two_builds_at_once_take_turns_and_leave_a_valid_index(
    corpus, index_dir, builder, tmp_path
):
    for i in range(30):
        (corpus / f"extra-{i}.md").write_text(
            f"# Extra {i}\n\n" + f"Some words about topic number {i}. " * 40, encoding="utf-8"
        )
    log = tmp_path / "log"
    procs = [_start(builder, "race", corpus, index_dir, log) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.startswith("built ")
    lines = log.read_text().split("\n")[:-1]
    assert [e.split()[0] for e in lines[:2]] == ["ready", "ready"], (
        "both builds were started before either took the lock"
    )
    events = lines[2:]
    assert len(events) == 4
    # Serialised: each build leaves the locked section before the other enters it.
    assert (
        events[0].split()[1] == events[1].split()[1]
        and events[2].split()[1] == events[3].split()[1]
    )
    assert [e.split()[0] for e in events] == ["enter", "exit", "enter", "exit"]
    index = load_index(index_dir)
    assert len(index.readings) == 33 and index.chunk_vectors.shape[0] == len(index.chunks) > 33
    assert not list(index_dir.glob(".*.tmp")) and len(list(index_dir.glob("data-*.json"))) == 1


def test_a_text_met_twice_is_embedded_once(tmp_path, fake_embedder):
    """A chunk of one sentence is also that sentence: one text for the model, the same vector in
    both indexes."""
    corpus = one_reading_corpus(
        tmp_path / "corpus",
        "notes.md",
        "---\ntitle: Notes\n---\n\n## Alone\n\nThe only sentence here.\n\n## Together\n\nOne "
        "sentence. And another one.\n",
    )
    report = build_index(corpus, tmp_path / "index", fake_embedder)
    index = load_index(tmp_path / "index")
    assert (report.chunks, report.sentences) == (2, 3)
    assert report.embedded_texts == fake_embedder.texts_embedded == 4
    alone = next(i for i, c in enumerate(index.chunks) if c.section == "Alone")
    first_sentence = sum(len(c.sentences) for c in index.chunks[:alone])
    np.testing.assert_array_equal(
        index.chunk_vectors[alone], index.sentence_vectors[first_sentence]
    )
