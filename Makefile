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

.PHONY: install run index screenshots quality test test-fast lint bench browser node-deps clean help

help:
	@echo "make run      install, build the index if needed, serve the chat at http://$(HOST):$(PORT)"
	@echo "make test     install, lint, then run every test"
	@echo "make test-fast  the unit layer only (tests/unit: fake embedder, no model, no server)"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make install  create .venv and install the project (quick when nothing changed)"
	@echo "make index    build or update the index of corpus/"
	@echo "make bench    measure speed against the common baseline (writes bench/results.json)"
	@echo "make quality  retrieval quality of every question set, each from weights chosen without it, beside the baseline"

install: $(STAMP)

# PyTorch's CPU build first: torch==2.13.0 is a CPU wheel here; a bare `torch` would pull CUDA.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip>=24"
	$(PIP) install --quiet "torch==2.13.0"
	$(PIP) install --quiet -e ".[dev]"
	@touch $(STAMP)

index: install
	$(VENV)/bin/qa build || [ $$? -eq 4 ]  # 4: built, with a reading skipped (named above)

run: install index
	$(PY) app.py --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests; Playwright never downloads a browser of its own.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# From the npm registry (skipped where npm is absent): @gradio/client for the JavaScript API test,
# axe-core for the accessibility checks the browser tests inject into Chromium.
node-deps:
	@if command -v npm >/dev/null 2>&1 && [ -f tests/js/package.json ]; then \
	  [ -d tests/js/node_modules/@gradio/client ] && [ -f tests/js/node_modules/axe-core/axe.min.js ] || \
	  (cd tests/js && npm install --silent --no-audit --no-fund >/dev/null); fi

# Lint first: a style slip fails in seconds, before the minutes of the model, app and browser layers.
test: install lint browser node-deps
	$(PY) -m pytest

# The unit layer: the fake embedder, no model, no server (tests/model, tests/app, tests/browser are not run).
test-fast: install
	$(PY) -m pytest tests/unit

LINTED := qa tests bench app.py examples
lint: install
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)

bench: install index
	$(PY) bench/run.py

# Retrieval quality on every question set by leave-one-corpus-out, beside the common baseline
# (bench/results-quality.json and the README's table).
quality: install
	$(PY) bench/quality.py

# Refresh the README's screenshots (the browser tests save them to tests/artifacts/ otherwise).
screenshots: install browser
	QA_UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/browser/test_browser.py tests/browser/test_widget.py tests/browser/test_instructor_browser.py -q

clean:
	rm -rf $(VENV) index/*.faiss index/*.json index/cache .pytest_cache
