"""The weights of retrieval's fusion and of its confidence model, in one frozen record.

The trade-off: a flat record of numbers (what `make quality` chooses and `qa calibrate` and the
tests can replace field by field) rather than one object per stage.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RetrievalSettings"]


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
    # Weight of section-heading words in a sentence's lexical score. 0: on readings whose headings
    # do not state the question a passage answers, heading words mislead more than they help.
    heading_weight: float = 0.0
    history_weight: float = 1.0  # weight of the words a follow-up takes from the earlier question
    # Confidence is the probability that the readings answer the question, from a logistic model of
    # four kinds of evidence: how close the closest sentence is in meaning, how much of the
    # question's weighted words one sentence (with its heading) holds, and how many names in the
    # question the readings mention and do not. Fitted on every question set that takes part in
    # choices (bench/quality.py's CHOOSING), with general questions as unanswerable (left-out
    # figures in the README), so 0.5 means even odds on any corpus.
    conf_bias: float = -8.0
    conf_dense: float = 20.766
    conf_lexical: float = 4.796
    # Slightly negative: a name the readings mention already lifts the lexical share, and questions
    # beside the point of a reading often name its people and things.
    conf_known_name: float = -0.2
    conf_unknown_name: float = 2.175
