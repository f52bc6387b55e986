"""Turn the text lines a PDF gives per page back into paragraphs, headings and code.

pypdf returns each page as hard-wrapped lines, usually with no blank line between paragraphs. This
module joins the lines of a paragraph (undoing end-of-line hyphenation), ends a paragraph at a line
that stops short of the usual line length after a sentence's end, takes a short stand-alone line
without final punctuation as a heading (a numbered one too, "2.1. Method", unless a sibling number
beside it makes it a list item), and drops page furniture: bare page numbers, running headers or
footers repeated on most pages, and running heads that carry their page's number ("Chapter 2:
Sediment 37") on two pages or more. The trade-off: these are rules on line lengths and punctuation,
so they read ordinary prose well and odd layouts (columns, tables) less well; no word of the text
is ever changed except a split word rejoined.

From the fonts, two things are read. Lines set wholly in monospaced type (`monospaced_lines`, fed
the font of every piece of text pypdf reports) are code: a run of them is one code block, its lines
kept as they are (never joined, never a heading, never a page number), unless most of them read as
prose or monospaced type is the document's body type (nine tenths of its text or more, as a text
file printed in Courier), when they are read as any other lines; so is a lone line of one token (a
URL, a DOI or a path set in typewriter type inside a paragraph, `_lone_token`). A code line's
indentation is rebuilt from where it starts on the page (`line_starts`), as most PDFs place a
listing's lines by position rather than with leading spaces: a space for each character width it
starts right of the block's leftmost line.

The title candidate is the text set in the largest type on page 1 when it stands out from the
body text (`large_type_title`, fed the sizes pypdf reports for page 1), since journal articles
and specs often open with a running header, a date or an author's name above the title; else it
is the document's first line. The title's own line(s) at the top are not made a section.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .records import BODY_TYPE_SHARE, mostly_prose

__all__ = [
    "PdfPage",
    "TextPiece",
    "pdf_pages",
    "join_lines",
    "large_type_title",
    "line_starts",
    "monospaced_lines",
]

_PAGE_NUMBER = re.compile(
    r"(?i)^(?:page\s+)?[-–—]?\s*(?:\d{1,4}|[ivxlc]{1,7})\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?$"
)
_SENTENCE_END = re.compile(r"[.!?:…][\"'”’)\]]*$")
_NO_HEADING_END = re.compile(r"[.,;:!?…\-–—]$")
_BULLET = re.compile(r"^(?:[•◦▪‣●○■□–—-]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
_HYPHENATED = re.compile(r"[^\W\d_]-$")
_SECTION_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\S)")
# how much larger than the body text a title must be set, so that a slightly larger byline or
# section heading is not taken for one
_TITLE_SCALE = 1.2
# the most columns a code line is indented by from where it starts: a line further right is no
# indentation (a margin note, the other column of a page), and its block stays as pypdf gave it
_MAX_INDENT = 40


@dataclass(frozen=True)
class PdfPage:
    """One page as blocks: ('heading' | 'text' | 'code', content), in reading order."""

    number: int
    blocks: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TextPiece:
    """A piece of a page's text as pypdf's visitor reports it: its text, whether its font is
    monospaced, where its first character starts across the page (x, points in the page's user
    space) and, in monospaced type, how far each of its characters advances (points); nan where
    not known.

    Example: TextPiece("make all\n", True, x=90.0, char_width=6.6)
    """

    text: str
    monospaced: bool
    x: float = math.nan
    char_width: float = math.nan


def _clean(line: str) -> str:
    return re.sub(r"\s+", " ", line.replace("\u00ad", "")).strip()


def join_lines(lines: list[str]) -> str:
    """The lines of one paragraph as one line, with end-of-line hyphenation undone.

    Example:
        ['An inter-', 'national survey of', 'well-known sites.']
        -> 'An international survey of well-known sites.'
    """
    out = ""
    for line in lines:
        if not out:
            out = line
        elif _HYPHENATED.search(out) and line[:1].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}"
    return out


def _furniture(pages: list[list[str]]) -> set[str]:
    """Shapes (digits as #) of first or last lines repeated on most pages: running headers,
    footers."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        ends = {_shape(lines[0]), _shape(lines[-1])} if lines else set()
        counts.update(ends)
    need = max(3, int(0.6 * len(pages) + 0.999))
    return {shape for shape, n in counts.items() if n >= need and shape}


def _numbered_heads(pages: list[list[str]], numbers: list[int]) -> set[str]:
    """Shapes of first or last lines that carry their own page's number and recur on another page.

    Running heads of books and manuals ("Chapter 2: Sediment 37") alternate between even and odd
    pages or change with the chapter, so no one of them fills most pages; the page number at
    their start or end gives them away.
    """
    counts: Counter[str] = Counter()
    for lines, number in zip(pages, numbers, strict=True):
        for line in {lines[0], lines[-1]} if lines else set():
            words = line.split()
            if len(words) > 1 and str(number) in (words[0], words[-1]):
                counts[_shape(line)] += 1
    return {shape for shape, n in counts.items() if n >= 2}


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", line.casefold())


def _kept_span(lines: list[str], repeated: set[str], code: frozenset[int]) -> tuple[int, int]:
    """(start, end) of `lines` without blank lines, page numbers and running headers or footers at
    either end.

    A line of code ("42" printed by a listing, a closing "}") is never a page number, and is
    dropped as a running header or footer only when it has a letter or digit in it and the line
    next to it toward the page's body (`inner`) is not code: a running header stands next to
    prose, while a listing's last line ("END", "fi") may end most pages beside the rest of it.

    Example: (['LAB NOTES', 'Text.', 'BEGIN', 'END'], {'lab notes', 'end'}, {0, 2, 3}) -> (1, 4)
    """

    def furniture(i: int, step: int) -> bool:
        line = lines[i]
        if i in code:
            # (the nearest line with text toward the body: a blank line inside a listing is no
            # line beside it)
            inner = next(
                (j for j in range(i + step, len(lines) if step > 0 else -1, step) if lines[j]), -1
            )
            return _shape(line) in repeated and any(c.isalnum() for c in line) and inner not in code
        return not line or bool(_PAGE_NUMBER.match(line)) or _shape(line) in repeated

    start, end = 0, len(lines)
    while start < end and furniture(start, 1):
        start += 1
    while end > start and furniture(end - 1, -1):
        end -= 1
    return start, end


def _typical_width(pages: list[list[str]]) -> int:
    """The length (in characters) of a full line: the 80th percentile of the longer lines."""
    lengths = sorted(len(line) for lines in pages for line in lines if len(line) >= 20)
    return lengths[int(0.8 * (len(lengths) - 1))] if lengths else 0


def _is_heading(line: str, following: str | None, width: int, previous: str | None = None) -> bool:
    """A short stand-alone line without final punctuation, before a line that starts afresh.

    A numbered line ("2.1. Directory layout") is a heading unless a sibling number stands right
    before or after it (then it is an item of a numbered list).
    """
    words = line.split()
    return (
        following is not None
        and 0 < len(words) <= 12
        and len(line) <= 80
        and (width == 0 or len(line) < 0.7 * width)
        and (line[0].isupper() or line[0].isdigit())
        and any(c.isalpha() for c in line)
        and not _NO_HEADING_END.search(line)
        and (not _BULLET.match(line) or _numbered_section(line, previous, following))
        and (following[:1].isupper() or following[:1].isdigit() or bool(_BULLET.match(following)))
    )


def _numbered_section(line: str, previous: str | None, following: str | None) -> bool:
    """A numbered line ("3. Results", "2.1. Layout") with no sibling number beside it."""
    number = _SECTION_NUMBER.match(line)
    if not number or not number.group(2)[:1].isupper():
        return False
    depth = number.group(1).count(".")
    for other in (previous, following):
        beside = _SECTION_NUMBER.match(other or "")
        # (a sentence that starts with a count, "3 of the plots…", is no sibling)
        if beside and beside.group(1).count(".") == depth and (depth or _BULLET.match(other)):
            return False
    return True


def _flush(blocks: list[tuple[str, str]], current: list[str]) -> None:
    """End the paragraph being gathered: its lines, joined, become a text block."""
    if current:
        blocks.append(("text", join_lines(current)))
        current.clear()


def _flush_code(blocks: list[tuple[str, str]], listing: list[str]) -> None:
    """End the code being gathered: its lines, as they are, become a code block."""
    if listing:
        blocks.append(("code", "\n".join(listing)))
        listing.clear()


def _laid_lines(text: str, pieces: list[TextPiece]) -> list[tuple[int, str]]:
    """The lines of `text` (as `text.splitlines()` numbers them, line ends kept), each with where
    it starts in `text`; none when the pieces do not spell `text`, as then they cannot be laid on
    its lines (the page gets no code).

    Example: ('a\nbc\n', [TextPiece('a\nbc\n', False)]) -> [(0, 'a\n'), (2, 'bc\n')]
    """
    if "".join(piece.text for piece in pieces) != text:
        return []
    laid, start = [], 0
    for line in text.splitlines(keepends=True):
        laid.append((start, line))
        start += len(line)
    return laid


def monospaced_lines(text: str, pieces: Iterable[TextPiece]) -> frozenset[int]:
    """Indexes of the lines of `text` (as `text.splitlines()` numbers them) whose characters, but
    spaces, are all in pieces set in monospaced type; none when the pieces do not spell `text`.

    Args:
        text: a page's text, as pypdf extracts it.
        pieces: the same text piece by piece as pypdf's visitor reports it, in order (only their
            text and whether their font is monospaced count here); a line may be made of several
            pieces, and a piece may end a line ("...\n") or span lines.

    Example:
        ('Run it:\nmake all\n', [TextPiece('Run it:\n', False), TextPiece('make', True),
                                  TextPiece(' all\n', True)])
        -> frozenset({1})
    """
    pieces = list(pieces)
    lines = _laid_lines(text, pieces)
    marks = "".join(("m" if piece.monospaced else "p") * len(piece.text) for piece in pieces)
    code: set[int] = set()
    for i, (start, line) in enumerate(lines):
        typed = [mark for c, mark in zip(line, marks[start:], strict=False) if not c.isspace()]
        if typed and "p" not in typed:
            code.add(i)
    return frozenset(code)


def line_starts(text: str, pieces: Iterable[TextPiece]) -> dict[int, TextPiece]:
    """The piece each line of `text` begins with, by line index (as `text.splitlines()` numbers
    them), so its place on the page; a line that begins inside a piece (after a line break in it)
    is left out, as the piece's place is not the line's, and every line when the pieces do not
    spell `text` (as for `monospaced_lines`).

    Example:
        ('Run it:\nmake all\n', [TextPiece('Run it:\n', False, x=72), TextPiece('', False, x=0),
                                  TextPiece('make all\n', True, x=90)])
        -> {0: TextPiece('Run it:\n', False, x=72), 1: TextPiece('make all\n', True, x=90)}
    """
    pieces = list(pieces)
    at: dict[int, TextPiece] = {}  # the non-empty pieces by where they start in `text`
    start = 0
    for piece in pieces:
        if piece.text:  # (an empty piece, one pypdf reports between operators, shows nothing)
            at[start] = piece
            start += len(piece.text)
    return {i: at[start] for i, (start, _) in enumerate(_laid_lines(text, pieces)) if start in at}


def _indented(lines: list[str], starts: list[TextPiece | None]) -> list[str]:
    """A code block's lines with the indentation their places on the page give them.

    Most PDFs (TeX's, LibreOffice's, matplotlib's) draw each line of a listing where its first
    character goes, with no leading spaces for pypdf to report. The block's leftmost line starts
    column 0, and a line without leading spaces of its own gets a space for each character width
    it starts further right (a line with leading spaces keeps those). The width is the one most
    of the lines are set in, so a line in another size sits on the block's columns. The lines come
    back as they are when anything does not fit: a line whose place is unknown, a width that is
    not a positive number, or a line more than 40 columns in.

    Example:
        (['def f():', 'return 1'], [TextPiece('def f():\n', True, 72, 6),
                                    TextPiece('return 1\n', True, 96, 6)])
        -> ['def f():', '    return 1']
    """
    placed = [start for start in starts if start is not None]
    # (nan compares false, so a width that is nan, infinite, zero or negative is not known)
    known = all(math.isfinite(start.x) and 0 < start.char_width < math.inf for start in placed)
    if not lines or len(placed) < len(lines) or not known:
        return lines
    width = Counter(start.char_width for start in placed).most_common(1)[0][0]
    left = min(start.x for start in placed)
    columns = [round((start.x - left) / width) for start in placed]
    if max(columns) > _MAX_INDENT:
        return lines
    return [
        line if line[:1].isspace() else " " * column + line
        for line, column in zip(lines, columns, strict=True)
    ]


def _marked_code(raw: list[list[str]], monospaced: list[frozenset[int]]) -> list[frozenset[int]]:
    """The lines of each page that monospaced type marks as code: those of `monospaced` but a lone
    token (`_lone_token`), or none when that type is the body's own (nine tenths of the
    document's text or more).

    Example: ([['See', 'http://fsf.org/', 'for it.', 'make all']], [{1, 3}]) -> [{3}]
    """
    typed = sum(
        len(lines[i].replace(" ", ""))
        for lines, marked in zip(raw, monospaced, strict=True)
        for i in marked
    )
    total = sum(len(line.replace(" ", "")) for lines in raw for line in lines)
    if not typed or typed >= BODY_TYPE_SHARE * total:
        return [frozenset()] * len(raw)
    return [
        frozenset(i for i in marked if not _lone_token(lines, marked, i))
        for lines, marked in zip(raw, monospaced, strict=True)
    ]


def _lone_token(lines: list[str], marked: frozenset[int], i: int) -> bool:
    """Whether monospaced line `i` stands alone (no monospaced line beside it) and is one token
    (no space inside): a URL, a DOI, an e-mail address or a path that LaTeX's `\\url` or
    `\\texttt` set in typewriter type and the paragraph wrapped onto a line of its own. It is
    read as any other line, so it joins its paragraph (or its reference) as it did before code
    was read from the fonts, and a page number set in that type is one again. But a line that an
    introduction ending in a colon displays ("then run:" before `./configure`, "Example:" before
    `[50:text/x-diff]`) is code, as a listing of one line.

    Example: (['Copyright Inc.', 'http://fsf.org/', 'Everyone is…'], {1}, 1) -> True;
        (['Then run:', './configure', 'and build.'], {1}, 1) -> False
    """
    if i - 1 in marked or i + 1 in marked or len(lines[i].split()) != 1:
        return False
    before = next((line for line in reversed(lines[:i]) if line.strip()), "")
    return not before.rstrip().endswith(":")


def _listings(
    source: list[str], code: Iterable[int], starts: Mapping[int, TextPiece] | None = None
) -> dict[int, str]:
    """The code lines of a page that are kept as code, each as pypdf gave it (its leading spaces
    kept) and indented as its place on the page tells (`_indented`, from `starts`, the piece each
    line begins with), by index: runs of consecutive `code` lines, each one block, but a run whose
    lines mostly read as prose (a verse or a letter set in typewriter type), which is read as any
    other lines.

    Example: (['Run:', 'make all', 'make check'], {1, 2}) -> {1: 'make all', 2: 'make check'}
    """
    starts = starts or {}
    runs: list[list[int]] = []
    for i in sorted(code):
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    kept: dict[int, str] = {}
    for run in runs:
        lines = [source[i].rstrip() for i in run]
        if not mostly_prose("\n".join(lines)):
            kept.update(zip(run, _indented(lines, [starts.get(i) for i in run]), strict=True))
    return kept


def large_type_title(runs: list[tuple[str, float]]) -> str:
    """The text set in the largest type on a page, when it stands out as a title; else "".

    The first line of a journal article or a spec is often a running header (the journal's name,
    "Vol. 3, 2019, pp. 1-20", a version line, a date, an author's name); the title is the text
    set largest. It counts only when set at least 1.2 times the size of the body text (the size
    most characters are set in, so a page all in one size gives no title here) and when it reads
    as a title: 1-20 words, at most 200 characters, two letters or more, not a page number; else
    the next size down is tried (a drop cap or a large page number is set larger than the title).
    A title wrapped over several lines comes back as one line.

    Args:
        runs: the pieces of a page's text in content order, each with the size (in points) it is
            rendered at; "\n" in a piece ends a line.

    Example:
        [("J. Glaciol. 12\n", 9), ("Ice in the\n", 24), ("Andes\n", 24),
         ("Most of the small glaciers of the Andes have lost half their area since 1980.", 11)]
        -> 'Ice in the Andes'
    """
    sized = [(text, round(size, 1)) for text, size in runs]
    chars: Counter[float] = Counter()
    for text, size in sized:
        chars[size] += sum(not c.isspace() for c in text)
    chars = +chars  # (sizes of whitespace alone do not count)
    if not chars:
        return ""
    body = chars.most_common(1)[0][0]
    if body <= 0:
        return ""
    # largest first; a size whose first run is no title (a drop cap, a page number) gives way to
    # the next one down
    for size in sorted((size for size in chars if size >= _TITLE_SCALE * body), reverse=True):
        title = join_lines([line for line in map(_clean, _first_run_at(sized, size)) if line])
        if _reads_as_title(title):
            return title
    return ""


def _first_run_at(sized: list[tuple[str, float]], size: float) -> list[str]:
    """The lines of the first unbroken stretch of text set in `size` (whitespace between its
    pieces, such as the line break of a wrapped title, does not break it)."""
    pieces: list[str] = []
    gap = ""
    for text, piece_size in sized:
        if not text.strip():
            gap += text if pieces else ""
        elif piece_size == size:
            pieces.append(gap + text)
            gap = ""
        elif pieces:
            break
    return "".join(pieces).split("\n")


def _reads_as_title(text: str) -> bool:
    """1-20 words, at most 200 characters, with letters, and not a page number ("xii", "Page 3")."""
    return (
        0 < len(text.split()) <= 20
        and len(text) <= 200
        and sum(c.isalpha() for c in text) >= 2
        and not _PAGE_NUMBER.match(text)
    )


def _title_lines(kept: list[list[str]], title: str) -> list[tuple[int, int]]:
    """(page index, line index) of the line(s) that spell the title at the top of the document.

    A title set in large type is often wrapped over two or three lines, and a running header or a
    journal's name may stand above it, so the title is looked for as 1-4 consecutive lines, the
    first among the first five lines of the first page with text; [] if it is not there.
    """
    want = _clean(title).casefold()
    for page, lines in enumerate(kept):
        spots = [i for i, line in enumerate(lines) if line]
        if not spots:
            continue
        for start in range(min(5, len(spots))):
            for end in range(start + 1, min(start + 4, len(spots)) + 1):
                words = [lines[i] for i in spots[start:end]]
                if want in (join_lines(words).casefold(), " ".join(words).casefold()):
                    return [(page, i) for i in spots[start:end]]
        return []
    return []


def _kept_lines(
    texts: list[str],
    numbers: list[int],
    monospaced: list[frozenset[int]] | None,
    starts: list[dict[int, TextPiece]] | None = None,
) -> tuple[list[list[str]], list[dict[int, str]]]:
    """Each page's lines, whitespace collapsed, without the page's furniture; and each page's code
    lines as pypdf gave them, indented as placed, by their index in those lines (see
    `pdf_pages`)."""
    source = [text.splitlines() for text in texts]
    raw = [[_clean(line) for line in lines] for lines in source]
    marked = _marked_code(raw, monospaced or [frozenset()] * len(texts))
    nonblank = [[line for line in lines if line] for lines in raw]
    repeated = _furniture(nonblank) | _numbered_heads(nonblank, numbers)
    kept: list[list[str]] = []
    code: list[dict[int, str]] = []
    for lines, originals, typed, placed in zip(
        raw, source, marked, starts or [{}] * len(texts), strict=True
    ):
        start, end = _kept_span(lines, repeated, typed)
        kept.append(lines[start:end])
        code.append(
            _listings(
                originals[start:end],
                [i - start for i in typed if start <= i < end],
                {i - start: piece for i, piece in placed.items()},
            )
        )
    return kept, code


def _first_line(kept: list[list[str]], code: list[dict[int, str]]) -> str:
    """The document's first line as a title candidate: "" when it is code, a sentence's end or
    over 120 characters long."""
    for lines, listed in zip(kept, code, strict=True):
        for i, line in enumerate(lines):
            if line:
                fits = i not in listed and len(line) <= 120 and not _SENTENCE_END.search(line)
                return line if fits else ""
    return ""


def pdf_pages(
    texts: list[str],
    numbers: list[int],
    title: str = "",
    monospaced: list[frozenset[int]] | None = None,
    starts: list[dict[int, TextPiece]] | None = None,
) -> tuple[list[PdfPage], str]:
    """Paragraphs, headings and code of every page of a PDF.

    Args:
        texts: the extracted text of each page.
        numbers: the page number to cite for each page.
        title: the document's title (else the first line is taken for it); its line(s) at the
            top of the document are dropped when they stand alone (see `_title_lines`).
        monospaced: for each page, the indexes of its lines (in `text.splitlines()`) set in
            monospaced type (see `monospaced_lines`); None when the fonts are not known.
        starts: for each page, the piece each of its lines begins with (see `line_starts`),
            whose places indent code lines; None when not known (code as pypdf gave it).

    Returns:
        (pages, first line of the document), the first line being a title candidate.
    """
    kept, code = _kept_lines(texts, numbers, monospaced, starts)
    # (a full line is one of prose: code's lines are as long as the program makes them)
    width = _typical_width(
        [
            [line for i, line in enumerate(lines) if i not in listed]
            for lines, listed in zip(kept, code, strict=True)
        ]
    )
    first_line = _first_line(kept, code)
    title_lines = _title_lines(kept, title or first_line) if title or first_line else []
    dropped: set[tuple[int, int]] = set()
    pages: list[PdfPage] = []
    for page, (number, lines) in enumerate(zip(numbers, kept, strict=True)):
        blocks: list[tuple[str, str]] = []
        current: list[str] = []
        listing: list[str] = []

        seen = None  # the page's last non-blank line so far
        for i, line in enumerate(lines):
            # (code is never joined, never a heading; a title line set in monospaced type, as a
            # program's name may be, is the title's, read as the title's other lines are)
            if i in code[page] and (page, i) not in title_lines:
                _flush(blocks, current)
                listing.append(code[page][i])
                # (a code line stands between the lines around it: a numbered section after a
                # listing, "2. Usage", has no sibling right before it in "1. Setup" above that)
                seen = line
                continue
            _flush_code(blocks, listing)
            if not line:
                _flush(blocks, current)
                continue
            following = next((lines[j] for j in range(i + 1, len(lines)) if lines[j]), None)
            previous, seen = seen, line  # (the last non-blank line before this one)
            if title_lines and (page, i) == title_lines[0]:
                # the title is in the front matter: its line(s) are no section of their own (one
                # line that does not stand alone as a heading stays text, as it reads on)
                if not current and (
                    len(title_lines) > 1 or _is_heading(line, following, width, previous)
                ):
                    dropped = set(title_lines)
            if (page, i) in dropped:
                continue
            if _BULLET.match(line):
                _flush(blocks, current)
            if not current and _is_heading(line, following, width, previous):
                blocks.append(("heading", line))
                continue
            current.append(line)
            if _SENTENCE_END.search(line) and (width == 0 or len(line) < 0.85 * width):
                _flush(blocks, current)
        _flush(blocks, current)
        _flush_code(blocks, listing)
        pages.append(PdfPage(number, tuple(blocks)))
    return pages, first_line
