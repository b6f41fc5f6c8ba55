"""menu: a prompt, then one digit picks an option. Retries, then the fallback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from calldesk.ivr.actions import Action, CollectDigits, DigitsReceived, Goto, NoInput, Result
from calldesk.ivr.steps._retry import retry
from calldesk.ivr.steps.base import Field, StepContext, StepKind

DTMF = set("0123456789*#")


class MenuStep(StepKind):
    kind = "menu"
    waits_for_input = True
    schema = {
        "prompt": Field("prompt", required=True),
        "options": Field("targets", required=True, doc="digit -> step"),
        "timeout": Field("number", default=5.0, doc="seconds to wait for a digit"),
        "invalid_prompt": Field("prompt"),
        "no_input_prompt": Field("prompt"),
        "retries": Field("int", default=2, doc="attempts after the first"),
        "fallback": Field("target", required=True, doc="where to go when retries run out"),
        "labels": Field("map", doc="digit -> label a text reply may name instead of the digit"),
    }

    def check(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        for key in self.spec["options"]:
            if len(key) != 1 or key not in DTMF:
                yield ("options", key), f"option {key!r} is not one DTMF digit (0-9, *, #)"
        for key in self.spec.get("labels") or {}:
            if key not in self.spec["options"]:
                yield ("labels", key), f"label for {key!r}, which is not an option"
        if self.spec["retries"] < 0:
            yield ("retries",), "retries must be 0 or more"

    def _ask(self, ctx: StepContext) -> CollectDigits:
        return CollectDigits(
            prompts=ctx.prompts(self.spec["prompt"]),
            min_digits=1,
            max_digits=1,
            terminators="",
            timeout=float(self.spec["timeout"]),
            choices=self._choices(),
        )

    def _choices(self) -> tuple[tuple[str, str], ...]:
        """On text media an option is also picked by its label or its target step's name."""
        labels = self.spec.get("labels") or {}
        out = [(str(labels[d]), d) for d in self.spec["options"] if d in labels]
        out += [(target, d) for d, target in self.spec["options"].items()]
        return tuple(out)

    def start(self, ctx: StepContext) -> Action:
        return self._ask(ctx)

    def resume(self, ctx: StepContext, result: Result) -> Action:
        if isinstance(result, DigitsReceived) and result.digits[:1] in self.spec["options"]:
            ctx.state.variables[f"{self.name}_choice"] = result.digits[:1]
            return Goto(self.spec["options"][result.digits[:1]])
        return retry(ctx, self.spec, self._ask(ctx), no_input=isinstance(result, NoInput))
