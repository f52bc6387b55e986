"""The ONNX Runtime encoders: the fp32 copy gives torch's vectors, the int8 copy (the default) close
ones; both count tokens as torch does, are verified before use and cached."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from qa.index.onnx_embed import (
    AGREEMENT,
    VARIANTS,
    OnnxEmbedder,
    load_fast_embedder,
    measure_agreement,
)
from tests.support.paths import CORPUS, QUESTIONS

ARTICLE = CORPUS / "south-korea-us-alliance.md"


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory, torch_embedder) -> Path:
    folder = tmp_path_factory.mktemp("onnx")
    for variant in VARIANTS:
        fast = load_fast_embedder(folder, variant=variant, reference=lambda: torch_embedder)
        assert isinstance(fast, OnnxEmbedder) and fast.variant == variant
    return folder


@pytest.fixture(scope="module", params=VARIANTS)
def fast(onnx_dir, request) -> OnnxEmbedder:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a verified file loads without any warning
        return load_fast_embedder(onnx_dir, variant=request.param, reference=_Unusable)


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
    from qa.index.chunk import split_sentences
    from qa.readings.corpus import read_reading

    reading = read_reading(ARTICLE)
    sentences = [reading.text[a:b] for a, b in split_sentences(reading.text)]
    paragraphs = [reading.text[p.start : p.end] for p in reading.paragraphs]
    questions = [
        json.loads(line)["question"]
        for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return sentences + paragraphs + questions


def test_vectors_agree_with_torch_on_the_reading_and_questions(fast, torch_embedder):
    texts = _texts()
    a, b = fast.embed(texts), torch_embedder.embed(texts)
    assert a.shape == b.shape == (len(texts), 384) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cos = (a * b).sum(1)
    if fast.variant == "fp32":
        assert float(cos.min()) >= 0.9999  # the same computation
    else:
        least, mean = AGREEMENT[fast.variant]
        assert float(cos.min()) >= max(least, 0.98) and float(cos.mean()) >= mean


@pytest.mark.parametrize(
    "text", ["", "USFK", "Adm. Samuel J. Paparo spoke.", "naïve café “quotes” 🙂", "word " * 400]
)
def test_token_counts_match_torch(fast, torch_embedder, text):
    assert fast.count_tokens(text) == torch_embedder.count_tokens(text)


def test_a_texts_vector_does_not_depend_on_the_texts_beside_it(fast):
    texts = [
        "a much longer text about the alliance and its command structure in Seoul",
        "short",
        "",
        "word " * 400,
    ] * 3
    together = fast.embed(texts)
    alone = np.vstack([fast.embed([t]) for t in texts[:4]] * 3)
    np.testing.assert_array_equal(
        together, alone
    )  # exactly: each text runs on its own, in the caller's order
    assert fast.embed([]).shape == (0, 384)


def test_over_long_texts_are_cut_where_torch_cuts_them(fast, torch_embedder):
    head = (
        "The alliance faces new questions about deterrence and cost. " * 30
    )  # well over 256 word pieces
    a = fast.embed([head, head + " Completely different words at the end, far past the cut."])
    assert float(a[0] @ a[1]) > 0.9999
    assert float(a[0] @ torch_embedder.embed([head])[0]) > 0.98


def test_agreement_detects_a_different_model(fast):
    assert measure_agreement(fast, fast).ok
    assert not measure_agreement(fast, _Random()).ok


def test_a_recorded_disagreement_falls_back_with_a_warning(onnx_dir, tmp_path):
    for p in onnx_dir.iterdir():
        shutil.copy(p, tmp_path / p.name)
    record = next(tmp_path.glob("*-int8.json"))
    data = json.loads(record.read_text())
    data["agreement"]["ok"] = False
    record.write_text(json.dumps(data))
    with pytest.warns(UserWarning, match="disagree"):
        assert load_fast_embedder(tmp_path, reference=_Unusable) is None


def test_an_index_belongs_to_the_variant_that_built_it(fast, torch_embedder, built_index, tmp_path):
    """fp32 and torch make the same index; an int8 index is rebuilt rather than searched with other
    vectors."""
    from qa.index.chunk import ChunkSettings, embedding_text
    from qa.index.store import build_index, load_index, staleness

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ARTICLE, corpus / ARTICLE.name)
    build_index(corpus, tmp_path / "index", fast)
    ours, reference = load_index(tmp_path / "index"), load_index(built_index)
    assert [c.id for c in ours.chunks] == [c.id for c in reference.chunks]
    stale = staleness(ours.manifest, torch_embedder, ChunkSettings(), corpus)
    assert (stale is None) == (fast.variant == "fp32")
    chunk = ours.chunks[0]
    text = ours.readings[chunk.doc].text
    sentences = [
        embedding_text(chunk.title, chunk.section, text[s.start : s.end]) for s in chunk.sentences
    ]
    cos = (ours.sentence_vectors[: len(sentences)] * torch_embedder.embed(sentences)).sum(1)
    assert float(cos.min()) >= (0.9999 if fast.variant == "fp32" else 0.98)


def test_quantising_leaves_the_processs_logging_as_it_was(onnx_dir, tmp_path):
    import logging

    from qa.index.onnx_embed import quantize_onnx

    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    out = quantize_onnx(next(onnx_dir.glob("*-fp32.onnx")), tmp_path / "copy-int8.onnx")
    assert out.is_file() and out.stat().st_size > 0
    assert (list(root.handlers), root.level) == before


def test_int8_is_never_quantised_from_an_fp32_file_of_an_older_export(
    onnx_dir, tmp_path, torch_embedder, monkeypatch
):
    """An fp32 file left by an earlier export format (e.g. one that took an attention mask) is
    exported again before the int8 copy is made from it."""
    from qa.index import onnx_embed

    fp32 = next(onnx_dir.glob("*-fp32.onnx"))
    (tmp_path / fp32.name).write_bytes(b"an fp32 graph of an older export format")
    record = json.loads(fp32.with_suffix(".json").read_text())
    (tmp_path / fp32.with_suffix(".json").name).write_text(
        json.dumps({**record, "format": onnx_embed.EXPORT_FORMAT - 1})
    )
    exported = []

    def export(out, folder=None):  # the current export, without exporting again
        exported.append(Path(out).name)
        shutil.copy(fp32, out)
        return Path(out)

    monkeypatch.setattr(onnx_embed, "export_onnx", export)
    fast = load_fast_embedder(tmp_path, variant="int8", reference=lambda: torch_embedder)
    assert exported == [fp32.name] and isinstance(fast, OnnxEmbedder) and fast.variant == "int8"
