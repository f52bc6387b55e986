"""The arithmetic of retrieval: sentence scores, each chunk's best sentence, reciprocal-rank fusion.

Pure functions over arrays: a sentence's score mixes its meaning (cosine to the question), the
share of the question's weighted words it holds, and the kinds of fact it has; a sentence that
continues the one before is also scored read together with it, and keeps the better; a line of
code, unless read with the sentence that introduces it, ranks below every sentence of prose.
Chunks are then ranked on three signals (dense, BM25, best sentence) fused by reciprocal rank.
The trade-off:
rank fusion ignores how far apart scores are, which is what lets signals on different scales mix
without tuning a scale for each corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import SentenceTerms
from .settings import RetrievalSettings

__all__ = [
    "SentenceScores",
    "best_per_chunk",
    "reciprocal_rank_fusion",
    "score_sentences",
    "shown_score",
]

# Taken off the score of a code sentence (and of two read together), more than any prose sentence's
# score can differ from another's (cosine ≤ 1, word share ≤ 1, a few kinds of fact): a passage is
# ranked by its prose, and a line of code is marked alone only in a passage with none. Code read
# with the sentence that introduces it ("Put this in your .profile:") is quoted with it and keeps
# the pair's score. No weight to fit: any amount past that spread ranks alike.
_CODE_BELOW_PROSE = 100.0


@dataclass(frozen=True)
class SentenceScores:
    """Every scored sentence's parts and total."""

    similarity: np.ndarray  # cosine to the question
    coverage: np.ndarray  # share of the question's weighted words the sentence (and heading) holds
    score: np.ndarray  # the mix, or the sentence read with the one it continues where better
    read_with_previous: np.ndarray  # bool: the score is that of the sentence with the one before
    code: np.ndarray  # bool: the sentence is code


def _coverage(words, heading, weights: np.ndarray, total: float, heading_weight: float):
    return np.asarray(words @ weights + heading_weight * (heading @ weights), dtype=np.float32) / (
        total or 1.0
    )


def score_sentences(
    similarity: np.ndarray,
    terms: SentenceTerms,
    fact_counts: np.ndarray,
    weights: np.ndarray,
    total: float,
    settings: RetrievalSettings,
) -> SentenceScores:
    """Score sentences alone and, where one continues the one before, together with it.

    Args:
        similarity: each sentence's cosine to the question.
        terms: the sentences' word matrices (`SentenceFeatures.terms` or a `take` of it).
        fact_counts: how many of the asked kinds of fact each sentence holds.
        weights, total: the question's word weights by vocabulary column, and their sum.
    """
    s = settings
    coverage = _coverage(terms.own, terms.heading, weights, total, s.heading_weight)
    # A sentence pointing to another part of the reading holds the one kind of fact no question
    # asks for, where else to look: it loses what an answer type gains.
    facts = fact_counts - terms.pointer
    score = s.sent_dense * similarity + s.sent_lexical * coverage + s.sent_type * facts
    score[terms.code] -= _CODE_BELOW_PROSE
    read_with_previous = np.zeros(len(similarity), dtype=bool)
    later = terms.continues
    if later.size:
        earlier = terms.previous[later]
        pair_similarity = (similarity[later] + similarity[earlier]) / terms.window_norm[later]
        pair_coverage = _coverage(
            terms.window[later], terms.heading[later], weights, total, s.heading_weight
        )
        pair_score = s.context * (
            s.sent_dense * pair_similarity
            + s.sent_lexical * pair_coverage
            + s.sent_type
            * (
                np.maximum(fact_counts[later], fact_counts[earlier])
                - (terms.pointer[later] | terms.pointer[earlier])
            )
        )
        pair_score[terms.code[later] & terms.code[earlier]] -= _CODE_BELOW_PROSE
        better = pair_score > score[later]
        score[later[better]] = pair_score[better]
        read_with_previous[later[better]] = True
    return SentenceScores(similarity, coverage, score, read_with_previous, terms.code)


def shown_score(score: float) -> str:
    """A sentence score as `qa ask --explain` shows it: a code sentence's without the amount that
    ranks it below prose, marked "code".

    Example: -99.2 -> '0.800 code'; 0.8 -> '0.800'
    """
    if score < -_CODE_BELOW_PROSE / 2:
        return f"{score + _CODE_BELOW_PROSE:.3f} code"
    return f"{score:.3f}"


def best_per_chunk(score: np.ndarray, chunk_start: np.ndarray) -> np.ndarray:
    """The best sentence score of each chunk, chunks given by their first sentence's position."""
    return np.maximum.reduceat(score, chunk_start)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, highest value first; equal values share the best of their ranks.

    Example: [0.0, 0.9, 0.0, 0.3] -> [3, 1, 3, 2]
    """
    order = np.argsort(-values, kind="stable")
    ordered = values[order]
    # Where a run of equal values starts, its position + 1; carried along the run.
    starts = np.r_[True, ordered[1:] != ordered[:-1]] if ordered.size else np.zeros(0, bool)
    run_rank = np.maximum.accumulate(np.where(starts, np.arange(1, values.size + 1), 0))
    rank = np.empty(values.size, dtype=np.int64)
    rank[order] = run_rank
    return rank


def reciprocal_rank_fusion(
    signals: dict[str, tuple[np.ndarray, float]], rrf_k: float
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Fuse signals by weighted reciprocal rank: sum of weight / (rrf_k + rank), ranks from 1.

    Items with equal values of a signal share its rank (the best of theirs): the chunks without a
    word of the question all rank alike on BM25, instead of the reading's first ones ranking above
    its last.

    Args:
        signals: name -> (a value per item, higher better; the signal's weight).

    Returns:
        (the fused score per item, each signal's rank per item).

    Example: {'a': ([0.9, 0.1], 1.0)}, rrf_k=60 -> ([1/61, 1/62], {'a': [1, 2]})
    """
    size = len(next(iter(signals.values()))[0])
    fused = np.zeros(size, dtype=np.float64)
    ranks: dict[str, np.ndarray] = {}
    for name, (values, weight) in signals.items():
        rank = _ranks(np.asarray(values))
        ranks[name] = rank
        fused += weight / (rrf_k + rank)
    return fused, ranks
