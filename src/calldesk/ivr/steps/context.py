"""context: read or write the customer context (who is calling, their open cases)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from calldesk.ivr.actions import Action, ContextData, ContextRead, ContextWrite, Goto, Result
from calldesk.ivr.steps.base import Field, StepContext, StepKind


class ContextStep(StepKind):
    kind = "context"
    schema = {
        "action": Field("str", required=True, choices=("read", "write")),
        "key": Field("template", default="{{ caller.id }}", doc="whose context"),
        "values": Field("exprs", doc="write: name -> expression"),
        "next": Field("target", required=True),
    }

    def check(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        if self.spec["action"] == "write" and not self.spec.get("values"):
            yield ("action",), "a context write needs `values`"

    def start(self, ctx: StepContext) -> Action:
        key = ctx.render(self.spec["key"])
        if self.spec["action"] == "read":
            return ContextRead(key)
        values = {k: ctx.evaluate(v) for k, v in self.spec["values"].items()}
        ctx.state.context.update(values)
        return ContextWrite(key, values)

    def resume(self, ctx: StepContext, result: Result) -> Action:
        if isinstance(result, ContextData):
            ctx.state.context = dict(result.data)
        return Goto(self.spec["next"])
