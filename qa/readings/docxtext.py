"""Turn a Word document (.docx) into heading, text and code blocks, in reading order.

python-docx reads the body's paragraphs and tables in the order they stand. A paragraph styled
"Title" or "Heading N" becomes a section heading; the items of a list (a paragraph with Word's
numbering, or a list style) become "- item" lines of one block; each table row becomes
"cell | cell". Paragraphs set as code (a code style such as "Code", "HTML Preformatted" or "Plain
Text", or monospaced type in every run) become one code block, written as Markdown's indented
code so that retrieval ranks it below prose, unless most of its lines read as prose. The
trade-off: a .docx has no pages until Word lays it out, so its passages cite no page; footnotes,
comments, text boxes, headers and footers are left out, as a student reading the body would skip
them.
"""

from __future__ import annotations

import re

from .front_matter import one_line
from .records import BODY_TYPE_SHARE, monospaced_font, mostly_prose

__all__ = ["docx_blocks"]


def _style_name(paragraph) -> str:
    try:
        return (paragraph.style.name or "").casefold() if paragraph.style is not None else ""
    except (KeyError, ValueError, AttributeError):  # a style the document names but lacks
        return ""


# Style names that Word and its templates give code (matched whole, a number after allowed:
# "Code", "HTML Preformatted", "Plain Text", "Source Code 2"; not "Course Code" or "Postal Code").
# (The families of monospaced type are `records.monospaced_font`'s, shared with the PDF reader.)
_CODE_STYLE = re.compile(
    r"(?:(?:(?:html|source|program|block|inline) )?code(?: (?:block|listing|text))?"
    r"|(?:html )?preformatted(?: text)?|verbatim|macro text|plain text"
    r"|(?:code|source|program) listing|console|terminal)"
    r"(?: \d+)?"
)


def _font_name(font) -> str:
    """A font's name as Word gives it, its case kept: `monospaced_font` splits a name into words
    at its capitals ("JetBrainsMono" -> jet brains mono)."""
    try:
        return font.name or ""
    except (KeyError, ValueError, AttributeError):
        return ""


def _style_font(style) -> str:
    """The font a style sets, or the nearest style it is based on sets ("" when none does)."""
    for _ in range(8):  # a chain of styles based on styles; a loop in a damaged file ends here
        if style is None:
            return ""
        name = _font_name(style.font)
        if name:
            return name
        try:
            style = style.base_style
        except (KeyError, ValueError, AttributeError):
            return ""
    return ""


def _monospaced(paragraph) -> bool:
    """Whether every run with text is set in monospaced type: the run's own font, else its
    character style's ("HTML Code"), else its paragraph style's or what that is based on."""
    try:
        paragraph_font = _style_font(paragraph.style)
        runs = [run for run in paragraph.runs if run.text.strip()]
        return bool(runs) and all(
            monospaced_font(_font_name(run.font) or _style_font(run.style) or paragraph_font)
            for run in runs
        )
    except (KeyError, ValueError, AttributeError):  # a style the document names but lacks
        return False


def _heading_style(style: str) -> bool:
    return style == "title" or style.startswith("heading")


def _is_list_item(paragraph, style: str) -> bool:
    properties = paragraph._p.pPr
    return "list" in style or (properties is not None and properties.numPr is not None)


def docx_blocks(document) -> tuple[list[tuple[str, str]], str]:
    """('heading' | 'text' | 'code', content) blocks of a python-docx `Document`, and its Title
    paragraph.

    Example: Title "Week 3", Heading 1 "Deltas", a paragraph, two bullets ->
        ([('heading', 'Deltas'), ('text', '…'), ('text', '- one\\n- two')], 'Week 3')
    """
    from docx.table import Table

    blocks: list[tuple[str, str]] = []
    items: list[str] = []
    code: list[str] = []
    title = ""

    def end_list() -> None:
        if items:
            blocks.append(("text", "\n".join(f"- {item}" for item in items)))
            items.clear()

    def end_code() -> None:
        if code:
            lines = "\n".join(code)
            if mostly_prose(lines):  # a poem or a letter set in typewriter type
                blocks.append(("text", "\n".join(line.strip() for line in code)))
            else:
                blocks.append(("code", lines))
            code.clear()

    parts = list(document.iter_inner_content())
    styles = ["" if isinstance(p, Table) else _style_name(p) for p in parts]
    # Monospaced type marks code only where it stands out from the body's type: in a document
    # typed in Courier throughout (nine tenths of its plain paragraphs' text, or more) it says
    # nothing, and its paragraphs stay prose. A lab sheet that is mostly code still has its
    # prose in another type.
    plain = [
        i
        for i, (p, style) in enumerate(zip(parts, styles, strict=True))
        if not isinstance(p, Table)
        and p.text.strip()
        and not _CODE_STYLE.fullmatch(style)
        and not _heading_style(style)
    ]
    typed = {i for i in plain if _monospaced(parts[i])}
    if sum(len(parts[i].text) for i in typed) >= BODY_TYPE_SHARE * sum(
        len(parts[i].text) for i in plain
    ):
        typed = set()  # the body's own type

    for i, (part, style) in enumerate(zip(parts, styles, strict=True)):
        if isinstance(part, Table):
            end_list()
            end_code()
            rows = []
            for row in part.rows:
                cells = [one_line(cell.text) for cell in row.cells]
                unique = [c for i, c in enumerate(cells) if i == 0 or c != cells[i - 1]]  # merged
                if any(unique):
                    rows.append(" | ".join(unique))
            if rows:
                blocks.append(("text", "\n".join(rows)))
            continue
        text = one_line(part.text)
        if not text:
            continue
        heading = _heading_style(style)
        if not heading and (_CODE_STYLE.fullmatch(style) or i in typed):
            end_list()  # the code's lines kept as they are
            code.extend(line.rstrip() for line in part.text.split("\n") if line.strip())
            continue
        end_code()
        if style == "title" and not title and not blocks:
            end_list()
            title = text
        elif heading:
            end_list()
            blocks.append(("heading", text))
        elif _is_list_item(part, style):
            items.append(text)
        else:
            end_list()
            blocks.append(("text", text))
    end_list()
    end_code()
    return blocks, title
