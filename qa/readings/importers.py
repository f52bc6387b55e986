"""Add readings to a corpus folder and remove them: `qa add` and the instructor area.

A source (file or URL) is converted by `convert`, checked against the corpus for a duplicate
(the same imported bytes, or the same text), and written under a free name as one Markdown or
text file that `corpus.read_reading` reads back; removing takes a file name, a stem or a title.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReadingError
from ..files import atomic_write_text
from .convert import (
    MAX_IMPORT_BYTES,
    Imported,
    convert_file,
    convert_url,
    is_url,
    slugify,
    title_from_source,
)
from .corpus import corpus_files, read_reading
from .fetch import FETCH_TIMEOUT_S, check_size
from .records import MAX_READING_BYTES, READING_SUFFIXES, parse_reading

__all__ = ["AddResult", "add_reading", "find_reading", "remove_reading"]


@dataclass(frozen=True)
class AddResult:
    """What `add_reading` did: the corpus file, and whether it was new."""

    doc: str
    title: str
    path: Path
    kind: str
    added: bool  # False: the same reading was already in the corpus at `path`
    paragraphs: int
    pages: int
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------- the corpus


def _existing(corpus: Path) -> list[tuple[Path, dict[str, str], str]]:
    """(path, front matter, sha256 of bytes) of every corpus file that can be read."""
    out = []
    for path in corpus_files(corpus):
        try:
            reading = read_reading(path)
        except ReadingError:
            continue
        out.append((path, {**reading.meta, "title": reading.title}, reading.sha256))
    return out


def _duplicate(corpus: Path, imported: Imported, file_text: str) -> tuple[Path, str] | None:
    """The corpus file that already holds this reading (same source URL, source bytes or text)."""
    text_hash = hashlib.sha256(file_text.encode("utf-8")).hexdigest()
    url = imported.meta.get("source_url", "")
    for path, meta, sha in _existing(corpus):
        if (
            (url and meta.get("source_url") == url)
            or imported.source_sha256 in (meta.get("source_sha256"), sha)
            or text_hash == sha
        ):
            return path, meta.get("title", path.stem)
    return None


def _free_path(corpus: Path, stem: str, suffix: str) -> Path:
    taken = {p.stem.lower() for p in corpus_files(corpus)}
    candidate, n = stem, 1
    while candidate.lower() in taken or any(
        (corpus / f"{candidate}{s}").exists() for s in READING_SUFFIXES
    ):
        n += 1
        candidate = f"{stem}-{n}"
    return corpus / f"{candidate}{suffix}"


def add_reading(
    source: str | Path,
    corpus: Path,
    *,
    title: str | None = None,
    replace: bool = False,
    timeout: float = FETCH_TIMEOUT_S,
    max_bytes: int = MAX_IMPORT_BYTES,
    public_only: bool = False,
) -> AddResult:
    """Import a file or URL into the corpus folder as a Markdown (or text) reading.

    Args:
        source: a file path or an http(s) URL.
        corpus: the corpus folder (created if missing).
        title: overrides the title found in the source.
        replace: when the same source is already in the corpus, write it over that file
            (e.g. a web page that changed) instead of reporting it.
        timeout: seconds to wait for a URL.
        max_bytes: the largest source accepted.
        public_only: a URL (and its redirects) must resolve to public addresses (see
            `qa.readings.fetch`).

    Returns:
        An `AddResult`; `added` is False when the reading was already there. Raises
        `ReadingError` naming the source and the reason when it cannot be imported.
    """
    corpus = Path(corpus)
    src = str(source)
    imported = (
        convert_url(src, title=title, timeout=timeout, max_bytes=max_bytes, public_only=public_only)
        if is_url(src)
        else convert_file(Path(src), title=title, max_bytes=max_bytes)
    )
    text = imported.file_text()
    check_size(len(text.encode("utf-8")), src, MAX_READING_BYTES)
    reading = parse_reading(
        text, slugify(title_from_source(src)), markdown=imported.suffix != ".txt", source=src
    )
    pages = len({p.page for p in reading.paragraphs if p.page is not None})
    corpus.mkdir(parents=True, exist_ok=True)
    found = _duplicate(corpus, imported, text)
    if found and not replace:
        path, existing_title = found
        return AddResult(
            path.stem,
            existing_title,
            path,
            imported.kind,
            False,
            len(reading.paragraphs),
            pages,
            imported.notes,
        )
    path = (
        found[0].with_suffix(imported.suffix)
        if found
        else _free_path(corpus, slugify(reading.title), imported.suffix)
    )
    atomic_write_text(path, text)
    if found and found[0] != path:
        found[0].unlink(missing_ok=True)
    return AddResult(
        path.stem,
        reading.title,
        path,
        imported.kind,
        True,
        len(reading.paragraphs),
        pages,
        imported.notes,
    )


def find_reading(corpus: Path, name: str) -> Path:
    """The corpus file named by a reading id, a file name, or a title (case-insensitive)."""
    files = corpus_files(Path(corpus))
    wanted = name.strip().casefold()
    for match in (
        lambda p: p.stem.casefold() == wanted,
        lambda p: p.name.casefold() == wanted or str(p.relative_to(corpus)).casefold() == wanted,
    ):
        hits = [p for p in files if match(p)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise ReadingError(
                f"{name!r} names {len(hits)} files ({', '.join(p.name for p in hits)}); give the "
                "file name."
            )
    titled = []
    for p in files:
        try:
            if read_reading(p).title.casefold() == wanted:
                titled.append(p)
        except ReadingError:
            continue
    if len(titled) == 1:
        return titled[0]
    if len(titled) > 1:
        raise ReadingError(
            f"{name!r} is the title of {len(titled)} readings "
            f"({', '.join(p.name for p in titled)}); give the file name."
        )
    raise ReadingError(
        f"{name!r}: no reading with that id, file name or title in {corpus}; see `qa list`."
    )


def remove_reading(corpus: Path, name: str) -> tuple[Path, str]:
    """Delete a reading's corpus file; returns (path, title). The next build drops its passages."""
    path = find_reading(Path(corpus), name)
    try:
        title = read_reading(path).title
    except ReadingError:
        title = path.stem
    try:
        path.unlink()
    except OSError as exc:
        raise ReadingError(f"{path}: cannot be removed ({exc.strerror or exc}).") from exc
    return path, title
