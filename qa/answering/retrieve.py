"""Question (+ conversation) -> ranked passages, each with its answering sentence and a confidence.

Three signals are fused by reciprocal rank (`fusion`): dense similarity of the question to each
chunk (the vectors of the FAISS index, chunks embedded with their reading and section), BM25 over
the chunks (bm25s, Snowball stems, English stop words), and the best sentence of each chunk,
scored by its own embedding, by how much of the question's rarer words it (and its section
heading) holds, and by whether it has the kind of fact asked for (`features`, `question`). A
sentence that leans on the one before it ("This should..."), or follows one ending in a colon, is
also read together with it. The
best sentence is the highlight and the direct answer. A follow-up's pronoun is resolved from the
earlier question. Confidence is the probability that the readings answer the question
(`confidence.answerable`); the shipped model was fitted across corpora, so its 0.5 threshold
needs no question set (`qa calibrate` can still choose another one on a set, stored with the
index).
The trade-off: up to the size where the index is built for approximate search
(`qa.index.search`), every chunk and sentence is scored exactly on every signal, which is cheap
for course readings; past it, only the chunks an approximate search, the sentence search and BM25
put in their top `CANDIDATES` are fused, so search time stops growing with the corpus.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..index.chunk import Chunk
from ..index.model import Embedder
from ..index.search import SearchSpec, VectorSearch
from ..index.store import Index
from .confidence import NAMED_PERSON_CONFIDENCE, Evidence, answerable
from .features import build_lexicon, fact_counts, sentence_features, term_weights
from .fusion import SentenceScores, best_per_chunk, reciprocal_rank_fusion, score_sentences
from .question import (
    MAX_QUESTION_CHARS,
    QuestionAnalysis,
    analyse_question,
    normalize_question,
    resolve_followup,
    terms,
)
from .settings import RetrievalSettings

__all__ = [
    "RetrievalSettings",
    "Evidence",
    "answerable",
    "Candidate",
    "Retrieval",
    "Retriever",
    "normalize_question",
    "resolve_followup",
    "MAX_QUESTION_CHARS",
    "CANDIDATES",
]

DEFAULT_SETTINGS = RetrievalSettings()  # frozen: one shared default
# Past the exact size: how many chunks each signal (dense, sentence, BM25) puts forward for fusion.
CANDIDATES = 100


@dataclass
class Candidate:
    """A chunk with every score it got; the material of an answer and of `--explain`."""

    chunk: Chunk
    dense: float
    lexical: float
    sentence: float
    fused: float
    ranks: dict[str, int]
    best_sentence: int  # index into chunk.sentences
    # Offsets of the answering span in the reading (one sentence, or two when it continues one).
    highlight: tuple[int, int] = (0, 0)
    confidence: float = 0.0


@dataclass
class Retrieval:
    """Ranked candidates for one question, and how the question was read."""

    question: str
    query: str
    candidates: list[Candidate]
    confidence: float
    threshold: float
    notice: str | None = None
    evidence: Evidence | None = None

    @property
    def abstained(self) -> bool:
        return not self.candidates or self.confidence < self.threshold


@dataclass(frozen=True)
class _ScoredSentences:
    """Sentence scores over a run of sentences, and where each ranked chunk's sentences start."""

    scores: SentenceScores
    chunk_start: np.ndarray  # per ranked chunk, its first sentence's position in the run
    best_of_chunk: np.ndarray  # per ranked chunk, its best sentence score
    doc: np.ndarray  # the reading of each sentence of the run


@dataclass(frozen=True)
class _Ranking:
    """The ranked chunks (rows of the index) and their signals, in the same order."""

    rows: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    sentences: _ScoredSentences


def _searches(index: Index) -> tuple[VectorSearch, VectorSearch]:
    """The chunk and sentence searches, of the kind the index was built for."""
    spec = SearchSpec.from_dict(index.manifest.search)
    faiss_indexes = getattr(index, "search_indexes", None) or (None, None)
    return (
        VectorSearch(index.chunk_vectors, spec, faiss_indexes[0]),
        VectorSearch(index.sentence_vectors, spec, faiss_indexes[1]),
    )


class Retriever:
    """Hybrid retrieval over one loaded index; safe to share between threads (read-only)."""

    def __init__(
        self, index: Index, embedder: Embedder, settings: RetrievalSettings = DEFAULT_SETTINGS
    ):
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.lexicon = build_lexicon(index.chunks)
        self.sentences = sentence_features(index, self.lexicon)
        self.chunk_search, self.sentence_search = _searches(index)
        self._query_cache: dict[str, np.ndarray] = {}
        self._cache_lock = threading.Lock()

    def _embed_query(self, query: str) -> np.ndarray:
        """The query's vector; the last 1,024 distinct queries are kept (a class asks alike)."""
        with self._cache_lock:
            cached = self._query_cache.get(query)
        if cached is None:
            cached = self.embedder.embed([query])[0]
            with self._cache_lock:
                if len(self._query_cache) >= 1024:
                    self._query_cache.pop(next(iter(self._query_cache)))
                self._query_cache[query] = cached
        return cached

    def analyse(self, question: str, history: Sequence[str] = ()) -> QuestionAnalysis:
        """How retrieval reads the question against this index's words."""
        lexicon = self.lexicon
        return analyse_question(question, history, lexicon.stem, lexicon.document_frequency)

    # -- which chunks are ranked -----------------------------------------------------------

    def _ranked_rows(self, doc: str | None, query_vector, lexical: np.ndarray) -> np.ndarray:
        """The chunks to rank: all (or one reading's), or past the exact size the candidates."""
        if doc is not None:
            return np.flatnonzero(self.sentences.chunk_doc == doc)
        if self.chunk_search.spec.exact:
            return np.arange(len(self.index.chunks))
        n = CANDIDATES
        _, dense_rows = self.chunk_search.top(query_vector, n)
        _, near_sentences = self.sentence_search.top(query_vector, n)
        sentence_rows = self.index.sentence_chunk[near_sentences]
        lexical_rows = np.argpartition(-lexical, min(n, lexical.size - 1))[:n]
        return np.unique(np.concatenate([dense_rows, sentence_rows, lexical_rows]))

    def _all_sentences(self, rows, query_vector, facts, weights, total) -> _ScoredSentences:
        """Every sentence of the index scored (the exact way); the chunks' in `rows` read off."""
        features = self.sentences
        similarity = self.sentence_search.all_scores(query_vector)
        scores = score_sentences(similarity, features.terms, facts, weights, total, self.settings)
        best = best_per_chunk(scores.score, features.chunk_start)[rows]
        return _ScoredSentences(scores, features.chunk_start[rows], best, features.sentence_doc)

    def _some_sentences(self, rows, query_vector, facts, weights, total) -> _ScoredSentences:
        """Only the sentences of `rows` (and those they continue) scored: the approximate way."""
        features = self.sentences
        starts, sizes = features.chunk_start[rows], features.chunk_size[rows]
        own = np.concatenate([np.arange(a, a + n) for a, n in zip(starts, sizes, strict=True)])
        earlier = features.terms.previous[own]
        positions = np.unique(np.concatenate([own, earlier[earlier >= 0]]))
        similarity = self.sentence_search.scores(query_vector, positions)
        run_terms = features.terms.take(positions)
        scores = score_sentences(
            similarity, run_terms, facts[positions], weights, total, self.settings
        )
        local_start = np.searchsorted(positions, starts)
        best = np.array(
            [scores.score[a : a + n].max() for a, n in zip(local_start, sizes, strict=True)],
            dtype=np.float32,
        )
        return _ScoredSentences(scores, local_start, best, features.sentence_doc[positions])

    # -- the search ------------------------------------------------------------------------

    def retrieve(
        self,
        question: str,
        history: Sequence[str] = (),
        k: int = 5,
        doc: str | None = None,
        query_vector: np.ndarray | None = None,
    ) -> Retrieval:
        """Rank the index's chunks for a question.

        Args:
            question: the question as asked.
            history: earlier questions of the conversation, oldest first.
            k: how many candidates to return.
            doc: limit the search to one reading (its id).
            query_vector: the embedded query, when the caller has it already.

        Returns:
            A `Retrieval`; its candidates are best first.
        """
        s = self.settings
        asked = self.analyse(question, history)
        threshold = self.index.threshold
        empty = Retrieval(asked.text, asked.query, [], 0.0, threshold, asked.notice)
        if not asked.text or not self.index.chunks:
            return empty
        if doc is not None and not np.any(self.sentences.chunk_doc == doc):
            return empty  # (before the question is embedded)
        qvec = query_vector if query_vector is not None else self._embed_query(asked.query)
        lexicon = self.lexicon
        every_lexical = lexicon.bm25_scores(asked.terms) + s.history_weight * lexicon.bm25_scores(
            asked.history_terms
        )
        rows = self._ranked_rows(doc, qvec, every_lexical)
        if rows.size == 0:
            return empty
        weights, total = term_weights(
            lexicon, asked.terms, asked.history_terms, s.history_weight, asked.unreadable
        )
        facts = fact_counts(self.sentences, asked.facts)
        exact = self.sentence_search.spec.exact
        score_run = self._all_sentences if exact else self._some_sentences
        scored = score_run(rows, qvec, facts, weights, total)
        # (All rows: no copy of the whole matrix, which at 100k chunks costs more than the product.)
        every_row = exact and doc is None
        search = self.chunk_search
        dense = search.all_scores(qvec) if every_row else search.scores(qvec, rows)
        ranking = _Ranking(rows, dense, every_lexical[rows], scored)
        fused, ranks = reciprocal_rank_fusion(
            {
                "dense": (ranking.dense, s.w_dense),
                "lexical": (ranking.lexical, s.w_lexical),
                "sentence": (scored.best_of_chunk, s.w_sentence),
            },
            s.rrf_k,
        )
        evidence = self._evidence(asked, scored, doc)
        top = np.argsort(-fused, kind="stable")[: max(1, k)]
        candidates = [self._candidate(ranking, int(j), fused, ranks, evidence) for j in top]
        confidence = answerable(s, evidence)
        if asked.asks_who_is and self._names_everyone_asked(asked, candidates[0]):
            confidence = max(confidence, NAMED_PERSON_CONFIDENCE)
        return Retrieval(
            asked.text, asked.query, candidates, confidence, threshold, asked.notice, evidence
        )

    def _names_everyone_asked(self, asked: QuestionAnalysis, top: Candidate) -> bool:
        """Whether the top passage's quoted sentence holds every word of the question's own.

        Measured over every question set and the 120 general questions on each set's readings
        (and each set's questions on every other set's readings): no out-of-scope, general or
        cross-set question asking who someone is has a quoted sentence holding all its words.
        """
        start, end = top.highlight
        quoted = top.chunk.text[start - top.chunk.start : end - top.chunk.start]
        return bool(asked.terms) and set(asked.terms) <= set(terms(quoted, self.lexicon.stem))

    def _candidate(self, ranking: _Ranking, j: int, fused, ranks, evidence: Evidence) -> Candidate:
        """The `j`th ranked chunk, its best sentence the highlight (with the one it continues).

        Its confidence is the retrieval's evidence with its own best sentence's meaning and words.
        """
        row, first = int(ranking.rows[j]), int(ranking.sentences.chunk_start[j])
        scores = ranking.sentences.scores
        chunk = self.index.chunks[row]
        run = slice(first, first + len(chunk.sentences))
        best = int(np.argmax(scores.score[run]))
        if best == 0 and scores.read_with_previous[first] and scores.code[first]:
            # Code scored with its introduction, which ends the passage before: quoted here it
            # would be bare code, so the passage's best prose that holds a word of the question
            # is quoted instead; with none (the prose after it is another topic), the code is.
            prose = np.flatnonzero(~scores.code[run] & (scores.coverage[run] > 0))
            if prose.size:
                best = int(prose[np.argmax(scores.score[run][prose])])
        sentence = chunk.sentences[best]
        span = (sentence.start, sentence.end)
        if scores.read_with_previous[first + best] and best > 0:  # quote the one it continues too
            span = (chunk.sentences[best - 1].start, sentence.end)
        own = replace(
            evidence,
            dense=float(scores.similarity[first + best]),
            lexical=float(scores.coverage[first + best]),
        )
        return Candidate(
            chunk=chunk,
            dense=float(ranking.dense[j]),
            lexical=float(ranking.lexical[j]),
            sentence=float(ranking.sentences.best_of_chunk[j]),
            fused=float(fused[j]),
            ranks={name: int(rank[j]) for name, rank in ranks.items()},
            best_sentence=best,
            highlight=span,
            confidence=answerable(self.settings, own),
        )

    def _evidence(self, asked: QuestionAnalysis, scored: _ScoredSentences, doc) -> Evidence:
        """The confidence model's inputs: the closest sentence, the best word share, the names."""
        searched = slice(None) if doc is None else scored.doc == doc
        return Evidence(
            float(scored.scores.similarity[searched].max()),
            float(scored.scores.coverage[searched].max()),
            asked.known_names,
            asked.unknown_names,
        )
