"""Question (+ conversation) -> ranked passages, each with its answering sentence and a confidence.

Three signals are fused by reciprocal rank: dense similarity of the question to each chunk (the
vectors of the FAISS index, chunks embedded with their reading and section), BM25 over the chunks
(bm25s, Snowball stems, English stop words), and the best sentence of each chunk, scored by its own
embedding, by how much of the question's rarer words it (and its section heading) holds, and by
whether it has the kind of fact asked for (a number for "how many", a date for "when", an
acronym's expansion, the reported words of someone). A sentence that leans on the one before it
("This should...") is also read together with it. The best sentence is the highlight and the
direct answer. A follow-up's pronoun is resolved from the earlier question. Confidence is the
probability that the readings answer the question, from a logistic model of the closest sentence's
meaning, the best lexical agreement of a sentence, and the names no reading mentions; the shipped
model was fitted across corpora, so its 0.5 threshold needs no question set (`qa calibrate` can
still choose another one on a set, stored with the index).
The trade-off: every chunk and sentence is scored exactly on every signal, which is cheap for
course readings (milliseconds up to ~10k chunks) and needs no second model.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..index.chunk import Chunk
from ..index.model import Embedder
from ..index.store import Index

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
]

MAX_QUESTION_CHARS = 2000

_STOP = frozenset(
    """a an the of to in on at for by with from and or but nor so yet is are was were be been being am do does did
    doing have has had having i me my we our you your he him his she her it its they them their this that these those
    what which who whom whose when where why how there here than then as if into about over under again further
    once all any both each few more most other some such no not only own same too very can will just should would
    could may might must shall also s t don now up down out off says say said tell me please according reading
    article author text passage""".split()
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*")
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion|dozen)s?\b",
    re.I,
)
_DATE = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d)s?\b|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
_ASK_NUMBER = re.compile(
    r"\bhow (?:many|much|large|big|long|far)\b|\bnumber of\b|\bwhat (?:percentage|share|amount)\b",
    re.I,
)
_ASK_DATE = re.compile(
    r"\bwhen\b|\bwhat (?:year|date|month|day)\b|\bwhich (?:year|years|date|month)\b", re.I
)
_ASK_DEFINITION = re.compile(
    r"\b(?:stand for|short for|acronym|abbreviation|mean by|what is (?:an? )?|what are )\b", re.I
)
_ASK_SAID = re.compile(
    r"\bwhat (?:did|does|do|has|have|had|was|were) (.+?) (?:say|said|tell|told|think|argue|claim|note|write|state|suggest|believe|testify|warn)\b",
    re.I,
)
# A sentence that reports what someone said: a speech verb or "according to".
_ATTRIBUTION = re.compile(
    r"\b(?:says?|said|saying|according to|noted|notes|argued|argues|stated|states|stating|emphasi[sz]ed|highlighted|claimed|"
    r"wrote|told|warned|insisted|revealed|testified|added|explained|declared|described|called|suggested|believed)\b",
    re.I,
)
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]*[A-Z]s?\b")
_PARENTHESISED = re.compile(r"\(([^()]*)\)")
_NONE = np.zeros(0, dtype=np.int64)
# A sentence opening like this leans on the one before it ("This should...", "In his hearing, he...").
_CONTINUES = re.compile(
    r"^\W*(?:(?:in short|in sum|in other words|thus|therefore|hence|instead|still|yet|but|so|as a result|for example|for instance)\b"
    r"|(?:\S+\s+){0,4}?(?:this|that|these|those|such|it|its|he|she|they|his|her|their|him|them)\b)",
    re.I,
)


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


_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*")


def _terms(text: str, stem) -> list[str]:
    """Stemmed content words; dotted acronyms are folded ("U.S." -> "us").

    Example: 'U.S. troops stationed' -> ['us', 'troop', 'station']
    """
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    words = [w for w in words if w not in _STOP and len(w) > 1 or w.isdigit()]
    return stem.stemWords(words) if words else []


_QUESTION_WORDS = re.compile(
    r"^\s*(?:(?:who|whom|what|which|when|where|why|how)(?:\s+(?:is|are|was|were|does|do|did|has|have|had|about|many|much))*|tell me about|explain|describe)\b\s*",
    re.I,
)
_TITLED_NAME = re.compile(
    r"(?:\b(?:[A-Z][a-z]{0,3}\.)\s+)?\b[A-Z][\w’'-]*(?:\s+(?:[A-Z]\.\s*)?[A-Z][\w’'-]*)*"
)
_PRONOUN = re.compile(
    r"\b(he|she|they|it|him|them|his|her|their|its|this|that|these|those)\b", re.I
)


def _topic(question: str) -> str:
    """What an earlier question was about: its longest name, else its words after the question word.

    Example: 'Who is Gen. Xavier Brunson?' -> 'Gen. Xavier Brunson'; 'What is strategic flexibility?' -> 'strategic flexibility'
    """
    body = _QUESTION_WORDS.sub("", question.strip()).rstrip(" ?.!")
    names = sorted(_TITLED_NAME.findall(body), key=len, reverse=True)
    if names and len(names[0].split()) >= 1 and names[0].lower() not in _STOP:
        return names[0].strip()
    return re.sub(r"^(?:the|a|an)\s+", "", body, flags=re.I)


def resolve_followup(
    question: str, history: Sequence[str], name_form: Callable[[str], str] | None = None
) -> str:
    """The question with what a follow-up leaves out filled in from the last earlier question.

    A pronoun that refers back (he, his, it, this...) is replaced by what the earlier question was
    about (possessives get "'s"); a question too short to stand alone gets that topic appended.
    `name_form` may shorten the topic to the form the readings use (e.g. a surname).

    Example: ('What did he say?', ['Who is Gen. Brunson?']) -> 'What did Gen. Brunson say?'
    """
    previous = [h for h in (history or []) if h and h.strip()]
    if not previous:
        return question
    topic = _topic(previous[-1])
    if topic and name_form:
        topic = name_form(topic)
    if not topic:
        return question
    match = _PRONOUN.search(question)
    if match:
        word = match.group(1).lower()
        replacement = f"{topic}'s" if word in ("his", "her", "their", "its") else topic
        if word in (
            "this",
            "that",
            "these",
            "those",
        ):  # "this plan" keeps its noun: "this" -> topic only when alone
            following = question[match.end() :].lstrip()
            if following[:1].isalpha() and not following.lower().startswith(
                ("is ", "was ", "mean", "happen")
            ):
                return f"{question} ({topic})"
        return question[: match.start()] + replacement + question[match.end() :]
    content = [w for w in _WORD.findall(question) if w.lower() not in _STOP]
    if len(content) < 3:
        return f"{question} ({topic})"
    return question


@dataclass(frozen=True)
class RetrievalSettings:
    """Weights of the fusion and of the confidence model.

    The defaults are what `make quality` (bench/quality.py) chooses on every question set it has,
    by the same leave-one-corpus-out procedure whose left-out figures the README reports; none was
    set for one question.
    """

    rrf_k: float = 60.0
    w_dense: float = 0.25
    w_lexical: float = 0.5
    w_sentence: float = 3.0
    sent_dense: float = 1.0
    sent_lexical: float = 0.6
    sent_type: float = 0.2
    context: float = 1.0  # weight of a sentence read together with the one it continues
    # Weight of section-heading words in a sentence's lexical score. 0: on readings whose headings do
    # not state the question a passage answers, heading words mislead more than they help.
    heading_weight: float = 0.0
    history_weight: float = 1.0  # weight of the words a follow-up takes from the earlier question
    # Confidence is the probability that the readings answer the question, from a logistic model of
    # four kinds of evidence: how close the closest sentence is in meaning, how much of the
    # question's weighted words one sentence (with its heading) holds, and how many names in the
    # question the readings mention and do not. Fitted on every question set with general questions as
    # unanswerable (bench/quality.py, left-out figures in the README), so 0.5 means even odds on
    # any corpus.
    conf_bias: float = -8.052
    conf_dense: float = 21.073
    conf_lexical: float = 4.831
    # Slightly negative: a name the readings mention already lifts the lexical share, and questions
    # beside the point of a reading often name its people and things.
    conf_known_name: float = -0.217
    conf_unknown_name: float = 2.264


@dataclass(frozen=True)
class Evidence:
    """What the confidence of a retrieval is made of (the logistic model's inputs)."""

    dense: float  # the closest sentence's cosine similarity to the question
    lexical: float  # the largest share of the question's weighted words one sentence holds
    known_names: int  # names in the question that the readings mention
    unknown_names: int  # names in the question no reading mentions


def answerable(settings: RetrievalSettings, evidence: Evidence) -> float:
    """The confidence that the readings answer a question: a logistic model of its evidence.

    Example: (defaults, Evidence(dense=0.45, lexical=0.5, known_names=0, unknown_names=0)) -> 0.979
    """
    z = (
        settings.conf_bias
        + settings.conf_dense * evidence.dense
        + settings.conf_lexical * evidence.lexical
        + settings.conf_known_name * evidence.known_names
        - settings.conf_unknown_name * evidence.unknown_names
    )
    return float(1.0 / (1.0 + math.exp(-z)))


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
    highlight: tuple[int, int] = (
        0,
        0,
    )  # offsets of the answering span in the reading (one or two sentences)
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
    evidence: Evidence | None = None

    @property
    def abstained(self) -> bool:
        return not self.candidates or self.confidence < self.threshold


class Retriever:
    """Hybrid retrieval over one loaded index; safe to share between threads (read-only after init)."""

    def __init__(
        self, index: Index, embedder: Embedder, settings: RetrievalSettings = RetrievalSettings()
    ):
        import bm25s
        import Stemmer
        from scipy import sparse

        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._stem = Stemmer.Stemmer("english")
        chunks = index.chunks
        texts = [f"{c.title} {c.section or ''} {c.text}" for c in chunks]
        chunk_terms = [_terms(t, self._stem) for t in texts]
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index([t or ["_empty_"] for t in chunk_terms], show_progress=False)
        df = Counter(t for terms in chunk_terms for t in set(terms))
        self._df = df
        n = max(1, len(texts))
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._idf_unseen = math.log(1 + (n + 0.5) / 0.5)
        self._vocab = {t: i for i, t in enumerate(sorted(df))}

        # Sentences, in the order of index.sentence_vectors: text, terms, kinds of fact, and the
        # sentence each one continues ("This should...", "He pushed..."), if any.
        docs = [c.doc for c in chunks for _ in c.sentences]
        self._sentences = [
            index.readings[c.doc].text[s.start : s.end] for c in chunks for s in c.sentences
        ]
        n_sent = len(self._sentences)
        self._prev = np.array(
            [
                i - 1 if i > 0 and docs[i - 1] == docs[i] and _CONTINUES.match(t) else -1
                for i, t in enumerate(self._sentences)
            ],
            dtype=np.int64,
        )
        own = self._term_matrix(self._sentences, sparse)
        cont = np.flatnonzero(self._prev >= 0)
        self._own_terms = own
        # The words of each sentence's section heading that the sentence itself lacks: in a FAQ the
        # heading is the question its answer sentences answer.
        heads = self._term_matrix([c.section or "" for c in chunks for _ in c.sentences], sparse)
        self._heading_terms = ((heads - heads.multiply(own)) > 0).astype(np.float32)
        if cont.size:
            pick = sparse.csr_matrix(
                (np.ones(cont.size, np.float32), (cont, self._prev[cont])), shape=(n_sent, n_sent)
            )
            self._window_terms = ((own + pick @ own) > 0).astype(np.float32)
            vecs = index.sentence_vectors
            self._window_norm = np.ones(n_sent, dtype=np.float32)
            self._window_norm[cont] = np.linalg.norm(vecs[cont] + vecs[self._prev[cont]], axis=1)
        else:
            self._window_terms = own
            self._window_norm = np.ones(n_sent, dtype=np.float32)
        self._continues = cont
        self._has_number = np.array([bool(_NUMBER.search(t)) for t in self._sentences], dtype=bool)
        self._has_date = np.array([bool(_DATE.search(t)) for t in self._sentences], dtype=bool)
        # Question-independent parts of `_typed`, found once rather than on every question: the
        # sentences that report someone's words, and where each "(…)" occurs.
        self._attributed = np.flatnonzero(
            [bool(_ATTRIBUTION.search(t)) for t in self._sentences]
        ).astype(np.int64)
        parenthesised: dict[str, set[int]] = {}
        for i, t in enumerate(self._sentences):
            for inner in _PARENTHESISED.findall(t):
                parenthesised.setdefault(inner, set()).add(i)
        self._parenthesised = {
            inner: np.array(sorted(ids), dtype=np.int64) for inner, ids in parenthesised.items()
        }
        counts = np.array([len(c.sentences) for c in chunks], dtype=np.int64)
        self._sentence_start = (
            np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
            if len(chunks)
            else np.zeros(0, np.int64)
        )
        self._sentence_count = counts
        self._chunk_doc = np.array([c.doc for c in chunks], dtype=object)
        self._sentence_doc = np.array(docs, dtype=object)
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

    def _term_matrix(self, texts: list[str], sparse):
        rows, cols = [], []
        for i, text in enumerate(texts):
            for t in set(_terms(text, self._stem)):
                if t in self._vocab:
                    rows.append(i)
                    cols.append(self._vocab[t])
        return sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(texts), max(1, len(self._vocab))),
        )

    # -- signals ---------------------------------------------------------------------------

    def _bm25_scores(self, terms: list[str]) -> np.ndarray:
        known = [t for t in terms if t in self._idf]
        if not known or not self.index.chunks:
            return np.zeros(len(self.index.chunks), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def _weights(self, qterms: list[str], hterms: list[str]) -> tuple[np.ndarray, float]:
        """Vocabulary weights of the question's words (their IDF), with the conversation's words weighted apart."""
        weights = {t: self._idf.get(t, self._idf_unseen) for t in set(qterms)}
        for t in set(hterms) - set(qterms):
            weights[t] = self.settings.history_weight * self._idf.get(t, self._idf_unseen)
        w = np.zeros(self._own_terms.shape[1], dtype=np.float32)
        for t, weight in weights.items():
            if t in self._vocab:
                w[self._vocab[t]] = weight
        return w, float(sum(weights.values()))

    def _typed(self, question: str) -> np.ndarray:
        """How many of the kinds of fact the question asks for each sentence holds.

        The kinds: a number ("how many"), a date ("when"), the expansion of an acronym ("what does
        X stand for"), and reported words of the one asked about ("what did X say").

        Returns:
            A count per sentence.
        """
        kinds = np.zeros(len(self._sentences), dtype=np.float32)
        fact = np.zeros(len(self._sentences), dtype=bool)
        if _ASK_NUMBER.search(question):
            fact |= self._has_number
        if _ASK_DATE.search(question):
            fact |= self._has_date
        kinds += fact
        if _ASK_DEFINITION.search(question):
            for acronym in set(_ACRONYM.findall(question)):  # sentences holding "(ACRONYM)"
                kinds[self._parenthesised.get(acronym, _NONE)] += 1
        said = _ASK_SAID.search(question)
        if said:
            speaker = [
                w for w in re.findall(r"\b[A-Z][\w’'-]+", said.group(1)) if w.lower() not in _STOP
            ]
            hits = [
                i
                for i in self._attributed
                if not speaker or any(w in self._sentences[i] for w in speaker)
            ]
            kinds[np.array(hits, dtype=np.int64)] += 1
        return kinds

    def _name_form(self, topic: str) -> str:
        """A multi-word name as the readings mostly call it: its word they mention most often.

        Readings name a person in full once and then by one name ("Gen. Xavier T. Brunson", then
        "Brunson"), so a follow-up's "he" is best read as that word.
        """
        words = [w for w in topic.split() if not w.endswith(".") and w[:1].isupper()]
        if len(words) < 2 or len(words) != len([w for w in topic.split() if not w.endswith(".")]):
            return topic
        counts = [(self._df.get(t[0], 0) if (t := _terms(w, self._stem)) else 0, w) for w in words]
        best_count, best = max(counts)
        return best if best_count > 1 else topic

    def _names(self, question: str) -> tuple[int, int]:
        """How many names in the question (capitalised words, acronyms) the readings mention, and how many they do not.

        A question about someone or something the readings never name cannot be answered from them;
        one that names what they do is likely about them.

        Example: 'Did Brunson meet Zorblax?' over the bundled article -> (1, 1)
        """
        names = [
            w
            for w in _NAME.findall(_DOTTED.sub(lambda m: m.group(0).replace(".", ""), question))
            if w.lower() not in _STOP
        ]
        stems = [t[0] for n in names if (t := _terms(n, self._stem))]
        known = sum(t in self._idf for t in stems)
        return known, len(stems) - known

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
        clean, notice = normalize_question(question)
        query = resolve_followup(
            clean, [normalize_question(h)[0] for h in history or []], self._name_form
        )
        chunks = self.index.chunks
        threshold = self.index.threshold
        if not clean or not chunks:
            return Retrieval(clean, query, [], 0.0, threshold, notice)
        rows = np.arange(len(chunks)) if doc is None else np.flatnonzero(self._chunk_doc == doc)
        if rows.size == 0:
            return Retrieval(clean, query, [], 0.0, threshold, notice)
        qterms = _terms(clean, self._stem)
        hterms = [
            t for t in _terms(query, self._stem) if t not in set(qterms)
        ]  # what the conversation adds
        qvec = query_vector if query_vector is not None else self._embed_query(query)
        w, total = self._weights(qterms, hterms)

        # Every sentence scored alone and, where it continues the one before, together with it.
        sd = self.index.sentence_vectors @ qvec
        cov = np.asarray(
            self._own_terms @ w + s.heading_weight * (self._heading_terms @ w), dtype=np.float32
        ) / (total or 1.0)
        typed = self._typed(query)
        own = s.sent_dense * sd + s.sent_lexical * cov + s.sent_type * typed
        windowed = np.zeros(len(sd), dtype=bool)
        c = self._continues
        if c.size:
            sd_win = (sd[c] + sd[self._prev[c]]) / self._window_norm[c]
            cov_win = np.asarray(
                self._window_terms[c] @ w + s.heading_weight * (self._heading_terms[c] @ w),
                dtype=np.float32,
            ) / (total or 1.0)
            win = s.context * (
                s.sent_dense * sd_win
                + s.sent_lexical * cov_win
                + s.sent_type * np.maximum(typed[c], typed[self._prev[c]])
            )
            better = win > own[c]
            own[c[better]] = win[better]
            windowed[c[better]] = True
        sent_score = own
        starts, counts = self._sentence_start[rows], self._sentence_count[rows]
        sentence_best = np.maximum.reduceat(sent_score, self._sentence_start)[rows]

        # (All rows: no copy of the whole matrix, which at 100k chunks costs more than the product.)
        dense = (
            self.index.chunk_vectors @ qvec
            if doc is None
            else self.index.chunk_vectors[rows] @ qvec
        )
        lexical = (self._bm25_scores(qterms) + s.history_weight * self._bm25_scores(hterms))[rows]
        fused = np.zeros(rows.size, dtype=np.float64)
        ranks: dict[str, np.ndarray] = {}
        for name, values, weight in (
            ("dense", dense, s.w_dense),
            ("lexical", lexical, s.w_lexical),
            ("sentence", sentence_best, s.w_sentence),
        ):
            order = np.argsort(-values, kind="stable")
            rank = np.empty(rows.size, dtype=np.int64)
            rank[order] = np.arange(1, rows.size + 1)
            ranks[name] = rank
            fused += weight / (s.rrf_k + rank)
        top = np.argsort(-fused, kind="stable")[: max(1, k)]
        candidates = []
        for j in top:
            row = int(rows[j])
            a, b = int(starts[j]), int(starts[j] + counts[j])
            best = int(np.argmax(sent_score[a:b]))
            sentence = chunks[row].sentences[best]
            span = (sentence.start, sentence.end)
            if windowed[a + best] and best > 0:  # quote the sentence it continues too
                span = (chunks[row].sentences[best - 1].start, sentence.end)
            candidates.append(
                Candidate(
                    row=row,
                    chunk=chunks[row],
                    dense=float(dense[j]),
                    lexical=float(lexical[j]),
                    sentence=float(sentence_best[j]),
                    fused=float(fused[j]),
                    ranks={n: int(r[j]) for n, r in ranks.items()},
                    best_sentence=best,
                    highlight=span,
                    sentence_scores=[float(x) for x in sent_score[a:b]],
                )
            )
        searched = slice(None) if doc is None else self._sentence_doc == doc
        known, unknown = self._names(clean)
        evidence = Evidence(float(sd[searched].max()), float(cov[searched].max()), known, unknown)
        confidence = float(answerable(s, evidence))
        for cand in candidates:
            i = self._sentence_start[cand.row] + cand.best_sentence
            cand.confidence = float(
                answerable(s, replace(evidence, dense=float(sd[i]), lexical=float(cov[i])))
            )
        return Retrieval(clean, query, candidates, confidence, threshold, notice, evidence)
