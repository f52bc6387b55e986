"""Every question set `make quality` measures is sound data: it loads, its corpus reads with no file
skipped, every evidence quote is in that corpus, no question is, and the held-out sets take part in
no choice."""

from __future__ import annotations

import re

import pytest

from bench import quality
from qa.evaluation.evaluate import load_questions
from qa.readings.corpus import load_corpus


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@pytest.fixture(scope="module", params=quality.SETS, ids=lambda s: s.name)
def question_set(request):
    spec = request.param
    readings, skipped = load_corpus(spec.corpus)
    assert not skipped, f"{spec.corpus}: skipped {skipped}"
    return spec, load_questions(spec.questions).items, _flat(" ".join(r.text for r in readings))


def test_evidence_is_in_the_corpus_and_questions_are_not(question_set):
    spec, items, corpus = question_set
    assert len({i.id for i in items}) == len(items)
    inside = [i for i in items if i.in_scope]
    assert inside and len(inside) < len(items), "in-scope and out-of-scope questions both"
    for item in inside:
        assert item.evidence or item.answer, item.id
        for quote in item.evidence:
            assert _flat(quote) in corpus, f"{spec.questions}: {item.id} evidence not in the corpus"
    if spec.kind == "outside":  # the question headings were removed from these readings
        for item in items:
            assert _flat(item.question) not in corpus, f"{item.id} is in its corpus"


def test_held_out_sets_take_part_in_no_choice():
    held = [s for s in quality.SETS if s.held_out]
    assert held and all(s.kind == "outside" for s in held)
    assert not set(quality.CHOOSING) & set(held)
    assert {s.corpus_group for s in held}.isdisjoint(s.corpus_group for s in quality.CHOOSING)
