"""The served app without a browser: the `ask` API through gradio_client, headers, CORS, routes,
rate limit.

The app is launched once for the module (uvicorn in a thread, free 127.0.0.1 port) over the
session's real index; every request stays on this machine.

"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from qa.web.app import WebSettings, create_app
from qa.web.clients import parse_networks, sign_user
from qa.web.ratelimit import USER_HEADER
from tests.support.web_helpers import refused_question, serve_app

OTHER_SITE = "http://127.0.0.1:9"  # an origin that may embed the widget in the restricted app


@pytest.fixture(scope="module")
def feedback_path(tmp_path_factory):
    return tmp_path_factory.mktemp("feedback") / "feedback.jsonl"


@pytest.fixture(scope="module")
def app_url(assistant, feedback_path):
    app = create_app(
        assistant,
        WebSettings(
            rate_limit=30,
            feedback_log=feedback_path,
            allowed_origins=(OTHER_SITE,),
            user_secret=SECRET,
            trusted_proxies=parse_networks("127.0.0.1"),
        ),
    )
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(
        app_url + "/", verbose=False, headers={USER_HEADER: sign_user("api-tests", SECRET)}
    )


SECRET = "web-tests-secret"


def _get(url: str, headers: dict | None = None, method: str = "GET", data: bytes | None = None):
    req = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


def test_ask_is_the_one_public_endpoint(client, app_url):
    info = client.view_api(print_info=False, return_format="dict")
    assert list(info["named_endpoints"]) == ["/ask"] and not info["unnamed_endpoints"]
    params = [p["parameter_name"] for p in info["named_endpoints"]["/ask"]["parameters"]]
    assert params == ["question", "history"]
    status, _, body = _get(app_url + "/widget/gradio_api/info")
    assert status == 200 and json.loads(body)["named_endpoints"] == {}


def test_ask_returns_the_json_answer(client, assistant, feedback_path):
    question = "What does USFK stand for?"
    result = client.predict(question=question, api_name="/ask")
    assert result == json.loads(json.dumps(assistant.ask(question).to_json()))
    assert result["abstained"] is False and "United States Forces Korea" in result["answer"]
    top = result["passages"][0]
    assert top["highlight"] in top["text"] and top["citation"].endswith(f"¶{top['paragraph']}")
    logged = [json.loads(line) for line in feedback_path.read_text(encoding="utf-8").splitlines()]
    assert any(
        r["kind"] == "question"
        and r["question"] == question
        and r["passage_ids"] == [p["id"] for p in result["passages"]]
        for r in logged
    )


def test_follow_up_uses_the_history(client, assistant):
    history = ["What did Rumsfeld seek for U.S. forces on the peninsula?"]
    follow = "Why did he want it?"
    with_history = client.predict(question=follow, history=history, api_name="/ask")
    assert with_history == json.loads(json.dumps(assistant.ask(follow, history).to_json()))
    alone = client.predict(question=follow, api_name="/ask")
    assert [p["id"] for p in with_history["passages"]] != [p["id"] for p in alone["passages"]]


def test_out_of_scope_question_is_refused(client, assistant):
    result = client.predict(question=refused_question(assistant), api_name="/ask")
    assert (
        result["abstained"] is True
        and result["answer"] == "The reading does not cover this question."
    )


def test_security_headers_and_frame_ancestors(app_url):
    status, headers, body = _get(app_url + "/widget/")
    assert status == 200
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["content-security-policy"] == f"frame-ancestors 'self' {OTHER_SITE}"
    assert lower["x-content-type-options"] == "nosniff" and "referrer-policy" in lower


def test_cors_allows_only_the_named_origins(app_url):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    status, headers, _ = _get(
        app_url + "/gradio_api/call/ask", {"Origin": OTHER_SITE, **preflight}, method="OPTIONS"
    )
    assert status == 200 and headers.get("access-control-allow-origin") == OTHER_SITE
    status, headers, _ = _get(
        app_url + "/gradio_api/call/ask",
        {"Origin": "http://evil.example", **preflight},
        method="OPTIONS",
    )
    assert status == 400 and "access-control-allow-origin" not in {k.lower() for k in headers}


def test_embed_query_redirects_to_the_widget(app_url):
    req = urllib.request.Request(app_url + "/?embed=1&user=s42")
    opener = urllib.request.build_opener(
        type(
            "NoRedirect",
            (urllib.request.HTTPRedirectHandler,),
            {"redirect_request": lambda *a, **k: None},
        )
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(req, timeout=30)
    assert info.value.code == 307 and info.value.headers["location"] == "/widget/?user=s42"


@pytest.mark.parametrize(
    "path",
    [
        "/widget/gradio_api/upload",
        "/widget/gradio_api/upload_progress",
        "/docs",
        "/openapi.json",
        "/gradio_api/mcp/sse",
        "/monitoring",
    ],
)
def test_routes_the_app_does_not_need_are_refused(app_url, path):
    status, _, body = _get(
        app_url + path,
        method="POST" if "upload" in path else "GET",
        data=b"" if "upload" in path else None,
    )
    assert status == 404 and "not served" in body


def test_index_and_feedback_files_are_not_served(app_url, assistant, feedback_path):
    for target in (assistant.index.folder / "manifest.json", feedback_path):
        status, _, body = _get(f"{app_url}/gradio_api/file={target.resolve()}")
        assert status in (403, 404), body[:200]
        assert "passage_ids" not in body and '"model"' not in body


def test_reading_page_marks_the_sentence(app_url, assistant):
    answer = assistant.ask("What does USFK stand for?")
    p = answer.passages[0]
    status, _, body = _get(f"{app_url}/reading/{p.doc}?hl={p.highlight_start}-{p.highlight_end}")
    assert status == 200 and f'id="r-{p.doc}-p{p.paragraph}"' in body
    assert "<mark>" in body and 'class="qa-para qa-cited"' in body
    assert _get(f"{app_url}/reading/no-such-reading")[0] == 404
    assert _get(f"{app_url}/reading/{p.doc}?hl=<script>")[0] == 200


def test_web_component_script_is_served_by_the_app(app_url):
    status, headers, body = _get(app_url + "/gradio.js")
    assert status == 200 and "javascript" in headers.get("content-type", "") and "./assets/" in body
    asset = body.split('"')[1].lstrip("./")
    assert _get(f"{app_url}/{asset}")[0] == 200


def test_rate_limit_31st_question_gets_the_message_other_clients_unaffected(app_url):
    from gradio_client import Client

    limited = Client(
        app_url + "/", verbose=False, headers={USER_HEADER: sign_user("busy-student", SECRET)}
    )
    for _ in range(30):
        assert "passages" in limited.predict(question="Who is Xavier T. Brunson?", api_name="/ask")
    over = limited.predict(question="Who is Xavier T. Brunson?", api_name="/ask")
    assert (
        over["error"] == "rate_limited"
        and "wait" in over["message"]
        and 0 < over["retry_after"] <= 60
    )
    other_user = Client(
        app_url + "/", verbose=False, headers={USER_HEADER: sign_user("another-student", SECRET)}
    )
    assert "passages" in other_user.predict(question="Who is Xavier T. Brunson?", api_name="/ask")
    other_ip = Client(
        app_url + "/", verbose=False, headers={"X-Forwarded-For": "10.9.8.7"}
    )  # the proxy is trusted here
    assert "passages" in other_ip.predict(question="Who is Xavier T. Brunson?", api_name="/ask")
    # An unsigned id is no way round the limit: it counts as the address it comes from.
    dodger = Client(
        app_url + "/",
        verbose=False,
        headers={"X-Forwarded-For": "10.9.8.7", USER_HEADER: "a-new-id"},
    )
    for _ in range(29):
        dodger.predict(question="Who is Xavier T. Brunson?", api_name="/ask")
    assert (
        dodger.predict(question="Who is Xavier T. Brunson?", api_name="/ask")["error"]
        == "rate_limited"
    )


def test_behind_a_proxy_under_a_sub_path(assistant):
    """--root-path /assistant behind a proxy that strips the prefix: pages, redirect, reading links,
    API."""
    from gradio_client import Client
    from starlette.responses import PlainTextResponse

    app = create_app(assistant, WebSettings(root_path="/assistant", rate_limit=0))

    async def proxy(
        scope, receive, send
    ):  # like nginx `location /assistant/ { proxy_pass http://app/; }`
        if scope["type"] in ("http", "websocket"):
            if not scope["path"].startswith("/assistant"):
                return await PlainTextResponse("outside the proxy", status_code=404)(
                    scope, receive, send
                )
            inner = scope["path"][len("/assistant") :] or "/"
            scope = dict(scope, path=inner, raw_path=inner.encode())
        await app(scope, receive, send)

    with serve_app(proxy) as url:
        for page in ("/assistant/", "/assistant/widget/"):
            status, _, body = _get(url + page)
            assert (
                status == 200 and f"{url}{page.rstrip('/')}" in body
            )  # Gradio's config names the public address
        opener = urllib.request.build_opener(
            type(
                "NoRedirect",
                (urllib.request.HTTPRedirectHandler,),
                {"redirect_request": lambda *a, **k: None},
            )
        )
        with pytest.raises(urllib.error.HTTPError) as info:
            opener.open(url + "/assistant/?embed=1", timeout=30)
        assert info.value.headers["location"] == "/assistant/widget/"
        assert _get(url + "/assistant/reading/south-korea-us-alliance")[0] == 200
        client = Client(url + "/assistant/", verbose=False)
        assert client.predict(question="What does USFK stand for?", api_name="/ask")["passages"]
        status, _, body = _get(
            url + "/assistant/api/ask",
            {"Content-Type": "application/json"},
            method="POST",
            data=b'{"question": "What does USFK stand for?"}',
        )
        assert status == 200 and json.loads(body)["passages"]
