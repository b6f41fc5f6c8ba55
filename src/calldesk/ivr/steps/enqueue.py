"""enqueue: hand the interaction to an ACD queue with priority, skills and data. Ends the flow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from calldesk.ivr.actions import Action, Enqueue
from calldesk.ivr.steps.base import Field, StepContext, StepKind


class EnqueueStep(StepKind):
    kind = "enqueue"
    terminal = True
    schema = {
        "queue": Field("str", required=True, doc="a queue name known to the ACD"),
        "priority": Field("any", default=0, doc="int, or an expression giving one"),
        "skills": Field("map", default={}, doc="skill -> minimum level"),
        "data": Field("exprs", default={}, doc="extra data for the agent: name -> expression"),
        "timeout": Field("number", doc="seconds before the ACD's overflow rules apply"),
        "callback_number": Field("template", doc="set to ask the ACD for a callback instead"),
    }

    def check(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        if not isinstance(self.spec["priority"], int | str) or isinstance(
            self.spec["priority"], bool
        ):
            yield ("priority",), "priority must be an integer or an expression"
        for skill, level in self.spec["skills"].items():
            if not isinstance(level, int) or isinstance(level, bool):
                yield ("skills", skill), f"skill {skill!r} needs an integer level"

    def start(self, ctx: StepContext) -> Action:
        priority = self.spec["priority"]
        if isinstance(priority, str):
            try:
                priority = int(ctx.evaluate(priority) or 0)
            except (TypeError, ValueError):
                priority = 0
        data = {k: ctx.evaluate(v) for k, v in self.spec["data"].items()}
        callback = (
            ctx.render(self.spec["callback_number"]).strip()
            if self.spec.get("callback_number")
            else ""
        )
        return Enqueue(
            queue=self.spec["queue"],
            priority=priority,
            skills=dict(self.spec["skills"]),
            data=data,
            language=ctx.state.language,
            timeout=self.spec.get("timeout"),
            callback_number=callback or None,
        )
