"""New callers turned away while the controller is behind (the intake's `shed` owner): the
caller hears busy and the leg is hung up, and one journal row (`intake.shed`) records who was
turned away and how late the controller was. No interaction is opened: shedding must cost far
less than taking the call on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent

from calldesk.errors import CalldeskError
from calldesk.telephony.journal import Appender
from calldesk.telephony.legs import Leg, event_time
from calldesk.telephony.switchboard import Switchboard

log = logging.getLogger(__name__)


class Shed:
    def __init__(
        self,
        board: Switchboard,
        journal: Appender,
        *,
        prompt: str = "",
        lag: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.board, self.journal, self.prompt, self.lag = board, journal, prompt, lag

    def on_park(self, leg: Leg, event: Any) -> None:
        """Every event of a shed leg; acts once, at its park."""
        if event.name != "CHANNEL_PARK":
            return
        data = {
            "caller": leg.caller_number,
            "did": leg.variables.get("calldesk_did") or leg.destination,
            "lag_s": round(self.lag(), 3),
            "cause": "USER_BUSY",
        }
        self.journal.append("intake.shed", leg.uuid, data, at=event_time(event))
        gevent.spawn(self._busy, leg.switch, leg.uuid)  # the reader never waits on a command

    def _busy(self, switch: str, uuid: str) -> None:
        try:
            conn = self.board.switches[switch]
            if self.prompt:  # the busy announcement, then the hangup, queued on the leg in order
                conn.execute_async(uuid, "answer")
                conn.execute_async(uuid, "playback", self.prompt)
                conn.execute_async(uuid, "hangup", "USER_BUSY")
            else:  # the caller hears busy (SIP 486) from the switch
                conn.hangup(uuid, "USER_BUSY")
        except (CalldeskError, KeyError) as exc:
            log.warning("shed caller %s: %s", uuid, exc)
