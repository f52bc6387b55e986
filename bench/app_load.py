"""The app under load: start to first answer, many concurrent API clients, peak memory.

The app is started as a user starts it (`python app.py --host 127.0.0.1 --port N --index DIR`) and
asked through its public API endpoint `/ask` with `gradio_client`, one client per simulated
student, all asking at once. Memory is the resident set of the app's whole process tree, sampled
from /proc every 50 ms from start to stop.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["AppRun", "RssSampler", "free_port", "tree_rss_mb", "tree_cpu_s", "import_seconds", "run_app_benchmark"]


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

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def import_seconds(modules: list[str], python: str = sys.executable) -> float:
    """Seconds a fresh interpreter takes to import `modules` (the floor under any start time)."""
    code = "import time; t = time.perf_counter()\n" + "".join(f"import {m}\n" for m in modules) + "print(time.perf_counter() - t)"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    return float(out.stdout.strip().splitlines()[-1])


@dataclass
class AppRun:
    """What one run of the app measured."""

    ready_s: float = 0.0
    first_answer_s: float = 0.0
    sequential_s: list[float] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    app_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0
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


def _client(url: str, headers: dict[str, str] | None = None):
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False, analytics_enabled=False, headers=headers)


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
) -> AppRun:
    """Start the app on a free port, time its first answer, then `clients` clients asking `per_client` questions each at once.

    Args:
        app: the app's entry point (app.py).
        index: an existing index folder for `--index`.
        questions: the questions to ask; client c asks questions c*per_client.. (wrapping around).
        clients: concurrent API clients.
        per_client: questions each client asks, one after the other.
        timeout: seconds to wait for the app to serve its first answer.
        env: environment of the app process.
        log: file for the app's output (a temporary one when None).
        user_header: a header naming the user; each client sends its own value, as each student
            of a course platform would (all clients share one IP here, which a per-IP limit would throttle).

    Returns:
        An `AppRun`; the app is always stopped before this returns.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = Path(log) if log else Path(index).parent / f"app-{port}.log"
    run = AppRun()
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(app), "--host", "127.0.0.1", "--port", str(port), "--index", str(index)],
            cwd=str(Path(app).resolve().parent), stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    try:
        with RssSampler(proc.pid) as sampler:
            _wait_http(url, proc, timeout)
            run.ready_s = time.perf_counter() - started
            _check(_client(url, user_header and {user_header: "bench-first"}).predict(question=questions[0], api_name="/ask"))
            run.first_answer_s = time.perf_counter() - started
            alone = _client(url, user_header and {user_header: "bench-alone"})
            for i, q in enumerate(questions[:per_client]):  # one client on its own: the round trip without contention
                t = time.perf_counter()
                try:
                    _check(alone.predict(question=q, api_name="/ask"))
                    run.sequential_s.append(time.perf_counter() - t)
                except Exception as exc:  # counted like the concurrent clients' failures
                    run.errors.append(f"client alone question {i}: {type(exc).__name__}: {str(exc)[:200]}")

            barrier = threading.Barrier(clients)
            lock = threading.Lock()

            def student(c: int) -> None:
                try:
                    client = _client(url, user_header and {user_header: f"bench-student-{c}"})
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
                        _check(client.predict(question=q, api_name="/ask"))
                        with lock:
                            run.latencies_s.append(time.perf_counter() - t)
                    except Exception as exc:  # every failure mode of a request counts as one error
                        with lock:
                            run.errors.append(f"client {c} question {i}: {type(exc).__name__}: {str(exc)[:200]}")

            t0, app_cpu, own_cpu = time.perf_counter(), tree_cpu_s(proc.pid), sum(os.times()[:2])
            threads = [threading.Thread(target=student, args=(c,)) for c in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            run.wall_s = time.perf_counter() - t0
            run.app_cpu_s = tree_cpu_s(proc.pid) - app_cpu
            run.client_cpu_s = sum(os.times()[:2]) - own_cpu
        run.peak_rss_mb = sampler.peak_mb
    finally:
        _stop(proc)
        run.log_tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
    return run


def _check(result) -> None:
    """Raise when an API result is empty or reports an error (e.g. {"error": "rate_limited", ...})."""
    if result in (None, "", [], {}):
        raise ValueError("empty answer")
    if isinstance(result, dict) and result.get("error"):
        raise ValueError(f"the app answered with an error: {result.get('error')}: {str(result.get('message', ''))[:120]}")


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
