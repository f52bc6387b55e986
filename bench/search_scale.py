"""Vector search at a million sentences: our search seam (qa/index/search.py) vs flat FAISS.

The vectors are synthetic: unit vectors of dimension 384 (the model's) drawn around 10,000 topic
centres (a point's cosine to its centre is about 0.7, to another point of its topic about 0.5,
to anything else about 0), and each query is a data point moved by noise (cosine about 0.8 to it),
as a question lies near the sentence that answers it. Uniformly random vectors would not do: in
384 dimensions every pair of them is at cosine ~0, nothing is a nearest neighbour, and no
approximate index (nor any real embedding) behaves like that. The baseline is the common RAG
front end's search, `faiss.IndexFlatIP`; ours is the index `choose_search` makes at this size (IVF
past `EXACT_UP_TO` rows). Recall@10 is the share of the flat search's top 10 ours finds.
Training and filling the IVF index over a million rows takes a minute or more on 2 busy cores, so
the built index is kept in bench/cache/ (ignored by git) keyed by size, seed and group count;
later runs load it.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

CACHE = Path(__file__).resolve().parent / "cache"
DIM = 384


def synthetic_vectors(rows: int, seed: int = 0, per_topic: int = 100) -> np.ndarray:
    """`rows` unit vectors around rows/per_topic random topic centres (float32, made in blocks)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(1, rows // per_topic), DIM)).astype(np.float32)
    out = np.empty((rows, DIM), dtype=np.float32)
    for start in range(0, rows, 100_000):
        stop = min(rows, start + 100_000)
        block = centres[rng.integers(0, len(centres), stop - start)]
        block += rng.standard_normal((stop - start, DIM)).astype(np.float32)
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def near_queries(vectors: np.ndarray, count: int, seed: int = 1) -> np.ndarray:
    """`count` queries, each a random data point moved by noise (cosine ~0.8 to it)."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((count, DIM)).astype(np.float32) * (0.7 / np.sqrt(DIM))
    queries = vectors[rng.integers(0, len(vectors), count)] + noise
    return queries / np.linalg.norm(queries, axis=1, keepdims=True)


def _our_index(vectors: np.ndarray, spec, seed: int, log):
    """Our FAISS index for the vectors: loaded from bench/cache/ when built before, else built."""
    import faiss

    from qa.index.search import build_faiss

    if spec.exact:
        return build_faiss(vectors, spec), 0.0, False
    name = f"{spec.kind}-{len(vectors)}-seed{seed}-nlist{spec.nlist}.faiss"
    path = CACHE / name
    if path.is_file():
        return faiss.read_index(str(path)), 0.0, True
    log(f"  building {spec.kind} over {len(vectors):,} rows (cached in {path} for later runs)")
    started = time.perf_counter()
    index = build_faiss(vectors, spec)
    build_s = time.perf_counter() - started
    CACHE.mkdir(exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    faiss.write_index(index, str(tmp))
    tmp.replace(path)
    return index, build_s, False


def bench_search(
    rows: int = 1_000_000, queries: int = 200, timed: int = 30, seed: int = 0, log=print
) -> dict:
    """p50 per query of our search and of flat FAISS at `rows` rows, and our recall@10.

    Args:
        rows: vectors in the index (sentences).
        queries: queries for the recall (searched in one batch by the flat index).
        timed: queries timed one by one, interleaved (the flat search takes ~0.1-1 s each).
    """
    import faiss

    from bench.run import percentiles
    from qa.answering.retrieve import CANDIDATES
    from qa.index.search import VectorSearch, choose_search

    vectors = synthetic_vectors(rows, seed)
    asked = near_queries(vectors, queries, seed + 1)
    spec = choose_search(rows)
    index, build_s, cached = _our_index(vectors, spec, seed, log)
    ours = VectorSearch(vectors, spec, index)
    flat = faiss.IndexFlatIP(DIM)
    flat.add(vectors)
    _, truth = flat.search(asked, 10)
    found = [len(set(ours.top(q, 10)[1]) & set(t)) / 10 for q, t in zip(asked, truth, strict=True)]
    ours_t, flat_t, candidates_t = [], [], []
    for q in asked[:timed]:
        q = q.reshape(1, -1)
        t = time.perf_counter()
        flat.search(q, 10)
        flat_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        ours.top(q[0], 10)
        ours_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        ours.top(q[0], CANDIDATES)
        candidates_t.append(time.perf_counter() - t)
    ours_p, flat_p = percentiles(ours_t), percentiles(flat_t)
    return {
        "rows": rows,
        "dim": DIM,
        "vectors": "synthetic: 10k topic centres, queries near data points (bench/search_scale.py)",
        "search": spec.as_dict(),
        "build_s": round(build_s, 1),
        "loaded_from_cache": cached,
        "recall_at_10": round(float(np.mean(found)), 4),
        "ours_top10": ours_p,
        "ours_top_candidates": percentiles(candidates_t) | {"k": CANDIDATES},
        "baseline_flat_top10": flat_p,
        "ratio_p50": round(ours_p["p50_ms"] / max(flat_p["p50_ms"], 1e-6), 4),
    }
