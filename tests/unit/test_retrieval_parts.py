"""The pure parts of retrieval: question analysis, fact requests, rank fusion, confidence."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import Stemmer
from hypothesis import given
from hypothesis import strategies as st

from qa.answering.confidence import NAMED_PERSON_CONFIDENCE, Evidence, answerable
from qa.answering.fusion import reciprocal_rank_fusion
from qa.answering.question import (
    FactRequest,
    analyse_question,
    asks_who_is,
    fact_request,
    name_counts,
    normalize_question,
    resolve_followup,
    terms,
    unreadable_words,
)
from qa.answering.settings import RetrievalSettings
from tests.support.paths import ROOT
from tests.support.readings_fixtures import one_reading_corpus

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


def _one_reading_index(folder, embedder, name: str, text: str, max_tokens: int = 250):
    """The index of one reading, `name`.md holding `text`, built in `folder`."""
    from qa.index.chunk import ChunkSettings
    from qa.index.store import build_index, load_index

    corpus = one_reading_corpus(folder / "corpus", f"{name}.md", text)
    build_index(corpus, folder / "index", embedder, ChunkSettings(max_tokens=max_tokens))
    return load_index(folder / "index")


def _quoted(index, embedder, question: str, k: int = 1, settings=None) -> list[str]:
    """What the top `k` passages quote (their highlights) for `question`."""
    from qa.answering.retrieve import Retriever

    found = Retriever(index, embedder, settings or RetrievalSettings()).retrieve(question, k=k)
    return [index.readings[c.chunk.doc].text[slice(*c.highlight)] for c in found.candidates]


def test_a_sentence_naming_someone_else_is_the_answer_to_who(tmp_path, fake_embedder):
    """Of two sentences with the question's words, the one that names a person (not the one
    asked about) answers "which leader"; without the answer type the other one wins."""
    from dataclasses import replace

    index = _one_reading_index(
        tmp_path,
        fake_embedder,
        "summit",
        "# Summit notes\n\n"
        "Kim Jong Un has embraced closer ties with a neighbouring state.\n\n"
        "The weather at the summit was cold and the talks ran late into the night.\n\n"
        "Kim has embraced Russian President Vladimir Putin at the summit.\n",
    )
    question = "Which foreign leader has Kim Jong Un embraced?"
    untyped = replace(RetrievalSettings(), sent_type=0.0)
    assert "Vladimir Putin" in _quoted(index, fake_embedder, question)[0]
    assert "Vladimir Putin" not in _quoted(index, fake_embedder, question, settings=untyped)[0]


def test_fact_request_reads_a_term_asked_to_be_defined():
    assert fact_request("What is completion?", STEM).defined == {"complet"}
    assert fact_request("What was the Marshall Plan?", STEM).defined == {"marshal", "plan"}
    assert fact_request("What does PROMPT_CR mean?", STEM).defined == {"prompt", "cr"}
    assert fact_request("Define multibyte input.", STEM).defined == {"multibyt", "input"}
    assert fact_request("What is libcurl used for?", STEM).defined == {"libcurl"}
    assert fact_request("What is meant by alliance?", STEM).defined == {"allianc"}
    assert fact_request("What is zsh and how do I get it?", STEM).defined == {"zsh"}
    for question in (
        "What is it?",  # no word of its own
        "What's wrong with cut and paste on my xterm?",  # a situation, not a term
        "How is completion done?",
        "What is completion?",  # (without the stemmer: not read)
        "What was it like?",  # ("like", "used for", "for", "about" after a term are not of it)
        "What is it used for?",
        "What is 2+2?",  # (numbers alone are no term)
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

    index = _one_reading_index(
        tmp_path,
        fake_embedder,
        "shell",
        "# Shell notes\n\n"
        "What the shell offers is completion.\n\n"
        "Many users turn completion off in scripts, where nobody types.\n\n"
        "Completion is where the shell guesses the word you are typing and finishes it.\n",
    )
    untyped = replace(RetrievalSettings(), sent_type=0.0)
    assert _quoted(index, fake_embedder, "What is completion?")[0].startswith("Completion is where")
    assert not _quoted(index, fake_embedder, "What is completion?", settings=untyped)[0].startswith(
        "Completion is"
    )


def _code_flags(name: str, text: str) -> dict[str, bool]:
    """Each sentence of one reading (whitespace folded) -> whether retrieval takes it for code."""
    from types import SimpleNamespace

    from qa.answering.features import _code_sentences
    from qa.index.chunk import ChunkSettings, chunk_reading
    from qa.readings.records import parse_reading

    reading = parse_reading(text, name.rsplit(".", 1)[0], markdown=name.endswith(".md"))
    chunks = chunk_reading(reading, lambda t: len(t.split()), ChunkSettings())
    index = SimpleNamespace(readings={reading.doc: reading}, chunks=chunks)
    sentences = [reading.text[s.start : s.end] for c in chunks for s in c.sentences]
    return {
        " ".join(t.split()): bool(flag)
        for t, flag in zip(sentences, _code_sentences(index), strict=True)
    }


def test_code_is_what_markdown_sets_as_code_unless_it_reads_as_a_sentence():
    marked = _code_flags(
        "howto.md",
        "# How to\n\n"
        "Run the program with the input file name.\n\n"
        "    prog --input data.txt > out.log\n\n"
        "    The request requires user authentication.\n\n"
        "```\nmake install PREFIX=/usr\n```\n\n"
        "That is all there is to it.\n",
    )
    assert marked == {
        "Run the program with the input file name.": False,
        "prog --input data.txt > out.log": True,
        "The request requires user authentication.": False,  # indented prose
        "``` make install PREFIX=/usr ```": True,
        "That is all there is to it.": False,
    }


def test_a_list_items_indented_content_is_not_code():
    """Four columns in after a list item are its content (a nested item, a wrapped line on which
    a sentence begins), as Markdown and Pandoc's output have it; so are the facts in them."""
    marked = _code_flags(
        "notes.md",
        "# Key dates\n\n"
        "1.  The treaty was signed in October 1953, after the armistice. In\n"
        "    1978 the CFC was set up in Seoul. OPCON moved to the CFC then.\n\n"
        "2.  Wartime control stayed with the U.S. general.\n\n"
        "    -   In 1994, peacetime OPCON returned to Seoul.\n\n"
        "    Both steps were driven by the ROK.\n\n"
        "The alliance changed in these steps.\n\n"
        "    rm -rf build/\n",
    )
    assert not any(flag for sentence, flag in marked.items() if "rm -rf" not in sentence)
    assert marked["rm -rf build/"] is True  # (after a paragraph that is no list item: code)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # pandoc's fenced block inside a numbered item: code
        ("1.  Build it first:\n\n    ``` sh\n    ./configure && make\n    ```\n", "./configure"),
        ("-   Install it with the tool:\n\n        make install PREFIX=/usr\n", "make install"),
        ("- Install it with the tool:\n\n      make install PREFIX=/usr\n", "make install"),
        # a fence straight under its introduction, and the prose straight after it
        (
            "Add this to your script:\n```python\nOUT = '/tmp/out'\n```\nThen run it as root.\n",
            "OUT",
        ),
        ("-   An item of the list here.\n\n```\nmake all\n```\n\nProse after it.\n", "make all"),
        ("- An item of the list.\n\n<!-- note -->\n\n    make all\n", "make all"),
    ],
)
def test_code_in_and_after_a_list_item_is_found_as_commonmark_places_it(text, code):
    """Four columns past a list item's content column are code inside the item; a fence may open
    at the item's column; a comment, a heading or a fence at the margin ends the list."""
    marked = _code_flags("x.md", "# T\n\n" + text)
    assert [s for s, flag in marked.items() if flag] == [s for s in marked if code in s], marked


def test_plain_text_has_no_code_and_fences_are_read_as_the_reader_reads_them():
    """A plain-text reading indents its prose (a man page) and underlines headings with ~~~; in
    Markdown a ~~~ line inside a ``` block, or a ``` line indented as code, opens no fence."""
    man = _code_flags(
        "tar.txt",
        "Introduction\n~~~~~~~~~~~~\n\n"
        "       -S, --sparse\n              Handle sparse files efficiently.\n\n"
        "Usage\n~~~~~\n\n       Spellcheck was written in 1998 by NASA at JPL.\n",
    )
    assert not any(man.values())
    markdown = _code_flags(
        "fences.md",
        "# Fences\n\nA fence can hold another mark.\n\n```\ncat <<EOF\n~~~\nEOF\n```\n\n"
        "Markdown was created by John Gruber in 2004.\n\n"
        "    ```\n    shown as it is\n\n"
        "Pandoc 3.1 converts it to HTML.\n",
    )
    assert markdown["Markdown was created by John Gruber in 2004."] is False
    assert markdown["``` shown as it is"] is True
    assert markdown["Pandoc 3.1 converts it to HTML."] is False
    # A line opening with a ```code``` span is no fence: the text after it stays prose.
    spans = _code_flags(
        "spans.md", "# Spans\n\n```x``` marks code inline here.\n\nThe rest is prose again.\n"
    )
    assert spans["The rest is prose again."] is False


def _sentence_terms(own, **fields):
    """`SentenceTerms` over a 0/1 word matrix `own` (rows: sentences): no heading words, none
    continuing another, no code, no pointer, but for `fields`."""
    from scipy import sparse

    from qa.answering.features import SentenceTerms

    own = sparse.csr_matrix(np.array(own, dtype=np.float32))
    n = own.shape[0]
    defaults = {
        "own": own,
        "heading": sparse.csr_matrix(own.shape, dtype=np.float32),
        "window": own,
        "window_norm": np.ones(n, dtype=np.float32),
        "previous": np.full(n, -1),
        "continues": np.zeros(0, dtype=np.int64),
        "code": np.zeros(n, dtype=bool),
        "pointer": np.zeros(n, dtype=bool),
    }
    return SentenceTerms(**{**defaults, **fields})


def _scored(similarity, terms_):
    """The sentences scored with the shipped settings, every word of the question weighing one
    and no answer type asked."""
    from qa.answering.fusion import score_sentences

    columns = terms_.own.shape[1]
    return score_sentences(
        np.array(similarity, dtype=np.float32),
        terms_,
        np.zeros(len(similarity), dtype=np.float32),
        np.ones(columns, dtype=np.float32),
        float(columns),
        RetrievalSettings(),
    )


def test_a_passage_is_ranked_by_its_prose_not_by_its_code():
    """A code line that holds the question's words scores below a prose sentence that holds
    fewer: the code sentence's own score, and two code lines read together, are moved below."""
    from dataclasses import replace

    terms_ = _sentence_terms([[1, 1, 1], [1, 0, 0], [1, 1, 0]], code=np.array([True, False, False]))
    scores = _scored([0.9, 0.3, 0.4], terms_)
    assert np.argmax(scores.score) == 2
    assert scores.score[0] < scores.score[1] < scores.score[2]
    assert scores.similarity[0] == pytest.approx(0.9)  # (the confidence still sees it)
    # Code introduced by a colon ("Put this in your profile:") is read with its introduction and
    # quoted with it: the pair keeps its score. Two code lines read together are moved below.
    introduced = replace(
        terms_,
        previous=np.array([-1, 0, -1]),
        continues=np.array([1]),
        code=np.array([False, True, False]),
    )
    scores = _scored([0.3, 0.9, 0.4], introduced)
    assert scores.read_with_previous[1] and scores.score[1] > scores.score[2]
    both_code = replace(introduced, code=np.array([True, True, False]))
    scores = _scored([0.3, 0.9, 0.4], both_code)
    assert scores.score[1] < scores.score[2]


@pytest.mark.parametrize(
    "sentence, points",
    [
        ("One final alternative is to put a newline in your prompt -- see question 3.13.", True),
        ("See 3.21 for what to put in .zshrc to save your history.", True),
        ("Please see [question G3] above for what to report.", True),
        ("Bugs are tracked on the mailing list; see the next section.", True),
        ("- * Shell word splitting: see question 3.1.", True),
        ("Not all redirects are HTTP ones, see 4.14", True),
        # A pointer in brackets inside a sentence that says something is an aside.
        ("curl supports HTTP redirects well (see item 3.8).", False),
        ("Enquiries should be sent to the mailing list (see question 6.2).", False),
        ("As discussed in Section 2, the treaty requires consultation.", False),
        # Another work, a figure, a table or a page holds no text of the reading to go to.
        ("For the details, see the manual page.", False),
        ("See Table 2 for the results.", False),
        ("The trend is clear (see Fig. 3).", False),
        # "See" as an ordinary verb.
        ("The city expects to see 1.2 million tourists.", False),
        ("Farmers in the south see below-average rainfall.", False),
        ("We see the difference between the two shells.", False),
        ("The rise is explained in part by prices.", False),
    ],
)
def test_a_sentence_pointing_elsewhere_in_the_reading_is_known(sentence, points):
    from qa.answering.features import _POINTS_ELSEWHERE

    assert bool(_POINTS_ELSEWHERE.search(sentence)) is points


def test_a_sentence_pointing_to_another_part_of_the_reading_loses_an_answer_types_worth(
    tmp_path, fake_embedder
):
    """ "See question 3.13 for a newline in your prompt" shares the question's words; the passage
    it points to answers. The pointer scores what an answer type adds less, and only that."""
    from dataclasses import replace

    from qa.answering.retrieve import Retriever

    text = (
        "# Prompts\n\nOne alternative is to put a newline in your prompt; see question 3.13.\n\n"
        "# Quoting\n\nA newline in your prompt needs the dollar quotes around the newline.\n"
    )
    index = _one_reading_index(tmp_path, fake_embedder, "faq", text)
    retriever = Retriever(index, fake_embedder)
    terms_ = retriever.sentences.terms
    assert terms_.pointer.tolist() == [True, False]
    scores = _scored([0.5, 0.5], terms_)
    before = _scored([0.5, 0.5], replace(terms_, pointer=np.zeros(2, dtype=bool)))
    assert scores.score[0] == pytest.approx(before.score[0] - RetrievalSettings().sent_type)
    assert scores.score[1] == pytest.approx(before.score[1])


def test_a_pointer_read_with_the_sentence_after_it_still_loses_an_answer_types_worth():
    """ "For a newline in your prompt, see question 3.13. It works in every version.": the second
    leans on the first and is scored read with it; the pair holds the pointer."""
    from dataclasses import replace

    terms_ = _sentence_terms(
        [[1, 1], [0, 0]],
        window=_sentence_terms([[1, 1], [1, 1]]).own,
        previous=np.array([-1, 0]),
        continues=np.array([1]),
        pointer=np.array([True, False]),
    )
    marked = _scored([0.8, 0.1], terms_)
    unmarked = _scored([0.8, 0.1], replace(terms_, pointer=np.zeros(2, dtype=bool)))
    assert marked.read_with_previous[1] and unmarked.read_with_previous[1]
    assert marked.score[1] == pytest.approx(unmarked.score[1] - RetrievalSettings().sent_type)


def test_explain_shows_a_code_sentence_score_without_its_offset():
    from qa.answering.fusion import shown_score

    assert shown_score(0.8) == "0.800"
    assert shown_score(0.8 - 100.0) == "0.800 code"


def test_code_whose_introduction_ends_the_passage_before_is_not_quoted_bare(
    tmp_path, fake_embedder
):
    """The code line is scored with the sentence introducing it, which the passage before ends
    with: quoted alone it would be bare code, so the passage's prose is quoted."""
    text = (
        "# Editing\n\nLine editing in the shell has many widgets for moving around the line.\n\n"
        "To open the current line in your editor, load the widget:\n\n"
        "    bindkey '^Xe' edit-command-line\n\n"
        "Then press the keys to edit the input buffer in the editor named by EDITOR.\n"
    )
    index = _one_reading_index(tmp_path / "a", fake_embedder, "zle", text, max_tokens=32)
    reading = index.readings["zle"].text
    chunks = [[reading[s.start : s.end] for s in c.sentences] for c in index.chunks]
    assert chunks[1] == ["bindkey '^Xe' edit-command-line", chunks[1][1]]  # (the layout tested)
    quoted = _quoted(index, fake_embedder, "How do I edit the command line?", k=2)
    assert not any(q.startswith("bindkey") for q in quoted)
    assert any(q.startswith("Then press the keys") for q in quoted)
    # Prose after the code that holds no word of the question is another topic: the code stays.
    off_topic = text.replace(
        "Then press the keys to edit the input buffer in the editor named by EDITOR.",
        "See question 3.5 about prompts for more on that subject here.",
    )
    index = _one_reading_index(tmp_path / "b", fake_embedder, "zle", off_topic, max_tokens=32)
    quoted = _quoted(index, fake_embedder, "How do I edit the command line?", k=2)
    assert not any(q.startswith("See question") for q in quoted)


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


KOREAN = "주한미군은 몇 명입니까?"  # "How many US troops are in Korea?"
EARLIER = "How many US trooops are statoined in Suoth Korea?"  # (typed in a hurry)
TROOP_READING = (  # (a chunk a paragraph: "Korea" in most of them, so the readings' name)
    "# Troops\n\n"
    "Gen. Xavier Brunson said the 28,500 US troops in South Korea are a manpower floor.\n\n"
    "Lee Jae-myung won South Korea's presidential election on June 3.\n\n"
    "North Korea has agency, and diplomacy with Pyongyang is not up to Seoul alone.\n\n"
    "Seoul and Washington came to an understanding on strategic flexibility in 2006.\n"
)


@pytest.mark.parametrize(
    "question, history, query",
    [
        ("What did he say?", ["Who is Gen. Brunson?"], "What did Gen. Brunson say?"),
        ("When was it agreed?", ["What is strategic flexibility?"], None),  # (filled in)
        (KOREAN, [EARLIER], KOREAN),
        ("🇰🇷🇺🇸❓", [EARLIER], "🇰🇷🇺🇸❓"),
        ("¿Qué dijo él?", ["Who is Gen. Brunson?"], "¿Qué dijo él?"),
        ("What did he say?", [KOREAN], "What did he say?"),  # no topic from what it cannot read
        (KOREAN, [], KOREAN),
    ],
)
def test_only_a_question_it_can_read_is_filled_in_from_the_conversation(question, history, query):
    resolved = resolve_followup(question, history)
    if query is None:
        assert resolved != question and "strategic flexibility" in resolved
    else:
        assert resolved == query


def test_a_question_in_another_language_takes_no_words_from_the_conversation():
    asked = analyse_question(KOREAN, [EARLIER], STEM, {"korea": 5, "troop": 3})
    assert asked.query == KOREAN and asked.terms == () and asked.history_terms == ()
    assert asked.unreadable == 3  # (its three words, none of which `terms` reads)


@pytest.mark.parametrize(
    "text, count",
    [
        ("Tell me about 주한미군 please", 1),
        (KOREAN, 3),
        ("Где он служит?", 3),
        ("Who is José Müller?", 0),  # Latin letters with accents are read
        ("USFK는 무엇입니까?", 1),  # (a word with Latin letters in it is read, in part)
        ("🇰🇷🇺🇸❓ 28,500", 0),
        ("What range does ρ have, and is α 0.05?", 0),  # lone letters are symbols, not words
        ("", 0),
    ],
)
def test_unreadable_words_are_those_without_a_latin_letter(text, count):
    assert unreadable_words(text) == count


def test_an_unreadable_word_weighs_as_a_word_no_chunk_holds(tmp_path, fake_embedder):
    from qa.answering.features import build_lexicon, term_weights

    index = _one_reading_index(tmp_path, fake_embedder, "troops", TROOP_READING, max_tokens=24)
    lexicon = build_lexicon(index.chunks)
    _, total = term_weights(lexicon, ("troop",), (), 1.0)
    _, with_two = term_weights(lexicon, ("troop",), (), 1.0, unreadable=2)
    assert with_two == pytest.approx(total + 2 * lexicon.idf_unseen)


def test_a_question_it_cannot_read_is_not_made_answerable_by_the_conversation(
    tmp_path, fake_embedder
):
    """Asked after an English question, a question in another language (or of emoji) is read as
    when asked alone: below even odds, not matched on the earlier question's topic. (The fake
    model's index has no refusal threshold of its own: the shipped one, 0.5, is the line.)"""
    from qa.answering.retrieve import Retriever

    index = _one_reading_index(tmp_path, fake_embedder, "troops", TROOP_READING, max_tokens=24)
    retriever = Retriever(index, fake_embedder)
    for question in (KOREAN, "🇰🇷🇺🇸❓"):
        alone = retriever.retrieve(question)
        after = retriever.retrieve(question, [EARLIER])
        assert after.confidence < 0.5, (question, after.query, after.confidence)
        assert after.query == question and after.confidence == alone.confidence
    # An English follow-up is still filled in and answered.
    followup = retriever.retrieve("What did he say?", ["Who is Gen. Xavier Brunson?"])
    assert "Brunson" in followup.query and followup.confidence > 0.5
    top = followup.candidates[0]
    assert "manpower floor" in index.readings[top.chunk.doc].text[slice(*top.highlight)]


def test_the_conversation_cannot_make_up_the_whole_of_a_question_with_unreadable_words(
    tmp_path, fake_embedder
):
    """ "Tell me about 주한미군 please" reads as English, so it is filled in with the earlier
    question's topic; but its own word is one no sentence holds, as an unknown English word is,
    so the topic's words alone cannot give it the word share of a question they answer whole."""
    from qa.answering.retrieve import Retriever

    index = _one_reading_index(tmp_path, fake_embedder, "troops", TROOP_READING, max_tokens=24)
    after = Retriever(index, fake_embedder).retrieve("Tell me about 주한미군 please", [EARLIER])
    assert "Korea" in after.query  # (filled in: the question is too short to stand alone)
    assert after.evidence.lexical < 0.5, after.evidence


def test_reciprocal_rank_fusion_as_documented():
    fused, ranks = reciprocal_rank_fusion({"a": (np.array([0.9, 0.1]), 1.0)}, 60.0)
    assert fused == pytest.approx([1 / 61, 1 / 62]) and list(ranks["a"]) == [1, 2]
    fused, _ = reciprocal_rank_fusion(
        {"a": (np.array([0.9, 0.1]), 1.0), "b": (np.array([0.0, 5.0]), 2.0)}, 60.0
    )
    assert fused[1] > fused[0]  # the heavier signal wins


def test_reciprocal_rank_fusion_gives_equal_values_one_rank():
    # Chunks without a question word (BM25 0) rank alike wherever they sit in the reading.
    lexical = np.array([0.0, 2.5, 0.0, 0.0, 1.0])
    fused, ranks = reciprocal_rank_fusion({"lexical": (lexical, 1.0)}, 60.0)
    assert list(ranks["lexical"]) == [3, 1, 3, 3, 2]
    assert fused[0] == fused[2] == fused[3] == pytest.approx(1 / 63)
    # Ties with another signal: that signal alone orders them.
    dense = np.array([0.1, 0.5, 0.3, 0.2, 0.4])
    fused, _ = reciprocal_rank_fusion({"lexical": (lexical, 1.0), "dense": (dense, 1.0)}, 60.0)
    assert list(np.argsort(-fused, kind="stable")) == [1, 4, 2, 3, 0]


@given(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=1, max_size=40))
def test_fusion_ranks_agree_with_competition_ranking(values):
    _, ranks = reciprocal_rank_fusion({"a": (np.array(values), 1.0)}, 60.0)
    expected = [1 + sum(other > v for other in values) for v in values]
    assert list(ranks["a"]) == expected


def test_answerable_as_documented():
    evidence = Evidence(dense=0.45, lexical=0.5, known_names=0, unknown_names=0)
    assert answerable(RetrievalSettings(), evidence) == pytest.approx(0.977, abs=1e-3)


def test_a_question_asking_only_who_someone_named_is():
    for question in (
        "Who is Gen. Xavier Brunson?",
        "Who was Donald Rumsfeld?",
        "who is Samuel Paparo",
    ):
        assert asks_who_is(question), question
    for question in (
        "Who is he?",
        "Who leads USFK?",  # asks for a person, names none
        "Who is the author?",
        "What is completion?",  # a term, not a person: the model reads those well
        "What is the time?",
        "Who is Brunson and what did he say?",
    ):
        assert not asks_who_is(question), question


def test_a_run_of_capitals_does_not_hang_the_question_reader():
    # `(?:[A-Z]\w*\s*)+` split "AAAA…" in exponentially many ways: 40 capitals ran for hours.
    code = (
        "from qa.answering.question import asks_who_is as a; print(a('Who is ' + 'A' * 40 + '?x'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.stdout.strip() == "False", done.stderr


BRUNSON = (
    "# Alliance\n\n## Signals\n\nIn recent testimony, Gen. Xavier T. Brunson, commander of the "
    "United Nations Command, revealed an unprecedented level of integration. Bees make honey "
    "from nectar, and a hive holds one queen.\n"
)


def test_who_someone_is_is_answered_when_the_quoted_sentence_names_them(tmp_path, fake_embedder):
    from qa.answering.retrieve import Retriever

    index = _one_reading_index(tmp_path, fake_embedder, "alliance", BRUNSON)
    # A confidence model that refuses everything on its own, so only the rule can answer.
    retriever = Retriever(index, fake_embedder, RetrievalSettings(conf_bias=-30.0))
    assert retriever.retrieve("How do bees make honey?", k=1).confidence < 0.01
    named = retriever.retrieve("Who is Xavier Brunson?", k=1)
    assert (
        "Brunson, commander"
        in index.readings["alliance"].text[slice(*named.candidates[0].highlight)]
    )
    assert named.confidence >= NAMED_PERSON_CONFIDENCE and not named.abstained
    # Also in a conversation, whose words the question does not need.
    assert retriever.retrieve("Who is Xavier Brunson?", ["How do bees make honey?"]).confidence >= (
        NAMED_PERSON_CONFIDENCE
    )
    for question in ("Who is Jane Marlowe?", "Who is Xavier Marlowe?", "What is the time?"):
        assert retriever.retrieve(question, k=1).confidence < NAMED_PERSON_CONFIDENCE, question
