"""The `qa` command run inside the test process, as the CLI tests of every layer run it."""

from __future__ import annotations

import io
import sys

from qa.cli import main


def run_cli(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    """`qa ARGV…` with `stdin` as its input; (exit code, stdout, stderr). No run shows a traceback.

    Example: run_cli(capsys, "ask", "Who?", "--index", "idx") -> (0, "…", "")
    """
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out, err


def ask_lines(capsys, monkeypatch, lines: list[str], *argv: str) -> tuple[int, str, str]:
    """`qa ask --json - ARGV…` with `lines` on standard input, one a line; as `run_cli`.

    Example: ask_lines(capsys, monkeypatch, ["Who?", '{"question": "When?"}'], "--index", "idx")
    """
    return run_cli(
        capsys,
        "ask",
        "--json",
        "-",
        *argv,
        stdin="\n".join(lines) + "\n",
        monkeypatch=monkeypatch,
    )
