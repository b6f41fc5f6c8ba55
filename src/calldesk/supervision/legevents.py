"""What the supervision service reads off the legs: a part of `SupervisionService`
(`service.leg_events`; `service.on_leg` is its `on_leg`).

Listeners run inline on the ESL reader: switch commands are spawned. The supervised call ending
ends the supervisor's leg; the supervisor hanging up ends only the session. A digit dequeued by
the eavesdrop loop (ours, sent by the API, or the supervisor's own key) confirms a mode change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gevent

from calldesk.esl.frames import Event
from calldesk.supervision.modes import EAVESDROP_MODES, Mode, mode_after_digits
from calldesk.supervision.session import ACTIVE, ENDED, Session
from calldesk.telephony.legs import Leg

if TYPE_CHECKING:
    from calldesk.supervision.service import SupervisionService


class LegEvents:
    """Composed by the service; reads its sessions and settings, and calls its `_end`,
    `_set_mode` and `_hangup_quietly`."""

    def __init__(self, svc: SupervisionService) -> None:
        self.svc = svc

    def on_leg(self, leg: Leg, event: Event) -> None:
        name = event.name
        sid = leg.variables.get("calldesk_supervision")
        if sid not in self.svc.sessions:  # a reloaded session: the resynced leg has no variables
            sid = next(
                (x.id for x in self.svc.sessions.values() if x.supervisor_leg == leg.uuid), None
            )
        if sid in self.svc.sessions:
            s = self.svc.sessions[sid]
            if (
                s.supervisor_leg is None
                and name == "CHANNEL_EXECUTE"
                and event.get("Application") == "eavesdrop"
            ):
                s.supervisor_leg = leg.uuid
            if leg.uuid == s.supervisor_leg:
                keys = self.svc.settings.supervisor_keys  # without ED_DTMF the loop ignores digits
                if name == "DTMF" and keys and s.mode in EAVESDROP_MODES + (Mode.CUSTOMER,):
                    self._on_digit(s, event.get("DTMF-Digit") or "", event.get("DTMF-Source") or "")
                elif name == "CHANNEL_HANGUP":
                    cause = leg.hangup_cause or "NORMAL_CLEARING"
                    self.svc._end(
                        s,
                        "supervisor hung up"
                        if s.status == ACTIVE
                        else f"supervisor phone: {cause}",
                    )
        if name == "CHANNEL_HANGUP":
            for s in list(self.svc.sessions.values()):
                if s.status == ENDED:
                    continue
                agent_left = leg.uuid == s.agent_leg and not self._taken_over(s.target_leg)
                if leg.uuid == s.target_leg or agent_left:
                    self.svc._end(s, "call ended")
                    if s.supervisor_leg:
                        gevent.spawn(self.svc._hangup_quietly, s.switch, s.supervisor_leg)

    def _taken_over(self, customer_leg: str) -> bool:
        """A supervisor took this call over: its agent leg ending is not the call ending."""
        return any(
            x.target_leg == customer_leg and x.mode == Mode.TAKEOVER.value
            for x in self.svc.sessions.values()
        )

    def _on_digit(self, s: Session, digit: str, source: str) -> None:
        """The eavesdrop loop dequeued a digit: ours (sent by the API) or the supervisor's own key."""
        after = mode_after_digits(Mode(s.mode), digit)
        if after is None or after.value == s.mode:
            return  # `*` ends the eavesdrop; the leg's hangup then ends the session
        if s.pending is not None and s.pending[0] == after.value:
            by, via = s.pending[1], "api"
        else:
            by, via = s.supervisor, "keypad"
        s.pending = None
        self.svc._set_mode(s, after, by=by, via=via)
