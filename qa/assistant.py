"""The assistant: an index, the model and the retriever behind one `ask` call.

Front ends (CLI, web UI, evaluation) hold one `Assistant` and call `ask`; the model is loaded
once per process and the index is brought up to date when it opens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .answer import Answer, make_answer
from .embed import Embedder, load_embedder
from .retrieve import Retrieval, RetrievalSettings, Retriever
from .store import Index, open_index

__all__ = ["Assistant"]


class Assistant:
    """Answers questions about the readings of one index."""

    def __init__(self, index: Index, embedder: Embedder, settings: RetrievalSettings = RetrievalSettings()):
        self.index = index
        self.embedder = embedder
        self.retriever = Retriever(index, embedder, settings)
        self.texts = {doc: r.text for doc, r in index.readings.items()}

    @classmethod
    def open(
        cls,
        index_dir: Path = Path("index"),
        corpus: Path | None = None,
        embedder: Embedder | None = None,
        *,
        progress: bool = False,
        on_rebuild: Callable[[str], None] | None = None,
    ) -> "Assistant":
        """Open (building or refreshing if needed) the index and load the model."""
        embedder = embedder or load_embedder()
        index = open_index(Path(index_dir), embedder, corpus, progress=progress, on_rebuild=on_rebuild)
        return cls(index, embedder)

    def retrieve(self, question: str, history: Sequence[str] = (), k: int = 5, doc: str | None = None) -> Retrieval:
        return self.retriever.retrieve(question, history, k=k, doc=doc)

    def ask(self, question: str, history: Sequence[str] = (), k: int = 5, doc: str | None = None) -> Answer:
        """Answer one question (with the earlier questions of its conversation)."""
        return make_answer(self.retrieve(question, history, k=k, doc=doc), self.texts)
