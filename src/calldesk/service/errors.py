"""Errors of the service API. Each maps to one HTTP status and one CLI line.

`PermissionDenied` (403) comes from `calldesk.auth`; here: not found (404), refused by the
state of things (409), bad input (400, naming the field) and accepted but not decided yet
(202: the engine did not decide within `WAIT_S`; it will).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gevent

from calldesk.auth import PermissionDenied
from calldesk.errors import CalldeskError


class NotFound(CalldeskError):
    """No such agent, queue, interaction, offer, session, recording or flow."""


class Refused(CalldeskError):
    """The request is understood and allowed, but the state of things refuses it."""


class Pending(CalldeskError):
    """The engine has the request but did not decide within the wait: it will carry it out
    (so retrying would do it twice); the outcome comes by push. HTTP 202."""


def decide(call: Callable[..., list[str]], *args: Any, **kw: Any) -> list[str]:
    """Call an engine control that waits for the decision; a wait that runs out is `Pending`."""
    try:
        return call(*args, **kw)
    except gevent.Timeout:
        raise Pending(
            "accepted: the controller has the request and will carry it out; its outcome "
            "comes by push"
        ) from None


class Invalid(CalldeskError):
    """A value is not acceptable; `field` names it."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        super().__init__(f"{field}: {reason}")


WAIT_S = 2.0  # how long a state change waits for the engine's decision

__all__ = ["WAIT_S", "Invalid", "NotFound", "Pending", "PermissionDenied", "Refused", "decide"]
