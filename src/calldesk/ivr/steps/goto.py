"""goto: jump to another step."""

from __future__ import annotations

from calldesk.ivr.actions import Action, Goto
from calldesk.ivr.steps.base import Field, StepContext, StepKind


class GotoStep(StepKind):
    kind = "goto"
    schema = {"target": Field("target", required=True)}

    def start(self, ctx: StepContext) -> Action:
        return Goto(self.spec["target"])
