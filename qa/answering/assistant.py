"""The assistant: an index, the model and the retriever behind one `ask` call.

Front ends (CLI, web UI) hold one `Assistant` and ask through `qa.answering.service.AskService`;
evaluation calls `ask` itself. The model is loaded once per process and the index is brought up
to date when it opens. `use` swaps in a new index (after an instructor adds or removes a reading)
with one assignment: a question already being answered finishes on the index it started with,
the next one gets the new index.

Example:
    assistant = Assistant.open("index", "corpus")
    assistant.ask("Who commands U.S. Forces Korea?").answer
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

DEFAULT_SETTINGS = RetrievalSettings()  # frozen: one instance serves as every default


@dataclass(frozen=True)
class _Loaded:
    """One index with everything built from it, swapped in as a whole."""

    index: Index
    retriever: Retriever
    texts: dict[str, str]


class Assistant:
    """Answers questions about the readings of one index."""

    def __init__(
        self, index: Index, embedder: Embedder, settings: RetrievalSettings = DEFAULT_SETTINGS
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
        index: str | Path,
        corpus: str | Path | None = None,
        *,
        settings: RetrievalSettings = DEFAULT_SETTINGS,
        embedder: Embedder | None = None,
        fallback_corpus: str | Path | None = None,
        progress: bool = False,
        on_rebuild: Callable[[str], None] | None = None,
    ) -> Assistant:
        """Open an index folder (building or refreshing it from the corpus first if needed).

        Args:
            index: the index folder; built there when missing, stale or damaged.
            corpus: the folder of readings; None for the one the index was built from.
            fallback_corpus: the folder used when `corpus` is None and the index records none
                (the command line and app.py pass `corpus/`); None: no folder is guessed.
            settings: how passages are retrieved and scored.
            embedder: the embedding model; None loads the packaged one.
            progress: show a progress bar while embedding.
            on_rebuild: called with the reason before the index is (re)built.

        Returns:
            The assistant, ready to `ask`.
        """
        embedder = embedder or load_embedder()
        readings = None if corpus is None else Path(corpus)
        found = open_index(
            Path(index),
            embedder,
            readings,
            fallback_corpus=None if fallback_corpus is None else Path(fallback_corpus),
            progress=progress,
            on_rebuild=on_rebuild,
        )
        return cls(found, embedder, settings)

    def retrieve(
        self, question: str, history: Sequence[str] = (), k: int = 5, doc: str | None = None
    ) -> Retrieval:
        return self._loaded.retriever.retrieve(question, history, k=k, doc=doc)

    def ask(
        self, question: str, history: Sequence[str] = (), k: int = 5, doc: str | None = None
    ) -> Answer:
        """Answer one question (with the earlier questions of its conversation).

        Args:
            question: the question.
            history: the conversation's earlier questions, oldest first (for follow-ups).
            k: how many passages to cite.
            doc: search only this reading (its id), or None for every reading.

        Returns:
            The `Answer`: a sentence quoted from a reading and its passages, or a refusal.
        """
        loaded = self._loaded  # one index for the whole answer, even if another is swapped in
        return make_answer(loaded.retriever.retrieve(question, history, k=k, doc=doc), loaded.texts)
