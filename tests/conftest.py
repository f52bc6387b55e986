"""Shared fixtures: a fake embedder for fast tests, the real model and a built index once per session."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The ONNX copy of the model is exported once per test session into a temporary folder (never ~/.cache).
os.environ.setdefault("QA_CACHE_DIR", tempfile.mkdtemp(prefix="qa-test-onnx-"))

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
ARTIFACTS = ROOT / "tests" / "artifacts"


class FakeEmbedder:
    """A bag-of-words hashing embedder: same surface as the real one, instant, deterministic.

    Texts that share words get similar vectors, which is enough to test the plumbing.
    """

    name = "fake-hashing-embedder"
    dim = 64
    max_tokens = 256
    sha256 = "fake"

    def __init__(self) -> None:
        self.calls = 0
        self.texts_embedded = 0

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))

    def embed(self, texts):
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
            if not norm:
                out[i, 0] = 1.0
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def fake_model(monkeypatch) -> FakeEmbedder:
    """Every command and `Assistant.open` get the fake embedder instead of the real model."""
    import qa.answering.assistant
    import qa.index.embed

    fake = FakeEmbedder()
    monkeypatch.setattr(qa.index.embed, "load_embedder", lambda kind=None: fake)
    monkeypatch.setattr(qa.answering.assistant, "load_embedder", lambda kind=None: fake)
    return fake


@pytest.fixture(scope="session")
def real_embedder():
    """The packaged all-MiniLM-L6-v2 as the product loads it (ONNX when it agrees with torch), once per session."""
    from qa.index.embed import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def torch_embedder():
    """The packaged model through sentence-transformers itself (the reference the ONNX copy must match)."""
    from qa.index.embed import load_embedder

    return load_embedder("torch")


@pytest.fixture(scope="session")
def built_index(real_embedder, tmp_path_factory) -> Path:
    """The bundled corpus indexed with the real model, in a temporary folder (built once)."""
    from qa.index.store import build_index

    folder = tmp_path_factory.mktemp("index")
    corpus = tmp_path_factory.mktemp("corpus")
    for p in CORPUS.iterdir():
        if p.is_file():
            shutil.copy(p, corpus / p.name)
    build_index(corpus, folder, real_embedder)
    return folder


@pytest.fixture(scope="session")
def assistant(built_index, real_embedder):
    """An `Assistant` over the bundled reading with the real model."""
    from qa.answering.assistant import Assistant

    return Assistant.open(built_index, embedder=real_embedder)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
