"""Choose the refusal threshold with no question set: `qa calibrate --auto`.

A new course's readings come with no questions, so the two sides of a refusal threshold are made:
the unanswerable side is the bundled list of general questions no course reading answers
(`qa/defaults/general-questions.txt`), asked of these readings; the answerable side is questions
made from the readings themselves (their section headings, and sentences turned into questions of
their rarest words).

The rule: the lowest threshold that still refuses every general question, never above the shipped
threshold (even odds, 0.5, for a model without one). If a new question off every reading's topic
is as likely as any of the n general ones to score highest (exchangeable with them), it outscores
all n with probability at most 1/(n + 1): the conformal bound, so no margin is added. Where general
questions score far below even odds on a corpus, a question that outscores all of them is told
apart from unrelated ones and answered; where they score high, the shipped threshold stands. The
questions made from the readings only measure the choice (how many of them it would refuse): they
are easier than a student's, so a rule fitted to them would set the threshold too high.

On readings mostly in another language than English (the general questions' language) that
ceiling is kept.

The trade-off: the general questions stand for questions off the reading's topic; questions close
to its topic but not covered by it (another tool's FAQ beside this one's) are not exchangeable with
them and can score above them, which is why the threshold is never raised past the shipped one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources

from ..answering.language import looks_english
from ..answering.question import STOP_WORDS, WORD, terms
from ..answering.retrieve import Retriever
from ..index.store import CONFIDENCE_SCALE, Index, corpus_fingerprint

__all__ = [
    "AutoCalibration",
    "auto_threshold",
    "auto_calibrate",
    "calibrate_assistant",
    "english_share",
    "spread",
    "auto_record",
    "general_questions",
    "reading_questions",
]

READING_SENTENCES = 60  # sentences turned into questions (evenly spread over the readings)
READING_HEADINGS = 20  # section headings turned into questions
KEYWORDS = 5  # the rarest words of a sentence its question keeps
EVEN_ODDS = 0.5  # the ceiling for a model without a shipped threshold
MIN_ENGLISH = 0.5  # share of English-looking sentences below which the ceiling is kept
MIN_SENTENCE_WORDS = 8  # shorter sentences make questions of too few words


def general_questions() -> list[str]:
    """The bundled general questions (one a line; '#' starts a comment)."""
    text = resources.files("qa").joinpath("defaults/general-questions.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def spread(items: Sequence, n: int) -> list:
    """Up to `n` of the items, evenly spaced from the first to near the last.

    Example: (range(10), 3) -> [0, 3, 6]; (range(2), 5) -> [0, 1]
    """
    size = len(items)
    return [items[i * size // n] for i in range(n)] if size > n else list(items)


def _content_words(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if w.lower() not in STOP_WORDS and len(w) > 2]


def reading_questions(
    headings: Sequence[str],
    sentences: Sequence[str],
    rarity: Callable[[str], float],
) -> list[str]:
    """Questions made from the readings: headings asked about, sentences' rarest words asked about.

    Args:
        headings: the readings' section headings.
        sentences: the readings' sentences, in reading order.
        rarity: how rare a word is in the readings (its IDF); the rarest words of a sentence are
            the ones a question about it would use.

    Example: (['Troop levels'], ['About 28,500 US troops are stationed in South Korea today.'],
              rarity of 500 > troops > stationed > today > South = Korea) ->
             ['What about Troop levels?', 'What about 500 troops stationed South today?']
    """
    questions = []
    for heading in dict.fromkeys(h.strip() for h in headings if h and h.strip()):
        if len(_content_words(heading)) >= 2:
            questions.append(heading if heading.endswith("?") else f"What about {heading}?")
        if len(questions) >= READING_HEADINGS:
            break
    long_enough = [
        s
        for s in sentences
        if len(WORD.findall(s)) >= MIN_SENTENCE_WORDS and len(_content_words(s)) >= 2
    ]
    for sentence in spread(long_enough, READING_SENTENCES):
        words = _content_words(sentence)
        rarest = sorted(range(len(words)), key=lambda i: -rarity(words[i]))[:KEYWORDS]
        questions.append("What about " + " ".join(words[i] for i in sorted(rarest)) + "?")
    return questions


def auto_threshold(general: Sequence[float], ceiling: float | None) -> float:
    """The lowest threshold that refuses every general question, never above `ceiling`.

    Just above the highest general confidence: if a new question off every reading's topic is as
    likely as any of the n general ones to score highest, it scores above all n with probability
    at most 1/(n + 1) (the conformal bound), so it is answered that rarely; a margin on top would
    only refuse more of the questions the readings answer.

    Example: ([0.1, 0.2, 0.25], 0.5) -> 0.25000000000000006; ([0.1, 0.7], 0.5) -> 0.5
    """
    if not general:
        return ceiling if ceiling is not None else 0.0
    threshold = math.nextafter(max(general), math.inf)  # refused: confidence below the threshold
    return threshold if ceiling is None else min(ceiling, threshold)


def _refused(confidences: Sequence[float], threshold: float) -> float | None:
    return sum(c < threshold for c in confidences) / len(confidences) if confidences else None


@dataclass(frozen=True)
class AutoCalibration:
    """The chosen threshold and what it, and the shipped one, refuse of each side."""

    threshold: float
    shipped: float | None
    general: tuple[float, ...]  # confidence of each general question
    made: tuple[str, ...]  # the questions made from the readings
    made_confidence: tuple[float, ...]
    english: float = 1.0  # share of the readings' sentences that look English

    def figures(self, threshold: float | None) -> dict[str, float | None]:
        """Shares refused at a threshold: general questions (should be 1) and questions made from
        the readings (an estimate of wrong refusals, on questions easier than students')."""
        if threshold is None:
            return {"general_refused": None, "reading_questions_refused": None}
        return {
            "general_refused": _refused(self.general, threshold),
            "reading_questions_refused": _refused(self.made_confidence, threshold),
        }

    def language_note(self) -> str | None:
        """Why the threshold was not lowered, when the readings are mostly not English."""
        if self.english >= MIN_ENGLISH:
            return None
        return (
            f"Only {self.english:.0%} of the readings' sentences look English, the language of "
            "the general questions, so the threshold is not lowered."
        )


def auto_calibrate(
    retriever: Retriever,
    shipped: float | None,
    confidence: Callable[[str], float] | None = None,
) -> AutoCalibration:
    """Ask the general questions and questions made from the readings; choose the threshold.

    Args:
        retriever: retrieval over the loaded index: its sections and sentences make the questions,
            its word statistics say which words are rare, and it scores every question.
        shipped: the shipped threshold, the ceiling (None for a model with none: even odds).
        confidence: a question's confidence that the readings answer it; None: the retriever's.
    """
    lexicon = retriever.lexicon
    if confidence is None:
        confidence = lambda question: retriever.retrieve(question, k=1).confidence  # noqa: E731

    def rarity(word: str) -> float:
        stems = terms(word, lexicon.stem)
        return lexicon.idf.get(stems[0], lexicon.idf_unseen) if stems else 0.0

    sentences = retriever.sentences.texts  # read once when the index was loaded
    headings = [c.section or "" for c in retriever.index.chunks]
    made = reading_questions(headings, sentences, rarity)
    general = tuple(confidence(q) for q in general_questions())
    made_confidence = tuple(confidence(q) for q in made)
    english = english_share(sentences)
    # Never above the shipped threshold; for a model that has none, even odds (what the
    # confidence, a probability, means on any model).
    ceiling = shipped if shipped is not None else EVEN_ODDS
    # The general questions are English: on readings mostly in another language every English
    # question scores low, so their highest score says nothing of a question in that language.
    threshold = auto_threshold(general, ceiling) if english >= MIN_ENGLISH else ceiling
    return AutoCalibration(threshold, shipped, general, tuple(made), made_confidence, english)


def english_share(sentences: Sequence[str], sample: int = 200) -> float:
    """The share of the sentences (up to `sample`, spread evenly) that look English.

    Example: (['The troops stay.', 'Las tropas se quedan en Corea del Sur.']) -> 0.5
    """
    picked = spread(sentences, sample)
    return sum(looks_english(s) for s in picked) / len(picked) if picked else 1.0


def auto_record(result: AutoCalibration, index: Index) -> dict:
    """What `qa calibrate --auto` stores with the index (`qa.index.store.write_calibration`)."""

    def rounded(values: dict) -> dict:
        return {k: None if v is None else round(v, 4) for k, v in values.items()}

    return {
        "threshold": result.threshold,
        "rule": "auto",
        "rule_text": "the lowest threshold refusing every bundled general question, never above "
        "the shipped one",
        "questions": f"{len(result.general)} bundled general questions, {len(result.made)} "
        "questions made from the readings",
        "corpus_sha256": corpus_fingerprint(index.manifest.files),
        "model": index.manifest.settings.model,
        "scale": CONFIDENCE_SCALE,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "metrics": rounded(result.figures(result.threshold)),
        "readings_english_share": round(result.english, 3),
        "shipped_threshold": result.shipped,
        "shipped_metrics": rounded(result.figures(result.shipped)),
    }


def calibrate_assistant(assistant) -> tuple[AutoCalibration, dict]:
    """`auto_calibrate` on an assistant's index, capped at the shipped threshold when it is of the
    index's model (else at even odds); returns the result and the record to store."""
    from ..index.store import default_calibration

    retriever = assistant.retriever  # one index throughout, even if another is swapped in
    index = retriever.index
    shipped = default_calibration()
    ceiling = (
        float(shipped["threshold"])
        if shipped.get("model") == index.manifest.settings.model
        else None
    )
    result = auto_calibrate(retriever, ceiling)
    return result, auto_record(result, index)
