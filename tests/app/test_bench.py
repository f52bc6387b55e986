"""The app benchmark end to end against a stand-in app served on a local port: loads, failures and
clocks, no timings."""

from __future__ import annotations

import textwrap

from bench.app_load import run_app_benchmark

STAND_IN_APP = textwrap.dedent(
    '''
    """A stand-in with the app's command line and APIs.

    POST /api/ask and Gradio's /ask take `question`.
    """
    import argparse

    import gradio as gr
    import uvicorn
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    parser = argparse.ArgumentParser()
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--index")
    parser.add_argument("--feedback-log")
    args = parser.parse_args()


    def ask(question: str, history: list[str] | None = None) -> dict:
        if "fail" in question:
            raise ValueError("asked to fail")
        if "limit" in question:
            return {"error": "rate_limited", "message": "wait"}
        passage = {"rank": 1, "id": "r@0", "text": question, "doc": "r", "citation": "R, ¶1",
                   "highlight_start": 0, "highlight_end": 1}
        return {"question": question, "abstained": False, "answer": question.upper(),
                "highlight": question, "confidence": 1.0,
                "threshold": 0.0, "notice": None, "passages": [passage]}


    app = FastAPI()


    @app.post("/api/ask")
    async def api_ask(request: Request):
        question = (await request.json())["question"]
        try:
            answer = ask(question)
        except ValueError as exc:
            return JSONResponse({"error": "internal_error", "message": str(exc)}, status_code=500)
        return JSONResponse(answer, status_code=429 if "error" in answer else 200)


    with gr.Blocks() as demo:
        gr.api(ask, api_name="ask")
    demo.queue(default_concurrency_limit=8)
    app = gr.mount_gradio_app(app, demo, path="/", show_error=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    '''
)


def test_app_benchmark_against_a_stand_in_app(tmp_path):
    app = tmp_path / "app.py"
    app.write_text(STAND_IN_APP, encoding="utf-8")
    (tmp_path / "index").mkdir()
    questions = ["What is USFK?", "please fail now", "over the limit", "Who is Brunson?"]
    run = run_app_benchmark(
        app,
        tmp_path / "index",
        questions,
        clients=3,
        per_client=2,
        timeout=180,
        user_header="x-qa-user",
    )
    assert run.first_answer_s >= run.ready_s > 0 and run.peak_rss_mb > 50
    assert list(run.loads) == ["rest", "gradio", "gradio_client"]
    # Client c asks questions[2c + i] (wrapping): 0, 1 | 2, 3 | 0, 1, so three answers and three
    # failures, one of them over the limit; the lone client asks the next two (2, 3: one of each);
    # the first answer, through POST /api/ask, the one after (0).
    for name, load in run.loads.items():
        assert (
            len(load.sequential_s) == 1 and len(load.latencies_s) == 3 and len(load.errors) == 4
        ), (name, load.errors)
        assert sum("rate_limited" in e for e in load.errors) == 2, (name, load.errors)
        assert load.app_cpu_s >= 0 and load.client_cpu_s >= 0 and load.wall_s > 0 and load.client
    assert (
        sum(load.app_cpu_s for load in run.loads.values()) > 0
    )  # CPU clocks tick every 10 ms: a tiny load may read 0
