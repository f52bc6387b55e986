"""Readings added and removed while the app runs (qa/corpus_manager.py), with the fake embedder:
only the new reading is embedded, the new index is swapped in whole (a question in flight finishes
on the old one), two uploads at once both land, a failed import or update leaves the corpus and the
index as they were. Also the feedback report behind the instructor area's Feedback tab.
"""

from __future__ import annotations

import shutil
import threading

import pytest

from qa.errors import IndexStoreError, ReadingError
from qa.index.store import build_index, load_index
from qa.web.corpus_manager import CorpusManager, check_file_name
from qa.web.feedback_report import feedback_report, per_day_svg, records_csv
from tests.support.fakes import FakeEmbedder, fake_assistant_over
from tests.support.paths import CORPUS
from tests.support.pdf_helpers import make_pdf

NOTES = "# Tidal energy\n\nTidal turbines in the Pentland Firth turn twice a day with the tide.\n"


@pytest.fixture
def setup(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    embedder = FakeEmbedder()
    assistant = fake_assistant_over(tmp_path / "corpus", tmp_path / "index", embedder)
    return (
        CorpusManager(assistant, tmp_path / "corpus", tmp_path / "index"),
        assistant,
        embedder,
        tmp_path,
    )


def state(manager, assistant):
    return (
        sorted((p.name, p.read_bytes()) for p in manager.corpus.iterdir() if p.is_file()),
        (manager.folder / "manifest.json").read_text(),
        assistant.index.manifest.build,
    )


def test_only_the_new_reading_is_embedded_and_the_assistant_answers_from_it(setup, tmp_path):
    manager, assistant, embedder, _ = setup
    before = embedder.texts_embedded
    change = manager.add_upload("tidal.md", NOTES.encode())
    assert change.added and change.doc in assistant.index.readings and change.chunks == 1
    # Reference: the same reading indexed alone gives the model exactly as many texts.
    alone = tmp_path / "alone"
    (alone / "corpus").mkdir(parents=True)
    (alone / "corpus" / "tidal.md").write_text(NOTES, encoding="utf-8")
    reference = FakeEmbedder()
    build_index(alone / "corpus", alone / "index", reference)
    assert embedder.texts_embedded - before == reference.texts_embedded > 0
    answer = assistant.ask("Where do tidal turbines turn twice a day?")
    assert answer.passages[0].doc == change.doc
    listed = {r.doc: r for r in manager.readings()}
    assert listed[change.doc].status == "indexed" and listed[change.doc].chunks == 1


def test_a_question_in_flight_finishes_on_the_index_it_started_with(setup):
    manager, assistant, _, _ = setup
    manager.add_upload("tidal.md", NOTES.encode())
    old = assistant.index
    retriever = assistant.retriever
    original = retriever.retrieve

    def slow_retrieve(
        *args, **kwargs
    ):  # the reading is removed while this question is being answered
        found = original(*args, **kwargs)
        manager.remove("tidal-energy")
        return found

    retriever.retrieve = slow_retrieve
    answer = assistant.ask("Where do tidal turbines turn twice a day?")
    assert answer.passages[0].doc == "tidal-energy" and "Pentland Firth" in answer.passages[0].text
    assert assistant.index is not old and "tidal-energy" not in assistant.index.readings
    assert all(
        p.doc != "tidal-energy"
        for p in assistant.ask("Where do tidal turbines turn twice a day?").passages
    )


def test_two_uploads_at_once_both_land(setup):
    manager, assistant, _, _ = setup
    texts = {
        f"topic-{n}.md": f"# Topic {n}\n\nParagraph number {n} about subject {n}.\n"
        for n in range(4)
    }
    start = threading.Barrier(len(texts))
    errors = []

    def upload(name, text):
        start.wait()
        try:
            manager.add_upload(name, text.encode())
        except Exception as exc:  # pragma: no cover - the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=item) for item in texts.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert {f"topic-{n}" for n in range(4)} <= set(assistant.index.readings)
    assert {f"topic-{n}.md" for n in range(4)} <= {p.name for p in manager.corpus.iterdir()}
    assert load_index(manager.folder).readings.keys() == assistant.index.readings.keys()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.pdf", make_pdf([None]), "no extractable text"),
        ("broken.pdf", b"%PDF-1.4 not really", "damaged"),
        ("notes.md", b"", "empty"),
        ("../notes.md", NOTES.encode(), "plain file name"),
        ("notes.pptx", b"PK", "unsupported file type"),
        ("notes.docx", b"PK\x03\x04 not a zip", "is not a Word document"),
        ("big.md", b"x" * 50_000_001, "over the limit"),
    ],
)
def test_a_failed_import_leaves_corpus_and_index_as_they_were(setup, name, data, message):
    manager, assistant, _, _ = setup
    before = state(manager, assistant)
    with pytest.raises(ReadingError, match=message):
        manager.add_upload(name, data)
    assert state(manager, assistant) == before


def test_a_failed_index_update_is_undone(setup, monkeypatch):
    import qa.web.corpus_manager

    manager, assistant, _, _ = setup
    manager.add_upload("tidal.md", NOTES.encode())
    before = state(manager, assistant)

    def broken(*args, **kwargs):
        raise IndexStoreError("disk full")

    monkeypatch.setattr(qa.web.corpus_manager, "build_index", broken)
    with pytest.raises(IndexStoreError):
        manager.add_upload("other.md", b"# Other\n\nAnother reading entirely.\n")
    assert state(manager, assistant) == before
    with pytest.raises(IndexStoreError):
        manager.remove("tidal-energy")
    assert state(manager, assistant) == before


def test_remove_updates_the_index_and_refuses_the_last_reading(setup):
    manager, assistant, _, _ = setup
    change = manager.add_upload("tidal.md", NOTES.encode())
    removed = manager.remove(change.doc)
    assert removed.removed and change.doc not in assistant.index.readings
    assert not (manager.corpus / "tidal-energy.md").exists()
    with pytest.raises(ReadingError, match="no reading with that id"):
        manager.remove("no-such-reading")
    with pytest.raises(ReadingError, match="only reading"):
        manager.remove("south-korea-us-alliance")


def test_the_same_reading_twice_changes_nothing(setup):
    manager, assistant, _, _ = setup
    manager.add_upload("tidal.md", NOTES.encode())
    before = state(manager, assistant)
    again = manager.add_upload("tidal-copy.md", NOTES.encode())
    assert not again.added and again.doc == "tidal-energy" and state(manager, assistant) == before


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("chapter-3.pdf", True),
        ("Notes 2026.md", True),
        ("page.HTML", True),
        ("", False),
        ("a/b.md", False),
        ("a\\b.md", False),
        ("..md", False),
        (".hidden.md", False),
        ("x\x00.md", False),
        ("noext", False),
    ],
)
def test_check_file_name(name, ok):
    if ok:
        assert check_file_name(name) == name
    else:
        with pytest.raises(ReadingError):
            check_file_name(name)


# ---------------------------------------------------------------------------- feedback report


RECORDS = [
    {
        "time": "2026-12-01T09:00:00+0000",
        "kind": "question",
        "question": "What is USFK?",
        "abstained": False,
    },
    {
        "time": "2026-12-01T09:05:00+0000",
        "kind": "question",
        "question": "Who won the 2022 World Cup?",
        "abstained": True,
    },
    {
        "time": "2026-12-02T10:00:00+0000",
        "kind": "question",
        "question": "who won the 2022  world cup?",
        "abstained": True,
    },
    {
        "time": "2026-12-02T10:01:00+0000",
        "kind": "question",
        "question": "What is OPCON?",
        "abstained": False,
    },
    {
        "time": "2026-12-02T10:02:00+0000",
        "kind": "vote",
        "question": "What is OPCON?",
        "vote": "down",
        "passage_ids": ["a-1", "a-2"],
        "comment": '=HYPERLINK("x")',
    },
]


def test_feedback_report_counts_days_and_most_refused():
    report = feedback_report(RECORDS)
    assert [(d.day, d.questions, d.refused) for d in report.days] == [
        ("2026-12-01", 2, 1),
        ("2026-12-02", 2, 1),
    ]
    assert report.most_refused == (("Who won the 2022 World Cup?", 2),)
    assert report.summary.questions == 4 and report.summary.votes_down == 1
    data = report.to_json()
    assert data["per_day"][0] == {"day": "2026-12-01", "questions": 2, "refused": 1}


def test_feedback_report_of_an_empty_log():
    report = feedback_report([])
    assert report.days == () and report.most_refused == () and report.summary.questions == 0
    assert "No questions in the log yet" in per_day_svg(report.days)


def test_records_csv_reads_back_and_defuses_formulas():
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(records_csv(RECORDS))))
    assert len(rows) == len(RECORDS) and rows[1]["abstained"] == "True"
    assert rows[4]["passage_ids"] == "a-1|a-2" and rows[4]["comment"].startswith("'=")


def test_per_day_svg_draws_one_bar_a_day_and_escapes():
    days = feedback_report(RECORDS).days
    svg = per_day_svg(days, share=True)
    assert svg.count("<rect") == 2 and "50% refused" in svg and svg.startswith("<svg")


def test_a_threshold_chosen_from_the_readings_alone_follows_them(setup):
    from qa.evaluation.autocalibrate import calibrate_assistant
    from qa.index.store import corpus_fingerprint, write_calibration

    manager, assistant, _, _ = setup
    _, record = calibrate_assistant(assistant)
    write_calibration(manager.folder, record)
    manager.reload()
    change = manager.add_upload("tidal.md", NOTES.encode())
    assert any("chosen again from the readings alone" in n for n in change.notes)
    index = load_index(manager.folder)
    assert index.calibration["rule"] == "auto"
    assert index.calibration["corpus_sha256"] == corpus_fingerprint(index.manifest.files)
    assert assistant.index.threshold == index.threshold  # the app answers with it at once
    removed = manager.remove(change.doc)
    assert any("chosen again" in n for n in removed.notes)
    again = load_index(manager.folder).calibration
    assert again["corpus_sha256"] == corpus_fingerprint(load_index(manager.folder).manifest.files)


def test_a_threshold_chosen_on_a_question_set_is_left_as_it_is(setup):
    from qa.index.store import CONFIDENCE_SCALE, write_calibration

    manager, assistant, embedder, _ = setup
    chosen = {"threshold": 0.42, "rule": "f1", "model": embedder.name, "scale": CONFIDENCE_SCALE}
    write_calibration(manager.folder, chosen)
    change = manager.add_upload("tidal.md", NOTES.encode())
    assert change.notes == () and assistant.index.threshold == 0.42


def test_a_failed_recalibration_still_indexes_the_reading(setup, monkeypatch):
    from qa.errors import QAError
    from qa.evaluation import autocalibrate
    from qa.evaluation.autocalibrate import calibrate_assistant
    from qa.index.store import write_calibration

    manager, assistant, _, _ = setup
    write_calibration(manager.folder, calibrate_assistant(assistant)[1])

    for error in (QAError("disk full"), RuntimeError("a bug")):

        def broken(assistant, error=error):
            raise error

        monkeypatch.setattr(autocalibrate, "calibrate_assistant", broken)
        change = manager.add_upload("tidal.md", NOTES.encode())
        assert change.added and change.doc in assistant.index.readings
        assert (manager.corpus / change.file).is_file()  # the corpus and the index agree
        assert any(f"could not be chosen again ({error})" in n for n in change.notes)
        assert assistant.index.calibration["rule"] != "auto"  # stale: the fallback applies
        removed = manager.remove(change.doc)
        assert removed.removed and change.doc not in load_index(manager.folder).readings


def test_a_threshold_from_readings_that_changed_since_is_not_used(setup):
    from qa.evaluation.autocalibrate import calibrate_assistant
    from qa.web.instructor_ui import _calibrate_events

    manager, assistant, _, _ = setup
    _, on_auto, on_use = _calibrate_events(assistant, manager)
    *_, record = on_auto()
    assert record["rule"] == "auto"
    manager.add_upload("tidal.md", NOTES.encode())  # between "From the readings alone" and "Use"
    message, _ = on_use(record)
    assert "The readings changed after this threshold was chosen" in str(message)
    assert not (manager.folder / "calibration.json").exists()
    message, _ = on_use(calibrate_assistant(assistant)[1])
    assert "now answered with the threshold" in str(message)
