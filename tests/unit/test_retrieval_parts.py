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
    assert terms("long-range fires", STEM) == ["long-rang", "long", "rang", "fire"]
    # (a part that is a stop word or a single letter is left out, as any such word)
    assert terms("off-peninsula", STEM) == ["off-peninsula", "peninsula"]
    assert terms("M-x", STEM) == ["m-x"]
    assert normalize_question(" How\x00 many\n troops? ") == ("How many troops?", None)


def test_fact_request_reads_the_kind_of_fact_asked_for():
    assert fact_request("How many troops are there?") == FactRequest(number=True)
    assert fact_request("When did it start?").date
    assert fact_request("What does USFK stand for?").acronyms == {"USFK"}
    assert fact_request("What did Gen. Brunson say?").speaker == ("Gen", "Brunson")
    assert fact_request("Why?") == FactRequest()


def test_fact_request_reads_a_person_asked_for():
    for question in (
        "Who commands the fleet?",
        "To whom did she write?",
        "Whose plan was it?",
        "Which former South Korean president linked the two?",
        "What officials attended?",
    ):
        assert fact_request(question).person is not None, question
    asked = fact_request("Which foreign leader has Kim Jong Un embraced?")
    assert {"kim", "jong", "un"} <= asked.person  # (a name of these words is not the answer)
    for question in (
        "Which file is it?",
        "What is the capital?",
        "How many ships?",
        "Who is Gen. Xavier Brunson?",  # asks about someone named: a description answers
        "Which man page documents it?",
        "What does the author recommend officials do?",  # (the author is no answer here)
    ):
        assert fact_request(question).person is None, question


def test_people_are_named_by_a_title_or_a_deed_before_them():
    from qa.answering.features import _people

    texts = [
        "The Bush administration, and Defense Secretary Donald Rumsfeld in particular, agreed.",
        "Secretary of Defense Pete Hegseth made it clear.",
        "Commander Adm. Samuel J. Paparo said so.",
        "The module was initially written by Sterling Hughes.",
        "If progressive candidate Lee Jae-myung wins, the policy changes.",
        "The President of the United States spoke.",  # no name after the title
        "South Korea and North Korea met in Panmunjom.",  # places, no title
        "The president said nothing.",
        "It is free under the GNU General Public License.",  # organisations and places
        "It was developed by Bell Labs in the Prince Edward Island office.",
        "Leader Kim Jong Un’s statement was short.",  # (a possessive is the same name)
    ]
    assert _people(texts) == {
        0: [frozenset({"donald", "rumsfeld"})],
        1: [frozenset({"pete", "hegseth"})],
        2: [frozenset({"samuel", "j", "paparo"})],
        3: [frozenset({"sterling", "hughes"})],
        4: [frozenset({"lee", "jae-myung"})],
        10: [frozenset({"kim", "jong", "un"})],
    }


def test_a_sentence_naming_someone_else_is_the_answer_to_who(tmp_path, fake_embedder):
    """Of two sentences with the question's words, the one that names a person (not the one
    asked about) answers "which leader"; without the answer type the other one wins."""
    from dataclasses import replace

    from qa.answering.retrieve import Retriever
    from qa.index.store import build_index, load_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "summit.md").write_text(
        "# Summit notes\n\n"
        "Kim Jong Un has embraced closer ties with a neighbouring state.\n\n"
        "The weather at the summit was cold and the talks ran late into the night.\n\n"
        "Kim has embraced Russian President Vladimir Putin at the summit.\n",
        encoding="utf-8",
    )
    build_index(corpus, tmp_path / "index", fake_embedder)
    index = load_index(tmp_path / "index")

    def highlight(settings: RetrievalSettings) -> str:
        found = Retriever(index, fake_embedder, settings).retrieve(
            "Which foreign leader has Kim Jong Un embraced?", k=1
        )
        top = found.candidates[0]
        sentence = top.chunk.sentences[top.best_sentence]
        return top.chunk.text[sentence.start - top.chunk.start : sentence.end - top.chunk.start]

    assert "Vladimir Putin" in highlight(RetrievalSettings())
    assert "Vladimir Putin" not in highlight(replace(RetrievalSettings(), sent_type=0.0))


def test_fact_request_reads_a_term_asked_to_be_defined():
    assert fact_request("What is completion?", STEM).defined == {"complet"}
    assert fact_request("What was the Marshall Plan?", STEM).defined == {"marshal", "plan"}
    assert fact_request("What does PROMPT_CR mean?", STEM).defined == {"prompt", "cr"}
    assert fact_request("Define multibyte input.", STEM).defined == {"multibyt", "input"}
    for question in (
        "What is it?",  # no word of its own
        "What's wrong with cut and paste on my xterm?",  # a situation, not a term
        "How is completion done?",
        "What is completion?",  # (without the stemmer: not read)
    ):
        stem = None if question == "What is completion?" else STEM
        assert fact_request(question, stem).defined is None, question


def test_a_defining_sentence_is_one_whose_subject_is_the_term():
    from qa.answering.features import _subjects

    texts = [
        "`Completion' is where you hit a particular key and the shell finishes the word.",
        "libcurl is a library for transfers.",
        "The shell offers completion of file names and it is fast.",  # completion is no subject
        "The Marshall Plan was an American initiative to aid Western Europe.",
        "Under the plan that the committee drew up after long debate, the aid is paid.",  # long
    ]
    subjects = _subjects(texts, STEM)
    assert list(subjects["complet"]) == [0]
    assert list(subjects["libcurl"]) == [1]
    assert list(subjects["marshal"]) == list(subjects["plan"]) == [3]


def test_the_sentence_defining_the_term_answers_what_is_it(tmp_path, fake_embedder):
    """Of sentences that all hold the term, the one whose subject it is answers "what is X";
    without the answer type another one wins."""
    from dataclasses import replace

    from qa.answering.retrieve import Retriever
    from qa.index.store import build_index, load_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "shell.md").write_text(
        "# Shell notes\n\n"
        "What the shell offers is completion.\n\n"
        "Many users turn completion off in scripts, where nobody types.\n\n"
        "Completion is where the shell guesses the word you are typing and finishes it.\n",
        encoding="utf-8",
    )
    build_index(corpus, tmp_path / "index", fake_embedder)
    index = load_index(tmp_path / "index")

    def highlight(settings: RetrievalSettings) -> str:
        found = Retriever(index, fake_embedder, settings).retrieve("What is completion?", k=1)
        top = found.candidates[0]
        sentence = top.chunk.sentences[top.best_sentence]
        return top.chunk.text[sentence.start - top.chunk.start : sentence.end - top.chunk.start]

    assert highlight(RetrievalSettings()).startswith("Completion is where")
    assert not highlight(replace(RetrievalSettings(), sent_type=0.0)).startswith("Completion is")


def test_code_is_told_from_prose_by_its_layout_and_its_words(tmp_path, fake_embedder):
    """A line indented four columns or fenced is code, unless it reads as a sentence."""
    from qa.answering.features import _code_sentences
    from qa.index.store import build_index, load_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "howto.md").write_text(
        "# How to\n\n"
        "Run the program with the input file name.\n\n"
        "    prog --input data.txt > out.log\n\n"
        "    The request requires user authentication.\n\n"
        "```\nmake install PREFIX=/usr\n```\n\n"
        "That is all there is to it.\n",
        encoding="utf-8",
    )
    build_index(corpus, tmp_path / "index", fake_embedder)
    index = load_index(tmp_path / "index")
    reading = index.readings[index.chunks[0].doc].text
    code = _code_sentences(index)
    texts = [reading[s.start : s.end] for c in index.chunks for s in c.sentences]
    marked = {t.strip("`\n "): bool(flag) for t, flag in zip(texts, code, strict=True)}
    assert marked["Run the program with the input file name."] is False
    assert marked["prog --input data.txt > out.log"] is True
    assert marked["The request requires user authentication."] is False  # indented prose
    assert marked["make install PREFIX=/usr"] is True
    assert marked["That is all there is to it."] is False


def test_a_passage_is_ranked_by_its_prose_not_by_its_code():
    """A code line that holds the question's words scores below a prose sentence that holds
    fewer: the code sentence's own score and a pair of two code lines are moved below."""
    from scipy import sparse

    from qa.answering.features import SentenceTerms
    from qa.answering.fusion import score_sentences

    own = sparse.csr_matrix(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], dtype=np.float32))
    none = sparse.csr_matrix((3, 3), dtype=np.float32)
    terms_ = SentenceTerms(
        own=own,
        heading=none,
        window=own,
        window_norm=np.ones(3, dtype=np.float32),
        previous=np.array([-1, -1, -1]),
        continues=np.zeros(0, dtype=np.int64),
        code=np.array([True, False, False]),
    )
    weights = np.ones(3, dtype=np.float32)
    scores = score_sentences(
        np.array([0.9, 0.3, 0.4], dtype=np.float32),
        terms_,
        np.zeros(3, dtype=np.float32),
        weights,
        3.0,
        RetrievalSettings(),
    )
    assert np.argmax(scores.score) == 2
    assert scores.score[0] < scores.score[1] < scores.score[2]
    assert scores.similarity[0] == pytest.approx(0.9)  # (the confidence still sees it)


def test_a_sentence_after_a_colon_or_leaning_back_continues_the_one_before():
    from qa.answering.features import _continued_sentences

    texts = [
        "Here's a rough step-by-step:",
        "Copy the configure script and adjust it to the new system.",  # introduced by the colon
        "Build the library once.",
        "This should be enough.",  # leans on the one before
        "Other readings say nothing of it.",
    ]
    docs = ["a", "a", "a", "a", "b"]
    assert list(_continued_sentences(texts, docs)) == [-1, 0, -1, 2, -1]
    # (a colon at the end of another reading's last sentence introduces nothing here)
    assert list(_continued_sentences(["Run this:", "It works."], ["a", "b"])) == [-1, -1]


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
