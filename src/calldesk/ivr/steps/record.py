"""record: leave a message (voicemail or callback request); the path lands in a variable."""

from __future__ import annotations

from calldesk.ivr.actions import Action, Goto, Record, RecordingDone, Result
from calldesk.ivr.steps.base import Field, StepContext, StepKind


class RecordStep(StepKind):
    kind = "record"
    waits_for_input = True
    schema = {
        "prompt": Field("prompt"),
        "variable": Field("str", default="recording"),
        "max_seconds": Field("int", default=120),
        "silence_seconds": Field("int", default=5),
        "terminators": Field("str", default="#"),
        "purpose": Field("str", default="voicemail", choices=("voicemail", "callback")),
        "next": Field("target", required=True),
        "text": Field("target", doc="on chat, SMS or email, go here instead"),
    }

    def start(self, ctx: StepContext) -> Action:
        s = self.spec
        return Record(
            ctx.prompts(s.get("prompt")),
            s["max_seconds"],
            s["silence_seconds"],
            s["terminators"],
            s["purpose"],
        )

    def resume(self, ctx: StepContext, result: Result) -> Action:
        if isinstance(result, RecordingDone):
            ctx.state.variables[self.spec["variable"]] = result.path or result.text
            ctx.state.variables[f"{self.spec['variable']}_purpose"] = self.spec["purpose"]
        return Goto(self.spec["next"])
