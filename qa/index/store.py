"""Build, save, load and check the index folder.

Layout of `index/`:
    manifest.json            what was built, from what, how; names the data files below
    chunks-<build>.faiss     one unit vector per chunk (inner product = cosine)
    sentences-<build>.faiss  one unit vector per sentence of every chunk
    data-<build>.json        the readings (text, paragraphs, metadata) and their chunks
    cache/<doc>-<key>.npz    per-reading vectors keyed by content, model and settings
    calibration.json         the refusal threshold chosen by `qa calibrate` (kept across builds)

A build writes new files under new names and swaps the manifest in with one atomic rename, so a
build killed at any moment leaves the previous index whole; a file lock serialises builds. Only
readings whose content changed are embedded again. Loading checks the manifest against the
model, the settings and the corpus, and rebuilds what is stale or damaged.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import IndexStoreError, QAError, ReadingError
from ..files import atomic_replace, atomic_write_text
from ..readings.corpus import corpus_files, load_corpus
from ..readings.records import Paragraph, Reading, SkippedFile
from .chunk import Chunk, ChunkSettings, Sentence, chunk_reading, embedding_text
from .manifest import (
    FORMAT_VERSION,
    MANIFEST,
    BuildSettings,
    Counts,
    DataFiles,
    Manifest,
    ReadingEntry,
)
from .model import Embedder
from .search import SearchSpec, build_faiss, choose_search

__all__ = [
    "FORMAT_VERSION",
    "Index",
    "Manifest",
    "read_manifest",
    "BuildReport",
    "build_index",
    "load_index",
    "open_index",
    "staleness",
    "write_calibration",
    "default_calibration",
    "corpus_fingerprint",
    "fits_readings",
    "stale_auto_calibration",
    "FALLBACK_THRESHOLD",
    "CONFIDENCE_SCALE",
    "atomic_write_text",
]

CALIBRATION = "calibration.json"
# What a confidence means (qa.answering.retrieve.answerable); a threshold chosen on another scale
# (an older release's) is not used.
CONFIDENCE_SCALE = "answerable-probability-1"
LOCK = ".build.lock"
DEFAULT_SETTINGS = ChunkSettings()  # frozen, so one shared default is safe
BUILD_LOCK_TIMEOUT_S = 900
READINGS_CHANGED = "the readings in the corpus changed"


@dataclass
class Index:
    """A loaded index: chunks, their vectors, the readings and the settings they came from."""

    folder: Path
    manifest: Manifest
    readings: dict[str, Reading]
    chunks: list[Chunk]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_chunk: np.ndarray  # row of `chunks` for each sentence vector
    calibration: dict = field(default_factory=dict)
    _faiss: object | None = None
    # The loaded FAISS indexes (chunks, sentences), of the kind the manifest's "search" names.
    search_indexes: tuple = ()

    @property
    def chunk_faiss(self):
        """The FAISS index over chunk vectors (built lazily from the saved one)."""
        if self._faiss is None:
            import faiss

            index = faiss.IndexFlatIP(self.chunk_vectors.shape[1])
            index.add(self.chunk_vectors)
            self._faiss = index
        return self._faiss

    @property
    def corpus(self) -> Path | None:
        rel = self.manifest.corpus
        return (self.folder / rel).resolve() if rel else None

    @property
    def threshold(self) -> float:
        return float(self.calibration.get("threshold", 0.0))


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    folder: Path
    readings: int
    chunks: int
    sentences: int
    embedded_readings: int
    embedded_texts: int  # distinct texts given to the model (a one-sentence chunk is one text)
    skipped: tuple[SkippedFile, ...]
    seconds: float
    rebuilt: bool


# ---------------------------------------------------------------------------- serialisation


def _reading_to_dict(r: Reading) -> dict:
    d = asdict(r)
    d["paragraphs"] = [[p.number, p.section, p.page, p.start, p.end, p.code] for p in r.paragraphs]
    return d


def _reading_from_dict(d: dict) -> Reading:
    paras = tuple(Paragraph(*p) for p in d["paragraphs"])
    return Reading(
        d["doc"], d["title"], d["text"], paras, d["sha256"], d.get("source", ""), d.get("meta", {})
    )


def _chunk_to_dict(c: Chunk) -> dict:
    d = asdict(c)
    d["sentences"] = [[s.start, s.end, s.paragraph] for s in c.sentences]
    d["paragraphs"] = list(c.paragraphs)
    return d


def _chunk_from_dict(d: dict) -> Chunk:
    return Chunk(
        id=d["id"],
        doc=d["doc"],
        title=d["title"],
        section=d["section"],
        paragraphs=tuple(d["paragraphs"]),
        page=d["page"],
        start=d["start"],
        end=d["end"],
        text=d["text"],
        sentences=tuple(Sentence(*s) for s in d["sentences"]),
    )


# ---------------------------------------------------------------------------- freshness


def _corpus_state(corpus: Path) -> dict[str, str]:
    """{relative path: sha256 of bytes} of the corpus's reading files."""
    return {
        str(p.relative_to(corpus)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in corpus_files(corpus)
    }


def _build_settings(embedder: Embedder, settings: ChunkSettings) -> BuildSettings:
    return BuildSettings(
        model=embedder.name,
        model_sha256=getattr(embedder, "sha256", embedder.name),
        dim=embedder.dim,
        chunking=settings.as_dict(),
    )


def staleness(
    manifest: Manifest | dict, embedder: Embedder, settings: ChunkSettings, corpus: Path | None
) -> str | None:
    """Why an index with this manifest (or its JSON object) must be rebuilt, or None when it is
    current."""
    if isinstance(manifest, dict):
        manifest = Manifest.from_dict(manifest)
    if manifest.format_version != FORMAT_VERSION:
        return f"index format {manifest.format_version} is not {FORMAT_VERSION}"
    want = asdict(_build_settings(embedder, settings))
    have = asdict(manifest.settings)
    for key, value in want.items():
        if have[key] != value:
            return f"it was built with {key}={have[key]!r}, now {value!r}"
    if corpus is not None and manifest.files != _corpus_state(corpus):
        return READINGS_CHANGED
    return None


# ---------------------------------------------------------------------------- calibration


def default_calibration() -> dict:
    """The refusal calibration shipped with the package (chosen by `qa calibrate` on
    eval/questions.jsonl)."""
    text = resources.files("qa").joinpath("defaults/calibration.json").read_text(encoding="utf-8")
    return json.loads(text)


def write_calibration(folder: Path, calibration: dict) -> None:
    """Store a calibration with the index; it survives rebuilds of the same model."""
    atomic_write_text(
        Path(folder) / CALIBRATION, json.dumps(calibration, indent=2, sort_keys=True) + "\n"
    )


def corpus_fingerprint(files: dict[str, str]) -> str:
    """SHA-256 of a manifest's readings (paths and their contents' SHA-256): what a threshold
    chosen on these readings alone (`qa calibrate --auto`) is valid for."""
    listed = json.dumps(sorted(files.items()), ensure_ascii=False)
    return hashlib.sha256(listed.encode("utf-8")).hexdigest()


# What applies when an index's own calibration does not (for the messages that say so).
FALLBACK_THRESHOLD = (
    "the default threshold (the shipped one for the packaged model; none for another model)"
)


def fits_readings(calibration: dict, files: dict[str, str]) -> bool:
    """Whether a calibration record applies to readings with these files: False for a threshold
    chosen from the readings alone (`rule: auto`) on other readings."""
    return calibration.get("rule") != "auto" or calibration.get(
        "corpus_sha256"
    ) == corpus_fingerprint(files)


def stale_auto_calibration(folder: Path) -> str | None:
    """What to tell the user when the index's threshold from `qa calibrate --auto` was chosen on
    readings that have changed since (the default applies then), else None."""
    folder = Path(folder)
    try:
        calibration = json.loads((folder / CALIBRATION).read_text(encoding="utf-8"))
        manifest = Manifest.from_json(folder / MANIFEST)
    except (OSError, ValueError, QAError):
        return None
    if not isinstance(calibration, dict) or fits_readings(calibration, manifest.files):
        return None
    return (
        f"The refusal threshold chosen by `qa calibrate --auto` ({folder / CALIBRATION}) was for "
        f"other readings than these; {FALLBACK_THRESHOLD} applies until you run "
        f"`qa calibrate --auto --index {folder}` again."
    )


def _read_calibration(folder: Path, model: str, files: dict[str, str]) -> dict:
    path = folder / CALIBRATION
    if path.is_file():
        try:
            cal = json.loads(path.read_text(encoding="utf-8"))
            if (
                isinstance(cal, dict)
                and cal.get("model") in (None, model)
                and cal.get("scale") == CONFIDENCE_SCALE
                and isinstance(cal.get("threshold"), (int, float))
                # A threshold chosen from the readings alone is for those readings: after they
                # change, the default applies until `qa calibrate --auto` is run again.
                and fits_readings(cal, files)
            ):
                return cal
        except (OSError, ValueError):
            pass  # a damaged calibration falls back to the shipped one
    shipped = default_calibration()  # also where a stored threshold is of an older confidence scale
    if shipped.get("model") == model:
        return shipped
    # A threshold chosen on one model's scores means nothing for another's: refuse nothing.
    return {"threshold": 0.0, "rule": "uncalibrated", "model": model}


# ---------------------------------------------------------------------------- build


def _cache_key(reading: Reading, settings: dict) -> str:
    blob = json.dumps([FORMAT_VERSION, reading.sha256, reading.doc, settings], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _embed_in_order(
    embedder: Embedder, texts: list[str], progress: Callable[[int], None] | None, batch: int = 256
) -> np.ndarray:
    """Embed texts in length-sorted groups, each distinct text once (a chunk of one sentence is
    also that sentence), returned in the original order."""
    first: dict[str, int] = {}
    slot = np.array([first.setdefault(t, len(first)) for t in texts], dtype=np.int64)
    unique = list(first)
    vectors = np.zeros((len(unique), embedder.dim), dtype=np.float32)
    order = sorted(range(len(unique)), key=lambda i: len(unique[i]))
    for s in range(0, len(order), batch):
        ids = order[s : s + batch]
        vectors[ids] = embedder.embed([unique[i] for i in ids])
        if progress:
            progress(len(ids))
    return vectors[slot]


def _embed_readings(
    embedder: Embedder,
    texts: list[str],
    slots: list[tuple[int, str, int, int]],
    progress: Callable[[int], None] | None,
) -> tuple[np.ndarray, dict[int, Exception]]:
    """Vectors of every text, and the readings (by slot) whose texts the model failed on.

    All texts go to the model together; only if that fails is each reading embedded on its own,
    so a text the model cannot take costs its reading alone, not the build.
    """
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32), {}
    try:
        return _embed_in_order(embedder, texts, progress), {}
    except Exception:
        pass
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    failed: dict[int, Exception] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    for slot, _, a, b in slots:
        spans.setdefault(slot, []).append((a, b))
    for slot, ranges in spans.items():
        rows = np.concatenate([np.arange(a, b) for a, b in ranges])
        try:
            vectors[rows] = _embed_in_order(embedder, [texts[i] for i in rows], None)
        except Exception as exc:
            failed[slot] = exc
    return vectors, failed


def _skip(reading: Reading, what: str, exc: Exception) -> SkippedFile:
    """A reading left out of the index, with a reason that names it and says what to do."""
    where = reading.source or reading.doc
    return SkippedFile(
        where,
        f"{where}: {what} ({type(exc).__name__}: {exc}); the other readings were indexed. "
        "Fix or remove the file and build again.",
    )


def _lock(folder: Path):
    from filelock import FileLock

    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(str(folder / LOCK), timeout=BUILD_LOCK_TIMEOUT_S)


def build_index(
    corpus: Path,
    folder: Path,
    embedder: Embedder,
    settings: ChunkSettings = DEFAULT_SETTINGS,
    *,
    force: bool = False,
    progress: bool = False,
) -> BuildReport:
    """Build (or bring up to date) the index of a corpus folder.

    Args:
        corpus: the folder of readings.
        folder: the index folder (created if missing).
        embedder: the model.
        settings: chunking settings.
        force: embed every reading again, ignoring the cache.
        progress: show a progress bar on standard error.

    Returns:
        A `BuildReport`. Raises `ReadingError` when no reading can be read.
    """
    from filelock import Timeout

    corpus, folder = Path(corpus).resolve(), Path(folder).resolve()
    started = time.perf_counter()
    try:
        with _lock(folder):
            return _build_locked(corpus, folder, embedder, settings, force, progress, started)
    except Timeout as exc:
        raise IndexStoreError(
            f"{folder / LOCK}: another build has held the lock for {BUILD_LOCK_TIMEOUT_S} s; "
            "wait for it or end it."
        ) from exc


@dataclass
class _Work:
    """What a build gathers: each reading with its chunks, vectors (None until embedded) and cache
    file, and the texts still to embed, each reading's run of them named by a slot."""

    readings: list[tuple[Reading, list[Chunk], np.ndarray | None, np.ndarray | None, Path]]
    texts: list[str] = field(default_factory=list)
    # (index in `readings`, "chunks" or "sentences", start, stop) in `texts`
    slots: list[tuple[int, str, int, int]] = field(default_factory=list)


def _build_locked(
    corpus: Path,
    folder: Path,
    embedder: Embedder,
    settings: ChunkSettings,
    force: bool,
    progress: bool,
    started: float,
) -> BuildReport:
    built = _read_manifest_or_none(folder)
    if built is not None and not force and _is_current(folder, built, embedder, settings, corpus):
        return BuildReport(
            folder,
            len(built.readings),
            built.counts.chunks,
            built.counts.sentences,
            0,
            0,
            built.skipped,
            time.perf_counter() - started,
            False,
        )
    build_settings = _build_settings(embedder, settings)
    state = _corpus_state(corpus)
    readings, skipped = load_corpus(corpus)
    work = _gather(readings, folder / "cache", embedder, settings, build_settings, force, skipped)
    distinct = len(set(work.texts))  # what the model is given: a text met twice is embedded once
    _embed_work(work, embedder, progress, skipped)
    manifest = _write_build(folder, corpus, state, build_settings, work.readings, skipped)
    _remove_unreferenced(folder, manifest)
    return BuildReport(
        folder,
        manifest.counts.readings,
        manifest.counts.chunks,
        manifest.counts.sentences,
        len({slot for slot, *_ in work.slots}),
        distinct,
        tuple(skipped),
        time.perf_counter() - started,
        True,
    )


def _is_current(
    folder: Path, built: Manifest, embedder: Embedder, settings: ChunkSettings, corpus: Path
) -> bool:
    return staleness(built, embedder, settings, corpus) is None and _files_present(folder, built)


def _gather(
    readings: list[Reading],
    cache: Path,
    embedder: Embedder,
    settings: ChunkSettings,
    build_settings: BuildSettings,
    force: bool,
    skipped: list[SkippedFile],
) -> _Work:
    """Each reading's chunks and vectors from its cache entry, or its chunks and the texts to
    embed when the entry is missing or damaged; a reading that cannot be chunked is skipped."""
    cache.mkdir(parents=True, exist_ok=True)
    settings_d = asdict(build_settings)
    work = _Work([])
    for reading in readings:
        path = cache / f"{reading.doc}-{_cache_key(reading, settings_d)}.npz"
        if path.is_file() and not force:
            cached = _load_npz(path)
            if cached is not None:
                work.readings.append((reading, cached[0], cached[1], cached[2], path))
                continue
        try:
            chunks = chunk_reading(reading, embedder.count_tokens, settings)
        except Exception as exc:  # one reading of an unforeseen shape must not stop the others
            skipped.append(_skip(reading, "could not be cut into passages", exc))
            continue
        work.readings.append((reading, chunks, None, None, path))
        slot = len(work.readings) - 1
        n = len(work.texts)
        work.texts.extend(embedding_text(c.title, c.section, c.text) for c in chunks)
        work.slots.append((slot, "chunks", n, len(work.texts)))
        n = len(work.texts)
        work.texts.extend(
            embedding_text(c.title, c.section, reading.text[s.start : s.end])
            for c in chunks
            for s in c.sentences
        )
        work.slots.append((slot, "sentences", n, len(work.texts)))
    return work


def _embed_work(
    work: _Work, embedder: Embedder, progress: bool, skipped: list[SkippedFile]
) -> None:
    """Embed the gathered texts, cache each reading's vectors, and drop (as skipped) the readings
    the model failed on."""
    bar = None
    if progress and work.texts:
        from tqdm import tqdm

        bar = tqdm(total=len(set(work.texts)), unit="text", desc="Embedding", leave=False)
    vectors, failed = _embed_readings(embedder, work.texts, work.slots, bar.update if bar else None)
    if bar:
        bar.close()
    for slot, kind, a, b in work.slots:
        reading, chunks, cv, sv, path = work.readings[slot]
        if slot in failed:
            continue
        if kind == "chunks":
            cv = vectors[a:b]
        else:
            sv = vectors[a:b]
            _save_npz(path, chunks, cv, sv)
        work.readings[slot] = (reading, chunks, cv, sv, path)
    skipped.extend(
        _skip(work.readings[slot][0], "could not be embedded", exc) for slot, exc in failed.items()
    )
    work.readings = [e for slot, e in enumerate(work.readings) if slot not in failed]


def _write_build(
    folder: Path,
    corpus: Path,
    state: dict[str, str],
    build_settings: BuildSettings,
    per_reading: list[tuple[Reading, list[Chunk], np.ndarray, np.ndarray, Path]],
    skipped: list[SkippedFile],
) -> Manifest:
    """Write the data files of a new build under new names, then swap its manifest in."""
    build = time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
    all_chunks = [c for _, cs, _, _, _ in per_reading for c in cs]
    chunk_vectors = (
        np.concatenate([cv for _, _, cv, _, _ in per_reading]).astype(np.float32)
        if per_reading
        else np.zeros((0, build_settings.dim), np.float32)
    )
    sentence_vectors = np.concatenate([sv for _, _, _, sv, _ in per_reading]).astype(np.float32)
    files = DataFiles(f"chunks-{build}.faiss", f"sentences-{build}.faiss", f"data-{build}.json")
    search = choose_search(int(sentence_vectors.shape[0]))  # exact, or IVF past the size
    _write_faiss(folder / files.chunks, chunk_vectors, search)
    _write_faiss(folder / files.sentences, sentence_vectors, search)
    data = {
        "readings": [_reading_to_dict(r) for r, *_ in per_reading],
        "chunks": [_chunk_to_dict(c) for c in all_chunks],
    }
    atomic_write_text(folder / files.data, json.dumps(data, ensure_ascii=False))
    from .. import __version__

    manifest = Manifest(
        format_version=FORMAT_VERSION,
        package_version=__version__,
        build=build,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        corpus=os.path.relpath(corpus, folder),
        settings=build_settings,
        files=state,
        readings=tuple(
            ReadingEntry(
                doc=r.doc,
                title=r.title,
                source=os.path.relpath(r.source, corpus) if r.source else "",
                sha256=r.sha256,
                chunks=len(cs),
                cache=p.name,
            )
            for r, cs, _, _, p in per_reading
        ),
        skipped=tuple(skipped),
        counts=Counts(len(per_reading), len(all_chunks), int(sentence_vectors.shape[0])),
        search=search.as_dict(),
        data=files,
    )
    manifest.to_json(folder / MANIFEST)
    return manifest


def _load_npz(path: Path) -> tuple[list[Chunk], np.ndarray, np.ndarray] | None:
    """A reading's cached chunks and vectors; None when the entry is damaged (embedded again)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            chunks = [_chunk_from_dict(d) for d in json.loads(str(npz["chunks"]))]
            return chunks, npz["chunk_vectors"], npz["sentence_vectors"]
    except (OSError, ValueError, KeyError):
        return None


def _save_npz(path: Path, chunks: list[Chunk], cv: np.ndarray, sv: np.ndarray) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("wb") as fh:  # a file object: np.savez would add ".npz" to a name
            np.savez(
                fh,
                chunk_vectors=cv,
                sentence_vectors=sv,
                chunks=np.array(
                    json.dumps([_chunk_to_dict(c) for c in chunks], ensure_ascii=False)
                ),
            )

    atomic_replace(path, write)


def _write_faiss(path: Path, vectors: np.ndarray, search: SearchSpec) -> None:
    import faiss

    index = build_faiss(vectors, search)
    atomic_replace(path, lambda tmp: faiss.write_index(index, str(tmp)))


def _remove_unreferenced(folder: Path, manifest: Manifest) -> None:
    keep = set(manifest.data.names())
    for p in folder.iterdir():
        if (
            p.is_file()
            and p.name.split("-", 1)[0] in ("chunks", "sentences", "data")
            and p.name not in keep
        ):
            p.unlink(missing_ok=True)
        elif p.is_file() and p.name.startswith(".") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)
    caches = {r.cache for r in manifest.readings}
    for p in (folder / "cache").glob("*"):
        if p.name not in caches:
            p.unlink(missing_ok=True)


# ---------------------------------------------------------------------------- load


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of an index folder; None when there is none, `IndexStoreError` (naming the
    file and the fix) when it is damaged."""
    path = Path(folder) / MANIFEST
    return Manifest.from_json(path) if path.is_file() else None


def _read_manifest_or_none(folder: Path) -> Manifest | None:
    """The manifest, or None when it is missing or damaged (either way the index is built anew)."""
    try:
        return read_manifest(folder)
    except IndexStoreError:
        return None


def _files_present(folder: Path, manifest: Manifest) -> bool:
    names = manifest.data.names()
    return all(names) and all((folder / name).is_file() for name in names)


def load_index(folder: Path) -> Index:
    """Load an index folder as it is; raises `IndexStoreError` naming what is missing or damaged."""
    import faiss

    folder = Path(folder).resolve()
    path = folder / MANIFEST
    manifest = read_manifest(folder)
    if manifest is None:
        raise IndexStoreError(
            f"{path}: missing; build the index with `qa build --corpus DIR --index {folder}`."
        )
    fix = f"rebuild it with `qa build --force --corpus DIR --index {folder}`"
    current = path  # the file being read, for the message
    try:
        names = manifest.data
        current = folder / names.data
        data = json.loads(current.read_text(encoding="utf-8"))
        current = folder / names.chunks
        chunk_ix = faiss.read_index(str(current))
        current = folder / names.sentences
        sent_ix = faiss.read_index(str(current))
        current = folder / names.data
        chunks = [_chunk_from_dict(d) for d in data["chunks"]]
        readings = {r.doc: r for r in (_reading_from_dict(d) for d in data["readings"])}
    except OSError as exc:
        raise IndexStoreError(f"{current}: cannot be read ({exc.strerror or exc}); {fix}.") from exc
    except RuntimeError as exc:  # faiss's reader
        raise IndexStoreError(f"{current}: damaged (not a complete FAISS index); {fix}.") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexStoreError(f"{current}: damaged ({type(exc).__name__}: {exc}); {fix}.") from exc
    n_sent = sum(len(c.sentences) for c in chunks)
    if chunk_ix.ntotal != len(chunks) or sent_ix.ntotal != n_sent:
        raise IndexStoreError(
            f"{folder / names.data}: {chunk_ix.ntotal} chunk vectors for {len(chunks)} chunks, "
            f"{sent_ix.ntotal} sentence vectors for {n_sent} sentences; {fix}."
        )
    dim = manifest.settings.dim
    if dim and (chunk_ix.d != dim or sent_ix.d != dim):  # 0: a manifest of another format
        raise IndexStoreError(
            f"{folder / names.chunks}: vectors of dimension {chunk_ix.d}, "
            f"the manifest says {dim}; {fix}."
        )
    chunk_vectors = (
        chunk_ix.reconstruct_n(0, chunk_ix.ntotal)
        if chunk_ix.ntotal
        else np.zeros((0, chunk_ix.d), np.float32)
    )
    sentence_vectors = (
        sent_ix.reconstruct_n(0, sent_ix.ntotal)
        if sent_ix.ntotal
        else np.zeros((0, sent_ix.d), np.float32)
    )
    sentence_chunk = np.repeat(np.arange(len(chunks)), [len(c.sentences) for c in chunks]).astype(
        np.int64
    )
    calibration = _read_calibration(folder, manifest.settings.model, manifest.files)
    return Index(
        folder,
        manifest,
        readings,
        chunks,
        chunk_vectors,
        sentence_vectors,
        sentence_chunk,
        calibration,
        chunk_ix,
        (chunk_ix, sent_ix),
    )


def open_index(
    folder: Path,
    embedder: Embedder,
    corpus: Path | None = None,
    settings: ChunkSettings = DEFAULT_SETTINGS,
    *,
    fallback_corpus: Path | None = None,
    progress: bool = False,
    on_rebuild: Callable[[str], None] | None = None,
) -> Index:
    """Load the index, building or rebuilding it first when it is missing, stale or damaged.

    The corpus is `corpus` when given, else the one recorded in the manifest, else
    `fallback_corpus` (the command line and app.py pass `corpus/`; a library call passes none, so
    nothing depends on the current directory). Without a readable corpus, a damaged index is an
    `IndexStoreError` naming the fix.
    """
    folder = Path(folder)
    manifest = _read_manifest_or_none(folder)
    recorded = None
    if manifest and manifest.corpus:
        recorded = (folder.resolve() / manifest.corpus).resolve()
    if corpus is None and recorded is not None:
        corpus = recorded if recorded.is_dir() else None
    if corpus is None and fallback_corpus is not None and Path(fallback_corpus).is_dir():
        corpus = Path(fallback_corpus)
    reason = None
    if manifest is None:
        reason = (
            "there is no index yet"
            if not (folder / MANIFEST).exists()
            else f"{folder / MANIFEST} is damaged"
        )
    else:
        try:
            reason = staleness(
                manifest, embedder, settings, corpus if corpus and Path(corpus).is_dir() else None
            )
        except ReadingError:
            reason = None
        if reason == READINGS_CHANGED and recorded and recorded != Path(corpus).resolve():
            # Not a change of these readings: the index is another folder's (`--index` named it).
            reason = f"it holds the readings of {recorded}, not of {Path(corpus).resolve()}"
        if reason is None:
            try:
                return load_index(folder)
            except IndexStoreError as exc:
                if corpus is None:
                    raise
                reason = str(exc)
    if corpus is None or not Path(corpus).is_dir():
        raise IndexStoreError(
            f"{folder}: cannot build the index ({reason}) because no corpus folder was found; "
            "pass --corpus DIR."
        )
    if on_rebuild:
        on_rebuild(reason)
    build_index(corpus, folder, embedder, settings, progress=progress)
    try:
        return load_index(folder)
    except QAError:
        build_index(corpus, folder, embedder, settings, force=True, progress=progress)
        return load_index(folder)
