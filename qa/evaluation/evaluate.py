"""Evaluate the assistant on a question set: read it, ask every question, score the answers.

A question set is JSONL or CSV (see `load_questions`). Each in-scope question names the evidence
that answers it (quotes from the reading) and/or a short expected answer; a question with neither
expects a refusal. A passage *hits* when it holds an evidence quote, or a contiguous run of at least
60% of the quote's words, comparing words only (case, punctuation and whitespace ignored); without
evidence, when it holds the expected answer. Retrieval metrics (hit@k, MRR@10) are computed on the
ranked passages whether or not the assistant refused, so they measure ranking alone and refusal is
scored separately; answer-in-highlight counts a refused in-scope question as a miss.
The trade-off: word-level matching is blind to paraphrase, which is what we want for quoted
answers, and a 60% run tolerates a quote that a chunk boundary cuts in two.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..answering.service import check_k
from ..errors import QuestionSetError, UsageError, bad_json_line

__all__ = [
    "METRICS",
    "LOWER_IS_BETTER",
    "QuestionItem",
    "RowProblem",
    "QuestionSet",
    "PassageResult",
    "QuestionResult",
    "Scores",
    "EvidenceCheck",
    "EvalRun",
    "check_evidence",
    "load_questions",
    "parse_questions",
    "words",
    "contains_quote",
    "passage_hits",
    "evaluate",
    "score",
    "hit_curve",
    "rethreshold",
    "parse_floor",
    "check_floors",
]

METRICS = (
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr@10",
    "answer_in_highlight",
    "oos_refusal_rate",
    "wrong_refusal_rate",
    "refusal_precision",
    "refusal_recall",
    "refusal_f1",
    "latency_p50_ms",
    "latency_p95_ms",
)
LOWER_IS_BETTER = frozenset({"wrong_refusal_rate", "latency_p50_ms", "latency_p95_ms"})
RUN_SHARE = 0.6  # share of a quote's words that must appear as one contiguous run
CSV_COLUMNS = ("question", "id", "answer", "evidence", "tags", "history")
CSV_SEPARATOR = "|"
JSONL_EXAMPLE = '{"question": "…", "answer": "…", "evidence": ["…"]}'


# ---------------------------------------------------------------------------- question sets


@dataclass(frozen=True)
class QuestionItem:
    """One question of a set and what a good answer to it holds."""

    id: str
    question: str
    answer: str | None = None
    evidence: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    line: int = 0

    @property
    def in_scope(self) -> bool:
        """True when the reading answers it (it names an answer or evidence); else a refusal is
        expected."""
        return bool(self.answer or self.evidence)


@dataclass(frozen=True)
class RowProblem:
    """A row that was skipped (or a header remark), with its line number."""

    line: int
    message: str


@dataclass(frozen=True)
class QuestionSet:
    """The usable questions of a file and the rows that were skipped."""

    path: str
    sha256: str
    items: tuple[QuestionItem, ...]
    problems: tuple[RowProblem, ...] = ()


def _strings(value, field: str, line: int) -> tuple[str, ...]:
    """A JSON value that should be a list of strings (a lone string counts as a list of one)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise ValueError(f'"{field}" must be a list of strings')
    return tuple(s for s in (str(v).strip() for v in value) if s)


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(s for s in (p.strip() for p in (cell or "").split(CSV_SEPARATOR)) if s)


def _item(fields: dict, line: int) -> QuestionItem:
    """Check one row's fields (already split into lists) and build the item; ValueError says what is
    wrong."""
    question = fields.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError('no "question" (a non-empty string is required)')
    answer = fields.get("answer")
    if answer is not None and not isinstance(answer, (str, int, float)):
        raise ValueError('"answer" must be a string')
    answer = str(answer).strip() if answer is not None else ""
    ident = fields.get("id")
    if ident is not None and not isinstance(ident, (str, int)):
        raise ValueError('"id" must be a string or a number')
    ident = str(ident).strip() if ident is not None else ""
    return QuestionItem(
        id=ident or f"line-{line}",
        question=" ".join(question.split()),
        answer=answer or None,
        evidence=_strings(fields.get("evidence"), "evidence", line),
        history=_strings(fields.get("history"), "history", line),
        tags=_strings(fields.get("tags"), "tags", line),
        line=line,
    )


def _jsonl_rows(text: str) -> Iterable[tuple[int, dict | None, str | None]]:
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError as exc:
            yield number, None, bad_json_line(exc, JSONL_EXAMPLE)
            continue
        except RecursionError:
            yield number, None, "not valid JSON (nested too deeply)"
            continue
        if not isinstance(obj, dict):
            yield number, None, "not a JSON object"
            continue
        yield number, obj, None


def _unclosed_quote(text: str) -> int | None:
    """The line on which a quoted CSV field opens and never closes, else None. (The csv module
    reads every line after such a quote into that one field, without a word.)

    Example: 'question,id\n"Who?,q1\nWhat?,q2\n' -> 2
    """
    quoted, field_start, line, opened = False, True, 1, 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\n":
            line += 1
        if quoted:
            if c == '"' and text[i + 1 : i + 2] == '"':
                i += 1  # a quote written twice is one quote inside the field
            elif c == '"':
                quoted = False
        elif c == '"' and field_start:  # a quote opens a field only at its start, as csv reads it
            quoted, opened, field_start = True, line, False
        else:
            field_start = c in ",\r\n"
        i += 1
    return opened if quoted else None


# Past these, a file is not a question set with a few stray quotes but one quoted some other way.
_MAX_UNCLOSED_QUOTES = 20


def _csv_rows(
    text: str, problems: list[RowProblem]
) -> Iterable[tuple[int, dict | None, str | None]]:
    lines = text.split("\n")
    first = next((n for n, raw in enumerate(lines, 1) if raw.strip()), 1)
    recovered = 0
    while (opened := _unclosed_quote(text)) is not None:
        recovered += 1
        if recovered > _MAX_UNCLOSED_QUOTES:  # (each recovery reads the file again)
            raise QuestionSetError(
                f"line {opened}: more than {_MAX_UNCLOSED_QUOTES} lines open a quote that never "
                "closes; check how the file quotes its fields (a quote inside a field is written "
                '"").'
            )
        if opened == first:
            raise QuestionSetError(
                f"line {opened}: the header row opens a quote that never closes; write the header "
                f"as {','.join(CSV_COLUMNS)}."
            )
        yield (
            opened,
            None,
            'a quote (") opens a field on this line and never closes, which would run every later '
            'line into that field; close it, or write a quote inside a quoted field as "" '
            "(the lines after it are read on their own)",
        )
        lines[opened - 1] = ""  # read the rest as if this row were not there
        text = "\n".join(lines)
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    start = 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [h.strip().lower() for h in row]
            if "question" not in header:
                raise QuestionSetError(
                    f'line {line}: the CSV header has no "question" column (columns: '
                    f"{', '.join(CSV_COLUMNS)})."
                )
            for name in header:
                if name not in CSV_COLUMNS:
                    problems.append(
                        RowProblem(
                            line,
                            f'unknown column "{name}" ignored (known: {", ".join(CSV_COLUMNS)})',
                        )
                    )
            continue
        if len(row) > len(header):
            yield (
                line,
                None,
                f"{len(row)} fields, but the header has {len(header)} (quote a field that holds a "
                "comma)",
            )
            continue
        cells = dict(zip(header, row, strict=False))  # a short row leaves the last columns empty
        fields = {
            "question": cells.get("question", ""),
            "id": cells.get("id") or None,
            "answer": cells.get("answer") or None,
        }
        for name in ("evidence", "tags", "history"):
            fields[name] = list(_split(cells.get(name)))
        yield line, fields, None
    if header is None:
        raise QuestionSetError("the CSV file has no header row.")


def parse_questions(text: str, kind: str, source: str = "<text>") -> QuestionSet:
    """Parse a question set given as text.

    Args:
        text: the file's content.
        kind: "jsonl" or "csv".
        source: the file name, for messages.

    Returns:
        The usable questions; bad rows are skipped and listed in `problems` with their line.

    Raises:
        QuestionSetError: when no row is usable (the message names the first problems).

    Example: '{"question": "Who?", "answer": "Ann"}' (jsonl) -> 1 in-scope item with id "line-1".
    """
    if kind not in ("jsonl", "csv"):
        raise UsageError(f"unknown question set format {kind!r}: use jsonl or csv.")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not text.strip():
        raise QuestionSetError(
            f"{source}: the question set is empty; write one question a line (JSONL) or a CSV with "
            "a header row."
        )
    problems: list[RowProblem] = []
    items: list[QuestionItem] = []
    seen: dict[str, int] = {}
    try:
        rows = list(_jsonl_rows(text) if kind == "jsonl" else _csv_rows(text, problems))
    except QuestionSetError as exc:
        raise QuestionSetError(f"{source}: {exc}") from None
    except csv.Error as exc:
        raise QuestionSetError(f"{source}: not a readable CSV file ({exc}).") from None
    for line, fields, problem in rows:
        if problem is None:
            try:
                item = _item(fields, line)
            except ValueError as exc:
                problem = str(exc)
            else:
                if item.id in seen:
                    problem = f'duplicate id "{item.id}" (first on line {seen[item.id]})'
                else:
                    seen[item.id] = line
                    items.append(item)
        if problem is not None:
            problems.append(RowProblem(line, problem))
    if not items:
        first = "; ".join(f"line {p.line}: {p.message}" for p in problems[:3])
        raise QuestionSetError(f"{source}: no usable question ({first or 'no rows'}).")
    return QuestionSet(source, sha, tuple(items), tuple(sorted(problems, key=lambda p: p.line)))


def load_questions(path: Path | str) -> QuestionSet:
    """Read a question set file: JSONL (.jsonl, .ndjson, .json) or CSV (.csv); other names are
    sniffed.

    JSONL: one object a line with "question" and optional "id", "answer", "evidence" (list of
    quotes), "history" (earlier questions), "tags". CSV: a header row naming the same columns;
    several quotes, tags or earlier questions in one cell are separated by "|".

    Raises:
        QuestionSetError: the file is missing, unreadable, not UTF-8, empty, or has no usable row.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise QuestionSetError(f"{path}: no such question set file.") from None
    except IsADirectoryError:
        raise QuestionSetError(f"{path}: is a folder; give a .jsonl or .csv file.") from None
    except OSError as exc:
        raise QuestionSetError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    except UnicodeDecodeError as exc:
        raise QuestionSetError(
            f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 JSONL or CSV."
        ) from None
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        kind = "jsonl"
    elif suffix == ".csv":
        kind = "csv"
    else:
        kind = "jsonl" if text.lstrip().startswith("{") else "csv"
    return parse_questions(text, kind, str(path))


# ---------------------------------------------------------------------------- the hit rule


def words(text: str) -> list[str]:
    """The words of a text, case-folded, without punctuation or spacing.

    Example: "Korea’s “manpower floor,”" -> ['korea', 's', 'manpower', 'floor']
    """
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text or "").casefold())


def _longest_run(quote: Sequence[str], passage: Sequence[str]) -> int:
    """Length of the longest run of consecutive quote words found consecutively in the passage."""
    best = 0
    previous = [0] * (len(passage) + 1)
    for q in quote:
        current = [0] * (len(passage) + 1)
        for j, p in enumerate(passage, 1):
            if q == p:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def contains_quote(passage: Sequence[str], quote: Sequence[str], share: float = 1.0) -> bool:
    """True when `passage` holds a run of at least `share` of the quote's words (both as `words`
    lists).

    Example: (words("a b c d e"), words("b c d x y"), 0.6) -> True (the run "b c d" is 3 of 5 words)
    """
    if not quote:
        return False
    need = max(1, math.ceil(share * len(quote) - 1e-9))
    return _longest_run(quote, passage) >= need


def passage_hits(passage_text: str, item: QuestionItem) -> bool:
    """The hit rule: an evidence quote (or 60% of it, contiguous); without evidence, the answer."""
    text = words(passage_text)
    if item.evidence:
        return any(contains_quote(text, words(q), RUN_SHARE) for q in item.evidence)
    return bool(item.answer) and contains_quote(text, words(item.answer))


# ---------------------------------------------------------------------------- running


@dataclass(frozen=True)
class PassageResult:
    """One ranked passage of an answer, judged."""

    rank: int
    id: str
    citation: str
    text: str
    highlight: str
    score: float
    hit: bool


@dataclass(frozen=True)
class QuestionResult:
    """What the assistant did with one question, judged against the question set."""

    item: QuestionItem
    abstained: bool
    confidence: float
    passages: tuple[PassageResult, ...]
    latency_ms: float

    @property
    def first_hit(self) -> int | None:
        """Rank of the first passage that hits, or None."""
        return next((p.rank for p in self.passages if p.hit), None)

    @property
    def top_highlight(self) -> str:
        return self.passages[0].highlight if self.passages else ""

    @property
    def answer_in_highlight(self) -> bool | None:
        """Whether the expected answer is in the top highlight (None when there is no expected
        answer)."""
        if not self.item.in_scope or not self.item.answer:
            return None
        return not self.abstained and contains_quote(
            words(self.top_highlight), words(self.item.answer)
        )

    def to_json(self) -> dict:
        item = self.item
        return {
            "id": item.id,
            "line": item.line,
            "question": item.question,
            "history": list(item.history),
            "tags": list(item.tags),
            "in_scope": item.in_scope,
            "expected_answer": item.answer,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "first_hit": self.first_hit,
            "answer_in_highlight": self.answer_in_highlight,
            "highlight": self.top_highlight if not self.abstained else "",
            "latency_ms": round(self.latency_ms, 2),
            "passages": [
                {
                    "rank": p.rank,
                    "id": p.id,
                    "citation": p.citation,
                    "score": round(p.score, 4),
                    "hit": p.hit,
                }
                for p in self.passages
            ],
        }


def _judge(item: QuestionItem, answer, latency_ms: float) -> QuestionResult:
    passages = tuple(
        PassageResult(
            p.rank,
            p.id,
            p.citation,
            p.text,
            p.highlight,
            p.score,
            item.in_scope and passage_hits(p.text, item),
        )
        for p in answer.passages
    )
    return QuestionResult(item, answer.abstained, answer.confidence, passages, latency_ms)


def rethreshold(results: Sequence[QuestionResult], threshold: float) -> list[QuestionResult]:
    """The results as they would be with another refusal threshold (refuse when confidence <
    threshold)."""
    return [replace(r, abstained=not r.passages or r.confidence < threshold) for r in results]


# ---------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class Scores:
    """The metrics of a group of questions (None where a metric has nothing to measure) and its
    counts."""

    values: dict[str, float | None]
    counts: dict[str, int]

    def to_json(self) -> dict:
        return {
            **{k: (None if v is None else round(v, 4)) for k, v in self.values.items()},
            "counts": dict(self.counts),
        }


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def score(results: Sequence[QuestionResult]) -> Scores:
    """Every metric of `METRICS` over a group of results.

    hit@k and MRR@10 are over in-scope questions, on the ranked passages even when the answer
    refused; answer_in_highlight over in-scope questions with an expected answer; refusal precision,
    recall and F1 treat "refuse" as the positive class and out-of-scope questions as its truth.
    """
    inside = [r for r in results if r.item.in_scope]
    outside = [r for r in results if not r.item.in_scope]
    judged = [r.answer_in_highlight for r in inside if r.answer_in_highlight is not None]
    refused_out = sum(r.abstained for r in outside)
    refused_in = sum(r.abstained for r in inside)
    values: dict[str, float | None] = {}
    for k in (1, 3, 5):
        values[f"hit@{k}"] = _ratio(
            sum(1 for r in inside if (r.first_hit or k + 1) <= k), len(inside)
        )
    values["mrr@10"] = (
        sum(1 / r.first_hit for r in inside if r.first_hit and r.first_hit <= 10) / len(inside)
        if inside
        else None
    )
    values["answer_in_highlight"] = _ratio(sum(judged), len(judged))
    precision = _ratio(refused_out, refused_out + refused_in)
    recall = _ratio(refused_out, len(outside))
    values["oos_refusal_rate"] = recall
    values["wrong_refusal_rate"] = _ratio(refused_in, len(inside))
    values["refusal_precision"] = precision
    values["refusal_recall"] = recall
    if precision is None or recall is None:
        values["refusal_f1"] = None if recall is None else 0.0
    else:
        values["refusal_f1"] = (
            2 * precision * recall / (precision + recall) if precision + recall else 0.0
        )
    latencies = [r.latency_ms for r in results]
    values["latency_p50_ms"] = _percentile(latencies, 50)
    values["latency_p95_ms"] = _percentile(latencies, 95)
    counts = {
        "questions": len(results),
        "in_scope": len(inside),
        "out_of_scope": len(outside),
        "with_answer": len(judged),
        "refused": refused_in + refused_out,
        "refused_in_scope": refused_in,
        "refused_out_of_scope": refused_out,
    }
    return Scores(values, counts)


def hit_curve(results: Sequence[QuestionResult], k_max: int) -> list[float]:
    """hit@k for k = 1..k_max over the in-scope questions (empty when there are none)."""
    inside = [r for r in results if r.item.in_scope]
    if not inside:
        return []
    return [
        sum(1 for r in inside if r.first_hit and r.first_hit <= k) / len(inside)
        for k in range(1, k_max + 1)
    ]


@dataclass(frozen=True)
class EvidenceCheck:
    """How many of a question set's distinct evidence quotes occur, word for word (as `words`
    reads them), in the readings of the index evaluated."""

    quotes: int
    found: int


def check_evidence(items: Iterable[QuestionItem], texts: Iterable[str]) -> EvidenceCheck:
    """Count the evidence quotes of `items` that occur whole in one of `texts`: a set written on
    other readings finds none (its every metric would read 0 with no other sign why).

    Example: ([item with evidence ("Bees make honey.",)], ["# Bees\n\nBees make honey."]) ->
        EvidenceCheck(quotes=1, found=1)
    """
    readings = [f" {' '.join(words(t))} " for t in texts]
    quotes = {q for q in (" ".join(words(e)) for i in items for e in i.evidence) if q}
    found = sum(1 for q in quotes if any(f" {q} " in r for r in readings))
    return EvidenceCheck(len(quotes), found)


@dataclass(frozen=True)
class EvalRun:
    """One evaluation: the question set, the settings, every result and the metrics, and what was
    evaluated (the index folder, the corpus it was built from, whether the evidence is in it)."""

    questions: QuestionSet
    results: tuple[QuestionResult, ...]
    k: int
    threshold: float
    model: str
    created: str
    index: str = ""
    corpus: str = ""
    evidence: EvidenceCheck | None = None

    def evidence_warning(self) -> str | None:
        """The warning for a question set none of whose evidence quotes is in the readings (likely
        evaluated on the wrong index), else None."""
        check = self.evidence
        if check is None or not check.quotes or check.found:
            return None
        where = f"the index {self.index}" if self.index else "the index"
        built = f" (built from {self.corpus})" if self.corpus else ""
        quotes = (
            f"the evidence quote in {self.questions.path} does not occur"
            if check.quotes == 1
            else f"none of the {check.quotes} evidence quotes in {self.questions.path} occur"
        )
        return (
            f"{quotes} in the readings of {where}{built}, so every retrieval metric reads 0; is "
            "--corpus missing? Evaluate on the readings the questions were written on: "
            "--corpus DIR."
        )

    @property
    def overall(self) -> Scores:
        return score(self.results)

    @property
    def per_tag(self) -> dict[str, Scores]:
        tags = sorted({t for r in self.results for t in r.item.tags})
        return {t: score([r for r in self.results if t in r.item.tags]) for t in tags}

    def misses(self) -> list[tuple[QuestionResult, list[str]]]:
        """The questions that went wrong in any way, each with the reasons in words."""
        out = []
        for r in self.results:
            reasons = []
            if r.item.in_scope:
                if r.first_hit is None:
                    reasons.append(f"no passage in the top {self.k} hits")
                elif r.first_hit > 1:
                    reasons.append(f"first hit at rank {r.first_hit}")
                if r.abstained:
                    reasons.append(
                        f"wrongly refused (confidence {r.confidence:.3f} < threshold "
                        f"{self.threshold:.3f})"
                    )
                elif r.answer_in_highlight is False:
                    reasons.append(
                        f"expected answer “{r.item.answer}” not in the highlighted sentence"
                    )
            elif not r.abstained:
                reasons.append(
                    f"out of scope but answered (confidence {r.confidence:.3f} ≥ threshold "
                    f"{self.threshold:.3f})"
                )
            if reasons:
                out.append((r, reasons))
        return out

    def to_json(self) -> dict:
        """The JSON written by `qa eval --json`: the metrics at the top level, then the details."""
        overall = self.overall.to_json()
        return {
            **{k: overall[k] for k in METRICS},
            "counts": {**overall["counts"], "skipped_rows": len(self.questions.problems)},
            "per_tag": {t: s.to_json() for t, s in self.per_tag.items()},
            "hit_at_k": [round(v, 4) for v in hit_curve(self.results, self.k)],
            "questions_file": self.questions.path,
            "questions_sha256": self.questions.sha256,
            "index": self.index,
            "corpus": self.corpus,
            "evidence_quotes": None if self.evidence is None else self.evidence.quotes,
            "evidence_quotes_in_readings": None if self.evidence is None else self.evidence.found,
            "model": self.model,
            "threshold": round(self.threshold, 4),
            "k": self.k,
            "created": self.created,
            "skipped_rows": [
                {"line": p.line, "problem": p.message} for p in self.questions.problems
            ],
            "results": [r.to_json() for r in self.results],
        }


def evaluate(
    assistant,
    questions: QuestionSet,
    k: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> EvalRun:
    """Ask every question of the set with one assistant and judge the answers.

    Args:
        assistant: an `Assistant` (its model and index are loaded once, before this call).
        questions: the question set.
        k: passages asked for each question (hit@k and MRR@10 beyond k count as misses).
        progress: called with (done, total) after each question.

    Returns:
        The run; latency is the time of each `assistant.ask` call, after one untimed warm-up call.
    """
    check_k(k)
    items = questions.items
    assistant.ask(
        items[0].question, items[0].history, k=k
    )  # warm-up: first-call costs are not a question's latency
    results = []
    for n, item in enumerate(items, 1):
        started = time.perf_counter()
        answer = assistant.ask(item.question, item.history, k=k)
        latency = (time.perf_counter() - started) * 1000
        results.append(_judge(item, answer, latency))
        if progress:
            progress(n, len(items))
    index = assistant.index
    return EvalRun(
        questions=questions,
        results=tuple(results),
        k=k,
        threshold=float(index.threshold),
        model=index.manifest.settings.model,
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        index=str(index.folder),
        corpus=str(index.corpus or ""),
        evidence=check_evidence(items, assistant.texts.values()),
    )


# ---------------------------------------------------------------------------- CI floors


def parse_floor(spec: str) -> tuple[str, float]:
    """Parse "METRIC=VALUE" (VALUE a number or a fraction such as 1/43).

    Example: "wrong_refusal_rate=1/43" -> ("wrong_refusal_rate", 0.023255...)
    """
    name, sep, value = spec.partition("=")
    name = name.strip()
    if not sep or name not in METRICS:
        raise UsageError(f"{spec!r}: write METRIC=VALUE with METRIC one of {', '.join(METRICS)}.")
    try:
        num, slash, den = value.partition("/")
        number = float(num) / float(den) if slash else float(value)
    except (ValueError, ZeroDivisionError):
        raise UsageError(
            f"{spec!r}: the value must be a number such as 0.9 or a fraction such as 1/43."
        ) from None
    if math.isnan(number):
        raise UsageError(f"{spec!r}: the value must be a number.")
    return name, number


def check_floors(
    values: dict[str, float | None], under: Iterable[str] = (), over: Iterable[str] = ()
) -> list[str]:
    """Failures of the CI gate, one sentence each (empty when every bound holds).

    Args:
        values: metric name -> value (as in `Scores.values`).
        under: "METRIC=VALUE" floors; fail when the metric is below VALUE.
        over: "METRIC=VALUE" ceilings; fail when the metric is above VALUE.
    """
    failures = []
    for specs, below in ((under, True), (over, False)):
        for spec in specs:
            name, bound = parse_floor(spec)
            value = values.get(name)
            if value is None:
                failures.append(
                    f"{name} was not measured (the question set has nothing to measure it on), so "
                    f"it cannot meet {bound:g}"
                )
            elif below and value < bound:
                failures.append(f"{name} = {value:.4f} is below its floor {bound:.4f}")
            elif not below and value > bound:
                failures.append(f"{name} = {value:.4f} is above its ceiling {bound:.4f}")
    return failures
