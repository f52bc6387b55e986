"""Answers and readings as HTML for the browser, and questions the reading can answer.

Every piece of text that comes from a question or a reading goes through `text_html` (HTML
escaping), so it is shown as text and never run as markup or script; the only tags in the output
are the ones written here. Replies are written on one line with no blank line, so a Markdown
renderer treats them as one raw HTML block and leaves the reading's `*`, `_` or `$` alone.
The trade-off: the chat shows our HTML, not Markdown, so formatting lives in CSS (`qa/web/ui.py`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from ..answering.answer import Answer, Passage
from ..readings.records import Reading

__all__ = [
    "text_html",
    "slug",
    "paragraph_anchor",
    "reading_href",
    "text_fragment_url",
    "short_title",
    "render_question",
    "render_answer",
    "render_refusal",
    "render_notice",
    "render_reading",
    "reading_page",
    "candidate_questions",
]


def text_html(text: str) -> str:
    """Escape text for HTML, keeping its line breaks.

    Example: 'a <b>\\nc' -> 'a &lt;b&gt;<br>c'
    """
    return html.escape(text, quote=True).replace("\r", "").replace("\n", "<br>")


def slug(doc: str) -> str:
    """A reading id made safe for an HTML id. Example: 'week 1/notes' -> 'week-1-notes'"""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", doc).strip("-") or "reading"


def paragraph_anchor(doc: str, paragraph: int) -> str:
    """The id of a paragraph in every reading view. Example: ('alliance', 24) -> 'r-alliance-p24'"""
    return f"r-{slug(doc)}-p{paragraph}"


def reading_href(
    base: str, doc: str, paragraph: int, highlight: tuple[int, int] | None = None
) -> str:
    """The reading view's address, scrolled to a paragraph, with a sentence to highlight.

    Example: ('/app', 'alliance', 24, (10, 40)) -> '/app/reading/alliance?hl=10-40#r-alliance-p24'
    """
    query = f"?hl={highlight[0]}-{highlight[1]}" if highlight else ""
    anchor = paragraph_anchor(doc, paragraph)
    return f"{base.rstrip('/')}/reading/{quote(doc, safe='')}{query}#{anchor}"


def text_fragment_url(url: str, sentence: str, words: int = 5) -> str:
    """A deep link into the original page that scrolls to and highlights `sentence` (`#:~:text=`).

    Long sentences are matched by their first and last words. Example:
    ('https://x.org/a', 'One two three') -> 'https://x.org/a#:~:text=One%20two%20three'
    """
    parts = sentence.split()
    if not url or not parts:
        return url
    enc = lambda s: quote(s, safe="")  # noqa: E731 - '-', ',' and '&' are syntax in a text fragment
    directive = (
        enc(" ".join(parts))
        if len(parts) <= 2 * words
        else f"{enc(' '.join(parts[:words]))},{enc(' '.join(parts[-words:]))}"
    )
    return f"{url.split('#', 1)[0]}#:~:text={directive}"


def render_question(question: str) -> str:
    """A student's question as it shows in the chat (escaped, never interpreted)."""
    return f'<div class="qa-q">{text_html(question)}</div>'


def _where(p: Passage) -> str:
    parts = []
    if p.section:
        parts.append(f'<span class="qa-section">{text_html(p.section)}</span>')
    parts.append(f"¶{p.paragraph}")
    if p.page is not None:
        parts.append(f"p. {p.page}")
    return " · ".join(parts)


def short_title(title: str, limit: int = 40) -> str:
    """A title cut at a word to about `limit` characters, for link names.

    Example: 'The South Korea-US Alliance Is Due for an Overhaul'
    -> 'The South Korea-US Alliance Is Due for…'
    """
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit + 1].rsplit(" ", 1)[0] if " " in title[:limit] else title[:limit]
    return cut.rstrip(" ,;:-") + "…"


def _marked_html(text: str, start: int, end: int) -> str:
    """Text as HTML with `text[start:end]` marked.

    Example: ('one two three', 4, 7) -> 'one <mark>two</mark> three'
    """
    return (
        f"{text_html(text[:start])}<mark>{text_html(text[start:end])}</mark>{text_html(text[end:])}"
    )


def _passage_html(p: Passage, base: str, source_url: str, mark: bool) -> str:
    before, sentence, after = p.split_at_highlight()
    if mark and sentence:
        body = _marked_html(p.text, len(before), len(before) + len(sentence))
    else:
        body = text_html(p.text)
    href = html.escape(
        reading_href(base, p.doc, p.paragraph, (p.highlight_start, p.highlight_end)), quote=True
    )
    # Screen readers list links out of context, so hidden words name the paragraph and the reading;
    # they follow the visible words, which speech input users say to follow the link.
    which = f'<span class="qa-sr"> (¶{p.paragraph} of {text_html(short_title(p.title))})</span>'
    links = [
        f'<a class="qa-show" href="{href}" target="_blank" rel="noopener">'
        f"show in reading{which}</a>"
    ]
    if source_url:
        deep = html.escape(text_fragment_url(source_url, p.highlight), quote=True)
        links.append(
            f'<a class="qa-origin" href="{deep}" target="_blank" rel="noopener noreferrer">'
            f"original page{which}</a>"
        )
    return (
        f'<li class="qa-passage"><div class="qa-cite"><span class="qa-n">[{p.rank}]</span> '
        f"<cite>{text_html(p.title)}</cite> — {_where(p)}</div>"
        f'<blockquote class="qa-text">{body}</blockquote>'
        f'<div class="qa-links">{" · ".join(links)}</div></li>'
    )


def _passages_html(
    passages: Sequence[Passage], base: str, sources: dict[str, str], mark: bool
) -> str:
    items = "".join(_passage_html(p, base, sources.get(p.doc, ""), mark) for p in passages)
    return f'<ol class="qa-passages">{items}</ol>'


def render_notice(text: str) -> str:
    return f'<p class="qa-notice">{text_html(text)}</p>'


def render_answer(
    answer: Answer,
    base: str = "",
    sources: dict[str, str] | None = None,
    suggestions: Sequence[str] = (),
) -> str:
    """One reply of the chat: the quoted answer with [1], then the numbered passages; or a refusal.

    Args:
        answer: what the assistant said.
        base: the app's path prefix (its --root-path) for "show in reading" links.
        sources: reading id -> the original page's URL, for deep links (optional).
        suggestions: questions the reading can answer, offered when the question is refused.
    """
    sources = sources or {}
    notice = render_notice(answer.notice) if answer.notice else ""
    if answer.abstained:
        return render_refusal(answer, base, sources, suggestions, notice)
    direct = (
        f'<p class="qa-direct"><q>{text_html(answer.answer)}</q> <span class="qa-n">[1]</span></p>'
    )
    passages = _passages_html(answer.passages, base, sources, mark=True)
    return f'<div class="qa-reply">{notice}{direct}{passages}</div>'


def render_refusal(
    answer: Answer, base: str, sources: dict[str, str], suggestions: Sequence[str], notice: str = ""
) -> str:
    """The reply to a question the reading does not cover: say so, suggest what it can answer."""
    parts = [
        f'<div class="qa-reply qa-refused">{notice}'
        f'<p class="qa-refusal"><strong>{text_html(answer.answer)}</strong></p>'
    ]
    if suggestions and answer.question:
        items = "".join(f"<li>{text_html(s)}</li>" for s in suggestions)
        parts.append(f'<p>Questions the reading can answer:</p><ul class="qa-suggest">{items}</ul>')
    if answer.passages and answer.question:
        parts.append(
            "<details><summary>Closest passages (not an answer)</summary>"
            f"{_passages_html(answer.passages[:3], base, sources, mark=False)}</details>"
        )
    parts.append("</div>")
    return "".join(parts)


def _meta_line(reading: Reading) -> str:
    bits = [reading.meta.get(k, "") for k in ("author", "publisher", "date")]
    text = " · ".join(text_html(b) for b in bits if b)
    url = reading.meta.get("source_url", "")
    if url.startswith(("http://", "https://")):
        link = (
            f'<a href="{html.escape(url, quote=True)}" target="_blank" '
            'rel="noopener noreferrer">original page</a>'
        )
        text = f"{text} · {link}" if text else link
    return f'<p class="qa-meta">{text}</p>' if text else ""


def render_reading(
    reading: Reading,
    highlight: tuple[int, int] | None = None,
    permalinks: bool = False,
    heading: str = "h2",
) -> str:
    """A whole reading: title, sections, page marks, and every paragraph with its own anchor.

    Args:
        reading: the reading.
        highlight: (start, end) offsets into `reading.text` to mark (the answering sentence).
        permalinks: make each ¶ number a link to its own paragraph (for the standalone page).
        heading: the tag of the title (sections use the next level).
    """
    sub = f"h{min(6, int(heading[1]) + 1)}"
    out = [
        f'<article class="qa-reading" id="r-{slug(reading.doc)}">'
        f"<{heading}>{text_html(reading.title)}</{heading}>{_meta_line(reading)}"
    ]
    section, page = None, None
    for p in reading.paragraphs:
        if p.section != section and p.section:
            out.append(f"<{sub}>{text_html(p.section)}</{sub}>")
        section = p.section
        if p.page is not None and p.page != page:
            out.append(f'<div class="qa-page">p. {p.page}</div>')
            page = p.page
        anchor = paragraph_anchor(reading.doc, p.number)
        text = reading.text[p.start : p.end]
        cited = ""
        if highlight and highlight[0] < p.end and highlight[1] > p.start:
            s, e = max(highlight[0], p.start) - p.start, min(highlight[1], p.end) - p.start
            body = _marked_html(text, s, e)
            cited = " qa-cited"
        else:
            body = text_html(text)
        num = (
            f'<a class="qa-pnum" href="#{anchor}">¶{p.number}</a>'
            if permalinks
            else f'<span class="qa-pnum">¶{p.number}</span>'
        )
        out.append(
            f'<p class="qa-para{cited}" id="{anchor}" data-start="{p.start}" tabindex="-1">'
            f'{num} <span class="qa-ptext">{body}</span></p>'
        )
    out.append("</article>")
    return "".join(out)


READING_PAGE_CSS = """
:root { color-scheme: light dark; --fg: #1f2937; --bg: #ffffff; --muted: #4b5563; --hl: #fde68a;
  --cited: #eef2ff; --accent: #4338ca; }
@media (prefers-color-scheme: dark) { :root { --fg: #e5e7eb; --bg: #0b0f19; --muted: #9ca3af;
  --hl: #854d0e; --cited: #1e1b4b; --accent: #a5b4fc; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 17px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; overflow-wrap: anywhere; }
a { color: var(--accent); }
mark { background: var(--hl); color: inherit; padding: 0 .1em; }
.qa-meta, .qa-page, .qa-pnum { color: var(--muted); font-size: .85em; }
.qa-pnum { text-decoration: none; margin-right: .3em; }
.qa-para { scroll-margin-top: 30vh; padding: .25rem .5rem; border-left: 3px solid transparent; }
.qa-para:target, .qa-cited { background: var(--cited); border-left-color: var(--accent); }
.qa-page { border-top: 1px dashed var(--muted); margin-top: 1rem; }
a:focus-visible, .qa-para:focus { outline: 3px solid var(--accent); outline-offset: 2px; }
@media (forced-colors: active) { .qa-para:target, .qa-cited { border-left-color: Highlight; } }
"""


def reading_page(
    reading: Reading, highlight: tuple[int, int] | None = None, back: str | None = None
) -> str:
    """A standalone HTML page of one reading (the widget's "show in reading" opens it)."""
    nav = (
        f'<p><a href="{html.escape(back, quote=True)}">← back to the assistant</a></p>'
        if back
        else ""
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text_html(reading.title)}</title><style>{READING_PAGE_CSS}</style></head>"
        f"<body><main>{nav}{render_reading(reading, highlight, permalinks=True, heading='h1')}"
        f"</main>{_FOCUS_CITED}</body></html>"
    )


# A screen reader or keyboard user lands on the cited paragraph, not at the top of the page.
_FOCUS_CITED = (
    '<script>(function () { var p = document.querySelector(".qa-cited") || '
    "(location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)))); "
    "if (p && p.focus) p.focus(); })();</script>"
)


# ---------------------------------------------------------------------------- suggested questions

# An expansion of up to eight capitalised words (or of/the/and/...) followed by its acronym.
_WORD = r"(?:[A-Z][\w.’'-]*|of|the|and|for|on|in)"
_ACRONYM = re.compile(rf"\b({_WORD}(?:[ \t]+{_WORD}){{1,7}})[ \t]+\(([A-Z][A-Za-z]{{1,9}})\)")
# A title, then a name of two to four words or initials.
_TITLE = (
    r"(?:President|Prime Minister|Minister|Secretary(?: of \w+)?|Gen\.|Adm\.|Dr\.|Prof\."
    r"|Professor|Commander)"
)
_NAME_WORD = r"(?:[A-Z][a-z]+-[a-z]+|[A-Z][a-z]+|[A-Z]\.)"
_PERSON = re.compile(rf"\b{_TITLE}[ \t]+((?:[A-Z][a-z]+|[A-Z]\.)(?:[ \t]+{_NAME_WORD}){{1,3}})")


def _initials_match(expansion: str, acronym: str) -> bool:
    """Whether the acronym's letters are, in order, initials of the expansion's words.

    Example: ('Republic of Korea', 'ROK') -> True; ('Defense Strategy', 'NATO') -> False
    """
    initials = iter("".join(w[0] for w in re.findall(r"[A-Za-z][\w.’'-]*", expansion)).upper())
    return len(acronym) >= 2 and all(c in initials for c in acronym.upper())


def candidate_questions(readings: Iterable[Reading], per_kind: int = 6) -> list[str]:
    """Questions made from the readings themselves: their abbreviations, people and sections.

    They are candidates: the app keeps only those the assistant then answers.
    Example: a reading with 'United States Forces Korea (USFK)'
    -> ['What does USFK stand for?', ...]
    """
    acronyms: list[str] = []
    people: list[str] = []
    sections: list[str] = []
    for reading in readings:
        for m in _ACRONYM.finditer(reading.text):
            if _initials_match(m.group(1), m.group(2)):
                acronyms.append(f"What does {m.group(2)} stand for?")
        for m in _PERSON.finditer(reading.text):
            people.append(f"Who is {m.group(1)}?")
        for p in reading.paragraphs:
            if p.section:
                name = p.section.rstrip("?!.: ")
                if name:
                    sections.append(f"What does the section “{name}” discuss?")
    kinds = [_unique(k)[:per_kind] for k in (sections, acronyms, people)]
    out: list[str] = []
    for i in range(max((len(k) for k in kinds), default=0)):
        out += [k[i] for k in kinds if i < len(k)]
    return _unique(out)


def _unique(items: Iterable[str]) -> list[str]:
    seen, out = set(), []
    for item in items:
        key = item.lower()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
