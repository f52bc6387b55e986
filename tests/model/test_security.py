"""app.py binds the host it is given (127.0.0.1 by default), with the real index and the server
stubbed out."""

from __future__ import annotations


def test_app_py_binds_the_host_it_is_given(monkeypatch, built_index, tmp_path):
    """Defaults to 127.0.0.1; --host is passed to the server as given (app.py's launch is in
    test_load.py)."""
    import uvicorn

    from qa.web.app import build_parser, main

    assert build_parser().parse_args([]).host == "127.0.0.1"
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    assert (
        main(
            [
                "--index",
                str(built_index),
                "--feedback-log",
                str(tmp_path / "f.jsonl"),
                "--port",
                "8123",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--index",
                str(built_index),
                "--feedback-log",
                "",
                "--host",
                "0.0.0.0",
                "--port",
                "8124",
            ]
        )
        == 0
    )
    assert [(c["host"], c["port"]) for c in calls] == [("127.0.0.1", 8123), ("0.0.0.0", 8124)]
