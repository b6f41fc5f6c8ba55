"""set: assign flow variables from jinja2 expressions (evaluated in a sandbox)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from jinja2.exceptions import TemplateError

from calldesk.ivr.actions import Action, Goto
from calldesk.ivr.steps.base import Field, StepContext, StepKind
from calldesk.ivr.steps.collect import IDENT

log = logging.getLogger(__name__)


class SetStep(StepKind):
    kind = "set"
    schema = {
        "variables": Field("exprs", required=True, doc="name -> jinja2 expression"),
        "next": Field("target", required=True),
    }

    def check(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        for name in self.spec["variables"]:
            if not IDENT.match(name) or name in ("vars", "caller", "context", "interaction", "now"):
                yield ("variables", name), f"{name!r} cannot be a variable name"

    def start(self, ctx: StepContext) -> Action:
        for name, expr in self.spec["variables"].items():
            try:
                ctx.state.variables[name] = ctx.evaluate(expr)
            except (TemplateError, ArithmeticError, TypeError, ValueError) as exc:
                log.warning("set %s: %s failed: %s", self.name, name, exc)
                ctx.state.variables[name] = None
        return Goto(self.spec["next"])
