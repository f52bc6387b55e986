"""Ranking levers weighed against the shipped retrieval, with the shipped weights, on every set
that takes part in choices (`quality.CHOOSING`: the held-out sets stay unseen here too).

Each lever is a change to one step of `qa.answering.retrieve`, applied here by replacing that step
for the run (nothing in `qa/` changes). A lever worth a leave-one-corpus-out selection in
`bench/quality.py` would have to gain on most sets here first; the README's *Retrieval quality*
lists what these did (RM3 feeds the top chunks' words back into BM25, dense feedback their vectors
back into the query vector). Then a learned combination: a logistic re-ranker of the top 30 over the
candidates' signals, fitted with each corpus left out as `make quality` does. Then the text each
chunk and sentence is embedded with (without its section; without its reading's title either),
and smaller chunks. Per set: hit@1 / MRR@10 / hit@5; then (hit@1 + MRR@10) / 2 as the mean over
the sets, and pooled over their in-scope questions (every question weighing the same, what
`make quality` chooses by).

Run: `.venv/bin/python bench/levers.py` (about three minutes here).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import quality  # noqa: E402

import qa.answering.retrieve as retrieve_module  # noqa: E402
from qa.answering.fusion import reciprocal_rank_fusion, score_sentences  # noqa: E402
from qa.answering.question import terms  # noqa: E402

K = 10


# ---------------------------------------------------------------------------- the levers


def _paragraph_vectors(index) -> tuple[np.ndarray, np.ndarray]:
    """Each paragraph part of a chunk as the normalised sum of its sentence vectors; its chunk."""
    vectors, owner, position = [], [], 0
    for row, chunk in enumerate(index.chunks):
        groups: dict[int, list[int]] = {}
        for offset, sentence in enumerate(chunk.sentences):
            groups.setdefault(sentence.paragraph, []).append(position + offset)
        for members in groups.values():
            v = index.sentence_vectors[members].sum(0)
            vectors.append(v / (np.linalg.norm(v) or 1.0))
            owner.append(row)
        position += len(chunk.sentences)
    return np.array(vectors, np.float32), np.array(owner)


def _first_of_paragraph(index) -> np.ndarray:
    flags = []
    for chunk in index.chunks:
        previous = None
        for sentence in chunk.sentences:
            flags.append(sentence.paragraph != previous)
            previous = sentence.paragraph
    return np.array(flags, np.float32)


class _Lever:
    """Replaces steps of retrieval while active; `state` carries the question being ranked."""

    def __init__(self, paragraph=None, two_best=None, first_bonus=None, rm3=None, dense_prf=None):
        self.paragraph, self.two_best, self.first_bonus, self.rm3 = (
            paragraph,
            two_best,
            first_bonus,
            rm3,
        )
        self.dense_prf = dense_prf  # (chunks, beta): Rocchio feedback on the query vector
        self.state: dict = {}

    def feedback(self, retrieve, retriever, question, history=(), k=5, **kwargs):
        """Retrieve once, move the query vector toward the top chunks' vectors, retrieve again."""
        chunks, beta = self.dense_prf
        first = retrieve(retriever, question, history, k=max(k, chunks), **kwargs)
        if not first.candidates:
            return first
        rows = {chunk.id: i for i, chunk in enumerate(retriever.index.chunks)}
        top = [rows[c.chunk.id] for c in first.candidates[:chunks]]
        query = retriever._embed_query(first.query)
        moved = query + beta * retriever.chunk_search.vectors[top].mean(axis=0)
        moved = (moved / np.linalg.norm(moved)).astype(np.float32)
        return retrieve(retriever, question, history, k=k, query_vector=moved, **kwargs)

    # retrieval's steps, as replaced
    def fuse(self, signals, rrf_k):
        retriever, query = self.state["retriever"], self.state["query"]
        signals = dict(signals)
        if self.paragraph is not None:
            vectors, owner = retriever._lever_paragraphs
            best = np.full(len(retriever.index.chunks), -1.0, np.float32)
            np.maximum.at(best, owner, vectors @ query)
            if self.paragraph == "replace":
                signals["dense"] = (best, signals["dense"][1])
            else:
                signals["paragraph"] = (best, self.paragraph)
        if self.two_best is not None:
            score = self.state["scored"].scores.score
            features = retriever.sentences
            values = []
            for start, size in zip(features.chunk_start, features.chunk_size, strict=True):
                ordered = np.sort(score[start : start + size])[::-1]
                values.append(ordered[0] + self.two_best * (ordered[1] if size > 1 else 0.0))
            signals["sentence"] = (np.array(values), signals["sentence"][1])
        return reciprocal_rank_fusion(signals, rrf_k)

    def score(self, similarity, sentence_terms, facts, weights, total, settings):
        out = score_sentences(similarity, sentence_terms, facts, weights, total, settings)
        retriever = self.state["retriever"]
        if self.first_bonus and len(similarity) == len(retriever.sentences.texts):
            out.score[:] = out.score + self.first_bonus * retriever._lever_first
        return out

    @contextlib.contextmanager
    def active(self, retrievers):
        lever = self
        for retriever, _ in retrievers.values():
            retriever._lever_paragraphs = _paragraph_vectors(retriever.index)
            retriever._lever_first = _first_of_paragraph(retriever.index)
            if self.rm3 and not isinstance(retriever.lexicon, _ExpandedLexicon):
                retriever.lexicon = _ExpandedLexicon(retriever.lexicon, retriever.index.chunks)
            if isinstance(retriever.lexicon, _ExpandedLexicon):
                retriever.lexicon.rm3 = self.rm3
        original_all = retrieve_module.Retriever._all_sentences

        def all_sentences(retriever, rows, query, facts, weights, total):
            scored = original_all(retriever, rows, query, facts, weights, total)
            lever.state.update(retriever=retriever, query=query, scored=scored)
            return scored

        def retrieve(retriever, *args, **kwargs):
            lever.state["retriever"] = retriever
            if lever.dense_prf and "query_vector" not in kwargs:
                return lever.feedback(original_retrieve, retriever, *args, **kwargs)
            return original_retrieve(retriever, *args, **kwargs)

        original_retrieve = retrieve_module.Retriever.retrieve
        saved = (retrieve_module.reciprocal_rank_fusion, retrieve_module.score_sentences)
        retrieve_module.Retriever._all_sentences = all_sentences
        retrieve_module.Retriever.retrieve = retrieve
        retrieve_module.reciprocal_rank_fusion = self.fuse
        retrieve_module.score_sentences = self.score
        try:
            yield
        finally:
            retrieve_module.Retriever._all_sentences = original_all
            retrieve_module.Retriever.retrieve = original_retrieve
            retrieve_module.reciprocal_rank_fusion, retrieve_module.score_sentences = saved


class _ExpandedLexicon:
    """BM25 with RM3-style feedback: the question's words, plus the words most weighty (share of a
    chunk times IDF) in BM25's own top chunks, weighted `beta`. `rm3` = (chunks, beta, words)."""

    def __init__(self, lexicon, chunks):
        self.lexicon, self.rm3 = lexicon, None
        self.chunk_terms = [
            Counter(terms(f"{c.title} {c.section or ''} {c.text}", lexicon.stem)) for c in chunks
        ]

    def __getattr__(self, name):
        return getattr(self.lexicon, name)

    def bm25_scores(self, words):
        base = self.lexicon.bm25_scores(words)
        if not self.rm3 or not len(words) or not base.any():
            return base
        top_chunks, beta, count = self.rm3
        weights: Counter = Counter()
        for row in np.argsort(-base)[:top_chunks]:
            chunk_terms = self.chunk_terms[row]
            size = sum(chunk_terms.values()) or 1
            for t, n in chunk_terms.items():
                weights[t] += n / size * self.lexicon.idf.get(t, 0.0)
        asked = set(words)
        extra = [t for t, _ in weights.most_common(count + len(asked)) if t not in asked][:count]
        return base + beta * self.lexicon.bm25_scores(extra)


# ---------------------------------------------------------------------------- runs


def _title_only(title: str, section: str | None, text: str) -> str:
    return f"{title}\n{text}"


def _text_only(title: str, section: str | None, text: str) -> str:
    return text


@contextlib.contextmanager
def _embedding_context(context):
    """Chunks and sentences embedded with `context(title, section, text)` instead of
    `qa.index.chunk.embedding_text` (reading and section before the text)."""
    import qa.index.store as store

    saved = store.embedding_text
    store.embedding_text = context
    try:
        yield
    finally:
        store.embedding_text = saved


def build(tmp: Path, embedder, size: int, variant: str = "") -> dict:
    """{corpus group: (retriever, texts)} for chunks of `size` word pieces."""
    work = tmp / f"{size}{variant}"
    built = quality.build_retrievers(work, embedder, quality.CHOOSING, (size,))
    return {group: retriever for (_, group), retriever in built.items()}


def measure(retrievers: dict, questions: dict) -> dict:
    from qa.answering.answer import make_answer
    from qa.evaluation.evaluate import _judge, score

    values = {}
    for spec in quality.CHOOSING:
        retriever, texts = retrievers[spec.corpus_group]
        judged = [
            _judge(
                item, make_answer(retriever.retrieve(item.question, item.history, k=K), texts), 0
            )
            for item in questions[spec.name]
        ]
        values[spec.name] = {
            **score(judged).values,
            "n": sum(i.in_scope for i in questions[spec.name]),
        }
    return values


# ---------------------------------------------------------------------------- a learned combination


_SIGNALS = ("dense", "lexical", "sentence")


def _candidate_features(candidates) -> np.ndarray:
    """Per candidate: its three signals (raw, against the question's best, reciprocal and log
    rank), the fused score, its rank, its length and its confidence."""
    dense = np.array([c.dense for c in candidates])
    lexical = np.array([c.lexical for c in candidates])
    sentence = np.array([c.sentence for c in candidates])
    fused = np.array([c.fused for c in candidates])
    ranks = {k: np.array([c.ranks[k] for c in candidates]) for k in _SIGNALS}
    return np.c_[
        dense,
        dense - dense.max(),
        lexical / (lexical.max() or 1.0),
        sentence,
        sentence - sentence.max(),
        fused / fused.max(),
        *(1.0 / r for r in ranks.values()),
        *(np.log(r) for r in ranks.values()),
        1.0 / np.arange(1, len(candidates) + 1),
        np.array([len(c.chunk.text) for c in candidates]) / 1000.0,
        np.array([c.confidence for c in candidates]),
    ]


def _fit_logistic(rows, l2: float):
    """Pointwise logistic regression of "the passage hits", each question weighing the same."""
    x = np.vstack([f for f, _ in rows])
    y = np.concatenate([t for _, t in rows])
    w = np.concatenate([np.full(len(t), 1.0 / len(t)) for _, t in rows])
    mu, sd = x.mean(0), x.std(0) + 1e-9
    xb = np.c_[(x - mu) / sd, np.ones(len(x))]
    beta = np.zeros(xb.shape[1])
    ridge = l2 * np.diag(np.r_[np.ones(len(beta) - 1), 0.0])
    for _ in range(30):
        p = 1 / (1 + np.exp(-xb @ beta))
        hess = (xb * (w * p * (1 - p))[:, None]).T @ xb + ridge
        beta -= np.linalg.solve(hess, xb.T @ (w * (p - y)) + ridge @ beta)
    return lambda f: np.c_[(f - mu) / sd, np.ones(len(f))] @ beta


def _ranked(rows, scorer) -> dict:
    ranks = []
    for features, hits in rows:
        found = np.flatnonzero(hits[np.argsort(-scorer(features), kind="stable")][:K])
        ranks.append(found[0] + 1 if found.size else None)
    n = len(ranks) or 1
    return {
        "hit@1": sum(r == 1 for r in ranks if r) / n,
        "mrr@10": sum(1 / r for r in ranks if r) / n,
        "hit@5": sum(r <= 5 for r in ranks if r) / n,
        "n": len(ranks),
    }


def learned_combination(retrievers: dict, questions: dict, depth: int = 30) -> None:
    """A logistic re-ranker of the top `depth` over the candidates' signals, fitted on the other
    corpora and measured on the one left out (as `make quality` chooses), per ridge strength."""
    from qa.evaluation.evaluate import passage_hits

    rows = {}
    for spec in quality.CHOOSING:
        retriever, _ = retrievers[spec.corpus_group]
        rows[spec.name] = []
        for item in (i for i in questions[spec.name] if i.in_scope):
            found = retriever.retrieve(item.question, item.history, k=depth).candidates
            hits = np.array([passage_hits(c.chunk.text, item) for c in found], float)
            rows[spec.name].append((_candidate_features(found), hits))
    group = {s.name: s.corpus_group for s in quality.CHOOSING}
    for l2 in (0.1, 1.0, 10.0):
        values = {}
        for name in rows:
            train = [r for other, rs in rows.items() if group[other] != group[name] for r in rs]
            values[name] = _ranked(rows[name], _fit_logistic(train, l2))
        print(line(f"learned re-ranker, ridge {l2}, left out", values), flush=True)


def line(label: str, values: dict) -> str:
    cells = " ".join(
        f"{v['hit@1']:.2f}/{v['mrr@10']:.2f}/{v['hit@5']:.2f}" for v in values.values()
    )
    scores = [((v["hit@1"] + v["mrr@10"]) / 2, v["n"]) for v in values.values()]
    mean = np.mean([s for s, _ in scores])
    pooled = sum(s * n for s, n in scores) / sum(n for _, n in scores)
    return f"{label:40} {cells}  {mean:.3f}  {pooled:.3f}"


LEVERS = {
    "shipped": _Lever(),
    "paragraph signal, weight 1.0": _Lever(paragraph=1.0),
    "paragraph signal, weight 0.5": _Lever(paragraph=0.5),
    "paragraph vectors for chunk dense": _Lever(paragraph="replace"),
    "two best sentences, second x0.3": _Lever(two_best=0.3),
    "two best sentences, second x0.6": _Lever(two_best=0.6),
    "paragraph's first sentence +0.03": _Lever(first_bonus=0.03),
    "paragraph's first sentence +0.06": _Lever(first_bonus=0.06),
    "paragraph's first sentence +0.1": _Lever(first_bonus=0.1),
    "RM3: 3 chunks, beta 0.3, 10 words": _Lever(rm3=(3, 0.3, 10)),
    "RM3: 3 chunks, beta 0.5, 10 words": _Lever(rm3=(3, 0.5, 10)),
    "RM3: 5 chunks, beta 0.3, 20 words": _Lever(rm3=(5, 0.3, 20)),
    "RM3: 2 chunks, beta 0.2, 5 words": _Lever(rm3=(2, 0.2, 5)),
    "dense feedback: 1 chunk, beta 0.3": _Lever(dense_prf=(1, 0.3)),
    "dense feedback: 3 chunks, beta 0.3": _Lever(dense_prf=(3, 0.3)),
    "dense feedback: 3 chunks, beta 0.6": _Lever(dense_prf=(3, 0.6)),
}


def main() -> int:
    from qa.evaluation.evaluate import load_questions
    from qa.index.embed import load_embedder

    embedder = quality.CachingEmbedder(load_embedder())
    questions = {s.name: load_questions(s.questions).items for s in quality.CHOOSING}
    print(" " * 41 + " ".join(f"{s.name[:14]:14}" for s in quality.CHOOSING) + "  mean  pooled")
    with tempfile.TemporaryDirectory() as tmp:
        shipped = build(Path(tmp), embedder, 250)
        for label, lever in LEVERS.items():
            with lever.active(shipped):
                print(line(label, measure(shipped, questions)), flush=True)
        learned_combination(shipped, questions)
        for label, context in (
            (
                "embedded with the title, no section",
                lambda title, section, text: f"{title}\n{text}",
            ),
            ("embedded alone, no title or section", lambda title, section, text: text),
        ):
            with _embedding_context(context):
                print(line(label, measure(build(Path(tmp), embedder, 250, label), questions)))
        for size in (120, 180):
            print(
                line(
                    f"chunks of {size} word pieces",
                    measure(build(Path(tmp), embedder, size), questions),
                ),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
