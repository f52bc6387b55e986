"""Does a question look like English? The note shown when it does not.

The embedding model and the BM25 stemmer read English; a question in another script, one made
of emoji, or one in another Latin-script language is still answered, but the student is told
that the assistant reads English best, and it is not filled in from the conversation as a
follow-up is (`question.resolve_followup`). The trade-off: a cheap heuristic on the question alone
(share of non-Latin letters, emoji, common short words of English and of a few other languages),
no language-detection model; it errs towards saying nothing for short or mixed questions.
`make_answer` adds the note to every answer, so front ends never add it themselves.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

__all__ = ["ENGLISH_NOTICE", "looks_english", "language_notice", "with_language_notice"]

ENGLISH_NOTICE = (
    "The assistant reads English best; questions in other languages or made of emoji may be "
    "matched poorly. Try asking in English."
)

# Short words almost every English question of four words or more contains at least one of.
_FUNCTION_WORDS = frozenset(
    """a an the of to in on at for by with from and or but is are was were be been do does did has
    have had what which who whom whose when where why how many much there this that these those it
    its they their he his she her we you i not no can could would should will did about as than
    """.split()
)
# ...and the commonest short words of the languages students most often ask in instead.
_FOREIGN_WORDS = frozenset(
    """el la los las del en que por para con una un es son hay qué cómo cuántos cuántas cuál
    dónde cuándo y
    le les des du est sont dans pour avec une qui quoi combien quel quelle où pourquoi et
    der die das und ist sind wie viele welche warum wer nicht mit für ein eine dem den im
    il di che per gli sono quanti quante perché o em os as não quantos quem""".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x1F000 <= cp <= 0x1FAFF
        or 0x2600 <= cp <= 0x27BF
        or cp in (0xFE0F, 0x200D)
        or 0x1F1E6 <= cp <= 0x1F1FF
    )


def looks_english(question: str) -> bool:
    """True unless the question is mostly in another script or emoji, or has more short words of
    another language than of English.

    Example: 'How many troops?' -> True; '주한미군은 몇 명입니까?' -> False; '🇰🇷🇺🇸❓' -> False;
    '¿Cuántos soldados hay en Corea del Sur?' -> False; '' -> True (nothing to judge).
    """
    letters = [ch for ch in question if ch.isalpha()]
    emoji = sum(_is_emoji(ch) for ch in question)
    if not letters:
        return emoji == 0
    latin = sum("LATIN" in unicodedata.name(ch, "") for ch in letters)
    if latin / len(letters) < 0.7 or emoji > len(letters) / 4:
        return False
    words = [w.lower() for w in _WORD.findall(question)]
    english = sum(w in _FUNCTION_WORDS for w in words)
    foreign = sum(w in _FOREIGN_WORDS for w in words)
    return not foreign or english >= foreign


def language_notice(question: str) -> str | None:
    """The note for a question that does not look English, else None."""
    return None if looks_english(question) else ENGLISH_NOTICE


def with_language_notice(answer):
    """The answer with the English note added to `notice` when its question does not look English.

    Idempotent: an answer that already carries the note is returned as it is.
    """
    note = language_notice(answer.question)
    if note is None or (answer.notice and note in answer.notice):
        return answer
    return replace(answer, notice=f"{answer.notice} {note}" if answer.notice else note)
