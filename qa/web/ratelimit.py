"""Per-client rate limits: at most N questions in a sliding window, per address or signed student.

The key is something a client cannot choose: its address (taken from a trusted proxy's headers by
`qa.web.clients.ForwardedClients`), or a student id the course platform signed with the shared
secret (header `X-QA-User` or query parameter `user`, as `<id>.<hex HMAC-SHA256>`), so students
behind one campus address are limited one by one. An unsigned or wrongly signed id is ignored.
The trade-off: the limiter lives in this process's memory (one app process serves a course;
several processes would each count on their own).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from ..answering.service import LIMIT_MESSAGE, retry_text  # the texts of one ask flow
from .clients import verified_user

__all__ = [
    "RateLimiter",
    "client_key",
    "retry_text",
    "USER_HEADER",
    "USER_PARAM",
    "DEFAULT_PER_MINUTE",
    "LIMIT_MESSAGE",
]

USER_HEADER = "x-qa-user"
USER_PARAM = "user"
DEFAULT_PER_MINUTE = 30
MAX_KEY_CHARS = 128


class RateLimiter:
    """A sliding-window counter per client key, safe to call from many threads.

    Example: RateLimiter(2).hit("a") -> None, .hit("a") -> None, .hit("a") -> 60.0 (seconds to wait)
    """

    def __init__(
        self,
        limit: int = DEFAULT_PER_MINUTE,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        if limit < 0:
            raise ValueError(
                f"rate limit {limit}: use 0 (no limit) or a positive number of questions per window"
            )
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def hit(self, key: str) -> float | None:
        """Count one question for `key`; None when allowed, else the seconds to wait."""
        if not self.limit:
            return None
        now = self._clock()
        with self._lock:
            if now - self._last_sweep > self.window:
                self._sweep(now)
            hits = self._hits.setdefault(key, deque())
            wait = self._wait(hits, now)
            if wait is None:
                hits.append(now)
            return wait

    def wait(self, key: str) -> float | None:
        """Like `hit` but without counting: None when `key` may go on, else the seconds to wait."""
        if not self.limit:
            return None
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            return self._wait(hits, now) if hits else None

    def _wait(self, hits: deque[float], now: float) -> float | None:
        """Drop the hits that left the window; the seconds to wait if the rest fill it, or None."""
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(0.0, self.window - (now - hits[0]))
        return None

    def _sweep(self, now: float) -> None:
        """Forget clients whose last question left the window (keeps memory bounded)."""
        for key in [k for k, h in self._hits.items() if not h or now - h[-1] >= self.window]:
            del self._hits[key]
        self._last_sweep = now


def client_key(
    headers: Mapping[str, str] | None,
    query: Mapping[str, str] | None,
    host: str | None,
    secret: str | None = None,
) -> str:
    """The rate-limit key of a request: a correctly signed student id if given, else the address.

    Example: ({"x-qa-user": sign_user("s1", "k")}, {}, "10.0.0.1", "k") -> "user:s1";
    ({"x-qa-user": "s1"}, {}, "10.0.0.1", "k") -> "ip:10.0.0.1"
    """
    user = ""
    if headers is not None:
        user = headers.get(USER_HEADER, "") or ""
    if not user and query is not None:
        user = query.get(USER_PARAM, "") or ""
    verified = verified_user(user[: MAX_KEY_CHARS + 80], secret)
    if verified:
        return f"user:{verified}"
    return f"ip:{host or 'unknown'}"
