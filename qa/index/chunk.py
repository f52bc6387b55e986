"""Split readings into chunks (the retrievable passages) and chunks into sentences.

Chunks are made per run of paragraphs that share a section and a page, so a chunk never crosses
a heading or a page break. Inside a run, langchain's splitter merges the smallest natural pieces
(whole paragraphs; the sentences of a paragraph that is too long; the words of a sentence that is
too long) up to a budget of model word pieces. Every chunk and sentence keeps exact character
offsets into `Reading.text`, so `reading.text[c.start:c.end] == c.text` always holds. The
trade-off: paragraph-sized chunks cite precisely and embed well with a small model, at the cost of
a few more vectors than the common 1,000-character chunks.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from langchain_text_splitters import TextSplitter

from ..readings.records import Reading

__all__ = [
    "Sentence",
    "Chunk",
    "ChunkSettings",
    "split_sentences",
    "chunk_reading",
    "chunk_readings",
    "embedding_text",
]

# Words whose trailing period does not end a sentence.
_ABBREVIATIONS = frozenset(
    """adm gen lt col maj capt cmdr sgt mr mrs ms dr prof sen rep gov pres st jr sr inc ltd corp
    co vs etc e.g i.e al fig no nos vol pp p ed eds approx dept est jan feb mar apr jun jul aug sep
    sept oct nov dec mt ft u.s u.k u.n e.u a.m p.m""".split()
)
# Abbreviations that are also words ("said no."): they abbreviate only before a number ("No. 5").
_NUMBER_ABBREVIATIONS = frozenset(("no", "nos"))
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"(\S+)$")
# Abbreviations and initials are short: the word before a full stop is looked for in this many
# characters before it (a longer word is no abbreviation either way). Searching from the start of
# the text made a long paragraph quadratic: 13 s for one of 130,000 characters.
_WORD_WINDOW = 64
_SPACES = re.compile(r"\s*")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a chunk: offsets into the reading's text and its paragraph."""

    start: int
    end: int
    paragraph: int


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage with everything a citation needs."""

    id: str
    doc: str
    title: str
    section: str | None
    paragraphs: tuple[int, ...]
    page: int | None
    start: int
    end: int
    text: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class ChunkSettings:
    """How readings are cut; recorded in the index manifest."""

    max_tokens: int = 250  # as much as the model reads (budget() keeps the context line inside 256)
    overlap_tokens: int = 0
    model_max_tokens: int = 256  # the model reads this many word pieces, [CLS] and [SEP] included

    def as_dict(self) -> dict[str, int]:
        return {
            "max_tokens": self.max_tokens,
            "overlap_tokens": self.overlap_tokens,
            "model_max_tokens": self.model_max_tokens,
        }

    def budget(self, head_tokens: int) -> int:
        """Word pieces left for a chunk's text once its context line is counted.

        Example: ChunkSettings(200, 0, 256).budget(70) -> 183
        """
        return max(16, min(self.max_tokens, self.model_max_tokens - 3 - head_tokens))


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of `text` (shifted by `offset`), aware of abbreviations and initials.

    Example: 'Adm. Samuel J. Paparo spoke. U.S. forces stay.' -> [(0, 28), (29, 47)]
    """
    spans: list[tuple[int, int]] = []
    start = len(text) - len(text.lstrip())
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if m.group(0)[0] == ".":
            word = _WORD_BEFORE.search(text, max(0, m.start() - _WORD_WINDOW), m.start())
            token = (word.group(1) if word else "").lstrip("\"'“‘([").lower()
            if token in _NUMBER_ABBREVIATIONS:
                following = _SPACES.match(text, end).end()
                if text[following : following + 1].isdigit():  # "No. 5", "p. 12"
                    continue
            elif (
                token in _ABBREVIATIONS
                or re.fullmatch(r"[a-z]", token)
                or re.fullmatch(r"(?:[a-z]\.)+[a-z]", token)
            ):
                continue
        if end > start:
            spans.append((start + offset, end + offset))
        start = _SPACES.match(text, end).end()
    tail = len(text.rstrip())
    if tail > start:
        spans.append((start + offset, tail + offset))
    return spans


class _PieceSplitter(TextSplitter):
    """langchain splitter over pre-cut pieces: paragraphs, else sentences, else words.

    Pieces keep their trailing whitespace, so joining merged pieces with "" reproduces the text.
    """

    def __init__(self, max_tokens: int, overlap: int, count: Callable[[str], int]):
        super().__init__(
            chunk_size=max_tokens,
            chunk_overlap=overlap,
            length_function=count,
            strip_whitespace=False,
        )
        self._count = count
        self._max = max_tokens

    def _pieces(self, text: str) -> list[str]:
        """Consecutive slices of `text`, each within the budget where a cut can make it so.

        Example: 'Aa bb.  Cc.' (budget 1 word piece a word) -> ['Aa ', 'bb.  ', 'Cc.']
        """
        pieces: list[str] = []
        for para in re.split(r"(?<=\n\n)", text):
            if self._count(para) <= self._max:
                pieces.append(para)
                continue
            bounds = [s for s, _ in split_sentences(para)] + [len(para)]
            bounds[0] = 0
            for a, b in itertools.pairwise(bounds):
                sent = para[a:b]
                if self._count(sent) <= self._max:
                    pieces.append(sent)
                    continue
                # Words keep the whitespace around them (the first its indent), so they join back.
                for word in re.findall(r"\s*\S+\s*", sent) or [sent]:
                    pieces.extend(self._cut_long(word))
        return [p for p in pieces if p]

    def _cut_long(self, word: str) -> list[str]:
        """A single 'word' over the budget (a URL, a hash, a run of symbols) in budget-sized
        slices."""
        if self._count(word) <= self._max:
            return [word]
        size = max(1, len(word) * self._max // (2 * self._count(word)))
        return [word[i : i + size] for i in range(0, len(word), size)]

    def split_text(self, text: str) -> list[str]:
        return self._merge_splits(self._pieces(text), "")


def _runs(reading: Reading) -> list[tuple[int, int]]:
    """Index ranges [i, j) of paragraphs sharing one section and one page, with only blank lines
    between.

    A heading or page marker between two paragraphs ends a run even when it repeats the same
    name or number, so no chunk ever contains one.
    """
    runs: list[tuple[int, int]] = []
    paras = reading.paragraphs
    i = 0
    for j in range(1, len(paras) + 1):
        if (
            j == len(paras)
            or (paras[j].section, paras[j].page) != (paras[i].section, paras[i].page)
            or reading.text[paras[j - 1].end : paras[j].start].strip()
        ):
            runs.append((i, j))
            i = j
    return runs


def chunk_reading(
    reading: Reading, count_tokens: Callable[[str], int], settings: ChunkSettings = ChunkSettings()
) -> list[Chunk]:
    """Cut one reading into chunks.

    Args:
        reading: the reading.
        count_tokens: the embedding model's word-piece counter for a text.
        settings: the token budget and overlap.

    Returns:
        Chunks in reading order; each within `settings.max_tokens` word pieces.
    """
    chunks: list[Chunk] = []
    for i, j in _runs(reading):
        first, last = reading.paragraphs[i], reading.paragraphs[j - 1]
        head_tokens = count_tokens(embedding_text(reading.title, first.section, ""))
        splitter = _PieceSplitter(
            settings.budget(head_tokens), settings.overlap_tokens, count_tokens
        )
        region = reading.text[first.start : last.end]
        cursor, previous = 0, -1  # end of the last chunk, start of the last chunk (in `region`)
        for piece in splitter.split_text(region):
            body = piece.strip()
            if not body:
                continue
            # Without overlap a chunk starts where the last one ended; with overlap, after its
            # start.
            # Searching from there (not further back) keeps repeated text at its own place.
            rel = region.find(body, cursor if settings.overlap_tokens == 0 else previous + 1)
            if rel < 0:  # cannot happen: pieces are slices of the region
                raise RuntimeError(f"chunker lost its place in {reading.doc}")
            start = first.start + rel
            end = start + len(body)
            cursor, previous = rel + len(body), rel
            paras = tuple(
                p.number for p in reading.paragraphs[i:j] if p.start < end and p.end > start
            )
            sentences = tuple(
                Sentence(s, e, p.number)
                for p in reading.paragraphs[i:j]
                if p.start < end and p.end > start
                for s, e in split_sentences(
                    reading.text[max(p.start, start) : min(p.end, end)], max(p.start, start)
                )
            )
            chunks.append(
                Chunk(
                    id=f"{reading.doc}@{start}",
                    doc=reading.doc,
                    title=reading.title,
                    section=first.section,
                    paragraphs=paras,
                    page=first.page,
                    start=start,
                    end=end,
                    text=body,
                    sentences=sentences,
                )
            )
    return chunks


def chunk_readings(
    readings: list[Reading],
    count_tokens: Callable[[str], int],
    settings: ChunkSettings = ChunkSettings(),
) -> list[Chunk]:
    """Chunks of several readings, in order."""
    return [c for r in readings for c in chunk_reading(r, count_tokens, settings)]


def embedding_text(title: str, section: str | None, text: str) -> str:
    """The text given to the embedder: the passage with its reading and section as context.

    Example: ('Alliance', 'Past', 'He said no.') -> 'Alliance — Past\\nHe said no.'
    """
    head = f"{title} — {section}" if section else title
    return f"{head}\n{text}"
