"""The real packaged model: loads offline, gives unit float32 rows that carry meaning, counts word
pieces."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from qa.index.model import Embedder, model_dir


@pytest.fixture(scope="module")
def packaged() -> Path:
    folder = model_dir()
    assert folder.is_dir() and (folder / "model.safetensors").is_file()
    return folder


def test_the_real_model_loads_offline_from_the_package(real_embedder, torch_embedder, packaged):
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert isinstance(real_embedder, Embedder)
    assert real_embedder.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert (real_embedder.dim, real_embedder.max_tokens) == (384, 256)
    assert Path(torch_embedder._model.tokenizer.name_or_path).resolve() == packaged.resolve()
    # The int8 copy is the same model, quantised: its own identity, so its indexes are never mixed
    # with torch's.
    assert real_embedder.sha256 in (torch_embedder.sha256, torch_embedder.sha256 + "+onnx-int8")


@pytest.mark.parametrize(
    "texts",
    [[], ["One sentence."], ["", "Two texts, one empty."], ["word " * 600]],
    ids=["none", "one", "empty-text", "over-long"],
)
def test_vectors_are_unit_float32_rows(real_embedder, texts):
    vectors = real_embedder.embed(texts)
    assert vectors.dtype == np.float32 and vectors.shape == (len(texts), 384)
    if texts:
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_vectors_carry_meaning_and_are_deterministic(real_embedder):
    a, b, c = real_embedder.embed(
        [
            "How many American troops are stationed in South Korea?",
            "U.S. forces on the Korean peninsula number 28,500 service members.",
            "A recipe for baking sourdough bread at home.",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.2
    again = real_embedder.embed(["How many American troops are stationed in South Korea?"])[0]
    assert np.allclose(a, again, atol=1e-6)


def test_count_tokens_counts_word_pieces_without_special_tokens(real_embedder):
    assert real_embedder.count_tokens("") == 0
    assert real_embedder.count_tokens("hello world") == 2
    assert real_embedder.count_tokens("OPCON") > 1  # split into word pieces
    assert real_embedder.count_tokens("word " * 600) == 600  # no truncation when counting
