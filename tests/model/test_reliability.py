"""The installed `qa` as a process on a broken index: one line on stderr, never a traceback.

The process loads the packaged model, so this is a model test; the other failures of a broken
index are in tests/unit/test_reliability.py, with the fake embedder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli as run
from tests.support.readings_fixtures import HONEY, bees_corpus


@pytest.fixture
def corpus(tmp_path) -> Path:
    return bees_corpus(tmp_path / "corpus")


@pytest.fixture
def index(capsys, fake_model, corpus, tmp_path) -> Path:
    folder = tmp_path / "index"
    assert run(capsys, "build", "--corpus", str(corpus), "--index", str(folder))[0] == 0
    return folder


def _data(folder: Path, key: str) -> Path:
    return folder / json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["data"][key]


def _truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def test_the_console_script_shows_no_traceback_for_a_broken_index(index, tmp_path, real_embedder):
    """The installed `qa` as a process: stderr is the one line, never a Python traceback."""
    # The process loads the model from the session's QA_CACHE_DIR: `real_embedder` has put the
    # ONNX copy there, so the process prints no first-load progress bars, whatever ran before.
    _truncate(_data(index, "chunks"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa",
            "ask",
            HONEY,
            "--index",
            str(index),
            "--corpus",
            str(tmp_path / "gone"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 3 and proc.stdout == "", proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, (
        proc.stderr
    )
    assert proc.stderr.startswith(f"error: {index}") and "--corpus" in proc.stderr
