"""The package's shape: stages import only downwards, no module imports itself back round a cycle.

Layers, bottom up: the shared base (`errors`, `env`, `files`), `readings`, `index`, `answering`,
`evaluation`, `web`, then `cli` on top. Imports inside a function count too (a lazy import is
still a dependency), so the graph is read from the source with `ast`, not from `sys.modules`.
"""

from __future__ import annotations

import ast
from pathlib import Path

QA = Path(__file__).resolve().parents[2] / "qa"
LAYERS = {
    "errors": 0,
    "env": 0,
    "files": 0,
    "readings": 1,
    "index": 2,
    "answering": 3,
    "evaluation": 4,
    "web": 5,
    "cli": 6,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(QA.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The qa modules one file imports (relative imports resolved), at any depth of the file."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            if not target.startswith("qa"):
                continue
            for (
                alias
            ) in node.names:  # `from . import embed` names a module, `from .x import f` a name
                sub = f"{target}.{alias.name}"
                found.add(sub if (QA.parent / (sub.replace(".", "/") + ".py")).exists() else target)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("qa.")}
    return found - {name}


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in QA.rglob("*.py") if p.name != "__main__.py"}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_every_module_belongs_to_a_layer():
    unplaced = sorted(m for m in _graph() if m != "qa" and _layer(m) is None)
    assert not unplaced, f"modules outside the layers {sorted(LAYERS)}: {unplaced}"


def test_imports_only_go_down():
    upward = sorted(
        f"{m} -> {t}"
        for m, targets in _graph().items()
        for t in targets
        if m != "qa" and t != "qa" and _layer(t) is not None and _layer(t) > _layer(m)
    )
    assert not upward, "imports that go up a layer:\n" + "\n".join(upward)


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt == "qa" or nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt) :] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_checker_sees_a_relative_and_a_lazy_import():
    graph = _graph()
    assert "qa.index.model" in graph["qa.index.embed"]  # relative, at the top
    assert any(t.startswith("qa.answering") for t in graph["qa.cli"])  # inside a function
