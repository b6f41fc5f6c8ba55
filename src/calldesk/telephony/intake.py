"""The intake: who owns a parked leg, decided once from its `calldesk_*` variables.

A leg parks for many reasons: a customer's call the IVR must answer, a call dialled from an
agent's or supervisor's phone (desk call), an agent leg the ACD originated for an offer, a
callback's customer leg, a feature code, a dialer attempt. `owner_of` names the owner from the leg's
variables and direction (pure); `Intake` decides at the first CHANNEL_PARK of each leg and
hands the leg to the owner the composition root registered for that kind (`own`), and every
later event of that leg too. Legs nobody owns are left to the observers the wiring subscribes.
A new customer (`ivr`) the `admit` gate refuses (the controller is behind: see `admission.py`)
goes to the `shed` owner instead, which turns it away busy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from calldesk.telephony.legs import Leg

log = logging.getLogger(__name__)

# Calls dialled from agents' and supervisors' phones (`calldesk_kind`, set by the dialplan).
DESK_KINDS = ("agent_call", "outbound", "supervisor")
# Feature codes dialled on an agent's phone (*41 log in, ...), `calldesk_kind=agent_feature`.
FEATURE_KIND = "agent_feature"
# Legs calldesk originates itself, by `calldesk_role`.
ROLES = ("agent", "callback", "supervisor", "dialer")
OWNERS = ("ivr", "desk", "feature", *ROLES, "shed", "none")

Handler = Callable[[Leg, Any], None]


def owner_of(variables: Mapping[str, str], direction: str) -> str:
    """ivr | desk | feature | agent | callback | supervisor | dialer | none."""
    kind = variables.get("calldesk_kind")
    if kind in DESK_KINDS:
        return "desk"
    if kind == FEATURE_KIND:
        return "feature"
    role = variables.get("calldesk_role") or ""
    if role in ROLES:
        return role
    if direction not in ("", "inbound"):
        return "none"  # an outbound leg no role names: not a customer arriving
    return "ivr"


class Intake:
    def __init__(self, admit: Callable[[Leg, Any], bool] | None = None) -> None:
        self.admit = admit  # (leg, its first park) -> may a new customer be taken on now?
        self.handlers: dict[str, Handler] = {}
        self.owner: dict[str, str] = {}  # leg uuid -> owner kind, from its first park to its end

    def own(self, kind: str, handler: Handler) -> None:
        if kind not in OWNERS:
            raise ValueError(f"unknown leg owner {kind!r} (known: {', '.join(OWNERS)})")
        if kind in self.handlers:
            raise ValueError(f"leg owner {kind!r} registered twice")
        self.handlers[kind] = handler

    def on_leg(self, leg: Leg, event: Any) -> None:
        """A tracker subscriber (inline in the ESL reader: handlers must not block)."""
        kind = self.owner.get(leg.uuid)
        if kind is None:
            if event.name != "CHANNEL_PARK" or not leg.alive:
                return
            direction = event.get("Call-Direction") or leg.direction or "inbound"
            kind = owner_of(leg.variables, direction)
            if kind == "ivr" and self.admit is not None and not self.admit(leg, event):
                kind = "shed"
            self.owner[leg.uuid] = kind
        handler = self.handlers.get(kind)
        if handler is not None:
            try:
                handler(leg, event)
            except Exception:
                log.exception("%s owner failed on %s of %s", kind, event.name, leg.uuid)
        if event.name == "CHANNEL_DESTROY":
            self.owner.pop(leg.uuid, None)
