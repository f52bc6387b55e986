"""Turn a Word document (.docx) into heading and text blocks, in reading order.

python-docx reads the body's paragraphs and tables in the order they stand. A paragraph styled
"Title" or "Heading N" becomes a section heading; the items of a list (a paragraph with Word's
numbering, or a list style) become "- item" lines of one block; each table row becomes
"cell | cell". The trade-off: a .docx has no pages until Word lays it out, so its passages cite
no page; footnotes, comments, text boxes, headers and footers are left out, as a student reading
the body would skip them.
"""

from __future__ import annotations

from .front_matter import one_line

__all__ = ["docx_blocks"]


def _style_name(paragraph) -> str:
    try:
        return (paragraph.style.name or "").casefold() if paragraph.style is not None else ""
    except (KeyError, ValueError, AttributeError):  # a style the document names but lacks
        return ""


def _is_list_item(paragraph, style: str) -> bool:
    properties = paragraph._p.pPr
    return "list" in style or (properties is not None and properties.numPr is not None)


def docx_blocks(document) -> tuple[list[tuple[str, str]], str]:
    """('heading' | 'text', content) blocks of a python-docx `Document`, and its Title paragraph.

    Example: Title "Week 3", Heading 1 "Deltas", a paragraph, two bullets ->
        ([('heading', 'Deltas'), ('text', '…'), ('text', '- one\\n- two')], 'Week 3')
    """
    from docx.table import Table

    blocks: list[tuple[str, str]] = []
    items: list[str] = []
    title = ""

    def end_list() -> None:
        if items:
            blocks.append(("text", "\n".join(f"- {item}" for item in items)))
            items.clear()

    for part in document.iter_inner_content():
        if isinstance(part, Table):
            end_list()
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
        style = _style_name(part)
        if style == "title" and not title and not blocks:
            end_list()
            title = text
        elif style == "title" or style.startswith("heading"):
            end_list()
            blocks.append(("heading", text))
        elif _is_list_item(part, style):
            items.append(text)
        else:
            end_list()
            blocks.append(("text", text))
    end_list()
    return blocks, title
