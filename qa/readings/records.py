"""Read the corpus folder into `Reading` records: the text, its paragraphs, sections and pages.

A reading is a Markdown or plain-text file, optionally opening with a front-matter block
(`title`, `author`, `publisher`, `date`, `source_url`). Offsets of paragraphs are positions in
`Reading.text` (the body after the front matter, byte-for-byte as in the file), so every later
stage can quote the reading exactly. The trade-off: only a small, predictable subset of Markdown
is understood (headings, blank-line paragraphs, `<!-- page N -->` markers written for PDFs);
everything else is kept verbatim as paragraph text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..errors import ReadingError
from .front_matter import read_front_matter

__all__ = [
    "Paragraph",
    "Reading",
    "SkippedFile",
    "READING_SUFFIXES",
    "CORPUS_SUFFIXES",
    "MAX_READING_BYTES",
    "parse_reading",
    "CONVERTED_SUFFIXES",
    "citation_label",
    "reads_as_words",
    "mostly_prose",
    "list_content_column",
    "CODE_INDENT",
    "monospaced_font",
    "BODY_TYPE_SHARE",
]

READING_SUFFIXES = (".md", ".markdown", ".txt")
CONVERTED_SUFFIXES = (".html", ".htm", ".pdf", ".docx")  # converted as `qa add` converts them
CORPUS_SUFFIXES = READING_SUFFIXES + CONVERTED_SUFFIXES
MAX_READING_BYTES = 20 * 1024 * 1024

_HEADING = re.compile(
    r"^(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$"
)  # a closing "##" needs a space before it
CODE_INDENT = 4  # columns of Markdown's indented code (a tab to the next multiple of 4)
# What underlines a title or section in plain text (reStructuredText, AsciiDoc, README files).
_TEXT_UNDERLINE = r"=+|-+|~+|\^+|\*+|\++"
# Inline Markdown in a heading, reduced to the words a reader sees: images to their alt text, links
# to their text, ** and * emphasis to their content, HTML tags and a closing permalink mark dropped.
# Underscores are left alone: in technical readings they join words (ALL_EXPORT, __init__).
_INLINE_MARKUP = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])"), r"\1"),
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),
    (re.compile(r"\s*[¶§]$"), ""),
)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_PAGE_MARKER = re.compile(r"^<!--\s*page\s+(\d+)\s*-->$", re.IGNORECASE)
# A code fence's opening run (CommonMark): a backtick fence's info string holds no backtick, so
# "```x``` spans" at the start of a line opens none.
_FENCE = re.compile(r"(`{3,})(?!.*`)|(~{3,})")
# A list item's marker and the spaces after it: its content starts after them (CommonMark).
_LIST_ITEM = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")


def list_content_column(line: str) -> int | None:
    """The column a Markdown list item's content starts at, None when `line` opens no item.

    As CommonMark has it: past the marker and the one to four spaces after it (one when there
    are none or more, as then the rest is the content's own indent).

    Example: '- item' -> 2; '  10. ten' -> 6; 'text' -> None
    """
    item = _LIST_ITEM.match(line.strip())
    if item is None:
        return None
    marker = item.group(0)
    spaces = len(marker.expandtabs(4)) - len(marker.rstrip())
    column = len(line[: len(line) - len(line.lstrip())].expandtabs(4))
    return column + len(marker.rstrip()) + (spaces if 0 < spaces <= 4 else 1)


_TOKEN_PUNCTUATION = "()[]{}\"'“”‘’`,.;:!?"


def reads_as_words(text: str) -> bool:
    """Whether `text` is a run of words, as prose is: four tokens or more, three in four of them
    words or numbers (their punctuation aside), not code's names, flags and operators.

    Example: 'make install PREFIX=/usr' -> False; 'In 1994, it returned.' -> True
    """
    tokens = text.split()
    words = 0
    for token in tokens:
        bare = token.strip(_TOKEN_PUNCTUATION).replace("-", "").replace("'", "").replace("’", "")
        words += bare.isalpha() or bare.isdigit()
    return len(tokens) >= 4 and words >= 0.75 * len(tokens)


# Words of grammar, which a line of prose has and a command ("sudo apt install nginx") does not.
_GRAMMAR_WORDS = frozenset(
    "the a an of to in on at by for with from as and or but not is are was were be been it its"
    " this that these those he she they we you i his her their our your which who when if".split()
)
_CODE_MARK = re.compile(r"(?:#|//|--|;|\$ |>>> )")  # a comment or a prompt opening a line


def mostly_prose(text: str) -> bool:
    """Whether most lines of a block set as code by its source (a web page's `<pre>`, a Word
    document's code style or monospaced type, a PDF's monospaced type) are lines of prose (a poem,
    a plain-text page, an RFC), not code: each `reads_as_words`, holds a word of grammar ("the",
    "of", "is"…), and opens with no comment or prompt mark.

    Example: 'Whose woods these are I think I know.' -> True; 'sudo apt install nginx' -> False
    """
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    prose = 0
    for line in lines:
        bare = (w.strip(_TOKEN_PUNCTUATION).lower() for w in line.split())
        grammar = _GRAMMAR_WORDS.intersection(bare)
        prose += reads_as_words(line) and bool(grammar) and not _CODE_MARK.match(line)
    return prose * 2 > len(lines)


# The families of monospaced type, matched in a font's name split into words: Courier and its
# clones (TeX Gyre Cursor), the Mono families (DejaVu Sans Mono, Nimbus Mono, Latin Modern Mono,
# Monospac821), the Code families, "code" after another word (Source Code Pro, Fira Code,
# Cascadia Code; not Code2000, which is proportional, nor the barcodes Code128, Code39, Bar Code
# 39), Consolas, Menlo, Monaco, Lucida Console, Inconsolata, Hack, Cousine, Anonymous Pro, and
# TeX's typewriter type: cmtt, cmsltt, cmitt, sftt, txtt, and in the EC fonts and their cm-super
# Type 1 cuts (sf*) ectt/sftt upright, ecit/sfit italic and ecst/sfst slanted (ecti/sfti are text
# italic, ecss/sfss sans serif; the EC fonts' documentation and cm-super's name them so). Not
# Monotype Corsiva, American Typewriter (proportional), nor TeX's variable-width typewriter, cmvtt
# and ecvt.
_MONOSPACED = re.compile(
    r"\bmono(?:spac(?:ed?)?)?\b|freemono|courier|consolas|menlo|monaco|lucida ?console"
    r"|(?<!american )typewriter|inconsolata|cascadia|(?<=\w )(?<!bar )code\b|lm ?mono"
    r"|nimbus ?mon|gyre ?cursor|\bhack\b|cousine|anonymous ?pro"
    r"|\b(?:cm|ec|sf|tc|tx|px|lm)[a-z]*(?<!v)tt\b|\b(?:ec|sf)(?:it|st)\b"
)
# Where a font's name (as a PDF writes it, "DejaVuSansMono-Bold", "CMTT10") parts into words: a
# small letter before a capital, the last of a run of capitals before a word, letters and digits.
_NAME_BREAK = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"
)
# Monospaced type that fills this share of a document's text, or more, is its body type (a text
# file printed in Courier, a memo typed in it throughout): it marks no code there.
BODY_TYPE_SHARE = 0.9


def monospaced_font(name: str) -> bool:
    """Whether a font's name, as Word or a PDF gives it, is that of a monospaced family.

    Example: 'Courier New' -> True; 'DejaVuSansMono-Bold' -> True; 'CMTT10' -> True;
        'LMMono10-Regular' -> True; 'Monotype Corsiva' -> False; 'CMR10' -> False;
        'CMVTT10' -> False; 'Code2000' -> False
    """
    words = re.sub(r"[\W_]+", " ", _NAME_BREAK.sub(" ", name)).casefold()
    return bool(_MONOSPACED.search(words))


def _underlines(rule: str, line: str) -> bool:
    """In plain text, a rule under a line is its underline when about as long as it (as
    reStructuredText and AsciiDoc write titles); a longer or shorter one is a separator."""
    return abs(len(rule) - len(line)) <= max(2, len(line) // 4)


def _is_comment_start(line: str) -> bool:
    """A line that opens an HTML comment and holds nothing after its close, if it closes."""
    if not line.startswith("<!--"):
        return False
    end = line.find("-->", 4)
    return end < 0 or not line[end + 3 :].strip()


def heading_words(heading: str) -> str:
    """A Markdown heading as a reader sees it: inline markup reduced to its words.

    Unchanged when nothing would be left (a heading that is only an image without alt text).
    Example: '[libfoo](https://example.org) `v2` **notes**' -> 'libfoo v2 notes'
    """
    parts = _CODE_SPAN.split(heading)  # text, (ticks, code, text)*: code is kept as it is
    for i in range(0, len(parts), 3):
        for pattern, replacement in _INLINE_MARKUP:
            parts[i] = pattern.sub(replacement, parts[i])
    words = "".join(part for i, part in enumerate(parts) if i % 3 != 1)
    words = re.sub(r"\s+", " ", words).strip()
    return words or heading


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a reading: its number (1-based, over the whole reading) and place."""

    number: int
    section: str | None
    page: int | None
    start: int
    end: int
    # Code, as Markdown sets it: a fenced block, or a block indented four columns that is not a
    # list item's content. (Plain text has no such rule: a man page indents all its prose.)
    code: bool = False


@dataclass(frozen=True)
class Reading:
    """A reading as the index sees it.

    `text[p.start:p.end]` is the text of paragraph `p`; `sha256` is the hash of the file's bytes.
    """

    doc: str
    title: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    sha256: str
    source: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def paged(self) -> bool:
        return any(p.page is not None for p in self.paragraphs)

    def paragraph_at(self, offset: int) -> Paragraph:
        """The paragraph containing `offset` (or the last one starting before it)."""
        found = self.paragraphs[0]
        for p in self.paragraphs:
            if p.start > offset:
                break
            found = p
        return found


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file that was not indexed, and why."""

    path: str
    reason: str


def _title_from_stem(stem: str) -> str:
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or stem


@dataclass
class _Scan:
    """The paragraphs of a reading's body, found line by line: blank lines, headings and page
    markers end a paragraph; fenced code blocks are kept whole."""

    text: str
    markdown: bool
    title: str  # from the front matter; else the first level-1 heading before any paragraph
    paragraphs: list[Paragraph] = field(default_factory=list)
    section: str | None = None
    page: int | None = None
    block_start: int | None = None  # where the paragraph being read began
    block_code: bool = False  # it began indented as code (4 columns or more)
    block_is_code: bool = False  # it is code: fenced, or indented and not a list item's content
    list_column: int | None = None  # the content column of the list item we are in, if any
    fence: str | None = None  # the opening run of the fenced code block we are in, if any
    fence_column: int = 0  # the column the fence opened at
    comment: bool = False  # inside an HTML comment that spans lines

    def close(self, end: int) -> None:
        if self.block_start is not None:
            # (the paragraph's own text stripped: stripping the whole text before it made a
            # reading of many paragraphs quadratic)
            stripped_end = self.block_start + len(self.text[self.block_start : end].rstrip())
            if stripped_end > self.block_start:
                self.paragraphs.append(
                    Paragraph(
                        len(self.paragraphs) + 1,
                        self.section,
                        self.page,
                        self.block_start,
                        stripped_end,
                        self.markdown and self.block_is_code,
                    )
                )
        self.block_start = None

    def _heading(self, name: str, top: bool) -> None:
        if self.markdown:  # (plain text shows its asterisks and brackets as they are)
            name = heading_words(name)
        if top and not self.title and not self.paragraphs:
            self.title = name
        else:
            self.section = name

    def line(self, pos: int, line: str) -> None:
        """Take the line that starts at offset `pos` of the text."""
        bare = line.strip()
        indent = len(line) - len(line.lstrip())
        column = len(line[:indent].expandtabs(4))
        # Four columns of indent make a line code (Markdown's indented code block): a "# comment"
        # or a "----" there is text, not a heading.
        code = column >= CODE_INDENT
        # Inside a list item, columns count from its content's: a fence may open there.
        inside = self.list_column is not None and column >= self.list_column
        inner = column - self.list_column if inside else column
        if self.markdown and self.fence is not None:  # inside ``` or ~~~: no headings, blanks kept
            # (closed by a run of the same mark, at least as long, and nothing after it; the
            # text after the closing line is a paragraph of its own)
            closes = column - self.fence_column < CODE_INDENT and bare.startswith(self.fence)
            if closes and not bare.strip(self.fence[0]):
                self.fence = None
                self.close(pos + len(line))
            return
        fenced = self.markdown and 0 <= inner < CODE_INDENT
        opening = _FENCE.match(bare) if fenced else None
        if opening:
            self.fence, self.fence_column = opening.group(1) or opening.group(2), column
            self.close(pos)  # (a fence ends the paragraph before it, as in CommonMark)
            self.block_start, self.block_code, self.block_is_code = pos + indent, False, True
            if not inside:
                self.list_column = None
            return
        page_mark = None if code else _PAGE_MARKER.match(bare)  # (a marker shown in code is text)
        # An HTML comment is hidden where Markdown is shown ("<!-- TODO: check the date -->", a
        # generator's "<!-- YAML added: v0.5.8 -->"), so it is not the reading's text: its lines
        # are no paragraph (and, text between paragraphs, end a chunk's run of them).
        if self.comment:
            self.comment = "-->" not in bare
            return
        if self.markdown and not code and not page_mark and _is_comment_start(bare):
            self.close(pos)
            self.comment = "-->" not in bare[4:]
            self.list_column = None
            return
        heading = _HEADING.match(bare) if self.markdown and not code else None
        # A one-line paragraph underlined with === or --- is a heading too (setext style).
        underline = (
            self.block_start is not None
            and not (code or self.block_code)
            and re.fullmatch(r"=+|-+" if self.markdown else _TEXT_UNDERLINE, bare)
            and "\n" not in self.text[self.block_start : pos].strip()
        )
        name = self.text[self.block_start : pos].strip() if underline else ""
        if underline and (self.markdown or _underlines(bare, name)):
            self.block_start, self.list_column = None, None
            self._heading(name, bare[0] == "=")
        elif not bare or heading or page_mark:
            self.close(pos)
            if heading or page_mark:
                self.list_column = None
            if heading:
                self._heading(heading.group(2).strip(), len(heading.group(1)) == 1)
            elif page_mark:
                self.page = int(page_mark.group(1))
        elif self.block_start is None:
            self.block_start = pos + indent
            self.block_code = code
            # Inside a list item (at its content's column or past it) a block is the item's
            # content, a nested item or a paragraph, unless four columns past that: code, as
            # Markdown reads it. Elsewhere four columns make code and end a list.
            self.block_is_code = inner >= CODE_INDENT if inside else code
            if not inside:
                self.list_column = None
            content = None if self.block_is_code else list_content_column(line)
            if content is not None:
                self.list_column = content


def parse_reading(
    raw: str, doc: str, *, markdown: bool = True, source: str = "", sha256: str | None = None
) -> Reading:
    """Parse the text of one reading file into a `Reading`.

    Args:
        raw: the file's text.
        doc: the reading's id (its file name without the suffix).
        markdown: treat `#` lines as headings (False for plain text).
        source: where the text came from, for messages.
        sha256: the hash of the file's bytes (default: of `raw` as UTF-8).

    Returns:
        The reading; raises `ReadingError` when it holds no text.
    """
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    meta, body_start = read_front_matter(raw)
    text = raw[body_start:]
    scan = _Scan(text, markdown, meta.get("title", "").strip())
    pos = 0
    for line in text.split("\n"):
        scan.line(pos, line)
        pos += len(line) + 1
    scan.close(len(text))
    paragraphs, title = scan.paragraphs, scan.title

    if not paragraphs:
        raise ReadingError(
            f"{source or doc}: no text to index (the file is empty or has only headings); "
            "add text or remove the file."
        )
    return Reading(
        doc=doc,
        title=title or _title_from_stem(doc),
        text=text,
        paragraphs=tuple(paragraphs),
        sha256=sha256 or hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        source=source,
        meta={k: v for k, v in meta.items() if k != "title"},
    )


def citation_label(
    title: str, section: str | None, paragraph: int | None, page: int | None = None
) -> str:
    """The human form of a citation.

    Example: ('Alliance', 'Past', 24, None) -> 'Alliance — Past, ¶24'
    """
    where = []
    if page is not None:
        where.append(f"p. {page}")
    if paragraph is not None:
        where.append(f"¶{paragraph}")
    head = f"{title} — {section}" if section else title
    return f"{head}, {', '.join(where)}" if where else head
