"""Accessibility checks for the browser tests: axe-core (from npm, in tests/js) run inside Debian's
Chromium.

`assert_no_serious_axe_violations(page, label)` injects axe-core into a Playwright page or frame,
runs the WCAG 2.0/2.1 A and AA rules, saves every finding to tests/artifacts/axe/LABEL.json (the
counts in the README come from these files) and fails on any critical or serious one, naming the
rule, the impact and the first elements. Any page of the app can be checked with it, e.g. the
instructor pages once they exist.

"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from tests.support.paths import ARTIFACTS, TESTS

AXE_JS = TESTS / "js" / "node_modules" / "axe-core" / "axe.min.js"
AXE_DIR = ARTIFACTS / "axe"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")


def axe_violations(page, label: str, tags: list[str] = WCAG_TAGS) -> list[dict]:
    """axe-core's violations of the rules with these tags (WCAG A/AA) on a Playwright page or frame,
    saved under `label`.

    Skips the test when axe-core is not installed (`make node-deps` installs it).

    """
    if not AXE_JS.exists():
        pytest.skip(
            f"axe-core is not installed in tests/js (run `make node-deps`): {AXE_JS} is missing"
        )
    # Colours are measured once the page is still: a reply fading in has not reached its own
    # contrast yet.
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running' || "
        "!isFinite(a.effect.getComputedTiming().endTime))"
    )
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async (tags) => {
            const r = await window.axe.run(document,
                {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "),
                    html: n.html.slice(0, 200), summary: n.failureSummary}))}));
        }""",
        tags,
    )
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-")
    (AXE_DIR / f"{name}.json").write_text(
        json.dumps({"label": label, "violations": violations}, indent=1), encoding="utf-8"
    )
    return violations


def axe_counts(violations: list[dict]) -> Counter:
    """Nodes per (rule, impact). Example: [{'id': 'color-contrast', 'impact': 'serious', 'nodes':
    [a, b]}] -> {('color-contrast', 'serious'): 2}"""
    return Counter({(v["id"], v["impact"]): len(v["nodes"]) for v in violations})


def describe(violations: list[dict], limit: int = 3) -> str:
    """A readable list of findings: rule, impact, help and the first elements of each."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}")
        lines += [f"    {n['target']}: {n['html'][:120]}" for n in v["nodes"][:limit]]
    return "\n".join(lines)


def assert_no_serious_axe_violations(page, label: str) -> list[dict]:
    """Fail on any critical or serious WCAG A/AA violation that axe-core finds; returns all
    violations.

    Args:
        page: a Playwright `Page` or `Frame` in the state to check.
        label: names the page and state in the failure message and the saved findings.

    """
    violations = axe_violations(page, label)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, (
        f"axe-core on {label}: critical or serious WCAG A/AA violations\n{describe(blocking)}"
    )
    return violations


def assert_none_blocking(found: dict[str, list[dict]]) -> None:
    """Fail, naming every page and state, when any of the checked states has a critical or serious
    violation."""
    bad = {label: [v for v in vs if v["impact"] in BLOCKING] for label, vs in found.items()}
    bad = {label: vs for label, vs in bad.items() if vs}
    assert not bad, "axe-core: critical or serious WCAG A/AA violations\n" + "\n".join(
        f"{label}:\n{describe(vs)}" for label, vs in bad.items()
    )
