"""Retrieval quality on every question set, each figure from weights chosen without it.

Every fitted choice — the chunk size, the fusion weights, and the confidence model behind refusal
— is chosen by leave-one-corpus-out: for each corpus, the grid below is scored on the question sets
of all the other corpora, the best configuration is taken, the confidence model is fitted on their
questions (in scope vs out of scope, plus the bundled general questions), and the corpus left out is
measured with them. Those left-out figures are the headline. The shipped defaults are the choice on
all corpora together; the "shipped" rows show them on every set, marked as in-sample where the set
took part. The common baseline (1,000-character chunks with 100 overlap, the same model, flat
cosine) is measured beside, with the same hit rule (`qa.evaluation.evaluate.passage_hits`).

Run: `make quality` (or `.venv/bin/python bench/quality.py`); prints the tables, writes
bench/results-quality.json and the table between the README's quality markers.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from baseline import Baseline, sentence_transformer_encode  # noqa: E402

from qa.evaluation.evaluate import METRICS  # noqa: E402

# The figures each question set reports, in the order of the README's table: `qa eval`'s metrics
# but refusal precision, recall and F1 (the two refusal rates say it per side) and latency.
REPORTED = tuple(m for m in METRICS if not m.startswith(("refusal_", "latency_")))

K = 10
SHIPPED_THRESHOLD = 0.5  # qa/defaults/calibration.json: even odds
README_START, README_END = "<!-- quality:start -->", "<!-- quality:end -->"


@dataclass(frozen=True)
class QuestionSetSpec:
    name: str
    corpus_group: str  # sets of one corpus are left out together
    kind: str  # article | outside | fixture
    corpus: Path
    questions: Path
    # Held out of every choice, the shipped one too: measured with what the other corpora chose.
    held_out: bool = False


SETS = (
    QuestionSetSpec(
        "article, shipped set",
        "article",
        "article",
        ROOT / "corpus",
        ROOT / "eval" / "questions.jsonl",
    ),
    QuestionSetSpec(
        "article, second set",
        "article",
        "article",
        ROOT / "corpus",
        ROOT / "eval" / "questions.more.jsonl",
    ),
    QuestionSetSpec(
        "zsh FAQ",
        "zsh",
        "outside",
        ROOT / "eval/outside/zshfaq/corpus",
        ROOT / "eval/outside/zshfaq/questions.jsonl",
    ),
    QuestionSetSpec(
        "curl FAQ",
        "curl",
        "outside",
        ROOT / "eval/outside/curlfaq/corpus",
        ROOT / "eval/outside/curlfaq/questions.jsonl",
    ),
    QuestionSetSpec(
        "ffmpeg FAQ",
        "ffmpeg",
        "outside",
        ROOT / "eval/outside/ffmpegfaq/corpus",
        ROOT / "eval/outside/ffmpegfaq/questions.jsonl",
    ),
    QuestionSetSpec(
        "SQLite FAQ",
        "sqlite",
        "outside",
        ROOT / "eval/outside/sqlitefaq/corpus",
        ROOT / "eval/outside/sqlitefaq/questions.jsonl",
        held_out=True,
    ),
    QuestionSetSpec(
        "fetchmail FAQ",
        "fetchmail",
        "outside",
        ROOT / "eval/outside/fetchmailfaq/corpus",
        ROOT / "eval/outside/fetchmailfaq/questions.jsonl",
        held_out=True,
    ),
    QuestionSetSpec(
        "3-reading FAQ fixture",
        "fixture",
        "fixture",
        ROOT / "tests/fixtures/faq/corpus",
        ROOT / "tests/fixtures/faq/questions.jsonl",
    ),
)

# The sets that take part in choices (and in bench/levers.py's comparisons); the rest only measure.
CHOOSING = tuple(s for s in SETS if not s.held_out)
HELD_OUT = tuple(s for s in SETS if s.held_out)

# The configurations weighed: chunk size and the fusion's levers. The first is the one shipped
# before this selection existed, so a tie keeps it.
GRID_AXES = {
    "max_tokens": (200, 250),
    "w_dense": (0.25, 1.0),
    "w_lexical": (1.0, 0.5),
    "w_sentence": (3.0, 1.5),
    "heading_weight": (1.0, 0.0),
    "sent_lexical": (0.6, 0.3),
    "sent_type": (0.2, 0.5),
}


def grid() -> list[dict]:
    keys = list(GRID_AXES)
    return [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(GRID_AXES[k] for k in keys))
    ]


class CachingEmbedder:
    """The product's embedder with every text's vector kept: grid points and chunk sizes share
    them."""

    def __init__(self, inner):
        self.inner, self.cache = inner, {}
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self.sha256 = getattr(inner, "sha256", "")

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def embed(self, texts):
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.embed(missing), strict=True))
        return (
            np.stack([self.cache[t] for t in texts])
            if len(texts)
            else np.zeros((0, self.dim), np.float32)
        )


# ---------------------------------------------------------------------------- one configuration


def run_config(
    retrievers: dict, questions: dict, general: list[str], config: dict, sets=CHOOSING
) -> dict:
    """The judged results of `sets` and their corpora's general-question evidence under one
    configuration."""
    from qa.answering.answer import make_answer
    from qa.answering.retrieve import RetrievalSettings
    from qa.evaluation.evaluate import _judge

    settings = RetrievalSettings(**{k: v for k, v in config.items() if k != "max_tokens"})
    out: dict = {"results": {}, "general": {}}
    for spec in sets:
        retriever, texts = retrievers[(config["max_tokens"], spec.corpus_group)]
        retriever.settings = settings
        judged = []
        for item in questions[spec.name]:
            retrieval = retriever.retrieve(item.question, item.history, k=K)
            judged.append((_judge(item, make_answer(retrieval, texts), 0.0), retrieval.evidence))
        out["results"][spec.name] = judged
        if spec.corpus_group not in out["general"]:
            out["general"][spec.corpus_group] = [
                retriever.retrieve(q, (), k=3).evidence for q in general
            ]
    return out


def hit_at_1(results) -> float:
    """hit@1 over the in-scope questions of judged results (with their evidence)."""
    from qa.evaluation.evaluate import score

    return score([r for r, _ in results]).values["hit@1"]


def ranking_score(results) -> float:
    """What the ranking is chosen by: the mean of hit@1 and MRR@10 over in-scope questions."""
    from qa.evaluation.evaluate import score

    values = score([r for r, _ in results]).values
    return (values["hit@1"] + values["mrr@10"]) / 2


# ---------------------------------------------------------------------------- the confidence model


def _features(evidence) -> list[float]:
    return [
        evidence.dense,
        evidence.lexical,
        float(evidence.known_names),
        float(evidence.unknown_names),
    ]


def fit_confidence(runs: list[tuple[list, list]], l2: float = 1.0) -> dict[str, float]:
    """Logistic regression of "the readings answer it" on the evidence, classes weighted equally.

    Args:
        runs: (judged results with evidence, general-question evidence) per question set.

    Returns:
        The `RetrievalSettings` confidence fields (bias, dense, lexical, known- and unknown-name
        weights).
    """
    pos, neg = [], []
    for results, general in runs:
        for result, evidence in results:
            (pos if result.item.in_scope else neg).append(_features(evidence))
        neg.extend(_features(e) for e in general)
    x = np.array(pos + neg, dtype=np.float64)
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    weight = np.where(y == 1, len(neg) / len(pos), 1.0)
    mu, sd = x.mean(0), x.std(0) + 1e-9
    xb = np.c_[(x - mu) / sd, np.ones(len(x))]
    w = np.zeros(xb.shape[1])
    ridge = l2 * np.diag(np.r_[np.ones(len(w) - 1), 0.0])
    for _ in range(50):  # Newton's method; converges in a handful of steps
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (weight * (p - y)) + ridge @ w
        hess = (xb * (weight * p * (1 - p))[:, None]).T @ xb + ridge
        w -= np.linalg.solve(hess, grad)
    raw = w[:-1] / sd
    bias = w[-1] - float(raw @ mu)
    return {
        "conf_bias": round(float(bias), 3),
        "conf_dense": round(float(raw[0]), 3),
        "conf_lexical": round(float(raw[1]), 3),
        "conf_known_name": round(float(raw[2]), 3),
        "conf_unknown_name": round(float(-raw[3]), 3),
    }


def auto_figures(run: dict, spec: QuestionSetSpec, model: dict) -> dict:
    """Refusal at the threshold `qa calibrate --auto` would choose on the set's corpus: from the
    bundled general questions' confidences there (no question of the set is used)."""
    from qa.answering.retrieve import RetrievalSettings, answerable
    from qa.evaluation.autocalibrate import auto_threshold

    settings = RetrievalSettings(**model)
    general = [answerable(settings, e) for e in run["general"][spec.corpus_group]]
    threshold = auto_threshold(general, SHIPPED_THRESHOLD)
    scored = figures(with_confidence(run["results"][spec.name], model, threshold))
    return {
        "threshold": round(threshold, 4),
        "oos_refusal_rate": scored["oos_refusal_rate"],
        "wrong_refusal_rate": scored["wrong_refusal_rate"],
    }


def with_confidence(results, model: dict, threshold: float = 0.5):
    """The results as the confidence model would score and refuse them."""
    from qa.answering.retrieve import RetrievalSettings, answerable
    from qa.evaluation.evaluate import rethreshold

    settings = RetrievalSettings(**model)
    rescored = [replace(r, confidence=answerable(settings, e)) for r, e in results]
    return rethreshold(rescored, threshold)


# ---------------------------------------------------------------------------- selection


def pooled_total(run: dict, groups: list[str]) -> tuple[float, int]:
    """The ranking score of `groups`' in-scope questions pooled, as a sum over the questions (each
    adds the mean of its hit@1 and reciprocal rank), and how many questions there are."""
    total, count = 0.0, 0
    for spec in (s for s in SETS if s.corpus_group in groups):
        results = run["results"][spec.name]
        n = sum(r.item.in_scope for r, _ in results)
        total += n * ranking_score(results)
        count += n
    return total, count


def choose(runs: list[dict], configs: list[dict], groups: list[str]) -> tuple[int, dict]:
    """The configuration with the best ranking score over `groups`' in-scope questions pooled
    (every question weighs the same), and its confidence model.

    Pooled rather than a mean of corpus means: a corpus mean's noise shrinks with its questions, so
    with equal weights a corpus of 14 questions swings the choice as much as one of 73, and a
    single question there outweighs five elsewhere.
    """

    def pooled(run: dict) -> float:
        total, count = pooled_total(run, groups)
        return total / count

    best = max(range(len(configs)), key=lambda i: (round(pooled(runs[i]), 6), -i))
    run = runs[best]
    fit_on = [
        (run["results"][s.name], run["general"][s.corpus_group])
        for s in SETS
        if s.corpus_group in groups
    ]
    return best, fit_confidence(fit_on)


def choice_margin(
    runs: list[dict], configs: list[dict], groups: list[str], best: int, left_out: tuple = ()
) -> dict:
    """How firmly `best` was chosen on `groups`: its lead, in questions (a question at rank 1
    rather than out of the top 10 counts one), over the best configuration that would report
    something else on the `left_out` sets (any other configuration when none is named), what
    that configuration changes, and the left-out sets' hit@1 under it.

    A lead of a question or two is within the noise of any one set, so a fold's choice that rests
    on it can flip with a change that moves two questions anywhere.

    Example: totals 60.5 (best) and 60.0 (next, w_lexical 1.0, zsh hit@1 0.62 there) ->
    {'questions': 0.5, 'next': {'w_lexical': 1.0}, 'left_out_hit@1': {'zsh FAQ': 0.62}}
    """

    def reported(i: int) -> tuple:
        return tuple(round(ranking_score(runs[i]["results"][s.name]), 6) for s in left_out)

    totals = [pooled_total(run, groups)[0] for run in runs]
    chosen = reported(best)
    others = [
        i for i in range(len(configs)) if i != best and (not left_out or reported(i) != chosen)
    ]
    if not others:
        return {"questions": None, "next": {}, "left_out_hit@1": {}}
    runner = max(others, key=lambda i: (round(totals[i], 6), -i))
    changed = {k: v for k, v in configs[runner].items() if configs[best].get(k) != v}
    hits = {s.name: round(hit_at_1(runs[runner]["results"][s.name]), 2) for s in left_out}
    return {
        "questions": round(totals[best] - totals[runner], 2),
        "next": changed,
        "left_out_hit@1": hits,
    }


def figures(results) -> dict:
    from qa.evaluation.evaluate import score

    scored = score(results)
    values = {k: scored.values[k] for k in REPORTED}
    follow = [r for r in results if r.item.history and r.item.in_scope]
    values["follow_ups_at_1"] = (
        f"{sum(r.first_hit == 1 for r in follow)}/{len(follow)}" if follow else None
    )
    values["counts"] = scored.counts
    return values


def baseline_figures(baseline: Baseline, items) -> dict:
    """hit@1, hit@3, hit@5 and MRR@10 of the baseline's top 10 over the in-scope questions."""
    from qa.evaluation.evaluate import passage_hits

    ranks = []
    for item in (i for i in items if i.in_scope):
        passages = baseline.ask(item.question)
        ranks.append(
            next((r for r, (_, text) in enumerate(passages, 1) if passage_hits(text, item)), None)
        )
    n = len(ranks) or 1
    out = {f"hit@{k}": sum(bool(r and r <= k) for r in ranks) / n for k in (1, 3, 5)}
    out["mrr@10"] = sum(1 / r for r in ranks if r) / n
    return out


# ---------------------------------------------------------------------------- tables


def _cell(value) -> str:
    return "–" if value is None else value if isinstance(value, str) else f"{value:.2f}"


def markdown(rows: list[dict]) -> str:
    head = (
        "| set | questions (in + out) | chosen on | hit@1 | hit@3 | hit@5 | MRR@10 "
        "| answer in highlight | out-of-scope refused | in-scope refused "
        "| with `qa calibrate --auto`: threshold, out-of-scope / in-scope refused "
        "| baseline hit@1 / hit@5 / MRR@10 |"
    )
    lines = [head, "|" + "---|" * 12]
    for row in rows:
        o, b, c = row["left_out"], row["baseline"], row["left_out"]["counts"]
        a = row["left_out_auto"]
        lines.append(
            f"| {row['set']} | {c['in_scope']} + {c['out_of_scope']} | {row['chosen_on']} | "
            + " | ".join(_cell(o[k]) for k in REPORTED)
            + f" | {a['threshold']:.2f}: {_cell(a['oos_refusal_rate'])} / "
            f"{_cell(a['wrong_refusal_rate'])}"
            + f" | {b['hit@1']:.2f} / {b['hit@5']:.2f} / {b['mrr@10']:.2f} |"
        )
    return "\n".join(lines)


def margins_line(rows: list[dict]) -> str:
    """How firmly each fold chose, one entry per corpus left out, then the shipped choice."""
    parts, seen, shipped = [], set(), None
    for row in rows:
        margin = row["margin"]
        if row["chosen_on"] != "the other corpora":
            shipped = margin
            continue
        group = next(s.corpus_group for s in SETS if s.name == row["set"])
        if group in seen:
            continue
        seen.add(group)
        parts.append(f"{group} {_margin_text(margin)}")
    if shipped is not None:
        parts.append(f"shipped {_margin_text(shipped)}")
    return (
        "How firmly each fold chose: its lead, in questions of the corpora it chose on, over the"
        " best configuration that would change the left-out ranking score, and hit@1 under it"
        " (the shipped choice: over the next best configuration): " + "; ".join(parts) + "."
    )


def _margin_text(margin: dict) -> str:
    if margin["questions"] is None:
        return "(no other configuration reports otherwise)"
    nxt = ", ".join(f"{k} {v}" for k, v in margin["next"].items()) or "the same settings"
    hits = ", ".join(f"{name} hit@1 {v:.2f}" for name, v in margin["left_out_hit@1"].items())
    return f"{margin['questions']:.2f} (next: {nxt}{'; ' + hits if hits else ''})"


def write_readme(table: str, shipped: dict, margins: str = "") -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        print(f"README.md has no {README_START} … {README_END} markers; table not written there.")
        return
    settings = ", ".join(f"{k} {v}" for k, v in shipped.items())
    shipped_line = f"Shipped (chosen on every corpus but the held-out ones): {settings}."
    margins = f"\n\n{margins}" if margins else ""
    block = f"{README_START}\n{table}\n\n{shipped_line}{margins}\n{README_END}"
    head, rest = text.split(README_START, 1)
    readme.write_text(head + block + rest.split(README_END, 1)[1], encoding="utf-8")


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-quality.json"))
    parser.add_argument(
        "--no-readme", action="store_true", help="do not rewrite the README's table"
    )
    args = parser.parse_args(argv)

    from qa.evaluation.autocalibrate import general_questions
    from qa.evaluation.evaluate import load_questions
    from qa.index.embed import load_embedder

    started = time.perf_counter()
    embedder = CachingEmbedder(load_embedder())
    questions = {s.name: load_questions(s.questions).items for s in SETS}
    general = general_questions()
    configs = grid()
    with tempfile.TemporaryDirectory() as tmp:
        retrievers = build_retrievers(Path(tmp), embedder, CHOOSING, GRID_AXES["max_tokens"])
        print(
            f"indexes built ({time.perf_counter() - started:.0f} s); {len(configs)} configurations",
            file=sys.stderr,
        )
        runs = [run_config(retrievers, questions, general, c) for c in configs]

        def held_out(config: dict) -> dict:
            """The held-out sets under the shipped choice, indexed at its chunk size only."""
            sizes = (config["max_tokens"],)
            retrievers.update(build_retrievers(Path(tmp), embedder, HELD_OUT, sizes))
            return run_config(retrievers, questions, general, config, HELD_OUT)

        rows, shipped = _choices(runs, configs, held_out=held_out)
        _add_baseline(rows, questions, Path(tmp))

    table = markdown(rows)
    _print_choices(table, rows, shipped)
    Path(args.out).write_text(
        json.dumps(
            {
                "rows": rows,
                "shipped": shipped,
                "grid": GRID_AXES,
                "seconds": round(time.perf_counter() - started),
            },
            indent=2,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )
    if not args.no_readme:
        write_readme(table, shipped, margins_line(rows))
    print(f"\nwritten: {args.out} ({time.perf_counter() - started:.0f} s)")
    return 0


def build_retrievers(tmp: Path, embedder, sets, sizes) -> dict:
    """{(chunk size, corpus group): (retriever, the assistant's texts)}, one index each, built in
    folders of `tmp`."""
    retrievers = {}
    for size in sizes:
        for spec in sets:
            key = (size, spec.corpus_group)
            if key not in retrievers:
                work = tmp / f"{spec.corpus_group}-{size}"
                retrievers[key] = build_retriever(spec, work, embedder, size)
    return retrievers


def build_retriever(spec: QuestionSetSpec, work: Path, embedder, size: int) -> tuple:
    """(retriever, the assistant's texts) over `spec`'s corpus, copied into `work` and indexed
    there with chunks of `size` word pieces."""
    from qa.answering.assistant import Assistant
    from qa.answering.retrieve import Retriever
    from qa.index.chunk import ChunkSettings
    from qa.index.store import build_index, load_index

    shutil.copytree(spec.corpus, work / "corpus")
    build_index(work / "corpus", work / "index", embedder, ChunkSettings(max_tokens=size))
    index = load_index(work / "index")
    return Retriever(index, embedder), Assistant(index, embedder).texts


def _choices(runs: list[dict], configs: list[dict], held_out) -> tuple[list[dict], dict]:
    """A row per set with the configuration chosen on the other corpora and its figures there,
    and the configuration chosen on every corpus that chooses (shipped), with its figures.

    `runs` hold the choosing sets only; `held_out(config)` runs the held-out sets, which are
    measured with the shipped choice alone, so they are run under that configuration only.
    """
    groups = list(dict.fromkeys(s.corpus_group for s in CHOOSING))
    best, shipped_model = choose(runs, configs, groups)
    if HELD_OUT:
        extra = held_out(configs[best])
        runs[best]["results"].update(extra["results"])
        runs[best]["general"].update(extra["general"])
    rows = []
    for spec in SETS:
        if spec.held_out:
            chosen, model = best, shipped_model
            chosen_on = "the shipped choice (held out)"
            margin = choice_margin(runs, configs, groups, best)
        else:
            others = [g for g in groups if g != spec.corpus_group]
            chosen, model = choose(runs, configs, others)
            chosen_on = "the other corpora"
            left_out = tuple(s for s in CHOOSING if s.corpus_group == spec.corpus_group)
            margin = choice_margin(runs, configs, others, chosen, left_out)
        left_out = figures(with_confidence(runs[chosen]["results"][spec.name], model))
        rows.append(
            {
                "set": spec.name,
                "kind": spec.kind,
                "chosen_on": chosen_on,
                "questions": str(spec.questions.relative_to(ROOT)),
                "config": configs[chosen],
                "confidence": model,
                "left_out": left_out,
                "left_out_auto": auto_figures(runs[chosen], spec, model),
                "margin": margin,
            }
        )
    shipped = {**configs[best], **shipped_model}
    for row, spec in zip(rows, SETS, strict=True):
        row["shipped_in_sample"] = figures(
            with_confidence(runs[best]["results"][spec.name], shipped_model)
        )
    return rows, shipped


def _add_baseline(rows: list[dict], questions: dict, tmp: Path) -> None:
    """The baseline's figures on each set, beside ours."""
    baseline = Baseline(sentence_transformer_encode(), k=K)
    for row, spec in zip(rows, SETS, strict=True):
        work = tmp / f"baseline-{spec.corpus_group}"
        if not work.exists():
            shutil.copytree(spec.corpus, work)
        baseline.build(work)
        row["baseline"] = baseline_figures(baseline, questions[spec.name])


def _print_choices(table: str, rows: list[dict], shipped: dict) -> None:
    """The table, the choices, and where the code's defaults differ from the shipped choice."""
    from qa.answering.retrieve import RetrievalSettings
    from qa.index.chunk import ChunkSettings

    print(table)
    print("\nshipped configuration (chosen on every corpus but the held-out):", json.dumps(shipped))
    for row in rows:
        choice = f"{json.dumps(row['config'])} {json.dumps(row['confidence'])}"
        print(f"{row['set']:24} left-out choice {choice}")
    print("\n" + margins_line(rows))
    code_defaults = {f.name: f.default for f in fields(RetrievalSettings)}
    differs = {
        k: (code_defaults.get(k, ChunkSettings().max_tokens if k == "max_tokens" else None), v)
        for k, v in shipped.items()
        if (ChunkSettings().max_tokens if k == "max_tokens" else code_defaults.get(k)) != v
    }
    if differs:
        print(
            f"\nThe code's defaults differ from the choice on all corpora (code, chosen): {differs}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
