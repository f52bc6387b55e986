"""`app.py`'s `main` run with its model, index and server stubbed: what it would serve."""

from __future__ import annotations

import types

APP_ENV = ("QA_INSTRUCTOR_PASSWORD", "QA_TRUSTED_PROXIES", "QA_USER_SECRET", "QA_EVALUATE")


def run_app_main(monkeypatch, tmp_path, argv, env=None) -> tuple[int, list]:
    """Run `app.py` with `argv` and only `env` of its settings' variables set.

    Returns:
        (exit code, [the WebSettings given to create_app, the keyword arguments of uvicorn.run]),
        as far as the start got.
    """
    import uvicorn

    import qa.web.app
    from qa.answering.assistant import Assistant

    for name in APP_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    stand_in = types.SimpleNamespace(
        index=types.SimpleNamespace(corpus=None, manifest=types.SimpleNamespace(skipped=()))
    )
    seen: list = []
    monkeypatch.setattr(Assistant, "open", classmethod(lambda cls, *a, **k: stand_in))
    monkeypatch.setattr(
        qa.web.app, "create_app", lambda assistant, settings: seen.append(settings) or object()
    )
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.append(kw))
    code = qa.web.app.main(
        ["--index", str(tmp_path), "--feedback-log", "", "--port", "8127", *argv]
    )
    return code, seen
