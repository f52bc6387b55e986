"""Front matter: the `---` block of `key: value` lines that may open a reading file.

One reader (`read_front_matter`, used when a reading is parsed) and one writer
(`render_front_matter` for a new block, `set_front_matter` to set keys in a file that may already
have one), so what is written always reads back. The trade-off: only flat `key: value` lines are
understood (YAML lists, continuations and comments are skipped, not parsed); a block holding a
line of prose is not front matter at all, so prose between two `---` rules stays text.
"""

from __future__ import annotations

import re

__all__ = ["FRONT_KEYS", "one_line", "read_front_matter", "render_front_matter", "set_front_matter"]

# The order keys are written in; any other key follows, sorted.
FRONT_KEYS = (
    "title",
    "author",
    "date",
    "publisher",
    "source_url",
    "source_file",
    "source_sha256",
    "format",
)
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_CLOSE = re.compile(r"^---[ \t]*\r?$\n?", re.MULTILINE)


def _block(raw: str) -> tuple[str, int] | None:
    """The inside of a leading `---` block and where the body after it starts; None without one."""
    if not raw.startswith(("---\n", "---\r\n")):
        return None
    start = raw.index("\n") + 1
    end = _CLOSE.search(raw, start)
    if end is None:
        return None
    return raw[start : end.start()], end.end()


def read_front_matter(raw: str) -> tuple[dict[str, str], int]:
    """Split a leading `---` block of `key: value` lines off `raw`: (keys in lower case, where
    the body starts); ({}, 0) when there is no block.

    Example: '---\\ntitle: "A"\\n---\\nBody' -> ({'title': 'A'}, 19)
    """
    block = _block(raw)
    if block is None:
        return {}, 0
    meta: dict[str, str] = {}
    for line in block[0].splitlines():
        if not line.strip() or line[0] in " \t-#":  # blank, YAML continuation, list item or comment
            continue
        m = _KEY.match(line.strip())
        if not m:  # prose between two `---` rules: not front matter, and not to be dropped
            return {}, 0
        value = m.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        meta[m.group(1).lower()] = value
    return meta, block[1]


def one_line(value: str) -> str:
    """`value` on one line: every run of whitespace (line breaks too) one space, ends trimmed."""
    return re.sub(r"\s+", " ", value).strip()


def _lines(meta: dict[str, str]) -> list[str]:
    """`key: "value"` lines of the non-empty values, in `FRONT_KEYS` order."""
    keys = [k for k in FRONT_KEYS if k in meta] + sorted(k for k in meta if k not in FRONT_KEYS)
    return [f'{k}: "{one_line(str(meta[k]))}"' for k in keys if one_line(str(meta[k] or ""))]


def render_front_matter(meta: dict[str, str]) -> str:
    """A front-matter block of the non-empty values, in a fixed key order.

    Example: {'title': 'A: b', 'author': ''} -> '---\\ntitle: "A: b"\\n---\\n\\n'
    """
    return "---\n" + "".join(line + "\n" for line in _lines(meta)) + "---\n\n"


def set_front_matter(text: str, values: dict[str, str]) -> str:
    """`text` with the non-empty `values` set in its front matter (a block is added when there
    is none); the block's other lines are kept.

    Example: ('Body', {'title': 'A'}) -> '---\\ntitle: "A"\\n---\\n\\nBody'
    """
    values = {k: v for k, v in values.items() if v}
    if not read_front_matter(text)[1]:
        return render_front_matter(values) + text
    inside, body = _block(text)
    keys = {k.lower() for k in values}
    kept = [ln for ln in inside.splitlines() if ln.split(":", 1)[0].strip().lower() not in keys]
    return (
        "---\n" + "".join(line + "\n" for line in [*_lines(values), *kept]) + "---\n" + text[body:]
    )
