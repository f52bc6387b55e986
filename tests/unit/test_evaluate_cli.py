"""`qa eval` and `qa calibrate` end to end with the fake embedder on a tiny corpus: JSON, report, CI
exit codes."""

from __future__ import annotations

import base64
import json
import re

import pytest

from qa.cli import main
from qa.evaluation.evaluate import METRICS
from tests.support.fakes import FakeEmbedder
from tests.support.paths import ROOT
from tests.support.report_checks import assert_self_contained

FIXTURES = ROOT / "tests" / "fixtures" / "eval"
FLOORS_THAT_HOLD = ["hit@1=0.5", "mrr@10=0.5"]


@pytest.fixture(scope="module")
def fake_index(tmp_path_factory):
    """A tiny index of the fixture corpus built with the fake embedder, which every `qa` call here
    uses."""
    from qa.index.store import build_index

    embedder = FakeEmbedder()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("qa.answering.assistant.load_embedder", lambda: embedder)
        folder = tmp_path_factory.mktemp("eval-index")
        build_index(FIXTURES / "corpus", folder, embedder)
        yield folder


def _qa(fake_index, *argv: str, capsys) -> tuple[int, str, str]:
    code = main(
        [*argv[:2], "--index", str(fake_index), "--corpus", str(FIXTURES / "corpus"), *argv[2:]]
    )
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def both_runs(fake_index, tmp_path_factory):
    """`qa eval --json --report` on the JSONL and the CSV form of the same questions."""
    out = tmp_path_factory.mktemp("eval-out")
    runs = {}
    for suffix in ("jsonl", "csv"):
        code = main(
            [
                "eval",
                str(FIXTURES / f"questions.{suffix}"),
                "--index",
                str(fake_index),
                "--corpus",
                str(FIXTURES / "corpus"),
                "--json",
                str(out / f"{suffix}.json"),
                "--report",
                str(out / f"{suffix}.html"),
                "-k",
                "5",
            ]
        )
        runs[suffix] = (
            code,
            json.loads((out / f"{suffix}.json").read_text(encoding="utf-8")),
            (out / f"{suffix}.html").read_text(encoding="utf-8"),
        )
    return runs


def _without_latency(data):
    if isinstance(data, dict):
        return {
            k: _without_latency(v)
            for k, v in data.items()
            if "latency" not in k
            and k not in ("created", "questions_file", "questions_sha256", "line")
        }
    if isinstance(data, list):
        return [_without_latency(v) for v in data]
    return data


def test_jsonl_and_csv_give_the_same_figures(both_runs):
    (code_j, jsonl, _), (code_c, csv_, _) = both_runs["jsonl"], both_runs["csv"]
    assert code_j == code_c == 0
    assert _without_latency(jsonl) == _without_latency(csv_)
    for key in METRICS:
        assert key in jsonl
    assert (
        jsonl["counts"]["questions"] == 8
        and jsonl["counts"]["in_scope"] == 6
        and jsonl["counts"]["out_of_scope"] == 2
    )
    assert set(jsonl["per_tag"]) == {"numbers", "queen", "dance", "followup", "oos"}
    assert [r["id"] for r in jsonl["results"]] == [f"q{i}" for i in range(1, 9)]
    assert jsonl["k"] == 5 and len(jsonl["hit_at_k"]) == 5


def test_the_report_is_self_contained_with_two_svg_plots(both_runs):
    page = both_runs["jsonl"][2]
    images = assert_self_contained(page)
    assert len(images) == 2
    for uri in images:
        assert uri.startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")
        assert "<svg" in svg and "http://" not in re.sub(
            r'xmlns(:\w+)?="[^"]*"|<metadata>.*?</metadata>|<!--.*?-->', "", svg, flags=re.S
        )
    for needle in (
        "hit@1",
        "refusal threshold",
        "q1",
        "How many eggs can the queen lay in a day?",
        "HIT",
        "<mark>",
    ):
        assert needle in page


def test_the_report_escapes_every_text(fake_index, tmp_path, capsys):
    hostile = tmp_path / "hostile.jsonl"
    rows = [
        {
            "id": "x<b>1</b>",
            "question": "<script>alert('q')</script> What is the waggle dance?",
            "answer": "<img src=x onerror=alert(1)>",
            "tags": ["<i>t</i>"],
        },
        {
            "id": "x2",
            "question": "Is there a \"quote\" & an <iframe src='https://example.org'>?",
            "history": ["<style>body{display:none}</style>"],
        },
    ]
    hostile.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = tmp_path / "hostile.html"
    code, _, _ = _qa(fake_index, "eval", str(hostile), "--report", str(report), capsys=capsys)
    assert code == 0
    page = report.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert (
        "&lt;script&gt;alert(&#x27;q&#x27;)&lt;/script&gt;" in page
        and "&lt;img src=x onerror=alert(1)&gt;" in page
    )
    assert "<b>1</b>" not in page and "<i>t</i>" not in page and "<style>body" not in page


def test_the_terminal_shows_the_table_and_the_misses(fake_index, capsys):
    code, out, err = _qa(fake_index, "eval", str(FIXTURES / "bad.jsonl"), capsys=capsys)
    assert code == 0
    assert "hit@1" in out and "wrong_refusal_rate" in out and "Misses" in out
    assert "line-8" in out and "out of scope but answered" in out
    assert (
        "line 3: not valid JSON" in err and "line 6: duplicate id" in err
    )  # skipped rows, with their lines


@pytest.mark.parametrize(
    "bounds, code, named",
    [
        (["--fail-under", *FLOORS_THAT_HOLD], 0, []),
        (
            ["--fail-under", "hit@1=1.01", "mrr@10=0.5", "--fail-over", "latency_p50_ms=0"],
            1,
            ["hit@1", "latency_p50_ms"],
        ),
        (["--fail-under", "oos_refusal_rate=0.9"], 1, ["oos_refusal_rate"]),
        (["--fail-over", "wrong_refusal_rate=1/43"], 0, []),
    ],
)
def test_the_ci_gate_exit_code_names_the_metric(fake_index, capsys, bounds, code, named):
    status, _, err = _qa(
        fake_index, "eval", str(FIXTURES / "questions.jsonl"), *bounds, capsys=capsys
    )
    assert status == code
    failed = re.findall(r"FAIL: (\S+)", err)
    assert failed == named


@pytest.mark.parametrize(
    "argv, message",
    [
        (["eval", "QUESTIONS", "--fail-under", "hit@2=0.9"], "METRIC=VALUE"),
        (["eval", "QUESTIONS", "--fail-over", "wrong_refusal_rate=lots"], "number"),
        (["eval", str(FIXTURES / "nope.jsonl")], "no such question set file"),
        (["eval", "QUESTIONS", "-k", "0"], "between 1 and 50"),
        (["calibrate", "QUESTIONS", "--rule", "accuracy"], "f1, recall, balanced"),
        (["calibrate", "QUESTIONS", "--max-wrong-refusal", "3"], "between 0 and 1"),
    ],
)
def test_usage_errors_exit_2_with_a_message(fake_index, capsys, argv, message):
    argv = [a.replace("QUESTIONS", str(FIXTURES / "questions.jsonl")) for a in argv]
    status, _, err = _qa(fake_index, *argv, capsys=capsys)
    assert status == 2
    assert message in err and "Traceback" not in err


def test_calibrate_needs_out_of_scope_questions(fake_index, tmp_path, capsys):
    only_in = tmp_path / "only-in.jsonl"
    only_in.write_text(
        '{"question": "What does the length of the waggle run show?", "answer": "distance"}\n',
        encoding="utf-8",
    )
    status, _, err = _qa(fake_index, "calibrate", str(only_in), capsys=capsys)
    assert status == 2 and "both in-scope and out-of-scope" in err
    assert not (fake_index / "calibration.json").exists()


def test_calibrate_stores_the_threshold_and_eval_then_uses_it(fake_index, tmp_path, capsys):
    import shutil

    from qa.index.store import load_index

    index = tmp_path / "index"
    shutil.copytree(fake_index, index)
    code, out, _ = _qa(
        index,
        "calibrate",
        str(FIXTURES / "questions.jsonl"),
        "--max-wrong-refusal",
        "0.2",
        capsys=capsys,
    )
    assert code == 0 and "Refusal trade-off" in out
    stored = json.loads((index / "calibration.json").read_text(encoding="utf-8"))
    assert {
        "threshold",
        "rule",
        "questions",
        "questions_sha256",
        "model",
        "created",
        "metrics",
    } <= set(stored)
    assert stored["model"] == load_index(index).manifest.settings.model and stored["rule"] == "f1"
    assert load_index(index).threshold == pytest.approx(stored["threshold"])
    metrics = tmp_path / "after.json"
    code, _, _ = _qa(
        index, "eval", str(FIXTURES / "questions.jsonl"), "--json", str(metrics), capsys=capsys
    )
    after = json.loads(metrics.read_text(encoding="utf-8"))
    assert after["threshold"] == pytest.approx(stored["threshold"], abs=1e-4)
    for key, value in stored["metrics"].items():
        assert after[key] == pytest.approx(value, abs=1e-4), key
    assert (
        after["wrong_refusal_rate"] <= 0.2 and after["oos_refusal_rate"] > 0
    )  # the fake embedder separates them this well


def test_evidence_in_none_of_the_readings_is_warned_about(fake_index, tmp_path, capsys):
    """A question set written on other readings (here curl's) scores 0 everywhere: the terminal and
    the report say why, and name the index and corpus evaluated."""
    other = tmp_path / "curl.jsonl"
    other.write_text(
        '{"question": "What is cURL?", "evidence": ["cURL is the name of the project."]}\n'
        '{"question": "What is libcurl?", "evidence": ["A client-side URL transfer library."]}\n'
        '{"question": "What is a waggle dance?"}\n',
        encoding="utf-8",
    )
    report, metrics = tmp_path / "r.html", tmp_path / "m.json"
    code, out, err = _qa(
        fake_index, "eval", str(other), "--report", str(report), "--json", str(metrics),
        capsys=capsys,
    )  # fmt: skip
    assert code == 0
    warning = (
        f"none of the 2 evidence quotes in {other} occur in the readings of the index "
        f"{fake_index} (built from {(FIXTURES / 'corpus').resolve()})"
    )
    assert f"warning: {warning}" in err and "--corpus missing" in err
    assert (
        f"Evaluated on the index {fake_index}/, built from the corpus tests/fixtures/eval/corpus/\n"
        in out
    )
    page = report.read_text(encoding="utf-8")
    assert 'class="warning"' in page and "none of the 2 evidence quotes" in page
    assert f"Index <code>{fake_index}</code>" in page
    data = json.loads(metrics.read_text(encoding="utf-8"))
    assert data["evidence_quotes"] == 2 and data["evidence_quotes_in_readings"] == 0
    assert data["index"] == str(fake_index)


def test_evidence_found_in_the_readings_gives_no_warning(both_runs, fake_index, capsys):
    code, _, err = _qa(fake_index, "eval", str(FIXTURES / "questions.jsonl"), capsys=capsys)
    assert code == 0 and "warning" not in err
    (_, data, page) = both_runs["jsonl"]
    assert data["evidence_quotes"] == data["evidence_quotes_in_readings"] > 0
    assert 'class="warning"' not in page and f"Index <code>{fake_index}</code>" in page


def test_one_question_is_one_question(fake_index, tmp_path, capsys):
    one = tmp_path / "one.jsonl"
    one.write_text('{"question": "How many eggs can the queen lay?"}\n', encoding="utf-8")
    code, out, _ = _qa(fake_index, "eval", str(one), capsys=capsys)
    title = " ".join(out.split())
    assert code == 0 and "one.jsonl: 1 question, threshold" in title, title
