"""How sure retrieval is that the readings answer a question: a logistic model of its evidence.

The trade-off: four numbers any retrieval has at hand (closest meaning, best word overlap, names
known and unknown) rather than a second model reading the passage; the weights were fitted across
corpora (bench/quality.py), so 0.5 means even odds without a question set of one's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .settings import RetrievalSettings

__all__ = ["NAMED_PERSON_CONFIDENCE", "Evidence", "answerable"]


@dataclass(frozen=True)
class Evidence:
    """What the confidence of a retrieval is made of (the logistic model's inputs)."""

    dense: float  # the closest sentence's cosine similarity to the question
    lexical: float  # the largest share of the question's weighted words one sentence holds
    known_names: int  # names in the question that the readings mention
    unknown_names: int  # names in the question no reading mentions


# A question that asks only who someone named is ("Who is Gen. Xavier Brunson?"), answered with
# a sentence that holds every word of the name, is answered with at least this confidence: the
# sentence names that person. The model alone can miss it, because a bare name gives the
# embedding little meaning to match ("Who is Gen. Xavier Brunson?" scored 0.48 against the
# sentence that names him commander of USFK). See `retrieve.Retriever.retrieve` for the measure.
NAMED_PERSON_CONFIDENCE = 0.875


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
    return float(1.0 / (1.0 + math.exp(-z)))
