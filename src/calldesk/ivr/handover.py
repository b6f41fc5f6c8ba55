"""A leg the ACD lets go of runs a calldesk flow: `voicemail` and `flow` overflows (and breakout
keys) run their target on the caller's leg, or for voicemail without one the `flows.voicemail`
flow, under the same interaction. Any other target is left to the voice adapter (a FreeSWITCH
extension in `voicemail_context`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import gevent

from calldesk.errors import ESLError
from calldesk.telephony.legs import LegRef
from calldesk.telephony.switchboard import Switchboard

if TYPE_CHECKING:
    from calldesk.ivr.flow import Flow
    from calldesk.ivr.service import IvrService
    from calldesk.ivr.wiring import IvrSystem

log = logging.getLogger(__name__)


class FlowHandover:
    def __init__(self, board: Switchboard, ivr: IvrSystem, voicemail: str) -> None:
        self.board, self.ivr, self.voicemail = board, ivr, voicemail

    def __call__(self, d: Any, caller: LegRef | None) -> bool:
        """The voice adapter's overflow hook: True if a flow took the leg."""
        if caller is None or d.kind not in ("voicemail", "flow"):
            return False
        name = d.target or (self.voicemail if d.kind == "voicemail" else "")
        flow = self.ivr.library.current(name) if name else None
        service = self.ivr.services.get(caller.switch)
        if flow is None or service is None:
            return False
        if caller.uuid in service.active:
            return False
        leg = self.board.tracker.get(caller.uuid)
        who = {"id": leg.caller_number, "name": leg.caller_name} if leg else {}
        gevent.spawn(self._hand_over, service, caller, d.interaction, flow, who,
                     {"overflow": d.kind})
        return True

    def _hand_over(self, service: IvrService, caller: LegRef, iid: str, flow: Flow, who: dict,
                   variables: dict) -> None:
        """Stop the queue's music first, so the flow's prompts neither wait behind it nor play
        nested inside it; then run the flow."""
        try:
            self.board.switches[caller.switch].api("uuid_break", caller.uuid, "all", check=False)
        except ESLError as exc:
            log.info("uuid_break before %s on %s failed: %s", flow.name, caller.uuid, exc)
        if not service.run_flow(caller.uuid, flow, who, variables, interaction=iid):
            log.warning("%s: a flow already runs on this leg; %s not started", caller.uuid,
                        flow.name)
