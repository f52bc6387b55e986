"""The pure parts of retrieval: question analysis, fact requests, rank fusion, confidence."""

from __future__ import annotations

import numpy as np
import pytest
import Stemmer

from qa.answering.confidence import Evidence, answerable
from qa.answering.fusion import reciprocal_rank_fusion
from qa.answering.question import (
    FactRequest,
    analyse_question,
    fact_request,
    name_counts,
    normalize_question,
    terms,
)
from qa.answering.settings import RetrievalSettings

STEM = Stemmer.Stemmer("english")


def test_terms_and_normalize_as_documented():
    assert terms("U.S. troops stationed", STEM) == ["us", "troop", "station"]
    assert normalize_question(" How\x00 many\n troops? ") == ("How many troops?", None)


def test_fact_request_reads_the_kind_of_fact_asked_for():
    assert fact_request("How many troops are there?") == FactRequest(number=True)
    assert fact_request("When did it start?").date
    assert fact_request("What does USFK stand for?").acronyms == {"USFK"}
    assert fact_request("What did Gen. Brunson say?").speaker == ("Gen", "Brunson")
    assert fact_request("Why?") == FactRequest()


def test_analysis_fills_in_a_follow_up_in_the_readings_own_name():
    frequency = {"brunson": 5, "xavier": 1}
    asked = analyse_question("What did he say?", ["Who is Gen. Xavier Brunson?"], STEM, frequency)
    assert asked.query == "What did Brunson say?"
    assert asked.terms == () and asked.history_terms == ("brunson",)
    assert asked.facts.speaker == ("Brunson",)
    assert name_counts("Did Brunson meet Zorblax?", STEM, frequency) == (1, 1)


def test_reciprocal_rank_fusion_as_documented():
    fused, ranks = reciprocal_rank_fusion({"a": (np.array([0.9, 0.1]), 1.0)}, 60.0)
    assert fused == pytest.approx([1 / 61, 1 / 62]) and list(ranks["a"]) == [1, 2]
    fused, _ = reciprocal_rank_fusion(
        {"a": (np.array([0.9, 0.1]), 1.0), "b": (np.array([0.0, 5.0]), 2.0)}, 60.0
    )
    assert fused[1] > fused[0]  # the heavier signal wins


def test_answerable_as_documented():
    evidence = Evidence(dense=0.45, lexical=0.5, known_names=0, unknown_names=0)
    assert answerable(RetrievalSettings(), evidence) == pytest.approx(0.977, abs=1e-3)
