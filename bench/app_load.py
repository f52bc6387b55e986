"""The app under load: start to first answer, many concurrent API clients, peak memory.

The app is started as a user starts it (`python app.py --host 127.0.0.1 --port N --index DIR`, with
its feedback log beside the app's log, not in the checkout), once per kind of client, and asked by
one client per simulated student, all at once, through a public, documented API (`CLIENTS`): the
JSON API `POST /api/ask` and Gradio's HTTP API, both spoken by light asyncio clients in a process
of their own (bench/load_client.py), and the `/ask` endpoint through `gradio_client`, whose
threads run in this process. Every answer is checked.
The app's CPU is read from /proc just around the concurrent part, the clients' from their own
process. Memory is the resident set of the app's whole process tree, sampled every 50 ms from
start to stop.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.load_client import check_answer, user_value

__all__ = [
    "AppRun",
    "LoadRun",
    "CLIENTS",
    "RssSampler",
    "free_port",
    "tree_rss_mb",
    "tree_cpu_s",
    "import_seconds",
    "run_app_benchmark",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            out.extend(int(c) for c in text.split())
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p not in out:
            out.append(p)
            todo.extend(_children(p))
    return out


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live descendants."""
    total = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB (0 when it has exited)."""
    total_kb, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
                    break
        except OSError:
            continue
        todo.extend(_children(p))
    return total_kb / 1024


class RssSampler:
    """Samples `tree_rss_mb(pid)` in a background thread; `peak_mb` is the largest sample."""

    def __init__(self, pid: int, every: float = 0.05):
        self.pid, self.every, self.peak_mb = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self._stop.wait(self.every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def import_seconds(modules: list[str], python: str = sys.executable) -> float:
    """Seconds a fresh interpreter takes to import `modules` (the floor under any start time)."""
    code = (
        "import time; t = time.perf_counter()\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


_HTTPX = "asyncio + httpx in a separate process, one connection and user id per student"
CLIENTS = {
    "rest": f"{_HTTPX}: POST /api/ask (the JSON API)",
    "gradio": f"{_HTTPX}: Gradio's HTTP API (POST /gradio_api/call/ask, then its event stream)",
    "gradio_client": (
        "gradio_client.Client, one per student, threads in the benchmark's own process: /ask"
    ),
}


@dataclass
class LoadRun:
    """One kind of client against a freshly started app: a lone client, then all clients at once."""

    client: str
    sequential_s: list[float] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    app_cpu_s: float = 0.0
    client_cpu_s: float = 0.0


@dataclass
class AppRun:
    """What one run of the app measured: its first start, then one load per kind of client."""

    ready_s: float = 0.0
    first_answer_s: float = 0.0
    peak_rss_mb: float = 0.0
    loads: dict[str, LoadRun] = field(default_factory=dict)
    log_tail: str = ""


def _wait_http(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with code {proc.returncode} before it served {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def _post_ask(url: str, question: str, headers: dict[str, str] | None = None) -> dict:
    """One question through `POST /api/ask` with the standard library."""
    req = urllib.request.Request(
        url + "api/ask",
        data=json.dumps({"question": question}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def _http_load(
    url: str,
    protocol: str,
    questions: list[str],
    app_pid: int,
    clients: int,
    per_client: int,
    user_header: str | None,
    folder: Path,
    timeout: float,
) -> LoadRun:
    """Run bench/load_client.py in its own process; the app's CPU is read just around the concurrent
    part."""
    qfile = folder / f"questions-{os.getpid()}-{protocol}.json"
    qfile.write_text(json.dumps(questions), encoding="utf-8")
    cmd = [
        sys.executable,
        str(Path(__file__).with_name("load_client.py")),
        url,
        "--protocol",
        protocol,
        "--clients",
        str(clients),
        "--per-client",
        str(per_client),
        "--questions",
        str(qfile),
        "--wait",
    ] + (["--user-header", user_header] if user_header else [])
    run = LoadRun(CLIENTS[protocol])
    client = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        if not client.stdout.readline().strip():
            raise RuntimeError(f"the load client stopped: {client.stderr.read()[-1000:]}")
        app_cpu = tree_cpu_s(app_pid)
        client.stdin.write("go\n")
        client.stdin.flush()
        line = client.stdout.readline()
        run.app_cpu_s = tree_cpu_s(app_pid) - app_cpu
        if not line.strip():
            raise RuntimeError(f"the load client stopped: {client.stderr.read()[-1000:]}")
        client.wait(timeout=timeout)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
        qfile.unlink(missing_ok=True)
    out = json.loads(line)
    run.sequential_s, run.latencies_s, run.errors = (
        out["alone_s"],
        out["latencies_s"],
        out["errors"],
    )
    run.wall_s, run.client_cpu_s = out["wall_s"], out["cpu_s"]
    return run


def _client(url: str, headers: dict[str, str] | None = None):
    from gradio_client import Client

    return Client(
        url, verbose=False, download_files=False, analytics_enabled=False, headers=headers
    )


def _gradio_client_load(
    url: str,
    questions: list[str],
    app_pid: int,
    clients: int,
    per_client: int,
    user_header: str | None,
    timeout: float,
) -> LoadRun:
    """`clients` gradio_client clients as threads of this process (their CPU is this process's)."""
    run = LoadRun(CLIENTS["gradio_client"])
    n = clients * per_client
    alone = _client(url, user_header and {user_header: user_value("bench-alone")})
    for i in range(per_client):  # one client on its own: the round trip without contention
        q = questions[(n + i) % len(questions)]
        t = time.perf_counter()
        try:
            check_answer(alone.predict(question=q, api_name="/ask"), q)
            run.sequential_s.append(time.perf_counter() - t)
        except Exception as exc:  # counted like the concurrent clients' failures
            run.errors.append(f"client alone question {i}: {type(exc).__name__}: {str(exc)[:200]}")

    barrier = threading.Barrier(clients)
    lock = threading.Lock()

    def student(c: int) -> None:
        try:
            client = _client(url, user_header and {user_header: user_value(f"bench-student-{c}")})
        except Exception as exc:  # a refused connection is an error to count, not a crash
            with lock:
                run.errors.append(f"client {c}: {type(exc).__name__}: {exc}")
            barrier.abort()
            return
        try:
            barrier.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            pass
        for i in range(per_client):
            q = questions[(c * per_client + i) % len(questions)]
            t = time.perf_counter()
            try:
                check_answer(client.predict(question=q, api_name="/ask"), q)
                with lock:
                    run.latencies_s.append(time.perf_counter() - t)
            except Exception as exc:  # every failure mode of a request counts as one error
                with lock:
                    run.errors.append(
                        f"client {c} question {i}: {type(exc).__name__}: {str(exc)[:200]}"
                    )

    t0, app_cpu, own_cpu = time.perf_counter(), tree_cpu_s(app_pid), sum(os.times()[:2])
    threads = [threading.Thread(target=student, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.wall_s = time.perf_counter() - t0
    run.app_cpu_s = tree_cpu_s(app_pid) - app_cpu
    run.client_cpu_s = sum(os.times()[:2]) - own_cpu
    return run


def run_app_benchmark(
    app: Path,
    index: Path,
    questions: list[str],
    *,
    clients: int = 16,
    per_client: int = 8,
    timeout: float = 300.0,
    env: dict | None = None,
    log: Path | None = None,
    user_header: str | None = None,
    protocols: tuple[str, ...] = ("rest", "gradio", "gradio_client"),
) -> AppRun:
    """Time the app's first answer; then per kind of client: a fresh start, one client, all at once.

    Each kind of client meets a freshly started app and asks the same questions, so none profits
    from query vectors another one left in the app's cache. The first answer goes through
    `POST /api/ask`.

    Args:
        app: the app's entry point (app.py).
        index: an existing index folder for `--index`.
        questions: distinct questions; client c asks questions[c*per_client + i], the lone client
            the `per_client` after those, the first answer the one after that (wrapping around).
        clients: concurrent API clients.
        per_client: questions each client asks, one after the other.
        timeout: seconds to wait for the app to serve its first page.
        env: environment of the app process.
        log: file for the app's output (a temporary one when None).
        user_header: a header naming the user; each client sends its own value, as each student
            of a course platform would (all clients share one IP here, which a per-IP limit would
            throttle).
        protocols: the kinds of client, in order: "rest", "gradio" (both bench/load_client.py),
            "gradio_client".

    Returns:
        An `AppRun`; the app is always stopped before this returns.
    """
    unknown = [p for p in protocols if p not in CLIENTS]
    if unknown:
        raise ValueError(
            f"unknown kind of client {unknown[0]!r}; the kinds are {', '.join(CLIENTS)}"
        )
    log = Path(log) if log else Path(index).parent / f"app-{os.getpid()}.log"
    feedback = log.with_name(log.stem + "-feedback.jsonl")
    run = AppRun()
    tails = []
    first = questions[(clients * per_client + per_client) % len(questions)]
    for n, protocol in enumerate(protocols):
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        started = time.perf_counter()
        proc = _start_app(app, index, port, feedback, log, env)
        try:
            with RssSampler(proc.pid) as sampler:
                _wait_http(url, proc, timeout)
                if n == 0:
                    run.ready_s = time.perf_counter() - started
                    header = user_header and {user_header: user_value("bench-first")}
                    check_answer(_post_ask(url, first, header), first)
                    run.first_answer_s = time.perf_counter() - started
                run.loads[protocol] = _load(
                    url,
                    protocol,
                    questions,
                    proc.pid,
                    clients,
                    per_client,
                    user_header,
                    log,
                    timeout,
                )
            run.peak_rss_mb = max(run.peak_rss_mb, sampler.peak_mb)
        finally:
            _stop(proc)
            tails.append(log.read_text(errors="replace")[-2000:] if log.is_file() else "")
    run.log_tail = "\n".join(t for t in tails if t.strip())[-4000:]
    for path in (feedback, Path(str(feedback) + ".lock")):
        path.unlink(missing_ok=True)
    return run


def _start_app(
    app: Path, index: Path, port: int, feedback: Path, log: Path, env: dict | None
) -> subprocess.Popen:
    """Start the app on `port`, its output to `log`, in a process group of its own."""
    # The feedback log is written as by default, but beside the log, not in the checkout.
    command = [sys.executable, str(app), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--index", str(index), "--feedback-log", str(feedback)]
    with log.open("w") as out:
        return subprocess.Popen(
            command,
            cwd=str(Path(app).resolve().parent),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def _load(
    url: str,
    protocol: str,
    questions: list[str],
    pid: int,
    clients: int,
    per_client: int,
    user_header: str | None,
    log: Path,
    timeout: float,
):
    """The load figures of one kind of client against a started app."""
    if protocol == "gradio_client":
        return _gradio_client_load(url, questions, pid, clients, per_client, user_header, timeout)
    return _http_load(
        url, protocol, questions, pid, clients, per_client, user_header, log.parent, timeout
    )


def _stop(proc: subprocess.Popen) -> None:
    """Stop the app's process group: SIGTERM, then SIGKILL after 10 s."""
    import signal

    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)
