"""app.py's instructor settings with the server stubbed out: the password file, proxies and secret
read; bad settings refused with a clear message; no password, no area."""

from __future__ import annotations

import pytest

from qa.answering.assistant import Assistant


def _main(monkeypatch, tmp_path, argv, env=None):
    """Run `app.py` with its model, index and server stubbed; returns (exit code, settings given to
    create_app)."""
    import types

    import uvicorn

    import qa.web.app

    for name in ("QA_INSTRUCTOR_PASSWORD", "QA_TRUSTED_PROXIES", "QA_USER_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    seen = []
    monkeypatch.setattr(
        Assistant,
        "open",
        classmethod(
            lambda cls, *a, **k: types.SimpleNamespace(
                index=types.SimpleNamespace(corpus=None, manifest=types.SimpleNamespace(skipped=()))
            )
        ),
    )
    monkeypatch.setattr(
        qa.web.app, "create_app", lambda assistant, settings: seen.append(settings) or object()
    )
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.append(kw))
    code = qa.web.app.main(
        ["--index", str(tmp_path), "--feedback-log", "", "--port", "8127", *argv]
    )
    return code, seen


def test_app_py_reads_the_password_file_proxies_and_secret(monkeypatch, tmp_path):
    secret_file = tmp_path / "pw"
    secret_file.write_text("  a long passphrase  \nsecond line ignored\n", encoding="utf-8")
    code, seen = _main(
        monkeypatch,
        tmp_path,
        [
            "--instructor-password-file",
            str(secret_file),
            "--trusted-proxies",
            "127.0.0.1,10.0.0.0/8",
        ],
        {"QA_USER_SECRET": "s3"},
    )
    settings, server = seen
    assert (
        code == 0
        and settings.instructor_password == "a long passphrase"
        and settings.user_secret == "s3"
    )
    assert [str(n) for n in settings.trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/8"]
    assert (
        server["proxy_headers"] is False
    )  # uvicorn's own forwarded handling would trust 127.0.0.1


def test_app_py_without_a_password_has_no_area(monkeypatch, tmp_path):
    code, seen = _main(monkeypatch, tmp_path, [])
    assert (
        code == 0
        and seen[0].instructor_password is None
        and seen[0].trusted_proxies == ()
        and seen[0].user_secret is None
    )


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (
            [],
            {"QA_INSTRUCTOR_PASSWORD": "short"},
            "QA_INSTRUCTOR_PASSWORD: the instructor password has 5 characters",
        ),
        (
            ["--instructor-password-file", "/nonexistent/pw"],
            {},
            "--instructor-password-file /nonexistent/pw: cannot be read",
        ),
        (["--trusted-proxies", "localhost"], {}, "trusted proxy 'localhost'"),
        ([], {"QA_TRUSTED_PROXIES": "10.0.0.0/40"}, "trusted proxy '10.0.0.0/40'"),
    ],
)
def test_app_py_refuses_bad_settings_with_a_clear_message(
    monkeypatch, tmp_path, capsys, argv, env, message
):
    code, seen = _main(monkeypatch, tmp_path, argv, env)
    assert code == 2 and not seen and message in capsys.readouterr().err
