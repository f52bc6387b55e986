"""Question (+ conversation) -> ranked passages, each with its best sentence and a confidence.

Three signals are fused by reciprocal rank: dense similarity of the question to each chunk (FAISS,
chunks embedded with their reading and section), BM25 over the chunks (bm25s, Snowball stems,
English stop words), and the best sentence of each chunk, scored by its own embedding, by how
much of the question's rarer words it holds, and by whether it has the kind of fact asked for (a
number for "how many", a date for "when"). The best sentence is the highlight and the direct
answer. Confidence is the best sentence's dense and lexical agreement with the question; the
refusal threshold on it comes from a question set (`qa calibrate`), stored with the index.
The trade-off: every chunk is scored on every signal, exact and simple, which is cheap for course
readings (up to ~100k chunks) and needs no second model.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .chunk import Chunk
from .embed import Embedder
from .store import Index

__all__ = ["RetrievalSettings", "Candidate", "Retrieval", "Retriever", "normalize_question", "resolve_followup", "MAX_QUESTION_CHARS"]

MAX_QUESTION_CHARS = 2000

_STOP = frozenset(
    """a an the of to in on at for by with from and or but nor so yet is are was were be been being am do does did
    doing have has had having i me my we our you your he him his she her it its they them their this that these those
    what which who whom whose when where why how there here than then as if into about over under again further
    once all any both each few more most other some such no not only own same too very can will just should would
    could may might must shall also s t don now up down out off says say said tell me please according reading
    article author text passage""".split()
)
_FOLLOWUP = re.compile(r"\b(he|him|his|she|her|hers|it|its|they|them|their|theirs|this|that|these|those|there|then|the same|such)\b", re.I)
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*")
_NUMBER = re.compile(r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion|dozen)s?\b", re.I)
_DATE = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d)s?\b|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
_ASK_NUMBER = re.compile(r"\bhow (?:many|much|large|big|long|far)\b|\bnumber of\b|\bwhat (?:percentage|share|amount)\b", re.I)
_ASK_DATE = re.compile(r"\bwhen\b|\bwhat (?:year|date|month|day)\b|\bwhich (?:year|years|date|month)\b", re.I)


def normalize_question(text: str) -> tuple[str, str | None]:
    """Clean a question: drop control characters, fold whitespace, cut at the length limit.

    Returns:
        (clean question, a notice for the user or None).

    Example: ' How\\x00 many\\n troops? ' -> ('How many troops?', None)
    """
    text = unicodedata.normalize("NFC", str(text or ""))
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    notice = None
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0]
        notice = f"Your question was longer than {MAX_QUESTION_CHARS} characters; only its beginning was used."
    return text, notice


def _terms(text: str, stem) -> list[str]:
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    words = [w for w in words if w not in _STOP and len(w) > 1 or w.isdigit()]
    return stem.stemWords(words) if words else []


def resolve_followup(question: str, history: Sequence[str]) -> str:
    """The question with the context a follow-up leaves out, taken from the last earlier question.

    A question is a follow-up when it refers back (he, it, they, this...) or names fewer than three
    content words; its last earlier question is then appended as context.

    Example: ('What did he say?', ['Who is Gen. Brunson?']) -> 'What did he say? (Who is Gen. Brunson?)'
    """
    previous = [h for h in (history or []) if h and h.strip()]
    if not previous:
        return question
    content = [w for w in _WORD.findall(question) if w.lower() not in _STOP]
    if _FOLLOWUP.search(question) or len(content) < 3:
        return f"{question} ({previous[-1].strip()})"
    return question


@dataclass(frozen=True)
class RetrievalSettings:
    """Weights of the fusion; the defaults were chosen on question sets, not per question."""

    rrf_k: float = 60.0
    w_dense: float = 1.0
    w_lexical: float = 1.0
    w_sentence: float = 1.0
    sent_dense: float = 1.0
    sent_lexical: float = 0.5
    sent_type: float = 0.1
    conf_dense: float = 1.0
    conf_lexical: float = 0.5


@dataclass
class Candidate:
    """A chunk with every score it got; the material of an answer and of `--explain`."""

    row: int
    chunk: Chunk
    dense: float
    lexical: float
    sentence: float
    fused: float
    ranks: dict[str, int]
    best_sentence: int  # index into chunk.sentences
    sentence_scores: list[float] = field(default_factory=list)
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

    @property
    def abstained(self) -> bool:
        return not self.candidates or self.confidence < self.threshold


class Retriever:
    """Hybrid retrieval over one loaded index."""

    def __init__(self, index: Index, embedder: Embedder, settings: RetrievalSettings = RetrievalSettings()):
        import bm25s
        import Stemmer

        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._stem = Stemmer.Stemmer("english")
        texts = [f"{c.title} {c.section or ''} {c.text}" for c in index.chunks]
        self._chunk_terms = [_terms(t, self._stem) for t in texts]
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index([t or ["_empty_"] for t in self._chunk_terms], show_progress=False)
        df = Counter(t for terms in self._chunk_terms for t in set(terms))
        n = max(1, len(texts))
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._idf_unseen = math.log(1 + (n + 0.5) / 0.5)
        self._sentence_terms: dict[tuple[int, int], set[str]] = {}

    # -- signals ---------------------------------------------------------------------------

    def _bm25_scores(self, qterms: list[str]) -> np.ndarray:
        known = [t for t in qterms if t in self._idf]
        if not known or not self.index.chunks:
            return np.zeros(len(self.index.chunks), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def _sentence_text(self, chunk: Chunk, i: int) -> str:
        s = chunk.sentences[i]
        return self.index.readings[chunk.doc].text[s.start : s.end]

    def _coverage(self, qterms: list[str], row: int, i: int) -> float:
        """Share of the question's IDF mass found in sentence i of chunk `row` (0..1)."""
        key = (row, i)
        if key not in self._sentence_terms:
            self._sentence_terms[key] = set(_terms(self._sentence_text(self.index.chunks[row], i), self._stem))
        have = self._sentence_terms[key]
        weights = {t: self._idf.get(t, self._idf_unseen) for t in set(qterms)}
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in have) / total if total else 0.0

    # -- the search ------------------------------------------------------------------------

    def retrieve(self, question: str, history: Sequence[str] = (), k: int = 5, doc: str | None = None, query_vector: np.ndarray | None = None) -> Retrieval:
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
        clean, notice = normalize_question(question)
        query = resolve_followup(clean, [normalize_question(h)[0] for h in history or []])
        chunks = self.index.chunks
        threshold = self.index.threshold
        if not clean or not chunks:
            return Retrieval(clean, query, [], 0.0, threshold, notice)
        qterms = _terms(query, self._stem)
        qvec = query_vector if query_vector is not None else self.embedder.embed([query])[0]

        rows = np.arange(len(chunks)) if doc is None else np.array([i for i, c in enumerate(chunks) if c.doc == doc], dtype=np.int64)
        if rows.size == 0:
            return Retrieval(clean, query, [], 0.0, threshold, notice)
        dense = self.index.chunk_vectors[rows] @ qvec
        lexical = self._bm25_scores(qterms)[rows]
        sent_dense_all = self.index.sentence_vectors @ qvec
        ask_number, ask_date = bool(_ASK_NUMBER.search(clean)), bool(_ASK_DATE.search(clean))

        sentence_best = np.zeros(rows.size, dtype=np.float32)
        best_idx = np.zeros(rows.size, dtype=np.int64)
        per_sentence: list[list[float]] = []
        conf = np.zeros(rows.size, dtype=np.float32)
        starts = np.concatenate([[0], np.cumsum([len(c.sentences) for c in chunks])])
        for j, row in enumerate(rows):
            chunk = chunks[row]
            scores, confs = [], []
            for i in range(len(chunk.sentences)):
                sd = float(sent_dense_all[starts[row] + i])
                cov = self._coverage(qterms, int(row), i)
                text = self._sentence_text(chunk, i)
                typed = (ask_number and bool(_NUMBER.search(text))) or (ask_date and bool(_DATE.search(text)))
                scores.append(s.sent_dense * sd + s.sent_lexical * cov + s.sent_type * typed)
                confs.append(s.conf_dense * sd + s.conf_lexical * cov)
            per_sentence.append(scores)
            if scores:
                best_idx[j] = int(np.argmax(scores))
                sentence_best[j] = scores[best_idx[j]]
                conf[j] = confs[best_idx[j]]

        fused = np.zeros(rows.size, dtype=np.float64)
        ranks: dict[str, np.ndarray] = {}
        for name, values, weight in (("dense", dense, s.w_dense), ("lexical", lexical, s.w_lexical), ("sentence", sentence_best, s.w_sentence)):
            order = np.argsort(-values, kind="stable")
            rank = np.empty(rows.size, dtype=np.int64)
            rank[order] = np.arange(1, rows.size + 1)
            ranks[name] = rank
            fused += weight / (s.rrf_k + rank)
        top = np.argsort(-fused, kind="stable")[: max(1, k)]
        candidates = [
            Candidate(
                row=int(rows[j]), chunk=chunks[rows[j]], dense=float(dense[j]), lexical=float(lexical[j]), sentence=float(sentence_best[j]),
                fused=float(fused[j]), ranks={n: int(r[j]) for n, r in ranks.items()}, best_sentence=int(best_idx[j]),
                sentence_scores=per_sentence[j], confidence=float(conf[j]),
            )
            for j in top
        ]
        confidence = max((c.confidence for c in candidates[:3]), default=0.0)
        return Retrieval(clean, query, candidates, confidence, threshold, notice)
