"""say: numbers, digits, currency, dates and times, spoken by FreeSWITCH `say`."""

from __future__ import annotations

from calldesk.ivr.actions import Action, Goto, Result, Say
from calldesk.ivr.steps.base import Field, StepContext, StepKind

SAY_TYPES = ("number", "digits", "currency", "date", "time", "date_time")


class SayStep(StepKind):
    kind = "say"
    schema = {
        "value": Field("template", required=True, doc="jinja2 template giving the value"),
        "type": Field("str", default="number", choices=SAY_TYPES),
        "language": Field("str", doc="defaults to the run's language"),
        "next": Field("target", required=True),
    }

    def start(self, ctx: StepContext) -> Action:
        value = ctx.render(self.spec["value"]).strip()
        return Say(value, self.spec["type"], self.spec.get("language") or ctx.state.language)

    def resume(self, ctx: StepContext, result: Result) -> Action:
        return Goto(self.spec["next"])
