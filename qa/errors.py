"""The package's exceptions: one base class, a few named kinds.

Every message names the bad value or file and says what to do about it; only the CLI and the UI
turn these into text for people (and exit codes).
"""

from __future__ import annotations

__all__ = [
    "QAError",
    "UsageError",
    "ReadingError",
    "ModelError",
    "IndexStoreError",
    "QuestionSetError",
    "bad_json_line",
]


class QAError(Exception):
    """Base class of every error the package raises on purpose."""

    exit_code = 1


class UsageError(QAError):
    """A bad argument or question from the user."""

    exit_code = 2


class ReadingError(QAError):
    """A reading that cannot be read, imported or parsed."""

    exit_code = 2


class ModelError(QAError):
    """The embedding model is missing, damaged or not the one expected."""

    exit_code = 3


class IndexStoreError(QAError):
    """The index folder is missing, damaged or cannot be rebuilt."""

    exit_code = 3


class QuestionSetError(QAError):
    """A question set file that is empty, unreadable or has no usable rows."""

    exit_code = 2


def bad_json_line(exc: ValueError, example: str) -> str:
    """What to say about a line that `json.loads` refused: where, why, and the shape it must have.

    Example: (JSONDecodeError("Expecting ',' delimiter", '{"a": 1 "b": 2}', 8), '{"question": "…"}')
        -> "not valid JSON at column 9 (Expecting ',' delimiter); each line must be one JSON
        object such as {"question": "…"}: check the quotes, commas and closing brace near
        column 9"
    """
    column = getattr(exc, "colno", None)
    why = getattr(exc, "msg", None) or (exc.args[0] if exc.args else str(exc))
    near = f" near column {column}" if column else ""
    return (
        f"not valid JSON{f' at column {column}' if column else ''} ({why}); each line must be one "
        f"JSON object such as {example}: check the quotes, commas and closing brace{near}"
    )
