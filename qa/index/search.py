"""Nearest vectors by inner product (cosine of unit vectors): exact up to a size, HNSW past it.

The seam every vector search of the index goes through. Below `EXACT_UP_TO` rows the index is a
FAISS `IndexFlatIP` and retrieval scores every row (fusion ranks every chunk, and the confidence
reads the best sentence anywhere); the scores are one matrix-vector product over the flat index's
own vectors, exactly what `IndexFlatIP.search` computes. Past it the cost of touching every row
grows with the corpus, so the build makes a FAISS `IndexHNSWFlat` (graph search, inner product)
and retrieval takes the approximate top rows as candidates. The kind and its parameters are
chosen at build time (`choose_search`) and recorded in the manifest's "search" entry, so a loaded
index is searched the way it was built. The trade-off: HNSW misses a few of the true top 10 (recall
measured by `make bench`), costs memory for its graph (M links a row) and minutes to build at a
million rows; below the size exact search is cheaper than the graph's overhead and loses nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["EXACT_UP_TO", "SearchSpec", "VectorSearch", "build_faiss", "choose_search"]

# Sentences past which a build makes HNSW indexes. Measured per question, retrieval over synthetic
# indexes (3 sentences a chunk, 2 busy cores): exact 21 ms vs HNSW 24 ms at 9,000 sentences, 170 vs
# 96 ms at 30,000; the crossover lies between, and building the graph costs seconds at this size.
EXACT_UP_TO = 20_000


@dataclass(frozen=True)
class SearchSpec:
    """How an index's vectors are searched; the manifest's "search" entry.

    Example: SearchSpec() -> exact; SearchSpec("hnsw", m=16, ef_construction=40, ef_search=128)
    """

    kind: str = "exact"  # "exact" (IndexFlatIP) or "hnsw" (IndexHNSWFlat, inner product)
    m: int = 0  # HNSW: links per row
    ef_construction: int = 0  # HNSW: candidates weighed while linking a row
    ef_search: int = 0  # HNSW: candidates weighed while searching

    @property
    def exact(self) -> bool:
        return self.kind == "exact"

    def as_dict(self) -> dict:
        return {"kind": self.kind} if self.exact else asdict(self)

    @classmethod
    def from_dict(cls, entry: dict | None) -> SearchSpec:
        """The spec a manifest records; an index built before the entry existed is exact."""
        if not entry or entry.get("kind", "exact") == "exact":
            return cls()
        if entry.get("kind") != "hnsw":
            raise ValueError(f"unknown search kind {entry.get('kind')!r}; rebuild the index")
        return cls("hnsw", int(entry["m"]), int(entry["ef_construction"]), int(entry["ef_search"]))


# Chosen by measurement at 100k and 1M rows (bench/search_scale.py): recall@10 >= 0.99 against exact
# search; M 16 and efConstruction 40 keep the build at 1M rows within minutes on 2 cores.
HNSW = SearchSpec("hnsw", m=16, ef_construction=40, ef_search=128)


def choose_search(rows: int, exact_up_to: int = EXACT_UP_TO) -> SearchSpec:
    """Exact search up to `exact_up_to` rows, HNSW past it.

    Example: choose_search(5_000) -> SearchSpec('exact'); choose_search(1_000_000) -> HNSW
    """
    return SearchSpec() if rows <= exact_up_to else HNSW


def build_faiss(vectors: np.ndarray, spec: SearchSpec):
    """A FAISS index of the unit `vectors` (n x dim float32), of the kind `spec` names."""
    import faiss

    dim = vectors.shape[1]
    if spec.exact:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, spec.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = spec.ef_construction
        index.hnsw.efSearch = spec.ef_search
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


class VectorSearch:
    """Search one set of unit vectors the way its spec says; read-only, safe to share."""

    def __init__(self, vectors: np.ndarray, spec: SearchSpec = SearchSpec(), index=None):
        """`vectors`: the rows (kept for exact scores); `index`: the loaded FAISS index, if any."""
        self.vectors = vectors
        self.spec = spec
        self._index = index
        if not spec.exact and (index is None or getattr(index, "hnsw", None) is None):
            self._index = build_faiss(vectors, spec)  # a spec without its saved graph
        if not spec.exact:
            self._index.hnsw.efSearch = spec.ef_search

    def __len__(self) -> int:
        return len(self.vectors)

    def all_scores(self, query: np.ndarray) -> np.ndarray:
        """Every row's inner product with the query (what IndexFlatIP scores), in row order."""
        return self.vectors @ query

    def scores(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The inner product of the chosen rows with the query."""
        return self.vectors[rows] @ query

    def top(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The `n` nearest rows, best first: (scores, row numbers); approximate past the size."""
        n = min(n, len(self.vectors))
        if n <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        if self._index is None:
            self._index = build_faiss(self.vectors, self.spec)
        scores, ids = self._index.search(np.asarray(query, np.float32).reshape(1, -1), n)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep].astype(np.int64)
