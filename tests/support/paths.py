"""Where the tests find the repository's files, whatever folder pytest was started from."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
CORPUS = ROOT / "corpus"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
FIXTURES = TESTS / "fixtures"
ARTIFACTS = TESTS / "artifacts"
