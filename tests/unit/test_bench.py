"""The benchmark's pieces on a tiny configuration, with fake encoders: shapes and bookkeeping, no
timings."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from bench.app_load import RssSampler, tree_rss_mb
from bench.baseline import Baseline
from bench.corpus import load_questions, question_variants, synthetic_corpus, synthetic_index
from bench.run import QUICK, percentiles, render_table, run_benchmark
from tests.support.fakes import FakeEmbedder
from tests.support.paths import CORPUS, QUESTIONS

ARTICLE = CORPUS / "south-korea-us-alliance.md"


@pytest.mark.parametrize("count", [0, 1, 53, 300])
def test_question_variants_are_distinct_and_keep_history(count):
    shipped = load_questions(QUESTIONS)
    out = question_variants(shipped, count)
    assert len(out) == min(count, 6 * len(shipped))
    assert len({(q.text, q.history) for q in out}) == len(out)
    followups = [q for q in shipped if q.history]
    assert followups, "the shipped set has follow-up questions"
    if count >= 300:
        assert sum(1 for q in out if q.history) >= 3 * len(followups)


def test_percentiles_match_numpy():
    samples = [0.004, 0.001, 0.003, 0.002, 0.010]
    p = percentiles(samples)
    assert p["n"] == 5
    assert p["p50_ms"] == pytest.approx(np.percentile(np.array(samples) * 1000, 50))
    assert p["p95_ms"] == pytest.approx(np.percentile(np.array(samples) * 1000, 95))
    assert percentiles([])["n"] == 0


def test_synthetic_corpus_is_deterministic_and_readable(tmp_path, fake_embedder):
    from qa.index.chunk import chunk_reading
    from qa.readings.corpus import load_corpus

    a = synthetic_corpus(ARTICLE, tmp_path / "a", readings=3, paragraphs=12)
    b = synthetic_corpus(ARTICLE, tmp_path / "b", readings=3, paragraphs=12)
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir()) and len(files) == 3
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    readings, skipped = load_corpus(a)
    assert not skipped and all(len(r.paragraphs) == 12 for r in readings)
    assert sum(len(chunk_reading(r, fake_embedder.count_tokens)) for r in readings) >= 12


@pytest.mark.parametrize("chunks", [0, 1, 250])
def test_synthetic_index_has_exact_offsets_and_unit_vectors(chunks):
    index = synthetic_index(chunks, 3, 16, ["alpha", "beta", "gamma"], chunks_per_reading=100)
    assert len(index.chunks) == chunks and index.chunk_vectors.shape == (chunks, 16)
    assert (
        index.sentence_vectors.shape == (3 * chunks, 16) and len(index.sentence_chunk) == 3 * chunks
    )
    for c in index.chunks:
        text = index.readings[c.doc].text
        assert text[c.start : c.end] == c.text
        assert all(
            c.start <= s.start < s.end <= c.end and text[s.end - 1] == "." for s in c.sentences
        )
    if chunks:
        np.testing.assert_allclose(np.linalg.norm(index.sentence_vectors, axis=1), 1.0, atol=1e-5)


def test_baseline_splits_embeds_and_searches(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.md").write_text(ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    embedder = FakeEmbedder()
    base = Baseline(embedder.embed)
    built = base.build(corpus)
    assert built.chunks == len(base.texts) > 10 and all(len(t) <= 1000 for t in base.texts)
    question = "United States Forces Korea (USFK)"
    hits = base.ask(question)
    # The same top 3 as a brute-force inner product in numpy.
    scores = embedder.embed(base.texts) @ embedder.embed([question])[0]
    expected = [base.texts[i] for i in np.argsort(-scores, kind="stable")[:3]]
    assert [text for _, text in hits] == expected
    assert [s for s, _ in hits] == pytest.approx(sorted(scores, reverse=True)[:3], abs=1e-5)


def test_tree_rss_counts_children():
    code = "import time; b = bytearray(80_000_000); print('ok', flush=True); time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ok"
        import os

        with RssSampler(os.getpid(), every=0.01) as sampler:
            pass
        alone = tree_rss_mb(child.pid)
        assert alone >= 70
        assert sampler.peak_mb >= alone
    finally:
        child.kill()
        child.wait()
    assert tree_rss_mb(child.pid) == 0


def test_run_benchmark_quick_with_fakes(tmp_path):
    from dataclasses import replace

    config = replace(
        QUICK,
        article_reps=2,
        questions=8,
        large_questions=4,
        scale_sizes=(120,),
        scale_queries=2,
        synthetic_readings=2,
        synthetic_paragraphs=5,
    )
    lines: list[str] = []
    results = run_benchmark(
        config, {"fake": FakeEmbedder()}, Baseline(FakeEmbedder().embed), tmp_path, log=lines.append
    )
    json.dumps(results)  # the results file is plain JSON
    assert (
        results["build_article"]["ours_fake"]["chunks"] > 0
        and results["build_article"]["baseline"]["chunks"] > 0
    )
    for part, reps in (("build_article", config.article_reps), ("build_large", config.large_reps)):
        assert all(
            len(results[part][name]["seconds"]) == reps for name in ("baseline", "ours_fake")
        )
    assert results["build_incremental"]["unchanged_rebuilt"] is False
    assert results["build_incremental"]["one_changed_embedded_readings"] == 1
    assert (
        results["latency_article"]["questions"] == 8 == results["latency_article"]["ours_fake"]["n"]
    )
    assert set(results["latency_article"]["breakdown_fake"]) == {"encode", "retrieve", "answer"}
    assert results["scale"]["120"]["ours"]["n"] == 2
    assert results["app"] == {"skipped": "not asked for"}
    table = render_table(results)
    assert (
        "ours/baseline" in table and "scale 120 chunks" in table and "large-corpus build" in table
    )
    assert len(lines) >= 4


class _ScoredRows(list):
    """A set's judged rows (only `item.in_scope` is read) with the ranking score they would get."""

    def __init__(self, score: float, n_in: int, n_out: int = 3):
        from types import SimpleNamespace

        super().__init__(
            (SimpleNamespace(item=SimpleNamespace(in_scope=i < n_in)), None)
            for i in range(n_in + n_out)
        )
        self.score = score


def test_quality_choice_pools_questions_so_a_small_set_cannot_outvote_a_large_one(monkeypatch):
    """`make quality` scores a configuration over the other corpora's in-scope questions pooled:
    one that wins the fixture's 14 questions by a little loses to one that wins curl's 73 by a
    little, though the mean of corpus means would pick the first."""
    import bench.quality as quality

    sizes = {"curl FAQ": 73, "3-reading FAQ fixture": 14}

    def run(curl: float, fixture: float) -> dict:
        scores = {"curl FAQ": curl, "3-reading FAQ fixture": fixture}
        return {
            "results": {
                s.name: _ScoredRows(scores.get(s.name, 0.8), sizes.get(s.name, 30))
                for s in quality.SETS
            },
            "general": {s.corpus_group: [] for s in quality.SETS},
        }

    runs = [run(curl=0.70, fixture=1.00), run(curl=0.75, fixture=0.93)]
    monkeypatch.setattr(quality, "ranking_score", lambda rows: rows.score)
    monkeypatch.setattr(quality, "fit_confidence", lambda fit_on: {"fitted_on": len(fit_on)})
    configs = [{"a": 1}, {"a": 2}]
    corpus_means = [np.mean([r["results"][n].score for n in sizes]) for r in runs]
    assert corpus_means[0] > corpus_means[1]  # what equal corpus weights would have chosen
    best, model = quality.choose(runs, configs, ["curl", "fixture"])
    assert best == 1
    assert model == {"fitted_on": 2}  # fitted on the chosen run's sets of those corpora
    assert quality.choose(runs, configs, ["fixture"])[0] == 0  # one corpus: its own score


def test_quality_reports_how_firmly_each_choice_was_made(monkeypatch):
    """The lead of the chosen configuration, in questions, over the best one that would report
    other figures on the set left out: curl's 73 questions at 0.75 against 0.70 is 3.65
    questions. A configuration that reports the same on the set left out is passed over."""
    import bench.quality as quality

    def run(score: float, zsh: float) -> dict:
        scores = {"zsh FAQ": zsh}
        return {
            "results": {s.name: _ScoredRows(scores.get(s.name, score), 73) for s in quality.SETS},
            "general": {s.corpus_group: [] for s in quality.SETS},
        }

    monkeypatch.setattr(quality, "ranking_score", lambda rows: rows.score)
    monkeypatch.setattr(quality, "hit_at_1", lambda rows: rows.score - 0.1)
    # best; same zsh figures and close behind; other zsh figures further behind; last
    runs = [run(0.75, 0.8), run(0.74, 0.8), run(0.70, 0.6), run(0.60, 0.5)]
    configs = [
        {"w_lexical": 0.5, "sent_type": 0.2},
        {"w_lexical": 0.5, "sent_type": 0.5},
        {"w_lexical": 1.0, "sent_type": 0.2},
        {},
    ]
    zsh = tuple(s for s in quality.SETS if s.corpus_group == "zsh")
    margin = quality.choice_margin(runs, configs, ["curl"], 0, zsh)
    assert margin == {
        "questions": 3.65,
        "next": {"w_lexical": 1.0},
        "left_out_hit@1": {"zsh FAQ": 0.5},
    }
    plain = quality.choice_margin(runs, configs, ["curl"], 0)
    assert plain["questions"] == 0.73 and plain["next"] == {"sent_type": 0.5}
    assert quality.choice_margin(runs[:1], configs[:1], ["curl"], 0)["questions"] is None
    rows = [
        {"set": "zsh FAQ", "chosen_on": "the other corpora", "margin": margin},
        {"set": "SQLite FAQ", "chosen_on": "the shipped choice (held out)", "margin": plain},
    ]
    line = quality.margins_line(rows)
    assert "zsh 3.65 (next: w_lexical 1.0; zsh FAQ hit@1 0.50)" in line
    assert "shipped 0.73 (next: sent_type 0.5)" in line


def test_reading_survey_counts_what_the_reader_keeps_and_names_refusals(tmp_path, capsys):
    from bench.reading_survey import main, survey

    notes = "# Notes\n\n## One\n\nFirst part.\n\n<!-- hidden -->\n\n## Two\n\nSecond.\n"
    (tmp_path / "notes.md").write_text(notes, encoding="utf-8")
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    rows = {r["file"].rsplit("/", 1)[1]: r for r in survey(sorted(tmp_path.iterdir()))}
    assert rows["notes.md"] == {
        "file": str(tmp_path / "notes.md"),
        "title": "Notes",
        "characters": len("First part.") + len("Second."),
        "sections": 2,
        "paragraphs": 2,
    }
    assert "no text to index" in rows["empty.md"]["refused"]
    assert main([str(tmp_path), "--json", str(tmp_path / "rows.json")]) == 0
    assert "2 files: 1 read, 1 refused" in capsys.readouterr().out
    assert len(json.loads((tmp_path / "rows.json").read_text())) == 2
