"""Pass 1: the schema check. Each step kind declares its fields; values are type-checked,
defaults filled in, prompts and option keys normalized. The result is a Flow for pass 2."""

from __future__ import annotations

from typing import Any

from calldesk.ivr.errors import FlowError, Mark, SchemaError, UnknownStepKind
from calldesk.ivr.flow import Bindings, Flow, Step
from calldesk.ivr.loader import MarkedDict, flow_version
from calldesk.ivr.steps import REGISTRY
from calldesk.ivr.steps.base import Field

TOP_LEVEL = {"flow", "description", "entry", "bindings", "allow_transfer", "steps"}
PROMPT_KEYS = {"file", "text", "tone", "silence"}


class _Bad(Exception):
    def __init__(self, message: str, path: tuple[Any, ...] = ()) -> None:
        self.message, self.path = message, path


def _scalar_str(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad(f"{what} must be a string, not {type(value).__name__}")
    return str(value)


def _expr_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    return _scalar_str(value, "an expression")


def _prompt(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items):
        path = (i,) if isinstance(value, list) else ()
        if isinstance(item, str):
            out.append({"text": item})
            continue
        if not isinstance(item, dict):
            raise _Bad("a prompt is text or a mapping with file/text/tone/silence", path)
        extra = set(item) - PROMPT_KEYS
        if extra:
            raise _Bad(f"unknown prompt key(s) {sorted(map(str, extra))}", path)
        media = [k for k in ("file", "tone", "silence") if k in item]
        if len(media) > 1 or not (media or "text" in item):
            raise _Bad("a prompt has one of file/tone/silence, and/or text", path)
        if "silence" in item and (
            isinstance(item["silence"], bool) or not isinstance(item["silence"], int)
        ):
            raise _Bad("silence is in milliseconds (an integer)", (*path, "silence"))
        p = {k: _scalar_str(v, k) if k != "silence" else v for k, v in item.items()}
        out.append(p)
    return out


def _convert(f: Field, value: Any) -> Any:  # noqa: C901 - one branch per field type
    t = f.type
    if t in ("str", "template", "url", "target"):
        return _scalar_str(value, "this field")
    if t == "expr":
        return _expr_str(value)
    if t == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad("must be an integer")
        return value
    if t == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Bad("must be a number")
        return value
    if t == "bool":
        if not isinstance(value, bool):
            raise _Bad("must be true or false")
        return value
    if t == "strs":
        if not isinstance(value, list):
            raise _Bad("must be a list")
        return [_scalar_str(v, "each item") for v in value]
    if t in ("map", "targets", "exprs", "templates"):
        if not isinstance(value, dict):
            raise _Bad("must be a mapping")
        if t == "map":
            return {str(k): v for k, v in value.items()}
        conv = _expr_str if t == "exprs" else (lambda v: _scalar_str(v, "each value"))
        out = {}
        for k, v in value.items():
            try:
                out[str(k)] = conv(v)
            except _Bad as bad:
                raise _Bad(bad.message, (k,)) from None
        return out
    if t == "conditions":
        if not isinstance(value, list) or not value:
            raise _Bad("must be a non-empty list of {when, goto}")
        conds = []
        for i, c in enumerate(value):
            if not isinstance(c, dict) or set(c) != {"when", "goto"}:
                raise _Bad("each condition has exactly `when` and `goto`", (i,))
            conds.append({"when": _expr_str(c["when"]), "goto": _scalar_str(c["goto"], "goto")})
        return conds
    if t == "prompt":
        return _prompt(value)
    return value  # "any"


def _check_step(name: str, raw: Any, file: str, mark: Mark) -> tuple[Step | None, list[FlowError]]:
    if not isinstance(raw, MarkedDict):
        return None, [SchemaError(mark, f"step {name!r} must be a mapping")]
    kind = raw.get("kind")
    cls = REGISTRY.get(kind) if isinstance(kind, str) else None
    if cls is None:
        where = raw.mark_of("kind") if "kind" in raw else mark
        known = ", ".join(sorted(REGISTRY))
        return None, [UnknownStepKind(where, f"step {name!r}: kind {kind!r} is not one of {known}")]
    errors: list[FlowError] = []
    spec: dict[str, Any] = {}
    for key in raw:
        if key != "kind" and key not in cls.schema:
            errors.append(
                SchemaError(raw.key_marks[key], f"{kind} step {name!r}: unknown field {key!r}")
            )
    for fname, f in cls.schema.items():
        if fname not in raw or raw[fname] is None:
            if f.required and f.type != "target":  # missing targets are missing-branch errors
                errors.append(SchemaError(mark, f"{kind} step {name!r}: missing field {fname!r}"))
            spec[fname] = f.default() if callable(f.default) else _copy(f.default)
            continue
        try:
            spec[fname] = _convert(f, raw[fname])
        except _Bad as bad:
            step = Step(name, kind, None, mark, raw)  # type: ignore[arg-type]
            at = step.mark_at((fname, *bad.path))
            errors.append(SchemaError(at, f"{kind} step {name!r}: {fname}: {bad.message}"))
            continue
        if f.choices and spec[fname] not in f.choices:
            choices = ", ".join(map(str, f.choices))
            errors.append(
                SchemaError(
                    raw.mark_of(fname), f"{kind} step {name!r}: {fname} must be one of {choices}"
                )
            )
    if errors:
        return None, errors
    step = Step(name, str(kind), cls(name, spec), mark, raw)
    for path, message in step.impl.check():
        errors.append(SchemaError(step.mark_at(path), f"{kind} step {name!r}: {message}"))
    return (None if errors else step), errors


def _copy(value: Any) -> Any:
    return type(value)(value) if isinstance(value, list | dict) else value


def check_schema(doc: Any, file: str, source: str) -> tuple[Flow | None, list[FlowError]]:
    """Pass 1. Returns the flow (None if the top level is unusable) and every schema error."""
    top = Mark(file, 1, 1)
    if not isinstance(doc, MarkedDict):
        return None, [SchemaError(top, "a flow file is a mapping with `flow` and `steps`")]
    errors: list[FlowError] = []
    for key in doc:
        if key not in TOP_LEVEL:
            errors.append(SchemaError(doc.key_marks[key], f"unknown top-level key {key!r}"))
    name = doc.get("flow")
    if not isinstance(name, str) or not name:
        errors.append(SchemaError(doc.mark_of("flow"), "`flow` (the flow's name) is required"))
    steps_raw = doc.get("steps")
    if not isinstance(steps_raw, MarkedDict) or not steps_raw:
        errors.append(SchemaError(doc.mark_of("steps"), "`steps` must be a non-empty mapping"))
        return None, errors
    bindings = Bindings()
    b = doc.get("bindings")
    if b is not None:
        if not isinstance(b, dict) or set(b) - {"numbers", "entry_points"}:
            errors.append(
                SchemaError(doc.mark_of("bindings"), "bindings has `numbers` and `entry_points`")
            )
        else:
            try:
                bindings = Bindings(
                    tuple(_convert(Field("strs"), b.get("numbers") or [])),
                    tuple(_convert(Field("strs"), b.get("entry_points") or [])),
                )
            except _Bad as bad:
                errors.append(SchemaError(doc.mark_of("bindings"), f"bindings: {bad.message}"))
    allow: tuple[str, ...] = ()
    try:
        allow = tuple(_convert(Field("strs"), doc.get("allow_transfer") or []))
    except _Bad as bad:
        errors.append(SchemaError(doc.mark_of("allow_transfer"), f"allow_transfer: {bad.message}"))
    steps: dict[str, Step] = {}
    broken: dict[str, Any] = {}
    for raw_name, raw in steps_raw.items():
        sname = str(raw_name)
        step, errs = _check_step(sname, raw, file, steps_raw.key_marks[raw_name])
        errors.extend(errs)
        if step is not None:
            steps[sname] = step
        else:
            broken[sname] = raw
    entry = doc.get("entry", next(iter(steps_raw)))
    flow = Flow(
        name=str(name or ""),
        version=flow_version(source),
        entry=str(entry),
        steps=steps,
        file=file,
        source=source,
        mark=doc.mark,
        bindings=bindings,
        allow_transfer=allow,
        description=str(doc.get("description") or ""),
        entry_mark=doc.mark_of("entry") if "entry" in doc else doc.mark,
        broken=set(broken),
        broken_raw=broken,
    )
    return flow, errors
