"""Atomic writes: the new file whole, or the old one untouched and no temporary file left."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from qa.files import atomic_replace, atomic_write_bytes, atomic_write_text


def test_atomic_replace_renames_what_the_writer_wrote(tmp_path):
    path = tmp_path / "sub" / "vectors.npy"
    seen = []

    def write(tmp):
        seen.append(tmp)
        assert tmp.parent == path.parent and tmp.name.startswith(".")
        with tmp.open("wb") as fh:
            np.save(fh, np.arange(3))

    assert atomic_replace(path, write) == path
    assert np.load(path).tolist() == [0, 1, 2]
    assert not seen[0].exists() and sorted(p.name for p in path.parent.iterdir()) == ["vectors.npy"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "data.bin"
    atomic_write_bytes(path, b"old")

    def fail(tmp):
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_replace(path, fail)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]


def test_written_files_get_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "report.md", "héllo\n")
    finally:
        os.umask(umask)
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == "héllo\n"
    assert stat.S_IMODE((tmp_path / "report.md").stat().st_mode) == 0o644
