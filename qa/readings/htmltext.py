"""Turn trafilatura's XML of a page's main text into heading and text blocks.

trafilatura has already removed the page furniture (menus, banners, related links, footers,
scripts); this keeps its structure: `head` elements become section headings, paragraphs,
list items, table rows and code become text blocks, with inline formatting and links reduced to
their words so that quoted passages read as the page does.
"""

from __future__ import annotations

import re

__all__ = ["html_blocks", "element_text"]


def element_text(element) -> str:
    """All the text inside an element, whitespace collapsed."""
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def html_blocks(body, title: str) -> list[tuple[str, str]]:
    """('heading' | 'text', content) blocks from trafilatura's XML body, in order.

    A first heading equal to `title` is left out: the title goes into the front matter.
    Example: <body><head>T</head><p>Hi.</p></body>, 'T' -> [('text', 'Hi.')]
    """
    blocks: list[tuple[str, str]] = []
    for el in body:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "head":
            text = element_text(el)
            if text and not (not blocks and text.casefold() == title.casefold()):
                blocks.append(("heading", text))
        elif tag == "list":
            items = [element_text(item) for item in el.iter("item")]
            items = [i for i in items if i]
            if items:
                blocks.append(("text", "\n".join(f"- {i}" for i in items)))
        elif tag == "table":
            rows = [" | ".join(element_text(c) for c in row.iter("cell")) for row in el.iter("row")]
            rows = [r for r in rows if r.strip(" |")]
            if rows:
                blocks.append(("text", "\n".join(rows)))
        elif tag == "code":
            text = "".join(el.itertext()).strip("\n")
            if text.strip():
                blocks.append(("text", re.sub(r"\n\s*\n", "\n", text)))
        elif tag in ("quote", "div") and len(el):
            blocks.extend(html_blocks(el, "\x00"))
        elif tag != "graphic":
            text = element_text(el)
            if text:
                blocks.append(("text", text))
    return blocks
