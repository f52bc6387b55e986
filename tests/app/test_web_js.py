"""The `ask` endpoint through the official JavaScript client, @gradio/client, under Node.js."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from web_helpers import serve_app

from qa.web.app import WebSettings, create_app

pytestmark = [pytest.mark.app, pytest.mark.model, pytest.mark.node]

JS = Path(__file__).parent / "js"


def test_gradio_js_client_asks(assistant, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (JS / "node_modules" / "@gradio" / "client").is_dir():
        pytest.skip("@gradio/client is not installed in tests/js (run `make node-deps`)")
    app = create_app(assistant, WebSettings(rate_limit=0, feedback_log=tmp_path / "feedback.jsonl"))
    with serve_app(app) as url:
        env = {**os.environ, "QA_APP_URL": url + "/"}
        run = subprocess.run(
            [node, "--test", "--test-force-exit", "ask.test.mjs"],
            cwd=JS,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "# pass 2" in run.stdout and "# skipped 0" in run.stdout
