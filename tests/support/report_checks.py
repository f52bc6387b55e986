"""Checks on the HTML report the evaluation writes: one file that fetches nothing and runs no
script."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Refs(HTMLParser):
    """Collects what an HTML page would fetch from elsewhere."""

    def __init__(self):
        super().__init__()
        self.outside: list[str] = []
        self.tags: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            value = (value or "").strip()
            if name in ("src", "href", "srcset", "poster", "data", "action") and not (
                value.startswith("data:") or value.startswith("#")
            ):
                self.outside.append(f"<{tag} {name}={value}>")
            if tag == "img" and name == "src":
                self.images.append(value)


def assert_self_contained(page: str) -> list[str]:
    """Checks a report fetches nothing and runs no script; returns its images' data URIs."""
    refs = _Refs()
    refs.feed(page)
    assert refs.outside == []
    assert not {"script", "link", "iframe", "object", "embed", "base"} & set(refs.tags)
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(?!#|data:)", page)
    return refs.images
