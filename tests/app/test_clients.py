"""Students told apart by the served JSON API: spoofed headers and forged signatures share the
address's bucket, trusted proxies and signed ids limit students one by one."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from qa.web.api import API_PATH, add_api
from qa.web.clients import (
    ForwardedClients,
    parse_networks,
    sign_user,
)
from qa.web.ratelimit import RateLimiter
from tests.support.fakes import fake_assistant_over
from tests.support.paths import CORPUS
from tests.support.web_helpers import serve_app

SECRET = "course-platform-secret"


@pytest.fixture(scope="module")
def fake_assistant(tmp_path_factory):
    return fake_assistant_over(CORPUS, tmp_path_factory.mktemp("clients") / "index")


def _serve(assistant, proxies=()):
    from starlette.applications import Starlette

    app = Starlette()
    add_api(app, assistant, limiter=RateLimiter(3), user_secret=SECRET)
    return serve_app(ForwardedClients(app, proxies) if proxies else app)


def _ask(url: str, headers: dict, query: str = "") -> int:
    req = urllib.request.Request(
        url + API_PATH + query,
        data=json.dumps({"question": "Who is Brunson?"}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_new_ids_spoofed_headers_and_forged_signatures_share_the_address_bucket(fake_assistant):
    tricks = [
        {"X-QA-User": "student-1"},
        {"X-QA-User": "student-2"},
        {"X-Forwarded-For": "1.1.1.1"},
        {"Forwarded": "for=2.2.2.2", "X-Real-IP": "3.3.3.3"},
        {"X-QA-User": sign_user("student-5", "a guessed secret")},
        {"X-QA-User": "student-6." + "0" * 64},
    ]
    with _serve(fake_assistant) as url:
        statuses = [_ask(url, h) for h in tricks] + [_ask(url, {}, "?user=student-7")]
    assert statuses == [200, 200, 200, 429, 429, 429, 429]


def test_spoofed_forwarded_headers_from_a_peer_outside_the_trusted_proxies_do_not_help(
    fake_assistant,
):
    with _serve(
        fake_assistant, parse_networks("10.0.0.0/8")
    ) as url:  # the test client is 127.0.0.1
        statuses = [_ask(url, {"X-Forwarded-For": f"1.1.1.{n}"}) for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_two_students_behind_a_trusted_proxy_are_limited_one_by_one(fake_assistant):
    with _serve(fake_assistant, parse_networks("127.0.0.1")) as url:
        first = [_ask(url, {"X-Forwarded-For": "192.0.2.10"}) for _ in range(4)]
        second = [_ask(url, {"X-Forwarded-For": "192.0.2.11"}) for _ in range(4)]
        # A student prepending an address of their own choosing is still counted as themselves.
        spoof = _ask(url, {"X-Forwarded-For": "192.0.2.99, 192.0.2.10"})
        forwarded = [_ask(url, {"Forwarded": 'for="192.0.2.12:5000"'}) for _ in range(4)]
    assert first == [200, 200, 200, 429] and second == [200, 200, 200, 429] and spoof == 429
    assert forwarded == [200, 200, 200, 429]


def test_signed_ids_limit_students_one_by_one_from_one_address(fake_assistant):
    with _serve(fake_assistant) as url:
        alice = [_ask(url, {"X-QA-User": sign_user("alice", SECRET)}) for _ in range(4)]
        bob = [_ask(url, {}, "?user=" + sign_user("bob", SECRET)) for _ in range(4)]
        address = [
            _ask(url, {}) for _ in range(4)
        ]  # the address's own bucket is untouched by theirs
    assert alice == bob == address == [200, 200, 200, 429]
