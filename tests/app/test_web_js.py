"""The `ask` endpoint through the official JavaScript client, @gradio/client, under Node.js."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from qa.web.app import WebSettings, create_app
from tests.support.paths import TESTS
from tests.support.web_helpers import serve_app

pytestmark = pytest.mark.node

JS = TESTS / "js"


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
