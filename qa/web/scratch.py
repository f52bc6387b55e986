"""The app's temporary files: one folder per process, with a subfolder for each job.

The Evaluate tab's report, the Feedback tab's CSV and an upload being imported each need a file on
disk (Gradio serves a download from a path; the importers read a path). They all go under one
`qa-web-*` folder of the system's temporary directory, made on first use and removed when the
process exits, rather than a folder of their own left behind at every visit. The trade-off: a
download lasts as long as the process that wrote it (Gradio serves its own copy meanwhile).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["scratch_folder", "job_folder", "uploaded_file"]


@functools.cache
def scratch_folder() -> Path:
    """This process's temporary folder (made once, removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix="qa-web-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def job_folder(prefix: str) -> Path:
    """A new empty folder for one job's files, e.g. job_folder('qa-eval-') -> .../qa-eval-x1y2"""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=scratch_folder()))


@contextmanager
def uploaded_file(name: str, data: bytes) -> Iterator[Path]:
    """`data` written as a file called `name` (a checked plain name), removed after the block."""
    with tempfile.TemporaryDirectory(prefix="qa-upload-", dir=scratch_folder()) as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        yield path
