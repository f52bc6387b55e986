"""Retrieval ranks as it did when the golden file was recorded (before it was split into parts).

Rebuilds the bundled article's index and one outside corpus's with the real model and compares
every question's top five, highlights, ranks and confidences with tests/model/golden_rankings.json.
`bench/golden_rankings.py` checks every question set (a few minutes); this test the ones that fit
in about a minute.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import golden_rankings  # noqa: E402

SETS = ["article, shipped set", "article, second set", "ffmpeg FAQ"]


def test_same_rankings_as_recorded():
    golden = json.loads(golden_rankings.GOLDEN.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(golden_rankings.record(SETS)))
    assert set(now) == {*SETS, "general questions over article", "general questions over ffmpeg"}
    assert golden_rankings.differences(golden, now) == []
