"""Convert a source to corpus form: web pages, PDFs, Word documents, Markdown, plain text, URLs.

Every source becomes the text of one corpus file: Markdown with a front-matter block (title,
author, date, publisher, source_url, and the hash of the imported bytes), `## ` headings as
sections, and for PDFs a `<!-- page N -->` marker before each page so passages cite their page.
Web pages go through trafilatura, which keeps the article and drops menus, cookie banners,
related links, footers and scripts; PDFs through pypdf, whose hard-wrapped lines are joined back
into paragraphs; Word documents (.docx) through python-docx, their Title and Heading styles as
sections. Markdown and text files are copied as they are. The trade-off: the PDF paragraph
and heading rules are heuristics on line lengths and punctuation, so an unusual layout may split
or merge a paragraph; the text itself is always the PDF's own. Two things are read from a PDF's
fonts. Their names: lines set wholly in a monospaced font (Courier, a Mono family, TeX's cmtt)
are code, written as Markdown's indented code like a Word document's or a web page's, unless
that font is the body's own type, or most lines of a run of them read as prose (a verse or a letter
typed in it), or a run is one line of one token (a URL or a path set in it inside a paragraph),
when they are read as any other lines; as most PDFs place a code line where it starts rather than
spell its indentation with spaces, each gets a space per character width (the font's own) it
starts right of its block's leftmost line. Their sizes: a PDF's title is the caller's, else its
/Title metadata (placeholders such as "Untitled" or a file name skipped), else the text set in
the largest type on page 1 when that stands out from the body text, else its first line (the
sizes are read in the same pass as the fonts). A page whose fonts pypdf cannot report is read
without them, never refused.
"""

from __future__ import annotations

import copy
import hashlib
import io
import logging
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ReadingError
from .docxtext import docx_blocks
from .fetch import FETCH_TIMEOUT_S, check_size, fetch_url
from .front_matter import one_line, render_front_matter, set_front_matter
from .htmltext import element_text, html_blocks, page_title, prepare_page
from .pdftext import TextPiece, large_type_title, line_starts, monospaced_lines, pdf_pages
from .records import (
    CODE_INDENT,
    MAX_READING_BYTES,
    READING_SUFFIXES,
    list_content_column,
    monospaced_font,
    parse_reading,
)

__all__ = [
    "Imported",
    "MAX_IMPORT_BYTES",
    "FETCH_TIMEOUT_S",
    "HTML_SUFFIXES",
    "IMPORT_SUFFIXES",
    "convert_file",
    "convert_url",
    "convert_html",
    "convert_pdf",
    "convert_docx",
    "convert_text",
    "slugify",
    "render_markdown",
    "render_front_matter",
]

MAX_IMPORT_BYTES = 50_000_000
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
IMPORT_SUFFIXES = HTML_SUFFIXES + (".pdf", ".docx") + READING_SUFFIXES
URL_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
}
_MD_ESCAPE = re.compile(r"^(#{1,6}[ \t]|<!--)")
# The tag a PDF writer puts before the name of a font it embeds a subset of ("ABCDEF+CMTT10"). The
# "+" would part it from the name anyway, but its six random capitals may spell a family on their
# own ("MONACO+Helvetica", "CMQRTT+CMR10"), so it is taken off.
_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
# The operators that can show text: Tj, TJ, ' and " (PDF 32000-1, 9.4.3), and Do, which may paint
# a form XObject holding text (pypdf's own test, `_has_text_operator`, looks for the same). pypdf
# skips content without them when it extracts plainly but parses all of it for a visitor, which
# for a page of drawings (thousands of path operators) takes many times longer; a byte that only
# looks like one (a "'" in a string) costs no more than that visitor pass.
_TEXT_OPERATOR = re.compile(rb"T[jJ]|Do|['\"]")
# How far a glyph of a monospaced font that lists no widths advances, per unit of its size: only
# the 14 standard fonts may leave their widths out, and the monospaced ones among them (Courier and
# its bold and oblique) all advance 600/1000 of the size.
_STANDARD_MONOSPACED_ADVANCE = 0.6


@dataclass(frozen=True)
class Imported:
    """A source converted to corpus form, not yet written.

    `body` is the Markdown (or text) after the front matter; `suffix` the corpus file's suffix.
    """

    kind: str  # html | pdf | docx | markdown | text
    title: str
    body: str
    suffix: str
    source: str  # the path or URL it came from, for messages
    source_sha256: str
    meta: dict[str, str] = field(
        default_factory=dict
    )  # author, date, publisher, source_url, source_file
    front_matter: bool = True  # False: a Markdown or text file copied byte for byte
    notes: tuple[str, ...] = ()

    def file_text(self) -> str:
        """The corpus file's full text."""
        if not self.front_matter:
            return self.body
        meta = {
            "title": self.title,
            **self.meta,
            "source_sha256": self.source_sha256,
            "format": self.kind,
        }
        return render_front_matter(meta) + self.body


# ---------------------------------------------------------------------------- helpers


def render_markdown(blocks: list[tuple[str, str]]) -> str:
    """Markdown from ('heading' | 'text' | 'code', content) blocks, one blank line apart.

    A text line that would read back as a heading or a page marker is escaped with a backslash;
    code is indented four columns, Markdown's code block, which the reader keeps as code (a
    `# comment` in it is no heading, and retrieval ranks it below prose); after a list, four
    columns past the last item's content, so that it is code in that item, not its paragraph.
    Example: [('heading', 'Why'), ('text', 'Because.')] -> '## Why\\n\\nBecause.\\n'
    """
    out: list[str] = []
    # Code is indented four columns past the content of a list still open (a block after the
    # list is the last item's content, unless that far in), else four.
    content_column = 0
    for kind, content in blocks:
        if kind == "heading":
            out.append("## " + one_line(content))
            content_column = 0
            continue
        lines = [line.rstrip() for line in content.strip("\n").split("\n") if line.strip()]
        if lines and kind == "code":
            indent = " " * (content_column + CODE_INDENT)
            out.append("\n".join(indent + line for line in lines))
        elif lines:
            escaped = ["\\" + line if _MD_ESCAPE.match(line.lstrip()) else line for line in lines]
            out.append("\n".join(escaped))
            columns = [c for line in escaped if (c := list_content_column(line)) is not None]
            content_column = columns[-1] if columns else 0
    return "\n\n".join(out) + "\n" if out else ""


def slugify(text: str, limit: int = 60) -> str:
    """A file-name stem from a title: ASCII, lower case, words joined by hyphens.

    Example:
        'Glaciers of the Andes: Retreating Faster?' -> 'glaciers-of-the-andes-retreating-faster'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] or slug[:limit]
    return slug or "reading"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode_text(data: bytes, source: str, charset: str | None = None) -> str:
    if b"\x00" in data[:8192]:
        raise ReadingError(
            f"{source}: looks like a binary file, not text; only UTF-8 text, Markdown, HTML and "
            "PDF files can be added."
        )
    try:
        return data.decode(charset or "utf-8-sig")
    except (UnicodeDecodeError, LookupError) as exc:
        raise ReadingError(
            f"{source}: is not {charset or 'UTF-8'} text ({exc}); save it as UTF-8 and add it "
            "again."
        ) from exc


# ---------------------------------------------------------------------------- HTML


def convert_html(
    data: bytes | str, source: str, *, url: str | None = None, title: str | None = None
) -> Imported:
    """Extract the main text and metadata of a web page.

    Args:
        data: the page (bytes: the encoding is detected; str: already decoded).
        source: the file or URL, for messages.
        url: the page's address, when it was fetched (else its canonical link is used, if any).
        title: a title that overrides the page's own.

    Returns:
        The reading; raises `ReadingError` when the page has no main text.
    """
    import trafilatura

    raw = data.encode("utf-8") if isinstance(data, str) else data
    options = dict(
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
    )
    try:
        tree = trafilatura.load_html(data)  # (decoded as trafilatura decodes pages)
        if tree is None:
            raise ValueError("no HTML document in it")
        prepare_page(tree)
        # Each extraction gets its own copy: trafilatura prunes the tree it is given.
        doc = trafilatura.bare_extraction(copy.deepcopy(tree), favor_precision=True, **options)
        if doc is None or doc.body is None or not element_text(doc.body):
            doc = trafilatura.bare_extraction(
                copy.deepcopy(tree), **options
            )  # short articles can fall below the precision cut
    except Exception as exc:  # trafilatura and lxml raise many kinds on malformed input
        raise ReadingError(
            f"{source}: cannot be read as a web page ({type(exc).__name__}: {exc})."
        ) from exc
    found = (doc.title if doc is not None else "") or ""
    reading_title = one_line(title or page_title(tree, found))
    blocks = (
        html_blocks(doc.body, reading_title) if doc is not None and doc.body is not None else []
    )
    body = render_markdown(blocks)
    if not any(kind in ("text", "code") for kind, _ in blocks):
        raise ReadingError(
            f"{source}: no main text found in the page (only menus, links or scripts); save the "
            "article's own page, or copy its text into a .txt file and add that."
        )
    meta = {
        "author": doc.author or "",
        "date": doc.date or "",
        "publisher": doc.sitename or "",
        "source_url": url or doc.url or "",
    }
    return Imported(
        "html",
        reading_title or title_from_source(source),
        body,
        ".md",
        source,
        _sha256(raw),
        {k: v for k, v in meta.items() if v},
    )


# ---------------------------------------------------------------------------- PDF


def convert_pdf(data: bytes, source: str, *, title: str | None = None) -> Imported:
    """Extract the text of a PDF page by page, with `<!-- page N -->` markers.

    Raises `ReadingError` for a broken or password-protected PDF, and for one without a text
    layer (a scan), which must be OCRed first.
    """
    read = _read_pdf(data, source)
    pages, labels, info = read.pages, read.labels, read.info
    if not pages:
        raise ReadingError(f"{source}: the PDF has no pages.")
    numbers = (
        [int(label) if label.isdigit() else i + 1 for i, label in enumerate(labels)]
        if len(labels) == len(pages)
        else list(range(1, len(pages) + 1))
    )
    meta_title = _pdf_title(info)
    type_title = large_type_title(read.sized)
    parsed, first_line = pdf_pages(
        pages, numbers, meta_title or type_title, read.monospaced, read.starts
    )
    if not any(page.blocks for page in parsed):
        raise ReadingError(
            f"{source}: no extractable text; OCR it first (e.g. `ocrmypdf in.pdf out.pdf`), "
            "then add the OCRed PDF."
        )
    body = (
        "\n".join(
            f"<!-- page {page.number} -->\n\n" + render_markdown(list(page.blocks))
            for page in parsed
        ).rstrip()
        + "\n"
    )
    empty = [page.number for page in parsed if not page.blocks]
    notes = (
        (f"pages without text (scanned images?): {', '.join(map(str, empty))}",) if empty else ()
    )
    return Imported(
        "pdf",
        one_line(title or meta_title or type_title or first_line or title_from_source(source)),
        body,
        ".md",
        source,
        _sha256(data),
        _pdf_meta(info),
        notes=notes,
    )


@dataclass(frozen=True)
class _PageText:
    """What is read from one page of a PDF (`_page_text`)."""

    text: str
    monospaced: frozenset[int]  # its lines set in monospaced type
    starts: dict[int, TextPiece]  # the piece each of its lines begins with (its place)
    sized: list[tuple[str, float]]  # its upright text piece by piece, with rendered sizes


@dataclass(frozen=True)
class _PdfText:
    """What is read from a PDF before its lines are made paragraphs."""

    pages: list[str]  # the text of each page
    monospaced: list[frozenset[int]]  # each page's lines set in monospaced type
    starts: list[dict[int, TextPiece]]  # the piece each line of each page begins with (its place)
    labels: list[str]  # the page labels
    info: object  # the document information (title, author, dates), or None
    sized: list[tuple[str, float]]  # page 1's upright text piece by piece, with sizes


def _read_pdf(data: bytes, source: str) -> _PdfText:
    """The text of a PDF's pages with what their fonts tell, its page labels and information."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if b"%PDF-" not in data[:1024]:
        raise ReadingError(
            f"{source}: is not a PDF (no %PDF- header); check the file, "
            "or add it under its real type."
        )
    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # damage is reported below, once, not as a stream of warnings
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:
                raise ReadingError(
                    f"{source}: the PDF is encrypted with AES, which needs the `cryptography` "
                    f"package ({exc}); install it or save an unencrypted copy."
                ) from exc
            if not opened:
                raise ReadingError(
                    f"{source}: the PDF is password-protected; save an unencrypted copy "
                    "(e.g. `qpdf --decrypt --password=... in.pdf out.pdf`) and add that."
                )
        pages = [_page_text(page) for page in reader.pages]
        return _PdfText(
            [page.text for page in pages],
            [page.monospaced for page in pages],
            [page.starts for page in pages],
            list(reader.page_labels),
            reader.metadata,
            pages[0].sized if pages else [],
        )
    except ReadingError:
        raise
    except FileNotDecryptedError as exc:
        raise ReadingError(
            f"{source}: the PDF is password-protected; save an unencrypted copy and add that."
        ) from exc
    # pypdf raises many kinds (PyPdfError, ValueError, KeyError...) on damaged files
    except Exception as exc:
        raise ReadingError(
            f"{source}: the PDF is damaged and cannot be read ({type(exc).__name__}: {exc}); "
            "re-save or re-download it."
        ) from exc
    finally:
        quiet.setLevel(level)


def _page_text(page) -> _PageText:
    """A page's text, the indexes of its lines set wholly in monospaced type, the piece each of
    its lines begins with (where it starts on the page, and in monospaced type how wide its
    characters are there), by which code lines are indented, and its upright text piece by piece
    with the size (points) each is rendered at, from which page 1's title is chosen
    (`large_type_title`; rotated text, an arXiv stamp up the margin, is no title).

    The fonts and places are reported by the pass that extracts the text, through a visitor. Code
    is found from them alone, so a page pypdf cannot walk with a visitor is extracted again without
    one and has no code, never an error (a damaged page that cannot be extracted either still
    raises): a code heuristic must not make a readable PDF unreadable. A page whose content shows
    no text (`_shows_text`: a figure's drawing) is extracted without a visitor too, as pypdf then
    skips parsing it. The sizes, like the fonts, are [] for a page not walked with a visitor: a
    title heuristic must not make a readable PDF unreadable either.
    """
    pieces: list[TextPiece] = []
    sized: list[tuple[str, float]] = []
    # each font's advance, read once a page, by the dictionary's id (the dictionary is kept with
    # it, so that no other takes its id)
    advances: dict[int, tuple[object, float]] = {}

    def visit(text, cm, tm, font, font_size) -> None:
        monospaced = _monospaced(font)
        matrix = _rendered(tm, cm)
        width = math.nan
        if monospaced:
            if id(font) not in advances:
                advances[id(font)] = (font, _advance(font))
            # a character's width on the page: its advance per unit of size, times the size, times
            # the matrices' horizontal scale (character spacing and horizontal scaling, Tc and Tz,
            # which pypdf does not report, are taken as their defaults: listings hardly use them)
            width = advances[id(font)][1] * float(font_size) * matrix[0]
        pieces.append(TextPiece(text, monospaced, matrix[4], width))
        # (see `_rendered`) the rendered size is the font size times d; b is nonzero for rotated
        # text
        a, b, _, d, _, _ = matrix
        size = float(font_size) * d
        if text and a > 0 and size > 0 and abs(b) <= 1e-3 * a:
            sized.append((text, size))

    text = None
    try:
        if _shows_text(page):
            text = page.extract_text(visitor_text=visit) or ""
    except Exception:  # pypdf raises many kinds on damaged content
        pass
    if text is None:  # (no text to show, or pypdf could not walk the page)
        return _PageText(page.extract_text() or "", frozenset(), {}, [])
    return _PageText(text, monospaced_lines(text, pieces), line_starts(text, pieces), sized)


def _shows_text(page) -> bool:
    """Whether a page's content has an operator that can show text (`_TEXT_OPERATOR`), so that
    walking it with a visitor may find some; a page of drawings alone is extracted plainly.

    Example: b"BT /F1 11 Tf (Hi) Tj ET" -> True; b"72 400 m 300 700 l S" -> False
    """
    contents = page.get_contents()
    return contents is not None and bool(_TEXT_OPERATOR.search(contents.get_data()))


def _monospaced(font) -> bool:
    """Whether a piece's font, as pypdf reports it to a visitor, is monospaced by its /BaseFont
    name (a subset's tag taken off); a piece in an unknown font has no dictionary and is not.

    Example: << /BaseFont /ABCDEF+CMTT10 >> -> True; << /BaseFont /MONACO+Helvetica >> -> False
    """
    name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
    return monospaced_font(_SUBSET_TAG.sub("", name.lstrip("/")))


def _rendered(tm, cm) -> list[float]:
    """The text matrix times the current one (PDF 32000-1, 9.4.4), [a, b, c, d, e, f]: text
    space on the page, as pypdf reports the two to a visitor. a and d scale x and y, b is nonzero
    for rotated text, and (e, f) is where the piece starts (points in the page's user space).

    Example: ([1, 0, 0, 1, 10, 700], [2, 0, 0, 2, 50, 0]) -> [2, 0, 0, 2, 70, 1400]
    """
    return [
        tm[0] * cm[0] + tm[1] * cm[2],
        tm[0] * cm[1] + tm[1] * cm[3],
        tm[2] * cm[0] + tm[3] * cm[2],
        tm[2] * cm[1] + tm[3] * cm[3],
        tm[4] * cm[0] + tm[5] * cm[2] + cm[4],
        tm[4] * cm[1] + tm[5] * cm[3] + cm[5],
    ]


def _advance(font) -> float:
    """How far each glyph of a monospaced font advances, per unit of font size, as its dictionary
    declares (the commonest nonzero width: all a monospaced font's glyphs advance alike); nan when
    the dictionary cannot be read.

    The width is the font's own, not measured from the page: pypdf reports where a piece starts
    but not where it ends (it does not move its matrices by the glyphs drawn), a listing's line is
    mostly one piece, and a piece may begin with a space pypdf put in for a gap, so no span of a
    piece measures its characters. A simple font lists /Widths in thousandths of the size (a
    Type3 font in its /FontMatrix's units); a composite (Type0) font lists them in its descendant's
    /W, else gives one default, /DW; a standard font (Courier) lists none.

    Example: << /Subtype /Type1 /BaseFont /CMTT10 /Widths [525 525 525] >> -> 0.525
    """
    try:
        if "/Widths" in font:
            widths = list(font["/Widths"])
            type3 = font.get("/Subtype") == "/Type3"
            scale = float(_resolved(font["/FontMatrix"][0])) if type3 else 0.001
        elif "/DescendantFonts" in font:
            descendant = _resolved(font["/DescendantFonts"][0])
            # /W holds runs "first [w1 w2 ...]" and ranges "first last w"
            runs, widths = [_resolved(item) for item in descendant.get("/W", [])], []
            while runs:
                if isinstance(runs[1], list):
                    widths += runs[1]
                    runs = runs[2:]
                else:
                    widths.append(runs[2])
                    runs = runs[3:]
            widths = widths or [descendant.get("/DW", 1000)]
            scale = 0.001
        else:
            return _STANDARD_MONOSPACED_ADVANCE
        counts = Counter(width for width in map(float, map(_resolved, widths)) if width > 0)
        return counts.most_common(1)[0][0] * scale if counts else math.nan
    except Exception:  # a damaged dictionary: the width is not known, the code stays flush left
        return math.nan


def _resolved(value):
    """A PDF object itself, for a reference to it (pypdf resolves a dictionary's entries, not an
    array's items)."""
    return value.get_object() if hasattr(value, "get_object") else value


def _pdf_title(info) -> str:
    """The title in the PDF's information, unless it is a placeholder a program wrote."""
    meta_title = one_line(str(info.title)) if info is not None and info.title else ""
    if re.match(
        r"(?i)^(untitled|microsoft (word|powerpoint) - |document\d*$)", meta_title
    ) or meta_title.lower().endswith((".doc", ".docx", ".pdf")):
        return ""
    return meta_title


def _pdf_meta(info) -> dict[str, str]:
    """Author and creation date from the PDF's information, where present."""
    author = one_line(str(info.author)) if info is not None and info.author else ""
    date = ""
    if info is not None:
        try:
            date = info.creation_date.date().isoformat() if info.creation_date else ""
        except (ValueError, TypeError, AttributeError):
            date = ""
    meta = {"author": author, "date": date}
    return {k: v for k, v in meta.items() if v}


# ---------------------------------------------------------------------------- Word


def convert_docx(data: bytes, source: str, *, title: str | None = None) -> Imported:
    """Extract the body of a Word document (.docx): headings, paragraphs, lists and tables.

    Raises `ReadingError` for a file that is not a readable .docx, and for one with no text.
    """
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        blocks, own_title = docx_blocks(document)
        properties = document.core_properties
        author, created = properties.author or "", properties.created
        meta_title = one_line(properties.title or "")
    except Exception as exc:  # python-docx, zipfile and lxml raise many kinds on damaged files
        raise ReadingError(
            f"{source}: is not a Word document that can be read ({type(exc).__name__}: {exc}); "
            "open it in Word and save it again as .docx (or as PDF), then add that."
        ) from exc
    reading_title = one_line(title or meta_title or own_title) or title_from_source(source)
    if blocks and blocks[0] == ("heading", reading_title):
        blocks = blocks[1:]  # the title lives in the front matter
    if not any(kind in ("text", "code") for kind, _ in blocks):
        raise ReadingError(f"{source}: the document has no text to index; nothing to add.")
    meta = {"author": one_line(author), "date": created.date().isoformat() if created else ""}
    return Imported(
        "docx",
        reading_title,
        render_markdown(blocks),
        ".md",
        source,
        _sha256(data),
        {k: v for k, v in meta.items() if v},
    )


# ---------------------------------------------------------------------------- text and Markdown


def title_from_source(source: str) -> str:
    stem = Path(urlsplit(source).path if "://" in source else source).stem
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or "Untitled reading"


def convert_text(
    data: bytes,
    source: str,
    *,
    markdown: bool,
    title: str | None = None,
    charset: str | None = None,
    source_url: str = "",
) -> Imported:
    """A Markdown or plain-text reading, kept word for word.

    The file is copied byte for byte unless a title or a source URL must go into its front matter.
    """
    text = _decode_text(data, source, charset)
    if not text.strip():
        raise ReadingError(f"{source}: the file is empty; nothing to add.")
    kind, suffix = ("markdown", ".md") if markdown else ("text", ".txt")
    copied = not (title or source_url)
    if not copied:
        text = set_front_matter(
            text, {"title": title or "", "source_url": source_url, "source_sha256": _sha256(data)}
        )
    reading = parse_reading(
        text, slugify(title_from_source(source)), markdown=markdown, source=source
    )
    return Imported(kind, reading.title, text, suffix, source, _sha256(data), front_matter=False)


# ---------------------------------------------------------------------------- sources


def convert_file(
    path: Path, *, title: str | None = None, max_bytes: int = MAX_IMPORT_BYTES
) -> Imported:
    """Convert one local file by its type (.html/.htm/.xhtml, .pdf, .docx, .md/.markdown, .txt)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise ReadingError(f"{path}: is a folder; add the files in it one by one or pass them all.")
    if suffix in (".doc", ".rtf", ".odt"):
        raise ReadingError(
            f"{path}: {suffix} files cannot be read; open it and save it as .docx or PDF, "
            "then add that."
        )
    if suffix not in IMPORT_SUFFIXES:
        raise ReadingError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; `qa add` takes "
            f"{', '.join(IMPORT_SUFFIXES)} files and http(s) URLs."
        )
    try:
        size = path.stat().st_size
        check_size(
            size,
            str(path),
            min(max_bytes, MAX_READING_BYTES) if suffix in READING_SUFFIXES else max_bytes,
        )
        data = path.read_bytes()
    except OSError as exc:
        raise ReadingError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    if not data.strip():
        raise ReadingError(f"{path}: the file is empty; nothing to add.")
    if suffix == ".pdf":
        imported = convert_pdf(data, str(path), title=title)
    elif suffix == ".docx":
        imported = convert_docx(data, str(path), title=title)
    elif suffix in HTML_SUFFIXES:
        if b"\x00" in data[:8192]:
            raise ReadingError(f"{path}: looks like a binary file, not a web page.")
        imported = convert_html(data, str(path), title=title)
    else:
        return convert_text(data, str(path), markdown=suffix != ".txt", title=title)
    return _with_meta(imported, source_file=path.name)


def _with_meta(imported: Imported, **extra: str) -> Imported:
    from dataclasses import replace

    return replace(
        imported,
        meta={**imported.meta, **{k: v for k, v in extra.items() if v and k not in imported.meta}},
    )


def convert_url(
    url: str,
    *,
    title: str | None = None,
    timeout: float = FETCH_TIMEOUT_S,
    max_bytes: int = MAX_IMPORT_BYTES,
    public_only: bool = False,
) -> Imported:
    """Fetch a URL and convert it by its content type (HTML, PDF, Word, plain text or Markdown)."""
    fetched = fetch_url(url, timeout=timeout, max_bytes=max_bytes, public_only=public_only)
    kind = URL_TYPES.get(fetched.content_type)
    if (
        kind is None
        and fetched.data[:5] == b"%PDF-"
        and fetched.content_type in ("application/octet-stream", "binary/octet-stream")
    ):
        kind = "pdf"  # servers often send PDFs as octet-stream
    if kind is None:
        raise ReadingError(
            f"{url}: content type {fetched.content_type!r} is not a reading; `qa add` fetches "
            f"{', '.join(sorted(URL_TYPES))}."
        )
    if not fetched.data.strip():
        raise ReadingError(f"{url}: the server sent an empty page; nothing to add.")
    if kind == "html":
        data = _decode_text(fetched.data, url, fetched.charset) if fetched.charset else fetched.data
        imported = convert_html(data, url, url=fetched.url, title=title)
        return _with_meta(imported, source_url=fetched.url)
    if kind == "pdf":
        imported = convert_pdf(fetched.data, url, title=title)
    elif kind == "docx":
        imported = convert_docx(fetched.data, url, title=title)
    else:
        return convert_text(
            fetched.data,
            url,
            markdown=kind == "markdown",
            title=title,
            charset=fetched.charset,
            source_url=fetched.url,
        )
    return _with_meta(imported, source_url=fetched.url)


def is_url(source: str) -> bool:
    return bool(re.match(r"(?i)^[a-z][a-z0-9+.-]*://", source))
