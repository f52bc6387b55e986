"""Fetch a reading from the web: one GET with a timeout, a size limit and the media type.

Only http(s) is fetched, with the standard library (no extra dependency); the body is read in
pieces and abandoned as soon as it passes the limit, so a huge or endless response costs little.
The trade-off: no retries and no cookies, so pages behind a login or a consent wall must be saved
from the browser and added as files.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import ReadingError

__all__ = ["Fetched", "fetch_url", "check_size", "FETCH_TIMEOUT_S", "ACCEPT"]

FETCH_TIMEOUT_S = 20.0
ACCEPT = ("text/html", "application/xhtml+xml", "application/pdf", "text/plain", "text/markdown")


def check_size(size: int, source: str, limit: int) -> None:
    """Raise `ReadingError` when `size` bytes is over `limit`."""
    if size > limit:
        raise ReadingError(f"{source}: {size / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB limit for one reading; split it or add a smaller file.")


@dataclass(frozen=True)
class Fetched:
    """A fetched URL: the final address after redirects, its media type and bytes."""

    url: str
    content_type: str
    charset: str | None
    data: bytes


def fetch_url(url: str, *, timeout: float = FETCH_TIMEOUT_S, max_bytes: int) -> Fetched:
    """GET an http(s) URL with a timeout and a size limit; raises `ReadingError` naming the problem."""
    import socket
    import urllib.error
    import urllib.request

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ReadingError(f"{url}: not an http(s) URL; give a web address or a file path.")
    request = urllib.request.Request(url, headers={"User-Agent": "reading-qa (course reading import)", "Accept": ", ".join(ACCEPT) + ";q=0.9, */*;q=0.1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit():
                check_size(int(length), url, max_bytes)
            chunks, total = [], 0
            while chunk := response.read(64 * 1024):
                total += len(chunk)
                check_size(total, url, max_bytes)
                chunks.append(chunk)
            return Fetched(response.geturl(), response.headers.get_content_type(), response.headers.get_content_charset(), b"".join(chunks))
    except urllib.error.HTTPError as exc:
        raise ReadingError(f"{url}: the server answered HTTP {exc.code} {exc.reason}; check the address.") from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise ReadingError(f"{url}: no answer within {timeout:g} s; try again later or save the page and add the file.") from exc
        raise ReadingError(f"{url}: cannot be fetched ({reason}); check the address and the network.") from exc
    except (TimeoutError, socket.timeout) as exc:
        raise ReadingError(f"{url}: no complete answer within {timeout:g} s; try again later or save the page and add the file.") from exc
    except OSError as exc:
        raise ReadingError(f"{url}: the connection failed ({exc}); try again later or save the page and add the file.") from exc
