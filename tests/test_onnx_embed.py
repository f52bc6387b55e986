"""The ONNX Runtime encoder: same vectors and token counts as torch, verified before use, cached."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import CORPUS, QUESTIONS

from qa.errors import ModelError
from qa.onnx_embed import MIN_COSINE, OnnxEmbedder, load_fast_embedder, measure_agreement

ARTICLE = CORPUS / "south-korea-us-alliance.md"


def test_unknown_variant_is_refused(tmp_path):
    with pytest.raises(ModelError, match="fp32, int8"):
        load_fast_embedder(tmp_path, variant="fp16")


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory, real_embedder) -> Path:
    folder = tmp_path_factory.mktemp("onnx")
    fast = load_fast_embedder(folder, reference=real_embedder)
    assert isinstance(fast, OnnxEmbedder)
    return folder


@pytest.fixture(scope="module")
def fast(onnx_dir) -> OnnxEmbedder:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a verified file loads without any warning
        return load_fast_embedder(onnx_dir, reference=_Unusable())


class _Unusable:
    """A reference embedder that fails if it is ever asked for a vector."""

    name, dim, max_tokens = "unusable", 384, 256

    def embed(self, texts):
        raise AssertionError("the verified file should load without the reference model")

    def count_tokens(self, text):
        raise AssertionError("not used")


class _Random:
    name, dim, max_tokens = "random", 384, 256

    def embed(self, texts):
        v = np.random.default_rng(0).standard_normal((len(texts), 384)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def count_tokens(self, text):
        return len(text.split())


def _texts() -> list[str]:
    from qa.chunk import split_sentences
    from qa.readings import read_reading

    reading = read_reading(ARTICLE)
    sentences = [reading.text[a:b] for a, b in split_sentences(reading.text)]
    paragraphs = [reading.text[p.start : p.end] for p in reading.paragraphs]
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sentences + paragraphs + questions


@pytest.mark.model
def test_vectors_agree_with_torch_on_the_reading_and_questions(fast, real_embedder):
    texts = _texts()
    a, b = fast.embed(texts), real_embedder.embed(texts)
    assert a.shape == b.shape == (len(texts), 384) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    assert float((a * b).sum(1).min()) >= MIN_COSINE


@pytest.mark.model
@pytest.mark.parametrize("text", ["", "USFK", "Adm. Samuel J. Paparo spoke.", "naïve café “quotes” 🙂", "word " * 400])
def test_token_counts_match_torch(fast, real_embedder, text):
    assert fast.count_tokens(text) == real_embedder.count_tokens(text)


@pytest.mark.model
def test_rows_keep_the_callers_order(fast):
    texts = ["a much longer text about the alliance and its command structure in Seoul", "short", ""]
    together = fast.embed(texts)
    alone = np.vstack([fast.embed([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert fast.embed([]).shape == (0, 384)


@pytest.mark.model
def test_agreement_detects_a_different_model(fast):
    assert measure_agreement(fast, fast).ok
    assert not measure_agreement(fast, _Random()).ok


@pytest.mark.model
def test_a_recorded_disagreement_falls_back_with_a_warning(onnx_dir, tmp_path):
    for p in onnx_dir.iterdir():
        shutil.copy(p, tmp_path / p.name)
    record = next(tmp_path.glob("*-fp32.json"))
    data = json.loads(record.read_text())
    data["agreement"]["ok"] = False
    record.write_text(json.dumps(data))
    with pytest.warns(UserWarning, match="disagree"):
        assert load_fast_embedder(tmp_path, reference=_Unusable()) is None


@pytest.mark.model
def test_an_index_built_with_onnx_is_the_torch_index(fast, real_embedder, built_index, tmp_path):
    from qa.chunk import ChunkSettings
    from qa.store import build_index, load_index, staleness

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ARTICLE, corpus / ARTICLE.name)
    build_index(corpus, tmp_path / "index", fast)
    ours, reference = load_index(tmp_path / "index"), load_index(built_index)
    assert staleness(ours.manifest, real_embedder, ChunkSettings(), corpus) is None
    assert [c.id for c in ours.chunks] == [c.id for c in reference.chunks]
    assert float((ours.sentence_vectors * reference.sentence_vectors).sum(1).min()) >= MIN_COSINE
