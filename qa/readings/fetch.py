"""Fetch a reading from the web: one GET with a timeout, a size limit and the media type.

Only http(s) is fetched, with the standard library (no extra dependency); the body is read in
pieces and abandoned as soon as it passes the limit, so a huge or endless response costs little.
The trade-off: no retries and no cookies, so pages behind a login or a consent wall must be saved
from the browser and added as files. With `public_only` (the instructor area, where a browser asks
the server to fetch), every address the name resolves to, and every redirect's, must be a public
one, so the server cannot be made to read its own or its network's private services; a name that
resolves differently between the check and the request could still slip through.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..env import env_flag
from ..errors import ReadingError

__all__ = [
    "Fetched",
    "fetch_url",
    "check_size",
    "check_public",
    "FETCH_TIMEOUT_S",
    "ACCEPT",
    "FETCH_PRIVATE_ENV",
]

FETCH_TIMEOUT_S = 20.0
ACCEPT = ("text/html", "application/xhtml+xml", "application/pdf", "text/plain", "text/markdown")
# Set to 1 to let the instructor area fetch from private addresses (readings on an intranet server).
FETCH_PRIVATE_ENV = "QA_FETCH_PRIVATE"


def check_public(url: str) -> None:
    """Raise `ReadingError` unless every address the URL's host resolves to is a public one.

    Example:
        'http://127.0.0.1:8000/x' -> ReadingError ('… a private or local address (127.0.0.1) …')
    """
    import socket

    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ReadingError(
            f"{url}: the host {host!r} cannot be found ({exc}); check the address."
        ) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise ReadingError(
                f"{url}: {host} is a private or local address ({address}); the instructor area "
                "fetches public "
                "addresses only. Download the reading and upload the file, or set "
                f"{FETCH_PRIVATE_ENV}=1 for an intranet."
            )


def check_size(size: int, source: str, limit: int) -> None:
    """Raise `ReadingError` when `size` bytes is over `limit`."""
    if size > limit:
        raise ReadingError(
            f"{source}: {size / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB limit for one "
            "reading; split it or add a smaller file."
        )


@dataclass(frozen=True)
class Fetched:
    """A fetched URL: the final address after redirects, its media type and bytes."""

    url: str
    content_type: str
    charset: str | None
    data: bytes


def _opener(public_only: bool):
    """urllib's opener; with `public_only`, each redirect's target is checked before it is
    followed."""
    import urllib.request

    if not public_only:
        return urllib.request.build_opener()

    class PublicRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            check_public(newurl)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(PublicRedirects)


def fetch_url(
    url: str, *, timeout: float = FETCH_TIMEOUT_S, max_bytes: int, public_only: bool = False
) -> Fetched:
    """GET an http(s) URL with a timeout and a size limit; raises `ReadingError` naming the problem.

    With `public_only`, the URL and every redirect must resolve to public addresses only (unless
    QA_FETCH_PRIVATE=1).
    """
    import socket
    import urllib.error
    import urllib.request

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ReadingError(f"{url}: not an http(s) URL; give a web address or a file path.")
    public_only = public_only and not env_flag(FETCH_PRIVATE_ENV, False)
    if public_only:
        check_public(url)
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": "reading-qa (course reading import)",
            "Accept": ", ".join(ACCEPT) + ";q=0.9, */*;q=0.1",
        },
    )
    try:
        with _opener(public_only).open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit():
                check_size(int(length), url, max_bytes)
            chunks, total = [], 0
            while chunk := response.read(64 * 1024):
                total += len(chunk)
                check_size(total, url, max_bytes)
                chunks.append(chunk)
            return Fetched(
                response.geturl(),
                response.headers.get_content_type(),
                response.headers.get_content_charset(),
                b"".join(chunks),
            )
    except urllib.error.HTTPError as exc:
        raise ReadingError(
            f"{url}: the server answered HTTP {exc.code} {exc.reason}; check the address."
        ) from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise ReadingError(
                f"{url}: no answer within {timeout:g} s; try again later or save the page and add "
                "the file."
            ) from exc
        raise ReadingError(
            f"{url}: cannot be fetched ({reason}); check the address and the network."
        ) from exc
    except TimeoutError as exc:
        raise ReadingError(
            f"{url}: no complete answer within {timeout:g} s; try again later or save the page and "
            "add the file."
        ) from exc
    except OSError as exc:
        raise ReadingError(
            f"{url}: the connection failed ({exc}); try again later or save the page and add the "
            "file."
        ) from exc
