"""Nearest vectors by inner product (cosine of unit vectors): exact up to a size, IVF past it.

The seam every vector search of the index goes through. Below `EXACT_UP_TO` rows the index is a
FAISS `IndexFlatIP` and retrieval scores every row (fusion ranks every chunk, and the confidence
reads the best sentence anywhere); the scores are one matrix-vector product over the flat index's
own vectors, exactly what `IndexFlatIP.search` computes. Past it the build makes a FAISS
`IndexIVFFlat` (inner product): the rows are grouped around ~sqrt(rows) k-means centroids, and a
search reads only the half of the groups nearest the query; retrieval takes its top rows as
candidates. The kind and its parameters are chosen at build time (`choose_search`) and recorded
in the manifest's "search" entry, so a loaded index is searched the way it was built.
The trade-off: IVF can miss a neighbour in a group it did not read (recall@10 0.99 at 1M rows,
`make bench`), and reading half the groups saves only about half of an exact search's work (plus
the k-means); it was chosen over HNSW, which saves far more per query, because HNSW's graph had
not finished building at a million rows after 10 minutes on the shared 2 cores, where IVF trains
and fills in under a minute. Below the size exact search loses nothing and costs little.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["EXACT_UP_TO", "SearchSpec", "VectorSearch", "build_faiss", "choose_search"]

# Sentences past which a build makes IVF indexes. Measured per question, retrieval over synthetic
# indexes (3 sentences a chunk, 2 busy cores), exact vs IVF candidates: 21 vs 35 ms at 3,000
# sentences (HNSW then), 16 vs 10 ms at 9,000, 24 vs 16 ms at 30,000, 219 vs 88 ms at 90,000. The
# crossover lies between 3,000 and 9,000; up to 20,000 exact costs a few ms more and ranks exactly.
EXACT_UP_TO = 20_000
# Training rows for the centroids: 64 a centroid is plenty for k-means and keeps a build quick.
TRAIN_PER_LIST = 64


@dataclass(frozen=True)
class SearchSpec:
    """How an index's vectors are searched; the manifest's "search" entry.

    Example: SearchSpec() -> exact; SearchSpec("ivf", nlist=1000, nprobe=32)
    """

    kind: str = "exact"  # "exact" (IndexFlatIP) or "ivf" (IndexIVFFlat, inner product)
    nlist: int = 0  # IVF: groups (k-means centroids)
    nprobe: int = 0  # IVF: groups read by a search

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
        if entry.get("kind") != "ivf":
            raise ValueError(f"unknown search kind {entry.get('kind')!r}; rebuild the index")
        return cls("ivf", int(entry["nlist"]), int(entry["nprobe"]))


def approximate(rows: int) -> SearchSpec:
    """IVF for `rows` rows: ~sqrt(rows) groups, half of them read.

    Half, because sentence vectors lie close to many groups' borders: on bench/search_scale.py's
    1M vectors, reading 32, 128, 256, 384 and 512 of 1,000 groups found 0.81, 0.91, 0.96, 0.98 and
    0.99 of the true top 10; half still reads half the rows of an exact search, plus the groups.

    Example: approximate(1_000_000) -> SearchSpec('ivf', nlist=1000, nprobe=500)
    """
    nlist = max(1, round(math.sqrt(rows)))
    return SearchSpec("ivf", nlist=nlist, nprobe=max(1, (nlist + 1) // 2))


def choose_search(rows: int, exact_up_to: int = EXACT_UP_TO) -> SearchSpec:
    """Exact search up to `exact_up_to` rows, IVF past it.

    Example: choose_search(5_000) -> SearchSpec('exact'); choose_search(10**6) -> ivf, 1000 lists
    """
    return SearchSpec() if rows <= exact_up_to else approximate(rows)


def build_faiss(vectors: np.ndarray, spec: SearchSpec):
    """A FAISS index of the unit `vectors` (n x dim float32), of the kind `spec` names."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if spec.exact:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexIVFFlat(
            faiss.IndexFlatIP(dim), dim, spec.nlist, faiss.METRIC_INNER_PRODUCT
        )
        sample = vectors
        if len(vectors) > TRAIN_PER_LIST * spec.nlist:  # an even, repeatable sample
            step = len(vectors) / (TRAIN_PER_LIST * spec.nlist)
            sample = vectors[(np.arange(TRAIN_PER_LIST * spec.nlist) * step).astype(np.int64)]
        index.cp.min_points_per_centroid = 1  # small groups are fine; no warning for them
        index.train(sample)
        index.nprobe = spec.nprobe
    if len(vectors):
        index.add(vectors)
    return index


class VectorSearch:
    """Search one set of unit vectors the way its spec says; read-only, safe to share."""

    def __init__(self, vectors: np.ndarray, spec: SearchSpec = SearchSpec(), index=None):
        """`vectors`: the rows (kept for exact scores); `index`: the loaded FAISS index, if any."""
        self.vectors = vectors
        self.spec = spec
        self._index = index
        if not spec.exact:
            if index is None or not hasattr(index, "nprobe"):  # a spec without its saved index
                self._index = build_faiss(vectors, spec)
            self._index.nprobe = spec.nprobe

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
