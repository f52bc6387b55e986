"""The Evaluate tab's switch: `QA_EVALUATE` read, and `app.py` passing `--no-evaluate` or the
variable to the server (stubbed), an unknown value refused.

The served app with and without the tab is tested in tests/app/test_web_evaluate.py, and an
instructor's run in Chromium in tests/browser/test_web_evaluate.py.
"""

from __future__ import annotations

import pytest

from qa.errors import UsageError
from qa.web.app import EVALUATE_ENV, env_flag
from tests.support.app_main import run_app_main

# ---------------------------------------------------------------------------- the switch


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", True),
        ("1", True),
        ("true", True),
        (" On ", True),
        ("0", False),
        ("false", False),
        ("NO", False),
    ],
)
def test_the_environment_flag(monkeypatch, value, expected):
    monkeypatch.setenv(EVALUATE_ENV, value)
    assert env_flag(EVALUATE_ENV, True) is expected


def test_an_unknown_environment_value_is_named_in_the_error(monkeypatch):
    monkeypatch.setenv(EVALUATE_ENV, "maybe")
    with pytest.raises(UsageError, match="QA_EVALUATE='maybe'"):
        env_flag(EVALUATE_ENV, True)


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        ([], None, True),
        (["--no-evaluate"], None, False),
        ([], "0", False),
        ([], "true", True),
        (["--evaluate"], "0", True),  # the flag wins over the environment
        (["--no-evaluate"], "1", False),
    ],
)
def test_app_py_passes_the_switch_to_the_server(monkeypatch, tmp_path, argv, env, expected):
    code, seen = run_app_main(
        monkeypatch, tmp_path, argv, None if env is None else {EVALUATE_ENV: env}
    )
    assert code == 0
    assert [s.evaluate for s in seen[:1]] == [expected]


def test_app_py_refuses_an_unknown_environment_value(monkeypatch, tmp_path, capsys):
    import qa.web.app

    monkeypatch.setenv(EVALUATE_ENV, "sometimes")
    assert qa.web.app.main(["--index", str(tmp_path), "--port", "8126"]) == 2
    assert "QA_EVALUATE='sometimes'" in capsys.readouterr().err


# ---------------------------------------------------------------------------- served, with the tab


# -------------------------------------------------------------------------- served, without the tab
