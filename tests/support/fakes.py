"""Stand-ins for the model: a hashing embedder with the real one's surface, and an assistant on it.

The unit layer runs the whole pipeline (chunking, the index, retrieval, the web routes) on these in
milliseconds; what they cannot show is the model's quality, which the model layer tests.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np


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


def fake_assistant_over(corpus: Path, index: Path, embedder: FakeEmbedder | None = None):
    """An `Assistant` over `corpus`, indexed into the folder `index` with the fake embedder.

    Example: fake_assistant_over(CORPUS, tmp_path / "index").ask("Who is Brunson?") -> an `Answer`.
    """
    from qa.answering.assistant import Assistant
    from qa.index.store import build_index, load_index

    embedder = embedder or FakeEmbedder()
    build_index(corpus, index, embedder)
    return Assistant(load_index(index), embedder)
