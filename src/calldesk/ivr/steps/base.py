"""What every step kind shares: a declared schema, the context it runs in, and its exits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from jinja2.exceptions import TemplateError

from calldesk.ivr import templating
from calldesk.ivr.actions import Action, Prompt, Result
from calldesk.ivr.state import RunState

log = logging.getLogger(__name__)

# Field types a schema may use. Targets, expressions, templates and prompts are what the
# graph pass reads, so a new step kind gets graph checks by declaring its fields.
FIELD_TYPES = {
    "str",
    "int",
    "number",
    "bool",
    "strs",
    "map",
    "any",
    "target",
    "targets",
    "conditions",
    "expr",
    "exprs",
    "template",
    "templates",
    "url",
    "prompt",
}


@dataclass(frozen=True)
class Field:
    type: str
    required: bool = False
    default: Any = None
    choices: tuple[Any, ...] = ()
    doc: str = ""


@dataclass
class StepContext:
    """What a step sees: the run state, the time (injected), and template helpers."""

    state: RunState
    now: datetime
    interaction: dict[str, Any]
    allow_transfer: tuple[str, ...] = ()
    outbound_check: Callable[[str, str], bool] | None = None  # global rules (trunks)

    @property
    def scratch(self) -> dict[str, Any]:
        return self.state.scratch

    def scope(self) -> dict[str, Any]:
        s = self.state
        return {
            **s.variables,
            "vars": s.variables,
            "caller": s.caller,
            "context": s.context,
            "interaction": self.interaction,
            "language": s.language,
            "now": self.now,
            "queue": s.variables.get("queue", {}),
        }

    def render(self, source: str) -> str:
        """Render prompt text; a template that fails (or breaks the sandbox) renders empty."""
        try:
            return templating.render(source, self.scope())
        except TemplateError as exc:
            log.warning("template %r failed: %s", source, exc)
            return ""

    def render_url(self, source: str) -> str:
        return templating.render_url(source, self.scope())

    def evaluate(self, source: str) -> Any:
        return templating.evaluate(source, self.scope())

    def prompts(self, spec: list[dict[str, Any]] | None) -> tuple[Prompt, ...]:
        """Render normalized prompt specs for the run's language and voice."""
        out = []
        for p in spec or ():
            text = p.get("text")
            out.append(
                Prompt(
                    file=self.render(p["file"]) if p.get("file") else None,
                    text=self.render(text) if text is not None else None,
                    tone=p.get("tone"),
                    silence_ms=p.get("silence"),
                    language=self.state.language,
                    voice=self.state.voice,
                )
            )
        return tuple(out)


class StepKind:
    """Base of every step kind. Subclasses declare `kind`, `schema`, and the pure logic."""

    kind: ClassVar[str] = ""
    schema: ClassVar[dict[str, Field]] = {}
    waits_for_input: ClassVar[bool] = False  # breaks a cycle (the caller must act)
    terminal: ClassVar[bool] = False  # the flow ends here; no `next` needed

    def __init__(self, name: str, spec: dict[str, Any]) -> None:
        self.name = name
        self.spec = spec

    def check(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        """Kind-specific schema rules beyond field types: yields (field path, message)."""
        return iter(())

    def missing_exits(self) -> list[str]:
        """Required exits (target fields) that are not set: each is a missing-branch error."""
        return [
            n
            for n, f in self.schema.items()
            if f.type == "target" and f.required and self.spec.get(n) is None
        ]

    def exits(self) -> Iterator[tuple[str, str, tuple[Any, ...]]]:
        """(label, target step, field path) for every edge this step may take."""
        for fname, f in self.schema.items():
            value = self.spec.get(fname)
            if value is None:
                continue
            if f.type == "target":
                yield fname, value, (fname,)
            elif f.type == "targets":
                for key, target in value.items():
                    yield f"{fname}.{key}", target, (fname, key)
            elif f.type == "conditions":
                for i, cond in enumerate(value):
                    yield f"when {cond['when']}", cond["goto"], (fname, i, "goto")

    def start(self, ctx: StepContext) -> Action:
        raise NotImplementedError

    def resume(self, ctx: StepContext, result: Result) -> Action:
        raise NotImplementedError(f"{self.kind} does not take {type(result).__name__}")
