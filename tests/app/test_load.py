"""Load: 200 questions from 20 concurrent API clients against `python app.py`, launched as a
process.

The app runs as students would meet it (its own process, default host, a free port, the
session's index and a feedback log). Every answer under load must equal the one given when the
same question is asked alone; nothing may fail; the app's memory must stay steady; the
per-client rate limit must hold when one client fires many questions at once; and the server
must listen on 127.0.0.1 only. No timing is asserted.

"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qa.web.clients import sign_user
from qa.web.ratelimit import USER_HEADER
from tests.support.paths import QUESTIONS, ROOT

SECRET = "load-tests-secret"

CLIENTS, PER_CLIENT = 20, 10
RATE_LIMIT = 12  # questions a minute per client: above what each load client asks, below a burst
RSS_GROWTH_MB = 300
ANSWERED = "What did Rumsfeld seek for U.S. forces?"  # answered by the bundled reading


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class LaunchedApp:
    def __init__(self, proc: subprocess.Popen, port: int, feedback: Path, log: Path):
        self.proc, self.port, self.feedback, self.log = proc, port, feedback, log
        self.url = f"http://127.0.0.1:{port}"

    def client(self, user: str):
        from gradio_client import Client

        # Each client is one student, with an id signed as a course platform signs it.
        return Client(self.url + "/", verbose=False, headers={USER_HEADER: sign_user(user, SECRET)})


@pytest.fixture(scope="module")
def app(built_index, tmp_path_factory):
    """`python app.py` with its default host on a free port; stopped at the end of the module."""
    folder = tmp_path_factory.mktemp("load")
    feedback, log = folder / "feedback.jsonl", folder / "app.log"
    port = _free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "QA_USER_SECRET": SECRET,
    }
    args = [
        sys.executable,
        str(ROOT / "app.py"),
        "--port",
        str(port),
        "--index",
        str(built_index),
        "--feedback-log",
        str(feedback),
        "--rate-limit",
        str(RATE_LIMIT),
        "--concurrency",
        "8",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"app.py exited with {proc.returncode}:\n{log.read_text(errors='replace')}"
                )
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"app.py did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.5)
        yield LaunchedApp(proc, port, feedback, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def _questions() -> list[tuple[str, tuple[str, ...]]]:
    rows = [
        json.loads(line)
        for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [(r["question"], tuple(r.get("history") or ())) for r in rows]


def _ask(client, question: str, history: tuple[str, ...]) -> dict:
    if history:
        return client.predict(question=question, history=list(history), api_name="/ask")
    return client.predict(question=question, api_name="/ask")


def test_the_launched_app_listens_on_127_0_0_1_only(app):
    """Read the kernel's socket tables: every listening socket on the port is 127.0.0.1."""
    port_hex = f"{app.port:04X}"
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, state = fields[1], fields[3]
            if state == "0A" and address.endswith(":" + port_hex):
                listening.append((table, address.split(":")[0]))
    assert listening == [("/proc/net/tcp", "0100007F")], listening


def test_200_questions_from_20_clients_get_the_answers_given_one_by_one(app):
    questions = _questions()
    load = [questions[i % len(questions)] for i in range(CLIENTS * PER_CLIENT)]
    # One by one first (spread over client ids so the rate limit does not apply).
    alone = {}
    for i, (question, history) in enumerate(questions):
        if i % (RATE_LIMIT - 1) == 0:
            client = app.client(f"alone-{i}")
        alone[(question, history)] = _ask(client, question, history)
    assert not [a for a in alone.values() if "error" in a]
    rss_before = _rss_mb(app.proc.pid)

    def student(n: int) -> list[tuple[tuple[str, tuple[str, ...]], dict]]:
        client = app.client(f"student-{n}")
        mine = load[n * PER_CLIENT : (n + 1) * PER_CLIENT]
        return [(item, _ask(client, *item)) for item in mine]

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = [pair for batch in pool.map(student, range(CLIENTS)) for pair in batch]
    rss_after = _rss_mb(app.proc.pid)

    assert len(results) == CLIENTS * PER_CLIENT
    errors = [(item, r) for item, r in results if "error" in r or "passages" not in r]
    assert not errors, errors[:3]
    differ = [
        item[0]
        for item, r in results
        if [p["id"] for p in r["passages"]] != [p["id"] for p in alone[item]["passages"]]
        or (r["abstained"], r["answer"]) != (alone[item]["abstained"], alone[item]["answer"])
    ]
    assert not differ, differ[:5]
    assert app.proc.poll() is None, "the app is still up"
    assert rss_after - rss_before < RSS_GROWTH_MB, (rss_before, rss_after)
    # Every answered question reached the feedback log as one whole line.
    records = [json.loads(line) for line in app.feedback.read_text(encoding="utf-8").splitlines()]
    assert sum(r["kind"] == "question" for r in records) >= len(questions) + CLIENTS * PER_CLIENT


def test_the_rate_limit_holds_for_a_burst_from_one_client(app):
    """One client fires 20 questions at once: exactly the limit is answered, the rest get the
    message."""
    client = app.client("burst-student")
    jobs = [client.submit(question=ANSWERED, api_name="/ask") for _ in range(20)]
    results = [job.result(timeout=300) for job in jobs]
    answered = [r for r in results if "passages" in r and not r["abstained"]]
    limited = [r for r in results if r.get("error") == "rate_limited"]
    assert len(answered) == RATE_LIMIT and len(limited) == 20 - RATE_LIMIT
    assert all("wait" in r["message"] and 0 < r["retry_after"] <= 60 for r in limited)
    calm = app.client("calm-student").predict(question=ANSWERED, api_name="/ask")
    assert "passages" in calm and not calm["abstained"]
