"""The vector search seam (qa/index/search.py) and retrieval over an index built for IVF.

Fake embedder and small vectors only: the exact kind scores every row as a matrix product would,
IVF finds the true top 10, the manifest records the kind, and retrieval over an IVF-built index
(candidates from the approximate searches and BM25) ranks as the exact retrieval does on a corpus
small enough that the candidates hold every chunk.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.answering.retrieve import Retriever
from qa.evaluation.evaluate import load_questions
from qa.index import search as search_module
from qa.index import store
from qa.index.search import SearchSpec, VectorSearch, approximate, choose_search

ROOT = Path(__file__).resolve().parents[2]


def _clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((max(1, n // 50), dim)).astype(np.float32)
    x = centers[rng.integers(0, len(centers), n)] + 0.3 * rng.standard_normal((n, dim)).astype(
        np.float32
    )
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_choice_by_size_and_manifest_entry_round_trip():
    assert choose_search(10, exact_up_to=10).exact
    assert choose_search(11, exact_up_to=10) == approximate(11) == SearchSpec("ivf", 3, 2)
    assert approximate(1_000_000) == SearchSpec("ivf", nlist=1000, nprobe=500)
    assert SearchSpec.from_dict(None).exact  # an index built before the entry: exact
    assert SearchSpec.from_dict(approximate(500).as_dict()) == approximate(500)
    assert SearchSpec().as_dict() == {"kind": "exact"}
    with pytest.raises(ValueError, match="rebuild"):
        SearchSpec.from_dict({"kind": "lsh"})


def test_exact_scores_every_row_as_the_matrix_product():
    vectors = _clustered(500)
    query = vectors[7]
    exact = VectorSearch(vectors)
    assert np.array_equal(exact.all_scores(query), vectors @ query)
    scores, rows = exact.top(query, 10)
    assert rows[0] == 7 and np.allclose(scores, np.sort(vectors @ query)[::-1][:10], atol=1e-5)


def test_ivf_finds_the_true_top_ten():
    vectors = _clustered(3000)
    noise = 0.2 * np.random.default_rng(1).standard_normal((50, vectors.shape[1]))
    queries = (vectors[:50] + noise).astype(np.float32)  # near the data, as questions are
    ivf = VectorSearch(vectors, approximate(len(vectors)))
    found = [
        len(set(ivf.top(q, 10)[1]) & set(np.argsort(-(vectors @ q))[:10])) / 10 for q in queries
    ]
    assert np.mean(found) >= 0.99


def _build(tmp_path: Path, name: str, embedder, monkeypatch, exact_up_to: int):
    monkeypatch.setattr(
        store, "choose_search", lambda rows: search_module.choose_search(rows, exact_up_to)
    )
    work = tmp_path / name
    shutil.copytree(ROOT / "corpus", work / "corpus")
    store.build_index(work / "corpus", work / "index", embedder)
    return store.load_index(work / "index")


def test_retrieval_over_an_ivf_index_ranks_as_exact(tmp_path, fake_embedder, monkeypatch):
    exact_index = _build(tmp_path, "exact", fake_embedder, monkeypatch, exact_up_to=10**9)
    ivf_index = _build(tmp_path, "ivf", fake_embedder, monkeypatch, exact_up_to=0)
    manifest = json.loads((ivf_index.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["search"] == approximate(manifest["counts"]["sentences"]).as_dict()
    assert exact_index.manifest.search == {"kind": "exact"}
    exact, approximated = Retriever(exact_index, fake_embedder), Retriever(ivf_index, fake_embedder)
    assert not approximated.sentence_search.spec.exact
    assert len(exact_index.chunks) < 100  # so the candidates hold every chunk
    questions = load_questions(ROOT / "eval" / "questions.jsonl").items
    for item in questions:
        for doc in (None, exact_index.chunks[0].doc):
            want = exact.retrieve(item.question, item.history, k=5, doc=doc)
            got = approximated.retrieve(item.question, item.history, k=5, doc=doc)
            assert [c.chunk.id for c in got.candidates] == [c.chunk.id for c in want.candidates]
            assert [c.highlight for c in got.candidates] == [c.highlight for c in want.candidates]
            assert got.confidence == pytest.approx(want.confidence, abs=1e-5)
