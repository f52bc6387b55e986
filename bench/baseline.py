"""The common baseline that popular RAG front ends ship: what our figures are compared with.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=100) over each file's text, the same
all-MiniLM-L6-v2 through `SentenceTransformer(model dir).encode`, a flat inner-product FAISS index,
top 3. No sentence scoring, no lexical signal, no refusal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Baseline", "BaselineBuild", "sentence_transformer_encode"]

Encode = Callable[[Sequence[str]], np.ndarray]


def sentence_transformer_encode(folder: Path | None = None) -> Encode:
    """`SentenceTransformer(model dir).encode`, as the baseline calls it (default batch size,
    CPU)."""
    from sentence_transformers import SentenceTransformer

    from qa.index.model import model_dir

    model = SentenceTransformer(str(folder or model_dir()), device="cpu", local_files_only=True)
    return lambda texts: model.encode(list(texts), convert_to_numpy=True, show_progress_bar=False)


@dataclass(frozen=True)
class BaselineBuild:
    """What a baseline build made."""

    chunks: int
    seconds: float


class Baseline:
    """Split, embed, search: the baseline pipeline over one corpus folder."""

    def __init__(
        self, encode: Encode, chunk_size: int = 1000, chunk_overlap: int = 100, k: int = 3
    ):
        self.encode = encode
        self.chunk_size, self.chunk_overlap, self.k = chunk_size, chunk_overlap, k
        self.texts: list[str] = []
        self.index = None

    def build(self, corpus: Path) -> BaselineBuild:
        """Read every .md/.txt file, split, embed and index it; returns the chunk count and
        seconds."""
        import faiss
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        started = time.perf_counter()
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap
        )
        texts: list[str] = []
        for path in sorted(Path(corpus).iterdir()):
            if path.suffix.lower() in (".md", ".markdown", ".txt"):
                texts.extend(splitter.split_text(path.read_text(encoding="utf-8")))
        vectors = np.ascontiguousarray(self.encode(texts), dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        self.texts, self.index = texts, index
        return BaselineBuild(len(texts), time.perf_counter() - started)

    def ask(self, question: str) -> list[tuple[float, str]]:
        """The top-k chunks for a question, as (score, text)."""
        query = np.ascontiguousarray(self.encode([question]), dtype=np.float32)
        scores, rows = self.index.search(query, self.k)
        return [
            (float(s), self.texts[r]) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0
        ]
