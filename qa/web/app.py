"""The web server: a FastAPI app that mounts the chat (at `/`), the widget (at `/widget/`) and the
JSON API (`POST /api/ask`, qa/web/api.py).

It adds what a course site needs around Gradio: which sites may frame the widget
(`Content-Security-Policy: frame-ancestors`) and call the API from a browser (CORS), a
per-client rate limit, a sub-path behind a reverse proxy (`root_path`), security headers, the
standalone reading page, the instructor area at `/instructor/` when a password is set
(qa/web/instructor.py), and it refuses what the app has no use for (FastAPI's docs, Gradio's MCP
and monitoring routes, files of the index, corpus and feedback log, and every file upload outside
the instructor area). Behind `--trusted-proxies` the client's address comes from the proxy's
headers (qa/web/clients.py). The trade-off: the allowed origins are fixed when the server starts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from ..env import env_flag
from ..errors import UsageError

__all__ = [
    "WebSettings",
    "create_app",
    "parse_origins",
    "embed_snippet",
    "ORIGINS_ENV",
    "WIDGET_PATH",
]

ORIGINS_ENV = "QA_ALLOWED_ORIGINS"
EVALUATE_ENV = "QA_EVALUATE"
WIDGET_PATH = "/widget"
_ORIGIN = re.compile(
    r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?$"
)
# Routes that a course assistant never needs; everything else Gradio serves stays as it is.
_REFUSED = re.compile(
    r"(^|/)(gradio_api/mcp|monitoring|gradio_api/vibe|docs|redoc|openapi\.json)(/|$)"
)
# Uploads serve only the instructor area (behind its password): refused everywhere else.
_UPLOAD = re.compile(r"(^|/)gradio_api/(upload|upload_progress)(/|$)")
# Gradio keeps a session (a copy of every component's settings, ~70 kB here) for each page load and
# for each call of its HTTP API, up to 10,000 by default: 700 MB of calls. 2,000 sessions hold the
# open chats of a course many times over; the oldest is dropped first.
SESSION_CAPACITY = 2000
# Gradio fetches and relays any public URL given as a "file" (or through its proxy route): the
# app serves no remote files, so it refuses to be a relay for other sites.
_RELAY = re.compile(r"(^|/)gradio_api/(proxy=|(file=|file/)\s*[a-z][a-z0-9+.-]*:)", re.IGNORECASE)


def parse_origins(value: str | None) -> tuple[str, ...]:
    """Comma-separated origins -> a tuple of checked origins (scheme://host[:port], no path).

    Example: 'https://canvas.example.edu, http://localhost:8000/'
    -> ('https://canvas.example.edu', 'http://localhost:8000')
    """
    origins = []
    for item in (value or "").split(","):
        item = item.strip().rstrip("/").lower()
        if not item:
            continue
        if item == "*":
            raise UsageError(
                "allowed origins '*': leave the setting empty to let any site embed the widget, "
                "or name the sites."
            )
        if not _ORIGIN.match(item):
            raise UsageError(
                f"allowed origin {item!r}: write it as scheme://host[:port], "
                "e.g. https://canvas.example.edu (no path)."
            )
        origins.append(item)
    return tuple(dict.fromkeys(origins))


@dataclass(frozen=True)
class WebSettings:
    """How the server is exposed."""

    allowed_origins: tuple[str, ...] = ()
    root_path: str = ""
    rate_limit: int = 30
    feedback_log: Path | None = None
    concurrency: int = 8
    blocked_paths: tuple[Path, ...] = field(default_factory=tuple)
    evaluate: bool = True  # the instructor area's Evaluate and Calibrate tabs
    # None: no instructor area (every /instructor path is 404)
    instructor_password: str | None = None
    trusted_proxies: tuple = ()  # networks whose X-Forwarded-For / Forwarded headers are believed
    user_secret: str | None = None  # the course platform's key for signed student ids


def embed_snippet(
    url: str,
    height: int = 600,
    title: str = "Reading assistant",
    web_component: bool = True,
    signed_ids: bool = False,
) -> str:
    """The HTML an instructor pastes into a course page to show the widget.

    An `<iframe>` (titled for screen readers, lazily loaded, fixed height so the page never grows)
    and, as an alternative, Gradio's `<gradio-app>` web component, which this app serves itself
    (`/gradio.js`), so neither needs a CDN. With `signed_ids`, the widget's address carries
    `?user=SIGNED_ID` for the course site's server to fill in, and a comment shows how it signs.

    Example: ('https://qa.example.edu', 600, 'Ask the reading')
    -> '<iframe src="https://qa.example.edu/widget/" ...'
    """
    import html

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"--url {url!r}: give the public address of the app, "
            "e.g. https://qa.example.edu or https://example.edu/assistant"
        )
    if not 200 <= height <= 2000:
        raise UsageError(
            f"--height {height}: use a height between 200 and 2000 pixels (600 fits the widget)."
        )
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    # With signed ids the course site's server fills in each student's signed id (qa/clients.py).
    widget = html.escape(
        f"{base}{WIDGET_PATH}/" + ("?user=SIGNED_ID" if signed_ids else ""), quote=True
    )
    esc_title = html.escape(title or "Reading assistant", quote=True)
    lines = [
        "<!-- The reading assistant: an iframe of fixed height (works on any course platform) -->",
        f'<iframe src="{widget}" title="{esc_title}" loading="lazy" width="100%" height="{height}"',
        f'        style="width: 100%; max-width: 100%; height: {height}px; '
        'border: 1px solid #d1d5db; border-radius: 8px;"',
        '        referrerpolicy="strict-origin-when-cross-origin" '
        'allow="clipboard-write"></iframe>',
    ]
    if web_component:
        script = html.escape(f"{base}/gradio.js", quote=True)
        lines += [
            "",
            "<!-- Or, where the platform allows scripts: the same widget as a web component, "
            "served by the app itself (no CDN) -->",
            f'<script type="module" src="{script}"></script>',
            f'<div role="region" aria-label="{esc_title}" '
            f'style="max-height: {height}px; overflow: auto;">',
            f'  <gradio-app src="{widget}"></gradio-app>',
            "</div>",
        ]
    if signed_ids:
        from .clients import signing_examples

        lines += [
            "",
            "<!--",
            signing_examples(f"{base}{WIDGET_PATH}/").replace("--", "- -").rstrip(),
            "-->",
        ]
    return "\n".join(lines) + "\n"


def _security_headers(settings: WebSettings) -> dict[str, str]:
    ancestors = (
        " ".join(("'self'",) + settings.allowed_origins) if settings.allowed_origins else "*"
    )
    return {
        "Content-Security-Policy": f"frame-ancestors {ancestors}",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
    }


def create_app(assistant, settings: WebSettings = WebSettings()):
    """The FastAPI app serving the chat, the widget, the reading pages and the `ask` API.

    Args:
        assistant: the `Assistant` that answers (shared by every student; reads are thread-safe).
        settings: origins, sub-path, rate limit, feedback log, concurrency, the instructor
            password (None: no instructor area), trusted proxies and the signing key of student ids.
    """
    from fastapi import FastAPI

    from .api import add_api
    from .feedback import FeedbackLog
    from .instructor import InstructorAuth
    from .ratelimit import RateLimiter

    root_prefix = _root_prefix(settings.root_path)
    feedback = FeedbackLog(settings.feedback_log) if settings.feedback_log else None
    limiter = RateLimiter(settings.rate_limit) if settings.rate_limit else None
    auth = InstructorAuth(settings.instructor_password) if settings.instructor_password else None

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, title="Reading assistant")
    _add_middleware(app, settings, auth, root_prefix)
    _add_reading_routes(app, assistant, root_prefix)
    add_api(
        app,
        assistant,
        allowed_origins=settings.allowed_origins,
        limiter=limiter,
        feedback=feedback,
        concurrency=settings.concurrency,
        user_secret=settings.user_secret,
    )
    _mount_pages(app, assistant, settings, auth, root_prefix, feedback, limiter)
    app.state.limiter = limiter
    app.state.feedback = feedback
    served = _UnderRootPath(app, root_prefix) if root_prefix else app
    if settings.trusted_proxies:
        from .clients import ForwardedClients

        served = ForwardedClients(served, settings.trusted_proxies)
    return served


def _root_prefix(root_path: str) -> str:
    """The path part of `--root-path`, checked.

    Example: 'https://example.edu/assistant/' -> '/assistant'; '/assistant' -> '/assistant'
    """
    root = root_path.rstrip("/")
    if root and not root.startswith(("/", "http://", "https://")):
        raise UsageError(
            f"--root-path {root_path!r}: give the sub-path the app is served under, "
            "starting with '/', e.g. /assistant."
        )
    return urlsplit(root).path.rstrip("/") if root.startswith("http") else root


def _add_middleware(app, settings: WebSettings, auth, root_prefix: str) -> None:
    """CORS, the instructor area's guard and `_Guard` (added last, so it runs first)."""
    from fastapi.middleware.cors import CORSMiddleware

    from .instructor import InstructorGuard

    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.allowed_origins) or ["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(InstructorGuard, auth=auth, root_prefix=root_prefix)
    app.add_middleware(
        _Guard, settings=settings, root_prefix=root_prefix, headers=_security_headers(settings)
    )


def _add_reading_routes(app, assistant, root_prefix: str) -> None:
    """The standalone reading page, Gradio's web component script and the health check."""
    import gradio as gr
    from fastapi.responses import HTMLResponse, Response

    from .render import reading_page

    @app.get("/reading/{doc}", response_class=HTMLResponse)
    def reading(doc: str, hl: str | None = None):
        found = assistant.index.readings.get(doc)
        if found is None:
            return HTMLResponse(
                "<!doctype html><title>Not found</title><p>No such reading.</p>", status_code=404
            )
        span = None
        if hl and re.fullmatch(r"\d{1,9}-\d{1,9}", hl):
            s, e = (int(x) for x in hl.split("-"))
            span = (s, e) if s < e else None
        return HTMLResponse(reading_page(found, span, back=f"{root_prefix}/"))

    @app.get("/gradio.js")
    def web_component():
        """Gradio's `<gradio-app>` web component, served from this app (no CDN)."""
        script = Path(gr.__file__).parent / "templates" / "frontend" / "gradio.js"
        return Response(
            script.read_text(encoding="utf-8"),
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache"},
        )

    @app.get("/healthz")
    def healthz():
        return {
            "ok": True,
            "readings": len(assistant.index.readings),
            "chunks": len(assistant.index.chunks),
        }


def _gradio_options(assistant, settings: WebSettings) -> dict:
    """What every mounted Gradio app is given: the look, the blocked files, the upload limit."""
    from .evaluate_tab import MAX_UPLOAD_BYTES
    from .ui import CSS, THEME

    blocked = [str(Path(p).resolve()) for p in settings.blocked_paths]
    if settings.feedback_log:
        blocked += [
            str(Path(settings.feedback_log).resolve()),
            str(Path(settings.feedback_log).resolve()) + ".lock",
        ]
    blocked.append(str(Path(assistant.index.folder).resolve()))
    return dict(
        theme=THEME,
        css=CSS,
        footer_links=[],
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        enable_monitoring=False,
        show_error=False,
        blocked_paths=blocked,
        pwa=False,
        # Gradio refuses larger uploads before the Evaluate tab sees them.
        max_file_size=MAX_UPLOAD_BYTES,
    )


def _mount_pages(app, assistant, settings, auth, root_prefix: str, feedback, limiter) -> None:
    """Mount the widget, the instructor area (with a password) and, last, the chat at `/`."""
    import gradio as gr

    from .ui import WIDGET_CSS, UISettings, build_chat_app, head_html

    common = _gradio_options(assistant, settings)
    shared = dict(
        root_path=root_prefix,
        feedback_log=feedback,
        limiter=limiter,
        concurrency=settings.concurrency,
        user_secret=settings.user_secret,
    )
    widget = build_chat_app(assistant, UISettings(widget=True, **shared))
    main = build_chat_app(assistant, UISettings(widget=False, **shared))
    for blocks in (widget, main):  # read when mounted
        blocks.state_session_capacity = SESSION_CAPACITY
    # Behind a proxy, the sub-path reaches Gradio as the ASGI root_path (see `_UnderRootPath`),
    # so each mounted app works out its public address from the request itself.
    gr.mount_gradio_app(
        app, widget, path=WIDGET_PATH, head=head_html(widget=True), **{**common, "css": WIDGET_CSS}
    )
    if auth is not None:
        _add_instructor_area(app, assistant, auth, settings, root_prefix, common)
    # The chat at / comes last: a mount at / takes every path not mounted before it.
    gr.mount_gradio_app(
        app, main, path="/", head=head_html(widget=False), **{**common, "footer_links": ["api"]}
    )


def _add_instructor_area(
    app, assistant, auth, settings: WebSettings, root_prefix: str, common: dict
) -> None:
    """The login routes, the JSON API and the area's pages under /instructor (before the chat)."""
    import gradio as gr

    from ..readings.convert import MAX_IMPORT_BYTES
    from .corpus_manager import manager_for
    from .instructor import AREA, add_login_routes
    from .instructor_api import add_instructor_api
    from .instructor_ui import INSTRUCTOR_CSS, INSTRUCTOR_HEAD, build_instructor_app

    manager = manager_for(assistant)
    add_login_routes(app, auth, root_prefix)
    add_instructor_api(app, manager, settings.feedback_log)
    area = build_instructor_app(
        assistant, manager, settings.feedback_log, root_prefix, settings.evaluate
    )
    app.state.corpus_manager = manager
    gr.mount_gradio_app(
        app,
        area,
        path=AREA,
        head=INSTRUCTOR_HEAD,
        **{
            **common,
            "css": common["css"] + INSTRUCTOR_CSS,
            "max_file_size": MAX_IMPORT_BYTES,
            "allowed_paths": [],
            "footer_links": [],
        },
    )


class _Guard:
    """Refuse routes the app does not serve, send `/?embed=1` to the widget, add security headers.

    Plain ASGI rather than Starlette's `BaseHTTPMiddleware`, which runs every request through an
    extra task and a streamed copy of its body (a noticeable share of a small API call's time).
    """

    def __init__(self, app, settings: WebSettings, root_prefix: str, headers: dict[str, str]):
        self.app, self.settings, self.root_prefix = app, settings, root_prefix
        self.headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
        ]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.requests import Request
        from starlette.responses import JSONResponse, RedirectResponse

        path, prefix = scope["path"], self.root_prefix
        local = path[len(prefix) :] if prefix and path.startswith(prefix) else path
        upload = _UPLOAD.search(local)
        response = None
        if (
            _REFUSED.search(local)
            or _RELAY.search(local)
            or (upload and not local.startswith("/instructor/"))
        ):
            response = JSONResponse(
                {"error": "not_found", "message": f"{path} is not served by this app."},
                status_code=404,
            )
        elif local in ("", "/") and scope.get("query_string"):
            query = Request(scope).query_params
            if query.get("embed") in ("1", "true", "yes"):
                params = urlencode([(k, v) for k, v in query.multi_items() if k != "embed"])
                response = RedirectResponse(
                    f"{prefix}{WIDGET_PATH}/" + (f"?{params}" if params else ""), status_code=307
                )

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        *(h for h in self.headers if h[0] not in present),
                    ],
                }
            await send(message)

        await (response or self.app)(scope, receive, send_with_headers)


class _UnderRootPath:
    """Serve an ASGI app under a sub-path, whether the reverse proxy strips the prefix or not.

    Like uvicorn's `--root-path`: the request's `root_path` becomes the prefix and its `path` the
    full public path, so routes, mounts and Gradio's own URLs all carry the prefix.
    """

    def __init__(self, app, prefix: str):
        self.app = app
        self.prefix = prefix
        self.state = app.state

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            path = scope["path"]
            if path != self.prefix and not path.startswith(self.prefix + "/"):
                path = self.prefix + path
            scope = dict(scope, root_path=self.prefix, path=path, raw_path=path.encode("utf-8"))
        await self.app(scope, receive, send)


def settings_from_env(**overrides) -> WebSettings:
    """Web settings with `QA_ALLOWED_ORIGINS` read from the environment unless given."""
    if "allowed_origins" not in overrides or overrides["allowed_origins"] is None:
        overrides["allowed_origins"] = parse_origins(os.environ.get(ORIGINS_ENV, ""))
    return WebSettings(**overrides)


def build_parser():
    """The arguments of `python app.py`."""
    import argparse

    p = argparse.ArgumentParser(
        prog="app.py",
        description="Serve the reading assistant: the chat at /, the widget at /widget/, "
        "the `ask` API.",
    )
    _add_place_arguments(p)
    _add_serving_arguments(p)
    _add_access_arguments(p)
    return p


def _add_place_arguments(p) -> None:
    """Where the server listens and what it serves: --host, --port, --index, --corpus."""
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument(
        "--index",
        default=None,
        help="index folder (default: index/, or a folder of its own for another --corpus)",
    )
    p.add_argument(
        "--corpus",
        default=None,
        help="corpus folder (default: the one the index was built from, else corpus/)",
    )


def _add_serving_arguments(p) -> None:
    """How students reach it: origins, sub-path, feedback log, rate limit, concurrency."""
    from .ratelimit import DEFAULT_PER_MINUTE

    p.add_argument(
        "--allowed-origins",
        default=None,
        metavar="ORIGINS",
        help="comma-separated sites that may embed the widget and call the API from a browser "
        f"(default: ${ORIGINS_ENV}, else any site)",
    )
    p.add_argument(
        "--root-path",
        default=os.environ.get("QA_ROOT_PATH", ""),
        help="the sub-path when served behind a reverse proxy, e.g. /assistant",
    )
    p.add_argument(
        "--feedback-log",
        default=os.environ.get("QA_FEEDBACK_LOG", "feedback.jsonl"),
        help="JSONL file of questions and votes (default: feedback.jsonl; '' for none)",
    )
    p.add_argument(
        "--rate-limit",
        type=int,
        default=int(os.environ.get("QA_RATE_LIMIT", DEFAULT_PER_MINUTE)),
        help=f"questions a minute per client (default {DEFAULT_PER_MINUTE}; 0 for no limit)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=8,
        help="questions answered at the same time "
        "(default 8; the JSON API uses at most one thread per CPU core)",
    )


def _add_access_arguments(p) -> None:
    """Who may do what: the Evaluate tabs, the instructor password, proxies, signed student ids."""
    import argparse

    from .clients import TRUSTED_PROXIES_ENV, USER_SECRET_ENV
    from .instructor import PASSWORD_ENV

    p.add_argument(
        "--evaluate",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the instructor area's Evaluate and Calibrate tabs, which run uploaded question sets "
        f"on this server (default: ${EVALUATE_ENV}, else on)",
    )
    p.add_argument(
        "--instructor-password-file",
        default=None,
        metavar="FILE",
        help="turn on the instructor area at /instructor/ with the password on the first line of "
        f"FILE (default: ${PASSWORD_ENV}; without either there is no instructor area)",
    )
    p.add_argument(
        "--trusted-proxies",
        default=os.environ.get(TRUSTED_PROXIES_ENV, ""),
        metavar="CIDR[,CIDR…]",
        help="reverse proxies whose X-Forwarded-For/Forwarded headers name the client, "
        f"e.g. 127.0.0.1 (default: ${TRUSTED_PROXIES_ENV}, else none: the connection's address "
        "is the client)",
    )
    p.add_argument(
        "--user-secret",
        default=None,
        metavar="SECRET",
        help="key with which the course platform signs student ids in X-QA-User "
        f"(default: ${USER_SECRET_ENV}; prefer the environment variable, which other users of "
        "the machine cannot see)",
    )


def main(argv: list[str] | None = None) -> int:
    """Run the server until interrupted; an error a user can cause is one line and an exit code."""
    import sys
    from dataclasses import replace

    from ..errors import QAError

    args = build_parser().parse_args(argv)
    try:
        settings = _settings_from_args(args)
        assistant = _open_assistant(args)
        corpus = assistant.index.corpus
        settings = replace(settings, blocked_paths=(corpus,) if corpus is not None else ())
        app = create_app(assistant, settings)
    except QAError as exc:  # each kind carries its own exit code
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    _serve(app, args, settings)
    return 0


def _settings_from_args(args) -> WebSettings:
    """The command line and the environment checked, before the model is loaded.

    Every misspelt value stops the start here, not at a later request or upload.
    """
    from ..readings.fetch import FETCH_PRIVATE_ENV
    from .clients import USER_SECRET_ENV, parse_networks
    from .instructor import load_password

    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: use a port between 1 and 65535.")
    if args.rate_limit < 0 or args.concurrency < 1:
        raise UsageError("--rate-limit must be 0 or more and --concurrency 1 or more.")
    evaluate = args.evaluate if args.evaluate is not None else env_flag(EVALUATE_ENV, True)
    env_flag(FETCH_PRIVATE_ENV, False)  # a misspelt value stops the start, not a later upload
    origins = parse_origins(
        args.allowed_origins
        if args.allowed_origins is not None
        else os.environ.get(ORIGINS_ENV, "")
    )
    password = load_password(args.instructor_password_file, dict(os.environ))
    proxies = parse_networks(args.trusted_proxies)
    secret = (
        args.user_secret if args.user_secret is not None else os.environ.get(USER_SECRET_ENV, "")
    ).strip() or None
    return WebSettings(
        allowed_origins=origins,
        root_path=args.root_path,
        rate_limit=args.rate_limit,
        feedback_log=Path(args.feedback_log) if args.feedback_log else None,
        concurrency=args.concurrency,
        evaluate=evaluate,
        instructor_password=password,
        trusted_proxies=proxies,
        user_secret=secret,
    )


def _open_assistant(args):
    """The model and the index (built or brought up to date if need be), with progress on stderr."""
    import sys

    from ..answering.assistant import Assistant
    from ..index.where import DEFAULT_CORPUS, choose_index

    print("Loading the model and the index…", file=sys.stderr, flush=True)
    # Another --corpus gets an index of its own: the course's index/ is never rebuilt from it.
    choice = choose_index(args.index, args.corpus)
    if note := choice.note():
        print(note, file=sys.stderr, flush=True)
    assistant = Assistant.open(
        choice.folder,
        choice.corpus,
        fallback_corpus=DEFAULT_CORPUS,  # app.py runs from the project folder, as `make run` does
        on_rebuild=lambda why: print(f"Building the index ({why})…", file=sys.stderr, flush=True),
    )
    for skipped in assistant.index.manifest.skipped:
        print(f"skipped: {skipped.reason}", file=sys.stderr, flush=True)
    from ..index.store import stale_auto_calibration

    stale = stale_auto_calibration(choice.folder)
    if stale:
        print(f"note: {stale}", file=sys.stderr, flush=True)
    return assistant


def _serve(app, args, settings: WebSettings) -> None:
    """Say where everything is, then serve until interrupted."""
    import sys

    import uvicorn

    where = f"http://{args.host}:{args.port}{settings.root_path.rstrip('/')}/"
    area = (
        f"the instructor area at {where}instructor/"
        if settings.instructor_password
        else "no instructor area (no password set)"
    )
    print(
        f"Serving the chat at {where}, the widget at {where}widget/ and {area} (allowed origins: "
        f"{', '.join(settings.allowed_origins) or 'any site'}; "
        f"trusted proxies: {args.trusted_proxies or 'none'}; "
        f"signed student ids: {'on' if settings.user_secret else 'off'})",
        file=sys.stderr,
        flush=True,
    )
    # The client's address is taken from forwarded headers by `ForwardedClients`, and only from
    # --trusted-proxies: uvicorn's own handling (which trusts 127.0.0.1 by default) stays off.
    uvicorn.run(
        app, host=args.host, port=args.port, log_level="warning", proxy_headers=False, root_path=""
    )
