"""transfer: to an extension, an agent, or an external number the flow's allow-list permits
(and, with trunks configured, the global outbound rules: premium, international, allow-list)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from calldesk.ivr.actions import Action, Goto, Hangup, Transfer
from calldesk.ivr.flow import number_allowed
from calldesk.ivr.steps.base import Field, StepContext, StepKind

EXTENSION = re.compile(r"^[0-9A-Za-z_.+-]{1,64}$")


class TransferStep(StepKind):
    kind = "transfer"
    terminal = True
    schema = {
        "to": Field("str", required=True, choices=("extension", "agent", "external")),
        "destination": Field("template", required=True),
        "fallback": Field("target", doc="where to go if the destination is refused"),
        "text": Field("target", doc="on chat, SMS or email, go here instead"),
    }

    def start(self, ctx: StepContext) -> Action:
        dest = ctx.render(self.spec["destination"]).strip()
        ok = bool(EXTENSION.match(dest))
        if self.spec["to"] == "external":
            ok = number_allowed(dest, ctx.allow_transfer)
            if ok and ctx.outbound_check is not None:  # then the global toll-fraud rules
                ok = ctx.outbound_check(dest, str(ctx.interaction.get("id", "")))
        if ok:
            return Transfer(self.spec["to"], dest)
        ctx.state.variables[f"{self.name}_refused"] = dest
        if self.spec.get("fallback"):
            return Goto(self.spec["fallback"])
        return Hangup("CALL_REJECTED")

    def check(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        return iter(())
