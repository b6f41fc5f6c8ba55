"""calldesk.sim: a simulated FreeSWITCH speaking real ESL over TCP on loopback.

Imports are lazy so `calldesk.sim.virtual` (no sockets) does not pull in the ESL server.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Dialplan", "PhoneBehavior", "SimSwitch"]


def __getattr__(name: str) -> Any:
    if name == "SimSwitch":
        from .switch import SimSwitch

        return SimSwitch
    if name == "PhoneBehavior":
        from .phones import PhoneBehavior

        return PhoneBehavior
    if name == "Dialplan":
        from .dialplan import Dialplan

        return Dialplan
    raise AttributeError(name)
