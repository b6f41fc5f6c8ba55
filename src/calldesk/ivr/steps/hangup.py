"""hangup: end the interaction with a cause."""

from __future__ import annotations

from calldesk.ivr.actions import Action, Hangup
from calldesk.ivr.steps.base import Field, StepContext, StepKind

CAUSES = (
    "NORMAL_CLEARING",
    "USER_BUSY",
    "CALL_REJECTED",
    "NO_ANSWER",
    "UNALLOCATED_NUMBER",
    "NORMAL_TEMPORARY_FAILURE",
    "SERVICE_UNAVAILABLE",
    "NO_ROUTE_DESTINATION",
)


class HangupStep(StepKind):
    kind = "hangup"
    terminal = True
    schema = {"cause": Field("str", default="NORMAL_CLEARING", choices=CAUSES)}

    def start(self, ctx: StepContext) -> Action:
        return Hangup(self.spec["cause"])
