"""app.py's instructor settings with the server stubbed out: the password file, proxies and secret
read; bad settings refused with a clear message; no password, no area."""

from __future__ import annotations

import pytest

from tests.support.app_main import run_app_main


def test_app_py_reads_the_password_file_proxies_and_secret(monkeypatch, tmp_path):
    secret_file = tmp_path / "pw"
    secret_file.write_text("  a long passphrase  \nsecond line ignored\n", encoding="utf-8")
    code, seen = run_app_main(
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
    code, seen = run_app_main(monkeypatch, tmp_path, [])
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
    code, seen = run_app_main(monkeypatch, tmp_path, argv, env)
    assert code == 2 and not seen and message in capsys.readouterr().err
