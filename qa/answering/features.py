"""What retrieval knows about the corpus before any question: its vocabulary and its sentences.

Built once when an index is loaded, read-only after: the chunks' BM25 index and word statistics
(`ChunkLexicon`), and per sentence its words, its heading's words, the sentence it continues
("This should...", "He pushed..."), and the kinds of fact it holds (`SentenceFeatures`). Finding a
question's fact kinds (`fact_counts`) and its words' weights (`term_weights`) are then lookups
and sparse products. The trade-off: memory for every sentence's word matrix (three sparse
matrices), against re-reading sentences on every question.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import reduce

import numpy as np

from ..index.chunk import Chunk
from ..index.store import Index
from ..readings.records import reads_as_words
from .question import FactRequest, terms

__all__ = [
    "ChunkLexicon",
    "SentenceFeatures",
    "SentenceTerms",
    "build_lexicon",
    "fact_counts",
    "sentence_features",
    "term_weights",
]

_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand"
    r"|million|billion|dozen)s?\b",
    re.I,
)
_DATE = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d)s?\b|\b(?:January|February|March|April|May|June|July|August"
    r"|September|October|November|December)\b"
)
# A sentence that reports what someone said: a speech verb or "according to".
_ATTRIBUTION = re.compile(
    r"\b(?:says?|said|saying|according to|noted|notes|argued|argues|stated|states|stating"
    r"|emphasi[sz]ed|highlighted|claimed|wrote|told|warned|insisted|revealed|testified|added"
    r"|explained|declared|described|called|suggested|believed)\b",
    re.I,
)
_PARENTHESISED = re.compile(r"\(([^()]*)\)")
# A person's name, known by the title or the deed before it ("Defense Secretary Donald Rumsfeld",
# "Russian President Vladimir Putin", "Adm. Samuel J. Paparo", "written by Sterling Hughes"):
# two or more capitalised words, initials between.
_PERSON = re.compile(
    r"(?i:\b(?:president|secretary|minister|premier|chancellor|governor|senator|congressman"
    r"|congresswoman|ambassador|general|gen|admiral|adm|colonel|col|captain|capt|commander"
    r"|chairman|chairwoman|director|professor|prof|dr|mr|mrs|sir|king|queen|prince|princess"
    r"|emperor|pope|judge|justice|mayor|candidate|leader|founder|spokesman|spokeswoman"
    r"|spokesperson|successor|predecessor|(?:written|created|developed|designed|founded|invented"
    r"|maintained|started|made|led|edited|authored) by)\.?)"
    r"(?:\s+of\s+(?:the\s+)?[A-Z][\w’'-]+)?,?"
    r"\s+((?:[A-Z][\w’'-]+|[A-Z]\.)(?:\s+(?:[A-Z][\w’'-]+|[A-Z]\.))+)"
)
# Words that make a capitalised run an organisation's or a place's name, not a person's ("General
# Motors Corporation", "GNU General Public License", "developed by Bell Labs", "Prince Edward
# Island").
_NOT_A_PERSON = frozenset(
    "license licence corporation corp inc ltd llc labs laboratory laboratories project foundation"
    " university college institute school island islands league party council committee agency"
    " company group association society department ministry office government republic kingdom"
    " army navy force forces command".split()
)
# Two capitalised words in a row, which every name above has: a quick test that spares most
# sentences the slower search (half of a news article's, most of a manual's).
_TWO_CAPITALISED = re.compile(r"[A-Z][\w’'-]*\.?\s+[A-Z]")
# A sentence opening like this leans on the one before it ("This should...", "In his hearing,
# he...").
_CONTINUES = re.compile(
    r"^\W*(?:(?:in short|in sum|in other words|thus|therefore|hence|instead|still|yet|but|so"
    r"|as a result|for example|for instance)\b"
    r"|(?:\S+\s+){0,4}?(?:this|that|these|those|such|it|its|he|she|they|his|her|their|him|them)\b)",
    re.I,
)
# A sentence that defines its subject: "`Completion' is where you hit…", "libcurl is a library…".
# The subject is what comes before the first of these verbs, when it is a few words long.
_DEFINING_VERB = re.compile(r"\s(?:is|are|was|were|means|refers\s+to|stands\s+for|denotes)\b", re.I)
_SUBJECT_WORDS = 6
# A sentence whose point is to send the reader to another part of the reading: it opens with the
# pointer ("See question 3.13 for that.", "Please see [question G3] above.") or ends with one
# after a break ("…put a newline in your prompt -- see question 3.13 for that.", "…; see the next
# section."). It names the answer's topic, so it shares the question's words, but the answer is
# where it points. A pointer in brackets inside a sentence that says something ("…the mailing list
# (see question 6.2)"), a pointer to another work ("see the manual"), to a figure, table or page,
# and "see" as an ordinary verb ("could see 3.5 percent growth") are not.
_POINTER = (
    r"(?:see|cf\.|refer\s+to|(?:is|are)\s+(?:described|discussed|covered|explained)\s+in)"
    r"\s+(?:also\s+)?(?:the\s+)?(?:(?:next|previous|following|preceding|last)\s+)?"
    r"(?:\[?questions?\b|sections?\b|chapters?\b|chap\.|sec\.|§|appendix\b"
    r"|parts?\s+(?:\d|[IVX]+\b)|items?\s+\S*\d|entr(?:y|ies)\s+\S*\d|faq\b"
    r"|(?:below|above)(?![\w-])|\d+(?:\.\d+)+(?=\s*(?:$|[),.;:]|for\b|and\b|or\b)))"
)
_POINTS_ELSEWHERE = re.compile(
    rf"^\W*(?:please\s+)?{_POINTER}|(?:[;:]|\s--?|\s[—–]|,)\s*(?:and\s+|or\s+)?{_POINTER}[^()]*$",
    re.I,
)
# A line of code that still reads as a sentence (a quotation set indented, a message quoted whole)
# is prose: four or more tokens, three in four of them words or numbers, a full stop, "!" or "?"
# at the end.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*$")
_NONE = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class ChunkLexicon:
    """The chunks' words: BM25 over them, in how many chunks each occurs, and its IDF."""

    stem: object  # Snowball stemmer
    bm25: object  # bm25s.BM25 over the chunks' stemmed words
    document_frequency: dict[str, int]
    idf: dict[str, float]
    idf_unseen: float  # the IDF of a word no chunk holds
    vocabulary: dict[str, int]  # word -> column of the sentence word matrices
    chunk_count: int

    def bm25_scores(self, words) -> np.ndarray:
        """BM25 of every chunk for the words (those the chunks never use are left out)."""
        known = [t for t in words if t in self.idf]
        if not known or not self.chunk_count:
            return np.zeros(self.chunk_count, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def term_matrix(self, texts: list[str]):
        """A 0/1 sparse matrix: which vocabulary words each text holds."""
        from scipy import sparse

        rows, cols = [], []
        for i, text in enumerate(texts):
            for t in set(terms(text, self.stem)):
                if t in self.vocabulary:
                    rows.append(i)
                    cols.append(self.vocabulary[t])
        return sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(texts), max(1, len(self.vocabulary))),
        )


def build_lexicon(chunks: list[Chunk]) -> ChunkLexicon:
    """Index the chunks' words (title, section and text) for BM25 and IDF weights."""
    import bm25s
    import Stemmer

    stem = Stemmer.Stemmer("english")
    texts = [f"{c.title} {c.section or ''} {c.text}" for c in chunks]
    chunk_terms = [terms(t, stem) for t in texts]
    bm25 = bm25s.BM25()
    if texts:
        bm25.index([t or ["_empty_"] for t in chunk_terms], show_progress=False)
    frequency = Counter(t for words in chunk_terms for t in set(words))
    n = max(1, len(texts))
    return ChunkLexicon(
        stem=stem,
        bm25=bm25,
        document_frequency=dict(frequency),
        idf={t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in frequency.items()},
        idf_unseen=math.log(1 + (n + 0.5) / 0.5),
        vocabulary={t: i for i, t in enumerate(sorted(frequency))},
        chunk_count=len(chunks),
    )


def term_weights(
    lexicon: ChunkLexicon,
    own: tuple[str, ...],
    from_history: tuple[str, ...],
    history_weight: float,
    unreadable: int = 0,
) -> tuple[np.ndarray, float]:
    """Vocabulary weights of the question's words (their IDF), the conversation's weighted apart.

    `unreadable` words of the question (in a script `terms` does not read) weigh as words no chunk
    holds, as an unknown English word does: so the conversation's words cannot make up the whole
    of a question whose own words are unreadable.

    Returns:
        (a weight per vocabulary column, the sum of every word's weight, unknown and unreadable
        words included).
    """
    weights = {t: lexicon.idf.get(t, lexicon.idf_unseen) for t in set(own)}
    for t in set(from_history) - set(own):
        weights[t] = history_weight * lexicon.idf.get(t, lexicon.idf_unseen)
    vector = np.zeros(max(1, len(lexicon.vocabulary)), dtype=np.float32)
    for t, weight in weights.items():
        if t in lexicon.vocabulary:
            vector[lexicon.vocabulary[t]] = weight
    return vector, float(sum(weights.values())) + unreadable * lexicon.idf_unseen


@dataclass(frozen=True)
class SentenceTerms:
    """The word matrices of a run of sentences and how each continues the one before.

    Over every sentence of the index, or over the sentences an approximate search kept (then
    `previous` and `continues` index into that run).
    """

    own: object  # sparse 0/1: the sentence's words
    heading: object  # sparse 0/1: its section heading's words the sentence lacks
    window: object  # sparse 0/1: its words with those of the sentence it continues
    window_norm: np.ndarray  # norm of (vector + continued sentence's vector); 1 where none
    previous: np.ndarray  # position of the sentence each continues, -1 where none
    continues: np.ndarray  # positions of the sentences that continue another
    code: np.ndarray  # bool: the sentence is set as code (see `_code_sentences`)
    pointer: np.ndarray  # bool: the sentence points to another part of the reading

    def take(self, positions: np.ndarray) -> SentenceTerms:
        """The same, for the sentences at `positions` (sorted; each continued sentence included)."""
        local = np.full(len(self.previous), -1, dtype=np.int64)
        local[positions] = np.arange(positions.size)
        previous = self.previous[positions]
        previous = np.where(previous >= 0, local[np.maximum(previous, 0)], -1)
        return SentenceTerms(
            own=self.own[positions],
            heading=self.heading[positions],
            window=self.window[positions],
            window_norm=self.window_norm[positions],
            previous=previous,
            continues=np.flatnonzero(previous >= 0),
            code=self.code[positions],
            pointer=self.pointer[positions],
        )


@dataclass(frozen=True)
class SentenceFeatures:
    """Every sentence of the index, in the order of its sentence vectors, as retrieval reads it."""

    texts: list[str]
    terms: SentenceTerms
    has_number: np.ndarray  # bool per sentence
    has_date: np.ndarray  # bool per sentence
    attributed: np.ndarray  # the sentences that report someone's words
    people: dict[int, list[frozenset[str]]]  # sentence -> the words of each person's name in it
    subjects: dict[str, np.ndarray]  # word -> the defining sentences whose subject holds it
    parenthesised: dict[str, np.ndarray]  # "(…)" content -> the sentences holding it
    chunk_start: np.ndarray  # first sentence of each chunk
    chunk_size: np.ndarray  # sentences of each chunk
    chunk_doc: np.ndarray  # reading of each chunk
    sentence_doc: np.ndarray  # reading of each sentence


def _continued_sentences(texts: list[str], docs: list[str]) -> np.ndarray:
    """The sentence each one continues (the one before, in the same reading), -1 where none.

    A sentence continues the one before when it leans on it ("This should…", "In his hearing,
    he…"), or when the one before ends with a colon and so introduces it ("Here's a rough
    step-by-step:" before the steps, "The issue is that if you run:" before the command).
    """
    return np.array(
        [
            i - 1
            if i > 0
            and docs[i - 1] == docs[i]
            and (_CONTINUES.match(t) or texts[i - 1].rstrip().endswith(":"))
            else -1
            for i, t in enumerate(texts)
        ],
        dtype=np.int64,
    )


def _reads_as_prose(text: str) -> bool:
    return reads_as_words(text) and _SENTENCE_END.search(text.rstrip()) is not None


def _code_sentences(index: Index) -> np.ndarray:
    """Which sentences are code (a command, a listing, a configuration line), not prose.

    Code is what the reader found set as code (`Paragraph.code`: a Markdown reading's fenced
    block, or its block indented four columns that is no list item's content), but for a sentence
    of it that reads as prose. A code line's words are names and flags, which match a question's
    words by accident ("BUFFER=…$EDITOR" for "edit the input buffer in $EDITOR"); the prose
    around it says what it does.
    """
    paragraphs = {
        doc: ([p.start for p in r.paragraphs], [p.code for p in r.paragraphs])
        for doc, r in index.readings.items()
    }
    code = []
    for c in index.chunks:
        starts, is_code = paragraphs[c.doc]
        text = index.readings[c.doc].text
        for s in c.sentences:
            inside = is_code[max(0, bisect.bisect_right(starts, s.start) - 1)] if starts else False
            code.append(inside and not _reads_as_prose(text[s.start : s.end]))
    return np.array(code, dtype=bool)


def _subjects(texts: list[str], stem) -> dict[str, np.ndarray]:
    """Per word, the sentences that define a subject holding it ("libcurl is a library…")."""
    found: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        verb = _DEFINING_VERB.search(text)
        if verb is None:
            continue
        subject = text[: verb.start()]
        if len(subject.split()) <= _SUBJECT_WORDS:
            for word in set(terms(subject, stem)):
                found.setdefault(word, []).append(i)
    return {w: np.array(rows, dtype=np.int64) for w, rows in found.items()}


def _sentence_terms(index: Index, lexicon: ChunkLexicon, texts: list[str], docs) -> SentenceTerms:
    from scipy import sparse

    chunks = index.chunks
    previous = _continued_sentences(texts, docs)
    own = lexicon.term_matrix(texts)
    continues = np.flatnonzero(previous >= 0)
    # The words of each sentence's section heading that the sentence itself lacks: in a FAQ the
    # heading is the question its answer sentences answer.
    heads = lexicon.term_matrix([c.section or "" for c in chunks for _ in c.sentences])
    heading = ((heads - heads.multiply(own)) > 0).astype(np.float32)
    window, window_norm = own, np.ones(len(texts), dtype=np.float32)
    if continues.size:
        pick = sparse.csr_matrix(
            (np.ones(continues.size, np.float32), (continues, previous[continues])),
            shape=(len(texts), len(texts)),
        )
        window = ((own + pick @ own) > 0).astype(np.float32)
        vectors = index.sentence_vectors
        window_norm[continues] = np.linalg.norm(
            vectors[continues] + vectors[previous[continues]], axis=1
        )
    pointer = np.array([bool(_POINTS_ELSEWHERE.search(t)) for t in texts], dtype=bool)
    return SentenceTerms(
        own, heading, window, window_norm, previous, continues, _code_sentences(index), pointer
    )


def sentence_features(index: Index, lexicon: ChunkLexicon) -> SentenceFeatures:
    """Read every sentence of the index once: its words, what it continues, its kinds of fact."""
    chunks = index.chunks
    docs = [c.doc for c in chunks for _ in c.sentences]
    texts = [index.readings[c.doc].text[s.start : s.end] for c in chunks for s in c.sentences]
    parenthesised: dict[str, set[int]] = {}
    for i, t in enumerate(texts):
        for inner in _PARENTHESISED.findall(t):
            parenthesised.setdefault(inner, set()).add(i)
    counts = np.array([len(c.sentences) for c in chunks], dtype=np.int64)
    starts = (
        np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if len(chunks) else _NONE
    )
    return SentenceFeatures(
        texts=texts,
        terms=_sentence_terms(index, lexicon, texts, docs),
        has_number=np.array([bool(_NUMBER.search(t)) for t in texts], dtype=bool),
        has_date=np.array([bool(_DATE.search(t)) for t in texts], dtype=bool),
        attributed=np.flatnonzero([bool(_ATTRIBUTION.search(t)) for t in texts]).astype(np.int64),
        people=_people(texts),
        subjects=_subjects(texts, lexicon.stem),
        parenthesised={k: np.array(sorted(v), dtype=np.int64) for k, v in parenthesised.items()},
        chunk_start=starts,
        chunk_size=counts,
        chunk_doc=np.array([c.doc for c in chunks], dtype=object),
        sentence_doc=np.array(docs, dtype=object),
    )


def _people(texts: list[str]) -> dict[int, list[frozenset[str]]]:
    """Per sentence that names a person (by a title or a deed before the name), the names' words."""
    people: dict[int, list[frozenset[str]]] = {}
    for i, text in enumerate(texts):
        if not _TWO_CAPITALISED.search(text):
            continue
        names = []
        for match in _PERSON.findall(text):
            words = [re.sub(r"[’']s$", "", w) for w in re.findall(r"[\w’'-]+", match.lower())]
            if not _NOT_A_PERSON.intersection(words):
                names.append(frozenset(words))
        if names:
            people[i] = names
    return people


def fact_counts(features: SentenceFeatures, facts: FactRequest) -> np.ndarray:
    """How many of the kinds of fact the question asks for each sentence holds.

    The kinds: a number ("how many"), a date ("when"), the expansion of an acronym ("what does
    X stand for"), reported words of the one asked about ("what did X say"), a person other
    than those the question names ("who", "which leader"), and a sentence defining the term asked
    about ("what is X": "X is…").
    """
    kinds = np.zeros(len(features.texts), dtype=np.float32)
    fact = np.zeros(len(features.texts), dtype=bool)
    if facts.number:
        fact |= features.has_number
    if facts.date:
        fact |= features.has_date
    kinds += fact
    if facts.person is not None:  # a sentence naming someone the question does not
        for i, names in features.people.items():
            if any(not name <= facts.person for name in names):
                kinds[i] += 1
    if facts.defined:  # sentences whose subject is the term asked about
        rows = [features.subjects.get(word, _NONE) for word in facts.defined]
        kinds[reduce(np.intersect1d, rows)] += 1
    for acronym in facts.acronyms:  # sentences holding "(ACRONYM)"
        kinds[features.parenthesised.get(acronym, _NONE)] += 1
    if facts.speaker is not None:
        hits = [
            i
            for i in features.attributed
            if not facts.speaker or any(w in features.texts[i] for w in facts.speaker)
        ]
        kinds[np.array(hits, dtype=np.int64)] += 1
    return kinds
