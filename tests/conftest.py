"""Shared fixtures, and the layer marks, which come from the folder a test lives in.

The layers: tests/unit (the fake embedder, no model, no server: `make test-fast`), tests/model
(the real packaged model, loaded once per session), tests/app (the app served on a local port) and
tests/browser (Chromium through Playwright). A test in tests/model, tests/app or tests/browser gets
the mark `model`, `app` or `browser`; any test that takes the real model through a fixture also
gets `model`, and a unit test that does is stopped at collection: it belongs in tests/model.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.fakes import FakeEmbedder
from tests.support.paths import ARTIFACTS, CORPUS, TESTS

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The ONNX copy of the model is exported once per test session into a temporary folder
# (never ~/.cache), removed when the session ends (the export is about 140 MB).
if "QA_CACHE_DIR" not in os.environ:
    os.environ["QA_CACHE_DIR"] = tempfile.mkdtemp(prefix="qa-test-onnx-")
    atexit.register(shutil.rmtree, os.environ["QA_CACHE_DIR"], ignore_errors=True)

LAYERS = ("unit", "model", "app", "browser")
# The fixtures that load the real model: a test that takes one (directly or through another
# fixture) is a model test wherever it lives.
MODEL_FIXTURES = {"real_embedder", "torch_embedder", "built_index", "assistant"}


def _layer(item) -> str:
    """The layer folder a test lives in; a test file anywhere else is a usage error."""
    parts = Path(item.path).resolve().parts
    tests = TESTS.parts
    folder = (
        parts[len(tests)] if parts[: len(tests)] == tests and len(parts) > len(tests) + 1 else ""
    )
    if folder not in LAYERS:
        raise pytest.UsageError(
            f"{item.nodeid}: a test file belongs in one of the layer folders "
            f"tests/{{{','.join(LAYERS)}}}/ (see the README's Tests section)"
        )
    return folder


def pytest_collection_modifyitems(config, items):
    """Mark each test with its layer (its folder) and `model` when a fixture gives it the model."""
    for item in items:
        layer = _layer(item)
        model_fixtures = sorted(MODEL_FIXTURES & set(getattr(item, "fixturenames", ())))
        marked = sorted({m.name for m in item.iter_markers()} & set(LAYERS))
        if layer == "unit" and model_fixtures:
            raise pytest.UsageError(
                f"{item.nodeid}: a unit test takes the real model through {model_fixtures}; "
                "move it to tests/model/ or give it the fake embedder (the `fake_embedder` or "
                "`fake_model` fixture)"
            )
        if layer == "unit" and marked:
            raise pytest.UsageError(
                f"{item.nodeid}: a unit test marked {marked}; its folder is its layer, so move "
                f"it to tests/{max(marked, key=LAYERS.index)}/ and drop the mark"
            )
        if layer != "unit":
            item.add_marker(layer)
        if model_fixtures and layer != "model":
            item.add_marker("model")


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
    """The packaged all-MiniLM-L6-v2 as the product loads it (ONNX when it agrees with torch), once
    per session."""
    from qa.index.embed import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def torch_embedder():
    """The packaged model through sentence-transformers itself (the reference the ONNX copy must
    match)."""
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
