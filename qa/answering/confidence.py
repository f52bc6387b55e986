"""How sure retrieval is that the readings answer a question: a logistic model of its evidence.

The trade-off: four numbers any retrieval has at hand (closest meaning, best word overlap, names
known and unknown) rather than a second model reading the passage; the weights were fitted across
corpora (bench/quality.py), so 0.5 means even odds without a question set of one's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .settings import RetrievalSettings

__all__ = ["IDENTITY_HELD_CONFIDENCE", "Evidence", "answerable"]


@dataclass(frozen=True)
class Evidence:
    """What the confidence of a retrieval is made of (the logistic model's inputs)."""

    dense: float  # the closest sentence's cosine similarity to the question
    lexical: float  # the largest share of the question's weighted words one sentence holds
    known_names: int  # names in the question that the readings mention
    unknown_names: int  # names in the question no reading mentions
    identity: bool = False  # the question asks only who or what something is (`asks_identity`)


# A question that asks only who or what something is ("Who is Gen. Xavier Brunson?"), when one
# sentence holds every one of its words, is taken to be answered with at least this confidence:
# the sentence names what was asked about. The model alone can miss it, because a bare name gives
# the embedding little meaning to match ("Who is Gen. Xavier Brunson?" scored 0.48 against the
# sentence that names him commander of USFK). Measured over every question set and the 120
# general questions on each set's readings: of 7 in-scope, 13 out-of-scope and 161 general
# questions asking who or what something is, the rule holds for 6 in scope and for none of the
# others; Laplace's rule of succession makes that (6 + 1) / (6 + 2).
IDENTITY_HELD_CONFIDENCE = 0.875


def answerable(settings: RetrievalSettings, evidence: Evidence) -> float:
    """The confidence that the readings answer a question: a logistic model of its evidence.

    Example: (defaults, Evidence(dense=0.45, lexical=0.5, known_names=0, unknown_names=0)) -> 0.977
    """
    z = (
        settings.conf_bias
        + settings.conf_dense * evidence.dense
        + settings.conf_lexical * evidence.lexical
        + settings.conf_known_name * evidence.known_names
        - settings.conf_unknown_name * evidence.unknown_names
    )
    confidence = 1.0 / (1.0 + math.exp(-z))
    if evidence.identity and evidence.lexical >= 1.0 - 1e-4:  # (float32 sums: 0.99999994)
        confidence = max(confidence, IDENTITY_HELD_CONFIDENCE)
    return float(confidence)
