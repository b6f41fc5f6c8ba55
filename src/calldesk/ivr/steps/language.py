"""language: switch the prompt language (and TTS voice) for the rest of the run."""

from __future__ import annotations

from calldesk.ivr.actions import Action, Goto
from calldesk.ivr.steps.base import Field, StepContext, StepKind


class LanguageStep(StepKind):
    kind = "language"
    schema = {
        "language": Field("template", required=True, doc="e.g. en, fr, or {{ lang }}"),
        "voice": Field("str", doc="TTS voice name"),
        "next": Field("target", required=True),
    }

    def start(self, ctx: StepContext) -> Action:
        ctx.state.language = ctx.render(self.spec["language"]).strip() or ctx.state.language
        if self.spec.get("voice"):
            ctx.state.voice = self.spec["voice"]
        return Goto(self.spec["next"])
