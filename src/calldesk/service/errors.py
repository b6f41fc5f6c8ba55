"""Errors of the service API. Each maps to one HTTP status and one CLI line.

`PermissionDenied` (403) comes from `calldesk.auth`; here: not found (404), refused by the
state of things (409) and bad input (400, naming the field).
"""

from __future__ import annotations

from calldesk.auth import PermissionDenied
from calldesk.errors import CalldeskError


class NotFound(CalldeskError):
    """No such agent, queue, interaction, offer, session, recording or flow."""


class Refused(CalldeskError):
    """The request is understood and allowed, but the state of things refuses it."""


class Invalid(CalldeskError):
    """A value is not acceptable; `field` names it."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        super().__init__(f"{field}: {reason}")


__all__ = ["Invalid", "NotFound", "PermissionDenied", "Refused"]
