"""Writing files so that a reader never sees half of one: write beside, flush, rename over.

Used by every stage that writes (the index, imported readings, reports). The trade-off: a write
costs an fsync, which is what makes a crash mid-write leave the old file whole.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_replace", "atomic_write_bytes", "atomic_write_text", "file_sha256"]


def atomic_replace(path: Path, writer: Callable[[Path], object]) -> Path:
    """Have `writer` write a temporary file beside `path`, then rename it over `path`.

    For writers that want a file name (FAISS, NumPy, ONNX exporters); the file gets the usual
    permissions (0666 less the umask) and is flushed to disk before the rename. When `writer`
    fails, the temporary file is removed and `path` is left as it was.

    Example:
        atomic_replace(Path("index/chunks.faiss"), lambda tmp: faiss.write_index(ix, str(tmp)))
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name starts with a dot, so a build scanning the folder meanwhile never reads it.
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(
            fd, 0o666 & ~umask
        )  # mkstemp makes 0600; a report or reading is meant to be shared
        os.close(fd)
        writer(tmp)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (see `atomic_replace`)."""
    atomic_replace(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically (see `atomic_replace`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (hex), read in 1 MB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
