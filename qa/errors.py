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
