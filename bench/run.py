"""`make bench`: speed of the reading assistant beside the common RAG baseline, in one run.

Four parts, each timing ours and the baseline (bench/baseline.py) in the same process, interleaved,
so that a noisy shared machine slows both alike; the ratios are the figures to read.
  1. build: index build wall time and chunks/s, the bundled reading and a synthetic corpus of
     several hundred chunks (bench/corpus.py), from an empty index folder each time;
  2. latency: per-question time in process (warm), p50/p95, over a few hundred distinct questions;
  3. app: start to first answer, 16 concurrent API clients x 8 questions, peak memory
     (bench/app_load.py);
  4. scale: per-question time over 1k, 10k and 100k synthetic chunks with random unit vectors;
  5. search: vector search alone at 1M synthetic sentence vectors, our search seam
     (qa/index/search.py: IVF at this size) vs flat FAISS, p50 and recall@10
     (bench/search_scale.py; the built IVF index is cached in bench/cache/).
Ours runs with two encoders: the int8 ONNX Runtime copy of the model that the product uses
(qa/onnx_embed.py; "onnx" below) and torch (sentence-transformers).

Usage: python bench/run.py [--quick] [--skip-app] [--out bench/results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import numpy as np  # noqa: E402

from bench.baseline import Baseline  # noqa: E402
from bench.corpus import (  # noqa: E402
    Question,
    article_sentences,
    load_questions,
    question_variants,
    synthetic_corpus,
    synthetic_index,
)

__all__ = [
    "Config",
    "QUICK",
    "percentiles",
    "bench_build",
    "bench_latency",
    "bench_scale",
    "bench_app",
    "run_benchmark",
    "render_table",
    "main",
]

ARTICLE = ROOT / "corpus" / "south-korea-us-alliance.md"
QUESTIONS = ROOT / "eval" / "questions.jsonl"


@dataclass(frozen=True)
class Config:
    """How much of everything to measure; the defaults take a few minutes on 2 cores."""

    article_reps: int = 2
    large_reps: int = 2
    synthetic_readings: int = 8
    synthetic_paragraphs: int = 40
    questions: int = 212
    large_questions: int = 53
    scale_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    scale_sentences: int = 3
    scale_queries: int = 20
    scale_budget_s: float = 20.0
    search_rows: int = 1_000_000
    app: bool = True
    app_clients: int = 16
    app_per_client: int = 8


QUICK = Config(
    article_reps=1,
    large_reps=1,
    synthetic_readings=2,
    synthetic_paragraphs=6,
    questions=12,
    large_questions=6,
    scale_sizes=(300, 1_000),
    scale_queries=3,
    search_rows=20_000,
    app=False,
)


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50, p95, mean and count of samples in seconds, reported in milliseconds.

    Example: [0.001, 0.002, 0.003] -> {'p50_ms': 2.0, 'p95_ms': 2.9, 'mean_ms': 2.0, 'n': 3}
    """
    if not samples:
        return {"p50_ms": float("nan"), "p95_ms": float("nan"), "mean_ms": float("nan"), "n": 0}
    a = np.asarray(samples, dtype=np.float64) * 1000
    return {
        "p50_ms": round(float(np.percentile(a, 50)), 3),
        "p95_ms": round(float(np.percentile(a, 95)), 3),
        "mean_ms": round(float(a.mean()), 3),
        "n": len(samples),
    }


def _interleaved(systems: dict[str, Callable[[int], None]], rounds: int) -> dict[str, list[float]]:
    """Time each system once per round, in an order that rotates every round."""
    names = list(systems)
    times: dict[str, list[float]] = {n: [] for n in names}
    for i in range(rounds):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            t = time.perf_counter()
            systems[name](i)
            times[name].append(time.perf_counter() - t)
    return times


# ---------------------------------------------------------------------------- 1. build


def bench_build(corpus: Path, work: Path, ours: dict, baseline: Baseline, reps: int) -> dict:
    """Build the corpus `reps` times with each system, each time into an empty index folder."""
    from qa.index.store import build_index

    chunks: dict[str, int] = {}
    folders: dict[str, Path] = {}

    def ours_build(name, embedder):
        def go(i):
            folder = work / f"index-{name}-{i}"
            shutil.rmtree(folder, ignore_errors=True)
            report = build_index(corpus, folder, embedder, force=True)
            chunks[name], folders[name] = report.chunks, folder
            chunks[name + "_texts"] = report.embedded_texts

        return go

    def base_build(i):
        chunks["baseline"] = baseline.build(corpus).chunks

    systems = {"baseline": base_build} | {
        f"ours_{n}": ours_build(f"ours_{n}", e) for n, e in ours.items()
    }
    times = _interleaved(systems, reps)
    out: dict = {"corpus": corpus.name, "reps": reps}
    for name, samples in times.items():
        median = statistics.median(samples)
        out[name] = {
            "seconds": [round(s, 3) for s in samples],
            "median_s": round(median, 3),
            "chunks": chunks[name],
            "chunks_per_s": round(chunks[name] / median, 1),
        }
        if name + "_texts" in chunks:
            out[name]["embedded_texts"] = chunks[name + "_texts"]
    for name in times:
        if name != "baseline":
            out[name]["ratio_to_baseline"] = round(
                out[name]["median_s"] / out["baseline"]["median_s"], 3
            )
    out["_folders"] = {k: str(v) for k, v in folders.items()}
    return out


def work_tokens(corpus: Path, embedder, baseline: Baseline) -> dict:
    """Word pieces each system gives the model for a corpus (what a build's time is mostly made
    of)."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from qa.index.chunk import chunk_reading, embedding_text
    from qa.readings.corpus import load_corpus

    def pieces(text: str) -> int:
        return min(embedder.max_tokens, embedder.count_tokens(text) + 2)

    ours = 0
    for reading in load_corpus(corpus)[0]:
        for c in chunk_reading(reading, embedder.count_tokens):
            ours += pieces(embedding_text(c.title, c.section, c.text))
            ours += sum(
                pieces(embedding_text(c.title, c.section, reading.text[s.start : s.end]))
                for s in c.sentences
            )
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=baseline.chunk_size, chunk_overlap=baseline.chunk_overlap
    )
    base = sum(
        pieces(t)
        for p in sorted(corpus.iterdir())
        if p.suffix in (".md", ".txt")
        for t in splitter.split_text(p.read_text(encoding="utf-8"))
    )
    return {"ours": ours, "baseline": base, "ratio": round(ours / base, 2)}


def bench_incremental(corpus: Path, folder: Path, embedder) -> dict:
    """Rebuild times of an existing index: nothing changed, then one reading changed."""
    from qa.index.store import build_index

    t = time.perf_counter()
    same = build_index(corpus, folder, embedder)
    unchanged_s = time.perf_counter() - t
    target = sorted(corpus.glob("*.md"))[0]
    original = target.read_text(encoding="utf-8")
    try:
        target.write_text(
            original + "\n\nOne more paragraph, added to see what a rebuild embeds.\n",
            encoding="utf-8",
        )
        t = time.perf_counter()
        changed = build_index(corpus, folder, embedder)
        changed_s = time.perf_counter() - t
    finally:
        target.write_text(original, encoding="utf-8")
    build_index(corpus, folder, embedder)
    return {
        "unchanged_s": round(unchanged_s, 3),
        "unchanged_rebuilt": same.rebuilt,
        "one_changed_s": round(changed_s, 3),
        "one_changed_embedded_readings": changed.embedded_readings,
        "readings": changed.readings,
    }


# ---------------------------------------------------------------------------- 2. latency


def bench_latency(
    folder: Path, ours: dict, baseline: Baseline, questions: list[Question], warmup: list[Question]
) -> dict:
    """Per-question time in process, warm: ours (`Assistant.ask`) and the baseline, interleaved."""
    from qa.answering.assistant import Assistant
    from qa.index.store import load_index

    index = load_index(folder)
    assistants = {n: Assistant(index, e) for n, e in ours.items()}
    systems: dict[str, Callable[[int], None]] = {
        "baseline": lambda i: baseline.ask(questions[i].text)
    }
    for name, assistant in assistants.items():
        systems[f"ours_{name}"] = (
            lambda a: lambda i: a.ask(questions[i].text, questions[i].history)
        )(assistant)
    for q in warmup:  # first calls fill caches (sentence terms, ONNX Runtime's buffers)
        baseline.ask(q.text)
        for a in assistants.values():
            a.ask(q.text, q.history)
    # Interleaved in blocks of questions rather than question by question: torch's and FAISS's
    # OpenMP threads keep spinning for a moment after each call and would slow whichever system
    # came next, which is an artefact of sharing one process, not a cost any of them has alone.
    names = list(systems)
    times: dict[str, list[float]] = {n: [] for n in names}
    block = 10
    for b, start in enumerate(range(0, len(questions), block)):
        for name in names[b % len(names) :] + names[: b % len(names)]:
            for i in range(start, min(start + block, len(questions))):
                t = time.perf_counter()
                systems[name](i)
                times[name].append(time.perf_counter() - t)
    out: dict = {
        "chunks": len(index.chunks),
        "questions": len(questions),
        "distinct": len({(q.text, q.history) for q in questions}),
    }
    for name, samples in times.items():
        out[name] = percentiles(samples)
    for name in times:
        if name != "baseline":
            out[name]["ratio_p50"] = round(out[name]["p50_ms"] / out["baseline"]["p50_ms"], 3)
            out[name]["ratio_p95"] = round(out[name]["p95_ms"] / out["baseline"]["p95_ms"], 3)
    first = next(iter(assistants.values()), None)
    if first is not None:
        out["breakdown_" + next(iter(assistants))] = _breakdown(first, questions)
    return out


def _breakdown(assistant, questions: list[Question]) -> dict:
    """Where one question's time goes: encoding the query, retrieval given the vector, the
    answer."""
    from qa.answering.answer import make_answer
    from qa.answering.retrieve import normalize_question, resolve_followup

    parts: dict[str, list[float]] = {"encode": [], "retrieve": [], "answer": []}
    for q in questions:
        t0 = time.perf_counter()
        clean, _ = normalize_question(q.text)
        query = resolve_followup(clean, [normalize_question(h)[0] for h in q.history])
        vector = assistant.embedder.embed([query])[0]
        t1 = time.perf_counter()
        retrieval = assistant.retriever.retrieve(q.text, q.history, query_vector=vector)
        t2 = time.perf_counter()
        make_answer(retrieval, assistant.texts)
        t3 = time.perf_counter()
        parts["encode"].append(t1 - t0)
        parts["retrieve"].append(t2 - t1)
        parts["answer"].append(t3 - t2)
    return {k: percentiles(v)["p50_ms"] for k, v in parts.items()}


# ---------------------------------------------------------------------------- 3. app


_COLD_START = """
import sys, time
started = time.perf_counter()
from qa.answering.assistant import Assistant
if sys.argv[1] == "onnx":
    from qa.index.onnx_embed import load_fast_embedder
    embedder = load_fast_embedder(sys.argv[3])
else:
    from qa.index.embed import load_embedder
    embedder = load_embedder("torch")
Assistant.open(sys.argv[2], embedder=embedder).ask("Who commands U.S. Indo-Pacific Command?")
print(time.perf_counter() - started, "torch" in sys.modules)
"""


def cold_start(index: Path, encoder: str, cache: Path) -> dict:
    """A fresh process: imports, the encoder, the index, one answer (no web server), with `encoder`
    "onnx" or "torch"."""
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", _COLD_START, encoder, str(index), str(cache)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    if out.returncode:
        return {"error": out.stderr[-500:]}
    seconds, torch_loaded = out.stdout.split()[-2:]
    return {"seconds": round(float(seconds), 2), "imports_torch": torch_loaded == "True"}


def bench_app(
    index: Path, questions: list[Question], config: Config, baseline_ms: dict, env: dict, log: Path
) -> dict:
    """The app as students meet it; skipped (with the reason) when app.py is missing.

    The top-level load figures are those of the first kind of client, the JSON API `POST /api/ask`
    spoken by light HTTP clients in their own process (`client` says which); `by_client` holds every
    kind: that one, Gradio's HTTP API with the same clients, and gradio_client (bench/app_load.py).
    """
    from bench.app_load import run_app_benchmark

    app = ROOT / "app.py"
    if not app.is_file():
        return {"skipped": f"{app} does not exist"}
    texts = [q.text for q in questions if not q.history]
    try:
        from qa.web.ratelimit import USER_HEADER
    except ImportError:
        USER_HEADER = None
    # Each load client is one student with an id signed as a course platform signs it (the app
    # ignores unsigned ids); the load clients, in this process or started from it, sign with it too.
    secret = os.environ.setdefault("QA_USER_SECRET", secrets.token_hex(16))
    env = {**env, "QA_USER_SECRET": secret}
    run = run_app_benchmark(
        app,
        index,
        texts,
        clients=config.app_clients,
        per_client=config.app_per_client,
        env=env,
        log=log,
        user_header=USER_HEADER,
    )

    by_client = {name: _load_figures(load, baseline_ms) for name, load in run.loads.items()}
    cache = Path(env.get("QA_CACHE_DIR", "")) if env.get("QA_CACHE_DIR") else None
    out = {
        "cold_start_in_process_s": {
            e: cold_start(index, e, cache or index) for e in ("onnx", "torch")
        },
        "ready_s": round(run.ready_s, 2),
        "first_answer_s": round(run.first_answer_s, 2),
        "imports_s": _import_seconds(),
        "clients": config.app_clients,
        "per_client": config.app_per_client,
        "requests": config.app_clients * config.app_per_client,
        **next(iter(by_client.values())),
        "errors_all_clients": sum(f["errors"] for f in by_client.values()),
        "by_client": by_client,
        "peak_rss_mb": round(run.peak_rss_mb, 1),
    }
    if out["errors_all_clients"]:
        out["log_tail"] = run.log_tail
    return out


def _load_figures(load, baseline_ms: dict) -> dict:
    """Latency, throughput, errors and CPU of one kind of client, beside the baseline's latency."""
    stats = percentiles(load.latencies_s)
    return {
        "client": load.client,
        "errors": len(load.errors),
        "error_samples": load.errors[:5],
        "one_client_alone": percentiles(load.sequential_s),
        "wall_s": round(load.wall_s, 2),
        "cpu_s_during_load": {
            "app": round(load.app_cpu_s, 2),
            "clients": round(load.client_cpu_s, 2),
            "available": round(load.wall_s * (os.cpu_count() or 1), 2),
        },
        "throughput_qps": round(len(load.latencies_s) / load.wall_s, 2) if load.wall_s else 0.0,
        **stats,
        "p95_to_baseline_p95": round(stats["p95_ms"] / baseline_ms["p95_ms"], 2),
        "p95_to_baseline_p50": round(stats["p95_ms"] / baseline_ms["p50_ms"], 2),
    }


def _import_seconds() -> dict:
    """Seconds to import what the app needs, with the ONNX runtime and with torch."""
    from bench.app_load import import_seconds

    onnx = ["gradio", "qa.answering.assistant", "qa.index.onnx_embed", "onnxruntime"]
    torch = ["gradio", "qa.answering.assistant", "torch", "sentence_transformers"]
    return {
        "gradio+qa+onnxruntime": round(import_seconds(onnx), 2),
        "gradio+qa+torch+sentence_transformers": round(import_seconds(torch), 2),
    }


# ---------------------------------------------------------------------------- 4. scale


class _HashedQueries:
    """A query encoder that costs nothing: a fixed random unit vector per text, so only search is
    timed."""

    name, dim, max_tokens, sha256 = "hashed-queries", 384, 256, "hashed-queries"

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def embed(self, texts):
        out = np.stack(
            [
                np.random.default_rng(zlib.crc32(t.encode()))
                .standard_normal(self.dim)
                .astype(np.float32)
                for t in texts
            ]
        )
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def bench_scale(sizes: tuple[int, ...], questions: list[Question], config: Config) -> dict:
    """Search time at growing sizes, query encoding excluded: ours (`Assistant.ask`) vs IndexFlatIP
    top 3."""
    import faiss

    from qa.answering.assistant import Assistant

    words = re.findall(r"[A-Za-z]+", " ".join(article_sentences(ARTICLE)))
    encoder = _HashedQueries()
    out: dict = {
        "sentences_per_chunk": config.scale_sentences,
        "note": "query encoding excluded (same cost at every size)",
    }
    for n in sizes:
        index = synthetic_index(n, config.scale_sentences, encoder.dim, words, seed=n)
        t = time.perf_counter()
        assistant = Assistant(index, encoder)
        setup_s = time.perf_counter() - t
        flat = faiss.IndexFlatIP(encoder.dim)
        flat.add(index.chunk_vectors)
        vectors = {q.text: encoder.embed([q.text]) for q in questions}
        assistant.ask(questions[0].text)  # first call pays one-off costs
        ours_t: list[float] = []
        base_t: list[float] = []
        started = time.perf_counter()
        for i, q in enumerate(questions[: config.scale_queries]):
            t = time.perf_counter()
            flat.search(vectors[q.text], 3)
            base_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            assistant.ask(q.text)
            ours_t.append(time.perf_counter() - t)
            if i >= 2 and time.perf_counter() - started > config.scale_budget_s:
                break
        ours_p, base_p = percentiles(ours_t), percentiles(base_t)
        out[str(n)] = {
            "chunks": n,
            "setup_s": round(setup_s, 2),
            "ours": ours_p,
            "baseline": base_p,
            "ratio_p50": round(ours_p["p50_ms"] / max(base_p["p50_ms"], 1e-6), 1),
        }
        del assistant, index, flat
    return out


# ---------------------------------------------------------------------------- the run


def _machine() -> dict:
    cpu = ""
    try:
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    except OSError:
        pass
    import onnxruntime
    import torch

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "onnxruntime": onnxruntime.__version__,
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _scale_parts(config: Config, shipped: list[Question], log: Callable[[str], None]) -> dict:
    """Parts 4 and 5: per-question time at growing sizes, and vector search alone at 1M."""
    from bench.search_scale import bench_search

    log("4/5 scale")
    scale = bench_scale(config.scale_sizes, shipped, config)
    log(f"5/5 search: {config.search_rows:,} sentence vectors")
    return {"scale": scale, "search": bench_search(config.search_rows, log=log)}


def run_benchmark(
    config: Config,
    ours: dict,
    baseline: Baseline,
    work: Path,
    *,
    article: Path = ARTICLE,
    questions_file: Path = QUESTIONS,
    app_env: dict | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Run every part with the given encoders; return the results (nothing written outside `work`).

    Args:
        config: how much to measure.
        ours: name -> Embedder for our pipeline (e.g. {"onnx": ..., "torch": ...}).
        baseline: the baseline pipeline with its encoder.
        work: an empty scratch folder.
        article: the bundled reading.
        questions_file: the question set to vary.
        app_env: environment for the app process (part 3).
        log: where progress lines go.
    """
    results: dict = {"config": asdict(config)}
    shipped = load_questions(questions_file)
    questions = question_variants(shipped, config.questions)

    small = work / "article"
    small.mkdir(parents=True, exist_ok=True)
    shutil.copy(article, small / article.name)
    large = synthetic_corpus(
        article, work / "synthetic", config.synthetic_readings, config.synthetic_paragraphs
    )

    log("1/5 build: the bundled reading")
    results["build_article"] = bench_build(small, work / "b1", ours, baseline, config.article_reps)
    log("1/5 build: the synthetic corpus")
    # torch's build time is known from the bundled reading; the larger one times the product's only.
    first = next(iter(ours))
    results["build_large"] = bench_build(
        large, work / "b2", {first: ours[first]}, baseline, config.large_reps
    )
    results["build_large"]["tokens"] = work_tokens(large, ours[first], baseline)
    results["build_incremental"] = bench_incremental(
        large, Path(results["build_large"]["_folders"][f"ours_{first}"]), ours[first]
    )

    log("2/5 latency: the bundled reading")
    baseline.build(small)
    article_index = Path(results["build_article"]["_folders"][f"ours_{first}"])
    results["latency_article"] = bench_latency(article_index, ours, baseline, questions, shipped)
    log("2/5 latency: the synthetic corpus")
    baseline.build(large)
    results["latency_large"] = bench_latency(
        Path(results["build_large"]["_folders"][f"ours_{first}"]),
        ours,
        baseline,
        questions[: config.large_questions],
        shipped[:10],
    )

    if config.app:
        log("3/5 app: start, 16 concurrent clients, memory")
        results["app"] = bench_app(
            article_index,
            questions,
            config,
            results["latency_article"]["baseline"],
            app_env or dict(os.environ),
            work / "app.log",
        )
    else:
        results["app"] = {"skipped": "not asked for"}

    results |= _scale_parts(config, shipped, log)
    for part in ("build_article", "build_large"):
        results[part].pop("_folders", None)
    results["targets"] = _targets(results, first)
    return results


def _targets(r: dict, first: str) -> list[dict]:
    """The issue's targets, each with the measured value and whether it holds."""
    out = []

    def add(name: str, value, limit: str, ok: bool | None):
        out.append({"target": name, "value": value, "limit": limit, "ok": ok})

    la = r["latency_article"].get(f"ours_{first}", {})
    add(
        f"per-question p50, ours ({first}) / baseline",
        la.get("ratio_p50"),
        "<= 0.5",
        la.get("ratio_p50", 9) <= 0.5,
    )
    bl = r["build_large"].get(f"ours_{first}", {})
    add(
        f"large-corpus build, ours ({first}) / baseline",
        bl.get("ratio_to_baseline"),
        "<= 1.0",
        bl.get("ratio_to_baseline", 9) <= 1.0,
    )
    search = r.get("search")
    if search:
        rows = f"{search['rows']:,}"
        ratio, recall = search["ratio_p50"], search["recall_at_10"]
        add(f"search p50 at {rows} sentences, ours / flat FAISS", ratio, "<= 1.0", ratio <= 1.0)
        add(f"search recall@10 at {rows} sentences", recall, ">= 0.99", recall >= 0.99)
    app = r.get("app", {})
    if "skipped" in app:
        add("app under 16 clients", app["skipped"], "-", None)
    else:
        errors = app.get("errors_all_clients", app["errors"])
        add("app errors (16 clients x 8, every kind of client)", errors, "== 0", errors == 0)
        add(
            f"app p95 ({app.get('client', 'api')}) / baseline in-process p95",
            app["p95_to_baseline_p95"],
            "<= 20",
            app["p95_to_baseline_p95"] <= 20,
        )
        add("app peak RSS (MiB)", app["peak_rss_mb"], "< 1024", app["peak_rss_mb"] < 1024)
        floor = app["imports_s"]["gradio+qa+onnxruntime"]
        add(
            "start to first answer / import time",
            round(app["first_answer_s"] / floor, 2),
            "dominated by imports (<= 2)",
            app["first_answer_s"] / floor <= 2,
        )
    return out


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


Row = tuple[str, str, str, str]  # figure, ours, baseline, ours/baseline


def render_table(r: dict) -> str:
    """The results as a plain-text table: figure, ours, baseline, ratio."""
    rows: list[Row] = [("figure", "ours", "baseline", "ours/baseline")]
    rows += _build_rows(r)
    rows += _latency_rows(r)
    rows += _app_rows(r)
    rows += _scale_rows(r)
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    for t in r.get("targets", []):
        mark = "n/a " if t["ok"] is None else ("PASS" if t["ok"] else "FAIL")
        lines.append(f"{mark}  {t['target']}: {t['value']} (target {t['limit']})")
    return "\n".join(lines)


def _scale_rows(r: dict) -> list[Row]:
    """Search time over growing synthetic indexes, and vector search alone at 1M sentences."""
    rows: list[Row] = []
    for key, v in r.get("scale", {}).items():
        if isinstance(v, dict):
            rows.append(
                (
                    f"scale {int(key):,} chunks, search p50 ms",
                    _fmt(v["ours"]["p50_ms"]),
                    _fmt(v["baseline"]["p50_ms"]),
                    _fmt(v["ratio_p50"]),
                )
            )
    search = r.get("search")
    if search:
        label = f"search {search['rows']:,} sentences [{search['search']['kind']}]"
        rows.append(
            (
                f"{label} p50 ms top 10 (recall@10 {search['recall_at_10']})",
                _fmt(search["ours_top10"]["p50_ms"]),
                _fmt(search["baseline_flat_top10"]["p50_ms"]),
                _fmt(search["ratio_p50"]),
            )
        )
    return rows


def _build_rows(r: dict) -> list[Row]:
    """Build time and throughput (bundled reading, synthetic corpus) and incremental rebuilds."""
    rows: list[Row] = []
    for part, label in (
        ("build_article", "build, bundled reading"),
        ("build_large", "build, synthetic corpus"),
    ):
        b = r[part]["baseline"]
        if "tokens" in r[part]:
            t = r[part]["tokens"]
            rows.append(
                (
                    f"{label}: word pieces embedded",
                    f"{t['ours']:,}",
                    f"{t['baseline']:,}",
                    _fmt(t["ratio"]),
                )
            )
        for name, v in r[part].items():
            if name.startswith("ours_"):
                rows.append(
                    (
                        f"{label} s [{name[5:]}] ({v['chunks']} vs {b['chunks']} chunks)",
                        _fmt(v["median_s"]),
                        _fmt(b["median_s"]),
                        _fmt(v["ratio_to_baseline"]),
                    )
                )
                rows.append(
                    (
                        f"{label} chunks/s [{name[5:]}]",
                        _fmt(v["chunks_per_s"]),
                        _fmt(b["chunks_per_s"]),
                        _fmt(round(v["chunks_per_s"] / b["chunks_per_s"], 3)),
                    )
                )
    inc = r.get("build_incremental", {})
    if inc:
        rows.append(("rebuild s, nothing changed", _fmt(inc["unchanged_s"]), "-", "-"))
        changed = f"rebuild s, 1 of {inc['readings']} readings changed"
        rows.append((changed, _fmt(inc["one_changed_s"]), "-", "-"))
    return rows


def _latency_rows(r: dict) -> list[Row]:
    """Per-question latency percentiles and their breakdown, bundled reading and synthetic."""
    rows: list[Row] = []
    for part, label in (
        ("latency_article", "per question ms, bundled"),
        ("latency_large", "per question ms, synthetic"),
    ):
        p = r[part]
        for name, v in p.items():
            if name.startswith("ours_"):
                for q in ("p50", "p95"):
                    rows.append(
                        (
                            f"{label} {q} [{name[5:]}] ({p['questions']} q, {p['chunks']} chunks)",
                            _fmt(v[f"{q}_ms"]),
                            _fmt(p["baseline"][f"{q}_ms"]),
                            _fmt(v[f"ratio_{q}"]),
                        )
                    )
        for key, v in p.items():
            if key.startswith("breakdown_"):
                parts = ", ".join(f"{k} {_fmt(x)}" for k, x in v.items())
                rows.append((f"{label} p50 parts [{key[10:]}]", parts, "-", "-"))
    return rows


def _app_rows(r: dict) -> list[Row]:
    """The app: start, imports, cold start, and each kind of client's latency, CPU and errors."""
    app = r.get("app", {})
    if "skipped" in app:
        return [("app", f"skipped: {app['skipped']}", "-", "-")]
    rows: list[Row] = [("app start to first answer s", _fmt(app["first_answer_s"]), "-", "-")]
    for what, v in app["imports_s"].items():
        rows.append((f"app imports alone s ({what})", _fmt(v), "-", "-"))
    for enc, v in app.get("cold_start_in_process_s", {}).items():
        seconds = _fmt(v.get("seconds", float("nan")))
        rows.append((f"fresh process to first answer s, no server [{enc}]", seconds, "-", "-"))
    bp50, bp95 = (
        r["latency_article"]["baseline"]["p50_ms"],
        r["latency_article"]["baseline"]["p95_ms"],
    )
    for kind, v in (app.get("by_client") or {app.get("client", "api"): app}).items():
        alone = v["one_client_alone"]["p50_ms"]
        rows.append(
            (
                f"app 1 client alone p50 ms, round trip [{kind}]",
                _fmt(alone),
                _fmt(bp50),
                _fmt(round(alone / bp50, 2)),
            )
        )
        rows.append(
            (
                f"app {app['clients']} clients p50 / p95 ms [{kind}]",
                f"{_fmt(v['p50_ms'])} / {_fmt(v['p95_ms'])}",
                f"{_fmt(bp50)} / {_fmt(bp95)}",
                f"{_fmt(round(v['p50_ms'] / bp50, 2))} / {_fmt(v['p95_to_baseline_p95'])}",
            )
        )
        cpu = v["cpu_s_during_load"]
        rows.append(
            (
                f"app CPU s under load: app / clients / cores' worth [{kind}]",
                f"{cpu['app']} / {cpu['clients']} / {cpu['available']}",
                "-",
                "-",
            )
        )
        rows.append(
            (f"app errors / requests [{kind}]", f"{v['errors']} / {app['requests']}", "-", "-")
        )
    rows.append(("app peak RSS MiB (process tree)", _fmt(app["peak_rss_mb"]), "-", "-"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a tiny configuration (seconds, not minutes); figures are not meaningful",
    )
    parser.add_argument("--skip-app", action="store_true", help="leave out part 3 (the app)")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench" / "results.json",
        help="where to write the JSON results",
    )
    args = parser.parse_args(argv)
    config = QUICK if args.quick else Config()
    if args.skip_app:
        config = replace(config, app=False)

    from bench.baseline import sentence_transformer_encode
    from qa.index.embed import load_embedder
    from qa.index.onnx_embed import load_fast_embedder

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        work = Path(tmp)
        cache = work / "onnx"
        t = time.perf_counter()
        torch_embedder = load_embedder("torch")
        model_load_s = time.perf_counter() - t
        t = time.perf_counter()
        fast = load_fast_embedder(cache, reference=lambda: torch_embedder)
        export_s = time.perf_counter() - t
        ours = ({"onnx": fast} if fast else {}) | {"torch": torch_embedder}
        baseline = Baseline(sentence_transformer_encode())
        env = dict(os.environ) | {"QA_CACHE_DIR": str(cache)}
        results = run_benchmark(config, ours, baseline, work, app_env=env)
        results["setup"] = {
            "torch_model_load_s": round(model_load_s, 2),
            "onnx_export_and_check_s": round(export_s, 2),
            "onnx": bool(fast),
        }
    results["machine"] = _machine()
    results["total_s"] = round(time.perf_counter() - started, 1)
    results["date"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(render_table(results))
    print(f"\n{results['total_s']} s in all; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
