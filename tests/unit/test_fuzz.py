"""Fuzzing with hypothesis: the question normaliser, the English check and the question-set parser.

Whatever a student types or an instructor uploads, these never raise anything but the package's
own errors, and what they return keeps its promises (no control characters, bounded length,
bad rows reported with their line numbers). The chunker's offsets are fuzzed in test_chunk.py.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qa.answering.language import ENGLISH_NOTICE, language_notice, looks_english
from qa.answering.retrieve import MAX_QUESTION_CHARS, normalize_question
from qa.errors import QuestionSetError
from qa.evaluation.evaluate import load_questions, parse_questions

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every kind of character, control characters and lone surrogates' neighbours included.
ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=("Cs",)), max_size=300)
LONG_TEXT = st.builds(
    lambda word, n, tail: (word + " ") * n + tail,
    st.text(min_size=1, max_size=12),
    st.integers(100, 600),
    ANY_TEXT,
)


# -------------------------------------------------------------------------- the question normaliser


@FUZZ
@given(st.one_of(ANY_TEXT, LONG_TEXT))
@example("")
@example("\x00\x00")
@example("a\x00b")
@example("e\x00\u0301")  # a combining accent after a stripped control character
@example("x" * (MAX_QUESTION_CHARS + 1))
@example(("word " * 500) + "\u200d\u0301")
@example("\u2028\u2029\x1c\x85 question \ufeff")
def test_normalize_question_cleans_bounds_and_is_idempotent(text):
    clean, notice = normalize_question(text)
    assert isinstance(clean, str)
    assert not any(unicodedata.category(ch)[0] == "C" for ch in clean), repr(clean)
    assert clean == clean.strip() and "  " not in clean and "\n" not in clean
    assert len(clean) <= MAX_QUESTION_CHARS
    assert normalize_question(clean) == (clean, None), "normalising twice changes nothing more"
    if notice is not None:
        assert str(MAX_QUESTION_CHARS) in notice
    # a question under the limit keeps every word it had
    if len(text) <= MAX_QUESTION_CHARS:
        assert notice is None
        kept = "".join(
            ch
            for ch in unicodedata.normalize("NFC", text)
            if unicodedata.category(ch)[0] not in "CZ" and not ch.isspace()
        )
        assert clean.replace(" ", "") == kept


@pytest.mark.parametrize("value", [None, ""])
def test_normalize_question_of_nothing_is_empty(value):
    assert normalize_question(value) == ("", None)


# ---------------------------------------------------------------------------- the English note


@FUZZ
@given(ANY_TEXT)
def test_language_check_never_raises(text):
    assert isinstance(looks_english(text), bool)
    assert language_notice(text) in (None, ENGLISH_NOTICE)


# -------------------------------------------------------------------------- the question-set parser


def _fields():
    scalar = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20)
    )
    value = st.recursive(
        scalar,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    )
    keys = st.sampled_from(["question", "id", "answer", "evidence", "history", "tags", "other"])
    return st.dictionaries(keys, value, max_size=6)


JSONL_LINE = st.one_of(
    _fields().map(json.dumps),
    st.builds(
        lambda q, a: json.dumps({"question": q, "answer": a}),
        st.text(max_size=30),
        st.text(max_size=30),
    ),
    ANY_TEXT.filter(lambda s: "\n" not in s and "\r" not in s),
    st.just("[" * 5000),
    st.just('{"question": ' + "[" * 3000 + "]" * 3000 + "}"),
)


def _check_set(result, text_lines: int | None = None):
    assert result.items, "a parsed set has at least one question"
    for item in result.items:
        assert item.question.strip() and item.id
    for problem in result.problems:
        assert problem.line >= 1 and problem.message
        if text_lines is not None:
            assert problem.line <= text_lines
    lines = [p.line for p in result.problems]
    assert lines == sorted(lines)


@FUZZ
@given(st.lists(JSONL_LINE, max_size=12))
def test_any_jsonl_text_parses_or_is_a_question_set_error(lines):
    text = "\n".join(lines)
    try:
        result = parse_questions(text, "jsonl", "set.jsonl")
    except QuestionSetError as exc:
        assert str(exc).startswith("set.jsonl: ")
        return
    _check_set(result, len(text.splitlines()))


@FUZZ
@given(
    st.one_of(
        ANY_TEXT,
        st.lists(st.lists(st.text(max_size=15), max_size=6), max_size=8).map(
            lambda rows: "\n".join(",".join(r) for r in rows)
        ),
    )
)
@example("question,answer\n")
@example("question\n\x00")
@example('question\n"unterminated')
@example("question\n" + "x" * 200_000)
def test_any_csv_text_parses_or_is_a_question_set_error(text):
    for header in ("", "question,id,answer,evidence,tags,history\n"):
        try:
            result = parse_questions(header + text, "csv", "set.csv")
        except QuestionSetError as exc:
            assert str(exc).startswith("set.csv")
            continue
        _check_set(result)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([".jsonl", ".csv", ".txt", ".json"]))
def test_any_file_bytes_load_or_are_a_question_set_error(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("sets") / f"questions{suffix}"
    path.write_bytes(data)
    try:
        load_questions(path)
    except QuestionSetError as exc:
        assert str(path) in str(exc)


def test_bad_rows_are_reported_with_their_line_numbers():
    text = "\n".join(
        [
            '{"question": "Who leads USFK?", "answer": "Brunson"}',
            "not json",
            "",
            '["a", "list"]',
            '{"question": ' + "[" * 5000,
            '{"question": ""}',
            '{"question": "Who leads USFK?", "id": "line-1"}',
            '{"question": "Why?", "history": {"a": 1}}',
        ]
    )
    result = parse_questions(text, "jsonl", "set.jsonl")
    assert [i.id for i in result.items] == ["line-1"]
    problems = {p.line: p.message for p in result.problems}
    assert sorted(problems) == [2, 4, 5, 6, 7, 8]
    assert "not valid JSON" in problems[2] and problems[4] == "not a JSON object"
    assert "nested too deeply" in problems[5] and "question" in problems[6]
    assert "duplicate id" in problems[7] and "history" in problems[8]
