"""Helpers for the tests that serve the app: uvicorn on a free 127.0.0.1 port, Chromium,
screenshots."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.paths import QUESTIONS, ROOT

CHROMIUM = Path("/usr/bin/chromium")
# `make screenshots` (QA_UPDATE_SCREENSHOTS=1) copies the README's screenshots here.
DOCS_SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
]


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve_app(app) -> Iterator[str]:
    """Run an ASGI app with uvicorn in a thread on a free port; yields its base URL (no trailing
    slash)."""
    import uvicorn

    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@contextmanager
def serve_with_feedback(assistant, feedback: Path, warm_up: str) -> Iterator[str]:
    """The app served with a feedback log and no practical rate limit; `warm_up` is asked once
    through the Gradio API first, so the log has a record before any test runs."""
    from gradio_client import Client

    from qa.web.app import WebSettings, create_app
    from qa.web.ratelimit import USER_HEADER

    corpus = assistant.index.corpus
    settings = WebSettings(
        rate_limit=1000, feedback_log=feedback, blocked_paths=(corpus,) if corpus else ()
    )
    with serve_app(create_app(assistant, settings)) as url:
        Client(url + "/", verbose=False, headers={USER_HEADER: "warm-up"}).predict(
            question=warm_up, api_name="/ask"
        )
        assert feedback.is_file()
        yield url


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve a folder of static files (a course page) on another free port: another origin."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium through Playwright (never a downloaded browser); skips when missing."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def outside_requests(urls: list[str]) -> list[str]:
    """The requested URLs whose host is not 127.0.0.1 (data: and blob: URLs are local)."""
    bad = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        if parts.hostname != "127.0.0.1":
            bad.append(url)
    return bad


def refused_question(assistant) -> str:
    """An out-of-scope question of the question set that the assistant does refuse (skips if none
    is)."""
    import json

    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else {}
        if (
            row
            and not row.get("answer")
            and not row.get("history")
            and assistant.ask(row["question"]).abstained
        ):
            return row["question"]
    pytest.skip("no out-of-scope question of eval/questions.jsonl is refused by the current index")


def save_shot(pg, artifacts: Path, name: str, readme: bool = False, **kw) -> None:
    """Screenshot into `artifacts`; with `readme`, `make screenshots` copies it for the README."""
    pg.screenshot(path=str(artifacts / name), **kw)
    if readme and os.environ.get("QA_UPDATE_SCREENSHOTS") == "1":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artifacts / name, DOCS_SHOTS / name)
