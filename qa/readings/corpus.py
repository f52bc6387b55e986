"""Read a corpus folder: every reading file parsed, a bad one skipped with its reason.

Markdown and text files are parsed as they are; HTML and PDF files are converted the way
`qa add` converts them, so a file dropped into `corpus/` reads the same as one added.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import ReadingError
from .convert import convert_file
from .records import (
    CONVERTED_SUFFIXES,
    CORPUS_SUFFIXES,
    MAX_READING_BYTES,
    READING_SUFFIXES,
    Reading,
    SkippedFile,
    parse_reading,
)

__all__ = ["read_reading", "corpus_files", "load_corpus"]


def read_reading(path: Path) -> Reading:
    """Read one corpus file; raises `ReadingError` naming the file and the reason."""
    path = Path(path)
    if path.suffix.lower() in CONVERTED_SUFFIXES:  # HTML and PDF: extracted the way `qa add` does
        imported = convert_file(path)
        data = path.read_bytes()
        return parse_reading(
            imported.file_text(),
            path.stem,
            source=str(path),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    if path.suffix.lower() not in READING_SUFFIXES:
        raise ReadingError(
            f"{path}: unsupported file type {path.suffix!r}; the corpus reads "
            f"{', '.join(CORPUS_SUFFIXES)}."
        )
    try:
        size = path.stat().st_size
        if size > MAX_READING_BYTES:
            raise ReadingError(
                f"{path}: {size / 1e6:.1f} MB is over the {MAX_READING_BYTES // (1024 * 1024)} MB "
                "limit for one reading; split it into smaller files."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ReadingError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    if b"\x00" in data[:8192]:
        raise ReadingError(
            f"{path}: looks like a binary file, not text; import PDFs and web pages with `qa add`."
        )
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadingError(
            f"{path}: is not UTF-8 text (byte {exc.start}); save it as UTF-8."
        ) from exc
    return parse_reading(
        raw,
        path.stem,
        markdown=path.suffix.lower() != ".txt",
        source=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def corpus_files(corpus: Path) -> list[Path]:
    """The reading files of a corpus folder, sorted (hidden files and other types left out)."""
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise ReadingError(
            f"{corpus}: corpus folder not found; create it and put readings (.md, .txt) in it, or "
            "pass --corpus."
        )
    return sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file()
        and p.suffix.lower() in CORPUS_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(corpus).parts)
    )


def load_corpus(corpus: Path) -> tuple[list[Reading], list[SkippedFile]]:
    """Read every reading of a corpus folder; a bad file is skipped with its reason, not fatal.

    Returns:
        (readings, skipped files). Raises `ReadingError` when no file at all could be read.
    """
    readings: list[Reading] = []
    skipped: list[SkippedFile] = []
    seen: set[str] = set()
    for path in corpus_files(corpus):
        try:
            reading = read_reading(path)
        except ReadingError as exc:
            skipped.append(SkippedFile(str(path), str(exc)))
            continue
        if reading.doc in seen:
            skipped.append(
                SkippedFile(
                    str(path),
                    f"{path}: another reading is already named {reading.doc!r}; rename one of "
                    "them.",
                )
            )
            continue
        seen.add(reading.doc)
        readings.append(reading)
    if not readings:
        reasons = "; ".join(s.reason for s in skipped) or "it has no .md or .txt files"
        raise ReadingError(f"{corpus}: no reading could be indexed ({reasons}).")
    return readings, skipped
