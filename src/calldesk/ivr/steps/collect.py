"""collect: digits with length limits, a terminator, a regex or Luhn check, and retries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from calldesk.ivr.actions import Action, CollectDigits, DigitsReceived, Goto, NoInput, Result
from calldesk.ivr.steps._retry import retry
from calldesk.ivr.steps.base import Field, StepContext, StepKind

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum used by card and many account numbers."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


class CollectStep(StepKind):
    kind = "collect"
    waits_for_input = True
    schema = {
        "prompt": Field("prompt", required=True),
        "variable": Field("str", required=True, doc="flow variable that receives the digits"),
        "min_length": Field("int", default=1),
        "max_length": Field("int", default=20),
        "terminator": Field("str", default="#", doc="digits that end input early ('' for none)"),
        "timeout": Field("number", default=5.0, doc="seconds to the first digit"),
        "inter_digit_timeout": Field("number", default=3.0),
        "regex": Field("str", doc="the digits must fully match"),
        "luhn": Field("bool", default=False),
        "retries": Field("int", default=2),
        "invalid_prompt": Field("prompt"),
        "no_input_prompt": Field("prompt"),
        "pci": Field("bool", default=False, doc="mask recordings and logs while collecting"),
        "mask_recording": Field("bool", default=False, doc="alias of pci"),
        "next": Field("target", required=True),
        "fallback": Field("target", required=True),
    }

    def check(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        s = self.spec
        if not IDENT.match(s["variable"]):
            yield ("variable",), f"{s['variable']!r} is not a valid variable name"
        if not 1 <= s["min_length"] <= s["max_length"]:
            yield ("min_length",), "need 1 <= min_length <= max_length"
        if any(c not in "0123456789*#" for c in s["terminator"]):
            yield ("terminator",), "terminators must be DTMF digits"
        if s.get("regex") is not None:
            try:
                re.compile(s["regex"])
            except re.error as exc:
                yield ("regex",), f"bad regex: {exc}"

    @property
    def pci(self) -> bool:
        return bool(self.spec["pci"] or self.spec["mask_recording"])

    def _ask(self, ctx: StepContext) -> CollectDigits:
        s = self.spec
        return CollectDigits(
            prompts=ctx.prompts(s["prompt"]),
            min_digits=s["min_length"],
            max_digits=s["max_length"],
            terminators=s["terminator"],
            timeout=float(s["timeout"]),
            inter_digit_timeout=float(s["inter_digit_timeout"]),
            pci=self.pci,
        )

    def valid(self, digits: str) -> bool:
        s = self.spec
        if not s["min_length"] <= len(digits) <= s["max_length"]:
            return False
        if s.get("regex") is not None and not re.fullmatch(s["regex"], digits):
            return False
        return not s["luhn"] or luhn_ok(digits)

    def start(self, ctx: StepContext) -> Action:
        return self._ask(ctx)

    def resume(self, ctx: StepContext, result: Result) -> Action:
        if isinstance(result, DigitsReceived):
            digits = (
                result.digits.rstrip(self.spec["terminator"])
                if self.spec["terminator"]
                else result.digits
            )
            if self.valid(digits):
                ctx.state.variables[self.spec["variable"]] = digits
                if self.pci and self.spec["variable"] not in ctx.state.sensitive:
                    ctx.state.sensitive.append(self.spec["variable"])
                return Goto(self.spec["next"])
        return retry(ctx, self.spec, self._ask(ctx), no_input=isinstance(result, NoInput))
