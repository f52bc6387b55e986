"""Readings added and removed while the app runs: corpus, index and live assistant kept in step.

An upload (or URL, or removal) goes through the same code as `qa add`/`qa remove`, then the index
is updated incrementally (`build_index` embeds only readings whose content changed) and the new
index is swapped into the running `Assistant` at once. One lock serialises the changes of this
process (the index's file lock those of other processes), and every change rebuilds from the
whole corpus folder, so two instructors uploading at once both find their reading. A change whose
update fails is undone: the corpus file added is removed again (or the removed one put back), and
the index on disk was never swapped. The trade-off: changes wait for each other; an update takes
the embedding time of one reading (seconds for a chapter).
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import QAError, ReadingError
from ..files import atomic_write_text
from ..index.store import (
    FALLBACK_THRESHOLD,
    build_index,
    load_index,
    stale_auto_calibration,
    write_calibration,
)
from ..readings.convert import IMPORT_SUFFIXES, MAX_IMPORT_BYTES
from ..readings.corpus import corpus_files, read_reading
from ..readings.importers import add_reading, find_reading
from .scratch import uploaded_file

__all__ = ["CorpusManager", "ReadingInfo", "Change", "check_file_name", "manager_for"]

_PLAIN_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,200}$")


@dataclass(frozen=True)
class ReadingInfo:
    """One reading as the instructor area lists it."""

    doc: str
    title: str
    file: str
    pages: int
    chunks: int
    status: str  # indexed | updating | not indexed: <why>

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Change:
    """What an add or a remove did."""

    doc: str
    title: str
    file: str
    added: bool  # False: the reading was already there (add) — nothing changed
    removed: bool = False
    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {**asdict(self), "seconds": round(self.seconds, 2), "notes": list(self.notes)}


def check_file_name(name: str | None) -> str:
    """An uploaded file's name, refused unless it is a plain name of a type that can be added.

    Example: 'notes.pdf' -> 'notes.pdf'; '../etc/passwd.md' -> ReadingError
    """
    name = (name or "").strip()
    if not name or not _PLAIN_NAME.match(name) or name.startswith(".") or ".." in name:
        raise ReadingError(
            f"file name {name!r}: give a plain file name without folders, '..' or a leading dot, "
            "e.g. chapter-3.pdf; rename the file and upload it again."
        )
    suffix = Path(name).suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise ReadingError(
            f"{name}: unsupported file type {suffix or '(none)'!r}; upload one of "
            f"{', '.join(IMPORT_SUFFIXES)}, or save the reading as PDF or HTML."
        )
    return name


class CorpusManager:
    """Adds and removes readings of the app's corpus and keeps its index and assistant in step."""

    def __init__(self, assistant, corpus: Path, folder: Path):
        self.assistant = assistant
        self.corpus = Path(corpus)
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self.updating: str | None = None  # what is being done now, for the readings list

    def readings(self) -> list[ReadingInfo]:
        """Corpus files and what the live index holds of each (title, pages, chunks, status)."""
        index = self.assistant.index
        chunks: dict[str, int] = {}
        for c in index.chunks:
            chunks[c.doc] = chunks.get(c.doc, 0) + 1
        skipped = {Path(s.path).name: s.reason for s in index.manifest.skipped}
        out = []
        for path in corpus_files(self.corpus):
            doc = path.stem
            reading = index.readings.get(doc)
            if reading is None:
                try:
                    reading = read_reading(path)
                except ReadingError as exc:
                    out.append(ReadingInfo(doc, doc, path.name, 0, 0, f"not indexed: {exc}"))
                    continue
            pages = len({p.page for p in reading.paragraphs if p.page is not None})
            if doc in index.readings:
                status = "indexed"
            elif self.updating:
                status = "updating"
            else:
                status = f"not indexed: {skipped.get(path.name) or 'waiting for the next update'}"
            out.append(
                ReadingInfo(doc, reading.title, path.name, pages, chunks.get(doc, 0), status)
            )
        return sorted(out, key=lambda r: r.title.lower())

    def add_upload(self, name: str | None, data: bytes, *, progress: bool = False) -> Change:
        """Add an uploaded file (checked name, import size limit); see `add`."""
        name = check_file_name(name)
        if len(data) > MAX_IMPORT_BYTES:
            raise ReadingError(
                f"{name}: {len(data) / 1e6:.1f} MB is over the limit of "
                f"{MAX_IMPORT_BYTES / 1e6:.0f} MB for a reading; split it into chapters and "
                "upload them one by one."
            )
        with uploaded_file(name, data) as path:
            try:
                return self.add(str(path), progress=progress)
            except QAError as exc:  # the message names the upload, not the server's temp folder
                raise type(exc)(str(exc).replace(str(path), name)) from None

    def add(self, source: str, *, progress: bool = False) -> Change:
        """Import a file path or an http(s) URL into the corpus, update the index, swap it in.

        Returns:
            A `Change`; raises `ReadingError` (the corpus and the index unchanged) when the
            source cannot be imported, `QAError` when the index cannot be updated.
        """
        with self._lock:
            self.updating = f"adding {Path(source).name if '://' not in source else source}"
            try:
                # A browser asked for this fetch: never toward the server's own network.
                result = add_reading(source, self.corpus, public_only=True)
                if not result.added:
                    return Change(
                        result.doc, result.title, result.path.name, False, pages=result.pages
                    )
                try:
                    report = self._update(progress)
                except BaseException:
                    result.path.unlink(missing_ok=True)  # the corpus as it was
                    raise
                recalibrated = self._recalibrate()  # the reading is indexed whatever this does
            finally:
                self.updating = None
        chunks = sum(1 for c in self.assistant.index.chunks if c.doc == result.doc)
        return Change(
            result.doc,
            result.title,
            result.path.name,
            True,
            False,
            result.pages,
            chunks,
            report.seconds,
            (*result.notes, *([recalibrated] if recalibrated else [])),
        )

    def remove(self, doc: str, *, progress: bool = False) -> Change:
        """Delete a reading (by its id) from the corpus, update the index, swap it in."""
        with self._lock:
            path = self._path_of(doc)
            if len(corpus_files(self.corpus)) <= 1:
                raise ReadingError(
                    f"{path.name} is the only reading; add another reading before removing it."
                )
            data = path.read_bytes()
            try:
                title = read_reading(path).title
            except ReadingError:
                title = path.stem
            self.updating = f"removing {path.name}"
            try:
                path.unlink()
                try:
                    report = self._update(progress)
                except BaseException:
                    atomic_write_text(path, data.decode("utf-8"))  # the corpus as it was
                    raise
                recalibrated = self._recalibrate()  # the reading is gone whatever this does
            finally:
                self.updating = None
        notes = (recalibrated,) if recalibrated else ()
        return Change(path.stem, title, path.name, False, True, seconds=report.seconds, notes=notes)

    def reload(self) -> None:
        """Load the index folder again (e.g. after a new calibration) and swap it in."""
        with self._lock:
            self.assistant.use(load_index(self.folder))

    def _path_of(self, doc: str) -> Path:
        if doc not in {p.stem for p in corpus_files(self.corpus)}:
            raise ReadingError(
                f"{doc!r}: no reading with that id in the corpus; "
                "list them with GET /instructor/api/readings."
            )
        return find_reading(self.corpus, doc)

    def _update(self, progress: bool):
        report = build_index(self.corpus, self.folder, self.assistant.embedder, progress=progress)
        self.assistant.use(load_index(self.folder))
        return report

    def _recalibrate(self) -> str | None:
        """A threshold chosen from the readings alone (`qa calibrate --auto`, or the Calibrate
        tab's button) follows them: chosen again on the changed readings. Returns what to say."""
        if not stale_auto_calibration(self.folder):
            return None
        from ..evaluation.autocalibrate import calibrate_assistant

        try:
            _, record = calibrate_assistant(self.assistant)
            write_calibration(self.folder, record)
            self.assistant.use(load_index(self.folder))
        except Exception as exc:  # noqa: BLE001 - the readings are indexed all the same
            return (
                f"The refusal threshold could not be chosen again ({exc}); "
                f"{FALLBACK_THRESHOLD} applies."
            )
        return (
            "The refusal threshold was chosen again from the readings alone: "
            f"{record['threshold']:.4f}."
        )


def manager_for(assistant) -> CorpusManager | None:
    """The manager of the corpus the assistant's index was built from, or None if it has none."""
    corpus = assistant.index.corpus
    if corpus is None or not Path(corpus).is_dir():
        return None
    return CorpusManager(assistant, corpus, assistant.index.folder)
