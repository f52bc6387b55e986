"""Retrieval -> Answer: the direct answer, the cited passages, or an honest refusal.

Every word offered as an answer is a sentence quoted from a reading; below the calibrated
confidence the answer says the reading does not cover the question and the passages are offered
only as places to look. `Answer.to_json()` is the one place the JSON answer is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..readings.records import citation_label
from .language import with_language_notice
from .retrieve import Retrieval

__all__ = ["Passage", "Answer", "make_answer", "NOT_COVERED", "EMPTY_QUESTION"]

NOT_COVERED = "The reading does not cover this question."
EMPTY_QUESTION = "Please type a question about the reading."


@dataclass(frozen=True)
class Passage:
    """One cited passage: its text, where it stands, and its answering sentence."""

    rank: int
    id: str
    doc: str
    title: str
    section: str | None
    paragraph: int
    paragraphs: tuple[int, ...]
    page: int | None
    start: int
    end: int
    text: str
    score: float
    highlight: str
    highlight_start: int  # offsets into the reading's text
    highlight_end: int

    @property
    def citation(self) -> str:
        return citation_label(self.title, self.section, self.paragraph, self.page)

    def split_at_highlight(self) -> tuple[str, str, str]:
        """The passage's text as (before, the answering sentence, after), for marking it.

        The sentence's offsets are kept inside the passage, so the three parts always join back
        into `text`.
        Example: text 'Tides rise. The Moon pulls. Seas move.' with the highlight on its second
        sentence -> ('Tides rise. ', 'The Moon pulls.', ' Seas move.')
        """
        start = max(0, min(len(self.text), self.highlight_start - self.start))
        end = max(start, min(len(self.text), self.highlight_end - self.start))
        return self.text[:start], self.text[start:end], self.text[end:]

    def to_json(self) -> dict:
        return {
            "rank": self.rank,
            "id": self.id,
            "text": self.text,
            "doc": self.doc,
            "title": self.title,
            "section": self.section,
            "paragraph": self.paragraph,
            "paragraphs": list(self.paragraphs),
            "page": self.page,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "highlight": self.highlight,
            "highlight_start": self.highlight_start,
            "highlight_end": self.highlight_end,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class Answer:
    """What the assistant says to one question."""

    question: str
    abstained: bool
    answer: str
    highlight: str
    confidence: float
    threshold: float
    passages: tuple[Passage, ...]
    notice: str | None = None
    query: str = ""

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "abstained": self.abstained,
            "answer": self.answer,
            "highlight": self.highlight,
            "confidence": round(self.confidence, 4),
            "threshold": round(self.threshold, 4),
            "notice": self.notice,
            "passages": [p.to_json() for p in self.passages],
        }


def make_answer(retrieval: Retrieval, texts: dict[str, str]) -> Answer:
    """Turn a retrieval into an answer.

    Args:
        retrieval: the ranked candidates.
        texts: reading id -> the reading's text (to quote sentences exactly).

    Returns:
        The answer; `abstained` when the question is empty or the confidence is below the threshold.
    """
    passages = []
    for rank, cand in enumerate(retrieval.candidates, 1):
        chunk = cand.chunk
        if chunk.sentences:
            hs, he = cand.highlight
            para = chunk.sentences[cand.best_sentence].paragraph
        else:
            hs, he, para = chunk.start, chunk.end, chunk.paragraphs[0]
        passages.append(
            Passage(
                rank=rank,
                id=chunk.id,
                doc=chunk.doc,
                title=chunk.title,
                section=chunk.section,
                paragraph=para,
                paragraphs=chunk.paragraphs,
                page=chunk.page,
                start=chunk.start,
                end=chunk.end,
                text=chunk.text,
                score=cand.fused,
                highlight=texts[chunk.doc][hs:he],
                highlight_start=hs,
                highlight_end=he,
            )
        )
    if not retrieval.question:
        return Answer(
            retrieval.question,
            True,
            EMPTY_QUESTION,
            "",
            0.0,
            retrieval.threshold,
            (),
            retrieval.notice,
            retrieval.query,
        )
    abstained = retrieval.abstained
    top = passages[0] if passages else None
    answer = NOT_COVERED if abstained or top is None else top.highlight
    highlight = "" if abstained or top is None else top.highlight
    made = Answer(
        retrieval.question,
        abstained,
        answer,
        highlight,
        retrieval.confidence,
        retrieval.threshold,
        tuple(passages),
        retrieval.notice,
        retrieval.query,
    )
    return with_language_notice(made)  # the model reads English best: say so where it matters
