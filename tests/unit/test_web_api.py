"""The JSON API's request parsing alone: what `parse_ask` accepts, and what it refuses with a
message naming the problem."""

from __future__ import annotations

import pytest

from qa.answering.answer import EMPTY_QUESTION
from qa.web.api import ApiError, AskRequest, parse_ask

DOCS = frozenset({"south-korea-us-alliance"})


@pytest.mark.parametrize(
    "body, expected",
    [
        (b'{"question": "Who is Xavier T. Brunson?"}', AskRequest("Who is Xavier T. Brunson?")),
        (
            b'{"question": "Why?", "history": ["Who is Brunson?"], "doc": null}',
            AskRequest("Why?", ("Who is Brunson?",)),
        ),
        (
            b'{"question": "Why?", "history": null, "doc": "south-korea-us-alliance"}',
            AskRequest("Why?", (), "south-korea-us-alliance"),
        ),
        (
            '{"question": "Qu\u2019est-ce que l\u2019USFK ?"}'.encode("utf-8"),
            AskRequest("Qu\u2019est-ce que l\u2019USFK ?"),
        ),
    ],
)
def test_parse_ask_accepts(body, expected):
    assert parse_ask(body, DOCS) == expected


@pytest.mark.parametrize(
    "body, words",
    [
        (b"", "not valid JSON"),
        (b"question=Who", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'["Who is Brunson?"]', "JSON list"),
        (b"{}", "`question` is required"),
        (b'{"question": 42}', "`question` is required"),
        (b'{"question": "   "}', EMPTY_QUESTION),
        (b'{"question": ""}', EMPTY_QUESTION),
        (b'{"question": "Who?", "questoin": "typo"}', "unknown field 'questoin'"),
        (b'{"question": "Who?", "history": "Who is Brunson?"}', "`history` must be a list"),
        (b'{"question": "Who?", "history": [1, 2]}', "`history` must be a list"),
        (b'{"question": "Who?", "doc": "no-such-reading"}', "south-korea-us-alliance"),
        (b'{"question": "Who?", "doc": 3}', "is not a reading"),
        (b"[" * 30_000 + b"]" * 30_000, "not valid JSON"),  # nested deeper than the parser goes
    ],
)
def test_parse_ask_refuses_with_a_message_naming_the_problem(body, words):
    with pytest.raises(ApiError) as info:
        parse_ask(body, DOCS)
    assert (
        info.value.status == 400
        and info.value.code == "bad_request"
        and words in info.value.message
    )
