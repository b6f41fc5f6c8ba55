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
