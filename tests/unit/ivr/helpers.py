"""Helpers for IVR tests: build flows from YAML text."""

from __future__ import annotations

import textwrap

from calldesk.ivr.errors import FlowError
from calldesk.ivr.flow import Flow
from calldesk.ivr.validate import Checks, validate_text


def flow_from(text: str, checks: Checks | None = None, file: str = "test.yaml") -> Flow:
    flow, errors = validate_text(textwrap.dedent(text), file, checks or Checks())
    assert not errors, [str(e) for e in errors]
    assert flow is not None
    return flow


def errors_of(text: str, checks: Checks | None = None, file: str = "test.yaml") -> list[FlowError]:
    _, errors = validate_text(textwrap.dedent(text), file, checks or Checks())
    return errors


def codes(errors: list[FlowError]) -> list[str]:
    return [e.code for e in errors]


def ctx_for(state=None, now=None, allow=()):
    """A StepContext over a fresh RunState (time fixed: steps never read the clock)."""
    from datetime import UTC, datetime

    from calldesk.ivr.state import RunState
    from calldesk.ivr.steps.base import StepContext

    state = state or RunState("i-1", "t", "v1", "a", caller={"id": "+15550001", "name": "Ada"})
    now = now or datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    return StepContext(state, now, {"id": state.interaction_id, "medium": "voice"}, tuple(allow))


def step_of(body: str, extra_steps: str = "", allow: str = ""):
    """Build one step (named `a`) from its YAML body; targets b, c, d exist as hangups."""
    text = f"flow: t\n{allow}steps:\n  a: {body}\n{extra_steps}"
    for name in ("b", "c", "d"):
        text += f"  {name}: {{kind: hangup}}\n"
    flow, errors = validate_text(text, "t.yaml")
    errors = [e for e in errors if e.code != "unreachable-step"]
    assert not errors, [str(e) for e in errors]
    if flow is None:
        flow, _ = __import__("calldesk.ivr.schema", fromlist=["x"]).check_schema(
            __import__("calldesk.ivr.loader", fromlist=["x"]).parse_yaml(text, "t.yaml"),
            "t.yaml",
            text,
        )
    return flow.steps["a"].impl
