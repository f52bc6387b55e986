# Two commands on a fresh clone: `make run` (install, build the index, serve the chat) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 7860

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run index calibration screenshots quality test test-fast bench browser node-deps clean help

help:
	@echo "make run      install, build the index if needed, serve the chat at http://$(HOST):$(PORT)"
	@echo "make test     install, then run every test"
	@echo "make install  create .venv and install the project (quick when nothing changed)"
	@echo "make index    build or update the index of corpus/"
	@echo "make bench    measure speed against the common baseline (writes bench/results.json)"
	@echo "make calibration  choose the shipped refusal threshold again from the article's question sets"

install: $(STAMP)

# PyTorch's CPU build first: torch==2.13.0 is a CPU wheel here; a bare `torch` would pull CUDA.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip>=24"
	$(PIP) install --quiet "torch==2.13.0"
	$(PIP) install --quiet -e ".[dev]"
	@touch $(STAMP)

index: install
	$(VENV)/bin/qa build

# The refusal threshold shipped with the package (used by any index without its own calibration):
# chosen on both question sets of the bundled article so that no in-scope question is refused.
calibration: install index
	cat eval/questions.jsonl eval/questions.more.jsonl > index/calibration-questions.jsonl
	$(VENV)/bin/qa calibrate index/calibration-questions.jsonl --max-wrong-refusal 0
	cp index/calibration.json qa/defaults/calibration.json

run: install index
	$(PY) app.py --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests; Playwright never downloads a browser of its own.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# @gradio/client for the JavaScript API test, from the npm registry (skipped where node is absent).
node-deps:
	@if command -v npm >/dev/null 2>&1 && [ -f tests/js/package.json ]; then \
	  [ -d tests/js/node_modules/@gradio/client ] || (cd tests/js && npm install --silent --no-audit --no-fund >/dev/null); fi

test: install browser node-deps
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not browser and not app"

bench: install index
	$(PY) bench/run.py

# Retrieval quality of ours and of the common baseline on every question set (bench/results-quality.json).
quality: install
	$(PY) bench/quality.py

# Refresh the README's screenshots (the browser tests save them to tests/artifacts/ otherwise).
screenshots: install browser
	QA_UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/test_browser.py tests/test_widget.py tests/test_instructor_browser.py -q

clean:
	rm -rf $(VENV) index/*.faiss index/*.json index/cache .pytest_cache
