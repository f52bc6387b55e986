"""`qa calibrate --auto`: the threshold from the bundled general questions, capped at the shipped
one, measured on questions made from the readings; stored with the index until the readings
change."""

from __future__ import annotations

import json
import math
import re
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.evaluation.autocalibrate import auto_threshold, general_questions, reading_questions
from qa.index.store import (
    CONFIDENCE_SCALE,
    build_index,
    corpus_fingerprint,
    load_index,
    write_calibration,
)
from tests.support.cli import run_cli
from tests.support.paths import ROOT

CORPUS = ROOT / "tests" / "fixtures" / "eval" / "corpus"


# ------------------------------------------------------------------------------ the rule


def test_the_threshold_is_just_above_the_highest_general_question():
    assert auto_threshold([0.1, 0.2, 0.25], 0.5) == pytest.approx(0.25)
    assert auto_threshold([0.25, 0.1, 0.2], None) > 0.25  # refused: confidence below it
    assert auto_threshold([0.3], None) == math.nextafter(0.3, 1.0)


def test_the_threshold_is_never_above_the_shipped_one():
    assert auto_threshold([0.1, 0.7], 0.5) == 0.5
    assert auto_threshold([], 0.5) == 0.5  # nothing measured: the shipped threshold stands
    assert auto_threshold([], None) == 0.0


@given(
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=50),
    st.one_of(st.none(), st.floats(0.0, 1.0)),
)
def test_every_general_question_is_refused_unless_the_shipped_threshold_caps_it(general, ceiling):
    threshold = auto_threshold(general, ceiling)
    if ceiling is not None:
        assert threshold <= ceiling
    if ceiling is None or threshold < ceiling:
        assert all(c < threshold for c in general)  # refused: confidence below the threshold


# ------------------------------------------------------------------------------ the questions


def test_the_bundled_general_questions_load():
    questions = general_questions()
    assert len(questions) >= 100 and len(set(questions)) == len(questions)
    assert "What is the capital of Australia?" in questions
    assert all(q.strip() == q and not q.startswith("#") for q in questions)


def test_questions_are_made_of_headings_and_the_rarest_words_of_long_sentences():
    rare = {"waggle": 5.0, "dance": 4.0, "distance": 3.0, "direction": 3.5, "forager's": 4.5}
    made = reading_questions(
        ["Waggle dance", "Waggle dance", "Intro", "Why do bees dance?", ""],
        [
            "Bees dance.",  # too short to ask about
            "The forager's waggle dance tells other bees the distance and direction of food "
            "sources.",
        ],
        lambda word: rare.get(word.lower(), 1.0),
    )
    assert made == [
        "What about Waggle dance?",  # each heading once; one word is too little to ask about
        "Why do bees dance?",  # a heading that is a question is asked as it is
        "What about forager's waggle dance distance direction?",  # its 5 rarest, in order
    ]


@pytest.mark.parametrize("count", [59, 61, 119, 1000])
def test_sentence_questions_are_spread_over_the_readings_and_bounded(count):
    sentences = [f"Sentence number {i} talks about topic{i}x and more words." for i in range(count)]
    made = reading_questions([], sentences, lambda word: 1.0)
    assert len(made) == min(count, 60)
    assert "topic0x" in made[0]
    last = int(made[-1].split("topic")[1].split("x")[0])
    assert last >= count - count // 60 - 1  # the last readings are asked about too
    assert made == reading_questions([], sentences, lambda word: 1.0)  # deterministic


def test_a_sentence_of_short_words_makes_no_question():
    assert reading_questions([], ["It is so as it is to be a way of it."], lambda w: 1.0) == []


def test_english_share_reads_the_whole_of_the_readings():
    from qa.evaluation.autocalibrate import english_share

    sentences = ["The troops stay in Korea."] * 200 + ["Las tropas se quedan en Corea."] * 199
    assert english_share(sentences) == pytest.approx(0.5, abs=0.01)


# ------------------------------------------------------------------------------ the command


@pytest.fixture
def index(tmp_path, fake_model):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    build_index(corpus, tmp_path / "index", fake_model)
    return tmp_path / "index"


def test_qa_calibrate_auto_stores_a_threshold_for_these_readings(index, capsys):
    code, out, err = run_cli(capsys, "calibrate", "--auto", "--index", str(index))
    assert code == 0, err
    assert "(shipped)" in out and "(auto)" in out and "e.g.: What about" in out
    stored = json.loads((index / "calibration.json").read_text(encoding="utf-8"))
    assert stored["rule"] == "auto" and stored["scale"] == CONFIDENCE_SCALE
    # The fake model has no shipped threshold: the ceiling is even odds.
    assert stored["threshold"] <= 0.5 and stored["shipped_threshold"] is None
    assert stored["questions"].startswith(f"{len(general_questions())} bundled general questions")
    loaded = load_index(index)
    assert stored["corpus_sha256"] == corpus_fingerprint(loaded.manifest.files)
    assert loaded.threshold == pytest.approx(stored["threshold"])
    assert f"Refusal threshold {stored['threshold']:.4f}" in out


def test_an_auto_threshold_is_dropped_when_the_readings_change(index, fake_model):
    manifest = load_index(index).manifest
    record = {
        "threshold": 0.37,
        "rule": "auto",
        "model": fake_model.name,
        "scale": CONFIDENCE_SCALE,
        "corpus_sha256": corpus_fingerprint(manifest.files),
    }
    write_calibration(index, record)
    assert load_index(index).threshold == 0.37
    corpus = index.parent / "corpus"
    (corpus / "extra.md").write_text("# Extra\n\nA new reading about wasps.\n", encoding="utf-8")
    build_index(corpus, index, fake_model)
    assert load_index(index).calibration["rule"] == "uncalibrated"  # the fallback for this model
    # a threshold chosen on a question set is not tied to the readings and survives
    write_calibration(index, {**record, "rule": "f1", "corpus_sha256": None})
    assert load_index(index).threshold == 0.37


def test_the_fingerprint_follows_paths_and_contents():
    a = corpus_fingerprint({"a.md": "1", "b.md": "2"})
    assert a == corpus_fingerprint({"b.md": "2", "a.md": "1"})
    assert a != corpus_fingerprint({"a.md": "1", "b.md": "3"})
    assert a != corpus_fingerprint({"a.md": "1"})


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--auto", "QUESTIONS"], "give a question set"),
        ([], "give a question set"),
        (["--auto", "--rule", "recall"], "--auto takes neither"),
        (["--auto", "--max-wrong-refusal", "0.1"], "--auto takes neither"),
    ],
)
def test_calibrate_takes_a_question_set_or_auto(index, capsys, argv, message):
    argv = [a.replace("QUESTIONS", str(ROOT / "tests/fixtures/eval/questions.jsonl")) for a in argv]
    code, _, err = run_cli(capsys, "calibrate", *argv, "--index", str(index))
    assert code == 2 and message in err
    assert not (index / "calibration.json").exists()


def test_the_shipped_threshold_caps_the_choice_for_its_model(
    index, capsys, monkeypatch, fake_model
):
    import qa.index.store

    shipped = {"model": fake_model.name, "scale": CONFIDENCE_SCALE, "threshold": 0.05}
    monkeypatch.setattr(qa.index.store, "default_calibration", lambda: dict(shipped))
    code, out, _ = run_cli(capsys, "calibrate", "--auto", "--index", str(index))
    stored = json.loads((index / "calibration.json").read_text(encoding="utf-8"))
    assert code == 0 and stored["shipped_threshold"] == 0.05
    assert stored["threshold"] <= 0.05 and "0.0500 (shipped)" in out
    assert stored["metrics"]["general_refused"] <= 1.0


def test_the_calibrate_tab_offers_the_same_without_a_question_set(index, fake_model):
    from qa.answering.assistant import Assistant
    from qa.web.instructor_ui import run_auto_calibration

    assistant = Assistant(load_index(index), fake_model)
    message, record = run_auto_calibration(assistant)
    assert message.startswith(f"With no question set, the threshold is {record['threshold']:.4f}")
    assert re.search(r"refuses \d+% of \d+ general questions", message)
    assert "questions made from the readings" in message
    assert record["rule"] == "auto" and not (index / "calibration.json").exists()  # not yet used


def test_qa_build_says_when_the_auto_threshold_no_longer_applies(index, capsys):
    code, _, _ = run_cli(capsys, "calibrate", "--auto", "--index", str(index))
    assert code == 0
    corpus = index.parent / "corpus"
    code, _, err = run_cli(capsys, "build", "--corpus", str(corpus), "--index", str(index))
    assert code == 0 and "qa calibrate --auto" not in err  # nothing changed: it still applies
    (corpus / "extra.md").write_text("# Extra\n\nA new reading about wasps.\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "build", "--corpus", str(corpus), "--index", str(index))
    assert code == 0
    assert "was for other readings than these" in err
    assert f"qa calibrate --auto --index {index}" in err


def test_the_app_says_at_start_when_the_auto_threshold_no_longer_applies(
    index, capsys, monkeypatch
):
    import uvicorn

    import qa.web.app

    code, _, _ = run_cli(capsys, "calibrate", "--auto", "--index", str(index))
    corpus = index.parent / "corpus"
    (corpus / "extra.md").write_text("# Extra\n\nA new reading about wasps.\n", encoding="utf-8")
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)  # start, but do not serve
    assert qa.web.app.main(["--index", str(index), "--corpus", str(corpus)]) == 0
    err = capsys.readouterr().err
    assert "note: The refusal threshold chosen by `qa calibrate --auto`" in err


def test_readings_mostly_in_another_language_keep_the_shipped_threshold(
    tmp_path, fake_model, index
):
    from qa.answering.retrieve import Retriever
    from qa.evaluation.autocalibrate import auto_calibrate, english_share

    corpus = tmp_path / "spanish"
    corpus.mkdir()
    sentences = (f"Las tropas de la base {i} se quedan en Corea por años." for i in range(30))
    (corpus / "tropas.md").write_text("# Las tropas\n\n" + " ".join(sentences), encoding="utf-8")
    build_index(corpus, tmp_path / "spanish-index", fake_model)
    for folder, english in ((tmp_path / "spanish-index", False), (index, True)):
        loaded = load_index(folder)
        found = auto_calibrate(Retriever(loaded, fake_model), 0.5, lambda q: 0.01)
        assert (found.english >= 0.5) is english
        assert found.threshold == (math.nextafter(0.01, 1.0) if english else 0.5)
    assert english_share(["The troops stay in Korea.", "Las tropas se quedan."]) == 0.5


def test_the_language_note_says_why_the_threshold_stays():
    from qa.evaluation.autocalibrate import AutoCalibration

    def result(english: float) -> AutoCalibration:
        return AutoCalibration(0.5, 0.5, (0.1,), ("What about bees?",), (0.9,), english)

    assert result(1.0).language_note() is None and result(0.5).language_note() is None
    note = result(0.3).language_note()
    assert note and "Only 30%" in note and "not lowered" in note
