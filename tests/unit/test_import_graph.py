"""The packages of calldesk depend one way: no import loop between `calldesk.*` packages
(module-level imports; `if TYPE_CHECKING:` blocks do not count)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[2] / "src" / "calldesk"


def package_edges(root: Path, top: str = "calldesk") -> dict[str, set[str]]:
    """package -> the sibling packages its modules import at module level."""
    edges: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        src = path.relative_to(root).parts[0].removesuffix(".py")
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            for sub in ast.walk(node):
                names: list[str] = []
                if isinstance(sub, ast.Import):
                    names = [a.name for a in sub.names]
                elif isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
                    names = [sub.module]
                for name in names:
                    parts = name.split(".")
                    if parts[0] == top and len(parts) > 1 and parts[1] != src:
                        if (root / parts[1]).is_dir() or (root / f"{parts[1]}.py").exists():
                            edges.setdefault(src, set()).add(parts[1])
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_loop_between_calldesk_packages() -> None:
    found = cycles(package_edges(SRC))
    assert found == [], f"import loops between calldesk packages: {found}"


def test_the_check_finds_a_loop(tmp_path) -> None:
    pkg = tmp_path / "calldesk"
    for name, imports in {"a": "calldesk.b", "b": "calldesk.c.x", "c": "calldesk.a"}.items():
        (pkg / name).mkdir(parents=True)
        (pkg / name / "__init__.py").write_text(f"import {imports}\n")
    (pkg / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    import calldesk.a\n")
    assert cycles(package_edges(pkg)) == [["a", "b", "c"]]


def test_the_engine_and_interactions_stay_below_the_media() -> None:
    edges = package_edges(SRC)
    assert not edges.get("interactions", set()) & {"ivr", "dispatch", "engine", "voice"}
    assert not edges.get("engine", set()) & {"ivr", "voice", "deskcalls", "supervision"}
    # the composition root is used by the CLI and the demo only: nothing it wires imports it
    assert {src for src, deps in edges.items() if "app" in deps} <= {"cli", "demo"}
