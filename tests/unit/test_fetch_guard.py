"""The instructor area fetches readings from public addresses only (qa/fetch.py `public_only`).

A browser asks the server to fetch a URL there, so without a guard a logged-in page could make the
server read its own or its network's private services. Checked with a local server that counts the
requests it gets: a refused fetch must not reach it, through the URL itself or a redirect.
"""

from __future__ import annotations

import http.server
import shutil
import threading

import pytest

import qa.readings.fetch
from qa.errors import ReadingError
from qa.readings.fetch import FETCH_PRIVATE_ENV, check_public, fetch_url
from qa.web.corpus_manager import CorpusManager
from tests.support.fakes import fake_assistant_over
from tests.support.paths import CORPUS

PAGE = (
    b"<html><head><title>Tides</title></head><body><article><h1>Tides</h1><p>Tidal "
    b"turbines in the Pentland Firth turn twice a day with the tide, and the firth's "
    b"currents are among the fastest in Europe.</p></article></body></html>"
)


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []
    redirect_to: str | None = None

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).hits.append(self.path)
        if self.path == "/moved" and self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local server on a free 127.0.0.1 port; yields its base URL and the list of paths it was
    asked for."""
    _Counting.hits, _Counting.redirect_to = [], None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Counting.hits
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8000/",
        "http://10.1.2.3/a.pdf",
        "http://192.168.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_private_and_local_addresses_are_refused(url):
    with pytest.raises(ReadingError, match="private or local address"):
        check_public(url)


def test_a_public_address_passes():
    check_public("http://93.184.215.14/reading.html")  # an address literal: no name lookup needed


def test_a_refused_fetch_never_reaches_the_server(server, monkeypatch):
    base, hits = server
    monkeypatch.delenv(FETCH_PRIVATE_ENV, raising=False)
    with pytest.raises(ReadingError, match=f"{FETCH_PRIVATE_ENV}=1"):
        fetch_url(base + "/page", max_bytes=10**6, public_only=True)
    assert hits == []
    assert fetch_url(base + "/page", max_bytes=10**6).data == PAGE  # the command line may fetch it


def test_a_redirect_toward_a_private_address_is_not_followed(server, monkeypatch):
    base, hits = server
    _Counting.redirect_to = base + "/secret"
    real = qa.readings.fetch.check_public
    # The first address counts as public here; its redirect to the same local server must not.
    monkeypatch.setattr(
        qa.readings.fetch, "check_public", lambda url: None if url.endswith("/moved") else real(url)
    )
    monkeypatch.delenv(FETCH_PRIVATE_ENV, raising=False)
    with pytest.raises(ReadingError, match="private or local address"):
        fetch_url(base + "/moved", max_bytes=10**6, public_only=True)
    assert hits == ["/moved"]


def test_the_switch_lets_an_intranet_reading_in(server, monkeypatch):
    base, hits = server
    monkeypatch.setenv(FETCH_PRIVATE_ENV, "1")
    assert fetch_url(base + "/page", max_bytes=10**6, public_only=True).data == PAGE
    assert hits == ["/page"]


def test_the_instructor_area_refuses_a_local_url_and_leaves_the_corpus_as_it_was(
    server, tmp_path, monkeypatch
):
    base, hits = server
    monkeypatch.delenv(FETCH_PRIVATE_ENV, raising=False)
    shutil.copytree(CORPUS, tmp_path / "corpus")
    manager = CorpusManager(
        fake_assistant_over(tmp_path / "corpus", tmp_path / "index"),
        tmp_path / "corpus",
        tmp_path / "index",
    )
    before = sorted(p.name for p in (tmp_path / "corpus").iterdir())
    with pytest.raises(ReadingError, match="private or local address"):
        manager.add(base + "/page")
    assert hits == [] and sorted(p.name for p in (tmp_path / "corpus").iterdir()) == before


def test_a_misspelt_switch_stops_the_app_at_start(monkeypatch, capsys):
    import qa.web.app

    monkeypatch.setenv(FETCH_PRIVATE_ENV, "maybe")
    assert qa.web.app.main(["--index", "nowhere"]) == 2
    assert f"{FETCH_PRIVATE_ENV}='maybe'" in capsys.readouterr().err
