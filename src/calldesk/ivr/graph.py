"""Pictures of a flow: Graphviz dot, Mermaid, and SVG (Graphviz if installed, else a pure
Python layered layout)."""

from __future__ import annotations

import shutil
import subprocess
from collections import deque
from html import escape

from calldesk.ivr.flow import Flow

INPUT_KINDS = {"menu", "collect", "record"}


def edges(flow: Flow) -> list[tuple[str, str, str]]:
    out = []
    for name, step in flow.steps.items():
        for label, target, _ in step.impl.exits():
            if target in flow.steps:
                out.append((name, target, label))
    return out


def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(flow: Flow) -> str:
    lines = [
        f"digraph {_dot_str(flow.name)} {{",
        "  rankdir=TB;",
        '  node [fontname="Helvetica", fontsize=10];',
    ]
    lines.append(f"  __start [shape=point];\n  __start -> {_dot_str(flow.entry)};")
    for name, step in flow.steps.items():
        shape = (
            "parallelogram"
            if step.kind in INPUT_KINDS
            else ("doubleoctagon" if step.impl.terminal else "box")
        )
        label = f"{name}\\n({step.kind})"
        lines.append(f'  {_dot_str(name)} [shape={shape}, label="{label}"];')
    for src, dst, label in edges(flow):
        lines.append(f"  {_dot_str(src)} -> {_dot_str(dst)} [label={_dot_str(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mid(name: str, ids: dict[str, str]) -> str:
    return ids.setdefault(name, f"s{len(ids)}")


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(flow: Flow) -> str:
    ids: dict[str, str] = {}
    lines = ["flowchart TD"]
    for name, step in flow.steps.items():
        i, text = _mid(name, ids), _mermaid_text(f"{name}<br/>({step.kind})")
        if step.kind in INPUT_KINDS:
            lines.append(f'  {i}[/"{text}"/]')
        elif step.impl.terminal:
            lines.append(f'  {i}(["{text}"])')
        else:
            lines.append(f'  {i}["{text}"]')
    lines.append(f"  start((start)) --> {_mid(flow.entry, ids)}")
    for src, dst, label in edges(flow):
        lines.append(f'  {_mid(src, ids)} -->|"{_mermaid_text(label)}"| {_mid(dst, ids)}')
    return "\n".join(lines) + "\n"


def _layers(flow: Flow) -> dict[str, int]:
    """BFS depth from the entry; unreachable steps go below everything."""
    depth = {flow.entry: 0}
    todo = deque([flow.entry])
    adj: dict[str, list[str]] = {}
    for src, dst, _ in edges(flow):
        adj.setdefault(src, []).append(dst)
    while todo:
        n = todo.popleft()
        for m in adj.get(n, ()):
            if m not in depth:
                depth[m] = depth[n] + 1
                todo.append(m)
    bottom = max(depth.values(), default=0) + 1
    return {n: depth.get(n, bottom) for n in flow.steps}


def to_svg_pure(flow: Flow) -> str:
    """A layered drawing: one row per BFS depth, edges as straight arrows with labels."""
    layers = _layers(flow)
    rows: dict[int, list[str]] = {}
    for name in flow.steps:
        rows.setdefault(layers[name], []).append(name)
    w, h, gx, gy = 150, 40, 30, 70
    width = max(len(r) for r in rows.values()) * (w + gx) + gx
    pos = {}
    for d, names in rows.items():
        offset = (width - len(names) * (w + gx) + gx) / 2
        for i, n in enumerate(names):
            pos[n] = (offset + i * (w + gx), gy / 2 + d * (h + gy))
    height = (max(rows) + 1) * (h + gy)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" font-family="Helvetica" font-size="11">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
        f"<title>{escape(flow.name)}</title>",
    ]
    for src, dst, label in edges(flow):
        (x1, y1), (x2, y2) = pos[src], pos[dst]
        sx, sy = x1 + w / 2, y1 + h
        ex, ey = x2 + w / 2, y2 if y2 > y1 else y2 + h
        if src == dst:
            out.append(
                f'<path d="M{x1 + w},{y1 + 10} c30,0 30,20 0,20" fill="none" stroke="#555" marker-end="url(#arrow)"/>'
            )
            continue
        out.append(
            f'<line x1="{sx:.0f}" y1="{sy:.0f}" x2="{ex:.0f}" y2="{ey:.0f}" stroke="#555" marker-end="url(#arrow)"/>'
        )
        out.append(
            f'<text x="{(sx + ex) / 2:.0f}" y="{(sy + ey) / 2:.0f}" fill="#333" font-size="9">{escape(label[:30])}</text>'
        )
    for name, step in flow.steps.items():
        x, y = pos[name]
        fill = (
            "#dbeafe"
            if step.kind in INPUT_KINDS
            else ("#fde68a" if step.impl.terminal else "#f3f4f6")
        )
        stroke = "#b91c1c" if name == flow.entry else "#374151"
        out.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{w}" height="{h}" rx="6" fill="{fill}" stroke="{stroke}"/>'
        )
        out.append(
            f'<text x="{x + w / 2:.0f}" y="{y + 17:.0f}" text-anchor="middle" font-weight="bold">{escape(name[:24])}</text>'
        )
        out.append(
            f'<text x="{x + w / 2:.0f}" y="{y + 31:.0f}" text-anchor="middle" fill="#555">{escape(step.kind)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_svg(flow: Flow, prefer_graphviz: bool = True) -> str:
    dot = shutil.which("dot") if prefer_graphviz else None
    if dot:
        done = subprocess.run(
            [dot, "-Tsvg"],
            input=to_dot(flow),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode == 0:
            return done.stdout
    return to_svg_pure(flow)
