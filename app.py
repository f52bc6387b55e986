"""Serve the reading assistant: the chat at /, the widget at /widget/, the `ask` API.

python app.py [--host 127.0.0.1] [--port 7860] [--index DIR] [--corpus DIR]
              [--allowed-origins ORIGINS] [--root-path PATH] [--feedback-log PATH] [--rate-limit N]
              [--concurrency N] [--evaluate | --no-evaluate] [--instructor-password-file FILE]
              [--trusted-proxies CIDR[,CIDR…]] [--user-secret SECRET]
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from qa.web.app import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
