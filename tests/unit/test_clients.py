"""Rate limits no client can dodge: the address through trusted proxies only, signed student ids.

Unit tests of `qa.web.clients` and `qa.web.ratelimit.client_key`, then `POST /api/ask` served over
HTTP (the route alone, on a bare Starlette app, with the fake embedder) with `--rate-limit 3`: new
ids, spoofed forwarded headers and forged signatures from one address all share its bucket; two
students behind a trusted proxy, or with signed ids, are limited one by one.

"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

import pytest

from qa.errors import UsageError
from qa.web.clients import (
    ForwardedClients,
    forwarded_client,
    parse_networks,
    sign_user,
    verified_user,
)
from qa.web.ratelimit import RateLimiter, client_key

SECRET = "course-platform-secret"
PROXIES = parse_networks("10.0.0.0/8, 127.0.0.1")


def test_sign_user_matches_an_independent_hmac():
    expected = hmac.new(b"k3y", b"s-42", hashlib.sha256).hexdigest()
    assert sign_user("s-42", "k3y") == f"s-42.{expected}"


@pytest.mark.parametrize(
    ("value", "secret", "user"),
    [
        (sign_user("s1", SECRET), SECRET, "s1"),
        (sign_user("a.b@uni.edu", SECRET), SECRET, "a.b@uni.edu"),
        (sign_user("s1", SECRET).upper().replace("S1.", "s1."), SECRET, "s1"),  # hex in capitals
        ("s1", SECRET, None),  # unsigned
        (sign_user("s1", "another key"), SECRET, None),
        (sign_user("s1", SECRET)[:-1] + "0", SECRET, None),
        (
            sign_user("s2", SECRET).replace("s2.", "s3."),
            SECRET,
            None,
        ),  # a signature moved to another id
        (sign_user("s1", SECRET), None, None),  # no secret: ids are never believed
        ("", SECRET, None),
        (None, SECRET, None),
    ],
)
def test_verified_user(value, secret, user):
    assert verified_user(value, secret) == user


@pytest.mark.parametrize(
    ("headers", "query", "key"),
    [
        ({"x-qa-user": sign_user("s1", SECRET)}, {}, "user:s1"),
        ({}, {"user": sign_user("s2", SECRET)}, "user:s2"),
        ({"x-qa-user": "s1"}, {}, "ip:1.2.3.4"),
        ({"x-qa-user": sign_user("s1", "wrong")}, {"user": "s9"}, "ip:1.2.3.4"),
        ({}, {}, "ip:1.2.3.4"),
    ],
)
def test_client_key(headers, query, key):
    assert client_key(headers, query, "1.2.3.4", SECRET) == key


def test_without_a_secret_every_id_is_ignored():
    assert client_key({"x-qa-user": "s1"}, {"user": "s2"}, "1.2.3.4") == "ip:1.2.3.4"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ()),
        ("127.0.0.1", (ipaddress.ip_network("127.0.0.1/32"),)),
        (
            " 10.0.0.0/8 ,::1 ",
            (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")),
        ),
        ("10.0.0.1/8", (ipaddress.ip_network("10.0.0.0/8"),)),
    ],
)
def test_parse_networks(value, expected):
    assert parse_networks(value) == expected


@pytest.mark.parametrize("value", ["*", "localhost", "10.0.0.0/33", "1.2.3"])
def test_parse_networks_names_the_bad_entry(value):
    with pytest.raises(UsageError, match="trusted proxy"):
        parse_networks(value)


@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        (
            "6.6.6.6",
            {"x-forwarded-for": "1.2.3.4"},
            ("6.6.6.6", None),
        ),  # an untrusted peer's headers are ignored
        ("10.0.0.2", {"x-forwarded-for": "1.2.3.4"}, ("1.2.3.4", None)),
        (
            "10.0.0.2",
            {"x-forwarded-for": "9.9.9.9, 1.2.3.4"},
            ("1.2.3.4", None),
        ),  # the client's own prefix is not believed
        (
            "10.0.0.2",
            {"x-forwarded-for": "1.2.3.4, 10.0.0.9"},
            ("1.2.3.4", None),
        ),  # two trusted hops
        ("10.0.0.2", {"x-forwarded-for": "garbage"}, ("10.0.0.2", None)),
        (
            "10.0.0.2",
            {"x-forwarded-for": "1.2.3.4", "x-forwarded-proto": "https"},
            ("1.2.3.4", "https"),
        ),
        (
            "10.0.0.2",
            {"forwarded": 'for=9.9.9.9, for="[2001:db8::1]:4711";proto=https'},
            ("2001:db8::1", "https"),
        ),
        ("10.0.0.2", {"forwarded": "for=1.2.3.4:5678"}, ("1.2.3.4", None)),
        ("10.0.0.2", {}, ("10.0.0.2", None)),
        (None, {"x-forwarded-for": "1.2.3.4"}, (None, None)),
    ],
)
def test_forwarded_client(peer, headers, expected):
    assert forwarded_client(peer, headers, PROXIES) == expected


def test_the_middleware_rewrites_the_client_only_for_trusted_peers():
    import asyncio

    seen = []

    async def app(scope, receive, send):
        seen.append((scope["client"][0], scope["scheme"]))

    wrapped = ForwardedClients(app, parse_networks("10.0.0.0/8"))
    for peer in ("10.1.2.3", "6.6.6.6"):
        scope = {
            "type": "http",
            "client": (peer, 5),
            "scheme": "http",
            "headers": [(b"x-forwarded-for", b"1.2.3.4"), (b"x-forwarded-proto", b"https")],
        }
        asyncio.run(wrapped(scope, None, None))
    assert seen == [("1.2.3.4", "https"), ("6.6.6.6", "http")]


def test_rate_limiter_wait_does_not_count():
    limiter = RateLimiter(2, clock=lambda: 0.0)
    assert limiter.wait("a") is None and limiter.hit("a") is None and limiter.wait("a") is None
    assert limiter.hit("a") is None
    assert limiter.wait("a") == 60.0 and limiter.wait("b") is None


# ---------------------------------------------------------------------------- served


# --------------------------------------------------------------------------- the course site's side


def _example(language: str) -> str:
    from qa.web.clients import signing_examples

    text = signing_examples()
    block = text.split(f"{language}:\n", 1)[1].split("\n\n", 1)[0]
    return "\n".join(line[4:] for line in block.splitlines())


def test_the_python_signing_example_makes_ids_the_app_accepts(monkeypatch):
    monkeypatch.setenv("QA_USER_SECRET", SECRET)
    namespace: dict = {}
    exec(_example("Python"), namespace)
    signed = namespace["signed_id"]("student-17")
    assert verified_user(signed, SECRET) == "student-17" and verified_user(signed, "other") is None


def test_the_javascript_signing_example_makes_ids_the_app_accepts(tmp_path):
    import os
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = tmp_path / "sign.js"
    script.write_text(
        _example("JavaScript (Node.js)") + '\nprocess.stdout.write(signedId("student-17"));\n'
    )
    out = subprocess.run(
        [node, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "QA_USER_SECRET": SECRET},
    ).stdout
    assert out == sign_user("student-17", SECRET)


def test_embed_snippet_with_signed_ids(capsys):
    from qa.cli import main

    assert main(["embed-snippet", "--url", "https://qa.example.edu/course", "--signed-ids"]) == 0
    out = capsys.readouterr().out
    assert 'src="https://qa.example.edu/course/widget/?user=SIGNED_ID"' in out
    assert "hmac.new(key" in out and "createHmac" in out and out.count("<!--") == out.count("-->")
    comment = out.split("<!--\n", 1)[1]
    assert "--" not in comment.split("\n-->")[0]  # nothing ends the HTML comment early
