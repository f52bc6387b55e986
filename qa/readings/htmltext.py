"""Turn trafilatura's XML of a page's main text into heading and text blocks.

trafilatura has already removed the page furniture (menus, banners, related links, footers,
scripts); this keeps its structure: `head` elements become section headings, paragraphs, list
items and table rows become text blocks, and code (a `<pre>` not of prose) a code block, with
inline formatting and links reduced to their words so that quoted passages read as the page does.
"""

from __future__ import annotations

import re

from .records import mostly_prose

__all__ = ["html_blocks", "element_text", "prepare_page", "page_title"]

# What documentation generators put after a heading as its link to itself (Sphinx and MkDocs "¶",
# Node.js and Docusaurus "#", others "§", "🔗"); as text they would end every heading.
_PERMALINK_MARKS = frozenset({"¶", "#", "§", "🔗", "⚓", "\u200b", ""})
# Elements that hold a page's furniture, not its main content: they stay outside the <main> made
# for a page that has none.
_PAGE_FURNITURE = frozenset({"nav", "header", "footer", "aside"})
# Elements that lay out as blocks of their own; text between them is a paragraph of its own.
_BLOCKS = frozenset(
    "address article aside blockquote center details dialog dd div dl dt fieldset figcaption"
    " figure footer form h1 h2 h3 h4 h5 h6 header hr li main menu nav ol p pre section summary"
    " table ul".split()
)
# Elements that are not text: kept where they stand, neither a paragraph nor part of one.
_NOT_TEXT = frozenset(
    "script style noscript template link meta svg iframe object embed input select".split()
)
# Containers whose loose text (text beside block children, not in one) is wrapped in paragraphs.
_CONTAINERS = frozenset({"body", "main", "article", "section", "div", "center", "blockquote"})


def element_text(element) -> str:
    """All the text inside an element, whitespace collapsed."""
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def prepare_page(tree) -> None:
    """Make a page's structure plain to trafilatura before it extracts the main text (in place).

    - Heading permalinks go: an in-page link whose text is only a mark ("¶", "#", "§").
      Example: <h2>Install<a class="headerlink" href="#install">¶</a></h2> -> <h2>Install</h2>
    - Named anchors (<a name="x"> or <a id="x"> without href: places to link to, not links) are
      unwrapped, their text kept. trafilatura counts one in a heading as a link holding none of
      the heading's text and drops the heading as link boilerplate, so every section heading of
      a DocBook or Texinfo manual was lost.
    - A line break outside <pre> parts the words either side ("Series<br>Changes" read as
      "SeriesChanges").
    - Text that stands loose in a container beside block elements (after a heading, between a
      `<pre>` and a `<p>`, as hand-written pages and older manuals have it) is wrapped in
      paragraphs; two line breaks in a row end one. trafilatura keeps no loose text: a page's
      introduction, and every paragraph written straight after a heading, were lost. An inline
      element that holds blocks (a `<span>` around paragraphs, a mistyped tag left open) is read
      as such a container too.
    - A `<pre>` keeps its lines: its content is wrapped in `<code>` (a `<code>` around part of it
      unwrapped, a `<br>` in it made a newline). trafilatura reads a `<pre>` as code only when it
      sees code words in it, and else as a quotation on one line, so `#include` lines, a poem or
      a table set in `<pre>` ran together.
    - A page with no element marking its main content (<main>, <article>, role="main") gets its
      body, but for its <nav>, <header>, <footer> and <aside>, wrapped in <main>. Without one
      trafilatura falls back to gathering loose paragraphs, which keeps no heading or list and
      pulls a list item's inline code out as a block of its own: a release-notes page lost
      five sixths of its text, and what was left read "-O2", "nullptr", ….
    """
    for br in tree.xpath(".//br[not(ancestor::pre)]"):  # a line break parts words
        br.tail = " " + (br.tail or "")
    for a in list(tree.iter("a")):
        href = a.get("href")
        if href is None:
            a.drop_tag()
        elif (
            href.startswith("#")
            and a.text_content().strip() in _PERMALINK_MARKS
            and not a.xpath(".//img")
        ):
            a.drop_tree()  # (its tail text stays)
    for pre in list(tree.iter("pre")):  # (each one's insides change)
        _keep_lines(pre)
    for element in list(tree.iter()):
        tag = element.tag
        if isinstance(tag, str) and (
            tag in _CONTAINERS
            or (tag not in _BLOCKS and tag not in _NOT_TEXT and any(map(_is_block, element)))
        ):
            _wrap_loose_text(element)
    body = tree.find(".//body")
    if body is None or tree.xpath(".//main|.//article|.//*[@role='main']"):
        return
    content = [child for child in body if child.tag not in _PAGE_FURNITURE]
    if not content and not (body.text or "").strip():
        return  # only furniture: nothing to mark
    main = body.makeelement("main", {})
    main.text, body.text = body.text, None
    main.extend(content)
    body.append(main)


def _keep_lines(pre) -> None:
    """Make `pre` one `<code>` holding all its text, its line breaks as newlines.

    A `<pre>` whose text is all in one `<code>` is left as it is; a `<code>` around part of it
    (a function's name in a synopsis) is unwrapped, else trafilatura keeps only that part.
    """
    for br in list(pre.iter("br")):
        br.tail = "\n" + (br.tail or "")
        br.drop_tree()  # (its tail stays)
    codes = list(pre.iter("code"))
    whole = pre.text_content().strip()
    if len(codes) == 1 and codes[0].text_content().strip() == whole:
        return
    for inner in codes:
        inner.drop_tag()
    code = pre.makeelement("code", {})
    code.text, pre.text = pre.text, None
    for child in list(pre):
        code.append(child)  # (moves it, its tail with it)
    pre.append(code)


def _is_block(node) -> bool:
    return isinstance(node.tag, str) and node.tag in _BLOCKS


def _holds_blocks(node) -> bool:
    """Whether an element that is no block itself holds one (`<span><p>…</p></span>`, a mistyped
    tag left open): it is laid out as blocks, so it is no part of a paragraph."""
    return any(_is_block(child) for child in node.iterdescendants())


def _last_child(element):
    """The last child, or None (lxml counts children one by one for len() and [-1])."""
    return next(element.iterchildren(reversed=True), None)


def _wrap_loose_text(container) -> None:
    """Wrap each run of text and inline elements between `container`'s blocks in a <p>.

    Example: <body><h2>A</h2>Loose text.<br><br>More.<p>Para.</p></body>
          -> <body><h2>A</h2><p>Loose text.</p><p>More.</p><p>Para.</p></body>
    A container with no loose text (no text of its own, no inline element with text) is left
    exactly as it is.
    """
    children = list(container)
    kinds = []  # per child: "block" (or holds blocks), "not text", or "inline"
    for child in children:
        if not isinstance(child.tag, str):
            kinds.append("inline")  # a comment or processing instruction
        elif child.tag in _BLOCKS or _holds_blocks(child):
            kinds.append("block")
        else:
            kinds.append("not text" if child.tag in _NOT_TEXT else "inline")
    if "block" not in kinds:
        return  # inline content only: one paragraph already, as trafilatura reads it
    loose_text = any(t and t.strip() for t in [container.text] + [c.tail for c in children])
    loose_inline = any(
        kind == "inline" and isinstance(c.tag, str) and c.text_content().strip()
        for c, kind in zip(children, kinds, strict=True)
    )
    if not loose_text and not loose_inline:
        return  # nothing loose: the page is left as it is
    for child, kind in zip(children, kinds, strict=True):
        if child.tag == "div" and kind == "block" and not _holds_blocks(child):
            child.tag = "p"  # a <div> of inline content beside loose text is a paragraph too
    nodes: list = [(container.text, "text")]
    for child, kind in zip(children, kinds, strict=True):
        nodes += [(child, kind), (child.tail, "text")]
        child.tail = None
    container.text = None
    for child in children:
        container.remove(child)
    paragraph = None  # the <p> being gathered, not yet in the container
    last = None  # the container's last child
    last_in_paragraph = None

    def close() -> None:
        nonlocal paragraph, last
        if paragraph is not None and paragraph.text_content().strip():
            container.append(paragraph)
            paragraph.tail = "\n"  # (trafilatura joins a block to a paragraph it touches)
            last = paragraph
        paragraph = None

    def open_paragraph():
        nonlocal paragraph, last_in_paragraph
        if paragraph is None:
            paragraph, last_in_paragraph = container.makeelement("p", {}), None
        return paragraph

    for i, (node, kind) in enumerate(nodes):
        if node is None:
            continue
        if kind == "text":
            if paragraph is None and not node.strip():  # whitespace between blocks stays
                if last is None:
                    container.text = (container.text or "") + node
                else:
                    last.tail = (last.tail or "") + node
            else:
                gathering = open_paragraph()
                if last_in_paragraph is None:
                    gathering.text = (gathering.text or "") + node
                else:
                    last_in_paragraph.tail = (last_in_paragraph.tail or "") + node
        elif kind == "block" or (kind == "not text" and paragraph is None):
            close()
            container.append(node)
            last = node
        elif node.tag == "br" and _next_is_break(nodes, i):
            close()  # two line breaks in a row end a paragraph (the first goes)
        else:  # inline, or a script or an image inside a paragraph (trafilatura drops those)
            open_paragraph().append(node)
            last_in_paragraph = node
    close()


def _next_is_break(nodes: list, i: int) -> bool:
    """Whether the node after `nodes[i]`, past whitespace, is another line break."""
    for j in range(i + 1, len(nodes)):
        node, kind = nodes[j]
        if node is None or (kind == "text" and not node.strip()):
            continue
        return kind != "text" and node.tag == "br"
    return False


def page_title(tree, found: str) -> str:
    """The reading's title: trafilatura's (`found`), unless it fell back to a section's heading.

    trafilatura takes a page's only <h1>, else its metadata, else its <title> (passed over when it
    holds a ".", as "Underscore.js" or "Policy 0.12.0 documentation" do), else its first <h1> or
    <h2>. On a documentation page with several <h1> (or none) that heading names one section, and
    the <title> names the page: the <title> is taken when `found` is the first <h1> or <h2> and
    the <title> does not hold it. (A news page's <title> holds its headline and the site's name,
    so the headline stays.)
    Example: <title>Underscore.js</title> ... <h2>Downloads</h2>, 'Downloads' -> 'Underscore.js'
    """
    h1 = tree.findall(".//h1")
    if len(h1) == 1 or not found:
        return found
    element = tree.find(".//title")
    own = element_text(element) if element is not None else ""
    firsts = [element_text(h[0]) for h in (h1, tree.findall(".//h2")) if h]
    if own and found in firsts and found.casefold() not in own.casefold():
        return own
    return found


def html_blocks(body, title: str) -> list[tuple[str, str]]:
    """('heading' | 'text' | 'code', content) blocks from trafilatura's XML body, in order.

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
                text = re.sub(r"\n\s*\n", "\n", text)
                blocks.append(("text" if mostly_prose(text) else "code", text))
        elif tag in ("quote", "div") and len(el):
            blocks.extend(html_blocks(el, "\x00"))
        elif tag != "graphic":
            text = element_text(el)
            if text:
                blocks.append(("text", text))
    return blocks
