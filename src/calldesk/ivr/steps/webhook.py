"""webhook: fire-and-forget HTTP with a timeout; the flow never waits for the answer."""

from __future__ import annotations

from calldesk.ivr.actions import Action, Goto, Result
from calldesk.ivr.steps.base import Field, StepContext, StepKind
from calldesk.ivr.steps.lookup import build_request


class WebhookStep(StepKind):
    kind = "webhook"
    schema = {
        "url": Field("url", required=True),
        "method": Field("str", default="POST", choices=("GET", "POST")),
        "params": Field("templates"),
        "body": Field("templates"),
        "timeout": Field("number", default=2.0),
        "next": Field("target", required=True),
    }

    def start(self, ctx: StepContext) -> Action:
        return build_request(ctx, self.spec, fire_and_forget=True)

    def resume(self, ctx: StepContext, result: Result) -> Action:
        return Goto(self.spec["next"])
