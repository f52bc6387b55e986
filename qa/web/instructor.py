"""The instructor area's door: password, login form, session cookies and the `/instructor` guard.

The area is switched on by a password (`QA_INSTRUCTOR_PASSWORD`, or the first line of
`--instructor-password-file`); without one every `/instructor` path answers 404. A request gets in
with the session cookie the login form sets (HttpOnly, SameSite=Strict, Secure over https) or with
`Authorization: Bearer <password>` (for scripts). Passwords are compared in constant time (as
SHA-256 digests, so the length leaks nothing either); more than 10 failed attempts a minute from
one client get 429. A POST or DELETE carrying the cookie must come from the app's own origin
(checked on `Origin`, else `Referer`), so another site cannot act with an instructor's session.
The trade-off: sessions live in this process's memory (a restart logs instructors out).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..errors import UsageError
from .ratelimit import RateLimiter, retry_text

__all__ = [
    "InstructorAuth",
    "InstructorGuard",
    "load_password",
    "add_login_routes",
    "PASSWORD_ENV",
    "AREA",
    "COOKIE",
    "MAX_FAILED_LOGINS",
]

PASSWORD_ENV = "QA_INSTRUCTOR_PASSWORD"
AREA = "/instructor"
COOKIE = "qa_instructor"
MAX_FAILED_LOGINS = 10  # a minute, per client
MIN_PASSWORD_CHARS = 8
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 1000
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_NO_STORE = {"Cache-Control": "no-store"}


def load_password(file: str | None, environ: dict[str, str]) -> str | None:
    """The password: the first line of `file` if given, else `QA_INSTRUCTOR_PASSWORD`, else None."""
    if file:
        try:
            lines = Path(file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"--instructor-password-file {file}: cannot be read ({exc}); "
                "create it with the password on its first line "
                "(readable by the app only: chmod 600)."
            ) from None
        password, where = (lines[0].strip() if lines else ""), f"--instructor-password-file {file}"
    else:
        password, where = environ.get(PASSWORD_ENV, "").strip(), PASSWORD_ENV
        if not password:
            return None
    if len(password) < MIN_PASSWORD_CHARS:
        raise UsageError(
            f"{where}: the instructor password has {len(password)} characters; use at least "
            f"{MIN_PASSWORD_CHARS} (a passphrase of a few words is best)."
        )
    return password


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class InstructorAuth:
    """The password check, the sessions and the failed-login counter (shared by guard and form)."""

    def __init__(self, password: str, clock: Callable[[], float] = time.monotonic):
        self._digest = _digest(password)
        self._clock = clock
        self._sessions: dict[str, float] = {}
        self._lock = threading.Lock()
        self.failures = RateLimiter(MAX_FAILED_LOGINS, 60.0, clock)

    def password_ok(self, candidate: str) -> bool:
        """Constant-time comparison of a candidate with the password."""
        return hmac.compare_digest(_digest(candidate), self._digest)

    def start_session(self) -> str:
        """A new session token (the cookie's value)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                for old in sorted(self._sessions, key=self._sessions.get)[: MAX_SESSIONS // 10]:
                    del self._sessions[old]
            self._sessions[token] = now + SESSION_SECONDS
        return token

    def session_ok(self, token: str | None) -> bool:
        if not token:
            return False
        with self._lock:
            expires = self._sessions.get(token)
            if expires is not None and expires < self._clock():
                del self._sessions[token]
                expires = None
        return expires is not None

    def end_session(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookie(headers: dict[str, str], name: str = COOKIE) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _client(scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def same_origin(headers: dict[str, str]) -> bool:
    """Whether a request's `Origin` (else `Referer`) names the host it was sent to.

    Example: {'origin': 'https://qa.example.edu', 'host': 'qa.example.edu'} -> True
    """
    host = headers.get("host", "").lower()
    if headers.get("sec-fetch-site", "") == "cross-site":
        return False
    source = headers.get("origin") or headers.get("referer") or ""
    return bool(host) and source != "null" and urlsplit(source).netloc.lower() == host


def _json(status: int, code: str, message: str, retry_after: float | None = None):
    from starlette.responses import JSONResponse

    body, headers = {"error": code, "message": message}, dict(_NO_STORE)
    if retry_after is not None:
        body["retry_after"] = round(retry_after, 1)
        headers["Retry-After"] = str(max(1, int(retry_after + 0.999)))
    return JSONResponse(body, status_code=status, headers=headers)


def too_many(wait: float):
    return _json(
        429,
        "too_many_logins",
        f"too many wrong passwords from this address; wait {retry_text(wait)}.",
        wait,
    )


class InstructorGuard:
    """ASGI middleware: `/instructor` is 404 without a password, else needs a session or it."""

    def __init__(self, app, auth: InstructorAuth | None, root_prefix: str = ""):
        self.app, self.auth, self.prefix = app, auth, root_prefix

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope["path"]
        local = path[len(self.prefix) :] if self.prefix and path.startswith(self.prefix) else path
        if local != AREA and not local.startswith(AREA + "/"):
            return await self.app(scope, receive, send)
        refusal = self.refusal(scope, local[len(AREA) :])
        if refusal is None:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        await refusal(scope, receive, send)

    def refusal(self, scope, sub: str):
        """The response refusing this request, or None to let it through."""
        from starlette.responses import RedirectResponse

        if self.auth is None:
            return _json(404, "not_found", f"{scope['path']} is not served by this app.")
        if sub in ("/login", "/logout"):
            return None
        headers = _headers(scope)
        method = scope.get("method", "GET")
        authorization = headers.get("authorization", "")
        if authorization:
            wait = self.auth.failures.wait(_client(scope))
            if wait is not None:
                return too_many(wait)
            scheme, _, given = authorization.partition(" ")
            if scheme.lower() == "bearer" and self.auth.password_ok(given.strip()):
                return None
            self.auth.failures.hit(_client(scope))
            return _json(
                401, "unauthorized", "wrong instructor password in the Authorization header."
            )
        if self.auth.session_ok(_cookie(headers)):
            if method not in _SAFE_METHODS and not same_origin(headers):
                return _json(
                    403,
                    "cross_origin",
                    "this change must come from the instructor area's own pages.",
                )
            return None
        if method in ("GET", "HEAD") and sub in ("", "/"):
            return RedirectResponse(f"{self.prefix}{AREA}/login", status_code=303)
        return _json(
            401,
            "unauthorized",
            f"log in at {self.prefix}{AREA}/login, "
            "or send the password as `Authorization: Bearer <password>`.",
        )


# The chat's colours (qa/web/ui.py): white on orange-700 is 5.2:1; the error text is lighter on the
# dark card.
_LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Instructor login · Reading assistant</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  background: #f9fafb; color: #111827; display: flex; justify-content: center; padding: 10vh 1rem;
  margin: 0; }}
main {{ background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 1.5rem 2rem;
  width: 100%; max-width: 22rem; box-sizing: border-box; }}
h1 {{ font-size: 1.3rem; margin: 0 0 1rem 0; }}
label {{ display: block; font-weight: 600; margin-bottom: .3rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem;
  border: 1px solid #6b7280; border-radius: 6px; }}
button {{ margin-top: 1rem; width: 100%; padding: .55rem; font-size: 1rem; font-weight: 600;
  color: #fff; background: #c2410c; border: 0; border-radius: 6px; cursor: pointer; }}
button:hover {{ background: #9a3412; }}
input:focus-visible, button:focus-visible {{ outline: 3px solid #c2410c; outline-offset: 2px; }}
.error {{ color: #b91c1c; font-weight: 600; }}
@media (prefers-color-scheme: dark) {{ body {{ background: #0b0f19; color: #f3f4f6; }}
  main {{ background: #111827; border-color: #374151; }}
  input {{ background: #1f2937; color: #f3f4f6; border-color: #9ca3af; }}
  input:focus-visible, button:focus-visible {{ outline-color: #f97316; }}
  .error {{ color: #fca5a5; }} }}
@media (forced-colors: active) {{ button {{ border: 1px solid ButtonText; }} }}
</style></head>
<body><main>
<h1>Reading assistant: instructors</h1>
{message}
<form method="post" action="{action}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required
  autofocus>
<button type="submit">Log in</button>
</form></main></body></html>
"""


def login_page(action: str, message: str = "") -> str:
    """The login form; `message` (plain text) is shown above it as an alert."""
    shown = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return _LOGIN_PAGE.format(action=html.escape(action, quote=True), message=shown)


def _cookie_options(request, area: str) -> dict:
    """How the session cookie is set and deleted: the area only, no scripts, no other sites."""
    return dict(path=area, httponly=True, samesite="strict", secure=request.url.scheme == "https")


def add_login_routes(app, auth: InstructorAuth, root_prefix: str = "") -> None:
    """`GET/POST /instructor/login` and `GET/POST /instructor/logout` on a FastAPI app."""
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse

    area = f"{root_prefix}{AREA}"
    action = f"{area}/login"

    async def login(request: Request):
        headers = {k.lower(): v for k, v in request.headers.items()}
        if request.method == "GET":
            if auth.session_ok(_cookie(headers)):
                return RedirectResponse(f"{area}/", status_code=303)
            return HTMLResponse(login_page(action), headers=_NO_STORE)
        if headers.get("origin") and not same_origin(headers):
            return HTMLResponse(login_page(action, "Log in from this site's own login page."), 403)
        key = _client(request.scope)
        wait = auth.failures.wait(key)
        if wait is not None:
            message = (
                f"Too many wrong passwords from this address. "
                f"Wait {retry_text(wait)} and try again."
            )
            return HTMLResponse(
                login_page(action, message),
                429,
                headers={**_NO_STORE, "Retry-After": str(max(1, int(wait + 0.999)))},
            )
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > 4096:
                return HTMLResponse(login_page(action, "The form sent too much data."), 413)
        password = parse_qs(body.decode("utf-8", "replace")).get("password", [""])[0]
        if not auth.password_ok(password):
            auth.failures.hit(key)
            return HTMLResponse(login_page(action, "Wrong password."), 401, headers=_NO_STORE)
        response = RedirectResponse(f"{area}/", status_code=303)
        response.set_cookie(
            COOKIE, auth.start_session(), max_age=SESSION_SECONDS, **_cookie_options(request, area)
        )
        return response

    async def logout(request: Request):
        auth.end_session(request.cookies.get(COOKIE))
        response = RedirectResponse(action, status_code=303)
        response.delete_cookie(COOKIE, **_cookie_options(request, area))
        return response

    app.router.add_route(f"{AREA}/login", login, methods=["GET", "POST"], name="instructor_login")
    app.router.add_route(
        f"{AREA}/logout", logout, methods=["GET", "POST"], name="instructor_logout"
    )
