"""subflow: run another flow, then come back to `next`. `return` ends a subflow."""

from __future__ import annotations

from calldesk.ivr.actions import Action, EnterSubflow, Return
from calldesk.ivr.steps.base import Field, StepContext, StepKind


class SubflowStep(StepKind):
    kind = "subflow"
    schema = {
        "flow": Field("str", required=True, doc="name of the flow to run"),
        "next": Field("target", required=True, doc="where to continue when it returns"),
    }

    def start(self, ctx: StepContext) -> Action:
        return EnterSubflow(self.spec["flow"], self.spec["next"])


class ReturnStep(StepKind):
    kind = "return"
    terminal = True
    schema = {}

    def start(self, ctx: StepContext) -> Action:
        return Return()
