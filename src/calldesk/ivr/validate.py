"""Pass 2: the graph check, one named error per rule. Then `load_flow`, which runs both passes.

Every rule is linear in the number of steps and edges (BFS, iterative Tarjan), so a
10,000-step flow validates quickly."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from calldesk.ivr import templating
from calldesk.ivr.errors import (
    FlowError,
    FlowInvalid,
    InputlessCycle,
    InvalidExpression,
    Mark,
    MissingBranch,
    MissingPrompt,
    TransferNotAllowed,
    UnknownFlow,
    UnknownQueue,
    UnknownTarget,
    UnreachableStep,
    UnsafeUrl,
)
from calldesk.ivr.flow import Flow, Step, number_allowed
from calldesk.ivr.loader import parse_yaml, read_flow_text
from calldesk.ivr.schema import check_schema


@dataclass(frozen=True)
class Checks:
    """What the graph pass checks against. None means "unknown here": that rule is skipped."""

    known_queues: frozenset[str] | None = None
    prompts_dir: Path | None = None
    known_flows: frozenset[str] | None = None


def _prompt_index(prompts_dir: Path) -> set[str]:
    """Every prompt file as a relative path, also without its language folder (en/x.wav -> x.wav)."""
    found: set[str] = set()
    for root, _dirs, files in os.walk(prompts_dir):
        rel_root = Path(root).relative_to(prompts_dir)
        for f in files:
            rel = (rel_root / f).as_posix()
            found.add(rel)
            if len(rel_root.parts) >= 1:
                found.add(Path(*rel_root.parts[1:], f).as_posix())
    return found


def _edges(flow: Flow, errors: list[FlowError]) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {}
    for name, step in flow.steps.items():
        for exit_name in step.impl.missing_exits():
            errors.append(
                MissingBranch(step.mark, f"{step.kind} step {name!r} has no {exit_name!r} branch")
            )
        out = []
        for label, target, path in step.impl.exits():
            if target in flow.steps or target in flow.broken:
                out.append(target)
            else:
                errors.append(
                    UnknownTarget(
                        step.mark_at(path),
                        f"step {name!r} ({label}) goes to unknown step {target!r}",
                    )
                )
        graph[name] = out
    return graph


def _guess_edges(raw: object, names: set[str], out: list[str]) -> list[str]:
    """For a step that failed the schema: any string naming a step counts as an edge, so
    one bad step does not make everything after it 'unreachable'."""
    if isinstance(raw, str) and raw in names:
        out.append(raw)
    elif isinstance(raw, dict):
        for v in raw.values():
            _guess_edges(v, names, out)
    elif isinstance(raw, list):
        for v in raw:
            _guess_edges(v, names, out)
    return out


def _reachability(flow: Flow, graph: dict[str, list[str]], errors: list[FlowError]) -> None:
    if flow.entry not in flow.steps and flow.entry not in flow.broken:
        errors.append(
            UnknownTarget(flow.entry_mark or flow.mark, f"entry step {flow.entry!r} does not exist")
        )
        return
    names = set(flow.steps) | flow.broken
    broken = {n: _guess_edges(flow.broken_raw.get(n), names, []) for n in flow.broken}
    seen = {flow.entry}
    todo = [flow.entry]
    while todo:
        node = todo.pop()
        for nxt in graph.get(node) or broken.get(node) or ():
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    for name, step in flow.steps.items():
        if name not in seen:
            errors.append(
                UnreachableStep(step.mark, f"step {name!r} cannot be reached from {flow.entry!r}")
            )


def _cycles(flow: Flow, graph: dict[str, list[str]], errors: list[FlowError]) -> None:
    """Tarjan's SCC, iterative. A cycle where no step waits for the caller loops forever."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = graph.get(node, [])
            recurse = False
            while i < len(succ):
                nxt = succ[i]
                i += 1
                if nxt not in graph:
                    continue
                if nxt not in index:
                    work.append((node, i))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if work and work[-1][0] != node:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                _report_cycle(flow, graph, comp, errors)


def _report_cycle(
    flow: Flow, graph: dict[str, list[str]], comp: list[str], errors: list[FlowError]
) -> None:
    if len(comp) == 1 and comp[0] not in graph[comp[0]]:
        return
    if any(flow.steps[n].impl.waits_for_input for n in comp):
        return
    order = {n: i for i, n in enumerate(flow.steps)}
    comp.sort(key=order.__getitem__)
    names = ", ".join(repr(n) for n in comp[:5]) + (" ..." if len(comp) > 5 else "")
    first = flow.steps[comp[0]]
    errors.append(
        InputlessCycle(first.mark, f"steps {names} loop with no step that waits for input")
    )


def _fields(
    step: Step, flow: Flow, checks: Checks, prompts: set[str] | None, errors: list[FlowError]
) -> None:
    spec = step.impl.spec
    for fname, f in step.impl.schema.items():
        value = spec.get(fname)
        if value is None:
            continue
        items: Iterable[tuple[tuple, str, str]]  # (path, source, how)
        if f.type == "expr":
            items = [((fname,), value, "expr")]
        elif f.type == "exprs":
            items = [((fname, k), v, "expr") for k, v in value.items()]
        elif f.type == "conditions":
            items = [((fname, i, "when"), c["when"], "expr") for i, c in enumerate(value)]
        elif f.type == "template":
            items = [((fname,), value, "template")]
        elif f.type == "templates":
            items = [((fname, k), v, "template") for k, v in value.items()]
        elif f.type == "url":
            items = [((fname,), value, "url")]
        elif f.type == "prompt":
            items = []
            for i, p in enumerate(value):
                path = (
                    (fname, i)
                    if len(value) > 1 or isinstance(step.raw.get(fname), list)
                    else (fname,)
                )
                for key in ("text", "file"):
                    if key in p:
                        items.append(((*path, key), p[key], "template"))
                if "file" in p and prompts is not None and not templating.is_template(p["file"]):
                    if p["file"] not in prompts:
                        errors.append(
                            MissingPrompt(
                                step.mark_at((*path, "file")),
                                f"prompt file {p['file']!r} is not in {checks.prompts_dir}",
                            )
                        )
        else:
            continue
        for path, source, how in items:
            check = templating.expression_error if how == "expr" else templating.template_error
            err = check(source)
            if err:
                errors.append(
                    InvalidExpression(
                        step.mark_at(path),
                        f"{step.kind} step {step.name!r}: {fname}: {err}: {source!r}",
                    )
                )
            elif how == "url":
                err = templating.url_template_error(source)
                if err:
                    errors.append(
                        UnsafeUrl(step.mark_at(path), f"{step.kind} step {step.name!r}: {err}")
                    )
    if step.kind == "enqueue" and checks.known_queues is not None:
        if spec["queue"] not in checks.known_queues:
            known = ", ".join(sorted(checks.known_queues)) or "none"
            errors.append(
                UnknownQueue(
                    step.mark_at(("queue",)),
                    f"queue {spec['queue']!r} is not configured (known: {known})",
                )
            )
    if step.kind == "subflow" and checks.known_flows is not None:
        if spec["flow"] not in checks.known_flows:
            errors.append(
                UnknownFlow(
                    step.mark_at(("flow",)), f"subflow {spec['flow']!r} is not a known flow"
                )
            )
    if step.kind == "transfer" and spec["to"] == "external":
        dest = spec["destination"]
        if not templating.is_template(dest) and not number_allowed(dest, flow.allow_transfer):
            errors.append(
                TransferNotAllowed(
                    step.mark_at(("destination",)),
                    f"external number {dest!r} is not in the flow's allow_transfer list",
                )
            )


def check_graph(flow: Flow, checks: Checks = Checks()) -> list[FlowError]:
    """Pass 2: targets, branches, reachability, cycles, expressions, queues, prompts."""
    errors: list[FlowError] = []
    graph = _edges(flow, errors)
    _reachability(flow, graph, errors)
    _cycles(flow, graph, errors)
    prompts = _prompt_index(checks.prompts_dir) if checks.prompts_dir else None
    for step in flow.steps.values():
        _fields(step, flow, checks, prompts, errors)
    return errors


def validate_text(
    text: str, file: str, checks: Checks = Checks()
) -> tuple[Flow | None, list[FlowError]]:
    """Both passes over one flow's source. Never raises for bad input: errors are returned."""
    try:
        doc = parse_yaml(text, file)
    except FlowInvalid as exc:
        return None, exc.errors
    flow, errors = check_schema(doc, file, text)
    if flow is not None:
        errors.extend(check_graph(flow, checks))
    errors.sort(key=lambda e: (e.line, e.col, e.code))
    return (flow if not errors else None), errors


def load_flow(path: str | Path, checks: Checks = Checks()) -> Flow:
    """Load and validate a flow file; raise FlowInvalid naming every error."""
    text = read_flow_text(path)
    flow, errors = validate_text(text, str(path), checks)
    if errors or flow is None:
        raise FlowInvalid(errors or [InvalidExpression(Mark(str(path), 1, 1), "empty flow")])
    return flow
