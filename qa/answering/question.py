"""How a question is read: cleaned, follow-up filled in, its words, the fact asked for, its names.

Everything retrieval needs to know about the question itself, found once per question and kept in
one record (`QuestionAnalysis`), so the scoring below it is arithmetic over arrays. Reading a
question needs the corpus only for two things: which words it knows (a name it never uses is a
sign the question is about something else) and how often it uses each word of a name (a follow-up's
"he" is read as the name the readings mostly use). The trade-off: patterns, not a parser — they
are cheap and predictable, and miss phrasings they were not written for.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .language import looks_english

__all__ = [
    "MAX_QUESTION_CHARS",
    "STOP_WORDS",
    "FactRequest",
    "QuestionAnalysis",
    "analyse_question",
    "asks_who_is",
    "fact_request",
    "name_counts",
    "normalize_question",
    "resolve_followup",
    "terms",
    "unreadable_words",
]

MAX_QUESTION_CHARS = 2000

STOP_WORDS = frozenset(
    """a an the of to in on at for by with from and or but nor so yet is are was were be been being
    am do does did doing have has had having i me my we our you your he him his she her it its they
    them their this that these those what which who whom whose when where why how there here than
    then as if into about over under again further once all any both each few more most other some
    such no not only own same too very can will just should would could may might must shall also
    s t don now up down out off says say said tell me please according reading article author text
    passage""".split()
)
WORD = re.compile(r"[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*")
_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*")
_ASK_NUMBER = re.compile(
    r"\bhow (?:many|much|large|big|long|far)\b|\bnumber of\b|\bwhat (?:percentage|share|amount)\b",
    re.I,
)
_ASK_DATE = re.compile(
    r"\bwhen\b|\bwhat (?:year|date|month|day)\b|\bwhich (?:year|years|date|month)\b", re.I
)
_ASK_DEFINITION = re.compile(
    r"\b(?:stand for|short for|acronym|abbreviation|mean by|what is (?:an? )?|what are )\b", re.I
)
_ASK_SAID = re.compile(
    r"\bwhat (?:did|does|do|has|have|had|was|were) (.+?) (?:say|said|tell|told|think|argue|claim"
    r"|note|write|state|suggest|believe|testify|warn)\b",
    re.I,
)
# "Who…", "Whom…", "Which former leader…": a person is asked for. ("Who is Lee Jae-myung?" asks
# about one, and so does not: see `_ASK_ABOUT_SOMEONE`.)
_ASK_PERSON = re.compile(
    r"^\W*(?:(?:and|so|then|to|by|with|for|from|of) )?(?:who|whom)\b|\bwhose\b"
    r"|\b(?:which|what)\s+(?:(?!(?:is|are|was|were|do|does|did|has|have|had|can|could|will"
    r"|would|should)\b)[\w’'-]+\s+){0,3}?(?:person|people|leader|president|secretary|minister"
    r"|official|officer|admiral|commander|author|writer|founder|inventor|scientist|researcher"
    r"|scholar|philosopher|economist|politician|candidate|diplomat|ambassador|senator|governor"
    r"|king|queen|emperor|chancellor|premier|chairman|director|developer|maintainer)s?\b",
    re.I,
)
# "What is completion?", "What was the Marshall Plan?", "What is libcurl used for?", "What is meant
# by OPCON?", "What does PROMPT_CR mean?": a term asked to be defined, a few words and nothing after
# them but "used for", "for", "like" or "about".
_ASK_WHAT_IS = re.compile(
    r"^\W*(?:what\s+(?:is|are|was|were)\s+meant\s+by\s+(?:an?\s+|the\s+)?(?P<meant_by>[^?]{1,60}?)"
    r"|what(?:'s|’s|\s+is|\s+are|\s+was|\s+were)\s+(?:an?\s+|the\s+)?(?P<term>[^?]{1,60}?)"
    r"(?:\s+(?:used\s+for|for|like|about))?"
    r"|what\s+(?:does|do|did)\s+(?P<meant>[^?]{1,60}?)\s+mean|define\s+(?P<defined>[^?]{1,60}?))"
    r"\W*$",
    re.I,
)
# "What is zsh and how do I get it?": the term ends before a second question.
_SECOND_QUESTION = re.compile(
    r"\s+and\s+(?=(?:how|what|why|where|when|who|which|is|are|do|does|can)\b)", re.I
)
_MAX_DEFINED_WORDS = 3  # past these, "what is X" names a situation, not a term
# "Who is Gen. Xavier Brunson?": a name and nothing more after "who is".
# (Its words are parted by whitespace: with `(?:[A-Z]\w*\s*)+` a run of capitals could be split
# in exponentially many ways, and "Who is AAAA…A?x" hung a worker.)
_ASK_ABOUT_SOMEONE = re.compile(
    r"^\W*(?i:who\s+(?:is|was|are|were))\s+[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*\W*$"
)
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]*[A-Z]s?\b")
_QUESTION_WORDS = re.compile(
    r"^\s*(?:(?:who|whom|what|which|when|where|why|how)"
    r"(?:\s+(?:is|are|was|were|does|do|did|has|have|had|about|many|much))*"
    r"|tell me about|explain|describe)\b\s*",
    re.I,
)
_TITLED_NAME = re.compile(
    r"(?:\b(?:[A-Z][a-z]{0,3}\.)\s+)?\b[A-Z][\w’'-]*(?:\s+(?:[A-Z]\.\s*)?[A-Z][\w’'-]*)*"
)
_PRONOUN = re.compile(
    r"\b(he|she|they|it|him|them|his|her|their|its|this|that|these|those)\b", re.I
)
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def normalize_question(text: str) -> tuple[str, str | None]:
    """Clean a question: drop control characters, fold whitespace, cut at the length limit.

    Returns:
        (clean question, a notice for the user or None).

    Example: ' How\\x00 many\\n troops? ' -> ('How many troops?', None)
    """
    text = unicodedata.normalize("NFC", str(text or ""))
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    notice = None
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0]
        notice = (
            f"Your question was longer than {MAX_QUESTION_CHARS} characters; "
            "only its beginning was used."
        )
    return text, notice


def terms(text: str, stem) -> list[str]:
    """Stemmed content words; dotted acronyms are folded ("U.S." -> "us").

    Example: 'U.S. troops stationed' -> ['us', 'troop', 'station']
    """
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    words = []
    for word in WORD.findall(text):
        word = word.lower().replace("’", "'")
        words.append(word)
        if "-" in word:  # a compound also counts as its parts: "long-range" holds "range"
            words.extend(word.split("-"))
    words = [w for w in words if w not in STOP_WORDS and len(w) > 1 or w.isdigit()]
    return stem.stemWords(words) if words else []


def unreadable_words(text: str) -> int:
    """How many words of the text are in a script `terms` does not read (no Latin letter in them).

    Such a word (Hangul, Cyrillic, Han...) is in no reading's words either, since the readings'
    words are read the same way: to the lexical evidence it is a word no sentence holds.

    A lone Greek or mathematical letter is a symbol, not a word: "What range does ρ have?" asks
    about the ρ a statistics reading writes too. (A lone Hangul or Han character is a word.)

    Example: 'Tell me about 주한미군 please' -> 1; 'Who is José?' -> 0; 'Is α 0.05?' -> 0
    """
    return sum(
        not any("LATIN" in unicodedata.name(ch, "") for ch in word) and not _symbol(word)
        for word in _LETTER_RUN.findall(text)
    )


def _symbol(word: str) -> bool:
    """A lone Greek or mathematical letter (α, ρ, 𝑥): a symbol in an English reading."""
    name = unicodedata.name(word, "") if len(word) == 1 else ""
    return "GREEK" in name or "MATHEMATICAL" in name


def _topic(question: str) -> str:
    """What an earlier question was about: its longest name, else its words after the question word.

    Example: 'Who is Gen. Xavier Brunson?' -> 'Gen. Xavier Brunson';
    'What is strategic flexibility?' -> 'strategic flexibility'
    """
    body = _QUESTION_WORDS.sub("", question.strip()).rstrip(" ?.!")
    names = sorted(_TITLED_NAME.findall(body), key=len, reverse=True)
    if names and len(names[0].split()) >= 1 and names[0].lower() not in STOP_WORDS:
        return names[0].strip()
    return re.sub(r"^(?:the|a|an)\s+", "", body, flags=re.I)


def resolve_followup(
    question: str, history: Sequence[str], name_form: Callable[[str], str] | None = None
) -> str:
    """The question with what a follow-up leaves out filled in from the last earlier question.

    A pronoun that refers back (he, his, it, this...) is replaced by what the earlier question was
    about (possessives get "'s"); a question too short to stand alone gets that topic appended.
    `name_form` may shorten the topic to the form the readings use (e.g. a surname). Only a
    question the assistant can read is filled in, and only from one it can read (`looks_english`).

    Example: ('What did he say?', ['Who is Gen. Brunson?']) -> 'What did Gen. Brunson say?';
    ('주한미군은 몇 명입니까?', ['How many US troops are in Korea?']) -> unchanged
    """
    previous = [h for h in (history or []) if h and h.strip()]
    if not previous:
        return question
    # A question in another language or of emoji has no English words the "too short to stand
    # alone" test could count, so it would get the topic appended and be matched on the earlier
    # question's words alone: confidently answered, while asked alone it is refused. What it asks
    # is unknown, so it is read as asked. (Nor is a topic taken from such an earlier question.)
    if not looks_english(question) or not looks_english(previous[-1]):
        return question
    topic = _topic(previous[-1])
    if topic and name_form:
        topic = name_form(topic)
    if not topic:
        return question
    match = _PRONOUN.search(question)
    if match:
        word = match.group(1).lower()
        replacement = f"{topic}'s" if word in ("his", "her", "their", "its") else topic
        # "this plan" keeps its noun: "this" becomes the topic only when it stands alone.
        if word in ("this", "that", "these", "those"):
            following = question[match.end() :].lstrip()
            if following[:1].isalpha() and not following.lower().startswith(
                ("is ", "was ", "mean", "happen")
            ):
                return f"{question} ({topic})"
        return question[: match.start()] + replacement + question[match.end() :]
    content = [w for w in WORD.findall(question) if w.lower() not in STOP_WORDS]
    if len(content) < 3:
        return f"{question} ({topic})"
    return question


def name_form(topic: str, stem, document_frequency: Mapping[str, int]) -> str:
    """A multi-word name as the readings mostly call it: its word they mention most often.

    Readings name a person in full once and then by one name ("Gen. Xavier T. Brunson", then
    "Brunson"), so a follow-up's "he" is best read as that word.
    """
    words = [w for w in topic.split() if not w.endswith(".") and w[:1].isupper()]
    if len(words) < 2 or len(words) != len([w for w in topic.split() if not w.endswith(".")]):
        return topic
    counts = [(document_frequency.get(t[0], 0) if (t := terms(w, stem)) else 0, w) for w in words]
    best_count, best = max(counts)
    return best if best_count > 1 else topic


def name_counts(question: str, stem, known_terms: Mapping[str, object]) -> tuple[int, int]:
    """How many names in the question (capitalised words, acronyms) the readings mention, and not.

    A question about someone or something the readings never name cannot be answered from them;
    one that names what they do is likely about them.

    Example: 'Did Brunson meet Zorblax?' over the bundled article -> (1, 1)
    """
    names = [
        w
        for w in _NAME.findall(_DOTTED.sub(lambda m: m.group(0).replace(".", ""), question))
        if w.lower() not in STOP_WORDS
    ]
    stems = [t[0] for n in names if (t := terms(n, stem))]
    known = sum(t in known_terms for t in stems)
    return known, len(stems) - known


@dataclass(frozen=True)
class FactRequest:
    """The kinds of fact a question asks for; a sentence holding one is a likelier answer."""

    number: bool = False  # "how many", "what percentage"
    date: bool = False  # "when", "which year"
    acronyms: frozenset[str] = frozenset()  # "what does NATO stand for": sentences with "(NATO)"
    speaker: tuple[str, ...] | None = None  # "what did Brunson say": None when not asked
    # "who…", "which leader…": the question's own words (lower case), a name of none of which is
    # an answer; None when no person is asked for
    person: frozenset[str] | None = None
    # "what is completion": the defined term's (stemmed) words, which a defining sentence's subject
    # holds ("`Completion' is where…"); None when no term is asked to be defined
    defined: frozenset[str] | None = None


def _defined_term(question: str, stem) -> frozenset[str] | None:
    """The words of the term a "what is X?" question asks to be defined, None if it asks none."""
    asked = _ASK_WHAT_IS.match(question)
    if asked is None or stem is None:
        return None
    term = next(t for t in asked.group("meant_by", "term", "meant", "defined") if t)
    words = set(terms(_SECOND_QUESTION.split(term)[0], stem))
    if not words or len(words) > _MAX_DEFINED_WORDS or all(w.isdigit() for w in words):
        return None
    return frozenset(words)


def asks_who_is(question: str) -> bool:
    """Whether the question asks only who someone named is ("Who is Gen. Xavier Brunson?").

    A sentence that holds every word of the name names that person, often with the role the
    question asks for (see `retrieve`). Not "Who is he?", not "Who leads USFK?".
    """
    return bool(_ASK_ABOUT_SOMEONE.match(question)) and not _PRONOUN.search(question)


def fact_request(question: str, stem=None) -> FactRequest:
    """The kinds of fact a question asks for (a defined term only when given the stemmer).

    Example: 'What did Gen. Brunson say in 2024?' -> FactRequest(speaker=('Gen', 'Brunson'))
    """
    acronyms = frozenset(_ACRONYM.findall(question)) if _ASK_DEFINITION.search(question) else None
    said = _ASK_SAID.search(question)
    speaker = None
    if said:
        speaker = tuple(
            w for w in re.findall(r"\b[A-Z][\w’'-]+", said.group(1)) if w.lower() not in STOP_WORDS
        )
    return FactRequest(
        number=bool(_ASK_NUMBER.search(question)),
        date=bool(_ASK_DATE.search(question)),
        acronyms=acronyms or frozenset(),
        speaker=speaker,
        person=frozenset(w.lower() for w in WORD.findall(question))
        if _ASK_PERSON.search(question) and not _ASK_ABOUT_SOMEONE.search(question)
        else None,
        defined=_defined_term(question, stem),
    )


@dataclass(frozen=True)
class QuestionAnalysis:
    """One question as retrieval reads it."""

    text: str  # the question, cleaned
    notice: str | None  # for the user, when cleaning cut the question
    query: str  # the question with a follow-up's pronoun or missing topic filled in
    terms: tuple[str, ...]  # the question's own stemmed words
    history_terms: tuple[str, ...]  # the words the conversation adds (from the filled-in topic)
    unreadable: int  # the question's words in a script `terms` does not read (`unreadable_words`)
    facts: FactRequest  # what kind of fact the (filled-in) question asks for
    known_names: int  # names in the question the readings mention
    unknown_names: int  # names in the question no reading mentions
    asks_who_is: bool = False  # it asks only who someone named is (`asks_who_is`)


def analyse_question(
    question: str, history: Sequence[str], stem, document_frequency: Mapping[str, int]
) -> QuestionAnalysis:
    """Read a question (and the earlier questions of its conversation) against a corpus's words.

    Args:
        question: the question as asked.
        history: earlier questions of the conversation, oldest first.
        stem: a Snowball stemmer (`Stemmer.Stemmer("english")`).
        document_frequency: in how many chunks each stemmed word occurs.

    Example: ('What did he say?', ['Who is Gen. Xavier Brunson?']) -> query 'What did Brunson say?'
    (over readings that call him Brunson), history_terms ('brunson',)
    """
    clean, notice = normalize_question(question)
    who = asks_who_is(clean)
    # A question that names whom it asks about borrows no topic from the conversation.
    query = (
        clean
        if who
        else resolve_followup(
            clean,
            [normalize_question(h)[0] for h in history or []],
            lambda topic: name_form(topic, stem, document_frequency),
        )
    )
    own = terms(clean, stem)
    from_history = [t for t in terms(query, stem) if t not in set(own)]
    known, unknown = name_counts(clean, stem, document_frequency)
    return QuestionAnalysis(
        text=clean,
        notice=notice,
        query=query,
        terms=tuple(own),
        history_terms=tuple(from_history),
        unreadable=unreadable_words(clean),
        facts=fact_request(query, stem),
        known_names=known,
        unknown_names=unknown,
        asks_who_is=who,
    )
