"""Retrieval quality against the common baseline, on every question set the project has.

For each (corpus, question set) pair this builds our index in a temporary folder and the common
baseline (1,000-character chunks with 100 overlap, the same model, flat cosine search), asks
every question of the set, and judges the passages with the project's own hit rule
(`qa.evaluate.passage_hits`). The baseline has no answer sentence and never refuses, so those
columns are ours alone. Run: `make quality` (or `.venv/bin/python bench/quality.py`); writes
bench/results-quality.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from baseline import Baseline, sentence_transformer_encode  # noqa: E402

SETS = (
    ("article, shipped set", ROOT / "corpus", ROOT / "eval" / "questions.jsonl"),
    ("article, second set", ROOT / "corpus", ROOT / "eval" / "questions.more.jsonl"),
    ("3-reading FAQ", ROOT / "tests" / "fixtures" / "faq" / "corpus", ROOT / "tests" / "fixtures" / "faq" / "questions.jsonl"),
)
K = 10


def baseline_scores(baseline: Baseline, items) -> dict[str, float]:
    """hit@1, hit@3 and MRR@10 of the baseline's ranking over the in-scope questions."""
    from qa.evaluate import passage_hits

    inside = [i for i in items if i.in_scope]
    ranks = []
    for item in inside:
        passages = baseline.ask(item.question)
        ranks.append(next((r for r, (_, text) in enumerate(passages, 1) if passage_hits(text, item)), None))
    n = len(inside) or 1
    return {
        "hit@1": sum(r == 1 for r in ranks) / n,
        "hit@3": sum(bool(r and r <= 3) for r in ranks) / n,
        "mrr@10": sum(1 / r for r in ranks if r) / n,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-quality.json"))
    args = parser.parse_args(argv)

    from qa.assistant import Assistant
    from qa.embed import load_embedder
    from qa.evaluate import evaluate, load_questions
    from qa.store import build_index

    embedder = load_embedder()
    baseline = Baseline(sentence_transformer_encode(), k=K)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, corpus, questions in SETS:
            work = Path(tmp) / name.replace(" ", "-").replace(",", "")
            shutil.copytree(corpus, work / "corpus")
            build_index(work / "corpus", work / "index", embedder)
            items = load_questions(questions).items
            ours = evaluate(Assistant.open(work / "index", embedder=embedder), load_questions(questions), k=K).overall.values
            baseline.build(work / "corpus")
            base = baseline_scores(baseline, items)
            rows.append({"set": name, "questions": str(questions.relative_to(ROOT)), "ours": ours, "baseline": base})

    keys = ("hit@1", "hit@3", "mrr@10", "answer_in_highlight", "oos_refusal_rate", "wrong_refusal_rate")
    print(f"{'question set':24} {'system':9} " + " ".join(f"{k:>19}" for k in keys))
    for row in rows:
        for system in ("ours", "baseline"):
            cells = [row[system].get(k) for k in keys]
            text = " ".join(f"{'—' if v is None else f'{v:.3f}':>19}" for v in cells)
            print(f"{row['set']:24} {system:9} {text}")
    Path(args.out).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
