"""Record what retrieval returns on every question set, to check a refactor changes no ranking.

For each question set of `bench/quality.py` (the bundled article sets, the outside FAQ sets and
the FAQ fixture) the corpus is indexed with the shipped chunk settings and the real model, and
every question is retrieved with the shipped `RetrievalSettings`: the top five candidates (reading
and chunk id), their highlight spans, ranks and confidences, and the retrieval's confidence and
evidence (floats rounded to 1e-6), once over all readings and once limited to the first
candidate's reading. The bundled general questions are retrieved too, since refusal rests on them.
The trade-off: a golden file pins exact output, so a deliberate change of retrieval must re-record
it (`.venv/bin/python bench/golden_rankings.py --write`).

Run: `.venv/bin/python bench/golden_rankings.py` compares every set with the golden file;
`--write` records it; `--sets NAME...` limits the sets (tests/model/test_same_rankings.py).
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

from quality import SETS  # noqa: E402

GOLDEN = ROOT / "tests" / "model" / "golden_rankings.json"
K = 5


def _round(value: float) -> float:
    return round(float(value), 6)


def _describe(retrieval) -> list:
    """The parts of a retrieval that a ranking change would move, as one compact list.

    [query, confidence, evidence (dense, lexical, known, unknown names), then per candidate:
    [doc, chunk id, highlight start, end, best sentence, dense/lexical/sentence ranks, fused,
    confidence]].
    """
    evidence = retrieval.evidence
    return [
        retrieval.query,
        _round(retrieval.confidence),
        None
        if evidence is None
        else [
            _round(evidence.dense),
            _round(evidence.lexical),
            evidence.known_names,
            evidence.unknown_names,
        ],
        [
            [
                c.chunk.doc,
                c.chunk.id,
                *c.highlight,
                c.best_sentence,
                *(c.ranks[name] for name in ("dense", "lexical", "sentence")),
                _round(c.fused),
                _round(c.confidence),
            ]
            for c in retrieval.candidates
        ],
    ]


def _general_questions() -> list[str]:
    lines = (ROOT / "qa/defaults/general-questions.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def record(set_names: list[str] | None = None) -> dict[str, dict]:
    """Every question of the chosen sets (all by default) retrieved as shipped: {set: {id: ...}}."""
    from qa.answering.retrieve import Retriever
    from qa.evaluation.evaluate import load_questions
    from qa.index.embed import load_embedder
    from qa.index.store import build_index, load_index

    embedder = load_embedder()
    general = _general_questions()
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        retrievers: dict[str, Retriever] = {}
        for spec in SETS:
            if set_names and spec.name not in set_names:
                continue
            if spec.corpus_group not in retrievers:
                work = Path(tmp) / spec.corpus_group
                shutil.copytree(spec.corpus, work / "corpus")
                build_index(work / "corpus", work / "index", embedder)
                retrievers[spec.corpus_group] = Retriever(load_index(work / "index"), embedder)
                out[f"general questions over {spec.corpus_group}"] = {
                    q: _describe(retrievers[spec.corpus_group].retrieve(q, (), k=K))
                    for q in general
                }
            retriever = retrievers[spec.corpus_group]
            answers = {}
            for item in load_questions(spec.questions).items:
                whole = retriever.retrieve(item.question, item.history, k=K)
                entry = {"all": _describe(whole)}
                if whole.candidates:
                    doc = whole.candidates[0].chunk.doc
                    one = retriever.retrieve(item.question, item.history, k=K, doc=doc)
                    entry["one reading"] = _describe(one)
                answers[item.id] = entry
            out[spec.name] = answers
    return out


def differences(golden: dict, now: dict, limit: int = 10) -> list[str]:
    """Where `now` departs from `golden` (only the sets `now` holds), at most `limit` lines."""
    lines = []
    for name, answers in now.items():
        if name not in golden:
            lines.append(f"{name}: not in the golden file")
            continue
        for key, value in answers.items():
            if golden[name].get(key) != value:
                lines.append(f"{name} / {key}: was {golden[name].get(key)}, now {value}")
        lines += [f"{name} / {k}: missing now" for k in golden[name] if k not in answers]
    return lines[:limit]


def _dumps(now: dict) -> str:
    """JSON with one line per question, so a diff of the golden file reads question by question."""
    sets = []
    for name, answers in sorted(now.items()):
        lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(answers.items())]
        sets.append(f" {json.dumps(name)}: {{\n" + ",\n".join(lines) + "\n }")
    return "{\n" + ",\n".join(sets) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"record {GOLDEN.relative_to(ROOT)}")
    parser.add_argument("--sets", nargs="*", help="question set names (bench/quality.py SETS)")
    args = parser.parse_args(argv)
    now = record(args.sets)
    if args.write:
        GOLDEN.write_text(_dumps(now), encoding="utf-8")
        print(f"wrote {GOLDEN.relative_to(ROOT)}: {sum(len(v) for v in now.values())} questions")
        return 0
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    found = differences(golden, json.loads(json.dumps(now)))
    print("\n".join(found) or f"same rankings on {len(now)} sets")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
