"""How sure retrieval is that the readings answer a question: a logistic model of its evidence.

The trade-off: four numbers any retrieval has at hand (closest meaning, best word overlap, names
known and unknown) rather than a second model reading the passage; the weights were fitted across
corpora (bench/quality.py), so 0.5 means even odds without a question set of one's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .settings import RetrievalSettings

__all__ = ["Evidence", "answerable"]


@dataclass(frozen=True)
class Evidence:
    """What the confidence of a retrieval is made of (the logistic model's inputs)."""

    dense: float  # the closest sentence's cosine similarity to the question
    lexical: float  # the largest share of the question's weighted words one sentence holds
    known_names: int  # names in the question that the readings mention
    unknown_names: int  # names in the question no reading mentions


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
