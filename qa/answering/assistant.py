"""The assistant: an index, the model and the retriever behind one `ask` call.

Front ends (CLI, web UI, evaluation) hold one `Assistant` and call `ask`; the model is loaded
once per process and the index is brought up to date when it opens. `use` swaps in a new index
(after an instructor adds or removes a reading) with one assignment: a question already being
answered finishes on the index it started with, the next one gets the new index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..index.embed import load_embedder
from ..index.model import Embedder
from ..index.store import Index, open_index
from .answer import Answer, make_answer
from .retrieve import Retrieval, RetrievalSettings, Retriever

__all__ = ["Assistant"]


@dataclass(frozen=True)
class _Loaded:
    """One index with everything built from it, swapped in as a whole."""

    index: Index
    retriever: Retriever
    texts: dict[str, str]


class Assistant:
    """Answers questions about the readings of one index."""

    def __init__(
        self, index: Index, embedder: Embedder, settings: RetrievalSettings = RetrievalSettings()
    ):
        self.embedder = embedder
        self.settings = settings
        self._loaded = self._load(index)

    def _load(self, index: Index) -> _Loaded:
        return _Loaded(
            index,
            Retriever(index, self.embedder, self.settings),
            {doc: r.text for doc, r in index.readings.items()},
        )

    def use(self, index: Index) -> None:
        """Answer from `index` from now on (questions being answered finish on the old one)."""
        self._loaded = self._load(index)

    @property
    def index(self) -> Index:
        return self._loaded.index

    @property
    def retriever(self) -> Retriever:
        return self._loaded.retriever

    @property
    def texts(self) -> dict[str, str]:
        return self._loaded.texts

    @classmethod
    def open(
        cls,
        index_dir: Path = Path("index"),
        corpus: Path | None = None,
        embedder: Embedder | None = None,
        *,
        progress: bool = False,
        on_rebuild: Callable[[str], None] | None = None,
    ) -> Assistant:
        """Open (building or refreshing if needed) the index and load the model."""
        embedder = embedder or load_embedder()
        index = open_index(
            Path(index_dir), embedder, corpus, progress=progress, on_rebuild=on_rebuild
        )
        return cls(index, embedder)

    def retrieve(
        self, question: str, history: Sequence[str] = (), k: int = 5, doc: str | None = None
    ) -> Retrieval:
        return self._loaded.retriever.retrieve(question, history, k=k, doc=doc)

    def ask(
        self, question: str, history: Sequence[str] = (), k: int = 5, doc: str | None = None
    ) -> Answer:
        """Answer one question (with the earlier questions of its conversation)."""
        loaded = (
            self._loaded
        )  # one index for the whole answer, even if another is swapped in meanwhile
        return make_answer(loaded.retriever.retrieve(question, history, k=k, doc=doc), loaded.texts)
