"""Choose the refusal threshold from a question set with in-scope and out-of-scope questions.

The assistant refuses when an answer's confidence is below the threshold. Every threshold worth
trying lies midway between two neighbouring confidences of the set (or just below the lowest:
refuse nothing), so the sweep is exact, not a grid. The default rule takes the best refusal F1
among thresholds that wrongly refuse at most 3% of in-scope questions, since a wrong refusal
hides an answer the reading has while a missed refusal still shows its passages as "you might
look at". The trade-off: a threshold fitted on a small set is only as good as the set is typical.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import QuestionSetError, UsageError
from ..index.store import CONFIDENCE_SCALE
from .evaluate import EvalRun, QuestionResult, rethreshold, score

__all__ = [
    "RULES",
    "TradeoffRow",
    "TRADEOFF_HEADERS",
    "tradeoff_cells",
    "Calibration",
    "tradeoff",
    "choose_threshold",
    "calibration_record",
]

RULES = {
    "f1": "best refusal F1",
    "recall": "most out-of-scope questions refused",
    "balanced": "largest out-of-scope refusal rate minus wrong refusal rate",
}
DEFAULT_MAX_WRONG_REFUSAL = 0.03
REFUSAL_METRICS = (
    "oos_refusal_rate",
    "wrong_refusal_rate",
    "refusal_precision",
    "refusal_recall",
    "refusal_f1",
    "answer_in_highlight",
)


@dataclass(frozen=True)
class TradeoffRow:
    """The refusal figures at one threshold; `gap` is the distance between the scores it splits."""

    threshold: float
    gap: float
    refused_in_scope: int
    refused_out_of_scope: int
    values: dict[str, float | None]


# The columns of a trade-off table (`qa calibrate`, the Calibrate tab), filled by `tradeoff_cells`.
TRADEOFF_HEADERS = ("threshold", "OOS refused", "wrong refusals", "precision", "recall", "F1")


def tradeoff_cells(row: TradeoffRow, extra: tuple[str, ...] = ()) -> list[str]:
    """A trade-off row as the cells of `TRADEOFF_HEADERS`, then those of the `extra` figures.

    Example: a row at 0.25 refusing 9 of 10 out of scope and 1 of 43 in scope ->
    ['0.2500', '9 (0.90)', '1 (0.023)', '0.900', '0.900', '0.900']
    """
    v = row.values
    figures = ("refusal_precision", "refusal_recall", "refusal_f1", *extra)
    return [
        f"{row.threshold:.4f}",
        f"{row.refused_out_of_scope} ({v['oos_refusal_rate']:.2f})",
        f"{row.refused_in_scope} ({v['wrong_refusal_rate']:.3f})",
        *("–" if v[k] is None else f"{v[k]:.3f}" for k in figures),
    ]


@dataclass(frozen=True)
class Calibration:
    """The sweep and the row the rule chose."""

    rule: str
    max_wrong_refusal: float
    rows: tuple[TradeoffRow, ...]
    chosen: TradeoffRow


def _candidates(confidences: Sequence[float]) -> list[tuple[float, float]]:
    """(threshold, gap) pairs: just below the lowest score, then midway between neighbouring scores.

    Below the lowest score by half the mean gap between scores.

    Example: [0.2, 0.5, 0.5, 0.9] -> about [(0.025, 0.175), (0.35, 0.3), (0.7, 0.4)]
    """
    unique = sorted(set(confidences))
    if not unique:
        return []
    spread = (unique[-1] - unique[0]) / max(1, len(unique) - 1) or 0.1
    pairs = [(unique[0] - spread / 2, spread / 2)]
    pairs += [((a + b) / 2, b - a) for a, b in itertools.pairwise(unique)]
    return pairs


def tradeoff(results: Sequence[QuestionResult]) -> list[TradeoffRow]:
    """The refusal figures at every threshold worth trying, lowest threshold first."""
    rows = []
    for threshold, gap in _candidates([r.confidence for r in results if r.passages]):
        s = score(rethreshold(results, threshold))
        rows.append(
            TradeoffRow(
                threshold,
                gap,
                s.counts["refused_in_scope"],
                s.counts["refused_out_of_scope"],
                {k: s.values[k] for k in REFUSAL_METRICS},
            )
        )
    return rows


def _objective(row: TradeoffRow, rule: str) -> float:
    v = row.values
    if rule == "f1":
        return v["refusal_f1"] or 0.0
    if rule == "recall":
        return v["oos_refusal_rate"] or 0.0
    return (v["oos_refusal_rate"] or 0.0) - (v["wrong_refusal_rate"] or 0.0)


def choose_threshold(
    results: Sequence[QuestionResult],
    rule: str = "f1",
    max_wrong_refusal: float = DEFAULT_MAX_WRONG_REFUSAL,
) -> Calibration:
    """Pick the threshold by `rule` among those wrongly refusing at most `max_wrong_refusal` of
    in-scope questions.

    Ties go to fewer wrong refusals, then to the wider gap between the neighbouring scores (the
    choice least sensitive to small score changes), then to the lower threshold.

    Raises:
        UsageError: an unknown rule or a limit outside 0..1.
        QuestionSetError: the set lacks in-scope or out-of-scope questions.
    """
    if rule not in RULES:
        raise UsageError(f"--rule {rule}: choose one of {', '.join(RULES)}.")
    if not 0.0 <= max_wrong_refusal <= 1.0:
        raise UsageError(
            f"--max-wrong-refusal {max_wrong_refusal}: give a share between 0 and 1 (e.g. 0.03)."
        )
    inside = sum(r.item.in_scope for r in results)
    if not inside or inside == len(results):
        raise QuestionSetError(
            f"calibration needs both in-scope and out-of-scope questions (this set has {inside} in "
            f"scope, {len(results) - inside} out of scope); "
            "add questions without answer or evidence that the reading does not cover."
        )
    rows = tradeoff(results)
    feasible = [
        r for r in rows if (r.values["wrong_refusal_rate"] or 0.0) <= max_wrong_refusal + 1e-12
    ]
    chosen = max(
        feasible,
        key=lambda r: (
            _objective(r, rule),
            -(r.values["wrong_refusal_rate"] or 0.0),
            r.gap,
            -r.threshold,
        ),
    )
    return Calibration(rule, max_wrong_refusal, tuple(rows), chosen)


def calibration_record(calibration: Calibration, run: EvalRun) -> dict:
    """What `qa calibrate` stores with the index (`qa.index.store.write_calibration`)."""
    return {
        "threshold": calibration.chosen.threshold,
        "rule": calibration.rule,
        "rule_text": RULES[calibration.rule],
        "max_wrong_refusal": calibration.max_wrong_refusal,
        "questions": run.questions.path,
        "questions_sha256": run.questions.sha256,
        "model": run.model,
        "scale": CONFIDENCE_SCALE,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "metrics": {
            k: (None if v is None else round(v, 4)) for k, v in calibration.chosen.values.items()
        },
    }
