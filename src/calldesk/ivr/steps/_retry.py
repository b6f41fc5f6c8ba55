"""Retry bookkeeping shared by menu and collect: re-prompt, then the fallback."""

from __future__ import annotations

from typing import Any

from calldesk.ivr.actions import Action, CollectDigits, Goto
from calldesk.ivr.steps.base import StepContext


def retry(ctx: StepContext, spec: dict[str, Any], ask: CollectDigits, no_input: bool) -> Action:
    """Count a failed attempt; ask again with the invalid/no-input prompt, or go to the fallback."""
    ctx.scratch["attempts"] = ctx.scratch.get("attempts", 0) + 1
    key = "no_input" if no_input else "invalid"
    ctx.scratch[key] = ctx.scratch.get(key, 0) + 1
    if ctx.scratch["attempts"] > spec["retries"]:
        return Goto(spec["fallback"])
    extra = spec.get("no_input_prompt" if no_input else "invalid_prompt") or spec.get(
        "invalid_prompt"
    )
    prompts = ctx.prompts(extra) + ask.prompts
    return CollectDigits(
        prompts=prompts,
        min_digits=ask.min_digits,
        max_digits=ask.max_digits,
        terminators=ask.terminators,
        timeout=ask.timeout,
        inter_digit_timeout=ask.inter_digit_timeout,
        pci=ask.pci,
    )
