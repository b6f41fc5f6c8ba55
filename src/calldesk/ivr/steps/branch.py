"""branch: the first condition that holds picks the next step; `default` otherwise."""

from __future__ import annotations

import logging

from jinja2.exceptions import TemplateError

from calldesk.ivr.actions import Action, Goto
from calldesk.ivr.steps.base import Field, StepContext, StepKind

log = logging.getLogger(__name__)


class BranchStep(StepKind):
    kind = "branch"
    schema = {
        "conditions": Field("conditions", required=True, doc="list of {when: expr, goto: step}"),
        "default": Field("target", required=True),
    }

    def start(self, ctx: StepContext) -> Action:
        for cond in self.spec["conditions"]:
            try:
                if ctx.evaluate(cond["when"]):
                    return Goto(cond["goto"])
            except (TemplateError, ArithmeticError, TypeError, ValueError) as exc:
                # A condition that cannot be evaluated does not hold.
                log.warning("branch %s: %r failed: %s", self.name, cond["when"], exc)
        return Goto(self.spec["default"])
