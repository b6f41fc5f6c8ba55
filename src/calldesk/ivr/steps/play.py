"""play: a prompt file, TTS text, a tone or silence. Digits typed during it become type-ahead."""

from __future__ import annotations

from calldesk.ivr.actions import Action, Goto, Play, Result
from calldesk.ivr.steps.base import Field, StepContext, StepKind


class PlayStep(StepKind):
    kind = "play"
    schema = {
        "prompt": Field("prompt", required=True, doc="what to play (one or a list)"),
        "barge_in": Field("bool", default=True, doc="a digit stops the prompt"),
        "next": Field("target", required=True),
    }

    def start(self, ctx: StepContext) -> Action:
        return Play(ctx.prompts(self.spec["prompt"]), barge_in=self.spec["barge_in"])

    def resume(self, ctx: StepContext, result: Result) -> Action:
        return Goto(self.spec["next"])
